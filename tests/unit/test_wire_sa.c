/* SA payload, proposals, transforms and data attributes: round trips and
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

/* Parses an SA body given in hex and walks every proposal, transform and
 * attribute; returns the first non-zero code, or 0. */
static int walk_sa(const char *hex)
{
	uint8_t body[1024];
	struct cursor c = cursor_make(body, unhex(hex, body, sizeof(body)));
	struct wire_sa sa;
	struct wire_proposal p;
	struct wire_transform t;
	struct wire_attr a;
	int err;

	err = wire_parse_sa(c, &sa);
	while (!err && sa.proposals.len) {
		err = wire_proposal_next(&sa.proposals, &p);
		while (!err && p.transforms.len) {
			err = wire_transform_next(&p.transforms, &t);
			while (!err && t.attrs.len)
				err = wire_attr_next(&t.attrs, &a);
		}
	}
	return err;
}

#define SA_HDR "00000001 00000001 "

static void test_sa_walk_ok(void **state)
{
	/* One proposal, one transform with one TV attribute. */
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 00 00 000c 01 01 0000 8001 0007"),
			 0);
	/* A transform without attributes; a TLV of length 0. */
	assert_int_equal(walk_sa(SA_HDR "00 00 0010 01 01 00 01 00 00 0008 01 01 0000"), 0);
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 00 00 000c 01 01 0000 0006 0000"),
			 0);
}

