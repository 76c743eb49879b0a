/* Every mismatch the daemon explains, through the real engine: two
 * in-process daemons (exchange_fixture.h) whose configurations differ in
 * one thing.  Each test checks both outcomes: nothing is established where
 * it must not be, and the sentence recorded on what failed (the ISAKMP SA
 * and its connection in phase 1, the connection in Quick Mode) is the one
 * the namespace tests (tests/net/t_failures.sh, t_ids.sh, t_lifetimes.sh)
 * check against real daemons.  Then the lifetimes each side applies, and
 * lost and duplicated messages.  test_exchange.c has the PSK and the
 * first proposal mismatches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exchange_fixture.h"

#define CONF_LEN 2048

/* A refusal in phase 1 is unprotected, so west waits for its retransmits
 * before it gives up: quicker ones keep these tests short. */
#define FAST "retransmit_timeout=0.2", "retransmit_timeout=0.05"

/* base_conf with esp='s tail, then each (from, to) pair replaced in turn,
 * up to a NULL from. */
static void conf_edit(char *out, const char *esp_tail, ...)
{
	char text[CONF_LEN];
	const char *from, *to;
	va_list ap;

	snprintf(out, CONF_LEN, base_conf, esp_tail);
	va_start(ap, esp_tail);
	while ((from = va_arg(ap, const char *))) {
		to = va_arg(ap, const char *);
		replace(text, sizeof(text), out, from, to);
		memcpy(out, text, CONF_LEN);
	}
	va_end(ap);
}

static void start(struct net *n, const char *west, const char *east)
{
	net_start_confs(n, west, east, "same secret", "same secret");
}

static void assert_failure(const struct net *n, int side, const char *why)
{
	const char *got = net_failure(n, side, "site");

	if (!got || strcmp(got, why))
		fail_msg("%s recorded \"%s\", not \"%s\"", side == WEST ? "west" : "east",
			 got ? got : "(nothing)", why);
}

/* Phase 1 failed at a side: its only ISAKMP SA is dead, with this reason,
 * and so is its connection's last failure. */
static void assert_phase1_failed(const struct net *n, int side, const char *why)
{
	const struct ike_sa *sa = n->d[side]->sas;

	assert_non_null(sa);
	assert_null(sa->next);
	assert_int_equal(sa->state, IKE_SA_DEAD);
	assert_string_equal(sa->why, why);
	assert_failure(n, side, why);
	assert_null(n->d[side]->children);
}

/* No ISAKMP SA is up at a side (none at all, or one that failed). */
static void assert_no_phase1(const struct net *n, int side)
{
	const struct ike_sa *sa;

	for (sa = n->d[side]->sas; sa; sa = sa->next)
		assert_int_not_equal(sa->state, IKE_SA_ESTABLISHED);
	assert_null(n->d[side]->children);
}

/* The up at west failed with this reason. */
static void assert_up_failed(const struct net *n, const char *why)
{
	assert_true(n->done);
	assert_false(n->ok);
	assert_string_equal(n->why, why);
}

/* ---- phase-1 IDs ---- */

/* Main Mode: the ID east expects of west is not west's leftid (both files
 * name west "left", so east's expectation is its leftid too).  East
 * refuses MM5 (the SA fails with both IDs named) and tells west
 * INVALID_ID_INFORMATION in the clear, which west keeps as the likely
 * reason until it gives up. */
static void test_mm_initiator_id_refused(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", FAST, "\tright=", "\tleftid=@west.example.net\n\tright=", NULL);
	/* both sides read left as west (192.0.2.1): east expects west to
	 * be somebody.else */
	conf_edit(east, "", FAST, "\tright=", "\tleftid=@somebody.else\n\tright=", NULL);
	start(&n, west, east);
	net_up(&n);
	/* east's failed SA is freed from its timer; its connection keeps why */
	assert_no_phase1(&n, EAST);
	assert_failure(&n, EAST,
		       "peer identifies as west.example.net, but site expects somebody.else");
	/* under the keys (MM5 was encrypted): the peer's word, at once */
	assert_up_failed(&n, "peer refused: it sent INVALID_ID_INFORMATION: it has no connection "
			     "for our ID and its own (leftid, rightid)");
	assert_phase1_failed(&n, WEST, n.why);
	net_stop(&n);
}

