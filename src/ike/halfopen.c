/* Half-open accounting.  IKEv1 Main Mode cannot be stateless (MM3 does not
 * repeat the SA payload the hashes cover), so the state a spoofed MM1
 * makes is bounded instead: at most HALFOPEN_PER_SRC per source address
 * (more for an address named in right=), at most halfopen_max in all, of
 * which a quarter only for named peers; once a tenth of it is used, new
 * half-open SAs expire after HALFOPEN_SHORT_MS unless the peer answers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
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
	union sockaddr_inet addr; /* port zero */
	unsigned n;
	/* Its Main Modes before MM3, oldest first: MM1 is easily spoofed, so
	 * at the limit the oldest goes rather than the newcomer, or a few
	 * spoofed MM1s a minute would lock a named peer out. */
	struct mm_halfopen *mm_oldest, *mm_newest;
};

int halfopen_init(struct ike_daemon *d)
{
	int err = htable_init(&d->halfopen_by_src);

	return err ? err : htable_init(&d->mm_halfopen_by_icookie);
}

void halfopen_free(struct ike_daemon *d)
{
	struct hiter it;
	struct hnode *n;

	for (n = htable_iter_first(&d->mm_halfopen_by_icookie, &it); n; n = htable_iter_next(&it))
		halfopen_mm_free(container_of(n, struct mm_halfopen, by_icookie));
	htable_free(&d->mm_halfopen_by_icookie);
	for (n = htable_iter_first(&d->halfopen_by_src, &it); n; n = htable_iter_next(&it)) {
		htable_del(&d->halfopen_by_src, n);
		free(container_of(n, struct halfopen_src, node));
	}
	htable_free(&d->halfopen_by_src);
}

static uint64_t src_hash(struct ike_daemon *d, const struct sockaddr *a)
{
	size_t len = 0;
	const void *p = sockaddr_addr((const struct sockaddr *)a, &len);

	return htable_hash(&d->halfopen_by_src, p, p ? len : 0);
}

static struct halfopen_src *src_find(struct ike_daemon *d, const struct sockaddr *a)
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

static void halfopen_refused(struct ike_daemon *d, const struct sockaddr *from, const char *limit)
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

bool halfopen_admit(struct ike_daemon *d, const struct sockaddr *from, bool named)
{
	struct halfopen_src *s = src_find(d, from);
	unsigned room = named ? d->halfopen_max : d->halfopen_max - d->halfopen_max / 4;

	if (d->halfopen >= room) {
		halfopen_refused(d, from,
				 named ? "too many half-open ISAKMP SAs"
				       : "too many half-open ISAKMP SAs (the rest is kept for "
					 "peers named in right=)");
		return false;
	}
	if (s && s->n >= (named ? HALFOPEN_PER_NAMED_SRC : HALFOPEN_PER_SRC)) {
		if (!s->mm_oldest) {
			halfopen_refused(d, from,
					 "too many half-open ISAKMP SAs from this address");
			return false;
		}
		/* s survives: it still counts the others. */
		halfopen_refused(d, from,
				 "too many half-open ISAKMP SAs from this address: the oldest "
				 "Main Mode not past MM2 is let go");
		halfopen_mm_free(s->mm_oldest);
	}
	return true;
}

static struct halfopen_src *src_count(struct ike_daemon *d, const struct sockaddr *from)
{
	struct halfopen_src *s = src_find(d, from);

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		sockaddr_inet_set(&s->addr, from);
		sockaddr_set_port(&s->addr.sa, 0);
		htable_add(&d->halfopen_by_src, &s->node, src_hash(d, &s->addr.sa));
	}
	s->n++;
	d->halfopen++;
	return s;
}

static void src_uncount(struct ike_daemon *d, struct halfopen_src *s)
{
	d->halfopen--;
	if (--s->n == 0) {
		htable_del(&d->halfopen_by_src, &s->node);
		free(s);
	}
}

/* Under pressure a peer that does not answer our first message soon is
 * let go. */
static uint64_t halfopen_lifetime_ms(const struct ike_daemon *d, bool named)
{
	return !named && d->halfopen > d->halfopen_max / 10 ? HALFOPEN_SHORT_MS
							    : d->halfopen_timeout_ms;
}

