/* NAT traversal (src/ike/natt.c, natt_child.c).  NAT-D hashes against an
 * independent computation of RFC 3947 3.2's formula, HASH(CKY-I | CKY-R |
 * IP | Port), with OpenSSL over bytes written out here; and two engines
 * with a NAT between them (the fixture's packets rewritten as a NAT
 * would), with none, and with forceencaps: who detects what, and the
 * Quick Mode mode proposed (UDP-encapsulated tunnel, RFC 3947's 3). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "exchange_fixture.h"
#include "ike/natt.h"
#include "ike/proposal.h"
#include "wire/isakmp.h"

static const uint8_t icky[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t rcky[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};

/* The RFC's concatenation, byte by byte, hashed by OpenSSL directly. */
static unsigned independent(const char *md, const uint8_t *ip, size_t iplen, uint16_t port,
			    uint8_t *out)
{
	uint8_t in[8 + 8 + 16 + 2];
	unsigned len = 0;
	size_t n = 0;

	memcpy(in, icky, 8);
	memcpy(in + 8, rcky, 8);
	memcpy(in + 16, ip, iplen);
	n = 16 + iplen;
	in[n++] = (uint8_t)(port >> 8);
	in[n++] = (uint8_t)port;
	assert_int_equal(EVP_Digest(in, n, out, &len, EVP_get_digestbyname(md), NULL), 1);
	return len;
}

static void check_hash(const char *md, const char *addr, uint16_t port, size_t want_len)
{
	struct sockaddr_storage ss;
	uint8_t ip[16], want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	bool v6 = strchr(addr, ':') != NULL;
	unsigned len;
	int n;

	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, addr, ip), 1);
	len = independent(md, ip, v6 ? 16 : 4, port, want);
	assert_int_equal(len, want_len);
	assert_int_equal(sockaddr_from_str(addr, port, &ss), 0);
	n = natt_hash(md, icky, rcky, (struct sockaddr *)&ss, got);
	assert_int_equal(n, (int)len);
	assert_memory_equal(got, want, len);
}

static void test_nat_d_hash(void **state)
{
	check_hash("SHA1", "192.0.2.1", 500, 20);
	check_hash("SHA1", "198.51.100.7", 4500, 20);
	check_hash("SHA256", "192.0.2.1", 500, 32);
	check_hash("MD5", "203.0.113.9", 1234, 16);
	check_hash("SHA256", "2001:db8::1", 500, 32);
	check_hash("SHA512", "2001:db8:1:2::ff", 4500, 64);
}

/* Another port or address, another hash: the detection relies on it. */
static void test_nat_d_hash_differs(void **state)
{
	struct sockaddr_storage a, b;
	uint8_t ha[64], hb[64];

	assert_int_equal(sockaddr_from_str("192.0.2.1", 500, &a), 0);
	assert_int_equal(sockaddr_from_str("192.0.2.1", 4500, &b), 0);
	assert_int_equal(natt_hash("SHA1", icky, rcky, (struct sockaddr *)&a, ha), 20);
	assert_int_equal(natt_hash("SHA1", icky, rcky, (struct sockaddr *)&b, hb), 20);
	assert_memory_not_equal(ha, hb, 20);
	assert_int_equal(natt_hash("SHA1", rcky, icky, (struct sockaddr *)&a, hb), 20);
	assert_memory_not_equal(ha, hb, 20);
}

static void test_encap_modes(void **state)
{
	assert_int_equal(natt_encap_plain(IPSEC_ENCAP_UDP_TUNNEL), IPSEC_ENCAP_TUNNEL);
	assert_int_equal(natt_encap_plain(IPSEC_ENCAP_UDP_TUNNEL_DRAFT), IPSEC_ENCAP_TUNNEL);
	assert_int_equal(natt_encap_plain(IPSEC_ENCAP_UDP_TRANSPORT), IPSEC_ENCAP_TRANSPORT);
	assert_int_equal(natt_encap_plain(IPSEC_ENCAP_UDP_TRANSPORT_DRAFT), IPSEC_ENCAP_TRANSPORT);
	assert_int_equal(natt_encap_plain(IPSEC_ENCAP_TUNNEL), IPSEC_ENCAP_TUNNEL);
	assert_string_equal(encap_name(IPSEC_ENCAP_UDP_TUNNEL), "UDP-encapsulated tunnel");
}

