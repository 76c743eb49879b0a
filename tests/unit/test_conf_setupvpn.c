/* The server configuration of the setup-ipsec-vpn scripts (Libreswan
 * dialect: ipsec.conf with version 2.0, config setup's ikev1-policy=,
 * virtual-private=, uniqueids=no, conn shared with left=%defaultroute and
 * the rest, l2tp-psk and xauth-psk through also=, include of an empty
 * ipsec.d; ipsec.secrets "%any %any : PSK"; passwd "user:hash:xauth-psk")
 * loads unchanged, with the conns Libreswan would make of it; each key
 * oakley refuses says FILE:LINE and why (src/conf/libreswan.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "conf/helpers.h"
#include "conf/internal.h"
#include "wire/alg.h"
#include "wire/isakmp.h"

/* The default route's source, as the stub probe sees it: "" for none. */
static const char *route4 = "192.0.2.1", *route6 = "";

static int stub_probe(int family, struct conf_addr *out)
{
	const char *a = family == AF_INET ? route4 : route6;

	if (!*a)
		return -ENETUNREACH;
	assert_int_equal(conf_addr_parse(a, out), 0);
	return 0;
}

static int setup(void **state)
{
	conf_route_probe = stub_probe;
	route4 = "192.0.2.1";
	route6 = "";
	return 0;
}

#define SETUPVPN_CONF                                                                              \
	"version 2.0\n"                                                                            \
	"\n"                                                                                       \
	"config setup\n"                                                                           \
	"  ikev1-policy=accept\n"                                                                  \
	"  virtual-private=%%v4:10.0.0.0/8,%%v4:192.168.0.0/16,%%v4:172.16.0.0/12,"                \
	"%%v4:!192.168.42.0/24,%%v4:!192.168.43.0/24\n"                                            \
	"  uniqueids=no\n"                                                                         \
	"\n"                                                                                       \
	"conn shared\n"                                                                            \
	"  left=%%defaultroute\n"                                                                  \
	"  leftid=203.0.113.7\n"                                                                   \
	"  right=%%any\n"                                                                          \
	"  encapsulation=yes\n"                                                                    \
	"  authby=secret\n"                                                                        \
	"  pfs=no\n"                                                                               \
	"  rekey=no\n"                                                                             \
	"  keyingtries=5\n"                                                                        \
	"  dpddelay=30\n"                                                                          \
	"  dpdtimeout=300\n"                                                                       \
	"  dpdaction=clear\n"                                                                      \
	"  ikev2=never\n"                                                                          \
	"  ike=aes256-sha2,aes128-sha2,aes256-sha1,aes128-sha1,aes256-sha2;modp1024,"              \
	"aes128-sha1;modp1024\n"                                                                   \
	"  phase2alg=aes_gcm-null,aes128-sha1,aes256-sha1,aes256-sha2_512,aes128-sha2,"            \
	"aes256-sha2\n"                                                                            \
	"  ikelifetime=24h\n"                                                                      \
	"  salifetime=24h\n"                                                                       \
	"  sha2-truncbug=no\n"                                                                     \
	"\n"                                                                                       \
	"conn l2tp-psk\n"                                                                          \
	"  auto=add\n"                                                                             \
	"  leftprotoport=17/1701\n"                                                                \
	"  rightprotoport=17/%%any\n"                                                              \
	"  type=transport\n"                                                                       \
	"  also=shared\n"                                                                          \
	"\n"                                                                                       \
	"conn xauth-psk\n"                                                                         \
	"  auto=add\n"                                                                             \
	"  leftsubnet=0.0.0.0/0\n"                                                                 \
	"  rightaddresspool=192.168.43.10-192.168.43.250\n"                                        \
	"  modecfgdns=\"8.8.8.8 8.8.4.4\"\n"                                                       \
	"  leftxauthserver=yes\n"                                                                  \
	"  rightxauthclient=yes\n"                                                                 \
	"  leftmodecfgserver=yes\n"                                                                \
	"  rightmodecfgclient=yes\n"                                                               \
	"  modecfgpull=yes\n"                                                                      \
	"  cisco-unity=yes\n"                                                                      \
	"  also=shared\n"                                                                          \
	"\n"                                                                                       \
	"include %s/ipsec.d/*.conf\n"

