/* Randomness for cookies, nonces, IVs and SPIs: OpenSSL's DRBG. */
#ifndef OAKLEY_CRYPTO_RAND_H
#define OAKLEY_CRYPTO_RAND_H

#include <stddef.h>

/* Fills out with len random bytes.  0 or -EIO.  Short requests are served
 * from a per-thread stock drawn from the DRBG in blocks (see rand.c): no
 * byte is handed out twice, in this process or in a forked child. */
int crypto_random(void *out, size_t len);
#ifdef OAKLEY_FUZZING
void crypto_random_fuzz_reset(void);
#else
/* For tests: unused bytes in the calling thread's stock. */
size_t crypto_random_stock(void);
#endif

#endif
