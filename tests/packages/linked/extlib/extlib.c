/* Built into lib/libextlib.so by the test, before the extension links it. */
int extlib_answer(void) { return 42; }
