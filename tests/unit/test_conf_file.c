/* ipsec.conf as a file: the tokenizer (comments, quotes, escapes,
 * indentation, CRLF, the version line), config setup, includes, I/O
 * errors, and the host's own addresses deciding left/right. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "conf/helpers.h"
#include "wire/isakmp.h"

static void test_setup_keys(void **state)
{
	static const char text[] = "config setup\n"
				   "\tdataplane=none\n"
				   "\tcapture=yes\n"
				   "\tcapturefile=/var/tmp/oakley.pcap\n"
				   "\tkeysdir=/var/tmp/keys\n"
				   "\tuniqueids=no\n"
				   "\tcharondebug=\"ike 2, knl 2\"\n"
				   "\tplutodebug=all\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);

	assert_int_equal(c->setup.dataplane, DATAPLANE_NONE);
	assert_true(c->setup.capture);
	assert_string_equal(c->setup.capture_file, "/var/tmp/oakley.pcap");
	assert_string_equal(c->setup.keys_dir, "/var/tmp/keys");
	assert_false(c->setup.uniqueids);
	assert_int_equal(c->nconns, 0);
	loaded_free(&l);

	/* Two sections are one; uniqueids spellings; key= resets. */
	c = load_ok(&l,
		    "config setup\n dataplane=none\n uniqueids=never\n"
		    "config setup\n dataplane=kernel\n uniqueids=replace\n capture=no\n"
		    " capturefile=/x\n capturefile=\n",
		    NULL);
	assert_int_equal(c->setup.dataplane, DATAPLANE_KERNEL);
	assert_true(c->setup.uniqueids);
	assert_false(c->setup.capture);
	assert_string_equal(c->setup.capture_file, "");
	loaded_free(&l);
	c = load_ok(&l, "config setup\n uniqueids=keep\n dataplane=kernel\n", NULL);
	assert_true(c->setup.uniqueids);
	loaded_free(&l);
}

static void test_setup_errors(void **state)
{
	expect_error("config setup\n dataplane=xdp\n", 2,
		     "dataplane= takes kernel or none, not 'xdp'");
	expect_error("config setup\n capture=maybe\n", 2, "capture= takes yes or no, not 'maybe'");
	expect_error("config setup\n capturefile=cap.pcap\n", 2,
		     "capturefile= needs an absolute path, not 'cap.pcap'");
	expect_error("config setup\n keysdir=keys\n", 2,
		     "keysdir= needs an absolute path, not 'keys'");
	expect_error("config setup\n uniqueids=sometimes\n", 2,
		     "uniqueids= takes yes, no, never, replace or keep, not 'sometimes'");
	/* strictcrlpolicy=: test_conf_dialect.c */
	expect_error("config setup\n\n crlpolicy=no\n", 3,
		     "unknown key 'crlpolicy' in config setup");
}

/* Retransmission: seconds with fractions, up to 20 tries, and the cap on
 * the doubling that lets a lossy link have many tries (t_loss). */
static void test_retransmit(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l,
				       "config setup\n retransmit_timeout=0.05\n"
				       " retransmit_tries=20\n retransmit_limit=1.5\n",
				       NULL);

	assert_int_equal(c->setup.retransmit_timeout_ms, 50);
	assert_int_equal(c->setup.retransmit_tries, 20);
	assert_int_equal(c->setup.retransmit_limit_ms, 1500);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n retransmit_limit=2\n retransmit_limit=\n", NULL);
	assert_int_equal(c->setup.retransmit_limit_ms, 0);
	loaded_free(&l);
	expect_error("config setup\n retransmit_tries=21\n", 2,
		     "retransmit_tries= takes 1 to 20, not '21'");
	expect_error("config setup\n retransmit_limit=0.01\n", 2,
		     "retransmit_limit= takes seconds from 0.05 to 600, not '0.01'");
	expect_error("config setup\n retransmit_timeout=soon\n", 2,
		     "retransmit_timeout= takes seconds from 0.05 to 600, not 'soon'");
}

/* Initiation pacing: a count, 0 (unset) meaning the daemon's default. */
static void test_max_inflight(void **state)
{
	struct loaded l;
	const struct conf *c = load_ok(&l, "config setup\n max_inflight=7\n", NULL);

	assert_int_equal(c->setup.max_inflight, 7);
	loaded_free(&l);
	c = load_ok(&l, "config setup\n max_inflight=7\n max_inflight=\n", NULL);
	assert_int_equal(c->setup.max_inflight, 0);
	loaded_free(&l);
	expect_error("config setup\n max_inflight=0\n", 2,
		     "max_inflight= takes 1 to 100000, not '0'");
	expect_error("config setup\n max_inflight=many\n", 2,
		     "max_inflight= takes 1 to 100000, not 'many'");
}

/* Many conns: each found by name (through the hash), every one with
 * also= reaching the same base, and a name given twice is caught at the
 * end as at the start. */
