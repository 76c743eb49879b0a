/* ID, notify, delete, CERT/CR, NAT-OA and raw payloads: round trips, the
 * bytes the builders write (written by hand from RFC 2408/2407/3947), and
 * every malformed form with its notify code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wire/message.h"
#include "wire/payload.h"

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*s) {
		if (*s == ' ' || *s == '\n' || *s == '\t') {
			s++;
			continue;
		}
		assert_true(n < max);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static struct cursor hexcur(const char *hex, uint8_t *buf, size_t max)
{
	return cursor_make(buf, unhex(hex, buf, max));
}

static void cursor_equal(struct cursor c, const void *p, size_t len)
{
	assert_int_equal(c.len, len);
	if (len)
		assert_memory_equal(c.p, p, len);
}

static const uint8_t bytes[64] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
	0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
	0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
	0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
	0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
};

/* One message holding every payload type but SA (see test_wire_sa.c). */
static const struct {
	uint8_t type;
	size_t len;
} raws[] = {
	{ISAKMP_PL_KE, 64},	     {ISAKMP_PL_NONCE, 32}, {ISAKMP_PL_HASH, 20},
	{ISAKMP_PL_SIG, 48},	     {ISAKMP_PL_VID, 16},   {ISAKMP_PL_NAT_D, 20},
	{ISAKMP_PL_NAT_D_DRAFT, 20},
};

static const struct {
	uint8_t type, proto;
	uint16_t port;
	size_t len;
} ids[] = {
	{ID_IPV4_ADDR, 17, 500, 4},    {ID_FQDN, 0, 0, 11},
	{ID_USER_FQDN, 0, 0, 17},      {ID_IPV4_ADDR_SUBNET, 6, 80, 8},
	{ID_IPV6_ADDR, 17, 4500, 16},  {ID_IPV6_ADDR_SUBNET, 0, 0, 32},
	{ID_IPV4_ADDR_RANGE, 0, 0, 8}, {ID_IPV6_ADDR_RANGE, 0, 0, 32},
	{ID_DER_ASN1_DN, 0, 0, 40},    {ID_DER_ASN1_GN, 0, 0, 9},
	{ID_KEY_ID, 0, 0, 1},
};

static const uint8_t spis[3 * 4] = {0xc0, 0, 0, 1, 0xc0, 0, 0, 2, 0xc0, 0, 0, 3};

static void build_all(struct buf *b)
{
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_INFO, .msgid = 0x01020304};
	struct wire_builder w;
	size_t i;

	wire_build_start(&w, b, &h);
	for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
		assert_int_equal(wire_add_raw(&w, raws[i].type, bytes, raws[i].len), 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_int_equal(
			wire_add_id(&w, ids[i].type, ids[i].proto, ids[i].port, bytes, ids[i].len),
			0);
	/* notify without SPI (DPD-style data), and with a phase-1 SPI */
	assert_int_equal(wire_add_notify(&w, IPSEC_DOI, PROTO_ISAKMP, ISAKMP_N_DPD_R_U_THERE, NULL,
					 0, bytes, 4),
			 0);
	assert_int_equal(wire_add_notify(&w, IPSEC_DOI, PROTO_ISAKMP, IPSEC_N_INITIAL_CONTACT,
					 bytes, 16, NULL, 0),
			 0);
	assert_int_equal(wire_add_delete(&w, IPSEC_DOI, PROTO_IPSEC_ESP, 4, spis, 3), 0);
	assert_int_equal(wire_add_cert(&w, ISAKMP_PL_CERT, CERT_X509_SIG, bytes, 50), 0);
	assert_int_equal(wire_add_cert(&w, ISAKMP_PL_CR, CERT_X509_SIG, NULL, 0), 0);
	assert_int_equal(wire_add_nat_oa(&w, ISAKMP_PL_NAT_OA, ID_IPV4_ADDR, bytes, 4), 0);
	assert_int_equal(wire_add_nat_oa(&w, ISAKMP_PL_NAT_OA_DRAFT, ID_IPV6_ADDR, bytes, 16), 0);
	assert_int_equal(wire_build_finish(&w), 0);
}