/* Main Mode: west expects east to be somebody.else.  East has answered
 * MM5 with MM6; west refuses MM6 with both IDs named, so no IPsec SA is
 * made on either side. */
static void test_mm_responder_id_refused(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", "\tauthby", "\trightid=@somebody.else\n\tauthby", NULL);
	conf_edit(east, "", NULL);
	start(&n, west, east);
	net_up(&n);
	assert_up_failed(&n, "peer identifies as 192.0.2.2, but site expects somebody.else");
	assert_phase1_failed(&n, WEST, n.why);
	net_run_ms(&n, 50);
	assert_null(n.d[EAST]->children);
	net_stop(&n);
}

#define AGGRESSIVE "\tauto=add", "\taggressive=yes\n\tauto=add"

/* Aggressive Mode: east's rightid is not west's leftid, so no connection
 * takes AM1: east says so and refuses the ID (INVALID_ID_INFORMATION; it
 * was INVALID_EXCHANGE_TYPE, as if east refused Aggressive Mode); west
 * keeps that as the likely reason until it gives up. */
static void test_am_initiator_id_refused(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", FAST, AGGRESSIVE,
		  "\tright=", "\tleftid=@west.example.net\n\tright=", NULL);
	conf_edit(east, "", AGGRESSIVE, "\tright=", "\tleftid=@somebody.else\n\tright=", NULL);
	start(&n, west, east);
	net_up(&n);
	assert_up_failed(
		&n, "peer refused: it sent INVALID_ID_INFORMATION: it has no connection for our "
		    "ID and its own (leftid, rightid) (no valid answer after "
		    "2 retransmits)");
	assert_phase1_failed(&n, WEST, n.why);
	assert_no_phase1(&n, EAST);
	assert_failure(&n, EAST,
		       "no connection for peer ID west.example.net allows Aggressive Mode");
	net_stop(&n);
}

/* Aggressive Mode: west expects east to be somebody.else and refuses AM2. */
static void test_am_responder_id_refused(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", AGGRESSIVE, "\tauthby", "\trightid=@somebody.else\n\tauthby", NULL);
	conf_edit(east, "", AGGRESSIVE, NULL);
	start(&n, west, east);
	net_up(&n);
	assert_up_failed(&n, "peer identifies as 192.0.2.2, but site expects somebody.else");
	assert_phase1_failed(&n, WEST, n.why);
	net_run_ms(&n, 50);
	assert_no_phase1(&n, EAST);
	net_stop(&n);
}

/* ---- Aggressive vs Main Mode ---- */

/* Only west allows Aggressive Mode: east refuses AM1, naming the
 * connection and the setting. */
static void test_aggressive_refused(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", FAST, AGGRESSIVE, NULL);
	conf_edit(east, "", NULL);
	start(&n, west, east);
	net_up(&n);
	assert_up_failed(&n, "peer refused: it sent INVALID_EXCHANGE_TYPE (no valid answer after "
			     "2 retransmits)");
	assert_phase1_failed(&n, WEST, n.why);
	assert_no_phase1(&n, EAST);
	assert_failure(&n, EAST,
		       "peer 192.0.2.1 proposes Aggressive Mode, which connection site does not "
		       "allow (aggressive=no)");
	net_stop(&n);
}

/* Only east allows Aggressive Mode: aggressive=yes is about initiating
 * it and accepting it; east still answers Main Mode. */
static void test_main_mode_to_aggressive_responder(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", NULL);
	conf_edit(east, "", AGGRESSIVE, NULL);
	start(&n, west, east);
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(n.d[EAST]->sas->exchange, ISAKMP_XCHG_ID_PROT);
	assert_int_equal(n.d[EAST]->sas->state, IKE_SA_ESTABLISHED);
	assert_int_equal(only_child(n.d[EAST])->spi_in, only_child(n.d[WEST])->spi_out);
	net_stop(&n);
}

