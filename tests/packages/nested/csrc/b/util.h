#define SPAM_OFFSET 1
