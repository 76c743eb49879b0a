/* Exchanges are data: each is a table of steps, one per message received,
 * saying which payloads that message must and may carry, whether it must be
 * encrypted, the handler that does what is particular to it, and the
 * message that answers it.  The
 * dispatcher checks the table before any handler runs (isakmpd's payload
 * scripts are the model). */
#ifndef OAKLEY_IKE_EXCHANGE_H
#define OAKLEY_IKE_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire/isakmp.h"
#include "wire/message.h"

/* Payload bit for masks; the draft NAT-T numbers share the last bit. */
#define PL(t) (1u << ((t) < 31 ? (t) : 31))
/* In a row's must: the AUTH slot, whatever proves the sender by the SA's
 * authentication method (auth.h): HASH_I/HASH_R with a pre-shared key.
 * Bit 0 (payload type NONE) is free: no payload of that type arrives. */
#define AUTH_SLOT PL(ISAKMP_PL_NONE)

/* A received message, decrypted, its payloads split. */
struct ike_msg {
	struct isakmp_hdr hdr;
	uint8_t *raw; /* the whole message, decrypted in place */
	size_t len;
	struct wire_payloads pl;
	struct sockaddr_storage from, local;
	int fd;
};

struct ike_sa;
struct quick;

/* How a step's handler (or a helper of it) ended.  Both 0: the exchange
 * goes on.  notify: it failed on the peer's account, and the peer may be
 * told this ISAKMP notify code.  sys (-errno): it failed here, and the
 * peer is told nothing.  Kept apart, never one int.  A handler that fails
 * says why on what failed (ike_sa_fail, quick_fail); when it has not, the
 * dispatcher does, from these. */
struct step_result {
	uint16_t notify;
	int sys;
};

#define STEP_GO_ON ((struct step_result){0, 0})

static inline struct step_result step_notify(int notify)
{
	return (struct step_result){(uint16_t)notify, 0};
}

static inline struct step_result step_sys(int err)
{
	return (struct step_result){0, err};
}

static inline bool step_failed(struct step_result r)
{
	return r.notify || r.sys;
}

typedef struct step_result (*step_fn)(void *state, struct ike_msg *m);

/* Whether a step's message arrives encrypted. */
enum step_enc {
	STEP_CLEAR = 0,
	STEP_ENCRYPTED = 1,
	STEP_EITHER = 2, /* Aggressive Mode's last message: peers differ */
};

struct wire_builder;

/* Adds one payload of a message we send, our side's value by role. */
typedef int (*payload_fn)(void *state, struct wire_builder *w);

#define SEND_MAX_PAYLOADS 10

/* A message we send, as data. */
struct send_spec {
	const char *name; /* "Main Mode message 3", for logs */
	bool encrypted;
	bool retransmit;		   /* kept and sent again until answered */
	bool hashed;			   /* Quick Mode: HASH(1)/HASH(2) first, over the rest */
	payload_fn add[SEND_MAX_PAYLOADS]; /* in order, up to the first NULL */
};

struct buf;

/* Builds the message spec says under header h, its payloads added on
 * state, into msg (initialised here; the caller frees it).  A hashed spec
 * starts with a HASH payload of hash_len bytes left empty, its value at
 * *hash_off for hashed_fill (informational.h).  Every message we send is
 * built here. */
int send_spec_build(const struct send_spec *spec, void *state, const struct isakmp_hdr *h,
		    size_t hash_len, struct buf *msg, size_t *hash_off);

struct step {
	bool initiator;	    /* the role that receives this message */
	uint32_t must, may; /* payloads, as PL() bits */
	enum step_enc encrypted;
	const char *name; /* "MM3", for logs */
	step_fn fn;
	/* What follows the job fn started (its m is NULL); NULL: fn starts
	 * none.  A resume says why when it fails. */
	step_fn resume;
	/* The message that answers this one, sent by the dispatcher once fn
	 * (or, after its job, resume) says go on; NULL: none. */
	const struct send_spec *sends;
};

struct auth_method;

/* Checks m against the step: the role, the encryption, every payload it
 * must carry present, nothing outside must|may, the AUTH slot resolved to
 * the payloads of auth (a row with the slot and no method is refused).
 * 0, or a notify code with why filled in. */
int step_check_auth(const struct step *s, const struct auth_method *auth, bool initiator,
		    const struct ike_msg *m, char *why, size_t whylen);
/* The same for a row without the AUTH slot (first messages, Quick Mode). */
int step_check(const struct step *s, bool initiator, const struct ike_msg *m, char *why,
	       size_t whylen);

/* Main Mode (main_mode.c) and Aggressive Mode (aggressive_mode.c); each
 * table ends with a row without a name (exchange_row). */
extern const struct step main_mode_steps[];
extern const struct step aggressive_mode_steps[];

#endif
