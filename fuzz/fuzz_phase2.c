/* libFuzzer: Quick Mode and Informational exchanges under an established
 * ISAKMP SA.  Each input meets a fresh responder that the harness first
 * takes through Main Mode as the initiator 127.0.0.2 (MM1, MM3, then an MM5
 * whose HASH_I it computes from the keys the responder derived), so the
 * fuzzer works on the payloads after authentication, not on the cipher.
 * An input is up to eight records:
 *
 *   flags (1) | message ID (1) | length (2) | body
 *
 * flags: bit 0 Informational (else Quick Mode); bits 1-2 the HASH the
 * harness puts first: 0 HASH(1) over the rest, 1 HASH(3) of the Quick Mode
 * with that message ID, 2 and 3 none (the body is the whole chain); bit 3
 * sent in the clear; bit 4 sent from another address of the peer's net;
 * bit 5 a transaction exchange (XAUTH, Mode Config: type 6, HASH as
 * HASH(1)); bit 6 of the first record's flags: Main Mode proposes XAUTH
 * PSK (65001), so the ISAKMP SA is connection fuzz-ra's, an XAUTH and
 * Mode Config server that asks for a password at once (ike/ra.h).
 * With a harness HASH, body[0] is the payload after it and the rest the
 * payloads; without, body[0] is the header's first payload.  Message ID n
 * is 0x01000000 + n (0 stays 0; 255: the responder's open transaction's,
 * which the answer to it needs).  The harness encrypts with the IV the
 * responder expects for that message ID. */
#include <stdlib.h>
#include <string.h>

#include "crypto/dh.h"
#include "crypto/keying.h"
#include "crypto/rand.h"
#include "harness.h"
#include "ike/ike.h"
#include "ike/phase1.h"
#include "ike/ra.h"
#include "wire/isakmp.h"

#define MAX_RECORDS   8
#define REC_INFO      0x01
#define REC_HASH_MASK 0x06
#define REC_HASH3     0x02
#define REC_CLEAR     0x08
#define REC_SPOOFED   0x10
#define REC_TXN	      0x20
#define REC_XAUTH     0x40

