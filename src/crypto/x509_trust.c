/* Trust anchors, CRLs and the verification of a peer's certificate by
 * OpenSSL's X509_verify_cert; the intermediates of our own chain
 * (crypto/x509.h). */
#include "crypto/x509.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "wire/isakmp.h"

struct x509_trust {
	STACK_OF(X509) * anchors;	/* self-signed CAs: trusted */
	STACK_OF(X509) * intermediates; /* the other CAs: our own chains only */
	STACK_OF(X509_CRL) * crls;
};

struct x509_trust *x509_trust_new(void)
{
	struct x509_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->anchors = sk_X509_new_null();
	t->intermediates = sk_X509_new_null();
	t->crls = sk_X509_CRL_new_null();
	if (!t->anchors || !t->intermediates || !t->crls) {
		x509_trust_free(t);
		return NULL;
	}
	return t;
}

void x509_trust_free(struct x509_trust *t)
{
	if (!t)
		return;
	sk_X509_pop_free(t->anchors, X509_free);
	sk_X509_pop_free(t->intermediates, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	free(t);
}

int x509_trust_add_ca(struct x509_trust *t, X509 *ca)
{
	/* self-signed: subject = issuer and the signature verifies with its own key */
	STACK_OF(X509) *to = X509_self_signed(ca, 1) == 1 ? t->anchors : t->intermediates;

	ERR_clear_error();
	if (!X509_up_ref(ca))
		return -EIO;
	if (!sk_X509_push(to, ca)) {
		X509_free(ca);
		return -ENOMEM;
	}
	return 0;
}

int x509_trust_add_crl(struct x509_trust *t, X509_CRL *crl)
{
	if (!X509_CRL_up_ref(crl))
		return -EIO;
	if (!sk_X509_CRL_push(t->crls, crl)) {
		X509_CRL_free(crl);
		return -ENOMEM;
	}
	return 0;
}

/* strongSwan's default (strictcrlpolicy=no): a certificate whose issuer
 * published no CRL, or a stale one, is not refused for it; a CRL that
 * lists the certificate is. */
static int forgive_missing_crl(int ok, X509_STORE_CTX *ctx)
{
	switch (X509_STORE_CTX_get_error(ctx)) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
		return 1;
	}
	return ok;
}

static void date_str(const ASN1_TIME *t, char *out, size_t outlen)
{
	struct tm tm;

	if (outlen)
		out[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(out, outlen, "%Y-%m-%d", &tm);
}

/* The revocation date of CERT in the CRLs of T. */
static void revoked_on(const struct x509_trust *t, X509 *cert, char *out, size_t outlen)
{
	X509_REVOKED *rev;
	int i;

	if (outlen)
		out[0] = '\0';
	for (i = 0; i < sk_X509_CRL_num(t->crls); i++)
		if (X509_CRL_get0_by_cert(sk_X509_CRL_value(t->crls, i), &rev, cert) == 1) {
			date_str(X509_REVOKED_get0_revocationDate(rev), out, outlen);
			return;
		}
}

/* The sentence and notify of a failed X509_verify_cert. */
static int refusal(const struct x509_trust *t, X509_STORE_CTX *ctx, X509 *leaf, char *why,
		   size_t whylen)
{
	int err = X509_STORE_CTX_get_error(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char name[256], date[16];

	if (!cur)
		cur = leaf;
	x509_name_short(X509_get_subject_name(cur), name, sizeof(name));
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		date_str(X509_get0_notAfter(cur), date, sizeof(date));
		snprintf(why, whylen, "certificate for %s expired %s", name, date);
		return ISAKMP_N_INVALID_CERTIFICATE;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		date_str(X509_get0_notBefore(cur), date, sizeof(date));
		snprintf(why, whylen, "certificate for %s is not valid before %s", name, date);
		return ISAKMP_N_INVALID_CERTIFICATE;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		x509_name_short(X509_get_issuer_name(cur), name, sizeof(name));
		snprintf(why, whylen, "no trusted path: issuer %s not in cacerts/", name);
		return ISAKMP_N_INVALID_CERT_AUTHORITY;
	case X509_V_ERR_CERT_REVOKED:
		x509_name_short(X509_get_issuer_name(cur), name, sizeof(name));
		revoked_on(t, cur, date, sizeof(date));
		snprintf(why, whylen, "revoked (CRL from %s, %s)", name, date);
		return ISAKMP_N_INVALID_CERTIFICATE;
	}
	snprintf(why, whylen, "certificate for %s: %s", name, X509_verify_cert_error_string(err));
	return ISAKMP_N_INVALID_CERTIFICATE;
}

/* Whether CA_DN matches the issuer of a certificate of CHAIN (so the
 * subject of one of its CAs, the root's included). */
static bool chain_has_ca(STACK_OF(X509) * chain, const uint8_t *ca_dn, size_t ca_dn_len)
{
	uint8_t der[1024];
	size_t len;
	int i;

	for (i = 0; i < sk_X509_num(chain); i++)
		if (!x509_issuer_der(sk_X509_value(chain, i), der, &len, sizeof(der)) &&
		    x509_dn_match(der, len, ca_dn, ca_dn_len))
			return true;
	return false;
}

static X509_STORE *store_for(const struct x509_trust *t, X509 *pin)
{
	X509_STORE *store = X509_STORE_new();
	int i;

	if (!store)
		return NULL;
	for (i = 0; i < sk_X509_num(t->anchors); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(t->anchors, i)))
			goto fail;
	for (i = 0; i < sk_X509_CRL_num(t->crls); i++)
		if (!X509_STORE_add_crl(store, sk_X509_CRL_value(t->crls, i)))
			goto fail;
	/* a pinned certificate (rightcert=) is trusted itself, as strongSwan
	 * trusts the certificates of its configuration: dates and CRLs still hold */
	if (pin && (!X509_STORE_add_cert(store, pin) ||
		    !X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN)))
		goto fail;
	if (sk_X509_CRL_num(t->crls) &&
	    !X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
		goto fail;
	X509_STORE_set_verify_cb(store, forgive_missing_crl);
	return store;
fail:
	X509_STORE_free(store);
	return NULL;
}

