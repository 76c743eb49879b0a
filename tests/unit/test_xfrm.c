/* kernel/: XFRM over netlink against the running kernel.  Every test runs
 * in a fresh network namespace of its own (the binary runs as root; a
 * failed unshare() fails the test), so nothing here touches the host's
 * IPsec tables.  The kernel's answers are read back with GETSA/GETPOLICY,
 * dumps and `ip xfrm`, which decodes them independently of this code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "kernel/xfrm.h"
#include "xfrm_fixture.h"

static void assert_addr_equal(const struct xfrm_addr *a, const char *want)
{
	char buf[INET6_ADDRSTRLEN];
	struct xfrm_addr w = addr(want);

	if (!xfrm_addr_eq(a, &w))
		fail_msg("address %s, want %s", xfrm_addr_str(a, buf), want);
}

static void assert_sel_equal(const struct xfrm_sel *got, const struct xfrm_sel *want)
{
	assert_true(xfrm_addr_eq(&got->src, &want->src));
	assert_true(xfrm_addr_eq(&got->dst, &want->dst));
	assert_int_equal(got->src_plen, want->src_plen);
	assert_int_equal(got->dst_plen, want->dst_plen);
	assert_int_equal(got->proto, want->proto);
	assert_int_equal(got->sport, want->sport);
	assert_int_equal(got->dport, want->dport);
}

static void find_spi0(const struct xfrm_sa_info *si, void *arg)
{
	if (si->spi == 0)
		*(uint32_t *)arg = si->reqid;
}

/* ---- policies ---- */

static const uint8_t dirs[] = {XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD};

/* Tunnel policies for local<->remote in three directions, as the daemon
 * installs them: out uses local->remote, in and fwd the reverse. */
static void tunnel_policies(struct xfrm *x, const char *lnet, uint8_t lplen, const char *rnet,
			    uint8_t rplen, const char *lgw, const char *rgw, uint32_t reqid)
{
	size_t i;

	for (i = 0; i < sizeof(dirs); i++) {
		bool out = dirs[i] == XFRM_POLICY_OUT;
		struct xfrm_pol p = {
			.sel = out ? subnet_sel(lnet, lplen, rnet, rplen)
				   : subnet_sel(rnet, rplen, lnet, lplen),
			.dir = dirs[i],
			.priority = 1000 + (uint32_t)i,
			.tmpl_src = addr(out ? lgw : rgw),
			.tmpl_dst = addr(out ? rgw : lgw),
			.tunnel = true,
			.reqid = reqid,
			.proto = IPPROTO_ESP,
		};
		struct xfrm_pol got;

		assert_int_equal(xfrm_add_policy(x, &p), 0);
		assert_int_equal(xfrm_get_policy(x, &p.sel, p.dir, &got), 0);
		assert_sel_equal(&got.sel, &p.sel);
		assert_int_equal(got.dir, p.dir);
		assert_int_equal(got.priority, p.priority);
		assert_int_equal(got.action, XFRM_POLICY_ALLOW);
		assert_int_equal(got.proto, IPPROTO_ESP);
		assert_true(got.tunnel);
		assert_int_equal(got.reqid, reqid);
		assert_true(xfrm_addr_eq(&got.tmpl_src, &p.tmpl_src));
		assert_true(xfrm_addr_eq(&got.tmpl_dst, &p.tmpl_dst));
	}
}

static void del_tunnel_policies(struct xfrm *x, const char *lnet, uint8_t lplen, const char *rnet,
				uint8_t rplen)
{
	size_t i;

	for (i = 0; i < sizeof(dirs); i++) {
		bool out = dirs[i] == XFRM_POLICY_OUT;
		struct xfrm_sel s = out ? subnet_sel(lnet, lplen, rnet, rplen)
					: subnet_sel(rnet, rplen, lnet, lplen);
		struct xfrm_pol got;

		assert_int_equal(xfrm_del_policy(x, &s, dirs[i]), 0);
		assert_int_equal(xfrm_get_policy(x, &s, dirs[i], &got), -ENOENT);
		assert_int_equal(xfrm_del_policy(x, &s, dirs[i]), -ENOENT);
	}
}

