/* Dead Peer Detection between two in-process engines (exchange_fixture.h):
 * west probes an idle ISAKMP SA with R-U-THERE and east answers, though
 * its own DPD is off; when east falls silent, west's dpdtimeout fires and
 * dpdaction= clears, holds or restarts; a malformed or replayed
 * R-U-THERE is answered by nothing.  dpddelay=1, dpdtimeout=3: real
 * seconds on the loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "exchange_fixture.h"
#include "crypto/rand.h"
#include "ctl/status.h"
#include "ike/dpd.h"
#include "ike/exchange.h"
#include "ike/informational.h"
#include "wire/isakmp.h"

/* east's datagrams are dropped while this is set (a dead peer) */
static bool east_silent;

static void east_send(void *arg, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	if (!east_silent)
		net_send(arg, ep, msg, len);
}

/* west with dpdaction=action, east without DPD; up, east made mutable. */
static void dpd_start(struct net *n, const char *action)
{
	char west[1024], east[1024], dpd[128];

	snprintf(east, sizeof(east), base_conf, "");
	snprintf(dpd, sizeof(dpd), "\tauto=add\n\tdpdaction=%s\n\tdpddelay=1\n\tdpdtimeout=3\n",
		 action);
	replace(west, sizeof(west), east, "\tauto=add\n", dpd);
	east_silent = false;
	net_start_confs(n, west, east, "same secret", "same secret");
	n->d[EAST]->send = east_send;
	net_up(n);
	assert_true(n->ok);
}

/* The SA's status line (text or JSON) says it. */
static void status_has(const struct ike_sa *sa, bool json, const char *want)
{
	struct buf out;

	buf_init(&out);
	(json ? status_sa_json : status_sa_text)(sa, &out);
	buf_put_u8(&out, 0);
	if (!strstr((const char *)out.data, want))
		fail_msg("no '%s' in: %s", want, (const char *)out.data);
	buf_free(&out);
}

/* Idle: west probes, east (DPD off) answers, the SA and child stay. */
static void test_idle_probe_answered(void **state)
{
	struct ike_sa *w, *e;
	struct net n;

	dpd_start(&n, "clear");
	w = net_established(n.d[WEST]);
	e = net_established(n.d[EAST]);
	assert_non_null(w);
	assert_non_null(e);
	assert_true(w->dpd.on);
	assert_false(e->dpd.on); /* east has no dpdaction */
	assert_string_equal(dpd_state_name(e), "off");
	net_run_ms(&n, 4500);
	assert_ptr_equal(net_established(n.d[WEST]), w);
	assert_true(w->dpd.acks >= 2);
	assert_int_equal(w->dpd.acks, w->dpd.probes_all - (w->dpd.probing ? 1 : 0));
	/* east saw west's numbers, one after the other */
	assert_true(e->dpd.seq_in_seen);
	assert_int_equal(e->dpd.seq_in, w->dpd.seq_out);
	assert_non_null(n.d[WEST]->children);
	assert_null(net_failure(&n, WEST, "site"));
	status_has(w, false, "DPD: idle (dpdaction=clear, delay 1 s, timeout 3 s), R-U-THERE sent");
	status_has(w, false, ", last ACK ");
	status_has(w, true, "\"dpd\":{\"state\":\"idle\",\"action\":\"clear\",\"delay\":1,");
	status_has(e, false, "DPD: off, peer's last R-U-THERE");
	net_stop(&n);
}

/* Traffic (any authenticated IKE message) keeps it from probing. */
static void test_busy_not_probed(void **state)
{
	struct ike_sa *w;
	struct net n;
	int i;

	dpd_start(&n, "clear");
	w = net_established(n.d[WEST]);
	for (i = 0; i < 8; i++) {
		/* east says something every half delay */
		info_send_notify(net_established(n.d[EAST]), IPSEC_N_REPLAY_STATUS);
		net_run_ms(&n, 500);
	}
	assert_int_equal(w->dpd.probes_all, 0);
	assert_string_equal(dpd_state_name(w), "idle");
	net_stop(&n);
}

static void assert_dead_why(struct net *n)
{
	const char *why = net_failure(n, WEST, "site");

	assert_non_null(why);
	/* 1 s idle, then probes at 0, 1 and 2 s; dead at 3 s */
	if (strncmp(why, "peer dead: no answer to 3 R-U-THERE in 3 s", 42))
		fail_msg("why: %s", why);
}