static void test_round_trip_all(void **state)
{
	struct isakmp_hdr h;
	struct wire_payloads pl;
	struct wire_id id;
	struct wire_notify n;
	struct wire_delete d;
	struct wire_cert c;
	struct wire_nat_oa oa;
	const struct wire_payload *p;
	struct buf b;
	size_t i, k = 0;

	buf_init(&b);
	build_all(&b);
	assert_int_equal(wire_parse_header(b.data, b.len, &h), 0);
	assert_int_equal(h.msgid, 0x01020304);
	assert_int_equal(wire_parse_chain(h.next_payload, b.data + 28, b.len - 28, false, &pl), 0);
	assert_int_equal(pl.n, 7 + 11 + 2 + 1 + 2 + 2);

	for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++, k++) {
		p = &pl.p[k];
		assert_int_equal(p->type, raws[i].type);
		assert_int_equal(p->len, 4 + raws[i].len);
		assert_int_equal(wire_check_raw(p->type, p->body), 0);
		cursor_equal(p->body, bytes, raws[i].len);
	}
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++, k++) {
		assert_int_equal(pl.p[k].type, ISAKMP_PL_ID);
		assert_int_equal(wire_parse_id(pl.p[k].body, &id), 0);
		assert_int_equal(id.type, ids[i].type);
		assert_int_equal(id.proto, ids[i].proto);
		assert_int_equal(id.port, ids[i].port);
		cursor_equal(id.data, bytes, ids[i].len);
	}

	assert_int_equal(pl.p[k].type, ISAKMP_PL_N);
	assert_int_equal(wire_parse_notify(pl.p[k++].body, &n), 0);
	assert_int_equal(n.doi, IPSEC_DOI);
	assert_int_equal(n.proto, PROTO_ISAKMP);
	assert_int_equal(n.type, ISAKMP_N_DPD_R_U_THERE);
	assert_int_equal(n.spi_size, 0);
	cursor_equal(n.spi, NULL, 0);
	cursor_equal(n.data, bytes, 4);
	assert_int_equal(wire_parse_notify(pl.p[k++].body, &n), 0);
	assert_int_equal(n.type, IPSEC_N_INITIAL_CONTACT);
	assert_int_equal(n.spi_size, 16);
	cursor_equal(n.spi, bytes, 16);
	cursor_equal(n.data, NULL, 0);

	assert_int_equal(pl.p[k].type, ISAKMP_PL_D);
	assert_int_equal(wire_parse_delete(pl.p[k++].body, &d), 0);
	assert_int_equal(d.doi, IPSEC_DOI);
	assert_int_equal(d.proto, PROTO_IPSEC_ESP);
	assert_int_equal(d.spi_size, 4);
	assert_int_equal(d.nspi, 3);
	cursor_equal(d.spis, spis, sizeof(spis));

	assert_int_equal(pl.p[k].type, ISAKMP_PL_CERT);
	assert_int_equal(wire_parse_cert(pl.p[k++].body, &c), 0);
	assert_int_equal(c.encoding, CERT_X509_SIG);
	cursor_equal(c.data, bytes, 50);
	assert_int_equal(pl.p[k].type, ISAKMP_PL_CR);
	assert_int_equal(wire_parse_cert(pl.p[k++].body, &c), 0);
	assert_int_equal(c.encoding, CERT_X509_SIG);
	cursor_equal(c.data, NULL, 0);

	assert_int_equal(pl.p[k].type, ISAKMP_PL_NAT_OA);
	assert_int_equal(wire_parse_nat_oa(pl.p[k++].body, &oa), 0);
	assert_int_equal(oa.id_type, ID_IPV4_ADDR);
	cursor_equal(oa.addr, bytes, 4);
	assert_int_equal(pl.p[k].type, ISAKMP_PL_NAT_OA_DRAFT);
	assert_int_equal(wire_parse_nat_oa(pl.p[k++].body, &oa), 0);
	assert_int_equal(oa.id_type, ID_IPV6_ADDR);
	cursor_equal(oa.addr, bytes, 16);
	assert_int_equal(k, pl.n);
	buf_free(&b);
}