int halfopen_add(struct ike_sa *sa, bool named)
{
	sa->halfopen = src_count(sa->d, &sa->ep.remote.sa);
	if (!sa->halfopen)
		return -ENOMEM;
	timer_arm(sa->d->loop, &sa->expire, halfopen_lifetime_ms(sa->d, named));
	return 0;
}

void halfopen_del(struct ike_sa *sa)
{
	if (!sa->halfopen)
		return;
	src_uncount(sa->d, sa->halfopen);
	sa->halfopen = NULL;
}

/* Main Mode responders before MM3 */

/* With its SA payload and MM2 copies (about 50 and 80 bytes for a usual
 * offer), a half-open Main Mode stays under 1 KB. */
_Static_assert(sizeof(struct mm_halfopen) <= 640, "a half-open Main Mode grew");

static const uint8_t zero_cookie[8];

static void mm_halfopen_expire(void *arg)
{
	struct mm_halfopen *h = arg;
	char peer[64];

	sockaddr_str((const struct sockaddr *)&h->ep.remote.sa, peer, sizeof(peer));
	log_info("#%u %s: %s did not send Main Mode message 3 in time: forgotten", h->serial,
		 h->conn, peer);
	halfopen_mm_free(h);
}

struct mm_halfopen *halfopen_mm_new(struct ike_daemon *d, const struct ike_msg *m, bool named)
{
	struct mm_halfopen *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->src = src_count(d, (const struct sockaddr *)&m->from);
	if (!h->src || crypto_random(h->rcookie, 8) < 0) {
		if (h->src)
			src_uncount(d, h->src);
		free(h);
		return NULL;
	}
	h->d = d;
	h->serial = ++d->next_serial;
	memcpy(h->icookie, m->hdr.icookie, 8);
	sockaddr_inet_set(&h->ep.local, (const struct sockaddr *)&m->local);
	sockaddr_inet_set(&h->ep.remote, (const struct sockaddr *)&m->from);
	h->ep.fd = m->fd;
	h->src_older = h->src->mm_newest;
	if (h->src_older)
		h->src_older->src_newer = h;
	else
		h->src->mm_oldest = h;
	h->src->mm_newest = h;
	timer_init(&h->expire, mm_halfopen_expire, h);
	timer_arm(d->loop, &h->expire, halfopen_lifetime_ms(d, named));
	htable_add(&d->mm_halfopen_by_icookie, &h->by_icookie,
		   htable_hash(&d->mm_halfopen_by_icookie, h->icookie, 8));
	return h;
}

struct mm_halfopen *halfopen_mm_find(struct ike_daemon *d, const uint8_t icookie[8],
				     const uint8_t rcookie[8], const struct sockaddr *from)
{
	uint64_t hash = htable_hash(&d->mm_halfopen_by_icookie, icookie, 8);
	struct hnode *n;

	for (n = htable_first(&d->mm_halfopen_by_icookie, hash); n; n = htable_next(n, hash)) {
		struct mm_halfopen *h = container_of(n, struct mm_halfopen, by_icookie);

		if (!memcmp(h->icookie, icookie, 8) &&
		    (!memcmp(h->rcookie, rcookie, 8) || !memcmp(rcookie, zero_cookie, 8)) &&
		    sockaddr_equal((struct sockaddr *)&h->ep.remote.sa,
				   (const struct sockaddr *)from))
			return h;
	}
	return NULL;
}

struct halfopen_src *halfopen_mm_detach(struct mm_halfopen *h)
{
	struct halfopen_src *s = h->src;

	if (!s)
		return NULL;
	if (h->src_older)
		h->src_older->src_newer = h->src_newer;
	else
		s->mm_oldest = h->src_newer;
	if (h->src_newer)
		h->src_newer->src_older = h->src_older;
	else
		s->mm_newest = h->src_older;
	h->src = NULL;
	h->src_older = h->src_newer = NULL;
	return s;
}

void halfopen_mm_free(struct mm_halfopen *h)
{
	struct ike_daemon *d = h->d;
	struct halfopen_src *s = halfopen_mm_detach(h);

	htable_del(&d->mm_halfopen_by_icookie, &h->by_icookie);
	timer_cancel(d->loop, &h->expire);
	if (s)
		src_uncount(d, s);
	free(h->sai);
	free(h->mm2);
	free(h);
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
