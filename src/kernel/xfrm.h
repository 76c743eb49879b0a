/* The kernel's IPsec tables (XFRM) over netlink.  Everything here takes
 * plain structs: addresses, SPIs, algorithm names, keys and lifetimes.
 * Nothing here knows IKE.  Functions return 0 or the -errno of the
 * kernel's netlink ack, unchanged; xfrm_strerror() explains them. */
#ifndef OAKLEY_KERNEL_XFRM_H
#define OAKLEY_KERNEL_XFRM_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/xfrm.h> /* XFRM_POLICY_IN/OUT/FWD, XFRM_POLICY_ALLOW/BLOCK */

#define XFRM_ALG_NAME_MAX 64	/* the kernel's CRYPTO_MAX_ALG_NAME, with the NUL */
#define XFRM_KEY_MAX	  128	/* bytes; the longest ESP key is hmac(sha512)'s 64 */
#define XFRM_SPI_MIN	  0x100 /* SPIs 1..255 are reserved (RFC 4303 2.1) */

struct xfrm_addr {
	int family;    /* AF_INET, AF_INET6; 0 in a selector: any */
	uint8_t b[16]; /* AF_INET: the first 4 bytes */
};

struct xfrm_sel {
	struct xfrm_addr src, dst;
	uint8_t src_plen, dst_plen;
	uint8_t proto;	       /* 0 = any */
	uint16_t sport, dport; /* host order; 0 = any */
};

struct xfrm_alg_key {
	const char *name; /* XFRM name: "cbc(aes)", "hmac(sha1)", "rfc4106(gcm(aes))",
			     "ecb(cipher_null)"; NULL: none */
	const uint8_t *key;
	unsigned key_len;    /* bytes; for AEAD including the salt */
	unsigned trunc_bits; /* auth: ICV bits (0: the kernel's default, beware
				hmac(sha256) defaults to 96); aead: ICV bits, required */
};

struct xfrm_sa {
	struct xfrm_addr src, dst;
	uint32_t spi;  /* host order */
	uint8_t proto; /* IPPROTO_ESP */
	bool tunnel;   /* XFRM_MODE_TUNNEL, else TRANSPORT */
	uint32_t reqid;
	struct xfrm_alg_key enc, auth; /* auth.name NULL for AEAD */
	bool aead;		       /* enc is an AEAD: XFRMA_ALG_AEAD, enc.key including salt */
	uint64_t soft_bytes, hard_bytes, soft_secs, hard_secs; /* 0 = no limit */
	struct xfrm_sel sel;		   /* for transport mode: the hosts; may be zero */
	uint16_t encap_sport, encap_dport; /* NAT-T UDP encapsulation when non-zero */
	uint32_t replay_window;		   /* packets; 0 = 32; above 32 uses the ESN bitmap form */
	struct xfrm_addr encap_oa; /* NAT-OA: the peer's original address (family 0: none) */
};

struct xfrm_pol {
	struct xfrm_sel sel;
	uint8_t dir; /* XFRM_POLICY_IN/OUT/FWD */
	uint32_t priority;
	uint8_t action; /* XFRM_POLICY_ALLOW (0, the default) or XFRM_POLICY_BLOCK */
	/* template, when proto != 0 (action ALLOW only): */
	struct xfrm_addr tmpl_src, tmpl_dst; /* tunnel ends; zero in transport mode */
	bool tunnel;
	uint32_t reqid;
	uint8_t proto;
};

/* Named xfrm_sa_stats: <linux/xfrm.h> already has a struct xfrm_stats. */
struct xfrm_sa_stats {
	uint64_t bytes, packets;
	uint64_t add_time, use_time;	   /* seconds since the epoch; use_time 0: unused */
	uint32_t replay, integrity_failed; /* dropped packets */
};

/* An SA read back from the kernel.  Holds key copies: call
 * xfrm_sa_info_wipe() when done. */
struct xfrm_alg_info {
	char name[XFRM_ALG_NAME_MAX]; /* "" when absent */
	uint8_t key[XFRM_KEY_MAX];
	unsigned key_len; /* bytes */
	unsigned trunc_bits;
};

struct xfrm_sa_info {
	struct xfrm_addr src, dst;
	uint32_t spi;
	uint8_t proto;
	bool tunnel;
	uint32_t reqid;
	struct xfrm_alg_info enc, auth;
	bool aead;
	uint64_t soft_bytes, hard_bytes, soft_secs, hard_secs; /* 0 = no limit */
	struct xfrm_sel sel;
	uint16_t encap_sport, encap_dport;
	uint32_t replay_window;
	struct xfrm_sa_stats stats;
};

/* A request for an SPI: the larval SA it creates is matched by these. */
struct xfrm_spi_req {
	struct xfrm_addr src, dst; /* the SA's: peer -> us for an inbound SA */
	uint8_t proto;
	bool tunnel;
	uint32_t reqid;
	uint32_t min, max;    /* 0, 0: XFRM_SPI_MIN..0xffffffff */
	uint32_t acquire_seq; /* an ACQUIRE's seq, to claim its larval SA; 0: none */
};

