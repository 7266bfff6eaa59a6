/* Not compiled: in the sdist through include = ["csrc/"]. */
int picked_unused(void) { return 0; }
