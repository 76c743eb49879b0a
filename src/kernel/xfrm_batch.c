/* Batches: requests gathered in one send buffer, sent several per
 * sendmsg(), their answers read with recvmmsg() and matched by sequence
 * number.  Only the last request of a sendmsg() asks for an ack
 * (NLM_F_ACK); the kernel answers the others only when they fail, and
 * handles them in order, so that ack means every earlier answer has come
 * and the unanswered ones succeeded.  This spares an ack's allocation,
 * delivery and read per request.  The kernel handles a netlink sendmsg()
 * synchronously, queueing the answers before it returns; an answer that
 * finds the receive buffer full is dropped (ENOBUFS).  So at most
 * `window` requests go in one sendmsg(), and all their answers are read
 * before the next one. */
#include "kernel/xfrm_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <openssl/crypto.h>

#define XFRM_TX_SIZE  65536 /* well under the default 208 KiB send buffer */
#define XFRM_RX_SLOTS 64
#define XFRM_RCVBUF   (1 << 20) /* asked for; the kernel may give less */
#define XFRM_PENDING  1		/* a result not known yet */
#define WINDOW_MIN    4
#define WINDOW_MAX    256

/* The receive buffer an ack costs, generously: a small skb's true size,
 * plus the request when the kernel echoes it (no NETLINK_CAP_ACK). */
static size_t ack_cost(const struct xfrm *x)
{
	return x->capped ? 2048 : 2048 + 2 * XFRM_REQ_SIZE;
}

static unsigned window_for(struct xfrm *x)
{
	int fd = mnl_socket_get_fd(x->nl), size = XFRM_RCVBUF;
	socklen_t len = sizeof(size);
	size_t w;

	/* FORCE needs CAP_NET_ADMIN, which whoever installs SAs has. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0 || size <= 0)
		return WINDOW_MIN;
	w = (size_t)size / ack_cost(x);
	return w < WINDOW_MIN ? WINDOW_MIN : w > WINDOW_MAX ? WINDOW_MAX : (unsigned)w;
}

/* Buffers once per socket, kept for the next batch. */
static int batch_alloc(struct xfrm *x)
{
	struct xfrm_batch *b = &x->b;

	if (b->tx)
		return 0;
	b->rx_slot = x->capped ? 1024 : XFRM_REQ_SIZE + 1024;
	b->tx = malloc(XFRM_TX_SIZE);
	b->rx = malloc(XFRM_RX_SLOTS * b->rx_slot);
	b->scratch = malloc(XFRM_REQ_SIZE);
	if (!b->tx || !b->rx || !b->scratch) {
		free(b->tx);
		free(b->rx);
		free(b->scratch);
		b->tx = b->rx = b->scratch = NULL;
		return -ENOMEM;
	}
	b->window = window_for(x);
	return 0;
}

void xfrm_batch_free(struct xfrm *x)
{
	struct xfrm_batch *b = &x->b;

	free(b->tx);	  /* wiped after each send */
	free(b->rx);	  /* wiped after each read */
	free(b->scratch); /* wiped after each request */
	free(b->res);
	memset(b, 0, sizeof(*b));
}

void xfrm_batch_begin(struct xfrm *x)
{
	struct xfrm_batch *b = &x->b;

	if (b->tx_len) /* a batch begun again before its end */
		OPENSSL_cleanse(b->tx, b->tx_len);
	b->open = true;
	b->n = b->unsent = b->tx_count = b->failures = 0;
	b->first_err = UINT_MAX;
	b->tx_len = 0;
	b->err = batch_alloc(x);
	b->seq0 = x->seq + 1;
	x->kmsg[0] = '\0';
}

/* Request index's result; the first failure's kernel words (kmsg, may
 * be "") are kept. */
static void set_result(struct xfrm *x, unsigned index, int res, const char *kmsg)
{
	struct xfrm_batch *b = &x->b;

	b->res[index] = res;
	if (!res)
		return;
	b->failures++;
	if (index < b->first_err) {
		b->first_err = index;
		snprintf(x->kmsg, sizeof(x->kmsg), "%s", kmsg);
	}
}

/* The requests in tx that the kernel will not answer fail with err. */
static void fail_from(struct xfrm *x, unsigned from, int err)
{
	unsigned i;

	for (i = from; i < x->b.n; i++)
		if (x->b.res[i] == XFRM_PENDING)
			set_result(x, i, err, "");
}

/* An answer (an error, or the last request's ack): its request's result.
 * A datagram cut short (MSG_TRUNC) still has the fixed part, which is all
 * an answer needs. */
static void take_ack(struct xfrm *x, const struct nlmsghdr *nlh, size_t len)
{
	struct xfrm_batch *b = &x->b;
	uint32_t index = nlh->nlmsg_seq - b->seq0;
	char kmsg[XFRM_KMSG_SIZE];
	int res;

	if (nlh->nlmsg_type != NLMSG_ERROR || !mnl_nlmsg_portid_ok(nlh, x->portid) ||
	    index >= b->unsent || b->res[index] != XFRM_PENDING)
		return; /* not ours, or a late answer to an abandoned request */
	if (len < nlh->nlmsg_len) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		res = len < NLMSG_HDRLEN + sizeof(*e) ? -EPROTO
		      : e->error > 0		      ? -e->error
						      : e->error;
		kmsg[0] = '\0';
	} else {
		res = xfrm_read_ack(nlh, kmsg);
	}
	set_result(x, index, res, kmsg);
}

