/* The hold on a remote-access address (ra_hold.h), and one online SA
 * per address. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/child.h"
#include "ike/informational.h"
#include "ike/ra.h"
#include "ike/ra_hold.h"
#include "kernel/vip.h"
#include "net/sockaddr.h"
#include "util/log.h"

static struct ra_hold *hold_new(struct ra_sa *r)
{
	struct ra_hold **list = ra_holds(r->sa->d), *h;

	if (!list)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->d = r->sa->d;
	h->refs = 1;
	h->vip = r->vip;
	h->next = *list;
	if (*list)
		(*list)->prev = h;
	*list = h;
	return h;
}

bool ra_hold_vip_shared(const struct ra_hold *h)
{
	struct ra_hold **list = ra_holds(h->d);
	const struct ra_hold *o;

	for (o = list ? *list : NULL; o; o = o->next)
		if (o != h && o->installed && conf_addr_equal(&o->vip, &h->vip))
			return true;
	return false;
}

/* Client: the address and routes off lo. */
static void hold_uninstall(struct ra_hold *h)
{
	struct xfrm_addr vip = {.family = AF_INET}, dst = {.family = AF_INET};
	struct vip_nl *v;
	unsigned i;

	if (!h->installed || ra_hold_vip_shared(h) || ra_vip_nl(h->d, &v))
		return;
	memcpy(vip.b, &h->vip.a.v4, 4);
	for (i = 0; i < h->nroutes; i++) {
		memcpy(dst.b, &h->routes[i].addr.a.v4, 4);
		vip_route_del(v, &dst, h->routes[i].prefixlen, &vip);
	}
	vip_addr_del(v, &vip, NULL);
}

void ra_hold_put(struct ra_hold *h)
{
	struct ra_hold **list;
	struct ike_daemon *d;

	if (!h || --h->refs)
		return;
	d = h->d;
	list = ra_holds(d);
	if (h->prev)
		h->prev->next = h->next;
	else if (list)
		*list = h->next;
	if (h->next)
		h->next->prev = h->prev;
	if (h->pool)
		lease_release(ra_pool_lease_pool(h->pool), h->lease_id, &h->vip);
	hold_uninstall(h);
	if (h->pool)
		ra_pool_unref(d, h->pool);
	free(h);
}

void ra_child_take(struct child_sa *c, const struct ike_sa *sa)
{
	c->ra_hold = sa->ra ? sa->ra->hold : NULL;
	if (c->ra_hold)
		c->ra_hold->refs++;
}

void ra_child_drop(struct child_sa *c)
{
	struct ra_hold *h = c->ra_hold;

	c->ra_hold = NULL;
	ra_hold_put(h);
}

void ra_hold_sa_gone(struct ra_sa *r)
{
	struct ra_hold *h = r->hold;

	r->hold = NULL;
	ra_hold_put(h);
}

int ra_hold_installed(struct ra_sa *r)
{
	struct ra_hold *h = r->hold ? r->hold : hold_new(r);

	if (!h)
		return -ENOMEM;
	r->hold = h;
	h->installed = true;
	h->nroutes = r->nvip_routes;
	memcpy(h->routes, r->vip_routes, sizeof(h->routes));
	return 0;
}

/* The live hold of id's lease in p, if any. */
static struct ra_hold *hold_of(struct ike_daemon *d, const struct ra_pool *p, const char *id)
{
	struct ra_hold **list = ra_holds(d), *h;

	for (h = list ? *list : NULL; h; h = h->next)
		if (h->pool == p && !strcmp(h->lease_id, id))
			return h;
	return NULL;
}

/* Whether h is the same client's as r's SA: an ISAKMP SA on h from the
 * same address and port (vpnc's phase-1 rekey), or, when they all went,
 * an IPsec SA on h with the same peer address (a reconnect after the
 * ISAKMP SA expired: its IPsec SAs live on, and go on working). */
static bool hold_same_client(const struct ra_hold *h, const struct ra_sa *r)
{
	const struct sockaddr *peer = &r->sa->ep.remote.sa;
	const struct ike_sa *o;
	const struct child_sa *c;
	bool sas = false;

	for (o = r->sa->d->sas; o; o = o->next) {
		if (o == r->sa || !o->ra || o->ra->hold != h)
			continue;
		if (sockaddr_equal(&o->ep.remote.sa, peer))
			return true;
		sas = true;
	}
	if (sas)
		return false;
	for (c = r->sa->d->children; c; c = c->next)
		if (c->ra_hold == h && sockaddr_addr_equal(&c->remote.sa, peer))
			return true;
	return false;
}

/* uniqueids: the ISAKMP SAs of id elsewhere go, with the IPsec SAs on its
 * address (Deletes sent): they would share one selector with ours. */
