/* What the whole-exchange tests share: two engines in one process, west
 * (192.0.2.1) and east (192.0.2.2), on one loop, no sockets,
 * dataplane=none.  What one sends is queued and given to the other's
 * ike_packet_input from the loop, so retransmission, lost messages and DH
 * jobs run as in the daemon.  A side's Nth message can be lost or
 * delivered twice; the loop runs until `up` answers or for a time. */
#ifndef OAKLEY_TESTS_EXCHANGE_FIXTURE_H
#define OAKLEY_TESTS_EXCHANGE_FIXTURE_H

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/helpers.h"
#include "ike/exchange.h"
#include "ike/ike.h"
#include "ike/informational.h"
#include "ike/quick.h"

#define WEST 0
#define EAST 1

static const char *const west_here[] = {"192.0.2.1", NULL};
static const char *const east_here[] = {"192.0.2.2", NULL};

struct pkt {
	struct pkt *next;
	int to;
	struct sockaddr_storage from, local;
	size_t len;
	uint8_t data[];
};

struct side {
	struct net *n;
	int idx;
};

struct net {
	struct loop *loop;
	struct ike_daemon *d[2];
	struct conf *conf[2];
	char *paths[4];
	struct side side[2];
	struct pkt *head, **tail;
	struct timer deliver, guard;
	unsigned sent[2];
	/* the side's messages to lose and to deliver twice, bit N-1 for
	 * its Nth (net_lose, net_duplicate) */
	uint64_t lose[2], dup[2];
	bool done, ok, timed_out;
	char why[512];
	/* called after each delivered message (NULL: nothing), to sample
	 * what the engines hold between messages */
	void (*watch)(struct net *n);
};

/* The side's Nth message (1: its first) is lost on the way. */
static inline void net_lose(struct net *n, int side, unsigned nth)
{
	n->lose[side] |= 1ull << (nth - 1);
}

/* The side's Nth message arrives twice, the copy right after it. */
static inline void net_duplicate(struct net *n, int side, unsigned nth)
{
	n->dup[side] |= 1ull << (nth - 1);
}

static inline void net_deliver(void *arg)
{
	struct net *n = arg;
	struct pkt *p = n->head;

	if (!p)
		return;
	n->head = p->next;
	if (!n->head)
		n->tail = &n->head;
	ike_packet_input(n->d[p->to], -1, p->data, p->len, &p->from, &p->local);
	free(p);
	if (n->watch)
		n->watch(n);
	if (n->head)
		timer_arm(n->loop, &n->deliver, 0);
}

static inline void net_queue(struct net *n, int from, const struct ike_endpoint *ep,
			     const uint8_t *msg, size_t len)
{
	struct pkt *p = calloc(1, sizeof(*p) + len);

	assert_non_null(p);
	p->to = !from;
	memset(&p->from, 0, sizeof(p->from));
	memset(&p->local, 0, sizeof(p->local));
	memcpy(&p->from, &ep->local, sockaddr_len(&ep->local.sa));
	memcpy(&p->local, &ep->remote, sockaddr_len(&ep->remote.sa));
	p->len = len;
	memcpy(p->data, msg, len);
	*n->tail = p;
	n->tail = &p->next;
	timer_arm(n->loop, &n->deliver, 0);
}

static inline void net_send(void *arg, const struct ike_endpoint *ep, const uint8_t *msg,
			    size_t len)
{
	struct side *s = arg;
	struct net *n = s->n;
	unsigned nth = ++n->sent[s->idx];
	uint64_t bit = nth <= 64 ? 1ull << (nth - 1) : 0;

	if (n->lose[s->idx] & bit)
		return;
	net_queue(n, s->idx, ep, msg, len);
	if (n->dup[s->idx] & bit)
		net_queue(n, s->idx, ep, msg, len);
}

static inline void net_guard(void *arg)
{
	struct net *n = arg;

	n->timed_out = true;
	loop_stop(n->loop);
}

static inline struct conf *net_conf(struct net *n, int idx, const char *conf, const char *secrets)
{
	struct conf *c = NULL;
	char err[512];
	int ret;

	n->paths[idx * 2] = tmp_file(conf, 0644);
	n->paths[idx * 2 + 1] = tmp_file(secrets, 0600);
	ret = conf_load(n->paths[idx * 2], n->paths[idx * 2 + 1], stub_is_local,
			(void *)(idx == WEST ? west_here : east_here), &c, err, sizeof(err));
	if (ret)
		fail_msg("conf_load: %d %s", ret, err);
	return c;
}

/* One connection, "site", the same on both sides; %s is esp='s tail. */
static const char base_conf[] = "config setup\n"
				"\tdataplane=none\n"
				"\tretransmit_timeout=0.2\n"
				"\tretransmit_tries=2\n"
				"conn site\n"
				"\tleft=192.0.2.1\n"
				"\tleftsubnet=10.1.0.0/24\n"
				"\tright=192.0.2.2\n"
				"\trightsubnet=10.2.0.0/24\n"
				"\tauthby=secret\n"
				"\tike=aes128-sha256-ecp256\n"
				"\tesp=aes128-sha256%s\n"
				"\tauto=add\n";

