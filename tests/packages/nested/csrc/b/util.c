#include "spam.h"
#include "util.h"
long spam_twice_b(long x) { return 2 * x + SPAM_OFFSET; }
