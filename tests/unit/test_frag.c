/* IKEv1 fragments (ike/frag.h, wire/frag.h): payload 132 parsed and
 * built; reassembly with reordering, copies, a missing piece that times
 * out, oversize sets, two fragment IDs, conflicting LAST, the bounds on
 * sets per peer and in all; a message split and joined again is the
 * original, for sizes around the boundaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "ike/frag.h"

#define TIMEOUT 2000

static struct sockaddr_in peer(unsigned n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(500)};

	a.sin_addr.s_addr = htonl(0xc0000200u + n); /* 192.0.2.n */
	return a;
}

static struct isakmp_hdr hdr(uint8_t ck)
{
	struct isakmp_hdr h = {.next_payload = ISAKMP_PL_FRAG,
			       .version = ISAKMP_VERSION,
			       .exchange = ISAKMP_XCHG_ID_PROT};

	memset(h.icookie, ck, 8);
	memset(h.rcookie, 0x55, 8);
	return h;
}

static struct wire_frag frag(uint16_t id, uint8_t num, bool last, const uint8_t *data, size_t len)
{
	struct wire_frag f = {id, num, last ? ISAKMP_FRAG_LAST : 0, {data, len}};

	return f;
}

/* Adds fragment num (data: "<num>" repeated len times) of h from a. */
static int add(struct frag_table *t, uint64_t now, const struct sockaddr_in *a,
	       const struct isakmp_hdr *h, uint16_t id, uint8_t num, bool last, size_t len,
	       struct buf *out)
{
	static uint8_t data[FRAG_MAX_BYTES];
	struct wire_frag f;

	memset(data, num, len);
	f = frag(id, num, last, data, len);
	return frag_add(t, now, (const struct sockaddr *)a, h, &f, out);
}

static void test_wire_round_trip(void **state)
{
	struct isakmp_hdr h = hdr(1), back;
	static const uint8_t data[] = "slice of a message";
	struct wire_frag f;
	struct buf b;

	h.flags = ISAKMP_FLAG_ENC;
	h.msgid = 0x12345678;
	buf_init(&b);
	assert_int_equal(wire_add_frag(&b, &h, 7, 3, true, data, sizeof(data)), 0);
	assert_int_equal(b.len, ISAKMP_HDR_LEN + ISAKMP_FRAG_HDR_LEN + sizeof(data));
	assert_int_equal(wire_parse_header(b.data, b.len, &back), 0);
	assert_int_equal(back.next_payload, ISAKMP_PL_FRAG);
	assert_int_equal(back.flags, 0); /* never the encryption flag */
	assert_int_equal(back.msgid, 0x12345678);
	assert_int_equal(wire_parse_frag(b.data, b.len, &f), 0);
	assert_int_equal(f.id, 7);
	assert_int_equal(f.num, 3);
	assert_int_equal(f.flags, ISAKMP_FRAG_LAST);
	assert_int_equal(f.data.len, sizeof(data));
	assert_memory_equal(f.data.p, data, sizeof(data));
	assert_int_equal(wire_add_frag(&b, &h, 7, 0, true, data, 1), -EINVAL);
	assert_int_equal(wire_add_frag(&b, &h, 7, 1, true, data, 0), -EINVAL);
	buf_free(&b);
}

static void test_wire_malformed(void **state)
{
	struct isakmp_hdr h = hdr(1);
	struct wire_frag f;
	struct buf b;
	size_t i;

	buf_init(&b);
	assert_int_equal(wire_add_frag(&b, &h, 1, 1, false, (const uint8_t *)"ab", 2), 0);
	/* every truncation is refused */
	for (i = 0; i < b.len; i++)
		assert_int_equal(wire_parse_frag(b.data, i, &f), ISAKMP_N_PAYLOAD_MALFORMED);
	b.data[ISAKMP_HDR_LEN] = ISAKMP_PL_VID; /* another payload after it */
	assert_int_equal(wire_parse_frag(b.data, b.len, &f), ISAKMP_N_PAYLOAD_MALFORMED);
	b.data[ISAKMP_HDR_LEN] = 0;
	b.data[ISAKMP_HDR_LEN + 1] = 1; /* RESERVED */
	assert_int_equal(wire_parse_frag(b.data, b.len, &f), ISAKMP_N_PAYLOAD_MALFORMED);
	b.data[ISAKMP_HDR_LEN + 1] = 0;
	b.data[ISAKMP_HDR_LEN + 6] = 0; /* number 0 */
	assert_int_equal(wire_parse_frag(b.data, b.len, &f), ISAKMP_N_PAYLOAD_MALFORMED);
	b.data[ISAKMP_HDR_LEN + 6] = 1;
	b.data[ISAKMP_HDR_LEN + 3]++; /* payload longer than the datagram */
	assert_int_equal(wire_parse_frag(b.data, b.len, &f), ISAKMP_N_PAYLOAD_MALFORMED);
	b.data[ISAKMP_HDR_LEN + 3]--;
	assert_int_equal(wire_parse_frag(b.data, b.len, &f), 0);
	buf_free(&b);
}