/* A copy of text with the first `from` replaced by `to`. */
static inline void replace(char *out, size_t len, const char *text, const char *from,
			   const char *to)
{
	const char *at = strstr(text, from);

	assert_non_null(at);
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* Connections t0 ... t<last> between the fixture's gateways, the same IDs
 * (the addresses) and subnets 10.1.i.0/24 and 10.2.i.0/24: they share one
 * ISAKMP SA.  setup: more config setup lines. */
static inline void net_conf_many(char *out, size_t len, const char *setup, unsigned last)
{
	size_t at;
	unsigned i;

	at = (size_t)snprintf(out, len, "config setup\n\tdataplane=none\n%s", setup);
	for (i = 0; i <= last; i++) {
		at += (size_t)snprintf(out + at, len - at,
				       "conn t%u\n\tleft=192.0.2.1\n\tleftsubnet=10.1.%u.0/24\n"
				       "\tright=192.0.2.2\n\trightsubnet=10.2.%u.0/24\n"
				       "\tauthby=secret\n\tike=aes128-sha256-ecp256\n"
				       "\tesp=aes128-sha256\n\tauto=add\n",
				       i, i, i);
		assert_true(at < len);
	}
}

/* The two daemons, each with its configuration and secrets text. */
static inline void net_start_secrets(struct net *n, const char *west_conf, const char *east_conf,
				     const char *west_secrets, const char *east_secrets)
{
	int i;

	memset(n, 0, sizeof(*n));
	n->tail = &n->head;
	assert_int_equal(loop_new(&n->loop), 0);
	timer_init(&n->deliver, net_deliver, n);
	timer_init(&n->guard, net_guard, n);
	for (i = 0; i < 2; i++) {
		n->conf[i] = net_conf(n, i, i == WEST ? west_conf : east_conf,
				      i == WEST ? west_secrets : east_secrets);
		n->side[i] = (struct side){n, i};
		assert_int_equal(
			ike_daemon_new_inproc(n->loop, n->conf[i], net_send, &n->side[i], &n->d[i]),
			0);
	}
}

/* The two daemons, each with its configuration text and key. */
static inline void net_start_confs(struct net *n, const char *west_conf, const char *east_conf,
				   const char *west_psk, const char *east_psk)
{
	char secrets[2][256];
	int i;

	for (i = 0; i < 2; i++)
		snprintf(secrets[i], sizeof(secrets[i]), "192.0.2.1 192.0.2.2 : PSK \"%s\"\n",
			 i == WEST ? west_psk : east_psk);
	net_start_secrets(n, west_conf, east_conf, secrets[WEST], secrets[EAST]);
}

static inline void net_start(struct net *n, const char *esp_tail, const char *west_psk,
			     const char *east_psk)
{
	char conf[1024];

	snprintf(conf, sizeof(conf), base_conf, esp_tail);
	net_start_confs(n, conf, conf, west_psk, east_psk);
}

static inline void net_stop(struct net *n)
{
	int i;

	for (i = 0; i < 2; i++)
		ike_daemon_free(n->d[i]);
	while (n->head) {
		struct pkt *p = n->head;

		n->head = p->next;
		free(p);
	}
	loop_free(n->loop);
	for (i = 0; i < 2; i++)
		conf_free(n->conf[i]);
	for (i = 0; i < 4; i++)
		tmp_remove(n->paths[i]);
}

static inline void up_done(void *arg, bool ok, const char *why)
{
	struct net *n = arg;

	n->done = true;
	n->ok = ok;
	snprintf(n->why, sizeof(n->why), "%s", why);
	loop_stop(n->loop);
}

/* oakleyctl up NAME at a side; runs until it answers (or 20 s). */
static inline void net_up_at(struct net *n, int side, const char *name)
{
	n->done = false;
	timer_arm(n->loop, &n->guard, 20000);
	ike_up(n->d[side], name, up_done, n); /* up_done says how it went */
	if (!n->done)
		loop_run(n->loop);
	timer_cancel(n->loop, &n->guard);
	assert_false(n->timed_out);
	assert_true(n->done);
}

/* oakleyctl up site at west. */
static inline void net_up(struct net *n)
{
	net_up_at(n, WEST, "site");
}

/* Runs the loop for ms (the peer's last answers, the reaper). */
static inline void net_run_ms(struct net *n, uint64_t ms)
{
	timer_arm(n->loop, &n->guard, ms);
	loop_run(n->loop);
	n->timed_out = false;
}

static inline const struct child_sa *only_child(const struct ike_daemon *d)
{
	assert_non_null(d->children);
	assert_null(d->children->next);
	return d->children;
}

/* A daemon's first established ISAKMP SA, or NULL. */
static inline struct ike_sa *net_established(struct ike_daemon *d)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next)
		if (sa->state == IKE_SA_ESTABLISHED)
			return sa;
	return NULL;
}

/* side sends what spec builds (from state) as a protected Informational
 * with message ID msgid under its established ISAKMP SA; the loop runs
 * 100 ms to deliver it. */
static inline void net_send_info(struct net *n, int side, const struct send_spec *spec, void *state,
				 uint32_t msgid)
{
	struct ike_sa *sa = net_established(n->d[side]);
	struct isakmp_hdr h = {0};
	uint8_t iv[IKE_MAX_BLOCK];
	struct buf msg;
	size_t hash_off;

	assert_non_null(sa);
	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	h.exchange = ISAKMP_XCHG_INFO;
	h.msgid = msgid;
	assert_int_equal(send_spec_build(spec, state, &h, sa->prf_len, &msg, &hash_off), 0);
	assert_int_equal(hashed_fill(sa, &msg, hash_off, h.msgid, NULL), 0);
	assert_int_equal(sa_phase2_iv(sa, h.msgid, iv), 0);
	assert_int_equal(send_protected(sa, &msg, iv, NULL, false), 0);
	buf_free(&msg);
	net_run_ms(n, 100);
}

/* The last failure a side recorded for a connection, or NULL. */
static inline const char *net_failure(const struct net *n, int side, const char *conn)
{
	const struct ike_failure *f;

	for (f = n->d[side]->failures; f; f = f->next)
		if (!strcmp(f->conn, conn))
			return f->why;
	return NULL;
}

#endif
