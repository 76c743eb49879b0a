/* Quick Mode (RFC 2409 5.5), every message encrypted under the ISAKMP SA:
 *
 *   QM1 I->R  HASH(1), SA, Ni [, KE] [, IDci, IDcr]
 *   QM2 R->I  HASH(2), SA, Nr [, KE] [, IDci, IDcr]
 *   QM3 I->R  HASH(3)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/dh.h"
#include "crypto/keying.h"
#include "ike/child.h"
#include "ike/conn_index.h"
#include "ike/dispatch.h"
#include "ike/id.h"
#include "ike/informational.h"
#include "ike/proposal.h"
#include "ike/lifetime.h"
#include "ike/mismatch.h"
#include "ike/pacing.h"
#include "ike/pfs.h"
#include "ike/quick.h"
#include "ike/ra.h"
#include "ike/subnets.h"
#include "ike/tap.h"
#include "util/log.h"
#include "wire/payload.h"

/* The traffic selectors of a connection: its subnets, or the gateways,
 * with leftprotoport/rightprotoport either way. */
static void conn_ts(const struct conn *c, const struct ike_sa *sa, struct conf_ts *local,
		    struct conf_ts *remote)
{
	if (c->local.has_subnet) {
		*local = c->local.subnet;
	} else {
		ts_host(local, &sa->ep.local.sa);
		local->proto = c->local.subnet.proto;
		local->port = c->local.subnet.port;
	}
	if (c->remote.has_subnet) {
		*remote = c->remote.subnet;
	} else {
		ts_host(remote, &sa->ep.remote.sa);
		remote->proto = c->remote.subnet.proto;
		remote->port = c->remote.subnet.port;
	}
	ra_conn_ts(c, sa, local, remote); /* a Mode Config address */
}

static void quick_send_qm1(struct quick *q)
{
	int err;

	quick_log(q, LOG_LVL_INFO, "initiating Quick Mode");
	q->x->step = 1;
	err = quick_build_send(q, quick_mode_type.sends_first);
	if (err)
		quick_fail(q, "cannot send Quick Mode message 1: %s", strerror(-err));
}

/* A PFS job completed: may its Quick Mode go on?  Not if that ended
 * meanwhile or the job failed (and it said why). */
static bool quick_pfs_ready(struct quick *q)
{
	char why[QUICK_WHY_LEN] = "";

	if (q->state != QUICK_NEGOTIATING)
		return false;
	if (!pfs_done(q, why, sizeof(why))) {
		quick_fail_why(q, why, "the PFS Diffie-Hellman job failed");
		return false;
	}
	return true;
}

struct step_result quick_mode_start(void *state, struct ike_msg *none)
{
	struct quick *q = state;

	if (quick_pfs_ready(q))
		quick_send_qm1(q);
	return STEP_GO_ON;
}

int quick_initiate(struct ike_sa *sa, const struct conn *c, ike_up_fn fn, void *arg)
{
	if (ra_quick_wait(sa, fn, arg))
		return 0; /* a client's XAUTH / Mode Config first (ra_wait.c) */
	if (pacing_quick_hold(sa, c, fn, arg))
		return 0; /* fn is called once it has been started and ended */
	return quick_start(sa, c, fn, arg);
}

int quick_start(struct ike_sa *sa, const struct conn *c, ike_up_fn fn, void *arg)
{
	char why[QUICK_WHY_LEN] = "";
	struct quick *q;
	uint32_t msgid;
	int err;

	err = msgid_new(&sa->msgids, &msgid);
	/* Ours are recorded too: a copy reflected back to us is a replay. */
	if (!err)
		err = quick_use_msgid(sa, msgid);
	q = err ? NULL : quick_new(sa, msgid, true);
	if (!q) {
		if (fn)
			fn(arg, false, "out of memory starting Quick Mode");
		return err ? err : -ENOMEM;
	}
	q->up_fn = fn;
	q->up_arg = arg;
	pacing_quick_started(q);
	if (quick_set_conn(q, c ? c : sa->conn)) {
		quick_fail(q, "out of memory starting Quick Mode");
		return -ENOMEM;
	}
	q->x->tunnel = q->conn->mode == MODE_TUNNEL;
	conn_ts(q->conn, sa, &q->x->ts_local, &q->x->ts_remote);
	if (child_alloc_spi(sa->d, q, why, sizeof(why))) {
		quick_fail_why(q, why, "no inbound SPI could be allocated");
		return -EIO;
	}
	/* conf allows one PFS group (or none) across an esp= list */
	q->x->pfs = q->conn->esp.p[0].dh;
	err = exchange_make_nonce(&q->x->ni);
	if (!err && q->x->pfs)
		err = pfs_start(q, NULL);
	else if (!err)
		quick_send_qm1(q);
	if (err)
		quick_fail(q, "cannot start Quick Mode: %s", strerror(-err));
	return err;
}

