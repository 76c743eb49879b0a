#include <stdio.h>
#include <string.h>

#include "ike/lifetime.h"
#include "util/log.h"
#include "wire/payload.h"

bool lifetime_respond(struct quick *q, const struct p2_offer *o)
{
	uint32_t policy_kb = (uint32_t)(q->conn->lifebytes / 1024);
	bool shorter = false;

	q->x->lifetime_s = o->life_s;
	q->x->life_kb = o->life_kb;
	if (!q->x->lifetime_s || q->x->lifetime_s > q->conn->lifetime_s) {
		shorter = q->x->lifetime_s != 0;
		q->x->lifetime_s = q->conn->lifetime_s;
	}
	if (policy_kb && (!q->x->life_kb || q->x->life_kb > policy_kb)) {
		q->x->life_kb = policy_kb;
		shorter = true;
	}
	q->x->lifetime_from_responder = shorter;
	if (shorter)
		ike_sa_log(
			q->sa, LOG_LVL_INFO,
			"%s: peer proposed a lifetime of %u s and %u KB, beyond our policy of %u s "
			"and %u KB: answering with RESPONDER-LIFETIME %u s, %u KB",
			q->conn->name, o->life_s, o->life_kb, q->conn->lifetime_s, policy_kb,
			q->x->lifetime_s, q->x->life_kb);
	return shorter;
}

int lifetime_add_notify(struct wire_builder *w, const struct quick *q)
{
	uint8_t data[24], spi[4];
	size_t len = 0;

	/* An attribute list: life type then duration, per limit. */
	put_u16(data, 0x8000 | IPSEC_ATTR_SA_LIFE_TYPE);
	put_u16(data + 2, IKE_LIFE_SECONDS);
	put_u16(data + 4, IPSEC_ATTR_SA_LIFE_DURATION);
	put_u16(data + 6, 4);
	put_u32(data + 8, q->x->lifetime_s);
	len = 12;
	if (q->x->life_kb) {
		put_u16(data + len, 0x8000 | IPSEC_ATTR_SA_LIFE_TYPE);
		put_u16(data + len + 2, IKE_LIFE_KILOBYTES);
		put_u16(data + len + 4, IPSEC_ATTR_SA_LIFE_DURATION);
		put_u16(data + len + 6, 4);
		put_u32(data + len + 8, q->x->life_kb);
		len += 12;
	}
	/* RFC 2407 4.6.3.1: the SPI is the sender's inbound one. */
	put_u32(spi, q->x->spi_in);
	return wire_add_notify(w, IPSEC_DOI, PROTO_IPSEC_ESP, IPSEC_N_RESPONDER_LIFETIME, spi, 4,
			       data, len);
}

/* Reads a RESPONDER-LIFETIME's attribute list; false if malformed. */
static bool lifetime_parse(struct cursor c, uint32_t *secs, uint32_t *kb)
{
	struct wire_attr a;
	uint32_t type = 0, v;

	while (c.len) {
		if (wire_attr_next(&c, &a) || !wire_attr_u32(&a, &v))
			return false;
		if (a.type == IPSEC_ATTR_SA_LIFE_TYPE)
			type = v;
		else if (a.type == IPSEC_ATTR_SA_LIFE_DURATION && type == IKE_LIFE_SECONDS)
			*secs = v;
		else if (a.type == IPSEC_ATTR_SA_LIFE_DURATION && type == IKE_LIFE_KILOBYTES)
			*kb = v;
	}
	return true;
}

/* A responder's value for one limit: it may only shorten ours (0 is no
 * value), and not below a floor, so a hostile or broken responder cannot
 * make the IPsec SA end at once or rekey without pause. */
static uint32_t lifetime_bound(const struct quick *q, const char *what, const char *unit,
			       uint32_t ours, uint32_t theirs, uint32_t floor)
{
	if (!theirs || (ours && theirs >= ours))
		return ours;
	if (ours && floor > ours)
		floor = ours;
	if (theirs < floor) {
		ike_sa_log(q->sa, LOG_LVL_WARN,
			   "%s: peer's %s of %u %s is below the least we accept: %u %s",
			   q->conn->name, what, theirs, unit, floor, unit);
		return floor;
	}
	return theirs;
}

void lifetime_initiator(struct quick *q, const struct p2_offer *o, const struct ike_msg *m)
{
	uint32_t secs, kb, policy_kb = (uint32_t)(q->conn->lifebytes / 1024);
	struct wire_notify n;
	unsigned i;

	/* Our policy first: what the responder echoes or notifies only
	 * shortens it. */
	q->x->lifetime_s = lifetime_bound(q, "lifetime", "s", q->conn->lifetime_s, o->life_s,
					  LIFETIME_FLOOR_S);
	q->x->life_kb =
		lifetime_bound(q, "lifetime", "KB", policy_kb, o->life_kb, LIFETIME_FLOOR_KB);
	q->x->lifetime_from_responder =
		q->x->lifetime_s != q->conn->lifetime_s || q->x->life_kb != policy_kb;
	for (i = 0; i < m->pl.n; i++) {
		if (m->pl.p[i].type != ISAKMP_PL_N || wire_parse_notify(m->pl.p[i].body, &n) ||
		    n.type != IPSEC_N_RESPONDER_LIFETIME)
			continue;
		secs = kb = 0;
		if (!lifetime_parse(n.data, &secs, &kb)) {
			ike_sa_log(q->sa, LOG_LVL_WARN, "ignored a malformed RESPONDER-LIFETIME");
			continue;
		}
		secs = lifetime_bound(q, "RESPONDER-LIFETIME", "s", q->x->lifetime_s, secs,
				      LIFETIME_FLOOR_S);
		kb = lifetime_bound(q, "RESPONDER-LIFETIME", "KB", q->x->life_kb, kb,
				    LIFETIME_FLOOR_KB);
		if (secs != q->x->lifetime_s)
			ike_sa_log(
				q->sa, LOG_LVL_INFO,
				"peer's RESPONDER-LIFETIME: %u s instead of the %u s we proposed",
				secs, q->x->lifetime_s);
		if (kb != q->x->life_kb)
			ike_sa_log(q->sa, LOG_LVL_INFO,
				   "peer's RESPONDER-LIFETIME: %u KB instead of %u KB", kb,
				   q->x->life_kb);
		if (secs != q->x->lifetime_s || kb != q->x->life_kb)
			q->x->lifetime_from_responder = true;
		q->x->lifetime_s = secs;
		q->x->life_kb = kb;
	}
}
