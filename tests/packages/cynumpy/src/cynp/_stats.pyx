# cython: language_level=3
"""Statistics over NumPy arrays, through numpy's own .pxd (cimport numpy)."""

import numpy as np

cimport numpy as cnp

cnp.import_array()


def mean(cnp.ndarray[cnp.float64_t, ndim=1] values):
    """The mean of a float64 array, read through the buffer numpy's .pxd types."""
    cdef Py_ssize_t i, n = values.shape[0]
    cdef double total = 0
    for i in range(n):
        total += values[i]
    return total / n


def running_sum(const cnp.int64_t[:] values):
    """The running sums of an int64 array, as a new array made with the C API."""
    cdef cnp.npy_intp n = values.shape[0]
    cdef cnp.ndarray out = cnp.PyArray_ZEROS(1, &n, cnp.NPY_INT64, 0)
    cdef cnp.int64_t[:] sums = out
    cdef cnp.int64_t acc = 0
    cdef Py_ssize_t i
    for i in range(n):
        acc += values[i]
        sums[i] = acc
    return out