static void test_dead_clear(void **state)
{
	struct net n;

	dpd_start(&n, "clear");
	east_silent = true;
	net_run_ms(&n, 5000);
	assert_null(net_established(n.d[WEST]));
	assert_null(n.d[WEST]->children);
	assert_dead_why(&n);
	assert_non_null(strstr(net_failure(&n, WEST, "site"), "dpdaction=clear"));
	assert_int_equal(dpd_held(n.d[WEST], NULL), 0);
	assert_false(dpd_restarting(n.d[WEST], "site"));
	net_stop(&n);
}

static void test_dead_hold(void **state)
{
	struct net n;

	dpd_start(&n, "hold");
	east_silent = true;
	net_run_ms(&n, 5000);
	assert_null(net_established(n.d[WEST]));
	assert_null(n.d[WEST]->children);
	assert_dead_why(&n);
	/* the child's policies are kept, until down */
	assert_int_equal(dpd_held(n.d[WEST], "site"), 1);
	assert_int_equal(ike_down(n.d[WEST], "site"), 0);
	assert_int_equal(dpd_held(n.d[WEST], NULL), 0);
	net_stop(&n);
}

/* Restart: tried again with back-off while east is silent, up as soon
 * as east answers again. */
static void test_dead_restart(void **state)
{
	struct net n;
	int i;

	dpd_start(&n, "restart");
	east_silent = true;
	net_run_ms(&n, 4300);
	assert_dead_why(&n);
	net_run_ms(&n, 2000); /* a try or two fails */
	assert_true(dpd_restarting(n.d[WEST], "site"));
	assert_null(n.d[WEST]->children);
	east_silent = false;
	for (i = 0; i < 100 && !n.d[WEST]->children; i++)
		net_run_ms(&n, 100);
	assert_non_null(n.d[WEST]->children);
	assert_false(dpd_restarting(n.d[WEST], "site"));
	assert_non_null(net_established(n.d[WEST]));
	net_stop(&n);
}

/* Restart state goes with down: no retry after it, nothing leaked. */
static void test_restart_down(void **state)
{
	struct net n;

	dpd_start(&n, "restart");
	east_silent = true;
	net_run_ms(&n, 4500);
	assert_true(dpd_restarting(n.d[WEST], "site"));
	assert_int_equal(ike_down(n.d[WEST], "site"), 0);
	assert_false(dpd_restarting(n.d[WEST], "site"));
	east_silent = false;
	net_run_ms(&n, 3000);
	assert_null(n.d[WEST]->children);
	net_stop(&n);
}

/* Shutdown while a restart waits or runs: its state goes with the
 * daemon (ASan: nothing leaked, nothing used after it was freed). */
static void test_restart_shutdown(void **state)
{
	struct net n;

	dpd_start(&n, "restart");
	east_silent = true;
	net_run_ms(&n, 4500);
	assert_true(dpd_restarting(n.d[WEST], "site"));
	net_stop(&n);
}

/* A notify east sends under its ISAKMP SA: type, SPI (spi_size bytes of
 * the cookies, or the cookies with a bit flipped) and data. */
struct raw_notify {
	uint16_t type;
	uint8_t spi[16];
	uint8_t spi_size;
	uint8_t data[8];
	size_t data_len;
};

static int add_raw_notify(void *state, struct wire_builder *w)
{
	const struct raw_notify *r = state;

	return wire_add_notify(w, IPSEC_DOI, PROTO_ISAKMP, r->type, r->spi, r->spi_size, r->data,
			       r->data_len);
}

static const struct send_spec send_raw = {
	.name = "test notify",
	.encrypted = true,
	.hashed = true,
	.add = {add_raw_notify},
};

static void east_sends(struct net *n, const struct raw_notify *r)
{
	uint32_t msgid;

	assert_int_equal(crypto_random(&msgid, sizeof(msgid)), 0);
	net_send_info(n, EAST, &send_raw, (void *)r, msgid | 1);
}

static void r_u_there(struct raw_notify *r, const struct ike_sa *sa, uint32_t seq)
{
	memset(r, 0, sizeof(*r));
	r->type = ISAKMP_N_DPD_R_U_THERE;
	memcpy(r->spi, sa->icookie, 8);
	memcpy(r->spi + 8, sa->rcookie, 8);
	r->spi_size = 16;
	put_u32(r->data, seq);
	r->data_len = 4;
}

