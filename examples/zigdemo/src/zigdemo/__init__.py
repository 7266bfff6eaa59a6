"""add() and fib() written in Zig; triple() comes from a C file in the same module."""

from ._core import add, fib, triple

__all__ = ["add", "fib", "triple"]
