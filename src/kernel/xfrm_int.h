/* Inside kernel/: the netlink request helper and conversions between
 * oakley's plain structs and the kernel's. */
#ifndef OAKLEY_KERNEL_XFRM_INT_H
#define OAKLEY_KERNEL_XFRM_INT_H

#include "kernel/xfrm.h"

#include <libmnl/libmnl.h>
#include <stddef.h>

/* Room for one request: the SA's fixed part, two algorithms with keys,
 * encapsulation and replay state. */
#define XFRM_REQ_SIZE 4096
/* Dump answers come in skbs of up to 32 KiB; twice that is safe. */
#define XFRM_RX_SIZE 65536
/* The kernel's words on a failed request (netlink extended ack). */
#define XFRM_KMSG_SIZE 160

/* The open batch (xfrm_batch.c).  Requests are gathered in tx;
 * res[i] is request i's result, XFRM_PENDING until its ack. */
struct xfrm_batch {
	bool open;
	uint8_t *tx;		 /* XFRM_TX_SIZE bytes: requests not yet sent */
	size_t tx_len, tx_last;	 /* tx_last: where the last request in tx starts */
	unsigned tx_count, last; /* last: that request's index */
	int *res;
	unsigned n, cap;    /* requests queued; room in res */
	unsigned unsent;    /* index of the first request still in tx */
	unsigned window;    /* most requests in one sendmsg() */
	unsigned first_err; /* index of the first failure; UINT_MAX if none */
	unsigned failures;
	int err;	  /* the batch itself failed (-ENOMEM): no more requests */
	uint32_t seq0;	  /* request i has sequence number seq0 + i */
	uint8_t *scratch; /* XFRM_REQ_SIZE: the request being built */
	uint8_t *rx;	  /* XFRM_RX_SLOTS slots of rx_slot bytes */
	size_t rx_slot;
};

struct xfrm {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	bool capped; /* the kernel accepted NETLINK_CAP_ACK: acks never echo requests */
	char kmsg[XFRM_KMSG_SIZE];
	struct xfrm_batch b;
	uint8_t rx[XFRM_RX_SIZE];
};

/* Called for each reply message of a request; < 0 fails the request (the
 * replies are still drained). */
typedef int (*xfrm_reply_cb)(const struct nlmsghdr *nlh, void *arg);

/* Sends req (NLM_F_REQUEST is added; NLM_F_ACK unless NLM_F_DUMP) and
 * reads until its ack or NLMSG_DONE.  Returns 0, the kernel's -errno, or
 * the first error from cb.  The receive buffer is wiped afterwards: GETSA
 * answers carry keys. */
int xfrm_talk(struct xfrm *x, struct nlmsghdr *req, xfrm_reply_cb cb, void *arg);
/* An NLMSG_ERROR: 0 (the ack) or the kernel's -errno; its explanation,
 * if any, into kmsg (XFRM_KMSG_SIZE bytes) unless NULL.  -EPROTO when too short. */
int xfrm_read_ack(const struct nlmsghdr *nlh, char *kmsg);
void xfrm_batch_free(struct xfrm *x);

/* Request builders: nlh is a fresh header (mnl_nlmsg_put_header) with
 * XFRM_REQ_SIZE bytes of room.  0 or -errno (refused before the kernel). */
int xfrm_sa_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_sa *sa);
int xfrm_sa_id_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_addr *dst, uint32_t spi,
		   uint8_t proto);
int xfrm_policy_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_pol *p);
int xfrm_policy_id_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_sel *sel,
		       uint8_t dir);

bool xfrm_family_ok(int family);
unsigned xfrm_addr_len(int family);
void xfrm_addr_to_k(const struct xfrm_addr *a, xfrm_address_t *k);
void xfrm_addr_from_k(int family, const xfrm_address_t *k, struct xfrm_addr *a);
/* -EINVAL on a bad family or prefix length. */
int xfrm_sel_to_k(const struct xfrm_sel *s, struct xfrm_selector *k);
void xfrm_sel_from_k(const struct xfrm_selector *k, struct xfrm_sel *s);

/* Limits: 0 (none) is XFRM_INF to the kernel, and back. */
static inline uint64_t xfrm_lim_to_k(uint64_t v)
{
	return v ? v : XFRM_INF;
}

static inline uint64_t xfrm_lim_from_k(uint64_t v)
{
	return v == XFRM_INF ? 0 : v;
}

/* The fixed part of an SA message (NEWSA/GETSA answer, EXPIRE). */
void xfrm_usersa_decode(const struct xfrm_usersa_info *p, struct xfrm_sa_info *si);
/* The first template of a policy message into p (proto, ends, mode, reqid). */
void xfrm_tmpl_decode(const struct xfrm_user_tmpl *t, struct xfrm_pol *p);

#endif
