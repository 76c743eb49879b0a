/* Certificates through the real engine (exchange_fixture.h, cert_fixture.h):
 * RSA and ECDSA signatures in Main and Aggressive Mode, chains, DN and
 * subjectAltName IDs, and every refusal worded on both sides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cert_fixture.h"
#include "ctl/ctl.h"
#include "ctl/status.h"
#include "ike/creds.h"

#define MM "\tauto=add"
#define AM "\taggressive=yes\n\tauto=add"

#define WEST_DN "C=CH, O=oakley, CN=west"
#define EAST_DN "C=CH, O=oakley, CN=east"

/* Both sides established, west's view of east's certificate. */
static void assert_up_with(struct net *n, uint16_t method, const char *peer_subject)
{
	int i;

	assert_true(n->ok);
	assert_string_equal(n->why, "established");
	net_run_ms(n, 50);
	for (i = 0; i < 2; i++) {
		const struct ike_sa *sa = n->d[i]->sas;

		assert_non_null(sa);
		assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
		assert_int_equal(sa->auth, method);
		assert_non_null(sa->peer_cert);
	}
	assert_non_null(n->d[WEST]->children);
	if (peer_subject) {
		struct buf out = {0};

		status_text(n->d[WEST], &out);
		buf_put_u8(&out, 0);
		assert_non_null(strstr((char *)out.data, peer_subject));
		buf_free(&out);
	}
}

static void run_up(const char *extra, const struct cert_side *w, const struct cert_side *e,
		   uint16_t method, const char *subject)
{
	struct net n;

	net_start_certs(&n, extra, w, e);
	net_up(&n);
	assert_up_with(&n, method, subject);
	net_stop_certs(&n);
}

static void test_rsa_main_mode(void **state)
{
	struct cert_side w = {.cert = "west-rsa", .rightid = EAST_DN};
	struct cert_side e = {.cert = "east-rsa", .rightid = WEST_DN};

	run_up(MM, &w, &e, IKE_AUTH_RSA_SIG,
	       "peer certificate: C=CH, O=oakley, CN=east, issuer C=CH, O=oakley, CN=Test CA");
}

static void test_ecdsa256_main_mode(void **state)
{
	struct cert_side w = {.cert = "west-ec256"};
	struct cert_side e = {.cert = "east-ec256"};

	run_up(MM, &w, &e, IKE_AUTH_ECDSA_256, "ECDSA P-256 signature");
}

static void test_ecdsa384_main_mode(void **state)
{
	struct cert_side w = {.cert = "west-ec384"};
	struct cert_side e = {.cert = "east-ec384"};

	run_up(MM, &w, &e, IKE_AUTH_ECDSA_384, "ECDSA P-384 signature");
}

static void test_ecdsa521_main_mode(void **state)
{
	struct cert_side w = {.cert = "west-ec521"};
	struct cert_side e = {.cert = "east-ec521"};

	run_up(MM, &w, &e, IKE_AUTH_ECDSA_521, "ECDSA P-521 signature");
}

/* ECDSA in Aggressive Mode, east the initiator. */
static void test_ecdsa256_aggressive_from_east(void **state)
{
	struct cert_side w = {.cert = "west-ec256", .rightid = "@east.example"};
	struct cert_side e = {.cert = "east-ec256", .leftid = "@east.example"};
	struct net n;

	net_start_certs(&n, AM, &w, &e);
	net_up_at(&n, EAST, "site");
	assert_up_with(&n, IKE_AUTH_ECDSA_256, NULL);
	net_stop_certs(&n);
}

static void test_rsa_aggressive_mode(void **state)
{
	struct cert_side w = {.cert = "west-rsa", .rightid = EAST_DN};
	struct cert_side e = {.cert = "east-rsa", .rightid = WEST_DN};

	run_up(AM, &w, &e, IKE_AUTH_RSA_SIG, "peer certificate: C=CH, O=oakley, CN=east");
}

/* West's certificate is from the intermediate CA, which it sends after
 * it (the leftcert file holds both); east trusts only the root. */
static void test_chain_in_leftcert_file(void **state)
{
	struct cert_side w = {.cert = "chain-west-int.pem", .key = "west-int"};
	struct cert_side e = {.cert = "east-rsa"};

	run_up(MM, &w, &e, IKE_AUTH_RSA_SIG, NULL);
}

/* The intermediate in west's cacerts/ instead: still sent, never trusted
 * for a peer by itself. */
static void test_chain_from_cacerts(void **state)
{
	struct cert_side w = {.cert = "west-int", .cacerts = {"ca", "int"}};
	struct cert_side e = {.cert = "east-int", .cacerts = {"ca", "int"}};

	run_up(MM, &w, &e, IKE_AUTH_RSA_SIG, "issuer C=CH, O=oakley, CN=Test Intermediate CA");
}

