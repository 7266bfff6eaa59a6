/* Compiled as C, linked into the same extension as core.cpp. */
long cxxpkg_scale(long x) { return 10 * x; }
