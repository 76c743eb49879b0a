/* ipsec.conf conns: every conn key and alias, %default, also=, left/right
 * resolution, the whole-conn checks and warnings, and every value error
 * with its FILE:LINE (the file syntax is in test_conf_file.c).  Expected
 * values come from the strongSwan/Libreswan meaning of each key (3h =
 * 10800 s and so on), not from the code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "conf/helpers.h"
#include "wire/isakmp.h"

static void assert_prop(const struct proposal *p, const char *encr, const char *integ,
			const char *dh)
{
	assert_non_null(p->encr);
	assert_string_equal(p->encr->name, encr);
	if (integ)
		assert_string_equal(p->integ ? p->integ->name : "(none)", integ);
	else
		assert_null(p->integ);
	if (dh)
		assert_string_equal(p->dh ? p->dh->name : "(none)", dh);
	else
		assert_null(p->dh);
}

static void assert_ts(const struct conf_ts *ts, const char *addr, unsigned prefixlen,
		      unsigned proto, unsigned port)
{
	assert_addr(&ts->addr, addr);
	assert_int_equal(ts->prefixlen, prefixlen);
	assert_int_equal(ts->proto, proto);
	assert_int_equal(ts->port, port);
}

static void test_minimal_conn(void **state)
{
	static const char text[] = "conn site\n"
				   "\tleft=10.0.0.1\n"
				   "\tright=10.0.0.2\n"
				   "\tauto=add\n";
	static const uint8_t ip1[4] = {10, 0, 0, 1}, ip2[4] = {10, 0, 0, 2};
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);
	const struct conn *k;

	assert_int_equal(c->nconns, 1);
	k = &c->conns[0];
	assert_ptr_equal(conf_conn(c, "site"), k);
	assert_null(conf_conn(c, "other"));
	assert_string_equal(k->name, "site");
	assert_string_equal(k->file, l.conf_path);
	assert_int_equal(k->line, 1);
	assert_true(k->local_is_left);
	assert_int_equal(k->local.addr.family, AF_INET);
	assert_memory_equal(k->local.addr.a.b, ip1, 4);
	assert_memory_equal(k->remote.addr.a.b, ip2, 4);
	assert_false(k->local.has_subnet);
	assert_false(k->remote.has_subnet);
	assert_ts(&k->local.subnet, "10.0.0.1", 32, 0, 0);
	assert_ts(&k->remote.subnet, "10.0.0.2", 32, 0, 0);
	assert_int_equal(k->local.id.type, ID_IPV4_ADDR);
	assert_int_equal(k->local.id.len, 4);
	assert_memory_equal(k->local.id.data, ip1, 4);
	assert_int_equal(k->remote.id.type, ID_IPV4_ADDR);
	assert_memory_equal(k->remote.id.data, ip2, 4);
	assert_int_equal(k->authby, IKE_AUTH_PSK);
	/* ike default aes128-sha256-modp2048,aes128-sha1-modp2048 */
	assert_int_equal(k->ike.n, 2);
	assert_false(k->ike.strict);
	assert_prop(&k->ike.p[0], "aes128", "sha256", "modp2048");
	assert_prop(&k->ike.p[1], "aes128", "sha1", "modp2048");
	/* esp default aes128-sha256,aes128-sha1, no PFS */
	assert_int_equal(k->esp.n, 2);
	assert_prop(&k->esp.p[0], "aes128", "sha256", NULL);
	assert_prop(&k->esp.p[1], "aes128", "sha1", NULL);
	assert_int_equal(k->mode, MODE_TUNNEL);
	assert_int_equal(k->ikelifetime_s, 3 * 3600);
	assert_int_equal(k->lifetime_s, 3600);
	assert_int_equal(k->lifebytes, 0);
	assert_false(k->aggressive);
	assert_int_equal(k->auto_, AUTO_ADD);
	/* config setup defaults */
	assert_int_equal(c->setup.dataplane, DATAPLANE_KERNEL);
	assert_false(c->setup.capture);
	assert_string_equal(c->setup.capture_file, "");
	assert_string_equal(c->setup.keys_dir, "");
	assert_true(c->setup.uniqueids);
	assert_int_equal(c->nsecrets, 0);
	loaded_free(&l);
}

