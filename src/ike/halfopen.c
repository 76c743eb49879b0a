/* Half-open accounting.  IKEv1 Main Mode cannot be stateless (MM3 does not
 * repeat the SA payload the hashes cover), so the state a spoofed MM1
 * makes is bounded instead: at most HALFOPEN_PER_SRC per source address
 * (more for an address named in right=), at most halfopen_max in all, of
 * which a quarter only for named peers; once a tenth of it is used, new
 * half-open SAs expire after HALFOPEN_SHORT_MS unless the peer answers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/halfopen.h"
#include "net/sockaddr.h"
#include "util/log.h"

#define HALFOPEN_PER_SRC       16
#define HALFOPEN_PER_NAMED_SRC 64
#define HALFOPEN_SHORT_MS      5000
/* Aggressive Mode makes the responder do a full DH for anyone who asks:
 * at most AM_RATE answers a second, in bursts of at most AM_RATE. */
#define AM_RATE 50

/* The half-open SAs of one source address. */
struct halfopen_src {
	struct hnode node;
	struct sockaddr_storage addr; /* port zero */
	unsigned n;
};

int halfopen_init(struct ike_daemon *d)
{
	return htable_init(&d->halfopen_by_src);
}

void halfopen_free(struct ike_daemon *d)
{
	struct hiter it;
	struct hnode *n;

	for (n = htable_iter_first(&d->halfopen_by_src, &it); n; n = htable_iter_next(&it)) {
		htable_del(&d->halfopen_by_src, n);
		free(container_of(n, struct halfopen_src, node));
	}
	htable_free(&d->halfopen_by_src);
}

static uint64_t src_hash(struct ike_daemon *d, const struct sockaddr_storage *a)
{
	size_t len = 0;
	const void *p = sockaddr_addr((const struct sockaddr *)a, &len);

	return htable_hash(&d->halfopen_by_src, p, p ? len : 0);
}

static struct halfopen_src *src_find(struct ike_daemon *d, const struct sockaddr_storage *a)
{
	uint64_t h = src_hash(d, a);
	struct hnode *n;

	for (n = htable_first(&d->halfopen_by_src, h); n; n = htable_next(n, h)) {
		struct halfopen_src *s = container_of(n, struct halfopen_src, node);

		if (sockaddr_addr_equal((struct sockaddr *)&s->addr, (const struct sockaddr *)a))
			return s;
	}
	return NULL;
}

static void halfopen_refused(struct ike_daemon *d, const struct sockaddr_storage *from,
			     const char *limit)
{
	char peer[64];

	d->dropped_halfopen++;
	if (loop_now_ms() - d->halfopen_warned_ms < 1000)
		return;
	d->halfopen_warned_ms = loop_now_ms();
	sockaddr_str((const struct sockaddr *)from, peer, sizeof(peer));
	log_warn("%s: new exchange dropped: %s (%u half-open ISAKMP SAs in all, %llu first "
		 "messages dropped so far)",
		 peer, limit, d->halfopen, (unsigned long long)d->dropped_halfopen);
}

bool halfopen_admit(struct ike_daemon *d, const struct sockaddr_storage *from, bool named)
{
	const struct halfopen_src *s = src_find(d, from);
	unsigned room = named ? d->halfopen_max : d->halfopen_max - d->halfopen_max / 4;

	if (d->halfopen >= room) {
		halfopen_refused(d, from,
				 named ? "too many half-open ISAKMP SAs"
				       : "too many half-open ISAKMP SAs (the rest is kept for "
					 "peers named in right=)");
		return false;
	}
	if (s && s->n >= (named ? HALFOPEN_PER_NAMED_SRC : HALFOPEN_PER_SRC)) {
		halfopen_refused(d, from, "too many half-open ISAKMP SAs from this address");
		return false;
	}
	return true;
}

int halfopen_add(struct ike_sa *sa, bool named)
{
	struct ike_daemon *d = sa->d;
	struct halfopen_src *s = src_find(d, &sa->remote);

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->addr = sa->remote;
		sockaddr_set_port((struct sockaddr *)&s->addr, 0);
		htable_add(&d->halfopen_by_src, &s->node, src_hash(d, &s->addr));
	}
	s->n++;
	sa->halfopen = s;
	d->halfopen++;
	/* Under pressure a peer that does not answer MM2 soon is let go. */
	if (!named && d->halfopen > d->halfopen_max / 10)
		timer_arm(d->loop, &sa->expire, HALFOPEN_SHORT_MS);
	return 0;
}

void halfopen_del(struct ike_sa *sa)
{
	struct halfopen_src *s = sa->halfopen;

	if (!s)
		return;
	sa->halfopen = NULL;
	sa->d->halfopen--;
	if (--s->n == 0) {
		htable_del(&sa->d->halfopen_by_src, &s->node);
		free(s);
	}
}

void halfopen_answered(struct ike_sa *sa)
{
	if (sa->halfopen && sa->state == IKE_SA_NEGOTIATING)
		timer_arm(sa->d->loop, &sa->expire, sa->d->halfopen_timeout_ms);
}

bool halfopen_am_admit(struct ike_daemon *d)
{
	uint64_t now = loop_now_ms();

	/* A token bucket in thousandths of an answer: refilled by the time
	 * passed, capped at one second's worth. */
	d->am_tokens += (now - d->am_refill_ms) * AM_RATE;
	d->am_refill_ms = now;
	if (d->am_tokens > AM_RATE * 1000)
		d->am_tokens = AM_RATE * 1000;
	if (d->am_tokens < 1000)
		return false;
	d->am_tokens -= 1000;
	return true;
}
