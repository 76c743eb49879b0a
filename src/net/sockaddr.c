#include "net/sockaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

socklen_t sockaddr_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

const void *sockaddr_addr(const struct sockaddr *sa, size_t *len)
{
	switch (sa->sa_family) {
	case AF_INET:
		*len = sizeof(struct in_addr);
		return &((const struct sockaddr_in *)sa)->sin_addr;
	case AF_INET6:
		*len = sizeof(struct in6_addr);
		return &((const struct sockaddr_in6 *)sa)->sin6_addr;
	default:
		*len = 0;
		return NULL;
	}
}

uint16_t sockaddr_port(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	default:
		return 0;
	}
}

void sockaddr_set_port(struct sockaddr *sa, uint16_t port)
{
	switch (sa->sa_family) {
	case AF_INET:
		((struct sockaddr_in *)sa)->sin_port = htons(port);
		break;
	case AF_INET6:
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
		break;
	}
}

bool sockaddr_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	const void *pa, *pb;
	size_t la, lb;

	if (a->sa_family != b->sa_family)
		return false;
	pa = sockaddr_addr(a, &la);
	pb = sockaddr_addr(b, &lb);
	return pa && pb && la == lb && memcmp(pa, pb, la) == 0;
}

bool sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	return sockaddr_addr_equal(a, b) && sockaddr_port(a) == sockaddr_port(b);
}

bool sockaddr_is_any(const struct sockaddr *sa)
{
	static const uint8_t zero[16];
	const void *p;
	size_t len;

	p = sockaddr_addr(sa, &len);
	return p && memcmp(p, zero, len) == 0;
}

static int str_failed(char *out, size_t len, int err)
{
	if (len >= 2)
		snprintf(out, len, "?");
	else if (len == 1)
		out[0] = 0;
	return err;
}

int sockaddr_addr_str(const struct sockaddr *sa, char *out, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	const void *p;
	size_t alen;

	p = sockaddr_addr(sa, &alen);
	if (!p)
		return str_failed(out, len, -EAFNOSUPPORT);
	if (!inet_ntop(sa->sa_family, p, tmp, sizeof(tmp)))
		return str_failed(out, len, -errno);
	if (strlen(tmp) >= len)
		return str_failed(out, len, -ENOSPC);
	memcpy(out, tmp, strlen(tmp) + 1);
	return 0;
}

int sockaddr_str(const struct sockaddr *sa, char *out, size_t len)
{
	char tmp[SOCKADDR_STRLEN];
	int err, n;

	err = sockaddr_addr_str(sa, tmp, sizeof(tmp));
	if (err)
		return str_failed(out, len, err);
	n = snprintf(out, len, "%s[%u]", tmp, sockaddr_port(sa));
	if (n < 0 || (size_t)n >= len)
		return str_failed(out, len, -ENOSPC);
	return 0;
}

int sockaddr_from_str(const char *s, uint16_t port, struct sockaddr_storage *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
	} else {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	sockaddr_set_port((struct sockaddr *)out, port);
	return 0;
}

void sockaddr_inet_set(union sockaddr_inet *to, const struct sockaddr *from)
{
	socklen_t len = sockaddr_len(from);

	memset(to, 0, sizeof(*to));
	if (len && len <= sizeof(*to))
		memcpy(to, from, len);
	else
		to->sa.sa_family = AF_UNSPEC;
}
