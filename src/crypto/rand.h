/* Randomness for cookies, nonces, IVs and SPIs: OpenSSL's DRBG. */
#ifndef OAKLEY_CRYPTO_RAND_H
#define OAKLEY_CRYPTO_RAND_H

#include <stddef.h>

/* Fills out with len random bytes.  0 or -EIO. */
int crypto_random(void *out, size_t len);
#ifdef OAKLEY_FUZZING
void crypto_random_fuzz_reset(void);
#endif

#endif
