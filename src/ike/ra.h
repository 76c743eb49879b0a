/* Remote access (issue 11): XAUTH (draft-ietf-ipsec-isakmp-xauth-06) and
 * Mode Config (draft-ietf-ipsec-isakmp-mode-cfg-05) over the transaction
 * exchange (ISAKMP exchange type 6), server and client.
 *
 * An ISAKMP SA whose connection has conn.ra.xauth or a Mode Config role
 * gets a `struct ra_sa` when it is established (ra_established).  It runs
 * at most two transactions at once: the one we started (ours: REQUEST or
 * SET, retransmitted until the REPLY or ACK) and the last one the peer
 * started (theirs: our REPLY or ACK kept to answer its copies).  Each has
 * its own message ID, its IV from the phase-1 IV and that ID (RFC 2409
 * appendix B), then chained, and every message carries HASH =
 * prf(SKEYID_a, M-ID | the payloads after HASH) (mode-cfg-05 3.4).
 *
 *   transaction.c  the exchange type (dispatch.h) and sending
 *   xauth.c        XAUTH server and client
 *   modecfg.c      Mode Config server and client, pools, the client's VIP
 *   ra.c           the hooks the rest of ike/ calls */
#ifndef OAKLEY_IKE_RA_H
#define OAKLEY_IKE_RA_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "ike/ike.h"
#include "ike/lease.h"
#include "util/job.h"
#include "wire/attr.h"

#define RA_XAUTH_TRIES 3
#define RA_USER_MAX    128

enum ra_xauth_state {
	RA_XAUTH_NONE,	  /* no XAUTH on this SA */
	RA_XAUTH_WAIT,	  /* server: asked; client: waiting for the request */
	RA_XAUTH_OK,	  /* passed (server: the password checked) */
	RA_XAUTH_FAILING, /* server: STATUS=FAIL sent, the SA goes on its ACK */
	RA_XAUTH_FAILED,
};

enum ra_mc_state {
	RA_MC_NONE, /* no Mode Config on this SA */
	RA_MC_WAIT, /* not yet */
	RA_MC_DONE, /* server: address handed out; client: address taken */
};

/* What our open transaction is. */
enum ra_what {
	RA_XAUTH_ASK,	 /* server: REQUEST for user and password */
	RA_XAUTH_STATUS, /* server: SET XAUTH_STATUS */
	RA_MC_ASK,	 /* client: REQUEST (pull) */
	RA_MC_PUSH,	 /* server: SET (push) */
};

struct ra_txn {
	uint32_t msgid;		   /* 0: none */
	uint8_t what;		   /* ours: enum ra_what */
	uint8_t iv[IKE_MAX_BLOCK]; /* the CBC chain of this transaction */
	uint8_t type;		   /* ours: ISAKMP_CFG_REQUEST or _SET sent */
	uint16_t id;		   /* the ATTRIBUTE payload's identifier */
	bool open;		   /* ours: waiting for the answer */
	struct xmit xmit;
};

struct lease_pool;
struct vip_nl;

struct ra_sa {
	struct ike_sa *sa;
	uint8_t xauth; /* enum ra_xauth_state */
	uint8_t mc;    /* enum ra_mc_state */
	unsigned tries;
	char user[RA_USER_MAX]; /* the XAUTH user (server: as the peer gave it) */
	char peer_id[LEASE_ID_MAX + 1];
	bool quick_held;      /* our Quick Modes wait for XAUTH/Mode Config */
	struct conf_addr vip; /* the address handed out (server) or taken (client) */
	bool have_vip;
	struct lease_pool *pool;	 /* server: vip is leased from it */
	char lease_id[LEASE_ID_MAX + 1]; /* ... by this identity */
	bool mc_started;
	struct lease_pool *conn_pool; /* server: the connection's, found when established */
	bool vip_installed;	      /* client, dataplane=kernel: on lo, with routes */
	struct conf_ts vip_routes[8];
	unsigned nvip_routes;
	struct ra_txn ours, theirs;
	uint16_t next_id;
	struct ra_hold *hold; /* the lease or installed VIP, shared with its children (ra_hold.h) */
	struct conf_addr pool_range[2]; /* server: the conn's pool, first..last, at establishment */
	struct job check;		/* server: the password check in flight (xauth.c) */
	bool locked_out;		/* server: refused by xauth_throttle.h */
	struct timer wait; /* client: gives up on a server that never asks (ra_wait.c) */
};

