/* The proposal matcher of both phases and its explanations: the peer's SA
 * payload is built from a peer conn with the real builders, then chosen
 * from against a local conn.  Expected choices and texts are written from
 * the rules (local order decides; the closest local proposal is the one
 * with the fewest differing fields, the earlier on a tie), not copied from
 * a run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "ike/mismatch.h"
#include "ike/proposal.h"
#include "wire/isakmp.h"
#include "wire/message.h"
#include "wire/payload.h"

#include "proposal_fixtures.h"

/* Phase 1 */

struct p1_case {
	const char *peer, *local;
	uint8_t peer_auth; /* 0: pre-shared key, as the local side */
	int rc;
	const char *encr, *hash, *group; /* the chosen transform */
	uint8_t echo_num;		 /* the peer's transform number it came from */
	const char *why;
	unsigned ndiff;
};

static const struct p1_case p1_cases[] = {
	{"aes128-sha1-modp2048", "aes128-sha1-modp2048", 0, 0, "aes128", "sha1", "modp2048", 1,
	 NULL, 0},
	{"aes256-sha256-ecp256", "aes256-sha256-ecp256", 0, 0, "aes256", "sha256", "ecp256", 1,
	 NULL, 0},
	{"3des-md5-modp1024", "3des-md5-modp1024", 0, 0, "3des", "md5", "modp1024", 1, NULL, 0},
	/* Local order decides, whatever the peer's order. */
	{"aes256-sha256-modp2048,aes128-sha1-modp2048",
	 "aes128-sha1-modp2048,aes256-sha256-modp2048", 0, 0, "aes128", "sha1", "modp2048", 2, NULL,
	 0},
	{"aes128-sha1-modp2048,aes256-sha256-modp2048",
	 "aes256-sha256-modp2048,aes128-sha1-modp2048", 0, 0, "aes256", "sha256", "modp2048", 2,
	 NULL, 0},
	/* Only the second local entry is offered at all. */
	{"3des-md5-modp1024,aes128-sha256-modp3072,aes128-sha1-modp2048",
	 "aes256-sha512-modp4096,aes128-sha256-modp3072", 0, 0, "aes128", "sha256", "modp3072", 2,
	 NULL, 0},
	/* The key length is part of the cipher. */
	{"aes256-sha1-modp2048,aes128-sha1-modp2048", "aes128-sha1-modp2048", 0, 0, "aes128",
	 "sha1", "modp2048", 2, NULL, 0},

	{"aes128-sha1-modp1024", "aes128-sha1-modp2048", 0, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_1024; closest local "
		"proposal "
		"ike=aes128-sha1-modp2048 differs in DH group (MODP_1024 vs MODP_2048)",
	 .ndiff = 1},
	{"aes256-sha1-modp2048", "aes128-sha1-modp2048", 0, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-256/HMAC_SHA1/MODP_2048; closest local "
		"proposal "
		"ike=aes128-sha1-modp2048 differs in encryption (AES_CBC-256 vs AES_CBC-128)",
	 .ndiff = 1},
	{"3des-md5-modp1024", "aes256-sha256-modp2048", 0, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered 3DES_CBC/HMAC_MD5/MODP_1024; closest local "
		"proposal "
		"ike=aes256-sha256-modp2048 differs in encryption (3DES_CBC vs AES_CBC-256), hash "
		"(HMAC_MD5 vs HMAC_SHA2_256), DH group (MODP_1024 vs MODP_2048)",
	 .ndiff = 3},
	/* The closest entry is the one with the fewest differences. */
	{"aes128-sha1-modp1024", "aes256-sha256-modp2048,aes128-sha1-modp2048", 0,
	 ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_1024; closest local "
		"proposal "
		"ike=aes128-sha1-modp2048 differs in DH group (MODP_1024 vs MODP_2048)",
	 .ndiff = 1},
	/* On a tie the earlier local entry is the closest. */
	{"aes128-sha1-modp1024", "aes128-sha1-modp2048,aes256-sha1-modp1024", 0,
	 ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_1024; closest local "
		"proposal "
		"ike=aes128-sha1-modp2048 differs in DH group (MODP_1024 vs MODP_2048)",
	 .ndiff = 1},
	/* Every peer transform is listed; the closest may come from any. */
	{"3des-md5-modp1024,aes128-sha256-modp1536", "aes128-sha256-modp2048", 0,
	 ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered 3DES_CBC/HMAC_MD5/MODP_1024, "
		"AES_CBC-128/HMAC_SHA2_256/MODP_1536; closest local proposal "
		"ike=aes128-sha256-modp2048 "
		"differs in DH group (MODP_1536 vs MODP_2048)",
	 .ndiff = 1},
	/* Same algorithms, another authentication method. */
	{"aes128-sha1-modp2048", "aes128-sha1-modp2048", IKE_AUTH_RSA_SIG,
	 ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_2048; closest local "
		"proposal "
		"ike=aes128-sha1-modp2048 differs in auth method (RSA signature vs PSK)",
	 .ndiff = 1},
};