/* The two ID payloads, IDci then IDcr, when present.  0 or a notify. */
static int qm_ids(struct quick *q, const struct ike_msg *m, struct conf_ts *ci, struct conf_ts *cr,
		  bool *present)
{
	const struct wire_payload *ids[2];
	struct wire_id id;
	unsigned i, n = 0;
	int err;

	for (i = 0; i < m->pl.n && n < 2; i++)
		if (m->pl.p[i].type == ISAKMP_PL_ID)
			ids[n++] = &m->pl.p[i];
	*present = n > 0;
	if (n == 0)
		return 0;
	if (n != 2 || wire_count(&m->pl, ISAKMP_PL_ID) != 2) {
		quick_fail(q, "Quick Mode message carries %u ID payloads, not 2", n);
		return ISAKMP_N_INVALID_ID_INFORMATION;
	}
	err = wire_parse_id(ids[0]->body, &id);
	if (!err)
		err = id_to_ts(&id, ci);
	if (!err)
		err = wire_parse_id(ids[1]->body, &id);
	if (!err)
		err = id_to_ts(&id, cr);
	if (err)
		quick_fail(q, "peer's Quick Mode IDs are not address selectors the kernel can hold "
			      "(an address, a subnet, or a range that is exactly one subnet)");
	return err;
}

static struct step_result qm_take_nonce(struct quick *q, const struct ike_msg *m, struct buf *n)
{
	const struct wire_payload *p = wire_find(&m->pl, ISAKMP_PL_NONCE);

	if (wire_check_raw(ISAKMP_PL_NONCE, p->body)) {
		quick_fail(q, "peer's nonce has a bad length (%zu bytes)", p->body.len);
		return step_notify(ISAKMP_N_PAYLOAD_MALFORMED);
	}
	buf_reset(n);
	return buf_append(n, p->body.p, p->body.len) ? STEP_GO_ON : step_sys(-ENOMEM);
}

/* Does connection c take this QM1?  Its subnets must cover the peer's
 * IDs and its esp= must accept an offer.  *fit counts how much of it
 * fitted (a side's subnet each, and 3 for both plus the proposal), so the
 * failure that explains most can be told. */
static int quick_conn_takes(struct quick *q, const struct conn *c, const struct conf_ts *ci,
			    const struct conf_ts *cr, struct cursor sa_body, struct p2_offer *o,
			    struct wire_transform_spec *echo, uint8_t *propnum, char *why,
			    size_t whylen, int *fit)
{
	struct conf_ts want_local, want_remote;
	char a[128], b[128], x[128], y[128];
	unsigned ndiff = 0;
	int err;

	why[0] = 0; /* each candidate says its own reason, or none */
	conn_ts(c, q->sa, &want_local, &want_remote);
	*fit = ts_covers(&want_remote, ci) +
	       (ts_covers(&want_local, cr) || ra_narrows(c, q->sa, cr)); /* vpnc's 0.0.0.0/0 */
	if (*fit < 2) {
		ts_str(ci, a, sizeof(a));
		ts_str(cr, b, sizeof(b));
		ts_str(&want_remote, x, sizeof(x));
		ts_str(&want_local, y, sizeof(y));
		/* A long line is cut, not wrong. */
		if (snprintf(why, whylen,
			     "invalid ID information: peer proposed %s === %s, %s allows %s === %s",
			     a, b, c->name, x, y) < 0)
			why[0] = 0;
		return ISAKMP_N_INVALID_ID_INFORMATION;
	}
	err = p2_choose(c, sa_body, o, echo, propnum, why, whylen, &ndiff);
	if (err && !why[0])
		snprintf(why, whylen, "peer's Quick Mode SA payload is malformed (%s)",
			 wire_notify_name((uint16_t)err));
	/* Subnets that fit count most; then fewer differences. */
	*fit = 2 + 10 - (int)(ndiff < 10 ? ndiff : 10);
	return err;
}

