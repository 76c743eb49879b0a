/* Remote access keys (issue 11, src/conf/ra.c): the strongSwan and the
 * Libreswan spelling of one XAUTH + Mode Config server, and of one client,
 * give the same conn_ra; either end may be left; defaults (strongSwan's
 * xauth=client, modeconfig=pull; Libreswan's modecfgpull=no; the client's
 * user name from its ID); the errors, each at its FILE:LINE; %default and
 * also= carry the keys; Aggressive Mode group IDs (keyid:, @[...]). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "wire/isakmp.h"

static const char sw_server[] = "conn rw\n"
				" left=10.0.0.1\n"
				" leftsubnet=10.1.0.0/16\n"
				" right=%any\n"
				" authby=xauthpsk\n"
				" xauth=server\n"
				" rightsourceip=10.3.0.0/24\n"
				" rightdns=10.1.0.53,10.1.0.54\n"
				" auto=add\n";

static const char ls_server[] = "conn rw\n"
				" left=10.0.0.1\n"
				" leftsubnet=10.1.0.0/16\n"
				" right=%any\n"
				" authby=secret\n"
				" ikev2=never\n"
				" leftxauthserver=yes\n"
				" rightxauthclient=yes\n"
				" leftmodecfgserver=yes\n"
				" rightmodecfgclient=yes\n"
				" rightaddresspool=10.3.0.1-10.3.0.254\n"
				" modecfgdns=\"10.1.0.53 10.1.0.54\"\n"
				" modecfgpull=yes\n"
				" xauthby=file\n"
				" auto=add\n";

/* rightauth2=xauth: the peer answers XAUTH, so we ask. */
static const char sw_server2[] = "conn rw\n"
				 " left=10.0.0.1\n"
				 " leftsubnet=10.1.0.0/16\n"
				 " right=%any\n"
				 " leftauth=psk\n"
				 " rightauth=psk\n"
				 " rightauth2=xauth\n"
				 " rightsourceip=10.3.0.1-10.3.0.254\n"
				 " rightdns=10.1.0.53 10.1.0.54\n"
				 " modeconfig=pull\n"
				 " auto=add\n";

/* Our end on the right: the same server. */
static const char ls_server_right[] = "conn rw\n"
				      " right=10.0.0.1\n"
				      " rightsubnet=10.1.0.0/16\n"
				      " left=%any\n"
				      " rightxauthserver=yes\n"
				      " rightmodecfgserver=yes\n"
				      " leftaddresspool=10.3.0.0/24\n"
				      " modecfgdns1=10.1.0.53\n"
				      " modecfgdns2=10.1.0.54\n"
				      " modecfgpull=yes\n"
				      " auto=add\n";

static void assert_same_ra(const struct conf *a, const struct conf *b)
{
	const struct conn_ra *x = &a->conns[0].ra, *y = &b->conns[0].ra;

	assert_int_equal(x->xauth, y->xauth);
	assert_int_equal(x->xauthby, y->xauthby);
	assert_int_equal(x->modecfg_server, y->modecfg_server);
	assert_int_equal(x->modecfg_client, y->modecfg_client);
	assert_int_equal(x->modecfg_pull, y->modecfg_pull);
	assert_int_equal(x->unity, y->unity);
	assert_int_equal(!x->pool, !y->pool);
	if (x->pool) {
		assert_memory_equal(&a->pools[x->pool - 1].first, &b->pools[y->pool - 1].first,
				    sizeof(struct conf_addr));
		assert_memory_equal(&a->pools[x->pool - 1].last, &b->pools[y->pool - 1].last,
				    sizeof(struct conf_addr));
	}
	assert_int_equal(x->ndns, y->ndns);
	assert_memory_equal(x->dns, y->dns, sizeof(x->dns));
	assert_int_equal(!x->user, !y->user);
	if (x->user)
		assert_string_equal(x->user, y->user);
	assert_int_equal(a->conns[0].authby, b->conns[0].authby);
}