static void test_p1_choose_table(void **state)
{
	unsigned i;

	for (i = 0; i < sizeof(p1_cases) / sizeof(p1_cases[0]); i++) {
		const struct p1_case *t = &p1_cases[i];
		struct conn peer, local;
		struct buf b;
		struct p1_offer o;
		struct wire_transform_spec echo;
		uint8_t propnum = 0;
		unsigned ndiff = 99;
		char why[512] = "";
		int rc;

		print_message("p1 case %u: peer %s, local %s\n", i, t->peer, t->local);
		conn_set(&peer, t->peer, NULL, MODE_TUNNEL);
		if (t->peer_auth)
			peer.authby = t->peer_auth;
		conn_set(&local, t->local, NULL, MODE_TUNNEL);
		rc = p1_choose(&local, p1_offer_of(&peer, &b), &o, &echo, &propnum, why,
			       sizeof(why), &ndiff);
		assert_int_equal(rc, t->rc);
		if (!t->rc) {
			assert_ptr_equal(o.encr, row(t->encr, ALG_ENCR));
			assert_ptr_equal(o.hash, row(t->hash, ALG_INTEG));
			assert_ptr_equal(o.group, row(t->group, ALG_DH));
			assert_int_equal(o.auth, IKE_AUTH_PSK);
			assert_false(o.unknown);
			assert_int_equal(propnum, 1);
			assert_int_equal(echo.num, t->echo_num);
			assert_int_equal(echo.id, KEY_IKE);
			assert_int_equal(ndiff, 99); /* untouched */
		} else {
			assert_string_equal(why, t->why);
			assert_int_equal(ndiff, t->ndiff);
		}
		buf_free(&b);
	}
}

/* ndiff may be NULL. */
static void test_p1_choose_ndiff_null(void **state)
{
	struct conn peer, local;
	struct buf b;
	struct p1_offer o;
	struct wire_transform_spec echo;
	uint8_t propnum;
	char why[256];

	conn_set(&peer, "3des-md5-modp1024", NULL, MODE_TUNNEL);
	conn_set(&local, "aes128-sha1-modp2048", NULL, MODE_TUNNEL);
	assert_int_equal(p1_choose(&local, p1_offer_of(&peer, &b), &o, &echo, &propnum, why,
				   sizeof(why), NULL),
			 ISAKMP_N_NO_PROPOSAL_CHOSEN);
	buf_free(&b);
}

/* The echo is the peer's transform as it came: answering with it gives
 * the initiator back exactly what it offered. */
static void test_p1_echo_round_trip(void **state)
{
	struct conn ini, resp;
	struct buf b, a;
	struct wire_builder w;
	struct p1_offer o, got;
	struct wire_transform_spec echo;
	uint8_t propnum = 0;
	char why[256] = "";

	conn_set(&ini, "aes256-sha256-modp2048,aes128-sha1-modp2048", NULL, MODE_TUNNEL);
	ini.ikelifetime_s = 7200;
	conn_set(&resp, "aes128-sha1-modp2048", NULL, MODE_TUNNEL);
	assert_int_equal(p1_choose(&resp, p1_offer_of(&ini, &b), &o, &echo, &propnum, why,
				   sizeof(why), NULL),
			 0);
	assert_int_equal(o.life_s, 7200);
	assert_int_equal(o.life_kb, 0);

	sa_start(&w, &a);
	assert_int_equal(p1_add_chosen(&w, propnum, &echo), 0);
	assert_int_equal(p1_accept(&ini, sa_body(&w, &a), &got, why, sizeof(why)), 0);
	assert_ptr_equal(got.encr, row("aes128", ALG_ENCR));
	assert_ptr_equal(got.hash, row("sha1", ALG_INTEG));
	assert_ptr_equal(got.group, row("modp2048", ALG_DH));
	assert_int_equal(got.life_s, 7200);
	buf_free(&a);
	buf_free(&b);
}