/* The next connection between the ISAKMP SA's gateways after c: with
 * `all`, every one (the scan); else only those whose subnets cover the
 * proposal (ci, cr), found through the connection index (conn_index.h),
 * in the same order: the one chosen is the same either way. */
static const struct conn *quick_next_between(struct ike_sa *sa, const struct conf_ts *ci,
					     const struct conf_ts *cr, bool all,
					     const struct conn *c)
{
	const struct conn_index *ix = sa->d->conn_index;

	if (all || !ix || conn_index_conf(ix) != sa->d->conf)
		return conn_next_for_peer(sa->d, &sa->ep.local.sa, &sa->ep.remote.sa, c);
	return conn_index_next_ts(ix, &sa->ep.local.sa, &sa->ep.remote.sa, cr, ci, c);
}

/* The next candidate connection for a QM1: the ISAKMP SA's own first,
 * then the others between the same gateways that would have accepted it. */
static const struct conn *quick_next_conn(struct ike_sa *sa, const struct conf_ts *ci,
					  const struct conf_ts *cr, bool all,
					  const struct conn *prev)
{
	const struct conn *c = prev == sa->conn ? NULL : prev;

	if (!prev)
		return sa->conn;
	while ((c = quick_next_between(sa, ci, cr, all, c)))
		if (strcmp(c->name, sa->conn->name) && ike_sa_fits(sa, c))
			return c;
	return NULL;
}

/* The failure that explains most, over the candidates walked. */
struct quick_pick_fail {
	int best, err;
	char why[QUICK_WHY_LEN];
};

/* One pass over the candidates (pass 0: configured esp= lists only): the
 * first that takes the offer is the Quick Mode's connection (true). */
static bool quick_pick_pass(struct quick *q, const struct conf_ts *ci, const struct conf_ts *cr,
			    struct cursor sa_body, struct p2_offer *o,
			    struct wire_transform_spec *echo, uint8_t *propnum, unsigned pass,
			    bool all, struct quick_pick_fail *f, const struct conn **chosen)
{
	char why[QUICK_WHY_LEN];
	const struct conn *c;
	int e, fit;

	for (c = NULL; (c = quick_next_conn(q->sa, ci, cr, all, c));) {
		struct conn only = *c;

		if (pass == 0)
			only.esp.n = only.esp.configured;
		e = quick_conn_takes(q, &only, ci, cr, sa_body, o, echo, propnum, why, sizeof(why),
				     &fit);
		if (!e) {
			*chosen = c;
			return true;
		}
		if (pass == 1 && fit > f->best) {
			f->best = fit;
			f->err = e;
			memcpy(f->why, why, sizeof(why));
		}
	}
	return false;
}

static struct step_result quick_pick_conn(struct quick *q, const struct conf_ts *ci,
					  const struct conf_ts *cr, struct cursor sa_body,
					  struct p2_offer *o, struct wire_transform_spec *echo,
					  uint8_t *propnum)
{
	struct quick_pick_fail f = {.best = -1, .err = ISAKMP_N_NO_PROPOSAL_CHOSEN};
	const struct conn *c;
	unsigned pass;
	uint32_t spi;

	/* Configured esp= lists first, then with their defaults. */
	for (pass = 0; pass < 2; pass++)
		if (quick_pick_pass(q, ci, cr, sa_body, o, echo, propnum, pass, false, &f, &c))
			return step_sys(quick_set_conn(q, c));
	/* No connection's subnets cover the proposal (fit 2 is both sides):
	 * the one that fits best is found among all, as the scan did. */
	if (f.best < 2) {
		f = (struct quick_pick_fail){.best = -1, .err = ISAKMP_N_NO_PROPOSAL_CHOSEN};
		if (quick_pick_pass(q, ci, cr, sa_body, o, echo, propnum, 1, true, &f, &c))
			return step_sys(quick_set_conn(q, c)); /* cannot: none covers */
	}
	quick_fail_why(q, f.why, "no connection takes the peer's Quick Mode");
	if (quick_offer_spi(sa_body, &spi)) /* the peer fails that one only */
		info_send_notify_esp(q->sa, (uint16_t)f.err, spi);
	else
		info_send_notify(q->sa, (uint16_t)f.err);
	return step_notify(f.err);
}