/* subjectAltName IDs: FQDN, user FQDN, address. */
static void test_san_ids(void **state)
{
	static const char *const ids[][2] = {
		{"@west.example", "@east.example"},
		{"west@example.com", "east@example.com"},
		{"192.0.2.1", "192.0.2.2"},
	};
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct cert_side w = {
			.cert = "west-rsa", .leftid = ids[i][0], .rightid = ids[i][1]};
		struct cert_side e = {
			.cert = "east-rsa", .leftid = ids[i][1], .rightid = ids[i][0]};

		run_up(MM, &w, &e, IKE_AUTH_RSA_SIG, NULL);
	}
}

/* rightid with a wildcard, and rightca= naming the root. */
static void test_dn_wildcard_rightid(void **state)
{
	struct cert_side w = {.cert = "west-rsa",
			      .rightid = "C=CH, O=oakley, CN=*",
			      .rightca = "C=CH, O=oakley, CN=Test CA"};
	struct cert_side e = {.cert = "east-rsa", .rightid = "C=CH, O=*, CN=west"};

	run_up(MM, &w, &e, IKE_AUTH_RSA_SIG, NULL);
}

/* The pinned peer certificate stands in for one it does not send. */
static void test_rightcert_without_cert_payload(void **state)
{
	struct cert_side w = {.cert = "west-rsa", .rightcert = "east-rsa"};
	struct cert_side e = {.cert = "east-rsa", .sendcert = SENDCERT_NEVER};

	run_up(MM, &w, &e, IKE_AUTH_RSA_SIG, NULL);
}

/* --- refusals: the refusing side's sentence, the other side's notify -- */

/* West refuses east's MM6: its reason in up's answer, east hears the
 * notify under the keys (and a Delete). */
static void refused_by_west(const char *extra, const struct cert_side *w, const struct cert_side *e,
			    const char *west_why, const char *east_why)
{
	struct net n;

	net_start_certs(&n, extra, w, e);
	net_up(&n);
	net_run_ms(&n, 100);
	assert_false(n.ok);
	assert_string_equal(n.why, west_why);
	assert_string_equal(net_failure(&n, WEST, "site"), west_why);
	assert_non_null(net_failure(&n, EAST, "site"));
	assert_string_equal(net_failure(&n, EAST, "site"), east_why);
	net_stop_certs(&n);
}

/* East initiates, west refuses its MM5 in the clear: east's up fails
 * with the notify as its reason. */
static void refused_by_responder(const struct cert_side *w, const struct cert_side *e,
				 const char *west_why, const char *east_why)
{
	struct net n;

	net_start_certs(&n, MM, w, e);
	net_up_at(&n, EAST, "site");
	net_run_ms(&n, 100);
	assert_false(n.ok);
	assert_non_null(strstr(n.why, east_why));
	assert_string_equal(net_failure(&n, WEST, "site"), west_why);
	net_stop_certs(&n);
}

static void test_expired(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct cert_side e = {.cert = "east-rsa", .key = "east-expired"};

	e.cert = "east-expired";
	refused_by_west(MM, &w, &e, "certificate for CN=east expired 2026-01-01",
			"peer refused: it sent INVALID_CERTIFICATE");
	refused_by_responder(&w, &e, "certificate for CN=east expired 2026-01-01",
			     "peer refused: it sent INVALID_CERTIFICATE");
}

/* Aggressive Mode: west refuses AM2 in the clear; east, waiting for AM3,
 * keeps the notify as its reason. */
static void test_expired_aggressive(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct cert_side e = {.cert = "east-expired"};
	struct net n;

	net_start_certs(&n, AM, &w, &e);
	net_up(&n);
	net_run_ms(&n, 50);
	assert_false(n.ok);
	assert_string_equal(n.why, "certificate for CN=east expired 2026-01-01");
	assert_non_null(n.d[EAST]->sas);
	assert_string_equal(n.d[EAST]->sas->why, "peer refused: it sent INVALID_CERTIFICATE");
	net_stop_certs(&n);
}

static void test_other_ca(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct cert_side e = {.cert = "east-other", .cacerts = {"ca", "other-ca"}};

	refused_by_west(MM, &w, &e, "no trusted path: issuer CN=Other CA not in cacerts/",
			"peer refused: it sent INVALID_CERT_AUTHORITY");
}

