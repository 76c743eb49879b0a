/* ISAKMP SAs and IPsec SAs found by their connection, and established
 * ISAKMP SAs by the identities they were made with.  `oakleyctl up` of
 * one connection among 100,000 must not walk every SA by name.  SAs with
 * one key form a group (a hash entry with a list), so that filing and
 * unfiling are O(1) even when every SA has the same key: a responder whose
 * one connection takes every peer. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/by_conn.h"
#include "ike/ra.h"
#include "ike/ike.h"
#include "net/sockaddr.h"

#define KEY_MAX (2 * (2 + 255))

struct sa_group {
	struct hnode node;
	struct group_link *head;
	size_t len;
	uint8_t key[];
};

static struct sa_group *group_find(const struct htable *t, const void *key, size_t len)
{
	uint64_t h = htable_hash(t, key, len);
	struct hnode *n;

	for (n = htable_first(t, h); n; n = htable_next(n, h)) {
		struct sa_group *g = container_of(n, struct sa_group, node);

		if (g->len == len && !memcmp(g->key, key, len))
			return g;
	}
	return NULL;
}

static int link_add(struct htable *t, struct group_link *l, const void *key, size_t len)
{
	struct sa_group *g = group_find(t, key, len);

	if (!g) {
		g = calloc(1, sizeof(*g) + len);
		if (!g)
			return -ENOMEM;
		g->len = len;
		memcpy(g->key, key, len);
		htable_add(t, &g->node, htable_hash(t, key, len));
	}
	l->g = g;
	l->prev = NULL;
	l->next = g->head;
	if (g->head)
		g->head->prev = l;
	g->head = l;
	return 0;
}

static void link_del(struct htable *t, struct group_link *l)
{
	struct sa_group *g = l->g;

	if (!g)
		return;
	if (l->prev)
		l->prev->next = l->next;
	else
		g->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	l->g = NULL;
	if (!g->head) {
		htable_del(t, &g->node);
		free(g);
	}
}

static const struct group_link *group_first(const struct htable *t, const void *key, size_t len)
{
	const struct sa_group *g = t->nb ? group_find(t, key, len) : NULL;

	return g ? g->head : NULL;
}

int group_file(struct htable *t, struct group_link *l, const void *key, size_t len)
{
	group_leave(t, l);
	return t->nb ? link_add(t, l, key, len) : -ENOMEM;
}

void group_leave(struct htable *t, struct group_link *l)
{
	link_del(t, l);
}

const struct group_link *group_head(const struct htable *t, const void *key, size_t len)
{
	return group_first(t, key, len);
}

/* Both identities in one key, FQDNs in lower case (conf_id_equal ignores
 * their case). */
static size_t ids_key(const struct conn *c, uint8_t key[KEY_MAX])
{
	const struct conf_id *ids[2] = {&c->remote.id, &c->local.id};
	size_t n = 0, i, j;

	for (i = 0; i < 2; i++) {
		bool fold = ids[i]->type == ID_FQDN || ids[i]->type == ID_USER_FQDN;

		key[n++] = ids[i]->type;
		key[n++] = ids[i]->len;
		for (j = 0; j < ids[i]->len; j++)
			key[n++] = fold ? (uint8_t)tolower(ids[i]->data[j]) : ids[i]->data[j];
	}
	return n;
}

static void groups_free(struct htable *t)
{
	struct hiter it;
	struct hnode *n;

	for (n = htable_iter_first(t, &it); n; n = htable_iter_next(&it)) {
		struct sa_group *g = container_of(n, struct sa_group, node);
		struct group_link *l;

		for (l = g->head; l; l = l->next)
			l->g = NULL;
		htable_del(t, n);
		free(g);
	}
	htable_free(t);
}

int by_conn_init(struct ike_daemon *d)
{
	int err = htable_init(&d->sa_by_conn);

	if (!err)
		err = htable_init(&d->sa_by_ids);
	if (!err)
		err = htable_init(&d->child_by_conn);
	if (!err)
		err = htable_init(&d->quick_wait_by_conn);
	if (!err)
		err = htable_init(&d->sa_by_peer);
	if (!err)
		err = htable_init(&d->child_by_ts);
	return err;
}

