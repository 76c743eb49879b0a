/* The Libreswan keys of a setup-ipsec-vpn-shaped ipsec.conf (and their
 * strongSwan twins) that are neither remote access (ra.c) nor plain
 * conn keys: each is implemented, ignored with a one-line notice where
 * ignoring it cannot change what is protected or how, or refused with
 * "FILE:LINE: KEY is not supported by oakley: why".
 *
 *   config setup  ikev1-policy=accept      taken (oakley is IKEv1)
 *                 ikev1-policy=drop|reject refused: it turns IKEv1 off
 *                 virtual-private=         ignored: it only bounds the
 *                                          subnets a peer may claim for
 *                                          rightsubnet=vhost:/vnet:, which
 *                                          oakley does not take
 *   conn          left=%defaultroute       the address of the IPv4 default
 *                                          route's source, at load time
 *                                          (%defaultroute6: IPv6)
 *                 leftnexthop=             ignored: the kernel's routes
 *                                          pick the next hop
 *                 pfs=yes|no               implemented (conf_pfs_resolve)
 *                 keyingtries=N|%forever   ignored: oakley starts a
 *                                          negotiation once, with its
 *                                          retransmissions; a responder
 *                                          (right=%any) never starts one
 *                 sha2-truncbug=no         taken (it is what oakley does)
 *                 sha2-truncbug=yes        refused: oakley truncates
 *                                          HMAC-SHA2-256 to 128 bits only */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "conf/internal.h"
#include "util/log.h"
#include "wire/alg.h"

static int refuse(struct conf_ctx *ctx, const struct setting *s, const char *why)
{
	return conf_error(ctx, s->file, s->line, "%s=%s is not supported by oakley: %s", s->key,
			  s->value, why);
}

static void notice(const struct setting *s, const char *why)
{
	log_info("%s:%u: %s=%s ignored: %s", s->file, s->line, s->key, s->value, why);
}

int conf_set_ikev1_policy(struct conf_ctx *ctx, const struct setting *s)
{
	if (!s->value || !strcmp(s->value, "accept"))
		return 0;
	if (!strcmp(s->value, "drop") || !strcmp(s->value, "reject"))
		return refuse(ctx, s, "it turns IKEv1 off, and oakley speaks IKEv1 only");
	return conf_error(ctx, s->file, s->line,
			  "ikev1-policy= takes accept, drop or reject, not '%s'", s->value);
}

int conf_set_virtual_private(struct conf_ctx *ctx, const struct setting *s)
{
	if (s->value)
		notice(s, "it bounds what a peer may claim for rightsubnet=vhost:/vnet:, "
			  "which oakley does not take");
	return 0;
}

/* Linux's XFRM (netkey, its old name) is what oakley drives. */
int conf_set_protostack(struct conf_ctx *ctx, const struct setting *s)
{
	if (!s->value || !strcmp(s->value, "netkey") || !strcmp(s->value, "xfrm") ||
	    !strcmp(s->value, "native"))
		return 0;
	return refuse(ctx, s, "oakley drives the Linux kernel's XFRM (netkey) only");
}

/* Which interfaces IKE listens on: oakleyd binds every address (its -p
 * port); peers must authenticate all the same, so what is protected does
 * not change. */
int conf_set_interfaces(struct conf_ctx *ctx, const struct setting *s)
{
	if (s->value)
		notice(s, "oakleyd listens on every address of the host; what a peer may "
			  "reach still takes authentication and a conn");
	return 0;
}

/* nat_traversal=: Libreswan 3 made NAT-T always on and ignores the key. */
int conf_set_obsolete(struct conf_ctx *ctx, const struct setting *s)
{
	if (s->value)
		notice(s, "obsolete since Libreswan 3; NAT traversal is always on "
			  "(encapsulation= per conn)");
	return 0;
}

/* Opportunistic encryption: oakley has none, which is what oe=off asks. */
int conf_set_oe(struct conf_ctx *ctx, const struct setting *s)
{
	if (!s->value || !strcmp(s->value, "off") || !strcmp(s->value, "no"))
		return 0;
	return refuse(ctx, s, "oakley has no opportunistic encryption");
}

/* Where a datagram to a global address would leave from: connect()
 * on a UDP socket picks the route and the source, and sends nothing.
 * With no default route, connect fails (ENETUNREACH). */
static int route_probe_udp(int family, struct conf_addr *out)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof(ss);
	int fd, ret = 0;

	/* documentation addresses (RFC 5737, RFC 3849): a host routes them
	 * by its default route, and nothing is sent to them */
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		inet_pton(AF_INET, "198.51.100.1", &sin->sin_addr);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr);
	}
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(*sin) : sizeof(*sin6)) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		ret = -errno;
	close(fd);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->family = family;
	if (family == AF_INET)
		out->a.v4 = sin->sin_addr;
	else
		out->a.v6 = sin6->sin6_addr;
	return 0;
}

