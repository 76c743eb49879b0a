/* What the XFRM unit tests share: each test in a network namespace of its
 * own (setup/teardown), addresses and selectors from strings, the output of
 * a shell command (ip xfrm), and counts from the kernel's dumps. */
#ifndef OAKLEY_TESTS_XFRM_FIXTURE_H
#define OAKLEY_TESTS_XFRM_FIXTURE_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/xfrm.h"

static inline int setup(void **state)
{
	struct xfrm *x;
	int err;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	err = xfrm_open(&x);
	if (err) {
		fprintf(stderr, "xfrm_open: %s\n", strerror(-err));
		return -1;
	}
	*state = x;
	return 0;
}

static inline int teardown(void **state)
{
	xfrm_close(*state);
	return 0;
}

static inline struct xfrm_addr addr(const char *s)
{
	struct xfrm_addr a;

	assert_int_equal(xfrm_addr_parse(&a, s), 0);
	return a;
}

static inline struct xfrm_sel subnet_sel(const char *src, uint8_t splen, const char *dst,
					 uint8_t dplen)
{
	struct xfrm_sel s = {
		.src = addr(src), .dst = addr(dst), .src_plen = splen, .dst_plen = dplen};
	return s;
}

/* Output of a shell command (the test is already inside its netns). */
static inline char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 8192, len = 0, n;
	char *out = calloc(1, cap);

	assert_non_null(f);
	assert_non_null(out);
	while ((n = fread(out + len, 1, cap - 1 - len, f)) > 0) {
		len += n;
		if (len == cap - 1) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	out[len] = '\0';
	assert_int_equal(pclose(f), 0);
	return out;
}

static inline void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

static inline void count_pol(const struct xfrm_pol *p, void *arg)
{
	(*(int *)arg)++;
}

static inline int policy_count(struct xfrm *x)
{
	int n = 0;

	assert_int_equal(xfrm_dump_policy(x, count_pol, &n), 0);
	return n;
}

static inline void count_sa(const struct xfrm_sa_info *si, void *arg)
{
	(*(int *)arg)++;
}

static inline int sa_count(struct xfrm *x)
{
	int n = 0;

	assert_int_equal(xfrm_dump_sa(x, count_sa, &n), 0);
	return n;
}

#endif
