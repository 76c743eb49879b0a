/* kernel/vip: a Mode Config client's virtual IP against the running
 * kernel.  Each test runs in a fresh network namespace of its own (the
 * binary runs as root; a failed unshare() fails the test) with a veth pair
 * up, 192.0.2.1/24 and 2001:db8:1::1/64 on v0 and default routes through
 * 192.0.2.254 and 2001:db8:1::fe.  What the kernel did is read back with
 * iproute2 (`ip addr`, `ip route show table 220`, `ip rule`, `ip route
 * get`), which decodes it independently of this code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "kernel/vip.h"

static struct xfrm_addr addr(const char *s)
{
	struct xfrm_addr a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a.family, s, a.b), 1);
	return a;
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* The output of cmd (stderr included). */
static char *out(const char *fmt, ...)
{
	static char text[8192];
	char cmd[512];
	va_list ap;
	size_t n;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	pclose(f);
	return text;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int setup(void **state)
{
	struct vip_nl *v;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s: this test needs root\n",
			strerror(errno));
		return -1;
	}
	sh("ip link set lo up && ip link add v0 type veth peer name v1 && "
	   "ip link set v0 up && ip link set v1 up && "
	   "ip addr add 192.0.2.1/24 dev v0 && ip route add default via 192.0.2.254 dev v0 && "
	   "ip -6 addr add 2001:db8:1::1/64 dev v0 nodad && "
	   "ip -6 route add default via 2001:db8:1::fe dev v0");
	assert_int_equal(vip_open(&v), 0);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	vip_close(*state);
	return 0;
}

static void test_addr(void **state)
{
	struct vip_nl *v = *state;
	struct xfrm_addr a4 = addr("10.3.0.10"), a6 = addr("2001:db8:ff::5");

	assert_int_equal(vip_addr_add(v, &a4, NULL), 0);
	assert_non_null(strstr(out("ip -o addr show dev lo"), "inet 10.3.0.10/32 scope global lo"));
	/* again (a reconnect): fine, still one */
	assert_int_equal(vip_addr_add(v, &a4, "lo"), 0);
	assert_int_equal(count(out("ip -o addr show dev lo"), "10.3.0.10/32"), 1);
	/* IPv6, usable at once (no DAD: not tentative) */
	assert_int_equal(vip_addr_add(v, &a6, NULL), 0);
	assert_non_null(
		strstr(out("ip -o addr show dev lo"), "inet6 2001:db8:ff::5/128 scope global"));
	assert_null(strstr(out("ip -o addr show dev lo"), "tentative"));
	/* on another interface */
	assert_int_equal(vip_addr_add(v, &a4, "v1"), 0);
	assert_non_null(strstr(out("ip -o addr show dev v1"), "inet 10.3.0.10/32"));
	assert_int_equal(vip_addr_del(v, &a4, "v1"), 0);
	assert_null(strstr(out("ip -o addr show dev v1"), "10.3.0.10"));
	/* down: gone; gone already: fine */
	assert_int_equal(vip_addr_del(v, &a4, NULL), 0);
	assert_int_equal(vip_addr_del(v, &a6, NULL), 0);
	assert_null(strstr(out("ip -o addr show dev lo"), "10.3.0.10"));
	assert_null(strstr(out("ip -o addr show dev lo"), "2001:db8:ff::5"));
	assert_int_equal(vip_addr_del(v, &a4, NULL), 0);
	assert_int_equal(vip_addr_del(v, &a6, NULL), 0);
	/* no such interface, no such family */
	assert_int_equal(vip_addr_add(v, &a4, "nosuch0"), -ENODEV);
	a4.family = AF_UNSPEC;
	assert_int_equal(vip_addr_add(v, &a4, NULL), -EINVAL);
}

