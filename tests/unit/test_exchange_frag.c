/* IKEv1 fragmentation between two engines in one process
 * (exchange_fixture.h): with fragment_size=200 and MODP-2048, the KE
 * messages of Main Mode, both Aggressive Mode messages and a PFS Quick
 * Mode are sent as fragments both ways and reassembled; with
 * fragmentation=no on one side nothing is fragmented. */
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
#include "ctl/status.h"
#include "ike/frag.h"
#include "ike/tap.h"

/* What each side sent: datagrams, fragments, fragments of a first
 * message (no responder cookie yet), the largest datagram other than a
 * first message (which goes whole unless forced: no VID seen yet). */
static unsigned frags[2], dgrams[2], first_frags[2];
static size_t largest[2];
static const uint8_t zero[8];

static void count_send(void *arg, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	struct side *s = arg;

	bool first = len > ISAKMP_HDR_LEN && !memcmp(msg + 8, zero, 8);

	dgrams[s->idx]++;
	if (len > ISAKMP_HDR_LEN && msg[16] == ISAKMP_PL_FRAG) {
		frags[s->idx]++;
		first_frags[s->idx] += first;
	}
	if (!first && len > largest[s->idx])
		largest[s->idx] = len;
	net_send(arg, ep, msg, len);
}

static void start(struct net *n, const char *west_extra, const char *east_extra, bool aggressive)
{
	char base[1024], a[1024], b[1024], w[1024], e[1024];
	int i;

	snprintf(base, sizeof(base), base_conf, "-modp2048");
	replace(a, sizeof(a), base, "ike=aes128-sha256-ecp256", "ike=aes128-sha256-modp2048");
	replace(b, sizeof(b), a, "\tretransmit_tries=2\n",
		"\tretransmit_tries=2\n\tfragment_size=200\n");
	if (aggressive)
		replace(a, sizeof(a), b, "\tauto=add", "\taggressive=yes\n\tauto=add");
	else
		snprintf(a, sizeof(a), "%s", b);
	replace(w, sizeof(w), a, "\tauto=add", west_extra);
	replace(e, sizeof(e), a, "\tauto=add", east_extra);
	net_start_confs(n, w, e, "same secret", "same secret");
	for (i = 0; i < 2; i++) {
		n->d[i]->send = count_send;
		frags[i] = dgrams[i] = first_frags[i] = 0;
		largest[i] = 0;
	}
}

/* The SA's status line (text or JSON) says it, or does not. */
static void status_says(const struct ike_sa *sa, bool json, const char *want, bool yes)
{
	struct buf out;

	buf_init(&out);
	(json ? status_sa_json : status_sa_text)(sa, &out);
	buf_put_u8(&out, 0);
	if (!strstr((const char *)out.data, want) == yes)
		fail_msg("'%s' %s in: %s", want, yes ? "missing" : "present",
			 (const char *)out.data);
	buf_free(&out);
}

static void assert_up(struct net *n)
{
	int i;

	net_up(n);
	assert_true(n->ok);
	net_run_ms(n, 50);
	for (i = 0; i < 2; i++) {
		assert_non_null(n->d[i]->sas);
		assert_int_equal(n->d[i]->sas->state, IKE_SA_ESTABLISHED);
		assert_non_null(n->d[i]->children);
		assert_int_equal(n->d[i]->frag->nsets, 0); /* nothing left half-done */
	}
	assert_int_equal(only_child(n->d[WEST])->spi_in, only_child(n->d[EAST])->spi_out);
}

static void test_main_mode_fragmented(void **state)
{
	struct net n;
	int i;

	start(&n, "\tauto=add", "\tauto=add", false);
	assert_up(&n);
	for (i = 0; i < 2; i++) {
		assert_true(n.d[i]->sas->peer_vendor.frag);
		assert_true(frag_negotiated(n.d[i]->sas));
		status_says(n.d[i]->sas, false, ", fragmentation", true);
		status_says(n.d[i]->sas, true, "\"fragmentation\":true", true);
		/* MM3/MM4 (KE) and QM1/QM2 (PFS KE): several fragments each */
		assert_true(frags[i] >= 4);
		assert_true(largest[i] <= 200);
	}
	net_stop(&n);
}

/* The decrypted capture (-L) holds each message once, reassembled: no
 * record is a fragment, and the KE messages are there whole. */