/* An answer is refused when it is not one of our transforms, or not
 * exactly one transform. */
static void test_p1_accept_refuses(void **state)
{
	struct conn ini, other;
	struct buf b;
	struct wire_builder w;
	struct p1_offer got;
	struct wire_transform_spec t;
	char why[256] = "";

	conn_set(&ini, "aes128-sha1-modp2048,aes128-sha256-modp2048", NULL, MODE_TUNNEL);

	/* A hand-built answer with a transform we did offer (the second). */
	memset(&t, 0, sizeof(t));
	t.num = 2;
	t.id = KEY_IKE;
	t.nattrs = 7;
	t.attrs[0] = (struct wire_attr_spec){IKE_ATTR_ENCRYPTION_ALGORITHM, IKE_ENCR_AES_CBC};
	t.attrs[1] = (struct wire_attr_spec){IKE_ATTR_KEY_LENGTH, 128};
	t.attrs[2] = (struct wire_attr_spec){IKE_ATTR_HASH_ALGORITHM, IKE_HASH_SHA2_256};
	t.attrs[3] = (struct wire_attr_spec){IKE_ATTR_AUTHENTICATION_METHOD, IKE_AUTH_PSK};
	t.attrs[4] = (struct wire_attr_spec){IKE_ATTR_GROUP_DESCRIPTION, IKE_GROUP_MODP2048};
	t.attrs[5] = (struct wire_attr_spec){IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS};
	t.attrs[6] = (struct wire_attr_spec){IKE_ATTR_LIFE_DURATION, 100000}; /* a 4-byte TLV */
	sa_start(&w, &b);
	assert_int_equal(p1_add_chosen(&w, 1, &t), 0);
	assert_int_equal(p1_accept(&ini, sa_body(&w, &b), &got, why, sizeof(why)), 0);
	assert_ptr_equal(got.hash, row("sha256", ALG_INTEG));
	assert_int_equal(got.life_s, 100000);
	buf_free(&b);

	/* The same with AES-256: not offered. */
	t.attrs[1].value = 256;
	sa_start(&w, &b);
	assert_int_equal(p1_add_chosen(&w, 1, &t), 0);
	assert_int_equal(p1_accept(&ini, sa_body(&w, &b), &got, why, sizeof(why)),
			 ISAKMP_N_NO_PROPOSAL_CHOSEN);
	assert_string_equal(why, "peer chose a transform we did not offer");
	buf_free(&b);

	/* Right algorithms, other authentication method. */
	t.attrs[1].value = 128;
	t.attrs[3].value = IKE_AUTH_RSA_SIG;
	sa_start(&w, &b);
	assert_int_equal(p1_add_chosen(&w, 1, &t), 0);
	assert_int_equal(p1_accept(&ini, sa_body(&w, &b), &got, why, sizeof(why)),
			 ISAKMP_N_NO_PROPOSAL_CHOSEN);
	buf_free(&b);

	/* An answer that is our whole offer again: two transforms. */
	conn_set(&other, "aes128-sha1-modp2048,aes128-sha256-modp2048", NULL, MODE_TUNNEL);
	assert_int_equal(p1_accept(&ini, p1_offer_of(&other, &b), &got, why, sizeof(why)),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	buf_free(&b);
}

/* RFC 2407 4.5: no lifetime proposed means 28800 seconds. */
static void test_p1_default_lifetime(void **state)
{
	struct conn local;
	struct buf b;
	struct wire_builder w;
	struct wire_transform_spec t, echo;
	struct wire_proposal_spec prop = {.num = 1, .proto = PROTO_ISAKMP, .ntransforms = 1};
	struct p1_offer o;
	uint8_t propnum;
	char why[256];

	memset(&t, 0, sizeof(t));
	t.num = 1;
	t.id = KEY_IKE;
	t.nattrs = 4;
	t.attrs[0] = (struct wire_attr_spec){IKE_ATTR_ENCRYPTION_ALGORITHM, IKE_ENCR_3DES_CBC};
	t.attrs[1] = (struct wire_attr_spec){IKE_ATTR_HASH_ALGORITHM, IKE_HASH_SHA1};
	t.attrs[2] = (struct wire_attr_spec){IKE_ATTR_AUTHENTICATION_METHOD, IKE_AUTH_PSK};
	t.attrs[3] = (struct wire_attr_spec){IKE_ATTR_GROUP_DESCRIPTION, IKE_GROUP_MODP1536};
	prop.transforms = &t;
	sa_start(&w, &b);
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &prop, 1), 0);
	conn_set(&local, "3des-sha1-modp1536", NULL, MODE_TUNNEL);
	assert_int_equal(
		p1_choose(&local, sa_body(&w, &b), &o, &echo, &propnum, why, sizeof(why), NULL), 0);
	assert_int_equal(o.life_s, 28800);
	assert_int_equal(o.life_kb, 0);
	assert_int_equal(echo.nattrs, 4);
	buf_free(&b);
}