void by_conn_free(struct ike_daemon *d)
{
	groups_free(&d->sa_by_conn);
	groups_free(&d->sa_by_ids);
	groups_free(&d->child_by_conn);
	groups_free(&d->quick_wait_by_conn);
	groups_free(&d->sa_by_peer);
	groups_free(&d->child_by_ts);
}

/* Unfiled on failure (no memory): the lookups then do not see the SA. */
void ike_sa_index(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->d;
	uint8_t key[KEY_MAX];

	ike_sa_unindex(sa);
	if (!d->sa_by_conn.nb || !sa->conn)
		return;
	if (link_add(&d->sa_by_conn, &sa->by_conn, sa->conn->name, strlen(sa->conn->name)) ||
	    link_add(&d->sa_by_ids, &sa->by_ids, key, ids_key(sa->conn, key)))
		ike_sa_unindex(sa);
}

void ike_sa_unindex(struct ike_sa *sa)
{
	link_del(&sa->d->sa_by_conn, &sa->by_conn);
	link_del(&sa->d->sa_by_ids, &sa->by_ids);
}

struct ike_sa *ike_sa_of_conn(struct ike_daemon *d, const char *name)
{
	const struct group_link *l = group_first(&d->sa_by_conn, name, strlen(name));

	return l ? container_of(l, struct ike_sa, by_conn) : NULL;
}

/* The newest (highest serial) of several, as the newest-first list gave. */
static bool newer(const struct ike_sa *a, const struct ike_sa *best)
{
	return !best || a->serial > best->serial;
}

struct ike_sa *ike_sa_find_conn(struct ike_daemon *d, const char *name, bool established)
{
	const struct group_link *l;
	struct ike_sa *sa, *best = NULL;

	for (l = group_first(&d->sa_by_conn, name, strlen(name)); l; l = l->next) {
		sa = container_of(l, struct ike_sa, by_conn);
		if (sa->state != IKE_SA_DEAD && (!established || sa->state == IKE_SA_ESTABLISHED) &&
		    newer(sa, best))
			best = sa;
	}
	return best;
}

/* The newest established SA of connection name whose XAUTH / Mode Config
 * is done (a remote-access client's, after a phase-1 rekey: ra.h
 * ra_sa_ready), else sa (its Quick Modes wait: ra_quick_wait). */
static struct ike_sa *ready_of_conn(struct ike_daemon *d, const char *name, struct ike_sa *sa)
{
	const struct group_link *l;
	struct ike_sa *o, *best = NULL;

	for (l = group_first(&d->sa_by_conn, name, strlen(name)); l; l = l->next) {
		o = container_of(l, struct ike_sa, by_conn);
		if (o->state == IKE_SA_ESTABLISHED && ra_sa_ready(o) && newer(o, best))
			best = o;
	}
	return best ? best : sa;
}

/* An established ISAKMP SA that connection c may use: its own, or one
 * between the same gateways that fits it (the same identities, so it is
 * in the group of c's). */
struct ike_sa *ike_sa_for_conn(struct ike_daemon *d, const struct conn *c)
{
	struct ike_sa *sa = ike_sa_find_conn(d, c->name, true), *best = NULL;
	const struct group_link *l;
	uint8_t key[KEY_MAX];

	if (sa && !ra_sa_ready(sa))
		sa = ready_of_conn(d, c->name, sa);
	if (sa)
		return sa;
	for (l = group_first(&d->sa_by_ids, key, ids_key(c, key)); l; l = l->next) {
		sa = container_of(l, struct ike_sa, by_ids);
		if (sa->state == IKE_SA_ESTABLISHED && ike_sa_fits(sa, c) &&
		    (c->remote.addr.family == AF_UNSPEC ||
		     conf_addr_is(&c->remote.addr, &sa->ep.remote.sa)) &&
		    conf_addr_is(&c->local.addr, &sa->ep.local.sa) && newer(sa, best))
			best = sa;
	}
	return best;
}

/* A peer's address as a key: family, then its bytes (no port, as
 * sockaddr_addr_equal compares them). */
