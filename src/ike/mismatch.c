#include <stdio.h>
#include <string.h>

#include "ike/mismatch.h"
#include "ike/ra.h"
#include "ike/natt.h"
#include "wire/isakmp.h"

#define MAX_DIFFS 5

struct diff {
	const char *what;
	char peer[48], ours[48];
};

struct explanation {
	struct diff d[MAX_DIFFS];
	unsigned n;
};

static void diff_add(struct explanation *e, const char *what, const char *peer, const char *ours)
{
	if (e->n == MAX_DIFFS)
		return;
	e->d[e->n].what = what;
	snprintf(e->d[e->n].peer, sizeof(e->d[e->n].peer), "%s", peer);
	snprintf(e->d[e->n].ours, sizeof(e->d[e->n].ours), "%s", ours);
	e->n++;
}

static const char *alg_shown(const struct alg *a, const char *none)
{
	return a ? a->display : none;
}

static const char *auth_name(uint16_t auth)
{
	const char *n = wire_auth_name(auth);

	return strcmp(n, "UNKNOWN") ? n : "an unknown method";
}

void proposal_str(const struct proposal *p, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s", p->encr->name, p->integ ? "-" : "",
		 p->integ ? p->integ->name : "", p->dh ? "-" : "", p->dh ? p->dh->name : "");
}

void proposals_str(const char *key, const struct proposal_list *l, char *out, size_t len)
{
	size_t off;
	unsigned i;
	int n;

	n = snprintf(out, len, "%s=", key);
	off = n > 0 ? (size_t)n : 0;
	for (i = 0; i < l->n && off + 1 < len; i++) {
		if (i) {
			out[off++] = ',';
			out[off] = 0;
		}
		proposal_str(&l->p[i], out + off, len - off);
		off += strlen(out + off);
	}
}

static void p1_diff(const struct p1_offer *o, const struct proposal *p, const struct conn *c,
		    struct explanation *e)
{
	memset(e, 0, sizeof(*e));
	if (o->encr != p->encr)
		diff_add(e, "encryption", alg_shown(o->encr, "unknown"), p->encr->display);
	if (o->hash != p->integ)
		diff_add(e, "hash", alg_shown(o->hash, "unknown"), p->integ->display);
	if (o->group != p->dh)
		diff_add(e, "DH group", alg_shown(o->group, "unknown"), p->dh->display);
	if (o->auth != ra_wire_auth(c))
		diff_add(e, "auth method", auth_name(o->auth), auth_name(ra_wire_auth(c)));
	if (o->unknown && !e->n)
		diff_add(e, "attributes", "one we do not support", "none");
}

static void p2_diff(const struct p2_offer *o, const struct proposal *p, const struct conn *c,
		    struct explanation *e)
{
	uint16_t encap = c->mode == MODE_TUNNEL ? IPSEC_ENCAP_TUNNEL : IPSEC_ENCAP_TRANSPORT;

	memset(e, 0, sizeof(*e));
	if (o->encr != p->encr)
		diff_add(e, "cipher", alg_shown(o->encr, "unknown"), p->encr->display);
	if (o->integ != p->integ)
		diff_add(e, "integrity", alg_shown(o->integ, "none"), alg_shown(p->integ, "none"));
	if (o->group != p->dh || (o->group_id && !o->group)) {
		char peer[24];

		if (o->group_id && !o->group)
			snprintf(peer, sizeof(peer), "group %u", o->group_id);
		else
			snprintf(peer, sizeof(peer), "%s", alg_shown(o->group, "none"));
		diff_add(e, o->group_id && p->dh ? "PFS group" : "PFS", peer,
			 alg_shown(p->dh, "none"));
	}
	if (natt_encap_plain(o->encap) != encap) /* UDP-encapsulated fits plain */
		diff_add(e, "mode", encap_name(o->encap), encap_name(encap));
	if (o->unknown && !e->n)
		diff_add(e, "attributes", "one we do not support", "none");
}

/* "...; closest local proposal X differs in A (p vs o), B (p vs o)" */
static void explain(const char *offered, const char *key, const struct proposal *closest,
		    const struct explanation *e, char *why, size_t whylen)
{
	char name[128];
	size_t off;
	unsigned i;
	int n;

	proposal_str(closest, name, sizeof(name));
	n = snprintf(
		why, whylen,
		"no proposal chosen: peer offered %s; closest local proposal %s=%s differs in ",
		offered, key, name);
	off = n > 0 ? (size_t)n : 0;
	for (i = 0; i < e->n && i < MAX_DIFFS && off < whylen; i++) {
		n = snprintf(why + off, whylen - off, "%s%s (%s vs %s)", i ? ", " : "",
			     e->d[i].what, e->d[i].peer, e->d[i].ours);
		off += n > 0 ? (size_t)n : 0;
	}
}

unsigned p1_explain(const struct conn *c, const struct p1_offer *offers, unsigned n, char *why,
		    size_t whylen)
{
	struct explanation best = {.n = MAX_DIFFS + 1}, e;
	const struct proposal *closest = &c->ike.p[0];
	char offered[384] = "", one[96];
	size_t off = 0;
	unsigned i, j;

	for (j = 0; j < n; j++) {
		p1_offer_str(&offers[j], one, sizeof(one));
		off += (size_t)snprintf(offered + off,
					off < sizeof(offered) ? sizeof(offered) - off : 0, "%s%s",
					j ? ", " : "", one);
		for (i = 0; i < c->ike.n; i++) {
			p1_diff(&offers[j], &c->ike.p[i], c, &e);
			if (e.n < best.n) {
				best = e;
				closest = &c->ike.p[i];
			}
		}
	}
	explain(offered, "ike", closest, &best, why, whylen);
	return best.n;
}

unsigned p2_explain(const struct conn *c, const struct p2_offer *offers, unsigned n, char *why,
		    size_t whylen)
{
	struct explanation best = {.n = MAX_DIFFS + 1}, e;
	const struct proposal *closest = &c->esp.p[0];
	char offered[384] = "", one[96];
	size_t off = 0;
	unsigned i, j;

	for (j = 0; j < n; j++) {
		p2_offer_str(&offers[j], one, sizeof(one));
		off += (size_t)snprintf(offered + off,
					off < sizeof(offered) ? sizeof(offered) - off : 0, "%s%s",
					j ? ", " : "", one);
		for (i = 0; i < c->esp.n; i++) {
			p2_diff(&offers[j], &c->esp.p[i], c, &e);
			if (e.n < best.n) {
				best = e;
				closest = &c->esp.p[i];
			}
		}
	}
	explain(offered, "esp", closest, &best, why, whylen);
	return best.n;
}
