/* Socket address helpers used across the daemon.  Only AF_INET and AF_INET6
 * are known; anything else is "not equal", length 0, or -EAFNOSUPPORT.
 * IPv6 scope ids and flow labels are ignored by the comparisons. */
#ifndef OAKLEY_NET_SOCKADDR_H
#define OAKLEY_NET_SOCKADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* An IPv4 or IPv6 socket address in 28 bytes, for what is kept per tunnel
 * (sockaddr_storage is 128).  Read it through .sa. */
union sockaddr_inet {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* Room for the longest "addr[port]": INET6_ADDRSTRLEN + "[65535]". */
#define SOCKADDR_STRLEN 56

/* "192.0.2.1[500]", "2001:db8::1[4500]".  0, or -ENOSPC / -EAFNOSUPPORT
 * with out set to "?" (when len allows), so it can go straight into a log
 * line. */
int sockaddr_str(const struct sockaddr *sa, char *out, size_t len);
/* "192.0.2.1", "2001:db8::1": the address alone. */
int sockaddr_addr_str(const struct sockaddr *sa, char *out, size_t len);
/* Numeric address only (no name lookup), with the given port. 0 or -EINVAL. */
int sockaddr_from_str(const char *s, uint16_t port, struct sockaddr_storage *out);

bool sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b); /* family, address, port */
bool sockaddr_addr_equal(const struct sockaddr *a, const struct sockaddr *b); /* family, address */
socklen_t sockaddr_len(const struct sockaddr *sa); /* sizeof sockaddr_in/in6, or 0 */

uint16_t sockaddr_port(const struct sockaddr *sa); /* host order; 0 if unknown family */
void sockaddr_set_port(struct sockaddr *sa, uint16_t port);
/* The raw address bytes (4 or 16, network order) and their length, for
 * hashing, NAT-D and ID payloads; NULL and 0 for an unknown family. */
const void *sockaddr_addr(const struct sockaddr *sa, size_t *len);
bool sockaddr_is_any(const struct sockaddr *sa); /* 0.0.0.0 or :: */
/* Copies an AF_INET or AF_INET6 address (others: family AF_UNSPEC). */
void sockaddr_inet_set(union sockaddr_inet *to, const struct sockaddr *from);

#endif
