#include "spam.h"
/* Same file name as csrc/b/util.c: both must be compiled and linked. */
long spam_twice_a(long x) { return 2 * x; }