static void replace_old(struct ra_sa *r, struct ra_hold *h)
{
	struct ike_sa *o, *next_sa;
	struct child_sa *c, *next;
	unsigned nsa = 0, nchild = 0;

	h->refs++; /* the walks below must not free it under us */
	for (c = r->sa->d->children; c; c = next) {
		next = c->next;
		if (c->ra_hold == h) {
			nchild++;
			child_remove(c, true);
			next = r->sa->d->children; /* the list may have changed: again */
		}
	}
	for (o = r->sa->d->sas; o; o = next_sa) {
		next_sa = o->next;
		if (o == r->sa || !o->ra || o->ra->hold != h)
			continue;
		nsa++;
		ike_sa_log(o, LOG_LVL_INFO,
			   "ISAKMP SA removed: '%s' came back under #%u (uniqueids), which takes "
			   "its address",
			   h->lease_id, r->sa->serial);
		if (o->state == IKE_SA_ESTABLISHED)
			info_send_delete_isakmp(o);
		ike_sa_set_why(o, "replaced by a new ISAKMP SA of the same identity (uniqueids)");
		ike_sa_free(o);
		next_sa = r->sa->d->sas;
	}
	ra_log(r, LOG_LVL_INFO,
	       "'%s' was online elsewhere: removed %u ISAKMP SA%s and %u IPsec SA%s (uniqueids)",
	       h->lease_id, nsa, nsa == 1 ? "" : "s", nchild, nchild == 1 ? "" : "s");
	ra_hold_put(h);
}

/* uniqueids=no: the n-th simultaneous SA of id gets a lease of its own,
 * "id#n" (its own address, the same one for the n-th again later). */
static int instance_id(const struct ra_sa *r, const struct ra_pool *p, char *id)
{
	size_t base = strlen(id);
	char tmp[LEASE_ID_MAX + 16];
	unsigned n;

	for (n = 2; hold_of(r->sa->d, p, id) && n < 1000; n++) {
		snprintf(tmp, sizeof(tmp), "%.*s#%u", (int)base, id, n);
		if (strlen(tmp) > LEASE_ID_MAX)
			return -EINVAL;
		memcpy(id, tmp, strlen(tmp) + 1);
	}
	return 0;
}

int ra_hold_lease(struct ra_sa *r, char *why, size_t whylen)
{
	struct ike_sa *sa = r->sa;
	struct ra_pool *p;
	struct ra_hold *h, *old;
	char id[LEASE_ID_MAX + 1];
	size_t idlen;
	int err;

	if (!r->pool_range[0].family) {
		snprintf(why, whylen,
			 "Mode Config: connection %s has no address pool (rightsourceip=, "
			 "rightaddresspool=)",
			 sa->conn->name);
		return -ENOENT;
	}
	p = ra_pool_range(sa->d, &r->pool_range[0], &r->pool_range[1]);
	if (!p) {
		snprintf(why, whylen, "Mode Config: no pool for connection %s: out of memory",
			 sa->conn->name);
		return -ENOMEM;
	}
	/* keyed by the kind of identity: an XAUTH user is not a phase-1 ID */
	idlen = (size_t)snprintf(id, sizeof(id), "%s:%s", r->user[0] ? "xauth" : "id",
				 r->user[0] ? r->user : r->peer_id);
	if (idlen >= sizeof(id)) {
		snprintf(why, whylen,
			 "Mode Config: the identity '%.64s...' is too long for a lease",
			 r->user[0] ? r->user : r->peer_id);
		return -EINVAL;
	}
	old = hold_of(sa->d, p, id);
	if (old && hold_same_client(old, r)) {
		/* the same client's new ISAKMP SA (vpnc's phase-1 rekey): its
		 * address, shared with the old SA and its IPsec SAs */
		r->hold = old;
		r->hold->refs++;
		r->vip = r->hold->vip;
		memcpy(r->lease_id, id, idlen + 1);
		return 0;
	}
	if (old && sa->d->conf->setup.uniqueids) {
		ra_pool_ref(p); /* kept while the old holds go */
		replace_old(r, old);
		ra_pool_unref(sa->d, p);
		p = ra_pool_range(sa->d, &r->pool_range[0], &r->pool_range[1]);
		if (!p) {
			snprintf(why, whylen, "Mode Config: no pool for connection %s",
				 sa->conn->name);
			return -ENOMEM;
		}
	} else if (old && instance_id(r, p, id)) {
		snprintf(why, whylen, "Mode Config: no second lease for '%.64s...'",
			 ra_lease_user(id));
		return -EINVAL;
	}
	err = lease_acquire(ra_pool_lease_pool(p), id, &r->vip);
	if (err == -ENOSPC)
		snprintf(why, whylen, "Mode Config: pool %s is exhausted: no address for '%s'",
			 lease_pool_name(ra_pool_lease_pool(p)), ra_lease_user(id));
	else if (err)
		snprintf(why, whylen, "Mode Config: no address for '%s' from pool %s: %s",
			 ra_lease_user(id), lease_pool_name(ra_pool_lease_pool(p)), strerror(-err));
	if (err)
		return err;
	h = hold_new(r);
	if (!h) {
		lease_release(ra_pool_lease_pool(p), id, &r->vip);
		snprintf(why, whylen, "Mode Config: out of memory");
		return -ENOMEM;
	}
	h->pool = p;
	ra_pool_ref(p);
	memcpy(h->lease_id, id, strlen(id) + 1);
	memcpy(r->lease_id, id, strlen(id) + 1);
	r->hold = h;
	return 0;
}

const char *ra_lease_user(const char *identity)
{
	if (!strncmp(identity, "xauth:", 6))
		return identity + 6;
	if (!strncmp(identity, "id:", 3))
		return identity + 3;
	return identity;
}
