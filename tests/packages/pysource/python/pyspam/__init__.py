"""A package whose Python code lies in python/."""

__version__ = "1.0"

from ._core import triple


def nine_times(x: int) -> int:
    return triple(triple(x))