int x509_verify_peer(const struct x509_trust *t, X509 *leaf, STACK_OF(X509) * untrusted, time_t now,
		     const uint8_t *ca_dn, size_t ca_dn_len, X509 *pin, char *why, size_t whylen)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	char dn[256];
	int ret = -ENOMEM;

	if (pin && X509_cmp(pin, leaf)) {
		snprintf(why, whylen, "not the certificate of rightcert=");
		return ISAKMP_N_INVALID_CERTIFICATE;
	}
	if (!(store = store_for(t, pin)) || !(ctx = X509_STORE_CTX_new()))
		goto out;
	if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted))
		goto out;
	X509_STORE_CTX_set_time(ctx, 0, now);
	if (X509_verify_cert(ctx) != 1) {
		ret = refusal(t, ctx, leaf, why, whylen);
		goto out;
	}
	if (ca_dn && ca_dn_len && !chain_has_ca(X509_STORE_CTX_get0_chain(ctx), ca_dn, ca_dn_len)) {
		x509_dn_str(ca_dn, ca_dn_len, dn, sizeof(dn));
		snprintf(why, whylen, "issuer is not rightca=%s", dn);
		ret = ISAKMP_N_INVALID_CERT_AUTHORITY;
		goto out;
	}
	ret = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ret;
}

/* The issuer of CUR in LIST (not CUR itself), or NULL. */
static X509 *issuer_in(STACK_OF(X509) * list, X509 *cur)
{
	int i;

	for (i = 0; list && i < sk_X509_num(list); i++) {
		X509 *c = sk_X509_value(list, i);

		if (X509_cmp(c, cur) && X509_check_issued(c, cur) == X509_V_OK)
			return c;
	}
	return NULL;
}

int x509_chain_for(const struct x509_trust *t, X509 *leaf, STACK_OF(X509) * extra,
		   STACK_OF(X509) * *out)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *cur = leaf, *next;
	int depth;

	if (!chain)
		return -ENOMEM;
	for (depth = 0; depth < 8 && !issuer_in(t->anchors, cur); depth++) {
		if (!(next = issuer_in(extra, cur)) && !(next = issuer_in(t->intermediates, cur)))
			break;
		if (X509_self_signed(next, 0) == 1) /* a root not among the anchors: not sent */
			break;
		if (!X509_up_ref(next) || !sk_X509_push(chain, next)) {
			sk_X509_pop_free(chain, X509_free);
			return -ENOMEM;
		}
		cur = next;
	}
	ERR_clear_error();
	*out = chain;
	return 0;
}

bool x509_trust_next_anchor(const struct x509_trust *t, unsigned *i, const uint8_t **der,
			    size_t *len)
{
	const unsigned char *enc;
	size_t n;

	while (*i < (unsigned)sk_X509_num(t->anchors)) {
		X509 *ca = sk_X509_value(t->anchors, (int)(*i)++);

		if (X509_NAME_get0_der(X509_get_subject_name(ca), &enc, &n)) {
			*der = enc;
			*len = n;
			return true;
		}
	}
	return false;
}
