"""Test package: two extensions, one of them in a subpackage."""

__version__ = "2.0"