static size_t peer_key(const struct sockaddr *ss, uint8_t key[17])
{
	size_t len = 0;
	const void *p = sockaddr_addr((const struct sockaddr *)ss, &len);

	key[0] = (uint8_t)ss->sa_family;
	if (!p || len > 16)
		len = 0;
	memcpy(key + 1, p, len);
	return 1 + len;
}

void ike_sa_file_peer(struct ike_sa *sa)
{
	uint8_t key[17];

	/* without memory it is not found: INITIAL-CONTACT may go out again */
	group_file(&sa->d->sa_by_peer, &sa->by_peer, key, peer_key(&sa->ep.remote.sa, key));
}

void ike_sa_unfile_peer(struct ike_sa *sa)
{
	link_del(&sa->d->sa_by_peer, &sa->by_peer);
}

const struct group_link *ike_sa_peer_first(const struct ike_sa *sa)
{
	uint8_t key[17];

	return group_first(&sa->d->sa_by_peer, key, peer_key(&sa->ep.remote.sa, key));
}

bool ike_sa_peer_has_other(const struct ike_sa *sa)
{
	const struct group_link *l;
	const struct ike_sa *o;
	uint8_t key[17];

	for (l = group_first(&sa->d->sa_by_peer, key, peer_key(&sa->ep.remote.sa, key)); l;
	     l = l->next) {
		o = container_of(l, struct ike_sa, by_peer);
		if (o != sa && o->state == IKE_SA_ESTABLISHED)
			return true;
	}
	return false;
}

#define TS_KEY_LEN 21

/* A selector as ts_equal compares it: family, prefix length, protocol,
 * port, the address cut to the prefix. */
static void ts_key(const struct conf_ts *ts, uint8_t *out)
{
	unsigned i, plen = ts->prefixlen;

	memset(out, 0, TS_KEY_LEN);
	out[0] = (uint8_t)ts->addr.family;
	out[1] = ts->prefixlen;
	out[2] = ts->proto;
	out[3] = (uint8_t)(ts->port >> 8);
	out[4] = (uint8_t)ts->port;
	for (i = 0; i < 16 && 8 * i < plen; i++)
		out[5 + i] = ts->addr.a.b[i] &
			     (uint8_t)(plen >= 8 * (i + 1) ? 0xff : 0xff << (8 - (plen - 8 * i)));
}

static void ts_pair_key(const struct child_sa *c, uint8_t key[2 * TS_KEY_LEN])
{
	ts_key(&c->ts_local, key);
	ts_key(&c->ts_remote, key + TS_KEY_LEN);
}

void child_index(struct child_sa *c)
{
	struct ike_daemon *d = c->d;
	uint8_t key[2 * TS_KEY_LEN];

	if (d->child_by_conn.nb)
		link_add(&d->child_by_conn, &c->by_conn, c->conn_name, strlen(c->conn_name));
	ts_pair_key(c, key);
	group_file(&d->child_by_ts, &c->by_ts, key, sizeof(key));
}

void child_unindex(struct child_sa *c)
{
	link_del(&c->d->child_by_conn, &c->by_conn);
	link_del(&c->d->child_by_ts, &c->by_ts);
}

const struct child_sa *child_next_same_ts(const struct child_sa *c, const struct child_sa *after)
{
	const struct group_link *l = after	  ? after->by_ts.next
				     : c->by_ts.g ? c->by_ts.g->head
						  : NULL;

	for (; l; l = l->next)
		if (l != &c->by_ts)
			return container_of(l, struct child_sa, by_ts);
	return NULL;
}

const struct child_sa *child_first_by_ts(struct ike_daemon *d, const struct conf_ts *l,
					 const struct conf_ts *r)
{
	uint8_t key[2 * TS_KEY_LEN];
	const struct group_link *g;

	ts_key(l, key);
	ts_key(r, key + TS_KEY_LEN);
	g = group_head(&d->child_by_ts, key, sizeof(key));
	return g ? container_of(g, struct child_sa, by_ts) : NULL;
}

struct child_sa *child_find_conn(struct ike_daemon *d, const char *name)
{
	const struct group_link *l = group_first(&d->child_by_conn, name, strlen(name));

	return l ? container_of(l, struct child_sa, by_conn) : NULL;
}
