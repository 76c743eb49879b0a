/* Signature authentication (RFC 2409 5.1, RFC 4754): the rows of auth.c
 * for RSA and ECDSA.  Our proof is our certificate (and the intermediates
 * a peer needs) in CERT payloads, then a SIG over HASH_I or HASH_R; the
 * peer's is checked against the daemon's trust (creds.h), its ID against
 * its certificate, then its signature.  All X.509 work is crypto/x509's. */
#include "ike/auth_sig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/x509.h>

#include "crypto/keying.h"
#include "crypto/prf.h"
#include "crypto/x509.h"
#include "ike/auth.h"
#include "ike/creds.h"
#include "ike/id.h"
#include "ike/ike.h"
#include "ike/phase1.h"
#include "util/log.h"
#include "wire/payload.h"

static int add_cert(struct wire_builder *w, X509 *cert)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der), err;

	if (len <= 0)
		return -EINVAL;
	err = wire_add_cert(w, ISAKMP_PL_CERT, CERT_X509_SIG, der, (size_t)len);
	OPENSSL_free(der);
	return err;
}

/* HASH_I (initiator) or HASH_R into out, by the method's HMAC; its length. */
static int sig_hash(struct ike_sa *sa, bool initiator, const struct buf *id_b, uint8_t *out,
		    size_t *len)
{
	const struct auth_method *a = auth_of(sa);
	const char *md = a && a->hash_md ? a->hash_md : sa->hash->openssl;

	*len = crypto_md_len(md);
	return phase1_hash_md(sa, initiator, id_b, md, out);
}

/* leftsendcert=always, or ifasked (the default) and the peer sent a CR. */
static bool sig_sends_cert(const struct ike_sa *sa)
{
	switch (sa->conn->local.sendcert) {
	case SENDCERT_ALWAYS:
		return true;
	case SENDCERT_IFASKED:
		return sa->x->peer_cr;
	default:
		return false;
	}
}

int sig_add(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;
	const struct buf *id_b = sa->initiator ? &sa->x->idii_b : &sa->x->idir_b;
	X509 *cert = ike_creds_cert(sa->creds, sa->conn->local.cert);
	STACK_OF(X509) *chain = ike_creds_chain(sa->creds, sa->conn->local.cert);
	EVP_PKEY *key = ike_creds_key(sa->creds, sa->conn->local.key);
	uint8_t hash[IKE_MAX_MD], sig[X509_SIG_MAX];
	size_t siglen = sizeof(sig), hashlen = 0;
	int i, err = 0;

	if (!cert || !key)
		return -ENOKEY;
	if (sig_sends_cert(sa)) {
		err = add_cert(w, cert);
		for (i = 0; !err && i < sk_X509_num(chain); i++)
			err = add_cert(w, sk_X509_value(chain, i));
	}
	if (!err)
		err = sig_hash(sa, sa->initiator, id_b, hash, &hashlen);
	if (!err)
		err = x509_ike_sign(key, auth_base(sa->auth), hash, hashlen, sig, &siglen);
	if (!err)
		err = wire_add_raw(w, ISAKMP_PL_SIG, sig, siglen);
	if (!err)
		sa->x->hash_sent = true; /* this message is about to go out */
	return err;
}

int sig_add_cr(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;
	const struct conf_id *ca = &sa->conn->remote.ca;
	const uint8_t *der;
	unsigned i = 0, n = 0;
	size_t len;
	int err = 0;

	if (!ca->len)
		return wire_add_cert(w, ISAKMP_PL_CR, CERT_X509_SIG, NULL, 0);
	while (!err && sa->creds && x509_trust_next_anchor(sa->creds->trust, &i, &der, &len))
		if (x509_dn_match(der, len, ca->data, ca->len)) {
			err = wire_add_cert(w, ISAKMP_PL_CR, CERT_X509_SIG, der, len);
			n++;
		}
	/* rightca= names no anchor of ours (it fails at the check): ask for it */
	if (!err && !n)
		err = wire_add_cert(w, ISAKMP_PL_CR, CERT_X509_SIG, ca->data, ca->len);
	return err;
}

struct step_result sig_keep(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct wire_payload *p;
	struct wire_cert c;
	const unsigned char *der;
	unsigned i;
	X509 *x;

	sk_X509_pop_free(sa->x->peer_certs, X509_free);
	sa->x->peer_certs = NULL;
	/* Libreswan's initiator sends its CR in MM5, with its CERT: MM6 then
	 * carries ours. */
	if (wire_find(&m->pl, ISAKMP_PL_CR))
		sa->x->peer_cr = true;
	for (i = 0; i < m->pl.n; i++) {
		p = &m->pl.p[i];
		if (p->type != ISAKMP_PL_CERT)
			continue;
		if (wire_parse_cert(p->body, &c)) {
			ike_sa_fail(sa, "peer's CERT payload is malformed");
			return step_notify(ISAKMP_N_PAYLOAD_MALFORMED);
		}
		if (c.encoding != CERT_X509_SIG) {
			ike_sa_log(sa, LOG_LVL_INFO, "ignored a CERT payload of encoding %u",
				   c.encoding);
			continue;
		}
		der = c.data.p;
		x = d2i_X509(NULL, &der, (long)c.data.len);
		if (!x || der != c.data.p + c.data.len) {
			X509_free(x);
			ike_sa_fail(sa, "peer's certificate is not DER X.509");
			return step_notify(ISAKMP_N_INVALID_CERTIFICATE);
		}
		if (!sa->x->peer_certs && !(sa->x->peer_certs = sk_X509_new_null())) {
			X509_free(x);
			return step_sys(-ENOMEM);
		}
		if (!sk_X509_push(sa->x->peer_certs, x)) {
			X509_free(x);
			return step_sys(-ENOMEM);
		}
	}
	return STEP_GO_ON;
}

