/* ipsec.secrets: every entry form, errors with FILE:LINE, the refusal of
 * a file others may read or another user owns, and conf_psk's choice among entries (strongSwan's
 * ranking: the remote ID first, then the local one, the later line on a tie). Base64 known answers
 * from Python: base64.b64encode(b"\x00\xff\x10\x80")       -> AP8QgA== base64.b64encode(b"oakley
 * shared secret")   -> b2FrbGV5IHNoYXJlZCBzZWNyZXQ= */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "wire/isakmp.h"

static const char two_conns[] = "conn a\n left=10.0.0.1\n right=10.0.0.2\n";

static void assert_psk(const struct conf_secret *s, const void *psk, size_t len)
{
	assert_non_null(s);
	assert_int_equal(s->psklen, len);
	assert_memory_equal(s->psk, psk, len);
}

static void test_entry_forms(void **state)
{
	static const char secrets[] = "# ipsec.secrets\n"
				      "10.0.0.1 10.0.0.2 : PSK \"secret one\"\n"
				      "\n"
				      ": PSK \"general # not a comment\"   # a comment\n"
				      "%any 10.0.0.4 : PSK 'single quoted'\n"
				      "@gw.example user@example.org : PSK bare-word\n"
				      "  2001:db8::1 2001:db8::2 : psk 0x00ff1080\r\n"
				      "@#0102ff : PSK 0sAP8QgA==\n"
				      "10.0.0.9 : PSK 0sb2FrbGV5IHNoYXJlZCBzZWNyZXQ=\n";
	static const uint8_t ip1[4] = {10, 0, 0, 1}, ip4[4] = {10, 0, 0, 4};
	static const uint8_t bin[4] = {0x00, 0xff, 0x10, 0x80};
	struct loaded l;
	const struct conf *c = load_ok(&l, two_conns, secrets);
	const struct conf_secret *s = c->secrets;

	assert_int_equal(c->nsecrets, 7);
	assert_int_equal(s[0].nids, 2);
	assert_string_equal(s[0].file, l.secrets_path);
	assert_int_equal(s[0].line, 2);
	assert_int_equal(s[0].ids[0].type, ID_IPV4_ADDR);
	assert_memory_equal(s[0].ids[0].data, ip1, 4);
	assert_false(s[0].any[0]);
	assert_psk(&s[0], "secret one", 10);
	assert_int_equal(s[1].nids, 0);
	assert_int_equal(s[1].line, 4);
	assert_psk(&s[1], "general # not a comment", 23);
	assert_int_equal(s[2].nids, 2);
	assert_true(s[2].any[0]);
	assert_int_equal(s[2].ids[0].type, CONF_ID_ANY);
	assert_false(s[2].any[1]);
	assert_memory_equal(s[2].ids[1].data, ip4, 4);
	assert_psk(&s[2], "single quoted", 13);
	assert_int_equal(s[3].ids[0].type, ID_FQDN);
	assert_memory_equal(s[3].ids[0].data, "gw.example", 10);
	assert_int_equal(s[3].ids[1].type, ID_USER_FQDN);
	assert_psk(&s[3], "bare-word", 9);
	assert_int_equal(s[4].ids[0].type, ID_IPV6_ADDR);
	assert_int_equal(s[4].ids[1].len, 16);
	assert_psk(&s[4], bin, 4);
	assert_int_equal(s[5].nids, 1);
	assert_int_equal(s[5].ids[0].type, ID_KEY_ID);
	assert_int_equal(s[5].ids[0].len, 3);
	assert_memory_equal(s[5].ids[0].data, "\x01\x02\xff", 3);
	assert_psk(&s[5], bin, 4);
	assert_psk(&s[6], "oakley shared secret", 20);
	loaded_free(&l);
}

