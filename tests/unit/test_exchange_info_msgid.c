/* The message IDs of the peer's protected Informationals, between two
 * in-process engines (exchange_fixture.h).  vpnc draws a Delete's ID from
 * one random byte: 0 one time in 256, or the ID of its Delete just before.
 * Such Deletes are taken (a Delete removes nothing twice); a notify with an
 * ID used before stays a replay and is dropped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "exchange_fixture.h"
#include "ike/informational.h"
#include "util/buf.h"
#include "wire/isakmp.h"

/* What east sends: a Delete of ESP SPIs, or an R-U-THERE. */
struct raw_info {
	bool dpd;
	uint8_t spis[8];
	uint8_t nspi;
	const struct ike_sa *sa;
	uint32_t seq;
};

static int add_raw_info(void *state, struct wire_builder *w)
{
	const struct raw_info *r = state;
	uint8_t cookies[16], seq[4];

	if (!r->dpd)
		return wire_add_delete(w, IPSEC_DOI, PROTO_IPSEC_ESP, 4, r->spis, r->nspi);
	memcpy(cookies, r->sa->icookie, 8);
	memcpy(cookies + 8, r->sa->rcookie, 8);
	put_u32(seq, r->seq);
	return wire_add_notify(w, IPSEC_DOI, PROTO_ISAKMP, ISAKMP_N_DPD_R_U_THERE, cookies, 16, seq,
			       4);
}

static const struct send_spec send_raw = {
	.name = "test Informational",
	.encrypted = true,
	.hashed = true,
	.add = {add_raw_info},
};

/* east sends r under its ISAKMP SA with message ID msgid. */
static void east_sends(struct net *n, struct raw_info *r, uint32_t msgid)
{
	r->sa = net_established(n->d[EAST]);
	net_send_info(n, EAST, &send_raw, r, msgid);
}

static void delete_of(struct raw_info *r, uint32_t spi)
{
	memset(r, 0, sizeof(*r));
	r->nspi = 1;
	put_u32(r->spis, spi);
}

static void up(struct net *n)
{
	net_start(n, "", "same secret", "same secret");
	net_up(n);
	assert_true(n->ok);
	net_run_ms(n, 100);
	assert_non_null(n->d[WEST]->children);
}

/* A Delete with message ID 0 (vpnc, one time in 256) removes the pair. */
static void test_delete_with_id_zero_taken(void **state)
{
	struct raw_info r;
	struct net n;

	up(&n);
	/* east names its inbound SPI: west's outbound */
	delete_of(&r, only_child(n.d[WEST])->spi_out);
	east_sends(&n, &r, 0);
	assert_null(n.d[WEST]->children);
	net_stop(&n);
}

/* vpnc's second Delete repeating its first one's ID is taken too. */
static void test_delete_with_reused_id_taken(void **state)
{
	struct raw_info r;
	struct net n;

	up(&n);
	delete_of(&r, 0x12345678); /* no such SA: ignored, its ID recorded */
	east_sends(&n, &r, 0x42);
	assert_non_null(n.d[WEST]->children);
	delete_of(&r, only_child(n.d[WEST])->spi_out);
	east_sends(&n, &r, 0x42);
	assert_null(n.d[WEST]->children);
	assert_int_equal(net_established(n.d[WEST])->replays, 0);
	net_stop(&n);
}

/* A notify is not a Delete: one with an ID used before is a replay, and
 * so is one with ID 0; neither is answered. */
static void test_notify_with_reused_id_dropped(void **state)
{
	struct raw_info r = {.dpd = true, .seq = 1};
	struct ike_sa *w;
	unsigned sent;
	struct net n;

	up(&n);
	w = net_established(n.d[WEST]);
	sent = n.sent[WEST];
	east_sends(&n, &r, 0x42);
	assert_int_equal(n.sent[WEST], sent + 1); /* the ACK */
	r.seq = 2;
	east_sends(&n, &r, 0x42);
	assert_int_equal(n.sent[WEST], sent + 1);
	assert_int_equal(w->replays, 1);
	r.seq = 3;
	east_sends(&n, &r, 0);
	assert_int_equal(n.sent[WEST], sent + 1);
	assert_int_equal(w->dpd.seq_in, 1);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_with_id_zero_taken),
		cmocka_unit_test(test_delete_with_reused_id_taken),
		cmocka_unit_test(test_notify_with_reused_id_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
