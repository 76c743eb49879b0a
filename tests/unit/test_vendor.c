/* Vendor IDs (src/ike/vendor.c): the values are RFC 3947's and the
 * drafts' MD5 hashes and RFC 3706's DPD bytes, written here from the RFC
 * text; an initiator offers them all, a responder answers with the best
 * NAT-T version the peer offered and DPD; and two engines learn each
 * other's in Main Mode and in Aggressive Mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "exchange_fixture.h"
#include "ike/exchange.h"
#include "ike/vendor.h"
#include "wire/message.h"

static const uint8_t rfc3947[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
				    0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
static const uint8_t draft02[16] = {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
				    0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48};
static const uint8_t draft02n[16] = {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
				     0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};
static const uint8_t draft03[16] = {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
				    0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};
/* RFC 3706 section 5.3: 14 bytes, then major 0x01 and minor 0x00 */
static const uint8_t dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
				0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};

/* A message of VID payloads (the header's next payload is the first),
 * parsed into m. */
struct vids {
	struct buf b;
	struct ike_msg m;
};

static void vids_parse(struct vids *v)
{
	memset(&v->m, 0, sizeof(v->m));
	assert_int_equal(wire_parse_header(v->b.data, v->b.len, &v->m.hdr), 0);
	assert_int_equal(wire_parse_chain(v->m.hdr.next_payload, v->b.data + 28, v->b.len - 28,
					  false, &v->m.pl),
			 0);
}

static void vids_of(struct vids *v, const uint8_t *const *ids, unsigned n)
{
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_ID_PROT};
	struct wire_builder w;
	unsigned i;

	buf_init(&v->b);
	wire_build_start(&w, &v->b, &h);
	for (i = 0; i < n; i++)
		assert_int_equal(wire_add_raw(&w, ISAKMP_PL_VID, ids[i], 16), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	vids_parse(v);
}

static void vids_ours(struct vids *v, const struct peer_vendor *peer)
{
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_ID_PROT};
	struct wire_builder w;

	buf_init(&v->b);
	wire_build_start(&w, &v->b, &h);
	assert_int_equal(vendor_add_ours(&w, peer), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	vids_parse(v);
}

static bool has_vid(const struct vids *v, const uint8_t id[16])
{
	unsigned i;

	for (i = 0; i < v->m.pl.n; i++)
		if (v->m.pl.p[i].type == ISAKMP_PL_VID && v->m.pl.p[i].body.len == 16 &&
		    !memcmp(v->m.pl.p[i].body.p, id, 16))
			return true;
	return false;
}

/* An initiator offers every NAT-T version and DPD. */
static void test_initiator_offers_all(void **state)
{
	struct peer_vendor seen = {0};
	struct vids v;

	vids_ours(&v, NULL);
	assert_int_equal(wire_count(&v.m.pl, ISAKMP_PL_VID), 5);
	assert_true(has_vid(&v, rfc3947) && has_vid(&v, draft02) && has_vid(&v, draft02n) &&
		    has_vid(&v, draft03) && has_vid(&v, dpd));
	vendor_note(&v.m, &seen);
	assert_int_equal(seen.natt, NATT_RFC);
	assert_true(seen.dpd);
	assert_int_equal(seen.other, 0);
	buf_free(&v.b);
}

/* The peer's best version wins, whatever the order it sent them in;
 * unknown vendor IDs are counted, not mistaken for ours. */
static void test_peer_preference(void **state)
{
	static const uint8_t other[16] = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
					  0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00};
	const uint8_t *const old[] = {draft03, other, draft02, draft02n};
	const uint8_t *const only02[] = {draft02n, draft02};
	struct peer_vendor seen = {0};
	struct vids v;

	vids_of(&v, old, 4);
	vendor_note(&v.m, &seen);
	assert_int_equal(seen.natt, NATT_DRAFT_03);
	assert_false(seen.dpd);
	assert_int_equal(seen.other, 1);
	buf_free(&v.b);
	memset(&seen, 0, sizeof(seen));
	vids_of(&v, only02, 2);
	vendor_note(&v.m, &seen);
	assert_int_equal(seen.natt, NATT_DRAFT_02N);
	buf_free(&v.b);
}

/* A responder answers in the peer's best version only, with DPD always. */
static void test_responder_answers(void **state)
{
	struct peer_vendor peer = {.natt = NATT_DRAFT_03};
	struct vids v;

	vids_ours(&v, &peer);
	assert_int_equal(wire_count(&v.m.pl, ISAKMP_PL_VID), 2);
	assert_true(has_vid(&v, draft03) && has_vid(&v, dpd));
	buf_free(&v.b);
	peer.natt = NATT_NONE;
	vids_ours(&v, &peer);
	assert_int_equal(wire_count(&v.m.pl, ISAKMP_PL_VID), 1);
	assert_true(has_vid(&v, dpd));
	buf_free(&v.b);
}

static void test_payload_numbers(void **state)
{
	assert_int_equal(natt_pl_nat_d(NATT_RFC), 20);
	assert_int_equal(natt_pl_nat_oa(NATT_RFC), 21);
	assert_int_equal(natt_pl_nat_d(NATT_DRAFT_02), 130);
	assert_int_equal(natt_pl_nat_oa(NATT_DRAFT_03), 131);
	assert_int_equal(natt_encap_tunnel(NATT_RFC), 3);
	assert_int_equal(natt_encap_transport(NATT_RFC), 4);
	assert_int_equal(natt_encap_tunnel(NATT_DRAFT_02N), 61443);
	assert_int_equal(natt_encap_transport(NATT_DRAFT_02N), 61444);
	assert_string_equal(natt_version_name(NATT_RFC), "RFC 3947");
	assert_string_equal(natt_version_name(NATT_NONE), "none");
}

static void assert_learned(struct net *n)
{
	int side;

	for (side = 0; side < 2; side++) {
		const struct ike_sa *sa = n->d[side]->sas;

		assert_non_null(sa);
		assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
		assert_int_equal(sa->peer_vendor.natt, NATT_RFC);
		assert_true(sa->peer_vendor.dpd);
	}
}

/* Main Mode: the responder learns from MM1 (through its half-open state),
 * the initiator from MM2. */
static void test_main_mode_learns(void **state)
{
	struct net n;

	net_start(&n, "", "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	assert_learned(&n);
	net_stop(&n);
}

static void test_aggressive_mode_learns(void **state)
{
	struct net n;
	char base[1024], conf[1024];

	snprintf(base, sizeof(base), base_conf, "");
	replace(conf, sizeof(conf), base, "\tauto=add", "\taggressive=yes\n\tauto=add");
	net_start_confs(&n, conf, conf, "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	assert_int_equal(n.d[WEST]->sas->exchange, ISAKMP_XCHG_AGGRESSIVE);
	assert_learned(&n);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initiator_offers_all),
		cmocka_unit_test(test_peer_preference),
		cmocka_unit_test(test_responder_answers),
		cmocka_unit_test(test_payload_numbers),
		cmocka_unit_test(test_main_mode_learns),
		cmocka_unit_test(test_aggressive_mode_learns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
