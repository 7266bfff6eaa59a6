/* Used only through vec.pyx's cdef extern block: a build input, not a wheel file. */
#include "vec_base.h"
#define VEC_LIMIT (VEC_BASE * 4)
