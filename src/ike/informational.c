#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/keying.h"
#include "ike/child.h"
#include "ike/dispatch.h"
#include "ike/dpd.h"
#include "ike/auth.h"
#include "ike/informational.h"
#include "ike/initial_contact.h"
#include "ike/mismatch.h"
#include "ike/quick.h"
#include "ike/subnets.h"
#include "ike/tap.h"
#include "net/sockaddr.h"
#include "util/log.h"
#include "wire/payload.h"

int hashed_begin(struct wire_builder *w, size_t prf_len, size_t *hash_off)
{
	static const uint8_t zero[IKE_MAX_MD];
	size_t start = w->b->len;
	int err;

	err = wire_add_raw(w, ISAKMP_PL_HASH, zero, prf_len);
	*hash_off = start + ISAKMP_GENERIC_LEN;
	return err;
}

int hashed_fill(struct ike_sa *sa, struct buf *msg, size_t hash_off, uint32_t msgid,
		const struct buf *ni)
{
	const uint8_t *rest = msg->data + hash_off + sa->prf_len;
	size_t restlen = msg->len - hash_off - sa->prf_len;
	uint8_t out[IKE_MAX_MD];
	int err;

	if (ni)
		err = ike_qm_hash2(sa->hash->openssl, sa->skeyid_a, sa->prf_len, msgid, ni->data,
				   ni->len, rest, restlen, out);
	else
		err = ike_qm_hash1(sa->hash->openssl, sa->skeyid_a, sa->prf_len, msgid, rest,
				   restlen, out);
	if (!err)
		memcpy(msg->data + hash_off, out, sa->prf_len);
	return err;
}

bool hashed_verify(struct ike_sa *sa, const struct ike_msg *m, uint32_t msgid, const struct buf *ni)
{
	const struct wire_payload *h, *last;
	uint8_t want[IKE_MAX_MD];
	const uint8_t *rest;
	size_t restlen;
	int err;

	if (!m->pl.n)
		return false;
	h = &m->pl.p[0];
	last = &m->pl.p[m->pl.n - 1];
	if (h->type != ISAKMP_PL_HASH || h->body.len != sa->prf_len)
		return false;
	/* rest: the payloads after the HASH, without the CBC padding */
	rest = h->start + h->len;
	restlen = (size_t)(last->start + last->len - rest);
	if (ni)
		err = ike_qm_hash2(sa->hash->openssl, sa->skeyid_a, sa->prf_len, msgid, ni->data,
				   ni->len, rest, restlen, want);
	else
		err = ike_qm_hash1(sa->hash->openssl, sa->skeyid_a, sa->prf_len, msgid, rest,
				   restlen, want);
	return !err && !CRYPTO_memcmp(want, h->body.p, sa->prf_len);
}

int send_protected(struct ike_sa *sa, struct buf *msg, uint8_t *iv, struct xmit *x, bool retransmit)
{
	int err;

	tap_sent(sa->d, &sa->ep.local.sa, &sa->ep.remote.sa, msg->data, msg->len);
	err = ike_encrypt(sa, msg, iv);
	if (err)
		return err;
	if (x)
		return xmit_send(sa, x, msg, retransmit);
	ike_send(sa->d, &sa->ep, msg->data, msg->len);
	return 0;
}

int info_add_initial_contact(struct wire_builder *w, struct ike_sa *sa)
{
	uint8_t spi[16];

	/* established SAs grouped by peer address (by_conn.c), not a walk */
	if (ike_sa_peer_has_other(sa))
		return 0;
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	return wire_add_notify(w, IPSEC_DOI, PROTO_ISAKMP, IPSEC_N_INITIAL_CONTACT, spi, 16, NULL,
			       0);
}

void info_note_notifies(struct ike_sa *sa, const struct ike_msg *m)
{
	struct wire_notify n;
	unsigned i;

	for (i = 0; i < m->pl.n; i++)
		if (m->pl.p[i].type == ISAKMP_PL_N && !wire_parse_notify(m->pl.p[i].body, &n))
			ike_sa_log(sa, LOG_LVL_DEBUG, "peer sent %s", wire_notify_name(n.type));
	initial_contact_received(sa, m); /* authenticated: records its ID, acts on IC */
}

static int add_notify(void *state, struct wire_builder *w)
{
	return wire_add_notify(w, IPSEC_DOI, PROTO_ISAKMP, *(const uint16_t *)state, NULL, 0, NULL,
			       0);
}

static int add_delete_isakmp(void *state, struct wire_builder *w)
{
	const struct ike_sa *sa = state;
	uint8_t spi[16];

	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	return wire_add_delete(w, IPSEC_DOI, PROTO_ISAKMP, 16, spi, 1);
}

