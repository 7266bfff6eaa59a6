cdef extern from "helper.h":
    int helper_add(int a, int b)


def add(int a, int b):
    return helper_add(a, b)
