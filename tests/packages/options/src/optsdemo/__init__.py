from ._core import info

__all__ = ["info"]
