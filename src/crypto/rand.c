#include "crypto/rand.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include <openssl/rand.h>

#ifdef OAKLEY_FUZZING
/* Fuzz builds only (the Makefile's FUZZ_CFLAGS): byte k of the stream is
 * k * 131 + 7, from the last reset, so inputs can name our cookies. */
static uint32_t fuzz_counter;

void crypto_random_fuzz_reset(void)
{
	fuzz_counter = 0;
}

int crypto_random(void *out, size_t len)
{
	uint8_t *p = out;

	while (len--)
		*p++ = (uint8_t)(fuzz_counter++ * 131 + 7);
	return 0;
}
#else
int crypto_random(void *out, size_t len)
{
	uint8_t *p = out;

	/* RAND_bytes takes an int: feed it in slices. */
	while (len) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, n) != 1)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
#endif
