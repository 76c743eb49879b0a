/* IKE sockets on loopback only: the local address of each datagram for
 * both families, sending from a chosen address, the socket options, the
 * sockaddr helpers, and the NAT-T non-ESP marker and keepalive.  When it
 * may, the test first moves into a network namespace of its own. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <cmocka.h>

#include "net/udp.h"

static const uint8_t msg[] = "an ISAKMP message, more or less";
static bool own_netns; /* in a namespace of our own, where we may add policy */

/* A fresh namespace has only lo, and it is down. */
static int private_netns(void **state)
{
	struct ifreq ifr = {0};
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return 0; /* not allowed: use this namespace's loopback */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	close(fd);
	own_netns = true;
	return 0;
fail:
	close(fd);
	return -1;
}

static struct sockaddr_storage addr(const char *s, uint16_t port)
{
	struct sockaddr_storage ss;

	assert_int_equal(sockaddr_from_str(s, port, &ss), 0);
	return ss;
}

static struct sockaddr_storage bound(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ss;
}

#define SA(ss) ((struct sockaddr *)&(ss))

static void expect_str(const struct sockaddr_storage *ss, const char *want)
{
	char s[SOCKADDR_STRLEN];

	assert_int_equal(sockaddr_str((const struct sockaddr *)ss, s, sizeof(s)), 0);
	assert_string_equal(s, want);
}

/* a (bound to a loopback address) sends to b (bound to the wildcard) at
 * dst; b must see dst as the local address and a as the sender, then
 * answers from dst, which a must see as the sender. */
static void round_trip(int family, const char *a_addr, const char *dst_addr)
{
	struct sockaddr_storage a_sa = addr(a_addr, 0), a_at, b_at, dst, from, local;
	uint8_t buf[256];
	int a, b;

	a = udp_open(family, SA(a_sa), 0);
	assert_true(a >= 0);
	b = udp_open(family, NULL, 0);
	assert_true(b >= 0);
	a_at = bound(a);
	b_at = bound(b);
	assert_true(sockaddr_is_any(SA(b_at)));
	dst = addr(dst_addr, sockaddr_port(SA(b_at)));

	assert_int_equal(udp_recv(b, buf, sizeof(buf), &from, &local), -EAGAIN);
	assert_int_equal(udp_send(a, msg, sizeof(msg), SA(dst), NULL), sizeof(msg));
	assert_int_equal(udp_recv(b, buf, sizeof(buf), &from, &local), sizeof(msg));
	assert_memory_equal(buf, msg, sizeof(msg));
	assert_true(sockaddr_equal(SA(from), SA(a_at)));
	/* b is bound to the wildcard: the address can only come from pktinfo. */
	assert_true(sockaddr_equal(SA(local), SA(dst)));

	assert_int_equal(udp_send(b, msg, 5, SA(from), SA(local)), 5);
	assert_int_equal(udp_recv(a, buf, sizeof(buf), &from, NULL), 5);
	assert_true(sockaddr_equal(SA(from), SA(dst)));
	close(a);
	close(b);
}

static void test_local_address_v4(void **state)
{
	round_trip(AF_INET, "127.0.0.1", "127.0.0.1");
	/* Another address of lo: the reported and the chosen address follow. */
	round_trip(AF_INET, "127.0.0.1", "127.0.0.2");
}

static void test_local_address_v6(void **state)
{
	round_trip(AF_INET6, "::1", "::1");
}

static void test_socket_options(void **state)
{
	int fd, v;
	socklen_t len = sizeof(v);
	struct sockaddr_storage sa4 = addr("127.0.0.1", 0);

	fd = udp_open(AF_INET6, NULL, 0);
	assert_true(fd >= 0);
	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = udp_open(AF_INET, NULL, 0);
	assert_true(fd >= 0);
	assert_int_equal(getsockopt(fd, IPPROTO_IP, IP_PKTINFO, &v, &len), 0);
	assert_int_equal(v, 1);
	close(fd);

	assert_int_equal(udp_open(AF_INET6, SA(sa4), 0), -EINVAL);
	assert_int_equal(udp_open(AF_UNIX, NULL, 0), -EAFNOSUPPORT);
}

static void test_truncated(void **state)
{
	struct sockaddr_storage sa = addr("127.0.0.1", 0), to;
	uint8_t buf[8];
	int fd;

	fd = udp_open(AF_INET, SA(sa), 0);
	assert_true(fd >= 0);
	to = bound(fd);
	assert_int_equal(udp_send(fd, msg, sizeof(msg), SA(to), NULL), sizeof(msg));
	assert_int_equal(udp_recv(fd, buf, sizeof(buf), NULL, NULL), -EMSGSIZE);
	assert_int_equal(udp_recv(fd, buf, sizeof(buf), NULL, NULL), -EAGAIN); /* consumed */
	close(fd);
}