static int add_delete_esp(void *state, struct wire_builder *w)
{
	uint8_t spi[4];

	put_u32(spi, *(const uint32_t *)state);
	return wire_add_delete(w, IPSEC_DOI, PROTO_IPSEC_ESP, 4, spi, 1);
}

/* Before there are keys: in the clear, answering a message (state: the
 * notify type). */
static const struct send_spec send_plain_notify = {
	.name = "unprotected notify",
	.add = {add_notify},
};
/* Under the ISAKMP SA: HDR*, HASH(1), the payload, each with a fresh
 * message ID; sent once (an Informational exchange is not answered). */
static const struct send_spec send_notify = {
	.name = "protected notify",
	.encrypted = true,
	.hashed = true,
	.add = {add_notify},
};
/* R-U-THERE or its ACK (RFC 3706): the SPI is the ISAKMP SA's cookies,
 * the data the sequence number. */
struct dpd_notify {
	const struct ike_sa *sa;
	uint16_t type;
	uint32_t seq;
};

static int add_dpd(void *state, struct wire_builder *w)
{
	const struct dpd_notify *n = state;
	uint8_t spi[16], seq[4];

	memcpy(spi, n->sa->icookie, 8);
	memcpy(spi + 8, n->sa->rcookie, 8);
	put_u32(seq, n->seq);
	return wire_add_notify(w, IPSEC_DOI, PROTO_ISAKMP, n->type, spi, 16, seq, 4);
}

static const struct send_spec send_dpd = {
	.name = "DPD notify",
	.encrypted = true,
	.hashed = true,
	.add = {add_dpd},
};

/* A refusal of the peer's Quick Mode naming its SPI, so that the peer
 * fails that one only (strongSwan's quick_mode.c send_notify does too). */
struct notify_esp {
	uint16_t type;
	uint8_t spi[4];
};

static int add_notify_esp(void *state, struct wire_builder *w)
{
	const struct notify_esp *n = state;

	return wire_add_notify(w, IPSEC_DOI, PROTO_IPSEC_ESP, n->type, n->spi, 4, NULL, 0);
}

static const struct send_spec send_notify_esp = {
	.name = "protected notify",
	.encrypted = true,
	.hashed = true,
	.add = {add_notify_esp},
};
static const struct send_spec send_delete_isakmp = {
	.name = "Delete of the ISAKMP SA",
	.encrypted = true,
	.hashed = true,
	.add = {add_delete_isakmp},
};
static const struct send_spec send_delete_esp = {
	.name = "Delete of an IPsec SA",
	.encrypted = true,
	.hashed = true,
	.add = {add_delete_esp},
};

/* An unprotected notify with header h to ep (the clear-text send of both
 * callers below). */
static void plain_notify_to(struct ike_daemon *d, const struct ike_endpoint *ep,
			    struct isakmp_hdr *h, uint16_t type)
{
	struct buf msg;

	h->exchange = ISAKMP_XCHG_INFO;
	h->flags = 0;
	h->msgid = 0;
	if (!send_spec_build(&send_plain_notify, &type, h, 0, &msg, NULL)) {
		tap_sent(d, &ep->local.sa, &ep->remote.sa, msg.data, msg.len);
		ike_send(d, ep, msg.data, msg.len);
	}
	buf_free(&msg);
}

void info_send_plain_notify(struct ike_daemon *d, const struct ike_msg *m, uint16_t type)
{
	struct ike_endpoint back = {.fd = m->fd};
	struct isakmp_hdr h = m->hdr;

	sockaddr_inet_set(&back.local, (const struct sockaddr *)&m->local);
	sockaddr_inet_set(&back.remote, (const struct sockaddr *)&m->from);
	plain_notify_to(d, &back, &h, type);
}

/* Sends spec (state: its builder's) under sa's keys with a fresh message ID, whatever the SA's
 * state: the phase-2 IV base must be set (info_send_refusal). */
static int info_send_keyed(struct ike_sa *sa, const struct send_spec *spec, void *state)
{
	struct isakmp_hdr h = {0};
	uint8_t iv[IKE_MAX_BLOCK];
	struct buf msg;
	size_t hash_off;
	int err;

	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	h.exchange = ISAKMP_XCHG_INFO;
	err = msgid_new(&sa->msgids, &h.msgid);
	if (err)
		return err;
	/* Recorded so a copy reflected back to us is a replay; a full set
	 * does not keep a Delete or notify from going out. */
	msgid_use(&sa->msgids, h.msgid);
	err = send_spec_build(spec, state, &h, sa->prf_len, &msg, &hash_off);
	if (!err)
		err = hashed_fill(sa, &msg, hash_off, h.msgid, NULL);
	if (!err)
		err = sa_phase2_iv(sa, h.msgid, iv);
	if (!err)
		err = send_protected(sa, &msg, iv, NULL, false);
	buf_free(&msg);
	return err;
}

