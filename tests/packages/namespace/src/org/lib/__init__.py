from ._speedups import answer

__all__ = ["answer"]