static void test_revoked(void **state)
{
	struct cert_side w = {.cert = "west-rsa", .crl = true};
	struct cert_side e = {.cert = "east-revoked"};
	struct net n;

	net_start_certs(&n, MM, &w, &e);
	net_up(&n);
	net_run_ms(&n, 100);
	assert_false(n.ok);
	assert_non_null(strstr(n.why, "revoked (CRL from CN=Test CA, "));
	assert_string_equal(net_failure(&n, EAST, "site"),
			    "peer refused: it sent INVALID_CERTIFICATE");
	net_stop_certs(&n);
}

static void test_id_not_in_san(void **state)
{
	struct cert_side w = {.cert = "west-rsa", .rightid = "@east.elsewhere"};
	struct cert_side e = {.cert = "east-rsa", .leftid = "@east.elsewhere"};

	refused_by_west(MM, &w, &e, "peer ID @east.elsewhere not in certificate subjectAltName",
			"peer refused: it sent INVALID_ID_INFORMATION");
}

/* East signs with a key that is not its certificate's. */
static void test_wrong_key(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct cert_side e = {.cert = "east-rsa", .key = "east-revoked"};

	refused_by_west(MM, &w, &e, "signature does not verify",
			"peer refused: it sent AUTHENTICATION_FAILED");
}

static void test_sendcert_never(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct cert_side e = {.cert = "east-rsa", .sendcert = SENDCERT_NEVER};

	refused_by_west(MM, &w, &e, "peer sent no certificate and no rightcert= is configured",
			"peer refused: it sent CERTIFICATE_UNAVAILABLE");
}

/* West offers PSK, east wants an RSA signature. */
static void test_auth_method_mismatch(void **state)
{
	struct cert_side e = {.cert = "east-rsa"};
	struct net n;
	const char *east;

	net_start_certs(&n, MM, NULL, &e);
	net_up(&n);
	net_run_ms(&n, 100);
	assert_false(n.ok);
	assert_non_null(strstr(n.why, "peer refused: it sent NO_PROPOSAL_CHOSEN"));
	east = net_failure(&n, EAST, "site");
	assert_non_null(east);
	assert_non_null(strstr(east, "differs in auth method (PSK vs RSA signature)"));
	net_stop_certs(&n);
}

static struct conf *reload_conf;
static bool reloaded;

/* East reloads (a new store) once west's MM3 is in: its exchange goes on
 * with the credentials it started with. */
static void reload_mid_exchange(struct net *n)
{
	char why[256];

	if (reloaded || n->sent[WEST] < 2 || !n->d[EAST]->sas)
		return;
	reloaded = true;
	assert_int_equal(ike_daemon_reload_check(n->d[EAST], reload_conf, why, sizeof(why)), 0);
	assert_int_equal(ike_daemon_reload(n->d[EAST], reload_conf), 0);
	assert_ptr_not_equal(n->d[EAST]->sas->creds, n->d[EAST]->creds);
}

static void test_reload_during_exchange(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct cert_side e = {.cert = "east-rsa"};
	struct net n;

	char conf[2048], base[1024], err[256], *paths[2];

	net_start_certs(&n, MM, &w, &e);
	snprintf(base, sizeof(base), base_conf, "");
	replace(conf, sizeof(conf), base, "\tauto=add", MM);
	paths[0] = tmp_file(conf, 0644);
	paths[1] = tmp_file("192.0.2.1 192.0.2.2 : PSK \"unused\"\n", 0600);
	assert_int_equal(conf_load(paths[0], paths[1], stub_is_local, (void *)east_here,
				   &reload_conf, err, sizeof(err)),
			 0);
	cert_conf(reload_conf, &e);
	reloaded = false;
	n.watch = reload_mid_exchange;
	net_up(&n);
	assert_true(reloaded);
	assert_true(n.ok);
	assert_non_null(n.d[EAST]->sas->peer_cert);
	n.watch = NULL;
	net_stop_certs(&n);
	cert_conf_free(reload_conf);
	conf_free(reload_conf);
	tmp_remove(paths[0]);
	tmp_remove(paths[1]);
}

/* A store that cannot be built refuses the reload, saying which file; the
 * running one stays. */
static void test_reload_refused_bad_file(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct ike_creds *old;
	struct conf *c;
	unsigned i;
	char why[256];
	struct net n;

	net_start_certs(&n, MM, &w, NULL);
	old = n.d[WEST]->creds;
	c = n.conf[WEST];
	i = blob_push(&c->crls, &c->ncrls, "ca", ".key") - 1;
	memset(c->crls[i].data, 'x', c->crls[i].len);
	assert_int_equal(ike_daemon_reload_check(n.d[WEST], n.conf[WEST], why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "/ca.key: "));
	assert_ptr_equal(n.d[WEST]->creds, old);
	assert_null(n.d[WEST]->next_creds);
	net_stop_certs(&n);
}

