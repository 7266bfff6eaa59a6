#include <Python.h>

int answer(void) {
    return 42
}
