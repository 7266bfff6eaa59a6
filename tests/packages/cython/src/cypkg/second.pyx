from cypkg.shared cimport twice


def quadruple(int x):
    return twice(twice(x))