/* The builders' bytes against the RFC layouts, written by hand. */
static void test_build_bytes(void **state)
{
	static const char exp[] =
		/* ID: IPV4_ADDR 192.0.2.1, UDP, port 500 (RFC 2407 4.6.2) */
		"0b 00 000c 01 11 01f4 c0000201"
		/* N: DOI 1, ESP, SPI size 4, RESPONDER-LIFETIME, SPI, data (RFC 2408 3.14) */
		"0c 00 0014 00000001 03 04 6000 c0000001 800b0001"
		/* D: DOI 1, ESP, SPI size 4, 2 SPIs (RFC 2408 3.15) */
		"06 00 0014 00000001 03 04 0002 c0000001 c0000002"
		/* CERT: X.509 signature, 3 bytes (RFC 2408 3.9) */
		"15 00 0008 04 308201"
		/* NAT-OA: IPV4_ADDR, RESERVED, 10.0.0.1 (RFC 3947 5.2) */
		"00 00 000c 01 000000 0a000001";
	static const uint8_t addr[4] = {192, 0, 2, 1}, spi2[8] = {0xc0, 0, 0, 1, 0xc0, 0, 0, 2};
	static const uint8_t life[4] = {0x80, 0x0b, 0x00, 0x01}, cert[3] = {0x30, 0x82, 0x01};
	static const uint8_t oa[4] = {10, 0, 0, 1};
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_INFO};
	uint8_t want[128];
	size_t n = unhex(exp, want, sizeof(want));
	struct wire_builder w;
	struct buf b;

	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_id(&w, ID_IPV4_ADDR, 17, 500, addr, 4), 0);
	assert_int_equal(wire_add_notify(&w, IPSEC_DOI, PROTO_IPSEC_ESP, IPSEC_N_RESPONDER_LIFETIME,
					 spi2, 4, life, 4),
			 0);
	assert_int_equal(wire_add_delete(&w, IPSEC_DOI, PROTO_IPSEC_ESP, 4, spi2, 2), 0);
	assert_int_equal(wire_add_cert(&w, ISAKMP_PL_CERT, CERT_X509_SIG, cert, 3), 0);
	assert_int_equal(wire_add_nat_oa(&w, ISAKMP_PL_NAT_OA, ID_IPV4_ADDR, oa, 4), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(b.data[16], ISAKMP_PL_ID);
	assert_int_equal(b.len, 28 + n);
	assert_memory_equal(b.data + 28, want, n);
	buf_free(&b);
}

