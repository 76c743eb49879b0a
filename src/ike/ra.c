/* Remote access hooks (ra.h): where XAUTH and Mode Config meet the ISAKMP
 * SA's life, Quick Mode and the daemon's address pools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ike/id.h"
#include "ike/informational.h"
#include "ike/lease.h"
#include "ike/quick.h"
#include "ike/ra.h"
#include "ike/ra_hold.h"
#include "kernel/vip.h"
#include "util/log.h"
#include "wire/payload.h"

uint16_t ra_wire_auth(const struct conn *c)
{
	if (c->ra.xauth == CONN_XAUTH_NONE)
		return c->authby;
	if (c->authby == IKE_AUTH_PSK)
		return IKE_AUTH_XAUTH_INIT_PSK;
	if (c->authby == IKE_AUTH_RSA_SIG)
		return IKE_AUTH_XAUTH_INIT_RSA;
	return c->authby;
}

const char *ra_xauth_state_name(uint8_t st)
{
	switch (st) {
	case RA_XAUTH_WAIT:
		return "pending";
	case RA_XAUTH_OK:
		return "ok";
	case RA_XAUTH_FAILING:
	case RA_XAUTH_FAILED:
		return "failed";
	default:
		return "none";
	}
}

static bool conn_is_ra(const struct conn *c)
{
	return c->ra.xauth != CONN_XAUTH_NONE || c->ra.modecfg_server || c->ra.modecfg_client;
}

void ra_note_peer(struct ike_sa *sa)
{
	const struct buf *b;
	struct wire_id id;

	if (!conn_is_ra(sa->conn) || !sa->x)
		return;
	if (!sa->ra) {
		sa->ra = calloc(1, sizeof(*sa->ra));
		if (!sa->ra)
			return;
		sa->ra->sa = sa;
		ra_txn_init(sa->ra);
	}
	b = sa->initiator ? &sa->x->idir_b : &sa->x->idii_b;
	if (b->len && !wire_parse_id(cursor_make(b->data, b->len), &id))
		id_phase1_str(&id, sa->ra->peer_id, sizeof(sa->ra->peer_id));
}

bool ra_established(struct ike_sa *sa)
{
	const struct conn *c = sa->conn;
	struct ra_sa *r = sa->ra;

	if (!conn_is_ra(c))
		return false;
	if (!r) {
		ike_sa_fail(sa, "out of memory starting XAUTH / Mode Config");
		return true;
	}
	r->xauth = c->ra.xauth == CONN_XAUTH_NONE ? RA_XAUTH_NONE : RA_XAUTH_WAIT;
	r->mc = c->ra.modecfg_client || c->ra.modecfg_server ? RA_MC_WAIT : RA_MC_NONE;
	r->quick_held = sa->want_child;
	/* conn.ra.pool indexes this configuration's pools: a reload may
	 * renumber them before the address is handed out (ra_hold.h) */
	if (c->ra.modecfg_server &&
	    !ra_conn_pool_range(sa->d, c, &r->pool_range[0], &r->pool_range[1]))
		memset(r->pool_range, 0, sizeof(r->pool_range));
	ra_warn_open_ids(sa);
	if (c->ra.xauth == CONN_XAUTH_SERVER)
		xauth_server_start(r);
	else if (c->ra.xauth == CONN_XAUTH_CLIENT)
		ra_log(r, LOG_LVL_INFO, "waiting for the peer's XAUTH request");
	else
		ra_next(r);
	return r->quick_held;
}

void ra_next(struct ra_sa *r)
{
	if (r->sa->state != IKE_SA_ESTABLISHED)
		return;
	if (r->xauth != RA_XAUTH_NONE && r->xauth != RA_XAUTH_OK)
		return;
	if (r->mc == RA_MC_WAIT) {
		modecfg_start(r);
		/* a server waits for nothing of its own; a client for its address */
		if (r->sa->conn->ra.modecfg_client)
			return;
	}
	ra_go_on(r);
}

void ra_go_on(struct ra_sa *r)
{
	struct ike_sa *sa = r->sa;
	ike_up_fn fn = sa->up_fn;

	if (!r->quick_held)
		return;
	r->quick_held = false;
	if (!sa->want_child)
		return;
	sa->want_child = false;
	sa->up_fn = NULL;
	quick_initiate(sa, NULL, fn, sa->up_arg);
}

void ra_fail(struct ra_sa *r, const char *why)
{
	struct ike_sa *sa = r->sa;

	if (sa->state == IKE_SA_ESTABLISHED)
		info_send_delete_isakmp(sa);
	ike_sa_fail(sa, "%s", why);
}

