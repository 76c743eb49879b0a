/* The connection of a running SA.  SAs and Quick Modes of one connection
 * share a reference that points into the running configuration (no copy
 * per SA); a reload gives each reference its own copy first, so what a
 * running SA negotiated with does not change under it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/by_conn.h"
#include "ike/creds.h"
#include "ike/ike.h"
#include "ike/quick.h"
#include "ike/ra.h"
#include "ike/ra_hold.h"
#include "util/log.h"

#define NO_INDEX (~0u)

/* c's index in the running configuration, or NO_INDEX. */
static unsigned conn_index(const struct ike_daemon *d, const struct conn *c)
{
	uintptr_t p = (uintptr_t)c, first;

	if (!d->conf || !d->conf->nconns)
		return NO_INDEX;
	first = (uintptr_t)d->conf->conns;
	if (p < first || p >= first + d->conf->nconns * sizeof(*c) || (p - first) % sizeof(*c))
		return NO_INDEX;
	return (unsigned)((p - first) / sizeof(*c));
}

struct conn_ref *conn_ref_get(struct ike_daemon *d, const struct conn *c)
{
	unsigned idx = conn_index(d, c);
	struct conn_ref *r;

	if (idx != NO_INDEX && d->nconn_refs != d->conf->nconns) {
		free(d->conn_refs);
		d->conn_refs = calloc(d->conf->nconns, sizeof(*d->conn_refs));
		d->nconn_refs = d->conn_refs ? d->conf->nconns : 0;
		if (!d->conn_refs)
			return NULL;
	}
	if (idx != NO_INDEX && d->conn_refs[idx]) {
		d->conn_refs[idx]->refs++;
		return d->conn_refs[idx];
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->refs = 1;
	r->gen = d->conf_gen;
	r->idx = idx;
	r->c = c;
	if (idx != NO_INDEX) {
		d->conn_refs[idx] = r;
		return r;
	}
	/* Not of the running configuration: a copy of its own. */
	r->copy = malloc(sizeof(*r->copy));
	if (!r->copy) {
		free(r);
		return NULL;
	}
	*r->copy = *c;
	ra_conn_own_strings(r->copy); /* conn.ra's strings live in the conf */
	r->c = r->copy;
	return r;
}

void conn_ref_put(struct ike_daemon *d, struct conn_ref *r)
{
	if (!r || --r->refs)
		return;
	if (r->idx != NO_INDEX && r->gen == d->conf_gen && r->idx < d->nconn_refs &&
	    d->conn_refs[r->idx] == r)
		d->conn_refs[r->idx] = NULL;
	if (r->copy)
		ra_conn_free_strings(r->copy);
	free(r->copy);
	free(r);
}

int ike_sa_set_conn(struct ike_sa *sa, const struct conn *c)
{
	struct conn_ref *r = conn_ref_get(sa->d, c);

	if (!r)
		return -ENOMEM;
	conn_ref_put(sa->d, sa->cref);
	sa->cref = r;
	sa->conn = r->c;
	/* c is of the running configuration: its credentials go with it. */
	if (sa->creds != sa->d->creds) {
		ike_creds_put(sa->creds);
		sa->creds = ike_creds_get(sa->d->creds);
	}
	ike_sa_index(sa);
	return 0;
}

int quick_set_conn(struct quick *q, const struct conn *c)
{
	struct conn_ref *r = q->sa->cref;

	/* The ISAKMP SA's own connection, perhaps from before a reload. */
	if (c == q->sa->conn)
		r->refs++;
	else if (!(r = conn_ref_get(q->sa->d, c)))
		return -ENOMEM;
	conn_ref_put(q->sa->d, q->cref);
	q->cref = r;
	q->conn = r->c;
	return 0;
}

static bool ref_detached(const struct conn_ref *r)
{
	return !r || r->copy;
}

/* Holders cache r->c: point them at the copies; those whose copy could
 * not be made cannot outlive the configuration, and end. */
static void conn_refs_repoint(struct ike_daemon *d)
{
	struct ike_sa *sa, *next_sa;
	struct quick *q, *next_q;

	for (sa = d->sas; sa; sa = next_sa) {
		next_sa = sa->next;
		if (!ref_detached(sa->cref)) {
			ike_sa_log(
				sa, LOG_LVL_ERR,
				"out of memory keeping its connection over the reload: SA ended");
			ike_sa_free(sa);
			continue;
		}
		sa->conn = sa->cref->c;
		for (q = sa->quicks; q; q = next_q) {
			next_q = q->next_in_sa;
			if (!ref_detached(q->cref))
				quick_free(q);
			else if (q->cref)
				q->conn = q->cref->c;
		}
	}
}

int conn_refs_detach(struct ike_daemon *d)
{
	int err = 0;
	unsigned i;

	for (i = 0; i < d->nconn_refs; i++) {
		struct conn_ref *r = d->conn_refs[i];

		if (!r)
			continue;
		r->copy = malloc(sizeof(*r->copy));
		if (!r->copy) {
			err = -ENOMEM;
			continue;
		}
		*r->copy = *r->c;
		ra_conn_own_strings(r->copy);
		ra_conn_keep_pool(d, r->copy); /* conn.ra.pool indexes this conf */
		r->c = r->copy;
		r->idx = NO_INDEX;
	}
	conn_refs_free(d);
	d->conf_gen++;
	conn_refs_repoint(d);
	return err;
}

void conn_refs_free(struct ike_daemon *d)
{
	free(d->conn_refs);
	d->conn_refs = NULL;
	d->nconn_refs = 0;
}
