#include "mathlib.h"
long mathlib_cube(long x) { return x * x * x; }