static void test_policy_v4(void **state)
{
	struct xfrm *x = *state;
	char *out;

	tunnel_policies(x, "10.1.0.0", 16, "10.2.0.0", 16, "192.0.2.1", "192.0.2.2", 7);
	assert_int_equal(policy_count(x), 3);

	out = run("ip xfrm policy");
	assert_contains(out, "src 10.1.0.0/16 dst 10.2.0.0/16");
	assert_contains(out, "src 10.2.0.0/16 dst 10.1.0.0/16");
	assert_contains(out, "dir out priority 1000");
	assert_contains(out, "dir in priority 1001");
	assert_contains(out, "dir fwd priority 1002");
	assert_contains(out, "tmpl src 192.0.2.1 dst 192.0.2.2");
	assert_contains(out, "tmpl src 192.0.2.2 dst 192.0.2.1");
	assert_contains(out, "proto esp reqid 7 mode tunnel");
	free(out);

	del_tunnel_policies(x, "10.1.0.0", 16, "10.2.0.0", 16);
	assert_int_equal(policy_count(x), 0);
	out = run("ip xfrm policy");
	assert_string_equal(out, "");
	free(out);
}

static void test_policy_v6(void **state)
{
	struct xfrm *x = *state;
	/* Transport mode between two hosts, one protocol and port: the
	 * template is left to the kernel's defaults for its addresses. */
	struct xfrm_pol tp = {
		.sel = subnet_sel("2001:db8::1", 128, "2001:db8::2", 128),
		.dir = XFRM_POLICY_OUT,
		.tunnel = false,
		.reqid = 9,
		.proto = IPPROTO_ESP,
	};
	struct xfrm_pol got;
	char *out;

	tp.sel.proto = IPPROTO_UDP;
	tp.sel.sport = 1701;
	tp.sel.dport = 1702;
	tunnel_policies(x, "2001:db8:1::", 48, "2001:db8:2::", 48, "2001:db8:ffff::1",
			"2001:db8:ffff::2", 8);
	assert_int_equal(xfrm_add_policy(x, &tp), 0);
	assert_int_equal(xfrm_get_policy(x, &tp.sel, tp.dir, &got), 0);
	assert_sel_equal(&got.sel, &tp.sel);
	assert_false(got.tunnel);
	assert_int_equal(got.reqid, 9);
	assert_int_equal(policy_count(x), 4);

	out = run("ip xfrm policy");
	assert_contains(out, "src 2001:db8:1::/48 dst 2001:db8:2::/48");
	assert_contains(out, "src 2001:db8:2::/48 dst 2001:db8:1::/48");
	assert_contains(out, "dir out priority 1000");
	assert_contains(out, "dir in priority 1001");
	assert_contains(out, "dir fwd priority 1002");
	assert_contains(out, "tmpl src 2001:db8:ffff::1 dst 2001:db8:ffff::2");
	assert_contains(out, "proto esp reqid 8 mode tunnel");
	assert_contains(out,
			"src 2001:db8::1/128 dst 2001:db8::2/128 proto udp sport 1701 dport 1702");
	assert_contains(out, "proto esp reqid 9 mode transport");
	free(out);

	del_tunnel_policies(x, "2001:db8:1::", 48, "2001:db8:2::", 48);
	assert_int_equal(xfrm_del_policy(x, &tp.sel, tp.dir), 0);
	assert_int_equal(policy_count(x), 0);
}

/* IPv6 subnets through an IPv4 tunnel: the template has its own family. */
static void test_policy_v6_in_v4(void **state)
{
	struct xfrm *x = *state;
	char *out;

	tunnel_policies(x, "2001:db8:1::", 48, "2001:db8:2::", 48, "192.0.2.1", "192.0.2.2", 11);
	out = run("ip xfrm policy");
	assert_contains(out, "tmpl src 192.0.2.1 dst 192.0.2.2");
	free(out);
	del_tunnel_policies(x, "2001:db8:1::", 48, "2001:db8:2::", 48);
}