int (*conf_route_probe)(int family, struct conf_addr *out) = route_probe_udp;

int conf_defaultroute(struct conf_ctx *ctx, const struct setting *s, struct conf_addr *a)
{
	int family = strcmp(s->value, "%defaultroute6") ? AF_INET : AF_INET6;
	char text[CONF_ADDR_STRLEN];
	int ret = conf_route_probe(family, a);

	if (ret)
		return conf_error(ctx, s->file, s->line,
				  "%s=%s: this host has no IPv%c default route (%s); give the "
				  "address instead",
				  s->key, s->value, family == AF_INET ? '4' : '6', strerror(-ret));
	conf_addr_str(a, text, sizeof(text));
	log_debug("%s:%u: %s=%s is %s", s->file, s->line, s->key, s->value, text);
	return 0;
}

int conf_parse_pfs(struct conf_ctx *ctx, const struct setting *s, void *field)
{
	if (strcmp(s->value, "yes") && strcmp(s->value, "no"))
		return conf_error(ctx, s->file, s->line, "%s= takes yes or no, not '%s'", s->key,
				  s->value);
	*(bool *)field = s->value[0] == 'y';
	return 0;
}

/* pfs= as Libreswan: no means no KE in Quick Mode (and an esp= that asks
 * for a group contradicts it); yes with no group in esp=/phase2alg= means
 * the phase 1 group.  oakley's Quick Mode sends one configured group, so
 * that is the first ike= group; with several, a notice says so.  Without
 * pfs= the esp= list decides, as in strongSwan. */
int conf_pfs_resolve(struct conf_ctx *ctx, struct conn *c, const struct conn_opts *o)
{
	const struct origin *at = &o->at[CK_PFS];
	const struct alg *g = NULL;
	unsigned i;

	if (o->state[CK_PFS] != OPT_SET)
		return 0;
	for (i = 0; i < c->esp.n && !g; i++)
		g = c->esp.p[i].dh;
	if (!o->pfs) {
		if (g)
			return conf_error(
				ctx, origin_file(ctx, at), at->line,
				"conn '%s': pfs=no, but %s= asks for PFS with %s", c->name,
				o->state[CK_ESP] == OPT_SET ? origin_key(&o->at[CK_ESP]) : "esp",
				g->name);
		return 0;
	}
	if (g || !c->ike.n)
		return 0;
	g = c->ike.p[0].dh;
	for (i = 1; i < c->ike.n && c->ike.p[i].dh == g; i++)
		;
	if (i < c->ike.n)
		log_info("%s:%u: conn '%s': pfs=yes: Quick Mode's PFS group is %s, the first "
			 "ike= group (Libreswan takes the group phase 1 agreed on)",
			 origin_file(ctx, at), at->line, c->name, g->name);
	for (i = 0; i < c->esp.n; i++)
		c->esp.p[i].dh = g;
	return 0;
}

/* Conn keys that set nothing: 0 or -EINVAL when s is one, 1 when not. */
int conf_ls_setting(struct conf_ctx *ctx, const struct setting *s)
{
	const char *k = s->key, *v = s->value;
	char *end;

	if (!strcmp(k, "leftnexthop") || !strcmp(k, "rightnexthop")) {
		if (v)
			notice(s, "the kernel's routing table picks the next hop");
		return 0;
	}
	if (!strcmp(k, "keyingtries")) {
		if (!v)
			return 0;
		if (v[0] >= '0' && v[0] <= '9')
			strtoul(v, &end, 10);
		else
			end = strcmp(v, "%forever") ? (char *)v : (char *)v + strlen(v);
		if (*end)
			return conf_error(ctx, s->file, s->line,
					  "keyingtries= takes a number or %%forever, not '%s'", v);
		notice(s, "oakley starts a negotiation once (auto=start, oakleyctl up), with "
			  "its retransmissions; a responder never starts one");
		return 0;
	}
	if (!strcmp(k, "phase2")) { /* Libreswan: esp or ah */
		if (!v || !strcmp(v, "esp"))
			return 0;
		if (!strcmp(v, "ah"))
			return refuse(ctx, s, "oakley negotiates ESP only");
		return conf_error(ctx, s->file, s->line, "phase2= takes esp or ah, not '%s'", v);
	}
	if (!strcmp(k, "sha2-truncbug") || !strcmp(k, "sha2_truncbug")) {
		if (!v || !strcmp(v, "no"))
			return 0;
		if (!strcmp(v, "yes"))
			return refuse(ctx, s,
				      "oakley truncates HMAC-SHA2-256 to 128 bits (RFC 4868) "
				      "and cannot speak the 96-bit bug");
		return conf_error(ctx, s->file, s->line, "%s= takes yes or no, not '%s'", k, v);
	}
	return 1;
}
