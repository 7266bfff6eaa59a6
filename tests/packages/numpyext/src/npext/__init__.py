from ._core import sum_squares

__all__ = ["sum_squares"]
