#ifndef SPAM_CHECKSUM_H
#define SPAM_CHECKSUM_H
#include <stddef.h>
unsigned long spam_checksum(const unsigned char *data, size_t size);
#endif
