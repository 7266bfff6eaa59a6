from ._core import add, version

__all__ = ["add", "version"]
