/* NAT traversal in phase 1 (natt.h): NAT-D, detection, the float to port
 * 4500, the NAT-T sockets and keepalives, following a peer's new mapping.
 * Quick Mode's and the kernel's part is natt_child.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "crypto/prf.h"
#include "crypto/rand.h"
#include "ike/exchange.h"
#include "ike/ike.h"
#include "ike/natt.h"
#include "net/udp.h"
#include "util/log.h"
#include "wire/payload.h"

int natt_hash(const char *md, const uint8_t icookie[8], const uint8_t rcookie[8],
	      const struct sockaddr *addr, uint8_t *out)
{
	size_t alen = 0, len = crypto_md_len(md);
	const void *a = sockaddr_addr(addr, &alen);
	uint16_t port = htons(sockaddr_port(addr));
	struct iovec iov[4] = {
		{(void *)icookie, 8},
		{(void *)rcookie, 8},
		{(void *)a, alen},
		{&port, 2},
	};
	int err;

	if (!a || !len)
		return -EINVAL;
	err = crypto_hash(md, iov, 4, out);
	return err ? err : (int)len;
}

static void natt_keepalive(void *arg)
{
	struct ike_sa *sa = arg;
	struct ike_daemon *d = sa->d;
	int err;

	if (sa->state == IKE_SA_ESTABLISHED && natt_sock_is(d, sa->ep.fd)) {
		err = udp_send_natt_keepalive(sa->ep.fd, &sa->ep.remote.sa, &sa->ep.local.sa);
		if (err)
			ike_sa_log(sa, LOG_LVL_DEBUG, "NAT keepalive not sent: %s", strerror(-err));
		else
			sa->natt.keepalives++;
	}
	if (d->conf->setup.keep_alive_s) /* a reload may have set 0: none */
		timer_arm(d->loop, &sa->natt.keepalive,
			  (uint64_t)d->conf->setup.keep_alive_s * 1000);
}

void natt_init(struct ike_sa *sa)
{
	timer_init(&sa->natt.keepalive, natt_keepalive, sa);
}

void natt_free(struct ike_sa *sa)
{
	timer_cancel(sa->d->loop, &sa->natt.keepalive);
}

bool natt_active(const struct ike_sa *sa)
{
	return sa->peer_vendor.natt && sa->natt.checked && (sa->natt.behind || sa->natt.forced);
}

const char *natt_where(const struct ike_sa *sa)
{
	static const char *const names[] = {"none", "local", "remote", "both"};

	if (!sa->natt.behind && sa->natt.forced)
		return "none, encapsulation forced";
	return names[sa->natt.behind & 3];
}

int natt_add_nat_d(void *state, struct wire_builder *w)
{
	struct ike_sa *sa = state;
	uint8_t v = sa->peer_vendor.natt, h[IKE_MAX_MD];
	uint8_t type = natt_pl_nat_d(v);
	int len, err;

	if (!v || !sa->hash)
		return 0;
	/* The destination's first (RFC 3947 3.2), then ours. */
	len = natt_hash(sa->hash->openssl, sa->icookie, sa->rcookie, &sa->ep.remote.sa, h);
	if (len < 0)
		return len;
	err = wire_add_raw(w, type, h, (size_t)len);
	if (err)
		return err;
	/* forceencaps: a hash of no address of ours, so that the peer sees
	 * us behind a NAT and agrees to encapsulate (as strongSwan does). */
	if (sa->conn->forceencaps)
		err = crypto_random(h, (size_t)len);
	else
		len = natt_hash(sa->hash->openssl, sa->icookie, sa->rcookie, &sa->ep.local.sa, h);
	if (err || len < 0)
		return err ? err : len;
	return wire_add_raw(w, type, h, (size_t)len);
}

static int natt_sock_for(const struct ike_daemon *d, int family)
{
	unsigned i;

	for (i = 0; i < d->nsocks; i++)
		if (d->socks[i].natt && d->socks[i].family == family)
			return d->socks[i].fd;
	return -1;
}

bool natt_sock_is(const struct ike_daemon *d, int fd)
{
	unsigned i;

	for (i = 0; i < d->nsocks && fd >= 0; i++)
		if (d->socks[i].fd == fd)
			return d->socks[i].natt;
	return false;
}

/* The initiator moves to port 4500 (RFC 3947 4): from MM5 or AM3 on,
 * every send goes there, with the non-ESP marker. */
static void natt_float(struct ike_sa *sa)
{
	int fd = natt_sock_for(sa->d, sa->ep.remote.sa.sa_family);

	if (fd < 0 || sa->ep.fd == fd) {
		if (fd < 0 && !sa->d->send) /* an in-process transport has no ports */
			ike_sa_log(sa, LOG_LVL_WARN,
				   "NAT-T needed but no port %u socket: staying on port %u",
				   ISAKMP_NATT_PORT, sockaddr_port(&sa->ep.local.sa));
		return;
	}
	sa->ep.fd = fd;
	sockaddr_set_port(&sa->ep.local.sa, ISAKMP_NATT_PORT);
	sockaddr_set_port(&sa->ep.remote.sa, ISAKMP_NATT_PORT);
	ike_sa_log(sa, LOG_LVL_INFO, "NAT-T: moving to port %u", ISAKMP_NATT_PORT);
}

static bool natt_d_is(const struct wire_payload *p, const uint8_t *h, int len)
{
	return len > 0 && p->body.len == (size_t)len && !memcmp(p->body.p, h, (size_t)len);
}