bool ra_busy(const struct ike_sa *sa)
{
	return sa->ra && sa->ra->quick_held;
}

bool ra_quick_allowed(struct ike_sa *sa)
{
	const struct ra_sa *r = sa->ra;

	if (sa->conn->ra.xauth != CONN_XAUTH_SERVER)
		return true;
	if (r && r->xauth == RA_XAUTH_OK)
		return true;
	ike_sa_log(sa, LOG_LVL_WARN,
		   "dropped a Quick Mode from a peer that has not passed XAUTH%s%s%s",
		   r && r->user[0] ? " (user '" : "", r && r->user[0] ? r->user : "",
		   r && r->user[0] ? "')" : "");
	return false;
}

static void ts_addr(struct conf_ts *ts, const struct conf_addr *a)
{
	uint8_t proto = ts->proto;
	uint16_t port = ts->port;

	memset(ts, 0, sizeof(*ts));
	ts->addr = *a;
	ts->prefixlen = a->family == AF_INET ? 32 : 128;
	ts->proto = proto;
	ts->port = port;
}

void ra_conn_ts(const struct conn *c, const struct ike_sa *sa, struct conf_ts *local,
		struct conf_ts *remote)
{
	const struct ra_sa *r = sa->ra;

	if (!r || !r->have_vip)
		return;
	if (c->ra.modecfg_server) {
		ts_addr(remote, &r->vip);
	} else if (c->ra.modecfg_client) {
		ts_addr(local, &r->vip);
		if (!c->remote.has_subnet) {
			memset(&remote->addr, 0, sizeof(remote->addr));
			remote->addr.family = r->vip.family;
			remote->prefixlen = 0;
		}
	}
}

bool ra_narrows(const struct conn *c, const struct ike_sa *sa, const struct conf_ts *cr)
{
	return sa->ra && c->ra.modecfg_server && cr->prefixlen == 0 &&
	       cr->addr.family == sa->ep.local.sa.sa_family;
}

/* The same connection, or two of one group (NAME/LxR, several subnets). */
static bool ra_same_group(const struct conn *a, const struct conn *b)
{
	char ga[sizeof(a->name)], gb[sizeof(b->name)];

	if (!strcmp(a->name, b->name))
		return true;
	return !conf_group_name(a, ga, sizeof(ga)) && !conf_group_name(b, gb, sizeof(gb)) &&
	       !strcmp(ga, gb);
}

/* A client's SA is its connection's only (its user, its address).  A
 * server's SA serves its connection or that one's group only: XAUTH was
 * checked for it (a passwd line may name the conn) and the lease is its
 * pool's, so a Quick Mode may not move to another conn between the same
 * IDs (review 11, finding 9); nor may a plain SA serve a remote-access
 * conn, whose XAUTH it never did. */
bool ra_sa_fits(const struct ike_sa *sa, const struct conn *c)
{
	const struct conn *own = sa->conn;
	bool client = own->ra.xauth == CONN_XAUTH_CLIENT || own->ra.modecfg_client ||
		      c->ra.xauth == CONN_XAUTH_CLIENT || c->ra.modecfg_client;

	if (client)
		return !strcmp(own->name, c->name);
	if (conn_is_ra(own) || conn_is_ra(c))
		return ra_same_group(own, c);
	return true;
}

void ra_conn_own_strings(struct conn *c)
{
	c->ra.user = c->ra.user ? strdup(c->ra.user) : NULL;
	c->ra.banner = c->ra.banner ? strdup(c->ra.banner) : NULL;
	c->ra.domain = c->ra.domain ? strdup(c->ra.domain) : NULL;
}

void ra_conn_free_strings(struct conn *c)
{
	free((char *)c->ra.user);
	free((char *)c->ra.banner);
	free((char *)c->ra.domain);
}

bool ra_ic_defer(struct ike_sa *sa)
{
	if (sa->conn->ra.xauth != CONN_XAUTH_SERVER)
		return false;
	sa->ic.deferred = true;
	return true;
}

bool ra_same_user(const struct ike_sa *a, const struct ike_sa *b)
{
	const char *ua = a->ra ? a->ra->user : "", *ub = b->ra ? b->ra->user : "";

	return !ua[0] || !ub[0] || !strcmp(ua, ub);
}

void ra_sa_free(struct ike_sa *sa)
{
	struct ra_sa *r = sa->ra;

	if (!r)
		return;
	modecfg_release(r);
	ra_txn_clear(r);
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
	sa->ra = NULL;
}