struct dir {
	char path[64], conf[96], secrets[96], passwd[96];
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* /tmp/DIR/{ipsec.conf, ipsec.secrets, passwd}, no ipsec.d. */
static void dir_make(struct dir *d)
{
	char text[4096];

	strcpy(d->path, "/tmp/oakley-setupvpn-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->conf, sizeof(d->conf), "%s/ipsec.conf", d->path);
	snprintf(d->secrets, sizeof(d->secrets), "%s/ipsec.secrets", d->path);
	snprintf(d->passwd, sizeof(d->passwd), "%s/passwd", d->path);
	snprintf(text, sizeof(text), SETUPVPN_CONF, d->path);
	write_file(d->conf, text, 0644);
	write_file(d->secrets, "%any  %any  : PSK \"sharedsecret\"\n", 0600);
	/* openssl passwd -6 -salt salt vpnpass */
	write_file(d->passwd,
		   "vpnuser:$6$salt$hUPTDT0dlnQPuK7lEXSN057iYN2kFU3O/dFmprhhEhL04PVWevlFWI."
		   "qmor1QiKMXXkxhTGFw2430FZ28wYWP0:xauth-psk\n",
		   0600);
}

static void dir_remove(struct dir *d)
{
	unlink(d->conf);
	unlink(d->secrets);
	unlink(d->passwd);
	rmdir(d->path);
}

static struct conf *load_dir(struct dir *d, char *err, size_t errlen)
{
	struct conf *c = NULL;
	int ret = conf_load(d->conf, d->secrets, stub_is_local, (void *)here, &c, err, errlen);

	if (ret)
		fail_msg("conf_load: %d %s", ret, err);
	return c;
}

static void assert_proposal(const struct proposal *p, const char *encr, const char *integ,
			    const char *dh)
{
	assert_string_equal(p->encr->name, encr);
	if (integ)
		assert_string_equal(p->integ->name, integ);
	else
		assert_null(p->integ);
	if (dh)
		assert_string_equal(p->dh->name, dh);
	else
		assert_null(p->dh);
}

/* What the shared conn gives both. */
static void assert_shared(const struct conn *c)
{
	static const char *const groups[] = {"modp2048", "modp1536", "ecp256", "curve25519"};
	static const char *const p1[][2] = {
		{"aes256", "sha256"}, {"aes128", "sha256"}, {"aes256", "sha1"}, {"aes128", "sha1"}};
	unsigned i, j;

	assert_addr(&c->local.addr, "192.0.2.1"); /* left=%defaultroute */
	assert_id(&c->local.id, "203.0.113.7");
	assert_int_equal(c->remote.addr.family, AF_UNSPEC);
	assert_true(c->local_is_left);
	assert_int_equal(c->authby, IKE_AUTH_PSK);
	assert_true(c->forceencaps);
	assert_false(c->rekey);
	assert_int_equal(c->dpd_action, DPD_CLEAR);
	assert_int_equal(c->dpd_delay_s, 30);
	assert_int_equal(c->dpd_timeout_s, 300);
	assert_int_equal(c->ikelifetime_s, 86400);
	assert_int_equal(c->lifetime_s, 86400);
	assert_int_equal(c->auto_, AUTO_ADD);
	/* four proposals without a group, each with Libreswan's IKEv1
	 * default groups, then the two that name MODP-1024 */
	assert_int_equal(c->ike.configured, 18);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			assert_proposal(&c->ike.p[4 * i + j], p1[i][0], p1[i][1], groups[j]);
	assert_proposal(&c->ike.p[16], "aes256", "sha256", "modp1024");
	assert_proposal(&c->ike.p[17], "aes128", "sha1", "modp1024");
	/* pfs=no: no group anywhere in the esp list */
	/* aes_gcm with no key length: 128 and 256 bits, as Libreswan */
	assert_int_equal(c->esp.configured, 7);
	assert_proposal(&c->esp.p[0], "aes128gcm16", NULL, NULL);
	assert_proposal(&c->esp.p[1], "aes256gcm16", NULL, NULL);
	assert_proposal(&c->esp.p[2], "aes128", "sha1", NULL);
	assert_proposal(&c->esp.p[4], "aes256", "sha512", NULL);
	for (i = 0; i < c->esp.n; i++)
		assert_null(c->esp.p[i].dh);
}

static void test_setupvpn_loads(void **state)
{
	struct dir d;
	struct capture cap;
	const struct conn *l2tp, *xauth;
	const struct conf_pool *pool;
	struct conf *c;
	char err[512], *log;

	dir_make(&d);
	capture_start(&cap);
	c = load_dir(&d, err, sizeof(err));
	log = capture_end(&cap);
	assert_contains(log, ":5: virtual-private=%v4:10.0.0.0/8");
	assert_contains(log, "ignored: it bounds what a peer may claim for rightsubnet=vhost:");
	assert_contains(log, ":16: keyingtries=5 ignored: ");
	free(log);

	assert_false(c->setup.uniqueids);
	l2tp = conf_conn(c, "l2tp-psk");
	xauth = conf_conn(c, "xauth-psk");
	assert_non_null(l2tp);
	assert_non_null(xauth);
	assert_shared(l2tp);
	assert_shared(xauth);

	/* L2TP: transport mode, UDP 1701 here, UDP from any port there */
	assert_int_equal(l2tp->mode, MODE_TRANSPORT);
	assert_int_equal(l2tp->local.subnet.proto, 17);
	assert_int_equal(l2tp->local.subnet.port, 1701);
	assert_int_equal(l2tp->remote.subnet.proto, 17);
	assert_int_equal(l2tp->remote.subnet.port, 0);
	assert_int_equal(l2tp->ra.xauth, CONN_XAUTH_NONE);
	assert_false(l2tp->ra.modecfg_server);

	/* XAUTH + Mode Config server, pull, Unity, the pool and two DNS */
	assert_int_equal(xauth->mode, MODE_TUNNEL);
	assert_true(xauth->local.has_subnet);
	assert_int_equal(xauth->local.subnet.prefixlen, 0);
	assert_int_equal(xauth->ra.xauth, CONN_XAUTH_SERVER);
	assert_int_equal(xauth->ra.xauthby, XAUTHBY_FILE);
	assert_true(xauth->ra.modecfg_server);
	assert_false(xauth->ra.modecfg_client);
	assert_true(xauth->ra.modecfg_pull);
	assert_true(xauth->ra.unity);
	assert_int_equal(xauth->ra.ndns, 2);
	assert_addr(&xauth->ra.dns[0], "8.8.8.8");
	assert_addr(&xauth->ra.dns[1], "8.8.4.4");
	assert_true(xauth->ra.pool > 0 && xauth->ra.pool <= c->npools);
	pool = &c->pools[xauth->ra.pool - 1];
	assert_addr(&pool->first, "192.168.43.10");
	assert_addr(&pool->last, "192.168.43.250");

	/* %any %any : PSK, and the passwd user for xauth-psk */
	assert_int_equal(c->nsecrets, 1);
	assert_true(c->secrets[0].any[0] && c->secrets[0].any[1]);
	assert_int_equal(c->secrets[0].psklen, 12);
	assert_memory_equal(c->secrets[0].psk, "sharedsecret", 12);
	assert_int_equal(c->nxauth_users, 1);
	assert_string_equal(c->xauth_users[0].user, "vpnuser");
	assert_string_equal(c->xauth_users[0].conn, "xauth-psk");
	assert_true(c->xauth_users[0].crypted);

	conf_free(c);
	dir_remove(&d);
}

/* The refusals and errors: FILE:LINE, the key, why. */
static void test_refusals(void **state)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{"sha2-truncbug=yes",
		 "sha2-truncbug=yes is not supported by oakley: oakley truncates HMAC-SHA2-256 to "
		 "128 bits (RFC 4868) and cannot speak the 96-bit bug"},
		{"sha2-truncbug=maybe", "sha2-truncbug= takes yes or no, not 'maybe'"},
		{"keyingtries=often", "keyingtries= takes a number or %forever, not 'often'"},
		{"keyingtries=5x", "keyingtries= takes a number or %forever, not '5x'"},
		{"pfs=maybe", "pfs= takes yes or no, not 'maybe'"},
		{"ikev2=maybe",
		 "ikev2= takes no, never, permit, yes, propose or insist, not 'maybe'"},
		{"left=%defaultroute6", "left=%defaultroute6: this host has no IPv6 default route "
					"(Network is unreachable); "
					"give the address instead"},
	};
	char text[512];
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "conn a\n left=10.0.0.1\n right=%%any\n %s\n",
			 cases[i].line);
		expect_error(text, 4, cases[i].msg);
	}
	expect_error("config setup\n ikev1-policy=drop\n", 2,
		     "ikev1-policy=drop is not supported by oakley: it turns IKEv1 off, and oakley "
		     "speaks IKEv1 only");
	expect_error("config setup\n ikev1-policy=reject\n", 2,
		     "ikev1-policy=reject is not supported by oakley: it turns IKEv1 off, and "
		     "oakley speaks IKEv1 only");
	expect_error("config setup\n protostack=klips\n", 2,
		     "protostack=klips is not supported by oakley: oakley drives the Linux "
		     "kernel's XFRM (netkey) only");
	expect_error("config setup\n oe=yes\n", 2,
		     "oe=yes is not supported by oakley: oakley has no opportunistic encryption");
	expect_error("conn a\n left=10.0.0.1\n right=%any\n phase2=ah\n", 4,
		     "phase2=ah is not supported by oakley: oakley negotiates ESP only");
	expect_error("config setup\n ikev1-policy=sometimes\n", 2,
		     "ikev1-policy= takes accept, drop or reject, not 'sometimes'");
	/* no default route */
	route4 = "";
	expect_error("conn a\n right=%any\n left=%defaultroute\n", 3,
		     "left=%defaultroute: this host has no IPv4 default route (Network is "
		     "unreachable); give the address instead");
	route4 = "192.0.2.1";
	/* pfs=no contradicted by a group in phase2alg=, at the pfs= line */
	expect_error("conn a\n left=10.0.0.1\n right=%any\n pfs=no\n"
		     " phase2alg=aes128-sha1;modp2048\n",
		     4, "conn 'a': pfs=no, but phase2alg= asks for PFS with modp2048");
}

