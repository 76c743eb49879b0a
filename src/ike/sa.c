/* ISAKMP SA lifecycle: creation, lookup by cookies, failure, freeing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/dh.h"
#include "crypto/rand.h"
#include "ike/by_conn.h"
#include "ike/creds.h"
#include "ike/halfopen.h"
#include "ike/ike.h"
#include "ike/informational.h"
#include "ike/pacing.h"
#include "ike/quick.h"
#include "ike/ra.h"
#include "ike/rekey.h"
#include "net/sockaddr.h"
#include "util/log.h"

static void ike_sa_retransmit(void *arg);
static void ike_sa_expire(void *arg);

struct ike_sa *ike_sa_new(struct ike_daemon *d, const struct conn *c, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->d = d;
	sa->why = "";
	sa->initiator = initiator;
	sa->exchange = c->aggressive ? ISAKMP_XCHG_AGGRESSIVE : ISAKMP_XCHG_ID_PROT;
	sa->ep.fd = -1;
	sa->started_ms = loop_now_ms();
	xmit_init(&sa->xmit, ike_sa_retransmit, sa);
	timer_init(&sa->expire, ike_sa_expire, sa);
	natt_init(sa);
	dpd_init(sa);
	rekey_ike_init(sa);
	sa->x = exchange_new(sa, NULL);
	if (!sa->x || ike_sa_set_conn(sa, c) ||
	    crypto_random(initiator ? sa->icookie : sa->rcookie, 8) < 0) {
		exchange_free(d, sa->x);
		ike_sa_unindex(sa); /* ike_sa_set_conn filed it */
		conn_ref_put(d, sa->cref);
		ike_creds_put(sa->creds);
		free(sa);
		return NULL;
	}
	sa->serial = ++d->next_serial;
	sa->next = d->sas;
	if (d->sas)
		d->sas->prev = sa;
	d->sas = sa;
	pacing_started(sa);
	/* Half-open SAs are bounded: nothing lingers when a peer vanishes. */
	timer_arm(d->loop, &sa->expire, d->halfopen_timeout_ms);
	return sa;
}

void ike_sa_hash(struct ike_sa *sa)
{
	sa->hashed = true;
	htable_add(&sa->d->sa_by_icookie, &sa->by_icookie,
		   htable_hash(&sa->d->sa_by_icookie, sa->icookie, 8));
}

static const uint8_t zero_cookie[8];

/* An SA matches when the initiator cookies agree and the responder cookie
 * agrees or is not known yet (our MM1 is out, the reply brings it). */
struct ike_sa *ike_sa_find(struct ike_daemon *d, const uint8_t icookie[8], const uint8_t rcookie[8])
{
	uint64_t h = htable_hash(&d->sa_by_icookie, icookie, 8);
	struct hnode *n;

	for (n = htable_first(&d->sa_by_icookie, h); n; n = htable_next(n, h)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, by_icookie);

		if (memcmp(sa->icookie, icookie, 8))
			continue;
		if (!memcmp(sa->rcookie, rcookie, 8) ||
		    (sa->initiator && !memcmp(sa->rcookie, zero_cookie, 8)))
			return sa;
	}
	return NULL;
}

/* Our responder SA for a peer's first message, when the peer sends it
 * again (it has not seen our answer, so its responder cookie is zero). */
struct ike_sa *ike_sa_find_responder(struct ike_daemon *d, const uint8_t icookie[8],
				     const struct sockaddr *from)
{
	uint64_t h = htable_hash(&d->sa_by_icookie, icookie, 8);
	struct hnode *n;

	for (n = htable_first(&d->sa_by_icookie, h); n; n = htable_next(n, h)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, by_icookie);

		if (!sa->initiator && !memcmp(sa->icookie, icookie, 8) &&
		    sockaddr_equal((const struct sockaddr *)&sa->ep.remote.sa,
				   (const struct sockaddr *)from))
			return sa;
	}
	return NULL;
}

/* Another connection may use this ISAKMP SA only if it would have
 * accepted it: the same peer identity and authentication, and the
 * negotiated algorithms in its ike= list. */