static void test_server_both_dialects(void **state)
{
	static const char *const others[] = {ls_server, sw_server2, ls_server_right};
	struct loaded sw, other;
	const struct conn_ra *ra;
	unsigned i;

	load_ok(&sw, sw_server, NULL);
	ra = &sw.c->conns[0].ra;
	assert_int_equal(ra->xauth, CONN_XAUTH_SERVER);
	assert_int_equal(ra->xauthby, XAUTHBY_FILE);
	assert_true(ra->modecfg_server);
	assert_false(ra->modecfg_client);
	assert_true(ra->modecfg_pull);
	assert_int_equal(ra->pool, 1);
	assert_int_equal(sw.c->npools, 1);
	assert_string_equal(sw.c->pools[0].name, "10.3.0.0/24");
	assert_addr(&sw.c->pools[0].first, "10.3.0.1");
	assert_addr(&sw.c->pools[0].last, "10.3.0.254");
	assert_int_equal(ra->ndns, 2);
	assert_addr(&ra->dns[0], "10.1.0.53");
	assert_addr(&ra->dns[1], "10.1.0.54");
	assert_null(ra->user);
	assert_int_equal(sw.c->conns[0].authby, IKE_AUTH_PSK);
	assert_int_equal(sw.c->conns[0].remote.subnet.addr.family, AF_UNSPEC);
	for (i = 0; i < 3; i++) {
		load_ok(&other, others[i], NULL);
		assert_same_ra(sw.c, other.c);
		loaded_free(&other);
	}
	loaded_free(&sw);
}

static const char sw_client[] = "conn home\n"
				" left=10.0.0.1\n"
				" right=10.0.0.2\n"
				" rightsubnet=0.0.0.0/0\n"
				" authby=xauthpsk\n"
				" xauth_identity=bob\n"
				" leftsourceip=%config\n"
				" auto=add\n";

static const char sw_client2[] = "conn home\n"
				 " left=10.0.0.1\n"
				 " right=10.0.0.2\n"
				 " rightsubnet=0.0.0.0/0\n"
				 " leftauth=psk\n"
				 " leftauth2=xauth\n"
				 " rightauth=psk\n"
				 " xauth_identity=bob\n"
				 " leftsourceip=%modecfg\n"
				 " auto=add\n";

static const char ls_client[] = "conn home\n"
				" left=10.0.0.1\n"
				" right=10.0.0.2\n"
				" rightsubnet=0.0.0.0/0\n"
				" authby=secret\n"
				" leftxauthclient=yes\n"
				" rightxauthserver=yes\n"
				" leftmodecfgclient=yes\n"
				" rightmodecfgserver=yes\n"
				" leftusername=bob\n"
				" modecfgpull=yes\n"
				" auto=add\n";

static const char ls_client_old[] = "conn home\n"
				    " left=10.0.0.1\n"
				    " right=10.0.0.2\n"
				    " rightsubnet=0.0.0.0/0\n"
				    " leftxauthclient=yes\n"
				    " leftmodecfgclient=yes\n"
				    " leftxauthusername=bob\n"
				    " modecfgpull=yes\n"
				    " auto=add\n";

static const char sw_client3[] = "conn home\n"
				 " left=10.0.0.1\n"
				 " right=10.0.0.2\n"
				 " rightsubnet=0.0.0.0/0\n"
				 " authby=xauthpsk\n"
				 " xauth=client\n"
				 " xauth_identity=bob\n"
				 " leftsourceip=%config4,%config6\n"
				 " leftdns=%config4\n"
				 " auto=add\n";

static void test_client_both_dialects(void **state)
{
	static const char *const others[] = {sw_client2, ls_client, ls_client_old, sw_client3};
	struct loaded sw, other;
	const struct conn_ra *ra;
	unsigned i;

	load_ok(&sw, sw_client, "bob : XAUTH \"pw\"\n");
	ra = &sw.c->conns[0].ra;
	assert_int_equal(ra->xauth, CONN_XAUTH_CLIENT);
	assert_true(ra->modecfg_client);
	assert_false(ra->modecfg_server);
	assert_true(ra->modecfg_pull);
	assert_int_equal(ra->pool, 0);
	assert_string_equal(ra->user, "bob");
	for (i = 0; i < 4; i++) {
		load_ok(&other, others[i], "bob : XAUTH \"pw\"\n");
		assert_same_ra(sw.c, other.c);
		loaded_free(&other);
	}
	loaded_free(&sw);
}

