/* What a remote-access ISAKMP SA hands to the IPsec SAs made under it
 * (review of issue 11, finding 2): a server's lease, a client's virtual
 * IP on lo with its routes.  A refcounted hold: one reference for each
 * ISAKMP SA that uses it, one for each child_sa made under such an SA;
 * when the last goes, the lease is released and the address and routes
 * are removed (unless another hold has the same address installed).
 * IPsec SAs outlive their ISAKMP SA in IKEv1 (a phase-1 rekey must not
 * drop packets), so the address stays theirs until they go.
 *
 * Pools (findings 3 and 10): one per range; an SA resolves its pool by
 * the range of its connection at establishment, never by an index into
 * a later configuration.  After a reload, a pool whose range is no longer
 * configured gives its leases (online and offline) to configured pools
 * that contain their addresses, and is freed once no hold is in it.
 *
 * One online SA per address (finding 4): see ra_hold_lease. */
#ifndef OAKLEY_IKE_RA_HOLD_H
#define OAKLEY_IKE_RA_HOLD_H

#include <stdbool.h>

#include "conf/conf.h"
#include "ike/ike.h"
#include "ike/lease.h"

struct ra_pool;
struct ra_sa;

struct ra_hold {
	struct ra_hold *next, *prev; /* the daemon's */
	struct ike_daemon *d;
	unsigned refs;
	struct ra_pool *pool; /* server: the lease is in it; else NULL */
	char lease_id[LEASE_ID_MAX + 1];
	struct conf_addr vip;
	bool installed; /* client: vip on lo, with routes */
	struct conf_ts routes[8];
	unsigned nroutes;
};

/* Server: the lease of r's identity from r's pool, held by r's SA (a
 * second SA of the same identity: see ra_hold.c).  0 or -errno, with
 * `why` set. */
int ra_hold_lease(struct ra_sa *r, char *why, size_t whylen);
/* Client: r's address was put on lo (with r's routes). */
int ra_hold_installed(struct ra_sa *r);
/* The SA lets go of its hold (ra_sa_free). */
void ra_hold_sa_gone(struct ra_sa *r);
/* Another live hold has vip on lo. */
bool ra_hold_vip_shared(const struct ra_hold *h);
/* child.c: a child made under sa takes a reference; every path that frees
 * a child_sa drops it. */
void ra_child_take(struct child_sa *c, const struct ike_sa *sa);
void ra_child_drop(struct child_sa *c);
void ra_hold_put(struct ra_hold *h);

/* ra_pool.c */
struct lease_pool *ra_pool_lease_pool(const struct ra_pool *p);
/* The pool of first..last, made if none; configured pools adopt
 * the leases of unconfigured ones first.  NULL: out of memory or bad. */
struct ra_pool *ra_pool_range(struct ike_daemon *d, const struct conf_addr *first,
			      const struct conf_addr *last);
void ra_pool_ref(struct ra_pool *p);
void ra_pool_unref(struct ike_daemon *d, struct ra_pool *p);
/* Frees unconfigured pools with no hold (after their leases moved). */
void ra_pools_gc(struct ike_daemon *d);
struct ra_hold **ra_holds(struct ike_daemon *d);
/* A Mode Config server without XAUTH whose remote ID any client can
 * claim (%any, a group's KEY_ID) leases by a free choice: a warning,
 * once per connection and configuration, at its first establishment. */
void ra_warn_open_ids(struct ike_sa *sa);
/* conn_ref.c: a copy detached at a reload keeps its pool's range. */
void ra_conn_keep_pool(struct ike_daemon *d, struct conn *c);

#endif