/* The left end is not on this host: right is local, and every left* key
 * describes the remote end. */
static void test_right_is_local(void **state)
{
	static const char text[] = "conn r\n"
				   "  left=10.0.0.9\n"
				   "  right=10.0.0.1\n"
				   "  leftsubnet=10.9.0.0/16\n"
				   "  rightsubnet=10.1.0.0/24\n"
				   "  leftid=@peer.example\n"
				   "  rightid=@me.example\n"
				   "  leftprotoport=tcp/443\n"
				   "  auto=start\n";
	struct loaded l;
	const struct conn *k = &load_ok(&l, text, NULL)->conns[0];

	assert_false(k->local_is_left);
	assert_addr(&k->local.addr, "10.0.0.1");
	assert_addr(&k->remote.addr, "10.0.0.9");
	assert_true(k->local.has_subnet);
	assert_ts(&k->local.subnet, "10.1.0.0", 24, 0, 0);
	assert_ts(&k->remote.subnet, "10.9.0.0", 16, 6, 443);
	assert_int_equal(k->local.id.type, ID_FQDN);
	assert_int_equal(k->local.id.len, 10);
	assert_memory_equal(k->local.id.data, "me.example", 10);
	assert_int_equal(k->remote.id.type, ID_FQDN);
	assert_memory_equal(k->remote.id.data, "peer.example", 12);
	assert_int_equal(k->auto_, AUTO_START);
	loaded_free(&l);
}

static void test_remote_any(void **state)
{
	static const char text[] = "conn roadwarriors\n"
				   "\tleft=10.0.0.1\n"
				   "\tright=%any\n"
				   "\tauto=add\n"
				   "conn named\n"
				   "\tleft=%any\n"
				   "\tright=10.0.0.1\n"
				   "\tleftid=alice@example.org\n"
				   "\tleftsubnet=10.50.0.0/24\n"
				   "\tauto=add\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);
	const struct conn *k = &c->conns[0];

	assert_int_equal(c->nconns, 2);
	assert_int_equal(k->remote.addr.family, AF_UNSPEC);
	assert_int_equal(k->remote.id.type, CONF_ID_ANY);
	assert_int_equal(k->remote.id.len, 0);
	assert_false(k->remote.has_subnet);
	assert_int_equal(k->remote.subnet.addr.family, AF_UNSPEC);
	assert_int_equal(k->remote.subnet.prefixlen, 0);
	k = &c->conns[1];
	assert_false(k->local_is_left);
	assert_int_equal(k->remote.addr.family, AF_UNSPEC);
	assert_int_equal(k->remote.id.type, ID_USER_FQDN);
	assert_memory_equal(k->remote.id.data, "alice@example.org", 17);
	assert_ts(&k->remote.subnet, "10.50.0.0", 24, 0, 0);
	loaded_free(&l);
}

static void test_every_conn_key(void **state)
{
	static const char text[] = "conn all\n"
				   "\tkeyexchange=ikev1\n"
				   "\tleft=192.0.2.1\n"
				   "\tright=198.51.100.7\n"
				   "\tleftsubnet=10.1.0.0/16\n"
				   "\trightsubnet=10.2.0.0/24\n"
				   "\tleftid=@gw.example\n"
				   "\trightid=peer@example.org\n"
				   "\tleftprotoport=udp/1701\n"
				   "\trightprotoport=17/%any\n"
				   "\tauthby=psk\n"
				   "\tike=aes256-sha256-modp3072\n"
				   "\tesp=aes256gcm16-modp2048\n"
				   "\ttype=tunnel\n"
				   "\tikelifetime=8h\n"
				   "\tlifetime=30m\n"
				   "\tlifebytes=1000000\n"
				   "\taggressive=yes\n"
				   "\tauto=start\n";
	struct loaded l;
	const struct conn *k = &load_ok(&l, text, NULL)->conns[0];

	assert_addr(&k->local.addr, "192.0.2.1");
	assert_addr(&k->remote.addr, "198.51.100.7");
	assert_true(k->local.has_subnet);
	assert_true(k->remote.has_subnet);
	assert_ts(&k->local.subnet, "10.1.0.0", 16, 17, 1701);
	assert_ts(&k->remote.subnet, "10.2.0.0", 24, 17, 0);
	assert_id(&k->local.id, "gw.example");
	assert_int_equal(k->local.id.type, ID_FQDN);
	assert_int_equal(k->remote.id.type, ID_USER_FQDN);
	assert_id(&k->remote.id, "peer@example.org");
	assert_int_equal(k->authby, IKE_AUTH_PSK);
	assert_int_equal(k->ike.configured, 1);
	assert_prop(&k->ike.p[0], "aes256", "sha256", "modp3072");
	assert_int_equal(k->esp.configured, 1);
	assert_prop(&k->esp.p[0], "aes256gcm16", NULL, "modp2048");
	assert_int_equal(k->mode, MODE_TUNNEL);
	assert_int_equal(k->ikelifetime_s, 8 * 3600);
	assert_int_equal(k->lifetime_s, 30 * 60);
	assert_int_equal(k->lifebytes, 1000000);
	assert_true(k->aggressive);
	assert_int_equal(k->auto_, AUTO_START);
	loaded_free(&l);
}