/* The peer's end-entity certificate: its first CERT, or rightcert=; the
 * other CERTs are untrusted intermediates (*untrusted, a new stack). */
static X509 *sig_peer_leaf(struct ike_sa *sa, X509 *pin, STACK_OF(X509) * *untrusted)
{
	STACK_OF(X509) *got = sa->x->peer_certs;
	int i;

	*untrusted = NULL;
	if (sk_X509_num(got) <= 0)
		return pin;
	*untrusted = sk_X509_new_null();
	for (i = 1; *untrusted && i < sk_X509_num(got); i++)
		sk_X509_push(*untrusted, sk_X509_value(got, i));
	return sk_X509_value(got, 0);
}

/* The peer's ID is in its certificate. */
static struct step_result sig_check_id(struct ike_sa *sa, X509 *leaf, const struct buf *id_b)
{
	struct wire_id id;
	struct cursor body = {id_b->data, id_b->len};
	char got[300], subject[300];
	struct x509_info info;

	if (wire_parse_id(body, &id))
		return step_notify(ISAKMP_N_INVALID_ID_INFORMATION);
	if (x509_has_id(leaf, id.type, id.data.p, id.data.len))
		return STEP_GO_ON;
	/* As the peer would write it in ipsec.conf: @fqdn */
	got[0] = '@';
	id_phase1_str(&id, got + (id.type == ID_FQDN), sizeof(got) - 1);
	if (id.type == ID_DER_ASN1_DN) {
		x509_info(leaf, &info);
		snprintf(subject, sizeof(subject), "%s", info.subject);
		ike_sa_fail(sa, "peer ID %s is not its certificate's subject %s", got, subject);
	} else {
		ike_sa_fail(sa, "peer ID %s not in certificate subjectAltName", got);
	}
	return step_notify(ISAKMP_N_INVALID_ID_INFORMATION);
}

struct step_result sig_verify(struct ike_sa *sa, const uint8_t *sig, size_t len)
{
	const struct conf_end *r = &sa->conn->remote;
	const struct buf *id_b = sa->initiator ? &sa->x->idir_b : &sa->x->idii_b;
	X509 *pin = ike_creds_cert(sa->creds, r->cert), *leaf;
	STACK_OF(X509) *untrusted = NULL;
	struct step_result res = STEP_GO_ON;
	uint8_t hash[IKE_MAX_MD];
	size_t hashlen = 0;
	char why[512] = "";
	int ret;

	leaf = sig_peer_leaf(sa, pin, &untrusted);
	if (!leaf) {
		ike_sa_fail(sa, "peer sent no certificate and no rightcert= is configured");
		return step_notify(ISAKMP_N_CERTIFICATE_UNAVAILABLE);
	}
	if (!sa->creds) {
		ike_sa_fail(sa, "no trust anchors are loaded");
		res = step_notify(ISAKMP_N_INVALID_CERT_AUTHORITY);
		goto out;
	}
	ret = x509_verify_peer(sa->creds->trust, leaf, untrusted, time(NULL),
			       r->ca.len ? r->ca.data : NULL, r->ca.len, pin, why, sizeof(why));
	if (ret) {
		if (ret > 0)
			ike_sa_fail(sa, "%s", why);
		res = ret > 0 ? step_notify(ret) : step_sys(ret);
		goto out;
	}
	res = sig_check_id(sa, leaf, id_b);
	if (step_failed(res))
		goto out;
	ret = sig_hash(sa, !sa->initiator, id_b, hash, &hashlen);
	if (!ret)
		ret = x509_ike_verify(X509_get0_pubkey(leaf), auth_base(sa->auth), hash, hashlen,
				      sig, len);
	if (ret == -EBADMSG || ret == -EINVAL) {
		if (ret == -EINVAL)
			ike_sa_fail(sa, "peer's certificate has no key for %s",
				    wire_auth_name(sa->auth));
		else
			ike_sa_fail(sa, "signature does not verify");
		res = step_notify(ISAKMP_N_AUTHENTICATION_FAILED);
		goto out;
	}
	if (ret) {
		res = step_sys(ret);
		goto out;
	}
	X509_free(sa->peer_cert);
	sa->peer_cert = leaf;
	X509_up_ref(leaf);
out:
	sk_X509_free(untrusted);
	return res;
}

int sig_skeyid(const struct ike_sa *sa, const uint8_t *key, size_t keylen, uint8_t *out)
{
	const struct dh_job *j = &sa->x->dhj;

	(void)key;
	(void)keylen;
	return ike_skeyid_sig(sa->hash->openssl, sa->x->ni.data, sa->x->ni.len, sa->x->nr.data,
			      sa->x->nr.len, j->secret, j->secret_len, out);
}

int sig_find_key(struct ike_sa *sa, const struct conf_id *peer_id)
{
	const struct conn *c = sa->conn;
	EVP_PKEY *key = ike_creds_key(sa->creds, c->local.key);
	uint16_t method = auth_base(sa->auth ? sa->auth : c->authby);

	(void)peer_id;
	if (!ike_creds_cert(sa->creds, c->local.cert)) {
		ike_sa_fail(sa, "connection %s has no certificate (leftcert=) for %s", c->name,
			    wire_auth_name(method));
		return -ENOENT;
	}
	if (!key) {
		ike_sa_fail(sa,
			    "no private key for connection %s's certificate in the secrets file "
			    "(: RSA or : ECDSA)",
			    c->name);
		return -ENOENT;
	}
	if (x509_auth_method_for_key(key) != method) {
		ike_sa_fail(sa, "connection %s's key cannot make %ss", c->name,
			    wire_auth_name(method));
		return -EINVAL;
	}
	return 0;
}