static void test_route_v4(void **state)
{
	struct vip_nl *v = *state;
	struct xfrm_addr vip = addr("10.3.0.10"), net = addr("10.1.0.0"),
			 far = addr("198.51.100.7"), near = addr("192.0.2.7"),
			 any = addr("0.0.0.0"), net2 = addr("10.2.0.0");

	assert_int_equal(vip_addr_add(v, &vip, NULL), 0);
	/* through the default gateway, from the virtual IP */
	assert_int_equal(vip_route_add(v, &net, 16, &far, &vip), 0);
	assert_string_equal(out("ip route show table 220"),
			    "10.1.0.0/16 via 192.0.2.254 dev v0 proto static src 10.3.0.10 \n");
	/* the rule sends lookups there, and the source is the virtual IP */
	assert_non_null(strstr(out("ip rule show"), "220:\tfrom all lookup 220"));
	assert_non_null(strstr(out("ip route get 10.1.2.3"),
			       "10.1.2.3 via 192.0.2.254 dev v0 table 220 src 10.3.0.10"));
	assert_non_null(strstr(out("ip route get 10.9.2.3"), "src 192.0.2.1"));
	/* again: replaced, one route; one rule whatever the routes */
	assert_int_equal(vip_route_add(v, &net, 16, &far, &vip), 0);
	assert_int_equal(count(out("ip route show table 220"), "10.1.0.0/16"), 1);
	/* a peer on the link: no gateway */
	assert_int_equal(vip_route_add(v, &net2, 24, &near, &vip), 0);
	assert_non_null(strstr(out("ip route show table 220"),
			       "10.2.0.0/24 dev v0 proto static scope link src 10.3.0.10 \n"));
	/* everything (0.0.0.0/0, as vpnc's server side) */
	assert_int_equal(vip_route_add(v, &any, 0, &far, &vip), 0);
	assert_non_null(strstr(out("ip route show table 220"),
			       "default via 192.0.2.254 dev v0 proto static src 10.3.0.10 \n"));
	assert_int_equal(count(out("ip rule show"), "lookup 220"), 1);
	/* the rule is found in place by another socket (a restart): fine */
	struct vip_nl *v2;
	assert_int_equal(vip_open(&v2), 0);
	assert_int_equal(vip_route_add(v2, &net, 16, &far, &vip), 0);
	vip_close(v2);
	assert_int_equal(count(out("ip rule show"), "lookup 220"), 1);
	/* down */
	assert_int_equal(vip_route_del(v, &net, 16, &vip), 0);
	assert_int_equal(vip_route_del(v, &net2, 24, &vip), 0);
	assert_int_equal(vip_route_del(v, &any, 0, &vip), 0);
	assert_string_equal(out("ip route show table 220"), "");
	assert_int_equal(vip_route_del(v, &net, 16, &vip), 0); /* gone already */
	/* the main table was not touched */
	assert_string_equal(out("ip route show"), "default via 192.0.2.254 dev v0 \n"
						  "192.0.2.0/24 dev v0 proto kernel scope link "
						  "src 192.0.2.1 \n");
}

static void test_route_v6(void **state)
{
	struct vip_nl *v = *state;
	struct xfrm_addr vip = addr("2001:db8:ff::5"), net = addr("2001:db8:aa::"),
			 far = addr("2001:db8:77::7");
	const char *r;

	assert_int_equal(vip_addr_add(v, &vip, NULL), 0);
	assert_int_equal(vip_route_add(v, &net, 48, &far, &vip), 0);
	r = out("ip -6 route show table 220");
	assert_non_null(strstr(r, "2001:db8:aa::/48 via 2001:db8:1::fe dev v0 proto static "
				  "src 2001:db8:ff::5 "));
	assert_int_equal(count(r, "\n"), 1);
	assert_non_null(strstr(out("ip -6 rule show"), "220:\tfrom all lookup 220"));
	assert_non_null(strstr(out("ip -6 route get 2001:db8:aa::1"), "src 2001:db8:ff::5"));
	assert_int_equal(vip_route_del(v, &net, 48, &vip), 0);
	assert_string_equal(out("ip -6 route show table 220"), "");
	assert_int_equal(vip_route_del(v, &net, 48, &vip), 0);
	/* no IPv4 rule was made for IPv6 routes */
	assert_null(strstr(out("ip rule show"), "lookup 220"));
}

static void test_refusals(void **state)
{
	struct vip_nl *v = *state;
	struct xfrm_addr vip = addr("10.3.0.10"), net = addr("10.1.0.0"),
			 far = addr("198.51.100.7"), vip6 = addr("2001:db8:ff::5");

	/* a source that is not an address of ours: the kernel refuses */
	assert_int_equal(vip_route_add(v, &net, 16, &far, &vip), -EINVAL);
	assert_string_equal(out("ip route show table 220"), "");
	/* families that do not match, a prefix too long */
	assert_int_equal(vip_addr_add(v, &vip, NULL), 0);
	assert_int_equal(vip_route_add(v, &net, 16, &far, &vip6), -EINVAL);
	assert_int_equal(vip_route_add(v, &net, 33, &far, &vip), -EINVAL);
	assert_int_equal(vip_route_del(v, &net, 16, &vip6), -EINVAL);
	/* no way to the peer */
	sh("ip route del default");
	assert_int_equal(vip_route_add(v, &net, 16, &far, &vip), -ENETUNREACH);
	assert_string_equal(out("ip route show table 220"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_addr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
