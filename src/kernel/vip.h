/* A Mode Config client's virtual IP (issue 11), over rtnetlink
 * (NETLINK_ROUTE, libmnl), as strongSwan installs one: the address on an
 * interface ("lo" unless told), and for each remote network a route in
 * table VIP_ROUTE_TABLE with the address as source, through the gateway
 * and interface the main table uses to reach the peer, so that traffic to
 * the tunnel leaves from the virtual IP and matches the IPsec policy.  A
 * rule "lookup VIP_ROUTE_TABLE" at priority VIP_RULE_PRIO is added with
 * the first route and left in place (strongSwan leaves its own too).
 * Nothing here knows IKE; functions return 0 or the kernel's -errno. */
#ifndef OAKLEY_KERNEL_VIP_H
#define OAKLEY_KERNEL_VIP_H

#include <stdint.h>

#include "kernel/xfrm.h" /* struct xfrm_addr */

#define VIP_ROUTE_TABLE 220 /* strongSwan's charon.routing_table */
#define VIP_RULE_PRIO	220

struct vip_nl; /* one NETLINK_ROUTE socket, opened as root (CAP_NET_ADMIN kept) */

int vip_open(struct vip_nl **out);
void vip_close(struct vip_nl *v);
/* The address /32 (/128) on ifname (NULL: "lo"); -EEXIST is 0 (already
 * there: a reconnect). */
int vip_addr_add(struct vip_nl *v, const struct xfrm_addr *a, const char *ifname);
/* -EADDRNOTAVAIL (not there) is 0. */
int vip_addr_del(struct vip_nl *v, const struct xfrm_addr *a, const char *ifname);
/* dst/plen via the way to peer, source src, in VIP_ROUTE_TABLE (replace). */
int vip_route_add(struct vip_nl *v, const struct xfrm_addr *dst, uint8_t plen,
		  const struct xfrm_addr *peer, const struct xfrm_addr *src);
/* -ESRCH (no such route) is 0. */
int vip_route_del(struct vip_nl *v, const struct xfrm_addr *dst, uint8_t plen,
		  const struct xfrm_addr *src);

#endif
