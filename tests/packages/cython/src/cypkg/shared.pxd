# Shared by first.pyx and second.pyx.
cdef inline int twice(int x):
    return 2 * x
