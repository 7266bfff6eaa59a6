/* What clang's __builtin_cpu_supports(), __builtin_cpu_is() and
   __builtin_cpu_init() read, for extensions that choose SIMD code at run
   time. gcc gets it from libgcc and clang from its compiler-rt; Zig's own
   runtime library has none of it, so without this file such an extension
   fails to link ("relocation ... against symbol '__cpu_model'").

   zlig links it into every extension as a static library: the linker takes
   it only when an extension refers to one of its symbols. Its symbols are
   hidden, so each extension has its own copy, as with libgcc.

   The layout and bit numbers are those the compiler reads (the same as gcc's
   and compiler-rt's: the numbering is an ABI); tests/test_cpu_features.py
   checks each bit against what Zig's clang generates. Features not detected
   here read as absent, which only makes code take a slower path. */

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>

struct zlig_processor_model {
    unsigned int cpu_vendor;
    unsigned int cpu_type;
    unsigned int cpu_subtype;
    unsigned int cpu_features[1];
};

__attribute__((visibility("hidden"))) struct zlig_processor_model __cpu_model;
__attribute__((visibility("hidden"))) unsigned int __cpu_features2[3];

enum { VENDOR_INTEL = 1, VENDOR_AMD = 2, VENDOR_OTHER = 3 };

/* Bit numbers: feature n is bit n of cpu_features[0] for n < 32, else bit
   (n - 32) % 32 of __cpu_features2[(n - 32) / 32]. */
enum {
    F_CMOV = 0, F_MMX = 1, F_POPCNT = 2, F_SSE = 3, F_SSE2 = 4, F_SSE3 = 5,
    F_SSSE3 = 6, F_SSE4_1 = 7, F_SSE4_2 = 8, F_AVX = 9, F_AVX2 = 10,
    F_SSE4_A = 11, F_FMA4 = 12, F_XOP = 13, F_FMA = 14, F_AVX512F = 15,
    F_BMI = 16, F_BMI2 = 17, F_AES = 18, F_PCLMUL = 19, F_AVX512VL = 20,
    F_AVX512BW = 21, F_AVX512DQ = 22, F_AVX512CD = 23, F_AVX512VBMI = 26,
    F_AVX512IFMA = 27, F_AVX512VPOPCNTDQ = 30, F_AVX512VBMI2 = 31,
    F_GFNI = 32, F_VPCLMULQDQ = 33, F_AVX512VNNI = 34, F_AVX512BITALG = 35,
    F_AVX512BF16 = 36, F_AVX512VP2INTERSECT = 37, F_ADX = 40, F_F16C = 49,
    F_LZCNT = 57, F_MOVBE = 58, F_SHA = 74, F_VAES = 78, F_X86_64 = 95,
    F_X86_64_V2 = 96, F_X86_64_V3 = 97, F_X86_64_V4 = 98,
};

static unsigned int features[4];

static void set(unsigned int feature) { features[feature / 32] |= 1u << (feature % 32); }

static int has(unsigned int feature) { return (features[feature / 32] >> (feature % 32)) & 1; }

static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