/* Libreswan's spellings of the same keys. */
static void test_aliases(void **state)
{
	static const char text[] = "conn a\n"
				   "\tleft=10.0.0.1\n"
				   "\tright=10.0.0.2\n"
				   "\tike_lifetime=1d\n"
				   "\tkeylife=45m\n"
				   "\tipsec-max-bytes=5000\n"
				   "\taggrmode=yes\n"
				   "\tphase2alg=aes128-sha1;modp2048\n"
				   "\tauthby=secret\n"
				   "conn b\n"
				   "\tleft=10.0.0.1\n"
				   "\tright=10.0.0.3\n"
				   "\tsalifetime=2h\n"
				   "\ttype=transport\n"
				   "\taggressive=no\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);

	assert_int_equal(c->conns[0].ikelifetime_s, 86400);
	assert_int_equal(c->conns[0].lifetime_s, 45 * 60);
	assert_int_equal(c->conns[0].lifebytes, 5000);
	assert_true(c->conns[0].aggressive);
	assert_int_equal(c->conns[0].esp.configured, 1);
	assert_prop(&c->conns[0].esp.p[0], "aes128", "sha1", "modp2048");
	assert_int_equal(c->conns[0].authby, IKE_AUTH_PSK);
	assert_int_equal(c->conns[1].lifetime_s, 7200);
	assert_int_equal(c->conns[1].mode, MODE_TRANSPORT);
	assert_false(c->conns[1].aggressive);
	assert_int_equal(c->conns[1].auto_, AUTO_IGNORE);
	loaded_free(&l);
}

/* strongSwan's rule: without '!', the defaults are accepted (and offered)
 * after the configured proposals; with it, only what is configured.  The
 * defaults take the PFS group of a PFS list. */
static void test_strict_and_defaults(void **state)
{
	static const char text[] = "conn loose\n"
				   "\tleft=10.0.0.1\n"
				   "\tright=10.0.0.2\n"
				   "\tike=aes256-sha512-modp4096\n"
				   "\tesp=aes256-sha256-ecp256\n"
				   "conn strict\n"
				   "\tleft=10.0.0.1\n"
				   "\tright=10.0.0.3\n"
				   "\tike=aes256-sha512-modp4096!\n"
				   "\tesp=aes256-sha256!\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);
	const struct conn *loose = &c->conns[0], *strict = &c->conns[1];

	(void)state;
	assert_false(loose->ike.strict);
	assert_int_equal(loose->ike.configured, 1);
	assert_int_equal(loose->ike.n, 3);
	assert_prop(&loose->ike.p[0], "aes256", "sha512", "modp4096");
	assert_prop(&loose->ike.p[1], "aes128", "sha256", "modp2048");
	assert_prop(&loose->ike.p[2], "aes128", "sha1", "modp2048");
	assert_int_equal(loose->esp.configured, 1);
	assert_int_equal(loose->esp.n, 3);
	assert_prop(&loose->esp.p[1], "aes128", "sha256", "ecp256");
	assert_prop(&loose->esp.p[2], "aes128", "sha1", "ecp256");
	assert_true(strict->ike.strict);
	assert_int_equal(strict->ike.n, 1);
	assert_int_equal(strict->ike.configured, 1);
	assert_int_equal(strict->esp.n, 1);
	loaded_free(&l);
}