static void test_policy_new_upd_block(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_pol p = {
		.sel = subnet_sel("10.1.0.0", 16, "10.2.0.0", 16),
		.dir = XFRM_POLICY_OUT,
		.priority = 5,
		.tmpl_src = addr("192.0.2.1"),
		.tmpl_dst = addr("192.0.2.2"),
		.tunnel = true,
		.reqid = 3,
		.proto = IPPROTO_ESP,
	};
	struct xfrm_pol block = {
		.sel = subnet_sel("10.3.0.0", 16, "10.4.0.0", 16),
		.dir = XFRM_POLICY_OUT,
		.action = XFRM_POLICY_BLOCK,
	};
	struct xfrm_pol got;
	char *out;

	assert_int_equal(xfrm_add_policy(x, &p), 0);
	assert_int_equal(xfrm_add_policy(x, &p), -EEXIST);
	p.priority = 6;
	p.reqid = 4;
	assert_int_equal(xfrm_update_policy(x, &p), 0);
	assert_int_equal(xfrm_get_policy(x, &p.sel, p.dir, &got), 0);
	assert_int_equal(got.priority, 6);
	assert_int_equal(got.reqid, 4);
	/* UPDPOLICY also adds. */
	p.dir = XFRM_POLICY_FWD;
	assert_int_equal(xfrm_update_policy(x, &p), 0);
	assert_int_equal(policy_count(x), 2);

	assert_int_equal(xfrm_add_policy(x, &block), 0);
	assert_int_equal(xfrm_get_policy(x, &block.sel, block.dir, &got), 0);
	assert_int_equal(got.action, XFRM_POLICY_BLOCK);
	assert_int_equal(got.proto, 0);
	out = run("ip xfrm policy");
	assert_contains(out, "action block");
	free(out);

	/* Refused before the kernel: a template on a block policy, a bad
	 * direction, a selector without a family. */
	block.proto = IPPROTO_ESP;
	assert_int_equal(xfrm_add_policy(x, &block), -EINVAL);
	p.dir = 7;
	assert_int_equal(xfrm_add_policy(x, &p), -EINVAL);
	p.dir = XFRM_POLICY_IN;
	memset(&p.sel, 0, sizeof(p.sel));
	assert_int_equal(xfrm_add_policy(x, &p), -EINVAL);
}

/* ---- SPIs and larval SAs ---- */

static void test_alloc_spi(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_addr src = addr("192.0.2.2"), dst = addr("192.0.2.1");
	struct xfrm_spi_req req = {.src = src,
				   .dst = dst,
				   .proto = IPPROTO_ESP,
				   .reqid = 21,
				   .tunnel = true,
				   .min = 0x4000,
				   .max = 0x4fff};
	struct xfrm_sa_info si;
	uint32_t spi, spi2, one, spi0_reqid = 0;
	char *out, want[64];

	assert_int_equal(xfrm_alloc_spi(x, &src, &dst, IPPROTO_ESP, 20, &spi), 0);
	assert_true(spi >= 0x100);
	assert_int_equal(xfrm_alloc_spi_req(x, &req, &spi2), 0);
	assert_in_range(spi2, 0x4000, 0x4fff);
	assert_int_not_equal(spi, spi2);

	/* The larval SA reads back with what the allocation asked for. */
	assert_int_equal(xfrm_get_sa(x, &dst, spi2, IPPROTO_ESP, &si), 0);
	assert_int_equal(si.spi, spi2);
	assert_int_equal(si.proto, IPPROTO_ESP);
	assert_int_equal(si.reqid, 21);
	assert_true(si.tunnel);
	assert_addr_equal(&si.src, "192.0.2.2");
	assert_addr_equal(&si.dst, "192.0.2.1");
	assert_string_equal(si.enc.name, "");
	xfrm_sa_info_wipe(&si);
	assert_int_equal(xfrm_get_sa(x, &dst, spi, IPPROTO_ESP, &si), 0);
	assert_int_equal(si.reqid, 20);
	assert_false(si.tunnel);
	xfrm_sa_info_wipe(&si);

	/* A one-SPI range: that SPI, and then none left. */
	req.min = req.max = 0x12345;
	assert_int_equal(xfrm_alloc_spi_req(x, &req, &one), 0);
	assert_int_equal(one, 0x12345);
	req.reqid = 22; /* another larval SA, same SPI: taken */
	assert_int_equal(xfrm_alloc_spi_req(x, &req, &one), -ENOENT);
	/* The kernel keeps the larval SA it made for the failed request, with
	 * SPI 0, until it expires. */
	assert_int_equal(sa_count(x), 4);
	assert_int_equal(xfrm_dump_sa(x, find_spi0, &spi0_reqid), 0);
	assert_int_equal(spi0_reqid, 22);

	out = run("ip xfrm state");
	snprintf(want, sizeof(want), "proto esp spi 0x%08x reqid 21 mode tunnel", spi2);
	assert_contains(out, want);
	assert_contains(out, "proto esp spi 0x00012345 reqid 21 mode tunnel");
	free(out);

	assert_int_equal(xfrm_del_sa(x, &dst, spi2, IPPROTO_ESP), 0);
	assert_int_equal(xfrm_get_sa(x, &dst, spi2, IPPROTO_ESP, &si), -ESRCH);
	assert_int_equal(xfrm_del_sa(x, &dst, spi2, IPPROTO_ESP), -ESRCH);
	assert_int_equal(sa_count(x), 3);

	/* Reserved SPIs and empty ranges are refused before the kernel. */
	req.min = 1;
	req.max = 0xff;
	assert_int_equal(xfrm_alloc_spi_req(x, &req, &one), -EINVAL);
	req.min = 0x2000;
	req.max = 0x1000;
	assert_int_equal(xfrm_alloc_spi_req(x, &req, &one), -EINVAL);
}

