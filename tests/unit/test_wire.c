/* ISAKMP header, payload chain and builder; real-shaped messages written by
 * hand from RFC 2408/2409 structure. */
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

/* Hex with any whitespace between bytes. */
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

/* Main Mode message 1 as strongSwan 5.9 sends it for
 * proposals = aes128-sha1-modp2048, auth = psk, an IKE lifetime of 3 h:
 * one proposal (#1, PROTO_ISAKMP, no SPI) with one KEY_IKE transform whose
 * attributes come in strongSwan's order, all TV; then its Vendor IDs:
 * XAuth (8 bytes), DPD (RFC 3706 7), FRAGMENTATION (md5 + 80000000),
 * RFC 3947 NAT-T (md5 "RFC 3947"), draft-ietf-ipsec-nat-t-ike-02\n.
 * Lengths: SA 4+8+44 = 56, proposal 8+36 = 44, transform 8+7*4 = 36;
 * message 28+56+12+20+24+20+20 = 180 = 0xb4. */
static const char mm1_strongswan[] =
	/* header */
	"8b1c5d3e4f607182 0000000000000000" /* cookies */
	"01 10 02 00"			    /* next SA, v1.0, Main Mode, flags */
	"00000000 000000b4"		    /* message id, length 180 */
	/* SA */
	"0d 00 0038 00000001 00000001" /* next VID, len 56, IPsec DOI, IDENTITY_ONLY */
	"00 00 002c 01 01 00 01"       /* P: last, len 44, #1, ISAKMP, spi 0, 1 transform */
	"00 00 0024 01 01 0000"	       /* T: last, len 36, #1, KEY_IKE */
	"8001 0007"		       /* encryption AES-CBC */
	"800e 0080"		       /* key length 128 */
	"8002 0002"		       /* hash SHA1 */
	"8004 000e"		       /* group 14 */
	"8003 0001"		       /* auth PSK */
	"800b 0001"		       /* life type seconds */
	"800c 2a30"		       /* life duration 10800 */
	/* VIDs */
	"0d 00 000c 09002689dfd6b712"
	"0d 00 0014 afcad71368a1f1c96b8696fc77570100"
	"0d 00 0018 4048b7d56ebce88525e7de7f00d6c2d3 80000000"
	"0d 00 0014 4a131c81070358455c5728f20e95452f"
	"00 00 0014 90cb80913ebb696e086381b5ec427b1f";

/* Main Mode message 1 shaped like Windows sends it: two transforms in one
 * proposal, the life duration as a 4-byte TLV (28800 = 0x7080), and the
 * "MS NT5 ISAKMPOAKLEY" (md5 + version 4) and RFC 3947 Vendor IDs.
 * Lengths: transform 8+5*4+8 = 36, proposal 8+2*36 = 80, SA 12+80 = 92,
 * message 28+92+24+20 = 164 = 0xa4. */
static const char mm1_windows[] = "0102030405060708 0000000000000000"
				  "01 10 02 00 00000000 000000a4"
				  "0d 00 005c 00000001 00000001"
				  "00 00 0050 01 01 00 02" /* #1 ISAKMP, 2 transforms */
				  "03 00 0024 01 01 0000"  /* T #1, more follow */
				  "8001 0005 8002 0002 8004 0002 8003 0001 800b 0001"
				  "000c 0004 00007080"	  /* life duration, TLV */
				  "00 00 0024 02 01 0000" /* T #2, last */
				  "8001 0005 8002 0001 8004 0002 8003 0001 800b 0001"
				  "000c 0004 00007080"
				  "0d 00 0018 1e2b516905991c7d7c96fcbfb587e461 00000004"
				  "00 00 0014 4a131c81070358455c5728f20e95452f";

struct exp_attr {
	uint16_t type;
	bool tv;
	uint32_t value;
};

static void check_attrs(struct cursor c, const struct exp_attr *exp, size_t n)
{
	struct wire_attr a;
	uint32_t v;
	size_t i;

	for (i = 0; c.len; i++) {
		assert_int_equal(wire_attr_next(&c, &a), 0);
		assert_true(i < n);
		assert_int_equal(a.type, exp[i].type);
		assert_int_equal(a.tv, exp[i].tv);
		assert_true(wire_attr_u32(&a, &v));
		assert_int_equal(v, exp[i].value);
	}
	assert_int_equal(i, n);
}