/* ---- phase-1 proposals, one attribute at a time ---- */

struct p1_case {
	const char *east_ike, *east_says;
};

/* west offers only ike=aes128-sha256-ecp256; east takes only another
 * cipher, hash or group: east says which attribute differs (and keeps no
 * state for MM1), west names the notify and its offer. */
static void test_phase1_transform_mismatch(void **state)
{
	static const struct p1_case cases[] = {
		{"ike=aes256-sha256-ecp256!", "encryption (AES_CBC-128 vs AES_CBC-256)"},
		{"ike=aes128-sha384-ecp256!", "hash (HMAC_SHA2_256 vs HMAC_SHA2_384)"},
		{"ike=aes128-sha256-ecp384!", "DH group (ECP_256 vs ECP_384)"},
	};
	char west[CONF_LEN], east[CONF_LEN], why[512];
	struct net n;
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf_edit(west, "", FAST, "ike=aes128-sha256-ecp256", "ike=aes128-sha256-ecp256!",
			  NULL);
		conf_edit(east, "", FAST, "ike=aes128-sha256-ecp256", cases[i].east_ike, NULL);
		start(&n, west, east);
		net_up(&n);
		assert_up_failed(&n,
				 "peer refused: it sent NO_PROPOSAL_CHOSEN; we offered "
				 "ike=aes128-sha256-ecp256 (no valid answer after 2 retransmits)");
		assert_phase1_failed(&n, WEST, n.why);
		assert_null(n.d[EAST]->sas);
		snprintf(why, sizeof(why),
			 "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256/ECP_256; "
			 "closest local proposal %.*s differs in %s",
			 (int)strcspn(cases[i].east_ike, "!"), cases[i].east_ike,
			 cases[i].east_says);
		assert_failure(&n, EAST, why);
		net_stop(&n);
	}
}

/* ---- phase-1 lifetime ---- */

#define LIFE(w) "\tauto=add", w "\n\tauto=add"

/* west proposes ikelifetime 3 h, east allows 1 h: east accepts, and its
 * own bound applies on its side; west keeps what it proposed (phase 1 has
 * no RESPONDER-LIFETIME). */
static void test_phase1_lifetime_responder_shorter(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", LIFE("\tikelifetime=3h"), NULL);
	conf_edit(east, "", LIFE("\tikelifetime=1h"), NULL);
	start(&n, west, east);
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(n.d[EAST]->sas->state, IKE_SA_ESTABLISHED);
	assert_int_equal(n.d[EAST]->sas->lifetime_s, 3600);
	assert_int_equal(n.d[WEST]->sas->lifetime_s, 10800);
	net_stop(&n);
}

/* The other way round, the proposal (1 h) stands on both sides. */
static void test_phase1_lifetime_responder_longer(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", LIFE("\tikelifetime=1h"), NULL);
	conf_edit(east, "", LIFE("\tikelifetime=3h"), NULL);
	start(&n, west, east);
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(n.d[EAST]->sas->lifetime_s, 3600);
	assert_int_equal(n.d[WEST]->sas->lifetime_s, 3600);
	net_stop(&n);
}

/* ---- Quick Mode lifetime (lifetime.c, README "Lifetimes") ---- */

#define WEST_LIFE LIFE("\tlifetime=3600s\n\tlifebytes=104857600")
#define EAST_LIFE LIFE("\tlifetime=30m\n\tlifebytes=10485760")

static void assert_child_life(const struct child_sa *c, uint32_t secs, uint64_t bytes,
			      bool from_responder)
{
	assert_int_equal(c->lifetime_s, secs);
	assert_int_equal(c->lifebytes, bytes);
	assert_int_equal(c->lifetime_from_responder, from_responder);
}

/* west proposes 3600 s and 100 MB, east allows 1800 s and 10 MB: east
 * accepts, answers with RESPONDER-LIFETIME, and west applies it; both
 * IPsec SAs say the lifetime is the responder's. */
