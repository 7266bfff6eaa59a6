from ._core import hypot, upper

__all__ = ["hypot", "upper"]
