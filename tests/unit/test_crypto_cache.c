/* crypto/fetch: algorithms fetched once.  The cached prf, hash and CBC
 * give what OpenSSL's by-name one-shot calls give (the uncached path), for
 * every phase-1 hash and cipher of the alg table; a fetched object is the
 * same object each time; unknown names are refused and not kept; HMAC
 * contexts copied from one template do not share a key; threads that
 * race the first fetch all get correct results (run under
 * ThreadSanitizer too: see bench/README.md).  And the per-thread stock of
 * random bytes: no value handed out twice, in threads or across fork. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crypto/cbc.h"
#include "crypto/fetch.h"
#include "crypto/keying.h"
#include "crypto/prf.h"
#include "crypto/rand.h"
#include "wire/alg.h"

#define THREADS 4
#define ROUNDS	200

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131u + i * 29u + (i >> 3));
}

/* HMAC-md(key, msg) by name, each call fetching: the reference. */
static void ref_hmac(const char *md, const uint8_t *key, size_t keylen, const uint8_t *msg,
		     size_t len, uint8_t *out)
{
	static const uint8_t no_key;
	size_t outlen = 0;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, keylen ? key : &no_key, keylen, msg,
				  len, out, CRYPTO_MAX_MD, &outlen));
	assert_int_equal(outlen, crypto_md_len(md));
}

/* One prf, hash and (for each CBC cipher) encryption and decryption with
 * the cached path, checked against the by-name reference. */
static void check_all(unsigned seed)
{
	uint8_t key[200], msg[300], out[CRYPTO_MAX_MD], ref[CRYPTO_MAX_MD];
	uint8_t ck[32], iv[16], ct[64], pt[64], ref_ct[64];
	size_t keylens[] = {0, 20, sizeof(key)}, k, n, i;
	const struct alg *t = alg_table((unsigned *)&n), *a;
	struct iovec v[2];
	int outl = 0, finl = 0;
	unsigned tn;

	fill(key, sizeof(key), seed);
	fill(msg, sizeof(msg), seed + 1);
	v[0] = (struct iovec){msg, 100};
	v[1] = (struct iovec){msg + 100, sizeof(msg) - 100};
	alg_table(&tn);
	for (i = 0; i < tn; i++) {
		a = &t[i];
		if (!a->openssl || !a->ike_id || a->kind == ALG_DH)
			continue;
		if (a->kind == ALG_INTEG) {
			for (k = 0; k < 3; k++) {
				assert_int_equal(crypto_prf(a->openssl, key, keylens[k], v, 2, out),
						 0);
				ref_hmac(a->openssl, key, keylens[k], msg, sizeof(msg), ref);
				assert_memory_equal(out, ref, crypto_md_len(a->openssl));
			}
			assert_int_equal(crypto_hash(a->openssl, v, 2, out), 0);
			assert_non_null(
				EVP_Q_digest(NULL, a->openssl, NULL, msg, sizeof(msg), ref, NULL));
			assert_memory_equal(out, ref, crypto_md_len(a->openssl));
			continue;
		}
		if (a->aead || a->block_bytes == 0)
			continue;
		n = crypto_cipher_key_len(a->openssl);
		assert_true(n > 0 && n <= sizeof(ck));
		fill(ck, n, seed + 2);
		fill(iv, sizeof(iv), seed + 3);
		assert_int_equal(crypto_cbc(a->openssl, ck, n, iv, msg, sizeof(ct), ct, true), 0);
		{
			EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, a->openssl, NULL);
			EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

			assert_true(c && x && EVP_EncryptInit_ex2(x, c, ck, iv, NULL));
			EVP_CIPHER_CTX_set_padding(x, 0);
			assert_true(EVP_EncryptUpdate(x, ref_ct, &outl, msg, sizeof(ref_ct)));
			assert_true(EVP_EncryptFinal_ex(x, ref_ct + outl, &finl));
			EVP_CIPHER_CTX_free(x);
			EVP_CIPHER_free(c);
		}
		assert_memory_equal(ct, ref_ct, sizeof(ct));
		assert_int_equal(crypto_cbc(a->openssl, ck, n, iv, ct, sizeof(ct), pt, false), 0);
		assert_memory_equal(pt, msg, sizeof(pt));
	}
}

static void *thread_main(void *arg)
{
	unsigned r, id = (unsigned)(uintptr_t)arg;

	for (r = 0; r < ROUNDS; r++)
		check_all(id * 1000 + r);
	return NULL;
}

/* First in the run, so the threads race the first fetch of every name. */
static void test_threads(void **state)
{
	pthread_t th[THREADS];
	unsigned i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, (void *)(uintptr_t)i),
				 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
}

static void test_same_results(void **state)
{
	check_all(7);
	check_all(8);
}

static void test_fetched_once(void **state)
{
	const EVP_MD *sha1 = crypto_fetch_md("SHA1");
	const EVP_CIPHER *aes = crypto_fetch_cipher("AES-128-CBC");

	assert_non_null(sha1);
	assert_non_null(aes);
	assert_ptr_equal(crypto_fetch_md("SHA1"), sha1);
	assert_ptr_equal(crypto_fetch_cipher("AES-128-CBC"), aes);
	assert_ptr_not_equal(crypto_fetch_md("SHA256"), sha1);
	assert_int_equal(EVP_MD_get_size(crypto_fetch_md("SHA256")), 32);
}