/* ra.c: the hooks */
/* Keeps what the phase-1 exchange knows that Mode Config needs (the
 * peer's ID as a string), before the exchange ends. */
void ra_note_peer(struct ike_sa *sa);
/* The SA is established: XAUTH / Mode Config start (a server asks at
 * once).  True: our Quick Modes wait until they are done (ra_go_on). */
bool ra_established(struct ike_sa *sa);
/* May the peer start a Quick Mode?  False: it has not passed XAUTH (the
 * sentence logged). */
bool ra_quick_allowed(struct ike_sa *sa);
/* Our Quick Modes under sa wait for XAUTH or Mode Config. */
bool ra_busy(const struct ike_sa *sa);
/* A connection's selectors under sa: a Mode Config server's peer side is
 * its leased address; a client's own side is the address it took. */
void ra_conn_ts(const struct conn *c, const struct ike_sa *sa, struct conf_ts *local,
		struct conf_ts *remote);
/* A Mode Config server accepts 0.0.0.0/0 for its side (vpnc) and answers
 * with its own subnet: whether cr is such a proposal for c under sa. */
bool ra_narrows(const struct conn *c, const struct ike_sa *sa, const struct conf_ts *cr);
/* A remote-access client's ISAKMP SA (its XAUTH user, its address) is
 * its connection's only. */
bool ra_sa_fits(const struct ike_sa *sa, const struct conn *c);
/* A connection copied out of its configuration (conn_ref.c) gets its own
 * copies of conn.ra's strings, which live in conf.strings; and frees them. */
void ra_conn_own_strings(struct conn *c);
void ra_conn_free_strings(struct conn *c);
/* INITIAL-CONTACT with XAUTH (as strongSwan): an XAUTH server acts on it
 * only after XAUTH passed (true: deferred), and SAs of one phase-1 ID
 * (a group's) are the same peer only with the same XAUTH user. */
bool ra_ic_defer(struct ike_sa *sa);
bool ra_same_user(const struct ike_sa *a, const struct ike_sa *b);
/* The SA goes: it lets go of its hold on the lease or address (ra_hold.h). */
void ra_sa_free(struct ike_sa *sa);
void ra_daemon_free(struct ike_daemon *d);
/* What follows a step that went well: Mode Config after XAUTH, then the
 * held Quick Modes. */
void ra_next(struct ra_sa *r);
/* XAUTH and Mode Config are through: held Quick Modes start. */
void ra_go_on(struct ra_sa *r);
/* The SA fails: a Delete, then ike_sa_fail's sentence. */
void ra_fail(struct ra_sa *r, const char *why);
/* The phase-1 auth method a connection proposes and accepts on the wire:
 * with XAUTH, IKE_AUTH_XAUTH_INIT_PSK / _RSA (xauth-06 6). */
uint16_t ra_wire_auth(const struct conn *c);
const char *ra_xauth_state_name(uint8_t st);

/* ra_wait.c: a client's Quick Modes and its XAUTH / Mode Config.
 * Whether Quick Modes may start under sa (no remote access, a server's
 * SA past XAUTH, a client's past XAUTH and with its address). */
bool ra_sa_ready(const struct ike_sa *sa);
/* A client's SA not ready: the Quick Mode waits for it (true: fn hears
 * later, or now when one waits already). */
bool ra_quick_wait(struct ike_sa *sa, ike_up_fn fn, void *arg);
/* From ike_sa_established: a client not yet ready gives up after the
 * retransmission span (xmit_span_ms) with a sentence. */
