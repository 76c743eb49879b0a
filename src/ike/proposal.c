/* Proposal building and choice for both phases (RFC 2408 4.2, RFC 2409 5,
 * RFC 2407 4.5).  The responder walks its own list in order and takes the
 * first entry the peer offered: local preference decides. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/mismatch.h"
#include "ike/natt.h"
#include "ike/proposal.h"
#include "ike/ra.h"
#include "wire/isakmp.h"

#define RFC2407_DEFAULT_LIFE_S 28800 /* RFC 2407 4.5: when none is proposed */

static void spec_add(struct wire_transform_spec *t, uint16_t type, uint32_t value)
{
	if (t->nattrs < sizeof(t->attrs) / sizeof(t->attrs[0]))
		t->attrs[t->nattrs++] = (struct wire_attr_spec){type, value};
}

static void p1_transform(struct wire_transform_spec *t, uint8_t num, const struct proposal *p,
			 const struct conn *c)
{
	memset(t, 0, sizeof(*t));
	t->num = num;
	t->id = KEY_IKE;
	spec_add(t, IKE_ATTR_ENCRYPTION_ALGORITHM, p->encr->ike_id);
	if (p->encr->keylen_attr)
		spec_add(t, IKE_ATTR_KEY_LENGTH, p->encr->key_bits);
	spec_add(t, IKE_ATTR_HASH_ALGORITHM, p->integ->ike_id);
	spec_add(t, IKE_ATTR_AUTHENTICATION_METHOD, ra_wire_auth(c));
	spec_add(t, IKE_ATTR_GROUP_DESCRIPTION, p->dh->ike_id);
	spec_add(t, IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
	spec_add(t, IKE_ATTR_LIFE_DURATION, c->ikelifetime_s);
}

int p1_add_sa(struct wire_builder *w, const struct conn *c)
{
	struct wire_transform_spec t[16];
	struct wire_proposal_spec prop = {.num = 1, .proto = PROTO_ISAKMP};
	unsigned i;

	for (i = 0; i < c->ike.n && i < 16; i++)
		p1_transform(&t[i], (uint8_t)(i + 1), &c->ike.p[i], c);
	prop.ntransforms = i;
	prop.transforms = t;
	return wire_add_sa(w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &prop, 1);
}

int p1_add_chosen(struct wire_builder *w, uint8_t propnum, const struct wire_transform_spec *t)
{
	struct wire_proposal_spec prop = {.num = propnum, .proto = PROTO_ISAKMP};

	prop.ntransforms = 1;
	prop.transforms = t;
	return wire_add_sa(w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &prop, 1);
}

/* Reads a transform's attributes into an offer and an echo of them.  Life
 * durations follow the life type that precedes them (RFC 2407 4.5). */
static int attrs_read(struct cursor attrs, bool phase1, uint16_t (*vals)[2], unsigned *n,
		      struct wire_transform_spec *echo, uint32_t *life_s, uint32_t *life_kb)
{
	struct wire_attr a;
	uint16_t life_type = 0;
	uint32_t v;
	int err;

	*n = 0;
	while (attrs.len) {
		err = wire_attr_next(&attrs, &a);
		if (err)
			return err;
		if (!wire_attr_u32(&a, &v))
			return ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED;
		spec_add(echo, a.type, v);
		if (a.type == (phase1 ? IKE_ATTR_LIFE_TYPE : IPSEC_ATTR_SA_LIFE_TYPE)) {
			life_type = (uint16_t)v;
		} else if (a.type ==
			   (phase1 ? IKE_ATTR_LIFE_DURATION : IPSEC_ATTR_SA_LIFE_DURATION)) {
			if (life_type == IKE_LIFE_SECONDS)
				*life_s = v;
			else if (life_type == IKE_LIFE_KILOBYTES)
				*life_kb = v;
			else
				return ISAKMP_N_BAD_PROPOSAL_SYNTAX;
		} else if (*n < 16) {
			vals[*n][0] = a.type;
			vals[*n][1] = (uint16_t)v;
			(*n)++;
		}
	}
	return 0;
}

static int p1_parse(const struct wire_transform *t, struct p1_offer *o,
		    struct wire_transform_spec *echo)
{
	uint16_t vals[16][2], encr = 0, keylen = 0;
	unsigned n, i;
	int err;

	memset(o, 0, sizeof(*o));
	memset(echo, 0, sizeof(*echo));
	echo->num = t->num;
	echo->id = t->id;
	if (t->id != KEY_IKE)
		o->unknown = true;
	err = attrs_read(t->attrs, true, vals, &n, echo, &o->life_s, &o->life_kb);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		switch (vals[i][0]) {
		case IKE_ATTR_ENCRYPTION_ALGORITHM:
			encr = vals[i][1];
			break;
		case IKE_ATTR_KEY_LENGTH:
			keylen = vals[i][1];
			break;
		case IKE_ATTR_HASH_ALGORITHM:
			o->hash = alg_ike_hash(vals[i][1]);
			break;
		case IKE_ATTR_AUTHENTICATION_METHOD:
			o->auth = vals[i][1];
			break;
		case IKE_ATTR_GROUP_DESCRIPTION:
			o->group = alg_dh(vals[i][1]);
			break;
		default:
			o->unknown = true;
		}
	}
	o->encr = alg_ike_encr(encr, keylen);
	if (!o->life_s && !o->life_kb)
		o->life_s = RFC2407_DEFAULT_LIFE_S;
	if (!o->encr || !o->hash || !o->group)
		o->unknown = true;
	return 0;
}