/* Phase 2 */

#define T MODE_TUNNEL
#define X MODE_TRANSPORT

struct p2_case {
	const char *peer;
	enum conn_mode peer_mode;
	const char *local;
	enum conn_mode local_mode;
	int rc;
	const char *encr, *integ, *group;
	uint8_t propnum;
	const char *why;
	unsigned ndiff;
};

static const struct p2_case p2_cases[] = {
	{"aes128-sha1", T, "aes128-sha1", T, 0, "aes128", "sha1", NULL, 1, NULL, 0},
	{"aes256-sha512", X, "aes256-sha512", X, 0, "aes256", "sha512", NULL, 1, NULL, 0},
	{"3des-md5", T, "3des-md5", T, 0, "3des", "md5", NULL, 1, NULL, 0},
	/* AEAD: no integrity algorithm. */
	{"aes128gcm16", T, "aes128gcm16", T, 0, "aes128gcm16", NULL, NULL, 1, NULL, 0},
	{"aes256gcm16", T, "aes128gcm16,aes256gcm16", T, 0, "aes256gcm16", NULL, NULL, 1, NULL, 0},
	/* PFS with the same group on both sides. */
	{"aes128-sha256-modp2048", T, "aes128-sha256-modp2048", T, 0, "aes128", "sha256",
	 "modp2048", 1, NULL, 0},
	{"aes128gcm16-ecp256", T, "aes128gcm16-ecp256", T, 0, "aes128gcm16", NULL, "ecp256", 1,
	 NULL, 0},
	/* Local order decides; the proposal number is the peer's. */
	{"aes256-sha256,aes128-sha1", T, "aes128-sha1,aes256-sha256", T, 0, "aes128", "sha1", NULL,
	 2, NULL, 0},
	{"aes128-sha1,aes256-sha256", T, "aes256-sha256,aes128-sha1", T, 0, "aes256", "sha256",
	 NULL, 2, NULL, 0},
	{"aes128-sha1-modp1024,aes128-sha1-modp2048,aes128-sha1", T, "aes128-sha1-modp2048", T, 0,
	 "aes128", "sha1", "modp2048", 2, NULL, 0},
	{"aes128-sha1-modp1024,aes128-sha1-modp2048,aes128-sha1", T, "aes128-sha1", T, 0, "aes128",
	 "sha1", NULL, 3, NULL, 0},

	{"aes128gcm16", T, "aes128-sha1", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_GCM_16-128 tunnel; closest local proposal "
		"esp=aes128-sha1 differs in cipher (AES_GCM_16-128 vs AES_CBC-128), integrity "
		"(none vs "
		"HMAC_SHA1)",
	 .ndiff = 2},
	{"aes128-sha256", T, "aes128-sha1", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256 tunnel; closest local "
		"proposal "
		"esp=aes128-sha1 differs in integrity (HMAC_SHA2_256 vs HMAC_SHA1)",
	 .ndiff = 1},
	/* PFS on one side only, both ways. */
	{"aes128-sha1", T, "aes128-sha1-modp2048", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1 tunnel; closest local "
		"proposal "
		"esp=aes128-sha1-modp2048 differs in PFS (none vs MODP_2048)",
	 .ndiff = 1},
	{"aes128-sha1-modp2048", T, "aes128-sha1", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_2048 tunnel; closest "
		"local "
		"proposal esp=aes128-sha1 differs in PFS (MODP_2048 vs none)",
	 .ndiff = 1},
	/* PFS on both sides, other groups. */
	{"aes128-sha1-modp1024", T, "aes128-sha1-modp2048", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_1024 tunnel; closest "
		"local "
		"proposal esp=aes128-sha1-modp2048 differs in PFS group (MODP_1024 vs MODP_2048)",
	 .ndiff = 1},
	/* Mode, both ways. */
	{"aes128-sha1", X, "aes128-sha1", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1 transport; closest local "
		"proposal "
		"esp=aes128-sha1 differs in mode (transport vs tunnel)",
	 .ndiff = 1},
	{"aes128-sha1", T, "aes128-sha1", X, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1 tunnel; closest local "
		"proposal "
		"esp=aes128-sha1 differs in mode (tunnel vs transport)",
	 .ndiff = 1},
	/* Everything at once, and the closest of several on both sides. */
	{"3des-md5-modp1024", X, "aes256-sha256-modp2048", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered 3DES_CBC/HMAC_MD5/MODP_1024 transport; closest "
		"local "
		"proposal esp=aes256-sha256-modp2048 differs in cipher (3DES_CBC vs AES_CBC-256), "
		"integrity (HMAC_MD5 vs HMAC_SHA2_256), PFS group (MODP_1024 vs MODP_2048), mode "
		"(transport vs tunnel)",
	 .ndiff = 4},
	{"3des-md5,aes256-sha1", T, "aes256gcm16,aes256-sha256", T, ISAKMP_N_NO_PROPOSAL_CHOSEN,
	 .why = "no proposal chosen: peer offered 3DES_CBC/HMAC_MD5 tunnel, AES_CBC-256/HMAC_SHA1 "
		"tunnel; closest local proposal esp=aes256-sha256 differs in integrity (HMAC_SHA1 "
		"vs HMAC_SHA2_256)",
	 .ndiff = 1},
};

