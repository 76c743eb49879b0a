/* ike= and esp= proposal strings.
 *
 * strongSwan: "aes256-sha256-modp3072", comma-separated proposals, several
 * algorithms of a kind in one proposal ("aes128-aes256-sha1-modp2048")
 * standing for every combination (IKEv1 has one algorithm of each kind per
 * transform), in order: ciphers outermost, then integrity, then groups.
 * AEAD ciphers ("aes128gcm16") take no integrity algorithm.  A trailing '!'
 * makes the list strict.  Libreswan: "aes256-sha256;modp3072", the groups
 * after ';', and "null" integrity after an AEAD cipher; a phase 1
 * proposal without a group takes Libreswan's default groups, and
 * phase2alg='s "aes" and "aes_gcm" both key lengths, 128 and 256 bits.  Tokens are looked
 * up in the algorithm table (wire/alg.h), whose aliases apply. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"

struct item {
	const char *key, *text; /* for messages */
	bool phase1;
	const struct alg *encr[CONF_MAX_PROPOSALS], *integ[CONF_MAX_PROPOSALS],
		*dh[CONF_MAX_PROPOSALS];
	const char *encr_tok[CONF_MAX_PROPOSALS], *integ_tok[CONF_MAX_PROPOSALS];
	unsigned nencr, ninteg, ndh;
	bool null_integ; /* Libreswan's "aes_gcm-null" */
	char *err;
	size_t errlen;
};

#define fail(it, ...) (snprintf((it)->err, (it)->errlen, __VA_ARGS__), -EINVAL)

static int add(struct item *it, const struct alg **list, const char **toks, unsigned *n,
	       const struct alg *a, const char *tok)
{
	if (*n >= CONF_MAX_PROPOSALS)
		return fail(it, "%s= proposal '%s' has more than %d algorithms of one kind",
			    it->key, it->text, CONF_MAX_PROPOSALS);
	if (toks)
		toks[*n] = tok;
	list[(*n)++] = a;
	return 0;
}

/* Libreswan's phase2alg= "aes" and "aes_gcm" without a key length: it
 * proposes (and takes) the default length, 128 bits, and the largest,
 * 256.  0 with *ret when tok was one of them. */
static int keyless_aes(struct item *it, const char *tok, int *ret)
{
	static const char *const names[][3] = {
		{"aes", "aes128", "aes256"},
		{"aes_gcm", "aes128gcm16", "aes256gcm16"},
	};
	unsigned i, j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(tok, names[i][0]))
			continue;
		*ret = 0;
		for (j = 1; j < 3 && !*ret; j++)
			*ret = add(it, it->encr, it->encr_tok, &it->nencr,
				   alg_by_name(names[i][j], ALG_ENCR), tok);
		return 0;
	}
	return 1;
}

static int classify(struct item *it, char *tok, bool after_semicolon)
{
	const struct alg *a;
	int ret;

	if (!*tok)
		return fail(it, "%s= proposal '%s' has an empty algorithm name", it->key, it->text);
	if (after_semicolon) {
		a = alg_by_name(tok, ALG_DH);
		if (a)
			return add(it, it->dh, NULL, &it->ndh, a, tok);
		if (alg_by_name(tok, ALG_ENCR) || alg_by_name(tok, ALG_INTEG))
			return fail(it, "'%s' after ';' in %s= is not a DH group", tok, it->key);
		return fail(it, "unknown algorithm '%s' in %s=", tok, it->key);
	}
	if (!strcmp(tok, "null") && it->nencr) {
		it->null_integ = true;
		return 0;
	}
	if (!it->phase1 && !strcmp(it->key, "phase2alg") && !keyless_aes(it, tok, &ret))
		return ret;
	a = alg_by_name(tok, ALG_ENCR);
	if (a)
		return add(it, it->encr, it->encr_tok, &it->nencr, a, tok);
	a = alg_by_name(tok, ALG_INTEG);
	if (a)
		return add(it, it->integ, it->integ_tok, &it->ninteg, a, tok);
	a = alg_by_name(tok, ALG_DH);
	if (a)
		return add(it, it->dh, NULL, &it->ndh, a, tok);
	return fail(it, "unknown algorithm '%s' in %s=", tok, it->key);
}

/* A phase 1 proposal without a group ("aes256-sha2", as setup-ipsec-vpn
 * writes it) takes the groups Libreswan (5.1 and later) defaults to in
 * IKEv1, in its order: MODP-2048, MODP-1536, ECP-256, Curve25519. */
static int default_groups(struct item *it)
{
	static const char *const names[] = {"modp2048", "modp1536", "ecp256", "curve25519"};
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct alg *a = alg_by_name(names[i], ALG_DH);

		if (a && add(it, it->dh, NULL, &it->ndh, a, names[i]))
			return -EINVAL;
	}
	if (!it->ndh)
		return fail(it, "%s= proposal '%s' has no DH group", it->key, it->text);
	return 0;
}

