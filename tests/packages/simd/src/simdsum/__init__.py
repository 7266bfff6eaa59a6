"""Sum of bytes, by the fastest code path the CPU supports."""

from ._sum import path, paths, total

__all__ = ["path", "paths", "total"]