/* west (whose own DPD is off here: east's conf) answers a well-formed
 * R-U-THERE once, and nothing else: not a malformed one, not one naming
 * another SA, not an old number. */
static void test_malformed_and_replayed_ignored(void **state)
{
	struct raw_notify r;
	struct ike_sa *w;
	unsigned sent;
	struct net n;
	char conf[1024];

	snprintf(conf, sizeof(conf), base_conf, "");
	east_silent = false;
	net_start_confs(&n, conf, conf, "same secret", "same secret");
	net_up(&n);
	assert_true(n.ok);
	net_run_ms(&n, 100);
	w = net_established(n.d[WEST]);
	assert_false(w->dpd.on);

	sent = n.sent[WEST];
	r_u_there(&r, w, 7);
	r.spi_size = 8; /* CKY-I only */
	east_sends(&n, &r);
	r_u_there(&r, w, 7);
	r.spi[3] ^= 0x80; /* another SA's cookies */
	east_sends(&n, &r);
	r_u_there(&r, w, 7);
	r.data_len = 0; /* no sequence number */
	east_sends(&n, &r);
	r_u_there(&r, w, 7);
	r.data_len = 3;
	east_sends(&n, &r);
	assert_int_equal(n.sent[WEST], sent); /* answered by nothing */
	assert_false(w->dpd.seq_in_seen);
	assert_ptr_equal(net_established(n.d[WEST]), w);

	r_u_there(&r, w, 7);
	east_sends(&n, &r);
	assert_int_equal(n.sent[WEST], sent + 1); /* the ACK */
	assert_true(w->dpd.seq_in_seen);
	assert_int_equal(w->dpd.seq_in, 7);
	east_sends(&n, &r); /* the same number again (a new message ID) */
	r_u_there(&r, w, 6);
	east_sends(&n, &r);
	assert_int_equal(n.sent[WEST], sent + 1);
	r_u_there(&r, w, 8);
	east_sends(&n, &r);
	assert_int_equal(n.sent[WEST], sent + 2);
	assert_int_equal(w->dpd.seq_in, 8);

	/* an ACK west never asked for changes nothing */
	r_u_there(&r, w, 8);
	r.type = ISAKMP_N_DPD_R_U_THERE_ACK;
	east_sends(&n, &r);
	assert_int_equal(n.sent[WEST], sent + 2);
	assert_ptr_equal(net_established(n.d[WEST]), w);
	assert_non_null(n.d[WEST]->children);
	net_stop(&n);
}

/* ---- Only the dead peer's IPsec SAs go ---- */

/* east answers from two addresses, as two road warriors of west's one
 * right=%any connection; the second falls silent. */
static const char *const east_two_here[] = {"192.0.2.2", "192.0.2.3", NULL};
static bool rw2_silent;

static void east_two_send(void *arg, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	char addr[64];

	if (rw2_silent && !sockaddr_addr_str(&ep->local.sa, addr, sizeof(addr)) &&
	    !strcmp(addr, "192.0.2.3"))
		return;
	net_send(arg, ep, msg, len);
}

static const char rw_west[] = "config setup\n\tdataplane=none\n"
			      "\tretransmit_timeout=0.2\n\tretransmit_tries=2\n"
			      "conn rw\n\tleft=192.0.2.1\n\tleftsubnet=10.1.0.0/24\n"
			      "\tright=%%any\n\tauthby=secret\n\tike=aes128-sha256-ecp256\n"
			      "\tesp=aes128-sha256\n\tdpdaction=%s\n\tdpddelay=1\n"
			      "\tdpdtimeout=3\n\tauto=add\n";
static const char rw_east[] = "config setup\n\tdataplane=none\n"
			      "\tretransmit_timeout=0.2\n\tretransmit_tries=2\n"
			      "conn rw1\n\tleft=192.0.2.2\n\tright=192.0.2.1\n"
			      "\trightsubnet=10.1.0.0/24\n\tauthby=secret\n"
			      "\tike=aes128-sha256-ecp256\n\tesp=aes128-sha256\n\tauto=add\n"
			      "conn rw2\n\tleft=192.0.2.3\n\tright=192.0.2.1\n"
			      "\trightsubnet=10.1.0.0/24\n\tauthby=secret\n"
			      "\tike=aes128-sha256-ecp256\n\tesp=aes128-sha256\n\tauto=add\n";

