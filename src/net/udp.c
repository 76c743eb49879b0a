#include "net/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>
#include <linux/xfrm.h>

#include "util/log.h"

/* Room for one in6_pktinfo (the larger of the two) control message. */
union pktinfo_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

static int set_int(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

/* A per-socket "allow" policy in both directions takes precedence over the
 * global SPD, as in strongSwan and Libreswan: IKE must flow in the clear
 * even between peers whose traffic a policy says to protect. */
static int bypass_ipsec(int fd, int family)
{
	struct xfrm_userpolicy_info pol;
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = family == AF_INET ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;
	static const uint8_t dirs[] = {XFRM_POLICY_IN, XFRM_POLICY_OUT};
	size_t i;

	for (i = 0; i < sizeof(dirs); i++) {
		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = family;
		pol.dir = dirs[i];
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
			return -errno;
	}
	return 0;
}

/* A responder meets bursts of first messages (many peers, or a gateway
 * starting max_inflight exchanges at once): a few MB hold thousands of
 * IKE datagrams where the default ~200 KB drops them.  FORCE passes
 * net.core.rmem_max while we have CAP_NET_ADMIN (the sockets are opened
 * before root is dropped); without it the kernel caps the plain request. */
#define UDP_RCVBUF_BYTES (4 << 20)
#define UDP_SNDBUF_BYTES (2 << 20)

static void size_buffer(int fd, int force_opt, int opt, int bytes)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (set_int(fd, SOL_SOCKET, force_opt, bytes) && set_int(fd, SOL_SOCKET, opt, bytes))
		return;
	if (!getsockopt(fd, SOL_SOCKET, opt, &got, &len) && got < bytes)
		log_debug("%s: %s is %d bytes (asked for %d; net.core.%s caps it)", __func__,
			  opt == SO_RCVBUF ? "SO_RCVBUF" : "SO_SNDBUF", got, bytes,
			  opt == SO_RCVBUF ? "rmem_max" : "wmem_max");
}

static void size_buffers(int fd)
{
	size_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, UDP_RCVBUF_BYTES);
	size_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, UDP_SNDBUF_BYTES);
}

static int bind_addr(int family, const struct sockaddr *addr, uint16_t port,
		     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (addr) {
		if (addr->sa_family != family)
			return -EINVAL;
		memcpy(ss, addr, sockaddr_len(addr));
	} else {
		ss->ss_family = family;
	}
	sockaddr_set_port((struct sockaddr *)ss, port);
	return 0;
}

int udp_open(int family, const struct sockaddr *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	int fd = -1, err;

	err = bind_addr(family, addr, port, &ss);
	if (err)
		return err;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	err = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (err)
		goto out;
	size_buffers(fd);
	if (family == AF_INET) {
		err = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
	} else {
		err = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		if (!err)
			err = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	}
	if (err)
		goto out;
	err = bypass_ipsec(fd, family);
	if (err == -EPERM) {
		log_warn("%s: no IPsec bypass on the IKE socket (needs CAP_NET_ADMIN)", __func__);
		err = 0;
	}
	if (err)
		goto out;
	if (bind(fd, (struct sockaddr *)&ss, sockaddr_len((struct sockaddr *)&ss)) < 0)
		err = -errno;
out:
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int udp_open_natt(int family, const struct sockaddr *addr, uint16_t port)
{
	int fd, err;

	fd = udp_open(family, addr, port);
	if (fd < 0)
		return fd;
	err = set_int(fd, IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The destination address of a received datagram, from its pktinfo. */
static void local_from_cmsg(struct msghdr *msg, struct sockaddr_storage *local)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)local;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)local;
	struct cmsghdr *c;
	struct in_pktinfo pi;
	struct in6_pktinfo pi6;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    local->ss_family == AF_INET) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			sin->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   local->ss_family == AF_INET6) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			sin6->sin6_addr = pi6.ipi6_addr;
			sin6->sin6_scope_id =
				IN6_IS_ADDR_LINKLOCAL(&pi6.ipi6_addr) ? pi6.ipi6_ifindex : 0;
		}
	}
}