static void test_unknown(void **state)
{
	char long_name[100];
	uint8_t out[CRYPTO_MAX_MD];
	struct iovec v = {out, 1};

	memset(long_name, 'A', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	assert_null(crypto_fetch_md("no-such-digest"));
	assert_null(crypto_fetch_md("no-such-digest")); /* again: not kept as found */
	assert_null(crypto_fetch_cipher("no-such-cipher"));
	assert_null(crypto_hmac_ctx("no-such-digest"));
	assert_null(crypto_fetch_md(long_name));
	assert_int_equal(crypto_prf("no-such-digest", out, 1, &v, 1, out), -EINVAL);
	assert_int_equal(crypto_md_len("no-such-digest"), 0);
	assert_int_equal(crypto_cipher_block("no-such-cipher"), 0);
	/* The known ones still work after the misses. */
	assert_non_null(crypto_fetch_md("SHA1"));
}

/* Two contexts from the one template, keyed differently and used
 * interleaved: each gives its own key's MAC, and a third one after them
 * starts unkeyed from the template again. */
static void test_hmac_copies_independent(void **state)
{
	uint8_t k1[20], k2[32], msg[64], o1[32], o2[32], r1[32], r2[32];
	EVP_MAC_CTX *a = crypto_hmac_ctx("SHA256"), *b = crypto_hmac_ctx("SHA256"), *c;
	size_t l1 = 0, l2 = 0;

	fill(k1, sizeof(k1), 1);
	fill(k2, sizeof(k2), 2);
	fill(msg, sizeof(msg), 3);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(EVP_MAC_init(a, k1, sizeof(k1), NULL));
	assert_true(EVP_MAC_init(b, k2, sizeof(k2), NULL));
	assert_true(EVP_MAC_update(a, msg, 10));
	assert_true(EVP_MAC_update(b, msg, 10));
	assert_true(EVP_MAC_update(a, msg + 10, sizeof(msg) - 10));
	assert_true(EVP_MAC_update(b, msg + 10, sizeof(msg) - 10));
	assert_true(EVP_MAC_final(a, o1, &l1, sizeof(o1)));
	assert_true(EVP_MAC_final(b, o2, &l2, sizeof(o2)));
	EVP_MAC_CTX_free(a);
	EVP_MAC_CTX_free(b);
	ref_hmac("SHA256", k1, sizeof(k1), msg, sizeof(msg), r1);
	ref_hmac("SHA256", k2, sizeof(k2), msg, sizeof(msg), r2);
	assert_int_equal(l1, 32);
	assert_memory_equal(o1, r1, 32);
	assert_memory_equal(o2, r2, 32);
	/* A NULL key keeps the context's old one: a fresh copy has none, so
	 * init without a key must not yield k1's or k2's MAC. */
	c = crypto_hmac_ctx("SHA256");
	assert_non_null(c);
	if (EVP_MAC_init(c, NULL, 0, NULL) && EVP_MAC_update(c, msg, sizeof(msg)) &&
	    EVP_MAC_final(c, o1, &l1, sizeof(o1))) {
		assert_memory_not_equal(o1, r1, 32);
		assert_memory_not_equal(o1, r2, 32);
	}
	EVP_MAC_CTX_free(c);
}

#define COOKIES 600 /* 8 bytes each: several refills of the stock */

static uint64_t cookies[THREADS][COOKIES];

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void *draw_cookies(void *arg)
{
	uint64_t *out = arg;
	unsigned i;

	for (i = 0; i < COOKIES; i++)
		if (crypto_random(&out[i], sizeof(out[i])))
			return arg;
	return NULL;
}

/* Cookies drawn in several threads, each from its own stock: all
 * distinct (a repeat has probability about 2^-43 for a working DRBG). */
static void test_random_no_repeat(void **state)
{
	uint64_t *all = &cookies[0][0];
	pthread_t th[THREADS];
	void *ret;
	unsigned i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, draw_cookies, cookies[i]), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	qsort(all, THREADS * COOKIES, sizeof(*all), cmp_u64);
	for (i = 1; i < THREADS * COOKIES; i++)
		assert_true(all[i] != all[i - 1]);
}

/* Short draws come from the stock; a long one goes to the DRBG itself. */
static void test_random_stock(void **state)
{
	uint8_t a[16], big[400];
	size_t left;

	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	left = crypto_random_stock();
	assert_true(left > 0);
	assert_int_equal(crypto_random(a, 8), 0);
	assert_int_equal(crypto_random_stock(), left >= 8 ? left - 8 : 0);
	left = crypto_random_stock();
	assert_int_equal(crypto_random(big, sizeof(big)), 0);
	assert_int_equal(crypto_random_stock(), left);
	assert_int_equal(crypto_random(a, 0), 0);
}

/* A forked child must not hand out the bytes its parent's stock holds. */
static void test_random_fork(void **state)
{
	uint8_t mine[32], childs[32];
	int fds[2], status;
	pid_t pid;

	assert_int_equal(crypto_random(mine, 4), 0); /* a stock with bytes left */
	assert_true(crypto_random_stock() >= sizeof(mine));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (crypto_random(childs, sizeof(childs)) ||
		    write(fds[1], childs, sizeof(childs)) != (ssize_t)sizeof(childs))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], childs, sizeof(childs)), sizeof(childs));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(crypto_random(mine, sizeof(mine)), 0);
	assert_memory_not_equal(mine, childs, sizeof(mine));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_same_results),
		cmocka_unit_test(test_fetched_once),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_hmac_copies_independent),
		cmocka_unit_test(test_random_no_repeat),
		cmocka_unit_test(test_random_stock),
		cmocka_unit_test(test_random_fork),
	};

	return cmocka_run_group_tests_name("crypto_cache", tests, NULL, NULL);
}
