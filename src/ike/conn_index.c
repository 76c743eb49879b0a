/* Lists of conn indices in configuration order, one per key, in one
 * array; an open-addressing table of the keys.  A key is (kind, local
 * address, remote address or %any) and, for the ID kind, the remote ID
 * (names folded to lower case, as id_phase1_matches compares them; %any as
 * the empty ID).  An entry keeps one of its conns and rebuilds the key
 * from it to compare, so the table holds no copy of an ID; a slot keeps
 * the key's hash, so that a probe reads a conn only when the hashes agree
 * (building the index of 100,000 conns is then one cache miss a key). */
#include "ike/conn_index.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ike/id.h"
#include "ike/ike.h"
#include "wire/isakmp.h"

/* Three keys a conn: its addresses, with its remote ID, with its subnets
 * (a conn without a subnet on a side: the empty selector key, idtype 0). */
enum { KEY_ADDR, KEY_ID, KEY_TS, NKEYS };

/* A selector as a key: family, prefix length, protocol, port, and the
 * address cut to the prefix (ts_covers ignores the bits after it). */
#define TS_KEY_LEN 21
#define TS_KEYED   1 /* key.idtype of a conn with both subnets */

/* The shapes of the subnet pairs configured: a proposal is looked up once
 * per shape that could cover it, cut to that shape.  Beyond SHAPES_MAX
 * (a configuration of many prefix lengths and protoports), a walk by
 * selectors returns every conn of the peer, for the caller to check. */
#define SHAPES_MAX 32

struct shape {
	uint8_t lfam, lplen, lproto, rfam, rplen, rproto;
	uint16_t lport, rport;
};

struct key {
	uint8_t kind, lfam, rfam, idtype, idlen;
	uint8_t l[16], r[16];
	uint8_t id[255]; /* last: only idlen bytes of it are hashed and compared */
};

struct entry {
	uint32_t rep; /* a conn with this key */
	uint32_t start, count;
};

struct slot {
	uint32_t hash;	/* the key's hash, low half */
	uint32_t entry; /* index + 1 into entries; 0: empty */
};

struct conn_index {
	const struct conf *conf;
	uint64_t seed; /* the peer chooses what is looked up: the probes
			  must not be predictable (see util/hash.h) */
	struct slot *slots;
	uint32_t mask; /* slots - 1 */
	struct entry *entries;
	uint32_t nentries;
	uint32_t *idx; /* the lists, each ascending */
	struct shape shapes[SHAPES_MAX];
	unsigned nshapes;
	bool shapes_overflow;
};

static size_t key_len(const struct key *k)
{
	return offsetof(struct key, id) + k->idlen;
}

static void put_addr(uint8_t *fam, uint8_t *out, int family, const void *a)
{
	*fam = (uint8_t)family;
	if (family == AF_INET)
		memcpy(out, a, 4);
	else if (family == AF_INET6)
		memcpy(out, a, 16);
}

static void put_id(struct key *k, uint8_t type, const uint8_t *data, size_t len)
{
	size_t i;

	k->idtype = type;
	k->idlen = (uint8_t)len;
	for (i = 0; i < len; i++)
		k->id[i] = type == ID_FQDN || type == ID_USER_FQDN ? (uint8_t)tolower(data[i])
								   : data[i];
}

static void put_ts(uint8_t *out, const struct conf_ts *ts, uint8_t plen, uint8_t proto,
		   uint16_t port)
{
	unsigned i, alen = ts->addr.family == AF_INET6 ? 16 : 4;

	memset(out, 0, TS_KEY_LEN);
	out[0] = (uint8_t)ts->addr.family;
	out[1] = plen;
	out[2] = proto;
	out[3] = (uint8_t)(port >> 8);
	out[4] = (uint8_t)port;
	for (i = 0; i < alen && 8 * i < plen; i++)
		out[5 + i] = ts->addr.a.b[i] &
			     (uint8_t)(plen >= 8 * (i + 1) ? 0xff : 0xff << (8 - (plen - 8 * i)));
}

static bool conn_has_subnets(const struct conn *c)
{
	return c->local.has_subnet && c->remote.has_subnet;
}

static void conn_key(const struct conn *c, uint8_t kind, struct key *k)
{
	const struct conf_ts *l = &c->local.subnet, *r = &c->remote.subnet;

	memset(k, 0, offsetof(struct key, id));
	k->kind = kind;
	put_addr(&k->lfam, k->l, c->local.addr.family, c->local.addr.a.b);
	put_addr(&k->rfam, k->r, c->remote.addr.family, c->remote.addr.a.b);
	/* A DN rightid may be a pattern: filed as %any, conn_next_for_peer_id
	 * matches it (x509_dn_match). */
	if (kind == KEY_ID && c->remote.id.type != CONF_ID_ANY &&
	    c->remote.id.type != ID_DER_ASN1_DN)
		put_id(k, c->remote.id.type, c->remote.id.data, c->remote.id.len);
	if (kind == KEY_TS && conn_has_subnets(c)) {
		k->idtype = TS_KEYED;
		k->idlen = 2 * TS_KEY_LEN;
		put_ts(k->id, l, l->prefixlen, l->proto, l->port);
		put_ts(k->id + TS_KEY_LEN, r, r->prefixlen, r->proto, r->port);
	}
}

