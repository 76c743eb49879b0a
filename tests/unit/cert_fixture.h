/* Certificates for the whole-exchange tests (exchange_fixture.h): each
 * side's configuration gets its certificates, keys, CAs and CRLs from the
 * test PKI ($OAKLEY_PKI, tests/pki/mkpki.sh) as conf_load would read them
 * into conf blobs, and its connection "site" is set to authenticate with
 * them. */
#ifndef OAKLEY_TESTS_CERT_FIXTURE_H
#define OAKLEY_TESTS_CERT_FIXTURE_H

#include <errno.h>
#include <sys/stat.h>

#include "crypto/x509.h"
#include "exchange_fixture.h"

/* One side's certificate setup. */
struct cert_side {
	const char *cert;	/* leftcert: PKI file base name ("west-rsa"), or a file ("x.pem") */
	const char *key;	/* its key's base name; NULL: cert's */
	const char *leftid;	/* NULL: the certificate's subject */
	const char *rightid;	/* NULL: %any */
	const char *rightca;	/* NULL: any anchor */
	const char *rightcert;	/* pinned peer certificate, base name */
	const char *cacerts[3]; /* base names; default {"ca"} when cacerts[0] is NULL */
	bool crl, no_ca;
	enum conf_sendcert sendcert;
	uint8_t authby; /* 0: the key's method */
};

static inline const char *pki_dir(void)
{
	const char *d = getenv("OAKLEY_PKI");

	return d && *d ? d : "build/pki";
}

static inline void pki_blob(struct conf_blob *b, const char *name, const char *ext)
{
	char path[512];
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/%s%s", pki_dir(), name, strchr(name, '.') ? "" : ext);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (make the PKI: tests/pki/mkpki.sh, OAKLEY_PKI)", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b->data = malloc((size_t)len + 1);
	assert_non_null(b->data);
	assert_int_equal(fread(b->data, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	b->len = (size_t)len;
	b->file = strdup(path);
}

static inline unsigned blob_push(struct conf_blob **v, unsigned *n, const char *name,
				 const char *ext)
{
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	assert_non_null(*v);
	pki_blob(&(*v)[*n], name, ext);
	return ++*n;
}

static inline void cert_id(struct conf_id *id, const char *s)
{
	size_t len = 0;
	const char *why = NULL;

	memset(id, 0, sizeof(*id));
	if (strchr(s, '=')) {
		assert_int_equal(x509_dn_parse(s, id->data, &len, sizeof(id->data), &why), 0);
		id->type = ID_DER_ASN1_DN;
		id->len = (uint8_t)len;
		return;
	}
	assert_int_equal(conf_id_parse(s, id, &why), 0);
}

static inline void cert_subject_id(struct conf_id *id, const struct conf_blob *b)
{
	STACK_OF(X509) *certs = NULL;
	size_t len = 0;
	char why[256];

	assert_int_equal(x509_certs_read(b->data, b->len, &certs, why, sizeof(why)), 0);
	assert_int_equal(
		x509_subject_der(sk_X509_value(certs, 0), id->data, &len, sizeof(id->data)), 0);
	id->type = ID_DER_ASN1_DN;
	id->len = (uint8_t)len;
	sk_X509_pop_free(certs, X509_free);
}

static inline uint16_t key_method(const struct conf_blob *b)
{
	EVP_PKEY *k = NULL;
	char why[256];
	uint16_t m;

	assert_int_equal(x509_key_read(b->data, b->len, &k, why, sizeof(why)), 0);
	m = x509_auth_method_for_key(k);
	EVP_PKEY_free(k);
	return m;
}

/* Sets conf's connection "site" up for certificates as s says. */
static inline void cert_conf(struct conf *c, const struct cert_side *s)
{
	struct conn *site = (struct conn *)conf_conn(c, "site");
	const char *const *ca = s->cacerts[0] ? s->cacerts : (const char *const[]){"ca", NULL};
	unsigned i;

	assert_non_null(site);
	site->local.cert = blob_push(&c->certs, &c->ncerts, s->cert, ".pem");
	site->local.key = blob_push(&c->keys, &c->nkeys, s->key ? s->key : s->cert, ".key");
	if (strchr(s->cert, '.')) /* a file: its key is named by key */
		assert_non_null(s->key);
	for (i = 0; !s->no_ca && i < 3 && ca[i]; i++)
		blob_push(&c->cacerts, &c->ncacerts, ca[i], ".pem");
	if (s->crl)
		blob_push(&c->crls, &c->ncrls, "crl", ".pem");
	if (s->rightcert)
		site->remote.cert = blob_push(&c->certs, &c->ncerts, s->rightcert, ".pem");
	if (s->leftid)
		cert_id(&site->local.id, s->leftid);
	else
		cert_subject_id(&site->local.id, &c->certs[site->local.cert - 1]);
	if (s->rightid)
		cert_id(&site->remote.id, s->rightid);
	else
		site->remote.id.type = CONF_ID_ANY;
	if (s->rightca)
		cert_id(&site->remote.ca, s->rightca);
	site->local.sendcert = s->sendcert;
	site->authby = s->authby ? s->authby : (uint8_t)key_method(&c->keys[site->local.key - 1]);
}

static inline void blobs_free(struct conf_blob **v, unsigned *n)
{
	unsigned i;

	for (i = 0; i < *n; i++) {
		free((*v)[i].data);
		free((void *)(*v)[i].file);
	}
	free(*v);
	*v = NULL;
	*n = 0;
}

/* Before conf_free: the blobs cert_conf added. */
static inline void cert_conf_free(struct conf *c)
{
	blobs_free(&c->certs, &c->ncerts);
	blobs_free(&c->keys, &c->nkeys);
	blobs_free(&c->cacerts, &c->ncacerts);
	blobs_free(&c->crls, &c->ncrls);
}

/* Two daemons with connection "site" (ike= as given, Main or Aggressive
 * Mode), each side's certificates as w and e say. */
static inline void net_start_certs(struct net *n, const char *extra, const struct cert_side *w,
				   const struct cert_side *e)
{
	char conf[2048], base[1024];
	const struct cert_side *s[2] = {w, e};
	int i;

	snprintf(base, sizeof(base), base_conf, "");
	replace(conf, sizeof(conf), base, "\tauto=add", extra);
	memset(n, 0, sizeof(*n));
	n->tail = &n->head;
	assert_int_equal(loop_new(&n->loop), 0);
	timer_init(&n->deliver, net_deliver, n);
	timer_init(&n->guard, net_guard, n);
	for (i = 0; i < 2; i++) {
		n->conf[i] = net_conf(n, i, conf, "192.0.2.1 192.0.2.2 : PSK \"unused\"\n");
		if (s[i])
			cert_conf(n->conf[i], s[i]);
		n->side[i] = (struct side){n, i};
		assert_int_equal(
			ike_daemon_new_inproc(n->loop, n->conf[i], net_send, &n->side[i], &n->d[i]),
			0);
	}
}

/* The daemons hold their own copies (creds.h): the blobs can go first. */
static inline void net_stop_certs(struct net *n)
{
	int i;

	for (i = 0; i < 2; i++)
		cert_conf_free(n->conf[i]);
	net_stop(n);
}

/* --- configurations in files, as an operator writes them --------------- */

/* DIR/SUB/NAME: a copy of the PKI's file NAME. */
static inline void pki_copy(const char *dir, const char *sub, const char *name)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s' && cp '%s/%s' '%s/%s/'", dir, sub, pki_dir(),
		 name, dir, sub);
	assert_int_equal(system(cmd), 0);
}

