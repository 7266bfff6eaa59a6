try:
    from ._speedups import fast
except ImportError:  # the optional extension did not compile
    fast = None
