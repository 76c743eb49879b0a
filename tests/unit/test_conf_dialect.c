/* strongSwan's and Libreswan's conn keys (src/conf/dialect.c, conn.c):
 * each line of the table is a snippet put into a conn, and what oakley
 * must do with it: take it silently, take it with a one-line notice (the
 * text logged at FILE:LINE), or refuse the file with "FILE:LINE: KEY=VALUE
 * is not supported by oakley: why".  Then the skipping of IKEv2 conns, and
 * include, also=, %default, %defaultroute, %any, %any6 and %none as both
 * dialects mean them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "conf/helpers.h"
#include "conf/internal.h"

enum outcome { TAKEN, NOTICE, REFUSED };

static const struct dialect_case {
	const char *line;
	enum outcome what;
	const char *text; /* NOTICE: after "FILE:4: "; REFUSED: the error after it */
} cases[] = {
	{"leftupdown=/usr/lib/ipsec/_updown iptables", NOTICE,
	 "leftupdown=/usr/lib/ipsec/_updown iptables ignored: oakley runs no updown script"},
	{"rightupdown=/bin/true", NOTICE, "rightupdown=/bin/true ignored: oakley runs no updown"},
	{"leftupdown=%disabled", TAKEN, NULL},
	{"leftfirewall=yes", NOTICE,
	 "leftfirewall=yes ignored: oakley installs no firewall rules; the IPsec policies "
	 "protect the traffic all the same"},
	{"rightfirewall=yes", NOTICE, "rightfirewall=yes ignored: oakley installs no firewall"},
	{"leftfirewall=no", TAKEN, NULL},
	{"lefthostaccess=yes", NOTICE, "lefthostaccess=yes ignored: oakley installs no firewall"},
	{"reauth=yes", TAKEN, NULL},
	{"reauth=no", NOTICE,
	 "reauth=no ignored: in IKEv1 every new ISAKMP SA is a whole Main or Aggressive Mode"},
	{"closeaction=restart", NOTICE, "closeaction=restart ignored: oakley starts a conn again"},
	{"closeaction=none", TAKEN, NULL},
	{"mobike=yes", NOTICE, "mobike=yes ignored: an IKEv2 feature; oakley speaks IKEv1"},
	{"mobike=no", TAKEN, NULL},
	{"eap_identity=%identity", NOTICE, "eap_identity=%identity ignored: an IKEv2 feature"},
	{"narrowing=yes", NOTICE, "narrowing=yes ignored: an IKEv2 feature"},
	{"inactivity=30m", NOTICE, "inactivity=30m ignored: oakley keeps an idle CHILD_SA"},
	{"reqid=5", NOTICE, "reqid=5 ignored: oakley numbers its SAs' reqids itself"},
	{"nat-keepalive=no", NOTICE, "nat-keepalive=no ignored: oakley's keep_alive="},
	{"nat-keepalive=yes", TAKEN, NULL},
	{"retransmit-timeout=60s", NOTICE, "retransmit-timeout=60s ignored: config setup's"},
	{"leftupdown=%none", TAKEN, NULL},
	{"mark=0x10", REFUSED,
	 "mark=0x10 is not supported by oakley: oakley installs no XFRM marks, so the SAs would "
	 "match other traffic than the mark selects"},
	{"mark_in=1/0xff", REFUSED,
	 "mark_in=1/0xff is not supported by oakley: oakley installs "
	 "no XFRM marks, so the SAs would match other traffic than "
	 "the mark selects"},
	{"mark-out=7", REFUSED,
	 "mark-out=7 is not supported by oakley: oakley installs no XFRM "
	 "marks, so the SAs would match other traffic than the mark "
	 "selects"},
	{"compress=yes", REFUSED,
	 "compress=yes is not supported by oakley: oakley does not "
	 "negotiate IPComp"},
	{"compress=no", TAKEN, NULL},
	{"installpolicy=no", REFUSED,
	 "installpolicy=no is not supported by oakley: oakley always installs the policies, "
	 "which would protect traffic another daemon handles"},
	{"installpolicy=yes", TAKEN, NULL},
	{"tfc=%mtu", REFUSED,
	 "tfc=%mtu is not supported by oakley: oakley sends no traffic flow "
	 "confidentiality padding"},
	{"lifepackets=1000", REFUSED,
	 "lifepackets=1000 is not supported by oakley: oakley limits "
	 "an SA by time and bytes only, so it would live longer"},
	{"rightgroups=admins", REFUSED,
	 "rightgroups=admins is not supported by oakley: oakley checks no group membership, so "
	 "more peers would authenticate"},
	{"rightrsasigkey=%cert", TAKEN, NULL},
	{"rightrsasigkey=0sAQO", REFUSED,
	 "rightrsasigkey=0sAQO is not supported by oakley: oakley takes raw keys only as "
	 "leftcert= / ipsec.secrets (': RSA FILE'), so the peer would be authenticated against "
	 "another key"},
	{"leftvti=10.0.9.1/24", REFUSED,
	 "leftvti=10.0.9.1/24 is not supported by oakley: oakley installs policies, not VTI or "
	 "XFRM interfaces, which would route other traffic into the SAs"},
	{"failureshunt=passthrough", REFUSED,
	 "failureshunt=passthrough is not supported by oakley: oakley never lets a conn's "
	 "traffic pass in clear"},
	{"failureshunt=drop", TAKEN, NULL},
	{"esn=yes", REFUSED,
	 "esn=yes is not supported by oakley: oakley negotiates 32-bit "
	 "sequence numbers only"},
	{"sha256_96=yes", REFUSED,
	 "sha256_96=yes is not supported by oakley: oakley truncates HMAC-SHA2-256 to 128 bits "
	 "(RFC 4868) and cannot speak the 96-bit bug"},
	{"auto=route", NOTICE,
	 "auto=route taken as auto=add: oakley installs no trap policy; bring the conn up with "
	 "oakleyctl up or auto=start"},
	{"auto=ondemand", NOTICE, "auto=ondemand taken as auto=add"},
	{"authby=never", REFUSED,
	 "authby=never is not supported by oakley: oakley authenticates IKEv1 with secret, "
	 "rsasig, ecdsasig and XAUTH on top of them"},
	{"type=drop", REFUSED,
	 "type=drop is not supported by oakley: oakley installs only IPsec policies; this conn "
	 "would leave its traffic unprotected or dropped"},
	{"right=%opportunisticgroup", REFUSED,
	 "right=%opportunisticgroup is not supported by oakley: oakley takes an address, %any, "
	 "%any6, %defaultroute or %defaultroute6 here"},
	{"rightid=%none", TAKEN, NULL},
	{"leftcert=%none", TAKEN, NULL},
	{"keyexchange=ikev1", TAKEN, NULL},
	{"x-comment=\"anything at all\"", TAKEN, NULL},
	{"auth=esp", TAKEN, NULL},
	{"auth=ah", REFUSED, "auth=ah is not supported by oakley: oakley negotiates ESP only"},
	{"pfsgroup=modp2048", REFUSED,
	 "pfsgroup=modp2048 is not supported by oakley: write the PFS group in esp= (for example "
	 "aes128-sha1-modp2048)"},
	{"if_id_in=42", REFUSED,
	 "if_id_in=42 is not supported by oakley: oakley installs policies, not VTI or XFRM "
	 "interfaces, which would route other traffic into the SAs"},
	{"mark=", TAKEN, NULL},
	{"hw_offload=yes", NOTICE, "hw_offload=yes ignored: oakley installs SAs without hardware"},
	{"leftnexthop=%direct", NOTICE, "leftnexthop=%direct ignored"},
	{"ikev2=never", TAKEN, NULL},
	{"ikev2=no", TAKEN, NULL},
};