static void test_p2_choose_table(void **state)
{
	unsigned i;

	for (i = 0; i < sizeof(p2_cases) / sizeof(p2_cases[0]); i++) {
		const struct p2_case *t = &p2_cases[i];
		struct conn peer, local;
		struct buf b;
		struct p2_offer o;
		struct wire_transform_spec echo;
		uint8_t propnum = 0;
		unsigned ndiff = 99;
		char why[512] = "";
		int rc;

		print_message("p2 case %u: peer %s, local %s\n", i, t->peer, t->local);
		conn_set(&peer, "aes128-sha1-modp2048", t->peer, t->peer_mode);
		conn_set(&local, "aes128-sha1-modp2048", t->local, t->local_mode);
		rc = p2_choose(&local, p2_offer_of(&peer, 0xc0ffee01, &b), &o, &echo, &propnum, why,
			       sizeof(why), &ndiff);
		assert_int_equal(rc, t->rc);
		if (!t->rc) {
			assert_ptr_equal(o.encr, row(t->encr, ALG_ENCR));
			assert_ptr_equal(o.integ, row(t->integ, ALG_INTEG));
			assert_ptr_equal(o.group, row(t->group, ALG_DH));
			assert_int_equal(o.encap, t->local_mode == MODE_TUNNEL
							  ? IPSEC_ENCAP_TUNNEL
							  : IPSEC_ENCAP_TRANSPORT);
			assert_false(o.unknown);
			assert_int_equal(o.spi, 0xc0ffee01);
			assert_int_equal(propnum, t->propnum);
			assert_int_equal(echo.id, o.encr->esp_id);
			assert_int_equal(ndiff, 99);
		} else {
			assert_string_equal(why, t->why);
			assert_int_equal(ndiff, t->ndiff);
		}
		buf_free(&b);
	}
}

/* Lifetimes come from what the peer proposed, seconds and kilobytes. */
static void test_p2_lifetimes(void **state)
{
	struct conn peer, local;
	struct buf b;
	struct p2_offer o;
	struct wire_transform_spec echo;
	uint8_t propnum;
	char why[256];

	conn_set(&peer, NULL, "aes128-sha1", MODE_TUNNEL);
	conn_set(&local, NULL, "aes128-sha1", MODE_TUNNEL);
	peer.lifetime_s = 1200;
	peer.lifebytes = 10 * 1024 * 1024;
	local.lifetime_s = 3600;
	local.lifebytes = 0;
	assert_int_equal(p2_choose(&local, p2_offer_of(&peer, 1, &b), &o, &echo, &propnum, why,
				   sizeof(why), NULL),
			 0);
	assert_int_equal(o.life_s, 1200);
	assert_int_equal(o.life_kb, 10 * 1024);
	buf_free(&b);

	/* Seconds only. */
	peer.lifetime_s = 90000; /* above 16 bits: a TLV */
	peer.lifebytes = 0;
	assert_int_equal(p2_choose(&local, p2_offer_of(&peer, 1, &b), &o, &echo, &propnum, why,
				   sizeof(why), NULL),
			 0);
	assert_int_equal(o.life_s, 90000);
	assert_int_equal(o.life_kb, 0);
	buf_free(&b);
}

