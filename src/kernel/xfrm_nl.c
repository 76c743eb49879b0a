/* The NETLINK_XFRM request socket: one request at a time, answered by
 * its replies and an ack carrying the kernel's -errno and, with extended
 * acks, its own explanation. */
#include "kernel/xfrm_int.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <linux/netlink.h>
#include <openssl/crypto.h>

#define XFRM_TIMEOUT_S 5

int xfrm_open(struct xfrm **out)
{
	struct timeval tv = {.tv_sec = XFRM_TIMEOUT_S};
	struct xfrm *x;
	int one = 1, err;

	*out = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->nl = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC);
	if (!x->nl) {
		err = -errno;
		goto out;
	}
	if (mnl_socket_bind(x->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	/* Extended acks give the kernel's reason in words; capped acks keep
	 * the request (and its keys) from being echoed back. Both are
	 * optional: old kernels refuse them and still work. */
	mnl_socket_setsockopt(x->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	x->capped = mnl_socket_setsockopt(x->nl, NETLINK_CAP_ACK, &one, sizeof(one)) == 0;
	/* The kernel answers within sendmsg(); the timeout is only a guard. */
	setsockopt(mnl_socket_get_fd(x->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	x->portid = mnl_socket_get_portid(x->nl);
	x->seq = (uint32_t)time(NULL);
	*out = x;
	x = NULL;
	err = 0;
out:
	if (x) {
		if (x->nl)
			mnl_socket_close(x->nl);
		free(x);
	}
	return err;
}

void xfrm_close(struct xfrm *x)
{
	if (!x)
		return;
	xfrm_batch_free(x);
	mnl_socket_close(x->nl);
	OPENSSL_cleanse(x->rx, sizeof(x->rx));
	free(x);
}

const char *xfrm_kernel_msg(const struct xfrm *x)
{
	return x->kmsg;
}

static int ext_ack_attr(const struct nlattr *a, void *arg)
{
	char *kmsg = arg;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(kmsg, XFRM_KMSG_SIZE, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

int xfrm_read_ack(const struct nlmsghdr *nlh, char *kmsg)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EPROTO;
	if (kmsg)
		kmsg[0] = '\0';
	if (kmsg && e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (off <= mnl_nlmsg_get_payload_len(nlh))
			mnl_attr_parse(nlh, off, ext_ack_attr, kmsg);
	}
	return e->error > 0 ? -e->error : e->error;
}

enum talk_state { TALK_MORE, TALK_DONE };

/* One datagram's messages.  *res keeps the first error seen. */
static enum talk_state read_batch(struct xfrm *x, uint32_t seq, int len, xfrm_reply_cb cb,
				  void *arg, int *res)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)x->rx;
	int r;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(nlh, x->portid))
			continue; /* a late answer to an abandoned request */
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_ERROR:
			r = xfrm_read_ack(nlh, x->kmsg);
			if (r && !*res)
				*res = r;
			return TALK_DONE;
		case NLMSG_DONE:
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
				r = *(const int *)mnl_nlmsg_get_payload(nlh);
				if (r < 0 && !*res)
					*res = r;
			}
			return TALK_DONE;
		default:
			r = cb ? cb(nlh, arg) : 0;
			if (r < 0 && !*res)
				*res = r;
		}
	}
	return TALK_MORE;
}

int xfrm_talk(struct xfrm *x, struct nlmsghdr *req, xfrm_reply_cb cb, void *arg)
{
	size_t used = 0;
	ssize_t n;
	int res = 0;

	/* Its answers would be taken for a batch's, or the reverse. */
	if (x->b.open)
		return -EBUSY;
	x->kmsg[0] = '\0';
	req->nlmsg_flags |= NLM_F_REQUEST;
	if (!(req->nlmsg_flags & NLM_F_DUMP))
		req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_seq = ++x->seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(x->nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(x->nl, x->rx, sizeof(x->rx));
		if (n < 0) {
			res = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		if ((size_t)n > used)
			used = (size_t)n;
		if (read_batch(x, req->nlmsg_seq, (int)n, cb, arg, &res) == TALK_DONE)
			break;
	}
	OPENSSL_cleanse(x->rx, used);
	if (res && x->kmsg[0])
		log_debug("xfrm: kernel says: %s", x->kmsg);
	return res;
}
