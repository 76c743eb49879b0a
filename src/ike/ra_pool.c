/* The daemon's address pools across reloads (ra_hold.h) and its
 * rtnetlink socket for a Mode Config client's address (ra.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/lease.h"
#include "ike/ra.h"
#include "ike/ra_hold.h"
#include "kernel/vip.h"
#include "util/log.h"
#include "wire/isakmp.h"

#define RA_CONN_NAME sizeof(((struct conn *)0)->name)

struct ra_pool {
	struct lease_pool *lp;
	unsigned holds; /* ra_holds with a lease in it */
};

struct ra_daemon {
	struct ra_pool **pools;
	unsigned npools;
	struct ra_hold *holds;
	struct vip_nl *vip;
	int vip_err; /* opening it failed: never again (seccomp kills a late socket()) */
	char (*warned)[RA_CONN_NAME]; /* ra_warn_open_ids: conns warned about, in ... */
	unsigned nwarned, warned_gen; /* ... this configuration (conf_gen) */
};

static struct ra_daemon *ra_daemon(struct ike_daemon *d)
{
	if (!d->ra)
		d->ra = calloc(1, sizeof(*d->ra));
	return d->ra;
}

struct ra_hold **ra_holds(struct ike_daemon *d)
{
	struct ra_daemon *rd = ra_daemon(d);

	return rd ? &rd->holds : NULL;
}

struct lease_pool *ra_pool_lease_pool(const struct ra_pool *p)
{
	return p->lp;
}

void ra_pool_ref(struct ra_pool *p)
{
	p->holds++;
}

void ra_pool_unref(struct ike_daemon *d, struct ra_pool *p)
{
	if (p->holds)
		p->holds--;
	if (!p->holds)
		ra_pools_gc(d);
}

bool ra_conn_pool_range(struct ike_daemon *d, const struct conn *c, struct conf_addr *first,
			struct conf_addr *last)
{
	if (c->ra.pool_range[0].family) {
		*first = c->ra.pool_range[0];
		*last = c->ra.pool_range[1];
		return true;
	}
	if (!c->ra.pool || c->ra.pool > d->conf->npools)
		return false;
	*first = d->conf->pools[c->ra.pool - 1].first;
	*last = d->conf->pools[c->ra.pool - 1].last;
	return true;
}

void ra_conn_keep_pool(struct ike_daemon *d, struct conn *c)
{
	struct conf_addr first, last;

	if (!c->ra.pool_range[0].family && ra_conn_pool_range(d, c, &first, &last)) {
		c->ra.pool_range[0] = first;
		c->ra.pool_range[1] = last;
	}
}

static struct ra_pool *pool_find(struct ra_daemon *rd, const struct conf_addr *first,
				 const struct conf_addr *last)
{
	unsigned i;

	for (i = 0; i < rd->npools; i++)
		if (lease_pool_same(rd->pools[i]->lp, first, last))
			return rd->pools[i];
	return NULL;
}