static void test_sa_header_errors(void **state)
{
	/* short body */
	assert_int_equal(walk_sa("00000001 000000"), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(walk_sa(""), ISAKMP_N_PAYLOAD_MALFORMED);
	/* DOI 0 (ISAKMP) and 2 */
	assert_int_equal(walk_sa("00000000 00000001 00 00 0014 01 01 00 01 00 00 000c 01 01 0000 "
				 "8001 0007"),
			 ISAKMP_N_DOI_NOT_SUPPORTED);
	assert_int_equal(walk_sa("00000002 00000001"), ISAKMP_N_DOI_NOT_SUPPORTED);
	/* SIT_SECRECY */
	assert_int_equal(walk_sa("00000001 00000002"), ISAKMP_N_SITUATION_NOT_SUPPORTED);
	/* no proposal */
	assert_int_equal(walk_sa(SA_HDR), ISAKMP_N_BAD_PROPOSAL_SYNTAX);
}

static void test_proposal_errors(void **state)
{
	/* proposal length < 8, and running past the SA */
	assert_int_equal(walk_sa(SA_HDR "00 00 0007 01 01 00 01"), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(walk_sa(SA_HDR "00 00 0015 01 01 00 01 00 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* fewer than 8 bytes left for a proposal header */
	assert_int_equal(walk_sa(SA_HDR "00 00 0014"), ISAKMP_N_PAYLOAD_MALFORMED);
	/* non-zero RESERVED */
	assert_int_equal(walk_sa(SA_HDR "00 01 0014 01 01 00 01 00 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* bad chaining: a transform type, "more" on the last, "last" with more */
	assert_int_equal(walk_sa(SA_HDR "03 00 0014 01 01 00 01 00 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	assert_int_equal(walk_sa(SA_HDR "02 00 0014 01 01 00 01 00 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 00 00 000c 01 01 0000 8001 0007"
					"00 00 0014 02 01 00 01 00 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	/* SPI size > 16, and an SPI running past the proposal */
	assert_int_equal(walk_sa(SA_HDR "00 00 0020 01 03 11 01" /* 17-byte SPI */
					"0000000000000000000000000000000000 00000000000000"),
			 ISAKMP_N_INVALID_SPI);
	assert_int_equal(walk_sa(SA_HDR "00 00 000a 01 03 04 00 c0ff"), ISAKMP_N_PAYLOAD_MALFORMED);
	/* transform count mismatch: says 2 with 1, 1 with 2, and 0 with 0 */
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 02 00 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	assert_int_equal(walk_sa(SA_HDR "00 00 0018 01 01 00 01 03 00 0008 01 01 0000"
					"00 00 0008 02 01 0000"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	assert_int_equal(walk_sa(SA_HDR "00 00 0008 01 01 00 00"), ISAKMP_N_BAD_PROPOSAL_SYNTAX);
}

static void test_transform_errors(void **state)
{
	/* transform length < 8, and running past the proposal */
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 00 00 0007 01 01 0000 8001 0007"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 00 00 000d 01 01 0000 8001 0007"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* fewer than 8 bytes for a transform header */
	assert_int_equal(walk_sa(SA_HDR "00 00 000c 01 01 00 01 00 00 0008"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* non-zero RESERVED and RESERVED2 */
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 00 01 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 00 00 000c 01 01 0100 8001 0007"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* bad chaining: a proposal type, "more" on the last, "last" with more */
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 02 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	assert_int_equal(walk_sa(SA_HDR "00 00 0014 01 01 00 01 03 00 000c 01 01 0000 8001 0007"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	assert_int_equal(walk_sa(SA_HDR "00 00 0018 01 01 00 02 00 00 0008 01 01 0000"
					"00 00 0008 02 01 0000"),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	/* attribute TLV running past the transform, and a truncated attribute */
	assert_int_equal(walk_sa(SA_HDR "00 00 0018 01 01 00 01 00 00 0010 01 01 0000"
					"000c 0005 00002a30"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(walk_sa(SA_HDR "00 00 0012 01 01 00 01 00 00 000a 01 01 0000 8001"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(walk_sa(SA_HDR "00 00 0013 01 01 00 01 00 00 000b 01 01 0000 8001 00"),
			 ISAKMP_N_PAYLOAD_MALFORMED);
}

static void test_transform_next_direct(void **state)
{
	/* Called on its own (without a proposal having checked it first). */
	uint8_t b[32];
	struct cursor c = cursor_make(b, unhex("00 00 000c 07 0c 0000 000e 0002", b, sizeof(b)));
	struct wire_transform t;

	assert_int_equal(wire_transform_next(&c, &t), ISAKMP_N_PAYLOAD_MALFORMED);
	c = cursor_make(b, unhex("00 00 000c 07 0c 0000 800e 0100", b, sizeof(b)));
	assert_int_equal(wire_transform_next(&c, &t), 0);
	assert_int_equal(t.num, 7);
	assert_int_equal(t.id, ESP_AES_CBC);
	assert_int_equal(t.attrs.len, 4);
	assert_int_equal(c.len, 0);
}

static void test_attr_values(void **state)
{
	static const struct {
		const char *hex;
		bool ok;
		uint32_t v;
	} cases[] = {
		{"800c 2a30", true, 10800},
		{"000c 0001 ff", true, 0xff},
		{"000c 0002 1234", true, 0x1234},
		{"000c 0003 123456", true, 0x123456},
		{"000c 0004 00007080", true, 28800},
		{"000c 0004 ffffffff", true, 0xffffffff},
		{"000c 0008 00000000 00015180", true, 86400},
		{"000c 0008 00000001 00000000", false, 0},
		{"000c 0005 0100000000", false, 0},
		{"000c 0000", false, 0},
	};
	uint8_t b[32];
	struct wire_attr a;
	struct cursor c;
	uint32_t v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = cursor_make(b, unhex(cases[i].hex, b, sizeof(b)));
		assert_int_equal(wire_attr_next(&c, &a), 0);
		assert_int_equal(c.len, 0);
		assert_int_equal(a.type, IKE_ATTR_LIFE_DURATION);
		v = 0xdeadbeef;
		assert_int_equal(wire_attr_u32(&a, &v), cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(v, cases[i].v);
	}
	/* A variable-length attribute keeps its bytes. */
	c = cursor_make(b, unhex("0006 0003 0a0b0c 8001 0001", b, sizeof(b)));
	assert_int_equal(wire_attr_next(&c, &a), 0);
	assert_false(a.tv);
	assert_int_equal(a.type, IKE_ATTR_GROUP_PRIME);
	assert_int_equal(a.value.len, 3);
	assert_int_equal(a.value.p[2], 0x0c);
	assert_int_equal(wire_attr_next(&c, &a), 0);
	assert_true(a.tv);
	assert_int_equal(a.tv_value, 1);
	/* nothing left */
	assert_int_equal(wire_attr_next(&c, &a), ISAKMP_N_PAYLOAD_MALFORMED);
}

/* Build an SA with several proposals (one with an ESP SPI, an AH+ESP pair
 * sharing a number) and transforms with TV and TLV attributes; parse it and
 * compare with the specs. */
static const struct wire_transform_spec esp_t[] = {
	{1,
	 ESP_AES_CBC,
	 5,
	 {{IPSEC_ATTR_KEY_LENGTH, 256},
	  {IPSEC_ATTR_AUTH_ALGORITHM, IPSEC_AUTH_HMAC_SHA2_256},
	  {IPSEC_ATTR_ENCAPSULATION_MODE, IPSEC_ENCAP_TUNNEL},
	  {IPSEC_ATTR_SA_LIFE_TYPE, IKE_LIFE_KILOBYTES},
	  {IPSEC_ATTR_SA_LIFE_DURATION, 4608000}}},
	{2,
	 ESP_3DES,
	 2,
	 {{IPSEC_ATTR_AUTH_ALGORITHM, IPSEC_AUTH_HMAC_SHA1},
	  {IPSEC_ATTR_SA_LIFE_DURATION, 0x10000}}},
	{3, ESP_NULL, 0, {{0, 0}}},
};
static const struct wire_transform_spec ah_t[] = {
	{1, 3 /* AH_SHA */, 1, {{IPSEC_ATTR_AUTH_ALGORITHM, IPSEC_AUTH_HMAC_SHA1}}},
};
static const struct wire_transform_spec ike_t[] = {
	{1,
	 KEY_IKE,
	 2,
	 {{IKE_ATTR_ENCRYPTION_ALGORITHM, IKE_ENCR_AES_CBC}, {IKE_ATTR_LIFE_DURATION, 0xffff}}},
	{2, KEY_IKE, 1, {{IKE_ATTR_LIFE_DURATION, 0xffffffff}}},
};

static void check_transform(const struct wire_transform *t, const struct wire_transform_spec *s)
{
	struct cursor c = t->attrs;
	struct wire_attr a;
	uint32_t v;
	unsigned i;

	assert_int_equal(t->num, s->num);
	assert_int_equal(t->id, s->id);
	for (i = 0; c.len; i++) {
		assert_int_equal(wire_attr_next(&c, &a), 0);
		assert_true(i < s->nattrs);
		assert_int_equal(a.type, s->attrs[i].type);
		/* TV exactly when the value fits 16 bits; TLV is 4 bytes. */
		assert_int_equal(a.tv, s->attrs[i].value <= 0xffff);
		if (!a.tv)
			assert_int_equal(a.value.len, 4);
		assert_true(wire_attr_u32(&a, &v));
		assert_int_equal(v, s->attrs[i].value);
	}
	assert_int_equal(i, s->nattrs);
}

static void test_sa_round_trip(void **state)
{
	const struct wire_proposal_spec props[] = {
		{1, PROTO_IPSEC_AH, 4, {0xaa, 0xbb, 0xcc, 0x01}, 1, ah_t},
		{1, PROTO_IPSEC_ESP, 4, {0xaa, 0xbb, 0xcc, 0x02}, 3, esp_t},
		{2, PROTO_IPSEC_ESP, 4, {0xaa, 0xbb, 0xcc, 0x03}, 1, esp_t},
		{3,
		 PROTO_ISAKMP,
		 16,
		 {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		 2,
		 ike_t},
	};
	const size_t nprops = sizeof(props) / sizeof(props[0]);
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_QUICK, .msgid = 1};
	struct isakmp_hdr ph;
	struct wire_payloads pl;
	struct wire_builder w;
	struct wire_sa sa;
	struct wire_proposal p;
	struct wire_transform t;
	struct buf b;
	size_t i;

	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, props, nprops), 0);
	assert_int_equal(wire_build_finish(&w), 0);

	assert_int_equal(wire_parse_header(b.data, b.len, &ph), 0);
	assert_int_equal(wire_parse_chain(ph.next_payload, b.data + 28, b.len - 28, false, &pl), 0);
	assert_int_equal(pl.n, 1);
	assert_int_equal(pl.p[0].type, ISAKMP_PL_SA);
	assert_int_equal(wire_parse_sa(pl.p[0].body, &sa), 0);
	assert_int_equal(sa.doi, IPSEC_DOI);
	assert_int_equal(sa.situation, IPSEC_SIT_IDENTITY_ONLY);
	for (i = 0; sa.proposals.len; i++) {
		assert_int_equal(wire_proposal_next(&sa.proposals, &p), 0);
		assert_true(i < nprops);
		assert_int_equal(p.num, props[i].num);
		assert_int_equal(p.proto, props[i].proto);
		assert_int_equal(p.spi_size, props[i].spi_size);
		assert_memory_equal(p.spi, props[i].spi, props[i].spi_size);
		assert_int_equal(p.ntransforms, props[i].ntransforms);
		for (unsigned j = 0; j < props[i].ntransforms; j++) {
			assert_int_equal(wire_transform_next(&p.transforms, &t), 0);
			check_transform(&t, &props[i].transforms[j]);
		}
		assert_int_equal(p.transforms.len, 0);
	}
	assert_int_equal(i, nprops);
	buf_free(&b);
}

static void test_sa_build_errors(void **state)
{
	struct wire_transform_spec many = {1, KEY_IKE, 17, {{0, 0}}};
	struct wire_proposal_spec p = {1, PROTO_ISAKMP, 0, {0}, 1, ike_t};
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_ID_PROT};
	struct wire_builder w;
	struct buf b;

	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &p, 0), -EINVAL);
	p.spi_size = 17;
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &p, 1), -EINVAL);
	p.spi_size = 0;
	p.ntransforms = 0;
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &p, 1), -EINVAL);
	p.ntransforms = 1;
	p.transforms = &many;
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &p, 1), -EINVAL);
	/* Nothing was written by the refused calls. */
	assert_int_equal(b.len, 28);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_walk_ok),
		cmocka_unit_test(test_sa_header_errors),
		cmocka_unit_test(test_proposal_errors),
		cmocka_unit_test(test_transform_errors),
		cmocka_unit_test(test_transform_next_direct),
		cmocka_unit_test(test_attr_values),
		cmocka_unit_test(test_sa_round_trip),
		cmocka_unit_test(test_sa_build_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