/* A draft-03 peer: NAT-D is payload 130, the destination's hash first
 * (RFC 3947 3.2), and the reader of it sees the NAT from the hashes. */
static void test_nat_d_draft_payloads(void **state)
{
	struct ike_daemon d = {0};
	struct conf cf = {0};
	struct conn c = {0};
	struct ike_sa sa = {0};
	struct sockaddr_storage seen;
	struct wire_builder w;
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_ID_PROT};
	struct ike_msg m = {0};
	struct buf b;
	uint8_t ip[4], want[EVP_MAX_MD_SIZE];

	d.conf = &cf;
	sa.d = &d;
	sa.conn = &c;
	sa.hash = alg_ike_hash(IKE_HASH_SHA1);
	assert_non_null(sa.hash);
	sa.peer_vendor.natt = NATT_DRAFT_03;
	memcpy(sa.icookie, icky, 8);
	memcpy(sa.rcookie, rcky, 8);
	assert_int_equal(sockaddr_from_str("192.0.2.2", 500, &seen), 0);
	sockaddr_inet_set(&sa.ep.remote, (struct sockaddr *)&seen);
	assert_int_equal(sockaddr_from_str("192.0.2.1", 500, &seen), 0);
	sockaddr_inet_set(&sa.ep.local, (struct sockaddr *)&seen);

	buf_init(&b);
	wire_build_start(&w, &b, &h);
	assert_int_equal(natt_add_nat_d(&sa, &w), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(wire_parse_header(b.data, b.len, &m.hdr), 0);
	assert_int_equal(
		wire_parse_chain(m.hdr.next_payload, b.data + 28, b.len - 28, false, &m.pl), 0);
	assert_int_equal(m.pl.n, 2);
	assert_int_equal(m.pl.p[0].type, ISAKMP_PL_NAT_D_DRAFT);
	assert_int_equal(m.pl.p[1].type, ISAKMP_PL_NAT_D_DRAFT);
	inet_pton(AF_INET, "192.0.2.2", ip);
	assert_int_equal(independent("SHA1", ip, 4, 500, want), 20);
	assert_int_equal(m.pl.p[0].body.len, 20);
	assert_memory_equal(m.pl.p[0].body.p, want, 20);
	inet_pton(AF_INET, "192.0.2.1", ip);
	independent("SHA1", ip, 4, 500, want);
	assert_memory_equal(m.pl.p[1].body.p, want, 20);

	/* Read by the peer (192.0.2.2:500), which sees it come from a NAT's
	 * 203.0.113.5:1234: the peer is behind none, we are. */
	assert_int_equal(sockaddr_from_str("192.0.2.2", 500, &m.local), 0);
	assert_int_equal(sockaddr_from_str("203.0.113.5", 1234, &m.from), 0);
	m.fd = -1;
	natt_detect(&sa, &m);
	assert_true(sa.natt.checked);
	assert_int_equal(sa.natt.behind, NATT_REMOTE);
	assert_int_equal(natt_encap_mode(&sa, true), IPSEC_ENCAP_UDP_TUNNEL_DRAFT);
	assert_int_equal(natt_encap_mode(&sa, false), IPSEC_ENCAP_UDP_TRANSPORT_DRAFT);
	buf_free(&b);
}

static void msg_from(struct ike_msg *m, const char *addr, uint16_t port, int fd)
{
	memset(m, 0, sizeof(*m));
	assert_int_equal(sockaddr_from_str(addr, port, &m->from), 0);
	assert_int_equal(sockaddr_from_str("192.0.2.2", fd == 8 ? 4500 : 500, &m->local), 0);
	m->fd = fd;
}

/* Whose messages an SA takes (natt_from_peer) and follows (natt_follow):
 * fd 7 is a port 500 socket, fd 8 a NAT-T one. */
