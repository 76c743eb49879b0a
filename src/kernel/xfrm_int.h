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

/* Called for each reply message of a request; < 0 fails the request (the
 * replies are still drained). */
typedef int (*xfrm_reply_cb)(const struct nlmsghdr *nlh, void *arg);

/* Sends req (NLM_F_REQUEST is added; NLM_F_ACK unless NLM_F_DUMP) and
 * reads until its ack or NLMSG_DONE.  Returns 0, the kernel's -errno, or
 * the first error from cb.  The receive buffer is wiped afterwards: GETSA
 * answers carry keys. */
int xfrm_talk(struct xfrm *x, struct nlmsghdr *req, xfrm_reply_cb cb, void *arg);

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
