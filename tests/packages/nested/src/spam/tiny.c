#include <Python.h>

#ifndef SPAM_TINY
#error "SPAM_TINY is not defined"
#endif

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tiny", NULL, -1, NULL};

PyMODINIT_FUNC PyInit__tiny(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "ANSWER", SPAM_ANSWER) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
