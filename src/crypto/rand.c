#include "crypto/rand.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
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
/* RAND_bytes costs a lock, a fork check (getpid) and the DRBG's setup
 * per call, for cookies, nonces and SPIs of 4 to 32 bytes: 6% of a
 * responder's event-loop thread.  Each thread draws RAND_STOCK bytes at a
 * time and hands them out in order; a byte handed out is wiped from the
 * stock, so none is given twice.  A forked child starts with an empty
 * stock (pthread_atfork), so parent and child never share bytes.  The
 * stock holds only what goes on the wire in the clear; key pairs come from
 * OpenSSL's key generation, not from here. */
#define RAND_STOCK 512

static __thread struct {
	uint8_t bytes[RAND_STOCK];
	unsigned left; /* the last `left` bytes of bytes[] are unused */
} stock;
static pthread_once_t rand_once = PTHREAD_ONCE_INIT;

static void stock_forget(void)
{
	OPENSSL_cleanse(stock.bytes, sizeof(stock.bytes));
	stock.left = 0;
}

static void rand_init(void)
{
	pthread_atfork(NULL, NULL, stock_forget);
}

static int rand_direct(uint8_t *p, size_t len)
{
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

int crypto_random(void *out, size_t len)
{
	uint8_t *p = out, *from;
	size_t n;

	if (len > RAND_STOCK / 4)
		return rand_direct(p, len);
	pthread_once(&rand_once, rand_init);
	while (len) {
		if (!stock.left) {
			if (RAND_bytes(stock.bytes, sizeof(stock.bytes)) != 1)
				return -EIO;
			stock.left = sizeof(stock.bytes);
		}
		n = len < stock.left ? len : stock.left;
		from = stock.bytes + sizeof(stock.bytes) - stock.left;
		memcpy(p, from, n);
		OPENSSL_cleanse(from, n);
		stock.left -= (unsigned)n;
		p += n;
		len -= n;
	}
	return 0;
}

size_t crypto_random_stock(void)
{
	return stock.left;
}
#endif