static ssize_t recv_iov(int fd, struct iovec *iov, size_t niov, struct sockaddr_storage *from,
			struct sockaddr_storage *local)
{
	struct sockaddr_storage ignored;
	union pktinfo_cmsg cbuf;
	struct msghdr msg = {
		.msg_name = from ? from : &ignored,
		.msg_namelen = sizeof(struct sockaddr_storage),
		.msg_iov = iov,
		.msg_iovlen = niov,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	socklen_t sl = sizeof(*local);
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (local) {
		/* Family, port (and bound address as a fallback) from the socket. */
		memset(local, 0, sizeof(*local));
		if (getsockname(fd, (struct sockaddr *)local, &sl) < 0)
			return -errno;
		local_from_cmsg(&msg, local);
	}
	return n;
}

int udp_local_name(int fd, struct sockaddr_storage *name)
{
	socklen_t sl = sizeof(*name);

	memset(name, 0, sizeof(*name));
	return getsockname(fd, (struct sockaddr *)name, &sl) < 0 ? -errno : 0;
}

int udp_recv_many(int fd, struct udp_dgram *d, unsigned n, const struct sockaddr_storage *name)
{
	struct mmsghdr mm[UDP_RECV_BATCH];
	struct iovec iov[UDP_RECV_BATCH];
	union pktinfo_cmsg cbuf[UDP_RECV_BATCH];
	unsigned i;
	int got;

	if (n > UDP_RECV_BATCH)
		n = UDP_RECV_BATCH;
	memset(mm, 0, n * sizeof(mm[0]));
	for (i = 0; i < n; i++) {
		iov[i] = (struct iovec){.iov_base = d[i].buf, .iov_len = d[i].cap};
		memset(&d[i].from, 0, sizeof(d[i].from));
		mm[i].msg_hdr = (struct msghdr){
			.msg_name = &d[i].from,
			.msg_namelen = sizeof(d[i].from),
			.msg_iov = &iov[i],
			.msg_iovlen = 1,
			.msg_control = cbuf[i].buf,
			.msg_controllen = sizeof(cbuf[i].buf),
		};
	}
	got = recvmmsg(fd, mm, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return -errno;
	for (i = 0; i < (unsigned)got; i++) {
		d[i].len = mm[i].msg_hdr.msg_flags & MSG_TRUNC ? -EMSGSIZE : (ssize_t)mm[i].msg_len;
		d[i].local = *name;
		local_from_cmsg(&mm[i].msg_hdr, &d[i].local);
	}
	return got ? got : -EAGAIN;
}

static ssize_t send_iov(int fd, struct iovec *iov, size_t niov, const struct sockaddr *to,
			const struct sockaddr *local)
{
	union pktinfo_cmsg cbuf;
	struct msghdr msg = {
		.msg_name = (void *)to,
		.msg_namelen = sockaddr_len(to),
		.msg_iov = iov,
		.msg_iovlen = niov,
	};
	struct cmsghdr *c;
	ssize_t n;

	if (!msg.msg_namelen)
		return -EAFNOSUPPORT;
	if (local && !sockaddr_is_any(local)) {
		if (local->sa_family != to->sa_family)
			return -EINVAL;
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		c = (struct cmsghdr *)cbuf.buf;
		if (local->sa_family == AF_INET) {
			struct in_pktinfo pi = {
				.ipi_spec_dst = ((const struct sockaddr_in *)local)->sin_addr,
			};

			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)local;
			struct in6_pktinfo pi6 = {
				.ipi6_addr = sin6->sin6_addr,
				.ipi6_ifindex = sin6->sin6_scope_id,
			};

			msg.msg_controllen = CMSG_SPACE(sizeof(pi6));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi6));
			memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
		}
	}
	n = sendmsg(fd, &msg, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

ssize_t udp_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_storage *from,
		 struct sockaddr_storage *local)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};

	return recv_iov(fd, &iov, 1, from, local);
}

ssize_t udp_send(int fd, const uint8_t *buf, size_t len, const struct sockaddr *to,
		 const struct sockaddr *local)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	return send_iov(fd, &iov, 1, to, local);
}

/* The marker is read into its own iovec so the message lands in buf
 * without a copy. */
ssize_t udp_recv_natt(int fd, uint8_t *buf, size_t cap, struct sockaddr_storage *from,
		      struct sockaddr_storage *local)
{
	static const uint8_t zero[NON_ESP_MARKER_LEN];
	uint8_t marker[NON_ESP_MARKER_LEN];
	struct iovec iov[2] = {
		{.iov_base = marker, .iov_len = sizeof(marker)},
		{.iov_base = buf, .iov_len = cap},
	};
	ssize_t n;

	n = recv_iov(fd, iov, 2, from, local);
	if (n < 0)
		return n;
	if (n == 0 || (n == 1 && marker[0] == 0xff))
		return 0;
	if (n < NON_ESP_MARKER_LEN || memcmp(marker, zero, sizeof(zero)) != 0)
		return -EBADMSG;
	return n - NON_ESP_MARKER_LEN;
}

ssize_t udp_send_natt(int fd, const uint8_t *buf, size_t len, const struct sockaddr *to,
		      const struct sockaddr *local)
{
	static const uint8_t zero[NON_ESP_MARKER_LEN];
	struct iovec iov[2] = {
		{.iov_base = (void *)zero, .iov_len = sizeof(zero)},
		{.iov_base = (void *)buf, .iov_len = len},
	};
	ssize_t n;

	n = send_iov(fd, iov, 2, to, local);
	return n < 0 ? n : n - NON_ESP_MARKER_LEN;
}

int udp_send_natt_keepalive(int fd, const struct sockaddr *to, const struct sockaddr *local)
{
	static const uint8_t ka = 0xff;
	struct iovec iov = {.iov_base = (void *)&ka, .iov_len = 1};
	ssize_t n;

	n = send_iov(fd, &iov, 1, to, local);
	return n < 0 ? (int)n : 0;
}