static void check_vid(const struct wire_payload *p, const char *hex)
{
	uint8_t exp[64];
	size_t n = unhex(hex, exp, sizeof(exp));

	assert_int_equal(p->type, ISAKMP_PL_VID);
	assert_int_equal(wire_check_raw(p->type, p->body), 0);
	assert_int_equal(p->body.len, n);
	assert_memory_equal(p->body.p, exp, n);
}

static void test_real_strongswan_mm1(void **state)
{
	static const struct exp_attr attrs[] = {
		{IKE_ATTR_ENCRYPTION_ALGORITHM, true, IKE_ENCR_AES_CBC},
		{IKE_ATTR_KEY_LENGTH, true, 128},
		{IKE_ATTR_HASH_ALGORITHM, true, IKE_HASH_SHA1},
		{IKE_ATTR_GROUP_DESCRIPTION, true, IKE_GROUP_MODP2048},
		{IKE_ATTR_AUTHENTICATION_METHOD, true, IKE_AUTH_PSK},
		{IKE_ATTR_LIFE_TYPE, true, IKE_LIFE_SECONDS},
		{IKE_ATTR_LIFE_DURATION, true, 10800},
	};
	static const uint8_t icookie[8] = {0x8b, 0x1c, 0x5d, 0x3e, 0x4f, 0x60, 0x71, 0x82};
	static const uint8_t zero[8];
	uint8_t msg[512];
	size_t len = unhex(mm1_strongswan, msg, sizeof(msg));
	struct isakmp_hdr h;
	struct wire_payloads pl;
	struct wire_sa sa;
	struct wire_proposal p;
	struct wire_transform t;

	assert_int_equal(len, 180);
	assert_int_equal(wire_parse_header(msg, len, &h), 0);
	assert_memory_equal(h.icookie, icookie, 8);
	assert_memory_equal(h.rcookie, zero, 8);
	assert_int_equal(h.next_payload, ISAKMP_PL_SA);
	assert_int_equal(h.version, 0x10);
	assert_int_equal(h.exchange, ISAKMP_XCHG_ID_PROT);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.msgid, 0);
	assert_int_equal(h.length, 180);
	assert_string_equal(wire_exchange_name(h.exchange), "Main Mode");

	assert_int_equal(wire_parse_chain(h.next_payload, msg + 28, len - 28, false, &pl), 0);
	assert_int_equal(pl.n, 6);
	assert_int_equal(pl.p[0].type, ISAKMP_PL_SA);
	assert_ptr_equal(pl.p[0].start, msg + 28);
	assert_int_equal(pl.p[0].len, 56);
	assert_ptr_equal(wire_find(&pl, ISAKMP_PL_SA), &pl.p[0]);
	assert_ptr_equal(wire_find(&pl, ISAKMP_PL_VID), &pl.p[1]);
	assert_null(wire_find(&pl, ISAKMP_PL_KE));
	assert_int_equal(wire_count(&pl, ISAKMP_PL_VID), 5);

	assert_int_equal(wire_parse_sa(pl.p[0].body, &sa), 0);
	assert_int_equal(sa.doi, IPSEC_DOI);
	assert_int_equal(sa.situation, IPSEC_SIT_IDENTITY_ONLY);
	assert_int_equal(wire_proposal_next(&sa.proposals, &p), 0);
	assert_int_equal(sa.proposals.len, 0);
	assert_int_equal(p.num, 1);
	assert_int_equal(p.proto, PROTO_ISAKMP);
	assert_int_equal(p.spi_size, 0);
	assert_int_equal(p.ntransforms, 1);
	assert_int_equal(wire_transform_next(&p.transforms, &t), 0);
	assert_int_equal(p.transforms.len, 0);
	assert_int_equal(t.num, 1);
	assert_int_equal(t.id, KEY_IKE);
	check_attrs(t.attrs, attrs, sizeof(attrs) / sizeof(attrs[0]));

	check_vid(&pl.p[1], "09002689dfd6b712");
	check_vid(&pl.p[2], "afcad71368a1f1c96b8696fc77570100");
	check_vid(&pl.p[3], "4048b7d56ebce88525e7de7f00d6c2d3 80000000");
	check_vid(&pl.p[4], "4a131c81070358455c5728f20e95452f");
	check_vid(&pl.p[5], "90cb80913ebb696e086381b5ec427b1f");
}

