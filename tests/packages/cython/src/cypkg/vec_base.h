/* Included only by vec_limits.h. */
#define VEC_BASE 250