static struct ra_pool *pool_make(struct ra_daemon *rd, const char *name,
				 const struct conf_addr *first, const struct conf_addr *last)
{
	struct ra_pool **grown, *p = pool_find(rd, first, last);

	if (p)
		return p;
	grown = realloc(rd->pools, (rd->npools + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	rd->pools = grown;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (lease_pool_new(name, first, last, &p->lp)) {
		free(p);
		return NULL;
	}
	rd->pools[rd->npools++] = p;
	return p;
}

static bool pool_configured(const struct ike_daemon *d, const struct ra_pool *p)
{
	unsigned i;

	for (i = 0; i < d->conf->npools; i++)
		if (lease_pool_same(p->lp, &d->conf->pools[i].first, &d->conf->pools[i].last))
			return true;
	return false;
}

/* The holds whose lease moved from `from` to `to` follow it. */
static void holds_follow(struct ra_daemon *rd, struct ra_pool *from, struct ra_pool *to)
{
	struct ra_hold *h;

	for (h = rd->holds; h; h = h->next)
		if (h->pool == from && lease_held(to->lp, h->lease_id, &h->vip)) {
			from->holds--;
			to->holds++;
			h->pool = to;
		}
}

void ra_pools_gc(struct ike_daemon *d)
{
	struct ra_daemon *rd = ra_daemon(d);
	struct ra_pool *p;
	unsigned i, j, k;

	if (!rd)
		return;
	/* every configured pool exists, to take over old leases */
	for (i = 0; i < d->conf->npools; i++)
		pool_make(rd, d->conf->pools[i].name, &d->conf->pools[i].first,
			  &d->conf->pools[i].last);
	for (i = 0; i < rd->npools; i++) {
		if (pool_configured(d, rd->pools[i]))
			continue;
		for (j = 0; j < rd->npools; j++)
			if (j != i && pool_configured(d, rd->pools[j]) &&
			    !lease_pool_adopt(rd->pools[j]->lp, rd->pools[i]->lp))
				holds_follow(rd, rd->pools[i], rd->pools[j]);
	}
	for (i = k = 0; i < rd->npools; i++) {
		p = rd->pools[i];
		if (!p->holds && !pool_configured(d, p)) {
			lease_pool_free(p->lp);
			free(p);
			continue;
		}
		rd->pools[k++] = p;
	}
	rd->npools = k;
}

struct ra_pool *ra_pool_range(struct ike_daemon *d, const struct conf_addr *first,
			      const struct conf_addr *last)
{
	struct ra_daemon *rd = ra_daemon(d);
	char name[2 * CONF_ADDR_STRLEN + 2], a[CONF_ADDR_STRLEN], b[CONF_ADDR_STRLEN];
	unsigned i;

	if (!rd)
		return NULL;
	ra_pools_gc(d);
	for (i = 0; i < d->conf->npools; i++)
		if (conf_addr_equal(&d->conf->pools[i].first, first) &&
		    conf_addr_equal(&d->conf->pools[i].last, last))
			return pool_make(rd, d->conf->pools[i].name, first, last);
	/* no longer configured (an SA of a connection a reload changed) */
	conf_addr_str(first, a, sizeof(a));
	conf_addr_str(last, b, sizeof(b));
	snprintf(name, sizeof(name), "%s-%s", a, b);
	return pool_make(rd, name, first, last);
}

void ra_pools_walk(struct ike_daemon *d, ra_pool_fn fn, void *arg)
{
	struct ra_daemon *rd = d->ra || d->conf->npools ? ra_daemon(d) : NULL;
	unsigned i;

	if (!rd)
		return;
	ra_pools_gc(d); /* every configured pool, made now if no SA used it yet */
	for (i = 0; i < rd->npools; i++)
		fn(rd->pools[i]->lp, arg);
}

int ra_vip_nl(struct ike_daemon *d, struct vip_nl **out)
{
	struct ra_daemon *rd = ra_daemon(d);
	int err;

	if (!rd)
		return -ENOMEM;
	if (rd->vip_err)
		return rd->vip_err;
	if (!rd->vip) {
		err = vip_open(&rd->vip);
		if (err) {
			rd->vip_err = err;
			return err;
		}
	}
	*out = rd->vip;
	return 0;
}

void ra_kernel_open(struct ike_daemon *d)
{
	struct vip_nl *v;
	int err = ra_vip_nl(d, &v);

	if (err)
		log_warn("cannot open the routing netlink socket for Mode Config client addresses: "
			 "%s",
			 strerror(-err));
}

#define RA_WARNED_MAX 1024

void ra_warn_open_ids(struct ike_sa *sa)
{
	const struct conn *c = sa->conn;
	struct ra_daemon *rd = ra_daemon(sa->d);
	uint8_t t = c->remote.id.type;
	char(*grown)[RA_CONN_NAME];
	unsigned i;

	if (!rd || !c->ra.modecfg_server || c->ra.xauth == CONN_XAUTH_SERVER ||
	    (t != CONF_ID_ANY && t != ID_KEY_ID))
		return;
	if (rd->warned_gen != sa->d->conf_gen) {
		rd->nwarned = 0;
		rd->warned_gen = sa->d->conf_gen;
	}
	for (i = 0; i < rd->nwarned; i++)
		if (!strcmp(rd->warned[i], c->name))
			return;
	if (rd->nwarned < RA_WARNED_MAX) {
		grown = realloc(rd->warned, (rd->nwarned + 1) * sizeof(*grown));
		if (grown) {
			rd->warned = grown;
			snprintf(rd->warned[rd->nwarned++], RA_CONN_NAME, "%s", c->name);
		}
	}
	log_warn("%s: Mode Config hands out addresses by the peer's phase-1 ID, without XAUTH, "
		 "and %s: any peer with the connection's key can claim another's ID, take its "
		 "address or exhaust the pool; add XAUTH or a rightid per peer",
		 c->name, t == CONF_ID_ANY ? "rightid is %any" : "rightid is a group's KEY_ID");
}

void ra_daemon_free(struct ike_daemon *d)
{
	struct ra_daemon *rd = d->ra;
	struct ra_hold *h;
	unsigned i;

	if (!rd)
		return;
	while ((h = rd->holds)) { /* none left after the SAs and children went */
		rd->holds = h->next;
		free(h);
	}
	for (i = 0; i < rd->npools; i++) {
		lease_pool_free(rd->pools[i]->lp);
		free(rd->pools[i]);
	}
	free(rd->pools);
	free(rd->warned);
	if (rd->vip)
		vip_close(rd->vip);
	free(rd);
	d->ra = NULL;
}
