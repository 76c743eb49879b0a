/* Remote access in oakleyctl status (status.h): per ISAKMP SA the XAUTH
 * user and state and the virtual IP (ike/ra.h); per address pool its
 * size, how many leases are online and offline, and each lease with its
 * user (ike/lease.h). */
#include <stdio.h>

#include "ctl/status.h"
#include "ike/ike.h"
#include "ike/lease.h"
#include "ike/ra.h"

#define POOL_SHOW_MAX 1000 /* leases listed per pool; the rest counted */

void status_ra_sa_text(const struct ike_sa *sa, struct buf *out)
{
	const struct ra_sa *r = sa->ra;
	char vip[CONF_ADDR_STRLEN];

	if (!r)
		return;
	out_printf(out, "\n      remote access:");
	if (r->xauth != RA_XAUTH_NONE)
		out_printf(out, " XAUTH %s%s%s%s,", ra_xauth_state_name(r->xauth),
			   r->user[0] ? " user '" : "", r->user, r->user[0] ? "'" : "");
	if (r->have_vip && !conf_addr_str(&r->vip, vip, sizeof(vip)))
		out_printf(out, " virtual IP %s", vip);
	else if (r->mc != RA_MC_NONE)
		out_printf(out, " virtual IP none yet");
}

void status_ra_sa_json(const struct ike_sa *sa, struct buf *out)
{
	const struct ra_sa *r = sa->ra;
	char vip[CONF_ADDR_STRLEN] = "";

	if (!r)
		return;
	if (r->have_vip)
		conf_addr_str(&r->vip, vip, sizeof(vip));
	out_printf(out, "\"xauth\":");
	json_str(out, ra_xauth_state_name(r->xauth));
	out_printf(out, ",\"xauth_user\":");
	json_str(out, r->user);
	out_printf(out, ",\"virtual_ip\":");
	json_str(out, vip);
	out_printf(out, ",");
}

struct pool_out {
	struct buf *out;
	bool json;
	unsigned shown, pools;
};

static void lease_line(const char *identity, const struct conf_addr *a, bool online,
		       unsigned holders, void *arg)
{
	struct pool_out *po = arg;
	char addr[CONF_ADDR_STRLEN];

	if (po->shown++ >= POOL_SHOW_MAX || conf_addr_str(a, addr, sizeof(addr)))
		return;
	if (!po->json) {
		out_printf(po->out, "      %s %s, user '%s'\n", addr, online ? "online" : "offline",
			   ra_lease_user(identity));
		return;
	}
	out_printf(po->out, "%s{\"address\":", po->shown > 1 ? "," : "");
	json_str(po->out, addr);
	out_printf(po->out, ",\"user\":");
	json_str(po->out, ra_lease_user(identity));
	out_printf(po->out, ",\"online\":%s,\"holders\":%u}", online ? "true" : "false", holders);
}

static void pool_one(struct lease_pool *p, void *arg)
{
	struct pool_out *po = arg;
	struct lease_counts k;

	lease_pool_counts(p, &k);
	po->shown = 0;
	if (!po->json) {
		out_printf(po->out, "  pool %s: size %u, %u online, %u offline\n",
			   lease_pool_name(p), k.size, k.online, k.offline);
		lease_pool_walk(p, lease_line, po);
		if (po->shown > POOL_SHOW_MAX)
			out_printf(po->out, "      ... %u more\n", po->shown - POOL_SHOW_MAX);
		po->pools++;
		return;
	}
	out_printf(po->out, "%s{\"name\":", po->pools++ ? "," : "");
	json_str(po->out, lease_pool_name(p));
	out_printf(po->out, ",\"size\":%u,\"online\":%u,\"offline\":%u,\"leases\":[", k.size,
		   k.online, k.offline);
	lease_pool_walk(p, lease_line, po);
	out_printf(po->out, "]}");
}

void status_pools_text(struct ike_daemon *d, struct buf *out)
{
	struct pool_out po = {out, false, 0, 0};

	if (!d->conf->npools)
		return;
	out_printf(out, "Address pools:\n");
	ra_pools_walk(d, pool_one, &po);
}

void status_pools_json(struct ike_daemon *d, struct buf *out)
{
	struct pool_out po = {out, true, 0, 0};

	out_printf(out, ",\"pools\":[");
	ra_pools_walk(d, pool_one, &po);
	out_printf(out, "]");
}
