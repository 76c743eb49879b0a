/* Certificates in the configuration (issue 10), laid out as strongSwan's
 * ipsec.d beside the -f ipsec.conf: leftcert= / rightcert= (relative paths
 * from certs/), ipsec.secrets ": RSA|ECDSA FILE" (from private/), every
 * file of cacerts/ and crls/.  The bytes are kept as struct conf_blob (the
 * priv channel carries them); OpenSSL (crypto/x509.h) checks that they
 * parse while the file and line are known. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf/internal.h"
#include "crypto/x509.h"
#include "wire/isakmp.h"

/* DIR/SUB/PATH, DIR being the main ipsec.conf's folder; PATH as is when absolute. */
static void resolve_path(const struct conf_ctx *ctx, const char *sub, const char *path, char *out,
			 size_t outlen)
{
	const char *main = ctx->nfiles ? ctx->files[0] : "";
	const char *slash = strrchr(main, '/');
	int dirlen = slash ? (int)(slash - main) : 1;

	if (path[0] == '/')
		snprintf(out, outlen, "%s", path);
	else if (!sub)
		snprintf(out, outlen, "%.*s/%s", dirlen, slash ? main : ".", path);
	else
		snprintf(out, outlen, "%.*s/%s/%s", dirlen, slash ? main : ".", sub, path);
}

void conf_blobs_free(struct conf_blob *b, unsigned n, bool wipe)
{
	unsigned i;

	for (i = 0; b && i < n; i++) {
		if (wipe && b[i].data)
			OPENSSL_cleanse(b[i].data, b[i].len);
		free(b[i].data);
	}
	free(b);
}

/* The whole of PATH (binary) into a new blob of *ARR; *idx: its index.
 * Errors name FILE:LINE (or PATH alone when FILE is NULL) and KEY. */
static int read_blob(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		     const char *path, bool secret, struct conf_blob **arr, unsigned *n,
		     unsigned *idx)
{
	struct conf_blob *b;
	struct stat st;
	uint8_t *data = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, ret;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return conf_error(ctx, file, line, "%s%s: %s", key, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONF_MAX_FILE_BYTES) {
		ret = conf_error(ctx, file, line, "%s%s: not a regular file of at most 64 MB", key,
				 path);
		goto out;
	}
	if (secret && (ret = conf_secret_file_check(ctx, path, &st)))
		goto out;
	ret = -ENOMEM;
	if (!(data = malloc((size_t)st.st_size + 1)))
		goto out;
	while (got < (size_t)st.st_size) {
		r = read(fd, data + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = conf_error(ctx, file, line, "%s%s: %s", key, path,
					 r < 0 ? strerror(errno) : "shorter than it was");
			goto out;
		}
		got += (size_t)r;
	}
	if (!(b = realloc(*arr, (*n + 1) * sizeof(**arr))))
		goto out;
	*arr = b;
	b[*n] = (struct conf_blob){data, got, conf_file_name(ctx, path, NULL)};
	if (!b[*n].file)
		goto out; /* data is freed below: the blob is not counted */
	data = NULL;
	*idx = (*n)++;
	ret = 0;
out:
	if (data) {
		OPENSSL_cleanse(data, got);
		free(data);
	}
	close(fd);
	return ret;
}

/* Drops the last blob of an array (it did not parse). */
static void drop_last(struct conf_blob *arr, unsigned *n, bool wipe)
{
	(*n)--;
	if (wipe)
		OPENSSL_cleanse(arr[*n].data, arr[*n].len);
	free(arr[*n].data);
}

int conf_parse_cert(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	STACK_OF(X509) *certs = NULL;
	char path[4096], key[64], why[256];
	unsigned idx;
	int ret;

	resolve_path(ctx, "certs", s->value, path, sizeof(path));
	snprintf(key, sizeof(key), "%s=", s->key);
	if ((ret = read_blob(ctx, s->file, s->line, key, path, false, &ctx->certs, &ctx->ncerts,
			     &idx)))
		return ret;
	if (x509_certs_read(ctx->certs[idx].data, ctx->certs[idx].len, &certs, why, sizeof(why))) {
		drop_last(ctx->certs, &ctx->ncerts, false);
		return conf_error(ctx, s->file, s->line, "%s=%s: %s", s->key, path, why);
	}
	sk_X509_pop_free(certs, X509_free);
	*(uint32_t *)field = idx + 1;
	return 0;
}