static void test_id_errors(void **state)
{
	static const struct {
		const char *hex;
		int err;
	} cases[] = {
		{"01 00 00", ISAKMP_N_PAYLOAD_MALFORMED}, /* body < 4 */
		{"", ISAKMP_N_PAYLOAD_MALFORMED},
		{"01 00 0000 c00002", ISAKMP_N_INVALID_ID_INFORMATION},		 /* IPv4, 3 */
		{"01 00 0000 c0000201 00", ISAKMP_N_INVALID_ID_INFORMATION},	 /* IPv4, 5 */
		{"01 00 0000", ISAKMP_N_INVALID_ID_INFORMATION},		 /* IPv4, 0 */
		{"04 00 0000 c0000200", ISAKMP_N_INVALID_ID_INFORMATION},	 /* subnet, 4 */
		{"07 00 0000 c0000201 c00002", ISAKMP_N_INVALID_ID_INFORMATION}, /* range, 7 */
		{"05 00 0000 20010db8000000000000000000000001 00", ISAKMP_N_INVALID_ID_INFORMATION},
		{"06 00 0000 20010db8000000000000000000000000", ISAKMP_N_INVALID_ID_INFORMATION},
		{"08 00 0000 20010db8000000000000000000000000", ISAKMP_N_INVALID_ID_INFORMATION},
		{"02 00 0000", ISAKMP_N_INVALID_ID_INFORMATION},	  /* empty FQDN */
		{"03 00 0000", ISAKMP_N_INVALID_ID_INFORMATION},	  /* empty USER_FQDN */
		{"09 00 0000", ISAKMP_N_INVALID_ID_INFORMATION},	  /* empty DN */
		{"0a 00 0000", ISAKMP_N_INVALID_ID_INFORMATION},	  /* empty GN */
		{"0b 00 0000", ISAKMP_N_INVALID_ID_INFORMATION},	  /* empty KEY_ID */
		{"00 00 0000 01020304", ISAKMP_N_INVALID_ID_INFORMATION}, /* type 0 */
		{"0c 00 0000 01020304", ISAKMP_N_INVALID_ID_INFORMATION}, /* type 12 */
		{"01 11 01f4 c0000201", 0},
		{"02 00 0000 61", 0},
	};
	uint8_t b[64];
	struct wire_id id;
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_ID_PROT};
	struct wire_builder w;
	struct buf bb;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(wire_parse_id(hexcur(cases[i].hex, b, sizeof(b)), &id),
				 cases[i].err);

	buf_init(&bb);
	wire_build_start(&w, &bb, &h);
	assert_int_equal(wire_add_id(&w, ID_IPV4_ADDR, 0, 0, bytes, 16), -EINVAL);
	assert_int_equal(wire_add_id(&w, ID_FQDN, 0, 0, bytes, 0), -EINVAL);
	assert_int_equal(wire_add_id(&w, 99, 0, 0, bytes, 4), -EINVAL);
	assert_int_equal(bb.len, 28);
	buf_free(&bb);
}

static void test_notify_errors(void **state)
{
	uint8_t b[64];
	struct wire_notify n;

	/* body < 8, SPI past the body; an SPI exactly filling it is fine */
	assert_int_equal(wire_parse_notify(hexcur("00000001 01 00 88", b, sizeof(b)), &n),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_notify(hexcur("00000001 01 10 8d28 0001", b, sizeof(b)), &n),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(
		wire_parse_notify(hexcur("00000001 03 04 0018 c0000001", b, sizeof(b)), &n), 0);
	assert_int_equal(n.type, ISAKMP_N_AUTHENTICATION_FAILED);
	assert_int_equal(get_u32(n.spi.p), 0xc0000001);
	assert_int_equal(n.data.len, 0);
}

static void test_delete_errors(void **state)
{
	static const struct {
		const char *hex;
		int err;
	} cases[] = {
		{"00000001 03 04 00", ISAKMP_N_PAYLOAD_MALFORMED},		 /* body < 8 */
		{"00000001 03 04 0002 c0000001", ISAKMP_N_PAYLOAD_MALFORMED},	 /* 1 SPI of 2 */
		{"00000001 03 04 0001 c0000001 00", ISAKMP_N_PAYLOAD_MALFORMED}, /* extra byte */
		{"00000001 03 00 0001", ISAKMP_N_PAYLOAD_MALFORMED},		 /* SPI size 0 */
		{"00000001 03 04 0000", ISAKMP_N_PAYLOAD_MALFORMED},		 /* no SPI */
		{"00000001 01 10 0001 0102030405060708 1112131415161718", 0},	 /* phase 1 */
	};
	uint8_t b[64];
	struct wire_delete d;
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_INFO};
	struct wire_builder w;
	struct buf bb;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(wire_parse_delete(hexcur(cases[i].hex, b, sizeof(b)), &d),
				 cases[i].err);
	assert_int_equal(d.spi_size, 16);
	assert_int_equal(d.nspi, 1);

	buf_init(&bb);
	wire_build_start(&w, &bb, &h);
	assert_int_equal(wire_add_delete(&w, IPSEC_DOI, PROTO_IPSEC_ESP, 0, spis, 1), -EINVAL);
	assert_int_equal(wire_add_delete(&w, IPSEC_DOI, PROTO_IPSEC_ESP, 4, spis, 0), -EINVAL);
	buf_free(&bb);
}

