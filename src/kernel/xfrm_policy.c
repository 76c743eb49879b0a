/* Policies: add/update, delete, read back, dump; per-socket bypass. */
#include "kernel/xfrm_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static bool dir_ok(uint8_t dir)
{
	return dir == XFRM_POLICY_IN || dir == XFRM_POLICY_OUT || dir == XFRM_POLICY_FWD;
}

static void lifetime_inf(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = XFRM_INF;
	l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = XFRM_INF;
	l->hard_packet_limit = XFRM_INF;
}

static int put_tmpl(struct nlmsghdr *nlh, const struct xfrm_pol *p)
{
	struct xfrm_user_tmpl t;

	memset(&t, 0, sizeof(t));
	if (p->tunnel &&
	    (!xfrm_family_ok(p->tmpl_dst.family) || p->tmpl_src.family != p->tmpl_dst.family))
		return -EINVAL;
	/* In transport mode the kernel takes the selector's family for a
	 * template without one. */
	t.family = p->tmpl_dst.family;
	xfrm_addr_to_k(&p->tmpl_dst, &t.id.daddr);
	xfrm_addr_to_k(&p->tmpl_src, &t.saddr);
	t.id.proto = p->proto;
	t.reqid = p->reqid;
	t.mode = p->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	t.share = XFRM_SHARE_ANY;
	t.aalgos = t.ealgos = t.calgos = ~0u; /* any algorithm the SA has */
	return mnl_attr_put_check(nlh, XFRM_REQ_SIZE, XFRMA_TMPL, sizeof(t), &t) ? 0 : -EMSGSIZE;
}

int xfrm_policy_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_pol *p)
{
	struct xfrm_userpolicy_info *pi;
	int err;

	if (!dir_ok(p->dir) || (p->action != XFRM_POLICY_ALLOW && p->action != XFRM_POLICY_BLOCK) ||
	    (p->proto && p->action != XFRM_POLICY_ALLOW))
		return -EINVAL;
	nlh->nlmsg_type = type;
	pi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pi));
	err = xfrm_sel_to_k(&p->sel, &pi->sel);
	if (err)
		return err;
	if (!pi->sel.family)
		return -EINVAL; /* the kernel wants a family in a policy selector */
	lifetime_inf(&pi->lft);
	pi->priority = p->priority;
	pi->dir = p->dir;
	pi->action = p->action;
	pi->share = XFRM_SHARE_ANY;
	return p->proto ? put_tmpl(nlh, p) : 0;
}

static int send_policy(struct xfrm *x, uint16_t type, const struct xfrm_pol *p)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int err = xfrm_policy_msg(nlh, type, p);

	return err ? err : xfrm_talk(x, nlh, NULL, NULL);
}

int xfrm_add_policy(struct xfrm *x, const struct xfrm_pol *p)
{
	return send_policy(x, XFRM_MSG_NEWPOLICY, p);
}

int xfrm_update_policy(struct xfrm *x, const struct xfrm_pol *p)
{
	return send_policy(x, XFRM_MSG_UPDPOLICY, p);
}

int xfrm_policy_id_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_sel *sel, uint8_t dir)
{
	struct xfrm_userpolicy_id *id;

	if (!dir_ok(dir))
		return -EINVAL;
	nlh->nlmsg_type = type;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	id->dir = dir;
	return xfrm_sel_to_k(sel, &id->sel);
}

int xfrm_del_policy(struct xfrm *x, const struct xfrm_sel *sel, uint8_t dir)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int err = xfrm_policy_id_msg(nlh, XFRM_MSG_DELPOLICY, sel, dir);

	return err ? err : xfrm_talk(x, nlh, NULL, NULL);
}

static int tmpl_attr(const struct nlattr *a, void *arg)
{
	struct xfrm_pol *p = arg;

	/* The first template is the one oakley writes; more are foreign. */
	if (mnl_attr_get_type(a) == XFRMA_TMPL && !p->proto &&
	    mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_user_tmpl))
		xfrm_tmpl_decode(mnl_attr_get_payload(a), p);
	return MNL_CB_OK;
}

static int policy_decode(const struct nlmsghdr *nlh, struct xfrm_pol *p)
{
	const struct xfrm_userpolicy_info *pi = mnl_nlmsg_get_payload(nlh);

	memset(p, 0, sizeof(*p));
	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*pi))
		return -EPROTO;
	xfrm_sel_from_k(&pi->sel, &p->sel);
	p->dir = pi->dir;
	p->priority = pi->priority;
	p->action = pi->action;
	mnl_attr_parse(nlh, sizeof(*pi), tmpl_attr, p);
	return 0;
}

struct pol_get {
	struct xfrm_pol *p;
	bool seen;
};

static int pol_get_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct pol_get *g = arg;
	int err = policy_decode(nlh, g->p);

	g->seen = !err;
	return err;
}