/* The snippet as line 4 of conn a, whose right end is a responder's. */
static void one_case(const struct dialect_case *c)
{
	struct capture cap;
	struct loaded l;
	char text[512], want[1024], *log;

	snprintf(text, sizeof(text), "conn a\n left=10.0.0.1\n right=%%any\n %s\n", c->line);
	capture_start(&cap);
	load_text(&l, text, NULL);
	log = capture_end(&cap);
	if (c->what == REFUSED) {
		snprintf(want, sizeof(want), "%s:4: %s", l.conf_path, c->text);
		if (l.ret != -EINVAL || strcmp(l.err, want))
			fail_msg("%s: want -EINVAL \"%s\"\n got %d \"%s\"", c->line, want, l.ret,
				 l.err);
	} else {
		if (l.ret)
			fail_msg("%s: want taken, got %d \"%s\"", c->line, l.ret, l.err);
		assert_int_equal(l.c->nconns, 1);
		if (c->what == NOTICE) {
			snprintf(want, sizeof(want), "%s:4: %s", l.conf_path, c->text);
			assert_contains(log, want);
		} else if (strstr(log, l.conf_path)) {
			fail_msg("%s: taken silently, but logged:\n%s", c->line, log);
		}
	}
	free(log);
	loaded_free(&l);
}

