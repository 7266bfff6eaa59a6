from ._core import name, scaled, twice_a, twice_b

__all__ = ["name", "scaled", "twice_a", "twice_b"]