static void test_lifetime_units(void **state)
{
	static const struct {
		const char *v;
		uint32_t s;
	} cases[] = {{"100", 100},  {"100s", 100}, {"2m", 120},
		     {"3h", 10800}, {"1d", 86400}, {"4294967295", 4294967295u}};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct loaded l;

		snprintf(text, sizeof(text),
			 "conn a\n left=10.0.0.1\n right=10.0.0.2\n ikelifetime=%s\n lifetime=%s\n",
			 cases[i].v, cases[i].v);
		load_ok(&l, text, NULL);
		assert_int_equal(l.c->conns[0].ikelifetime_s, cases[i].s);
		assert_int_equal(l.c->conns[0].lifetime_s, cases[i].s);
		loaded_free(&l);
	}
}

/* %default fills every conn, wherever it stands; a conn's own key wins;
 * "key=" goes back to the built-in default. */
static void test_default_section(void **state)
{
	static const char text[] = "conn a\n"
				   "\tleft=10.0.0.1\n"
				   "\tright=10.0.0.2\n"
				   "\tkeylife=20m\n"
				   "conn %default\n"
				   "\tike=aes256-sha256-modp2048\n"
				   "\tkeylife=2h\n"
				   "\tauto=add\n"
				   "\tleft=10.0.0.1\n"
				   "conn b\n"
				   "\tright=10.0.0.3\n"
				   "\tike=\n"
				   "\tauto=start\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);
	const struct conn *a = conf_conn(c, "a"), *b = conf_conn(c, "b");

	assert_int_equal(c->nconns, 2);
	assert_null(conf_conn(c, "%default"));
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->lifetime_s, 20 * 60);
	assert_int_equal(a->ike.configured, 1);
	assert_prop(&a->ike.p[0], "aes256", "sha256", "modp2048");
	assert_int_equal(a->auto_, AUTO_ADD);
	assert_int_equal(b->lifetime_s, 7200);
	assert_addr(&b->local.addr, "10.0.0.1");
	assert_int_equal(b->ike.n, 2); /* back to aes128-sha256-modp2048,aes128-sha1-modp2048 */
	assert_prop(&b->ike.p[0], "aes128", "sha256", "modp2048");
	assert_int_equal(b->auto_, AUTO_START);
	loaded_free(&l);
}

/* also=: own keys > the last also= > earlier also= (each before its own
 * also= sections) > %default, as strongSwan's starter linearizes them. */
static void test_also(void **state)
{
	static const char text[] = "conn %default\n"
				   "\tkeylife=1m\n"
				   "\tikelifetime=1m\n"
				   "\tlifebytes=1\n"
				   "conn base\n"
				   "\tleft=10.0.0.1\n"
				   "\tkeylife=2m\n"
				   "\tikelifetime=2m\n"
				   "\tauto=ignore\n"
				   "conn peer\n"
				   "\talso=base\n"
				   "\tright=10.0.0.2\n"
				   "\tkeylife=3m\n"
				   "conn site\n"
				   "\talso=peer\n"
				   "\talso=extra\n"
				   "\tauto=add\n"
				   "conn extra\n"
				   "\tkeylife=4m\n"
				   "\tesp=aes256-sha256\n"
				   "\tauto=ignore\n"
				   "conn own\n"
				   "\talso=site\n"
				   "\tkeylife=5m\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);
	const struct conn *k;

	/* base: auto=ignore, on this host: kept.  extra: auto=ignore, not on
	 * this host: left out.  peer inherits auto=ignore from base. */
	assert_int_equal(c->nconns, 4);
	assert_non_null(conf_conn(c, "base"));
	assert_null(conf_conn(c, "extra"));
	k = conf_conn(c, "peer");
	assert_int_equal(k->auto_, AUTO_IGNORE);
	assert_int_equal(k->lifetime_s, 180);
	assert_int_equal(k->ikelifetime_s, 120);
	assert_int_equal(k->lifebytes, 1);
	/* site: also=extra is the last also=, so its keylife wins over peer's
	 * (and base's); left and right come from peer and base. */
	k = conf_conn(c, "site");
	assert_int_equal(k->auto_, AUTO_ADD);
	assert_int_equal(k->lifetime_s, 240);
	assert_int_equal(k->ikelifetime_s, 120);
	assert_int_equal(k->esp.configured, 1);
	assert_prop(&k->esp.p[0], "aes256", "sha256", NULL);
	k = conf_conn(c, "own");
	assert_int_equal(k->lifetime_s, 300);
	assert_int_equal(k->auto_, AUTO_ADD);
	loaded_free(&l);

	/* Reversed: the last also= (peer) wins over extra. */
	c = load_ok(&l,
		    "conn peer\n left=10.0.0.1\n right=10.0.0.2\n keylife=3m\n"
		    "conn extra\n keylife=4m\n auto=ignore\n"
		    "conn site\n also=extra\n also=peer\n also=%default\n auto=add\n",
		    NULL);
	assert_int_equal(conf_conn(c, "site")->lifetime_s, 180);
	loaded_free(&l);
}

