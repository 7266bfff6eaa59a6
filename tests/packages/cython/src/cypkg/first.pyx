from cypkg.shared cimport twice

include "consts.pxi"


def double(int x):
    return twice(x)


def scaled(int x):
    return scale() * x


def offset():
    return OFFSET
