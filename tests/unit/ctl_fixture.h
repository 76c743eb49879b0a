/* A daemon with fake ISAKMP and IPsec SAs, for the ctl tests: no sockets,
 * no exchanges, only what status reads. */
#ifndef OAKLEY_TESTS_CTL_FIXTURE_H
#define OAKLEY_TESTS_CTL_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "ctl/ctl.h"
#include "util/hash.h"
#include "wire/alg.h"

struct fixture {
	struct conf conf;
	struct ike_daemon d;
};

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->d.conf = &f->conf;
	assert_int_equal(htable_init(&f->d.sa_by_icookie), 0);
	assert_int_equal(htable_init(&f->d.child_by_spi), 0);
	*state = f;
	return 0;
}

static inline void free_sa(struct ike_daemon *d, struct ike_sa *sa)
{
	if (sa->hashed)
		htable_del(&d->sa_by_icookie, &sa->by_icookie);
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		d->sas = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	free((void *)sa->conn); /* the fixture's own, not a conn_ref */
	free(sa);
}

static inline void free_child(struct ike_daemon *d, struct child_sa *c)
{
	if (c->by_spi[0].child)
		htable_del(&d->child_by_spi, &c->by_spi[0].node);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->children = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	while (f->d.sas)
		free_sa(&f->d, f->d.sas);
	while (f->d.children)
		free_child(&f->d, f->d.children);
	htable_free(&f->d.sa_by_icookie);
	htable_free(&f->d.child_by_spi);
	free(f);
	return 0;
}

static inline void set_addr(void *ss, uint32_t a) /* a sockaddr_storage or sockaddr_inet */
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	in->sin_family = AF_INET;
	in->sin_port = htons(500);
	in->sin_addr.s_addr = htonl(a);
}

/* An ISAKMP SA and an IPsec SA for connection cI, at the head of the
 * lists (newest first, as ike/ keeps them) or at the tail. */
static inline void add_pair(struct ike_daemon *d, unsigned i, bool at_tail)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	struct child_sa *c = calloc(1, sizeof(*c));
	struct conn *cn = calloc(1, sizeof(*cn));

	assert_non_null(sa);
	assert_non_null(c);
	assert_non_null(cn);
	sa->d = d;
	sa->serial = ++d->next_serial;
	snprintf(cn->name, sizeof(cn->name), "c%u", i);
	sa->conn = cn;
	sa->why = "";
	sa->state = IKE_SA_NEGOTIATING;
	set_addr(&sa->ep.local, 0xc0000201);
	set_addr(&sa->ep.remote, 0xc0000202);
	c->d = d;
	c->serial = ++d->next_serial;
	c->seq = ++d->next_child_seq;
	snprintf(c->conn_name, sizeof(c->conn_name), "c%u", i);
	c->tunnel = true;
	c->prop.encr = alg_by_name("aes128", ALG_ENCR);
	c->prop.integ = alg_by_name("sha1", ALG_INTEG);
	assert_non_null(c->prop.encr);
	set_addr(&c->local, 0xc0000201);
	set_addr(&c->remote, 0xc0000202);
	/* Hashed as ike/ hashes them, when the daemon has the tables. */
	memcpy(sa->icookie, &sa->serial, sizeof(sa->serial));
	c->spi_in = 0xc0000000u | c->serial;
	if (d->sa_by_icookie.nb) {
		sa->hashed = true;
		htable_add(&d->sa_by_icookie, &sa->by_icookie,
			   htable_hash(&d->sa_by_icookie, sa->icookie, 8));
		c->by_spi[0].child = c;
		htable_add(&d->child_by_spi, &c->by_spi[0].node,
			   htable_hash(&d->child_by_spi, &c->spi_in, sizeof(c->spi_in)));
	}
	if (at_tail && d->sas) {
		struct ike_sa *t = d->sas;
		struct child_sa *u = d->children;

		while (t->next)
			t = t->next;
		while (u->next)
			u = u->next;
		t->next = sa;
		sa->prev = t;
		u->next = c;
		c->prev = u;
		return;
	}
	sa->next = d->sas;
	if (d->sas)
		d->sas->prev = sa;
	d->sas = sa;
	c->next = d->children;
	if (d->children)
		d->children->prev = c;
	d->children = c;
}

static inline unsigned count(const struct buf *b, const char *needle)
{
	const char *p = (const char *)b->data, *end = p + b->len;
	size_t n = strlen(needle);
	unsigned k = 0;

	for (; p + n <= end; p++)
		if (!memcmp(p, needle, n))
			k++;
	return k;
}

#endif
