#include "crypto/rand.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include <openssl/rand.h>

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
