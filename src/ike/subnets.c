/* Several subnets per connection: the pairs of a group (conf/subnets.c)
 * come up under one ISAKMP SA, one Quick Mode each, and go down together.
 * The first pair runs phase 1 as any conn does (ike_up); when it has
 * answered, the others start their Quick Modes under the established SA
 * (ike_sa_for_conn finds it: the pairs share IDs and gateways), paced by
 * the SA's Quick Mode queue (pacing.c).  The next pairs start from a 0 ms
 * timer of the group's, never inside the answer of the one before: that
 * answer may come from deep inside the ISAKMP SA's own free. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/quick.h"
#include "ike/subnets.h"
#include "util/log.h"
#include "util/loop.h"
#include "wire/isakmp.h"
#include "wire/payload.h"

struct group_up;

struct pair_up {
	struct group_up *g;
	unsigned i;
	bool done, ok;
	char name[64];
	char why[256];
};

struct group_up {
	struct ike_daemon *d;
	ike_up_fn fn;
	void *arg;
	char name[64];
	unsigned n, answered;
	unsigned held; /* inside our own loops: answers that come at once wait */
	bool rest_started, one_by_one;
	struct timer kick; /* starts pair kick_next (0: the rest) from the loop */
	unsigned kick_next;
	struct pair_up p[];
};

static void pair_done(void *arg, bool ok, const char *why);

/* One line per pair after a first one that counts them. */
static void group_answer(struct group_up *g)
{
	size_t cap = 64 + (size_t)g->n * (sizeof(g->p[0].name) + sizeof(g->p[0].why) + 4), len;
	unsigned i, up = 0;
	char *text = malloc(cap);

	for (i = 0; i < g->n; i++)
		up += g->p[i].ok;
	if (!text) {
		g->fn(g->arg, false, "out of memory reporting the pairs");
		goto out;
	}
	len = (size_t)snprintf(text, cap, "%s: %u of %u pairs of subnets up", g->name, up, g->n);
	for (i = 0; i < g->n && len < cap; i++)
		len += (size_t)snprintf(text + len, cap - len, "\n%s: %s", g->p[i].name,
					g->p[i].ok ? "up" : g->p[i].why);
	log_msg(up == g->n ? LOG_LVL_INFO : LOG_LVL_WARN, "%s: %u of %u pairs of subnets up",
		g->name, up, g->n);
	g->fn(g->arg, up == g->n, text);
	free(text);
out:
	timer_cancel(g->d->loop, &g->kick);
	free(g);
}

static void pair_start(struct group_up *g, unsigned i)
{
	ike_up(g->d, g->p[i].name, pair_done, &g->p[i]);
}

/* ike_up may answer before it returns: the group is answered (and freed)
 * only once no loop of ours holds it. */
static void hold(struct group_up *g)
{
	g->held++;
}

static void release(struct group_up *g)
{
	if (!--g->held && g->answered == g->n)
		group_answer(g);
}

/* After the first pair answered: the others' Quick Modes under its ISAKMP
 * SA; without one (phase 1 failed), they fail with its reason rather than
 * each running a Main Mode of its own that would fail the same way. */
static void start_rest(struct group_up *g)
{
	const struct conn *c = conf_conn(g->d->conf, g->p[0].name);
	unsigned i;

	if (g->n == 1)
		return;
	if (c && ike_sa_for_conn(g->d, c)) {
		for (i = 1; i < g->n; i++)
			pair_start(g, i);
		return;
	}
	if (g->p[0].ok) {
		/* up before (its IPsec SA), but no ISAKMP SA now: one phase 1
		 * at a time, the next pair finds the SA the previous made */
		g->one_by_one = true;
		pair_start(g, 1);
		return;
	}
	for (i = 1; i < g->n; i++) {
		char why[sizeof(g->p[0].why) + 96];

		snprintf(why, sizeof(why), "not started: %s failed: %s", g->p[0].name, g->p[0].why);
		pair_done(&g->p[i], false, why);
	}
}

/* The group is held while the timer is armed: it cannot go under it. */
static void kick_fire(void *arg)
{
	struct group_up *g = arg;

	if (g->kick_next)
		pair_start(g, g->kick_next);
	else
		start_rest(g);
	release(g);
}