static bool p1_matches(const struct p1_offer *o, const struct proposal *p, const struct conn *c)
{
	return !o->unknown && o->encr == p->encr && o->hash == p->integ && o->group == p->dh &&
	       o->auth == ra_wire_auth(c);
}

void p1_offer_str(const struct p1_offer *o, char *out, size_t len)
{
	snprintf(out, len, "%s/%s/%s", o->encr ? o->encr->display : "?",
		 o->hash ? o->hash->display : "?", o->group ? o->group->display : "?");
}

/* Collects the proposals of an SA payload, in the peer's order. */
static int sa_proposals(struct cursor sa_body, struct wire_proposal *props, unsigned *n)
{
	struct wire_sa sa;
	int err;

	err = wire_parse_sa(sa_body, &sa);
	if (err)
		return err;
	*n = 0;
	while (sa.proposals.len && *n < 16) {
		err = wire_proposal_next(&sa.proposals, &props[*n]);
		if (err)
			return err;
		(*n)++;
	}
	return *n ? 0 : ISAKMP_N_BAD_PROPOSAL_SYNTAX;
}

#define MAX_OFFERS 32

/* Every transform of an SA payload, each with the proposal it came in. */
struct sa_offers {
	unsigned n;
	struct wire_proposal prop[MAX_OFFERS];
	struct wire_transform t[MAX_OFFERS];
};

static int sa_transforms(struct cursor sa_body, struct sa_offers *o, char *why, size_t whylen)
{
	struct wire_proposal props[16];
	unsigned nprops, i;
	int err;

	o->n = 0;
	err = sa_proposals(sa_body, props, &nprops);
	for (i = 0; !err && i < nprops; i++) {
		struct cursor tc = props[i].transforms;

		while (!err && tc.len && o->n < MAX_OFFERS) {
			err = wire_transform_next(&tc, &o->t[o->n]);
			o->prop[o->n++] = props[i];
		}
	}
	if (err)
		snprintf(why, whylen, "malformed SA payload (%s)", wire_notify_name((uint16_t)err));
	return err;
}

/* Every refusal carries its reason: the choosers below write one on each
 * error path, and this is the net under them, so that a reason is never
 * left as whatever bytes the caller's buffer held (they reach logs and
 * status).  Callers get an empty string on success. */
static int why_ensured(int err, char *why, size_t whylen)
{
	if (err && whylen && !why[0])
		snprintf(why, whylen, "the peer's SA payload cannot be used (%s)",
			 wire_notify_name((uint16_t)err));
	return err;
}

static void why_malformed_transform(char *why, size_t whylen, const struct wire_transform *t,
				    int err)
{
	snprintf(why, whylen, "malformed attributes in the peer's transform %u (%s)", t->num,
		 wire_notify_name((uint16_t)err));
}