/* The builder produces the same bytes as the hand-written message. */
static void test_build_strongswan_mm1(void **state)
{
	static const struct wire_transform_spec t = {
		1,
		KEY_IKE,
		7,
		{
			{IKE_ATTR_ENCRYPTION_ALGORITHM, IKE_ENCR_AES_CBC},
			{IKE_ATTR_KEY_LENGTH, 128},
			{IKE_ATTR_HASH_ALGORITHM, IKE_HASH_SHA1},
			{IKE_ATTR_GROUP_DESCRIPTION, IKE_GROUP_MODP2048},
			{IKE_ATTR_AUTHENTICATION_METHOD, IKE_AUTH_PSK},
			{IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS},
			{IKE_ATTR_LIFE_DURATION, 10800},
		},
	};
	static const struct wire_proposal_spec p = {1, PROTO_ISAKMP, 0, {0}, 1, &t};
	static const char *vids[] = {
		"09002689dfd6b712",
		"afcad71368a1f1c96b8696fc77570100",
		"4048b7d56ebce88525e7de7f00d6c2d380000000",
		"4a131c81070358455c5728f20e95452f",
		"90cb80913ebb696e086381b5ec427b1f",
	};
	struct isakmp_hdr h = {
		.icookie = {0x8b, 0x1c, 0x5d, 0x3e, 0x4f, 0x60, 0x71, 0x82},
		.exchange = ISAKMP_XCHG_ID_PROT,
	};
	uint8_t exp[512], vid[32];
	size_t n = unhex(mm1_strongswan, exp, sizeof(exp));
	struct wire_builder w;
	struct buf b;

	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &p, 1), 0);
	for (size_t i = 0; i < sizeof(vids) / sizeof(vids[0]); i++)
		assert_int_equal(
			wire_add_raw(&w, ISAKMP_PL_VID, vid, unhex(vids[i], vid, sizeof(vid))), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, exp, n);
	buf_free(&b);
}

static void test_real_windows_mm1(void **state)
{
	static const struct exp_attr t1[] = {
		{IKE_ATTR_ENCRYPTION_ALGORITHM, true, IKE_ENCR_3DES_CBC},
		{IKE_ATTR_HASH_ALGORITHM, true, IKE_HASH_SHA1},
		{IKE_ATTR_GROUP_DESCRIPTION, true, IKE_GROUP_MODP1024},
		{IKE_ATTR_AUTHENTICATION_METHOD, true, IKE_AUTH_PSK},
		{IKE_ATTR_LIFE_TYPE, true, IKE_LIFE_SECONDS},
		{IKE_ATTR_LIFE_DURATION, false, 28800},
	};
	static const struct exp_attr t2[] = {
		{IKE_ATTR_ENCRYPTION_ALGORITHM, true, IKE_ENCR_3DES_CBC},
		{IKE_ATTR_HASH_ALGORITHM, true, IKE_HASH_MD5},
		{IKE_ATTR_GROUP_DESCRIPTION, true, IKE_GROUP_MODP1024},
		{IKE_ATTR_AUTHENTICATION_METHOD, true, IKE_AUTH_PSK},
		{IKE_ATTR_LIFE_TYPE, true, IKE_LIFE_SECONDS},
		{IKE_ATTR_LIFE_DURATION, false, 28800},
	};
	uint8_t msg[512];
	size_t len = unhex(mm1_windows, msg, sizeof(msg));
	struct isakmp_hdr h;
	struct wire_payloads pl;
	struct wire_sa sa;
	struct wire_proposal p;
	struct wire_transform t;

	assert_int_equal(len, 164);
	assert_int_equal(wire_parse_header(msg, len, &h), 0);
	assert_int_equal(wire_parse_chain(h.next_payload, msg + 28, len - 28, false, &pl), 0);
	assert_int_equal(pl.n, 3);
	assert_int_equal(wire_parse_sa(pl.p[0].body, &sa), 0);
	assert_int_equal(wire_proposal_next(&sa.proposals, &p), 0);
	assert_int_equal(p.ntransforms, 2);
	assert_int_equal(wire_transform_next(&p.transforms, &t), 0);
	assert_int_equal(t.num, 1);
	check_attrs(t.attrs, t1, sizeof(t1) / sizeof(t1[0]));
	assert_int_equal(wire_transform_next(&p.transforms, &t), 0);
	assert_int_equal(t.num, 2);
	check_attrs(t.attrs, t2, sizeof(t2) / sizeof(t2[0]));
	assert_int_equal(p.transforms.len, 0);
	check_vid(&pl.p[1], "1e2b516905991c7d7c96fcbfb587e461 00000004");
	check_vid(&pl.p[2], "4a131c81070358455c5728f20e95452f");
}