static void test_also_errors(void **state)
{
	expect_error("conn a\n left=10.0.0.1\n right=10.0.0.2\n also=nowhere\n", 4,
		     "also=nowhere in conn 'a': there is no conn 'nowhere'");
	expect_error("conn a\n also=b\n left=10.0.0.1\n right=10.0.0.2\n"
		     "conn b\n also=a\n",
		     6, "also=a in conn 'b' makes a loop");
	expect_error("conn a\n left=10.0.0.1\n\n also=a\n", 4, "also=a in conn 'a' makes a loop");
	expect_error("conn %default\n also=x\nconn x\n", 2, "also= cannot stand in conn %default");
}

static void test_left_right_errors(void **state)
{
	expect_error("\nconn a\n left=10.0.0.8\n right=10.0.0.9\n auto=add\n", 2,
		     "conn 'a': neither left=10.0.0.8 nor right=10.0.0.9 is an address of this "
		     "host");
	expect_error("conn a\n right=10.0.0.9\n auto=start\n", 1,
		     "conn 'a': neither left=%any nor right=10.0.0.9 is an address of this host");
	expect_error("conn a\n left=10.0.0.1\n right=2001:db8::2\n", 1,
		     "conn 'a': left=10.0.0.1 and right=2001:db8::2 are of different address "
		     "families");
	expect_error("conn a\n left=10.0.0.1\n right=10.0.0.2\n leftid=%any\n", 4,
		     "leftid=%any in conn 'a': the local ID must be one ID");
	expect_error("conn a\n left=10.0.0.1\n right=10.0.0.2\n leftsubnet=10.1.0.0/16\n"
		     " rightsubnet=2001:db8:2::/48\n",
		     1, "conn 'a': the local and remote subnets are of different address families");
	expect_error("conn a\n left=10.0.0.1\n right=10.0.0.2\n type=transport\n"
		     " rightsubnet=10.2.0.0/16\n",
		     1,
		     "conn 'a': type=transport protects the hosts' own traffic; leave leftsubnet= "
		     "and rightsubnet= out");
}

static void test_both_local_and_v6(void **state)
{
	struct loaded l;
	const struct conn *k;

	/* Both ends here (a loopback test): left is local. */
	k = &load_ok(&l, "conn a\n left=10.0.0.1\n right=192.0.2.1\n", NULL)->conns[0];
	assert_true(k->local_is_left);
	assert_addr(&k->local.addr, "10.0.0.1");
	loaded_free(&l);

	k = &load_ok(&l,
		     "conn v6\n left=2001:db8::2\n right=2001:db8::1\n"
		     " rightsubnet=2001:db8:1::/48\n leftsubnet=2001:db8:2::5\n"
		     " type=transport\n type=tunnel\n",
		     NULL)
		     ->conns[0];
	assert_false(k->local_is_left);
	assert_int_equal(k->local.addr.family, AF_INET6);
	assert_ts(&k->local.subnet, "2001:db8:1::", 48, 0, 0);
	assert_ts(&k->remote.subnet, "2001:db8:2::5", 128, 0, 0);
	assert_int_equal(k->local.id.type, ID_IPV6_ADDR);
	assert_int_equal(k->local.id.len, 16);
	assert_id(&k->remote.id, "2001:db8::2");
	loaded_free(&l);

	/* Transport mode with a subnet that is the host itself is fine. */
	k = &load_ok(&l,
		     "conn t\n left=10.0.0.1\n right=10.0.0.2\n type=transport\n"
		     " leftsubnet=10.0.0.1/32\n leftprotoport=udp/1701\n",
		     NULL)
		     ->conns[0];
	assert_int_equal(k->mode, MODE_TRANSPORT);
	assert_ts(&k->local.subnet, "10.0.0.1", 32, 17, 1701);
	loaded_free(&l);
}

