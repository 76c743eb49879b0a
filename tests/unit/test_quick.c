/* Quick Mode and protected Informationals at an established responder:
 * a daemon without sockets or kernel, one ISAKMP SA with known keys, and
 * the peer's messages built with the same keys and fed through
 * ike_packet_input, as the socket would.  (What the responder sends goes
 * to fd -1 and is lost: only its state is looked at.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <ctype.h>

#include "conf/helpers.h"
#include "crypto/rand.h"
#include "ike/child.h"
#include "ike/informational.h"
#include "ike/proposal.h"
#include "ike/quick.h"
#include "util/hash.h"
#include "wire/message.h"
#include "wire/payload.h"

static const char conf_text[] = "config setup\n"
				"\tdataplane=none\n"
				"conn site\n"
				"\tleft=192.0.2.1\n"
				"\tright=192.0.2.2\n"
				"\tesp=aes128-sha256\n"
				"\tauto=add\n";

struct fx {
	struct loop *loop;
	struct ike_daemon *d;
	struct loaded l;
};

/* An IPv4 address, port 500, into a sockaddr_storage or a union
 * sockaddr_inet (the SA's endpoint). */
static void addr(void *to, const char *ip)
{
	struct sockaddr_in *in = to;

	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	in->sin_port = htons(500);
	assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ike_daemon *d;

	assert_non_null(f);
	assert_int_equal(loop_new(&f->loop), 0);
	load_text(&f->l, conf_text, NULL);
	assert_int_equal(f->l.ret, 0);
	d = f->d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->loop = f->loop;
	d->conf = f->l.c;
	d->port = 500;
	d->retransmit_base_ms = 500;
	d->retransmit_tries = 2;
	d->halfopen_timeout_ms = 60000;
	d->halfopen_max = 16;
	d->xfrm_events = -1;
	timer_init(&d->reap, exchange_reap, d);
	assert_int_equal(htable_init(&d->sa_by_icookie), 0);
	assert_int_equal(htable_init(&d->quick_by_msgid), 0);
	assert_int_equal(htable_init(&d->child_by_spi), 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	ike_daemon_free(f->d);
	loop_free(f->loop);
	loaded_free(&f->l);
	free(f);
	return 0;
}

/* An established ISAKMP SA with the peer at 192.0.2.2, AES-128 and SHA1,
 * every key byte `key`; the initiator cookie is all `ic`. */
static struct ike_sa *fx_sa(struct fx *f, uint8_t ic, uint8_t key)
{
	struct ike_sa *sa = ike_sa_new(f->d, &f->l.c->conns[0], false);

	assert_non_null(sa);
	memset(sa->icookie, ic, 8);
	ike_sa_hash(sa);
	sa->encr = alg_by_name("aes128", ALG_ENCR);
	sa->hash = alg_by_name("sha1", ALG_INTEG);
	sa->group = alg_by_name("modp2048", ALG_DH);
	assert_non_null(sa->encr);
	assert_non_null(sa->hash);
	sa->prf_len = 20;
	sa->block = 16;
	sa->enc_key_len = 16;
	memset(sa->enc_key, key, sizeof(sa->enc_key));
	memset(sa->skeyid_a, key ^ 0x5a, sizeof(sa->skeyid_a));
	memset(sa->skeyid_d, key ^ 0xa5, sizeof(sa->skeyid_d));
	memset(sa->p1_last_block, key, sizeof(sa->p1_last_block));
	sa->lifetime_s = 3600;
	addr(&sa->ep.local, "192.0.2.1");
	addr(&sa->ep.remote, "192.0.2.2");
	ike_sa_established(sa);
	return sa;
}

/* The peer's message: HDR*, HASH(1), then what add() puts in, encrypted
 * with sa's keys as the peer would. */
typedef int (*add_fn)(struct wire_builder *w, const void *arg);

static void peer_msg(struct ike_sa *sa, uint8_t exchange, uint32_t msgid, add_fn add,
		     const void *arg, struct buf *msg)
{
	struct isakmp_hdr h = {0};
	struct wire_builder w;
	uint8_t iv[IKE_MAX_BLOCK];
	size_t hash_off;

	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	h.exchange = exchange;
	h.msgid = msgid;
	buf_init(msg);
	wire_build_start(&w, msg, &h);
	assert_int_equal(hashed_begin(&w, sa->prf_len, &hash_off), 0);
	assert_int_equal(add(&w, arg), 0);
	assert_int_equal(wire_build_finish(&w), 0);
	assert_int_equal(hashed_fill(sa, msg, hash_off, msgid, NULL), 0);
	assert_int_equal(sa_phase2_iv(sa, msgid, iv), 0);
	assert_int_equal(ike_encrypt(sa, msg, iv), 0);
}

/* The SA's endpoint as the socket gives addresses, for ike_packet_input. */
static void ep_storage(const struct ike_sa *sa, struct sockaddr_storage *from,
		       struct sockaddr_storage *local)
{
	memset(from, 0, sizeof(*from));
	memset(local, 0, sizeof(*local));
	memcpy(from, &sa->ep.remote, sizeof(sa->ep.remote));
	memcpy(local, &sa->ep.local, sizeof(sa->ep.local));
}

/* Delivers a copy (decryption is in place) from the SA's peer. */
static void deliver(struct fx *f, struct ike_sa *sa, const struct buf *msg)
{
	struct sockaddr_storage from, local;
	uint8_t copy[4096];

	assert_true(msg->len <= sizeof(copy));
	memcpy(copy, msg->data, msg->len);
	ep_storage(sa, &from, &local);
	ike_packet_input(f->d, -1, copy, msg->len, &from, &local);
}

static const uint8_t nonce[32] = {1, 2, 3};

/* QM1 payloads after HASH(1): SA, Ni; the SA either the connection's own
 * proposal or one whose transform has a LIFE_DURATION before any
 * LIFE_TYPE (which the proposal parser refuses without saying why). */
struct qm1 {
	const struct conn *conn;
	bool malformed;
	uint32_t spi; /* the peer's inbound SPI */
};

static int add_qm1(struct wire_builder *w, const void *arg)
{
	const struct qm1 *q = arg;
	struct wire_transform_spec t = {.num = 1, .id = 12 /* AES-CBC */, .nattrs = 1};
	struct wire_proposal_spec p = {
		.num = 1, .proto = PROTO_IPSEC_ESP, .spi_size = 4, .ntransforms = 1};
	int err;

	if (q->malformed) {
		t.attrs[0] = (struct wire_attr_spec){IPSEC_ATTR_SA_LIFE_DURATION, 3600};
		memcpy(p.spi, "\x11\x22\x33\x44", 4);
		p.transforms = &t;
		err = wire_add_sa(w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &p, 1);
	} else {
		err = p2_add_sa(w, q->conn, q->spi ? q->spi : 0x11223344);
	}
	return err ? err : wire_add_raw(w, ISAKMP_PL_NONCE, nonce, sizeof(nonce));
}

static const struct ike_failure *failure_of(struct fx *f, const char *conn)
{
	const struct ike_failure *x;

	for (x = f->d->failures; x; x = x->next)
		if (!strcmp(x->conn, conn))
			return x;
	return NULL;
}

static unsigned states(const struct ike_sa *sa)
{
	const struct quick *q;
	unsigned n = 0;

	for (q = sa->quicks; q; q = q->next_in_sa)
		n++;
	return n;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

/* Defect 4 (Quick Mode part): a QM1 whose proposal the parser refuses
 * without a reason still fails with a full sentence, and the Quick Mode's
 * failure is not written over the established ISAKMP SA's own why. */
static void test_malformed_proposal_has_a_reason(void **state)
{
	struct fx *f = *state;
	struct ike_sa *sa = fx_sa(f, 0x42, 7);
	struct qm1 q = {sa->conn, true, 0};
	const struct ike_failure *x;
	struct buf msg;

	peer_msg(sa, ISAKMP_XCHG_QUICK, 0x1001, add_qm1, &q, &msg);
	deliver(f, sa, &msg);
	buf_free(&msg);
	x = failure_of(f, "site");
	assert_non_null(x);
	assert_true(printable(x->why));
	assert_non_null(strstr(x->why, "malformed"));
	assert_string_equal(sa->why, "");
	assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
}

/* A well-formed QM1 makes one state; garbage under the same cookies and
 * a QM1 from another address make none. */
static void test_state_only_for_verified_qm1(void **state)
{
	struct fx *f = *state;
	struct ike_sa *sa = fx_sa(f, 0x43, 9);
	struct qm1 q = {sa->conn, false, 0};
	struct sockaddr_storage other = {0}, from, local;
	uint8_t junk[28 + 16], copy[4096];
	struct buf msg;

	ep_storage(sa, &from, &local);
	peer_msg(sa, ISAKMP_XCHG_QUICK, 0x2002, add_qm1, &q, &msg);
	memcpy(junk, msg.data, 28);
	junk[16] = 0; /* no first payload: it "parses" to nothing */
	put_u32(junk + 20, 0x2003);
	put_u32(junk + 24, sizeof(junk));
	memset(junk + 28, 0xee, 16);
	ike_packet_input(f->d, -1, junk, sizeof(junk), &from, &local);
	assert_int_equal(states(sa), 0);

	addr(&other, "192.0.2.3");
	memcpy(copy, msg.data, msg.len);
	ike_packet_input(f->d, -1, copy, msg.len, &other, &local);
	assert_int_equal(states(sa), 0);

	deliver(f, sa, &msg);
	assert_int_equal(states(sa), 1);
	buf_free(&msg);
}

/* An authenticated peer that starts Quick Modes and never finishes them
 * holds at most 16 states under one ISAKMP SA. */
static void test_quick_modes_capped(void **state)
{
	struct fx *f = *state;
	struct ike_sa *sa = fx_sa(f, 0x45, 11);
	struct qm1 q = {sa->conn, false, 0};
	struct buf msg;
	uint32_t i;

	for (i = 0; i < 40; i++) {
		peer_msg(sa, ISAKMP_XCHG_QUICK, 0x5000 + i, add_qm1, &q, &msg);
		deliver(f, sa, &msg);
		buf_free(&msg);
	}
	assert_int_equal(states(sa), 16);
}

static int add_refusal(struct wire_builder *w, const void *arg)
{
	return wire_add_notify(w, IPSEC_DOI, PROTO_ISAKMP, ISAKMP_N_NO_PROPOSAL_CHOSEN, NULL, 0,
			       NULL, 0);
}

static void count_done(void *arg, bool ok, const char *why)
{
	(*(int *)arg)++;
}

/* Defect 6: a QM1 replayed after its state is gone makes none; a
 * protected refusal replayed fails no Quick Mode under way. */
static void test_replays_dropped(void **state)
{
	struct fx *f = *state;
	struct ike_sa *sa = fx_sa(f, 0x46, 13);
	struct qm1 q = {sa->conn, false, 0};
	struct buf msg;
	int done = 0;

	peer_msg(sa, ISAKMP_XCHG_QUICK, 0x6001, add_qm1, &q, &msg);
	deliver(f, sa, &msg);
	assert_int_equal(states(sa), 1);
	quick_free_all(sa);
	deliver(f, sa, &msg);
	assert_int_equal(states(sa), 0);
	buf_free(&msg);

	quick_initiate(sa, NULL, count_done, &done);
	peer_msg(sa, ISAKMP_XCHG_INFO, 0x6002, add_refusal, NULL, &msg);
	deliver(f, sa, &msg);
	assert_int_equal(done, 1); /* the first copy refuses it */
	quick_initiate(sa, NULL, count_done, &done);
	deliver(f, sa, &msg);
	buf_free(&msg);
	assert_int_equal(done, 1);
	assert_int_equal(sa->quicks->state, QUICK_NEGOTIATING);
	quick_free_all(sa); /* before done goes out of scope */
}

/* A child of sa, as the responder makes it after QM3: a QM1 from the
 * peer, then the install on its state.  Returns our inbound SPI. */
static uint32_t make_child(struct fx *f, struct ike_sa *sa, uint32_t msgid, uint32_t peer_spi)
{
	struct qm1 q1 = {sa->conn, false, peer_spi};
	char why[256] = "";
	struct buf msg;
	uint32_t spi;

	peer_msg(sa, ISAKMP_XCHG_QUICK, msgid, add_qm1, &q1, &msg);
	deliver(f, sa, &msg);
	buf_free(&msg);
	assert_non_null(sa->quicks);
	assert_int_equal(child_install(sa->quicks, NULL, 0, why, sizeof(why)), 0);
	spi = sa->quicks->x->spi_in;
	quick_free_all(sa);
	return spi;
}

static bool child_there(struct fx *f, uint32_t spi_in)
{
	const struct child_sa *c;

	for (c = f->d->children; c; c = c->next)
		if (c->spi_in == spi_in)
			return true;
	return false;
}

static int add_delete_esp(struct wire_builder *w, const void *arg)
{
	const uint32_t *spi = arg;
	uint8_t spis[8];

	put_u32(spis, spi[0]);
	put_u32(spis + 4, spi[1]);
	return wire_add_delete(w, IPSEC_DOI, PROTO_IPSEC_ESP, 4, spis, 2);
}

static int add_delete_isakmp(struct wire_builder *w, const void *arg)
{
	const struct ike_sa *sa = arg;
	uint8_t spi[16];

	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	return wire_add_delete(w, IPSEC_DOI, PROTO_ISAKMP, 16, spi, 1);
}

/* Defect 8: two ISAKMP SAs with the same initiator cookie (the initiator
 * picks it: a peer can copy another's); a Delete under one names the
 * other's IPsec SA (both its SPIs) and the other ISAKMP SA.  Neither goes;
 * a Delete of its own IPsec SA still works. */
static void test_delete_scoped_to_its_sa(void **state)
{
	struct fx *f = *state;
	struct ike_sa *a = fx_sa(f, 0x44, 3), *b = fx_sa(f, 0x44, 4);
	uint32_t spi_a = make_child(f, a, 0x3001, 0xaaaa0001);
	uint32_t spi_b = make_child(f, b, 0x3002, 0xbbbb0001);
	uint32_t del_b[2] = {spi_b, 0xbbbb0001}, del_a[2] = {spi_a, 0xaaaa0001};
	struct buf msg;

	assert_memory_not_equal(a->rcookie, b->rcookie, 8);
	assert_true(child_there(f, spi_a) && child_there(f, spi_b));

	peer_msg(a, ISAKMP_XCHG_INFO, 0x4001, add_delete_esp, del_b, &msg);
	deliver(f, a, &msg);
	buf_free(&msg);
	assert_true(child_there(f, spi_b));

	peer_msg(a, ISAKMP_XCHG_INFO, 0x4002, add_delete_isakmp, b, &msg);
	deliver(f, a, &msg);
	buf_free(&msg);
	assert_int_equal(a->state, IKE_SA_ESTABLISHED);
	assert_int_equal(b->state, IKE_SA_ESTABLISHED);

	peer_msg(a, ISAKMP_XCHG_INFO, 0x4003, add_delete_esp, del_a, &msg);
	deliver(f, a, &msg);
	buf_free(&msg);
	assert_false(child_there(f, spi_a));
	assert_true(child_there(f, spi_b));
}

/* A finished initiator lingers to answer copies of QM2 with QM3: as long
 * as a responder with our settings retransmits QM2 (each wait doubling up
 * to retransmit_limit), or a lost QM3 leaves the responder without its
 * IPsec SA while we have ours.  Before, it lingered base << tries only
 * (32 s against the responder's 62 s with the defaults). */
static void test_linger_covers_peer_retransmissions(void **state)
{
	static const struct {
		unsigned base, tries, limit;
		uint64_t responder_ms;
	} rows[] = {
		{2000, 4, 0, 2000 + 4000 + 8000 + 16000 + 32000},
		{100, 20, 1000, 100 + 200 + 400 + 800 + 17 * 1000},
		{500, 3, 0, 500 + 1000 + 2000 + 4000},
	};
	struct ike_daemon d = {0};
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		d.retransmit_base_ms = rows[i].base;
		d.retransmit_tries = rows[i].tries;
		d.retransmit_limit_ms = rows[i].limit;
		assert_true(quick_linger_ms(&d) >= rows[i].responder_ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_proposal_has_a_reason, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_state_only_for_verified_qm1, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_quick_modes_capped, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_replays_dropped, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_delete_scoped_to_its_sa, fx_setup,
						fx_teardown),
		cmocka_unit_test(test_linger_covers_peer_retransmissions),
	};

	log_setup(true, LOG_LVL_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
