/* Compiled with -mavx2 (a per-source flag): called only when the CPU has AVX2. */
#include <immintrin.h>
#include "../simdsum.h"

uint64_t simdsum_avx2(const uint8_t *data, size_t size) {
    __m256i acc = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(data + i));
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, _mm256_setzero_si256()));
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, acc);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + simdsum_generic(data + i, size - i);
}
