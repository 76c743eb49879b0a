#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/keys.h"
#include "ike/tap.h"
#include "util/log.h"

int ike_capture_on(struct ike_daemon *d, const char *path, char *why, size_t whylen)
{
	struct capture *c;
	int err;

	err = capture_open(path, &c, why, whylen);
	if (err)
		return err;
	ike_capture_use(d, c);
	return 0;
}

void ike_capture_use(struct ike_daemon *d, struct capture *c)
{
	ike_capture_off(d);
	d->capture = c;
	log_info("capturing every ISAKMP message, decrypted, to %s", capture_path(c));
}

void ike_capture_off(struct ike_daemon *d)
{
	if (!d->capture)
		return;
	log_info("capture to %s stopped", capture_path(d->capture));
	capture_close(d->capture);
	d->capture = NULL;
}

int ike_keys_on(struct ike_daemon *d, const char *dir, char *why, size_t whylen)
{
	int err = keys_open(dir, &d->keys, why, whylen);

	if (!err)
		log_warn("writing ISAKMP and ESP keys to the Wireshark key tables in %s "
			 "(ikev1_decryption_table, esp_sa): anyone who reads them can decrypt the "
			 "traffic",
			 dir);
	return err;
}

static bool secret_attr(uint16_t type)
{
	return type == CFG_XAUTH_USER_PASSWORD || type == CFG_XAUTH_PASSCODE ||
	       type == CFG_XAUTH_NEXT_PIN || type == CFG_XAUTH_ANSWER;
}

/* Zeroes the values of the XAUTH secrets in an ATTRIBUTE payload's body
 * (the capture is for debugging, not for collecting users' passwords);
 * their lengths stay, so Wireshark still shows what was sent. */
static void redact_attrs(uint8_t *p, size_t len)
{
	size_t off = 4, vlen; /* type, RESERVED, identifier */
	uint16_t t;

	while (off + 4 <= len) {
		t = (uint16_t)(p[off] << 8 | p[off + 1]);
		if (t & ISAKMP_ATTR_AF) {
			off += 4;
			continue;
		}
		vlen = (size_t)(p[off + 2] << 8 | p[off + 3]);
		if (vlen > len - off - 4)
			vlen = len - off - 4;
		if (secret_attr(t))
			memset(p + off + 4, 0, vlen);
		off += 4 + vlen;
	}
}

/* Walks the payload chain of a transaction exchange message (bounded by
 * len whatever the lengths say) to redact each ATTRIBUTE payload. */
static void redact(uint8_t *msg, size_t len)
{
	size_t off = ISAKMP_HDR_LEN, plen;
	uint8_t type = msg[16]; /* RFC 2408 3.1: next payload at 16, exchange type at 18 */

	if (msg[18] != ISAKMP_XCHG_TRANSACTION)
		return;
	while (type != ISAKMP_PL_NONE && off + 4 <= len) {
		plen = (size_t)(msg[off + 2] << 8 | msg[off + 3]);
		if (plen < 4 || plen > len - off)
			return;
		if (type == ISAKMP_PL_ATTR)
			redact_attrs(msg + off + 4, plen - 4);
		type = msg[off];
		off += plen;
	}
}

/* The ISAKMP header as Wireshark should see it: encryption flag clear,
 * length that of what follows in the record; XAUTH secrets zeroed. */
static void tap_write(struct ike_daemon *d, const struct sockaddr *from, const struct sockaddr *to,
		      const uint8_t *msg, size_t len)
{
	uint8_t *copy;
	int err;

	if (len < ISAKMP_HDR_LEN)
		return;
	copy = malloc(len);
	if (!copy)
		return;
	memcpy(copy, msg, len);
	copy[ISAKMP_HDR_FLAGS_OFF] &= (uint8_t)~ISAKMP_FLAG_ENC;
	put_u32(copy + ISAKMP_HDR_LENGTH_OFF, (uint32_t)len);
	redact(copy, len);
	err = capture_write(d->capture, (const struct sockaddr *)from, (const struct sockaddr *)to,
			    copy, len);
	free(copy);
	if (err)
		log_warn("writing to the capture %s failed: %s", capture_path(d->capture),
			 strerror(-err));
}

void tap_sent(struct ike_daemon *d, const struct sockaddr *from, const struct sockaddr *to,
	      const uint8_t *msg, size_t len)
{
	if (d->capture)
		tap_write(d, from, to, msg, len);
}

void tap_received(struct ike_daemon *d, const struct ike_msg *m)
{
	const struct wire_payload *last;
	size_t len = m->len;

	if (!d->capture)
		return;
	/* Without the CBC padding: the payloads end where the last one does. */
	if (m->pl.n) {
		last = &m->pl.p[m->pl.n - 1];
		len = (size_t)(last->start + last->len - m->raw);
	}
	tap_write(d, (const struct sockaddr *)&m->from, (const struct sockaddr *)&m->local, m->raw,
		  len);
}

void tap_ike_key(struct ike_sa *sa)
{
	if (sa->d->keys && keys_ikev1(sa->d->keys, sa->icookie, sa->enc_key, sa->enc_key_len))
		ike_sa_log(sa, LOG_LVL_WARN, "writing the ISAKMP key table failed");
}

void tap_esp_keys(struct child_sa *c, const uint8_t *key_in, const uint8_t *key_out)
{
	const struct proposal *p = &c->prop;
	size_t enc_len = p->encr->key_bits / 8 + p->encr->salt_bytes;
	size_t auth_len = p->integ ? alg_auth_key_bytes(p->integ) : 0;
	const char *auth = p->integ ? p->integ->wireshark : "NULL";
	struct keytables *k = c->d->keys;

	if (!k)
		return;
	if (keys_esp(k, &c->remote.sa, &c->local.sa, c->spi_in, p->encr->wireshark, key_in, enc_len,
		     auth, key_in + enc_len, auth_len) ||
	    keys_esp(k, &c->local.sa, &c->remote.sa, c->spi_out, p->encr->wireshark, key_out,
		     enc_len, auth, key_out + enc_len, auth_len))
		log_warn("#%u %s: writing the ESP key table failed", c->serial, c->conn_name);
}