static void test_capture_whole_messages(void **state)
{
	char dir[] = "/tmp/oakley-frag-XXXXXX", path[64], why[256];
	unsigned records = 0, frag_records = 0, large = 0;
	static uint8_t file[1 << 16];
	struct net n;
	size_t len, off;
	FILE *f;

	assert_non_null(mkdtemp(dir)); /* 0700: the capture wants a private directory */
	snprintf(path, sizeof(path), "%s/isakmp.pcap", dir);
	start(&n, "\tauto=add", "\tauto=add", false);
	assert_int_equal(ike_capture_on(n.d[EAST], path, why, sizeof(why)), 0);
	assert_up(&n);
	assert_true(frags[WEST] >= 4);
	ike_capture_off(n.d[EAST]);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(file, 1, sizeof(file), f);
	fclose(f);
	unlink(path);
	rmdir(dir);
	/* pcap: 24-byte file header; records of 16 + IPv4 (20) + UDP (8) + ISAKMP */
	for (off = 24; off + 16 + 28 + ISAKMP_HDR_LEN <= len;) {
		uint32_t incl = (uint32_t)file[off + 8] | (uint32_t)file[off + 9] << 8 |
				(uint32_t)file[off + 10] << 16 | (uint32_t)file[off + 11] << 24;
		const uint8_t *isakmp = file + off + 16 + 28;

		records++;
		frag_records += isakmp[16] == ISAKMP_PL_FRAG;
		large += incl - 28 > 200;
		off += 16 + incl;
	}
	assert_int_equal(off, len);
	/* MM1..MM6 and QM1..QM3, each once */
	assert_int_equal(records, 9);
	assert_int_equal(frag_records, 0);
	assert_true(large >= 4); /* MM3, MM4, QM1, QM2 */
	net_stop(&n);
}

static void test_aggressive_mode_fragmented(void **state)
{
	struct net n;
	int i;

	start(&n, "\tauto=add", "\tauto=add", true);
	assert_up(&n);
	assert_int_equal(n.d[WEST]->sas->exchange, ISAKMP_XCHG_AGGRESSIVE);
	/* AM1 goes whole (no VID seen yet); AM2 and QM1/QM2 (PFS KE) in
	 * fragments */
	for (i = 0; i < 2; i++) {
		assert_true(frags[i] >= 3);
		assert_int_equal(first_frags[i], 0);
		assert_true(largest[i] <= 200);
	}
	net_stop(&n);
}

/* force: the first message goes as fragments before any VID was seen. */
static void test_force_first_message(void **state)
{
	struct net n;

	start(&n, "\tfragmentation=force\n\tauto=add", "\tauto=add", true);
	assert_up(&n);
	assert_true(first_frags[WEST] >= 2); /* AM1 */
	assert_true(frags[WEST] >= 5);
	assert_true(largest[WEST] <= 200);
	net_stop(&n);
}

/* force on both sides and fragment_size=128: every message larger than
 * that goes in fragments, MM1 and the half-open responder's MM2 too. */
static void test_force_small(void **state)
{
	char base[1024], a[1024], b[1024];
	struct net n;
	unsigned i;

	snprintf(base, sizeof(base), base_conf, "");
	replace(a, sizeof(a), base, "\tretransmit_tries=2\n",
		"\tretransmit_tries=2\n\tfragment_size=128\n");
	replace(b, sizeof(b), a, "\tauto=add", "\tfragmentation=force\n\tauto=add");
	net_start_confs(&n, b, b, "same secret", "same secret");
	for (i = 0; i < 2; i++) {
		n.d[i]->send = count_send;
		frags[i] = dgrams[i] = first_frags[i] = 0;
		largest[i] = 0;
	}
	assert_up(&n);
	assert_true(first_frags[WEST] >= 2); /* MM1 */
	for (i = 0; i < 2; i++) {
		assert_true(frags[i] > 6);
		assert_true(largest[i] <= 128);
	}
	net_stop(&n);
}

/* A lost fragment: the retransmission resends every fragment, and the
 * set completes from them. */
static void test_lost_fragment(void **state)
{
	struct net n;

	start(&n, "\tauto=add", "\tauto=add", false);
	net_lose(&n, WEST, 3); /* MM1, MM3 fragment 1, MM3 fragment 2 */
	assert_up(&n);
	net_stop(&n);
}

static void test_no_on_one_side(void **state)
{
	struct net n;
	int i;

	start(&n, "\tauto=add", "\tfragmentation=no\n\tauto=add", false);
	assert_up(&n);
	assert_false(n.d[WEST]->sas->peer_vendor.frag); /* east sent no VID */
	for (i = 0; i < 2; i++) {
		assert_false(frag_negotiated(n.d[i]->sas));
		status_says(n.d[i]->sas, false, "fragmentation", false);
		status_says(n.d[i]->sas, true, "\"fragmentation\":false", true);
		assert_int_equal(frags[i], 0);
		assert_true(largest[i] > 200);
	}
	net_stop(&n);
}

/* fragmentation=no refuses fragments: a forced peer gets nowhere. */
static void test_no_refuses_fragments(void **state)
{
	struct net n;

	start(&n, "\tfragmentation=force\n\tauto=add", "\tfragmentation=no\n\tauto=add", true);
	net_up(&n);
	assert_false(n.ok);
	assert_null(n.d[EAST]->sas);
	assert_int_equal(n.d[EAST]->frag->nsets, 0);
	assert_true(n.d[EAST]->frag->dropped > 0);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_mode_fragmented),
		cmocka_unit_test(test_capture_whole_messages),
		cmocka_unit_test(test_aggressive_mode_fragmented),
		cmocka_unit_test(test_force_first_message),
		cmocka_unit_test(test_force_small),
		cmocka_unit_test(test_lost_fragment),
		cmocka_unit_test(test_no_on_one_side),
		cmocka_unit_test(test_no_refuses_fragments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
