"""A package whose Python code lies in python/."""

from ._core import triple


def nine_times(x: int) -> int:
    return triple(triple(x))
