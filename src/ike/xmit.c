/* Sending with retransmission: the initiator of an exchange resends its
 * last message with exponential backoff; either side answers a message it
 * has already seen by resending its last reply, once per copy received. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/prf.h"
#include "ike/frag.h"
#include "ike/ike.h"
#include "net/udp.h"
#include "util/log.h"

void xmit_init(struct xmit *x, loop_timer_fn fn, void *arg)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->last_sent);
	timer_init(&x->timer, fn, arg);
}

void xmit_clear(struct ike_daemon *d, struct xmit *x)
{
	timer_cancel(d->loop, &x->timer);
	buf_free(&x->last_sent);
}

void ike_send(struct ike_daemon *d, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	ssize_t n;
	char peer[64];

	if (d->send) {
		d->send(d->send_arg, ep, msg, len);
		return;
	}
	if (natt_sock_is(d, ep->fd)) /* port 4500: after the non-ESP marker */
		n = udp_send_natt(ep->fd, msg, len, &ep->remote.sa, &ep->local.sa);
	else
		n = udp_send(ep->fd, msg, len, (const struct sockaddr *)&ep->remote,
			     (const struct sockaddr *)&ep->local);
	if (n < 0) {
		sockaddr_str((const struct sockaddr *)&ep->remote, peer, sizeof(peer));
		log_warn("sending %zu bytes to %s failed: %s", len, peer, strerror((int)-n));
	}
}

/* Kept at its size: finished exchanges keep their last message a while. */
static int xmit_keep(struct xmit *x, const struct buf *msg)
{
	uint8_t *copy = malloc(msg->len ? msg->len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg->data, msg->len);
	buf_free(&x->last_sent);
	x->last_sent.data = copy;
	x->last_sent.len = x->last_sent.cap = msg->len;
	return 0;
}

int xmit_send(struct ike_sa *sa, struct xmit *x, struct buf *msg, bool retransmit)
{
	struct ike_daemon *d = sa->d;
	int err = xmit_keep(x, msg);

	buf_free(msg);
	if (err)
		return err;
	x->tries = 0;
	xmit_resend(sa, x);
	if (retransmit)
		return timer_arm(d->loop, &x->timer, d->retransmit_base_ms);
	timer_cancel(d->loop, &x->timer);
	return 0;
}

void xmit_resend(struct ike_sa *sa, const struct xmit *x)
{
	if (x->last_sent.len) /* whole, or as fragments (frag.h) */
		frag_send(sa, x->last_sent.data, x->last_sent.len);
}

/* The wait after the tries-th retransmission: doubling, up to the limit. */
static uint64_t xmit_wait_ms(const struct ike_daemon *d, unsigned tries)
{
	uint64_t wait_ms = (uint64_t)d->retransmit_base_ms << tries;

	if (d->retransmit_limit_ms && wait_ms > d->retransmit_limit_ms)
		wait_ms = d->retransmit_limit_ms;
	return wait_ms;
}

uint64_t xmit_span_ms(const struct ike_daemon *d)
{
	uint64_t span = 0;
	unsigned i;

	for (i = 0; i <= d->retransmit_tries; i++)
		span += xmit_wait_ms(d, i);
	return span;
}

bool xmit_retransmit(struct ike_sa *sa, struct xmit *x)
{
	struct ike_daemon *d = sa->d;

	if (++x->tries > d->retransmit_tries)
		return false;
	xmit_resend(sa, x);
	timer_arm(d->loop, &x->timer, xmit_wait_ms(d, x->tries));
	return true;
}

bool xmit_repeat(const struct xmit *x, const uint8_t *msg, size_t len, uint8_t digest[20])
{
	struct iovec iov = {(void *)msg, len};

	if (crypto_hash("SHA1", &iov, 1, digest) < 0)
		return false;
	return x->have_last_recv && !memcmp(digest, x->last_recv_digest, 20);
}

void xmit_accepted(struct xmit *x, const uint8_t digest[20], bool answered)
{
	memcpy(x->last_recv_digest, digest, sizeof(x->last_recv_digest));
	x->have_last_recv = true;
	x->last_recv_answered = answered;
}

bool xmit_seen(struct xmit *x, const uint8_t *msg, size_t len)
{
	struct iovec iov = {(void *)msg, len};
	uint8_t digest[20];

	if (crypto_hash("SHA1", &iov, 1, digest) < 0)
		return false;
	if (x->have_last_recv && !memcmp(digest, x->last_recv_digest, sizeof(digest)))
		return true;
	memcpy(x->last_recv_digest, digest, sizeof(digest));
	x->have_last_recv = true;
	return false;
}
