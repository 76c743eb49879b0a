/* Shared by the x509_*.c files only. */
#ifndef OAKLEY_CRYPTO_X509_INTERNAL_H
#define OAKLEY_CRYPTO_X509_INTERNAL_H

#include <stddef.h>

/* WHY := PREFIX followed by ": " and OpenSSL's last error reason (if any);
 * the error queue is cleared. */
void x509_why_ssl(char *why, size_t whylen, const char *prefix);

#endif