static void test_dialect_table(void **state)
{
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one_case(&cases[i]);
}

/* config setup: the same three outcomes, at line 2. */
static const struct dialect_case setup_cases[] = {
	{"cachecrls=yes", NOTICE, "cachecrls=yes ignored: oakley reads CRLs from crls/"},
	{"cachecrls=no", TAKEN, NULL},
	{"logtime=yes", NOTICE, "logtime=yes ignored: oakleyd logs to syslog or the journal"},
	{"nhelpers=4", NOTICE, "nhelpers=4 ignored: threads= sets oakley's crypto threads"},
	{"listen=192.0.2.1", NOTICE, "listen=192.0.2.1 ignored: oakleyd listens on every address"},
	{"strictcrlpolicy=no", TAKEN, NULL},
	{"strictcrlpolicy=yes", REFUSED,
	 "strictcrlpolicy=yes is not supported by oakley: oakley checks the CRLs in crls/ only, "
	 "so a certificate without a fresh CRL would be accepted"},
	{"crl-strict=yes", REFUSED,
	 "crl-strict=yes is not supported by oakley: oakley checks the "
	 "CRLs in crls/ only, so a certificate without a fresh CRL "
	 "would be accepted"},
	{"ocsp-enable=yes", REFUSED,
	 "ocsp-enable=yes is not supported by oakley: oakley does no "
	 "OCSP, so revoked certificates would be accepted"},
	{"myid=@gw", REFUSED, "myid=@gw is not supported by oakley: write leftid= in the conns"},
	{"secretsfile=/etc/other.secrets", REFUSED,
	 "secretsfile=/etc/other.secrets is not supported by oakley: oakleyd -s names the secrets "
	 "file, so other secrets would be used"},
	{"ikeport=500", TAKEN, NULL},
	{"ikeport=5000", NOTICE, "ikeport=5000 ignored: oakleyd -p sets the IKE port"},
};

static void test_setup_table(void **state)
{
	const struct dialect_case *c;
	struct capture cap;
	struct loaded l;
	char text[512], want[1024], *log;
	unsigned i;

	for (i = 0; i < sizeof(setup_cases) / sizeof(setup_cases[0]); i++) {
		c = &setup_cases[i];
		snprintf(text, sizeof(text),
			 "config setup\n %s\nconn a\n left=10.0.0.1\n right=%%any\n", c->line);
		capture_start(&cap);
		load_text(&l, text, NULL);
		log = capture_end(&cap);
		snprintf(want, sizeof(want), "%s:2: %s", l.conf_path, c->text ? c->text : "");
		if (c->what == REFUSED) {
			if (l.ret != -EINVAL || strcmp(l.err, want))
				fail_msg("%s: want -EINVAL \"%s\"\n got %d \"%s\"", c->line, want,
					 l.ret, l.err);
		} else if (l.ret) {
			fail_msg("%s: want taken, got %d \"%s\"", c->line, l.ret, l.err);
		} else if (c->what == NOTICE) {
			assert_contains(log, want);
		} else if (strstr(log, l.conf_path)) {
			fail_msg("%s: taken silently, but logged:\n%s", c->line, log);
		}
		free(log);
		loaded_free(&l);
	}
}

