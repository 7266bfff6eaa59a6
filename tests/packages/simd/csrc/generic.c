#include "simdsum.h"

uint64_t simdsum_generic(const uint8_t *data, size_t size) {
    uint64_t total = 0;
    for (size_t i = 0; i < size; i++)
        total += data[i];
    return total;
}