static int p1_pick(const struct conn *c, struct cursor sa_body, struct p1_offer *chosen,
		   struct wire_transform_spec *echo, uint8_t *propnum, char *why, size_t whylen,
		   unsigned *ndiff)
{
	struct sa_offers in;
	struct p1_offer offers[MAX_OFFERS];
	struct wire_transform_spec echoes[MAX_OFFERS];
	uint8_t nums[MAX_OFFERS];
	unsigned noffers = 0, i, j, n;
	int err;

	err = sa_transforms(sa_body, &in, why, whylen);
	if (err)
		return err;
	/* An ISAKMP SA is one proposal; its transforms are the alternatives
	 * (a peer that sends several proposals gets its chosen one echoed). */
	for (i = 0; i < in.n; i++) {
		if (in.prop[i].proto != PROTO_ISAKMP)
			continue;
		err = p1_parse(&in.t[i], &offers[noffers], &echoes[noffers]);
		if (err) {
			why_malformed_transform(why, whylen, &in.t[i], err);
			return err;
		}
		nums[noffers++] = in.prop[i].num;
	}
	if (!noffers) {
		snprintf(why, whylen, "no proposal chosen: peer offered no ISAKMP proposal");
		if (ndiff)
			*ndiff = ~0u;
		return ISAKMP_N_NO_PROPOSAL_CHOSEN;
	}
	for (i = 0; i < c->ike.n; i++)
		for (j = 0; j < noffers; j++)
			if (p1_matches(&offers[j], &c->ike.p[i], c)) {
				*chosen = offers[j];
				*echo = echoes[j];
				*propnum = nums[j];
				return 0;
			}
	n = p1_explain(c, offers, noffers, why, whylen);
	if (ndiff)
		*ndiff = n;
	return ISAKMP_N_NO_PROPOSAL_CHOSEN;
}

int p1_choose(const struct conn *c, struct cursor sa_body, struct p1_offer *chosen,
	      struct wire_transform_spec *echo, uint8_t *propnum, char *why, size_t whylen,
	      unsigned *ndiff)
{
	if (whylen)
		why[0] = '\0';
	return why_ensured(p1_pick(c, sa_body, chosen, echo, propnum, why, whylen, ndiff), why,
			   whylen);
}

/* A responder's answer: exactly one proposal with one transform. */
static int sa_answer(struct cursor sa_body, struct wire_proposal *prop, struct wire_transform *t)
{
	struct wire_proposal props[16];
	struct cursor tc;
	unsigned nprops;
	int err;

	err = sa_proposals(sa_body, props, &nprops);
	if (!err && (nprops != 1 || props[0].ntransforms != 1))
		err = ISAKMP_N_BAD_PROPOSAL_SYNTAX;
	if (err)
		return err;
	*prop = props[0];
	tc = props[0].transforms;
	return wire_transform_next(&tc, t);
}

int p1_accept(const struct conn *c, struct cursor sa_body, struct p1_offer *chosen, char *why,
	      size_t whylen)
{
	struct wire_transform_spec echo;
	struct wire_proposal prop;
	struct wire_transform t;
	unsigned i;
	int err;

	if (whylen)
		why[0] = '\0';
	err = sa_answer(sa_body, &prop, &t);
	if (!err)
		err = p1_parse(&t, chosen, &echo);
	if (err) {
		snprintf(why, whylen, "peer's SA answer is malformed (notify %d)", err);
		return err;
	}
	for (i = 0; i < c->ike.n; i++)
		if (p1_matches(chosen, &c->ike.p[i], c))
			return 0;
	snprintf(why, whylen, "peer chose a transform we did not offer");
	return ISAKMP_N_NO_PROPOSAL_CHOSEN;
}

/* Phase 2 */