/* auto=route is add: the conn is there, not started. */
static void test_auto_route_is_add(void **state)
{
	struct loaded l;

	load_ok(&l, "conn a\n left=10.0.0.1\n right=10.0.0.2\n auto=route\n", NULL);
	assert_int_equal(l.c->nconns, 1);
	assert_int_equal(l.c->conns[0].auto_, AUTO_ADD);
	loaded_free(&l);
}

/* A shared file: the IKEv2 conns (both spellings) are skipped with a
 * notice at their conn line; the IKEv1 ones load. */
static void test_ikev2_conns_skipped(void **state)
{
	struct capture cap;
	struct loaded l;
	char want[512], *log;

	capture_start(&cap);
	load_text(&l,
		  "conn v2\n left=10.0.0.1\n right=10.0.0.2\n keyexchange=ikev2\n mobike=yes\n"
		  "conn ls\n left=10.0.0.1\n right=10.0.0.3\n ikev2=insist\n"
		  "conn ike\n left=10.0.0.1\n right=10.0.0.5\n keyexchange=ike\n"
		  "conn v1\n left=10.0.0.1\n right=10.0.0.4\n keyexchange=ikev1\n",
		  NULL);
	log = capture_end(&cap);
	if (l.ret)
		fail_msg("%d %s", l.ret, l.err);
	assert_int_equal(l.c->nconns, 1);
	assert_string_equal(l.c->conns[0].name, "v1");
	snprintf(want, sizeof(want),
		 "%s:1: conn 'v2' skipped: keyexchange= at %s:4 makes it an IKEv2 conn, and "
		 "oakley speaks IKEv1 only",
		 l.conf_path, l.conf_path);
	assert_contains(log, want);
	snprintf(want, sizeof(want), "%s:6: conn 'ls' skipped: ikev2= at %s:9", l.conf_path,
		 l.conf_path);
	assert_contains(log, want);
	snprintf(want, sizeof(want), "%s:10: conn 'ike' skipped", l.conf_path);
	assert_contains(log, want);
	free(log);
	loaded_free(&l);
}

/* An IKEv2 conn is skipped whatever it holds: a value oakley refuses, or
 * a key it does not know, refuses the file only when an IKEv1 conn has it
 * (its own, an also= section's, or %default's), with its own FILE:LINE. */
