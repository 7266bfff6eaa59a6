#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <numeric>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

extern "C" long cxxpkg_scale(long x);

namespace {

struct Base {
    virtual ~Base() = default;
};
struct Derived : Base {};

long checked_div(long a, long b) {
    if (b == 0) {
        throw std::domain_error("cannot divide by zero");
    }
    return a / b;
}

PyObject *divide(PyObject *, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return nullptr;
    }
    try {
        return PyLong_FromLong(checked_div(a, b));
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_ZeroDivisionError, e.what());
        return nullptr;
    }
}

PyObject *rtti(PyObject *, PyObject *) {
    Base *p = new Derived();
    bool derived = dynamic_cast<Derived *>(p) != nullptr;
    std::string name = typeid(*p).name();
    delete p;
    return Py_BuildValue("Os", derived ? Py_True : Py_False, name.c_str());
}

PyObject *total(PyObject *, PyObject *arg) {
    std::vector<long> values;
    PyObject *iter = PyObject_GetIter(arg);
    if (iter == nullptr) {
        return nullptr;
    }
    while (PyObject *item = PyIter_Next(iter)) {
        values.push_back(PyLong_AsLong(item));
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) {
        return nullptr;
    }
    return PyLong_FromLong(cxxpkg_scale(std::accumulate(values.begin(), values.end(), 0L)));
}

PyMethodDef methods[] = {
    {"divide", divide, METH_VARARGS, nullptr},
    {"rtti", rtti, METH_NOARGS, nullptr},
    {"total", total, METH_O, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", nullptr, -1, methods};

}  // namespace

PyMODINIT_FUNC PyInit__core() { return PyModule_Create(&module); }