bool ike_sa_fits(const struct ike_sa *sa, const struct conn *c)
{
	return conf_id_equal(&c->remote.id, &sa->conn->remote.id) &&
	       conf_id_equal(&c->local.id, &sa->conn->local.id) && ike_sa_suite_in(sa, c) &&
	       ra_sa_fits(sa, c);
}

bool ike_sa_suite_in(const struct ike_sa *sa, const struct conn *c)
{
	unsigned i;

	if (ra_wire_auth(c) != sa->auth)
		return false;
	for (i = 0; i < c->ike.n; i++)
		if (c->ike.p[i].encr == sa->encr && c->ike.p[i].integ == sa->hash &&
		    c->ike.p[i].dh == sa->group)
			return true;
	return false;
}

void ike_sa_log(const struct ike_sa *sa, int lvl, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg((enum log_level)lvl, "#%u %s: %s", sa->serial, sa->conn->name, line);
}

static void ike_sa_notify_up(struct ike_sa *sa, bool ok, const char *why)
{
	ike_up_fn fn = sa->up_fn;

	sa->up_fn = NULL;
	if (fn)
		fn(sa->up_arg, ok, why);
}

static const char no_memory_why[] = "out of memory recording why it failed";

const char *ike_sa_why(const struct ike_sa *sa)
{
	return sa->why ? sa->why : "";
}

bool ike_sa_set_why(struct ike_sa *sa, const char *why)
{
	char *copy = NULL;

	if (why[0] && !(copy = strdup(why)))
		return false;
	if (sa->why && sa->why[0] && sa->why != no_memory_why)
		free((char *)sa->why);
	sa->why = copy ? copy : "";
	return true;
}

#define WHY_LEN 512

/* Ends a negotiation that cannot go on: says why once, frees the SA soon
 * (not now: we may be deep in its own handler). */
void ike_sa_fail(struct ike_sa *sa, const char *fmt, ...)
{
	char why[WHY_LEN];
	va_list ap;

	if (sa->state == IKE_SA_DEAD)
		return;
	/* Through a copy: callers may pass sa->why itself as an argument. */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!ike_sa_set_why(sa, why)) {
		ike_sa_set_why(sa, "");
		sa->why = no_memory_why;
	}
	ike_sa_log(sa, LOG_LVL_ERR, "%s", why);
	ike_note_failure(sa->d, sa->conn->name, why);
	sa->state = IKE_SA_DEAD;
	ike_sa_unfile_peer(sa);
	pacing_finished(sa, false);
	quick_fail_all(sa, why);
	ike_sa_notify_up(sa, false, why);
	timer_cancel(sa->d->loop, &sa->xmit.timer);
	timer_arm(sa->d->loop, &sa->expire, 0);
}

void ike_sa_established(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->d;

	halfopen_del(sa);
	pacing_finished(sa, true);
	sa->state = IKE_SA_ESTABLISHED;
	ike_sa_file_peer(sa);
	ike_sa_set_why(sa, ""); /* a likely reason of a message dropped on the way */
	ra_note_peer(sa);	/* the peer's ID, before the exchange goes */
	/* The negotiation is over: the SA keeps its keys and IV base only. */
	exchange_end(&sa->x);
	/* Our last message answers copies of the peer's while it may still
	 * retransmit (a lost MM6), then goes (ike_sa_retransmit). */
	timer_arm(d->loop, &sa->xmit.timer, xmit_span_ms(d));
	sa->established_ms = loop_now_ms();
	timer_arm(d->loop, &sa->expire, (uint64_t)sa->lifetime_s * 1000);
	ike_sa_log(sa, LOG_LVL_INFO, "ISAKMP SA established with %s/%s/%s, lifetime %u s",
		   sa->encr->display, sa->hash->display, sa->group->display, sa->lifetime_s);
	if (!ra_established(sa) && sa->want_child) { /* XAUTH, Mode Config first */
		ike_up_fn fn = sa->up_fn;

		sa->want_child = false;
		sa->up_fn = NULL;
		quick_initiate(sa, NULL, fn, sa->up_arg);
	}
	ra_wait_arm(sa); /* a client gives up on a server that never asks */
	dpd_established(sa);
	rekey_ike_established(sa); /* its timer; the SA it replaces goes */
}