static void test_sockaddr_helpers(void **state)
{
	struct sockaddr_storage a = addr("192.0.2.1", 500), b = addr("192.0.2.1", 4500);
	struct sockaddr_storage c = addr("2001:db8::1", 500), d = addr("2001:db8::1", 500);
	struct sockaddr_storage any4 = addr("0.0.0.0", 0), any6 = addr("::", 0), bad;
	static const uint8_t v4[] = {192, 0, 2, 1};
	char s[SOCKADDR_STRLEN], tiny[8];
	const void *p;
	size_t len;

	expect_str(&a, "192.0.2.1[500]");
	expect_str(&c, "2001:db8::1[500]");
	assert_int_equal(sockaddr_addr_str(SA(b), s, sizeof(s)), 0);
	assert_string_equal(s, "192.0.2.1");
	assert_int_equal(sockaddr_addr_str(SA(c), s, sizeof(s)), 0);
	assert_string_equal(s, "2001:db8::1");
	assert_int_equal(sockaddr_str(SA(a), tiny, sizeof(tiny)), -ENOSPC);
	assert_string_equal(tiny, "?");
	assert_int_equal(sockaddr_addr_str(SA(a), tiny, sizeof(tiny)), -ENOSPC);

	assert_false(sockaddr_equal(SA(a), SA(b)));
	assert_true(sockaddr_addr_equal(SA(a), SA(b)));
	assert_true(sockaddr_equal(SA(c), SA(d)));
	assert_false(sockaddr_addr_equal(SA(a), SA(c)));
	assert_false(sockaddr_addr_equal(SA(any4), SA(any6)));

	assert_int_equal(sockaddr_len(SA(a)), sizeof(struct sockaddr_in));
	assert_int_equal(sockaddr_len(SA(c)), sizeof(struct sockaddr_in6));
	assert_int_equal(sockaddr_port(SA(b)), 4500);
	sockaddr_set_port(SA(b), 500);
	assert_true(sockaddr_equal(SA(a), SA(b)));
	p = sockaddr_addr(SA(a), &len);
	assert_int_equal(len, 4);
	assert_memory_equal(p, v4, 4);
	sockaddr_addr(SA(c), &len);
	assert_int_equal(len, 16);

	assert_true(sockaddr_is_any(SA(any4)));
	assert_true(sockaddr_is_any(SA(any6)));
	assert_false(sockaddr_is_any(SA(a)));
	assert_int_equal(sockaddr_from_str("192.0.2.300", 500, &bad), -EINVAL);
	assert_int_equal(sockaddr_from_str("host.example", 500, &bad), -EINVAL);
	assert_int_equal(sockaddr_len(SA(bad)), 0);
	assert_int_equal(sockaddr_str(SA(bad), s, sizeof(s)), -EAFNOSUPPORT);
	assert_string_equal(s, "?");
}