static void test_many_conns(void **state)
{
	enum { N = 3000 };
	size_t cap = (size_t)N * 96 + 256, len = 0;
	char *text = malloc(cap), name[32];
	const struct conn *k;
	struct loaded l;
	unsigned i;

	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len,
				"conn base\n left=10.0.0.1\n auto=ignore\n\n");
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"conn n%u\n also=base\n right=10.7.%u.%u\n auto=add\n\n", i,
					i / 250, i % 250 + 1);
	load_text(&l, text, NULL);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.c->nconns, N + 1);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		k = conf_conn(l.c, name);
		assert_non_null(k);
		assert_string_equal(k->name, name);
		assert_int_equal(k->remote.addr.a.b[3], i % 250 + 1);
		assert_int_equal(k->local.addr.a.b[3], 1);
	}
	assert_null(conf_conn(l.c, "n3000"));
	assert_null(conf_conn(l.c, "%default"));
	loaded_free(&l);
	len += (size_t)snprintf(text + len, cap - len, "conn n17\n right=10.8.0.1\n");
	load_text(&l, text, NULL);
	assert_int_equal(l.ret, -EINVAL);
	assert_non_null(strstr(l.err, "conn 'n17' is defined twice"));
	loaded_free(&l);
	free(text);
}

/* Comments, quotes, escapes, tabs, CRLF, blank lines in a section, the
 * legacy version line, spaces around '=', several words in a value. */
static void test_syntax(void **state)
{
	static const char text[] = "# ipsec.conf\n"
				   "version 2.0\n"
				   "\n"
				   "config setup\n"
				   "    charondebug = ike 2, knl 1   # several words\n"
				   "conn \"quoted name\"   # a comment\r\n"
				   "\t# an indented comment\n"
				   "\n"
				   "\tleft = 10.0.0.1\r\n"
				   "  \t right=10.0.0.2#comment\n"
				   "\tleftid=\"@my \\\"odd\\\" host#1\"\n"
				   "\trightid=@#0aff10\n"
				   "   \n"
				   "\tauto=add\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);
	const struct conn *k = conf_conn(c, "quoted name");

	assert_non_null(k);
	assert_int_equal(k->line, 6);
	assert_addr(&k->remote.addr, "10.0.0.2");
	assert_int_equal(k->local.id.type, ID_FQDN);
	assert_int_equal(k->local.id.len, 15);
	assert_memory_equal(k->local.id.data, "my \"odd\" host#1", 15);
	assert_int_equal(k->remote.id.type, ID_KEY_ID);
	assert_int_equal(k->remote.id.len, 3);
	assert_memory_equal(k->remote.id.data, "\x0a\xff\x10", 3);
	assert_int_equal(k->auto_, AUTO_ADD);
	loaded_free(&l);
}

static void test_syntax_errors(void **state)
{
	expect_error("conn a\nleft=10.0.0.1\n", 2,
		     "'left=' must be indented to belong to the section above it");
	expect_error("# first\n  left=10.0.0.1\n", 2,
		     "'left=' stands before any section (start one with 'config setup' or 'conn "
		     "NAME')");
	expect_error("conn a\n leftid=\"@open\n", 2, "unterminated quoted string");
	expect_error("conn\n", 1, "conn without a name");
	expect_error("conn a b\n", 1, "unexpected 'b' after 'conn a'");
	expect_error("config other\n", 1, "the only config section is 'config setup'");
	expect_error("ca strongswan\n", 1,
		     "ca sections are not supported by oakley: put CA certificates in cacerts/ and "
		     "CRLs in crls/");
	expect_error("conn a\n left=10.0.0.1\nfoo bar\n", 3,
		     "unexpected 'foo' (a line in column 0 is 'config setup', 'conn NAME' or "
		     "'include FILE')");
	expect_error("conn a\n left\n", 2, "expected key=value, not 'left'");
	expect_error("conn a\n rightid=C=CH, O=Org\n", 2,
		     "unexpected '=' in the value of 'rightid' (quote a value that holds '=')");
	expect_error(
		"conn aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 1,
		"conn name 'aaaaaaaaaaaaaaaaaaaa...' is longer than 63 bytes");
	expect_error("include\n", 1, "include takes one file name or pattern");
}