static void p2_transform(struct wire_transform_spec *t, const struct proposal *p,
			 const struct conn *c, uint16_t encap)
{
	memset(t, 0, sizeof(*t));
	t->num = 1;
	t->id = (uint8_t)p->encr->esp_id;
	spec_add(t, IPSEC_ATTR_SA_LIFE_TYPE, IKE_LIFE_SECONDS);
	spec_add(t, IPSEC_ATTR_SA_LIFE_DURATION, c->lifetime_s);
	if (c->lifebytes >= 1024) {
		spec_add(t, IPSEC_ATTR_SA_LIFE_TYPE, IKE_LIFE_KILOBYTES);
		spec_add(t, IPSEC_ATTR_SA_LIFE_DURATION, (uint32_t)(c->lifebytes / 1024));
	}
	if (p->dh)
		spec_add(t, IPSEC_ATTR_GROUP_DESCRIPTION, p->dh->ike_id);
	spec_add(t, IPSEC_ATTR_ENCAPSULATION_MODE, encap);
	if (p->integ)
		spec_add(t, IPSEC_ATTR_AUTH_ALGORITHM, p->integ->esp_id);
	if (p->encr->keylen_attr)
		spec_add(t, IPSEC_ATTR_KEY_LENGTH, p->encr->key_bits);
}

int p2_add_sa(struct wire_builder *w, const struct conn *c, uint32_t spi)
{
	return p2_add_sa_encap(w, c, spi,
			       c->mode == MODE_TUNNEL ? IPSEC_ENCAP_TUNNEL : IPSEC_ENCAP_TRANSPORT);
}

int p2_add_sa_encap(struct wire_builder *w, const struct conn *c, uint32_t spi, uint16_t encap)
{
	struct wire_transform_spec t[16];
	struct wire_proposal_spec props[16];
	unsigned i;

	for (i = 0; i < c->esp.n && i < 16; i++) {
		p2_transform(&t[i], &c->esp.p[i], c, encap);
		memset(&props[i], 0, sizeof(props[i]));
		props[i].num = (uint8_t)(i + 1);
		props[i].proto = PROTO_IPSEC_ESP;
		props[i].spi_size = 4;
		put_u32(props[i].spi, spi);
		props[i].ntransforms = 1;
		props[i].transforms = &t[i];
	}
	return wire_add_sa(w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, props, i);
}

int p2_add_chosen(struct wire_builder *w, uint8_t propnum, uint32_t spi,
		  const struct wire_transform_spec *t)
{
	struct wire_proposal_spec prop = {.num = propnum, .proto = PROTO_IPSEC_ESP, .spi_size = 4};

	put_u32(prop.spi, spi);
	prop.ntransforms = 1;
	prop.transforms = t;
	return wire_add_sa(w, IPSEC_DOI, IPSEC_SIT_IDENTITY_ONLY, &prop, 1);
}

static int p2_parse(const struct wire_proposal *p, const struct wire_transform *t,
		    struct p2_offer *o, struct wire_transform_spec *echo)
{
	uint16_t vals[16][2], keylen = 0, auth = 0;
	unsigned n, i;
	int err;

	memset(o, 0, sizeof(*o));
	memset(echo, 0, sizeof(*echo));
	echo->num = t->num;
	echo->id = t->id;
	if (p->proto != PROTO_IPSEC_ESP || p->spi_size != 4)
		o->unknown = true;
	else
		o->spi = get_u32(p->spi);
	err = attrs_read(t->attrs, false, vals, &n, echo, &o->life_s, &o->life_kb);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		switch (vals[i][0]) {
		case IPSEC_ATTR_GROUP_DESCRIPTION:
			o->group_id = vals[i][1];
			o->group = alg_dh(vals[i][1]);
			if (!o->group)
				o->unknown = true;
			break;
		case IPSEC_ATTR_ENCAPSULATION_MODE:
			o->encap = vals[i][1];
			break;
		case IPSEC_ATTR_AUTH_ALGORITHM:
			auth = vals[i][1];
			break;
		case IPSEC_ATTR_KEY_LENGTH:
			keylen = vals[i][1];
			break;
		default:
			o->unknown = true;
		}
	}
	o->encr = alg_esp_encr(t->id, keylen);
	if (auth)
		o->integ = alg_esp_auth(auth);
	if (!o->encr || (auth && !o->integ) || (!auth && !o->encr->aead) || (auth && o->encr->aead))
		o->unknown = true;
	if (!o->life_s && !o->life_kb)
		o->life_s = RFC2407_DEFAULT_LIFE_S;
	return 0;
}

