#include <Python.h>
#include <math.h>

/* words.cpp, C++ behind a C interface (the reason for setup.py's -lstdc++). */
extern int flagged_upper(const char *text, char *out, int size);

static PyObject *upper(PyObject *self, PyObject *arg) {
    const char *text = PyUnicode_AsUTF8(arg);
    char out[256];
    if (text == NULL)
        return NULL;
    if (flagged_upper(text, out, (int)sizeof(out)) < 0) {
        PyErr_SetString(PyExc_ValueError, "too long");
        return NULL;
    }
    return PyUnicode_FromString(out);
}

static PyObject *py_hypot(PyObject *self, PyObject *args) {
    double x, y;
    if (!PyArg_ParseTuple(args, "dd", &x, &y))
        return NULL;
    return PyFloat_FromDouble(hypot(x, y));
}

static PyMethodDef methods[] = {
    {"upper", upper, METH_O, NULL},
    {"hypot", py_hypot, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
