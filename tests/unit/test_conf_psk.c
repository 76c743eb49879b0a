/* conf_psk by the index of secrets by ID (src/conf/psk.c) gives what the
 * scan of every entry gives (conf_psk_scan): random secrets files of
 * address, FQDN (in mixed case), user FQDN and key IDs, %any, entries of
 * no, one or two IDs, one ID listed twice, asked with every pair of IDs
 * (known, unknown, NULL); the documented precedence through the index;
 * and a conf whose secrets changed after indexing falls back to the scan. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"

static const char conn_text[] = "conn a\n left=10.0.0.1\n right=10.0.0.2\n";

/* The IDs entries are made of, and asked with (the last ones are in no
 * entry).  Case differs between the entries' and the askers' spelling. */
static const char *const entry_ids[] = {
	"10.0.0.1",  "10.0.0.2", "10.0.0.3", "2001:db8::1", "@gw.example", "@GW.example.org",
	"@peer.one", "a@b.c",	 "@#0102ff", "%any",	    "%any",	   "@Peer.Two",
};
static const char *const asked_ids[] = {
	"10.0.0.1",	   "10.0.0.2",	      "10.0.0.3",    "2001:db8::1", "@GW.EXAMPLE",
	"@gw.example.org", "@PEER.ONE",	      "A@B.C",	     "@#0102ff",    "@peer.two",
	"10.0.0.99",	   "@nobody.example", "2001:db8::9", "@#0102fe",
};

#define NENTRY (sizeof(entry_ids) / sizeof(entry_ids[0]))
#define NASKED (sizeof(asked_ids) / sizeof(asked_ids[0]))

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* n entries of 0, 1 or 2 IDs (now and then one ID twice); every entry's
 * PSK is its number. */
static char *random_secrets(uint32_t *seed, unsigned n)
{
	size_t cap = 64 * (size_t)n + 1, len = 0;
	char *text = malloc(cap);
	const char *id[2];
	unsigned i, k, nids;

	assert_non_null(text);
	for (i = 0; i < n; i++) {
		nids = rnd(seed) % 3;
		id[0] = entry_ids[rnd(seed) % NENTRY];
		id[1] = rnd(seed) % 4 ? entry_ids[rnd(seed) % NENTRY] : id[0];
		for (k = 0; k < nids; k++)
			len += (size_t)snprintf(text + len, cap - len, "%s ", id[k]);
		len += (size_t)snprintf(text + len, cap - len, ": PSK \"e%u\"\n", i);
	}
	return text;
}

static void ask_all(const struct conf *c)
{
	struct conf_id ids[NASKED];
	unsigned i, j;

	for (i = 0; i < NASKED; i++)
		assert_int_equal(conf_id_parse(asked_ids[i], &ids[i], NULL), 0);
	for (i = 0; i <= NASKED; i++) {
		for (j = 0; j <= NASKED; j++) {
			const struct conf_id *l = i < NASKED ? &ids[i] : NULL;
			const struct conf_id *r = j < NASKED ? &ids[j] : NULL;

			if (conf_psk(c, l, r) != conf_psk_scan(c, l, r))
				fail_msg("local %s remote %s: index and scan differ",
					 l ? asked_ids[i] : "NULL", r ? asked_ids[j] : "NULL");
		}
	}
}

static void test_index_is_the_scan(void **state)
{
	uint32_t seed = 0x9e3779b9;
	unsigned round;

	for (round = 0; round < 60; round++) {
		char *secrets = random_secrets(&seed, 1 + round % 30);
		struct loaded l;

		load_text(&l, conn_text, secrets);
		assert_int_equal(l.ret, 0);
		assert_non_null(l.c->psk_index);
		ask_all(l.c);
		loaded_free(&l);
		free(secrets);
	}
}

