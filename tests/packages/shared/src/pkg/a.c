#include <Python.h>
#include "mathlib.h"

static PyObject *cube(PyObject *self, PyObject *arg) {
    long x = PyLong_AsLong(arg);
    if (x == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(mathlib_cube(x) + ('a' == 'a' ? 0 : 1));
}

static PyMethodDef methods[] = {{"cube", cube, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_a", NULL, -1, methods};

PyMODINIT_FUNC PyInit__a(void) { return PyModule_Create(&module); }
