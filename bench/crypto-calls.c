/* crypto-calls: the crypto calls of one tunnel, each in a loop of its own,
 * for instruction counts under callgrind (repeatable on a busy machine,
 * where rates are not).  Not built by make; see bench/README.md:
 *
 *   cc -O2 -g -Isrc -D_GNU_SOURCE -o /tmp/crypto-calls bench/crypto-calls.c \
 *      build/liboakley.a -lcrypto -pthread
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg /tmp/crypto-calls
 *   callgrind_annotate --inclusive=yes --threshold=100 /tmp/cg | grep loop_
 *
 * Each loop_X runs its call LOOPS times (dh_shared LOOPS / 10), after a
 * warm-up outside them, so its inclusive count / LOOPS is one call. */
#include <stdio.h>
#include <sys/uio.h>

#include "crypto/cbc.h"
#include "crypto/dh.h"
#include "crypto/prf.h"
#include "crypto/rand.h"
#include "wire/isakmp.h"

#define LOOPS 1000

static uint8_t key[20] = {1}, data[100] = {2}, out[64], aes_key[16], iv[16], blocks[96], cookie[8];
static uint8_t pub[DH_MAX_PUBLIC], secret[DH_MAX_SECRET];
static size_t pub_len, secret_len;
static struct dh *ours, *theirs;
static int failures;

__attribute__((noinline)) static void loop_prf(void)
{
	struct iovec v = {data, sizeof(data)};

	for (int i = 0; i < LOOPS; i++)
		failures += crypto_prf("SHA1", key, sizeof(key), &v, 1, out) != 0;
}

__attribute__((noinline)) static void loop_hash(void)
{
	struct iovec v = {data, sizeof(data)};

	for (int i = 0; i < LOOPS; i++)
		failures += crypto_hash("SHA1", &v, 1, out) != 0;
}

__attribute__((noinline)) static void loop_cbc(void)
{
	for (int i = 0; i < LOOPS; i++)
		failures += crypto_cbc("AES-128-CBC", aes_key, sizeof(aes_key), iv, blocks,
				       sizeof(blocks), blocks, true) != 0;
}

__attribute__((noinline)) static void loop_random(void)
{
	for (int i = 0; i < LOOPS; i++)
		failures += crypto_random(cookie, sizeof(cookie)) != 0;
}

__attribute__((noinline)) static void loop_dh_shared(void)
{
	for (int i = 0; i < LOOPS / 10; i++)
		failures += dh_shared(ours, pub, pub_len, secret, &secret_len) != 0;
}

/* The first fetches, the DRBG's instantiation: once, outside the loops. */
static void warm_up(void)
{
	struct iovec v = {data, sizeof(data)};

	failures += crypto_prf("SHA1", key, sizeof(key), &v, 1, out) != 0;
	failures += crypto_hash("SHA1", &v, 1, out) != 0;
	failures += crypto_cbc("AES-128-CBC", aes_key, sizeof(aes_key), iv, blocks, sizeof(blocks),
			       blocks, true) != 0;
	failures += crypto_random(cookie, sizeof(cookie)) != 0;
	failures += dh_shared(ours, pub, pub_len, secret, &secret_len) != 0;
}

int main(void)
{
	if (dh_new(IKE_GROUP_ECP256, &ours) || dh_new(IKE_GROUP_ECP256, &theirs))
		return 1;
	pub_len = dh_public_len(IKE_GROUP_ECP256);
	if (dh_public(theirs, pub, pub_len))
		return 1;
	warm_up();
	loop_prf();
	loop_hash();
	loop_cbc();
	loop_random();
	loop_dh_shared();
	dh_free(ours);
	dh_free(theirs);
	dh_stock_flush();
	printf("crypto-calls: %d failures\n", failures);
	return failures != 0;
}
