/* A Mode Config client's virtual IP over rtnetlink (kernel/vip.h), as
 * strongSwan's kernel-netlink plugin installs one: the address (/32, /128;
 * IPv6 without duplicate address detection, so that it can be a source at
 * once) on an interface, routes in table VIP_ROUTE_TABLE with the address
 * as RTA_PREFSRC, through the gateway and interface that the kernel's own
 * lookup of the peer gives, and one rule sending every lookup to that
 * table first.  One request at a time, acked, as xfrm_nl.c talks. */
#include "kernel/vip.h"
#include "kernel/xfrm_int.h" /* xfrm_read_ack */
#include "util/log.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#define VIP_TIMEOUT_S 5
#define VIP_REQ_SIZE  512
#define VIP_RX_SIZE   32768 /* route answers are small; a page or two */

struct vip_nl {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	bool rule4, rule6; /* our rule is in place for that family */
	char kmsg[XFRM_KMSG_SIZE];
	uint8_t rx[VIP_RX_SIZE] __attribute__((aligned(8)));
};

int vip_open(struct vip_nl **out)
{
	struct timeval tv = {.tv_sec = VIP_TIMEOUT_S};
	struct vip_nl *v;
	int one = 1, err;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!v->nl) {
		err = -errno;
		goto out;
	}
	if (mnl_socket_bind(v->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	/* Optional, as for XFRM: the kernel's reason in words. */
	mnl_socket_setsockopt(v->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(v->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(v->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	v->portid = mnl_socket_get_portid(v->nl);
	v->seq = (uint32_t)time(NULL);
	*out = v;
	v = NULL;
	err = 0;
out:
	if (v) {
		if (v->nl)
			mnl_socket_close(v->nl);
		free(v);
	}
	return err;
}

void vip_close(struct vip_nl *v)
{
	if (!v)
		return;
	mnl_socket_close(v->nl);
	free(v);
}

typedef int (*reply_cb)(const struct nlmsghdr *nlh, void *arg);

/* Sends req with NLM_F_ACK and reads its replies (to cb) up to the ack:
 * 0, the kernel's -errno, or cb's. */
static int talk(struct vip_nl *v, struct nlmsghdr *req, reply_cb cb, void *arg)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len, res = 0, r;

	v->kmsg[0] = '\0';
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++v->seq;
	if (mnl_socket_sendto(v->nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(v->nl, v->rx, sizeof(v->rx));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)v->rx; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq ||
			    !mnl_nlmsg_portid_ok(nlh, v->portid))
				continue; /* a late answer to an abandoned request */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				r = xfrm_read_ack(nlh, v->kmsg);
				if (r && v->kmsg[0])
					log_debug("rtnetlink: kernel says: %s", v->kmsg);
				return res ? res : r;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return res;
			r = cb ? cb(nlh, arg) : 0;
			if (r < 0 && !res)
				res = r;
		}
	}
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool family_ok(const struct xfrm_addr *a)
{
	return a && (a->family == AF_INET || a->family == AF_INET6);
}

static int addr_msg(struct vip_nl *v, uint16_t type, uint16_t flags, const struct xfrm_addr *a,
		    const char *ifname)
{
	uint8_t buf[VIP_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned index;

	if (!family_ok(a))
		return -EINVAL;
	index = if_nametoindex(ifname ? ifname : "lo");
	if (!index)
		return -errno;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)(addr_len(a->family) * 8);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	if (a->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(a->family), a->b);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a->family), a->b);
	return talk(v, nlh, NULL, NULL);
}

int vip_addr_add(struct vip_nl *v, const struct xfrm_addr *a, const char *ifname)
{
	int r = addr_msg(v, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, a, ifname);

	return r == -EEXIST ? 0 : r;
}

int vip_addr_del(struct vip_nl *v, const struct xfrm_addr *a, const char *ifname)
{
	int r = addr_msg(v, RTM_DELADDR, 0, a, ifname);

	return r == -EADDRNOTAVAIL ? 0 : r;
}

/* The way to the peer: gateway (if any) and interface. */
struct way {
	int family;
	bool has_gw;
	uint8_t gw[16];
	uint32_t oif;
};