static void take_datagram(struct xfrm *x, const uint8_t *buf, size_t len, bool trunc)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int left = (int)len;

	if (trunc && len >= NLMSG_HDRLEN) {
		take_ack(x, nlh, len); /* one message, cut short */
		return;
	}
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		take_ack(x, nlh, nlh->nlmsg_len);
}

/* Reads answers until the one to request last (the one with
 * NLM_F_ACK); the requests from first to last with none succeeded. */
static void collect(struct xfrm *x, unsigned first, unsigned last)
{
	struct xfrm_batch *b = &x->b;
	struct mmsghdr msgs[XFRM_RX_SLOTS];
	struct iovec iov[XFRM_RX_SLOTS];
	unsigned i, want = XFRM_RX_SLOTS;
	int got;

	while (b->res[last] == XFRM_PENDING) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < want; i++) {
			iov[i] = (struct iovec){b->rx + i * b->rx_slot, b->rx_slot};
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(mnl_socket_get_fd(x->nl), msgs, want, MSG_WAITFORONE, NULL);
		if (got < 0) {
			/* The kernel answers within sendmsg(): nothing more will come. */
			fail_from(x, first, errno == EAGAIN ? -ETIMEDOUT : -errno);
			return;
		}
		for (i = 0; i < (unsigned)got; i++)
			take_datagram(x, b->rx + i * b->rx_slot, msgs[i].msg_len,
				      msgs[i].msg_hdr.msg_flags & MSG_TRUNC);
		OPENSSL_cleanse(b->rx, (size_t)got * b->rx_slot); /* echoed requests hold keys */
	}
	for (i = first; i < last; i++)
		if (b->res[i] == XFRM_PENDING)
			b->res[i] = 0;
}

/* Sends tx (one sendmsg) and reads its answers. */
static void flush(struct xfrm *x)
{
	struct xfrm_batch *b = &x->b;
	struct nlmsghdr *last = (struct nlmsghdr *)(b->tx + b->tx_last);
	unsigned first = b->unsent;
	bool sent;

	if (!b->tx_count)
		return;
	last->nlmsg_flags |= NLM_F_ACK;
	sent = mnl_socket_sendto(x->nl, b->tx, b->tx_len) >= 0;
	if (!sent)
		fail_from(x, first, -errno);
	OPENSSL_cleanse(b->tx, b->tx_len); /* SAs carry keys */
	b->tx_len = 0;
	b->tx_count = 0;
	b->unsent = b->n;
	if (sent)
		collect(x, first, b->last);
}

/* Room for the next request's index and a full-sized message in tx; the
 * message is built in scratch, whose alignment suits the kernel's structs
 * (in tx a message may start at any multiple of 4). */
static struct nlmsghdr *next_request(struct xfrm *x, int *err)
{
	struct xfrm_batch *b = &x->b;

