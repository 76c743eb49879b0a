/* NAT traversal in oakleyctl status (status.h): per ISAKMP SA where a NAT
 * is and the ports in use, per IPsec SA whether ESP goes in UDP. */
#include <inttypes.h>

#include "ctl/status.h"
#include "ike/ike.h"
#include "ike/natt.h"

void status_natt_sa_text(const struct ike_sa *sa, struct buf *out)
{
	out_printf(out, "\n      NAT: %s", natt_where(sa));
	if (sa->peer_vendor.natt)
		out_printf(out, ", NAT-T %s", natt_version_name(sa->peer_vendor.natt));
	out_printf(out, ", ports %u <-> %u%s", sockaddr_port(&sa->ep.local.sa),
		   sockaddr_port(&sa->ep.remote.sa), natt_active(sa) ? ", ESP in UDP" : "");
	if (sa->natt.keepalives)
		out_printf(out, ", %" PRIu64 " keepalives sent", sa->natt.keepalives);
}

void status_natt_sa_json(const struct ike_sa *sa, struct buf *out)
{
	out_printf(out, "\"nat\":");
	json_str(out, natt_where(sa));
	out_printf(out, ",\"natt\":");
	json_str(out, natt_version_name(sa->peer_vendor.natt));
	out_printf(out,
		   ",\"local_port\":%u,\"remote_port\":%u,\"udp_encap\":%s,\"keepalives\":%" PRIu64
		   ",",
		   sockaddr_port(&sa->ep.local.sa), sockaddr_port(&sa->ep.remote.sa),
		   natt_active(sa) ? "true" : "false", sa->natt.keepalives);
}

void status_natt_child_text(const struct child_sa *c, struct buf *out)
{
	if (c->natt.encap)
		out_printf(out, "      UDP-encapsulated: ports %u <-> %u\n",
			   sockaddr_port(&c->local.sa), sockaddr_port(&c->remote.sa));
}

void status_natt_child_json(const struct child_sa *c, struct buf *out)
{
	out_printf(out, "\"udp_encap\":%s,", c->natt.encap ? "true" : "false");
	if (c->natt.encap)
		out_printf(out, "\"encap_local_port\":%u,\"encap_remote_port\":%u,",
			   sockaddr_port(&c->local.sa), sockaddr_port(&c->remote.sa));
}
