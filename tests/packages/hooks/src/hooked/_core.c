#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Written by tools/gen.py from [project] version, into the generated folder
   (on the include path); the table's size too. */
#include "hooked_version.h"
#include "hooked_table.h"

/* In $generated/tables.c. */
extern const long hooked_squares[HOOKED_TABLE_SIZE];
extern const long hooked_offset;

static PyObject *version(PyObject *self, PyObject *args) {
    return PyUnicode_FromString(HOOKED_VERSION);
}

static PyObject *square(PyObject *self, PyObject *arg) {
    long i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (i < 0 || i >= HOOKED_TABLE_SIZE) {
        PyErr_SetString(PyExc_IndexError, "not in the table");
        return NULL;
    }
    return PyLong_FromLong(hooked_squares[i] + hooked_offset);
}

static PyMethodDef methods[] = {
    {"version", version, METH_NOARGS, NULL},
    {"square", square, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
