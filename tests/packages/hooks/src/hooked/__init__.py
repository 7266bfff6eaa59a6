"""A package whose extension is partly written by its build hooks."""

from ._core import square, version

__all__ = ["square", "version"]
