/* The protocol layer's state: the daemon, ISAKMP SAs (phase 1), Quick Mode
 * exchanges and the IPsec SAs they install (phase 2).  Only ike/ ties the
 * codec, crypto, kernel and sockets together.  One thread owns all of it. */
#ifndef OAKLEY_IKE_IKE_H
#define OAKLEY_IKE_IKE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "ike/by_conn.h"
#include "ike/dh_job.h"
#include "ike/dpd.h"
#include "ike/initial_contact.h"
#include "ike/msgid.h"
#include "ike/natt.h"
#include "ike/rekey.h"
#include "ike/vendor.h"
#include "net/sockaddr.h"
#include "wire/payload.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/loop.h"
#include "wire/alg.h"

#define IKE_MAX_MD    64
#define IKE_MAX_PROOF 1024 /* a HASH, or a SIG (X509_SIG_MAX) */
#define IKE_MAX_BLOCK 16
#define IKE_MAX_SOCKS 8

struct ike_daemon;
struct ike_sa;
struct quick;
struct xfrm;
struct capture;
struct keytables;
struct halfopen_src;
struct conn_index;
struct pacing;
struct ike_creds;
struct ra_sa;
struct ra_daemon;
struct priv;
struct x509_st;
struct stack_st_X509;

/* Where an exchange's messages go and come from: every send takes one
 * (NAT-T's port change and keepalives will live here too). */
struct ike_endpoint {
	union sockaddr_inet local, remote; /* read through .sa */
	int fd;				   /* our socket; -1 with an in-process transport */
};

/* Sends one datagram; the daemon's sockets unless a transport is given
 * (ike_daemon_new_inproc). */
typedef void (*ike_send_fn)(void *arg, const struct ike_endpoint *ep, const uint8_t *msg,
			    size_t len);

/* Who is waiting for a connection to come up (oakleyctl up). */
typedef void (*ike_up_fn)(void *arg, bool ok, const char *why);

/* Retransmission of one exchange's last message, and the replay of our last
 * answer when the peer retransmits.  It goes to the owner's peer (the
 * ISAKMP SA's endpoint), so it keeps no address of its own. */
struct xmit {
	struct buf last_sent;
	unsigned tries;
	struct timer timer;
	uint8_t last_recv_digest[20]; /* SHA1 of the last message received */
	bool have_last_recv;
	/* last_sent answers that message: only then does a copy of it get
	 * last_sent again (MM6 answers nothing; resending MM5 for it would
	 * start a ping-pong between two such peers). */
	bool last_recv_answered;
};

/* A connection as the SAs made for it saw it: they share one reference,
 * which points into the running configuration, and gets its own copy when
 * a reload replaces that, so a reload does not change a running SA
 * (conn_ref.c). */
struct conn_ref {
	const struct conn *c;
	struct conn *copy; /* after a reload: c points here */
	unsigned refs;
	unsigned gen, idx; /* the configuration's generation and index */
};

enum ike_sa_state {
	IKE_SA_NEGOTIATING,
	IKE_SA_ESTABLISHED,
	IKE_SA_DEAD,
};

/* One negotiation under way: Main or Aggressive Mode (q NULL), or a Quick
 * Mode.  What only the exchange needs lives here, on the heap, and is freed
 * (key material wiped) when the exchange ends, established or failed; the
 * SA or Quick Mode keeps what it needs afterwards. */
struct exchange {
	struct exchange *next_ended;
	struct ike_sa *sa; /* the ISAKMP SA negotiated, or the one Quick Mode runs under */
	struct quick *q;
	unsigned step;			  /* index into the exchange's step table */
	const struct exchange_type *type; /* set by exchange_job_start */
	uint32_t msgid;			  /* 0 in phase 1 */
	uint8_t iv[IKE_MAX_BLOCK];	  /* the CBC IV chain of this exchange */
	struct dh_job dhj;		  /* the pending (or last) DH job */
	struct buf ni, nr;
	/* the responder's answer, kept while the DH job runs */
	struct wire_transform_spec echo;
	uint8_t propnum;

	/* phase 1 */
	struct buf gxi, gxr, sai_b, idii_b, idir_b, psk;
	uint8_t skeyid[IKE_MAX_MD];
	uint8_t peer_hash[IKE_MAX_PROOF]; /* Aggressive Mode's HASH_R or SIG, while DH runs */
	bool hash_sent;			  /* our HASH (HASH_I or HASH_R) has gone out */
	size_t peer_hash_len;

