/* The kernel's ACQUIRE, EXPIRE and MAPPING multicasts, decoded into plain structs.
 * What to do about them (rekey, delete, negotiate) is ike/'s business. */
#include "kernel/xfrm_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

/* Bursts of acquires (a flood of new flows) must not overrun us. */
#define EVENTS_RCVBUF (1 << 20)

int xfrm_events_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = XFRMGRP_ACQUIRE | XFRMGRP_EXPIRE | (1u << (XFRMNLGRP_MAPPING - 1)),
	};
	int fd, size = EVENTS_RCVBUF, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_XFRM);
	if (fd < 0)
		return -errno;
	/* FORCE needs CAP_NET_ADMIN, which a daemon changing SAs has anyway;
	 * the plain option is the fallback, capped by rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

struct acquire_parse {
	struct xfrm_acquire_ev *ev;
	int family; /* the template's: the SA's, maybe not the selector's */
};

static int acquire_tmpl(const struct nlattr *a, void *arg)
{
	struct acquire_parse *ap = arg;
	const struct xfrm_user_tmpl *t = mnl_attr_get_payload(a);

	if (mnl_attr_get_type(a) != XFRMA_TMPL || mnl_attr_get_payload_len(a) < sizeof(*t))
		return MNL_CB_OK;
	ap->ev->tunnel = t->mode == XFRM_MODE_TUNNEL;
	ap->ev->reqid = t->reqid;
	ap->family = t->family;
	return MNL_CB_STOP; /* the first template: the SA to negotiate */
}

static int decode_acquire(const struct nlmsghdr *nlh, struct xfrm_event *ev)
{
	const struct xfrm_user_acquire *a = mnl_nlmsg_get_payload(nlh);
	struct acquire_parse ap = {.ev = &ev->acquire};
	struct xfrm_acquire_ev *aq = &ev->acquire;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*a))
		return -EPROTO;
	ev->kind = XFRM_EVENT_ACQUIRE;
	xfrm_sel_from_k(&a->sel, &aq->sel);
	xfrm_sel_from_k(&a->policy.sel, &aq->pol_sel);
	aq->dir = a->policy.dir;
	aq->policy_index = a->policy.index;
	aq->proto = a->id.proto;
	aq->seq = a->seq;
	mnl_attr_parse(nlh, sizeof(*a), acquire_tmpl, &ap);
	if (!ap.family)
		ap.family = a->sel.family;
	/* The larval SA's ends: the template's tunnel ends, or the flow's
	 * hosts where the template leaves them open. */
	xfrm_addr_from_k(ap.family, &a->saddr, &aq->src);
	xfrm_addr_from_k(ap.family, &a->id.daddr, &aq->dst);
	return 0;
}

static int decode_expire(const struct nlmsghdr *nlh, struct xfrm_event *ev)
{
	const struct xfrm_user_expire *e = mnl_nlmsg_get_payload(nlh);
	struct xfrm_sa_info si = {0};
	struct xfrm_expire_ev *ex = &ev->expire;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EPROTO;
	ev->kind = XFRM_EVENT_EXPIRE;
	xfrm_usersa_decode(&e->state, &si);
	ex->src = si.src;
	ex->dst = si.dst;
	ex->spi = si.spi;
	ex->proto = si.proto;
	ex->hard = e->hard;
	ex->tunnel = si.tunnel;
	ex->reqid = si.reqid;
	ex->stats = si.stats;
	return 0;
}

static int decode_mapping(const struct nlmsghdr *nlh, struct xfrm_event *ev)
{
	const struct xfrm_user_mapping *um = mnl_nlmsg_get_payload(nlh);
	struct xfrm_mapping_ev *mp = &ev->mapping;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*um))
		return -EPROTO;
	ev->kind = XFRM_EVENT_MAPPING;
	/* The message names no family: the addresses are its raw 16 bytes
	 * (an IPv4 one in the first 4), family 0; the SA's SPI says which. */
	memcpy(mp->dst.b, &um->id.daddr, sizeof(mp->dst.b));
	memcpy(mp->old_src.b, &um->old_saddr, sizeof(mp->old_src.b));
	memcpy(mp->new_src.b, &um->new_saddr, sizeof(mp->new_src.b));
	mp->spi = ntohl(um->id.spi);
	mp->proto = um->id.proto;
	mp->reqid = um->reqid;
	mp->old_sport = ntohs(um->old_sport);
	mp->new_sport = ntohs(um->new_sport);
	return 0;
}

/* One datagram: returns the events delivered. */
static int read_batch(const uint8_t *buf, int len, xfrm_event_cb cb, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct xfrm_event ev;
	int n = 0, err;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		memset(&ev, 0, sizeof(ev));
		if (nlh->nlmsg_pid != 0)
			continue; /* only the kernel speaks on these groups */
		if (nlh->nlmsg_type == XFRM_MSG_ACQUIRE)
			err = decode_acquire(nlh, &ev);
		else if (nlh->nlmsg_type == XFRM_MSG_EXPIRE)
			err = decode_expire(nlh, &ev);
		else if (nlh->nlmsg_type == XFRM_MSG_MAPPING)
			err = decode_mapping(nlh, &ev);
		else
			continue;
		if (err)
			continue; /* a short message: nothing to act on */
		cb(&ev, arg);
		n++;
	}
	return n;
}

int xfrm_events_read(int fd, xfrm_event_cb cb, void *arg)
{
	uint8_t buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t len;
	int n = 0;

	for (;;) {
		len = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			return -errno;
		}
		if (msg.msg_flags & MSG_TRUNC || from.nl_pid != 0)
			continue;
		n += read_batch(buf, (int)len, cb, arg);
	}
}