static int check_phase1(struct item *it)
{
	unsigned i;

	if (!it->nencr)
		return fail(it, "%s= proposal '%s' has no encryption algorithm", it->key, it->text);
	for (i = 0; i < it->nencr; i++)
		if (!it->encr[i]->ike_id)
			return fail(it, "'%s' in %s= is not usable in phase 1", it->encr_tok[i],
				    it->key);
	if (!it->ninteg)
		return fail(it, "%s= proposal '%s' has no integrity algorithm", it->key, it->text);
	for (i = 0; i < it->ninteg; i++)
		if (!it->integ[i]->ike_id)
			return fail(it, "'%s' in %s= is not usable in phase 1", it->integ_tok[i],
				    it->key);
	if (!it->ndh)
		return default_groups(it);
	return 0;
}

static int check_esp(struct item *it)
{
	unsigned i;

	if (!it->nencr)
		return fail(it, "%s= proposal '%s' has no encryption algorithm", it->key, it->text);
	for (i = 0; i < it->nencr; i++) {
		const struct alg *e = it->encr[i];

		if (!e->esp_id)
			return fail(it, "'%s' in %s= is not usable in ESP", it->encr_tok[i],
				    it->key);
		if (e->aead && it->ninteg)
			return fail(it,
				    "%s= proposal '%s': AEAD cipher '%s' takes no integrity "
				    "algorithm",
				    it->key, it->text, it->encr_tok[i]);
		if (!e->aead && it->null_integ)
			return fail(it, "%s= proposal '%s': 'null' integrity needs an AEAD cipher",
				    it->key, it->text);
		if (!e->aead && !it->ninteg)
			return fail(it, "%s= proposal '%s' has no integrity algorithm", it->key,
				    it->text);
	}
	for (i = 0; i < it->ninteg; i++)
		if (!it->integ[i]->esp_id)
			return fail(it, "'%s' in %s= is not usable in ESP", it->integ_tok[i],
				    it->key);
	return 0;
}

static int expand(struct item *it, struct proposal_list *out)
{
	unsigned ni = it->ninteg ? it->ninteg : 1, nd = it->ndh ? it->ndh : 1;
	unsigned e, i, d;

	if (out->n + it->nencr * ni * nd > CONF_MAX_PROPOSALS)
		return fail(it, "%s= makes more than %d proposals", it->key, CONF_MAX_PROPOSALS);
	for (e = 0; e < it->nencr; e++) {
		for (i = 0; i < ni; i++) {
			for (d = 0; d < nd; d++) {
				struct proposal *p = &out->p[out->n++];

				p->encr = it->encr[e];
				p->integ = it->ninteg ? it->integ[i] : NULL;
				p->dh = it->ndh ? it->dh[d] : NULL;
			}
		}
	}
	return 0;
}

static int parse_item(struct item *it, char *s, struct proposal_list *out)
{
	char text[256];
	bool semicolon = false;
	char *tok = s, *p;
	int ret;

	snprintf(text, sizeof(text), "%s", s);
	it->text = text;
	for (p = s;; p++) {
		char c = *p;

		if (c != '-' && c != ';' && c)
			continue;
		*p = 0;
		ret = classify(it, tok, semicolon);
		if (ret)
			return ret;
		if (!c)
			break;
		if (c == ';') {
			if (semicolon)
				return fail(it, "%s= proposal '%s' has more than one ';'", it->key,
					    text);
			semicolon = true;
		}
		tok = p + 1;
	}
	ret = it->phase1 ? check_phase1(it) : check_esp(it);
	return ret ? ret : expand(it, out);
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	return s;
}

int conf_proposals_parse(const char *key, const char *s, bool phase1, struct proposal_list *out,
			 char *err, size_t errlen)
{
	struct item it;
	char buf[1024], *p, *next;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&it, 0, sizeof(it));
	it.key = key;
	it.phase1 = phase1;
	it.err = err;
	it.errlen = errlen;
	if (strlen(s) >= sizeof(buf))
		return fail(&it, "%s= is longer than %zu bytes", key, sizeof(buf) - 1);
	strcpy(buf, s);
	p = trim(buf);
	n = strlen(p);
	if (n && p[n - 1] == '!') {
		out->strict = true;
		p[n - 1] = 0;
	}
	for (ret = 0; !ret; p = next + 1) {
		next = strchr(p, ',');
		if (next)
			*next = 0;
		p = trim(p);
		it.nencr = it.ninteg = it.ndh = 0;
		it.null_integ = false;
		ret = *p ? parse_item(&it, p, out) : fail(&it, "%s= has an empty proposal", key);
		if (!next)
			break;
	}
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}
