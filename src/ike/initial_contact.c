/* INITIAL-CONTACT on receipt.  The peer's identity is its authenticated
 * ID payload and its address: a road warrior behind a NAT may come back
 * from another port.  The candidates are found through groups, not walks
 * of every SA: the established ISAKMP SAs with that address (by_peer),
 * and the IPsec SAs of their connections (by_conn). */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "ike/child.h"
#include "ike/initial_contact.h"
#include "ike/quick.h"
#include "ike/ra.h"
#include "net/sockaddr.h"
#include "util/log.h"
#include "wire/isakmp.h"
#include "wire/message.h"
#include "wire/payload.h"

/* connections whose IPsec SAs are looked at: a group's pairs and a few */
#define IC_MAX_NAMES (CONF_MAX_SUBNETS * CONF_MAX_SUBNETS + 16)

struct ic_run {
	struct ike_sa *sa;
	const char *names[IC_MAX_NAMES];
	unsigned nnames;
	unsigned isakmp, ipsec;
	char spis[256];
	size_t spis_len;
};

/* The ID payload's body: m's, or for an Aggressive Mode responder (AM3
 * carries none) AM1's, kept by the exchange for HASH_I. */
static bool peer_id_body(const struct ike_sa *sa, const struct ike_msg *m, struct cursor *body)
{
	const struct wire_payload *p = m ? wire_find(&m->pl, ISAKMP_PL_ID) : NULL;
	const struct buf *id;

	if (p) {
		*body = p->body;
		return true;
	}
	/* Aggressive Mode: the peer's ID came in AM1 (AM2), before its proof */
	if (sa->exchange != ISAKMP_XCHG_AGGRESSIVE || !sa->x)
		return false;
	id = sa->initiator ? &sa->x->idir_b : &sa->x->idii_b;
	if (!id->len)
		return false;
	*body = (struct cursor){id->data, id->len};
	return true;
}

static void record_id(struct ike_sa *sa, const struct ike_msg *m)
{
	struct cursor body;
	struct wire_id id;
	unsigned int len = 0;
	uint8_t buf[1 + 256];

	if (!peer_id_body(sa, m, &body) || wire_parse_id(body, &id) || id.data.len > 255)
		return;
	buf[0] = id.type;
	memcpy(buf + 1, id.data.p, id.data.len);
	sa->ic.have_id =
		EVP_Digest(buf, 1 + id.data.len, sa->ic.id_digest, &len, EVP_sha256(), NULL) == 1 &&
		len == sizeof(sa->ic.id_digest);
}

static bool has_ic(const struct ike_msg *m)
{
	struct wire_notify n;
	unsigned i;

	for (i = 0; i < m->pl.n; i++)
		if (m->pl.p[i].type == ISAKMP_PL_N && !wire_parse_notify(m->pl.p[i].body, &n) &&
		    n.type == IPSEC_N_INITIAL_CONTACT)
			return true;
	return false;
}

/* The same authenticated identity: by the IDs both sent, only.  Not by
 * the connections' IDs: on a %any conn, or one with a shared key for a
 * group, they say nothing of which peer authenticated. */
bool ic_same_identity(const struct ike_sa *a, const struct ike_sa *b)
{
	return a->ic.have_id && b->ic.have_id &&
	       !memcmp(a->ic.id_digest, b->ic.id_digest, sizeof(a->ic.id_digest)) &&
	       ra_same_user(a, b); /* a group's PSK: the XAUTH user too */
}

bool ic_same_endpoint(const struct ike_sa *sa, const struct sockaddr *addr)
{
	if (natt_active(sa))
		return sockaddr_equal(addr, &sa->ep.remote.sa);
	return sockaddr_addr_equal(addr, &sa->ep.remote.sa);
}

static void add_name(struct ic_run *r, const char *name)
{
	unsigned i;

	for (i = 0; i < r->nnames; i++)
		if (!strcmp(r->names[i], name))
			return;
	if (r->nnames < IC_MAX_NAMES)
		r->names[r->nnames++] = name;
}

/* The connections whose IPsec SAs may be the earlier self's: the new SA's
 * (and the other pairs of its group of subnets), the old SAs'. */
static void add_conn_names(struct ic_run *r, const struct conn *c)
{
	const struct conn *g;
	char group[64];
	unsigned n, i;

	add_name(r, c->name);
	if (conf_group_name(c, group, sizeof(group)) ||
	    !(g = conf_group(r->sa->d->conf, group, &n)))
		return;
	for (i = 0; i < n; i++)
		add_name(r, g[i].name);
}

