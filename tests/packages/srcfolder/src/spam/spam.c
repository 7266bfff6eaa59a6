#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "vendor/checksum.h"

static PyObject *checksum(PyObject *self, PyObject *args) {
    const char *data;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "y#", &data, &size))
        return NULL;
    return PyLong_FromUnsignedLong(spam_checksum((const unsigned char *)data, (size_t)size));
}

static PyMethodDef methods[] = {
    {"checksum", checksum, METH_VARARGS, "Fletcher-16 checksum of bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "spam", NULL, -1, methods};

PyMODINIT_FUNC PyInit_spam(void) { return PyModule_Create(&module); }
