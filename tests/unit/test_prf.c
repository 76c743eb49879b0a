/* crypto/prf: HMAC and plain hashes against gen_kat.py (Python hmac and
 * hashlib), input split over several iovecs including an empty one. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/keying.h"
#include "crypto/prf.h"
#include "wire/alg.h"

struct prf_kat {
	const char *md;
	size_t len;
	const char *hmac;	   /* HMAC(PRF_KEY, IN1 | IN2 | IN3) */
	const char *hmac_long_key; /* HMAC(PRF_LONG_KEY, ...): key longer than the block */
	const char *hmac_no_key;   /* HMAC("", ...) */
	const char *hash;	   /* md(IN1 | IN2 | IN3) */
};

/* BEGIN gen_kat.py output: do not edit by hand, run tests/unit/gen_kat.py */
// clang-format off
static const char PRF_KEY[] =
	"2927893354395fc785557a9898365db61c90d06a";
static const char PRF_LONG_KEY[] =
	"e856c64af7b33b0e5e3bd6437e8d09d01bd9dfd44f434f928dfb42b7288f6ade"
	"f345db3ce7cc16a13907230a6b29a4910f185b2792ed4ff10f76f29055b1da52"
	"8e66c418c9aed3ef4e203f3cb69ff815f87b1f080ae7000360550e160f6401fa"
	"9ef2cf615bf1b663b6e0b59989a9141f0aacfedd56f5f01e27493ab23ca8ee9c"
	"6740c801a96d9566beee43e7fb6f8202daf38d12d597695a5afd534ca59cff3c"
	"d0cfb6b636c1eea4808a482b4d9455e3a9460793600893ab70a9de630bba0628"
	"c33f353f8d4dddc8";
static const char PRF_IN1[] =
	"1a24317f8cbbb46d099c895cc4";
static const char PRF_IN2[] =
	"";
static const char PRF_IN3[] =
	"597dfd473c97c4338af6651d44579ffcd2d29f86b4a362aa7bbda33e35cf5719"
	"a635e79126daf47eaadf2a6c8e3fdfd319118be8117c1270a908e08d5c04125b"
	"5099f00b7ade4235dc569713a984e88fd8593b1cbdd1da56c5142e8f5b6ebcbb"
	"f22b73e6ea5f7655b1a139d6143df70205123994982f7dfae2a1cfb285e5aeab"
	"0574953eeb2a86b1a3d3da52457012fd2a505558c4ce4ca6739022db65fc1beb"
	"b28ae2cf94caa8bb20ad8461c39da29630816103aea028f9ae3b998f06ec3e4f"
	"34f2f7f800c29f9a3c8a77f218baa6cbe08317c9e0754b114b83782a03a93741"
	"7808bcb56a2b02d8acc53a40299b8b612994fa2b7a0e2e406a1650836679b362"
	"2ccf078f2cdf9e8a3e1e9eb653aa1dff4be64f98cb1c32ba42fdd61ab4826e30"
	"4a9a2eca06e3426e3711ceeb";
static const struct prf_kat prf_kats[] = {
	{"MD5", 16,
		"70e124d56d299306c41f8d179ddd3903",
		"377982f985ef92732623fa18192ea07c",
		"7d5b809eee009fd9191e77af1f7b1437",
		"0f5428fda32854f4bb78dad992ed86b3"},
	{"SHA1", 20,
		"48c4e34531fd1b43374d7f5d037085067a58c8b3",
		"f74d45815089d336af11b5a8dfe5742f8295ee05",
		"80432d2bbc5465fe7e8f4d4562579fb8e29713b7",
		"eb53ad0608273e9a522e990555ce9519afa0c1f5"},
	{"SHA256", 32,
		"c9f08c9a678ccdf39fe020a9aad556a8ce7182b7d64f0d99fa1f294c156f0c03",
		"ca3fc12da89d99870ad8c892d338fb505e36ccbfd344683c623d7867917803a1",
		"5925a4df97040ba518320897b8bba82b32dac0e8593edddd9f9c1dd681186f24",
		"4b74be5298b72a9d9dc3b48dfb476b14fca9c4a5c302cbec33d37ebb66a33b11"},
	{"SHA384", 48,
		"9ec4a8f801220d2ad9a506de5d766738e1dc12f5e3b78a12faa42f776f69a172"
		"043da5ee094e9da5d682de7a967932d3",
		"b3f8f56410470b465e3795888ff9dbe4b9ceb42aba7514834249c782deb31416"
		"53a05b9165e6651bbf5076d0a8102fe3",
		"224d7f8dff85bb594b53c691eac709b880af12cc5f0c67a7b33d9c3503131157"
		"48cc12f9c213f9180faf01081445a3c7",
		"c1f5072b0f8386b572b3c0f014dce7bcfc0f186d6606f53420e97c84b1f2704f"
		"be774bbf070b39a88c5b938c2bac34c6"},
	{"SHA512", 64,
		"b61c1da1dee775bb91ef504b6f93f7e68189ec35d26d9d5115b40186e1149624"
		"77a7de4ce3faf9579d9ea91cdde812114ced8020f0e57c3ba29d5ff55f6e55fb",
		"92c998f9449cdf39788b66477f59eceffeda8437e27e8c49d09925db356b68b8"
		"66092aba64c3be4a85ed9430354e7168723ce72bf606a54e0a1a457dd647aa7e",
		"c7bb7814287cfea6b40e87c1eaca3784439a1844efe084e976759ddeadef6495"
		"156bf3fa382610da318eeb75a17d563cadd96a18132914357236d861df0a932c",
		"4c19fe886f49dd6d26b8d352ef6d49b828779d8b406c3032e6bd24e659f83166"
		"0bec4f13efeb90f430a5c813143cb556236c5545bd931f3ef28a001da0b6c2e4"},
};
// clang-format on
/* END gen_kat.py output */

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

