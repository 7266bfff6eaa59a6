/* C linked into the Zig module. */
long zigdemo_triple(long x) { return 3 * x; }