void ra_wait_arm(struct ike_sa *sa);
void ra_wait_fire(void *arg);

/* transaction.c */
extern const struct exchange_type transaction_type;
/* Starts our transaction: type (REQUEST or SET) with n attributes. */
int ra_txn_send(struct ra_sa *r, uint8_t what, uint8_t type, const struct wire_cfg_attr_spec *attrs,
		unsigned n);
void ra_txn_init(struct ra_sa *r);
void ra_txn_clear(struct ra_sa *r);
/* Answers the peer's transaction (REPLY to its REQUEST, ACK to its SET). */
int ra_txn_answer(struct ra_sa *r, uint8_t type, uint16_t id,
		  const struct wire_cfg_attr_spec *attrs, unsigned n);
void ra_log(const struct ra_sa *r, int lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Why a transaction message was dropped or ignored: each kind is logged
 * once per ISAKMP SA at lvl, then at debug level, so that a peer (or a
 * stranger with its cookies) cannot flood the log (review 11, 13). */
enum ra_drop {
	RA_DROP_EARLY,	  /* before phase 1 is up, in the clear, message ID 0 */
	RA_DROP_STRANGER, /* not from the SA's peer */
	RA_DROP_NO_RA,	  /* the connection has neither XAUTH nor Mode Config */
	RA_DROP_GARBLED,  /* does not decrypt or parse, wrong payloads */
	RA_DROP_HASH,	  /* HASH does not verify */
	RA_DROP_REPLAY,	  /* message ID used before */
	RA_DROP_ROLE,	  /* not what the peer's role sends ours */
	RA_DROP_IGNORED,  /* answers nothing of ours, or the wrong kind */
};
void ra_log_drop(struct ike_sa *sa, enum ra_drop kind, int lvl, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* xauth.c: one received ATTRIBUTE payload each; 0 or a notify-free -errno */
void xauth_server_start(struct ra_sa *r);
void xauth_server_reply(struct ra_sa *r, const struct wire_cfg *cfg);
void xauth_server_ack(struct ra_sa *r);
void xauth_client_request(struct ra_sa *r, const struct wire_cfg *cfg);
void xauth_client_set(struct ra_sa *r, const struct wire_cfg *cfg);
bool cfg_has_xauth(const struct wire_cfg *cfg);
/* The SA goes: a password check in flight is cancelled (ra_txn_clear). */
void xauth_check_cancel(struct ra_sa *r);

/* modecfg.c */
void modecfg_start(struct ra_sa *r); /* after XAUTH (or phase 1 without it) */
void modecfg_server_request(struct ra_sa *r, const struct wire_cfg *cfg);
void modecfg_server_ack(struct ra_sa *r);
void modecfg_client_attrs(struct ra_sa *r, const struct wire_cfg *cfg, bool set);
void modecfg_release(struct ra_sa *r);

/* The daemon's pools (one per range, kept across reloads: ra_hold.h). */
struct ra_daemon;
/* A connection's pool range (conn.ra.pool of d's configuration, or the
 * range a detached copy kept): false when it has none. */
bool ra_conn_pool_range(struct ike_daemon *d, const struct conn *c, struct conf_addr *first,
			struct conf_addr *last);
/* With a kernel dataplane, the daemon's rtnetlink socket for a Mode Config
 * client's address is opened at start, before root is dropped (the seccomp
 * filter allows no new sockets); a failure is logged, and such a client
 * then says it cannot put its address on lo. */
void ra_kernel_open(struct ike_daemon *d);
/* That socket (opened now if it was not: tests, no seccomp). */
int ra_vip_nl(struct ike_daemon *d, struct vip_nl **out);
typedef void (*ra_pool_fn)(struct lease_pool *p, void *arg);
void ra_pools_walk(struct ike_daemon *d, ra_pool_fn fn, void *arg);

/* A lease's identity as the operator knows it: the XAUTH user or the
 * phase-1 ID, without the kind the pool keys it by ("xauth:bob" -> "bob"). */
const char *ra_lease_user(const char *identity);

#endif