static int way_attr(const struct nlattr *attr, void *arg)
{
	struct way *w = arg;
	size_t len = addr_len(w->family);

	switch (mnl_attr_get_type(attr)) {
	case RTA_GATEWAY:
		if (mnl_attr_get_payload_len(attr) == len) {
			memcpy(w->gw, mnl_attr_get_payload(attr), len);
			w->has_gw = true;
		}
		break;
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			w->oif = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int way_reply(const struct nlmsghdr *nlh, void *arg)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	mnl_attr_parse(nlh, sizeof(struct rtmsg), way_attr, arg);
	return 0;
}

static int way_to(struct vip_nl *v, const struct xfrm_addr *peer, struct way *w)
{
	uint8_t buf[VIP_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int r;

	memset(w, 0, sizeof(*w));
	w->family = peer->family;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)peer->family;
	rtm->rtm_dst_len = (uint8_t)(addr_len(peer->family) * 8);
	mnl_attr_put(nlh, RTA_DST, addr_len(peer->family), peer->b);
	r = talk(v, nlh, way_reply, w);
	if (!r && !w->oif)
		r = -ENETUNREACH;
	return r;
}

/* "from all lookup VIP_ROUTE_TABLE" at VIP_RULE_PRIO, once per family. */
static int rule_add(struct vip_nl *v, int family)
{
	bool *done = family == AF_INET ? &v->rule4 : &v->rule6;
	uint8_t buf[VIP_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;
	int r;

	if (*done)
		return 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWRULE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = VIP_ROUTE_TABLE;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, VIP_RULE_PRIO);
	mnl_attr_put_u32(nlh, FRA_TABLE, VIP_ROUTE_TABLE);
	r = talk(v, nlh, NULL, NULL);
	if (r == -EEXIST)
		r = 0; /* ours from an earlier run, or strongSwan's */
	*done = r == 0;
	return r;
}

static void route_head(struct nlmsghdr *nlh, uint16_t type, uint16_t flags,
		       const struct xfrm_addr *dst, uint8_t plen, uint8_t scope)
{
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = VIP_ROUTE_TABLE;
	rtm->rtm_protocol = type == RTM_NEWROUTE ? RTPROT_STATIC : RTPROT_UNSPEC;
	rtm->rtm_scope = scope;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, VIP_ROUTE_TABLE);
	if (plen)
		mnl_attr_put(nlh, RTA_DST, addr_len(dst->family), dst->b);
}

static bool route_args_ok(const struct xfrm_addr *dst, uint8_t plen, const struct xfrm_addr *src)
{
	return family_ok(dst) && family_ok(src) && dst->family == src->family &&
	       plen <= addr_len(dst->family) * 8;
}

int vip_route_add(struct vip_nl *v, const struct xfrm_addr *dst, uint8_t plen,
		  const struct xfrm_addr *peer, const struct xfrm_addr *src)
{
	uint8_t buf[VIP_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct way w;
	bool gw;
	int r;

	if (!route_args_ok(dst, plen, src) || !family_ok(peer))
		return -EINVAL;
	r = way_to(v, peer, &w);
	if (!r)
		r = rule_add(v, dst->family);
	if (r)
		return r;
	/* A gateway of the other family (a tunnel of one family over the
	 * other) cannot be the route's: then the interface alone. */
	gw = w.has_gw && peer->family == dst->family;
	nlh = mnl_nlmsg_put_header(buf);
	route_head(nlh, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, dst, plen,
		   gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	mnl_attr_put(nlh, RTA_PREFSRC, addr_len(src->family), src->b);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, addr_len(dst->family), w.gw);
	mnl_attr_put_u32(nlh, RTA_OIF, w.oif);
	return talk(v, nlh, NULL, NULL);
}

int vip_route_del(struct vip_nl *v, const struct xfrm_addr *dst, uint8_t plen,
		  const struct xfrm_addr *src)
{
	uint8_t buf[VIP_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int r;

	if (!route_args_ok(dst, plen, src))
		return -EINVAL;
	nlh = mnl_nlmsg_put_header(buf);
	route_head(nlh, RTM_DELROUTE, 0, dst, plen, RT_SCOPE_NOWHERE);
	mnl_attr_put(nlh, RTA_PREFSRC, addr_len(src->family), src->b);
	r = talk(v, nlh, NULL, NULL);
	return r == -ESRCH ? 0 : r;
}