/* RFC 2407 4.5: no lifetime proposed means 28800 seconds. */
static void test_p2_default_lifetime(void **state)
{
	struct conn local;
	struct buf b;
	struct wire_builder w;
	struct wire_transform_spec t, echo;
	struct wire_proposal_spec prop = {
		.num = 1, .proto = PROTO_IPSEC_ESP, .spi_size = 4, .ntransforms = 1};
	struct p2_offer o;
	uint8_t propnum = 0;
	char why[256];

	memset(&t, 0, sizeof(t));
	t.num = 1;
	t.id = ESP_AES_CBC;
	t.nattrs = 3;
	t.attrs[0] = (struct wire_attr_spec){IPSEC_ATTR_ENCAPSULATION_MODE, IPSEC_ENCAP_TRANSPORT};
	t.attrs[1] = (struct wire_attr_spec){IPSEC_ATTR_AUTH_ALGORITHM, IPSEC_AUTH_HMAC_SHA2_256};
	t.attrs[2] = (struct wire_attr_spec){IPSEC_ATTR_KEY_LENGTH, 256};
	put_u32(prop.spi, 0x01020304);
	prop.transforms = &t;
	sa_start(&w, &b);
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &prop, 1), 0);
	conn_set(&local, NULL, "aes256-sha256", MODE_TRANSPORT);
	assert_int_equal(
		p2_choose(&local, sa_body(&w, &b), &o, &echo, &propnum, why, sizeof(why), NULL), 0);
	assert_int_equal(o.life_s, 28800);
	assert_int_equal(o.life_kb, 0);
	assert_int_equal(o.spi, 0x01020304);
	assert_int_equal(propnum, 1);
	buf_free(&b);
}

