"""A tiny package whose add() is written in C."""

from ._core import add

__all__ = ["add"]
