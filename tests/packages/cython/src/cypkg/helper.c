#include "helper.h"

int helper_add(int a, int b) { return a + b; }