/* ---- header ---- */

static void test_header_fields(void **state)
{
	uint8_t msg[28];
	struct isakmp_hdr h;

	unhex("0001020304050607 f0f1f2f3f4f5f6f7 08 10 20 01 deadbeef 0000001c", msg, sizeof(msg));
	assert_int_equal(wire_parse_header(msg, sizeof(msg), &h), 0);
	assert_int_equal(h.icookie[7], 0x07);
	assert_int_equal(h.rcookie[0], 0xf0);
	assert_int_equal(h.next_payload, ISAKMP_PL_HASH);
	assert_int_equal(h.exchange, ISAKMP_XCHG_QUICK);
	assert_int_equal(h.flags, ISAKMP_FLAG_ENC);
	assert_int_equal(h.msgid, 0xdeadbeef);
	assert_int_equal(h.length, 28);

	/* wire_put_header writes the same bytes back. */
	uint8_t out[28];
	wire_put_header(out, &h);
	assert_memory_equal(out, msg, 28);
}

static void test_header_errors(void **state)
{
	uint8_t msg[40];
	struct isakmp_hdr h;

	memset(msg, 0, sizeof(msg));
	msg[17] = 0x10;
	put_u32(msg + 24, 28);
	assert_int_equal(wire_parse_header(msg, 28, &h), 0);

	/* truncated header */
	assert_int_equal(wire_parse_header(msg, 27, &h), ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_header(msg, 0, &h), ISAKMP_N_PAYLOAD_MALFORMED);
	/* length field shorter than a header */
	put_u32(msg + 24, 27);
	assert_int_equal(wire_parse_header(msg, 28, &h), ISAKMP_N_PAYLOAD_MALFORMED);
	/* length field and datagram disagree, both ways */
	put_u32(msg + 24, 40);
	assert_int_equal(wire_parse_header(msg, 28, &h), ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS);
	assert_int_equal(h.length, 40); /* filled in even so */
	put_u32(msg + 24, 28);
	assert_int_equal(wire_parse_header(msg, 40, &h), ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS);
	/* major version 2 (IKEv2) and 0; a newer minor version is accepted */
	msg[17] = 0x20;
	assert_int_equal(wire_parse_header(msg, 28, &h), ISAKMP_N_INVALID_MAJOR_VERSION);
	msg[17] = 0x00;
	assert_int_equal(wire_parse_header(msg, 28, &h), ISAKMP_N_INVALID_MAJOR_VERSION);
	msg[17] = 0x11;
	assert_int_equal(wire_parse_header(msg, 28, &h), 0);
}

/* ---- chain ---- */

static int chain(const char *hex, uint8_t first, bool trailing, struct wire_payloads *pl)
{
	uint8_t body[4096];
	size_t n = unhex(hex, body, sizeof(body));

	return wire_parse_chain(first, body, n, trailing, pl);
}

static void test_chain_ok(void **state)
{
	struct wire_payloads pl;

	/* KE(2 bytes) -> NONCE(0) */
	assert_int_equal(chain("0a 00 0006 abcd 00 00 0004", ISAKMP_PL_KE, false, &pl), 0);
	assert_int_equal(pl.n, 2);
	assert_int_equal(pl.p[0].type, ISAKMP_PL_KE);
	assert_int_equal(pl.p[0].len, 6);
	assert_int_equal(pl.p[0].body.len, 2);
	assert_int_equal(pl.p[0].body.p[0], 0xab);
	assert_int_equal(pl.p[1].type, ISAKMP_PL_NONCE);
	assert_int_equal(pl.p[1].body.len, 0);
	/* No payload at all. */
	assert_int_equal(chain("", ISAKMP_PL_NONE, false, &pl), 0);
	assert_int_equal(pl.n, 0);
	/* Every message payload type is known, including the NAT-T drafts
	 * and ATTRIBUTE (14, mode-cfg-05). */
	static const uint8_t known[] = {1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 20, 21, 130, 131};
	for (size_t i = 0; i < sizeof(known); i++)
		assert_true(wire_payload_known(known[i]));
}