static void test_p2_accept(void **state)
{
	struct conn ini, resp, other;
	struct buf b, a;
	struct wire_builder w;
	struct p2_offer o, got;
	struct wire_transform_spec echo;
	uint8_t propnum = 0;
	char why[256] = "";

	conn_set(&ini, NULL, "aes256gcm16-modp2048,aes128-sha256-modp2048", MODE_TUNNEL);
	ini.lifetime_s = 1800;
	conn_set(&resp, NULL, "aes128-sha256-modp2048", MODE_TUNNEL);
	assert_int_equal(p2_choose(&resp, p2_offer_of(&ini, 0x11111111, &b), &o, &echo, &propnum,
				   why, sizeof(why), NULL),
			 0);
	assert_int_equal(propnum, 2);

	/* The responder's answer: its own SPI, our transform echoed. */
	sa_start(&w, &a);
	assert_int_equal(p2_add_chosen(&w, propnum, 0x22222222, &echo), 0);
	assert_int_equal(p2_accept(&ini, sa_body(&w, &a), &got, why, sizeof(why)), 0);
	assert_ptr_equal(got.encr, row("aes128", ALG_ENCR));
	assert_ptr_equal(got.integ, row("sha256", ALG_INTEG));
	assert_ptr_equal(got.group, row("modp2048", ALG_DH));
	assert_int_equal(got.spi, 0x22222222);
	assert_int_equal(got.life_s, 1800);
	buf_free(&a);
	buf_free(&b);

	/* An answer with a transform we did not offer (no PFS). */
	conn_set(&other, NULL, "aes128-sha256", MODE_TUNNEL);
	assert_int_equal(p2_choose(&other, p2_offer_of(&other, 3, &b), &o, &echo, &propnum, why,
				   sizeof(why), NULL),
			 0);
	sa_start(&w, &a);
	assert_int_equal(p2_add_chosen(&w, propnum, 3, &echo), 0);
	assert_int_equal(p2_accept(&ini, sa_body(&w, &a), &got, why, sizeof(why)),
			 ISAKMP_N_NO_PROPOSAL_CHOSEN);
	assert_string_equal(why, "peer chose an ESP transform we did not offer");
	buf_free(&a);
	buf_free(&b);

	/* Right algorithms, other mode. */
	conn_set(&other, NULL, "aes128-sha256-modp2048", MODE_TRANSPORT);
	assert_int_equal(p2_choose(&other, p2_offer_of(&other, 3, &b), &o, &echo, &propnum, why,
				   sizeof(why), NULL),
			 0);
	sa_start(&w, &a);
	assert_int_equal(p2_add_chosen(&w, propnum, 3, &echo), 0);
	assert_int_equal(p2_accept(&ini, sa_body(&w, &a), &got, why, sizeof(why)),
			 ISAKMP_N_NO_PROPOSAL_CHOSEN);
	buf_free(&a);
	buf_free(&b);

	/* Two proposals are no answer. */
	assert_int_equal(p2_accept(&ini, p2_offer_of(&ini, 3, &b), &got, why, sizeof(why)),
			 ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	buf_free(&b);
}

/* Offer strings, as in the logs. */
static void test_offer_str(void **state)
{
	struct p1_offer o1 = {.encr = row("aes256", ALG_ENCR),
			      .hash = row("sha384", ALG_INTEG),
			      .group = row("ecp384", ALG_DH)};
	struct p2_offer o2 = {.encr = row("aes128gcm16", ALG_ENCR), .encap = IPSEC_ENCAP_TRANSPORT};
	char s[128];

	p1_offer_str(&o1, s, sizeof(s));
	assert_string_equal(s, "AES_CBC-256/HMAC_SHA2_384/ECP_384");
	o1.group = NULL;
	p1_offer_str(&o1, s, sizeof(s));
	assert_string_equal(s, "AES_CBC-256/HMAC_SHA2_384/?");
	p2_offer_str(&o2, s, sizeof(s));
	assert_string_equal(s, "AES_GCM_16-128 transport");
	o2.group = row("curve25519", ALG_DH);
	o2.encap = IPSEC_ENCAP_TUNNEL;
	p2_offer_str(&o2, s, sizeof(s));
	assert_string_equal(s, "AES_GCM_16-128/CURVE_25519 tunnel");
}

static void test_proposal_str(void **state)
{
	struct proposal p;
	char s[64];

	entry_parse("aes128-sha1-modp2048", &p);
	proposal_str(&p, s, sizeof(s));
	assert_string_equal(s, "aes128-sha1-modp2048");
	entry_parse("aes128gcm16", &p);
	proposal_str(&p, s, sizeof(s));
	assert_string_equal(s, "aes128gcm16");
	entry_parse("aes256gcm16-ecp384", &p);
	proposal_str(&p, s, sizeof(s));
	assert_string_equal(s, "aes256gcm16-ecp384");
	entry_parse("3des-md5", &p);
	proposal_str(&p, s, sizeof(s));
	assert_string_equal(s, "3des-md5");
	/* Aliases print as the row's own name. */
	entry_parse("aes-sha-dh14", &p);
	proposal_str(&p, s, sizeof(s));
	assert_string_equal(s, "aes128-sha1-modp2048");
}

static void test_proposals_str(void **state)
{
	struct proposal_list l;
	char s[128];

	list_set(&l, "aes128-sha1-modp2048,3des-md5-modp1024");
	proposals_str("ike", &l, s, sizeof(s));
	assert_string_equal(s, "ike=aes128-sha1-modp2048,3des-md5-modp1024");
	list_set(&l, "aes128gcm16-modp2048,aes128-sha256,null-sha1");
	proposals_str("esp", &l, s, sizeof(s));
	assert_string_equal(s, "esp=aes128gcm16-modp2048,aes128-sha256,null-sha1");
	list_set(&l, "aes256-sha512");
	proposals_str("phase2alg", &l, s, sizeof(s));
	assert_string_equal(s, "phase2alg=aes256-sha512");
	list_set(&l, NULL);
	proposals_str("esp", &l, s, sizeof(s));
	assert_string_equal(s, "esp=");
}

/* A short buffer truncates, still terminated, never past the end,
 * wherever the cut falls. */
static void test_proposals_str_truncates(void **state)
{
	struct proposal_list l;
	const char *full = "ike=aes128-sha1-modp2048,3des-md5-modp1024";
	char s[64];
	size_t len;

	list_set(&l, "aes128-sha1-modp2048,3des-md5-modp1024");
	for (len = 5; len <= strlen(full) + 1; len++) {
		memset(s, 'X', sizeof(s));
		proposals_str("ike", &l, s, len);
		assert_int_equal(strlen(s), len - 1);
		assert_memory_equal(s, full, len - 1);
		assert_int_equal(s[len], 'X');
	}
	assert_string_equal(s, full);
}

/* A phase-1 SA whose only proposal is for ESP offers nothing to choose. */
static void test_p1_no_isakmp_proposal(void **state)
{
	struct wire_transform_spec t = {.num = 1, .id = ESP_AES_CBC, .nattrs = 1};
	struct wire_proposal_spec prop = {.num = 1, .proto = PROTO_IPSEC_ESP, .spi_size = 4};
	struct wire_transform_spec echo;
	struct wire_builder w;
	struct p1_offer o;
	struct conn c;
	struct buf b;
	char why[256];
	uint8_t num = 0;
	unsigned ndiff = 0;

	(void)state;
	t.attrs[0] = (struct wire_attr_spec){IPSEC_ATTR_KEY_LENGTH, 128};
	prop.ntransforms = 1;
	prop.transforms = &t;
	conn_set(&c, "aes128-sha1-modp2048", "aes128-sha1", MODE_TUNNEL);
	sa_start(&w, &b);
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &prop, 1), 0);
	assert_int_equal(p1_choose(&c, sa_body(&w, &b), &o, &echo, &num, why, sizeof(why), &ndiff),
			 ISAKMP_N_NO_PROPOSAL_CHOSEN);
	assert_string_equal(why, "no proposal chosen: peer offered no ISAKMP proposal");
	buf_free(&b);
}