	/* Quick Mode: the child it negotiates */
	struct conf_ts ts_local, ts_remote; /* what this child protects */
	struct proposal chosen;
	bool tunnel;
	uint32_t lifetime_s, life_kb; /* in force: proposed, or the responder's */
	bool lifetime_from_responder; /* RESPONDER-LIFETIME shortened them */
	const struct alg *pfs;	      /* the Quick Mode's DH group, NULL without PFS */
	bool ids, notify_lifetime;
	uint32_t spi_in, spi_out;
	uint32_t reqid;
	union sockaddr_inet natt_oa;	  /* the peer's NAT-OA (natt.h) */
	struct stack_st_X509 *peer_certs; /* phase 1: the peer's CERT payloads (auth_sig.c) */
	bool peer_cr;			  /* phase 1: the peer sent a CR */
};

/* One phase-1 SA (ISAKMP SA). */
struct ike_sa {
	struct hnode by_icookie;
	bool hashed;
	struct group_link by_conn, by_ids; /* by_conn.c */
	struct group_link by_peer;	   /* while established (by_conn.c) */
	struct halfopen_src *halfopen;	   /* a responder SA counted in d->halfopen */
	struct ike_sa *next, *prev;	   /* the daemon's list, for status and shutdown */
	struct ike_daemon *d;
	unsigned serial;
	struct conn_ref *cref; /* its connection (sa->conn is cref->c) */
	const struct conn *conn;
	bool initiator;
	uint8_t exchange; /* ISAKMP_XCHG_ID_PROT or _AGGRESSIVE */
	enum ike_sa_state state;
	uint8_t icookie[8], rcookie[8];
	struct ike_endpoint ep; /* the peer */
	struct exchange *x;	/* while phase 1 is negotiated */

	/* negotiated */
	const struct alg *encr, *hash, *group;
	uint16_t auth; /* IKE_AUTH_*: the value on the wire (XAUTH ones too) */
	uint32_t lifetime_s;
	uint64_t started_ms, established_ms;

	/* keys */
	uint8_t skeyid_d[IKE_MAX_MD], skeyid_a[IKE_MAX_MD], skeyid_e[IKE_MAX_MD];
	size_t prf_len;
	uint8_t enc_key[32];
	size_t enc_key_len;
	size_t block;
	uint8_t p1_last_block[IKE_MAX_BLOCK]; /* base of phase-2 IVs */

	struct xmit xmit;
	struct timer expire; /* half-open limit, then the SA's lifetime */
	/* Why it failed, or is likely to (a sentence), for status and
	 * oakleyctl up: "" or a copy on the heap (ike_sa_set_why). */
	const char *why;

	/* Quick Modes to start once phase 1 is up (initiator). */
	struct quick *quicks;
	bool want_child;
	ike_up_fn up_fn;
	void *up_arg;

	/* Every message ID used under this SA, and how many messages were
	 * dropped because theirs was used before (replays). */
	struct msgid_set msgids;
	unsigned replays;
	bool paced; /* counted in flight by pacing.c */
	/* Our Quick Modes in progress under it, and those waiting to start
	 * (pacing.c; NULL until one waits). */
	unsigned quick_under_way;
	struct quick_queue *quick_queue;
	struct peer_vendor peer_vendor; /* what its vendor IDs said (vendor.h) */
	struct natt_state natt;		/* NAT traversal (natt.h) */
	struct dpd_state dpd;		/* Dead Peer Detection (dpd.h) */
	struct ic_state ic;		/* the peer's ID, for INITIAL-CONTACT */
	struct ike_rekey rk;		/* rekey.h */
	struct ike_creds *creds;	/* the credentials it uses (creds.h) */
	struct x509_st *peer_cert;	/* the peer's verified certificate, or NULL */
	struct ra_sa *ra;		/* XAUTH and Mode Config (ra.h), or NULL */
	uint16_t txn_logged;		/* kinds of dropped transactions logged (ra.h) */
};

enum quick_state {
	QUICK_NEGOTIATING,
	QUICK_DONE,
	QUICK_DEAD,
};

/* One Quick Mode exchange; on success it becomes a child SA.  Once it
 * ended only this is left, lingering to answer copies of the peer's last
 * message with ours. */
