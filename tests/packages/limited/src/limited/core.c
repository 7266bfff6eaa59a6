/* Only the limited API: zlig defines Py_LIMITED_API=0x03090000. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef Py_LIMITED_API
#error "Py_LIMITED_API is not defined"
#endif

static PyObject *add(PyObject *self, PyObject *args) {
    long long a, b;
    if (!PyArg_ParseTuple(args, "LL", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLongLong(a + b);
}

/* The version of the Python that loaded the module, to show one file runs on many. */
static PyObject *version(PyObject *self, PyObject *unused) {
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        return NULL;
    }
    PyObject *info = PyObject_GetAttrString(sys, "version_info");
    Py_DECREF(sys);
    if (info == NULL) {
        return NULL;
    }
    PyObject *major = PySequence_GetItem(info, 0);
    PyObject *minor = PySequence_GetItem(info, 1);
    Py_DECREF(info);
    PyObject *result = NULL;
    if (major != NULL && minor != NULL) {
        result = PyUnicode_FromFormat("%S.%S", major, minor);
    }
    Py_XDECREF(major);
    Py_XDECREF(minor);
    return result;
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, NULL},
    {"version", version, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