/* ---- SAs ---- */

static const uint8_t aes_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t sha1_key[20] = {1,	 2,  3,	 4,  5,	 6,  7,	 8,  9,	 10,
				     11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
static const uint8_t sha256_key[32] = {[0] = 0xa5, [15] = 0x5a, [31] = 0x77};
static const uint8_t gcm_key[20] = {[0] = 0x42, [16] = 0xde, [19] = 0xef}; /* 16 + 4 salt */

static void assert_alg_equal(const struct xfrm_alg_info *got, const struct xfrm_alg_key *want)
{
	assert_string_equal(got->name, want->name);
	assert_int_equal(got->key_len, want->key_len);
	assert_memory_equal(got->key, want->key, want->key_len);
	if (want->trunc_bits)
		assert_int_equal(got->trunc_bits, want->trunc_bits);
}

/* On success the SA must read back as set; otherwise the only answer
 * allowed is this kernel's lack of ESP. */
static bool sa_installed(struct xfrm *x, int err, const struct xfrm_sa *sa)
{
	struct xfrm_sa_info si;
	struct xfrm_sa_stats st;

	if (err == -EPROTONOSUPPORT) {
		assert_non_null(strstr(xfrm_strerror(err), "ESP"));
		return false;
	}
	if (err)
		fail_msg("add SA: %s (%s) kernel: %s", strerror(-err), xfrm_strerror(err),
			 xfrm_kernel_msg(x));
	assert_int_equal(xfrm_get_sa(x, &sa->dst, sa->spi, sa->proto, &si), 0);
	assert_true(xfrm_addr_eq(&si.src, &sa->src));
	assert_true(xfrm_addr_eq(&si.dst, &sa->dst));
	assert_int_equal(si.spi, sa->spi);
	assert_int_equal(si.proto, sa->proto);
	assert_int_equal(si.tunnel, sa->tunnel);
	assert_int_equal(si.reqid, sa->reqid);
	assert_int_equal(si.aead, sa->aead);
	assert_alg_equal(&si.enc, &sa->enc);
	if (sa->auth.name)
		assert_alg_equal(&si.auth, &sa->auth);
	else
		assert_string_equal(si.auth.name, "");
	assert_int_equal(si.soft_bytes, sa->soft_bytes);
	assert_int_equal(si.hard_bytes, sa->hard_bytes);
	assert_int_equal(si.soft_secs, sa->soft_secs);
	assert_int_equal(si.hard_secs, sa->hard_secs);
	assert_int_equal(si.replay_window, sa->replay_window ? sa->replay_window : 32);
	assert_int_equal(si.encap_sport, sa->encap_sport);
	assert_int_equal(si.encap_dport, sa->encap_dport);
	if (sa->sel.dst.family)
		assert_sel_equal(&si.sel, &sa->sel);
	xfrm_sa_info_wipe(&si);

	assert_int_equal(xfrm_get_sa_stats(x, &sa->dst, sa->spi, sa->proto, &st), 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.packets, 0);
	assert_true(st.add_time > 0);
	return true;
}

static void test_add_sa_esp_v4(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_sa sa = {
		.src = addr("192.0.2.1"),
		.dst = addr("192.0.2.2"),
		.spi = 0xc0ffee01,
		.proto = IPPROTO_ESP,
		.tunnel = true,
		.reqid = 31,
		.enc = {"cbc(aes)", aes_key, sizeof(aes_key), 0},
		.auth = {"hmac(sha1)", sha1_key, sizeof(sha1_key), 96},
		.soft_bytes = 900000,
		.hard_bytes = 1000000,
		.soft_secs = 2700,
		.hard_secs = 3600,
		.encap_sport = 4500,
		.encap_dport = 4500,
	};
	struct xfrm_sa_info si;
	int err;

	err = xfrm_add_sa(x, &sa);
	if (sa_installed(x, err, &sa)) {
		char *out = run("ip xfrm state");

		assert_contains(out, "proto esp spi 0xc0ffee01 reqid 31 mode tunnel");
		assert_contains(out, "enc cbc(aes) 0x00112233445566778899aabbccddeeff");
		assert_contains(out, "encap type espinudp sport 4500 dport 4500");
		free(out);
		assert_int_equal(xfrm_add_sa(x, &sa), -EEXIST);
		assert_int_equal(xfrm_del_sa(x, &sa.dst, sa.spi, sa.proto), 0);
	}
	assert_int_equal(xfrm_get_sa(x, &sa.dst, sa.spi, sa.proto, &si), -ESRCH);
	assert_int_equal(sa_count(x), 0);
}

/* The inbound path: an SPI from ALLOCSPI, its larval SA completed by
 * UPDSA.  IPv6, transport mode with a host selector, HMAC-SHA-256/128,
 * and a 128-packet window, which needs the kernel's ESN replay form. */
static void test_update_sa_v6(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_sa sa = {
		.src = addr("2001:db8::2"),
		.dst = addr("2001:db8::1"),
		.proto = IPPROTO_ESP,
		.tunnel = false,
		.reqid = 41,
		.enc = {"cbc(aes)", aes_key, sizeof(aes_key), 0},
		.auth = {"hmac(sha256)", sha256_key, sizeof(sha256_key), 128},
		.hard_secs = 600,
		.sel = subnet_sel("2001:db8::2", 128, "2001:db8::1", 128),
		.replay_window = 128,
	};
	struct xfrm_sa_info si;
	int err;

	assert_int_equal(xfrm_alloc_spi(x, &sa.src, &sa.dst, IPPROTO_ESP, 41, &sa.spi), 0);
	err = xfrm_update_sa(x, &sa);
	if (sa_installed(x, err, &sa)) {
		assert_int_equal(sa_count(x), 1); /* the larval SA was replaced */
		assert_int_equal(xfrm_del_sa(x, &sa.dst, sa.spi, sa.proto), 0);
	} else {
		/* The larval SA is left for the kernel to expire. */
		assert_int_equal(xfrm_get_sa(x, &sa.dst, sa.spi, sa.proto, &si), 0);
		assert_string_equal(si.enc.name, "");
		xfrm_sa_info_wipe(&si);
	}
	/* UPDSA with nothing to update. */
	sa.spi = 0x7777;
	err = xfrm_update_sa(x, &sa);
	assert_true(err == -ESRCH || err == -EPROTONOSUPPORT);
}

/* AES-GCM: this machine's kernel has no GCM either, which it reports as
 * an unknown algorithm before it looks for ESP. */
static void test_add_sa_aead(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_sa sa = {
		.src = addr("192.0.2.1"),
		.dst = addr("192.0.2.2"),
		.spi = 0x1001,
		.proto = IPPROTO_ESP,
		.tunnel = true,
		.reqid = 51,
		.enc = {"rfc4106(gcm(aes))", gcm_key, sizeof(gcm_key), 128},
		.aead = true,
	};
	int err;

	err = xfrm_add_sa(x, &sa);
	if (err == -ENOSYS) {
		assert_non_null(strstr(xfrm_strerror(err), "algorithm"));
		return;
	}
	if (sa_installed(x, err, &sa))
		assert_int_equal(xfrm_del_sa(x, &sa.dst, sa.spi, sa.proto), 0);
}

static void test_add_sa_refused(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_sa sa = {
		.src = addr("192.0.2.1"),
		.dst = addr("192.0.2.2"),
		.spi = 0x2001,
		.proto = IPPROTO_ESP,
		.enc = {"cbc(nosuchcipher)", aes_key, sizeof(aes_key), 0},
		.auth = {"hmac(sha1)", sha1_key, sizeof(sha1_key), 96},
	};

	/* The kernel checks algorithms before it looks for ESP itself. */
	assert_int_equal(xfrm_add_sa(x, &sa), -ENOSYS);
	assert_non_null(strstr(xfrm_strerror(-ENOSYS), "algorithm"));
	assert_non_null(strstr(xfrm_kernel_msg(x), "algorithm"));
	sa.enc.name = "cbc(aes)";
	sa.auth.trunc_bits = 200; /* more than SHA-1 has */
	assert_int_equal(xfrm_add_sa(x, &sa), -EINVAL);
	assert_non_null(strstr(xfrm_kernel_msg(x), "ICV"));

	/* Refused before the kernel. */
	sa.auth.trunc_bits = 96;
	sa.enc.name = "0123456789012345678901234567890123456789012345678901234567890123";
	assert_int_equal(xfrm_add_sa(x, &sa), -ENAMETOOLONG);
	sa.enc.name = "cbc(aes)";
	sa.aead = true; /* with an auth algorithm */
	assert_int_equal(xfrm_add_sa(x, &sa), -EINVAL);
	sa.aead = false;
	sa.encap_sport = 4500; /* without dport */
	assert_int_equal(xfrm_add_sa(x, &sa), -EINVAL);
	sa.encap_sport = 0;
	sa.dst = addr("2001:db8::1"); /* family mismatch */
	assert_int_equal(xfrm_add_sa(x, &sa), -EINVAL);
	assert_int_equal(sa_count(x), 0);
}

/* ---- sockets and events ---- */

static void test_socket_bypass(void **state)
{
	int fd4 = socket(AF_INET, SOCK_DGRAM, 0), fd6 = socket(AF_INET6, SOCK_DGRAM, 0);
	char *out;

	assert_true(fd4 >= 0);
	assert_true(fd6 >= 0);
	assert_int_equal(xfrm_socket_bypass(fd4, AF_INET), 0);
	assert_int_equal(xfrm_socket_bypass(fd6, AF_INET6), 0);
	assert_int_equal(xfrm_socket_bypass(fd4, AF_UNIX), -EAFNOSUPPORT);
	/* The kernel shows per-socket policies in its dump. */
	out = run("ip xfrm policy");
	assert_contains(out, "socket in");
	assert_contains(out, "socket out");
	free(out);
	close(fd4);
	close(fd6);
}

struct ev_log {
	int n;
	struct xfrm_event last;
};

static void on_event(const struct xfrm_event *ev, void *arg)
{
	struct ev_log *log = arg;

	log->n++;
	log->last = *ev;
}

/* A packet meeting an ESP policy with no SA makes the kernel send an
 * ACQUIRE, and ALLOCSPI with its seq claims the kernel's larval SA.  The
 * packet leaves by a veth pair inside the namespace: loopback is exempt
 * from IPsec (its devconf has NOXFRM). */
static void test_events_acquire(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_pol p = {
		.sel = subnet_sel("10.9.0.1", 32, "10.9.0.2", 32),
		.dir = XFRM_POLICY_OUT,
		.reqid = 61,
		.proto = IPPROTO_ESP,
	};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5555)};
	struct ev_log log = {0};
	struct xfrm_spi_req req = {0};
	struct xfrm_sa_info si;
	struct pollfd pfd;
	uint32_t spi;
	int efd, ufd;

	p.sel.proto = IPPROTO_UDP;
	p.sel.dport = 5555;
	assert_int_equal(system("ip link add va type veth peer name vb && "
				"ip addr add 10.9.0.1/24 dev va && "
				"ip link set va up && ip link set vb up"),
			 0);
	efd = xfrm_events_open();
	assert_true(efd >= 0);
	assert_int_equal(xfrm_events_read(efd, on_event, &log), 0); /* nothing yet */
	assert_int_equal(xfrm_add_policy(x, &p), 0);

	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(ufd >= 0);
	inet_pton(AF_INET, "10.9.0.2", &to.sin_addr);
	/* Dropped (larval drop) or queued: either way the kernel asks. */
	sendto(ufd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	pfd = (struct pollfd){.fd = efd, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_true(xfrm_events_read(efd, on_event, &log) >= 1);
	assert_int_equal(log.last.kind, XFRM_EVENT_ACQUIRE);
	assert_int_equal(log.last.acquire.proto, IPPROTO_ESP);
	assert_int_equal(log.last.acquire.reqid, 61);
	assert_false(log.last.acquire.tunnel);
	assert_int_equal(log.last.acquire.dir, XFRM_POLICY_OUT);
	assert_addr_equal(&log.last.acquire.dst, "10.9.0.2");
	assert_addr_equal(&log.last.acquire.src, "10.9.0.1");
	assert_int_equal(log.last.acquire.sel.proto, IPPROTO_UDP);
	assert_int_equal(log.last.acquire.sel.dport, 5555);
	assert_int_equal(log.last.acquire.sel.dst_plen, 32);
	assert_sel_equal(&log.last.acquire.pol_sel, &p.sel);
	assert_true(log.last.acquire.seq != 0);
	assert_int_equal(sa_count(x), 1); /* the kernel's larval SA, SPI 0 */

	req.src = log.last.acquire.src;
	req.dst = log.last.acquire.dst;
	req.proto = log.last.acquire.proto;
	req.reqid = log.last.acquire.reqid;
	req.acquire_seq = log.last.acquire.seq;
	assert_int_equal(xfrm_alloc_spi_req(x, &req, &spi), 0);
	assert_int_equal(sa_count(x), 1); /* claimed, not a second one */
	assert_int_equal(xfrm_get_sa(x, &req.dst, spi, IPPROTO_ESP, &si), 0);
	assert_int_equal(si.reqid, 61);
	xfrm_sa_info_wipe(&si);

	close(ufd);
	close(efd);
}

/* ---- pure helpers ---- */

static void test_strerror_and_addr(void **state)
{
	struct xfrm_addr a;
	char buf[INET6_ADDRSTRLEN];

	assert_non_null(strstr(xfrm_strerror(-EPROTONOSUPPORT), "CONFIG_INET_ESP"));
	assert_non_null(strstr(xfrm_strerror(-ENOENT), "algorithm"));
	assert_non_null(strstr(xfrm_strerror(-EEXIST), "already exists"));
	assert_string_equal(xfrm_strerror(-EIO), strerror(EIO));
	assert_int_equal(xfrm_addr_parse(&a, "2001:db8::1"), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_string_equal(xfrm_addr_str(&a, buf), "2001:db8::1");
	assert_int_equal(xfrm_addr_parse(&a, "192.0.2.7"), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.b, "\xc0\x00\x02\x07", 4);
	assert_int_equal(xfrm_addr_parse(&a, "192.0.2"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_policy_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_v6_in_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_new_upd_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_spi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_sa_esp_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_sa_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_sa_aead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_sa_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_bypass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_acquire, setup, teardown),
		cmocka_unit_test(test_strerror_and_addr),
	};

	/* Never touch the host's tables: without a namespace, fail outright. */
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s: this test needs root\n",
			strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