static int info_send(struct ike_sa *sa, const struct send_spec *spec, void *state)
{
	if (!sa->enc_key_len || sa->state != IKE_SA_ESTABLISHED)
		return -ENOTCONN;
	return info_send_keyed(sa, spec, state);
}

int info_send_notify(struct ike_sa *sa, uint16_t type)
{
	return info_send(sa, &send_notify, &type);
}

int info_send_dpd(struct ike_sa *sa, uint16_t type, uint32_t seq)
{
	struct dpd_notify n = {sa, type, seq};

	return info_send(sa, &send_dpd, &n);
}

int info_send_notify_esp(struct ike_sa *sa, uint16_t type, uint32_t spi)
{
	struct notify_esp n = {.type = type};

	put_u32(n.spi, spi);
	return info_send(sa, &send_notify_esp, &n);
}

int info_send_delete_isakmp(struct ike_sa *sa)
{
	return info_send(sa, &send_delete_isakmp, sa);
}

int info_send_delete_esp(struct ike_sa *sa, uint32_t spi)
{
	return info_send(sa, &send_delete_esp, &spi);
}

int info_send_refusal(struct ike_sa *sa, uint16_t type)
{
	int err = 0;

	if (!sa->enc_key_len || !sa->x)
		return -ENOTCONN;
	/* The peer, established, starts its phase-2 IVs from there. */
	memcpy(sa->p1_last_block, sa->x->iv, sa->block);
	if (type)
		err = info_send_keyed(sa, &send_notify, &type);
	if (!err)
		err = info_send_keyed(sa, &send_delete_isakmp, sa);
	return err;
}

void info_send_plain_notify_sa(struct ike_sa *sa, uint16_t type)
{
	struct isakmp_hdr h = {0};

	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	h.version = ISAKMP_VERSION;
	plain_notify_to(sa->d, &sa->ep, &h, type);
}

static void info_delete(struct ike_sa *sa, const struct wire_delete *del)
{
	struct cursor spis = del->spis;
	uint16_t i;

	if (del->proto == PROTO_ISAKMP && del->spi_size == 16) {
		uint8_t cookies[16];

		/* Only the SA it arrived under: its cookies, both of them. */
		memcpy(cookies, sa->icookie, 8);
		memcpy(cookies + 8, sa->rcookie, 8);
		if (del->nspi != 1 || spis.len < 16 || CRYPTO_memcmp(spis.p, cookies, 16)) {
			ike_sa_log(sa, LOG_LVL_WARN,
				   "ignored a Delete that names another ISAKMP SA than the one it "
				   "came under");
			return;
		}
		ike_sa_log(sa, LOG_LVL_INFO, "peer deleted the ISAKMP SA");
		sa->state = IKE_SA_DEAD;
		ike_sa_unfile_peer(sa);
		timer_arm(sa->d->loop, &sa->expire, 0);
		return;
	}
	if (del->proto != PROTO_IPSEC_ESP || del->spi_size != 4) {
		ike_sa_log(sa, LOG_LVL_INFO, "ignored a Delete for protocol %u", del->proto);
		return;
	}
	for (i = 0; i < del->nspi; i++) {
		uint32_t spi;

		if (!cursor_u32(&spis, &spi))
			return;
		child_peer_deleted(sa, spi);
	}
}

/* What an initiator's refusal most likely means, for the sentence. */
static const char *refusal_hint(const struct ike_sa *sa, uint16_t type)
{
	if (!sa->initiator)
		return "";
	if (type == ISAKMP_N_INVALID_ID_INFORMATION)
		return ": it has no connection for our ID and its own (leftid, rightid)";
	if (type == ISAKMP_N_INVALID_KEY_INFORMATION && !ike_sa_hash_sent(sa))
		return ": it may have no pre-shared key for us";
	return "";
}

