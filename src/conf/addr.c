/* Addresses, subnets and protoports as ipsec.conf writes them, and the
 * question whether an address is on this host. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/internal.h"

int conf_addr_parse(const char *s, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->a.v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->a.v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int conf_addr_str(const struct conf_addr *a, char *out, size_t len)
{
	if (a->family == AF_INET || a->family == AF_INET6)
		return inet_ntop(a->family, &a->a, out, len) ? 0 : -ENOSPC;
	if (len < sizeof("%any"))
		return -ENOSPC;
	strcpy(out, "%any");
	return 0;
}

static unsigned addr_bytes(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

bool conf_addr_equal(const struct conf_addr *a, const struct conf_addr *b)
{
	return a->family == b->family && !memcmp(a->a.b, b->a.b, addr_bytes(a->family));
}

void conf_host_ts(const struct conf_addr *a, struct conf_ts *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->addr = *a;
	ts->prefixlen = addr_bytes(a->family) * 8;
}

int conf_subnet_parse(const char *s, struct conf_ts *ts, bool *host_bits)
{
	char buf[64], *slash, *end;
	unsigned long len;
	unsigned bits, i;

	*host_bits = false;
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	memset(ts, 0, sizeof(*ts));
	if (conf_addr_parse(buf, &ts->addr))
		return -EINVAL;
	bits = addr_bytes(ts->addr.family) * 8;
	len = bits;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end || errno || len > bits)
			return -EINVAL;
	}
	ts->prefixlen = (uint8_t)len;
	for (i = 0; i < bits; i++) {
		uint8_t mask = 0x80 >> (i % 8);

		if (i >= len && (ts->addr.a.b[i / 8] & mask)) {
			ts->addr.a.b[i / 8] &= ~mask;
			*host_bits = true;
		}
	}
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{"icmp", 1}, {"tcp", 6},     {"udp", 17},	{"gre", 47},   {"esp", 50},
	{"ah", 51},  {"icmpv6", 58}, {"ipv6-icmp", 58}, {"sctp", 132}, {"udplite", 136},
};

static bool parse_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*end && !errno && *out <= max;
}

static int parse_proto(const char *s, uint8_t *proto)
{
	unsigned long v;
	unsigned i;

	if (!strcmp(s, "%any")) {
		*proto = 0;
		return 0;
	}
	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (!strcmp(s, proto_names[i].name)) {
			*proto = proto_names[i].proto;
			return 0;
		}
	}
	if (!parse_number(s, 255, &v))
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

static const char *proto_name(uint8_t proto)
{
	unsigned i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return NULL;
}

int conf_protoport_parse(const char *s, struct protoport *pp, const char **why)
{
	char buf[64], *port;
	unsigned long v;

	memset(pp, 0, sizeof(*pp));
	if (strlen(s) >= sizeof(buf)) {
		*why = "is too long";
		return -EINVAL;
	}
	strcpy(buf, s);
	port = strchr(buf, '/');
	if (port)
		*port++ = 0;
	if (parse_proto(buf, &pp->proto)) {
		*why = "has an unknown protocol (a name such as udp, or a number)";
		return -EINVAL;
	}
	if (!port || !strcmp(port, "%any"))
		return 0;
	if (strchr(port, '-')) {
		*why = "has a port range; oakley takes one port or %any";
		return -EINVAL;
	}
	if (!parse_number(port, 65535, &v)) {
		const char *pn = proto_name(pp->proto);
		struct servent *se = pn ? getservbyname(port, pn) : NULL;

		if (!se) {
			*why = "has an unknown port (a number, a service name or %any)";
			return -EINVAL;
		}
		v = ntohs((uint16_t)se->s_port);
	}
	if (!pp->proto && v) {
		*why = "gives a port without a protocol";
		return -EINVAL;
	}
	pp->port = (uint16_t)v;
	return 0;
}

bool conf_addr_is_local_ifaddrs(const struct conf_addr *a, void *arg)
{
	const struct ifaddrs *ifa;

	for (ifa = arg; ifa; ifa = ifa->ifa_next) {
		const struct sockaddr *sa = ifa->ifa_addr;

		if (!sa || sa->sa_family != a->family)
			continue;
		if (a->family == AF_INET &&
		    !memcmp(&((const struct sockaddr_in *)sa)->sin_addr, &a->a.v4, 4))
			return true;
		if (a->family == AF_INET6 &&
		    !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &a->a.v6, 16))
			return true;
	}
	return false;
}
