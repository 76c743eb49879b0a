/* crypto/cbc: the phase-1 ciphers of the algorithm table against known
 * answers, round trips, the IV chain, and refused lengths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/cbc.h"
#include "crypto/rand.h"
#include "wire/alg.h"

struct cbc_kat {
	const char *cipher, *key, *iv, *plain, *cipher_text;
};

#define NIST_PLAIN                                                                                 \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"                         \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
#define NIST_IV "000102030405060708090a0b0c0d0e0f"

static const struct cbc_kat kats[] = {
	/* NIST SP 800-38A F.2.1, F.2.3, F.2.5 (CBC-AES128/192/256.Encrypt). */
	{"AES-128-CBC", "2b7e151628aed2a6abf7158809cf4f3c", NIST_IV, NIST_PLAIN,
	 "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
	 "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
	{"AES-192-CBC", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", NIST_IV, NIST_PLAIN,
	 "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
	 "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
	{"AES-256-CBC", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", NIST_IV,
	 NIST_PLAIN,
	 "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	 "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
	/* Python has no DES: from OpenSSL's command line, independent of
	 * this wrapper ("Now is the time for all "):
	 *   printf 'Now is the time for all ' | openssl enc -des-ede3-cbc -nopad \
	 *     -K 0123456789abcdef23456789abcdef01456789abcdef0123 \
	 *     -iv 1234567890abcdef | xxd -p */
	{"DES-EDE3-CBC", "0123456789abcdef23456789abcdef01456789abcdef0123", "1234567890abcdef",
	 "4e6f77206973207468652074696d6520666f7220616c6c20",
	 "f3c0ff026c023089656fbb169def7edb30ba36075d6f0176"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t i, n = strlen(s) / 2;

	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void test_kat(void **state)
{
	uint8_t key[32], iv[16], pt[64], ct[64], out[64];
	size_t kn, pn, i;

	for (i = 0; i < N(kats); i++) {
		kn = unhex(kats[i].key, key, sizeof(key));
		unhex(kats[i].iv, iv, sizeof(iv));
		pn = unhex(kats[i].plain, pt, sizeof(pt));
		assert_int_equal(unhex(kats[i].cipher_text, ct, sizeof(ct)), pn);
		assert_int_equal(crypto_cbc(kats[i].cipher, key, kn, iv, pt, pn, out, true), 0);
		assert_memory_equal(out, ct, pn);
		assert_int_equal(crypto_cbc(kats[i].cipher, key, kn, iv, ct, pn, out, false), 0);
		assert_memory_equal(out, pt, pn);
		/* In place, as the daemon decrypts a received message. */
		memcpy(out, ct, pn);
		assert_int_equal(crypto_cbc(kats[i].cipher, key, kn, iv, out, pn, out, false), 0);
		assert_memory_equal(out, pt, pn);
	}
}

/* Every phase-1 cipher of the table: sizes agree with its row, random
 * round trips work, and one call over two blocks equals two calls chained
 * by the last ciphertext block (how the phase-1 IV chain is kept). */
static void test_table_ciphers(void **state)
{
	uint8_t key[32], iv[16], pt[64], ct[64], out[64];
	unsigned i, n, seen = 0;
	const struct alg *t = alg_table(&n);

	for (i = 0; i < n; i++) {
		const struct alg *a = &t[i];
		size_t b, kl;

		if (a->kind != ALG_ENCR || !a->ike_id)
			continue;
		seen++;
		b = crypto_cipher_block(a->openssl);
		kl = crypto_cipher_key_len(a->openssl);
		assert_int_equal(b, a->block_bytes);
		assert_int_equal(kl * 8, a->key_bits);
		assert_int_equal(crypto_random(key, kl), 0);
		assert_int_equal(crypto_random(iv, b), 0);
		assert_int_equal(crypto_random(pt, sizeof(pt)), 0);
		assert_int_equal(crypto_cbc(a->openssl, key, kl, iv, pt, 4 * b, ct, true), 0);
		assert_memory_not_equal(ct, pt, 4 * b);
		assert_int_equal(crypto_cbc(a->openssl, key, kl, iv, ct, 4 * b, out, false), 0);
		assert_memory_equal(out, pt, 4 * b);

		assert_int_equal(crypto_cbc(a->openssl, key, kl, iv, pt, b, out, true), 0);
		assert_int_equal(crypto_cbc(a->openssl, key, kl, out, pt + b, b, out + b, true), 0);
		assert_memory_equal(out, ct, 2 * b);
	}
	assert_int_equal(seen, 4); /* aes128, aes192, aes256, 3des */
}

static void test_reject(void **state)
{
	uint8_t key[32] = {0}, iv[16] = {0}, buf[48] = {0};

	assert_int_equal(crypto_cbc("AES-128-CBC", key, 16, iv, buf, 15, buf, true), -EINVAL);
	assert_int_equal(crypto_cbc("AES-128-CBC", key, 16, iv, buf, 24, buf, true), -EINVAL);
	assert_int_equal(crypto_cbc("AES-128-CBC", key, 24, iv, buf, 16, buf, true), -EINVAL);
	assert_int_equal(crypto_cbc("DES-EDE3-CBC", key, 16, iv, buf, 8, buf, true), -EINVAL);
	assert_int_equal(crypto_cbc("DES-EDE3-CBC", key, 24, iv, buf, 12, buf, false), -EINVAL);
	assert_int_equal(crypto_cbc("AES-128-ECB", key, 16, iv, buf, 16, buf, true), -EINVAL);
	assert_int_equal(crypto_cbc("no-such-cipher", key, 16, iv, buf, 16, buf, true), -EINVAL);
	assert_int_equal(crypto_cipher_block("no-such-cipher"), 0);
	assert_int_equal(crypto_cipher_key_len("no-such-cipher"), 0);
	assert_int_equal(crypto_cbc("AES-256-CBC", key, 32, iv, buf, 0, buf, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat),
		cmocka_unit_test(test_table_ciphers),
		cmocka_unit_test(test_reject),
	};

	return cmocka_run_group_tests_name("crypto_cbc", tests, NULL, NULL);
}
