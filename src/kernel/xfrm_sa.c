/* SAs: SPI allocation, add/update (NEWSA/UPDSA), delete, read back. */
#include "kernel/xfrm_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h> /* UDP_ENCAP_ESPINUDP */
#include <string.h>
#include <openssl/crypto.h>

/* The kernel's legacy replay state is one 32-bit bitmap (it silently
 * clamps larger windows); larger windows need the ESN form of the state,
 * which works without the ESN flag. */
#define LEGACY_REPLAY_MAX 32
#define REPLAY_DEFAULT	  32
#define REPLAY_MAX	  XFRMA_REPLAY_ESN_MAX /* bits */

struct spi_answer {
	uint32_t spi;
	bool seen;
};

static int spi_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct spi_answer *a = arg;
	const struct xfrm_usersa_info *p = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(*p))
		return -EPROTO;
	a->spi = ntohl(p->id.spi);
	a->seen = true;
	return 0;
}

int xfrm_alloc_spi_req(struct xfrm *x, const struct xfrm_spi_req *req, uint32_t *spi)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userspi_info *u;
	struct spi_answer a = {0};
	uint32_t min = req->min, max = req->max;
	int err;

	if (!min && !max) {
		min = XFRM_SPI_MIN;
		max = 0xffffffff;
	}
	if (min < XFRM_SPI_MIN || min > max || !xfrm_family_ok(req->dst.family) ||
	    req->src.family != req->dst.family || !req->proto)
		return -EINVAL;
	nlh->nlmsg_type = XFRM_MSG_ALLOCSPI;
	u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));
	xfrm_addr_to_k(&req->dst, &u->info.id.daddr);
	xfrm_addr_to_k(&req->src, &u->info.saddr);
	u->info.id.proto = req->proto;
	u->info.family = req->dst.family;
	u->info.mode = req->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	u->info.reqid = req->reqid;
	u->info.seq = req->acquire_seq;
	u->min = min; /* host order: the kernel converts */
	u->max = max;
	err = xfrm_talk(x, nlh, spi_reply, &a);
	if (!err && !a.seen)
		err = -EPROTO;
	if (!err)
		*spi = a.spi;
	return err;
}

int xfrm_alloc_spi(struct xfrm *x, const struct xfrm_addr *src, const struct xfrm_addr *dst,
		   uint8_t proto, uint32_t reqid, uint32_t *spi)
{
	struct xfrm_spi_req req = {.src = *src, .dst = *dst, .proto = proto, .reqid = reqid};

	return xfrm_alloc_spi_req(x, &req, spi);
}

static int check_alg(const struct xfrm_alg_key *k)
{
	if (!k->name)
		return 0;
	if (strlen(k->name) >= XFRM_ALG_NAME_MAX)
		return -ENAMETOOLONG;
	if (k->key_len > XFRM_KEY_MAX)
		return -EMSGSIZE;
	if (k->key_len && !k->key)
		return -EINVAL;
	return 0;
}

static int check_sa(const struct xfrm_sa *sa)
{
	int err;

	if (!xfrm_family_ok(sa->dst.family) || sa->src.family != sa->dst.family || !sa->proto)
		return -EINVAL;
	if (sa->aead && (!sa->enc.name || sa->auth.name || !sa->enc.trunc_bits))
		return -EINVAL;
	if (sa->replay_window > REPLAY_MAX)
		return -EINVAL;
	if (!sa->encap_sport != !sa->encap_dport)
		return -EINVAL;
	err = check_alg(&sa->enc);
	if (!err)
		err = check_alg(&sa->auth);
	return err;
}

/* The three algorithm attributes share a layout: a 64-byte name, the key
 * length in bits, for AUTH_TRUNC and AEAD a 32-bit ICV length, the key. */
static bool put_alg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_alg_key *k)
{
	union {
		struct xfrm_algo plain;
		struct xfrm_algo_auth auth;
		struct xfrm_algo_aead aead;
		uint8_t raw[sizeof(struct xfrm_algo_aead) + XFRM_KEY_MAX];
	} a;
	size_t hdr;
	bool ok;

	memset(&a, 0, sizeof(a));
	strcpy(a.plain.alg_name, k->name); /* length checked by check_alg() */
	switch (type) {
	case XFRMA_ALG_AUTH_TRUNC:
		hdr = sizeof(a.auth);
		a.auth.alg_key_len = k->key_len * 8;
		a.auth.alg_trunc_len = k->trunc_bits;
		break;
	case XFRMA_ALG_AEAD:
		hdr = sizeof(a.aead);
		a.aead.alg_key_len = k->key_len * 8;
		a.aead.alg_icv_len = k->trunc_bits;
		break;
	default:
		hdr = sizeof(a.plain);
		a.plain.alg_key_len = k->key_len * 8;
	}
	if (k->key_len)
		memcpy(a.raw + hdr, k->key, k->key_len);
	ok = mnl_attr_put_check(nlh, XFRM_REQ_SIZE, type, hdr + k->key_len, &a);
	OPENSSL_cleanse(&a, sizeof(a));
	return ok;
}

