/* udp_recv_many: several datagrams in one recvmmsg, each with its own
 * sender, its own local address (pktinfo, on a wildcard socket), the
 * socket's port, a truncated one reported and consumed without stopping
 * the others, -EAGAIN on an empty queue, and the batch size capped.  On
 * loopback, in a network namespace of its own when it may. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <cmocka.h>

#include "net/udp.h"

#define SA(ss) ((struct sockaddr *)&(ss))

static int private_netns(void **state)
{
	struct ifreq ifr = {0};
	int fd, ret = -1;

	if (unshare(CLONE_NEWNET) < 0)
		return 0; /* not allowed: this namespace's loopback */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		if (!ioctl(fd, SIOCSIFFLAGS, &ifr))
			ret = 0;
	}
	close(fd);
	return ret;
}

static struct sockaddr_storage addr(const char *s, uint16_t port)
{
	struct sockaddr_storage ss;

	assert_int_equal(sockaddr_from_str(s, port, &ss), 0);
	return ss;
}

static uint8_t bufs[UDP_RECV_BATCH + 4][2048];
static struct udp_dgram dg[UDP_RECV_BATCH + 4];

static void arm(unsigned n, size_t cap)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		memset(&dg[i], 0xa5, sizeof(dg[i]));
		dg[i].buf = bufs[i];
		dg[i].cap = cap;
	}
}

static void test_batch_v4(void **state)
{
	struct sockaddr_storage a_sa = addr("127.0.0.1", 0), c_sa = addr("127.0.0.3", 0), name;
	struct sockaddr_storage a_at, c_at, dst1, dst2;
	char big[1500];
	int a, b, c;
	uint16_t port;

	a = udp_open(AF_INET, SA(a_sa), 0);
	c = udp_open(AF_INET, SA(c_sa), 0);
	b = udp_open(AF_INET, NULL, 0);
	assert_true(a >= 0 && b >= 0 && c >= 0);
	assert_int_equal(udp_local_name(a, &a_at), 0);
	assert_int_equal(udp_local_name(c, &c_at), 0);
	assert_int_equal(udp_local_name(b, &name), 0);
	assert_true(sockaddr_is_any(SA(name)));
	port = sockaddr_port(SA(name));
	dst1 = addr("127.0.0.1", port);
	dst2 = addr("127.0.0.2", port);

	arm(4, sizeof(bufs[0]));
	assert_int_equal(udp_recv_many(b, dg, 4, &name), -EAGAIN);

	memset(big, 'x', sizeof(big));
	assert_int_equal(udp_send(a, (const uint8_t *)"one", 3, SA(dst1), NULL), 3);
	assert_int_equal(udp_send(c, (const uint8_t *)"two!", 4, SA(dst2), NULL), 4);
	assert_int_equal(udp_send(a, (const uint8_t *)big, sizeof(big), SA(dst2), NULL),
			 sizeof(big));
	assert_int_equal(udp_send(c, (const uint8_t *)"four", 4, SA(dst1), NULL), 4);

	/* Room for 1000 bytes each: the third is truncated, the fourth read. */
	arm(8, 1000);
	assert_int_equal(udp_recv_many(b, dg, 8, &name), 4);
	assert_int_equal(dg[0].len, 3);
	assert_memory_equal(dg[0].buf, "one", 3);
	assert_true(sockaddr_equal(SA(dg[0].from), SA(a_at)));
	assert_true(sockaddr_equal(SA(dg[0].local), SA(dst1)));
	assert_int_equal(dg[1].len, 4);
	assert_memory_equal(dg[1].buf, "two!", 4);
	assert_true(sockaddr_equal(SA(dg[1].from), SA(c_at)));
	assert_true(sockaddr_equal(SA(dg[1].local), SA(dst2)));
	assert_int_equal(sockaddr_port(SA(dg[1].local)), port);
	assert_int_equal(dg[2].len, -EMSGSIZE);
	assert_int_equal(dg[3].len, 4);
	assert_memory_equal(dg[3].buf, "four", 4);
	assert_true(sockaddr_equal(SA(dg[3].local), SA(dst1)));
	/* The sender's address is whole: nothing left of the 0xa5 fill. */
	assert_int_equal(((const uint8_t *)&dg[0].from)[sizeof(dg[0].from) - 1], 0);
	assert_int_equal(udp_recv_many(b, dg, 8, &name), -EAGAIN);

	/* Fewer asked for than queued: the rest stays for the next call. */
	assert_int_equal(udp_send(a, (const uint8_t *)"1", 1, SA(dst1), NULL), 1);
	assert_int_equal(udp_send(a, (const uint8_t *)"2", 1, SA(dst1), NULL), 1);
	arm(1, sizeof(bufs[0]));
	assert_int_equal(udp_recv_many(b, dg, 1, &name), 1);
	assert_memory_equal(dg[0].buf, "1", 1);
	assert_int_equal(udp_recv_many(b, dg, 1, &name), 1);
	assert_memory_equal(dg[0].buf, "2", 1);
	close(a);
	close(b);
	close(c);
}

static void test_batch_cap(void **state)
{
	struct sockaddr_storage sa = addr("127.0.0.1", 0), name;
	unsigned i;
	int fd;

	fd = udp_open(AF_INET, SA(sa), 0);
	assert_true(fd >= 0);
	assert_int_equal(udp_local_name(fd, &name), 0);
	for (i = 0; i < UDP_RECV_BATCH + 2; i++)
		assert_int_equal(udp_send(fd, (const uint8_t *)"x", 1, SA(name), NULL), 1);
	arm(UDP_RECV_BATCH + 4, sizeof(bufs[0]));
	assert_int_equal(udp_recv_many(fd, dg, UDP_RECV_BATCH + 4, &name), UDP_RECV_BATCH);
	assert_int_equal(udp_recv_many(fd, dg, UDP_RECV_BATCH + 4, &name), 2);
	assert_true(sockaddr_equal(SA(dg[0].local), SA(name)));
	close(fd);
}

static void test_batch_v6(void **state)
{
	struct sockaddr_storage a_sa = addr("::1", 0), name, a_at, dst;
	int a, b;

	a = udp_open(AF_INET6, SA(a_sa), 0);
	b = udp_open(AF_INET6, NULL, 0);
	if (a < 0 || b < 0) { /* no IPv6 here */
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
		skip();
	}
	assert_int_equal(udp_local_name(a, &a_at), 0);
	assert_int_equal(udp_local_name(b, &name), 0);
	dst = addr("::1", sockaddr_port(SA(name)));
	assert_int_equal(udp_send(a, (const uint8_t *)"six", 3, SA(dst), NULL), 3);
	arm(2, sizeof(bufs[0]));
	assert_int_equal(udp_recv_many(b, dg, 2, &name), 1);
	assert_int_equal(dg[0].len, 3);
	assert_true(sockaddr_equal(SA(dg[0].from), SA(a_at)));
	assert_true(sockaddr_equal(SA(dg[0].local), SA(dst)));
	close(a);
	close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_v4),
		cmocka_unit_test(test_batch_cap),
		cmocka_unit_test(test_batch_v6),
	};

	return cmocka_run_group_tests_name("udp_batch", tests, private_netns, NULL);
}