static void test_quick_lifetime_responder_shorter(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", WEST_LIFE, NULL);
	conf_edit(east, "", EAST_LIFE, NULL);
	start(&n, west, east);
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_child_life(only_child(n.d[WEST]), 1800, 10240 * 1024ull, true);
	assert_child_life(only_child(n.d[EAST]), 1800, 10240 * 1024ull, true);
	net_stop(&n);
}

/* east initiates: west allows more than east proposes, so the proposal
 * stands on both sides. */
static void test_quick_lifetime_responder_longer(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", WEST_LIFE, NULL);
	conf_edit(east, "", EAST_LIFE, NULL);
	start(&n, west, east);
	net_up_at(&n, EAST, "site");
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_child_life(only_child(n.d[WEST]), 1800, 10240 * 1024ull, false);
	assert_child_life(only_child(n.d[EAST]), 1800, 10240 * 1024ull, false);
	net_stop(&n);
}

/* east allows only 10 s: its RESPONDER-LIFETIME says so, but west takes
 * no less than LIFETIME_FLOOR_S (60 s), so a peer cannot make its IPsec
 * SA end at once; east keeps its own policy. */
static void test_quick_lifetime_below_floor(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", NULL);
	conf_edit(east, "", LIFE("\tlifetime=10s"), NULL);
	start(&n, west, east);
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 50);
	assert_int_equal(only_child(n.d[WEST])->lifetime_s, 60);
	assert_true(only_child(n.d[WEST])->lifetime_from_responder);
	assert_int_equal(only_child(n.d[EAST])->lifetime_s, 10);
	net_stop(&n);
}

/* ---- Quick Mode refusals ---- */

/* Phase 1 is up on both sides and stays up with no reason of its own; no
 * IPsec SA anywhere; east's refusal is on its connection, and west's
 * (the notify and what it offered) is the answer to up. */
static void assert_quick_refused(const struct net *n, const char *west_why, const char *east_why)
{
	int i;

	assert_up_failed(n, west_why);
	assert_failure(n, WEST, west_why);
	assert_failure(n, EAST, east_why);
	for (i = 0; i < 2; i++) {
		assert_non_null(n->d[i]->sas);
		assert_int_equal(n->d[i]->sas->state, IKE_SA_ESTABLISHED);
		assert_string_equal(n->d[i]->sas->why, "");
		assert_null(n->d[i]->children);
	}
}

static void quick_refusal(const char *west, const char *east, const char *west_why,
			  const char *east_why)
{
	struct net n;

	start(&n, west, east);
	net_up(&n);
	net_run_ms(&n, 50);
	assert_quick_refused(&n, west_why, east_why);
	net_stop(&n);
}

/* west's subnet is wider than east's connection allows. */
static void test_quick_ids_not_covered(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];

	conf_edit(west, "!", "leftsubnet=10.1.0.0/24", "leftsubnet=10.1.0.0/16", NULL);
	conf_edit(east, "!", NULL);
	quick_refusal(west, east,
		      "peer refused Quick Mode: it sent INVALID_ID_INFORMATION; we offered "
		      "esp=aes128-sha256 tunnel, 10.1.0.0/16 === 10.2.0.0/24",
		      "invalid ID information: peer proposed 10.1.0.0/16 === 10.2.0.0/24, site "
		      "allows 10.1.0.0/24 === 10.2.0.0/24");
}

/* esp= differing in integrity only. */
static void test_quick_integrity_mismatch(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];

	conf_edit(west, "!", NULL);
	conf_edit(east, "!", "esp=aes128-sha256", "esp=aes128-sha1", NULL);
	quick_refusal(west, east,
		      "peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN; we offered "
		      "esp=aes128-sha256 tunnel, 10.1.0.0/24 === 10.2.0.0/24",
		      "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256 tunnel; closest "
		      "local proposal esp=aes128-sha1 differs in integrity (HMAC_SHA2_256 vs "
		      "HMAC_SHA1)");
}

