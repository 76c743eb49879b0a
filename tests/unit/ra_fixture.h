/* Remote access between two in-process engines (exchange_fixture.h):
 * west is the XAUTH and Mode Config client, east the server with a pool.
 * Shared by the test_exchange_xauth*.c and test_exchange_ra_*.c binaries;
 * static functions only: each includes it after exchange_fixture.h. */
#ifndef OAKLEY_TEST_RA_FIXTURE_H
#define OAKLEY_TEST_RA_FIXTURE_H

#include <arpa/inet.h>

#include "exchange_fixture.h"
#include "ike/ra.h"

struct ra_opts {
	const char *password;  /* west's for bob ("secret1" is right) */
	bool push;	       /* modecfgpull=no */
	const char *last;      /* the pool's last address */
	bool client_xauth_off; /* west is no XAUTH client */
};

static void set_addr(struct conf_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, s, &a->a.v4), 1);
}

static void add_user(struct conf *c, const char *user, const char *password)
{
	struct conf_xauth_user *u;

	c->xauth_users = realloc(c->xauth_users, (c->nxauth_users + 1) * sizeof(*u));
	assert_non_null(c->xauth_users);
	u = &c->xauth_users[c->nxauth_users++];
	memset(u, 0, sizeof(*u));
	snprintf(u->user, sizeof(u->user), "%s", user);
	snprintf(u->secret, sizeof(u->secret), "%s", password);
}

/* What raconf's keys set (leftauth2=xauth, rightsourceip=, ...), set
 * directly so that this test does not depend on the key names. */
static void ra_setup(struct net *n, const struct ra_opts *o)
{
	struct conf *w = n->conf[WEST], *e = n->conf[EAST];
	struct conn *c;
	unsigned i;

	for (i = 0; i < w->nconns; i++) {
		c = &w->conns[i];
		c->ra.xauth = o->client_xauth_off ? CONN_XAUTH_NONE : CONN_XAUTH_CLIENT;
		c->ra.user = i == 0 ? "bob" : "alice";
		c->ra.modecfg_client = true;
		c->ra.modecfg_pull = !o->push;
		c->ra.unity = true;
	}
	add_user(w, "bob", o->password ? o->password : "secret1");
	add_user(w, "alice", "secret2");
	c = &e->conns[0];
	c->ra.xauth = CONN_XAUTH_SERVER;
	c->ra.xauthby = XAUTHBY_FILE;
	c->ra.modecfg_server = true;
	c->ra.modecfg_pull = !o->push;
	c->ra.pool = 1;
	c->ra.ndns = 1;
	set_addr(&c->ra.dns[0], "10.2.0.53");
	c->ra.banner = "welcome";
	e->pools = calloc(1, sizeof(*e->pools));
	assert_non_null(e->pools);
	e->npools = 1;
	snprintf(e->pools[0].name, sizeof(e->pools[0].name), "10.3.0.1-%s",
		 o->last ? o->last : "10.3.0.20");
	set_addr(&e->pools[0].first, "10.3.0.1");
	set_addr(&e->pools[0].last, o->last ? o->last : "10.3.0.20");
	add_user(e, "bob", "secret1");
	add_user(e, "alice", "secret2");
}

static void ra_start(struct net *n, const struct ra_opts *o, const char *client_conf,
		     const char *server_conf, const char *secrets)
{
	net_start_secrets(n, client_conf, server_conf, secrets, secrets);
	ra_setup(n, o);
}

/* The arrays set here go before the configurations (whoever frees them). */
static void stop(struct net *n)
{
	int i;

	for (i = 0; i < 2; i++)
		ike_daemon_free(n->d[i]);
	while (n->head) {
		struct pkt *p = n->head;

		n->head = p->next;
		free(p);
	}
	loop_free(n->loop);
	for (i = 0; i < 2; i++) {
		free(n->conf[i]->pools);
		n->conf[i]->pools = NULL;
		n->conf[i]->npools = 0;
		free(n->conf[i]->xauth_users);
		n->conf[i]->xauth_users = NULL;
		n->conf[i]->nxauth_users = 0;
		conf_free(n->conf[i]);
	}
	for (i = 0; i < 4; i++)
		tmp_remove(n->paths[i]);
}

static struct ike_sa *sa_of(struct ike_daemon *d, const char *conn)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next)
		if (!strcmp(sa->conn->name, conn) && sa->state == IKE_SA_ESTABLISHED)
			return sa;
	return NULL;
}

#endif
