/* The DPD rules (src/ike/dpd.c), written from RFC 3706's text:
 * - the message format: R-U-THERE (36136) and R-U-THERE-ACK (36137) are
 *   Notify payloads, Protocol ID ISAKMP, SPI size 16, the SPI being
 *   CKY-I | CKY-R of the ISAKMP SA, the Notification Data the 32-bit
 *   sequence number (network byte order);
 * - the sequence numbers, against replay: an ACK carries the number of
 *   the R-U-THERE it answers, and a peer's R-U-THERE must be newer than
 *   the last one seen from it.
 * Anything else is ignored, never answered. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "ike/dpd.h"
#include "util/buf.h"
#include "wire/isakmp.h"
#include "wire/payload.h"

static const uint8_t cky_i[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t cky_r[8] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};

/* A Notify payload body as RFC 3706 draws it (DOI, protocol, SPI size,
 * type, SPI, data), parsed with the engine's parser. */
struct note {
	uint8_t raw[64];
	struct wire_notify n;
};

static void note_make(struct note *t, uint16_t type, const uint8_t *spi, uint8_t spi_size,
		      const uint8_t *data, size_t data_len)
{
	size_t len = 0;
	struct cursor c;

	put_u32(t->raw, 1); /* IPSEC DOI */
	t->raw[4] = 1;	    /* PROTO_ISAKMP */
	t->raw[5] = spi_size;
	t->raw[6] = (uint8_t)(type >> 8);
	t->raw[7] = (uint8_t)type;
	len = 8;
	memcpy(t->raw + len, spi, spi_size);
	len += spi_size;
	memcpy(t->raw + len, data, data_len);
	len += data_len;
	c.p = t->raw;
	c.len = len;
	assert_int_equal(wire_parse_notify(c, &t->n), 0);
}

static void cookies(uint8_t spi[16])
{
	memcpy(spi, cky_i, 8);
	memcpy(spi + 8, cky_r, 8);
}

static void test_well_formed(void **state)
{
	static const uint8_t seq[4] = {0x01, 0x02, 0x03, 0x04};
	uint8_t spi[16];
	struct note t;
	uint32_t got = 0;

	cookies(spi);
	note_make(&t, ISAKMP_N_DPD_R_U_THERE, spi, 16, seq, 4);
	assert_int_equal(t.n.type, 36136);
	assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), 0);
	assert_int_equal(got, 0x01020304); /* network byte order */
	note_make(&t, ISAKMP_N_DPD_R_U_THERE_ACK, spi, 16, seq, 4);
	assert_int_equal(t.n.type, 36137);
	assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), 0);
}

/* The SPI is the ISAKMP SA's cookies, both, in order: a notify naming
 * another SA (or with another SPI size) is ignored. */
static void test_spi_must_be_the_cookies(void **state)
{
	static const uint8_t seq[4] = {0, 0, 0, 9};
	uint8_t spi[16], swapped[16];
	struct note t;
	uint32_t got;

	cookies(spi);
	memcpy(swapped, cky_r, 8);
	memcpy(swapped + 8, cky_i, 8);
	note_make(&t, ISAKMP_N_DPD_R_U_THERE, swapped, 16, seq, 4);
	assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), -EINVAL);
	spi[15] ^= 1; /* one bit of the responder cookie */
	note_make(&t, ISAKMP_N_DPD_R_U_THERE, spi, 16, seq, 4);
	assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), -EINVAL);
	cookies(spi);
	note_make(&t, ISAKMP_N_DPD_R_U_THERE, spi, 8, seq, 4); /* CKY-I only */
	assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), -EINVAL);
	note_make(&t, ISAKMP_N_DPD_R_U_THERE, spi, 0, seq, 4);
	assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), -EINVAL);
}

/* Malformed: no 4-byte sequence number. */
static void test_sequence_data_is_four_bytes(void **state)
{
	static const uint8_t seq[5] = {0, 0, 0, 1, 2};
	uint8_t spi[16];
	struct note t;
	uint32_t got;
	size_t lens[] = {0, 1, 3, 5};
	unsigned i;

	cookies(spi);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		note_make(&t, ISAKMP_N_DPD_R_U_THERE, spi, 16, seq, lens[i]);
		assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), -EINVAL);
		note_make(&t, ISAKMP_N_DPD_R_U_THERE_ACK, spi, 16, seq, lens[i]);
		assert_int_equal(dpd_notify_parse(&t.n, cky_i, cky_r, &got), -EINVAL);
	}
}

/* A peer's R-U-THERE: the first with any number, then only greater
 * ones (a replay or an old one is ignored). */
static void test_peer_sequence(void **state)
{
	struct dpd_state s;

	memset(&s, 0, sizeof(s));
	assert_true(dpd_seq_in_ok(&s, 0x7fff0000));
	s.seq_in = 0x7fff0000;
	s.seq_in_seen = true;
	assert_false(dpd_seq_in_ok(&s, 0x7fff0000)); /* the same again */
	assert_false(dpd_seq_in_ok(&s, 0x7ffeffff)); /* older */
	assert_false(dpd_seq_in_ok(&s, 0));
	assert_true(dpd_seq_in_ok(&s, 0x7fff0001));
	assert_true(dpd_seq_in_ok(&s, 0x7fff0100)); /* lost ones in between */
	memset(&s, 0, sizeof(s));
	assert_true(dpd_seq_in_ok(&s, 0)); /* a first one may be anything */
}

/* An ACK answers our last R-U-THERE: its number, and only once we sent
 * one. */
static void test_ack_sequence(void **state)
{
	struct dpd_state s;

	memset(&s, 0, sizeof(s));
	assert_false(dpd_ack_ok(&s, 0)); /* nothing sent yet */
	assert_false(dpd_ack_ok(&s, 1));
	s.seq_out = 1000;
	assert_true(dpd_ack_ok(&s, 1000));
	assert_false(dpd_ack_ok(&s, 999));  /* an earlier probe's */
	assert_false(dpd_ack_ok(&s, 1001)); /* one we never sent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_spi_must_be_the_cookies),
		cmocka_unit_test(test_sequence_data_is_four_bytes),
		cmocka_unit_test(test_peer_sequence),
		cmocka_unit_test(test_ack_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
