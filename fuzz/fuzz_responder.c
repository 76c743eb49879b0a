/* libFuzzer: a responder fed a peer's messages.  An input is up to four
 * datagrams, each behind a 2-byte length; each input meets a fresh daemon
 * whose randomness is the fuzz build's predictable stream, so the inputs
 * can carry the responder cookie and go past the first message (Main Mode
 * to MM4, Aggressive Mode to AM2, DH jobs included).  Replies go to a
 * closed port on loopback in a private network namespace: nothing leaves
 * the process's sandbox. */
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "fuzz_certs.h"
#include "harness.h"
#include "ike/ike.h"

#define FUZZ_MAX_MSGS 4

static struct loop *loop;
static struct conf *conf;
static struct sockaddr_storage peer, self;

static const char conf_text[] = "config setup\n"
				"\tdataplane=none\n"
				"conn fuzz\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.0.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightsubnet=10.2.0.0/24\n"
				"\tike=aes128-sha1-modp2048,aes256-sha256-ecp256,3des-md5-modp768\n"
				"\tesp=aes128-sha1,null-sha256\n"
				"\tauto=add\n"
				"conn fuzz-am\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.1.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightid=@peer\n"
				"\trightsubnet=10.2.1.0/24\n"
				"\taggressive=yes\n"
				"\tike=aes128-sha1-modp1024\n"
				"\tauto=add\n"
				/* certificates (fuzz_certs.h), ECDSA P-256 */
				"conn fuzz-sig\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.2.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightsubnet=10.2.2.0/24\n"
				"\tike=aes128-sha256-ecp256\n"
				"\tauto=add\n"
				"conn fuzz-sig-am\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.3.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightid=@sigpeer\n"
				"\trightsubnet=10.2.3.0/24\n"
				"\taggressive=yes\n"
				"\tike=aes128-sha256-ecp256\n"
				"\tauto=add\n"
				/* remote access: XAUTH PSK (65001), Mode Config (setup_ra) */
				"conn fuzz-ra\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.4.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightid=@rapeer\n"
				"\taggressive=yes\n"
				"\tike=aes128-sha1-modp1024\n"
				"\tauto=add\n";
static const char secrets_text[] = "127.0.0.1 127.0.0.2 : PSK \"fuzz\"\n"
				   "@peer : PSK \"fuzz am\"\n"
				   "@rapeer : PSK \"fuzz ra\"\n";

/* A blob of conf (conf_free frees data; file is a literal). */
static unsigned fuzz_blob(struct conf_blob **v, unsigned *n, const char *pem)
{
	struct conf_blob *b = realloc(*v, (*n + 1) * sizeof(**v));

	if (!b)
		abort();
	*v = b;
	b[*n].len = strlen(pem);
	b[*n].data = (uint8_t *)strdup(pem);
	b[*n].file = "fuzz_certs.h";
	if (!b[*n].data)
		abort();
	return ++*n;
}

/* The fuzz-sig conns authenticate with fuzz_certs.h's certificate, as
 * leftcert=, ": ECDSA" and cacerts/ would make them. */
static void fuzz_certs(struct conf *c)
{
	static const char *const names[] = {"fuzz-sig", "fuzz-sig-am"};
	unsigned cert, key, i;

	cert = fuzz_blob(&c->certs, &c->ncerts, fuzz_cert_pem);
	key = fuzz_blob(&c->keys, &c->nkeys, fuzz_key_pem);
	fuzz_blob(&c->cacerts, &c->ncacerts, fuzz_ca_pem);
	for (i = 0; i < 2; i++) {
		struct conn *k = (struct conn *)conf_conn(c, names[i]);

		if (!k)
			abort();
		k->local.cert = cert;
		k->local.key = key;
		k->authby = IKE_AUTH_ECDSA_256;
		conf_id_parse("@fuzz.local", &k->local.id, NULL);
	}
}

/* What the remote-access keys set (conf/ra.c), set here so that the
 * harness does not depend on their names: an XAUTH and Mode Config
 * server with a pool. */
static void setup_ra(struct conf *c)
{
	struct conn *k = (struct conn *)conf_conn(c, "fuzz-ra");
	static struct conf_pool pool = {.name = "10.3.0.1-10.3.0.9"};

	if (!k)
		abort();
	k->ra.xauth = CONN_XAUTH_SERVER;
	k->ra.modecfg_server = true;
	k->ra.modecfg_pull = true;
	k->ra.pool = 1;
	pool.first.family = pool.last.family = AF_INET;
	pool.first.a.v4.s_addr = htonl(0x0a030001);
	pool.last.a.v4.s_addr = htonl(0x0a030009);
	c->pools = &pool;
	c->npools = 1;
}

static void setup(void)
{
	conf = fuzz_setup(conf_text, secrets_text);
	fuzz_certs(conf);
	setup_ra(conf);
	if (loop_new(&loop))
		abort();
	fuzz_addr(&peer, "127.0.0.2", FUZZ_PEERPORT);
	fuzz_addr(&self, "127.0.0.1", FUZZ_PORT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_daemon *d;
	unsigned n;

	if (!loop)
		setup();
	crypto_random_fuzz_reset();
	if (ike_daemon_new(loop, conf, FUZZ_PORT, &d))
		abort();
	for (n = 0; n < FUZZ_MAX_MSGS && size >= 2; n++) {
		size_t len = (size_t)(data[0] << 8 | data[1]);
		uint8_t *pkt;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		pkt = malloc(len ? len : 1);
		if (!pkt)
			break;
		memcpy(pkt, data, len);
		ike_packet_input(d, ike_sock_for(d, AF_INET), pkt, len, &peer, &self);
		free(pkt);
		fuzz_run_due(loop);
		data += len;
		size -= len;
	}
	ike_daemon_free(d);
	return 0;
}