static inline void text_write(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* A temporary ipsec.d: DIR/ipsec.conf, ipsec.secrets, certs/CERT.pem and
 * certs/PEER.pem, private/CERT.key, cacerts/ca.pem (and crls/crl.pem);
 * conf_load'ed for the side's addresses.  dir: room for the path (64
 * bytes). */
static inline struct conf *conf_dir_load(char *dir, int side, const char *conf, const char *cert,
					 const char *peer, bool crl)
{
	char path[256], secrets[256], name[128], err[512];
	struct conf *c = NULL;
	int ret;

	strcpy(dir, "/tmp/oakley-ipsecd-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(name, sizeof(name), "%s.pem", cert);
	pki_copy(dir, "certs", name);
	snprintf(name, sizeof(name), "%s.pem", peer);
	pki_copy(dir, "certs", name);
	snprintf(name, sizeof(name), "%s.key", cert);
	pki_copy(dir, "private", name);
	pki_copy(dir, "cacerts", "ca.pem");
	if (crl)
		pki_copy(dir, "crls", "crl.pem");
	snprintf(path, sizeof(path), "%s/private/%s.key", dir, cert);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/ipsec.conf", dir);
	text_write(path, conf, 0644);
	snprintf(secrets, sizeof(secrets), "%s/ipsec.secrets", dir);
	snprintf(name, sizeof(name), ": %s %s.key\n", strstr(cert, "-ec") ? "ECDSA" : "RSA", cert);
	text_write(secrets, name, 0600);
	ret = conf_load(path, secrets, stub_is_local,
			(void *)(side == WEST ? west_here : east_here), &c, err, sizeof(err));
	if (ret)
		fail_msg("conf_load: %d %s", ret, err);
	return c;
}

static inline void conf_dir_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