static bool p2_matches(const struct p2_offer *o, const struct proposal *p, const struct conn *c)
{
	uint16_t encap = c->mode == MODE_TUNNEL ? IPSEC_ENCAP_TUNNEL : IPSEC_ENCAP_TRANSPORT;

	/* A UDP-encapsulated mode fits its plain one: NAT-T decides the
	 * encapsulation, not the proposal (natt.h). */
	return !o->unknown && o->encr == p->encr && o->integ == p->integ && o->group == p->dh &&
	       natt_encap_plain(o->encap) == encap;
}

const char *encap_name(uint16_t encap)
{
	switch (encap) {
	case IPSEC_ENCAP_TUNNEL:
		return "tunnel";
	case IPSEC_ENCAP_TRANSPORT:
		return "transport";
	case IPSEC_ENCAP_UDP_TUNNEL:
	case IPSEC_ENCAP_UDP_TUNNEL_DRAFT:
		return "UDP-encapsulated tunnel";
	case IPSEC_ENCAP_UDP_TRANSPORT:
	case IPSEC_ENCAP_UDP_TRANSPORT_DRAFT:
		return "UDP-encapsulated transport";
	case 0:
		return "no mode";
	}
	return "an unknown mode";
}

void p2_offer_str(const struct p2_offer *o, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s %s", o->encr ? o->encr->display : "?", o->integ ? "/" : "",
		 o->integ ? o->integ->display : "", o->group ? "/" : "",
		 o->group ? o->group->display : "", encap_name(o->encap));
}

static int p2_pick(const struct conn *c, struct cursor sa_body, struct p2_offer *chosen,
		   struct wire_transform_spec *echo, uint8_t *propnum, char *why, size_t whylen,
		   unsigned *ndiff)
{
	struct sa_offers in;
	struct p2_offer offers[MAX_OFFERS];
	struct wire_transform_spec echoes[MAX_OFFERS];
	uint8_t nums[MAX_OFFERS];
	unsigned noffers, i, j, n;
	int err;

	err = sa_transforms(sa_body, &in, why, whylen);
	if (err)
		return err;
	for (noffers = 0; noffers < in.n; noffers++) {
		err = p2_parse(&in.prop[noffers], &in.t[noffers], &offers[noffers],
			       &echoes[noffers]);
		if (err) {
			why_malformed_transform(why, whylen, &in.t[noffers], err);
			return err;
		}
		nums[noffers] = in.prop[noffers].num;
	}
	for (i = 0; i < c->esp.n; i++)
		for (j = 0; j < noffers; j++)
			if (p2_matches(&offers[j], &c->esp.p[i], c)) {
				*chosen = offers[j];
				*echo = echoes[j];
				*propnum = nums[j];
				return 0;
			}
	n = p2_explain(c, offers, noffers, why, whylen);
	if (ndiff)
		*ndiff = n;
	return ISAKMP_N_NO_PROPOSAL_CHOSEN;
}

int p2_choose(const struct conn *c, struct cursor sa_body, struct p2_offer *chosen,
	      struct wire_transform_spec *echo, uint8_t *propnum, char *why, size_t whylen,
	      unsigned *ndiff)
{
	if (whylen)
		why[0] = '\0';
	return why_ensured(p2_pick(c, sa_body, chosen, echo, propnum, why, whylen, ndiff), why,
			   whylen);
}

int p2_accept(const struct conn *c, struct cursor sa_body, struct p2_offer *chosen, char *why,
	      size_t whylen)
{
	struct wire_transform_spec echo;
	struct wire_proposal prop;
	struct wire_transform t;
	unsigned i;
	int err;

	if (whylen)
		why[0] = '\0';
	err = sa_answer(sa_body, &prop, &t);
	if (!err)
		err = p2_parse(&prop, &t, chosen, &echo);
	if (err) {
		snprintf(why, whylen, "peer's Quick Mode SA answer is malformed (notify %d)", err);
		return err;
	}
	for (i = 0; i < c->esp.n; i++)
		if (p2_matches(chosen, &c->esp.p[i], c))
			return 0;
	snprintf(why, whylen, "peer chose an ESP transform we did not offer");
	return ISAKMP_N_NO_PROPOSAL_CHOSEN;
}