__attribute__((visibility("hidden"), constructor(101))) int __cpu_indicator_init(void) {
    unsigned int eax, ebx, ecx, edx, max_leaf, ecx1, edx1;
    if (__cpu_model.cpu_vendor)
        return 0;
    if (!__get_cpuid(0, &max_leaf, &ebx, &ecx, &edx)) {
        __cpu_model.cpu_vendor = VENDOR_OTHER;
        return -1;
    }
    int intel = ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e; /* GenuineIntel */
    int amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;   /* AuthenticAMD */
    __cpuid_count(1, 0, eax, ebx, ecx1, edx1);
    ecx = ecx1;
    edx = edx1;
    if (edx & (1u << 15)) set(F_CMOV);
    if (edx & (1u << 23)) set(F_MMX);
    if (edx & (1u << 25)) set(F_SSE);
    if (edx & (1u << 26)) set(F_SSE2);
    if (ecx & (1u << 0)) set(F_SSE3);
    if (ecx & (1u << 1)) set(F_PCLMUL);
    if (ecx & (1u << 9)) set(F_SSSE3);
    if (ecx & (1u << 19)) set(F_SSE4_1);
    if (ecx & (1u << 20)) set(F_SSE4_2);
    if (ecx & (1u << 22)) set(F_MOVBE);
    if (ecx & (1u << 23)) set(F_POPCNT);
    if (ecx & (1u << 25)) set(F_AES);
    /* AVX state must be enabled by the OS (XCR0 bits 1 and 2), AVX-512's
       too (bits 5-7), before any AVX feature counts. */
    int osxsave = (ecx & (1u << 27)) != 0;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int avx_os = (xcr0 & 0x6) == 0x6;
    int avx512_os = avx_os && (xcr0 & 0xe0) == 0xe0;
    if (avx_os) {
        if (ecx & (1u << 28)) set(F_AVX);
        if (ecx & (1u << 12)) set(F_FMA);
        if (ecx & (1u << 29)) set(F_F16C);
    }
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        if (ebx & (1u << 3)) set(F_BMI);
        if (ebx & (1u << 8)) set(F_BMI2);
        if (ebx & (1u << 19)) set(F_ADX);
        if (ebx & (1u << 29)) set(F_SHA);
        if (avx_os) {
            if (ebx & (1u << 5)) set(F_AVX2);
            if (ecx & (1u << 9)) set(F_VAES);
            if (ecx & (1u << 10)) set(F_VPCLMULQDQ);
        }
        if (ecx & (1u << 8)) set(F_GFNI);
        if (avx512_os) {
            if (ebx & (1u << 16)) set(F_AVX512F);
            if (ebx & (1u << 17)) set(F_AVX512DQ);
            if (ebx & (1u << 21)) set(F_AVX512IFMA);
            if (ebx & (1u << 28)) set(F_AVX512CD);
            if (ebx & (1u << 30)) set(F_AVX512BW);
            if (ebx & (1u << 31)) set(F_AVX512VL);
            if (ecx & (1u << 1)) set(F_AVX512VBMI);
            if (ecx & (1u << 6)) set(F_AVX512VBMI2);
            if (ecx & (1u << 11)) set(F_AVX512VNNI);
            if (ecx & (1u << 12)) set(F_AVX512BITALG);
            if (ecx & (1u << 14)) set(F_AVX512VPOPCNTDQ);
            if (edx & (1u << 8)) set(F_AVX512VP2INTERSECT);
            unsigned int max_sub = eax;
            if (max_sub >= 1) {
                __cpuid_count(7, 1, eax, ebx, ecx, edx);
                if (eax & (1u << 5)) set(F_AVX512BF16);
            }
        }
    }
    unsigned int max_ext = __get_cpuid_max(0x80000000, 0);
    int lahf = 0;
    if (max_ext >= 0x80000001) {
        __cpuid_count(0x80000001, 0, eax, ebx, ecx, edx);
        lahf = (ecx & 1u) != 0;
        if (ecx & (1u << 5)) set(F_LZCNT);
        if (ecx & (1u << 6)) set(F_SSE4_A);
        if (avx_os && (ecx & (1u << 11))) set(F_XOP);
        if (avx_os && (ecx & (1u << 16))) set(F_FMA4);
    }
    /* The microarchitecture levels of the x86-64 psABI. */
    set(F_X86_64);
    int cx16 = (ecx1 & (1u << 13)) != 0;
    if (cx16 && lahf && has(F_POPCNT) && has(F_SSE3) && has(F_SSSE3) && has(F_SSE4_1) &&
        has(F_SSE4_2)) {
        set(F_X86_64_V2);
        if (has(F_AVX) && has(F_AVX2) && has(F_BMI) && has(F_BMI2) && has(F_F16C) &&
            has(F_FMA) && has(F_LZCNT) && has(F_MOVBE)) {
            set(F_X86_64_V3);
            if (has(F_AVX512F) && has(F_AVX512BW) && has(F_AVX512CD) && has(F_AVX512DQ) &&
                has(F_AVX512VL))
                set(F_X86_64_V4);
        }
    }
    __cpu_model.cpu_features[0] = features[0];
    __cpu_features2[0] = features[1];
    __cpu_features2[1] = features[2];
    __cpu_features2[2] = features[3];
    __cpu_model.cpu_vendor = intel ? VENDOR_INTEL : amd ? VENDOR_AMD : VENDOR_OTHER;
    return 0;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>

#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif

/* Bit numbers of the features clang's function multi-versioning knows. */
enum {
    F_RNG = 0, F_FLAGM = 1, F_FLAGM2 = 2, F_FP16FML = 3, F_DOTPROD = 4, F_SM4 = 5,
    F_RDM = 6, F_LSE = 7, F_FP = 8, F_SIMD = 9, F_CRC = 10, F_SHA2 = 12, F_SHA3 = 13,
    F_AES = 15, F_FP16 = 16, F_JSCVT = 20, F_FCMA = 21, F_I8MM = 26, F_BF16 = 27,
    F_SVE = 30, F_SVE2 = 36,
};

__attribute__((visibility("hidden"))) struct {
    unsigned long long features;
} __aarch64_cpu_features;

/* Linux's HWCAP and HWCAP2 bits (asm/hwcap.h). */
static const struct {
    unsigned char hwcap2, bit, feature;
} HWCAPS[] = {
    {0, 0, F_FP},      {0, 1, F_SIMD},    {0, 3, F_AES},      {0, 6, F_SHA2},
    {0, 7, F_CRC},     {0, 8, F_LSE},     {0, 9, F_FP16},     {0, 12, F_RDM},
    {0, 13, F_JSCVT},  {0, 14, F_FCMA},   {0, 17, F_SHA3},    {0, 19, F_SM4},
    {0, 20, F_DOTPROD}, {0, 22, F_SVE},   {0, 23, F_FP16FML}, {0, 27, F_FLAGM},
    {1, 1, F_SVE2},    {1, 7, F_FLAGM2},  {1, 13, F_I8MM},    {1, 14, F_BF16},
    {1, 16, F_RNG},
};

__attribute__((visibility("hidden"))) void __init_cpu_features_resolver(
    unsigned long hwcap, const void *arg) {
    (void)arg;
    if (__aarch64_cpu_features.features)
        return;
    unsigned long hwcap2 = getauxval(AT_HWCAP2);
    unsigned long long features = 0;
    for (unsigned int i = 0; i < sizeof(HWCAPS) / sizeof(HWCAPS[0]); i++) {
        unsigned long word = HWCAPS[i].hwcap2 ? hwcap2 : hwcap;
        if (word & (1ul << HWCAPS[i].bit))
            features |= 1ull << HWCAPS[i].feature;
    }
    /* clang's "aes" means AES and PMULL (HWCAP bit 4) both. */
    if (!(hwcap & (1ul << 4)))
        features &= ~(1ull << F_AES);
    /* Bit 63 says "initialised", as in compiler-rt. */
    __aarch64_cpu_features.features = features | (1ull << 63);
}

__attribute__((visibility("hidden"), constructor(90))) void __init_cpu_features(void) {
    __init_cpu_features_resolver(getauxval(AT_HWCAP), 0);
}
#endif
