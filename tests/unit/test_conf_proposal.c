/* ike= and esp= strings: strongSwan's and Libreswan's forms, the cross
 * product of several algorithms, AEAD, strict '!', and every error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"

/* Expected proposals as "encr/integ/dh" with "-" for none. */
static void expect(const char *key, const char *s, bool phase1, bool strict,
		   const char *const *want)
{
	struct proposal_list l;
	char err[256] = "", got[64];
	unsigned i;

	if (conf_proposals_parse(key, s, phase1, &l, err, sizeof(err)))
		fail_msg("%s=%s: %s", key, s, err);
	for (i = 0; want[i]; i++) {
		const struct proposal *p = &l.p[i];

		assert_true(i < l.n);
		snprintf(got, sizeof(got), "%s/%s/%s", p->encr->name,
			 p->integ ? p->integ->name : "-", p->dh ? p->dh->name : "-");
		assert_string_equal(got, want[i]);
	}
	assert_int_equal(l.n, i);
	assert_int_equal(l.strict, strict);
}

static void expect_err(const char *key, const char *s, bool phase1, const char *msg)
{
	struct proposal_list l;
	char err[256] = "";

	assert_int_equal(conf_proposals_parse(key, s, phase1, &l, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_int_equal(l.n, 0);
}

#define W(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_strongswan_forms(void **state)
{
	expect("ike", "aes256-sha256-modp3072", true, false, W("aes256/sha256/modp3072"));
	expect("ike", "aes128-sha1-modp2048,3des-md5-modp1024", true, false,
	       W("aes128/sha1/modp2048", "3des/md5/modp1024"));
	expect("ike", "aes128-sha256-ecp256, aes256-sha384-ecp384", true, false,
	       W("aes128/sha256/ecp256", "aes256/sha384/ecp384"));
	expect("ike", "aes256-sha256-modp3072!", true, true, W("aes256/sha256/modp3072"));
	expect("esp", "aes128-sha256", false, false, W("aes128/sha256/-"));
	expect("esp", "aes256-sha512-modp4096", false, false, W("aes256/sha512/modp4096"));
	expect("esp", "null-sha256", false, false, W("null/sha256/-"));
	/* The algorithm table's aliases: aes = aes128, sha = sha1. */
	expect("ike", "aes-sha-modp2048", true, false, W("aes128/sha1/modp2048"));
}

/* Several algorithms of a kind: every combination, ciphers outermost. */
static void test_cross_product(void **state)
{
	expect("ike", "aes128-aes256-sha1-sha256-modp2048", true, false,
	       W("aes128/sha1/modp2048", "aes128/sha256/modp2048", "aes256/sha1/modp2048",
		 "aes256/sha256/modp2048"));
	expect("ike", "aes128-sha1-modp2048-modp1536", true, false,
	       W("aes128/sha1/modp2048", "aes128/sha1/modp1536"));
	expect("esp", "aes128-aes256-sha1,aes128gcm16", false, false,
	       W("aes128/sha1/-", "aes256/sha1/-", "aes128gcm16/-/-"));
	/* 2 x 2 x 4 = 16: the most a list holds. */
	expect("ike", "aes128-aes256-sha1-sha256-modp2048-modp3072-ecp256-ecp384", true, false,
	       W("aes128/sha1/modp2048", "aes128/sha1/modp3072", "aes128/sha1/ecp256",
		 "aes128/sha1/ecp384", "aes128/sha256/modp2048", "aes128/sha256/modp3072",
		 "aes128/sha256/ecp256", "aes128/sha256/ecp384", "aes256/sha1/modp2048",
		 "aes256/sha1/modp3072", "aes256/sha1/ecp256", "aes256/sha1/ecp384",
		 "aes256/sha256/modp2048", "aes256/sha256/modp3072", "aes256/sha256/ecp256",
		 "aes256/sha256/ecp384"));
}

static void test_aead(void **state)
{
	expect("esp", "aes128gcm16-modp2048", false, false, W("aes128gcm16/-/modp2048"));
	expect("esp", "aes256gcm16", false, false, W("aes256gcm16/-/-"));
	expect("esp", "aes256gcm8-aes256gcm12", false, false,
	       W("aes256gcm8/-/-", "aes256gcm12/-/-"));
	/* Libreswan writes the integrity of an AEAD cipher as null. */
	expect("esp", "aes128gcm16-null", false, false, W("aes128gcm16/-/-"));
	expect("esp", "aes128ctr-sha256", false, false, W("aes128ctr/sha256/-"));
}

/* Libreswan: the groups after ';'. */
static void test_libreswan_forms(void **state)
{
	expect("ike", "aes256-sha256;modp3072", true, false, W("aes256/sha256/modp3072"));
	expect("esp", "aes128-sha1;modp2048", false, false, W("aes128/sha1/modp2048"));
	expect("phase2alg", "aes128-sha1;modp2048", false, false, W("aes128/sha1/modp2048"));
	expect("ike", "aes256-sha256;modp3072,aes128-sha1;modp2048", true, false,
	       W("aes256/sha256/modp3072", "aes128/sha1/modp2048"));
	expect("ike", "aes128-sha1;modp2048-modp1536", true, false,
	       W("aes128/sha1/modp2048", "aes128/sha1/modp1536"));
}

static void test_errors(void **state)
{
	expect_err("ike", "aes129-sha1-modp2048", true, "unknown algorithm 'aes129' in ike=");
	expect_err("phase2alg", "aes128-foo", false, "unknown algorithm 'foo' in phase2alg=");
	/* no group: Libreswan's IKEv1 defaults (not an error since issue 11) */
	expect("ike", "aes128-sha1", true, false,
	       W("aes128/sha1/modp2048", "aes128/sha1/modp1536", "aes128/sha1/ecp256",
		 "aes128/sha1/curve25519"));
	expect_err("ike", "sha1-modp2048", true,
		   "ike= proposal 'sha1-modp2048' has no encryption algorithm");
	expect_err("ike", "aes128-modp2048", true,
		   "ike= proposal 'aes128-modp2048' has no integrity algorithm");
	expect_err("ike", "des-sha1-modp2048", true, "'des' in ike= is not usable in phase 1");
	expect_err("ike", "aes128ctr-sha1-modp2048", true,
		   "'aes128ctr' in ike= is not usable in phase 1");
	expect_err("ike", "aes128gcm16-modp2048", true,
		   "'aes128gcm16' in ike= is not usable in phase 1");
	expect_err("ike", "null-sha1-modp2048", true, "'null' in ike= is not usable in phase 1");
	expect_err("esp", "sha1", false, "esp= proposal 'sha1' has no encryption algorithm");
	expect_err("esp", "aes128", false, "esp= proposal 'aes128' has no integrity algorithm");
	expect_err("esp", "aes128gcm16-sha1", false,
		   "esp= proposal 'aes128gcm16-sha1': AEAD cipher 'aes128gcm16' takes no "
		   "integrity algorithm");
	expect_err("esp", "aes128-aes128gcm16", false,
		   "esp= proposal 'aes128-aes128gcm16' has no integrity algorithm");
	expect_err("esp", "aes128-null", false,
		   "esp= proposal 'aes128-null': 'null' integrity needs an AEAD cipher");
	expect_err("esp", "aes128-sha1;sha256", false,
		   "'sha256' after ';' in esp= is not a DH group");
	expect_err("esp", "aes128-sha1;foo", false, "unknown algorithm 'foo' in esp=");
	expect_err("esp", "aes128-sha1;modp2048;modp1024", false,
		   "esp= proposal 'aes128-sha1;modp2048;modp1024' has more than one ';'");
	expect_err("ike", "aes128-sha1-modp2048,,3des-sha1-modp2048", true,
		   "ike= has an empty proposal");
	expect_err("ike", "aes128-sha1-modp2048,", true, "ike= has an empty proposal");
	expect_err("ike", "", true, "ike= has an empty proposal");
	expect_err("ike", "!", true, "ike= has an empty proposal");
	expect_err("ike", "aes128--sha1-modp2048", true,
		   "ike= proposal 'aes128--sha1-modp2048' has an empty algorithm name");
	expect_err("ike", "aes128!-sha1-modp2048", true, "unknown algorithm 'aes128!' in ike=");
	expect_err("ike", "aes128-aes192-aes256-sha1-sha256-sha384-modp2048-modp3072-modp4096",
		   true, "ike= makes more than 24 proposals");
	/* CONF_MAX_PROPOSALS + 1 proposals of one algorithm each */
	char many[1024] = "";
	unsigned i;

	for (i = 0; i <= CONF_MAX_PROPOSALS; i++)
		strcat(many, i ? ",aes128-sha1-modp2048" : "aes128-sha1-modp2048");
	expect_err("ike", many, true, "ike= makes more than 24 proposals");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strongswan_forms),
		cmocka_unit_test(test_cross_product),
		cmocka_unit_test(test_aead),
		cmocka_unit_test(test_libreswan_forms),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