static void test_chain_errors(void **state)
{
	struct wire_payloads pl;

	/* payload length < 4 */
	assert_int_equal(chain("00 00 0003 00", ISAKMP_PL_VID, false, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(chain("00 00 0000", ISAKMP_PL_VID, true, &pl), ISAKMP_N_PAYLOAD_MALFORMED);
	/* payload running past the end */
	assert_int_equal(chain("00 00 0008 0102 03", ISAKMP_PL_VID, false, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(chain("00 00 0008 0102 03", ISAKMP_PL_VID, true, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* a chain that does not end: next = VID, nothing (or too little) left */
	assert_int_equal(chain("0d 00 0004", ISAKMP_PL_VID, false, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(pl.n, 1);
	assert_int_equal(chain("0d 00 0004 0000", ISAKMP_PL_VID, true, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* unknown payload types, first and later; P/T outside an SA */
	assert_int_equal(chain("00 00 0004", 15, false, &pl), ISAKMP_N_INVALID_PAYLOAD_TYPE);
	assert_int_equal(chain("c8 00 0004 00 00 0004", ISAKMP_PL_VID, false, &pl),
			 ISAKMP_N_INVALID_PAYLOAD_TYPE);
	assert_int_equal(pl.n, 1);
	assert_int_equal(chain("00 00 0004", ISAKMP_PL_P, false, &pl),
			 ISAKMP_N_INVALID_PAYLOAD_TYPE);
	assert_int_equal(chain("00 00 0004", ISAKMP_PL_T, false, &pl),
			 ISAKMP_N_INVALID_PAYLOAD_TYPE);
	/* non-zero RESERVED */
	assert_int_equal(chain("00 01 0004", ISAKMP_PL_VID, false, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	/* trailing bytes: garbage unless allowed (CBC padding) */
	assert_int_equal(chain("00 00 0004 0000 0003", ISAKMP_PL_VID, false, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(chain("00 00 0004 0000 0003", ISAKMP_PL_VID, true, &pl), 0);
	assert_int_equal(pl.n, 1);
	assert_int_equal(chain("ff", ISAKMP_PL_NONE, false, &pl), ISAKMP_N_PAYLOAD_MALFORMED);
}

static void test_chain_max_payloads(void **state)
{
	uint8_t body[(WIRE_MAX_PAYLOADS + 1) * 4];
	struct wire_payloads pl;

	for (unsigned i = 0; i <= WIRE_MAX_PAYLOADS; i++) {
		body[i * 4] = i == WIRE_MAX_PAYLOADS ? 0 : ISAKMP_PL_VID;
		body[i * 4 + 1] = 0;
		put_u16(body + i * 4 + 2, 4);
	}
	/* 64 payloads: the last one says "none follow" */
	body[(WIRE_MAX_PAYLOADS - 1) * 4] = 0;
	assert_int_equal(wire_parse_chain(ISAKMP_PL_VID, body, WIRE_MAX_PAYLOADS * 4, false, &pl),
			 0);
	assert_int_equal(pl.n, WIRE_MAX_PAYLOADS);
	/* 65 */
	body[(WIRE_MAX_PAYLOADS - 1) * 4] = ISAKMP_PL_VID;
	assert_int_equal(wire_parse_chain(ISAKMP_PL_VID, body, sizeof(body), false, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
}

/* A Quick Mode message 1 plaintext as it is after decryption: HASH, SA
 * (ESP, SPI, TV and 4-byte TLV attributes), NONCE, IDci, IDcr, then CBC
 * padding.  Lengths: HASH 4+20 = 24, SA 12+44 = 56 with P 8+4+32 = 44 and
 * T 8+4*4+8 = 32, NONCE 4+16 = 20, ID 4+4+8 = 16 each; 132 bytes + 8
 * padding. */
static void test_chain_quick_mode_padding(void **state)
{
	static const char qm1[] =
		"01 00 0018 000102030405060708090a0b0c0d0e0f10111213" /* HASH(1) */
		"0a 00 0038 00000001 00000001"			      /* SA */
		"00 00 002c 01 03 04 01 c0ffee01"		      /* P: ESP, SPI */
		"00 00 0020 01 0c 0000"				      /* T: AES-CBC */
		"8004 0001"					      /* tunnel */
		"8005 0002"					      /* HMAC-SHA1 */
		"8006 0080"					      /* key length 128 */
		"8001 0002"					      /* life kilobytes */
		"0002 0004 00989680"				      /* 10000000 KB */
		"05 00 0014 00112233445566778899aabbccddeeff"	      /* NONCE */
		"05 00 0010 04 00 0000 0a000100 ffffff00"	      /* IDci 10.0.1.0/24 */
		"00 00 0010 04 00 0000 0a000200 ffffff00"	      /* IDcr 10.0.2.0/24 */
		"0000000000000007";				      /* padding */
	static const struct exp_attr attrs[] = {
		{IPSEC_ATTR_ENCAPSULATION_MODE, true, IPSEC_ENCAP_TUNNEL},
		{IPSEC_ATTR_AUTH_ALGORITHM, true, IPSEC_AUTH_HMAC_SHA1},
		{IPSEC_ATTR_KEY_LENGTH, true, 128},
		{IPSEC_ATTR_SA_LIFE_TYPE, true, IKE_LIFE_KILOBYTES},
		{IPSEC_ATTR_SA_LIFE_DURATION, false, 10000000},
	};
	uint8_t body[256];
	size_t n = unhex(qm1, body, sizeof(body));
	struct wire_payloads pl;
	struct wire_sa sa;
	struct wire_proposal p;
	struct wire_transform t;
	struct wire_id id;

	assert_int_equal(n, 140);
	assert_int_equal(wire_parse_chain(ISAKMP_PL_HASH, body, n, false, &pl),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_int_equal(wire_parse_chain(ISAKMP_PL_HASH, body, n, true, &pl), 0);
	assert_int_equal(pl.n, 5);
	assert_int_equal(wire_check_raw(ISAKMP_PL_HASH, pl.p[0].body), 0);
	assert_int_equal(wire_check_raw(ISAKMP_PL_NONCE, pl.p[2].body), 0);
	assert_int_equal(wire_parse_sa(pl.p[1].body, &sa), 0);
	assert_int_equal(wire_proposal_next(&sa.proposals, &p), 0);
	assert_int_equal(p.proto, PROTO_IPSEC_ESP);
	assert_int_equal(p.spi_size, 4);
	assert_int_equal(get_u32(p.spi), 0xc0ffee01);
	assert_int_equal(wire_transform_next(&p.transforms, &t), 0);
	assert_int_equal(t.id, ESP_AES_CBC);
	check_attrs(t.attrs, attrs, sizeof(attrs) / sizeof(attrs[0]));
	assert_int_equal(wire_parse_id(pl.p[4].body, &id), 0);
	assert_int_equal(id.type, ID_IPV4_ADDR_SUBNET);
	assert_int_equal(get_u32(id.data.p), 0x0a000200);
}

/* ---- builder ---- */

static void test_builder_chain(void **state)
{
	static const uint8_t marker[4] = {0, 0, 0, 0}; /* NAT-T non-ESP marker */
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_INFO, .flags = 0, .msgid = 7};
	struct isakmp_hdr ph;
	struct wire_payloads pl;
	struct wire_builder w;
	struct buf b;
	uint8_t data[3] = {1, 2, 3};
	size_t s;

	buf_init(&b);
	buf_append(&b, marker, sizeof(marker));
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_raw(&w, ISAKMP_PL_HASH, data, sizeof(data)), 0);
	s = wire_payload_begin(&w, ISAKMP_PL_N);
	buf_put_u32(&b, 0xaabbccdd);
	wire_payload_end(&w, s);
	assert_int_equal(wire_add_raw(&w, ISAKMP_PL_VID, NULL, 0), 0);
	assert_int_equal(wire_build_finish(&w), 0);

	/* Header 28 + HASH 7 + N 8 + VID 4 after the 4-byte marker. */
	assert_int_equal(b.len, 4 + 28 + 7 + 8 + 4);
	assert_int_equal(wire_parse_header(b.data + 4, b.len - 4, &ph), 0);
	assert_int_equal(ph.version, ISAKMP_VERSION);
	assert_int_equal(ph.exchange, ISAKMP_XCHG_INFO);
	assert_int_equal(ph.msgid, 7);
	assert_int_equal(ph.next_payload, ISAKMP_PL_HASH);
	assert_int_equal(b.data[4 + 28], ISAKMP_PL_N);	     /* HASH -> N */
	assert_int_equal(b.data[4 + 28 + 7], ISAKMP_PL_VID); /* N -> VID */
	assert_int_equal(b.data[4 + 28 + 15], 0);	     /* VID last */
	assert_int_equal(wire_parse_chain(ph.next_payload, b.data + 32, b.len - 32, false, &pl), 0);
	assert_int_equal(pl.n, 3);
	assert_int_equal(pl.p[1].len, 8);
	assert_int_equal(get_u32(pl.p[1].body.p), 0xaabbccdd);
	assert_memory_equal(pl.p[0].body.p, data, 3);
	buf_free(&b);
}

static void test_builder_empty_and_errors(void **state)
{
	struct isakmp_hdr h = {.version = 0x10, .exchange = ISAKMP_XCHG_ID_PROT};
	struct isakmp_hdr ph;
	struct wire_builder w;
	struct buf b;
	static uint8_t big[ISAKMP_MAX_MSG];

	/* A header alone. */
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(wire_parse_header(b.data, b.len, &ph), 0);
	assert_int_equal(ph.next_payload, ISAKMP_PL_NONE);
	assert_int_equal(ph.length, 28);
	buf_free(&b);

	/* Exactly 65535 bytes fit; one more does not. */
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_raw(&w, ISAKMP_PL_VID, big, ISAKMP_MAX_MSG - 28 - 4), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(get_u32(b.data + 24), ISAKMP_MAX_MSG);
	buf_free(&b);
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(wire_add_raw(&w, ISAKMP_PL_VID, big, ISAKMP_MAX_MSG - 28 - 3), 0);
	assert_int_equal(wire_build_finish(&w), -EMSGSIZE);
	buf_free(&b);

	/* A buffer whose allocation failed. */
	buf_init(&b);
	wire_build_start(&w, &b, &h);
	b.failed = true;
	assert_int_equal(wire_add_raw(&w, ISAKMP_PL_VID, big, 4), -ENOMEM);
	assert_int_equal(wire_build_finish(&w), -ENOMEM);
	buf_free(&b);
}

static void test_names(void **state)
{
	assert_string_equal(wire_payload_name(ISAKMP_PL_SA), "SA");
	assert_string_equal(wire_payload_name(ISAKMP_PL_NAT_D), "NAT-D");
	assert_string_equal(wire_payload_name(99), "UNKNOWN");
	assert_string_equal(wire_notify_name(ISAKMP_N_NO_PROPOSAL_CHOSEN), "NO_PROPOSAL_CHOSEN");
	assert_string_equal(wire_notify_name(ISAKMP_N_DPD_R_U_THERE), "R_U_THERE");
	assert_string_equal(wire_notify_name(9999), "UNKNOWN");
	assert_string_equal(wire_exchange_name(ISAKMP_XCHG_ID_PROT), "Main Mode");
	assert_string_equal(wire_exchange_name(ISAKMP_XCHG_QUICK), "Quick Mode");
	assert_string_equal(wire_id_name(ID_FQDN), "ID_FQDN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_strongswan_mm1),
		cmocka_unit_test(test_build_strongswan_mm1),
		cmocka_unit_test(test_real_windows_mm1),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_chain_ok),
		cmocka_unit_test(test_chain_errors),
		cmocka_unit_test(test_chain_max_payloads),
		cmocka_unit_test(test_chain_quick_mode_padding),
		cmocka_unit_test(test_builder_chain),
		cmocka_unit_test(test_builder_empty_and_errors),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
