"""The public face of the _fast extension."""

from _fast import double

__all__ = ["double"]