/* The strings live in conf.strings, once each. */
static void test_strings_interned(void **state)
{
	struct loaded l;
	const struct conf *c;
	unsigned i, banners = 0;

	c = load_ok(&l,
		    "conn %default\n left=10.0.0.1\n right=%any\n leftxauthserver=yes\n"
		    " leftmodecfgserver=yes\n modecfgbanner=\"Welcome\\nto the VPN\"\n"
		    " modecfgdomains=\"corp.example, lab.example\"\n cisco-unity=yes\n"
		    " remote-peer-type=cisco\n xauthfail=hard\n"
		    "conn a\n rightaddresspool=10.3.0.10-10.3.0.20\n"
		    "conn b\n rightaddresspool=10.3.0.10-10.3.0.20\n xauthby=pam\n",
		    NULL);
	assert_int_equal(c->nconns, 2);
	assert_ptr_equal(c->conns[0].ra.banner, c->conns[1].ra.banner);
	assert_string_equal(c->conns[0].ra.banner, "Welcome\nto the VPN");
	assert_string_equal(c->conns[0].ra.domain, "corp.example");
	assert_true(c->conns[0].ra.unity);
	assert_int_equal(c->conns[0].ra.xauthby, XAUTHBY_FILE);
	assert_int_equal(c->conns[1].ra.xauthby, XAUTHBY_PAM);
	/* the same range: one pool */
	assert_int_equal(c->npools, 1);
	assert_int_equal(c->conns[0].ra.pool, 1);
	assert_int_equal(c->conns[1].ra.pool, 1);
	for (i = 0; i < c->nstrings; i++) {
		if (c->strings[i] == c->conns[0].ra.banner)
			banners++;
		if (c->conns[0].ra.domain == c->strings[i])
			banners += 10;
	}
	assert_int_equal(banners, 11);
	loaded_free(&l);
}

/* Without xauth_identity= or leftusername=, a client sends its ID's text. */
static void test_client_user_from_id(void **state)
{
	static const struct {
		const char *id, *user;
	} cases[] = {
		{"leftid=@client.example", "client.example"},
		{"leftid=bob@example.org", "bob@example.org"},
		{"leftid=keyid:grp", "grp"},
		{"", "10.0.0.1"},
	};
	char text[512];
	struct loaded l;
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "conn home\n left=10.0.0.1\n right=10.0.0.2\n authby=xauthpsk\n %s\n",
			 cases[i].id);
		load_ok(&l, text, NULL);
		assert_int_equal(l.c->conns[0].ra.xauth, CONN_XAUTH_CLIENT);
		assert_string_equal(l.c->conns[0].ra.user, cases[i].user);
		loaded_free(&l);
	}
}

