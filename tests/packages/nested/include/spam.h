#ifndef SPAM_H
#define SPAM_H
long spam_twice_a(long x);
long spam_twice_b(long x);
#endif