static void test_follow_rules(void **state)
{
	struct ike_daemon d = {0};
	struct conf cf = {0};
	struct conn c = {.name = "site"};
	struct ike_sa sa = {0};
	struct sockaddr_storage ss;
	struct ike_msg m;

	d.conf = &cf;
	d.socks[0] = (struct ike_sock){7, AF_INET, false};
	d.socks[1] = (struct ike_sock){8, AF_INET, true};
	d.nsocks = 2;
	sa.d = &d;
	sa.conn = &c;
	sa.state = IKE_SA_NEGOTIATING;
	sa.peer_vendor.natt = NATT_RFC;
	sa.ep.fd = 7;
	assert_int_equal(sockaddr_from_str("198.51.100.1", 500, &ss), 0);
	sockaddr_inet_set(&sa.ep.remote, (struct sockaddr *)&ss);
	assert_true(natt_sock_is(&d, 8));
	assert_false(natt_sock_is(&d, 7));

	msg_from(&m, "198.51.100.1", 600, 7); /* another port on 500: no */
	assert_false(natt_from_peer(&sa, &m));
	msg_from(&m, "198.51.100.9", 4500, 8); /* another address while negotiating */
	assert_false(natt_from_peer(&sa, &m));
	msg_from(&m, "198.51.100.1", 4500, 8); /* the float */
	assert_true(natt_from_peer(&sa, &m));
	natt_follow(&sa, &m);
	assert_int_equal(sa.ep.fd, 8);
	assert_int_equal(sockaddr_port(&sa.ep.remote.sa), 4500);
	assert_int_equal(sockaddr_port(&sa.ep.local.sa), 4500);

	sa.state = IKE_SA_ESTABLISHED; /* a NAT's new address and port */
	msg_from(&m, "198.51.100.9", 30001, 8);
	assert_true(natt_from_peer(&sa, &m));
	natt_follow(&sa, &m);
	assert_true(sockaddr_equal(&sa.ep.remote.sa, (struct sockaddr *)&m.from));

	sa.peer_vendor.natt = NATT_NONE; /* no NAT-T: the endpoint only */
	msg_from(&m, "198.51.100.9", 4500, 8);
	assert_false(natt_from_peer(&sa, &m));
	msg_from(&m, "198.51.100.9", 30001, 8);
	assert_true(natt_from_peer(&sa, &m));
}

/* West behind a NAT whose outside address is 203.0.113.5: what west
 * sends arrives from 203.0.113.5:1234, what east sends to that arrives
 * at 192.0.2.1:500. */
static void nat_rewrite(struct net *n)
{
	struct sockaddr_storage pub, priv;
	struct pkt *p;

	assert_int_equal(sockaddr_from_str("203.0.113.5", 1234, &pub), 0);
	assert_int_equal(sockaddr_from_str("192.0.2.1", 500, &priv), 0);
	for (p = n->head; p; p = p->next) {
		if (p->to == EAST)
			p->from = pub;
		else if (sockaddr_addr_equal((struct sockaddr *)&p->local, (struct sockaddr *)&pub))
			p->local = priv;
	}
}

static void nat_send(void *arg, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	struct side *s = arg;

	net_send(arg, ep, msg, len);
	nat_rewrite(s->n);
}

static const char west_conf[] = "config setup\n"
				"\tdataplane=none\n"
				"\tretransmit_timeout=0.2\n"
				"conn site\n"
				"\tleft=192.0.2.1\n"
				"\tleftsubnet=10.1.0.0/24\n"
				"\tright=192.0.2.2\n"
				"\trightsubnet=10.2.0.0/24\n"
				"\tike=aes128-sha256-ecp256\n"
				"\tesp=aes128-sha256\n"
				"%s"
				"\tauto=add\n";
static const char east_conf[] = "config setup\n"
				"\tdataplane=none\n"
				"\tretransmit_timeout=0.2\n"
				"conn site\n"
				"\tleft=192.0.2.2\n"
				"\tleftsubnet=10.2.0.0/24\n"
				"\tright=%%any\n"
				"\trightsubnet=10.1.0.0/24\n"
				"\tike=aes128-sha256-ecp256\n"
				"\tesp=aes128-sha256\n"
				"%s"
				"\tauto=add\n";

static void net_start_nat_esp(struct net *n, bool nat, const char *west_extra,
			      const char *east_extra, const char *east_esp)
{
	char w[1024], e[1024], e0[1024];
	int i;

	snprintf(w, sizeof(w), west_conf, west_extra);
	snprintf(e0, sizeof(e0), east_conf, east_extra);
	replace(e, sizeof(e), e0, "esp=aes128-sha256", east_esp);
	net_start_secrets(n, w, e, ": PSK \"same secret\"\n", ": PSK \"same secret\"\n");
	if (nat)
		for (i = 0; i < 2; i++)
			n->d[i]->send = nat_send;
}