/* 3, 1, 1 again, 2: whole once, in number order; nothing kept after. */
static void test_reorder_and_copies(void **state)
{
	struct frag_table t;
	struct sockaddr_in a = peer(1);
	struct isakmp_hdr h = hdr(1);
	struct buf out;
	size_t i;

	frag_table_init(&t, TIMEOUT);
	buf_init(&out);
	assert_int_equal(add(&t, 0, &a, &h, 1, 3, true, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 100, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 100, &out), 0); /* copy */
	assert_int_equal(t.nsets, 1);
	assert_int_equal(t.bytes, 110);
	assert_int_equal(add(&t, 1, &a, &h, 1, 2, false, 50, &out), 1);
	assert_int_equal(out.len, 160);
	for (i = 0; i < out.len; i++)
		assert_int_equal(out.data[i], i < 100 ? 1 : i < 150 ? 2 : 3);
	assert_int_equal(t.nsets, 0);
	assert_int_equal(t.bytes, 0);
	/* a copy of the whole set after: a new set, whole again (the
	 * dispatcher answers it as a retransmission) */
	buf_reset(&out);
	assert_int_equal(add(&t, 2, &a, &h, 1, 1, false, 100, &out), 0);
	assert_int_equal(add(&t, 2, &a, &h, 1, 2, false, 50, &out), 0);
	assert_int_equal(add(&t, 2, &a, &h, 1, 3, true, 10, &out), 1);
	assert_int_equal(out.len, 160);
	buf_free(&out);
	frag_table_clear(&t);
}

/* A missing piece: the set is dropped at the timeout, memory freed. */
static void test_missing_piece_times_out(void **state)
{
	struct frag_table t;
	struct sockaddr_in a = peer(1);
	struct isakmp_hdr h = hdr(1);
	struct buf out;

	frag_table_init(&t, TIMEOUT);
	buf_init(&out);
	assert_int_equal(add(&t, 100, &a, &h, 1, 1, false, 500, &out), 0);
	assert_int_equal(add(&t, 100, &a, &h, 1, 3, true, 500, &out), 0);
	assert_int_equal(frag_next_due(&t), 100 + TIMEOUT);
	assert_int_equal(frag_expire(&t, 100 + TIMEOUT - 1), 0);
	assert_int_equal(t.nsets, 1);
	assert_int_equal(frag_expire(&t, 100 + TIMEOUT), 1);
	assert_int_equal(t.nsets, 0);
	assert_int_equal(t.bytes, 0);
	assert_int_equal(frag_next_due(&t), 0);
	/* fragment 2 late: a new set, not whole */
	assert_int_equal(add(&t, 100 + TIMEOUT, &a, &h, 1, 2, false, 500, &out), 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	frag_table_clear(&t); /* ASan: nothing leaks */
}

static void test_oversize(void **state)
{
	struct frag_table t;
	struct sockaddr_in a = peer(1);
	struct isakmp_hdr h = hdr(1);
	struct buf out;
	unsigned i;

	frag_table_init(&t, TIMEOUT);
	buf_init(&out);
	/* more than 16 fragments: number 17 drops the set */
	for (i = 1; i <= 16; i++)
		assert_int_equal(add(&t, 0, &a, &h, 1, (uint8_t)i, false, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 17, true, 10, &out), -E2BIG);
	assert_int_equal(t.nsets, 0);
	assert_int_equal(t.bytes, 0);
	/* over the size limit */
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 40000, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 2, false, FRAG_MAX_BYTES - 40000, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 3, true, 1, &out), -EMSGSIZE);
	assert_int_equal(t.nsets, 0);
	assert_int_equal(t.bytes, 0);
	/* exactly the limit is whole */
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 40000, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 2, true, FRAG_MAX_BYTES - 40000, &out), 1);
	assert_int_equal(out.len, FRAG_MAX_BYTES);
	assert_true(t.dropped >= 2);
	buf_free(&out);
	frag_table_clear(&t);
}

