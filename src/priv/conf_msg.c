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

/* A conn goes field by field, an address with only its family's bytes, an
 * ID with only its bytes and a proposal list with only its rows (each
 * algorithm as its table index + 1, 0 for none; one byte for a list the
 * same as the previous conn's): about 100 bytes where the struct is 1.5
 * KB, so that 100,000 conns fit in one message.  The
 * lists come first in each record.  A record is put together on the
 * stack and appended at once. */
struct rec {
	uint8_t b[2048]; /* a record is at most about 900 bytes */
	size_t n;
};

static void rec_put(struct rec *r, const void *p, size_t n)
{
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void rec_u8(struct rec *r, unsigned v)
{
	r->b[r->n++] = (uint8_t)v;
}

/* A list the same as the previous conn's (as conns that take theirs from
 * %default or the defaults have) goes as this one byte in its count's
 * place. */
#define SAME_LIST 0xff

static bool same_list(const struct proposal_list *a, const struct proposal_list *b)
{
	return b && a->n == b->n && a->strict == b->strict && a->configured == b->configured &&
	       a->n <= CONF_MAX_PROPOSALS && !memcmp(a->p, b->p, a->n * sizeof(a->p[0]));
}

static void put_list(struct rec *r, const struct proposal_list *l, const struct proposal_list *prev,
		     const struct alg *table)
{
	unsigned i, k, n = l->n < CONF_MAX_PROPOSALS ? l->n : CONF_MAX_PROPOSALS;

	if (same_list(l, prev)) {
		rec_u8(r, SAME_LIST);
		return;
	}
	rec_u8(r, n);
	rec_u8(r, l->strict);
	rec_u8(r, l->configured);
	for (i = 0; i < n; i++) {
		const struct alg *a[3] = {l->p[i].encr, l->p[i].integ, l->p[i].dh};
		uint16_t idx[3];

		for (k = 0; k < 3; k++)
			idx[k] = a[k] ? (uint16_t)(a[k] - table + 1) : 0;
		rec_put(r, idx, sizeof(idx));
	}
}

static unsigned addr_bytes(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static void put_addr(struct rec *r, const struct conf_addr *a)
{
	rec_u8(r, (unsigned)a->family);
	rec_put(r, a->a.b, addr_bytes(a->family));
}

static void put_end(struct rec *r, const struct conf_end *e)
{
	put_addr(r, &e->addr);
	rec_u8(r, e->has_subnet);
	put_addr(r, &e->subnet.addr);
	rec_u8(r, e->subnet.prefixlen);
	rec_u8(r, e->subnet.proto);
	rec_put(r, &e->subnet.port, sizeof(e->subnet.port));
	rec_u8(r, e->id.type);
	rec_u8(r, e->id.len);
	rec_put(r, e->id.data, e->id.len);
	/* certificates (issue 10): indices into the blob arrays, checked on unpack */
	rec_put(r, &e->cert, sizeof(e->cert));
	rec_put(r, &e->key, sizeof(e->key));
	rec_u8(r, e->ca.type);
	rec_u8(r, e->ca.len);
	rec_put(r, e->ca.data, e->ca.len);
	rec_u8(r, e->sendcert);
}

/* conn_ra's strings point into conf.strings: each goes as its index
 * there, found by a hash of the pointers (100,000 conns may each have a
 * user of their own). */
struct strmap {
	const char **key;
	uint32_t *idx;
	unsigned mask;
};

static unsigned ptr_hash(const char *p)
{
	return (unsigned)(((uintptr_t)p >> 3) * 0x9e3779b1u);
}

static int strmap_build(const struct conf *c, struct strmap *m)
{
	unsigned size = 16, i, j;

	while (size < 2 * c->nstrings)
		size *= 2;
	m->mask = size - 1;
	m->key = calloc(size, sizeof(*m->key));
	m->idx = calloc(size, sizeof(*m->idx));
	if (!m->key || !m->idx)
		return -ENOMEM;
	for (i = 0; i < c->nstrings; i++) {
		for (j = ptr_hash(c->strings[i]) & m->mask; m->key[j]; j = (j + 1) & m->mask)
			;
		m->key[j] = c->strings[i];
		m->idx[j] = i;
	}
	return 0;
}

static void strmap_free(struct strmap *m)
{
	free(m->key);
	free(m->idx);
}

static uint32_t strmap_find(const struct strmap *m, const char *p)
{
	unsigned j;

	if (!p)
		return UINT32_MAX;
	for (j = ptr_hash(p) & m->mask; m->key[j]; j = (j + 1) & m->mask)
		if (m->key[j] == p)
			return m->idx[j];
	return UINT32_MAX; /* not one of ours: comes back as NULL */
}

static bool ra_none(const struct conn_ra *ra)
{
	return !ra->xauth && !ra->xauthby && !ra->modecfg_server && !ra->modecfg_client &&
	       !ra->modecfg_pull && !ra->unity && !ra->pool && !ra->ndns && !ra->user &&
	       !ra->banner && !ra->domain;
}

/* Remote access (issue 11): one byte 0 for a conn without, else 1 and the
 * fields, strings as indices into conf.strings. */
static void put_ra(struct rec *r, const struct conn_ra *ra, const struct strmap *m)
{
	uint32_t s[3] = {strmap_find(m, ra->user), strmap_find(m, ra->banner),
			 strmap_find(m, ra->domain)};
	unsigned i, ndns = ra->ndns < CONF_MAX_DNS ? ra->ndns : CONF_MAX_DNS;

	if (ra_none(ra)) {
		rec_u8(r, 0);
		return;
	}
	rec_u8(r, 1);
	rec_u8(r, ra->xauth);
	rec_u8(r, ra->xauthby);
	rec_u8(r, (unsigned)ra->modecfg_server | (unsigned)ra->modecfg_client << 1 |
			  (unsigned)ra->modecfg_pull << 2 | (unsigned)ra->unity << 3);
	rec_put(r, &ra->pool, sizeof(ra->pool));
	rec_u8(r, ndns);
	for (i = 0; i < ndns; i++)
		put_addr(r, &ra->dns[i]);
	rec_put(r, s, sizeof(s));
}

static bool pack_conn(const struct conf *c, const struct conn *conn, const struct conn *prev,
		      struct buf *out, uint32_t *file, const struct alg *table,
		      const struct strmap *m)
{
	size_t namelen = strnlen(conn->name, sizeof(conn->name) - 1);
	struct rec r;

	/* conns come in file order: the previous one's file first */
	if (*file >= c->nfiles || c->files[*file] != conn->file)
		*file = file_index(c, conn->file);
	r.n = 0;
	put_list(&r, &conn->ike, prev ? &prev->ike : NULL, table);
	put_list(&r, &conn->esp, prev ? &prev->esp : NULL, table);
	rec_u8(&r, namelen);
	rec_put(&r, conn->name, namelen);
	rec_put(&r, &conn->line, sizeof(conn->line));
	rec_put(&r, file, sizeof(*file));
	put_end(&r, &conn->local);
	put_end(&r, &conn->remote);
	rec_u8(&r, conn->local_is_left);
	rec_u8(&r, conn->authby);
	rec_u8(&r, conn->mode);
	rec_u8(&r, conn->aggressive);
	rec_u8(&r, conn->auto_);
	rec_put(&r, &conn->ikelifetime_s, sizeof(conn->ikelifetime_s));
	rec_put(&r, &conn->lifetime_s, sizeof(conn->lifetime_s));
	rec_put(&r, &conn->lifebytes, sizeof(conn->lifebytes));
	rec_u8(&r, conn->forceencaps);
	rec_u8(&r, conn->dpd_action);
	rec_u8(&r, conn->rekey);
	rec_put(&r, &conn->dpd_delay_s, sizeof(conn->dpd_delay_s));
	rec_put(&r, &conn->dpd_timeout_s, sizeof(conn->dpd_timeout_s));
	rec_put(&r, &conn->margin_s, sizeof(conn->margin_s));
	rec_put(&r, &conn->fuzz_pct, sizeof(conn->fuzz_pct));
	/* a pair of a several-subnet conn (conf/subnets.c) */
	rec_put(&r, &conn->group_n, sizeof(conn->group_n));
	rec_put(&r, &conn->group_i, sizeof(conn->group_i));
	rec_u8(&r, conn->subnet_left);
	rec_u8(&r, conn->subnet_right);
	rec_u8(&r, conn->fragmentation);
	put_ra(&r, &conn->ra, m);
	return put(out, r.b, r.n);
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

/* A file's bytes (certificate, key, CRL): length, bytes, file index. */
static bool pack_blobs(const struct conf *c, const struct conf_blob *b, unsigned n, struct buf *out)
{
	unsigned i;
	bool ok = true;

	for (i = 0; ok && i < n; i++) {
		uint32_t len = (uint32_t)b[i].len, file = file_index(c, b[i].file);

		ok = put(out, &len, sizeof(len)) && put(out, b[i].data, b[i].len) &&
		     put(out, &file, sizeof(file));
	}
	return ok;
}

/* An XAUTH user as it is, its file as an index; the copy is wiped. */
static bool pack_xauth_user(const struct conf *c, const struct conf_xauth_user *u, struct buf *out)
{
	uint32_t file = file_index(c, u->file);
	struct conf_xauth_user copy = *u;
	bool ok;

	copy.file = NULL;
	ok = put(out, &copy, sizeof(copy)) && put(out, &file, sizeof(file));
	OPENSSL_cleanse(&copy, sizeof(copy));
	return ok;
}

/* The header's counts: files, conns, secrets, certs, keys, cacerts, crls,
 * then (issue 11) strings, pools, XAUTH users.  Strings follow the files
 * (conns point into them); pools and XAUTH users come last. */
#define NCOUNTS 10

int conf_pack(const struct conf *c, struct buf *out)
{
	uint32_t counts[NCOUNTS] = {c->nfiles, c->nconns,      c->nsecrets, c->ncerts,
				    c->nkeys,  c->ncacerts,    c->ncrls,    c->nstrings,
				    c->npools, c->nxauth_users},
		 len, file;
	bool ok = put(out, &c->setup, sizeof(c->setup)) && put(out, counts, sizeof(counts));
	unsigned i, nalgs;
	const struct alg *table = alg_table(&nalgs);
	struct strmap m = {0};

	if (strmap_build(c, &m)) {
		strmap_free(&m);
		return -ENOMEM;
	}
	for (i = 0; ok && i < c->nfiles; i++) {
		len = (uint32_t)strlen(c->files[i]);
		ok = put(out, &len, sizeof(len)) && put(out, c->files[i], len);
	}
	for (i = 0; ok && i < c->nstrings; i++) {
		len = (uint32_t)strlen(c->strings[i]);
		ok = put(out, &len, sizeof(len)) && put(out, c->strings[i], len);
	}
	for (i = 0, file = 0; ok && i < c->nconns; i++)
		ok = pack_conn(c, &c->conns[i], i ? &c->conns[i - 1] : NULL, out, &file, table, &m);
	for (i = 0; ok && i < c->nsecrets; i++)
		ok = pack_secret(c, &c->secrets[i], out);
	ok = ok && pack_blobs(c, c->certs, c->ncerts, out) &&
	     pack_blobs(c, c->keys, c->nkeys, out) && pack_blobs(c, c->cacerts, c->ncacerts, out) &&
	     pack_blobs(c, c->crls, c->ncrls, out);
	ok = ok && put(out, c->pools, c->npools * sizeof(*c->pools));
	for (i = 0; ok && i < c->nxauth_users; i++)
		ok = pack_xauth_user(c, &c->xauth_users[i], out);
	strmap_free(&m);
	return ok ? 0 : -ENOMEM;
}

static const char *file_at(const struct conf *c, uint32_t i)
{
	return i < c->nfiles ? c->files[i] : NULL;
}

/* Strings: length and bytes (file names, conf.strings). */
static int unpack_strings(struct reader *r, char ***arr, unsigned *count, uint32_t n)
{
	uint32_t len;

	if (n > r->left / sizeof(len))
		return -EINVAL;
	*arr = calloc(n ? n : 1, sizeof(**arr));
	if (!*arr)
		return -ENOMEM;
	for (; *count < n; (*count)++) {
		if (!take(r, &len, sizeof(len)) || len > r->left || memchr(r->p, 0, len))
			return -EINVAL;
		(*arr)[*count] = strndup((const char *)r->p, len);
		if (!(*arr)[*count])
			return -ENOMEM;
		r->p += len;
		r->left -= len;
	}
	return 0;
}

static bool take_u8(struct reader *r, unsigned *v)
{
	uint8_t x;

	if (!take(r, &x, 1))
		return false;
	*v = x;
	return true;
}

/* prev: the previous conn's list of this kind, NULL for the first conn. */
static bool take_list(struct reader *r, struct proposal_list *l, const struct proposal_list *prev)
{
	unsigned n, i, k, strict, configured, count;
	const struct alg *table = alg_table(&n);
	uint16_t idx[3];

	if (!take_u8(r, &count))
		return false;
	if (count == SAME_LIST && prev) {
		*l = *prev;
		return true;
	}
	if (!take_u8(r, &strict) || !take_u8(r, &configured) || count > CONF_MAX_PROPOSALS ||
	    configured > count || strict > 1)
		return false;
	l->n = count;
	l->strict = strict;
	l->configured = configured;
	for (i = 0; i < count; i++) {
		const struct alg *a[3];

		if (!take(r, idx, sizeof(idx)))
			return false;
		for (k = 0; k < 3; k++) {
			if (idx[k] > n)
				return false;
			a[k] = idx[k] ? &table[idx[k] - 1] : NULL;
		}
		l->p[i] = (struct proposal){a[0], a[1], a[2]};
	}
	return true;
}

static bool take_addr(struct reader *r, struct conf_addr *a)
{
	unsigned family;

	if (!take_u8(r, &family) ||
	    (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
		return false;
	a->family = (int)family;
	return take(r, a->a.b, addr_bytes(a->family));
}

static bool take_end(struct reader *r, struct conf_end *e)
{
	unsigned has_subnet, prefixlen, proto, type, len, catype, calen, sendcert;

	if (!take_addr(r, &e->addr) || !take_u8(r, &has_subnet) || !take_addr(r, &e->subnet.addr) ||
	    !take_u8(r, &prefixlen) || !take_u8(r, &proto) ||
	    !take(r, &e->subnet.port, sizeof(e->subnet.port)) || !take_u8(r, &type) ||
	    !take_u8(r, &len) || !take(r, e->id.data, len) || has_subnet > 1 || prefixlen > 128)
		return false;
	if (!take(r, &e->cert, sizeof(e->cert)) || !take(r, &e->key, sizeof(e->key)) ||
	    !take_u8(r, &catype) || !take_u8(r, &calen) || !take(r, e->ca.data, calen) ||
	    !take_u8(r, &sendcert) || sendcert > SENDCERT_NEVER)
		return false;
	e->ca.type = (uint8_t)catype;
	e->ca.len = (uint8_t)calen;
	e->sendcert = (enum conf_sendcert)sendcert;
	e->has_subnet = has_subnet;
	e->subnet.prefixlen = (uint8_t)prefixlen;
	e->subnet.proto = (uint8_t)proto;
	e->id.type = (uint8_t)type;
	e->id.len = (uint8_t)len;
	return true;
}

static const char *string_at(const struct conf *c, uint32_t i, bool *ok)
{
	if (i == UINT32_MAX)
		return NULL;
	if (i >= c->nstrings)
		*ok = false;
	return i < c->nstrings ? c->strings[i] : NULL;
}

/* The pool index is checked once the pools came (check_refs). */
static bool take_ra(struct reader *r, const struct conf *c, struct conn_ra *ra)
{
	unsigned has, xauth, by, flags, ndns, i;
	uint32_t s[3];
	bool ok = true;

	if (!take_u8(r, &has) || has > 1)
		return false;
	if (!has)
		return true;
	if (!take_u8(r, &xauth) || !take_u8(r, &by) || !take_u8(r, &flags) ||
	    !take(r, &ra->pool, sizeof(ra->pool)) || !take_u8(r, &ndns) ||
	    xauth > CONN_XAUTH_CLIENT || by > XAUTHBY_ALWAYSOK || flags > 15 || ndns > CONF_MAX_DNS)
		return false;
	for (i = 0; i < ndns; i++)
		if (!take_addr(r, &ra->dns[i]) || ra->dns[i].family == AF_UNSPEC)
			return false;
	if (!take(r, s, sizeof(s)))
		return false;
	ra->xauth = (uint8_t)xauth;
	ra->xauthby = (uint8_t)by;
	ra->modecfg_server = flags & 1;
	ra->modecfg_client = flags >> 1 & 1;
	ra->modecfg_pull = flags >> 2 & 1;
	ra->unity = flags >> 3 & 1;
	ra->ndns = (uint8_t)ndns;
	ra->user = string_at(c, s[0], &ok);
	ra->banner = string_at(c, s[1], &ok);
	ra->domain = string_at(c, s[2], &ok);
	return ok;
}

static bool take_conn(struct reader *r, const struct conf *c, struct conn *conn,
		      const struct conn *prev)
{
	unsigned namelen, local_is_left, authby, mode, aggressive, auto_, encaps, dpd, rekey;
	unsigned sub_l, sub_r, frag;
	uint32_t file;

	if (!take_list(r, &conn->ike, prev ? &prev->ike : NULL) ||
	    !take_list(r, &conn->esp, prev ? &prev->esp : NULL) || !take_u8(r, &namelen) ||
	    namelen >= sizeof(conn->name) || !take(r, conn->name, namelen) ||
	    !take(r, &conn->line, sizeof(conn->line)) || !take(r, &file, sizeof(file)) ||
	    !take_end(r, &conn->local) || !take_end(r, &conn->remote) ||
	    !take_u8(r, &local_is_left) || !take_u8(r, &authby) || !take_u8(r, &mode) ||
	    !take_u8(r, &aggressive) || !take_u8(r, &auto_) ||
	    !take(r, &conn->ikelifetime_s, sizeof(conn->ikelifetime_s)) ||
	    !take(r, &conn->lifetime_s, sizeof(conn->lifetime_s)) ||
	    !take(r, &conn->lifebytes, sizeof(conn->lifebytes)) || !take_u8(r, &encaps) ||
	    !take_u8(r, &dpd) || !take_u8(r, &rekey) ||
	    !take(r, &conn->dpd_delay_s, sizeof(conn->dpd_delay_s)) ||
	    !take(r, &conn->dpd_timeout_s, sizeof(conn->dpd_timeout_s)) ||
	    !take(r, &conn->margin_s, sizeof(conn->margin_s)) ||
	    !take(r, &conn->fuzz_pct, sizeof(conn->fuzz_pct)) ||
	    !take(r, &conn->group_n, sizeof(conn->group_n)) ||
	    !take(r, &conn->group_i, sizeof(conn->group_i)) || !take_u8(r, &sub_l) ||
	    !take_u8(r, &sub_r) || !take_u8(r, &frag) || frag > CONN_FRAG_FORCE ||
	    !take_ra(r, c, &conn->ra))
		return false;
	conn->fragmentation = (uint8_t)frag;
	if (local_is_left > 1 || mode > MODE_TRANSPORT || aggressive > 1 || auto_ > AUTO_START ||
	    encaps > 1 || dpd > DPD_RESTART || rekey > 1 ||
	    conn->group_n > CONF_MAX_SUBNETS * CONF_MAX_SUBNETS ||
	    (conn->group_n && conn->group_i >= conn->group_n) || sub_l > CONF_MAX_SUBNETS ||
	    sub_r > CONF_MAX_SUBNETS)
		return false;
	conn->subnet_left = (uint8_t)sub_l;
	conn->subnet_right = (uint8_t)sub_r;
	conn->forceencaps = encaps;
	conn->dpd_action = (enum conn_dpd_action)dpd;
	conn->rekey = rekey;
	conn->name[namelen] = 0;
	conn->file = file_at(c, file);
	conn->local_is_left = local_is_left;
	conn->authby = (uint8_t)authby;
	conn->mode = (enum conn_mode)mode;
	conn->aggressive = aggressive;
	conn->auto_ = (enum conn_auto)auto_;
	return true;
}

/* The smallest record: lists as the previous conn's, no name nor IDs,
 * %any addresses. */
#define CONN_MIN_BYTES (2 * 1 + 1 + 4 + 4 + 2 * (9 + 11) + 5 + 16 + 3 + 16 + 6 + 1 + 1)

/* The array grows with the records read, so that a count the message
 * does not back with records costs no memory up front (a conn is 1.5 KB,
 * its smallest record 50 bytes). */
static int conns_reserve(struct conf *c, size_t *cap, uint32_t n)
{
	size_t want = *cap ? *cap * 2 : 1024;
	struct conn *grown;

	if (c->nconns < *cap)
		return 0;
	if (want > n)
		want = n;
	grown = realloc(c->conns, want * sizeof(*c->conns));
	if (!grown)
		return -ENOMEM;
	memset(grown + *cap, 0, (want - *cap) * sizeof(*c->conns));
	c->conns = grown;
	*cap = want;
	return 0;
}

static int unpack_conns(struct reader *r, struct conf *c, uint32_t n)
{
	size_t cap = 0;
	int err;

	if (n > r->left / CONN_MIN_BYTES)
		return -EINVAL;
	c->conns = calloc(1, sizeof(*c->conns));
	if (!c->conns)
		return -ENOMEM;
	for (; c->nconns < n; c->nconns++) {
		if ((err = conns_reserve(c, &cap, n)) < 0)
			return err;
		if (!take_conn(r, c, &c->conns[c->nconns],
			       c->nconns ? &c->conns[c->nconns - 1] : NULL))
			return -EINVAL;
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

static int unpack_blobs(struct reader *r, const struct conf *c, uint32_t n, struct conf_blob **arr,
			unsigned *count)
{
	uint32_t len, file;
	struct conf_blob *b;

	if (n > r->left / (2 * sizeof(uint32_t)))
		return -EINVAL;
	*arr = calloc(n ? n : 1, sizeof(**arr));
	if (!*arr)
		return -ENOMEM;
	while (*count < n) {
		b = &(*arr)[*count];
		if (!take(r, &len, sizeof(len)) || len > r->left)
			return -EINVAL;
		if (!(b->data = malloc(len ? len : 1)))
			return -ENOMEM;
		b->len = len;
		(*count)++; /* conf_free frees it from here on */
		if (!take(r, b->data, len) || !take(r, &file, sizeof(file)) ||
		    !(b->file = file_at(c, file)))
			return -EINVAL;
	}
	return 0;
}

static bool pool_ok(const struct conf_pool *p)
{
	return memchr(p->name, 0, sizeof(p->name)) &&
	       (p->first.family == AF_INET || p->first.family == AF_INET6) &&
	       p->last.family == p->first.family;
}

static int unpack_pools(struct reader *r, struct conf *c, uint32_t n)
{
	if (n > r->left / sizeof(*c->pools))
		return -EINVAL;
	c->pools = calloc(n ? n : 1, sizeof(*c->pools));
	if (!c->pools)
		return -ENOMEM;
	for (; c->npools < n; c->npools++)
		if (!take(r, &c->pools[c->npools], sizeof(*c->pools)) ||
		    !pool_ok(&c->pools[c->npools]))
			return -EINVAL;
	return 0;
}

static bool xauth_user_ok(const struct conf_xauth_user *u)
{
	return memchr(u->user, 0, sizeof(u->user)) && memchr(u->secret, 0, sizeof(u->secret)) &&
	       memchr(u->conn, 0, sizeof(u->conn)) && (u->crypted == 0 || u->crypted == 1);
}

/* Every entry holds a password or hash: conf_free wipes them. */
static int unpack_xauth_users(struct reader *r, struct conf *c, uint32_t n)
{
	struct conf_xauth_user *u;
	uint32_t file;

	if (n > r->left / sizeof(*u))
		return -EINVAL;
	c->xauth_users = calloc(n ? n : 1, sizeof(*c->xauth_users));
	if (!c->xauth_users)
		return -ENOMEM;
	for (; c->nxauth_users < n; c->nxauth_users++) {
		u = &c->xauth_users[c->nxauth_users];
		if (!take(r, u, sizeof(*u)) || !take(r, &file, sizeof(file)) || !xauth_user_ok(u)) {
			OPENSSL_cleanse(u, sizeof(*u)); /* not counted: conf_free would miss it */
			return -EINVAL;
		}
		u->file = file_at(c, file);
	}
	return 0;
}

/* Every conn's certificate and key index names a blob that came along,
 * its pool a pool. */
static int check_refs(const struct conf *c)
{
	unsigned i;

	for (i = 0; i < c->nconns; i++) {
		const struct conn *k = &c->conns[i];

		if (k->local.cert > c->ncerts || k->remote.cert > c->ncerts ||
		    k->local.key > c->nkeys || k->remote.key > c->nkeys || k->ra.pool > c->npools)
			return -EINVAL;
	}
	return 0;
}

int conf_unpack(const uint8_t *p, size_t len, struct conf **out)
{
	struct reader r = {p, len};
	uint32_t counts[NCOUNTS];
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
	err = unpack_strings(&r, &c->files, &c->nfiles, counts[0]);
	if (!err)
		err = unpack_strings(&r, &c->strings, &c->nstrings, counts[7]);
	if (!err)
		err = unpack_conns(&r, c, counts[1]);
	if (!err)
		err = unpack_secrets(&r, c, counts[2]);
	if (!err)
		err = unpack_blobs(&r, c, counts[3], &c->certs, &c->ncerts);
	if (!err)
		err = unpack_blobs(&r, c, counts[4], &c->keys, &c->nkeys);
	if (!err)
		err = unpack_blobs(&r, c, counts[5], &c->cacerts, &c->ncacerts);
	if (!err)
		err = unpack_blobs(&r, c, counts[6], &c->crls, &c->ncrls);
	if (!err)
		err = unpack_pools(&r, c, counts[8]);
	if (!err)
		err = unpack_xauth_users(&r, c, counts[9]);
	if (!err)
		err = check_refs(c);
	if (!err && r.left)
		err = -EINVAL;
	if (!err)
		err = conf_index(c);
out:
	if (err)
		conf_free(c);
	else
		*out = c;
	return err;
}