static void info_notify(struct ike_sa *sa, struct ike_daemon *d, const struct ike_msg *m,
			const struct wire_notify *n)
{
	char peer[64], why[128];

	if (!sa) {
		sockaddr_str((const struct sockaddr *)&m->from, peer, sizeof(peer));
		log_info("%s sent %s for no SA of ours", peer, wire_notify_name(n->type));
		return;
	}
	if (n->type < 16384 && sa->state == IKE_SA_NEGOTIATING &&
	    !sockaddr_equal((const struct sockaddr *)&m->from,
			    (const struct sockaddr *)&sa->ep.remote.sa)) {
		sockaddr_str((const struct sockaddr *)&m->from, peer, sizeof(peer));
		ike_sa_log(sa, LOG_LVL_INFO, "dropped an unprotected %s from %s, not the peer",
			   wire_notify_name(n->type), peer);
		return;
	}
	if (n->type < 16384 && sa->state == IKE_SA_NEGOTIATING) {
		/* Unprotected, so anyone could have sent it: it is the likely
		 * reason if the exchange times out, as in Libreswan.  After our
		 * ID and HASH, a refusal is almost always the key. */
		bool after_auth = sa->initiator && ike_sa_hash_sent(sa) &&
				  (n->type == ISAKMP_N_AUTHENTICATION_FAILED ||
				   n->type == ISAKMP_N_INVALID_HASH_INFORMATION ||
				   n->type == ISAKMP_N_PAYLOAD_MALFORMED);

		char offered[512] = "";
		const struct auth_method *a = auth_of(sa);

		if (n->type == ISAKMP_N_NO_PROPOSAL_CHOSEN && sa->initiator)
			proposals_str("ike", &sa->conn->ike, offered, sizeof(offered));
		const char *hint = after_auth && a && a->refused_hint ? a->refused_hint
								      : refusal_hint(sa, n->type);

		/* Under the keys it is the peer's word: the exchange is over. */
		if (m->hdr.flags & ISAKMP_FLAG_ENC)
			ike_sa_fail(sa, "peer refused: it sent %s%s", wire_notify_name(n->type),
				    hint);
		else
			ike_sa_likely(sa, "peer refused: it sent %s%s%s%s",
				      wire_notify_name(n->type), hint,
				      offered[0] ? "; we offered " : "", offered);
		return;
	}
	if (n->type < 16384 && sa->quicks) {
		/* The notify names no message ID: it answers our Quick Modes,
		 * the one whose SPI it names (subnets.c), or all. */
		quick_refused_by_spi(sa, n);
		return;
	}
	if (n->type == IPSEC_N_INITIAL_CONTACT && sa->state == IKE_SA_ESTABLISHED)
		initial_contact_received(sa, NULL); /* protected: info_input */
	ike_sa_log(sa, LOG_LVL_INFO, "peer sent %s", wire_notify_name(n->type));
	/* An error under the keys, no Quick Mode pending: the initiator
	 * refused our MM6 (a signature, a certificate, an ID). */
	if (n->type < 16384 && sa->state == IKE_SA_ESTABLISHED && !sa->initiator) {
		snprintf(why, sizeof(why), "peer refused: it sent %s", wire_notify_name(n->type));
		ike_note_failure(sa->d, sa->conn->name, why);
	}
}

/* Deletes and nothing else (HASH(1) aside). */
static bool info_deletes_only(const struct ike_msg *m)
{
	unsigned i, n = 0;

	for (i = 0; i < m->pl.n; i++) {
		if (m->pl.p[i].type == ISAKMP_PL_D)
			n++;
		else if (m->pl.p[i].type != ISAKMP_PL_HASH)
			return false;
	}
	return n > 0;
}

/* A protected Informational's message ID may be used once: a replayed
 * notify is dropped.  Not a Delete: vpnc draws its Deletes' IDs from one
 * random byte, 0 one time in 256 and a repeat of its other Delete's as
 * often, and dropping one leaves SAs the client has gone from.  A Delete
 * taken twice removes nothing more: what it names is gone already. */
static bool info_msgid_fresh(struct ike_sa *sa, const struct ike_msg *m)
{
	uint32_t msgid = m->hdr.msgid;
	int err = msgid_use(&sa->msgids, msgid);

	if ((err == -EEXIST || err == -EINVAL) && info_deletes_only(m)) {
		ike_sa_log(sa, LOG_LVL_DEBUG,
			   "a Delete with message ID %08x (%s): taken, as a Delete's effect "
			   "cannot repeat",
			   msgid, msgid ? "used before under this ISAKMP SA" : "zero");
		return true;
	}
	if (err == -EEXIST) {
		sa->replays++;
		ike_sa_log(sa, LOG_LVL_WARN,
			   "dropped a replayed Informational exchange (message ID %08x was used "
			   "before under this ISAKMP SA)",
			   msgid);
	} else if (err) {
		ike_sa_log(sa, LOG_LVL_WARN,
			   "dropped an Informational exchange: message ID %08x cannot be "
			   "recorded (%s)",
			   msgid, strerror(-err));
	}
	return !err;
}