void natt_detect(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t v = sa->peer_vendor.natt, type = natt_pl_nat_d(v);
	uint8_t mine[IKE_MAX_MD], theirs[IKE_MAX_MD];
	bool dst_ok = false, src_ok = false;
	unsigned i, n = 0;
	int lm, lt;

	if (!v || sa->natt.checked || !sa->hash)
		return;
	lm = natt_hash(sa->hash->openssl, sa->icookie, sa->rcookie,
		       (const struct sockaddr *)&m->local, mine);
	lt = natt_hash(sa->hash->openssl, sa->icookie, sa->rcookie,
		       (const struct sockaddr *)&m->from, theirs);
	for (i = 0; i < m->pl.n; i++) {
		const struct wire_payload *p = &m->pl.p[i];

		if (p->type != type)
			continue;
		if (n++ == 0)
			dst_ok = natt_d_is(p, mine, lm);
		else
			src_ok |= natt_d_is(p, theirs, lt);
	}
	sa->natt.forced = sa->conn->forceencaps;
	if (n < 2) {
		ike_sa_log(sa, LOG_LVL_INFO, "NAT-T (%s): the peer sent no NAT-D",
			   natt_version_name(v));
		return;
	}
	sa->natt.checked = true;
	sa->natt.behind = (uint8_t)((dst_ok ? 0 : NATT_LOCAL) | (src_ok ? 0 : NATT_REMOTE));
	ike_sa_log(sa, LOG_LVL_INFO, "NAT-T (%s): NAT %s", natt_version_name(v), natt_where(sa));
	if (sa->initiator && natt_active(sa))
		natt_float(sa);
	if ((sa->natt.behind & NATT_LOCAL) && sa->d->conf->setup.keep_alive_s)
		timer_arm(sa->d->loop, &sa->natt.keepalive,
			  (uint64_t)sa->d->conf->setup.keep_alive_s * 1000);
}

/* While it negotiates, only the peer's address (the float changes the
 * port, a NAT keeps its address); once established, any address, which
 * the message must then prove by its keys and HASH. */
bool natt_from_peer(const struct ike_sa *sa, const struct ike_msg *m)
{
	const struct sockaddr *from = (const struct sockaddr *)&m->from;

	if (sockaddr_equal(from, &sa->ep.remote.sa))
		return true;
	if (!sa->peer_vendor.natt || !natt_sock_is(sa->d, m->fd) ||
	    from->sa_family != sa->ep.remote.sa.sa_family)
		return false;
	return sa->state == IKE_SA_ESTABLISHED || sockaddr_addr_equal(from, &sa->ep.remote.sa);
}

void natt_follow(struct ike_sa *sa, const struct ike_msg *m)
{
	char was[SOCKADDR_STRLEN], now[SOCKADDR_STRLEN];
	union sockaddr_inet old = sa->ep.remote;

	if (m->fd == sa->ep.fd &&
	    sockaddr_equal((const struct sockaddr *)&m->from, &sa->ep.remote.sa))
		return;
	if (m->fd < 0 || !natt_from_peer(sa, m))
		return;
	sockaddr_str(&sa->ep.remote.sa, was, sizeof(was));
	sockaddr_str((const struct sockaddr *)&m->from, now, sizeof(now));
	sockaddr_inet_set(&sa->ep.remote, (const struct sockaddr *)&m->from);
	sockaddr_inet_set(&sa->ep.local, (const struct sockaddr *)&m->local);
	sa->ep.fd = m->fd;
	ike_sa_log(sa, LOG_LVL_INFO, "NAT-T: the peer is now at %s (was %s)", now, was);
	if (sa->state != IKE_SA_ESTABLISHED)
		return; /* the float: no IPsec SA yet */
	natt_children_move(sa, &old.sa);
}

/* Port 4500's datagrams: IKE after a non-ESP marker (removed here), NAT
 * keepalives (dropped); the kernel takes ESP in UDP itself. */
static void natt_sock_input(int fd, uint32_t events, void *arg)
{
	static uint8_t pkt[ISAKMP_MAX_MSG];
	struct ike_daemon *d = arg;
	struct sockaddr_storage from, local;
	unsigned budget = 64; /* let timers run under a flood */
	ssize_t n;

	(void)events;
	while (budget--) {
		n = udp_recv_natt(fd, pkt, sizeof(pkt), &from, &local);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return;
		if (n > 0)
			ike_packet_input(d, fd, pkt, (size_t)n, &from, &local);
	}
}

int natt_open_socks(struct ike_daemon *d)
{
	static const int families[] = {AF_INET, AF_INET6};
	unsigned i;
	int fd, err;

	if (d->port != ISAKMP_PORT)
		return 0; /* a test port: no NAT-T */
	for (i = 0; i < 2 && d->nsocks < IKE_MAX_SOCKS; i++) {
		fd = udp_open_natt(families[i], NULL, ISAKMP_NATT_PORT);
		if (fd < 0) {
			log_warn("cannot listen on UDP port %u (%s): %s; no NAT traversal there",
				 ISAKMP_NATT_PORT, families[i] == AF_INET ? "IPv4" : "IPv6",
				 strerror(-fd));
			continue;
		}
		d->socks[d->nsocks].fd = fd;
		d->socks[d->nsocks].family = families[i];
		d->socks[d->nsocks].natt = true;
		d->nsocks++;
		err = loop_add_fd(d->loop, fd, EPOLLIN, natt_sock_input, d);
		if (err)
			return err;
	}
	return 0;
}