static void ss_put(uint8_t *fam, uint8_t *out, const struct sockaddr *ss)
{
	if (ss->sa_family == AF_INET)
		put_addr(fam, out, AF_INET, &((const struct sockaddr_in *)ss)->sin_addr);
	else if (ss->sa_family == AF_INET6)
		put_addr(fam, out, AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr);
	else
		*fam = 0xff; /* no conn has it */
}

/* remote NULL: right=%any. */
static void peer_key(uint8_t kind, const struct sockaddr *local, const struct sockaddr *remote,
		     struct key *k)
{
	memset(k, 0, offsetof(struct key, id));
	k->kind = kind;
	ss_put(&k->lfam, k->l, local);
	if (remote)
		ss_put(&k->rfam, k->r, remote);
}

/* util/hash.c's hash (FNV-1a from the seed, then MurmurHash3's
 * finaliser), eight bytes a step: a key is some 40 bytes, and the byte
 * loop showed in the profile. */
static uint64_t key_hash(const struct conn_index *ix, const struct key *k, size_t len)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL ^ ix->seed, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= len ^ (ix->seed << 1 | ix->seed >> 63);
	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* The entry of key k (hash h), or the empty slot where it would go. */
static struct slot *probe(const struct conn_index *ix, const struct key *k, size_t len, uint64_t h)
{
	struct key other;
	uint32_t i;

	for (i = (uint32_t)(h >> 32) & ix->mask; ix->slots[i].entry; i = (i + 1) & ix->mask) {
		if (ix->slots[i].hash != (uint32_t)h)
			continue;
		conn_key(&ix->conf->conns[ix->entries[ix->slots[i].entry - 1].rep], k->kind,
			 &other);
		if (key_len(&other) == len && !memcmp(&other, k, len))
			break;
	}
	return &ix->slots[i];
}

static struct entry *find(const struct conn_index *ix, const struct key *k)
{
	size_t len = key_len(k);
	struct slot *s;

	if (!ix->slots)
		return NULL;
	s = probe(ix, k, len, key_hash(ix, k, len));
	return s->entry ? &ix->entries[s->entry - 1] : NULL;
}

/* A conn's key, hashed, waiting for its probe. */
struct pending {
	struct key k;
	size_t len;
	uint64_t h;
	uint32_t conn;
	uint8_t kind;
};

/* Counts a conn under its key; *eid gets the entry's number. */
static void count(struct conn_index *ix, const struct pending *p, uint32_t *eid)
{
	struct slot *s = probe(ix, &p->k, p->len, p->h);

	if (!s->entry) {
		ix->entries[ix->nentries++].rep = p->conn;
		*s = (struct slot){(uint32_t)p->h, ix->nentries};
	}
	ix->entries[s->entry - 1].count++;
	*eid = s->entry - 1;
}

/* Each probe is a cache miss (the slots of 100,000 conns are 4 MB):
 * the keys of a few conns are hashed first and their slots fetched
 * together, then probed in conn order (the entries keep that order). */
#define BATCH 16

static void count_all(struct conn_index *ix, uint32_t *eid)
{
	const struct conf *c = ix->conf;
	struct pending p[BATCH];
	uint32_t i = 0, n, j;
	uint8_t k;

	while (i < c->nconns) {
		for (n = 0; n + NKEYS <= BATCH && i < c->nconns; i++) {
			if (c->conns[i].auto_ == AUTO_IGNORE)
				continue;
			for (k = 0; k < NKEYS; k++, n++) {
				conn_key(&c->conns[i], k, &p[n].k);
				p[n].len = key_len(&p[n].k);
				p[n].h = key_hash(ix, &p[n].k, p[n].len);
				p[n].conn = i;
				p[n].kind = k;
				__builtin_prefetch(&ix->slots[(uint32_t)(p[n].h >> 32) & ix->mask]);
			}
		}
		for (j = 0; j < n; j++)
			count(ix, &p[j], &eid[NKEYS * p[j].conn + p[j].kind]);
	}
}

