/* Certificates in oakleyctl status (the auth method and the peer's
 * certificate of an ISAKMP SA) and `oakleyctl certs` (the credential
 * store: local certificates, CAs, CRLs), in text and JSON. */
#include <stdio.h>
#include <string.h>
#include <openssl/x509.h>

#include "crypto/x509.h"
#include "ctl/status.h"
#include "ike/auth.h"
#include "ike/creds.h"

const char *status_auth_name(uint16_t auth)
{
	return auth == IKE_AUTH_PSK ? "PSK" : auth_method_name(auth);
}

void status_cert_sa_text(const struct ike_sa *sa, struct buf *out)
{
	struct x509_info i;

	if (!sa->peer_cert)
		return;
	x509_info(sa->peer_cert, &i);
	out_printf(out, "\n      peer certificate: %s, issuer %s, valid %s to %s", i.subject,
		   i.issuer, i.not_before, i.not_after);
}

static void json_member(struct buf *out, const char *key, const char *val, bool comma)
{
	json_str(out, key);
	out_printf(out, ":");
	json_str(out, val);
	if (comma)
		out_printf(out, ",");
}

static void cert_json(X509 *cert, struct buf *out)
{
	struct x509_info i;

	x509_info(cert, &i);
	out_printf(out, "{");
	json_member(out, "subject", i.subject, true);
	json_member(out, "issuer", i.issuer, true);
	json_member(out, "not_before", i.not_before, true);
	json_member(out, "not_after", i.not_after, true);
	json_member(out, "key", i.key, true);
	json_member(out, "serial", i.serial, true);
	out_printf(out, "\"ca\":%s,\"self_signed\":%s}", i.ca ? "true" : "false",
		   i.self_signed ? "true" : "false");
}

void status_cert_sa_json(const struct ike_sa *sa, struct buf *out)
{
	json_member(out, "auth", status_auth_name(sa->auth), true);
	if (!sa->peer_cert)
		return;
	out_printf(out, "\"peer_cert\":");
	cert_json(sa->peer_cert, out);
	out_printf(out, ",");
}

/* The conns that use certificate idx (1-based): "site (leftcert), x (rightcert)". */
static void cert_users(const struct ike_daemon *d, unsigned idx, char *s, size_t len)
{
	size_t off = 0;
	unsigned i;
	int n;

	s[0] = 0;
	for (i = 0; d->conf && i < d->conf->nconns && off < len; i++) {
		const struct conn *c = &d->conf->conns[i];

		if (c->local.cert != idx && c->remote.cert != idx)
			continue;
		n = snprintf(s + off, len - off, "%s%s (%s)", off ? ", " : "", c->name,
			     c->local.cert == idx ? "leftcert" : "rightcert");
		off += n > 0 ? (size_t)n : 0;
	}
}

static void certs_local_text(const struct ike_daemon *d, const struct ike_creds *cr,
			     struct buf *out)
{
	struct x509_info i;
	char users[512];
	unsigned k;

	out_printf(out, "Certificates:\n");
	for (k = 0; k < cr->ncerts; k++) {
		x509_info(cr->certs[k], &i);
		cert_users(d, k + 1, users, sizeof(users));
		out_printf(out,
			   "  %s\n      subject %s\n      issuer %s, %s, serial %s\n"
			   "      valid %s to %s\n      intermediates sent: %d, used by: %s\n",
			   cr->cert_files[k], i.subject, i.issuer, i.key, i.serial, i.not_before,
			   i.not_after, sk_X509_num(cr->chain[k]), users[0] ? users : "none");
	}
}

void certs_text(const struct ike_daemon *d, struct buf *out)
{
	const struct ike_creds *cr = d->creds;
	struct x509_crl_info ci;
	struct x509_info i;
	int k;

	if (!cr) {
		out_printf(out, "No credentials loaded\n");
		return;
	}
	certs_local_text(d, cr, out);
	out_printf(out, "CA certificates:\n");
	for (k = 0; k < sk_X509_num(cr->cas); k++) {
		x509_info(sk_X509_value(cr->cas, k), &i);
		out_printf(out, "  %s%s\n      valid %s to %s, %s\n", i.subject,
			   i.self_signed ? " (trust anchor)" : " (intermediate)", i.not_before,
			   i.not_after, i.key);
	}
	out_printf(out, "CRLs:\n");
	for (k = 0; k < sk_X509_CRL_num(cr->crls); k++) {
		x509_crl_info(sk_X509_CRL_value(cr->crls, k), &ci);
		out_printf(out, "  %s\n      issuer %s, updated %s, next %s, %u revoked\n",
			   cr->crl_files[k], ci.issuer, ci.last_update, ci.next_update, ci.revoked);
	}
}

void certs_json(const struct ike_daemon *d, struct buf *out)
{
	const struct ike_creds *cr = d->creds;
	struct x509_crl_info ci;
	char users[512];
	unsigned k;
	int j;

	out_printf(out, "{\"ok\":true,\"certificates\":[");
	for (k = 0; cr && k < cr->ncerts; k++) {
		cert_users(d, k + 1, users, sizeof(users));
		out_printf(out, "%s{", k ? "," : "");
		json_member(out, "file", cr->cert_files[k], true);
		json_member(out, "used_by", users, true);
		out_printf(out, "\"intermediates\":%d,\"cert\":", sk_X509_num(cr->chain[k]));
		cert_json(cr->certs[k], out);
		out_printf(out, "}");
	}
	out_printf(out, "],\"cas\":[");
	for (j = 0; cr && j < sk_X509_num(cr->cas); j++) {
		out_printf(out, "%s", j ? "," : "");
		cert_json(sk_X509_value(cr->cas, j), out);
	}
	out_printf(out, "],\"crls\":[");
	for (j = 0; cr && j < sk_X509_CRL_num(cr->crls); j++) {
		x509_crl_info(sk_X509_CRL_value(cr->crls, j), &ci);
		out_printf(out, "%s{", j ? "," : "");
		json_member(out, "file", cr->crl_files[j], true);
		json_member(out, "issuer", ci.issuer, true);
		json_member(out, "last_update", ci.last_update, true);
		json_member(out, "next_update", ci.next_update, true);
		out_printf(out, "\"revoked\":%u}", ci.revoked);
	}
	out_printf(out, "]}\n");
}