/* After QM1's PFS job: QM2 (the chosen proposal, our SPI and nonce, KE,
 * the IDs echoed, [RESPONDER-LIFETIME]). */
static struct step_result quick_respond_done(void *state, struct ike_msg *none)
{
	quick_pfs_ready(state); /* or it failed the Quick Mode */
	return STEP_GO_ON;
}

/* QM1 at the responder (its HASH(1) verified before the state was made):
 * check IDs and proposals; QM2 answers (after the PFS job when a group
 * was agreed). */
static struct step_result quick_respond(void *state, struct ike_msg *m)
{
	struct quick *q = state;
	struct ike_sa *sa = q->sa;
	const struct wire_payload *ke = NULL;
	char why[QUICK_WHY_LEN] = "";
	struct step_result r;
	struct conf_ts ci, cr, seen, seen_r;
	struct p2_offer o;
	int notify, err;

	notify = qm_ids(q, m, &ci, &cr, &q->x->ids);
	if (notify)
		return step_notify(notify);
	if (!q->x->ids) {
		ts_host(&ci, &sa->ep.remote.sa);
		ts_host(&cr, &sa->ep.local.sa);
	}
	q->x->propnum = 1;
	seen = ci;
	seen_r = cr;
	if (sa->conn->mode == MODE_TRANSPORT) {
		natt_transport_ts(sa, &seen);	      /* its private address behind a NAT */
		natt_transport_ts_local(sa, &seen_r); /* our public one, we behind a NAT */
	}
	r = quick_pick_conn(q, &seen, &seen_r, wire_find(&m->pl, ISAKMP_PL_SA)->body, &o,
			    &q->x->echo, &q->x->propnum);
	if (step_failed(r))
		return r;
	q->x->ts_remote = ci;
	q->x->ts_local = cr;
	if (ra_narrows(q->conn, sa, &cr)) { /* answered with our side, as strongSwan does */
		struct conf_ts ours, theirs;

		conn_ts(q->conn, sa, &ours, &theirs);
		if (!ts_covers(&ours, &cr))
			q->x->ts_local = ours;
	}
	q->x->tunnel = q->conn->mode == MODE_TUNNEL;
	q->x->chosen = (struct proposal){o.encr, o.integ, o.group};
	q->x->spi_out = o.spi;
	q->x->notify_lifetime = lifetime_respond(q, &o);
	natt_take_nat_oa(q, m);
	q->x->pfs = o.group;
	if (q->x->pfs && !(ke = pfs_peer_ke(q, m, &notify, why, sizeof(why)))) {
		quick_fail_why(q, why, "peer's KE payload is not usable");
		return step_notify(notify);
	}
	if (!q->x->pfs && wire_find(&m->pl, ISAKMP_PL_KE)) {
		quick_fail(q, "peer sent a KE payload but proposed no PFS group");
		return step_notify(ISAKMP_N_INVALID_PAYLOAD_TYPE);
	}
	r = qm_take_nonce(q, m, &q->x->ni);
	if (step_failed(r))
		return r;
	err = exchange_make_nonce(&q->x->nr);
	if (err)
		return step_sys(err);
	if (child_alloc_spi(sa->d, q, why, sizeof(why))) {
		quick_fail_why(q, why, "no inbound SPI could be allocated");
		return step_notify(ISAKMP_N_NO_PROPOSAL_CHOSEN);
	}
	return q->x->pfs ? step_sys(pfs_start(q, ke)) : STEP_GO_ON;
}