int conf_parse_ca(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	struct conf_id id = {.type = ID_DER_ASN1_DN};
	const char *why;
	size_t len;

	if (!strcmp(s->value, "%any")) /* any anchor: as unset */
		return conf_ids_add(ctx, &(struct conf_id){0}, field);
	if (x509_dn_parse(s->value, id.data, &len, sizeof(id.data), &why))
		return conf_error(ctx, s->file, s->line, "%s=%s %s", s->key, s->value, why);
	id.len = (uint8_t)len;
	return conf_ids_add(ctx, &id, field);
}

int conf_parse_sendcert(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	static const struct {
		const char *name;
		enum conf_sendcert v;
	} v[] = {
		{"ifasked", SENDCERT_IFASKED}, {"always", SENDCERT_ALWAYS},
		{"yes", SENDCERT_ALWAYS},      {"never", SENDCERT_NEVER},
		{"no", SENDCERT_NEVER},
	};
	unsigned i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(s->value, v[i].name)) {
			*(uint8_t *)field = (uint8_t)v[i].v;
			return 0;
		}
	return conf_error(ctx, s->file, s->line, "%s= takes always, ifasked or never, not '%s'",
			  s->key, s->value);
}

int conf_secret_key(struct conf_ctx *ctx, const char *file, unsigned line, const char *type,
		    const char *path, bool passphrase)
{
	char full[4096], why[256];
	EVP_PKEY *k = NULL;
	unsigned idx;
	int ret;

	if (passphrase)
		return conf_error(ctx, file, line,
				  "%s %s with a passphrase: oakley needs the key unencrypted "
				  "(openssl pkey -in KEY -out PLAIN)",
				  type, path);
	resolve_path(ctx, "private", path, full, sizeof(full));
	if ((ret = read_blob(ctx, file, line, "", full, true, &ctx->keys, &ctx->nkeys, &idx)))
		return ret;
	if (x509_key_read(ctx->keys[idx].data, ctx->keys[idx].len, &k, why, sizeof(why))) {
		drop_last(ctx->keys, &ctx->nkeys, true);
		return conf_error(ctx, file, line, "%s %s %s", type, full, why);
	}
	ret = 0;
	if (!strcasecmp(type, "RSA") != !!EVP_PKEY_is_a(k, "RSA")) {
		ret = conf_error(ctx, file, line, "%s %s: the file holds %s key", type, full,
				 EVP_PKEY_is_a(k, "RSA") ? "an RSA" : "another kind of");
		drop_last(ctx->keys, &ctx->nkeys, true);
	}
	EVP_PKEY_free(k);
	return ret;
}

static X509 *blob_cert(const struct conf_blob *b)
{
	STACK_OF(X509) *certs = NULL;
	X509 *c = NULL;

	if (!x509_certs_read(b->data, b->len, &certs, NULL, 0)) {
		c = sk_X509_shift(certs);
		sk_X509_pop_free(certs, X509_free);
	}
	return c;
}

int conf_cert_subject(struct conf_ctx *ctx, uint32_t idx, struct conf_id *id)
{
	X509 *c = idx && idx <= ctx->ncerts ? blob_cert(&ctx->certs[idx - 1]) : NULL;
	size_t len;
	int ret;

	if (!c)
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	ret = x509_subject_der(c, id->data, &len, sizeof(id->data));
	X509_free(c);
	if (ret)
		return ret;
	id->type = ID_DER_ASN1_DN;
	id->len = (uint8_t)len;
	return 0;
}