/* A PFS group we do not know is named by its number, not as "none". */
static void test_p2_unknown_group_named(void **state)
{
	struct wire_transform_spec t = {.num = 1, .id = ESP_AES_CBC, .nattrs = 4};
	struct wire_proposal_spec prop = {.num = 1, .proto = PROTO_IPSEC_ESP, .spi_size = 4};
	struct wire_transform_spec echo;
	struct wire_builder w;
	struct p2_offer o;
	struct conn c;
	struct buf b;
	char why[256];
	uint8_t num = 0;

	(void)state;
	t.attrs[0] = (struct wire_attr_spec){IPSEC_ATTR_KEY_LENGTH, 128};
	t.attrs[1] = (struct wire_attr_spec){IPSEC_ATTR_AUTH_ALGORITHM, IPSEC_AUTH_HMAC_SHA1};
	t.attrs[2] = (struct wire_attr_spec){IPSEC_ATTR_ENCAPSULATION_MODE, IPSEC_ENCAP_TUNNEL};
	t.attrs[3] = (struct wire_attr_spec){IPSEC_ATTR_GROUP_DESCRIPTION, 24};
	prop.ntransforms = 1;
	prop.transforms = &t;
	conn_set(&c, "aes128-sha1-modp2048", "aes128-sha1-modp2048", MODE_TUNNEL);
	sa_start(&w, &b);
	assert_int_equal(wire_add_sa(&w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &prop, 1), 0);
	assert_int_equal(p2_choose(&c, sa_body(&w, &b), &o, &echo, &num, why, sizeof(why), NULL),
			 ISAKMP_N_NO_PROPOSAL_CHOSEN);
	assert_non_null(strstr(why, "differs in PFS group (group 24 vs MODP_2048)"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p1_choose_table),
		cmocka_unit_test(test_p1_choose_ndiff_null),
		cmocka_unit_test(test_p1_echo_round_trip),
		cmocka_unit_test(test_p1_accept_refuses),
		cmocka_unit_test(test_p1_default_lifetime),
		cmocka_unit_test(test_p2_choose_table),
		cmocka_unit_test(test_p2_lifetimes),
		cmocka_unit_test(test_p2_default_lifetime),
		cmocka_unit_test(test_p2_accept),
		cmocka_unit_test(test_offer_str),
		cmocka_unit_test(test_proposal_str),
		cmocka_unit_test(test_proposals_str),
		cmocka_unit_test(test_proposals_str_truncates),
		cmocka_unit_test(test_p1_no_isakmp_proposal),
		cmocka_unit_test(test_p2_unknown_group_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
