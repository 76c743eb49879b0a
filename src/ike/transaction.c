/* The transaction exchange (ISAKMP exchange type 6, mode-cfg-05) as an
 * exchange type of the dispatcher (dispatch.h): two rows, a message that
 * starts a transaction (the peer's REQUEST or SET) and one that answers
 * ours (its REPLY or ACK).  Under an established ISAKMP SA only, from its
 * peer, HASH verified: a stranger makes no state, and the peer at most
 * one transaction of each kind at a time (ra.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/keying.h"
#include "ike/dispatch.h"
#include "ike/informational.h"
#include "ike/ra.h"
#include "net/sockaddr.h"
#include "util/log.h"
#include "wire/attr.h"
#include "wire/payload.h"

void ra_log(const struct ra_sa *r, int lvl, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ike_sa_log(r->sa, lvl, "%s", line);
}

void ra_log_drop(struct ike_sa *sa, enum ra_drop kind, int lvl, const char *fmt, ...)
{
	bool first = !(sa->txn_logged & (1u << kind));
	char line[512];
	va_list ap;

	sa->txn_logged |= (uint16_t)(1u << kind);
	if (!first && log_max_level() < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ike_sa_log(sa, first ? lvl : LOG_LVL_DEBUG, "%s%s", line,
		   first ? " (more such: debug level)" : "");
}

/* What the ATTRIBUTE payload of a message we send holds. */
struct cfg_out {
	uint8_t type;
	uint16_t id;
	const struct wire_cfg_attr_spec *attrs;
	unsigned n;
};

static int add_cfg(void *state, struct wire_builder *w)
{
	const struct cfg_out *o = state;

	return wire_add_cfg(w, o->type, o->id, o->attrs, o->n);
}

static const struct send_spec send_txn = {
	.name = "transaction exchange message",
	.encrypted = true,
	.retransmit = true,
	.hashed = true,
	.add = {add_cfg},
};

/* HDR*, HASH, ATTR under t's message ID and IV (which follows). */
static int txn_build_send(struct ra_sa *r, struct ra_txn *t, const struct cfg_out *o,
			  bool retransmit)
{
	struct ike_sa *sa = r->sa;
	struct isakmp_hdr h = {0};
	struct buf msg;
	size_t hash_off;
	int err;

	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	h.exchange = ISAKMP_XCHG_TRANSACTION;
	h.msgid = t->msgid;
	err = send_spec_build(&send_txn, (void *)o, &h, sa->prf_len, &msg, &hash_off);
	if (!err)
		err = hashed_fill(sa, &msg, hash_off, t->msgid, NULL);
	if (!err)
		err = send_protected(sa, &msg, t->iv, &t->xmit, retransmit);
	buf_free(&msg);
	return err;
}

int ra_txn_send(struct ra_sa *r, uint8_t what, uint8_t type, const struct wire_cfg_attr_spec *attrs,
		unsigned n)
{
	struct ike_sa *sa = r->sa;
	struct ra_txn *t = &r->ours;
	struct cfg_out o = {type, 0, attrs, n};
	uint32_t msgid;
	int err;

	if (t->open) /* one of ours at a time: its answer would be taken for the next */
		return -EBUSY;
	err = msgid_new(&sa->msgids, &msgid);
	if (!err)
		err = msgid_use(&sa->msgids, msgid);
	if (!err)
		err = sa_phase2_iv(sa, msgid, t->iv);
	if (err)
		return err;
	t->msgid = msgid;
	t->type = type;
	t->what = what;
	t->id = o.id = ++r->next_id;
	t->open = true;
	t->xmit.tries = 0;
	t->xmit.have_last_recv = false;
	err = txn_build_send(r, t, &o, true);
	if (err)
		t->open = false;
	else
		ra_log(r, LOG_LVL_DEBUG, "sent transaction %s (message ID %08x)",
		       wire_cfg_name(type), msgid);
	return err;
}

int ra_txn_answer(struct ra_sa *r, uint8_t type, uint16_t id,
		  const struct wire_cfg_attr_spec *attrs, unsigned n)
{
	struct cfg_out o = {type, id, attrs, n};

	return txn_build_send(r, &r->theirs, &o, false);
}

