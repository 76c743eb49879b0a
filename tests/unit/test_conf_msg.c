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
	rec_a = one.len - (sizeof(struct conf_setup) + 7 * sizeof(uint32_t) + sizeof(uint32_t) +
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
	off = sizeof(struct conf_setup) + 7 * sizeof(uint32_t);
	for (unsigned i = 0; i < l.c->nfiles; i++)
		off += sizeof(uint32_t) + strlen(l.c->files[i]);
	assert_int_equal(b.data[off], l.c->conns[0].ike.n);
	b.data[off] = 0xff;
	assert_int_equal(conf_unpack(b.data, b.len, &back), -EINVAL);
	assert_null(back);
	buf_free(&b);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_lists),
		cmocka_unit_test(test_list_bytes),
		cmocka_unit_test(test_first_refers_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
