"""Sum of bytes, by the fastest code path the CPU supports."""

from ._sum import crc32c, path, paths, total

__all__ = ["crc32c", "path", "paths", "total"]
