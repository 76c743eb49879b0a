/* ISAKMP SAs and IPsec SAs found by their connection, and established
 * ISAKMP SAs by the identities they were made with.  `oakleyctl up` of
 * one connection among 100,000 must not walk every SA by name: each
 * lookup here walks one hash chain. */
#include <ctype.h>
#include <string.h>

#include "ike/ike.h"
#include "ike/by_conn.h"

static uint64_t name_hash(const struct htable *t, const char *name)
{
	return htable_hash(t, name, strlen(name));
}

/* Both identities in one key, FQDNs in lower case (conf_id_equal ignores
 * their case). */
static size_t ids_key(const struct conn *c, uint8_t key[2 * (2 + 255)])
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

static uint64_t ids_hash(const struct htable *t, const struct conn *c)
{
	uint8_t key[2 * (2 + 255)];

	return htable_hash(t, key, ids_key(c, key));
}

int by_conn_init(struct ike_daemon *d)
{
	int err = htable_init(&d->sa_by_conn);

	if (!err)
		err = htable_init(&d->sa_by_ids);
	if (!err)
		err = htable_init(&d->child_by_conn);
	return err;
}

void by_conn_free(struct ike_daemon *d)
{
	htable_free(&d->sa_by_conn);
	htable_free(&d->sa_by_ids);
	htable_free(&d->child_by_conn);
}

void ike_sa_index(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->d;

	ike_sa_unindex(sa);
	if (!d->sa_by_conn.nb || !sa->conn)
		return;
	htable_add(&d->sa_by_conn, &sa->by_conn, name_hash(&d->sa_by_conn, sa->conn->name));
	htable_add(&d->sa_by_ids, &sa->by_ids, ids_hash(&d->sa_by_ids, sa->conn));
	sa->conn_indexed = true;
}

void ike_sa_unindex(struct ike_sa *sa)
{
	if (!sa->conn_indexed)
		return;
	htable_del(&sa->d->sa_by_conn, &sa->by_conn);
	htable_del(&sa->d->sa_by_ids, &sa->by_ids);
	sa->conn_indexed = false;
}

/* The newest (highest serial) of several, as the newest-first list gave. */
static bool newer(const struct ike_sa *a, const struct ike_sa *best)
{
	return !best || a->serial > best->serial;
}

struct ike_sa *ike_sa_of_conn(struct ike_daemon *d, const char *name)
{
	uint64_t h = name_hash(&d->sa_by_conn, name);
	struct hnode *n;

	for (n = htable_first(&d->sa_by_conn, h); n; n = htable_next(n, h)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, by_conn);

		if (!strcmp(sa->conn->name, name))
			return sa;
	}
	return NULL;
}

struct ike_sa *ike_sa_find_conn(struct ike_daemon *d, const char *name, bool established)
{
	uint64_t h = name_hash(&d->sa_by_conn, name);
	struct ike_sa *sa, *best = NULL;
	struct hnode *n;

	for (n = htable_first(&d->sa_by_conn, h); n; n = htable_next(n, h)) {
		sa = container_of(n, struct ike_sa, by_conn);
		if (!strcmp(sa->conn->name, name) && sa->state != IKE_SA_DEAD &&
		    (!established || sa->state == IKE_SA_ESTABLISHED) && newer(sa, best))
			best = sa;
	}
	return best;
}

/* An established ISAKMP SA that connection c may use: its own, or one
 * between the same gateways that fits it (the same identities, so it is
 * in c's chain of sa_by_ids). */
struct ike_sa *ike_sa_for_conn(struct ike_daemon *d, const struct conn *c)
{
	struct ike_sa *sa = ike_sa_find_conn(d, c->name, true), *best = NULL;
	uint64_t h;
	struct hnode *n;

	if (sa)
		return sa;
	h = ids_hash(&d->sa_by_ids, c);
	for (n = htable_first(&d->sa_by_ids, h); n; n = htable_next(n, h)) {
		sa = container_of(n, struct ike_sa, by_ids);
		if (sa->state == IKE_SA_ESTABLISHED && ike_sa_fits(sa, c) &&
		    (c->remote.addr.family == AF_UNSPEC ||
		     conf_addr_is(&c->remote.addr, &sa->ep.remote)) &&
		    conf_addr_is(&c->local.addr, &sa->ep.local) && newer(sa, best))
			best = sa;
	}
	return best;
}

void child_index(struct child_sa *c)
{
	struct ike_daemon *d = c->d;

	if (!d->child_by_conn.nb)
		return;
	htable_add(&d->child_by_conn, &c->by_conn, name_hash(&d->child_by_conn, c->conn_name));
	c->conn_indexed = true;
}

void child_unindex(struct child_sa *c)
{
	if (!c->conn_indexed)
		return;
	htable_del(&c->d->child_by_conn, &c->by_conn);
	c->conn_indexed = false;
}

struct child_sa *child_find_conn(struct ike_daemon *d, const char *name)
{
	uint64_t h = name_hash(&d->child_by_conn, name);
	struct hnode *n;

	for (n = htable_first(&d->child_by_conn, h); n; n = htable_next(n, h)) {
		struct child_sa *c = container_of(n, struct child_sa, by_conn);

		if (!strcmp(c->conn_name, name))
			return c;
	}
	return NULL;
}