static struct conf *load_conf(struct net *n, int idx, const char *text, const char *const *local)
{
	struct conf *c = NULL;
	char err[512];
	int ret;

	n->paths[idx * 2] = tmp_file(text, 0644);
	n->paths[idx * 2 + 1] = tmp_file(": PSK \"same secret\"\n", 0600);
	ret = conf_load(n->paths[idx * 2], n->paths[idx * 2 + 1], stub_is_local, (void *)local, &c,
			err, sizeof(err));
	if (ret)
		fail_msg("conf_load: %d %s", ret, err);
	return c;
}

/* west's rw (dpdaction=action) with the two road warriors up. */
static void two_peers_start(struct net *n, const char *action)
{
	char west[1024];
	int i;

	snprintf(west, sizeof(west), rw_west, action);
	memset(n, 0, sizeof(*n));
	n->tail = &n->head;
	assert_int_equal(loop_new(&n->loop), 0);
	timer_init(&n->deliver, net_deliver, n);
	timer_init(&n->guard, net_guard, n);
	n->conf[WEST] = load_conf(n, WEST, west, west_here);
	n->conf[EAST] = load_conf(n, EAST, rw_east, east_two_here);
	for (i = 0; i < 2; i++) {
		n->side[i] = (struct side){n, i};
		assert_int_equal(ike_daemon_new_inproc(n->loop, n->conf[i],
						       i == WEST ? net_send : east_two_send,
						       &n->side[i], &n->d[i]),
				 0);
	}
	rw2_silent = false;
	net_up_at(n, EAST, "rw1");
	assert_true(n->ok);
	net_up_at(n, EAST, "rw2");
	assert_true(n->ok);
	net_run_ms(n, 100);
}

/* west's established ISAKMP SA with the peer at addr, or NULL. */
static struct ike_sa *sa_with(struct ike_daemon *d, const char *addr)
{
	struct ike_sa *sa;
	char a[64];

	for (sa = d->sas; sa; sa = sa->next)
		if (sa->state == IKE_SA_ESTABLISHED &&
		    !sockaddr_addr_str(&sa->ep.remote.sa, a, sizeof(a)) && !strcmp(a, addr))
			return sa;
	return NULL;
}

/* How many of west's IPsec SAs are with the peer at addr. */
static unsigned children_with(struct ike_daemon *d, const char *addr)
{
	const struct child_sa *c;
	unsigned k = 0;
	char a[64];

	for (c = d->children; c; c = c->next)
		k += !sockaddr_addr_str(&c->remote.sa, a, sizeof(a)) && !strcmp(a, addr);
	return k;
}

/* One road warrior of a right=%any connection dies: its IPsec SA goes
 * (or is held), the other's ISAKMP SA and IPsec SA stay. */
static void dead_one_of_two(const char *action)
{
	struct ike_sa *w2, *w3;
	struct net n;

	two_peers_start(&n, action);
	w2 = sa_with(n.d[WEST], "192.0.2.2");
	w3 = sa_with(n.d[WEST], "192.0.2.3");
	assert_non_null(w2);
	assert_non_null(w3);
	assert_ptr_not_equal(w2, w3);
	assert_true(w2->dpd.on && w3->dpd.on);
	assert_int_equal(children_with(n.d[WEST], "192.0.2.2"), 1);
	assert_int_equal(children_with(n.d[WEST], "192.0.2.3"), 1);
	rw2_silent = true;
	net_run_ms(&n, 5000);
	assert_null(sa_with(n.d[WEST], "192.0.2.3"));
	assert_int_equal(children_with(n.d[WEST], "192.0.2.3"), 0);
	/* the live peer: still up, its IPsec SA in place, never held */
	assert_ptr_equal(sa_with(n.d[WEST], "192.0.2.2"), w2);
	assert_int_equal(children_with(n.d[WEST], "192.0.2.2"), 1);
	assert_true(w2->dpd.acks >= 2);
	assert_int_equal(dpd_held(n.d[WEST], "rw"), !strcmp(action, "hold") ? 1 : 0);
	net_stop(&n);
}

static void test_dead_peer_only_its_children_clear(void **state)
{
	dead_one_of_two("clear");
}

