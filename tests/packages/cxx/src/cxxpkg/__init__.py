from ._core import divide, rtti, total

__all__ = ["divide", "rtti", "total"]