/* Our transaction went unanswered. */
static void txn_retransmit(void *arg)
{
	struct ra_sa *r = arg;
	char why[RA_USER_MAX + 128];

	if (!r->ours.open || xmit_retransmit(r->sa, &r->ours.xmit))
		return;
	r->ours.open = false;
	if (r->xauth == RA_XAUTH_FAILING)
		snprintf(why, sizeof(why), "XAUTH failed for user '%s' after %u tries", r->user,
			 r->tries);
	else if (r->ours.what == RA_XAUTH_ASK && r->user[0])
		snprintf(why, sizeof(why),
			 "XAUTH failed for user '%s': no answer to our request after %u failed "
			 "%s",
			 r->user, r->tries, r->tries == 1 ? "try" : "tries");
	else
		snprintf(why, sizeof(why), "no answer to our transaction %s (%s)",
			 wire_cfg_name(r->ours.type),
			 r->ours.what == RA_XAUTH_ASK || r->ours.what == RA_XAUTH_STATUS
				 ? "XAUTH"
				 : "Mode Config");
	ra_fail(r, why);
}

void ra_txn_init(struct ra_sa *r)
{
	xmit_init(&r->ours.xmit, txn_retransmit, r);
	xmit_init(&r->theirs.xmit, txn_retransmit, r); /* never armed */
	job_init(&r->check);
	timer_init(&r->wait, ra_wait_fire, r);
}

void ra_txn_clear(struct ra_sa *r)
{
	xauth_check_cancel(r);
	timer_cancel(r->sa->d->loop, &r->wait);
	xmit_clear(r->sa->d, &r->ours.xmit);
	xmit_clear(r->sa->d, &r->theirs.xmit);
}

/* The exchange type. */

static bool txn_find(struct dispatch *dp, struct ike_msg *m)
{
	struct ike_sa *sa = dp->sa;

	if (!sa)
		return false;
	if (sa->state != IKE_SA_ESTABLISHED || !(m->hdr.flags & ISAKMP_FLAG_ENC) || !m->hdr.msgid) {
		ra_log_drop(sa, RA_DROP_EARLY, LOG_LVL_INFO,
			    "dropped a transaction exchange message (before phase 1 is up, in the "
			    "clear, or with message ID 0)");
		return false;
	}
	if (!natt_from_peer(sa, m)) {
		ra_log_drop(sa, RA_DROP_STRANGER, LOG_LVL_INFO,
			    "dropped a transaction exchange message not from this SA's peer");
		return false;
	}
	if (!sa->ra) {
		ra_log_drop(
			sa, RA_DROP_NO_RA, LOG_LVL_INFO,
			"dropped a transaction exchange message: connection %s has neither XAUTH "
			"nor Mode Config",
			sa->conn->name);
		return false;
	}
	return true;
}

/* Before the row is known (copies): the peer's transaction's, whose
 * answer a copy gets again; after: the one the message belongs to. */
static struct xmit *txn_xmit(const struct dispatch *dp)
{
	struct ra_sa *r = dp->sa->ra;

	if (dp->s == &dp->t->steps[1])
		return &r->ours.xmit;
	return r->theirs.msgid ? &r->theirs.xmit : NULL;
}

/* Row 0: the peer starts one (its IV from the message ID); row 1: the
 * answer to ours (the IV chained from our message). */
static bool txn_row(struct dispatch *dp, struct ike_msg *m)
{
	struct ra_sa *r = dp->sa->ra;
	uint32_t msgid = m->hdr.msgid;

	if (r->ours.msgid == msgid) {
		if (!r->ours.open)
			return false; /* answered already */
		dp->s = &dp->t->steps[1];
		memcpy(dp->iv, r->ours.iv, sizeof(dp->iv));
		return true;
	}
	/* not a copy (those are answered), nor new: a late copy of an
	 * answer to one of ours, or of an earlier transaction of the peer */
	if (r->theirs.msgid == msgid || msgid_used(&dp->sa->msgids, msgid))
		return false;
	dp->s = &dp->t->steps[0];
	if (sa_phase2_iv(dp->sa, msgid, dp->iv))
		return false;
	return true;
}