static void test_ikev2_refusals_skipped(void **state)
{
	struct loaded l;
	char want[512];

	load_ok(&l,
		"conn v2\n left=10.0.0.1\n right=10.0.0.2\n authby=rsa-sha2\n"
		" leftsubnet=10.0.0.0/8\n rightsubnet=10.9.0.0/16\n if_id_in=5\n"
		" pfs-group=modp2048\n keyexchange=ikev2\n"
		"conn v1\n left=10.0.0.1\n right=10.0.0.3\n",
		NULL);
	assert_int_equal(l.c->nconns, 1);
	assert_string_equal(l.c->conns[0].name, "v1");
	loaded_free(&l);

	/* the same refusal in a base that an IKEv1 conn takes */
	load_text(&l,
		  "conn base\n authby=rsa-sha2\n keyexchange=ikev2\n auto=ignore\n"
		  "conn v1\n left=10.0.0.1\n right=10.0.0.3\n also=base\n keyexchange=ikev1\n",
		  NULL);
	snprintf(want, sizeof(want),
		 "%s:2: authby=rsa-sha2 is not supported by oakley: oakley authenticates IKEv1 "
		 "with secret, rsasig, ecdsasig and XAUTH on top of them",
		 l.conf_path);
	assert_int_equal(l.ret, -EINVAL);
	assert_string_equal(l.err, want);
	assert_null(l.c);
	loaded_free(&l);

	/* in %default, with an IKEv1 conn in the file */
	load_text(&l,
		  "conn %default\n mark=5\n keyexchange=ikev2\n"
		  "conn v2\n left=10.0.0.1\n right=10.0.0.2\n"
		  "conn v1\n left=10.0.0.1\n right=10.0.0.3\n keyexchange=ikev1\n",
		  NULL);
	snprintf(want, sizeof(want),
		 "%s:2: mark=5 is not supported by oakley: oakley installs no "
		 "XFRM marks, so the SAs would match other traffic than the "
		 "mark selects",
		 l.conf_path);
	assert_int_equal(l.ret, -EINVAL);
	assert_string_equal(l.err, want);
	loaded_free(&l);

	/* an IKEv1 conn's own refusal, after its section ended */
	expect_error("conn a\n left=10.0.0.1\n right=10.0.0.2\n compress=yes\n foo=1\n"
		     "conn b\n left=10.0.0.1\n right=10.0.0.4\n",
		     4,
		     "compress=yes is not supported by oakley: oakley does not negotiate IPComp");
}

/* keyexchange=ikev2 in %default or an also= base: a conn that says
 * ikev1 is taken, the others are skipped. */
static void test_ikev2_default_overridden(void **state)
{
	struct loaded l;

	load_ok(&l,
		"conn %default\n keyexchange=ikev2\n left=10.0.0.1\n"
		"conn base\n ikev2=insist\n auto=ignore\n"
		"conn v2\n right=10.0.0.2\n"
		"conn v1\n right=10.0.0.3\n keyexchange=ikev1\n"
		"conn v1b\n right=10.0.0.4\n also=base\n ikev2=no\n"
		"conn v2b\n right=10.0.0.5\n also=base\n"
		"conn v1c\n right=10.0.0.6\n also=v1\n",
		NULL);
	assert_int_equal(l.c->nconns, 3);
	assert_string_equal(l.c->conns[0].name, "v1");
	assert_string_equal(l.c->conns[1].name, "v1b");
	assert_string_equal(l.c->conns[2].name, "v1c");
	assert_addr(&l.c->conns[2].remote.addr, "10.0.0.6");
	loaded_free(&l);
}

/* %none: no ID of its own (the address is the ID), and %default's is not
 * filled in; no certificate. */
static void test_none(void **state)
{
	struct loaded l;

	load_ok(&l,
		"conn %default\n rightid=@peer.example\n leftid=@me.example\n"
		"conn a\n left=10.0.0.1\n right=10.0.0.2\n rightid=%none\n leftcert=%none\n",
		NULL);
	assert_int_equal(l.c->nconns, 1);
	assert_id(&l.c->conns[0].remote.id, "10.0.0.2");
	assert_id(&l.c->conns[0].local.id, "me.example");
	assert_int_equal(l.c->conns[0].local.cert, 0);
	loaded_free(&l);
}

/* %any and %any6: a responder's peer at any address; %defaultroute: the
 * default route's source; %default under also= chains, strongSwan's
 * precedence (own keys, the last also= first, then %default). */
static struct conf_addr stub_route;

static int stub_probe(int family, struct conf_addr *out)
{
	if (family != AF_INET)
		return -ENETUNREACH;
	*out = stub_route;
	return 0;
}