struct xfrm; /* one NETLINK_XFRM socket with its sequence numbers */

int xfrm_open(struct xfrm **out);
void xfrm_close(struct xfrm *x);
/* The kernel's own words (netlink extended ack) on the last failed
 * request, "" if it said none. */
const char *xfrm_kernel_msg(const struct xfrm *x);

/* XFRM_MSG_ALLOCSPI in XFRM_SPI_MIN..0xffffffff, transport mode.  The
 * kernel holds a larval SA for it for net.core.xfrm_acq_expires seconds
 * (30 by default) until xfrm_update_sa() fills it in. */
int xfrm_alloc_spi(struct xfrm *x, const struct xfrm_addr *src, const struct xfrm_addr *dst,
		   uint8_t proto, uint32_t reqid, uint32_t *spi);
int xfrm_alloc_spi_req(struct xfrm *x, const struct xfrm_spi_req *req, uint32_t *spi);

/* XFRM_MSG_NEWSA: a new SA (-EEXIST if dst/spi/proto is taken). */
int xfrm_add_sa(struct xfrm *x, const struct xfrm_sa *sa);
/* XFRM_MSG_UPDSA: completes the larval SA of an SPI from xfrm_alloc_spi()
 * (-ESRCH when there is none).  On a complete SA the kernel changes only
 * lifetimes, encapsulation and selector. */
int xfrm_update_sa(struct xfrm *x, const struct xfrm_sa *sa);
int xfrm_del_sa(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto);
/* XFRM_MSG_GETSA; -ESRCH when there is no such SA. */
int xfrm_get_sa(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto,
		struct xfrm_sa_info *out);
void xfrm_sa_info_wipe(struct xfrm_sa_info *si);
int xfrm_get_sa_stats(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto,
		      struct xfrm_sa_stats *st);
/* Every SA (larval ones too); keys are wiped after each callback. */
typedef void (*xfrm_sa_cb)(const struct xfrm_sa_info *si, void *arg);
int xfrm_dump_sa(struct xfrm *x, xfrm_sa_cb cb, void *arg);

/* XFRM_MSG_NEWPOLICY (-EEXIST if sel/dir exists) and UPDPOLICY (adds or
 * replaces). */
int xfrm_add_policy(struct xfrm *x, const struct xfrm_pol *p);
int xfrm_update_policy(struct xfrm *x, const struct xfrm_pol *p);
/* -ENOENT when there is no such policy. */
int xfrm_del_policy(struct xfrm *x, const struct xfrm_sel *sel, uint8_t dir);
int xfrm_get_policy(struct xfrm *x, const struct xfrm_sel *sel, uint8_t dir, struct xfrm_pol *out);
typedef void (*xfrm_pol_cb)(const struct xfrm_pol *p, void *arg);
int xfrm_dump_policy(struct xfrm *x, xfrm_pol_cb cb, void *arg);

/* Batches: requests go to the kernel several per sendmsg(), without
 * waiting for each ack; the kernel answers only the failures and the
 * last request of each sendmsg(), and the answers are matched to their
 * requests by sequence number.  At most a window of requests (sized from
 * the socket's receive buffer) goes in one sendmsg(), so no answer can be
 * dropped for want of room.  The kernel carries out every request, also
 * those after a failed one.
 *
 *   xfrm_batch_begin(x);
 *   xfrm_batch_add_sa(x, &in); xfrm_batch_update_policy(x, &p); ...
 *   err = xfrm_batch_end(x, &failed);
 *
 * Each queueing call returns the request's index in the batch (0, 1, ...);
 * a request refused before the kernel (bad arguments) keeps its -errno as
 * its result.  They return -EBUSY without a batch open and -ENOMEM when
 * the batch could not grow (the request and the ones after it are lost;
 * xfrm_batch_end() reports it).  While a batch is open the synchronous
 * calls above return -EBUSY. */
void xfrm_batch_begin(struct xfrm *x);
int xfrm_batch_add_sa(struct xfrm *x, const struct xfrm_sa *sa);
int xfrm_batch_update_sa(struct xfrm *x, const struct xfrm_sa *sa);
int xfrm_batch_del_sa(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto);
int xfrm_batch_add_policy(struct xfrm *x, const struct xfrm_pol *p);
int xfrm_batch_update_policy(struct xfrm *x, const struct xfrm_pol *p);
int xfrm_batch_del_policy(struct xfrm *x, const struct xfrm_sel *sel, uint8_t dir);
/* Sends what is left and reads every ack.  Returns 0 when every request
 * succeeded, else the -errno of the first that failed (in queue order),
 * whose index goes to *failed (may be NULL); xfrm_kernel_msg() has the
 * kernel's words on that one. */