static bool txn_open(struct dispatch *dp, struct ike_msg *m)
{
	char why[200];

	if (ike_decrypt(dp->sa, m->raw, m->len, dp->iv) ||
	    wire_parse_chain(m->hdr.next_payload, m->raw + ISAKMP_HDR_LEN, m->len - ISAKMP_HDR_LEN,
			     true, &m->pl)) {
		ra_log_drop(dp->sa, RA_DROP_GARBLED, LOG_LVL_INFO,
			    "dropped a transaction exchange message %08x that does not decrypt to "
			    "valid payloads",
			    m->hdr.msgid);
		return false;
	}
	if (step_check(dp->s, dp->s->initiator, m, why, sizeof(why)) ||
	    wire_count(&m->pl, ISAKMP_PL_ATTR) != 1) {
		ra_log_drop(
			dp->sa, RA_DROP_GARBLED, LOG_LVL_INFO,
			"dropped a transaction exchange message %08x: not HASH and one ATTRIBUTE "
			"payload",
			m->hdr.msgid);
		return false;
	}
	return true;
}

static bool txn_verify(struct dispatch *dp, struct ike_msg *m)
{
	if (hashed_verify(dp->sa, m, m->hdr.msgid, NULL))
		return true;
	ra_log_drop(dp->sa, RA_DROP_HASH, LOG_LVL_WARN,
		    "dropped a transaction exchange message %08x whose HASH does not verify",
		    m->hdr.msgid);
	return false;
}

/* A new transaction of the peer's replaces its last one (one at a time). */
static bool txn_accept(struct dispatch *dp, struct ike_msg *m)
{
	struct ike_sa *sa = dp->sa;
	struct ra_sa *r = sa->ra;
	int err;

	if (dp->s != &dp->t->steps[0])
		return true;
	err = msgid_use(&sa->msgids, m->hdr.msgid);
	if (err) {
		if (err == -EEXIST)
			sa->replays++;
		ra_log_drop(sa, RA_DROP_REPLAY, LOG_LVL_WARN,
			    "dropped a transaction exchange message: message ID %08x %s",
			    m->hdr.msgid,
			    err == -EEXIST ? "was used before under this ISAKMP SA"
					   : "cannot be recorded");
		return false;
	}
	r->theirs.msgid = m->hdr.msgid;
	r->theirs.xmit.have_last_recv = false;
	buf_free(&r->theirs.xmit.last_sent); /* a copy gets this one's answer or none */
	return true;
}

static void *txn_state(const struct dispatch *dp)
{
	return (void *)dp;
}

/* Whether the peer's REQUEST (request) or SET, of XAUTH (xauth) or Mode
 * Config, is one its role sends to ours: an XAUTH server asks and sets
 * the status, a Mode Config client asks, a Mode Config server sets. */
static bool txn_role_ok(const struct ra_sa *r, bool xauth, bool request)
{
	const struct conn_ra *ra = &r->sa->conn->ra;
	bool ok = xauth	    ? ra->xauth == CONN_XAUTH_CLIENT
		  : request ? ra->modecfg_server
			    : ra->modecfg_client;

	if (!ok)
		ra_log_drop(r->sa, RA_DROP_ROLE, LOG_LVL_WARN,
			    "dropped the peer's %s %s: we are not its %s",
			    xauth ? "XAUTH" : "Mode Config", request ? "REQUEST" : "SET",
			    xauth     ? "XAUTH client"
			    : request ? "Mode Config server"
				      : "Mode Config client");
	return ok;
}

static struct step_result txn_step(void *state, struct ike_msg *m)
{
	struct dispatch *dp = state;
	struct ra_sa *r = dp->sa->ra;
	const struct wire_payload *p = wire_find(&m->pl, ISAKMP_PL_ATTR);
	bool answer = dp->s == &dp->t->steps[1];
	struct wire_cfg cfg;

