#include <Python.h>

int extlib_answer(void);

static PyObject *answer(PyObject *self, PyObject *unused) {
    return PyLong_FromLong(extlib_answer());
}

static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