static void net_start_nat(struct net *n, bool nat, const char *west_extra, const char *east_extra)
{
	net_start_nat_esp(n, nat, west_extra, east_extra, "esp=aes128-sha256");
}

static void up_and_check(struct net *n, uint8_t west_behind, uint8_t east_behind, uint16_t mode)
{
	const struct ike_sa *w, *e;

	net_up(n);
	assert_true(n->ok);
	net_run_ms(n, 100); /* QM3 reaches east */
	w = n->d[WEST]->sas;
	e = n->d[EAST]->sas;
	assert_non_null(w);
	assert_non_null(e);
	assert_int_equal(w->peer_vendor.natt, NATT_RFC);
	assert_int_equal(e->peer_vendor.natt, NATT_RFC);
	assert_true(w->natt.checked);
	assert_true(e->natt.checked);
	assert_int_equal(w->natt.behind, west_behind);
	assert_int_equal(e->natt.behind, east_behind);
	assert_int_equal(natt_encap_mode(w, true), mode);
	assert_int_equal(natt_encap_mode(e, true), mode);
	/* the Quick Mode agreed (an encapsulated mode fits the plain one) */
	only_child(n->d[WEST]);
	only_child(n->d[EAST]);
}

static void test_no_nat(void **state)
{
	struct net n;

	net_start_nat(&n, false, "", "");
	up_and_check(&n, 0, 0, IPSEC_ENCAP_TUNNEL);
	assert_string_equal(natt_where(n.d[WEST]->sas), "none");
	net_stop(&n);
}

static void test_west_behind_nat(void **state)
{
	struct net n;

	net_start_nat(&n, true, "", "");
	up_and_check(&n, NATT_LOCAL, NATT_REMOTE, IPSEC_ENCAP_UDP_TUNNEL);
	assert_string_equal(natt_where(n.d[WEST]->sas), "local");
	assert_string_equal(natt_where(n.d[EAST]->sas), "remote");
	net_stop(&n);
}

static void test_west_behind_nat_aggressive(void **state)
{
	struct net n;

	net_start_nat(&n, true, "\taggressive=yes\n", "\taggressive=yes\n");
	up_and_check(&n, NATT_LOCAL, NATT_REMOTE, IPSEC_ENCAP_UDP_TUNNEL);
	assert_int_equal(n.d[WEST]->sas->exchange, ISAKMP_XCHG_AGGRESSIVE);
	net_stop(&n);
}

/* forceencaps at west, no NAT: its faked NAT-D makes east see one. */
static void test_forceencaps(void **state)
{
	struct net n;

	net_start_nat(&n, false, "\tforceencaps=yes\n", "");
	up_and_check(&n, 0, NATT_REMOTE, IPSEC_ENCAP_UDP_TUNNEL);
	assert_true(n.d[WEST]->sas->natt.forced);
	assert_string_equal(natt_where(n.d[WEST]->sas), "none, encapsulation forced");
	net_stop(&n);
}

/* Behind a NAT the peer offers "UDP-encapsulated tunnel": against our
 * tunnel that is no difference; the explanation names the cipher only. */
static void test_mismatch_ignores_encapsulation(void **state)
{
	const char *why;
	struct net n;

	net_start_nat_esp(&n, true, "", "", "esp=aes256-sha256!");
	net_up(&n);
	assert_false(n.ok);
	why = net_failure(&n, EAST, "site");
	assert_non_null(why);
	assert_string_equal(
		why, "no proposal chosen: peer offered AES_CBC-128/HMAC_SHA2_256 "
		     "UDP-encapsulated tunnel, AES_CBC-128/HMAC_SHA1 UDP-encapsulated tunnel; "
		     "closest local proposal esp=aes256-sha256 "
		     "differs in cipher (AES_CBC-128 vs AES_CBC-256)");
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat_d_hash),
		cmocka_unit_test(test_nat_d_hash_differs),
		cmocka_unit_test(test_encap_modes),
		cmocka_unit_test(test_nat_d_draft_payloads),
		cmocka_unit_test(test_follow_rules),
		cmocka_unit_test(test_no_nat),
		cmocka_unit_test(test_west_behind_nat),
		cmocka_unit_test(test_west_behind_nat_aggressive),
		cmocka_unit_test(test_forceencaps),
		cmocka_unit_test(test_mismatch_ignores_encapsulation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