static bool put_replay_esn(struct nlmsghdr *nlh, uint32_t window)
{
	union {
		struct xfrm_replay_state_esn esn;
		uint8_t raw[sizeof(struct xfrm_replay_state_esn) + REPLAY_MAX / 8];
	} r;

	memset(&r, 0, sizeof(r));
	r.esn.bmp_len = (window + 31) / 32;
	r.esn.replay_window = window;
	return mnl_attr_put_check(nlh, XFRM_REQ_SIZE, XFRMA_REPLAY_ESN_VAL,
				  sizeof(r.esn) + r.esn.bmp_len * sizeof(uint32_t), &r);
}

static void put_usersa(struct xfrm_usersa_info *p, const struct xfrm_sa *sa,
		       const struct xfrm_selector *sel, uint32_t window)
{
	p->sel = *sel;
	xfrm_addr_to_k(&sa->dst, &p->id.daddr);
	xfrm_addr_to_k(&sa->src, &p->saddr);
	p->id.spi = htonl(sa->spi);
	p->id.proto = sa->proto;
	p->family = sa->dst.family;
	p->mode = sa->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	p->reqid = sa->reqid;
	p->replay_window = window <= LEGACY_REPLAY_MAX ? window : 0;
	p->lft.soft_byte_limit = xfrm_lim_to_k(sa->soft_bytes);
	p->lft.hard_byte_limit = xfrm_lim_to_k(sa->hard_bytes);
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	p->lft.soft_add_expires_seconds = sa->soft_secs;
	p->lft.hard_add_expires_seconds = sa->hard_secs;
}

int xfrm_sa_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_sa *sa)
{
	struct xfrm_selector sel;
	uint32_t window = sa->replay_window ? sa->replay_window : REPLAY_DEFAULT;
	bool ok = true;
	int err;

	err = check_sa(sa);
	if (!err)
		err = xfrm_sel_to_k(&sa->sel, &sel);
	if (err)
		return err;
	nlh->nlmsg_type = type;
	put_usersa(mnl_nlmsg_put_extra_header(nlh, sizeof(struct xfrm_usersa_info)), sa, &sel,
		   window);
	if (sa->enc.name)
		ok = put_alg(nlh, sa->aead ? XFRMA_ALG_AEAD : XFRMA_ALG_CRYPT, &sa->enc);
	/* Without a truncation length the kernel applies its own default,
	 * which for hmac(sha256) is the pre-RFC 4868 96 bits. */
	if (ok && sa->auth.name)
		ok = put_alg(nlh, sa->auth.trunc_bits ? XFRMA_ALG_AUTH_TRUNC : XFRMA_ALG_AUTH,
			     &sa->auth);
	if (ok && sa->encap_sport) {
		struct xfrm_encap_tmpl e = {
			.encap_type = UDP_ENCAP_ESPINUDP,
			.encap_sport = htons(sa->encap_sport),
			.encap_dport = htons(sa->encap_dport),
		};

		if (sa->encap_oa.family)
			memcpy(&e.encap_oa, sa->encap_oa.b, sizeof(sa->encap_oa.b));
		ok = mnl_attr_put_check(nlh, XFRM_REQ_SIZE, XFRMA_ENCAP, sizeof(e), &e);
	}
	if (ok && window > LEGACY_REPLAY_MAX)
		ok = put_replay_esn(nlh, window);
	return ok ? 0 : -EMSGSIZE;
}

/* NEWSA and UPDSA carry the same message. */
static int send_sa(struct xfrm *x, uint16_t type, const struct xfrm_sa *sa)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int err;

	err = xfrm_sa_msg(nlh, type, sa);
	if (!err)
		err = xfrm_talk(x, nlh, NULL, NULL);
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

int xfrm_add_sa(struct xfrm *x, const struct xfrm_sa *sa)
{
	return send_sa(x, XFRM_MSG_NEWSA, sa);
}

int xfrm_update_sa(struct xfrm *x, const struct xfrm_sa *sa)
{
	return send_sa(x, XFRM_MSG_UPDSA, sa);
}

int xfrm_sa_id_msg(struct nlmsghdr *nlh, uint16_t type, const struct xfrm_addr *dst, uint32_t spi,
		   uint8_t proto)
{
	struct xfrm_usersa_id *id;

	if (!xfrm_family_ok(dst->family))
		return -EINVAL;
	nlh->nlmsg_type = type;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	xfrm_addr_to_k(dst, &id->daddr);
	id->spi = htonl(spi);
	id->family = dst->family;
	id->proto = proto;
	return 0;
}

int xfrm_del_sa(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int err = xfrm_sa_id_msg(nlh, XFRM_MSG_DELSA, dst, spi, proto);

	return err ? err : xfrm_talk(x, nlh, NULL, NULL);
}

/* Copies one algorithm attribute: a fixed part of hdr bytes, then the
 * key, whose length in bits is alg_key_len. */
