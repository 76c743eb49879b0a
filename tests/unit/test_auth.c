/* The AUTH slot (ike/auth.h): rows name it, not HASH, and step_check_auth
 * resolves it to the payloads of the SA's authentication method. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "ike/auth.h"
#include "ike/dispatch.h"
#include "ike/phase1.h"

/* A message of the given payload types, decrypted (encrypted on the wire
 * when enc). */
static void msg_of(struct ike_msg *m, bool enc, const uint8_t *types, unsigned n)
{
	unsigned i;

	memset(m, 0, sizeof(*m));
	m->hdr.flags = enc ? ISAKMP_FLAG_ENC : 0;
	for (i = 0; i < n; i++)
		m->pl.p[i].type = types[i];
	m->pl.n = n;
}

static void test_psk_entry(void **state)
{
	const struct auth_method *psk = auth_method_for(IKE_AUTH_PSK);

	assert_non_null(psk);
	assert_int_equal(psk->id, IKE_AUTH_PSK);
	assert_int_equal(psk->proof, ISAKMP_PL_HASH);
	assert_int_equal(psk->must, PL(ISAKMP_PL_HASH));
	assert_int_equal(psk->may, 0);
	assert_non_null(psk->add);
	assert_non_null(psk->verify);
	assert_non_null(psk->skeyid);
	/* DSS and encryption are not implemented: no entry, so an offer of
	 * them is refused when the proposal is chosen. */
	assert_null(auth_method_for(IKE_AUTH_DSS_SIG));
	assert_null(auth_method_for(IKE_AUTH_RSA_ENC));
	assert_null(auth_method_for(0));
}

/* The signature methods: SIG proves, CERT and CR may come with it, CRs
 * are sent beside KE (issue 10). */
static void test_signature_entries(void **state)
{
	static const uint16_t ids[] = {IKE_AUTH_RSA_SIG, IKE_AUTH_ECDSA_256, IKE_AUTH_ECDSA_384,
				       IKE_AUTH_ECDSA_521};
	unsigned i;

	for (i = 0; i < 4; i++) {
		const struct auth_method *a = auth_method_for(ids[i]);

		assert_non_null(a);
		assert_int_equal(a->proof, ISAKMP_PL_SIG);
		assert_int_equal(a->must, PL(ISAKMP_PL_SIG));
		assert_int_equal(a->may, PL(ISAKMP_PL_CERT) | PL(ISAKMP_PL_CR));
		assert_non_null(a->add_cr);
		assert_non_null(a->keep);
		assert_null(a->same_key);
		assert_false(a->keyed_by_conn);
		assert_false(a->am_exposes_key);
	}
	assert_string_equal(auth_method_name(IKE_AUTH_ECDSA_384), "ECDSA P-384 signature");
}

/* The rows that authenticate name the slot and hard-wire no HASH; the
 * messages that carry it build it through auth_add. */
static void test_rows_name_the_slot(void **state)
{
	const struct step *authed[] = {&main_mode_steps[4], &main_mode_steps[5],
				       &aggressive_mode_steps[1], &aggressive_mode_steps[2]};
	const struct send_spec *specs[] = {&send_mm5, &send_mm6, &send_am2, &send_am3};
	unsigned i, k, n;

	for (i = 0; i < 4; i++) {
		assert_true(authed[i]->must & AUTH_SLOT);
		assert_false((authed[i]->must | authed[i]->may) & PL(ISAKMP_PL_HASH));
		for (k = n = 0; k < SEND_MAX_PAYLOADS && specs[i]->add[k]; k++)
			n += specs[i]->add[k] == auth_add;
		assert_int_equal(n, 1);
	}
	for (i = 0; i < 4; i++)
		assert_false(main_mode_steps[i].must & AUTH_SLOT);
	assert_false(aggressive_mode_steps[0].must & AUTH_SLOT);
}

/* MM5 with a PSK: ID and HASH; a message without HASH is refused before
 * any handler, and so is one that carries a signature instead. */
static void test_psk_slot_enforced(void **state)
{
	const struct auth_method *psk = auth_method_for(IKE_AUTH_PSK);
	const struct step *mm5 = &main_mode_steps[4];
	static const uint8_t ok[] = {ISAKMP_PL_ID, ISAKMP_PL_HASH, ISAKMP_PL_N};
	static const uint8_t no_hash[] = {ISAKMP_PL_ID, ISAKMP_PL_N};
	static const uint8_t sig[] = {ISAKMP_PL_ID, ISAKMP_PL_SIG};
	struct ike_msg m;
	char why[128];

	msg_of(&m, true, ok, 3);
	assert_int_equal(step_check_auth(mm5, psk, false, &m, why, sizeof(why)), 0);
	msg_of(&m, true, no_hash, 2);
	assert_int_equal(step_check_auth(mm5, psk, false, &m, why, sizeof(why)),
			 ISAKMP_N_PAYLOAD_MALFORMED);
	assert_non_null(strstr(why, "HASH payload missing"));
	msg_of(&m, true, sig, 2);
	assert_int_equal(step_check_auth(mm5, psk, false, &m, why, sizeof(why)),
			 ISAKMP_N_INVALID_PAYLOAD_TYPE);
	/* Without a method the slot cannot be checked: refused. */
	msg_of(&m, true, ok, 3);
	assert_int_not_equal(step_check_auth(mm5, NULL, false, &m, why, sizeof(why)), 0);
	assert_int_not_equal(step_check(mm5, false, &m, why, sizeof(why)), 0);
	/* AM3: the slot alone, encrypted or not. */
	msg_of(&m, false, ok + 1, 1);
	assert_int_equal(
		step_check_auth(&aggressive_mode_steps[2], psk, false, &m, why, sizeof(why)), 0);
	msg_of(&m, false, no_hash + 1, 1);
	assert_int_equal(
		step_check_auth(&aggressive_mode_steps[2], psk, false, &m, why, sizeof(why)),
		ISAKMP_N_PAYLOAD_MALFORMED);
}

/* A signature method is one more entry of the same type: the same rows
 * then want SIG (a certificate allowed) and refuse a bare HASH. */
static void test_signature_entry_fits(void **state)
{
	const struct auth_method sig = {
		.id = IKE_AUTH_RSA_SIG,
		.proof = ISAKMP_PL_SIG,
		.must = PL(ISAKMP_PL_SIG),
		.may = PL(ISAKMP_PL_CERT),
	};
	static const uint8_t with_cert[] = {ISAKMP_PL_ID, ISAKMP_PL_CERT, ISAKMP_PL_SIG};
	static const uint8_t hash[] = {ISAKMP_PL_ID, ISAKMP_PL_HASH};
	struct ike_msg m;
	char why[128];

	msg_of(&m, true, with_cert, 3);
	assert_int_equal(step_check_auth(&main_mode_steps[5], &sig, true, &m, why, sizeof(why)), 0);
	msg_of(&m, true, hash, 2);
	assert_int_not_equal(step_check_auth(&main_mode_steps[5], &sig, true, &m, why, sizeof(why)),
			     0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psk_entry),
		cmocka_unit_test(test_signature_entries),
		cmocka_unit_test(test_rows_name_the_slot),
		cmocka_unit_test(test_psk_slot_enforced),
		cmocka_unit_test(test_signature_entry_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
