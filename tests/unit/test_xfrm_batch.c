/* kernel/: batches of XFRM requests (several per sendmsg, acks read
 * afterwards) and the policy hash thresholds, against the running kernel,
 * each test in a network namespace of its own (root; a failed unshare()
 * fails the test).  This machine's kernel has no ESP, so the batches here
 * are mostly policies; tests/vm/t_xfrm_bulk.sh installs SAs by the
 * thousand in a kernel with ESP. */
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

#include "kernel/xfrm.h"
#include "xfrm_fixture.h"

static const uint8_t dirs[] = {XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD};
static const uint8_t aes_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t sha1_key[20] = {1,	 2,  3,	 4,  5,	 6,  7,	 8,  9,	 10,
				     11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

/* Policy i of a batch: 10.(i/256).(i%256).0/24 -> 10.(128+i/256)...  */
static struct xfrm_pol batch_policy(unsigned i, uint8_t dir)
{
	struct xfrm_pol p = {.dir = dir, .reqid = 100 + i, .proto = IPPROTO_ESP};
	char l[32], r[32];

	snprintf(l, sizeof(l), "10.%u.%u.0", i / 256, i % 256);
	snprintf(r, sizeof(r), "10.%u.%u.0", 128 + i / 256, i % 256);
	p.sel = subnet_sel(l, 24, r, 24);
	return p;
}

/* ---- hash thresholds ---- */

/* The kernel's policy hash thresholds, read back by `ip -s -s`. */
static void test_policy_hthresh(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_hthresh h = {.v4_local = 24, .v4_remote = 20, .v6_local = 64, .v6_remote = 48};
	struct xfrm_hthresh now;
	struct xfrm_pol p, got;
	char *out;

	/* A new namespace has the kernel's defaults: only host policies hashed. */
	assert_int_equal(xfrm_get_policy_hthresh(x, &now), 0);
	assert_int_equal(now.v4_local, 32);
	assert_int_equal(now.v4_remote, 32);
	assert_int_equal(now.v6_local, 128);
	assert_int_equal(now.v6_remote, 128);
	assert_int_equal(xfrm_set_policy_hthresh(x, &h), 0);
	out = run("ip -s -s xfrm policy count");
	assert_contains(out, "SPD IPv4 thresholds: local 24 remote 20");
	assert_contains(out, "SPD IPv6 thresholds: local 64 remote 48");
	free(out);
	assert_int_equal(xfrm_get_policy_hthresh(x, &now), 0);
	assert_int_equal(now.v4_local, 24);
	assert_int_equal(now.v4_remote, 20);
	assert_int_equal(now.v6_local, 64);
	assert_int_equal(now.v6_remote, 48);
	assert_false(now.keep_v4 || now.keep_v6);
	/* Hashed policies behave as any other. */
	p = batch_policy(3, XFRM_POLICY_IN);
	assert_int_equal(xfrm_add_policy(x, &p), 0);
	assert_int_equal(xfrm_get_policy(x, &p.sel, p.dir, &got), 0);
	assert_int_equal(got.reqid, p.reqid);
	assert_int_equal(xfrm_add_policy(x, &p), -EEXIST);
	assert_int_equal(xfrm_del_policy(x, &p.sel, p.dir), 0);
	assert_int_equal(policy_count(x), 0);
	h.v4_local = 33;
	assert_int_equal(xfrm_set_policy_hthresh(x, &h), -EINVAL);
	h.v4_local = 24;
	h.v6_remote = 129;
	assert_int_equal(xfrm_set_policy_hthresh(x, &h), -EINVAL);
}

/* One family set, the other left as the kernel has it (its values, even
 * invalid ones, are not sent). */
static void test_policy_hthresh_one_family(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_hthresh v4 = {
		.v4_local = 16, .v4_remote = 24, .v6_local = 200, .keep_v6 = true};
	struct xfrm_hthresh v6 = {.v4_local = 99, .keep_v4 = true, .v6_local = 56, .v6_remote = 64};
	struct xfrm_hthresh now;

	assert_int_equal(xfrm_set_policy_hthresh(x, &v4), 0);
	assert_int_equal(xfrm_get_policy_hthresh(x, &now), 0);
	assert_int_equal(now.v4_local, 16);
	assert_int_equal(now.v4_remote, 24);
	assert_int_equal(now.v6_local, 128);
	assert_int_equal(now.v6_remote, 128);
	assert_int_equal(xfrm_set_policy_hthresh(x, &v6), 0);
	assert_int_equal(xfrm_get_policy_hthresh(x, &now), 0);
	assert_int_equal(now.v4_local, 16);
	assert_int_equal(now.v4_remote, 24);
	assert_int_equal(now.v6_local, 56);
	assert_int_equal(now.v6_remote, 64);
}

/* ---- batches ---- */

/* More requests than one window and one send buffer hold: every one is
 * answered, in order, and the kernel has them all; the same for their
 * removal.  Synchronous calls wait while the batch is open. */
static void test_batch_many(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_pol p, got;
	unsigned i, d, n = 700, failed = 12345;
	int index;

	xfrm_batch_begin(x);
	for (i = 0; i < n; i++)
		for (d = 0; d < sizeof(dirs); d++) {
			p = batch_policy(i, dirs[d]);
			index = xfrm_batch_add_policy(x, &p);
			assert_int_equal(index, (int)(3 * i + d));
		}
	/* Its ack would be taken for a batch's. */
	assert_int_equal(xfrm_get_policy(x, &p.sel, p.dir, &got), -EBUSY);
	assert_true(xfrm_batch_window(x) >= 4);
	assert_true(3 * n > 2 * xfrm_batch_window(x));
	assert_int_equal(xfrm_batch_end(x, &failed), 0);
	assert_int_equal(failed, 3 * n);
	assert_int_equal(xfrm_batch_failures(x), 0);
	for (i = 0; i < 3 * n; i++)
		assert_int_equal(xfrm_batch_result(x, i), 0);
	assert_int_equal(xfrm_batch_result(x, 3 * n), -EINVAL);
	assert_int_equal(policy_count(x), (int)(3 * n));
	p = batch_policy(n - 1, XFRM_POLICY_FWD);
	assert_int_equal(xfrm_get_policy(x, &p.sel, p.dir, &got), 0);
	assert_int_equal(got.reqid, 100 + n - 1);

	xfrm_batch_begin(x);
	for (i = 0; i < n; i++)
		for (d = 0; d < sizeof(dirs); d++) {
			p = batch_policy(i, dirs[d]);
			xfrm_batch_del_policy(x, &p.sel, dirs[d]);
		}
	assert_int_equal(xfrm_batch_end(x, NULL), 0);
	assert_int_equal(policy_count(x), 0);
}

/* Each failure is its own request's: the kernel's -errno by sequence
 * number, a refusal before the kernel kept in place, the kernel carrying
 * on after a failure; the first in queue order is reported, with the
 * kernel's words on it. */
static void test_batch_errors(void **state)
{
	struct xfrm *x = *state;
	struct xfrm_pol a = batch_policy(1, XFRM_POLICY_OUT), b = batch_policy(2, XFRM_POLICY_OUT);
	struct xfrm_pol bad = a, got;
	struct xfrm_sa sa = {
		.src = addr("192.0.2.1"),
		.dst = addr("192.0.2.2"),
		.spi = 0x3001,
		.proto = IPPROTO_ESP,
		.enc = {"cbc(nosuchcipher)", aes_key, sizeof(aes_key), 0},
		.auth = {"hmac(sha1)", sha1_key, sizeof(sha1_key), 96},
	};
	unsigned failed = 0;

	bad.dir = 7;
	assert_int_equal(xfrm_batch_add_policy(x, &a), -EBUSY); /* no batch open */
	assert_int_equal(xfrm_batch_end(x, &failed), -EBUSY);

	xfrm_batch_begin(x);
	assert_int_equal(xfrm_batch_add_policy(x, &a), 0);
	assert_int_equal(xfrm_batch_add_sa(x, &sa), 1);	     /* -ENOSYS from the kernel */
	assert_int_equal(xfrm_batch_add_policy(x, &a), 2);   /* -EEXIST */
	assert_int_equal(xfrm_batch_add_policy(x, &bad), 3); /* -EINVAL, never sent */
	assert_int_equal(xfrm_batch_add_policy(x, &b), 4);
	assert_int_equal(xfrm_batch_end(x, &failed), -ENOSYS);
	assert_int_equal(failed, 1);
	assert_non_null(strstr(xfrm_kernel_msg(x), "algorithm"));
	assert_int_equal(xfrm_batch_failures(x), 3);
	assert_int_equal(xfrm_batch_result(x, 0), 0);
	assert_int_equal(xfrm_batch_result(x, 1), -ENOSYS);
	assert_int_equal(xfrm_batch_result(x, 2), -EEXIST);
	assert_int_equal(xfrm_batch_result(x, 3), -EINVAL);
	assert_int_equal(xfrm_batch_result(x, 4), 0);
	assert_int_equal(xfrm_get_policy(x, &b.sel, b.dir, &got), 0); /* synchronous again */
	assert_int_equal(policy_count(x), 2);
	assert_int_equal(sa_count(x), 0);

	/* A refusal before the kernel comes first in queue order though the
	 * kernel's failure after it is read later; it has no kernel words. */
	xfrm_batch_begin(x);
	assert_int_equal(xfrm_batch_add_policy(x, &bad), 0);
	assert_int_equal(xfrm_batch_add_policy(x, &a), 1);
	assert_int_equal(xfrm_batch_end(x, &failed), -EINVAL);
	assert_int_equal(failed, 0);
	assert_int_equal(xfrm_batch_result(x, 1), -EEXIST);
	assert_string_equal(xfrm_kernel_msg(x), "");

	/* The batch's numbers do not confuse the next synchronous call. */
	assert_int_equal(xfrm_del_policy(x, &a.sel, a.dir), 0);
	assert_int_equal(xfrm_del_policy(x, &b.sel, b.dir), 0);
	assert_int_equal(xfrm_del_policy(x, &b.sel, b.dir), -ENOENT);
	assert_int_equal(policy_count(x), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_policy_hthresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_hthresh_one_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_errors, setup, teardown),
	};

	/* Never touch the host's tables: without a namespace, fail outright. */
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s: this test needs root\n",
			strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
