# distutils: language = c++
from libcpp.vector cimport vector


def total(list values):
    cdef vector[int] v
    for x in values:
        v.push_back(x)
    cdef int sum = 0
    for x in v:
        sum += x
    return sum


cdef extern from "vec_limits.h":
    int VEC_LIMIT


def limit():
    return VEC_LIMIT
