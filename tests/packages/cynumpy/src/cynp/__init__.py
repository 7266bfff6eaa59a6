from ._stats import mean, running_sum

__all__ = ["mean", "running_sum"]