int xfrm_get_policy(struct xfrm *x, const struct xfrm_sel *sel, uint8_t dir, struct xfrm_pol *out)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct pol_get g = {.p = out};
	int err;

	memset(out, 0, sizeof(*out));
	err = xfrm_policy_id_msg(nlh, XFRM_MSG_GETPOLICY, sel, dir);
	if (!err)
		err = xfrm_talk(x, nlh, pol_get_reply, &g);
	if (!err && !g.seen)
		err = -EPROTO;
	return err;
}

struct pol_dump {
	xfrm_pol_cb cb;
	void *arg;
};

static int pol_dump_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct pol_dump *d = arg;
	struct xfrm_pol p;
	int err = policy_decode(nlh, &p);

	if (!err)
		d->cb(&p, d->arg);
	return err;
}

int xfrm_dump_policy(struct xfrm *x, xfrm_pol_cb cb, void *arg)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct pol_dump d = {cb, arg};

	nlh->nlmsg_type = XFRM_MSG_GETPOLICY;
	nlh->nlmsg_flags = NLM_F_DUMP;
	return xfrm_talk(x, nlh, pol_dump_reply, &d);
}

int xfrm_set_policy_hthresh(struct xfrm *x, const struct xfrm_hthresh *h)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrmu_spdhthresh v4 = {h->v4_local, h->v4_remote};
	struct xfrmu_spdhthresh v6 = {h->v6_local, h->v6_remote};

	if ((!h->keep_v4 && (v4.lbits > 32 || v4.rbits > 32)) ||
	    (!h->keep_v6 && (v6.lbits > 128 || v6.rbits > 128)))
		return -EINVAL;
	nlh->nlmsg_type = XFRM_MSG_NEWSPDINFO;
	*(uint32_t *)mnl_nlmsg_put_extra_header(nlh, sizeof(uint32_t)) = 0; /* flags */
	/* The kernel changes only the families whose attribute it gets. */
	if (!h->keep_v4)
		mnl_attr_put(nlh, XFRMA_SPD_IPV4_HTHRESH, sizeof(v4), &v4);
	if (!h->keep_v6)
		mnl_attr_put(nlh, XFRMA_SPD_IPV6_HTHRESH, sizeof(v6), &v6);
	return xfrm_talk(x, nlh, NULL, NULL);
}

struct hthresh_get {
	struct xfrm_hthresh *h;
	unsigned seen; /* bit 0: IPv4's, bit 1: IPv6's */
};

static int hthresh_attr(const struct nlattr *a, void *arg)
{
	struct hthresh_get *g = arg;
	const struct xfrmu_spdhthresh *t = mnl_attr_get_payload(a);

	if (mnl_attr_get_payload_len(a) < sizeof(*t))
		return MNL_CB_OK;
	if (mnl_attr_get_type(a) == XFRMA_SPD_IPV4_HTHRESH) {
		g->h->v4_local = t->lbits;
		g->h->v4_remote = t->rbits;
		g->seen |= 1;
	} else if (mnl_attr_get_type(a) == XFRMA_SPD_IPV6_HTHRESH) {
		g->h->v6_local = t->lbits;
		g->h->v6_remote = t->rbits;
		g->seen |= 2;
	}
	return MNL_CB_OK;
}

static int hthresh_reply(const struct nlmsghdr *nlh, void *arg)
{
	if (nlh->nlmsg_type != XFRM_MSG_NEWSPDINFO ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(uint32_t))
		return -EPROTO;
	mnl_attr_parse(nlh, sizeof(uint32_t), hthresh_attr, arg);
	return 0;
}

int xfrm_get_policy_hthresh(struct xfrm *x, struct xfrm_hthresh *out)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct hthresh_get g = {out, 0};
	int err;

	memset(out, 0, sizeof(*out));
	nlh->nlmsg_type = XFRM_MSG_GETSPDINFO;
	*(uint32_t *)mnl_nlmsg_put_extra_header(nlh, sizeof(uint32_t)) = 0; /* flags */
	err = xfrm_talk(x, nlh, hthresh_reply, &g);
	return !err && g.seen != 3 ? -EPROTO : err;
}

int xfrm_socket_bypass(int fd, int family)
{
	static const uint8_t dirs[] = {XFRM_POLICY_IN, XFRM_POLICY_OUT};
	struct xfrm_userpolicy_info pol;
	int level, opt;
	size_t i;

	switch (family) {
	case AF_INET:
		level = IPPROTO_IP;
		opt = IP_XFRM_POLICY;
		break;
	case AF_INET6:
		level = IPPROTO_IPV6;
		opt = IPV6_XFRM_POLICY;
		break;
	default:
		return -EAFNOSUPPORT;
	}
	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = family;
	lifetime_inf(&pol.lft);
	for (i = 0; i < sizeof(dirs); i++) {
		pol.dir = dirs[i];
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
			return -errno;
	}
	return 0;
}