int xfrm_batch_end(struct xfrm *x, unsigned *failed);
/* After xfrm_batch_end(), until the next begin: request index's result (0
 * or -errno; -EINVAL for an index never queued), and how many failed. */
int xfrm_batch_result(const struct xfrm *x, unsigned index);
unsigned xfrm_batch_failures(const struct xfrm *x);
/* The most requests a batch sends at once (its window; 0 before the
 * first batch). */
unsigned xfrm_batch_window(const struct xfrm *x);

/* The kernel keeps policies whose selector prefixes are at least these
 * (the local and the remote side's, as `ip xfrm policy set hthresh4
 * LBITS RBITS` names them) in hash tables, the others in a tree that is
 * much slower to change when it holds thousands (deleting 30,000 /24
 * policies on a 6.18 kernel: 9 s, hashed 0.07 s; installing 10,000
 * tunnels under TCG: 116 s, hashed 4-6 s).  The defaults are 32 and 128: only host
 * policies are hashed.
 * Lookups give the same answers either way.  XFRM_MSG_NEWSPDINFO; the
 * kernel rehashes in the background. */
struct xfrm_hthresh {
	uint8_t v4_local, v4_remote; /* 0..32 */
	uint8_t v6_local, v6_remote; /* 0..128 */
	bool keep_v4, keep_v6;	     /* set: that family's stay as the kernel has them */
};
int xfrm_set_policy_hthresh(struct xfrm *x, const struct xfrm_hthresh *h);
/* XFRM_MSG_GETSPDINFO: the thresholds in force (keep_v4/v6 false). */
int xfrm_get_policy_hthresh(struct xfrm *x, struct xfrm_hthresh *out);

/* Per-socket bypass (IP_XFRM_POLICY / IPV6_XFRM_POLICY, ALLOW in and
 * out), so IKE traffic is never caught by a policy covering the
 * gateways.  family is the socket's. */
int xfrm_socket_bypass(int fd, int family);

/* Plain words for an engineer on an error from this file's functions. */
const char *xfrm_strerror(int err);

/* Addresses: "192.0.2.1", "2001:db8::1".  Returns 0 or -EINVAL. */
int xfrm_addr_parse(struct xfrm_addr *a, const char *s);
/* Into buf (INET6_ADDRSTRLEN bytes); "any" for family 0. */
const char *xfrm_addr_str(const struct xfrm_addr *a, char *buf);
bool xfrm_addr_eq(const struct xfrm_addr *a, const struct xfrm_addr *b);

/* Kernel events: XFRMNLGRP_ACQUIRE (a packet met a policy with no SA)
 * and XFRMNLGRP_EXPIRE (an SA's soft or hard limit was reached). */
struct xfrm_acquire_ev {
	struct xfrm_sel sel;	 /* the packet's flow */
	struct xfrm_sel pol_sel; /* the policy's selector */
	uint8_t dir;
	uint32_t policy_index;
	struct xfrm_addr src, dst; /* the SA to make: tunnel ends or hosts */
	uint8_t proto;
	bool tunnel;
	uint32_t reqid;
	uint32_t seq; /* for xfrm_spi_req.acquire_seq */
};

struct xfrm_expire_ev {
	struct xfrm_addr src, dst;
	uint32_t spi;
	uint8_t proto;
	bool hard; /* hard: the kernel has deleted the SA; soft: time to rekey */
	bool tunnel;
	uint32_t reqid;
	struct xfrm_sa_stats stats;
};

/* XFRMNLGRP_MAPPING: ESP in UDP arrived for an SA from another address
 * or port than its encapsulation template's (a NAT's new mapping). */
struct xfrm_mapping_ev {
	/* family 0: the kernel's message names none; b holds 16 raw bytes,
	 * an IPv4 address in the first 4 */
	struct xfrm_addr dst; /* the SA: dst, spi, proto */
	uint32_t spi;
	uint8_t proto;
	uint32_t reqid;
	struct xfrm_addr old_src, new_src;
	uint16_t old_sport, new_sport; /* host order */
};

enum xfrm_event_kind { XFRM_EVENT_ACQUIRE, XFRM_EVENT_EXPIRE, XFRM_EVENT_MAPPING };

struct xfrm_event {
	enum xfrm_event_kind kind;
	union {
		struct xfrm_acquire_ev acquire;
		struct xfrm_expire_ev expire;
		struct xfrm_mapping_ev mapping;
	};
};

typedef void (*xfrm_event_cb)(const struct xfrm_event *ev, void *arg);

/* A non-blocking, close-on-exec socket subscribed to both groups: the fd
 * or -errno.  Close it with close(). */
int xfrm_events_open(void);
/* Decodes every pending message into cb.  Returns the number of events
 * delivered (0: none pending) or -errno; -ENOBUFS: the socket overran and
 * events were lost, the caller should resynchronise. */
int xfrm_events_read(int fd, xfrm_event_cb cb, void *arg);

#endif