/* At most half full: NKEYS keys a conn. */
static int slots_init(struct conn_index *ix, size_t nconns)
{
	size_t n = 16;
	ssize_t r;

	while (n < 2 * NKEYS * nconns + 2)
		n *= 2;
	if (n > UINT32_MAX)
		return -ENOMEM;
	do
		r = getrandom(&ix->seed, sizeof(ix->seed), 0);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(ix->seed))
		return r < 0 ? -errno : -EIO;
	ix->slots = calloc(n, sizeof(*ix->slots));
	if (!ix->slots)
		return -ENOMEM;
	ix->mask = (uint32_t)(n - 1);
	return 0;
}

static struct shape shape_of(const struct conn *c)
{
	const struct conf_ts *l = &c->local.subnet, *r = &c->remote.subnet;

	return (struct shape){(uint8_t)l->addr.family,
			      l->prefixlen,
			      l->proto,
			      (uint8_t)r->addr.family,
			      r->prefixlen,
			      r->proto,
			      l->port,
			      r->port};
}

static bool shape_equal(const struct shape *a, const struct shape *b)
{
	return a->lfam == b->lfam && a->lplen == b->lplen && a->lproto == b->lproto &&
	       a->rfam == b->rfam && a->rplen == b->rplen && a->rproto == b->rproto &&
	       a->lport == b->lport && a->rport == b->rport;
}

static void shapes_collect(struct conn_index *ix)
{
	const struct conf *c = ix->conf;
	struct shape sh;
	uint32_t i;
	unsigned j;

	for (i = 0; i < c->nconns && !ix->shapes_overflow; i++) {
		if (c->conns[i].auto_ == AUTO_IGNORE || !conn_has_subnets(&c->conns[i]))
			continue;
		sh = shape_of(&c->conns[i]);
		for (j = 0; j < ix->nshapes && !shape_equal(&ix->shapes[j], &sh); j++)
			;
		if (j < ix->nshapes)
			continue;
		if (ix->nshapes == SHAPES_MAX)
			ix->shapes_overflow = true;
		else
			ix->shapes[ix->nshapes++] = sh;
	}
}

int conn_index_build(const struct conf *c, struct conn_index **out)
{
	struct conn_index *ix = calloc(1, sizeof(*ix));
	uint32_t *eid = NULL, *fill = NULL, i, k, at = 0;
	int err = -ENOMEM;

	*out = NULL;
	if (!ix)
		return -ENOMEM;
	ix->conf = c;
	ix->entries = calloc(NKEYS * (size_t)c->nconns + 1, sizeof(*ix->entries));
	ix->idx = calloc(NKEYS * (size_t)c->nconns + 1, sizeof(*ix->idx));
	eid = calloc(NKEYS * (size_t)c->nconns + 1, sizeof(*eid));
	if (!ix->entries || !ix->idx || !eid)
		goto out;
	err = slots_init(ix, c->nconns);
	if (err)
		goto out;
	count_all(ix, eid);
	shapes_collect(ix);
	fill = calloc(ix->nentries + 1, sizeof(*fill));
	if (!fill) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ix->nentries; i++) {
		ix->entries[i].start = at;
		at += ix->entries[i].count;
	}
	for (i = 0; i < c->nconns; i++)
		for (k = 0; k < NKEYS && c->conns[i].auto_ != AUTO_IGNORE; k++) {
			struct entry *e = &ix->entries[eid[NKEYS * i + k]];

			ix->idx[e->start + fill[eid[NKEYS * i + k]]++] = i;
		}
	*out = ix;
	ix = NULL;
	err = 0;
out:
	free(fill);
	free(eid);
	conn_index_free(ix);
	return err;
}

void conn_index_free(struct conn_index *ix)
{
	if (!ix)
		return;
	free(ix->slots);
	free(ix->entries);
	free(ix->idx);
	free(ix);
}

const struct conf *conn_index_conf(const struct conn_index *ix)
{
	return ix->conf;
}

