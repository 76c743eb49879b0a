/* Conversions between oakley's plain structs and the kernel's, and the
 * words for the kernel's errors. */
#include "kernel/xfrm_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

bool xfrm_family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

unsigned xfrm_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

void xfrm_addr_to_k(const struct xfrm_addr *a, xfrm_address_t *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k, a->b, xfrm_addr_len(a->family));
}

void xfrm_addr_from_k(int family, const xfrm_address_t *k, struct xfrm_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!xfrm_family_ok(family))
		return;
	a->family = family;
	memcpy(a->b, k, xfrm_addr_len(family));
}

int xfrm_sel_to_k(const struct xfrm_sel *s, struct xfrm_selector *k)
{
	int family = s->dst.family ? s->dst.family : s->src.family;
	unsigned max_plen = xfrm_addr_len(family) * 8;

	memset(k, 0, sizeof(*k));
	if (!family && !s->src_plen && !s->dst_plen)
		goto ports; /* the zero selector: any */
	if (!xfrm_family_ok(family) || (s->src.family && s->src.family != family) ||
	    s->src_plen > max_plen || s->dst_plen > max_plen)
		return -EINVAL;
	k->family = family;
	xfrm_addr_to_k(&s->src, &k->saddr);
	xfrm_addr_to_k(&s->dst, &k->daddr);
	k->prefixlen_s = s->src_plen;
	k->prefixlen_d = s->dst_plen;
ports:
	k->proto = s->proto;
	k->sport = htons(s->sport);
	k->sport_mask = s->sport ? 0xffff : 0;
	k->dport = htons(s->dport);
	k->dport_mask = s->dport ? 0xffff : 0;
	return 0;
}

void xfrm_sel_from_k(const struct xfrm_selector *k, struct xfrm_sel *s)
{
	memset(s, 0, sizeof(*s));
	xfrm_addr_from_k(k->family, &k->saddr, &s->src);
	xfrm_addr_from_k(k->family, &k->daddr, &s->dst);
	s->src_plen = k->prefixlen_s;
	s->dst_plen = k->prefixlen_d;
	s->proto = k->proto;
	s->sport = ntohs(k->sport & k->sport_mask);
	s->dport = ntohs(k->dport & k->dport_mask);
}

void xfrm_usersa_decode(const struct xfrm_usersa_info *p, struct xfrm_sa_info *si)
{
	xfrm_addr_from_k(p->family, &p->saddr, &si->src);
	xfrm_addr_from_k(p->family, &p->id.daddr, &si->dst);
	si->spi = ntohl(p->id.spi);
	si->proto = p->id.proto;
	si->tunnel = p->mode == XFRM_MODE_TUNNEL;
	si->reqid = p->reqid;
	si->soft_bytes = xfrm_lim_from_k(p->lft.soft_byte_limit);
	si->hard_bytes = xfrm_lim_from_k(p->lft.hard_byte_limit);
	si->soft_secs = p->lft.soft_add_expires_seconds;
	si->hard_secs = p->lft.hard_add_expires_seconds;
	xfrm_sel_from_k(&p->sel, &si->sel);
	si->replay_window = p->replay_window;
	si->stats.bytes = p->curlft.bytes;
	si->stats.packets = p->curlft.packets;
	si->stats.add_time = p->curlft.add_time;
	si->stats.use_time = p->curlft.use_time;
	si->stats.replay = p->stats.replay;
	si->stats.integrity_failed = p->stats.integrity_failed;
}

void xfrm_tmpl_decode(const struct xfrm_user_tmpl *t, struct xfrm_pol *p)
{
	p->proto = t->id.proto;
	p->tunnel = t->mode == XFRM_MODE_TUNNEL;
	p->reqid = t->reqid;
	xfrm_addr_from_k(t->family, &t->saddr, &p->tmpl_src);
	xfrm_addr_from_k(t->family, &t->id.daddr, &p->tmpl_dst);
}

int xfrm_addr_parse(struct xfrm_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->b) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

const char *xfrm_addr_str(const struct xfrm_addr *a, char *buf)
{
	if (!xfrm_family_ok(a->family) || !inet_ntop(a->family, a->b, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "any");
	return buf;
}

bool xfrm_addr_eq(const struct xfrm_addr *a, const struct xfrm_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, xfrm_addr_len(a->family));
}

/* What the kernel's answers mean for IPsec work; the generic strerror()
 * texts ("Function not implemented") mislead here. */
static const struct {
	int err;
	const char *text;
} xfrm_errors[] = {
	{EPROTONOSUPPORT, "the kernel has no support for this IPsec protocol: for ESP it was "
			  "built without CONFIG_INET_ESP / CONFIG_INET6_ESP (or the esp4/esp6 "
			  "module is not loaded)"},
	{ENOSYS, "the kernel does not know the algorithm: it is not in its XFRM algorithm list "
		 "or its crypto module (CONFIG_CRYPTO_...) is missing"},
	{ENOENT, "not found: no such policy; or, allocating an SPI, none is free in the range; "
		 "or, adding an SA, the kernel lacks the algorithm or the crypto template it "
		 "needs (e.g. CONFIG_CRYPTO_AUTHENC, CONFIG_CRYPTO_GCM)"},
	{ESRCH, "no such SA (destination, SPI and protocol match nothing; for an update: no "
		"larval SA from an SPI allocation, or it expired)"},
	{EEXIST, "an SA with this destination, SPI and protocol, or a policy with this "
		 "selector and direction, already exists"},
	{EINVAL, "the kernel refused the request's contents: a key length the algorithm does "
		 "not take, an ICV length it cannot truncate to, a bad selector, family, mode "
		 "or replay window"},
	{EPERM, "not permitted: changing IPsec state needs CAP_NET_ADMIN"},
	{EAFNOSUPPORT, "the kernel does not support this address family (IPv6 disabled?)"},
	{EPROTO, "the kernel's answer could not be read"},
	{ETIMEDOUT, "the kernel did not answer the netlink request"},
	{ENOBUFS, "the netlink socket overran: kernel events were lost"},
	{ENOMEM, "the kernel (or oakley) ran out of memory"},
	{EMSGSIZE, "the request does not fit a netlink message (key or name too long)"},
	{ENAMETOOLONG, "an algorithm name is longer than the kernel's 63 characters"},
	{EBUSY, "the kernel is busy with this SA or policy (in use), try again"},
};

const char *xfrm_strerror(int err)
{
	size_t i;

	if (err == 0)
		return "success";
	for (i = 0; i < sizeof(xfrm_errors) / sizeof(xfrm_errors[0]); i++)
		if (xfrm_errors[i].err == -err)
			return xfrm_errors[i].text;
	return strerror(err < 0 ? -err : err);
}
