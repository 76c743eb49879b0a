/* A remote-access client's Quick Modes wait for XAUTH and Mode Config
 * (review 11, finding 12).  After a phase-1 rekey the newest ISAKMP SA
 * of a connection may not have been through them yet: a Quick Mode
 * started under it would be dropped by the server (not past XAUTH) or
 * propose no address of ours.  So an SA is picked only when it is ready
 * (ra_sa_ready, by_conn.c), else a Quick Mode waits on it (ra_quick_wait);
 * and a client whose server never asks, or never says, gives up after
 * the retransmission span (ra_wait_arm). */
#include <stdio.h>
#include <string.h>

#include "ike/quick.h"
#include "ike/ra.h"
#include "util/log.h"

static bool ra_client(const struct ike_sa *sa)
{
	return sa->conn->ra.xauth == CONN_XAUTH_CLIENT || sa->conn->ra.modecfg_client;
}

bool ra_sa_ready(const struct ike_sa *sa)
{
	const struct ra_sa *r = sa->ra;

	if (!r || sa->state != IKE_SA_ESTABLISHED)
		return true;
	if (r->xauth != RA_XAUTH_NONE && r->xauth != RA_XAUTH_OK)
		return false;
	return !ra_client(sa) || !sa->conn->ra.modecfg_client || r->mc == RA_MC_DONE;
}

bool ra_quick_wait(struct ike_sa *sa, ike_up_fn fn, void *arg)
{
	struct ra_sa *r = sa->ra;

	if (ra_sa_ready(sa) || !ra_client(sa))
		return false;
	if (r->quick_held) {
		if (fn)
			fn(arg, false,
			   "XAUTH / Mode Config is under way on this ISAKMP SA, and a Quick Mode "
			   "waits for it already");
		return true;
	}
	ra_log(r, LOG_LVL_INFO, "Quick Mode waits for XAUTH / Mode Config on this ISAKMP SA");
	r->quick_held = true;
	sa->want_child = true;
	sa->up_fn = fn;
	sa->up_arg = arg;
	return true;
}

void ra_wait_fire(void *arg)
{
	struct ra_sa *r = arg;
	struct ike_sa *sa = r->sa;
	unsigned s = (unsigned)((xmit_span_ms(sa->d) + 999) / 1000);
	char why[RA_USER_MAX + 160];

	if (ra_sa_ready(sa))
		return;
	if (r->xauth == RA_XAUTH_WAIT && !r->tries)
		snprintf(why, sizeof(why),
			 "the server did not ask for our XAUTH user name and password within %u s",
			 s);
	else if (r->xauth == RA_XAUTH_WAIT)
		snprintf(why, sizeof(why),
			 "the server did not say whether XAUTH user '%s' passed within %u s",
			 r->user, s);
	else
		snprintf(why, sizeof(why),
			 "the server did not give us a Mode Config address within %u s", s);
	ra_fail(r, why);
}

void ra_wait_arm(struct ike_sa *sa)
{
	struct ra_sa *r = sa->ra;

	if (!r || !ra_client(sa) || ra_sa_ready(sa))
		return;
	timer_arm(sa->d->loop, &r->wait, xmit_span_ms(sa->d));
}
