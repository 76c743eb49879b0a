#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/crypto.h>

#include "ike/exchange.h"
#include "ike/auth.h"
#include "crypto/rand.h"
#include <openssl/x509.h>

#include "ike/ike.h"
#include "ike/informational.h"
#include "wire/payload.h"

int step_check(const struct step *s, bool initiator, const struct ike_msg *m, char *why,
	       size_t whylen)
{
	return step_check_auth(s, NULL, initiator, m, why, whylen);
}

int step_check_auth(const struct step *s, const struct auth_method *auth, bool initiator,
		    const struct ike_msg *m, char *why, size_t whylen)
{
	uint32_t seen = 0, must = s->must & ~AUTH_SLOT, may = s->may;
	unsigned i;

	if (s->initiator != initiator) {
		snprintf(why, whylen, "unexpected message for the %s",
			 initiator ? "initiator" : "responder");
		return ISAKMP_N_INVALID_EXCHANGE_TYPE;
	}
	if (s->encrypted != STEP_EITHER &&
	    (s->encrypted == STEP_ENCRYPTED) != !!(m->hdr.flags & ISAKMP_FLAG_ENC)) {
		snprintf(why, whylen, "message must %sbe encrypted",
			 s->encrypted == STEP_ENCRYPTED ? "" : "not ");
		return ISAKMP_N_INVALID_FLAGS;
	}
	if (s->must & AUTH_SLOT) {
		if (!auth) {
			snprintf(why, whylen, "no authentication method to check it by");
			return ISAKMP_N_AUTHENTICATION_FAILED;
		}
		must |= auth->must;
		may |= auth->may;
	}
	for (i = 0; i < m->pl.n; i++) {
		uint32_t bit = PL(m->pl.p[i].type);

		if (!((must | may) & bit)) {
			snprintf(why, whylen, "unexpected %s payload",
				 wire_payload_name(m->pl.p[i].type));
			return ISAKMP_N_INVALID_PAYLOAD_TYPE;
		}
		seen |= bit;
	}
	if ((seen & must) != must) {
		for (i = 0; i < 32; i++)
			if ((must & ~seen) & (1u << i))
				break;
		snprintf(why, whylen, "%s payload missing", wire_payload_name((uint8_t)i));
		return ISAKMP_N_PAYLOAD_MALFORMED;
	}
	return 0;
}

int send_spec_build(const struct send_spec *spec, void *state, const struct isakmp_hdr *h,
		    size_t hash_len, struct buf *msg, size_t *hash_off)
{
	struct wire_builder w;
	unsigned i;
	int err = 0;

	buf_init(msg);
	wire_build_start(&w, msg, h);
	if (spec->hashed)
		err = hashed_begin(&w, hash_len, hash_off);
	for (i = 0; !err && i < SEND_MAX_PAYLOADS && spec->add[i]; i++)
		err = spec->add[i](state, &w);
	return err ? err : wire_build_finish(&w);
}

#define NONCE_LEN 32 /* RFC 2409 5: 8 to 256 bytes */

int exchange_make_nonce(struct buf *nonce)
{
	uint8_t *p;

	buf_reset(nonce);
	p = buf_reserve(nonce, NONCE_LEN);
	return p ? crypto_random(p, NONCE_LEN) : -ENOMEM;
}

struct exchange *exchange_new(struct ike_sa *sa, struct quick *q)
{
	struct exchange *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->sa = sa;
	x->q = q;
	buf_init(&x->ni);
	buf_init(&x->nr);
	buf_init(&x->gxi);
	buf_init(&x->gxr);
	buf_init(&x->sai_b);
	buf_init(&x->idii_b);
	buf_init(&x->idir_b);
	buf_init(&x->psk);
	dh_job_init(&x->dhj);
	return x;
}

bool ike_sa_hash_sent(const struct ike_sa *sa)
{
	return sa->x && sa->x->hash_sent;
}

void exchange_free(struct ike_daemon *d, struct exchange *x)
{
	if (!x)
		return;
	/* After this the job's memory may go (dh_job.h's promise). */
	dh_job_clear(d->loop, &x->dhj);
	buf_free(&x->ni);
	buf_free(&x->nr);
	buf_free(&x->gxi);
	buf_free(&x->gxr);
	buf_free(&x->sai_b);
	buf_free(&x->idii_b);
	buf_free(&x->idir_b);
	buf_free(&x->psk);
	sk_X509_pop_free(x->peer_certs, X509_free);
	OPENSSL_cleanse(x, sizeof(*x));
	free(x);
}

void exchange_end(struct exchange **xp)
{
	struct exchange *x = *xp;
	struct ike_daemon *d;

	if (!x)
		return;
	*xp = NULL;
	d = x->sa->d;
	dh_job_clear(d->loop, &x->dhj);
	x->next_ended = d->ended;
	d->ended = x;
	timer_arm(d->loop, &d->reap, 0);
}

void exchange_reap(void *daemon)
{
	struct ike_daemon *d = daemon;

	while (d->ended) {
		struct exchange *x = d->ended;

		d->ended = x->next_ended;
		exchange_free(d, x);
	}
}
