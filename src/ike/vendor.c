/* Vendor IDs: a table of the ones we send and understand (vendor.h). */
#include <string.h>

#include "ike/exchange.h"
#include "conf/conf.h"
#include "ike/vendor.h"
#include "wire/message.h"

/* MD5 of the name (NAT-T); RFC 3706's 14 bytes with version 1.0 (DPD). */
static const struct vendor_id {
	const char *name;
	uint8_t natt; /* enum natt_version; NATT_NONE: not a NAT-T one */
	bool dpd;
	uint8_t id[16];
} vendor_ids[] = {
	{"RFC 3947",
	 NATT_RFC,
	 false,
	 {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45,
	  0x2f}},
	{"draft-03",
	 NATT_DRAFT_03,
	 false,
	 {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d,
	  0x56}},
	{"draft-02n",
	 NATT_DRAFT_02N,
	 false,
	 {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b,
	  0x1f}},
	{"draft-02",
	 NATT_DRAFT_02,
	 false,
	 {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4,
	  0x48}},
	{"DPD",
	 NATT_NONE,
	 true,
	 {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01,
	  0x00}},
};

#define NVIDS (sizeof(vendor_ids) / sizeof(vendor_ids[0]))

/* IKE fragmentation: 16 bytes (Microsoft's), or 20 with capability bits,
 * of which 0x80000000 says Main and Aggressive Mode messages may be
 * fragmented (Cisco also sets 0x40000000); strongSwan and Libreswan send
 * it with 0x80000000. */
static const uint8_t vid_frag[20] = {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7,
				     0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00};

static bool vid_is_frag(const struct cursor *b)
{
	if (b->len < 16 || memcmp(b->p, vid_frag, 16))
		return false;
	return b->len == 16 || (b->len == 20 && (get_u32(b->p + 16) & 0x80000000u));
}

int vendor_add_frag(struct wire_builder *w, const struct conn *c, const struct peer_vendor *peer)
{
	if ((c && c->fragmentation == CONN_FRAG_NO) || (peer && !peer->frag))
		return 0;
	return wire_add_raw(w, ISAKMP_PL_VID, vid_frag, sizeof(vid_frag));
}

void vendor_note(const struct ike_msg *m, struct peer_vendor *v)
{
	unsigned i, j;

	for (i = 0; i < m->pl.n; i++) {
		const struct wire_payload *p = &m->pl.p[i];
		const struct vendor_id *known = NULL;

		if (p->type != ISAKMP_PL_VID)
			continue;
		if (vid_is_frag(&p->body)) {
			v->frag = true;
			continue;
		}
		for (j = 0; j < NVIDS && !known; j++)
			if (p->body.len == 16 && !memcmp(p->body.p, vendor_ids[j].id, 16))
				known = &vendor_ids[j];
		if (!known) {
			if (v->other < 255)
				v->other++;
			continue;
		}
		if (known->natt > v->natt)
			v->natt = known->natt;
		v->dpd |= known->dpd;
	}
}

int vendor_add_ours(struct wire_builder *w, const struct peer_vendor *peer)
{
	unsigned i;
	int err;

	for (i = 0; i < NVIDS; i++) {
		const struct vendor_id *v = &vendor_ids[i];

		if (peer && v->natt != NATT_NONE && v->natt != peer->natt)
			continue;
		err = wire_add_raw(w, ISAKMP_PL_VID, v->id, sizeof(v->id));
		if (err)
			return err;
	}
	return 0;
}

const char *natt_version_name(uint8_t v)
{
	unsigned i;

	for (i = 0; i < NVIDS; i++)
		if (vendor_ids[i].natt == v && v != NATT_NONE)
			return vendor_ids[i].name;
	return "none";
}

uint8_t natt_pl_nat_d(uint8_t v)
{
	return v == NATT_RFC ? ISAKMP_PL_NAT_D : ISAKMP_PL_NAT_D_DRAFT;
}

uint8_t natt_pl_nat_oa(uint8_t v)
{
	return v == NATT_RFC ? ISAKMP_PL_NAT_OA : ISAKMP_PL_NAT_OA_DRAFT;
}

uint16_t natt_encap_tunnel(uint8_t v)
{
	return v == NATT_RFC ? IPSEC_ENCAP_UDP_TUNNEL : IPSEC_ENCAP_UDP_TUNNEL_DRAFT;
}

uint16_t natt_encap_transport(uint8_t v)
{
	return v == NATT_RFC ? IPSEC_ENCAP_UDP_TRANSPORT : IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}
