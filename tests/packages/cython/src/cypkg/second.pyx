from cypkg.shared cimport twice
from units cimport HUNDRED


def quadruple(int x):
    return twice(twice(x))


def hundred():
    return HUNDRED

include "_second_extra.pyx"
