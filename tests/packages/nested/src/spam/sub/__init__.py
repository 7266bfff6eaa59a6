from ._core import clock_works, name, scaled, twice_a, twice_b

__all__ = ["clock_works", "name", "scaled", "twice_a", "twice_b"]
