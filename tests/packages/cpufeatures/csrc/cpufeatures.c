/* supports(name) -> __builtin_cpu_supports(name) (1 or 0), or -1 for a name
   not in the list; is_vendor(name) -> __builtin_cpu_is(name) (x86_64). */
#include <Python.h>
#include <string.h>

#define T(x) if (strcmp(name, x) == 0) return __builtin_cpu_supports(x);

static int supports(const char *name) {
#if defined(__x86_64__)
    T("cmov") T("mmx") T("popcnt") T("sse") T("sse2") T("sse3") T("ssse3") T("sse4.1")
    T("sse4.2") T("avx") T("avx2") T("sse4a") T("fma4") T("xop") T("fma") T("avx512f")
    T("bmi") T("bmi2") T("aes") T("pclmul") T("avx512vl") T("avx512bw") T("avx512dq")
    T("avx512cd") T("avx512vbmi") T("avx512ifma") T("avx512vpopcntdq") T("avx512vbmi2")
    T("gfni") T("vpclmulqdq") T("avx512vnni") T("avx512bitalg") T("avx512bf16")
    T("avx512vp2intersect") T("adx") T("sha") T("vaes") T("f16c") T("lzcnt") T("movbe")
    T("x86-64") T("x86-64-v2") T("x86-64-v3") T("x86-64-v4")
#elif defined(__aarch64__)
    T("rng") T("flagm") T("flagm2") T("fp16fml") T("dotprod") T("sm4") T("rdm") T("lse")
    T("fp") T("simd") T("crc") T("sha2") T("sha3") T("aes") T("fp16") T("jscvt") T("fcma")
    T("i8mm") T("bf16") T("sve") T("sve2")
#endif
    return -1;
}

static PyObject *py_supports(PyObject *self, PyObject *arg) {
    const char *name = PyUnicode_AsUTF8(arg);
    return name ? PyLong_FromLong(supports(name)) : NULL;
}

static PyObject *py_is_vendor(PyObject *self, PyObject *arg) {
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == NULL)
        return NULL;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (strcmp(name, "intel") == 0)
        return PyBool_FromLong(__builtin_cpu_is("intel"));
    if (strcmp(name, "amd") == 0)
        return PyBool_FromLong(__builtin_cpu_is("amd"));
#endif
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"supports", py_supports, METH_O, NULL},
    {"is_vendor", py_is_vendor, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cpufeatures", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cpufeatures(void) { return PyModule_Create(&module); }
