/* IKE's UDP sockets: port 500, and port 4500 with the RFC 3948 non-ESP
 * marker.  Every datagram's local address is reported on receive and can be
 * chosen on send, so one wildcard socket answers from the address the peer
 * talked to. */
#ifndef OAKLEY_NET_UDP_H
#define OAKLEY_NET_UDP_H

#include <stdint.h>
#include <sys/types.h>

#include "net/sockaddr.h"

#define IKE_PORT	   500
#define IKE_NATT_PORT	   4500
#define NON_ESP_MARKER_LEN 4

/* Binds UDP on addr:port (addr NULL: 0.0.0.0 or ::; the port of addr is
 * ignored), with IP_PKTINFO / IPV6_RECVPKTINFO, IPV6_V6ONLY, SO_REUSEADDR,
 * non-blocking and close-on-exec.  The socket bypasses IPsec policy in both
 * directions, so IKE is never caught by the SAs it negotiates; without
 * CAP_NET_ADMIN that step is skipped with a warning.  Its buffers are 4 MB
 * (receive) and 2 MB (send), past net.core.[rw]mem_max with CAP_NET_ADMIN,
 * else as far as those allow.  fd or -errno. */
int udp_open(int family, const struct sockaddr *addr, uint16_t port);

/* One datagram: its length, or -EAGAIN when none is queued, -EMSGSIZE when
 * it was longer than cap (it is consumed), other -errno.  from (may be NULL)
 * gets the sender; local (may be NULL) the address it was sent to, with
 * the socket's port. */
ssize_t udp_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_storage *from,
		 struct sockaddr_storage *local);

/* Several datagrams in one system call (recvmmsg), for a socket's read
 * loop.  The caller sets buf and cap of each; on return len is the
 * datagram's length, or -EMSGSIZE when it was longer than cap (consumed).
 * from and local as udp_recv gives them. */
struct udp_dgram {
	uint8_t *buf;
	size_t cap;
	ssize_t len;
	struct sockaddr_storage from, local;
};

/* The socket's own name (family, port, bound address), which udp_recv
 * reads for each datagram: udp_recv_many takes it from the caller, read
 * once per batch or once per socket.  0 or -errno. */
int udp_local_name(int fd, struct sockaddr_storage *name);

/* Up to n (at most UDP_RECV_BATCH) datagrams: how many were read (> 0),
 * -EAGAIN when none is queued, other -errno.  Fewer than n read: the
 * queue was empty.  name: udp_local_name's. */
#define UDP_RECV_BATCH 16
int udp_recv_many(int fd, struct udp_dgram *d, unsigned n, const struct sockaddr_storage *name);

/* Sends from local's address (IP_PKTINFO / IPV6_PKTINFO; local NULL or a
 * wildcard address: the kernel chooses).  len or -errno. */
ssize_t udp_send(int fd, const uint8_t *buf, size_t len, const struct sockaddr *to,
		 const struct sockaddr *local);

/* Port 4500 (port is normally IKE_NATT_PORT): udp_open plus UDP_ENCAP_ESPINUDP,
 * so the kernel takes ESP-in-UDP and passes up only marked IKE datagrams and
 * eats NAT keepalives.  fd or -errno. */
int udp_open_natt(int family, const struct sockaddr *addr, uint16_t port);

/* One datagram from a port 4500 socket, the non-ESP marker removed.
 * Returns the IKE message length (> 0); 0 for a NAT keepalive or an empty
 * datagram (nothing to do; read on); -EBADMSG for a datagram that is not
 * marked IKE (consumed; read on); otherwise as udp_recv. */
ssize_t udp_recv_natt(int fd, uint8_t *buf, size_t cap, struct sockaddr_storage *from,
		      struct sockaddr_storage *local);
/* Sends buf after a non-ESP marker.  len (without the marker) or -errno. */
ssize_t udp_send_natt(int fd, const uint8_t *buf, size_t len, const struct sockaddr *to,
		      const struct sockaddr *local);
/* The RFC 3948 NAT keepalive: one 0xff byte.  0 or -errno. */
int udp_send_natt_keepalive(int fd, const struct sockaddr *to, const struct sockaddr *local);

#endif
