/* INITIAL-CONTACT on receipt, between three in-process engines: west
 * (192.0.2.1) and north (192.0.2.3) each have a tunnel to east
 * (192.0.2.2).  West "is killed" (its engine freed with every message it
 * sends lost, as kill -9 sends nothing) and starts again: new cookies,
 * the same identity.  Its first Main Mode carries INITIAL-CONTACT, and
 * east, once west's HASH_I verified, removes the SAs the earlier west had
 * (ISAKMP and IPsec), keeps the new ISAKMP SA that carried it, and keeps
 * north's SAs, and those of another identity from west's address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "ike/ike.h"
#include "net/sockaddr.h"

enum { WEST, EAST, NORTH, NODES };

static const char *const addrs[NODES] = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};
static const char *const here_of[NODES][2] = {
	{"192.0.2.1", NULL}, {"192.0.2.2", NULL}, {"192.0.2.3", NULL}};

struct pkt {
	struct pkt *next;
	int to;
	struct sockaddr_storage from, local;
	size_t len;
	uint8_t data[];
};

struct net3;

struct node {
	struct net3 *n;
	int idx;
};

struct net3 {
	struct loop *loop;
	struct ike_daemon *d[NODES];
	struct conf *conf[NODES];
	char *paths[NODES][2];
	struct node node[NODES];
	bool mute[NODES]; /* what it sends is lost */
	struct pkt *head, **tail;
	struct timer deliver, guard;
	bool done, ok;
	char why[512];
};

static void deliver(void *arg)
{
	struct net3 *n = arg;
	struct pkt *p = n->head;

	if (!p)
		return;
	n->head = p->next;
	if (!n->head)
		n->tail = &n->head;
	if (n->d[p->to])
		ike_packet_input(n->d[p->to], -1, p->data, p->len, &p->from, &p->local);
	free(p);
	if (n->head)
		timer_arm(n->loop, &n->deliver, 0);
}

static int node_of(const struct sockaddr *sa)
{
	char s[64];
	int i;

	assert_int_equal(sockaddr_str(sa, s, sizeof(s)), 0);
	for (i = 0; i < NODES; i++)
		if (!strncmp(s, addrs[i], strlen(addrs[i])) && s[strlen(addrs[i])] == '[')
			return i;
	fail_msg("no node at %s", s);
	return -1;
}

static void send3(void *arg, const struct ike_endpoint *ep, const uint8_t *msg, size_t len)
{
	struct node *nd = arg;
	struct net3 *n = nd->n;
	struct pkt *p;

	if (n->mute[nd->idx])
		return;
	p = calloc(1, sizeof(*p) + len);
	assert_non_null(p);
	p->to = node_of(&ep->remote.sa);
	memcpy(&p->from, &ep->local, sockaddr_len(&ep->local.sa));
	memcpy(&p->local, &ep->remote, sockaddr_len(&ep->remote.sa));
	p->len = len;
	memcpy(p->data, msg, len);
	*n->tail = p;
	n->tail = &p->next;
	timer_arm(n->loop, &n->deliver, 0);
}

static void guard(void *arg)
{
	loop_stop(((struct net3 *)arg)->loop);
}

#define SETUP "config setup\n\tdataplane=none\n\tretransmit_timeout=0.2\n\tretransmit_tries=2\n"
#define CONN  "\tauthby=secret\n\tike=aes128-sha256-ecp256\n\tesp=aes128-sha256\n\tauto=add\n"

/* West: conns "site" (ID @west) and "other" (ID @other-west), each to
 * east; north: "site" to east; east: one conn for each of them. */
static const char *const confs[NODES] = {
	SETUP "conn site\n\tleft=192.0.2.1\n\tleftid=@west\n\tleftsubnet=10.1.0.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN
	      "conn other\n\tleft=192.0.2.1\n\tleftid=@other-west\n\tleftsubnet=10.1.1.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN,
	SETUP "conn west\n\tleft=192.0.2.1\n\tleftid=@west\n\tleftsubnet=10.1.0.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN
	      "conn other\n\tleft=192.0.2.1\n\tleftid=@other-west\n\tleftsubnet=10.1.1.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN
	      "conn north\n\tleft=192.0.2.3\n\tleftid=@north\n\tleftsubnet=10.3.0.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN,
	SETUP "conn site\n\tleft=192.0.2.3\n\tleftid=@north\n\tleftsubnet=10.3.0.0/24\n"
	      "\tright=192.0.2.2\n\trightid=@east\n\trightsubnet=10.2.0.0/24\n" CONN,
};
static const char secrets[] = "@east @west : PSK \"west secret\"\n"
			      "@east @other-west : PSK \"other secret\"\n"
			      "@east @north : PSK \"north secret\"\n";

static void node_start(struct net3 *n, int i)
{
	char err[512];
	int ret;

	ret = conf_load(n->paths[i][0], n->paths[i][1], stub_is_local, (void *)here_of[i],
			&n->conf[i], err, sizeof(err));
	if (ret)
		fail_msg("conf_load: %d %s", ret, err);
	n->node[i] = (struct node){n, i};
	assert_int_equal(ike_daemon_new_inproc(n->loop, n->conf[i], send3, &n->node[i], &n->d[i]),
			 0);
}

static void node_stop(struct net3 *n, int i)
{
	ike_daemon_free(n->d[i]);
	n->d[i] = NULL;
	conf_free(n->conf[i]);
	n->conf[i] = NULL;
}

