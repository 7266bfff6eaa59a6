/* Run-time dispatch, as hashing and compression libraries do it: code for
   newer instruction sets is compiled into the portable (baseline) build, and
   a CPU check at import picks what runs. SIMDSUM_MAX=<path> caps the choice,
   so tests can force the fallbacks on any CPU. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include "simdsum.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* AVX-512 through target attributes: no per-file flag needed. */
__attribute__((target("avx512f,avx512bw")))
static uint64_t simdsum_avx512(const uint8_t *data, size_t size) {
    __m512i acc = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 64 <= size; i += 64) {
        __m512i v = _mm512_loadu_si512((const void *)(data + i));
        acc = _mm512_add_epi64(acc, _mm512_sad_epu8(v, _mm512_setzero_si512()));
    }
    return (uint64_t)_mm512_reduce_add_epi64(acc) + simdsum_generic(data + i, size - i);
}

static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static int cpu_has(const char *what) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return 0;
    unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    if (strcmp(what, "avx2") == 0)
        return (b & bit_AVX2) != 0;
    /* avx512: the OS saves opmask and ZMM state, and the CPU has F and BW. */
    return (xcr0 & 0xe6) == 0xe6 && (b & bit_AVX512F) && (b & bit_AVX512BW);
}

static const char *PATHS[] = {"generic", "sse2", "avx2", "avx512"};

#elif defined(__aarch64__)
#include <arm_neon.h>
#include <arm_sve.h>
#include <sys/auxv.h>

/* SVE through a target attribute, chosen when the kernel reports it. */
__attribute__((target("sve")))
static uint64_t simdsum_sve(const uint8_t *data, size_t size) {
    svuint64_t acc = svdup_u64(0);
    for (size_t i = 0; i < size; i += svcntd()) {
        svbool_t pg = svwhilelt_b64((uint64_t)i, (uint64_t)size);
        acc = svadd_u64_m(pg, acc, svld1ub_u64(pg, data + i));
    }
    return svaddv_u64(svptrue_b64(), acc);
}

/* NEON is part of the aarch64 baseline. */
static uint64_t simdsum_neon(const uint8_t *data, size_t size) {
    uint64x2_t acc = vdupq_n_u64(0);
    size_t i = 0;
    for (; i + 16 <= size; i += 16)
        acc = vpadalq_u32(acc, vpaddlq_u16(vpaddlq_u8(vld1q_u8(data + i))));
    return vaddvq_u64(acc) + simdsum_generic(data + i, size - i);
}

static int cpu_has(const char *what) {
    return strcmp(what, "sve") == 0 && (getauxval(AT_HWCAP) & HWCAP_SVE) != 0;
}

static const char *PATHS[] = {"generic", "asm", "neon", "sve"};
#else
static const char *PATHS[] = {"generic"};
#endif

#define NPATHS (sizeof(PATHS) / sizeof(PATHS[0]))

static uint64_t (*chosen)(const uint8_t *, size_t) = simdsum_generic;
static const char *chosen_name = "generic";

static void choose(void) {
    size_t cap = NPATHS - 1;
    const char *max = getenv("SIMDSUM_MAX");
    for (size_t i = 0; max && i < NPATHS; i++)
        if (strcmp(max, PATHS[i]) == 0)
            cap = i;
    size_t best = 0;
#if defined(__x86_64__)
    best = 1; /* SSE2 is baseline */
    if (cpu_has("avx2"))
        best = 2;
    if (cpu_has("avx512"))
        best = 3;
    uint64_t (*impls[])(const uint8_t *, size_t) = {
        simdsum_generic, simdsum_sse2, simdsum_avx2, simdsum_avx512};
#elif defined(__aarch64__)
    best = cpu_has("sve") ? 3 : 2;
    uint64_t (*impls[])(const uint8_t *, size_t) = {
        simdsum_generic, simdsum_scalar_asm, simdsum_neon, simdsum_sve};
#else
    uint64_t (*impls[])(const uint8_t *, size_t) = {simdsum_generic};
#endif
    size_t use = best < cap ? best : cap;
    chosen = impls[use];
    chosen_name = PATHS[use];
}

/* CRC-32C, with SSE 4.2's crc32 instruction where __builtin_cpu_supports
   says the CPU has it (crc32 through target("sse4.2"), as gcc allows). */
static uint32_t crc32c_generic(uint32_t crc, const uint8_t *data, size_t size) {
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *data, size_t size) {
    for (size_t i = 0; i < size; i++)
        crc = _mm_crc32_u8(crc, data[i]);
    return crc;
}
#endif

static PyObject *crc32c(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const uint8_t *data = (const uint8_t *)view.buf;
    uint32_t crc = 0xFFFFFFFFu;
    const char *max = getenv("SIMDSUM_MAX");
    int generic = max && strcmp(max, "generic") == 0;
#if defined(__x86_64__)
    if (!generic && __builtin_cpu_supports("sse4.2"))
        crc = crc32c_sse42(crc, data, (size_t)view.len);
    else
#endif
        crc = crc32c_generic(crc, data, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(crc ^ 0xFFFFFFFFu);
}

static PyObject *total(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    uint64_t result = chosen((const uint8_t *)view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLongLong(result);
}

static PyObject *path(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(chosen_name);
}

static PyObject *paths(PyObject *self, PyObject *unused) {
    PyObject *result = PyTuple_New(NPATHS);
    for (size_t i = 0; result && i < NPATHS; i++)
        PyTuple_SET_ITEM(result, i, PyUnicode_FromString(PATHS[i]));
    return result;
}

static PyMethodDef methods[] = {
    {"total", total, METH_O, "Sum of the bytes of a buffer."},
    {"crc32c", crc32c, METH_O, "CRC-32C (Castagnoli) of a buffer."},
    {"path", path, METH_NOARGS, "The code path in use."},
    {"paths", paths, METH_NOARGS, "The code paths compiled in, slowest first."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sum", NULL, -1, methods};

PyMODINIT_FUNC PyInit__sum(void) {
    choose();
    return PyModule_Create(&module);
}