static void test_cert_nat_oa_errors(void **state)
{
	uint8_t b[64];
	struct wire_cert c;
	struct wire_nat_oa oa;
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_QUICK};
	struct wire_builder w;
	struct buf bb;

	assert_int_equal(wire_parse_cert(hexcur("", b, sizeof(b)), &c), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_cert(hexcur("04", b, sizeof(b)), &c), 0);

	assert_int_equal(wire_parse_nat_oa(hexcur("01 0000", b, sizeof(b)), &oa),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_nat_oa(hexcur("01 01 0000 0a000001", b, sizeof(b)), &oa),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_nat_oa(hexcur("01 00 0001 0a000001", b, sizeof(b)), &oa),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_nat_oa(hexcur("01 00 0000 0a0000", b, sizeof(b)), &oa),
			 ISAKMP_N_INVALID_ID_INFORMATION);
	assert_int_equal(wire_parse_nat_oa(hexcur("05 00 0000 0a000001", b, sizeof(b)), &oa),
			 ISAKMP_N_INVALID_ID_INFORMATION);
	assert_int_equal(wire_parse_nat_oa(hexcur("02 00 0000 61", b, sizeof(b)), &oa),
			 ISAKMP_N_INVALID_ID_INFORMATION);

	buf_init(&bb);
	wire_build_start(&w, &bb, &h);
	assert_int_equal(wire_add_cert(&w, ISAKMP_PL_VID, CERT_X509_SIG, bytes, 1), -EINVAL);
	assert_int_equal(wire_add_nat_oa(&w, ISAKMP_PL_NAT_D, ID_IPV4_ADDR, bytes, 4), -EINVAL);
	assert_int_equal(wire_add_nat_oa(&w, ISAKMP_PL_NAT_OA, ID_IPV4_ADDR, bytes, 16), -EINVAL);
	assert_int_equal(wire_add_nat_oa(&w, ISAKMP_PL_NAT_OA, ID_FQDN, bytes, 4), -EINVAL);
	assert_int_equal(bb.len, 28);
	buf_free(&bb);
}

static void test_raw_checks(void **state)
{
	struct cursor c;

	/* RFC 2409 5: nonce 8..256 bytes */
	static uint8_t big[257];
	c = cursor_make(big, 7);
	assert_int_equal(wire_check_raw(ISAKMP_PL_NONCE, c), ISAKMP_N_PAYLOAD_MALFORMED);
	c.len = 8;
	assert_int_equal(wire_check_raw(ISAKMP_PL_NONCE, c), 0);
	c.len = 256;
	assert_int_equal(wire_check_raw(ISAKMP_PL_NONCE, c), 0);
	c.len = 257;
	assert_int_equal(wire_check_raw(ISAKMP_PL_NONCE, c), ISAKMP_N_PAYLOAD_MALFORMED);
	/* empty KE, HASH, SIG, VID, NAT-D */
	c.len = 0;
	assert_int_equal(wire_check_raw(ISAKMP_PL_KE, c), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_check_raw(ISAKMP_PL_HASH, c), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_check_raw(ISAKMP_PL_SIG, c), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_check_raw(ISAKMP_PL_VID, c), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_check_raw(ISAKMP_PL_NAT_D, c), ISAKMP_N_PAYLOAD_MALFORMED);
	/* types without a rule pass */
	assert_int_equal(wire_check_raw(ISAKMP_PL_CR, c), 0);
	c.len = 1;
	assert_int_equal(wire_check_raw(ISAKMP_PL_KE, c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_all), cmocka_unit_test(test_build_bytes),
		cmocka_unit_test(test_id_errors),      cmocka_unit_test(test_notify_errors),
		cmocka_unit_test(test_delete_errors),  cmocka_unit_test(test_cert_nat_oa_errors),
		cmocka_unit_test(test_raw_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
