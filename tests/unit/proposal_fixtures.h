/* Fixtures for test_proposal.c: connections and peers' SA payloads built
 * with the real builders.  Included by that one file only. */
#ifndef OAKLEY_TESTS_PROPOSAL_FIXTURES_H
#define OAKLEY_TESTS_PROPOSAL_FIXTURES_H

#define SA_BODY_OFF (ISAKMP_HDR_LEN + ISAKMP_GENERIC_LEN)

/* One "encr[-integ][-dh]" entry, by hand: the first token is the cipher,
 * then an integrity token if there is one, then a DH group. */
static inline void entry_parse(const char *s, struct proposal *p)
{
	char tmp[64], *tok, *save = NULL;

	memset(p, 0, sizeof(*p));
	snprintf(tmp, sizeof(tmp), "%s", s);
	tok = strtok_r(tmp, "-", &save);
	assert_non_null(tok);
	p->encr = alg_by_name(tok, ALG_ENCR);
	assert_non_null(p->encr);
	while ((tok = strtok_r(NULL, "-", &save))) {
		const struct alg *a = alg_by_name(tok, ALG_INTEG);

		if (a) {
			assert_null(p->integ);
			p->integ = a;
			continue;
		}
		p->dh = alg_by_name(tok, ALG_DH);
		assert_non_null(p->dh);
	}
}

/* "aes128-sha1-modp2048,3des-md5-modp1024" (NULL or "": empty). */
static inline void list_set(struct proposal_list *l, const char *s)
{
	char tmp[256], *tok, *save = NULL;

	memset(l, 0, sizeof(*l));
	if (!s)
		return;
	snprintf(tmp, sizeof(tmp), "%s", s);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		assert_true(l->n < CONF_MAX_PROPOSALS);
		entry_parse(tok, &l->p[l->n++]);
	}
	l->configured = l->n;
}

static inline void conn_set(struct conn *c, const char *ike, const char *esp, enum conn_mode mode)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "t");
	c->authby = IKE_AUTH_PSK;
	list_set(&c->ike, ike);
	list_set(&c->esp, esp);
	c->mode = mode;
	c->ikelifetime_s = CONF_IKELIFETIME_DEFAULT;
	c->lifetime_s = CONF_LIFETIME_DEFAULT;
}

/* A message with one SA payload; *body is that payload's body in b. */
static inline void sa_start(struct wire_builder *w, struct buf *b)
{
	struct isakmp_hdr h;

	memset(&h, 0, sizeof(h));
	buf_init(b);
	wire_build_start(w, b, &h);
}

static inline struct cursor sa_body(struct wire_builder *w, struct buf *b)
{
	assert_int_equal(wire_build_finish(w), 0);
	assert_true(b->len > SA_BODY_OFF);
	assert_int_equal(b->data[ISAKMP_HDR_LEN + 0] /* payload's next */, ISAKMP_PL_NONE);
	assert_int_equal(get_u16(b->data + ISAKMP_HDR_LEN + 2), b->len - ISAKMP_HDR_LEN);
	return cursor_make(b->data + SA_BODY_OFF, b->len - SA_BODY_OFF);
}

static inline struct cursor p1_offer_of(const struct conn *peer, struct buf *b)
{
	struct wire_builder w;

	sa_start(&w, b);
	assert_int_equal(p1_add_sa(&w, peer), 0);
	return sa_body(&w, b);
}

static inline struct cursor p2_offer_of(const struct conn *peer, uint32_t spi, struct buf *b)
{
	struct wire_builder w;

	sa_start(&w, b);
	assert_int_equal(p2_add_sa(&w, peer, spi), 0);
	return sa_body(&w, b);
}

static inline const struct alg *row(const char *name, enum alg_kind kind)
{
	const struct alg *a;

	if (!name)
		return NULL;
	a = alg_by_name(name, kind);
	assert_non_null(a);
	return a;
}

#endif