/* A NAT-T socket to another: the marker is added and removed. */
static void natt_round_trip(int family, const char *lo)
{
	struct sockaddr_storage sa = addr(lo, 0), n1_at, n2_at, from, local, p_at;
	uint8_t buf[256];
	int n1, n2, p;

	n1 = udp_open_natt(family, SA(sa), 0);
	assert_true(n1 >= 0);
	n2 = udp_open_natt(family, SA(sa), 0);
	assert_true(n2 >= 0);
	p = udp_open(family, SA(sa), 0);
	assert_true(p >= 0);
	n1_at = bound(n1);
	n2_at = bound(n2);
	p_at = bound(p);

	assert_int_equal(udp_send_natt(n1, msg, sizeof(msg), SA(n2_at), NULL), sizeof(msg));
	assert_int_equal(udp_recv_natt(n2, buf, sizeof(buf), &from, &local), sizeof(msg));
	assert_memory_equal(buf, msg, sizeof(msg));
	assert_true(sockaddr_equal(SA(local), SA(n2_at)));
	assert_true(sockaddr_equal(SA(from), SA(n1_at)));

	/* The encapsulating socket's kernel side eats keepalives. */
	assert_int_equal(udp_send_natt_keepalive(n1, SA(n2_at), NULL), 0);
	assert_int_equal(udp_send_natt(n1, msg, 7, SA(n2_at), NULL), 7);
	assert_int_equal(udp_recv_natt(n2, buf, sizeof(buf), NULL, NULL), 7);
	assert_int_equal(udp_recv_natt(n2, buf, sizeof(buf), NULL, NULL), -EAGAIN);

	/* On the wire: four zero bytes, then the message. */
	assert_int_equal(udp_send_natt(n1, msg, sizeof(msg), SA(p_at), NULL), sizeof(msg));
	assert_int_equal(udp_recv(p, buf, sizeof(buf), NULL, NULL), sizeof(msg) + 4);
	assert_memory_equal(buf, "\0\0\0\0", 4);
	assert_memory_equal(buf + 4, msg, sizeof(msg));

	/* A keepalive is one 0xff byte; it means nothing to IKE. */
	assert_int_equal(udp_send_natt_keepalive(n1, SA(p_at), NULL), 0);
	assert_int_equal(udp_recv(p, buf, sizeof(buf), NULL, NULL), 1);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(udp_send_natt_keepalive(n1, SA(p_at), NULL), 0);
	assert_int_equal(udp_recv_natt(p, buf, sizeof(buf), NULL, NULL), 0);

	/* Not marked (ESP the kernel did not take): dropped as not IKE. */
	assert_int_equal(udp_send(n1, msg, sizeof(msg), SA(p_at), NULL), sizeof(msg));
	assert_int_equal(udp_recv_natt(p, buf, sizeof(buf), NULL, NULL), -EBADMSG);
	assert_int_equal(udp_send(n1, msg, 3, SA(p_at), NULL), 3);
	assert_int_equal(udp_recv_natt(p, buf, sizeof(buf), NULL, NULL), -EBADMSG);
	assert_int_equal(udp_recv_natt(p, buf, sizeof(buf), NULL, NULL), -EAGAIN);
	close(n1);
	close(n2);
	close(p);
}

static void test_natt_v4(void **state)
{
	natt_round_trip(AF_INET, "127.0.0.1");
}

static void test_natt_v6(void **state)
{
	natt_round_trip(AF_INET6, "::1");
}

/* Adds "block everything outbound" for family to this namespace's SPD. */
static void block_all_out(int family)
{
	struct {
		struct nlmsghdr nh;
		struct xfrm_userpolicy_info pol;
	} req = {0};
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int fd;

	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = XFRM_MSG_NEWPOLICY;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
	req.pol.sel.family = family;
	req.pol.dir = XFRM_POLICY_OUT;
	req.pol.action = XFRM_POLICY_BLOCK;
	req.pol.lft.soft_byte_limit = req.pol.lft.hard_byte_limit = XFRM_INF;
	req.pol.lft.soft_packet_limit = req.pol.lft.hard_packet_limit = XFRM_INF;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	assert_true(fd >= 0);
	assert_int_equal(
		sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)),
		sizeof(req));
	assert_true(recv(fd, &ack, sizeof(ack), 0) >= (ssize_t)sizeof(ack));
	assert_int_equal(ack.nh.nlmsg_type, NLMSG_ERROR);
	assert_int_equal(ack.err.error, 0);
	close(fd);
}

/* Under a policy that blocks all outbound traffic, a plain socket cannot
 * send but an IKE socket can: its own policy lets IKE through.  Runs last:
 * the policy stays in the (private) namespace. */
static void bypass_case(int family, const char *lo)
{
	struct sockaddr_storage sa = addr(lo, 0), to;
	uint8_t buf[64];
	int ike, plain;

	ike = udp_open(family, SA(sa), 0);
	assert_true(ike >= 0);
	to = bound(ike);
	plain = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(plain >= 0);
	assert_int_equal(sendto(plain, msg, 4, 0, SA(to), sockaddr_len(SA(to))), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(udp_send(ike, msg, 4, SA(to), NULL), 4);
	assert_int_equal(udp_recv(ike, buf, sizeof(buf), NULL, NULL), 4);
	close(ike);
	close(plain);
}

static void test_ipsec_bypass(void **state)
{
	FILE *f;

	if (!own_netns)
		skip(); /* would change the SPD of a namespace we do not own */
	/* IPv4 lo is born with disable_xfrm=1: policies never apply to it. */
	f = fopen("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "w");
	assert_non_null(f);
	assert_true(fputs("0\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	block_all_out(AF_INET);
	block_all_out(AF_INET6);
	bypass_case(AF_INET, "127.0.0.1");
	bypass_case(AF_INET6, "::1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_address_v4), cmocka_unit_test(test_local_address_v6),
		cmocka_unit_test(test_socket_options),	 cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_sockaddr_helpers), cmocka_unit_test(test_natt_v4),
		cmocka_unit_test(test_natt_v6),		 cmocka_unit_test(test_ipsec_bypass),
	};

	return cmocka_run_group_tests(tests, private_netns, NULL);
}
