#define PY_SSIZE_T_CLEAN
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <Python.h>
#include <numpy/arrayobject.h>

/* sum(x**2) of a float64 array, through the NumPy C API. */
static PyObject *sum_squares(PyObject *self, PyObject *arg) {
    PyArrayObject *array = (PyArrayObject *)PyArray_FROM_OTF(arg, NPY_DOUBLE, NPY_ARRAY_IN_ARRAY);
    if (array == NULL) {
        return NULL;
    }
    const double *data = (const double *)PyArray_DATA(array);
    npy_intp n = PyArray_SIZE(array);
    double total = 0.0;
    for (npy_intp i = 0; i < n; i++) {
        total += data[i] * data[i];
    }
    Py_DECREF(array);
    return PyFloat_FromDouble(total);
}

static PyMethodDef methods[] = {{"sum_squares", sum_squares, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) {
    import_array();
    return PyModule_Create(&module);
}