static int dir_entry_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of DIR/SUB (not dotfiles), sorted, checked by CHECK. */
static int load_dir(struct conf_ctx *ctx, const char *sub, struct conf_blob **arr, unsigned *n,
		    bool is_crl)
{
	char dir[4096], path[4352], why[256];
	struct dirent *de;
	char **names = NULL, **grown;
	unsigned count = 0, i, idx;
	DIR *d;
	int ret = 0;

	resolve_path(ctx, NULL, sub, dir, sizeof(dir));
	if (!(d = opendir(dir)))
		return errno == ENOENT || errno == ENOTDIR
			       ? 0
			       : conf_error(ctx, dir, 0, "%s", strerror(errno));
	while ((de = readdir(d)) && !ret) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (!(grown = realloc(names, (count + 1) * sizeof(*names))) ||
		    !(grown[count] = strdup(de->d_name))) {
			names = grown ? grown : names;
			ret = -ENOMEM;
			break;
		}
		names = grown;
		count++;
	}
	closedir(d);
	if (!ret)
		qsort(names, count, sizeof(*names), dir_entry_cmp);
	for (i = 0; i < count && !ret; i++) {
		STACK_OF(X509) *certs = NULL;
		X509_CRL *crl = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((ret = read_blob(ctx, NULL, 0, "", path, false, arr, n, &idx)))
			break;
		ret = is_crl ? x509_crl_read((*arr)[idx].data, (*arr)[idx].len, &crl, why,
					     sizeof(why))
			     : x509_certs_read((*arr)[idx].data, (*arr)[idx].len, &certs, why,
					       sizeof(why));
		X509_CRL_free(crl);
		sk_X509_pop_free(certs, X509_free);
		if (ret) {
			drop_last(*arr, n, false);
			ret = conf_error(ctx, path, 0, "%s", why);
		}
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* The key of ipsec.secrets whose public half is certificate CERT's. */
static int find_key(struct conf_ctx *ctx, X509 *cert, unsigned *key, uint16_t *method)
{
	unsigned i;

	for (i = 0; i < ctx->nkeys; i++) {
		EVP_PKEY *k = NULL;
		bool match;

		if (x509_key_read(ctx->keys[i].data, ctx->keys[i].len, &k, NULL, 0))
			continue;
		match = x509_key_matches(cert, k);
		if (match)
			*method = x509_auth_method_for_key(k);
		EVP_PKEY_free(k);
		if (match) {
			*key = i + 1;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *authby_name(uint8_t a)
{
	return a == CONF_AUTHBY_RSA ? "rsasig" : a == CONF_AUTHBY_ECDSA ? "ecdsasig" : "pubkey";
}

/* One conn: its local key, and authby= made the key's exact method. */
static int finish_conn(struct conf_ctx *ctx, struct conn *c)
{
	bool pub = c->authby >= CONF_AUTHBY_PUBKEY && c->authby <= CONF_AUTHBY_ECDSA;
	uint16_t method = 0;
	X509 *cert;
	int ret;

	if (!c->local.cert) {
		if (pub)
			return conf_error(ctx, c->file, c->line,
					  "conn '%s': authby=%s needs leftcert= (the local "
					  "certificate) and its key in ipsec.secrets",
					  c->name, authby_name(c->authby));
		return 0;
	}
	if (!(cert = blob_cert(&ctx->certs[c->local.cert - 1])))
		return -EINVAL;
	ret = find_key(ctx, cert, &c->local.key, &method);
	X509_free(cert);
	if (ret)
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': no private key in ipsec.secrets (': RSA FILE' or "
				  "': ECDSA FILE') for the certificate %s",
				  c->name, ctx->certs[c->local.cert - 1].file);
	if (!method)
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': the key of %s is of a kind IKEv1 cannot sign with "
				  "(RSA, or ECDSA on P-256, P-384 or P-521)",
				  c->name, ctx->certs[c->local.cert - 1].file);
	if (c->authby == CONF_AUTHBY_RSA && method != IKE_AUTH_RSA_SIG)
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': authby=rsasig, but the key of %s is an ECDSA key "
				  "(authby=ecdsasig or pubkey)",
				  c->name, ctx->certs[c->local.cert - 1].file);
	if (c->authby == CONF_AUTHBY_ECDSA && method == IKE_AUTH_RSA_SIG)
		return conf_error(ctx, c->file, c->line,
				  "conn '%s': authby=ecdsasig, but the key of %s is an RSA key "
				  "(authby=rsasig or pubkey)",
				  c->name, ctx->certs[c->local.cert - 1].file);
	if (pub)
		c->authby = (uint8_t)method;
	return 0;
}

int conf_certs_finish(struct conf_ctx *ctx, struct conf *c)
{
	unsigned i;
	int ret = load_dir(ctx, "cacerts", &ctx->cacerts, &ctx->ncacerts, false);

	if (!ret)
		ret = load_dir(ctx, "crls", &ctx->crls, &ctx->ncrls, true);
	for (i = 0; i < c->nconns && !ret; i++)
		ret = finish_conn(ctx, &c->conns[i]);
	if (ret)
		return ret;
	c->certs = ctx->certs;
	c->ncerts = ctx->ncerts;
	c->keys = ctx->keys;
	c->nkeys = ctx->nkeys;
	c->cacerts = ctx->cacerts;
	c->ncacerts = ctx->ncacerts;
	c->crls = ctx->crls;
	c->ncrls = ctx->ncrls;
	ctx->certs = ctx->keys = ctx->cacerts = ctx->crls = NULL;
	ctx->ncerts = ctx->nkeys = ctx->ncacerts = ctx->ncrls = 0;
	return 0;
}