void ike_sa_likely(struct ike_sa *sa, const char *fmt, ...)
{
	char why[WHY_LEN];
	va_list ap;

	if (sa->state != IKE_SA_NEGOTIATING)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ike_sa_set_why(sa, why);
	ike_sa_log(sa, LOG_LVL_WARN, "%s; dropped, still waiting for a valid answer", why);
}

static void ike_sa_retransmit(void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_SA_ESTABLISHED) {
		/* The peer's retransmissions are over: nothing to answer. */
		buf_free(&sa->xmit.last_sent);
		return;
	}
	if (xmit_retransmit(sa, &sa->xmit)) {
		pacing_retransmitted(sa);
		ike_sa_log(sa, LOG_LVL_INFO, "no answer from peer yet, retransmit %u",
			   sa->xmit.tries);
		return;
	}
	if (sa->why[0])
		ike_sa_fail(sa, "%s (no valid answer after %u retransmits)", sa->why,
			    sa->d->retransmit_tries);
	else
		ike_sa_fail(sa, "peer did not answer %s message %u after %u retransmits, giving up",
			    sa->exchange == ISAKMP_XCHG_AGGRESSIVE ? "Aggressive Mode"
								   : "Main Mode",
			    sa->x ? sa->x->step : 0, sa->d->retransmit_tries);
}

static void ike_sa_expire(void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_SA_NEGOTIATING && sa->why[0])
		ike_sa_fail(sa, "%s (the negotiation did not complete in %u s)", sa->why,
			    (unsigned)((loop_now_ms() - sa->started_ms + 500) / 1000));
	else if (sa->state == IKE_SA_NEGOTIATING)
		ike_sa_fail(sa,
			    "negotiation did not complete in %u s (waiting for %s message %u), "
			    "abandoned",
			    (unsigned)((loop_now_ms() - sa->started_ms + 500) / 1000),
			    sa->exchange == ISAKMP_XCHG_AGGRESSIVE ? "Aggressive Mode"
								   : "Main Mode",
			    sa->x ? sa->x->step + 1 : 0);
	else if (sa->state == IKE_SA_ESTABLISHED) {
		/* Its IPsec SAs live on; a rekey makes a new ISAKMP SA. */
		ike_sa_log(sa, LOG_LVL_INFO, "ISAKMP SA lifetime of %u s expired, deleting it",
			   sa->lifetime_s);
		info_send_delete_isakmp(sa);
	}
	ike_sa_free(sa);
}

void ike_sa_free(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->d;

	/* Dead and out of the lookups before any callback runs: an answer
	 * to an up (the next pair of a group, a rekey) must not find this
	 * SA and start a Quick Mode or queue under it. */
	sa->state = IKE_SA_DEAD;
	ike_sa_unindex(sa);
	ike_sa_unfile_peer(sa);
	halfopen_del(sa);
	pacing_finished(sa, false);
	quick_free_all(sa);
	ike_sa_notify_up(sa, false, ike_sa_why(sa)[0] ? ike_sa_why(sa) : "ISAKMP SA deleted");
	pacing_quick_queue_free(sa); /* none should be, the SA dead: never leave one */
	if (sa->hashed)
		htable_del(&d->sa_by_icookie, &sa->by_icookie);
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		d->sas = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	xmit_clear(d, &sa->xmit);
	timer_cancel(d->loop, &sa->expire);
	natt_free(sa);
	dpd_sa_free(sa);
	rekey_ike_free(sa);
	exchange_free(d, sa->x);
	msgid_free(&sa->msgids);
	ra_sa_free(sa); /* its lease, its virtual IP */
	conn_ref_put(d, sa->cref);
	ike_creds_put(sa->creds);
	X509_free(sa->peer_cert);
	ike_sa_set_why(sa, "");
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}
