#include <Python.h>
#include <math.h>

#ifdef DROPPED
#error "undef-macros did not undefine DROPPED"
#endif

static int bare_token(void) { return 5; }

static PyObject *info(PyObject *self, PyObject *unused) {
    /* __STDC_VERSION__ shows c-std; TOKEN expands to a bare identifier; GREETING
       is a string literal; FROM_ARGS comes from extra-compile-args; sqrt from -lm. */
    return Py_BuildValue("lisiid", (long)__STDC_VERSION__, TOKEN(), GREETING, FROM_ARGS,
                         DEFAULT_ONLY, sqrt(16.0));
}

static PyMethodDef methods[] = {{"info", info, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