static int get_alg(const struct nlattr *a, size_t hdr, struct xfrm_alg_info *out)
{
	const struct xfrm_algo *al = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a), key_len;

	if (len < hdr)
		return -EPROTO;
	/* alg_key_len is at the same place in all three layouts. */
	key_len = (al->alg_key_len + 7) / 8;
	if (key_len > XFRM_KEY_MAX)
		return -EMSGSIZE;
	if (len < hdr + key_len)
		return -EPROTO;
	memcpy(out->name, al->alg_name, XFRM_ALG_NAME_MAX);
	out->name[XFRM_ALG_NAME_MAX - 1] = '\0';
	out->key_len = key_len;
	memcpy(out->key, (const uint8_t *)al + hdr, key_len);
	return 0;
}

struct sa_parse {
	struct xfrm_sa_info *si;
	int err;
};

static int sa_attr(const struct nlattr *a, void *arg)
{
	struct sa_parse *sp = arg;
	struct xfrm_sa_info *si = sp->si;
	const void *p = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case XFRMA_ALG_CRYPT:
		sp->err = get_alg(a, sizeof(struct xfrm_algo), &si->enc);
		break;
	case XFRMA_ALG_AEAD:
		sp->err = get_alg(a, sizeof(struct xfrm_algo_aead), &si->enc);
		if (sp->err)
			break;
		si->enc.trunc_bits = ((const struct xfrm_algo_aead *)p)->alg_icv_len;
		si->aead = true;
		break;
	case XFRMA_ALG_AUTH:
		/* The kernel sends AUTH_TRUNC beside it, which has the ICV length. */
		if (!si->auth.name[0])
			sp->err = get_alg(a, sizeof(struct xfrm_algo), &si->auth);
		break;
	case XFRMA_ALG_AUTH_TRUNC:
		sp->err = get_alg(a, sizeof(struct xfrm_algo_auth), &si->auth);
		if (sp->err)
			break;
		si->auth.trunc_bits = ((const struct xfrm_algo_auth *)p)->alg_trunc_len;
		break;
	case XFRMA_ENCAP:
		if (len < sizeof(struct xfrm_encap_tmpl)) {
			sp->err = -EPROTO;
			break;
		}
		si->encap_sport = ntohs(((const struct xfrm_encap_tmpl *)p)->encap_sport);
		si->encap_dport = ntohs(((const struct xfrm_encap_tmpl *)p)->encap_dport);
		break;
	case XFRMA_REPLAY_ESN_VAL:
		if (len < sizeof(struct xfrm_replay_state_esn)) {
			sp->err = -EPROTO;
			break;
		}
		si->replay_window = ((const struct xfrm_replay_state_esn *)p)->replay_window;
		break;
	}
	return sp->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int sa_decode(const struct nlmsghdr *nlh, struct xfrm_sa_info *si)
{
	const struct xfrm_usersa_info *p = mnl_nlmsg_get_payload(nlh);
	struct sa_parse sp = {.si = si};

	memset(si, 0, sizeof(*si));
	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(*p))
		return -EPROTO;
	xfrm_usersa_decode(p, si);
	mnl_attr_parse(nlh, sizeof(*p), sa_attr, &sp);
	if (sp.err)
		xfrm_sa_info_wipe(si);
	return sp.err;
}

struct sa_get {
	struct xfrm_sa_info *si;
	bool seen;
};

static int sa_get_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct sa_get *g = arg;
	int err = sa_decode(nlh, g->si);

	g->seen = !err;
	return err;
}

int xfrm_get_sa(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto,
		struct xfrm_sa_info *out)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct sa_get g = {.si = out};
	int err;

	memset(out, 0, sizeof(*out));
	err = xfrm_sa_id_msg(nlh, XFRM_MSG_GETSA, dst, spi, proto);
	if (err)
		return err;
	err = xfrm_talk(x, nlh, sa_get_reply, &g);
	if (!err && !g.seen)
		err = -EPROTO;
	if (err)
		xfrm_sa_info_wipe(out);
	return err;
}

void xfrm_sa_info_wipe(struct xfrm_sa_info *si)
{
	OPENSSL_cleanse(si, sizeof(*si));
}

int xfrm_get_sa_stats(struct xfrm *x, const struct xfrm_addr *dst, uint32_t spi, uint8_t proto,
		      struct xfrm_sa_stats *st)
{
	struct xfrm_sa_info si;
	int err;

	err = xfrm_get_sa(x, dst, spi, proto, &si);
	if (!err)
		*st = si.stats;
	xfrm_sa_info_wipe(&si);
	return err;
}

struct sa_dump {
	xfrm_sa_cb cb;
	void *arg;
};

static int sa_dump_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct sa_dump *d = arg;
	struct xfrm_sa_info si;
	int err;

	err = sa_decode(nlh, &si);
	if (!err)
		d->cb(&si, d->arg);
	xfrm_sa_info_wipe(&si);
	return err;
}

int xfrm_dump_sa(struct xfrm *x, xfrm_sa_cb cb, void *arg)
{
	uint8_t buf[XFRM_REQ_SIZE] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct sa_dump d = {cb, arg};

	nlh->nlmsg_type = XFRM_MSG_GETSA;
	nlh->nlmsg_flags = NLM_F_DUMP;
	return xfrm_talk(x, nlh, sa_dump_reply, &d);
}