/* Two fragment IDs (or two SAs' cookies, or two peers) are two sets. */
static void test_two_ids(void **state)
{
	struct frag_table t;
	struct sockaddr_in a = peer(1), b = peer(2);
	struct isakmp_hdr h = hdr(1), h2 = hdr(2);
	struct buf out;

	frag_table_init(&t, TIMEOUT);
	buf_init(&out);
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 2, 2, true, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h2, 1, 2, true, 10, &out), 0);
	assert_int_equal(add(&t, 0, &b, &h, 1, 2, true, 10, &out), 0);
	assert_int_equal(t.nsets, 4);
	assert_int_equal(out.len, 0);
	assert_int_equal(add(&t, 0, &a, &h, 2, 1, false, 7, &out), 1);
	assert_int_equal(out.len, 17);
	assert_int_equal(t.nsets, 3);
	buf_free(&out);
	frag_table_clear(&t);
	assert_int_equal(t.nsets, 0);
}

/* A fragment that contradicts its set starts it anew. */
static void test_conflicts(void **state)
{
	static const uint8_t other[10] = {9};
	struct frag_table t;
	struct sockaddr_in a = peer(1);
	struct isakmp_hdr h = hdr(1);
	struct wire_frag f;
	struct buf out;

	frag_table_init(&t, TIMEOUT);
	buf_init(&out);
	/* LAST 3, then LAST 2: the set restarts with 2 as LAST */
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 3, true, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 2, true, 10, &out), 0);
	assert_int_equal(t.nsets, 1);
	assert_int_equal(t.bytes, 10);
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 10, &out), 1);
	assert_int_equal(out.len, 20);
	/* a number beyond LAST */
	buf_reset(&out);
	assert_int_equal(add(&t, 0, &a, &h, 1, 2, true, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 4, false, 10, &out), 0);
	assert_int_equal(t.bytes, 10); /* only 4 is left */
	/* LAST below a number held */
	assert_int_equal(add(&t, 0, &a, &h, 1, 3, true, 10, &out), 0);
	assert_int_equal(t.bytes, 10);
	/* the same number with other data */
	f = frag(1, 3, true, other, sizeof(other));
	assert_int_equal(frag_add(&t, 0, (struct sockaddr *)&a, &h, &f, &out), 0);
	assert_int_equal(t.nsets, 1);
	assert_int_equal(t.bytes, 10);
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 1, 2, false, 10, &out), 1);
	assert_int_equal(out.len, 30);
	assert_int_equal(out.data[20], 9);
	buf_free(&out);
	frag_table_clear(&t);
}

/* A stranger's fragment 1 of many sets: FRAG_MAX_SETS_PEER each, and
 * FRAG_MAX_SETS in all; room again once they time out. */
static void test_bounds(void **state)
{
	struct frag_table t;
	struct isakmp_hdr h = hdr(1);
	struct sockaddr_in a;
	struct buf out;
	unsigned i, p;

	frag_table_init(&t, TIMEOUT);
	buf_init(&out);
	a = peer(1);
	for (i = 0; i < FRAG_MAX_SETS_PEER; i++)
		assert_int_equal(add(&t, 0, &a, &h, (uint16_t)i, 1, false, 10, &out), 0);
	assert_int_equal(add(&t, 0, &a, &h, 99, 1, false, 10, &out), -ENOSPC);
	assert_int_equal(t.nsets, FRAG_MAX_SETS_PEER);
	for (p = 2; t.nsets < FRAG_MAX_SETS; p++) {
		a = peer(p);
		for (i = 0; i < FRAG_MAX_SETS_PEER && t.nsets < FRAG_MAX_SETS; i++)
			assert_int_equal(add(&t, 0, &a, &h, (uint16_t)i, 1, false, 10, &out), 0);
	}
	a = peer(200);
	assert_int_equal(add(&t, 0, &a, &h, 1, 1, false, 10, &out), -ENOSPC);
	assert_int_equal(t.nsets, FRAG_MAX_SETS);
	/* a set already kept still completes */
	a = peer(1);
	assert_int_equal(add(&t, 1, &a, &h, 0, 2, true, 10, &out), 1);
	assert_int_equal(t.nsets, FRAG_MAX_SETS - 1);
	/* after the timeout, room for everyone again */
	a = peer(200);
	assert_int_equal(add(&t, TIMEOUT, &a, &h, 1, 1, false, 10, &out), 0);
	assert_int_equal(t.nsets, 1);
	buf_free(&out);
	frag_table_clear(&t);
}

