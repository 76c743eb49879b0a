/* conf/certs.c: the certificate keys of ipsec.conf and ipsec.secrets, laid
 * out as strongSwan's ipsec.d beside the ipsec.conf (certs/, private/,
 * cacerts/, crls/), with the test PKI of tests/pki/mkpki.sh; and such a
 * configuration over the priv channel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "conf/conf.h"
#include "crypto/x509.h"
#include "pki_fixture.h"
#include "priv/internal.h"
#include "wire/isakmp.h"

static const char *const here[] = {"192.0.2.1", NULL};

static bool is_local(const struct conf_addr *a, void *arg)
{
	char s[64];

	conf_addr_str(a, s, sizeof(s));
	return !strcmp(s, here[0]);
}

struct dir {
	char root[64], conf[128], secrets[128];
};

static void put_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* ROOT/SUB/NAME := the PKI's file PKINAME */
static void copy(struct dir *d, const char *sub, const char *name, const char *pkiname)
{
	char path[256];
	size_t len;
	uint8_t *data = pki_read(pkiname, &len);

	snprintf(path, sizeof(path), "%s/%s/%s", d->root, sub, name);
	put_file(path, data, len, strstr(sub, "private") ? 0600 : 0644);
	free(data);
}

static void mkdirs(struct dir *d)
{
	static const char *const subs[] = {"certs", "private", "cacerts", "crls"};
	char path[128];
	unsigned i;

	strcpy(d->root, "/tmp/oakley-certs-XXXXXX");
	assert_non_null(mkdtemp(d->root));
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->root, subs[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	snprintf(d->conf, sizeof(d->conf), "%s/ipsec.conf", d->root);
	snprintf(d->secrets, sizeof(d->secrets), "%s/ipsec.secrets", d->root);
}

static void rmdirs(struct dir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->root);
	assert_int_equal(system(cmd), 0);
}

static int load(struct dir *d, const char *conf, const char *secrets, struct conf **c, char *err)
{
	put_file(d->conf, conf, strlen(conf), 0644);
	put_file(d->secrets, secrets, strlen(secrets), 0600);
	return conf_load(d->conf, d->secrets, is_local, NULL, c, err, 512);
}

static void id_is(const struct conf_id *id, const char *want)
{
	char s[CONF_ID_STRLEN];

	assert_int_equal(conf_id_str(id, s, sizeof(s)), 0);
	assert_string_equal(s, want);
}

static const char rsa_conf[] = "conn west\n"
			       " left=192.0.2.1\n"
			       " right=192.0.2.2\n"
			       " leftcert=west-rsa.pem\n"
			       " leftsendcert=always\n"
			       " rightid=\"C=CH, O=oakley, CN=*\"\n"
			       " rightca=\"C=CH, O=oakley, CN=Test CA\"\n"
			       " authby=rsasig\n";