static struct loop *loop;
static struct conf *conf;
static struct sockaddr_storage peer, spoofed, self;
static struct buf mm1, mm1_xauth, mm3;
static const uint8_t icookie[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static const char conf_text[] = "config setup\n"
				"\tdataplane=none\n"
				"conn fuzz\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.0.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightsubnet=10.2.0.0/24\n"
				"\tike=aes128-sha1-ecp256\n"
				"\tesp=aes128-sha1,null-sha256,aes256gcm16\n"
				"\tauto=add\n"
				"conn fuzz-pfs\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.1.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightsubnet=10.2.1.0/24\n"
				"\tike=aes128-sha1-ecp256\n"
				"\tesp=aes128-sha1-ecp256\n"
				"\tauto=add\n"
				"conn fuzz-modp\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.2.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightsubnet=10.2.2.0/24\n"
				"\tike=aes128-sha1-ecp256\n"
				"\tesp=3des-md5-modp768\n"
				"\tauto=add\n"
				"conn fuzz-host\n"
				"\tleft=127.0.0.1\n"
				"\tright=127.0.0.2\n"
				"\ttype=transport\n"
				"\tike=aes128-sha1-ecp256\n"
				"\tesp=aes128-sha256\n"
				"\tauto=add\n"
				/* XAUTH and Mode Config server (set in setup) */
				"conn fuzz-ra\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.3.0/24\n"
				"\tright=127.0.0.2\n"
				"\tike=aes128-sha1-ecp256\n"
				"\tesp=aes128-sha1\n"
				"\tauto=add\n";
static const char secrets_text[] = "127.0.0.1 127.0.0.2 : PSK \"fuzz phase 2\"\n";

static void put_payload(struct buf *b, uint8_t next, const uint8_t *body, size_t len)
{
	if (!buf_put_u8(b, next) || !buf_put_u8(b, 0) || !buf_put_u16(b, (uint16_t)(4 + len)) ||
	    (len && !buf_append(b, body, len)))
		abort();
}

static void put_header(struct buf *b, const uint8_t rcookie[8], uint8_t next, uint8_t exchange,
		       uint8_t flags, uint32_t msgid)
{
	static const uint8_t zero[8];

	buf_reset(b);
	if (!buf_append(b, icookie, 8) || !buf_append(b, rcookie ? rcookie : zero, 8) ||
	    !buf_put_u8(b, next) || !buf_put_u8(b, 0x10) || !buf_put_u8(b, exchange) ||
	    !buf_put_u8(b, flags) || !buf_put_u32(b, msgid) || !buf_put_u32(b, 0))
		abort();
}

static void set_length(struct buf *b)
{
	buf_set_u32(b, 24, (uint32_t)b->len);
}

/* MM1 offering aes128-sha1-ecp256 with PSK; MM3 with a valid ECP-256 public
 * value and a nonce.  The responder cookie is the first 8 bytes of the
 * fuzz build's stream. */
static void build_mm1_mm3(void)
{
	static const uint8_t xauth_psk[] = {0xfd, 0xe9}; /* 65001 */
	static const uint8_t attrs[] = {0x80, 1,  0,	7, 0x80, 14, 0,	   128, 0x80, 2,
					0,    2,  0x80, 3, 0,	 1,  0x80, 4,	0,    19,
					0x80, 11, 0,	1, 0x80, 12, 0x0e, 0x10};
	uint8_t sa[8 + 8 + 8 + sizeof(attrs)] = {0, 0, 0, 1, 0, 0, 0, 1};
	uint8_t rcookie[8], ke[64], nonce[32];
	struct dh *dh;

	memcpy(sa + 8, (uint8_t[]){0, 0, 0, 8 + 8 + sizeof(attrs), 1, 1, 0, 1}, 8);
	memcpy(sa + 16, (uint8_t[]){0, 0, 0, 8 + sizeof(attrs), 1, 1, 0, 0}, 8);
	memcpy(sa + 24, attrs, sizeof(attrs));
	put_header(&mm1, NULL, ISAKMP_PL_SA, ISAKMP_XCHG_ID_PROT, 0, 0);
	put_payload(&mm1, 0, sa, sizeof(sa));
	set_length(&mm1);
	memcpy(sa + 24 + 14, xauth_psk, 2); /* the auth method's value */
	put_header(&mm1_xauth, NULL, ISAKMP_PL_SA, ISAKMP_XCHG_ID_PROT, 0, 0);
	put_payload(&mm1_xauth, 0, sa, sizeof(sa));
	set_length(&mm1_xauth);

	crypto_random_fuzz_reset();
	if (crypto_random(rcookie, 8) || dh_new(IKE_GROUP_ECP256, &dh) ||
	    dh_public(dh, ke, sizeof(ke)))
		abort();
	dh_free(dh);
	memset(nonce, 0x4e, sizeof(nonce));
	put_header(&mm3, rcookie, ISAKMP_PL_KE, ISAKMP_XCHG_ID_PROT, 0, 0);
	put_payload(&mm3, ISAKMP_PL_NONCE, ke, sizeof(ke));
	put_payload(&mm3, 0, nonce, sizeof(nonce));
	set_length(&mm3);
}

/* What the ipsec.conf keys of remote access set (conf/ra.c), set here so
 * that the harness does not depend on their names. */
static void setup_ra(void)
{
	struct conn *c = (struct conn *)conf_conn(conf, "fuzz-ra"); /* the harness's own conf */
	static struct conf_pool pool = {.name = "10.3.0.1-10.3.0.2"};
	static struct conf_xauth_user user = {.user = "bob", .secret = "fuzz"};

	if (!c)
		abort();
	c->ra.xauth = CONN_XAUTH_SERVER;
	c->ra.modecfg_server = true;
	c->ra.modecfg_pull = true;
	c->ra.pool = 1;
	c->ra.ndns = 1;
	c->ra.dns[0].family = AF_INET;
	c->ra.banner = "fuzz";
	pool.first.family = pool.last.family = AF_INET;
	pool.first.a.v4.s_addr = htonl(0x0a030001);
	pool.last.a.v4.s_addr = htonl(0x0a030002);
	conf->pools = &pool;
	conf->npools = 1;
	conf->xauth_users = &user;
	conf->nxauth_users = 1;
}

static void setup(void)
{
	conf = fuzz_setup(conf_text, secrets_text);
	setup_ra();
	if (loop_new(&loop))
		abort();
	fuzz_addr(&peer, "127.0.0.2", FUZZ_PEERPORT);
	fuzz_addr(&spoofed, "127.0.0.3", FUZZ_PEERPORT);
	fuzz_addr(&self, "127.0.0.1", FUZZ_PORT);
	buf_init(&mm1);
	buf_init(&mm1_xauth);
	buf_init(&mm3);
	build_mm1_mm3();
}

static void input(struct ike_daemon *d, struct buf *msg, const struct sockaddr_storage *from)
{
	ike_packet_input(d, ike_sock_for(d, AF_INET), msg->data, msg->len, from, &self);
	fuzz_run_due(loop);
}

/* MM5: our ID (the peer's address) and HASH_I from the responder's keys,
 * encrypted under its phase-1 IV. */
static void harness_send_mm5(struct ike_daemon *d, struct ike_sa *sa)
{
	static const uint8_t id_b[] = {ID_IPV4_ADDR, 0, 0, 0, 127, 0, 0, 2};
	struct buf id = {0}, msg = {0};
	uint8_t hash[IKE_MAX_MD], iv[IKE_MAX_BLOCK];

	if (!buf_append(&id, id_b, sizeof(id_b)) || phase1_hash(sa, true, &id, hash))
		abort();
	put_header(&msg, sa->rcookie, ISAKMP_PL_ID, ISAKMP_XCHG_ID_PROT, 0, 0);
	put_payload(&msg, ISAKMP_PL_HASH, id_b, sizeof(id_b));
	put_payload(&msg, 0, hash, sa->prf_len);
	set_length(&msg);
	memcpy(iv, sa->x->iv, sizeof(iv));
	if (ike_encrypt(sa, &msg, iv))
		abort();
	input(d, &msg, &peer);
	buf_free(&msg);
	buf_free(&id);
}

/* A responder whose ISAKMP SA with us is established. */
static struct ike_sa *establish(struct ike_daemon *d, bool xauth)
{
	input(d, xauth ? &mm1_xauth : &mm1, &peer);
	input(d, &mm3, &peer);
	if (!d->sas || d->sas->state != IKE_SA_NEGOTIATING || !d->sas->enc_key_len)
		abort(); /* the harness is out of step with the responder */
	harness_send_mm5(d, d->sas);
	if (!d->sas || d->sas->state != IKE_SA_ESTABLISHED)
		abort();
	return d->sas;
}

static struct quick *quick_with(struct ike_sa *sa, uint32_t msgid)
{
	struct quick *q;

	for (q = sa->quicks; q; q = q->next_in_sa)
		if (q->msgid == msgid)
			return q;
	return NULL;
}

/* The HASH payload's value (flags say which), over rest. */
static void record_hash(struct ike_sa *sa, uint8_t flags, uint32_t msgid, const uint8_t *rest,
			size_t restlen, uint8_t *out)
{
	const char *md = sa->hash->openssl;
	struct quick *q = quick_with(sa, msgid);
	int err;

	if ((flags & REC_HASH_MASK) == REC_HASH3 && q && q->x)
		err = ike_qm_hash3(md, sa->skeyid_a, sa->prf_len, msgid, q->x->ni.data,
				   q->x->ni.len, q->x->nr.data, q->x->nr.len, out);
	else
		err = ike_qm_hash1(md, sa->skeyid_a, sa->prf_len, msgid, rest, restlen, out);
	if (err)
		abort();
}

/* One record as the message the peer would send. */
static void send_record(struct ike_daemon *d, struct ike_sa *sa, uint8_t flags, uint32_t msgid,
			const uint8_t *body, size_t len)
{
	uint8_t exchange = flags & REC_TXN    ? ISAKMP_XCHG_TRANSACTION
			   : flags & REC_INFO ? ISAKMP_XCHG_INFO
					      : ISAKMP_XCHG_QUICK;
	bool answer = exchange == ISAKMP_XCHG_TRANSACTION && sa->ra && sa->ra->ours.open &&
		      msgid == sa->ra->ours.msgid;
	bool hashed = (flags & REC_HASH_MASK) < 4 && len;
	struct quick *q = quick_with(sa, msgid);
	uint8_t hash[IKE_MAX_MD], iv[IKE_MAX_BLOCK];
	struct buf msg = {0};

	put_header(&msg, sa->rcookie, hashed ? ISAKMP_PL_HASH : (len ? body[0] : 0), exchange, 0,
		   msgid);
	if (hashed) {
		record_hash(sa, flags, msgid, body + 1, len - 1, hash);
		put_payload(&msg, body[0], hash, sa->prf_len);
		body++, len--;
	} else if (len) {
		body++, len--;
	}
	if (len && !buf_append(&msg, body, len))
		abort();
	set_length(&msg);
	if (!(flags & REC_CLEAR)) {
		if (q && q->x && exchange == ISAKMP_XCHG_QUICK)
			memcpy(iv, q->x->iv, sa->block);
		else if (answer)
			memcpy(iv, sa->ra->ours.iv, sa->block);
		else if (sa_phase2_iv(sa, msgid, iv))
			abort();
		if (ike_encrypt(sa, &msg, iv))
			abort();
	}
	input(d, &msg, flags & REC_SPOOFED ? &spoofed : &peer);
	buf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_daemon *d;
	struct ike_sa *sa;
	unsigned n;

	if (!loop)
		setup();
	crypto_random_fuzz_reset();
	if (ike_daemon_new(loop, conf, FUZZ_PORT, &d))
		abort();
	sa = establish(d, size && (data[0] & REC_XAUTH));
	for (n = 0; n < MAX_RECORDS && size >= 4; n++) {
		uint8_t flags = data[0];
		uint32_t msgid = data[1] ? 0x01000000u + data[1] : 0;
		size_t len = (size_t)(data[2] << 8 | data[3]);

		data += 4, size -= 4;
		if (len > size)
			len = size;
		/* An SA the input deleted takes the rest of the input with it. */
		if (d->sas != sa || sa->state != IKE_SA_ESTABLISHED)
			break;
		if (data[-3] == 255 && sa->ra) /* the answer to the responder's transaction */
			msgid = sa->ra->ours.msgid;
		send_record(d, sa, flags, msgid, data, len);
		data += len, size -= len;
	}
	ike_daemon_free(d);
	return 0;
}