	if (!p || wire_parse_cfg(p->body, &cfg)) {
		ra_log_drop(r->sa, RA_DROP_GARBLED, LOG_LVL_WARN,
			    "dropped a malformed ATTRIBUTE payload");
		return STEP_GO_ON;
	}
	memcpy(answer ? r->ours.iv : r->theirs.iv, dp->iv, sizeof(dp->iv));
	ra_log(r, LOG_LVL_DEBUG, "received transaction %s (message ID %08x)",
	       wire_cfg_name(cfg.type), m->hdr.msgid);
	if (answer) {
		uint8_t sent = r->ours.type;

		if ((sent == ISAKMP_CFG_REQUEST && cfg.type != ISAKMP_CFG_REPLY) ||
		    (sent == ISAKMP_CFG_SET && cfg.type != ISAKMP_CFG_ACK)) {
			ra_log_drop(r->sa, RA_DROP_IGNORED, LOG_LVL_WARN,
				    "peer answered our %s with %s: ignored", wire_cfg_name(sent),
				    wire_cfg_name(cfg.type));
			return STEP_GO_ON;
		}
		/* strongSwan answers with identifier 0 whatever we sent */
		if (cfg.id != r->ours.id && cfg.id != 0) {
			ra_log_drop(
				r->sa, RA_DROP_IGNORED, LOG_LVL_WARN,
				"peer answered our %s (identifier %u) with identifier %u: ignored",
				wire_cfg_name(sent), r->ours.id, cfg.id);
			return STEP_GO_ON;
		}
		r->ours.open = false;
		timer_cancel(r->sa->d->loop, &r->ours.xmit.timer);
		switch (r->ours.what) {
		case RA_XAUTH_ASK:
			xauth_server_reply(r, &cfg);
			break;
		case RA_XAUTH_STATUS:
			xauth_server_ack(r);
			break;
		case RA_MC_ASK:
			modecfg_client_attrs(r, &cfg, false);
			break;
		default:
			modecfg_server_ack(r);
		}
		return STEP_GO_ON;
	}
	/* Each handler below is one role's: a peer may start only what its
	 * role starts (an XAUTH client never sends a SET of XAUTH_STATUS). */
	switch (cfg.type) {
	case ISAKMP_CFG_REQUEST:
		if (!txn_role_ok(r, cfg_has_xauth(&cfg), true))
			break;
		if (cfg_has_xauth(&cfg))
			xauth_client_request(r, &cfg);
		else
			modecfg_server_request(r, &cfg);
		break;
	case ISAKMP_CFG_SET:
		if (!txn_role_ok(r, cfg_has_xauth(&cfg), false))
			break;
		if (cfg_has_xauth(&cfg))
			xauth_client_set(r, &cfg);
		else
			modecfg_client_attrs(r, &cfg, true);
		break;
	default:
		ra_log_drop(r->sa, RA_DROP_IGNORED, LOG_LVL_INFO,
			    "ignored a transaction %s that answers nothing of ours",
			    wire_cfg_name(cfg.type));
	}
	return STEP_GO_ON;
}

/* Any role receives either; the dummy answer of row 0 marks it answered
 * (the dispatcher resends our answer for its copies; the handlers send
 * it, not the dispatcher: the type has no struct exchange). */
static const struct send_spec txn_answered = {.name = "transaction answer"};

#define TXN_MUST (PL(ISAKMP_PL_HASH) | PL(ISAKMP_PL_ATTR))

static const struct step transaction_steps[] = {
	{false, TXN_MUST, PL(ISAKMP_PL_N) | PL(ISAKMP_PL_VID), true, "transaction request",
	 txn_step, NULL, &txn_answered},
	{false, TXN_MUST, PL(ISAKMP_PL_N) | PL(ISAKMP_PL_VID), true, "transaction answer", txn_step,
	 NULL, NULL},
	{0},
};

const struct exchange_type transaction_type = {
	.xchg = ISAKMP_XCHG_TRANSACTION,
	.steps = transaction_steps,
	.find = txn_find,
	.xmit = txn_xmit,
	.row = txn_row,
	.open = txn_open,
	.verify = txn_verify,
	.accept = txn_accept,
	.state = txn_state,
};