static void test_host_bits_cleared(void **state)
{
	struct loaded l;
	struct capture cap;
	char *log;

	capture_start(&cap);
	load_ok(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n rightsubnet=10.1.2.3/16\n", NULL);
	log = capture_end(&cap);
	assert_ts(&l.c->conns[0].remote.subnet, "10.1.0.0", 16, 0, 0);
	assert_contains(log, "rightsubnet=10.1.2.3/16 has host bits set; it means 10.1.0.0/16");
	free(log);
	loaded_free(&l);
}

/* One test per bad value: the message names the key and value. */
static void test_conn_key_errors(void **state)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{"foo=bar", "unknown key 'foo' in conn 'a'"},
		/* leftfirewall=, keyexchange=ikev2: test_conf_dialect.c */
		{"keyexchange=v1", "keyexchange= takes ikev1, ikev2 or ike, not 'v1'"},
		{"right=gw.example.com",
		 "right=gw.example.com is not an IP address (oakley does not resolve names)"},
		/* %defaultroute resolves now (test_conf_setupvpn.c) */
		{"right=%opportunistic",
		 "right=%opportunistic is not supported by oakley: oakley takes an "
		 "address, %any, %any6, %defaultroute or %defaultroute6 here"},
		{"leftsubnet=10.0.0.0/33",
		 "leftsubnet=10.0.0.0/33 is not a subnet (ADDRESS/PREFIXLEN, or an address)"},
		/* several subnets are a list now (test_conf_subnets.c) */
		{"rightsubnet=10.0.0.0/8,10.1.0.0/33",
		 "rightsubnet=10.0.0.0/8,10.1.0.0/33: '10.1.0.0/33' is not a subnet "
		 "(ADDRESS/PREFIXLEN, or an address)"},
		{"leftid=\"C=CH, XX=Org\"", "leftid=C=CH, XX=Org has an unknown attribute type"},
		{"rightid=@#abc", "rightid=@#abc needs an even number of hex digits after '#'"},
		{"rightid=10.0.0.0/8",
		 "rightid=10.0.0.0/8 is not supported by oakley: it matches no subnet IDs"},
		{"leftprotoport=udp/1000-2000",
		 "leftprotoport=udp/1000-2000 has a port range; oakley takes one port or %any"},
		{"leftprotoport=foo/1",
		 "leftprotoport=foo/1 has an unknown protocol (a name such as udp, or a number)"},
		{"rightprotoport=%any/80",
		 "rightprotoport=%any/80 gives a port without a protocol"},
		{"rightprotoport=udp/70000",
		 "rightprotoport=udp/70000 has an unknown port (a number, a service name or %any)"},
		{"authby=rsa-sha2",
		 "authby=rsa-sha2 is not supported by oakley: oakley "
		 "authenticates IKEv1 with secret, rsasig, ecdsasig and XAUTH on "
		 "top of them"},
		{"authby=password",
		 "authby= takes secret, psk, pubkey, rsasig, ecdsasig, xauthpsk or xauthrsasig, "
		 "not 'password'"},
		{"ike=aes129-sha1-modp2048", "unknown algorithm 'aes129' in ike="},
		/* no group: Libreswan's defaults (test_conf_setupvpn.c) */
		{"ike=aes128-sha1;", "ike= proposal 'aes128-sha1;' has an empty algorithm name"},
		{"ike=des-sha1-modp2048", "'des' in ike= is not usable in phase 1"},
		{"phase2alg=aes128-foo", "unknown algorithm 'foo' in phase2alg="},
		{"type=passthrough", "type=passthrough is not supported by oakley: oakley installs "
				     "only IPsec policies; this conn would leave its traffic "
				     "unprotected or dropped"},
		{"type=tunel", "type= takes tunnel or transport, not 'tunel'"},
		{"ikelifetime=3x",
		 "ikelifetime= takes a time such as 3600, 60m, 3h or 1d, not '3x'"},
		{"lifetime=h", "lifetime= takes a time such as 3600, 60m, 3h or 1d, not 'h'"},
		{"keylife=1hh", "keylife= takes a time such as 3600, 60m, 3h or 1d, not '1hh'"},
		{"ikelifetime=0", "ikelifetime=0: must be at least 1s"},
		{"lifetime=49711d", "lifetime=49711d is too long"},
		{"lifebytes=lots", "lifebytes= takes a number of bytes, not 'lots'"},
		{"lifebytes=99999999999999999999", "lifebytes=99999999999999999999 is too large"},
		{"aggressive=maybe", "aggressive= takes yes or no, not 'maybe'"},
		/* auto=route: taken as add (test_conf_dialect.c) */
		{"auto=always", "auto= takes add, start, route or ignore, not 'always'"},
		{"also=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
		 "also=aaaaaaaaaaaaaaaaaaaa...: no conn has so long a name"},
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text), "conn a\n left=10.0.0.1\n right=10.0.0.2\n %s\n",
			 cases[i].line);
		expect_error(text, 4, cases[i].msg);
	}
}

