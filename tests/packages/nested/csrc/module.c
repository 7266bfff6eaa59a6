#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "spam.h"
#include <time.h>

static PyObject *twice_a(PyObject *self, PyObject *arg) {
    long x = PyLong_AsLong(arg);
    if (x == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(spam_twice_a(x));
}

static PyObject *twice_b(PyObject *self, PyObject *arg) {
    long x = PyLong_AsLong(arg);
    if (x == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(spam_twice_b(x));
}

static PyObject *scaled(PyObject *self, PyObject *arg) {
    long x = PyLong_AsLong(arg);
    if (x == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(SPAM_SCALE * x);
}

static PyObject *name(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(SPAM_NAME);
}

/* clock_gettime is GLIBC_2.17 in libc: the wheel needs manylinux_2_17. */
static PyObject *clock_works(PyObject *self, PyObject *unused) {
    struct timespec ts;
    return PyBool_FromLong(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
}

static PyMethodDef methods[] = {
    {"clock_works", clock_works, METH_NOARGS, NULL},
    {"twice_a", twice_a, METH_O, NULL},
    {"twice_b", twice_b, METH_O, NULL},
    {"scaled", scaled, METH_O, NULL},
    {"name", name, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
