/* XAUTH failure throttling (xauth_throttle.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "ike/xauth_throttle.h"
#include "net/sockaddr.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/loop.h"

enum { KIND_USER, KIND_ADDR, NKINDS };

struct xthr_entry {
	struct hnode node;
	struct xthr_entry *newer, *older; /* the kind's LRU list */
	uint8_t kind;
	uint8_t keylen;
	uint8_t key[128];
	unsigned fails, pending, level;
	uint64_t window_start_ms, locked_until_ms, last_fail_ms;
};

struct xthr_kind {
	struct htable by_key;
	struct xthr_entry *newest, *oldest;
	unsigned n;
};

struct xauth_throttle {
	struct xthr_cfg cfg;
	struct xthr_kind k[NKINDS];
};

int xthr_new(const struct xthr_cfg *cfg, struct xauth_throttle **out)
{
	struct xauth_throttle *t = calloc(1, sizeof(*t));
	int i, err = 0;

	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	for (i = 0; i < NKINDS && !err; i++)
		err = htable_init(&t->k[i].by_key);
	if (err) {
		while (i-- > 0)
			htable_free(&t->k[i].by_key);
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

void xthr_free(struct xauth_throttle *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < NKINDS; i++) {
		struct xthr_entry *e = t->k[i].newest, *next;

		for (; e; e = next) {
			next = e->older;
			free(e);
		}
		htable_free(&t->k[i].by_key);
	}
	free(t);
}

unsigned xthr_count(const struct xauth_throttle *t, int kind)
{
	return t->k[kind].n;
}

static void lru_unlink(struct xthr_kind *k, struct xthr_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		k->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		k->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(struct xthr_kind *k, struct xthr_entry *e)
{
	e->older = k->newest;
	e->newer = NULL;
	if (k->newest)
		k->newest->newer = e;
	else
		k->oldest = e;
	k->newest = e;
}

static void evict(struct xthr_kind *k, uint64_t now_ms)
{
	struct xthr_entry *e = k->oldest, *victim = k->oldest;
	unsigned look;

	/* the oldest of the last 16 that is neither locked nor checking */
	for (look = 0; e && look < 16; e = e->newer, look++)
		if (!e->pending && e->locked_until_ms <= now_ms) {
			victim = e;
			break;
		}
	if (!victim)
		return;
	lru_unlink(k, victim);
	htable_del(&k->by_key, &victim->node);
	k->n--;
	free(victim);
}

static size_t make_key(int kind, const char *user, const struct sockaddr *peer, uint8_t *key)
{
	size_t len = 0;
	const void *a;

	if (kind == KIND_USER) {
		len = strnlen(user, 127);
		memcpy(key, user, len);
		return len;
	}
	a = sockaddr_addr(peer, &len);
	if (!a || len > 16)
		return 0;
	key[0] = (uint8_t)peer->sa_family;
	memcpy(key + 1, a, len);
	return len + 1;
}

/* The entry of user (or peer), made if create; NULL if none. */
static struct xthr_entry *entry(struct xauth_throttle *t, int kind, const char *user,
				const struct sockaddr *peer, bool create, uint64_t now_ms)
{
	struct xthr_kind *k = &t->k[kind];
	uint8_t key[128];
	size_t len = make_key(kind, user, peer, key);
	uint64_t h;
	struct hnode *n;
	struct xthr_entry *e;

	if (!len)
		return NULL;
	h = htable_hash(&k->by_key, key, len);
	for (n = htable_first(&k->by_key, h); n; n = htable_next(n, h)) {
		e = container_of(n, struct xthr_entry, node);
		if (e->keylen == len && !memcmp(e->key, key, len)) {
			lru_unlink(k, e);
			lru_push(k, e);
			return e;
		}
	}
	if (!create)
		return NULL;
	if (k->n >= t->cfg.cap)
		evict(k, now_ms);
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->kind = (uint8_t)kind;
	e->keylen = (uint8_t)len;
	memcpy(e->key, key, len);
	htable_add(&k->by_key, &e->node, h);
	lru_push(k, e);
	k->n++;
	return e;
}

/* Failures in the window (an old window starts again). */
static unsigned window_fails(const struct xauth_throttle *t, struct xthr_entry *e, uint64_t now_ms)
{
	if (now_ms - e->window_start_ms >= t->cfg.window_ms) {
		e->fails = 0;
		e->window_start_ms = now_ms;
	}
	return e->fails;
}

static bool refuses(const struct xauth_throttle *t, struct xthr_entry *e, uint64_t now_ms)
{
	return e && (e->locked_until_ms > now_ms ||
		     window_fails(t, e, now_ms) + e->pending >= t->cfg.max_fails);
}

static void say_refusal(const struct xauth_throttle *t, const struct xthr_entry *e, const char *who,
			uint64_t now_ms, char *why, size_t whylen)
{
	if (e->locked_until_ms > now_ms)
		snprintf(why, whylen, "%s is locked out for %llu s more after %u failed tries", who,
			 (unsigned long long)((e->locked_until_ms - now_ms + 999) / 1000),
			 t->cfg.max_fails);
	else
		snprintf(why, whylen,
			 "%s has as many XAUTH checks under way as failures it may still have",
			 who);
}

int xthr_admit(struct xauth_throttle *t, const char *user, const struct sockaddr *peer,
	       uint64_t now_ms, char *why, size_t whylen)
{
	struct xthr_entry *u = entry(t, KIND_USER, user, peer, false, now_ms);
	struct xthr_entry *a = entry(t, KIND_ADDR, user, peer, false, now_ms);
	char who[180], addr[64] = "?";

	sockaddr_addr_str(peer, addr, sizeof(addr));
	if (refuses(t, u, now_ms)) {
		snprintf(who, sizeof(who), "XAUTH user '%.100s'", user);
		say_refusal(t, u, who, now_ms, why, whylen);
		return -EAGAIN;
	}
	if (refuses(t, a, now_ms)) {
		snprintf(who, sizeof(who), "address %s", addr);
		say_refusal(t, a, who, now_ms, why, whylen);
		return -EAGAIN;
	}
	u = entry(t, KIND_USER, user, peer, true, now_ms);
	a = entry(t, KIND_ADDR, user, peer, true, now_ms);
	if (!u || !a)
		return -ENOMEM;
	u->pending++;
	a->pending++;
	return 0;
}

/* One more failure of e: true if its lockout starts now. */
static bool fail(const struct xauth_throttle *t, struct xthr_entry *e, uint64_t now_ms)
{
	uint64_t lock;

	if (e->last_fail_ms && now_ms - e->last_fail_ms >= t->cfg.lock_cap_ms)
		e->level = 0; /* quiet long enough: back to the first lockout's length */
	e->last_fail_ms = now_ms;
	if (window_fails(t, e, now_ms) + 1 < t->cfg.max_fails) {
		e->fails++;
		return false;
	}
	lock = (uint64_t)t->cfg.lock_ms << (e->level < 20 ? e->level : 20);
	if (lock > t->cfg.lock_cap_ms)
		lock = t->cfg.lock_cap_ms;
	e->locked_until_ms = now_ms + lock;
	e->level++;
	e->fails = 0;
	e->window_start_ms = now_ms;
	return true;
}

static void lock_log(const struct xauth_throttle *t, const struct xthr_entry *e, bool lock_u,
		     bool lock_a, const char *user, const char *addr, uint64_t now_ms)
{
	uint64_t ms = e->locked_until_ms - now_ms;
	char len[128];

	snprintf(len, sizeof(len), "%llu.%llu s after %u failed tries within %u.%u s",
		 (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000 / 100),
		 t->cfg.max_fails, t->cfg.window_ms / 1000, t->cfg.window_ms % 1000 / 100);
	if (lock_u && lock_a)
		log_warn("XAUTH: user '%.100s' and address %s locked out for %s", user, addr, len);
	else if (lock_u)
		log_warn("XAUTH: user '%.100s' locked out for %s (the last from %s)", user, len,
			 addr);
	else
		log_warn("XAUTH: address %s locked out for %s (the last for user '%.100s')", addr,
			 len, user);
}

void xthr_done(struct xauth_throttle *t, const char *user, const struct sockaddr *peer,
	       enum xthr_result res, uint64_t now_ms)
{
	bool failed = res == XTHR_FAILED;
	struct xthr_entry *u = entry(t, KIND_USER, user, peer, failed, now_ms);
	struct xthr_entry *a = entry(t, KIND_ADDR, user, peer, failed, now_ms);
	bool lock_u, lock_a;
	char addr[64] = "?";

	if (u && u->pending)
		u->pending--;
	if (a && a->pending)
		a->pending--;
	if (res == XTHR_PASSED && u) {
		u->fails = 0;
		u->level = 0;
	}
	if (!failed || !u || !a)
		return;
	lock_u = fail(t, u, now_ms);
	lock_a = fail(t, a, now_ms);
	if (!lock_u && !lock_a)
		return;
	sockaddr_addr_str(peer, addr, sizeof(addr));
	lock_log(t, lock_u ? u : a, lock_u, lock_a, user, addr, now_ms);
}

struct xauth_throttle *xthr_of(struct ike_daemon *d)
{
	static const struct xthr_cfg defaults = XTHR_DEFAULTS;

	if (!d->xthr && xthr_new(&defaults, &d->xthr))
		d->xthr = NULL;
	return d->xthr;
}