	*err = !b->open ? -EBUSY : b->err;
	if (*err)
		return NULL;
	if (b->n == b->cap) {
		unsigned cap = b->cap ? 2 * b->cap : 16;
		int *res = reallocarray(b->res, cap, sizeof(*res));

		if (!res) {
			*err = b->err = -ENOMEM;
			return NULL;
		}
		b->res = res;
		b->cap = cap;
	}
	if (b->tx_len + XFRM_REQ_SIZE > XFRM_TX_SIZE || b->tx_count >= b->window)
		flush(x);
	return mnl_nlmsg_put_header(b->scratch);
}

/* The request built at nlh (or refused with err) becomes the next one. */
static int commit(struct xfrm *x, struct nlmsghdr *nlh, int err)
{
	struct xfrm_batch *b = &x->b;
	unsigned index = b->n++;

	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	b->res[index] = XFRM_PENDING;
	if (err) {
		set_result(x, index, err, "");
	} else {
		nlh->nlmsg_flags = NLM_F_REQUEST; /* the last in tx gets NLM_F_ACK */
		nlh->nlmsg_seq = b->seq0 + index;
		nlh->nlmsg_pid = 0;
		b->tx_last = b->tx_len;
		b->last = index;
		memcpy(b->tx + b->tx_len, nlh, len);
		b->tx_len += len;
		b->tx_count++;
	}
	OPENSSL_cleanse(nlh, len > XFRM_REQ_SIZE ? XFRM_REQ_SIZE : len); /* keys */
	return (int)index;
}

int xfrm_batch_end(struct xfrm *x, unsigned *failed)
{
	struct xfrm_batch *b = &x->b;
	int res;

	if (!b->open)
		return -EBUSY;
	flush(x);
	b->open = false;
	x->seq = b->seq0 + b->n; /* the next request's numbers follow */
	if (b->first_err < b->n)
		res = b->res[b->first_err];
	else
		res = b->err;
	if (failed)
		*failed = b->first_err < b->n ? b->first_err : b->n;
	return res;
}

int xfrm_batch_result(const struct xfrm *x, unsigned index)
{
	return x->b.open || index >= x->b.n ? -EINVAL : x->b.res[index];
}

unsigned xfrm_batch_failures(const struct xfrm *x)
{
	return x->b.failures;
}

unsigned xfrm_batch_window(const struct xfrm *x)
{
	return x->b.window;
}

int xfrm_batch_add_sa(struct xfrm *x, const struct xfrm_sa *sa)
{
	int err;
	struct nlmsghdr *nlh = next_request(x, &err);

	return nlh ? commit(x, nlh, xfrm_sa_msg(nlh, XFRM_MSG_NEWSA, sa)) : err;
}

int xfrm_batch_update_sa(struct xfrm *x, const struct xfrm_sa *sa)
{
	int err;
	struct nlmsghdr *nlh = next_request(x, &err);

	return nlh ? commit(x, nlh, xfrm_sa_msg(nlh, XFRM_MSG_UPDSA, sa)) : err;
}

int xfrm_batch_del_sa(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto)
{
	int err;
	struct nlmsghdr *nlh = next_request(x, &err);

	return nlh ? commit(x, nlh, xfrm_sa_id_msg(nlh, XFRM_MSG_DELSA, dst, spi, proto)) : err;
}

int xfrm_batch_add_policy(struct xfrm *x, const struct xfrm_pol *p)
{
	int err;
	struct nlmsghdr *nlh = next_request(x, &err);

	return nlh ? commit(x, nlh, xfrm_policy_msg(nlh, XFRM_MSG_NEWPOLICY, p)) : err;
}

int xfrm_batch_update_policy(struct xfrm *x, const struct xfrm_pol *p)
{
	int err;
	struct nlmsghdr *nlh = next_request(x, &err);

	return nlh ? commit(x, nlh, xfrm_policy_msg(nlh, XFRM_MSG_UPDPOLICY, p)) : err;
}

int xfrm_batch_del_policy(struct xfrm *x, const struct xfrm_sel *sel, uint8_t dir)
{
	int err;
	struct nlmsghdr *nlh = next_request(x, &err);

	return nlh ? commit(x, nlh, xfrm_policy_id_msg(nlh, XFRM_MSG_DELPOLICY, sel, dir)) : err;
}
