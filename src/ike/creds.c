/* The daemon's credential store (creds.h). */
#include "ike/creds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *file_dup(const struct conf_blob *b)
{
	return strdup(b->file ? b->file : "");
}

static int creds_certs(struct ike_creds *cr, const struct conf *c, char *why, size_t whylen)
{
	char err[256];
	unsigned i;
	int ret;

	cr->certs = calloc(c->ncerts + 1, sizeof(*cr->certs));
	cr->extra = calloc(c->ncerts + 1, sizeof(*cr->extra));
	cr->chain = calloc(c->ncerts + 1, sizeof(*cr->chain));
	cr->cert_files = calloc(c->ncerts + 1, sizeof(*cr->cert_files));
	if (!cr->certs || !cr->extra || !cr->chain || !cr->cert_files)
		return -ENOMEM;
	for (i = 0; i < c->ncerts; i++, cr->ncerts++) {
		STACK_OF(X509) *all = NULL;

		if (!(cr->cert_files[i] = file_dup(&c->certs[i])))
			return -ENOMEM;
		ret = x509_certs_read(c->certs[i].data, c->certs[i].len, &all, err, sizeof(err));
		if (ret) {
			snprintf(why, whylen, "%s: %s", cr->cert_files[i], err);
			return ret;
		}
		cr->certs[i] = sk_X509_shift(all); /* the end entity */
		cr->extra[i] = all;		   /* its intermediates, if any */
		if (!cr->certs[i]) {
			snprintf(why, whylen, "%s: no certificate in it", cr->cert_files[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static int creds_cas(struct ike_creds *cr, const struct conf *c, char *why, size_t whylen)
{
	char err[256];
	unsigned i;
	int j, ret;

	cr->cas = sk_X509_new_null();
	cr->ca_files = calloc(c->ncacerts + 1, sizeof(*cr->ca_files));
	if (!cr->cas || !cr->ca_files)
		return -ENOMEM;
	for (i = 0; i < c->ncacerts; i++, cr->nca_files++) {
		STACK_OF(X509) *all = NULL;

		if (!(cr->ca_files[i] = file_dup(&c->cacerts[i])))
			return -ENOMEM;
		ret = x509_certs_read(c->cacerts[i].data, c->cacerts[i].len, &all, err,
				      sizeof(err));
		if (ret) {
			snprintf(why, whylen, "%s: %s", cr->ca_files[i], err);
			return ret;
		}
		for (j = 0; !ret && j < sk_X509_num(all); j++) {
			ret = x509_trust_add_ca(cr->trust, sk_X509_value(all, j));
			if (!ret && X509_up_ref(sk_X509_value(all, j)) &&
			    !sk_X509_push(cr->cas, sk_X509_value(all, j))) {
				X509_free(sk_X509_value(all, j));
				ret = -ENOMEM;
			}
		}
		sk_X509_pop_free(all, X509_free);
		if (ret) {
			snprintf(why, whylen, "%s: cannot use it as a CA certificate",
				 cr->ca_files[i]);
			return ret;
		}
	}
	return 0;
}

static int creds_keys_crls(struct ike_creds *cr, const struct conf *c, char *why, size_t whylen)
{
	char err[256];
	unsigned i;
	int ret;

	cr->keys = calloc(c->nkeys + 1, sizeof(*cr->keys));
	cr->crls = sk_X509_CRL_new_null();
	cr->crl_files = calloc(c->ncrls + 1, sizeof(*cr->crl_files));
	if (!cr->keys || !cr->crls || !cr->crl_files)
		return -ENOMEM;
	for (i = 0; i < c->nkeys; i++, cr->nkeys++) {
		ret = x509_key_read(c->keys[i].data, c->keys[i].len, &cr->keys[i], err,
				    sizeof(err));
		if (ret) {
			snprintf(why, whylen, "%s: %s", c->keys[i].file ? c->keys[i].file : "key",
				 err);
			return ret;
		}
	}
	for (i = 0; i < c->ncrls; i++, cr->ncrl_files++) {
		X509_CRL *crl = NULL;

		if (!(cr->crl_files[i] = file_dup(&c->crls[i])))
			return -ENOMEM;
		ret = x509_crl_read(c->crls[i].data, c->crls[i].len, &crl, err, sizeof(err));
		if (!ret)
			ret = x509_trust_add_crl(cr->trust, crl);
		if (!ret && !sk_X509_CRL_push(cr->crls, crl))
			ret = -ENOMEM;
		if (ret) {
			X509_CRL_free(crl);
			snprintf(why, whylen, "%s: %s", cr->crl_files[i],
				 ret == -ENOMEM ? "out of memory" : err);
			return ret;
		}
	}
	return 0;
}

/* Our chains, once every CA is in. */
static int creds_chains(struct ike_creds *cr, char *why, size_t whylen)
{
	unsigned i;
	int ret;

	for (i = 0; i < cr->ncerts; i++) {
		ret = x509_chain_for(cr->trust, cr->certs[i], cr->extra[i], &cr->chain[i]);
		if (ret) {
			snprintf(why, whylen, "%s: cannot build its chain", cr->cert_files[i]);
			return ret;
		}
	}
	return 0;
}

int ike_creds_build(const struct conf *c, struct ike_creds **out, char *why, size_t whylen)
{
	struct ike_creds *cr = calloc(1, sizeof(*cr));
	int err = -ENOMEM;

	*out = NULL;
	snprintf(why, whylen, "out of memory");
	if (!cr)
		return -ENOMEM;
	cr->refs = 1;
	cr->trust = x509_trust_new();
	if (cr->trust)
		err = creds_cas(cr, c, why, whylen);
	if (!err)
		err = creds_keys_crls(cr, c, why, whylen);
	if (!err)
		err = creds_certs(cr, c, why, whylen);
	if (!err)
		err = creds_chains(cr, why, whylen);
	if (err) {
		ike_creds_put(cr);
		return err;
	}
	*out = cr;
	return 0;
}

struct ike_creds *ike_creds_get(struct ike_creds *cr)
{
	if (cr)
		cr->refs++;
	return cr;
}

static void free_strs(char **s, unsigned n)
{
	unsigned i;

	for (i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

void ike_creds_put(struct ike_creds *cr)
{
	unsigned i;

	if (!cr || --cr->refs)
		return;
	for (i = 0; i < cr->ncerts; i++) {
		X509_free(cr->certs[i]);
		sk_X509_pop_free(cr->extra[i], X509_free);
		sk_X509_pop_free(cr->chain[i], X509_free);
	}
	free_strs(cr->cert_files, cr->ncerts + 1);
	free(cr->certs);
	free(cr->extra);
	free(cr->chain);
	for (i = 0; i < cr->nkeys; i++)
		EVP_PKEY_free(cr->keys[i]);
	free(cr->keys);
	free_strs(cr->ca_files, cr->nca_files + 1);
	sk_X509_pop_free(cr->cas, X509_free);
	free_strs(cr->crl_files, cr->ncrl_files + 1);
	sk_X509_CRL_pop_free(cr->crls, X509_CRL_free);
	x509_trust_free(cr->trust);
	free(cr);
}

X509 *ike_creds_cert(const struct ike_creds *cr, unsigned cert)
{
	return cr && cert && cert <= cr->ncerts ? cr->certs[cert - 1] : NULL;
}

STACK_OF(X509) * ike_creds_chain(const struct ike_creds *cr, unsigned cert)
{
	return cr && cert && cert <= cr->ncerts ? cr->chain[cert - 1] : NULL;
}

EVP_PKEY *ike_creds_key(const struct ike_creds *cr, unsigned key)
{
	return cr && key && key <= cr->nkeys ? cr->keys[key - 1] : NULL;
}
