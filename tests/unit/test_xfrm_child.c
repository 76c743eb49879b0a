/* ike/child.c against the running kernel, in a network namespace of its
 * own: an install that fails takes back what it put in the kernel and
 * nothing else.  The policies with the child's selectors that were there
 * before (another's: an operator's, another daemon's) stay.  This
 * machine's kernel has no ESP, so the install fails at its SAs, before
 * any policy of ours went in; on a kernel with ESP it fails at the
 * inbound SA (no larval SA from an SPI allocation) and takes back the
 * outbound one it added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/child.h"
#include "ike/ike.h"
#include "kernel/xfrm.h"
#include "wire/alg.h"
#include "xfrm_fixture.h"

static const uint8_t nonce[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* A Quick Mode that negotiated 10.1.0.0/24 === 10.2.0.0/24 in tunnel mode
 * between 192.0.2.1 (us) and 192.0.2.2, ESP AES-128-CBC/HMAC-SHA1. */
struct qm {
	struct ike_daemon d;
	struct ike_sa sa;
	struct conn conn;
	struct exchange x;
	struct quick q;
};

/* An IPv4 address, port 500, into a sockaddr_storage or a union
 * sockaddr_inet (the SA's endpoint). */
static void sockaddr4(void *to, const char *ip)
{
	struct sockaddr_in *in = to;

	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	in->sin_port = htons(500);
	assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
}

static void ts4(struct conf_ts *ts, const char *net)
{
	memset(ts, 0, sizeof(*ts));
	ts->addr.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, net, &ts->addr.a.v4), 1);
	ts->prefixlen = 24;
}

static struct qm *qm_new(struct xfrm *x)
{
	struct qm *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->d.xfrm = x;
	m->sa.d = &m->d;
	m->sa.serial = 1;
	m->sa.hash = alg_by_name("sha1", ALG_INTEG);
	assert_non_null(m->sa.hash);
	m->sa.prf_len = 20;
	memset(m->sa.skeyid_d, 0xa5, sizeof(m->sa.skeyid_d));
	sockaddr4(&m->sa.ep.local, "192.0.2.1");
	sockaddr4(&m->sa.ep.remote, "192.0.2.2");
	snprintf(m->conn.name, sizeof(m->conn.name), "site");
	buf_init(&m->x.ni);
	buf_init(&m->x.nr);
	assert_non_null(buf_append(&m->x.ni, nonce, sizeof(nonce)));
	assert_non_null(buf_append(&m->x.nr, nonce, sizeof(nonce)));
	ts4(&m->x.ts_local, "10.1.0.0");
	ts4(&m->x.ts_remote, "10.2.0.0");
	m->x.tunnel = true;
	m->x.chosen.encr = alg_by_name("aes128", ALG_ENCR);
	m->x.chosen.integ = alg_by_name("sha1", ALG_INTEG);
	assert_non_null(m->x.chosen.encr);
	m->x.spi_in = 0x1000;
	m->x.spi_out = 0x2000;
	m->x.reqid = 7;
	m->x.lifetime_s = 3600;
	m->q.sa = &m->sa;
	m->q.conn = &m->conn;
	m->q.x = &m->x;
	return m;
}

static void qm_free(struct qm *m)
{
	buf_free(&m->x.ni);
	buf_free(&m->x.nr);
	free(m);
}

/* Another's policy with the child's selectors, in each direction. */
static struct xfrm_pol foreign_policy(uint8_t dir)
{
	struct xfrm_pol p = {.dir = dir, .reqid = 99, .proto = IPPROTO_ESP, .tunnel = true};

	if (dir == XFRM_POLICY_OUT) {
		p.sel = subnet_sel("10.1.0.0", 24, "10.2.0.0", 24);
		p.tmpl_src = addr("192.0.2.1");
		p.tmpl_dst = addr("192.0.2.9");
	} else {
		p.sel = subnet_sel("10.2.0.0", 24, "10.1.0.0", 24);
		p.tmpl_src = addr("192.0.2.9");
		p.tmpl_dst = addr("192.0.2.1");
	}
	return p;
}

/* The install fails; the policies that were there before it are there
 * after it, untouched (reqid 99, not ours: 7).  Before the fix the
 * rollback deleted every policy with the child's selectors, whoever's. */
static void test_failed_install_keeps_anothers_policies(void **state)
{
	static const uint8_t dirs[] = {XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD};
	struct xfrm *x = *state;
	struct qm *m = qm_new(x);
	struct xfrm_pol p, got;
	char why[256] = "";
	unsigned i;

	for (i = 0; i < sizeof(dirs); i++) {
		p = foreign_policy(dirs[i]);
		assert_int_equal(xfrm_add_policy(x, &p), 0);
	}
	assert_true(child_install(&m->q, NULL, 0, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "installing the "));
	assert_null(m->d.children);
	assert_int_equal(policy_count(x), 3);
	for (i = 0; i < sizeof(dirs); i++) {
		p = foreign_policy(dirs[i]);
		assert_int_equal(xfrm_get_policy(x, &p.sel, dirs[i], &got), 0);
		assert_int_equal(got.reqid, 99);
	}
	/* Nothing of ours is left either. */
	assert_int_equal(sa_count(x), 0);
	qm_free(m);
}

/* With nothing there before, a failed install leaves nothing behind. */
static void test_failed_install_leaves_nothing(void **state)
{
	struct xfrm *x = *state;
	struct qm *m = qm_new(x);
	char why[256] = "";

	assert_true(child_install(&m->q, NULL, 0, why, sizeof(why)) < 0);
	assert_int_equal(policy_count(x), 0);
	assert_int_equal(sa_count(x), 0);
	qm_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_install_keeps_anothers_policies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_install_leaves_nothing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