/* esp= differing in cipher only (test_exchange.c checks a part of it). */
static void test_quick_cipher_mismatch(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];

	conf_edit(west, "!", NULL);
	conf_edit(east, "!", "esp=aes128-sha256", "esp=aes256-sha256", NULL);
	quick_refusal(west, east,
		      "peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN; we offered "
		      "esp=aes128-sha256 tunnel, 10.1.0.0/24 === 10.2.0.0/24",
		      "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256 tunnel; closest "
		      "local proposal esp=aes256-sha256 differs in cipher (AES_CBC-128 vs "
		      "AES_CBC-256)");
}

#define HOSTS "\tleftsubnet=10.1.0.0/24\n", "", "\trightsubnet=10.2.0.0/24\n", ""

/* west wants transport mode, east tunnel mode. */
static void test_quick_mode_mismatch(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];

	conf_edit(west, "!", HOSTS, "\tauto=add", "\ttype=transport\n\tauto=add", NULL);
	conf_edit(east, "!", HOSTS, NULL);
	quick_refusal(west, east,
		      "peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN; we offered "
		      "esp=aes128-sha256 transport, 192.0.2.1/32 === 192.0.2.2/32",
		      "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256 transport; "
		      "closest local proposal esp=aes128-sha256 differs in mode (transport vs "
		      "tunnel)");
}

/* PFS on east only. */
static void test_pfs_responder_only(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];

	conf_edit(west, "!", NULL);
	conf_edit(east, "-ecp256!", NULL);
	quick_refusal(west, east,
		      "peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN; we offered "
		      "esp=aes128-sha256 tunnel, 10.1.0.0/24 === 10.2.0.0/24",
		      "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256 tunnel; closest "
		      "local proposal esp=aes128-sha256-ecp256 differs in PFS (none vs ECP_256)");
}

/* PFS on west only. */
static void test_pfs_initiator_only(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];

	conf_edit(west, "-ecp256!", NULL);
	conf_edit(east, "!", NULL);
	quick_refusal(west, east,
		      "peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN; we offered "
		      "esp=aes128-sha256-ecp256 tunnel, 10.1.0.0/24 === 10.2.0.0/24",
		      "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256/ECP_256 tunnel; "
		      "closest local proposal esp=aes128-sha256 differs in PFS (ECP_256 vs none)");
}

/* PFS on both sides, other groups. */
static void test_pfs_other_group(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];

	conf_edit(west, "-modp2048!", NULL);
	conf_edit(east, "-ecp256!", NULL);
	quick_refusal(
		west, east,
		"peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN; we offered "
		"esp=aes128-sha256-modp2048 tunnel, 10.1.0.0/24 === 10.2.0.0/24",
		"no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256/MODP_2048 tunnel; "
		"closest local proposal esp=aes128-sha256-ecp256 differs in PFS group "
		"(MODP_2048 vs ECP_256)");
}

/* ---- keys ---- */

/* east has no key for west (only for other peers): it fails at MM3,
 * naming the IDs it looked for, and answers INVALID_KEY_INFORMATION in
 * the clear as strongSwan does (it used to answer nothing; silence and
 * this answer tell a stranger the same: no MM4), which west keeps as the
 * likely reason until it gives up after its retransmits. */
static void test_no_key_at_responder(void **state)
{
	char west[CONF_LEN], east[CONF_LEN];
	struct net n;

	conf_edit(west, "", FAST, NULL);
	conf_edit(east, "", NULL);
	net_start_secrets(&n, west, east, "192.0.2.1 192.0.2.2 : PSK \"a secret\"\n",
			  "192.0.2.8 192.0.2.9 : PSK \"other peers'\"\n");
	net_up(&n);
	assert_up_failed(
		&n, "peer refused: it sent INVALID_KEY_INFORMATION: it may have no pre-shared key "
		    "for us (no valid answer "
		    "after 2 retransmits)");
	assert_phase1_failed(&n, WEST, n.why);
	assert_no_phase1(&n, EAST);
	assert_failure(&n, EAST,
		       "no pre-shared key for 192.0.2.2 - 192.0.2.1 (nor for the gateways' "
		       "addresses) in the secrets file");
	net_stop(&n);
}

/* ---- lost and duplicated messages ---- */

/* Up on both sides with one ISAKMP SA, one Quick Mode and one IPsec SA
 * each (nothing made twice by a message that came twice). */