/* Defaults: strongSwan's xauth=client, pull; Libreswan's push. */
static void test_defaults(void **state)
{
	struct loaded l;

	load_ok(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n", NULL);
	assert_int_equal(l.c->conns[0].ra.xauth, CONN_XAUTH_NONE);
	assert_false(l.c->conns[0].ra.modecfg_client);
	assert_false(l.c->conns[0].ra.modecfg_server);
	assert_null(l.c->conns[0].ra.user);
	assert_int_equal(l.c->npools, 0);
	loaded_free(&l);

	load_ok(&l,
		"conn a\n left=10.0.0.1\n right=10.0.0.2\n authby=xauthpsk\n"
		" leftsourceip=%config\n xauth_identity=x\n",
		NULL);
	assert_int_equal(l.c->conns[0].ra.xauth, CONN_XAUTH_CLIENT);
	assert_int_equal(l.c->conns[0].authby, IKE_AUTH_PSK);
	assert_true(l.c->conns[0].ra.modecfg_pull);
	loaded_free(&l);

	load_ok(&l,
		"conn a\n left=10.0.0.1\n right=10.0.0.2\n leftxauthclient=yes\n"
		" leftmodecfgclient=yes\n leftusername=x\n",
		NULL);
	assert_false(l.c->conns[0].ra.modecfg_pull);
	loaded_free(&l);

	/* strongSwan's xauth-BACKEND names xauthby */
	load_ok(&l,
		"conn a\n left=10.0.0.1\n right=%any\n rightauth2=xauth-pam\n"
		"conn b\n left=10.0.0.1\n right=%any\n rightauth2=xauth-noauth\n"
		"conn c\n left=10.0.0.1\n right=%any\n rightauth2=xauth-generic\n"
		"conn d\n left=10.0.0.1\n right=%any\n rightauth2=xauth-pam\n xauthby=pam\n",
		NULL);
	assert_int_equal(l.c->conns[0].ra.xauth, CONN_XAUTH_SERVER);
	assert_int_equal(l.c->conns[0].ra.xauthby, XAUTHBY_PAM);
	assert_int_equal(l.c->conns[1].ra.xauthby, XAUTHBY_ALWAYSOK);
	assert_int_equal(l.c->conns[2].ra.xauthby, XAUTHBY_FILE);
	assert_int_equal(l.c->conns[3].ra.xauthby, XAUTHBY_PAM);
	assert_false(l.c->conns[0].ra.modecfg_server);
	loaded_free(&l);

	load_ok(&l,
		"conn a\n left=10.0.0.1\n right=10.0.0.2\n leftxauthclient=yes\n"
		" leftmodecfgclient=yes\n leftusername=x\n modeconfig=push\n modecfgpull=no\n",
		NULL);
	assert_false(l.c->conns[0].ra.modecfg_pull);
	loaded_free(&l);
}

/* %default and also= carry the keys; "key=" resets one. */
static void test_inheritance(void **state)
{
	struct loaded l;
	const struct conf *c;

	c = load_ok(&l,
		    "conn %default\n left=10.0.0.1\n authby=xauthpsk\n xauth=server\n"
		    "conn pool\n rightsourceip=10.3.0.0/28\n rightdns=10.1.0.53\n"
		    "conn a\n right=%any\n also=pool\n"
		    "conn b\n right=10.0.0.2\n xauth=\n authby=secret\n",
		    NULL);
	assert_int_equal(c->nconns, 3); /* pool, a, b */
	assert_int_equal(c->conns[1].ra.xauth, CONN_XAUTH_SERVER);
	assert_true(c->conns[1].ra.modecfg_server);
	assert_int_equal(c->conns[1].ra.ndns, 1);
	assert_addr(&c->pools[c->conns[1].ra.pool - 1].first, "10.3.0.1");
	assert_addr(&c->pools[c->conns[1].ra.pool - 1].last, "10.3.0.14");
	assert_int_equal(c->conns[2].ra.xauth, CONN_XAUTH_NONE);
	assert_int_equal(c->conns[2].authby, IKE_AUTH_PSK);
	loaded_free(&l);

	/* a server with a fixed peer: its side of the tunnel is still the lease */
	c = load_ok(&l,
		    "conn a\n left=10.0.0.1\n right=10.0.0.2\n leftxauthserver=yes\n"
		    " leftmodecfgserver=yes\n rightaddresspool=10.3.0.5\n rightprotoport=udp\n",
		    NULL);
	assert_true(c->conns[0].ra.modecfg_server);
	assert_addr(&c->conns[0].remote.addr, "10.0.0.2");
	assert_int_equal(c->conns[0].remote.subnet.addr.family, AF_UNSPEC);
	assert_int_equal(c->conns[0].remote.subnet.prefixlen, 0);
	assert_int_equal(c->conns[0].remote.subnet.proto, 17);
	assert_addr(&c->pools[0].first, "10.3.0.5");
	loaded_free(&l);
}

static void test_group_ids(void **state)
{
	struct loaded l;
	const struct conf *c;

	c = load_ok(&l,
		    "conn %default\n left=10.0.0.1\n right=%any\n aggressive=yes\n"
		    " ike=aes256-sha1-modp1024\n"
		    "conn sw\n rightid=keyid:vpngroup\n"
		    "conn ls\n rightid=@[vpngroup]\n"
		    "conn ls2\n rightid=@[vpn group\n",
		    "@[vpngroup] : PSK \"group secret\"\nkeyid:other : PSK \"other\"\n");
	assert_int_equal(c->conns[0].remote.id.type, ID_KEY_ID);
	assert_int_equal(c->conns[0].remote.id.len, 8);
	assert_memory_equal(c->conns[0].remote.id.data, "vpngroup", 8);
	assert_true(conf_id_equal(&c->conns[0].remote.id, &c->conns[1].remote.id));
	assert_int_equal(c->conns[2].remote.id.type, ID_KEY_ID);
	assert_int_equal(c->conns[2].remote.id.len, 9);
	assert_memory_equal(c->conns[2].remote.id.data, "vpn group", 9);
	/* the group's PSK, found by the KEY_ID a vpnc sends */
	assert_non_null(conf_psk(c, &c->conns[0].local.id, &c->conns[0].remote.id));
	assert_int_equal(conf_psk(c, &c->conns[0].local.id, &c->conns[0].remote.id)->psklen, 12);
	assert_memory_equal(conf_psk(c, NULL, &c->conns[1].remote.id)->psk, "group secret", 12);
	loaded_free(&l);
	expect_error("conn a\n left=10.0.0.1\n right=%any\n rightid=@[]\n", 4,
		     "rightid=@[] has an empty group name in @[...]");
}

static const char head[] = "conn a\n left=10.0.0.1\n right=%any\n";

/* Errors: FILE:LINE of the key that is wrong, the first line of the
 * text below being line 4. */
static void test_errors(void **state)
{
	static const struct {
		const char *lines;
		unsigned line;
		const char *msg;
	} cases[] = {
		{"xauth=both\n", 4, "xauth= takes client or server, not 'both'"},
		{"leftauth=eap\n", 4, "leftauth= takes psk, pubkey, rsa or ecdsa, not 'eap'"},
		{"leftauth=xauth\n", 4,
		 "leftauth=xauth: XAUTH is the second round in IKEv1 (leftauth2=xauth)"},
		{"rightauth2=eap-md5\n", 4,
		 "rightauth2= takes xauth, xauth-generic, xauth-pam or xauth-noauth, not "
		 "'eap-md5'"},
		{"leftauth=psk\nrightauth=pubkey\n", 5,
		 "conn 'a': leftauth= and rightauth= differ: IKEv1 authenticates both ends the "
		 "same way"},
		{"authby=secret\nleftauth=rsa\n", 5,
		 "conn 'a': leftauth= and authby= name different methods"},
		{"leftxauthserver=yes\nleftxauthclient=yes\n", 5,
		 "conn 'a': XAUTH server and client at once: leftxauthserver= (line 4) makes "
		 "this end the XAUTH server, leftxauthclient= its client"},
		{"authby=xauthpsk\nxauth=client\nrightauth2=xauth\n", 6,
		 "conn 'a': XAUTH server and client at once: xauth= (line 5) makes this end the "
		 "XAUTH client, rightauth2= its server"},
		{"rightxauthclient=yes\nrightxauthserver=yes\n", 5,
		 "conn 'a': XAUTH server and client at once: rightxauthclient= (line 4) makes "
		 "this end the XAUTH server, rightxauthserver= its client"},
		{"leftxauthserver=maybe\n", 4, "leftxauthserver= takes yes or no, not 'maybe'"},
		{"rightsourceip=10.3.0.0/24\nleftsourceip=%config\n", 5,
		 "conn 'a': Mode Config server and client at once: rightsourceip= (line 4) "
		 "makes this end the Mode Config server, leftsourceip= its client"},
		{"leftsourceip=10.9.0.1\n", 4,
		 "conn 'a': leftsourceip=10.9.0.1 is not supported by oakley: a fixed source "
		 "address; %config takes one from the Mode Config server"},
		{"rightsourceip=%config\n", 4,
		 "conn 'a': rightsourceip=%config is the peer asking for an address; a server "
		 "names its pool there (a CIDR such as 10.3.0.0/24, or FIRST-LAST)"},
		{"rightsourceip=%dhcp\n", 4,
		 "rightsourceip=%dhcp is not supported by oakley: it has no named pools (a CIDR "
		 "such as "
		 "10.3.0.0/24, FIRST-LAST, or %config)"},
		{"leftaddresspool=10.3.0.1-10.3.0.9\n", 4,
		 "conn 'a': leftaddresspool= is on this end; the pool belongs to the peer's end "
		 "(rightaddresspool=)"},
		{"rightsourceip=10.3.0.0/24\nrightaddresspool=10.4.0.1-10.4.0.9\n", 5,
		 "conn 'a': rightaddresspool= and rightsourceip= name different pools"},
		{"leftmodecfgserver=yes\n", 4,
		 "conn 'a': a Mode Config server (leftmodecfgserver=) needs an address pool "
		 "(rightaddresspool=FIRST-LAST or rightsourceip=CIDR)"},
		{"rightsubnet=10.3.0.0/24\nrightsourceip=10.3.0.0/24\n", 5,
		 "conn 'a': rightsourceip= and rightsubnet= do not go together: the peer's side "
		 "of the tunnel is the address it is given from the pool"},
		{"leftsubnet=2001:db8:1::/48\nrightsourceip=10.3.0.0/24\n", 5,
		 "conn 'a': the pool 10.3.0.0/24 and the local subnet are of different address "
		 "families"},
		{"leftxauthserver=yes\nleftmodecfgclient=yes\n", 1,
		 "conn 'a': XAUTH server (leftxauthserver=) but Mode Config client "
		 "(leftmodecfgclient=): one end is the server of both"},
		{"modeconfig=pull\nmodecfgpull=no\n", 5,
		 "conn 'a': modecfgpull= and modeconfig= disagree"},
		{"modeconfig=both\n", 4, "modeconfig= takes push or pull, not 'both'"},
		{"rightsourceip=10.3.0.0/24\nrightdns=10.1.0.53\nmodecfgdns=10.1.0.54\n", 6,
		 "conn 'a': give the DNS servers once: rightdns= and modecfgdns="},
		{"rightdns=%config4\n", 4,
		 "conn 'a': rightdns= on the peer's end takes addresses, not %config"},
		{"leftdns=10.1.0.53\n", 4,
		 "conn 'a': leftdns= on this end takes %config4 or %config6 only (oakley does not "
		 "set this host's resolvers)"},
		{"modecfgdns=10.1.0.1,10.1.0.2,10.1.0.3,10.1.0.4,10.1.0.5\n", 4,
		 "modecfgdns=10.1.0.1,10.1.0.2,10.1.0.3,10.1.0.4,10.1.0.5 names more than 4 DNS "
		 "servers"},
		{"modecfgdns=10.1.0.1,10.1.0.2,10.1.0.3\nmodecfgdns1=10.1.0.4\nmodecfgdns2=10.1.0."
		 "5\n",
		 6, "conn 'a': modecfgdns2= makes more than 4 DNS servers"},
		{"modecfgdns=dns.example\n", 4,
		 "modecfgdns=dns.example is not a list of addresses"},
		{"modecfgdns1=10.1.0.1,10.1.0.2\n", 4,
		 "modecfgdns1= takes one address, not '10.1.0.1,10.1.0.2'"},
		{"rightdns=\"\"\n", 4, "rightdns= names no address"},
		{"xauthby=ldap\n", 4, "xauthby= takes file, pam or alwaysok, not 'ldap'"},
		{"xauthby=file\nrightauth2=xauth-pam\n", 5,
		 "conn 'a': rightauth2= names another backend than xauthby=file"},
		{"xauthfail=never\n", 4, "xauthfail= takes hard or soft, not 'never'"},
		{"cisco-unity=1\n", 4, "cisco-unity= takes yes or no, not '1'"},
		{"remote-peer-type=juniper\n", 4,
		 "remote-peer-type= takes cisco or ietf, not 'juniper'"},
		{"leftusername=alice\nxauth_identity=bob\nleftxauthclient=yes\n", 4,
		 "conn 'a': leftusername= and xauth_identity= name different users"},
		{"authby=ecdsasig\nleftxauthclient=yes\nleftusername=u\n", 1,
		 "conn 'a': XAUTH goes with psk or rsa authentication (the draft has no ECDSA "
		 "methods)"},
		{"modecfgbanner=\"\"\n", 4,
		 "modecfgbanner= takes a text of 1 to 2048 bytes, not ''"},
		{"modecfgdomains=\", x\"\n", 4,
		 "modecfgdomains= takes a list of domain names, not ', x'"},
	};
	char text[1024];
	const char *p;
	unsigned i;
	size_t n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = (size_t)snprintf(text, sizeof(text), "%s", head);
		for (p = cases[i].lines; *p; p++) { /* each line indented */
			if (p == cases[i].lines || p[-1] == '\n')
				text[n++] = ' ';
			text[n++] = *p;
		}
		text[n] = 0;
		expect_error(text, cases[i].line, cases[i].msg);
	}
}

/* Warnings: xauthfail=soft is hard; a key given twice; a client without
 * its password in ipsec.secrets. */
static void test_warnings(void **state)
{
	struct capture cap;
	struct loaded l;
	char *log;

	capture_start(&cap);
	load_ok(&l,
		"conn a\n left=10.0.0.1\n right=10.0.0.2\n leftxauthclient=yes\n"
		" leftusername=carol\n xauthfail=soft\n leftusername=dave\n",
		"carol : XAUTH \"pw\"\n");
	log = capture_end(&cap);
	assert_contains(log, ":6: xauthfail=soft: oakley treats a failed XAUTH as hard");
	assert_contains(log, ":7: leftusername= in conn 'a' was already set at line 5");
	assert_contains(log, "conn 'a': no ipsec.secrets entry 'dave : XAUTH \"...\"'");
	assert_string_equal(l.c->conns[0].ra.user, "dave");
	free(log);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_both_dialects),
		cmocka_unit_test(test_client_both_dialects),
		cmocka_unit_test(test_strings_interned),
		cmocka_unit_test(test_client_user_from_id),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_group_ids),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_warnings),
	};

	log_setup(true, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
