long mathlib_cube(long x);