void quick_mode_done(void *state)
{
	struct quick *q = state;
	struct dh_job *j = &q->x->dhj;
	char why[QUICK_WHY_LEN] = "";
	int err;

	timer_cancel(q->sa->d->loop, &q->xmit.timer); /* the responder's QM2 */

	err = child_install(q, j->secret_len ? j->secret : NULL, j->secret_len, why, sizeof(why));
	dh_job_clear(q->sa->d->loop, j);
	if (err) {
		uint32_t spi_in = q->x->spi_in;

		quick_fail_why(q, why, "the IPsec SAs could not be installed");
		info_send_delete_esp(q->sa, spi_in);
		return;
	}
	quick_done(q, true, "established");
}

/* After QM2's PFS job: QM3 and the install follow. */
static struct step_result quick_initiator_done(void *state, struct ike_msg *none)
{
	quick_pfs_ready(state); /* or it failed the Quick Mode */
	return STEP_GO_ON;
}

/* QM2 at the initiator (its HASH(2) verified): check the choice; QM3 and
 * the install follow (after the PFS job when a group was agreed). */
static struct step_result quick_initiator_finish(void *state, struct ike_msg *m)
{
	struct quick *q = state;
	char why[QUICK_WHY_LEN] = "";
	struct step_result r;
	struct conf_ts ci, cr;
	struct p2_offer o;
	bool ids;
	int notify;

	r = qm_take_nonce(q, m, &q->x->nr);
	if (step_failed(r))
		return r;
	notify = p2_accept(q->conn, wire_find(&m->pl, ISAKMP_PL_SA)->body, &o, why, sizeof(why));
	if (notify) {
		quick_fail_why(q, why, "peer's Quick Mode SA answer is not one we offered");
		return step_notify(notify);
	}
	notify = qm_ids(q, m, &ci, &cr, &ids);
	if (notify)
		return step_notify(notify);
	/* A Mode Config client's 0.0.0.0/0 may come back as the server's subnet */
	if (ids && q->conn->ra.modecfg_client && ts_equal(&ci, &q->x->ts_local) &&
	    ts_covers(&q->x->ts_remote, &cr))
		q->x->ts_remote = cr;
	if (ids && (!ts_equal(&ci, &q->x->ts_local) || !ts_equal(&cr, &q->x->ts_remote))) {
		quick_fail(q, "peer answered with other IDs than we proposed");
		return step_notify(ISAKMP_N_INVALID_ID_INFORMATION);
	}
	q->x->chosen = (struct proposal){o.encr, o.integ, o.group};
	q->x->spi_out = o.spi;
	lifetime_initiator(q, &o, m);
	natt_take_nat_oa(q, m);
	if (q->x->pfs) {
		const struct wire_payload *ke = pfs_peer_ke(q, m, &notify, why, sizeof(why));

		if (!ke) {
			quick_fail_why(q, why, "peer's KE payload is not usable");
			return step_notify(notify);
		}
		return step_sys(pfs_start(q, ke));
	}
	if (wire_find(&m->pl, ISAKMP_PL_KE)) {
		quick_fail(q, "peer answered with a KE payload but we asked for no PFS");
		return step_notify(ISAKMP_N_INVALID_PAYLOAD_TYPE);
	}
	return STEP_GO_ON;
}

/* QM3 at the responder (its HASH(3) verified): the install follows. */
static struct step_result quick_respond_finish(void *state, struct ike_msg *m)
{
	return STEP_GO_ON;
}

#define QM_MUST (PL(ISAKMP_PL_HASH) | PL(ISAKMP_PL_SA) | PL(ISAKMP_PL_NONCE))
#define QM_MAY                                                                                     \
	(PL(ISAKMP_PL_KE) | PL(ISAKMP_PL_ID) | PL(ISAKMP_PL_N) | PL(ISAKMP_PL_NAT_OA) |            \
	 PL(ISAKMP_PL_NAT_OA_DRAFT))

const struct step quick_mode_steps[] = {
	{false, QM_MUST, QM_MAY, true, "QM1", quick_respond, quick_respond_done, &send_qm2},
	{true, QM_MUST, QM_MAY, true, "QM2", quick_initiator_finish, quick_initiator_done,
	 &send_qm3},
	{false, PL(ISAKMP_PL_HASH), 0, true, "QM3", quick_respond_finish, NULL, NULL},
	{0},
};