static void kick(struct group_up *g, unsigned next)
{
	if (timer_armed(&g->kick))
		return; /* one start at a time by construction: never two */
	g->kick_next = next;
	hold(g);
	if (timer_arm(g->d->loop, &g->kick, 0))
		kick_fire(g); /* no memory for the timer: now rather than never */
}

static void pair_done(void *arg, bool ok, const char *why)
{
	struct pair_up *p = arg;
	struct group_up *g = p->g;

	if (p->done)
		return;
	p->done = true;
	p->ok = ok;
	snprintf(p->why, sizeof(p->why), "%s", why ? why : "");
	g->answered++;
	hold(g);
	if (p->i == 0 && !g->rest_started) {
		g->rest_started = true;
		if (g->n > 1)
			kick(g, 0); /* may answer the others at once, from the loop */
	} else if (g->one_by_one && p->i + 1 < g->n)
		kick(g, p->i + 1);
	release(g);
}

int ike_up_group(struct ike_daemon *d, const char *name, ike_up_fn fn, void *arg)
{
	const struct conn *first;
	struct group_up *g;
	unsigned n, i;

	first = conf_group(d->conf, name, &n);
	if (!first)
		return -ENOENT;
	g = calloc(1, sizeof(*g) + n * sizeof(g->p[0]));
	if (!g) {
		fn(arg, false, "out of memory");
		return -ENOMEM;
	}
	g->d = d;
	g->fn = fn;
	g->arg = arg;
	g->n = n;
	timer_init(&g->kick, kick_fire, g);
	snprintf(g->name, sizeof(g->name), "%s", name);
	for (i = 0; i < n; i++) {
		g->p[i].g = g;
		g->p[i].i = i;
		memcpy(g->p[i].name, first[i].name, sizeof(g->p[i].name));
	}
	log_info("%s: bringing up %u pairs of subnets (%s ... %s)", name, n, g->p[0].name,
		 g->p[n - 1].name);
	/* The first pair runs phase 1, or finds an ISAKMP SA up already;
	 * when it answers, start_rest starts the others. */
	hold(g);
	pair_start(g, 0);
	release(g);
	return 0;
}

int ike_down_group(struct ike_daemon *d, const char *name)
{
	unsigned n = 0, i;
	const struct conn *first = conf_group(d->conf, name, &n);
	char member[64];

	if (!first)
		return -ENOENT;
	/* The last pair first: the first pair's conn owns the ISAKMP SA, so
	 * the Deletes of the others' IPsec SAs still go out under it. */
	for (i = n; i-- > 0;) {
		memcpy(member, first[i].name, sizeof(member));
		ike_down(d, member);
	}
	return 0;
}

bool quick_offer_spi(struct cursor sa_body, uint32_t *spi)
{
	const uint8_t *p = sa_body.p;

	/* DOI, situation (IPsec DOI: 4 bytes), then the first proposal:
	 * generic header, number, protocol, SPI size, transforms, SPI */
	if (sa_body.len < 8 + 8 + 4 || p[8 + 6] != 4)
		return false;
	*spi = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
	return true;
}

void quick_refused_by_spi(struct ike_sa *sa, const struct wire_notify *n)
{
	struct quick *q;
	uint32_t spi;

	if (n->spi_size == 4 && n->spi.len == 4) {
		spi = (uint32_t)n->spi.p[0] << 24 | (uint32_t)n->spi.p[1] << 16 |
		      (uint32_t)n->spi.p[2] << 8 | n->spi.p[3];
		for (q = sa->quicks; q; q = q->next_in_sa)
			if (q->initiator && q->state == QUICK_NEGOTIATING && q->x &&
			    q->x->spi_in == spi) {
				quick_refused(q, n->type);
				return;
			}
		/* about none of those under way: not theirs to fail */
		ike_sa_log(sa, LOG_LVL_INFO,
			   "peer sent %s for SPI %08x, none of our pending Quick Modes'",
			   wire_notify_name(n->type), spi);
		return;
	}
	quick_refused_all(sa, n->type);
}