static void assert_up_once(struct net *n)
{
	int i;

	assert_true(n->ok);
	assert_string_equal(n->why, "established");
	net_run_ms(n, 50);
	for (i = 0; i < 2; i++) {
		assert_non_null(n->d[i]->sas);
		assert_null(n->d[i]->sas->next);
		assert_int_equal(n->d[i]->sas->state, IKE_SA_ESTABLISHED);
		assert_non_null(n->d[i]->sas->quicks);
		assert_null(n->d[i]->sas->quicks->next_in_sa);
	}
	assert_int_equal(only_child(n->d[WEST])->spi_in, only_child(n->d[EAST])->spi_out);
	assert_int_equal(only_child(n->d[WEST])->spi_out, only_child(n->d[EAST])->spi_in);
}

/* MM1 and its first retransmission are lost: the last try (of 2
 * retransmits) gets through and the exchange completes. */
static void test_mm1_lost_twice(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_lose(&n, WEST, 1);
	net_lose(&n, WEST, 2);
	net_up(&n);
	assert_up_once(&n);
	assert_int_equal(n.sent[WEST], 7); /* MM1 three times, MM3, MM5, QM1, QM3 */
	assert_int_equal(n.sent[EAST], 4);
	net_stop(&n);
}

/* MM4 (east) and QM1 (west) lost: west retransmits MM3 and east, its DH
 * job done, answers the copy with the MM4 it kept; then west retransmits
 * QM1. */
static void test_lost_in_both_phases(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_lose(&n, EAST, 2);
	net_lose(&n, WEST, 4);
	net_up(&n);
	assert_up_once(&n);
	assert_int_equal(n.sent[WEST], 7); /* MM3 and QM1 twice */
	assert_int_equal(n.sent[EAST], 5); /* MM4 twice */
	net_stop(&n);
}

/* Every MM1 is lost: west gives up after its retransmits, saying so;
 * east never saw a thing. */
static void test_silent_peer_main_mode(void **state)
{
	char conf[CONF_LEN];
	struct net n;

	conf_edit(conf, "", FAST, NULL);
	start(&n, conf, conf);
	net_lose(&n, WEST, 1);
	net_lose(&n, WEST, 2);
	net_lose(&n, WEST, 3);
	net_up(&n);
	assert_up_failed(&n, "peer did not answer Main Mode message 1 after 2 retransmits, "
			     "giving up");
	assert_phase1_failed(&n, WEST, n.why);
	assert_null(n.d[EAST]->sas);
	assert_int_equal(n.sent[WEST], 3);
	assert_int_equal(n.sent[EAST], 0);
	net_stop(&n);
}

/* Every QM1 is lost: the Quick Mode gives up on its connection; the
 * ISAKMP SAs stay up with no reason of their own. */
static void test_silent_peer_quick_mode(void **state)
{
	char conf[CONF_LEN];
	struct net n;
	int i;

	conf_edit(conf, "", FAST, NULL);
	start(&n, conf, conf);
	net_lose(&n, WEST, 4);
	net_lose(&n, WEST, 5);
	net_lose(&n, WEST, 6);
	net_up(&n);
	assert_up_failed(&n, "peer did not answer QM1 after 2 retransmits, giving up");
	assert_failure(&n, WEST, n.why);
	for (i = 0; i < 2; i++) {
		assert_int_equal(n.d[i]->sas->state, IKE_SA_ESTABLISHED);
		assert_string_equal(n.d[i]->sas->why, "");
		assert_null(n.d[i]->children);
	}
	assert_null(n.d[EAST]->sas->quicks);
	net_stop(&n);
}

/* QM1 arrives twice: east answers the copy with the QM2 it kept, and makes
 * no second Quick Mode; west answers that QM2 copy with its QM3 again. */
static void test_duplicate_qm1_answered_from_copy(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_duplicate(&n, WEST, 4);
	net_up(&n);
	assert_up_once(&n);
	assert_int_equal(n.sent[EAST], 5); /* QM2 twice */
	assert_int_equal(n.sent[WEST], 6); /* QM3 twice */
	net_stop(&n);
}