/* An entry may go on over indented lines (Libreswan). */
static void test_multi_line(void **state)
{
	static const char secrets[] = "10.0.0.1\n"
				      "\t10.0.0.2\n"
				      "    # between\n"
				      "\n"
				      "\t:\n"
				      "\tPSK\n"
				      "\t\"spread out\"\n"
				      "10.0.0.3 : PSK\n"
				      "   'next'\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, two_conns, secrets);

	assert_int_equal(c->nsecrets, 2);
	assert_int_equal(c->secrets[0].nids, 2);
	assert_int_equal(c->secrets[0].line, 1);
	assert_psk(&c->secrets[0], "spread out", 10);
	assert_int_equal(c->secrets[1].line, 8);
	assert_psk(&c->secrets[1], "next", 4);
	loaded_free(&l);
}

static void test_other_types_skipped(void **state)
{
	struct loaded l;
	struct capture cap;
	char *log;

	capture_start(&cap);
	load_ok(&l, two_conns,
		": P12 /etc/ipsec.d/private/key.p12\n"
		"user : EAP \"pw\"\n"
		": PSK \"kept\"\n");
	log = capture_end(&cap);
	assert_int_equal(l.c->nsecrets, 1);
	assert_psk(&l.c->secrets[0], "kept", 4);
	assert_contains(log, ":1: P12 entries are not supported yet; skipped");
	assert_contains(log, ":2: EAP entries are not supported yet; skipped");
	free(log);
	loaded_free(&l);
}

/* A secrets file others may read or write, or another user's, is refused
 * with a line that names it and the fix; 0600 and root's is read. */
static void expect_refused(const char *conf, const char *secrets, const char *want)
{
	struct conf *c = NULL;
	char err[512];

	assert_int_equal(
		conf_load(conf, secrets, stub_is_local, (void *)here, &c, err, sizeof(err)),
		-EACCES);
	assert_null(c);
	assert_contains(err, want);
}

static void test_mode_refused(void **state)
{
	char *conf = tmp_file(two_conns, 0644), *secrets = tmp_file(": PSK \"x\"\n", 0644);
	static const mode_t bad[] = {0644, 0640, 0604, 0620, 0602, 0610};
	struct conf *c = NULL;
	char err[512], want[512];
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(secrets, bad[i]), 0);
		snprintf(want, sizeof(want),
			 "%s: group or others may read or write the secrets file (mode %04o): "
			 "refusing to use it (chmod 600 %s)",
			 secrets, (unsigned)bad[i], secrets);
		expect_refused(conf, secrets, want);
	}
	/* 0600 (and 0400): read. */
	assert_int_equal(chmod(secrets, 0400), 0);
	assert_int_equal(
		conf_load(conf, secrets, stub_is_local, (void *)here, &c, err, sizeof(err)), 0);
	assert_int_equal(c->nsecrets, 1);
	conf_free(c);
	assert_int_equal(chmod(secrets, 0600), 0);
	/* Another user's file, even at 0600 (the tests run as root). */
	assert_int_equal(chown(secrets, 65534, 65534), 0);
	snprintf(want, sizeof(want), "%s: the secrets file is owned by uid 65534, not root",
		 secrets);
	expect_refused(conf, secrets, want);
	tmp_remove(conf);
	tmp_remove(secrets);
}

/* An included secrets file is held to the same rule. */
static void test_mode_refused_include(void **state)
{
	char *inner = tmp_file("10.0.0.3 : PSK \"inner\"\n", 0644);
	char outer[256], want[256];
	struct loaded l;

	snprintf(outer, sizeof(outer), ": PSK \"outer\"\ninclude %s\n", inner);
	load_text(&l, two_conns, outer);
	assert_int_equal(l.ret, -EACCES);
	snprintf(want, sizeof(want), "%s: group or others may read or write", inner);
	assert_contains(l.err, want);
	loaded_free(&l);
	tmp_remove(inner);
}

