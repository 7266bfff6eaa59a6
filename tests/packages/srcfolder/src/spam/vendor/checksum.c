#include "checksum.h"

/* Fletcher-16, as a vendored library would provide it. */
unsigned long spam_checksum(const unsigned char *data, size_t size) {
    unsigned long a = 0, b = 0;
    for (size_t i = 0; i < size; i++) {
        a = (a + data[i]) % 255;
        b = (b + a) % 255;
    }
    return (b << 8) | a;
}