static struct ike_sa *old_isakmp(struct ic_run *r)
{
	const struct group_link *l;
	struct ike_sa *o;

	for (l = ike_sa_peer_first(r->sa); l; l = l->next) {
		o = container_of(l, struct ike_sa, by_peer);
		if (o != r->sa && o->state == IKE_SA_ESTABLISHED && ic_same_identity(o, r->sa))
			return o;
	}
	return NULL;
}

/* An IPsec SA of the earlier self: not made by the new SA, with the
 * peer's endpoint (its port too behind a NAT: other peers may share the
 * address), and made by an ISAKMP SA of the same authenticated identity;
 * if that SA is gone, with the very address and port of the new one. */
static bool old_child(const struct ic_run *r, const struct child_sa *c)
{
	const struct ike_sa *sa = r->sa, *owner;

	if (!memcmp(c->icookie, sa->icookie, 8) && !memcmp(c->rcookie, sa->rcookie, 8))
		return false;
	if (!ic_same_endpoint(sa, &c->remote.sa))
		return false;
	owner = ike_sa_find(sa->d, c->icookie, c->rcookie);
	if (!owner)
		return sockaddr_equal(&c->remote.sa, &sa->ep.remote.sa);
	return owner != sa && ic_same_identity(owner, sa);
}

static struct child_sa *next_old_child(struct ic_run *r, const char *name)
{
	const struct group_link *l;
	struct child_sa *c;

	for (l = group_head(&r->sa->d->child_by_conn, name, strlen(name)); l; l = l->next) {
		c = container_of(l, struct child_sa, by_conn);
		if (old_child(r, c))
			return c;
	}
	return NULL;
}

static void remove_children(struct ic_run *r)
{
	struct child_sa *c;
	unsigned i;
	int n;

	for (i = 0; i < r->nnames; i++)
		while ((c = next_old_child(r, r->names[i]))) {
			n = snprintf(r->spis + r->spis_len, sizeof(r->spis) - r->spis_len,
				     " %08x/%08x", c->spi_in, c->spi_out);
			if (n > 0 && r->spis_len + (size_t)n < sizeof(r->spis))
				r->spis_len += (size_t)n;
			r->ipsec++;
			child_remove(c, false); /* the peer lost them: no Delete */
		}
}

static void note_old_conns(struct ic_run *r)
{
	const struct group_link *l;
	struct ike_sa *o;

	for (l = ike_sa_peer_first(r->sa); l; l = l->next) {
		o = container_of(l, struct ike_sa, by_peer);
		if (o != r->sa && o->state == IKE_SA_ESTABLISHED && ic_same_identity(o, r->sa))
			add_conn_names(r, o->conn);
	}
}

void initial_contact_note_peer_id(struct ike_sa *sa)
{
	record_id(sa, NULL);
}

unsigned initial_contact_received(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ic_run r = {.sa = sa};
	char peer[64], serials[128] = "";
	size_t slen = 0;
	struct ike_sa *o;
	int n;

	if (m)
		record_id(sa, m);
	if (m && !has_ic(m))
		return 0;
	if (m && ra_ic_defer(sa)) /* until XAUTH says who the peer is */
		return 0;
	add_conn_names(&r, sa->conn);
	note_old_conns(&r);
	/* The IPsec SAs first: their ISAKMP SAs still tell whose they are. */
	remove_children(&r);
	while ((o = old_isakmp(&r))) {
		n = snprintf(serials + slen, sizeof(serials) - slen, " #%u", o->serial);
		if (n > 0 && slen + (size_t)n < sizeof(serials))
			slen += (size_t)n;
		r.isakmp++;
		ike_sa_log(o, LOG_LVL_INFO,
			   "ISAKMP SA removed: the peer restarted (INITIAL-CONTACT "
			   "under #%u)",
			   sa->serial);
		ike_sa_set_why(o, "the peer restarted (INITIAL-CONTACT)");
		ike_sa_free(o);
	}
	sockaddr_str(&sa->ep.remote.sa, peer, sizeof(peer));
	ike_sa_log(sa, r.isakmp + r.ipsec ? LOG_LVL_INFO : LOG_LVL_DEBUG,
		   "INITIAL-CONTACT from %s: removed %u earlier ISAKMP SA%s%s and %u IPsec SA "
		   "pair%s%s%s%s",
		   peer, r.isakmp, r.isakmp == 1 ? "" : "s", r.isakmp ? serials : "", r.ipsec,
		   r.ipsec == 1 ? "" : "s", r.ipsec ? " (in/out SPIs" : "", r.ipsec ? r.spis : "",
		   r.ipsec ? ")" : "");
	return r.isakmp + r.ipsec;
}
