/* oakleyctl status --summary: the daemon's state counted by kind. */
#include <string.h>

#include "ike/summary.h"

void ike_summary(const struct ike_daemon *d, struct ike_summary *s)
{
	const struct ike_failure *f;
	const struct child_sa *c;
	const struct ike_sa *sa;
	const struct quick *q;

	memset(s, 0, sizeof(*s));
	s->connections = d->conf ? d->conf->nconns : 0;
	for (sa = d->sas; sa; sa = sa->next) {
		if (sa->state == IKE_SA_NEGOTIATING)
			s->ike_negotiating++;
		else if (sa->state == IKE_SA_ESTABLISHED)
			s->ike_established++;
		else
			s->ike_failed++;
		for (q = sa->quicks; q; q = q->next_in_sa)
			s->quick_negotiating += q->state == QUICK_NEGOTIATING;
	}
	for (c = d->children; c; c = c->next) {
		s->ipsec_sas++;
		s->ipsec_installed += c->installed;
	}
	for (f = d->failures; f; f = f->next)
		s->failures++;
	s->halfopen = d->halfopen;
	s->dropped_halfopen = d->dropped_halfopen;
	s->dropped_first = d->dropped_first;
	s->dropped_undecryptable = d->dropped_undecryptable;
	s->dropped_am_rate = d->dropped_am_rate;
}

const struct ike_sa *ike_sa_by_serial(const struct ike_daemon *d, const uint8_t icookie[8],
				      unsigned serial)
{
	uint64_t h = htable_hash(&d->sa_by_icookie, icookie, 8);
	struct hnode *n;

	for (n = htable_first(&d->sa_by_icookie, h); n; n = htable_next(n, h)) {
		const struct ike_sa *sa = container_of(n, struct ike_sa, by_icookie);

		if (sa->serial == serial)
			return sa;
	}
	return NULL;
}

const struct child_sa *ike_child_by_seq(const struct ike_daemon *d, uint32_t spi_in, unsigned seq)
{
	uint64_t h = htable_hash(&d->child_by_spi, &spi_in, sizeof(spi_in));
	struct hnode *n;

	for (n = htable_first(&d->child_by_spi, h); n; n = htable_next(n, h)) {
		const struct child_sa *c = container_of(n, struct child_spi_node, node)->child;

		if (c->seq == seq)
			return c;
	}
	return NULL;
}