static void test_include(void **state)
{
	char *inner = tmp_file("10.0.0.3 : PSK \"inner\"\n", 0600);
	char outer[256];
	struct loaded l;

	snprintf(outer, sizeof(outer), ": PSK \"outer\"\ninclude %s\n10.0.0.4 : PSK \"after\"\n",
		 inner);
	load_ok(&l, two_conns, outer);
	assert_int_equal(l.c->nsecrets, 3);
	assert_psk(&l.c->secrets[1], "inner", 5);
	assert_string_equal(l.c->secrets[1].file, inner);
	assert_int_equal(l.c->secrets[1].line, 1);
	assert_psk(&l.c->secrets[2], "after", 5);
	loaded_free(&l);
	tmp_remove(inner);
}

static void test_errors(void **state)
{
	char big[600];

	expect_secrets_error("10.0.0.1 10.0.0.2 PSK \"x\"\n", 1,
			     "the entry has no ' : ' between the IDs and the secret type");
	expect_secrets_error("a b\n: PSK x\n", 1,
			     "the entry has no ' : ' between the IDs and the secret type");
	expect_secrets_error("10.0.0.1 10.0.0.2: PSK x\n", 1,
			     "the entry has no ' : ' between the IDs and the secret type");
	expect_secrets_error("a b :\n", 1, "the entry has no secret type after ':'");
	expect_secrets_error("\n: PSK\n", 2, "the entry has no secret after PSK");
	expect_secrets_error(": RSA\n", 1, "the entry has no secret after RSA");
	expect_secrets_error("\n\n: FOO x\n", 3,
			     "unknown secret type 'FOO' (oakley reads PSK, RSA, ECDSA and XAUTH "
			     "entries)");
	expect_secrets_error(": PSK \"x\" extra\n", 1, "unexpected 'extra' after the secret");
	expect_secrets_error("a b c : PSK x\n", 1,
			     "more than two IDs before ':' (c); oakley takes a local and a remote "
			     "one");
	expect_secrets_error(": PSK 0x123\n", 1, "the 0x PSK needs an even number of hex digits");
	expect_secrets_error(": PSK 0xzz\n", 1, "the 0x PSK needs an even number of hex digits");
	expect_secrets_error(": PSK 0x\n", 1, "the 0x PSK needs an even number of hex digits");
	expect_secrets_error(": PSK 0s!!!!\n", 1, "the 0s PSK is not base64 of at most 256 bytes");
	expect_secrets_error(": PSK 0sAP8\n", 1, "the 0s PSK is not base64 of at most 256 bytes");
	expect_secrets_error(": PSK \"\"\n", 1, "the PSK is empty");
	expect_secrets_error(": PSK \"abc\n", 1, "unterminated quoted string");
	expect_secrets_error("\"C=CH, XX=Org\" : PSK x\n", 1,
			     "ID 'C=CH, XX=Org' has an unknown attribute type");
	expect_secrets_error("include\n", 1, "include takes one file name or pattern");

	/* 257 bytes, written three ways. */
	memset(big, 0, sizeof(big));
	strcpy(big, ": PSK \"");
	memset(big + 7, 'x', 257);
	strcat(big, "\"\n");
	expect_secrets_error(big, 1, "the PSK is longer than 256 bytes");
	strcpy(big, ": PSK 0x");
	memset(big + 8, 'a', 514);
	strcpy(big + 8 + 514, "\n");
	expect_secrets_error(big, 1, "the PSK is longer than 256 bytes");
	/* Python: base64.b64encode(b"x" * 257) is "eHh4" * 85 + "eHg=" */
	strcpy(big, ": PSK 0s");
	for (unsigned i = 0; i < 85; i++)
		strcat(big, "eHh4");
	strcat(big, "eHg=\n");
	expect_secrets_error(big, 1, "the 0s PSK is not base64 of at most 256 bytes");
}

/* 256 bytes is the most, and fits.  Python: base64.b64encode(b"x" * 256)
 * is "eHh4" * 85 + "eA==". */
static void test_longest_psk(void **state)
{
	char text[600];
	uint8_t want[256];
	struct loaded l;

	strcpy(text, ": PSK 0s");
	for (unsigned i = 0; i < 85; i++)
		strcat(text, "eHh4");
	strcat(text, "eA==\n");
	memset(want, 'x', sizeof(want));
	load_ok(&l, two_conns, text);
	assert_psk(&l.c->secrets[0], want, 256);
	loaded_free(&l);
}

