/* Sending with retransmission: the initiator of an exchange resends its
 * last message with exponential backoff; either side answers a message it
 * has already seen by resending its last reply, once per copy received. */
#include <errno.h>
#include <string.h>

#include "crypto/prf.h"
#include "ike/ike.h"
#include "net/udp.h"
#include "util/log.h"

void xmit_init(struct xmit *x, loop_timer_fn fn, void *arg)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->last_sent);
	timer_init(&x->timer, fn, arg);
	x->fd = -1;
}

void xmit_clear(struct ike_daemon *d, struct xmit *x)
{
	timer_cancel(d->loop, &x->timer);
	buf_free(&x->last_sent);
}

void ike_send_raw(struct ike_daemon *d, int fd, const struct sockaddr_storage *to,
		  const struct sockaddr_storage *from, const uint8_t *msg, size_t len)
{
	ssize_t n;
	char peer[64];

	n = udp_send(fd, msg, len, (const struct sockaddr *)to, (const struct sockaddr *)from);
	if (n < 0) {
		sockaddr_str((const struct sockaddr *)to, peer, sizeof(peer));
		log_warn("sending %zu bytes to %s failed: %s", len, peer, strerror((int)-n));
	}
}

/* Takes msg's contents; retransmit says whether we wait for an answer. */
int xmit_send(struct ike_daemon *d, struct xmit *x, int fd, const struct sockaddr_storage *to,
	      const struct sockaddr_storage *from, struct buf *msg, bool retransmit)
{
	buf_free(&x->last_sent);
	x->last_sent = *msg;
	buf_init(msg);
	x->fd = fd;
	x->to = *to;
	x->tries = 0;
	ike_send_raw(d, fd, to, from, x->last_sent.data, x->last_sent.len);
	if (retransmit)
		return timer_arm(d->loop, &x->timer, d->retransmit_base_ms);
	timer_cancel(d->loop, &x->timer);
	return 0;
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

bool xmit_retransmit(struct ike_daemon *d, struct xmit *x, const struct sockaddr_storage *from)
{
	if (++x->tries > d->retransmit_tries)
		return false;
	ike_send_raw(d, x->fd, &x->to, from, x->last_sent.data, x->last_sent.len);
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

void xmit_accepted(struct xmit *x, const uint8_t digest[20])
{
	memcpy(x->last_recv_digest, digest, sizeof(x->last_recv_digest));
	x->have_last_recv = true;
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