static void test_rsa(void **state)
{
	struct dir d;
	struct conf *c = NULL, *back = NULL;
	char err[512], path[256];
	const struct conn *k;
	struct conf_id dn;
	const char *why;
	size_t len;
	struct buf b;

	mkdirs(&d);
	copy(&d, "certs", "west-rsa.pem", "west-rsa.pem");
	copy(&d, "private", "west-rsa.key", "west-rsa.key");
	copy(&d, "private", "east-rsa.key", "east-rsa.key");
	copy(&d, "cacerts", "ca.pem", "ca.pem");
	copy(&d, "cacerts", "a-int.pem", "int.pem");
	copy(&d, "cacerts", ".hidden", "west-rsa.key"); /* dotfiles are skipped */
	copy(&d, "crls", "crl.der", "crl.der");
	if (load(&d, rsa_conf, ": RSA east-rsa.key\n: RSA \"west-rsa.key\"\n", &c, err))
		fail_msg("%s", err);
	k = conf_conn(c, "west");
	assert_non_null(k);
	assert_int_equal(k->authby, IKE_AUTH_RSA_SIG);
	assert_int_equal(c->ncerts, 1);
	assert_int_equal(c->nkeys, 2);
	assert_int_equal(k->local.cert, 1);
	assert_int_equal(k->local.key, 2); /* the one that matches, not the first */
	snprintf(path, sizeof(path), "%s/certs/west-rsa.pem", d.root);
	assert_string_equal(c->certs[0].file, path);
	assert_int_equal(k->local.sendcert, SENDCERT_ALWAYS);
	assert_int_equal(k->remote.sendcert, SENDCERT_IFASKED);
	/* no leftid: the certificate's subject */
	id_is(&k->local.id, "C=CH, O=oakley, CN=west");
	assert_int_equal(k->local.id.type, ID_DER_ASN1_DN);
	id_is(&k->remote.id, "C=CH, O=oakley, CN=*");
	assert_int_equal(k->remote.ca.type, ID_DER_ASN1_DN);
	assert_int_equal(
		x509_dn_parse("C=CH, O=oakley, CN=Test CA", dn.data, &len, sizeof(dn.data), &why),
		0);
	assert_int_equal(k->remote.ca.len, len);
	assert_memory_equal(k->remote.ca.data, dn.data, len);
	/* cacerts/ sorted by name, the dotfile skipped; crls/ in DER */
	assert_int_equal(c->ncacerts, 2);
	assert_non_null(strstr(c->cacerts[0].file, "/cacerts/a-int.pem"));
	assert_non_null(strstr(c->cacerts[1].file, "/cacerts/ca.pem"));
	assert_int_equal(c->ncrls, 1);

	/* over the priv channel and back */
	buf_init(&b);
	assert_int_equal(conf_pack(c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_int_equal(back->ncerts, 1);
	assert_int_equal(back->nkeys, 2);
	assert_int_equal(back->ncacerts, 2);
	assert_int_equal(back->ncrls, 1);
	assert_int_equal(back->keys[1].len, c->keys[1].len);
	assert_memory_equal(back->keys[1].data, c->keys[1].data, c->keys[1].len);
	assert_memory_equal(back->crls[0].data, c->crls[0].data, c->crls[0].len);
	assert_string_equal(back->cacerts[1].file, c->cacerts[1].file);
	k = conf_conn(back, "west");
	assert_memory_equal(&k->local, &conf_conn(c, "west")->local, sizeof(k->local));
	assert_memory_equal(&k->remote, &conf_conn(c, "west")->remote, sizeof(k->remote));
	conf_free(back);
	/* truncated anywhere: refused */
	for (len = 0; len < b.len; len += 7) {
		assert_int_equal(conf_unpack(b.data, len, &back), -EINVAL);
		assert_null(back);
	}
	buf_free(&b);
	conf_free(c);
	rmdirs(&d);
}

static void authby_is(const char *cert, const char *key, const char *authby, uint16_t want)
{
	struct dir d;
	struct conf *c = NULL;
	char conf[512], secrets[128], err[512];

	mkdirs(&d);
	copy(&d, "certs", cert, cert);
	copy(&d, "private", key, key);
	snprintf(conf, sizeof(conf),
		 "conn a\n left=192.0.2.1\n right=192.0.2.2\n leftcert=%s\n%s%s\n", cert,
		 authby ? " authby=" : "", authby ? authby : "");
	snprintf(secrets, sizeof(secrets), ": ECDSA %s\n", key);
	if (strstr(key, "rsa"))
		snprintf(secrets, sizeof(secrets), ": RSA %s\n", key);
	if (load(&d, conf, secrets, &c, err))
		fail_msg("%s", err);
	assert_int_equal(c->conns[0].authby, want);
	conf_free(c);
	rmdirs(&d);
}

static void test_authby(void **state)
{
	authby_is("west-rsa.pem", "west-rsa.key", "pubkey", IKE_AUTH_RSA_SIG);
	authby_is("west-rsa.pem", "west-rsa.key", NULL, IKE_AUTH_RSA_SIG);
	authby_is("west-ec256.pem", "west-ec256.key", "ecdsasig", IKE_AUTH_ECDSA_256);
	authby_is("west-ec256.pem", "west-ec256.key", "pubkey", IKE_AUTH_ECDSA_256);
	authby_is("west-ec384.pem", "west-ec384.key", "ecdsa", IKE_AUTH_ECDSA_384);
	authby_is("west-ec521.pem", "west-ec521.key", NULL, IKE_AUTH_ECDSA_521);
}

/* Loads and expects the error WANT, every "ROOT" in it the directory. */
static void expect(struct dir *d, const char *conf, const char *secrets, const char *want)
{
	struct conf *c = NULL;
	char err[512], full[1024];
	const char *p = want, *at;
	size_t n = 0;

	while ((at = strstr(p, "ROOT"))) {
		n += (size_t)snprintf(full + n, sizeof(full) - n, "%.*s%s", (int)(at - p), p,
				      d->root);
		p = at + 4;
	}
	snprintf(full + n, sizeof(full) - n, "%s", p);
	assert_int_not_equal(load(d, conf, secrets, &c, err), 0);
	assert_null(c);
	assert_string_equal(err, full);
}

static void test_errors(void **state)
{
	struct dir d;
	EVP_PKEY *k = pki_key("west-ec256.key");
	char path[256], conf[512];
	FILE *f;

	mkdirs(&d);
	copy(&d, "certs", "west-rsa.pem", "west-rsa.pem");
	copy(&d, "certs", "west-ec256.pem", "west-ec256.pem");
	copy(&d, "private", "west-ec256.key", "west-ec256.key");
	copy(&d, "private", "east-rsa.key", "east-rsa.key");
	/* a missing file, named with FILE:LINE */
	expect(&d, "conn a\n left=192.0.2.1\n right=192.0.2.2\n leftcert=nope.pem\n", "",
	       "ROOT/ipsec.conf:4: leftcert=ROOT/certs/nope.pem: No such file or directory");
	/* an absolute path is taken as it is */
	expect(&d, "conn a\n left=192.0.2.1\n right=192.0.2.2\n rightcert=/nonexistent/x.pem\n", "",
	       "ROOT/ipsec.conf:4: rightcert=/nonexistent/x.pem: No such file or directory");
	/* not a certificate */
	expect(&d,
	       "conn a\n left=192.0.2.1\n right=192.0.2.2\n"
	       " leftcert=../private/east-rsa.key\n",
	       "",
	       "ROOT/ipsec.conf:4: leftcert=ROOT/certs/../private/east-rsa.key: no certificate in "
	       "it");
	/* no key for the certificate */
	expect(&d, "conn a\n left=192.0.2.1\n right=192.0.2.2\n leftcert=west-rsa.pem\n",
	       ": RSA east-rsa.key\n",
	       "ROOT/ipsec.conf:1: conn 'a': no private key in ipsec.secrets (': RSA FILE' or "
	       "': ECDSA FILE') for the certificate ROOT/certs/west-rsa.pem");
	/* authby=rsasig with an ECDSA key */
	expect(&d,
	       "conn a\n left=192.0.2.1\n right=192.0.2.2\n leftcert=west-ec256.pem\n"
	       " authby=rsasig\n",
	       ": ECDSA west-ec256.key\n",
	       "ROOT/ipsec.conf:1: conn 'a': authby=rsasig, but the key of "
	       "ROOT/certs/west-ec256.pem is an ECDSA key (authby=ecdsasig or pubkey)");
	/* a passphrase, an encrypted key */
	expect(&d, "conn a\n left=192.0.2.1\n right=192.0.2.2\n", ": RSA east-rsa.key \"pw\"\n",
	       "ROOT/ipsec.secrets:1: RSA east-rsa.key with a passphrase: oakley needs the key "
	       "unencrypted (openssl pkey -in KEY -out PLAIN)");
	snprintf(path, sizeof(path), "%s/private/enc.key", d.root);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(PEM_write_PKCS8PrivateKey(f, k, EVP_aes_128_cbc(), "pw", 2, NULL, NULL),
			 1);
	fclose(f);
	chmod(path, 0600);
	expect(&d, "conn a\n left=192.0.2.1\n right=192.0.2.2\n", ": ECDSA enc.key\n",
	       "ROOT/ipsec.secrets:1: ECDSA ROOT/private/enc.key is encrypted; oakley needs it "
	       "unencrypted (openssl pkey -in KEY -out PLAIN)");
	/* a key others may read */
	chmod(path, 0644);
	copy(&d, "private", "open.key", "west-ec256.key");
	snprintf(path, sizeof(path), "%s/private/open.key", d.root);
	chmod(path, 0644);
	expect(&d, "conn a\n left=192.0.2.1\n right=192.0.2.2\n", ": ECDSA open.key\n",
	       "ROOT/private/open.key: group or others may read or write the secrets file (mode "
	       "0644): refusing to use it (chmod 600 ROOT/private/open.key)");
	/* leftsendcert= */
	expect(&d, "conn a\n left=192.0.2.1\n right=192.0.2.2\n leftsendcert=sometimes\n", "",
	       "ROOT/ipsec.conf:4: leftsendcert= takes always, ifasked or never, not 'sometimes'");
	/* a CA file that does not parse: the configuration is refused, naming it */
	copy(&d, "cacerts", "bad.pem", "east-rsa.key");
	snprintf(conf, sizeof(conf), "conn a\n left=192.0.2.1\n right=192.0.2.2\n");
	expect(&d, conf, "", "ROOT/cacerts/bad.pem: no certificate in it");
	EVP_PKEY_free(k);
	rmdirs(&d);
}

static void test_dn_ids(void **state)
{
	struct conf_id id, back;
	char s[CONF_ID_STRLEN];
	struct dir d;
	struct conf *c = NULL;
	char err[512];

	assert_int_equal(conf_id_parse("C=CH, O=oakley, CN=west", &id, NULL), 0);
	assert_int_equal(id.type, ID_DER_ASN1_DN);
	assert_int_equal(conf_id_str(&id, s, sizeof(s)), 0);
	assert_string_equal(s, "C=CH, O=oakley, CN=west");
	assert_int_equal(conf_id_parse(s, &back, NULL), 0);
	assert_true(conf_id_equal(&id, &back));
	assert_int_equal(conf_id_parse("C=CH, O=oakley, CN=east", &back, NULL), 0);
	assert_false(conf_id_equal(&id, &back));
	/* leftid= wins over the certificate's subject; sendcert yes/no */
	mkdirs(&d);
	copy(&d, "certs", "west-rsa.pem", "west-rsa.pem");
	copy(&d, "private", "west-rsa.key", "west-rsa.key");
	if (load(&d,
		 "conn a\n left=192.0.2.1\n right=192.0.2.2\n leftcert=west-rsa.pem\n"
		 " leftid=@west.example\n leftsendcert=no\n rightsendcert=yes\n",
		 ": RSA west-rsa.key\n", &c, err))
		fail_msg("%s", err);
	id_is(&c->conns[0].local.id, "west.example");
	assert_int_equal(c->conns[0].local.sendcert, SENDCERT_NEVER);
	assert_int_equal(c->conns[0].remote.sendcert, SENDCERT_ALWAYS);
	conf_free(c);
	rmdirs(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_authby),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dn_ids),
	};

	return cmocka_run_group_tests_name("conf_certs", tests, NULL, NULL);
}