static void assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[1024];

	assert_int_equal(unhex(want, w, sizeof(w)), len);
	assert_memory_equal(got, w, len);
}

struct input {
	uint8_t key[20], long_key[200], in1[64], in3[512];
	size_t in1_len, in3_len;
	struct iovec iov[3];
};

static void input_load(struct input *in)
{
	uint8_t none[1];

	unhex(PRF_KEY, in->key, sizeof(in->key));
	unhex(PRF_LONG_KEY, in->long_key, sizeof(in->long_key));
	in->in1_len = unhex(PRF_IN1, in->in1, sizeof(in->in1));
	assert_int_equal(unhex(PRF_IN2, none, sizeof(none)), 0);
	in->in3_len = unhex(PRF_IN3, in->in3, sizeof(in->in3));
	in->iov[0] = (struct iovec){in->in1, in->in1_len};
	in->iov[1] = (struct iovec){NULL, 0};
	in->iov[2] = (struct iovec){in->in3, in->in3_len};
}

static void test_md_len(void **state)
{
	unsigned i, n;
	const struct alg *t = alg_table(&n);

	assert_int_equal(crypto_md_len("MD5"), 16);
	assert_int_equal(crypto_md_len("SHA1"), 20);
	assert_int_equal(crypto_md_len("SHA256"), 32);
	assert_int_equal(crypto_md_len("SHA384"), 48);
	assert_int_equal(crypto_md_len("SHA512"), 64);
	assert_int_equal(crypto_md_len("no-such-digest"), 0);
	/* Every phase-1 hash of the algorithm table is known, and fits. */
	for (i = 0; i < n; i++) {
		if (t[i].kind != ALG_INTEG || !t[i].ike_id)
			continue;
		assert_int_equal(crypto_md_len(t[i].openssl), alg_hash_bytes(&t[i]));
		assert_true(crypto_md_len(t[i].openssl) <= CRYPTO_MAX_MD);
	}
}

static void test_prf_kat(void **state)
{
	struct input in;
	uint8_t out[CRYPTO_MAX_MD];
	unsigned i;

	input_load(&in);
	for (i = 0; i < sizeof(prf_kats) / sizeof(prf_kats[0]); i++) {
		const struct prf_kat *k = &prf_kats[i];

		assert_int_equal(crypto_md_len(k->md), k->len);
		assert_int_equal(crypto_prf(k->md, in.key, sizeof(in.key), in.iov, 3, out), 0);
		assert_hex(out, k->len, k->hmac);
		assert_int_equal(
			crypto_prf(k->md, in.long_key, sizeof(in.long_key), in.iov, 3, out), 0);
		assert_hex(out, k->len, k->hmac_long_key);
		assert_int_equal(crypto_prf(k->md, NULL, 0, in.iov, 3, out), 0);
		assert_hex(out, k->len, k->hmac_no_key);
	}
}

/* The split does not matter: one iovec of the concatenation gives the same. */
static void test_prf_split(void **state)
{
	struct input in;
	uint8_t all[600], out[CRYPTO_MAX_MD];
	struct iovec one;
	unsigned i;

	input_load(&in);
	memcpy(all, in.in1, in.in1_len);
	memcpy(all + in.in1_len, in.in3, in.in3_len);
	one = (struct iovec){all, in.in1_len + in.in3_len};
	for (i = 0; i < sizeof(prf_kats) / sizeof(prf_kats[0]); i++) {
		assert_int_equal(crypto_prf(prf_kats[i].md, in.key, sizeof(in.key), &one, 1, out),
				 0);
		assert_hex(out, prf_kats[i].len, prf_kats[i].hmac);
		assert_int_equal(crypto_hash(prf_kats[i].md, &one, 1, out), 0);
		assert_hex(out, prf_kats[i].len, prf_kats[i].hash);
	}
}

static void test_hash_kat(void **state)
{
	struct input in;
	uint8_t out[CRYPTO_MAX_MD];
	unsigned i;

	input_load(&in);
	for (i = 0; i < sizeof(prf_kats) / sizeof(prf_kats[0]); i++) {
		assert_int_equal(crypto_hash(prf_kats[i].md, in.iov, 3, out), 0);
		assert_hex(out, prf_kats[i].len, prf_kats[i].hash);
	}
}

static void test_unknown_md(void **state)
{
	uint8_t key[4] = {1, 2, 3, 4}, out[CRYPTO_MAX_MD];
	struct iovec v = {key, sizeof(key)};

	assert_int_equal(crypto_prf("no-such-digest", key, sizeof(key), &v, 1, out), -EINVAL);
	assert_int_equal(crypto_hash("no-such-digest", &v, 1, out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md_len),	   cmocka_unit_test(test_prf_kat),
		cmocka_unit_test(test_prf_split),  cmocka_unit_test(test_hash_kat),
		cmocka_unit_test(test_unknown_md),
	};

	return cmocka_run_group_tests_name("crypto_prf", tests, NULL, NULL);
}