/* First-message sets (no responder cookie) from many spoofed addresses
 * fill the table: a set of a known exchange still gets in, in the place
 * of the oldest of them, and so does a newer first message. */
static void test_strangers_evicted(void **state)
{
	struct frag_table t;
	struct isakmp_hdr first = hdr(7), known = hdr(8);
	struct sockaddr_in a;
	struct buf out;
	unsigned p;

	(void)state;
	memset(first.rcookie, 0, 8);
	frag_table_init(&t, TIMEOUT);
	buf_init(&out);
	for (p = 1; t.nsets < FRAG_MAX_SETS; p++) {
		a = peer(p);
		assert_int_equal(add(&t, 0, &a, &first, 1, 1, false, 10, &out), 0);
	}
	a = peer(250);
	assert_int_equal(add(&t, 0, &a, &known, 1, 1, false, 10, &out), 0);
	assert_int_equal(t.nsets, FRAG_MAX_SETS);
	/* the oldest stranger's set went: its second fragment starts anew */
	a = peer(1);
	assert_int_equal(add(&t, 0, &a, &first, 1, 2, true, 10, &out), 0);
	assert_int_equal(t.nsets, FRAG_MAX_SETS);
	/* the known exchange's set was kept and completes */
	a = peer(250);
	assert_int_equal(add(&t, 0, &a, &known, 1, 2, true, 10, &out), 1);
	buf_free(&out);
	frag_table_clear(&t);
}

struct joined {
	struct frag_table t;
	struct buf whole;
	unsigned n, done;
	size_t room;
};

static void rejoin(void *arg, const uint8_t *msg, size_t len)
{
	struct joined *j = arg;
	struct sockaddr_in a = peer(1);
	struct isakmp_hdr h;
	struct wire_frag f;
	int ret;

	assert_true(len <= j->room);
	assert_int_equal(wire_parse_header(msg, len, &h), 0);
	assert_int_equal(h.next_payload, ISAKMP_PL_FRAG);
	assert_int_equal(h.exchange, ISAKMP_XCHG_AGGRESSIVE);
	assert_int_equal(h.msgid, 0);
	assert_int_equal(h.flags, 0);
	assert_int_equal(wire_parse_frag(msg, len, &f), 0);
	assert_int_equal(f.id, FRAG_ID);
	assert_int_equal(f.num, ++j->n);
	ret = frag_add(&j->t, 0, (struct sockaddr *)&a, &h, &f, &j->whole);
	assert_true(ret == 0 || ret == 1);
	j->done += ret;
}

static void test_split_and_join(void **state)
{
	static uint8_t msg[2000];
	const size_t room = 200, chunk = room - ISAKMP_HDR_LEN - ISAKMP_FRAG_HDR_LEN;
	const size_t lens[] = {ISAKMP_HDR_LEN, chunk - 1,     chunk,	  chunk + 1,
			       2 * chunk,      2 * chunk + 1, sizeof(msg)};
	unsigned i;
	size_t k;

	for (k = 0; k < sizeof(msg); k++)
		msg[k] = (uint8_t)(k * 7 + 3);
	msg[17] = ISAKMP_VERSION; /* the fragments take the message's version */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct joined j = {.room = room};

		frag_table_init(&j.t, TIMEOUT);
		buf_init(&j.whole);
		assert_int_equal(frag_split(msg, lens[i], ISAKMP_XCHG_AGGRESSIVE, room, rejoin, &j),
				 0);
		assert_int_equal(j.n, (lens[i] + chunk - 1) / chunk);
		assert_int_equal(j.done, 1);
		assert_int_equal(j.whole.len, lens[i]);
		assert_memory_equal(j.whole.data, msg, lens[i]);
		assert_int_equal(j.t.nsets, 0);
		buf_free(&j.whole);
	}
	/* no room for data, or more than 255 fragments */
	assert_int_equal(
		frag_split(msg, 100, 2, ISAKMP_HDR_LEN + ISAKMP_FRAG_HDR_LEN, rejoin, NULL),
		-EINVAL);
	assert_int_equal(frag_split(msg, sizeof(msg), 2, ISAKMP_HDR_LEN + ISAKMP_FRAG_HDR_LEN + 7,
				    rejoin, NULL),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_wire_malformed),
		cmocka_unit_test(test_reorder_and_copies),
		cmocka_unit_test(test_missing_piece_times_out),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_two_ids),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_strangers_evicted),
		cmocka_unit_test(test_split_and_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
