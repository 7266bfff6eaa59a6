# Found through cython-include-dirs; outside the package, so in the sdist only.
cdef enum:
    HUNDRED = 100