/* One ID listed twice, two IDs that differ only in case. */
static void test_same_id_twice(void **state)
{
	static const char secrets[] = "@gw.example @GW.EXAMPLE : PSK \"twice\"\n"
				      "10.0.0.1 10.0.0.1 : PSK \"addr twice\"\n"
				      "@other : PSK \"other\"\n";
	struct loaded l;

	load_text(&l, conn_text, secrets);
	assert_int_equal(l.ret, 0);
	ask_all(l.c);
	loaded_free(&l);
}

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

/* conf.h's order: both IDs > the remote ID alone (with or without %any) >
 * no IDs > the local ID alone; the later line on a tie. */
static void test_precedence(void **state)
{
	static const char secrets[] = "10.0.0.1 : PSK \"local\"\n"
				      ": PSK \"none\"\n"
				      "%any 10.0.0.5 : PSK \"any-remote\"\n"
				      "10.0.0.5 : PSK \"remote\"\n"
				      "10.0.0.1 10.0.0.3 : PSK \"both\"\n"
				      "10.0.0.3 10.0.0.1 : PSK \"both later\"\n";
	struct loaded l;

	load_text(&l, conn_text, secrets);
	assert_int_equal(l.ret, 0);
	assert_non_null(l.c->psk_index);
	assert_string_equal(pick(l.c, "10.0.0.1", "10.0.0.3"), "both later");
	assert_string_equal(pick(l.c, "10.0.0.1", "10.0.0.5"), "remote");
	assert_string_equal(pick(l.c, "10.0.0.2", "10.0.0.5"), "remote");
	assert_string_equal(pick(l.c, "10.0.0.1", "10.0.0.4"), "none");
	assert_string_equal(pick(l.c, "10.0.0.2", "10.0.0.4"), "none");
	assert_string_equal(pick(l.c, NULL, "10.0.0.5"), "remote");
	assert_string_equal(pick(l.c, "10.0.0.1", NULL), "both later");
	assert_string_equal(pick(l.c, NULL, NULL), "both later");
	loaded_free(&l);

	/* without a general line the local ID alone still matches */
	load_text(&l, conn_text, "10.0.0.1 : PSK \"local\"\n@x : PSK \"x\"\n");
	assert_int_equal(l.ret, 0);
	assert_string_equal(pick(l.c, "10.0.0.1", "10.0.0.4"), "local");
	assert_string_equal(pick(l.c, "10.0.0.2", "10.0.0.4"), "(none)");
	loaded_free(&l);
}

/* A conf made by hand: conf_index builds the index; secrets changed
 * afterwards are scanned, not looked up in a stale index. */
static void test_hand_made(void **state)
{
	struct conf c = {0};
	struct conf_secret s[2] = {0};
	struct conf_id a;

	assert_int_equal(conf_id_parse("@a.example", &s[0].ids[0], NULL), 0);
	s[0].nids = 1;
	memcpy(s[0].psk, "A", 1);
	s[0].psklen = 1;
	memcpy(s[1].psk, "G", 1);
	s[1].psklen = 1;
	c.secrets = s;
	c.nsecrets = 1;
	assert_int_equal(conf_index(&c), 0);
	assert_non_null(c.psk_index);
	assert_int_equal(conf_id_parse("@A.EXAMPLE", &a, NULL), 0);
	assert_ptr_equal(conf_psk(&c, NULL, &a), &s[0]);
	/* a general entry added after indexing is seen */
	c.nsecrets = 2;
	assert_ptr_equal(conf_psk(&c, NULL, &a), &s[0]);
	assert_int_equal(conf_id_parse("@b.example", &a, NULL), 0);
	assert_ptr_equal(conf_psk(&c, NULL, &a), &s[1]);
	assert_ptr_equal(conf_psk(&c, NULL, &a), conf_psk_scan(&c, NULL, &a));
	conf_psk_index_free(c.psk_index);
	name_index_free(&c.by_name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_is_the_scan),
		cmocka_unit_test(test_same_id_twice),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_hand_made),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
