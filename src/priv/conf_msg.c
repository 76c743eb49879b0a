/* A struct conf over the helper's channel.  Both ends are the same
 * program on the same host, so the structs go as they are in memory; only
 * pointers are turned into indices (algorithm rows into the table, file
 * names into the list of files) and checked on the way back in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "priv/internal.h"
#include "wire/alg.h"

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool take(struct reader *r, void *out, size_t n)
{
	if (n > r->left)
		return false;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static bool put(struct buf *b, const void *p, size_t n)
{
	return buf_append(b, p, n) != NULL;
}

static uint32_t file_index(const struct conf *c, const char *file)
{
	uint32_t i;

	for (i = 0; i < c->nfiles; i++)
		if (c->files[i] == file)
			return i;
	return UINT32_MAX; /* not one of ours: comes back as NULL */
}

/* Each row as its index + 1, 0 for none. */
static void algs_out(const struct proposal_list *l, uint16_t idx[CONF_MAX_PROPOSALS][3])
{
	unsigned n, i;
	const struct alg *table = alg_table(&n);

	for (i = 0; i < CONF_MAX_PROPOSALS; i++) {
		const struct alg *a[3] = {l->p[i].encr, l->p[i].integ, l->p[i].dh};

		for (unsigned k = 0; k < 3; k++)
			idx[i][k] = a[k] ? (uint16_t)(a[k] - table + 1) : 0;
	}
}

static bool algs_in(struct proposal_list *l, uint16_t idx[CONF_MAX_PROPOSALS][3])
{
	unsigned n, i, k;
	const struct alg *table = alg_table(&n);
	const struct alg *a[3];

	for (i = 0; i < CONF_MAX_PROPOSALS; i++) {
		for (k = 0; k < 3; k++) {
			if (idx[i][k] > n)
				return false;
			a[k] = idx[i][k] ? &table[idx[i][k] - 1] : NULL;
		}
		l->p[i].encr = a[0];
		l->p[i].integ = a[1];
		l->p[i].dh = a[2];
	}
	/* n and configured bound loops over p[]: never past it */
	return l->n <= CONF_MAX_PROPOSALS && l->configured <= l->n;
}

static bool pack_conn(const struct conf *c, const struct conn *conn, struct buf *out)
{
	uint16_t idx[2][CONF_MAX_PROPOSALS][3];
	uint32_t file = file_index(c, conn->file);
	struct conn copy = *conn;

	copy.file = NULL;
	memset(copy.ike.p, 0, sizeof(copy.ike.p));
	memset(copy.esp.p, 0, sizeof(copy.esp.p));
	algs_out(&conn->ike, idx[0]);
	algs_out(&conn->esp, idx[1]);
	return put(out, &copy, sizeof(copy)) && put(out, &file, sizeof(file)) &&
	       put(out, idx, sizeof(idx));
}

static bool pack_secret(const struct conf *c, const struct conf_secret *s, struct buf *out)
{
	uint32_t file = file_index(c, s->file);
	struct conf_secret copy = *s;
	bool ok;

	copy.file = NULL;
	ok = put(out, &copy, sizeof(copy)) && put(out, &file, sizeof(file));
	OPENSSL_cleanse(&copy, sizeof(copy));
	return ok;
}

int conf_pack(const struct conf *c, struct buf *out)
{
	uint32_t counts[3] = {c->nfiles, c->nconns, c->nsecrets}, len;
	bool ok = put(out, &c->setup, sizeof(c->setup)) && put(out, counts, sizeof(counts));
	unsigned i;

	for (i = 0; ok && i < c->nfiles; i++) {
		len = (uint32_t)strlen(c->files[i]);
		ok = put(out, &len, sizeof(len)) && put(out, c->files[i], len);
	}
	for (i = 0; ok && i < c->nconns; i++)
		ok = pack_conn(c, &c->conns[i], out);
	for (i = 0; ok && i < c->nsecrets; i++)
		ok = pack_secret(c, &c->secrets[i], out);
	return ok ? 0 : -ENOMEM;
}

static const char *file_at(const struct conf *c, uint32_t i)
{
	return i < c->nfiles ? c->files[i] : NULL;
}

static int unpack_files(struct reader *r, struct conf *c, uint32_t n)
{
	uint32_t len;

	if (n > r->left / sizeof(len))
		return -EINVAL;
	c->files = calloc(n ? n : 1, sizeof(*c->files));
	if (!c->files)
		return -ENOMEM;
	for (; c->nfiles < n; c->nfiles++) {
		if (!take(r, &len, sizeof(len)) || len > r->left)
			return -EINVAL;
		c->files[c->nfiles] = strndup((const char *)r->p, len);
		if (!c->files[c->nfiles])
			return -ENOMEM;
		r->p += len;
		r->left -= len;
	}
	return 0;
}

static int unpack_conns(struct reader *r, struct conf *c, uint32_t n)
{
	uint16_t idx[2][CONF_MAX_PROPOSALS][3];
	struct conn *conn;
	uint32_t file;

	if (n > r->left / sizeof(*conn))
		return -EINVAL;
	c->conns = calloc(n ? n : 1, sizeof(*c->conns));
	if (!c->conns)
		return -ENOMEM;
	for (; c->nconns < n; c->nconns++) {
		conn = &c->conns[c->nconns];
		if (!take(r, conn, sizeof(*conn)) || !take(r, &file, sizeof(file)) ||
		    !take(r, idx, sizeof(idx)) || !algs_in(&conn->ike, idx[0]) ||
		    !algs_in(&conn->esp, idx[1]))
			return -EINVAL;
		conn->name[sizeof(conn->name) - 1] = 0;
		conn->file = file_at(c, file);
	}
	return 0;
}

static int unpack_secrets(struct reader *r, struct conf *c, uint32_t n)
{
	struct conf_secret *s;
	uint32_t file;

	if (n > r->left / sizeof(*s))
		return -EINVAL;
	c->secrets = calloc(n ? n : 1, sizeof(*c->secrets));
	if (!c->secrets)
		return -ENOMEM;
	for (; c->nsecrets < n; c->nsecrets++) {
		s = &c->secrets[c->nsecrets];
		if (!take(r, s, sizeof(*s)) || !take(r, &file, sizeof(file)) ||
		    s->psklen > sizeof(s->psk) || s->nids > 2)
			return -EINVAL;
		s->file = file_at(c, file);
	}
	return 0;
}

int conf_unpack(const uint8_t *p, size_t len, struct conf **out)
{
	struct reader r = {p, len};
	uint32_t counts[3];
	struct conf *c;
	int err = -EINVAL;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (!take(&r, &c->setup, sizeof(c->setup)) || !take(&r, counts, sizeof(counts)))
		goto out;
	c->setup.capture_file[sizeof(c->setup.capture_file) - 1] = 0;
	c->setup.keys_dir[sizeof(c->setup.keys_dir) - 1] = 0;
	err = unpack_files(&r, c, counts[0]);
	if (!err)
		err = unpack_conns(&r, c, counts[1]);
	if (!err)
		err = unpack_secrets(&r, c, counts[2]);
	if (!err && r.left)
		err = -EINVAL;
out:
	if (err)
		conf_free(c);
	else
		*out = c;
	return err;
}