/* Checks that need the whole conn. */
static void test_conn_checks(void **state)
{
	expect_error("conn a\n left=10.0.0.1\n right=10.0.0.2\n aggressive=yes\n"
		     " ike=aes128-sha1-modp2048,aes128-sha1-modp1024\n",
		     5,
		     "conn 'a': aggressive mode sends one DH group, but ike= offers modp2048 and "
		     "modp1024");
	expect_error("conn %default\n esp=aes128-sha1-modp2048,aes128-sha1\n"
		     "conn a\n left=10.0.0.1\n right=10.0.0.2\n",
		     2,
		     "conn 'a': quick mode sends one PFS group, but esp= offers modp2048 and no "
		     "PFS");
}

static void test_duplicate_key_later_wins(void **state)
{
	struct loaded l;
	struct capture cap;
	char *log;

	capture_start(&cap);
	load_ok(&l,
		"conn a\n left=10.0.0.1\n right=10.0.0.5\n right=10.0.0.2\n keylife=1h\n"
		" lifetime=2h\n",
		NULL);
	log = capture_end(&cap);
	assert_addr(&l.c->conns[0].remote.addr, "10.0.0.2");
	assert_int_equal(l.c->conns[0].lifetime_s, 7200);
	assert_contains(log, ":4: right= in conn 'a' was already set at line 3 (right=); this one "
			     "wins");
	assert_contains(log, ":6: lifetime= in conn 'a' was already set at line 5 (keylife=)");
	free(log);
	loaded_free(&l);
}

static void test_weak_warning(void **state)
{
	struct loaded l;
	struct capture cap;
	char *log;

	capture_start(&cap);
	load_ok(&l,
		"conn old\n left=10.0.0.1\n right=10.0.0.2\n ike=3des-md5-modp1024\n"
		" phase2alg=3des-sha1\n",
		NULL);
	log = capture_end(&cap);
	assert_contains(log, "conn 'old': ike= uses weak algorithm 3des");
	assert_contains(log, "conn 'old': ike= uses weak algorithm md5");
	assert_contains(log, "conn 'old': ike= uses weak algorithm modp1024");
	assert_contains(log, "conn 'old': phase2alg= uses weak algorithm 3des");
	assert_null(strstr(log, "weak algorithm sha1"));
	free(log);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_conn),
		cmocka_unit_test(test_right_is_local),
		cmocka_unit_test(test_remote_any),
		cmocka_unit_test(test_every_conn_key),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_strict_and_defaults),
		cmocka_unit_test(test_lifetime_units),
		cmocka_unit_test(test_default_section),
		cmocka_unit_test(test_also),
		cmocka_unit_test(test_also_errors),
		cmocka_unit_test(test_left_right_errors),
		cmocka_unit_test(test_both_local_and_v6),
		cmocka_unit_test(test_host_bits_cleared),
		cmocka_unit_test(test_conn_key_errors),
		cmocka_unit_test(test_conn_checks),
		cmocka_unit_test(test_duplicate_key_later_wins),
		cmocka_unit_test(test_weak_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