static char *text_of(void (*fn)(struct ike_daemon *, struct buf *), struct ike_daemon *d)
{
	struct buf out = {0};
	char *s;

	fn(d, &out);
	buf_put_u8(&out, 0);
	s = strdup((char *)out.data);
	buf_free(&out);
	return s;
}

static void certs_text_of(struct ike_daemon *d, struct buf *out)
{
	certs_text(d, out);
}

static void certs_json_of(struct ike_daemon *d, struct buf *out)
{
	certs_json(d, out);
}

/* status (text, JSON) with the auth method and the peer's certificate;
 * oakleyctl certs with the local certificate, the CA and the CRL. */
static void test_status_and_certs(void **state)
{
	struct cert_side w = {.cert = "west-rsa", .crl = true};
	struct cert_side e = {.cert = "east-rsa"};
	struct net n;
	char *s;

	net_start_certs(&n, MM, &w, &e);
	net_up(&n);
	assert_true(n.ok);
	s = text_of(status_text, n.d[WEST]);
	assert_non_null(strstr(s, ", RSA signature, expires in "));
	assert_non_null(strstr(s, "peer certificate: C=CH, O=oakley, CN=east, issuer C=CH, "
				  "O=oakley, CN=Test CA, valid "));
	free(s);
	s = text_of(status_json, n.d[WEST]);
	assert_non_null(strstr(s, "\"auth\":\"RSA signature\",\"peer_cert\":{\"subject\":\"C=CH, "
				  "O=oakley, CN=east\",\"issuer\":\"C=CH, O=oakley, CN=Test CA\""));
	free(s);
	s = text_of(certs_text_of, n.d[WEST]);
	assert_non_null(strstr(s, "Certificates:\n"));
	assert_non_null(strstr(s, "west-rsa.pem\n      subject C=CH, O=oakley, CN=west\n"));
	assert_non_null(strstr(s, "RSA-3072"));
	assert_non_null(strstr(s, "used by: site (leftcert)"));
	assert_non_null(strstr(s, "CA certificates:\n  C=CH, O=oakley, CN=Test CA (trust anchor)"));
	assert_non_null(strstr(s, "crl.pem\n      issuer C=CH, O=oakley, CN=Test CA, updated "));
	assert_non_null(strstr(s, ", 1 revoked\n"));
	free(s);
	s = text_of(certs_json_of, n.d[WEST]);
	assert_non_null(strstr(s, "\"used_by\":\"site (leftcert)\""));
	assert_non_null(strstr(s, "\"cas\":[{\"subject\":\"C=CH, O=oakley, CN=Test CA\""));
	assert_non_null(strstr(s, "\"revoked\":1}]}"));
	free(s);
	net_stop_certs(&n);
}

/* A reload builds a new store; the SAs keep theirs. */
static void test_reload_keeps_sa_creds(void **state)
{
	struct cert_side w = {.cert = "west-rsa"};
	struct cert_side e = {.cert = "east-rsa"};
	struct ike_creds *old;
	char why[256];
	struct net n;

	net_start_certs(&n, MM, &w, &e);
	net_up(&n);
	assert_true(n.ok);
	old = n.d[WEST]->creds;
	assert_int_equal(ike_daemon_reload_check(n.d[WEST], n.conf[WEST], why, sizeof(why)), 0);
	assert_int_equal(ike_daemon_reload(n.d[WEST], n.conf[WEST]), 0);
	assert_ptr_not_equal(n.d[WEST]->creds, old);
	assert_ptr_equal(n.d[WEST]->sas->creds, old);
	assert_int_equal(old->refs, 1);
	net_stop_certs(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_main_mode),
		cmocka_unit_test(test_ecdsa256_main_mode),
		cmocka_unit_test(test_ecdsa384_main_mode),
		cmocka_unit_test(test_ecdsa521_main_mode),
		cmocka_unit_test(test_rsa_aggressive_mode),
		cmocka_unit_test(test_ecdsa256_aggressive_from_east),
		cmocka_unit_test(test_chain_in_leftcert_file),
		cmocka_unit_test(test_chain_from_cacerts),
		cmocka_unit_test(test_san_ids),
		cmocka_unit_test(test_dn_wildcard_rightid),
		cmocka_unit_test(test_rightcert_without_cert_payload),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_expired_aggressive),
		cmocka_unit_test(test_other_ca),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_id_not_in_san),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_sendcert_never),
		cmocka_unit_test(test_auth_method_mismatch),
		cmocka_unit_test(test_reload_keeps_sa_creds),
		cmocka_unit_test(test_status_and_certs),
		cmocka_unit_test(test_reload_refused_bad_file),
		cmocka_unit_test(test_reload_during_exchange),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
