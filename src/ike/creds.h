/* The daemon's credentials (issue 10): the local certificates and keys,
 * the trust anchors and CRLs, parsed by the X.509 layer from the blobs
 * conf_load read.  Built when a configuration is loaded or reloaded; SAs
 * hold a reference, so a reload never changes the credentials of an
 * exchange under way. */
#ifndef OAKLEY_IKE_CREDS_H
#define OAKLEY_IKE_CREDS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "conf/conf.h"
#include "crypto/x509.h"

struct ike_creds {
	unsigned refs;
	struct x509_trust *trust;
	/* conf.certs by index: the first certificate of the file, the rest
	 * (intermediates), and the chain sent after it (x509_chain_for). */
	X509 **certs;
	STACK_OF(X509) * *extra, **chain;
	char **cert_files;
	unsigned ncerts;
	EVP_PKEY **keys; /* conf.keys by index */
	unsigned nkeys;
	STACK_OF(X509) * cas; /* every certificate of cacerts/, for listing */
	char **ca_files;      /* conf.cacerts by index */
	unsigned nca_files;
	STACK_OF(X509_CRL) * crls;
	char **crl_files; /* parallel to crls */
	unsigned ncrl_files;
};

/* From conf's blobs.  0, or -EINVAL with why ("FILE: what is wrong"), or
 * -ENOMEM.  A conf without any: an empty store. */
int ike_creds_build(const struct conf *c, struct ike_creds **out, char *why, size_t whylen);
struct ike_creds *ike_creds_get(struct ike_creds *cr);
void ike_creds_put(struct ike_creds *cr);

/* A side's certificate (conf_end.cert) and key (conf_end.key); NULL: none. */
X509 *ike_creds_cert(const struct ike_creds *cr, unsigned cert);
STACK_OF(X509) * ike_creds_chain(const struct ike_creds *cr, unsigned cert);
EVP_PKEY *ike_creds_key(const struct ike_creds *cr, unsigned key);

#endif
