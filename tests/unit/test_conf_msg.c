/* The configuration as the privileged helper sends it (src/priv/conf_msg.c):
 * a proposal list the same as the previous conn's goes as one byte and
 * comes back whole; lists that differ (in rows, strictness, or the count
 * of configured rows) go in full; a first conn cannot refer to a previous
 * one; IPv4, IPv6 and %any addresses come back byte for byte; every
 * truncation is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "priv/internal.h"

static const char conf_text[] =
	"conn %default\n left=10.0.0.1\n auto=add\n"
	" ike=aes256-sha256-modp2048,aes128-sha1-modp2048\n\n"
	"conn a\n right=10.0.0.2\n\n"
	"conn b\n right=10.0.0.3\n\n"
	"conn c\n right=%any\n rightid=@c.example\n esp=aes128-sha256!\n\n"
	"conn d\n right=10.0.0.5\n esp=aes128-sha256\n\n"
	"conn e\n right=10.0.0.6\n esp=aes128-sha256\n\n"
	"conn f\n left=2001:db8::1\n right=2001:db8::6\n leftsubnet=2001:db8:1::/48\n";

static void assert_same(const struct conf *a, const struct conf *b)
{
	unsigned i;

	assert_int_equal(a->nconns, b->nconns);
	for (i = 0; i < a->nconns; i++) {
		const struct conn *x = &a->conns[i], *y = &b->conns[i];

		assert_string_equal(x->name, y->name);
		assert_memory_equal(&x->ike, &y->ike, sizeof(x->ike));
		assert_memory_equal(&x->esp, &y->esp, sizeof(x->esp));
		assert_memory_equal(&x->local, &y->local, sizeof(x->local));
		assert_memory_equal(&x->remote, &y->remote, sizeof(x->remote));
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->auto_, y->auto_);
	}
}

static void test_shared_lists(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;
	size_t cut;

	load_text(&l, conf_text, NULL);
	if (l.ret)
		fail_msg("%s", l.err);
	assert_int_equal(l.c->nconns, 6);
	/* d and e: the same esp=, with the defaults after the configured row */
	assert_int_equal(l.c->conns[3].esp.configured, 1);
	assert_true(l.c->conns[3].esp.n > 1);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_same(l.c, back);
	conf_free(back);
	for (cut = 0; cut < b.len; cut++) {
		assert_int_equal(conf_unpack(b.data, cut, &back), -EINVAL);
		assert_null(back);
	}

	buf_free(&b);
	loaded_free(&l);
}

/* b's lists are a's: its record is a's less the lists' rows, counts and
 * flags but one byte each. */
static void test_list_bytes(void **state)
{
	struct loaded l;
	struct buf one, two;
	size_t rec_a, rec_b, ike, esp;

	load_text(&l,
		  "conn a\n left=10.0.0.1\n right=10.0.0.2\n\nconn b\n left=10.0.0.1\n"
		  " right=10.0.0.3\n",
		  NULL);
	assert_int_equal(l.ret, 0);
	buf_init(&one);
	buf_init(&two);
	assert_int_equal(conf_pack(l.c, &two), 0);
	l.c->nconns = 1;
	assert_int_equal(conf_pack(l.c, &one), 0);
	l.c->nconns = 2;
	ike = 3 + 6 * l.c->conns[0].ike.n;
	esp = 3 + 6 * l.c->conns[0].esp.n;
	rec_a = one.len - (sizeof(struct conf_setup) + 10 * sizeof(uint32_t) + sizeof(uint32_t) +
			   strlen(l.c->files[0]));
	rec_b = two.len - one.len;
	assert_int_equal(rec_b, rec_a - (ike - 1) - (esp - 1));
	buf_free(&one);
	buf_free(&two);
	loaded_free(&l);
}

