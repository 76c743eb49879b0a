/* NAT traversal (RFC 3947, RFC 3948, and the drafts' numbers when a peer
 * spoke a draft): NAT-D payloads in Main Mode (MM3, MM4) and Aggressive
 * Mode (AM2, AM3), the detection of which side is behind a NAT, the
 * float of the ISAKMP SA's endpoint to port 4500 (every send goes
 * through sa->ep, and a NAT-T socket adds the non-ESP marker), NAT
 * keepalives from the NATed side, the UDP-encapsulated modes and NAT-OA
 * in Quick Mode, the kernel's encapsulation template, and following a
 * peer whose NAT mapping changed. */
#ifndef OAKLEY_IKE_NATT_H
#define OAKLEY_IKE_NATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/sockaddr.h"
#include "util/loop.h"

struct ike_daemon;
struct ike_sa;
struct ike_msg;
struct quick;
struct child_sa;
struct wire_builder;
struct xfrm_sa;
struct xfrm_mapping_ev;
struct conf_ts;

/* Where a NAT was seen (bits). */
#define NATT_LOCAL  1u /* we are behind one */
#define NATT_REMOTE 2u /* the peer is */

/* Per ISAKMP SA (sa->natt). */
struct natt_state {
	uint8_t behind;		/* NATT_LOCAL | NATT_REMOTE */
	bool forced;		/* forceencaps=yes: encapsulated with no NAT */
	bool checked;		/* the peer's NAT-D payloads were read */
	uint64_t keepalives;	/* sent */
	struct timer keepalive; /* from the NATed side, every keep_alive s */
};

/* Per IPsec SA (child->natt). */
struct natt_child {
	bool encap;		/* ESP in UDP */
	union sockaddr_inet oa; /* the peer's original address (NAT-OA), if sent */
	bool addr_warned;	/* a new peer address was logged (the kernel says it per packet) */
};

/* RFC 3947 3.2: HASH(CKY-I | CKY-R | IP | Port) with hash md (OpenSSL
 * name), into out (EVP_MAX_MD_SIZE room); its length or -errno. */
int natt_hash(const char *md, const uint8_t icookie[8], const uint8_t rcookie[8],
	      const struct sockaddr *addr, uint8_t *out);

void natt_init(struct ike_sa *sa);
void natt_free(struct ike_sa *sa);
/* Payload builders (send_spec): NAT-D of the peer, then ours (faked with
 * forceencaps), when the peer speaks NAT-T; nothing otherwise. */
int natt_add_nat_d(void *sa, struct wire_builder *w);
/* Reads the peer's NAT-D payloads of m: which side is behind a NAT.  An
 * initiator that must encapsulate floats to port 4500 here. */
void natt_detect(struct ike_sa *sa, const struct ike_msg *m);
/* ESP must go in UDP on this SA: NAT-T spoken and a NAT seen (or forced). */
bool natt_active(const struct ike_sa *sa);
/* "local", "remote", "both", "none" (forced: "none, forced encapsulation") */
const char *natt_where(const struct ike_sa *sa);

/* Sockets: port 4500 beside 500 (IPv4 and IPv6), marked and read with
 * the non-ESP marker.  0 or -errno (a missing one is only warned of). */
int natt_open_socks(struct ike_daemon *d);
bool natt_sock_is(const struct ike_daemon *d, int fd);
/* Did m come from sa's peer: its endpoint, or (NAT-T spoken, on a NAT-T
 * socket) another port of its address, or once established any address,
 * to be followed when the message proves itself (natt_follow). */
bool natt_from_peer(const struct ike_sa *sa, const struct ike_msg *m);
/* m proved it comes from sa's peer (decrypted, its HASH verified): a new
 * address or port (the float, or a new NAT mapping) becomes the SA's
 * endpoint, and its IPsec SAs' encapsulation follows. */
void natt_follow(struct ike_sa *sa, const struct ike_msg *m);

/* Quick Mode: the encapsulation mode to propose for a plain one. */
uint16_t natt_encap_mode(const struct ike_sa *sa, bool tunnel);
/* The same mode without UDP encapsulation (3 -> 1, 61444 -> 2, ...). */
uint16_t natt_encap_plain(uint16_t encap);
/* NAT-OAi and NAT-OAr (transport mode, NAT-T active); nothing otherwise. */
int natt_add_nat_oa(void *q, struct wire_builder *w);
/* The peer's NAT-OA of m, kept for its IPsec SA. */
void natt_take_nat_oa(struct quick *q, const struct ike_msg *m);
/* Transport mode with the peer behind a NAT: a host selector of the
 * peer's (its private address, from its ID) becomes the address the peer
 * is seen at, which its packets carry here (as strongSwan does). */
void natt_transport_ts(const struct ike_sa *sa, struct conf_ts *ts);
/* The same for us behind a NAT: the peer's idea of our address (its IDcr,
 * our public one, as an L2TP client has it) becomes our own address. */
void natt_transport_ts_local(const struct ike_sa *sa, struct conf_ts *ts);
/* The new IPsec SA's NAT-T state, from its ISAKMP SA (and its transport
 * selector, natt_transport_ts). */
void natt_child_set(struct child_sa *c, const struct quick *q);
/* The kernel SA's encapsulation template (inbound or outbound). */
/* Moves the IPsec SAs of sa's peer, which was at old, to sa's endpoint. */
void natt_children_move(struct ike_sa *sa, const struct sockaddr *old);
void natt_xfrm_encap(const struct child_sa *c, bool inbound, struct xfrm_sa *x);
/* The peer of IPsec SA c is now at remote (port and address): its
 * encapsulation in the kernel follows (the port; a new address is logged). */
void natt_child_move(struct child_sa *c, const struct sockaddr *remote);
/* The kernel saw ESP in UDP from a new address or port (XFRM_MSG_MAPPING). */
void natt_kernel_mapping(struct ike_daemon *d, const struct xfrm_mapping_ev *ev);

#endif