static void info_input(struct ike_daemon *d, struct ike_sa *sa, struct ike_msg *m)
{
	bool encrypted = m->hdr.flags & ISAKMP_FLAG_ENC;
	unsigned i;

	/* Protected Informationals carry HASH(1); clear ones only matter
	 * before there are keys, and never touch an established SA. */
	if (encrypted && (!sa || !hashed_verify(sa, m, m->hdr.msgid, NULL))) {
		log_info("dropped an Informational exchange whose HASH(1) does not verify");
		return;
	}
	if (encrypted && !info_msgid_fresh(sa, m))
		return;
	if (encrypted)
		natt_follow(sa, m); /* a new NAT mapping, proved by HASH(1) */
	if (!encrypted && sa && sa->state == IKE_SA_ESTABLISHED) {
		ike_sa_log(sa, LOG_LVL_INFO, "ignored an unprotected Informational exchange");
		return;
	}
	for (i = 0; i < m->pl.n; i++) {
		const struct wire_payload *p = &m->pl.p[i];
		struct wire_notify n;
		struct wire_delete del;

		if (p->type == ISAKMP_PL_N && !wire_parse_notify(p->body, &n) &&
		    !dpd_input(sa, encrypted, &n))
			info_notify(sa, d, m, &n);
		else if (p->type == ISAKMP_PL_D && sa && encrypted &&
			 !wire_parse_delete(p->body, &del))
			info_delete(sa, &del);
	}
}

/* The Informational exchange as an exchange type (dispatch.h): one
 * message and no state of its own, with or without an SA.  A protected
 * one needs its own IV, derived from its message ID. */

static void info_unusable(void)
{
	/* One sentence for every reason: the sender learns none of them. */
	log_info("dropped an encrypted Informational exchange for no usable SA "
		 "(none, not established, not from its peer, or not decrypting)");
}

static bool info_find(struct dispatch *dp, struct ike_msg *m)
{
	return true;
}

static bool info_row(struct dispatch *dp, struct ike_msg *m)
{
	struct ike_sa *sa = dp->sa;

	dp->s = &dp->t->steps[0];
	if (!(m->hdr.flags & ISAKMP_FLAG_ENC))
		return true;
	if (sa && sa->state == IKE_SA_ESTABLISHED && !sa_phase2_iv(sa, m->hdr.msgid, dp->iv) &&
	    natt_from_peer(sa, m))
		return true;
	/* A refusal of our ID and proof under the new keys, as strongSwan's
	 * Main Mode responder sends it: its IVs start from the last block of
	 * the last encrypted phase-1 message, ours (RFC 2409 appendix B). */
	if (sa && sa->state == IKE_SA_NEGOTIATING && sa->x && sa->enc_key_len &&
	    ike_sa_hash_sent(sa) &&
	    !ike_phase2_iv(sa->hash->openssl, sa->x->iv, sa->block, m->hdr.msgid, dp->iv) &&
	    natt_from_peer(sa, m))
		return true;
	info_unusable();
	return false;
}

static bool info_open(struct dispatch *dp, struct ike_msg *m)
{
	bool encrypted = m->hdr.flags & ISAKMP_FLAG_ENC;

	if (encrypted && ike_decrypt(dp->sa, m->raw, m->len, dp->iv)) {
		info_unusable();
		return false;
	}
	if (wire_parse_chain(m->hdr.next_payload, m->raw + ISAKMP_HDR_LEN, m->len - ISAKMP_HDR_LEN,
			     encrypted, &m->pl)) {
		log_info("dropped a malformed Informational exchange");
		return false;
	}
	return true;
}

/* Without a state of its own, the handler takes the dispatch. */
static void *info_state(const struct dispatch *dp)
{
	return (void *)dp;
}

static struct step_result info_step(void *state, struct ike_msg *m)
{
	struct dispatch *dp = state;

	info_input(dp->d, dp->sa, m);
	return STEP_GO_ON;
}

/* Not checked by step_check: any role, any payloads; info_input takes
 * the notifies and deletes it understands. */
static const struct step informational_steps[] = {
	{false, 0, ~0u, STEP_EITHER, "Informational", info_step, NULL, NULL},
	{0},
};

const struct exchange_type informational_type = {
	.xchg = ISAKMP_XCHG_INFO,
	.steps = informational_steps,
	.find = info_find,
	.row = info_row,
	.open = info_open,
	.state = info_state,
};