static void test_any_defaultroute_also(void **state)
{
	struct loaded l;

	assert_int_equal(conf_addr_parse("192.0.2.1", &stub_route), 0);
	conf_route_probe = stub_probe;
	load_ok(&l,
		"conn %default\n ikelifetime=2h\n lifetime=30m\n left=%defaultroute\n"
		"conn one\n lifetime=20m\n auto=ignore\n"
		"conn two\n lifetime=10m\n ikelifetime=3h\n also=one\n auto=ignore\n"
		"conn a\n right=%any\n also=one\n also=two\n auto=add\n"
		"conn b\n left=2001:db8::1\n right=%any6\n also=one\n auto=add\n",
		NULL);
	/* one and two have an end here too: loaded, never started */
	assert_int_equal(l.c->nconns, 4);
	assert_string_equal(l.c->conns[2].name, "a");
	assert_int_equal(l.c->conns[2].auto_, AUTO_ADD);
	assert_addr(&l.c->conns[2].local.addr, "192.0.2.1");
	assert_int_equal(l.c->conns[2].remote.addr.family, AF_UNSPEC);
	assert_int_equal(l.c->conns[2].lifetime_s, 600); /* two, the last also= */
	assert_int_equal(l.c->conns[2].ikelifetime_s, 3 * 3600);
	assert_string_equal(l.c->conns[3].name, "b");
	assert_addr(&l.c->conns[3].local.addr, "2001:db8::1");
	assert_int_equal(l.c->conns[3].remote.addr.family, AF_UNSPEC);
	assert_int_equal(l.c->conns[3].lifetime_s, 1200);
	assert_int_equal(l.c->conns[3].ikelifetime_s, 2 * 3600); /* %default */
	loaded_free(&l);
}

/* include with a relative pattern: a conn file per peer, and one IKEv2
 * file among them skipped. */
static void test_include(void **state)
{
	char dir[] = "/tmp/oakley-dialect-XXXXXX", path[128], sub[128], f[3][160];
	struct loaded l;
	FILE *fp;
	unsigned i;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/ipsec.d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(f[0], sizeof(f[0]), "%s/a.conf", sub);
	snprintf(f[1], sizeof(f[1]), "%s/b.conf", sub);
	snprintf(f[2], sizeof(f[2]), "%s/ipsec.conf", dir);
	fp = fopen(f[0], "w");
	assert_non_null(fp);
	fputs("conn a\n right=10.0.0.2\n also=base\n", fp);
	fclose(fp);
	fp = fopen(f[1], "w");
	assert_non_null(fp);
	fputs("conn b\n right=10.0.0.3\n keyexchange=ikev2\n also=base\n", fp);
	fclose(fp);
	fp = fopen(f[2], "w");
	assert_non_null(fp);
	fputs("conn base\n left=10.0.0.1\n auto=ignore\ninclude ipsec.d/*.conf\n", fp);
	fclose(fp);
	memset(&l, 0, sizeof(l));
	l.ret = conf_load(f[2], NULL, stub_is_local, (void *)here, &l.c, l.err, sizeof(l.err));
	if (l.ret)
		fail_msg("%d %s", l.ret, l.err);
	/* base (left here, right=%any) and a; b is IKEv2 */
	assert_int_equal(l.c->nconns, 2);
	assert_string_equal(l.c->conns[0].name, "base");
	assert_string_equal(l.c->conns[1].name, "a");
	assert_addr(&l.c->conns[1].remote.addr, "10.0.0.2");
	conf_free(l.c);
	for (i = 0; i < 3; i++)
		unlink(f[i]);
	rmdir(sub);
	snprintf(path, sizeof(path), "%s", dir);
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dialect_table),
		cmocka_unit_test(test_setup_table),
		cmocka_unit_test(test_auto_route_is_add),
		cmocka_unit_test(test_ikev2_conns_skipped),
		cmocka_unit_test(test_ikev2_default_overridden),
		cmocka_unit_test(test_ikev2_refusals_skipped),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_any_defaultroute_also),
		cmocka_unit_test(test_include),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