struct quick {
	struct hnode by_msgid;
	struct quick *next_in_sa; /* the SA's Quick Modes */
	struct ike_sa *sa;
	/* the connection this child is for (the responder picks it by the
	 * peer's IDs and proposals; NULL until then) */
	struct conn_ref *cref;
	const struct conn *conn;
	struct exchange *x; /* while negotiating */
	uint32_t msgid;
	bool initiator;
	enum quick_state state;
	struct xmit xmit;
	ike_up_fn up_fn;
	void *up_arg;
	bool paced; /* counted in its SA's quick_under_way */
};

/* An installed (or negotiated, with dataplane=none) pair of IPsec SAs. */
struct child_sa {
	struct child_sa *next, *prev;
	struct group_link by_conn, by_ts; /* by_conn.c */
	struct ike_daemon *d;
	unsigned serial; /* its ISAKMP SA's, shown as #N */
	unsigned seq;	 /* its own, in creation order: status lists by it */
	char conn_name[64];
	union sockaddr_inet local, remote;
	struct conf_ts ts_local, ts_remote;
	bool tunnel;
	struct proposal prop;
	uint32_t spi_in, spi_out, reqid;
	uint32_t lifetime_s;
	uint64_t lifebytes;
	bool lifetime_from_responder;
	uint64_t established_ms;
	bool installed; /* in the kernel */
	bool initiator; /* we started it, so we rekey it */
	bool rekeyed;	/* a successor was started at the soft limit */
	struct timer expire;
	struct child_spi_node {
		struct hnode node;
		struct child_sa *child;
	} by_spi[2];			/* inbound and outbound SPI, both in d->child_by_spi */
	uint8_t icookie[8], rcookie[8]; /* the ISAKMP SA that made it */
	struct natt_child natt;		/* UDP encapsulation (natt.h) */
	struct child_rekey rk;		/* rekey.h */
	struct ra_hold *ra_hold;	/* the lease or VIP it uses (ra_hold.h), or NULL */
};

/* The last failure of each connection, for oakleyctl status. */
struct ike_failure {
	struct ike_failure *next;
	char conn[64];
	char why[512];
	uint64_t when_ms;
};

struct ike_sock {
	int fd;
	int family;
	bool natt; /* port 4500: the non-ESP marker (natt.h) */
};

struct ike_daemon {
	struct loop *loop;
	struct conf *conf;
	struct xfrm *xfrm;	 /* NULL with dataplane=none */
	struct capture *capture; /* oakleyd -L: decrypted ISAKMP to pcap */
	struct keytables *keys;	 /* oakleyd -K: Wireshark key tables */
	struct ike_sock socks[IKE_MAX_SOCKS];
	unsigned nsocks;
	struct htable sa_by_icookie;
	struct htable quick_by_msgid;
	struct htable child_by_spi;
	struct htable sa_by_conn, sa_by_ids, child_by_conn; /* by_conn.c */
	struct htable quick_wait_by_conn;      /* Quick Modes queued on an SA (pacing.c) */
	struct htable sa_by_peer, child_by_ts; /* by_conn.c */
	int xfrm_events;		       /* kernel expire notices; -1 without a kernel */
	struct ike_sa *sas;
	struct child_sa *children;
	struct ike_failure *failures; /* newest first, one per connection */
	unsigned next_serial;
	unsigned next_child_seq;
	uint32_t next_reqid;
	uint16_t port; /* 500, or a test port */
	bool kernel_esp_warned;
	unsigned retransmit_base_ms, retransmit_tries, retransmit_limit_ms;
	unsigned halfopen_timeout_ms;
	unsigned halfopen, halfopen_max;      /* responder SAs not yet established */
	struct htable halfopen_by_src;	      /* struct halfopen_src, per address */
	struct htable mm_halfopen_by_icookie; /* struct mm_halfopen (halfopen.h) */
	uint64_t halfopen_warned_ms, first_warned_ms, refused_warned_ms;
	uint64_t refused_unlogged; /* Main Mode refusals not logged, since the last that was */
	/* Dropped without state, for status: first messages over the limits,
	 * malformed ones, and messages of an exchange that did not decrypt. */
	uint64_t dropped_halfopen, dropped_first, dropped_undecryptable, dropped_am_rate;
	uint64_t am_tokens, am_refill_ms; /* Aggressive Mode answers (halfopen.c) */
	/* The shared connection references of the running configuration,
	 * by index (conn_ref.c); conf_gen counts reloads. */
	struct conn_ref **conn_refs;
	unsigned nconn_refs, conf_gen;
	ike_send_fn send; /* NULL: the sockets */
	void *send_arg;
	struct exchange *ended; /* to be freed from the loop (exchange_end) */
	struct timer reap;
	struct conn_index *conn_index; /* conn_next_for_peer's (conn_index.h) */
	struct pacing *pacing;	       /* initiations in flight and queued (pacing.h) */
	struct dpd_daemon *dpd;	       /* restarts and held policies (dpd.c) */
	struct frag_table *frag;       /* IKE fragments being reassembled (frag.h) */
	struct ike_creds *creds;       /* certificates, keys, CAs, CRLs (creds.h) */
	struct ike_creds *next_creds;  /* built by ike_daemon_reload_check */
	struct ra_daemon *ra;	       /* address pools (ra.h), NULL until one is used */
	struct priv *priv;	       /* the privileged helper (PAM), NULL in-process */
	struct xauth_throttle *xthr;   /* XAUTH failures (xauth_throttle.h), NULL until one */
};

