/* Address pools (ike/lease.h).  An address is an index into first..last.
 * Indices below `unused` have been handed out and each belongs to exactly
 * one struct lease, found by identity (a hash) and by index (an array that
 * grows with `unused`); the ones at or above it never were.  Leases are on
 * one of two lists: online, or offline in the order they went offline, so
 * that taking the one offline longest is the head.  Every operation is
 * O(1) but for the identity's hash and the array's doubling.
 *
 * strongSwan's mem_pool (src/libcharon/attributes/mem_pool.c) does the
 * same in three steps: get_existing (the identity's own lease, online or
 * offline), get_new (++unused: the lowest never-used address), then
 * get_reassigned (another identity's offline lease).  There the last one
 * takes the first offline lease in its hash table's order; here it is the
 * one offline longest, as lease.h says.  strongSwan keeps one lease per
 * (identity, peer address) online; here an identity holds one address and
 * a second SA of it counts a second holder. */
#include "ike/lease.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/hash.h"

struct lease {
	struct hnode node; /* p->ids, by identity */
	struct lease *prev, *next;
	uint32_t index;
	unsigned holders; /* 0: offline */
	size_t idlen;
	char id[];
};

struct lease_list {
	struct lease *head, *tail;
	unsigned n;
};

struct lease_pool {
	char *name;
	struct conf_addr first, last;
	uint32_t size, unused;
	uint32_t holes;		 /* NULLs below unused: adopted leases (lease_pool_adopt) */
	struct lease **by_index; /* [unused], grown by doubling up to size */
	uint32_t cap;
	struct htable ids;
	struct lease_list online, offline;
};

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* a - b as a number, when a >= b and the difference is below 2^32 - 1;
 * else UINT32_MAX.  Big-endian bytes of one family. */
static uint32_t addr_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t d[16];
	int borrow = 0;
	uint32_t v = 0;

	for (size_t i = len; i-- > 0;) {
		int x = a[i] - b[i] - borrow;

		borrow = x < 0;
		d[i] = (uint8_t)(x + (borrow ? 256 : 0));
	}
	if (borrow)
		return UINT32_MAX;
	for (size_t i = 0; i + 4 < len; i++)
		if (d[i])
			return UINT32_MAX;
	for (size_t i = len - 4; i < len; i++)
		v = v << 8 | d[i];
	return v;
}

static void index_addr(const struct lease_pool *p, uint32_t index, struct conf_addr *out)
{
	size_t len = addr_len(p->first.family);
	unsigned carry = 0;

	*out = p->first;
	for (size_t i = len; i-- > 0;) {
		unsigned x = out->a.b[i] + (index & 0xff) + carry;

		out->a.b[i] = (uint8_t)x;
		carry = x >> 8;
		index >>= 8;
	}
}

/* The index of a in p, or UINT32_MAX when it is not in the pool. */
static uint32_t addr_index(const struct lease_pool *p, const struct conf_addr *a)
{
	uint32_t i;

	if (a->family != p->first.family)
		return UINT32_MAX;
	i = addr_diff(a->a.b, p->first.a.b, addr_len(a->family));
	return i < p->size ? i : UINT32_MAX;
}

int lease_pool_new(const char *name, const struct conf_addr *first, const struct conf_addr *last,
		   struct lease_pool **out)
{
	struct lease_pool *p;
	uint32_t span;
	int err;

	*out = NULL;
	if (first->family != last->family ||
	    (first->family != AF_INET && first->family != AF_INET6))
		return -EINVAL;
	span = addr_diff(last->a.b, first->a.b, addr_len(first->family));
	if (span >= LEASE_POOL_MAX)
		return -EINVAL; /* last before first, or too many */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->name = strdup(name ? name : "");
	err = p->name ? htable_init(&p->ids) : -ENOMEM;
	if (err) {
		free(p->name);
		free(p);
		return err;
	}
	p->first = *first;
	p->last = *last;
	p->size = span + 1;
	*out = p;
	return 0;
}

void lease_pool_free(struct lease_pool *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->unused; i++)
		free(p->by_index[i]); /* a hole is NULL */
	free(p->by_index);
	htable_free(&p->ids);
	free(p->name);
	free(p);
}

const char *lease_pool_name(const struct lease_pool *p)
{
	return p->name;
}

bool lease_pool_same(const struct lease_pool *p, const struct conf_addr *first,
		     const struct conf_addr *last)
{
	size_t len = addr_len(p->first.family);

	return first->family == p->first.family && last->family == p->last.family &&
	       memcmp(first->a.b, p->first.a.b, len) == 0 &&
	       memcmp(last->a.b, p->last.a.b, len) == 0;
}

static void list_del(struct lease_list *l, struct lease *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	l->n--;
}

static void list_add_tail(struct lease_list *l, struct lease *e)
{
	e->next = NULL;
	e->prev = l->tail;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	l->n++;
}

static struct lease *find(const struct lease_pool *p, const char *id, size_t len)
{
	uint64_t h = htable_hash(&p->ids, id, len);

	for (struct hnode *n = htable_first(&p->ids, h); n; n = htable_next(n, h)) {
		struct lease *e = container_of(n, struct lease, node);

		if (e->idlen == len && memcmp(e->id, id, len) == 0)
			return e;
	}
	return NULL;
}