static void test_dead_peer_only_its_children_hold(void **state)
{
	dead_one_of_two("hold");
}

/* A replaced ISAKMP SA (rk.replaced_by) probes no more: a dead peer is
 * the newest SA's business. */
static void test_replaced_sa_not_probed(void **state)
{
	struct ike_sa *w;
	struct net n;

	dpd_start(&n, "clear");
	w = net_established(n.d[WEST]);
	w->rk.replaced_by = w->serial + 100;
	east_silent = true;
	net_run_ms(&n, 5000);
	assert_ptr_equal(net_established(n.d[WEST]), w); /* first: w may be freed */
	assert_int_equal(w->dpd.probes_all, 0);
	assert_true(w->dpd.quiet);
	assert_string_equal(dpd_state_name(w), "quiet");
	assert_non_null(n.d[WEST]->children);
	assert_null(net_failure(&n, WEST, "site"));
	w->rk.replaced_by = 0;
	net_stop(&n);
}

/* east rekeys the ISAKMP SA and its Delete of the old one is lost: west's
 * old SA is not the newest with its peer, so it does not probe (east no
 * longer knows it) and the IPsec SA made under it stays; the new SA
 * probes and is answered. */
static const uint8_t *drop_icookie;

static void east_drop_old_send(void *arg, const struct ike_endpoint *ep, const uint8_t *msg,
			       size_t len)
{
	if (drop_icookie && len >= 8 && !memcmp(msg, drop_icookie, 8))
		return;
	net_send(arg, ep, msg, len);
}

static void test_rekey_lost_delete_old_sa_quiet(void **state)
{
	struct ike_sa *w0, *w1, *e0, *sa;
	uint8_t old_icookie[8];
	struct net n;

	dpd_start(&n, "clear");
	n.d[EAST]->send = east_drop_old_send;
	w0 = net_established(n.d[WEST]);
	e0 = net_established(n.d[EAST]);
	assert_non_null(w0);
	assert_non_null(e0);
	memcpy(old_icookie, e0->icookie, 8);
	drop_icookie = old_icookie;
	/* up a minute ago, so that the new one is no twin of it */
	e0->established_ms -= 60000;
	timer_arm(n.loop, &e0->rk.timer, 0);
	net_run_ms(&n, 5000);
	drop_icookie = NULL;
	/* east has only the new SA; west has both */
	for (sa = n.d[EAST]->sas; sa; sa = sa->next)
		assert_memory_not_equal(sa->icookie, old_icookie, 8);
	w1 = NULL;
	for (sa = n.d[WEST]->sas; sa; sa = sa->next)
		if (sa != w0 && sa->state == IKE_SA_ESTABLISHED)
			w1 = sa;
	assert_non_null(w1);
	/* first: w0 may be freed */
	for (sa = n.d[WEST]->sas; sa && sa != w0; sa = sa->next)
		;
	assert_ptr_equal(sa, w0);
	assert_int_equal(w0->state, IKE_SA_ESTABLISHED);
	assert_int_equal(w0->rk.replaced_by, 0); /* west only responded */
	assert_true(w1->serial > w0->serial);
	/* the old SA fell quiet, the IPsec SA made under it stays */
	assert_int_equal(w0->dpd.probes_all, 0);
	assert_string_equal(dpd_state_name(w0), "quiet");
	assert_non_null(n.d[WEST]->children);
	assert_memory_equal(n.d[WEST]->children->icookie, old_icookie, 8);
	assert_null(net_failure(&n, WEST, "site"));
	assert_true(w1->dpd.on);
	assert_true(w1->dpd.acks >= 1);
	net_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_probe_answered),
		cmocka_unit_test(test_busy_not_probed),
		cmocka_unit_test(test_dead_clear),
		cmocka_unit_test(test_dead_hold),
		cmocka_unit_test(test_dead_restart),
		cmocka_unit_test(test_restart_down),
		cmocka_unit_test(test_restart_shutdown),
		cmocka_unit_test(test_malformed_and_replayed_ignored),
		cmocka_unit_test(test_dead_peer_only_its_children_clear),
		cmocka_unit_test(test_dead_peer_only_its_children_hold),
		cmocka_unit_test(test_replaced_sa_not_probed),
		cmocka_unit_test(test_rekey_lost_delete_old_sa_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