/* daemon.c */
int ike_daemon_new(struct loop *loop, struct conf *conf, uint16_t port, struct ike_daemon **out);
/* A daemon with no sockets and no kernel (dataplane=none only): what it
 * sends goes to send(arg, ...), what it receives is given to
 * ike_packet_input (fd -1).  Two of them on one loop make whole exchanges
 * in a unit test. */
int ike_daemon_new_inproc(struct loop *loop, struct conf *conf, ike_send_fn send, void *arg,
			  struct ike_daemon **out);
void ike_daemon_free(struct ike_daemon *d); /* sends Deletes, removes SAs */
int ike_daemon_reload(struct ike_daemon *d, struct conf *conf);
/* Before ike_daemon_reload: the credential store of conf, built for it;
 * 0, or -errno with why (the reload is then refused). */
int ike_daemon_reload_check(struct ike_daemon *d, const struct conf *conf, char *why,
			    size_t whylen);
/* Starts a connection (auto=start and oakleyctl up); fn is called once. */
int ike_up(struct ike_daemon *d, const char *name, ike_up_fn fn, void *arg);
int ike_down(struct ike_daemon *d, const char *name);
/* A successor for a connection's IPsec SA (its soft limit came): Quick
 * Mode under its ISAKMP SA, or Main Mode first when there is none. */
void ike_rekey(struct ike_daemon *d, const char *name);
int ike_sock_for(struct ike_daemon *d, int family);
/* One received datagram (the sockets' path; fuzz targets feed it too). */
void ike_packet_input(struct ike_daemon *d, int fd, uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *from, const struct sockaddr_storage *local);
void ike_note_failure(struct ike_daemon *d, const char *conn, const char *why);
/* The connections between these two addresses (the remote may be %any),
 * in configuration order: prev NULL for the first. */
const struct conn *conn_next_for_peer(struct ike_daemon *d, const struct sockaddr *local,
				      const struct sockaddr *remote, const struct conn *prev);
/* The same, keeping those whose rightid takes the peer's ID (phase 1). */
const struct conn *conn_next_for_peer_id(struct ike_daemon *d, const struct sockaddr *local,
					 const struct sockaddr *remote, const struct wire_id *id,
					 const struct conn *prev);

/* sa.c */
struct ike_sa *ike_sa_new(struct ike_daemon *d, const struct conn *c, bool initiator);
void ike_sa_hash(struct ike_sa *sa);
/* Sets local/remote/fd of an initiator from its connection. */
int ike_sa_addresses(struct ike_sa *sa);
struct ike_sa *ike_sa_find(struct ike_daemon *d, const uint8_t icookie[8],
			   const uint8_t rcookie[8]);
struct ike_sa *ike_sa_find_responder(struct ike_daemon *d, const uint8_t icookie[8],
				     const struct sockaddr *from);