/* The first conn's list as "the previous one's": refused. */
static void test_first_refers_back(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;
	size_t off;

	load_text(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n", NULL);
	assert_int_equal(l.ret, 0);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	off = sizeof(struct conf_setup) + 10 * sizeof(uint32_t);
	for (unsigned i = 0; i < l.c->nfiles; i++)
		off += sizeof(uint32_t) + strlen(l.c->files[i]);
	assert_int_equal(b.data[off], l.c->conns[0].ike.n);
	b.data[off] = 0xff;
	assert_int_equal(conf_unpack(b.data, b.len, &back), -EINVAL);
	assert_null(back);
	buf_free(&b);
	loaded_free(&l);
}

/* Remote access (issue 11): conn_ra with its strings as indices into
 * conf.strings, the pools, the XAUTH users; every truncation refused. */
static void assert_same_str(const struct conf *back, const char *a, const char *b)
{
	unsigned i;

	if (!a) {
		assert_null(b);
		return;
	}
	assert_non_null(b);
	assert_string_equal(a, b);
	for (i = 0; i < back->nstrings && back->strings[i] != b; i++)
		;
	assert_true(i < back->nstrings); /* one of the conf's own strings */
}

static void test_remote_access(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;
	size_t cut;
	unsigned i;

	load_text(&l,
		  "conn srv\n left=10.0.0.1\n right=%any\n authby=xauthpsk\n xauth=server\n"
		  " rightsourceip=10.3.0.0/24\n rightdns=10.1.0.53,2001:db8::53\n"
		  " modecfgbanner=\"hello\"\n modecfgdomains=corp.example\n cisco-unity=yes\n"
		  "conn pam\n also=srv\n xauthby=pam\n rightsourceip=2001:db8:3::/120\n"
		  " leftsubnet=2001:db8:1::/48\n left=2001:db8::1\n rightdns=\n"
		  "conn cli\n left=10.0.0.1\n right=10.0.0.9\n leftxauthclient=yes\n"
		  " leftmodecfgclient=yes\n leftusername=bob\n"
		  "conn plain\n left=10.0.0.1\n right=10.0.0.2\n modeconfig=pull\n",
		  "bob : XAUTH \"pw one\"\n: PSK \"group\"\nalice : XAUTH 0x6869\n");
	if (l.ret)
		fail_msg("%s", l.err);
	assert_int_equal(l.c->nconns, 4);
	assert_int_equal(l.c->npools, 2);
	assert_int_equal(l.c->nxauth_users, 2);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_same(l.c, back);
	for (i = 0; i < l.c->nconns; i++) {
		const struct conn_ra *x = &l.c->conns[i].ra, *y = &back->conns[i].ra;

		assert_int_equal(x->xauth, y->xauth);
		assert_int_equal(x->xauthby, y->xauthby);
		assert_int_equal(x->modecfg_server, y->modecfg_server);
		assert_int_equal(x->modecfg_client, y->modecfg_client);
		assert_int_equal(x->modecfg_pull, y->modecfg_pull);
		assert_int_equal(x->unity, y->unity);
		assert_int_equal(x->pool, y->pool);
		assert_int_equal(x->ndns, y->ndns);
		assert_memory_equal(x->dns, y->dns, x->ndns * sizeof(x->dns[0]));
		assert_same_str(back, x->user, y->user);
		assert_same_str(back, x->banner, y->banner);
		assert_same_str(back, x->domain, y->domain);
	}
	assert_int_equal(back->conns[0].ra.ndns, 2);
	assert_int_equal(back->conns[1].ra.xauthby, XAUTHBY_PAM);
	assert_string_equal(back->conns[2].ra.user, "bob");
	assert_true(back->conns[3].ra.modecfg_pull); /* a key with no role yet */
	assert_int_equal(back->npools, 2);
	assert_memory_equal(back->pools, l.c->pools, 2 * sizeof(*back->pools));
	assert_int_equal(back->nxauth_users, 2);
	for (i = 0; i < 2; i++) {
		const struct conf_xauth_user *x = &l.c->xauth_users[i], *y = &back->xauth_users[i];

		assert_string_equal(x->user, y->user);
		assert_string_equal(x->secret, y->secret);
		assert_string_equal(x->conn, y->conn);
		assert_int_equal(x->crypted, y->crypted);
		assert_int_equal(x->line, y->line);
		assert_string_equal(x->file, y->file);
	}
	assert_int_equal(
		conf_xauth_check(back, &back->conns[0], "alice", "hi", (char[128]){0}, 128), 0);
	conf_free(back);
	for (cut = 0; cut < b.len; cut++) {
		assert_int_equal(conf_unpack(b.data, cut, &back), -EINVAL);
		assert_null(back);
	}
	buf_free(&b);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_lists),
		cmocka_unit_test(test_list_bytes),
		cmocka_unit_test(test_first_refers_back),
		cmocka_unit_test(test_remote_access),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