/* Room in by_index for index `upto` (one more never-used index: unused). */
static int grow_to(struct lease_pool *p, uint32_t upto)
{
	struct lease **n;
	uint32_t cap;

	if (upto < p->cap)
		return 0;
	cap = p->cap ? p->cap * 2 : 16;
	while (cap <= upto)
		cap *= 2;
	if (cap > p->size)
		cap = p->size;
	n = realloc(p->by_index, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->by_index = n;
	p->cap = cap;
	return 0;
}

static int grow(struct lease_pool *p)
{
	return grow_to(p, p->unused);
}

/* A never-used index below unused (left by lease_pool_adopt), or
 * UINT32_MAX.  A scan: holes exist only after a reload changed a range. */
static uint32_t hole(const struct lease_pool *p)
{
	if (!p->holes)
		return UINT32_MAX;
	for (uint32_t i = 0; i < p->unused; i++)
		if (!p->by_index[i])
			return i;
	return UINT32_MAX;
}

/* A new online lease of identity at index (by_index[index] is set by the
 * caller). */
static struct lease *lease_make(struct lease_pool *p, const char *id, size_t len, uint32_t index)
{
	struct lease *e = calloc(1, sizeof(*e) + len + 1);

	if (!e)
		return NULL;
	memcpy(e->id, id, len);
	e->idlen = len;
	e->index = index;
	e->holders = 1;
	htable_add(&p->ids, &e->node, htable_hash(&p->ids, id, len));
	list_add_tail(&p->online, e);
	return e;
}

int lease_acquire(struct lease_pool *p, const char *identity, struct conf_addr *out)
{
	size_t len = identity ? strnlen(identity, LEASE_ID_MAX + 1) : 0;
	struct lease *e, *old;
	uint32_t h;

	if (len == 0 || len > LEASE_ID_MAX)
		return -EINVAL;
	e = find(p, identity, len);
	if (e) {
		if (e->holders++ == 0) {
			list_del(&p->offline, e);
			list_add_tail(&p->online, e);
		}
	} else if ((h = hole(p)) != UINT32_MAX) {
		e = lease_make(p, identity, len, h);
		if (!e)
			return -ENOMEM;
		p->by_index[h] = e;
		p->holes--;
	} else if (p->unused < p->size) {
		if (grow(p))
			return -ENOMEM;
		e = lease_make(p, identity, len, p->unused);
		if (!e)
			return -ENOMEM;
		p->by_index[p->unused++] = e;
	} else if ((old = p->offline.head)) {
		e = lease_make(p, identity, len, old->index);
		if (!e)
			return -ENOMEM;
		list_del(&p->offline, old);
		htable_del(&p->ids, &old->node);
		p->by_index[old->index] = e;
		free(old);
	} else {
		return -ENOSPC;
	}
	index_addr(p, e->index, out);
	return 0;
}

int lease_release(struct lease_pool *p, const char *identity, const struct conf_addr *a)
{
	size_t len = identity ? strnlen(identity, LEASE_ID_MAX + 1) : 0;
	uint32_t index = addr_index(p, a);
	struct lease *e;

	if (len == 0 || len > LEASE_ID_MAX || index == UINT32_MAX)
		return -ENOENT;
	e = find(p, identity, len);
	if (!e || e->index != index || e->holders == 0)
		return -ENOENT;
	if (--e->holders == 0) {
		list_del(&p->online, e);
		list_add_tail(&p->offline, e);
	}
	return 0;
}

bool lease_pool_has(const struct lease_pool *p, const struct conf_addr *a)
{
	return addr_index(p, a) != UINT32_MAX;
}

bool lease_held(const struct lease_pool *p, const char *identity, const struct conf_addr *a)
{
	size_t len = identity ? strnlen(identity, LEASE_ID_MAX + 1) : 0;
	uint32_t index = addr_index(p, a);
	const struct lease *e;

	if (len == 0 || len > LEASE_ID_MAX || index == UINT32_MAX)
		return false;
	e = find(p, identity, len);
	return e && e->index == index;
}

/* Moves e (of from, at from's index) to `to` at index i. */
static int adopt_one(struct lease_pool *to, struct lease_pool *from, struct lease *e, uint32_t i)
{
	uint32_t k;

	if (grow_to(to, i))
		return -ENOMEM;
	for (k = to->unused; k < i; k++) {
		to->by_index[k] = NULL;
		to->holes++;
	}
	if (i >= to->unused)
		to->unused = i + 1;
	else
		to->holes--; /* i was a hole */
	list_del(e->holders ? &from->online : &from->offline, e);
	htable_del(&from->ids, &e->node);
	from->by_index[e->index] = NULL;
	from->holes++;
	e->index = i;
	htable_add(&to->ids, &e->node, htable_hash(&to->ids, e->id, e->idlen));
	list_add_tail(e->holders ? &to->online : &to->offline, e);
	to->by_index[i] = e;
	return 0;
}

int lease_pool_adopt(struct lease_pool *to, struct lease_pool *from)
{
	struct lease_list *lists[] = {&from->online, &from->offline};
	struct lease *e, *next;
	struct conf_addr a;
	uint32_t i;
	int err;

	for (size_t l = 0; l < 2; l++) {
		for (e = lists[l]->head; e; e = next) {
			next = e->next;
			index_addr(from, e->index, &a);
			i = addr_index(to, &a);
			if (i == UINT32_MAX || (i < to->unused && to->by_index[i]) ||
			    find(to, e->id, e->idlen))
				continue; /* outside, taken, or the identity has one there */
			err = adopt_one(to, from, e, i);
			if (err)
				return err;
		}
	}
	return 0;
}

void lease_pool_counts(const struct lease_pool *p, struct lease_counts *c)
{
	c->size = p->size;
	c->online = p->online.n;
	c->offline = p->offline.n;
}

void lease_pool_walk(const struct lease_pool *p, lease_fn fn, void *arg)
{
	const struct lease_list *lists[] = {&p->online, &p->offline};
	struct conf_addr a;

	for (size_t i = 0; i < 2; i++) {
		for (const struct lease *e = lists[i]->head; e; e = e->next) {
			index_addr(p, e->index, &a);
			fn(e->id, &a, e->holders > 0, e->holders, arg);
		}
	}
}