static void test_pfs_yes(void **state)
{
	struct loaded l;
	struct capture cap;
	const struct conn *c;
	unsigned i;
	char *log;

	/* one phase 1 group: Quick Mode's PFS takes it */
	c = &load_ok(&l,
		     "conn a\n left=10.0.0.1\n right=10.0.0.2\n pfs=yes\n"
		     " ike=aes256-sha2;modp3072\n phase2alg=aes128-sha1,aes256-sha2\n",
		     NULL)
		     ->conns[0];
	for (i = 0; i < c->esp.n; i++)
		assert_string_equal(c->esp.p[i].dh->name, "modp3072");
	loaded_free(&l);

	/* several: the first, with a notice */
	capture_start(&cap);
	c = &load_ok(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n pfs=yes\n ike=aes256-sha2\n",
		     NULL)
		     ->conns[0];
	log = capture_end(&cap);
	assert_contains(log, ":4: conn 'a': pfs=yes: Quick Mode's PFS group is modp2048, the "
			     "first ike= group");
	free(log);
	for (i = 0; i < c->esp.n; i++)
		assert_string_equal(c->esp.p[i].dh->name, "modp2048");
	loaded_free(&l);

	/* a group in phase2alg= wins */
	c = &load_ok(&l,
		     "conn a\n left=10.0.0.1\n right=10.0.0.2\n pfs=yes\n"
		     " ike=aes256-sha2;modp3072\n phase2alg=aes128-sha1;modp2048\n",
		     NULL)
		     ->conns[0];
	assert_string_equal(c->esp.p[0].dh->name, "modp2048");
	loaded_free(&l);

	/* pfs=no and nothing named: no PFS */
	c = &load_ok(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n pfs=no\n", NULL)->conns[0];
	for (i = 0; i < c->esp.n; i++)
		assert_null(c->esp.p[i].dh);
	loaded_free(&l);
}

/* The older setup-ipsec-vpn copies' keys: protostack=netkey and oe=off
 * taken, interfaces= and nat_traversal= ignored with notices, phase2=esp
 * and ike-frag= (fragmentation=) taken, sha2-truncbug=yes refused. */
static void test_older_copies(void **state)
{
	struct loaded l;
	struct capture cap;
	char *log;

	capture_start(&cap);
	load_ok(&l,
		"config setup\n"
		"  protostack=netkey\n"
		"  interfaces=%defaultroute\n"
		"  nat_traversal=yes\n"
		"  oe=off\n"
		"  logfile=/var/log/pluto.log\n"
		"conn a\n"
		"  left=10.0.0.1\n"
		"  right=%any\n"
		"  phase2=esp\n"
		"  ike-frag=no\n",
		NULL);
	log = capture_end(&cap);
	assert_contains(log, ":3: interfaces=%defaultroute ignored: oakleyd listens on every "
			     "address");
	assert_contains(log, ":4: nat_traversal=yes ignored: obsolete since Libreswan 3");
	assert_int_equal(l.c->conns[0].fragmentation, CONN_FRAG_NO);
	free(log);
	loaded_free(&l);
}

/* Accepted as they are: ikev2=permit (Libreswan: IKEv1), the next hops
 * (notice), keyingtries=%forever, sha2-truncbug=no, %defaultroute6. */
static void test_accepted(void **state)
{
	struct loaded l;
	struct capture cap;
	char *log;

	capture_start(&cap);
	load_ok(&l,
		"conn a\n left=10.0.0.1\n right=10.0.0.2\n ikev2=permit\n"
		" leftnexthop=%defaultroute\n rightnexthop=10.0.0.254\n"
		" keyingtries=%forever\n sha2_truncbug=no\n",
		NULL);
	log = capture_end(&cap);
	assert_contains(log, ":5: leftnexthop=%defaultroute ignored: the kernel's routing table "
			     "picks the next hop");
	assert_contains(log, ":6: rightnexthop=10.0.0.254 ignored");
	assert_contains(log, ":7: keyingtries=%forever ignored");
	free(log);
	loaded_free(&l);

	/* phase2alg= "aes" with no key length: 128 and 256 bits; esp= keeps
	 * strongSwan's meaning, 128 */
	load_ok(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n phase2alg=aes-sha1!\n", NULL);
	assert_int_equal(l.c->conns[0].esp.n, 2);
	assert_proposal(&l.c->conns[0].esp.p[0], "aes128", "sha1", NULL);
	assert_proposal(&l.c->conns[0].esp.p[1], "aes256", "sha1", NULL);
	loaded_free(&l);
	load_ok(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n esp=aes-sha1!\n", NULL);
	assert_int_equal(l.c->conns[0].esp.n, 1);
	loaded_free(&l);

	route6 = "2001:db8::1";
	load_ok(&l, "conn a\n left=%defaultroute6\n right=%any6\n", NULL);
	assert_addr(&l.c->conns[0].local.addr, "2001:db8::1");
	loaded_free(&l);
	route6 = "";
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_setupvpn_loads, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_pfs_yes, setup),
		cmocka_unit_test_setup(test_accepted, setup),
		cmocka_unit_test_setup(test_older_copies, setup),
	};

	log_setup(true, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