/* QM2 arrives twice: west, lingering, answers the copy with QM3 again. */
static void test_duplicate_qm2_answered_from_copy(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_duplicate(&n, EAST, 4);
	net_up(&n);
	assert_up_once(&n);
	assert_int_equal(n.sent[WEST], 6); /* QM3 twice */
	assert_int_equal(n.sent[EAST], 4);
	net_stop(&n);
}

/* A phase-1 copy is answered only by the message that answered it: a
 * copy of MM6 (which answers nothing) used to get MM5 again, which east
 * answered with MM6, and so on, thousands of times until the kept
 * messages expired. */
static void test_duplicate_mm6_not_answered(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_duplicate(&n, EAST, 3);
	net_up(&n);
	assert_up_once(&n);
	assert_int_equal(n.sent[WEST], 5);
	assert_int_equal(n.sent[EAST], 4);
	net_stop(&n);
}

/* Any one phase-1 message twice, in Main and in Aggressive Mode: each
 * copy is answered at most once down the exchange, and it ends. */
static void test_duplicate_phase1_ends(void **state)
{
	static const struct {
		bool aggressive;
		int side;
		unsigned nth, sent_west, sent_east;
	} cases[] = {
		{false, WEST, 1, 5, 4}, {false, WEST, 2, 5, 4}, {false, WEST, 3, 5, 4},
		{false, EAST, 1, 5, 4}, {false, EAST, 2, 5, 4}, {false, EAST, 3, 5, 4},
		{true, WEST, 1, 4, 2},	{true, WEST, 2, 4, 2},	{true, EAST, 1, 4, 2},
	};
	char conf[CONF_LEN];
	struct net n;
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].aggressive)
			conf_edit(conf, "", FAST, AGGRESSIVE, NULL);
		else
			conf_edit(conf, "", FAST, NULL);
		start(&n, conf, conf);
		net_duplicate(&n, cases[i].side, cases[i].nth);
		net_up(&n);
		assert_up_once(&n);
		assert_in_range(n.sent[WEST], cases[i].sent_west, cases[i].sent_west + 3);
		assert_in_range(n.sent[EAST], cases[i].sent_east, cases[i].sent_east + 3);
		net_stop(&n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm_initiator_id_refused),
		cmocka_unit_test(test_mm_responder_id_refused),
		cmocka_unit_test(test_am_initiator_id_refused),
		cmocka_unit_test(test_am_responder_id_refused),
		cmocka_unit_test(test_aggressive_refused),
		cmocka_unit_test(test_main_mode_to_aggressive_responder),
		cmocka_unit_test(test_phase1_transform_mismatch),
		cmocka_unit_test(test_phase1_lifetime_responder_shorter),
		cmocka_unit_test(test_phase1_lifetime_responder_longer),
		cmocka_unit_test(test_quick_lifetime_responder_shorter),
		cmocka_unit_test(test_quick_lifetime_responder_longer),
		cmocka_unit_test(test_quick_lifetime_below_floor),
		cmocka_unit_test(test_quick_ids_not_covered),
		cmocka_unit_test(test_quick_integrity_mismatch),
		cmocka_unit_test(test_quick_cipher_mismatch),
		cmocka_unit_test(test_quick_mode_mismatch),
		cmocka_unit_test(test_pfs_responder_only),
		cmocka_unit_test(test_pfs_initiator_only),
		cmocka_unit_test(test_pfs_other_group),
		cmocka_unit_test(test_no_key_at_responder),
		cmocka_unit_test(test_mm1_lost_twice),
		cmocka_unit_test(test_lost_in_both_phases),
		cmocka_unit_test(test_silent_peer_main_mode),
		cmocka_unit_test(test_silent_peer_quick_mode),
		cmocka_unit_test(test_duplicate_qm1_answered_from_copy),
		cmocka_unit_test(test_duplicate_qm2_answered_from_copy),
		cmocka_unit_test(test_duplicate_mm6_not_answered),
		cmocka_unit_test(test_duplicate_phase1_ends),
	};

	log_setup(true, getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
