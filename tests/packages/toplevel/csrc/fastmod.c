#include <Python.h>

static PyObject *hello(PyObject *self, PyObject *unused) { return PyUnicode_FromString("fast"); }

static PyMethodDef methods[] = {{"hello", hello, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fastmod", NULL, -1, methods};

PyMODINIT_FUNC PyInit_fastmod(void) { return PyModule_Create(&module); }