/* The first conn of e's list at index from or later; UINT32_MAX: none. */
static uint32_t first_from(const struct conn_index *ix, const struct entry *e, uint32_t from)
{
	uint32_t lo, hi, mid;

	if (!e)
		return UINT32_MAX;
	lo = e->start;
	hi = e->start + e->count;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->idx[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->start + e->count ? ix->idx[lo] : UINT32_MAX;
}

/* Where a walk goes on after prev, as the scan computes it. */
static void walk_start(const struct conn_index *ix, const struct conn *prev, unsigned *pass,
		       uint32_t *from)
{
	*from = prev ? (unsigned)(prev - ix->conf->conns) + 1 : 0;
	*pass = prev && prev->remote.addr.family == AF_UNSPEC ? 1 : 0;
}

const struct conn *conn_index_next(const struct conn_index *ix, const struct sockaddr *local,
				   const struct sockaddr *remote, const struct conn *prev)
{
	uint32_t from, i;
	unsigned pass;
	struct key k;

	walk_start(ix, prev, &pass, &from);
	for (; pass < 2; pass++, from = 0) {
		peer_key(KEY_ADDR, local, pass == 0 ? remote : NULL, &k);
		i = first_from(ix, find(ix, &k), from);
		if (i != UINT32_MAX)
			return &ix->conf->conns[i];
	}
	return NULL;
}

const struct conn *conn_index_next_id(const struct conn_index *ix, const struct sockaddr *local,
				      const struct sockaddr *remote, const struct wire_id *id,
				      const struct conn *prev)
{
	uint32_t from, a, b;
	unsigned pass;
	struct key k;

	walk_start(ix, prev, &pass, &from);
	for (; pass < 2; pass++, from = 0) {
		/* rightid=%any, and this very ID (no configured ID is longer
		 * than 255 bytes or of type 0) */
		peer_key(KEY_ID, local, pass == 0 ? remote : NULL, &k);
		a = first_from(ix, find(ix, &k), from);
		b = UINT32_MAX;
		if (id->type != CONF_ID_ANY && id->data.len <= sizeof(k.id)) {
			put_id(&k, id->type, id->data.p, id->data.len);
			b = first_from(ix, find(ix, &k), from);
		}
		if (a != UINT32_MAX || b != UINT32_MAX)
			return &ix->conf->conns[a < b ? a : b];
	}
	return NULL;
}

const struct conn *conn_scan_next_for_peer(const struct conf *conf, const struct sockaddr *local,
					   const struct sockaddr *remote, const struct conn *prev)
{
	unsigned pass, i = prev ? (unsigned)(prev - conf->conns) + 1 : 0;

	for (pass = prev && prev->remote.addr.family == AF_UNSPEC ? 1 : 0; pass < 2; pass++) {
		for (; i < conf->nconns; i++) {
			const struct conn *c = &conf->conns[i];

			if (c->auto_ == AUTO_IGNORE || !conf_addr_is(&c->local.addr, local))
				continue;
			if (pass == 0 ? conf_addr_is(&c->remote.addr, remote)
				      : c->remote.addr.family == AF_UNSPEC)
				return c;
		}
		i = 0;
	}
	return NULL;
}

/* May a conn of shape sh cover the selector ts on one side?  Then the
 * key of ts cut to that shape is what such a conn was filed under. */
static bool shape_side_fits(uint8_t fam, uint8_t plen, uint8_t proto, uint16_t port,
			    const struct conf_ts *ts)
{
	return fam == ts->addr.family && plen <= ts->prefixlen && (!proto || proto == ts->proto) &&
	       (!port || port == ts->port);
}

/* The first conn at index from or later, between these addresses (remote
 * NULL: right=%any), filed under a subnet pair that covers (local_ts,
 * remote_ts), or without subnets; UINT32_MAX: none. */
static uint32_t first_ts_from(const struct conn_index *ix, const struct sockaddr *local,
			      const struct sockaddr *remote, const struct conf_ts *local_ts,
			      const struct conf_ts *remote_ts, uint32_t from)
{
	const struct shape *sh;
	uint32_t best, i;
	unsigned j;
	struct key k;

	peer_key(KEY_TS, local, remote, &k);
	best = first_from(ix, find(ix, &k), from); /* those without subnets */
	k.idtype = TS_KEYED;
	k.idlen = 2 * TS_KEY_LEN;
	for (j = 0; j < ix->nshapes; j++) {
		sh = &ix->shapes[j];
		if (!shape_side_fits(sh->lfam, sh->lplen, sh->lproto, sh->lport, local_ts) ||
		    !shape_side_fits(sh->rfam, sh->rplen, sh->rproto, sh->rport, remote_ts))
			continue;
		put_ts(k.id, local_ts, sh->lplen, sh->lproto, sh->lport);
		put_ts(k.id + TS_KEY_LEN, remote_ts, sh->rplen, sh->rproto, sh->rport);
		i = first_from(ix, find(ix, &k), from);
		if (i < best)
			best = i;
	}
	return best;
}

const struct conn *conn_index_next_ts(const struct conn_index *ix, const struct sockaddr *local,
				      const struct sockaddr *remote, const struct conf_ts *local_ts,
				      const struct conf_ts *remote_ts, const struct conn *prev)
{
	uint32_t from, i;
	unsigned pass;

	if (ix->shapes_overflow)
		return conn_index_next(ix, local, remote, prev);
	walk_start(ix, prev, &pass, &from);
	for (; pass < 2; pass++, from = 0) {
		i = first_ts_from(ix, local, pass == 0 ? remote : NULL, local_ts, remote_ts, from);
		if (i != UINT32_MAX)
			return &ix->conf->conns[i];
	}
	return NULL;
}
