#ifndef SIMDSUM_H
#define SIMDSUM_H
#include <stddef.h>
#include <stdint.h>

uint64_t simdsum_generic(const uint8_t *data, size_t size);
#if defined(__x86_64__)
uint64_t simdsum_avx2(const uint8_t *data, size_t size);   /* x86/sum_avx2.c, -mavx2 */
uint64_t simdsum_sse2(const uint8_t *data, size_t size);   /* x86/sum_sse2.S */
#elif defined(__aarch64__)
uint64_t simdsum_scalar_asm(const uint8_t *data, size_t size);  /* arm/sum_scalar.S */
#endif
#endif
