# Included by first.pyx.
cdef int scale():
    return 10