struct ike_sa *ike_sa_find_conn(struct ike_daemon *d, const char *name, bool established);
/* Would connection c have accepted this ISAKMP SA (IDs, auth, ike=)? */
bool ike_sa_fits(const struct ike_sa *sa, const struct conn *c);
/* Its authentication and negotiated suite are in c's ike= list. */
bool ike_sa_suite_in(const struct ike_sa *sa, const struct conn *c);
struct ike_sa *ike_sa_for_conn(struct ike_daemon *d, const struct conn *c);
bool conf_addr_is(const struct conf_addr *a, const struct sockaddr *ss);
void ike_sa_fail(struct ike_sa *sa, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Before authentication: an unprotected refusal or a message that did not
 * decrypt is logged and remembered in sa->why as the likely reason; the
 * exchange goes on, and fails with it if it times out. */
void ike_sa_likely(struct ike_sa *sa, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ike_sa_free(struct ike_sa *sa);
/* Why it failed or is likely to, or "" */
const char *ike_sa_why(const struct ike_sa *sa);
/* Sets the reason (a copy); false without memory (the old one stays). */
bool ike_sa_set_why(struct ike_sa *sa, const char *why);
void ike_sa_log(const struct ike_sa *sa, int lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ike_sa_established(struct ike_sa *sa);

/* conn_ref.c: the connection an SA or Quick Mode was made for */
/* A reference to c, shared with the other holders of the same connection
 * of the same configuration; NULL without memory. */
struct conn_ref *conn_ref_get(struct ike_daemon *d, const struct conn *c);
void conn_ref_put(struct ike_daemon *d, struct conn_ref *r);
/* Before d->conf is replaced: every reference gets its own copy. */
int conn_refs_detach(struct ike_daemon *d);
void conn_refs_free(struct ike_daemon *d);
/* Points sa (or q) at connection c, dropping the old reference. */
int ike_sa_set_conn(struct ike_sa *sa, const struct conn *c);
int quick_set_conn(struct quick *q, const struct conn *c);

/* exchange.c: the negotiation object */
/* Our nonce (Ni or Nr, phase 1 and Quick Mode alike): fresh random bytes. */
int exchange_make_nonce(struct buf *nonce);
struct exchange *exchange_new(struct ike_sa *sa, struct quick *q);
/* Has the ISAKMP SA's exchange sent our HASH (authenticated us) yet?  A
 * refusal after it is most likely about the key. */
bool ike_sa_hash_sent(const struct ike_sa *sa);
/* Cancels its job, wipes and frees it; NULL is fine. */
void exchange_free(struct ike_daemon *d, struct exchange *x);
/* The exchange *xp ended (its owner goes on): *xp is NULL at once, its job
 * cancelled and its secret wiped; the memory goes from the loop, since
 * the caller may be one of its handlers or its job's completion. */
void exchange_end(struct exchange **xp);
/* Frees the ended exchanges (the loop does it; ike_daemon_free too). */
void exchange_reap(void *daemon);

/* xmit.c: sending with retransmission, and replies to retransmissions */
void xmit_init(struct xmit *x, loop_timer_fn fn, void *arg);
void xmit_clear(struct ike_daemon *d, struct xmit *x);
/* Sends msg to sa's peer and keeps it (takes msg's contents); retransmit
 * says whether we wait for an answer. */
int xmit_send(struct ike_sa *sa, struct xmit *x, struct buf *msg, bool retransmit);
/* true if the message is the same as the last one received (a retransmission) */
bool xmit_seen(struct xmit *x, const uint8_t *msg, size_t len);
/* The same, in two halves: a repeat of the last message accepted (its
 * digest goes to digest), and accepting one.  A message dropped is not
 * remembered, so its copies are not answered (no ping-pong with a peer
 * that resends what we could not read). */
bool xmit_repeat(const struct xmit *x, const uint8_t *msg, size_t len, uint8_t digest[20]);
void xmit_accepted(struct xmit *x, const uint8_t digest[20], bool answered);
/* true while more tries remain (and resent); false when it gave up */
bool xmit_retransmit(struct ike_sa *sa, struct xmit *x);
/* Sends our last message again (a copy of the peer's came). */
void xmit_resend(struct ike_sa *sa, const struct xmit *x);
/* From a first send to giving up: how long a peer with our settings keeps
 * retransmitting, so how long a finished exchange lingers to answer it. */
uint64_t xmit_span_ms(const struct ike_daemon *d);
void ike_send(struct ike_daemon *d, const struct ike_endpoint *ep, const uint8_t *msg, size_t len);

/* crypt.c: phase-1 encryption and its IV chains */
int ike_encrypt(const struct ike_sa *sa, struct buf *msg, uint8_t *iv);
/* Decrypts msg in place (after the header); iv is updated to the last ciphertext block. */
int ike_decrypt(const struct ike_sa *sa, uint8_t *msg, size_t len, uint8_t *iv);
int sa_phase2_iv(const struct ike_sa *sa, uint32_t msgid, uint8_t *iv);

#endif
