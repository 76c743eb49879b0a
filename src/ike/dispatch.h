/* The one way of a received message to its exchange's handler, for every
 * exchange type.  What differs between Main, Aggressive, Quick Mode and
 * Informational is data: a `struct exchange_type` with its step table and
 * the few hooks that find the state, decrypt and check a message, and
 * keep what an accepted message proves.
 *
 *   find state (or make it) -> busy with a job? wait -> a copy of the last
 *   accepted message? answer it again -> the row and its IV -> decrypt a
 *   copy of the IV, parse, step_check, verify (Quick Mode: HASH) -> accept
 *   (Quick Mode: the state is made only now) -> commit the IV, step = row
 *   + 2 -> handler -> no job pending: send the row's answer, and when no
 *   row is left for this side, done -> failed: the type says so, if the
 *   handler did not.  A job's completion runs the row's resume, then the
 *   same send and done. */
#ifndef OAKLEY_IKE_DISPATCH_H
#define OAKLEY_IKE_DISPATCH_H

#include "ike/exchange.h"
#include "ike/ike.h"

/* One message on its way: what the hooks found and will commit. */
struct dispatch {
	struct ike_daemon *d;
	const struct exchange_type *t;
	struct ike_sa *sa;		/* the ISAKMP SA (Informational: may be NULL) */
	struct quick *q;		/* Quick Mode: its state, NULL until made */
	const struct step *s;		/* the row the message must fit */
	uint8_t iv[IKE_MAX_BLOCK];	/* decrypts the message; committed once accepted */
	uint8_t digest[20];		/* the message's, to know its copies later */
	const struct send_spec *unsent; /* the row's answer, when sending it failed */
};

struct exchange_type {
	uint8_t xchg; /* ISAKMP exchange type number */
	/* one row per message received, ended by a row without a name */
	const struct step *steps;
	/* Finds (or, for a new peer's first message, makes) the state the
	 * message is for, its sender checked; false: dropped (said why). */
	bool (*find)(struct dispatch *dp, struct ike_msg *m);
	/* The state's exchange while it negotiates; NULL: none (yet). */
	struct exchange *(*exchange)(const struct dispatch *dp);
	/* Where our last message is kept, to answer copies; NULL: nowhere. */
	struct xmit *(*xmit)(const struct dispatch *dp);
	/* The row the message must fit (dp->s) and its IV (dp->iv); false:
	 * nothing is expected now (dropped, said why when worth it). */
	bool (*row)(struct dispatch *dp, struct ike_msg *m);
	/* Decrypts (dp->iv follows), parses, step_check()s; false: dropped. */
	bool (*open)(struct dispatch *dp, struct ike_msg *m);
	/* A check that needs the row and the clear text (Quick Mode's HASH);
	 * NULL: none.  False: dropped, said why. */
	bool (*verify)(struct dispatch *dp, struct ike_msg *m);
	/* The message is accepted: keep what it proves (a cookie; a new
	 * Quick Mode's state).  NULL: nothing; false: dropped after all. */
	bool (*accept)(struct dispatch *dp, struct ike_msg *m);
	/* What follows the job an initiator starts before its first message
	 * (Aggressive Mode's KE, Quick Mode's PFS); NULL: none. */
	step_fn start;
	/* The initiator's first message; NULL: built by hand (Quick Mode). */
	const struct send_spec *sends_first;
	/* The state the rows' handlers take. */
	void *(*state)(const struct dispatch *dp);
	/* The state still negotiates: its handler (or resume) neither failed
	 * it nor ended it. */
	bool (*going_on)(const struct dispatch *dp);
	/* Builds and sends a row's answer (step.sends) for the state. */
	int (*send)(void *state, const struct send_spec *spec);
	/* This side's last row is through (received, and answered when it
	 * answers): established.  NULL: nothing follows. */
	void (*done)(void *state);
	/* A handler failed (r) and may not have said why (dp->unsent: sending
	 * the row's answer failed); m NULL when it was a job's completion. */
	void (*failed)(struct dispatch *dp, const struct ike_msg *m, struct step_result r);
};

extern const struct exchange_type main_mode_type, aggressive_mode_type, quick_mode_type,
	informational_type;

/* The type for an ISAKMP exchange number, NULL when not supported. */
const struct exchange_type *exchange_type_for(uint8_t xchg);
/* Row i of a table, NULL past its end. */
const struct step *exchange_row(const struct step *steps, unsigned i);
/* A DH job for exchange x of type t (the row that starts it, or the
 * initiator's start): our key pair for group, and the secret when peer_len
 * is not 0.  Its completion re-enters here: the row's resume (t->start
 * before the first row) goes on.  dh_job_start's errors. */
int exchange_job_start(struct exchange *x, const struct exchange_type *t, uint16_t group,
		       const uint8_t *peer, size_t peer_len);
/* A received message (its header parsed) for sa (NULL: none matched). */
void dispatch(struct ike_daemon *d, const struct exchange_type *t, struct ike_sa *sa,
	      struct ike_msg *m);

#endif