static void test_duplicate_conn(void **state)
{
	struct loaded l;
	char want[512];

	load_text(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\nconn b\nconn a\n", NULL);
	snprintf(want, sizeof(want), "%s:5: conn 'a' is defined twice (first at %s:1)", l.conf_path,
		 l.conf_path);
	assert_int_equal(l.ret, -EINVAL);
	assert_string_equal(l.err, want);
	loaded_free(&l);
}

static void test_include(void **state)
{
	char dir[] = "/tmp/oakley-inc-XXXXXX", sub[64], path[128], main_text[512], err[512],
	     want[512];
	struct conf *c = NULL;
	FILE *f;
	int ret;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/conns.d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/conns.d/b.conf", dir);
	f = fopen(path, "w");
	fputs("# b\nconn b\n left=10.0.0.1\n right=10.0.0.3\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/conns.d/a.conf", dir);
	f = fopen(path, "w");
	fputs("conn a\n left=10.0.0.1\n right=10.0.0.2\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/keys.inc", dir);
	f = fopen(path, "w");
	fputs(" keylife=7m\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/ipsec.conf", dir);
	snprintf(main_text, sizeof(main_text),
		 "include conns.d/*.conf\n"
		 "include %s/none-*.conf\n"
		 "conn c\n"
		 " left=10.0.0.1\n"
		 " include keys.inc\n"
		 " right=10.0.0.4\n",
		 dir);
	f = fopen(path, "w");
	fputs(main_text, f);
	fclose(f);
	ret = conf_load(path, NULL, stub_is_local, (void *)here, &c, err, sizeof(err));
	if (ret)
		fail_msg("%s", err);
	assert_int_equal(c->nconns, 3);
	/* glob order: a.conf, then b.conf */
	assert_string_equal(c->conns[0].name, "a");
	assert_int_equal(c->conns[0].line, 1);
	assert_string_equal(c->conns[1].name, "b");
	assert_int_equal(c->conns[1].line, 2);
	snprintf(want, sizeof(want), "%s/conns.d/b.conf", dir);
	assert_string_equal(c->conns[1].file, want);
	assert_string_equal(c->conns[2].name, "c");
	assert_string_equal(c->conns[2].file, path);
	assert_int_equal(c->conns[2].lifetime_s, 420);
	assert_addr(&c->conns[2].remote.addr, "10.0.0.4");
	conf_free(c);

	/* A missing literal include is an I/O error naming the include line. */
	f = fopen(path, "w");
	fputs("\ninclude missing.conf\n", f);
	fclose(f);
	ret = conf_load(path, NULL, stub_is_local, (void *)here, &c, err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_null(c);
	snprintf(want, sizeof(want),
		 "%s:2: cannot read include '%s/missing.conf': No such file or directory", path,
		 dir);
	assert_string_equal(err, want);

	/* A file that includes itself. */
	f = fopen(path, "w");
	fputs("include ipsec.conf\n", f);
	fclose(f);
	ret = conf_load(path, NULL, stub_is_local, (void *)here, &c, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:1: includes nest deeper than 10", path);
	assert_string_equal(err, want);

	/* An error inside an included file names that file. */
	snprintf(path, sizeof(path), "%s/conns.d/a.conf", dir);
	f = fopen(path, "w");
	fputs("conn a\n left=10.0.0.1\n bogus=1\n", f);
	fclose(f);
	snprintf(main_text, sizeof(main_text), "%s/ipsec.conf", dir);
	f = fopen(main_text, "w");
	fputs("include conns.d/a.conf\n", f);
	fclose(f);
	ret = conf_load(main_text, NULL, stub_is_local, (void *)here, &c, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:3: unknown key 'bogus' in conn 'a'", path);
	assert_string_equal(err, want);

	unlink(main_text);
	unlink(path);
	snprintf(path, sizeof(path), "%s/conns.d/b.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/keys.inc", dir);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static void test_io_errors(void **state)
{
	struct conf *c = (struct conf *)1;
	char err[256];
	char *conf = tmp_file("conn a\n left=10.0.0.1\n right=10.0.0.2\n", 0644);

	assert_int_equal(conf_load("/nonexistent/ipsec.conf", NULL, stub_is_local, (void *)here, &c,
				   err, sizeof(err)),
			 -ENOENT);
	assert_null(c);
	assert_string_equal(err, "cannot read /nonexistent/ipsec.conf: No such file or directory");
	assert_int_equal(conf_load(conf, "/nonexistent/ipsec.secrets", stub_is_local, (void *)here,
				   &c, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err,
			    "cannot read /nonexistent/ipsec.secrets: No such file or directory");
	assert_int_equal(conf_load("/tmp", NULL, stub_is_local, (void *)here, &c, err, sizeof(err)),
			 -EINVAL);
	tmp_remove(conf);
}

/* is_local NULL: the host's own addresses (getifaddrs) decide. */
static void test_getifaddrs(void **state)
{
	struct conf *c = NULL;
	char err[256];
	char *conf = tmp_file("conn lo\n left=192.0.2.200\n right=127.0.0.1\n auto=add\n", 0644);
	int ret = conf_load(conf, NULL, NULL, NULL, &c, err, sizeof(err));

	tmp_remove(conf);
	if (ret) {
		/* no 127.0.0.1 in this namespace: the error must say so */
		assert_int_equal(ret, -EINVAL);
		assert_non_null(strstr(err, "is an address of this host"));
		skip();
	}
	assert_false(c->conns[0].local_is_left);
	assert_addr(&c->conns[0].local.addr, "127.0.0.1");
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_keys),     cmocka_unit_test(test_setup_errors),
		cmocka_unit_test(test_syntax),	       cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_duplicate_conn), cmocka_unit_test(test_include),
		cmocka_unit_test(test_io_errors),      cmocka_unit_test(test_getifaddrs),
		cmocka_unit_test(test_retransmit),     cmocka_unit_test(test_max_inflight),
		cmocka_unit_test(test_many_conns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