static void net3_start(struct net3 *n)
{
	int i;

	memset(n, 0, sizeof(*n));
	n->tail = &n->head;
	assert_int_equal(loop_new(&n->loop), 0);
	timer_init(&n->deliver, deliver, n);
	timer_init(&n->guard, guard, n);
	for (i = 0; i < NODES; i++) {
		n->paths[i][0] = tmp_file(confs[i], 0644);
		n->paths[i][1] = tmp_file(secrets, 0600);
		node_start(n, i);
	}
}

static void net3_stop(struct net3 *n)
{
	int i;

	for (i = 0; i < NODES; i++)
		if (n->d[i])
			node_stop(n, i);
	while (n->head) {
		struct pkt *p = n->head;

		n->head = p->next;
		free(p);
	}
	loop_free(n->loop);
	for (i = 0; i < NODES; i++) {
		tmp_remove(n->paths[i][0]);
		tmp_remove(n->paths[i][1]);
	}
}

static void up_done(void *arg, bool ok, const char *why)
{
	struct net3 *n = arg;

	n->done = true;
	n->ok = ok;
	snprintf(n->why, sizeof(n->why), "%s", why);
	loop_stop(n->loop);
}

static void run_ms(struct net3 *n, uint64_t ms)
{
	timer_arm(n->loop, &n->guard, ms);
	loop_run(n->loop);
	timer_cancel(n->loop, &n->guard);
}

static void up(struct net3 *n, int i, const char *name)
{
	n->done = false;
	ike_up(n->d[i], name, up_done, n);
	if (!n->done)
		run_ms(n, 20000);
	if (!n->done || !n->ok)
		fail_msg("up %s: %s", name, n->done ? n->why : "no answer");
	run_ms(n, 50); /* east's last messages, the reaper */
}

struct seen {
	unsigned isakmp, children;
	uint8_t icookie[8]; /* of the last ISAKMP SA seen */
	uint32_t spi_in;    /* of the last IPsec SA seen */
};

/* East's established ISAKMP SAs and IPsec SAs of connection name. */
static struct seen east_has(const struct net3 *n, const char *name)
{
	const struct ike_sa *sa;
	const struct child_sa *c;
	struct seen s = {0};

	for (sa = n->d[EAST]->sas; sa; sa = sa->next)
		if (sa->state == IKE_SA_ESTABLISHED && !strcmp(sa->conn->name, name)) {
			s.isakmp++;
			memcpy(s.icookie, sa->icookie, 8);
		}
	for (c = n->d[EAST]->children; c; c = c->next)
		if (!strcmp(c->conn_name, name)) {
			s.children++;
			s.spi_in = c->spi_in;
		}
	return s;
}

static void test_restarted_peer_replaces_its_sas(void **state)
{
	struct seen west0, other0, north0, west1, other1, north1;
	const struct child_sa *c;
	struct net3 n;

	net3_start(&n);
	up(&n, WEST, "site");
	up(&n, WEST, "other");
	up(&n, NORTH, "site");
	west0 = east_has(&n, "west");
	other0 = east_has(&n, "other");
	north0 = east_has(&n, "north");
	assert_int_equal(west0.isakmp, 1);
	assert_int_equal(west0.children, 1);
	assert_int_equal(other0.children, 1);
	assert_int_equal(north0.children, 1);

	/* kill -9: nothing goes out (no Delete), then a fresh start */
	n.mute[WEST] = true;
	node_stop(&n, WEST);
	run_ms(&n, 10);
	n.mute[WEST] = false;
	node_start(&n, WEST);
	up(&n, WEST, "site");

	west1 = east_has(&n, "west");
	other1 = east_has(&n, "other");
	north1 = east_has(&n, "north");
	/* only the new ISAKMP SA and the new IPsec SA of west's identity */
	assert_int_equal(west1.isakmp, 1);
	assert_memory_not_equal(west1.icookie, west0.icookie, 8);
	assert_memory_equal(west1.icookie, n.d[WEST]->sas->icookie, 8);
	assert_int_equal(west1.children, 1);
	assert_int_not_equal(west1.spi_in, west0.spi_in);
	c = n.d[WEST]->children;
	assert_non_null(c);
	assert_null(c->next);
	assert_int_equal(c->spi_out, west1.spi_in); /* the tunnel is the new one */
	/* the other identity at west's address, and north: untouched */
	assert_int_equal(other1.isakmp, 1);
	assert_memory_equal(other1.icookie, other0.icookie, 8);
	assert_int_equal(other1.children, 1);
	assert_int_equal(other1.spi_in, other0.spi_in);
	assert_int_equal(north1.isakmp, 1);
	assert_memory_equal(north1.icookie, north0.icookie, 8);
	assert_int_equal(north1.children, 1);
	assert_int_equal(north1.spi_in, north0.spi_in);
	net3_stop(&n);
}

/* A second ISAKMP SA with a peer already up (a rekey, another conn)
 * carries no INITIAL-CONTACT: nothing goes. */
static void test_no_initial_contact_while_up(void **state)
{
	struct seen before, after;
	struct net3 n;

	net3_start(&n);
	up(&n, WEST, "site");
	before = east_has(&n, "west");
	up(&n, WEST, "other"); /* west has an SA with east: no INITIAL-CONTACT */
	after = east_has(&n, "west");
	assert_int_equal(after.isakmp, 1);
	assert_memory_equal(after.icookie, before.icookie, 8);
	assert_int_equal(after.children, 1);
	assert_int_equal(after.spi_in, before.spi_in);
	net3_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restarted_peer_replaces_its_sas),
		cmocka_unit_test(test_no_initial_contact_while_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
