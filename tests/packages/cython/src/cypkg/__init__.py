"""Cython modules built by zlig."""