static const char ranked[] = ": PSK \"general\"\n"		     /* 1 */
			     "10.0.0.1 10.0.0.2 : PSK \"pair12\"\n"  /* 2 */
			     "10.0.0.3 : PSK \"peer3\"\n"	     /* 3 */
			     "%any 10.0.0.4 : PSK \"anypeer4\"\n"    /* 4 */
			     "10.0.0.1 : PSK \"mine\"\n"	     /* 5 */
			     "10.0.0.1 10.0.0.5 : PSK \"first5\"\n"  /* 6 */
			     "10.0.0.5 10.0.0.1 : PSK \"second5\"\n" /* 7 */
			     "@peer.example : PSK \"fqdn\"\n";	     /* 8 */

static const char *pick(const struct conf *c, const char *local, const char *remote)
{
	struct conf_id a, b;
	const struct conf_secret *s;
	static char out[64];

	if (local)
		assert_int_equal(conf_id_parse(local, &a, NULL), 0);
	if (remote)
		assert_int_equal(conf_id_parse(remote, &b, NULL), 0);
	s = conf_psk(c, local ? &a : NULL, remote ? &b : NULL);
	if (!s)
		return "(none)";
	snprintf(out, sizeof(out), "%.*s", (int)s->psklen, (const char *)s->psk);
	return out;
}

static void test_psk_choice(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l, two_conns, ranked);

	/* both IDs listed beat everything */
	assert_string_equal(pick(c, "10.0.0.1", "10.0.0.2"), "pair12");
	/* the remote ID alone beats a line that lists only the local one */
	assert_string_equal(pick(c, "10.0.0.1", "10.0.0.3"), "peer3");
	/* "%any ID" is the remote ID alone */
	assert_string_equal(pick(c, "10.0.0.1", "10.0.0.4"), "anypeer4");
	/* no specific remote match: the no-ID line beats lines with our ID */
	assert_string_equal(pick(c, "10.0.0.1", "10.0.0.9"), "general");
	assert_string_equal(pick(c, "10.0.0.7", "10.0.0.8"), "general");
	/* a tie: the later line wins */
	assert_string_equal(pick(c, "10.0.0.1", "10.0.0.5"), "second5");
	/* FQDNs compare without case */
	assert_string_equal(pick(c, "10.0.0.1", "@PEER.Example"), "fqdn");
	/* one side unknown */
	assert_string_equal(pick(c, NULL, "10.0.0.3"), "peer3");
	assert_string_equal(pick(c, NULL, "10.0.0.99"), "general");
	assert_string_equal(pick(c, "10.0.0.2", NULL), "pair12");
	loaded_free(&l);

	/* Without a general line, a line naming only our ID still matches
	 * (strongSwan does the same); one naming neither does not. */
	c = load_ok(&l, two_conns, "10.0.0.1 10.0.0.2 : PSK \"pair12\"\n");
	assert_string_equal(pick(c, "10.0.0.1", "10.0.0.9"), "pair12");
	assert_string_equal(pick(c, "10.0.0.7", "10.0.0.9"), "(none)");
	loaded_free(&l);

	c = load_ok(&l, two_conns, NULL);
	assert_string_equal(pick(c, "10.0.0.1", "10.0.0.2"), "(none)");
	loaded_free(&l);
}

static void test_conf_error_first(void **state)
{
	/* A conf error is reported before the secrets are read. */
	expect_error_at("conn a\n bogus=1\n", ": PSK \"x\" junk\n", false, 2,
			"unknown key 'bogus' in conn 'a'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_forms),
		cmocka_unit_test(test_multi_line),
		cmocka_unit_test(test_other_types_skipped),
		cmocka_unit_test(test_mode_refused),
		cmocka_unit_test(test_mode_refused_include),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_longest_psk),
		cmocka_unit_test(test_psk_choice),
		cmocka_unit_test(test_conf_error_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
