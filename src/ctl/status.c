/* oakleyctl status: every ISAKMP SA and IPsec SA, in text for people and
 * JSON for scripts.  The byte and packet counts are the kernel's own. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/keys.h"
#include "ctl/status.h"
#include "ike/child.h"
#include "ike/dpd.h"
#include "ike/frag.h"
#include "ike/id.h"
#include "ike/mismatch.h"
#include "ike/pacing.h"
#include "ike/quick.h"
#include "wire/isakmp.h"
#include "kernel/xfrm.h"
#include "net/sockaddr.h"
#include "priv/priv.h"
#include "util/log.h"

void out_printf(struct buf *out, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_append(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static const char *sa_state_name(const struct ike_sa *sa)
{
	switch (sa->state) {
	case IKE_SA_NEGOTIATING:
		return "negotiating";
	case IKE_SA_ESTABLISHED:
		return "established";
	default:
		return "failed";
	}
}

static uint64_t secs_left(uint64_t start_ms, uint32_t life_s)
{
	uint64_t now = loop_now_ms(), end = start_ms + (uint64_t)life_s * 1000;

	return end > now ? (end - now) / 1000 : 0;
}

struct child_counts {
	struct xfrm_sa_stats in, out;
	bool have;
};

static void child_counts(const struct child_sa *c, struct child_counts *k)
{
	memset(k, 0, sizeof(*k));
	k->have = !child_stats(c, &k->in, &k->out);
}

static void prop_str(const struct proposal *p, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s", p->encr->display, p->integ ? "/" : "",
		 p->integ ? p->integ->display : "", p->dh ? "/" : "", p->dh ? p->dh->display : "");
}

void status_failure_text(const struct ike_failure *f, struct buf *out)
{
	out_printf(out, "  %s, %" PRIu64 " s ago:\n      why: %s\n", f->conn,
		   (loop_now_ms() - f->when_ms) / 1000, f->why);
}

static const char *auto_name(enum conn_auto a)
{
	return a == AUTO_START ? "start" : a == AUTO_ADD ? "add" : "ignore";
}

/* One end as "addr [id] subnet": room for every part at its longest plus
 * the four separator characters, so the line is never cut. */
#define END_ID_STRLEN 128
#define END_TS_STRLEN 128
#define END_STRLEN    (CONF_ADDR_STRLEN + END_ID_STRLEN + END_TS_STRLEN + 4)

static void end_str(const struct conf_end *e, char out[static END_STRLEN])
{
	char addr[CONF_ADDR_STRLEN], sub[END_TS_STRLEN], id[END_ID_STRLEN];

	if (e->addr.family == AF_UNSPEC)
		snprintf(addr, sizeof(addr), "%%any");
	else
		conf_addr_str(&e->addr, addr, sizeof(addr));
	if (e->has_subnet)
		ts_str(&e->subnet, sub, sizeof(sub));
	else if (e->subnet.proto && e->subnet.port)
		snprintf(sub, sizeof(sub), "host[%u/%u]", e->subnet.proto, e->subnet.port);
	else if (e->subnet.proto) /* leftprotoport=17/%any */
		snprintf(sub, sizeof(sub), "host[%u/%%any]", e->subnet.proto);
	else
		snprintf(sub, sizeof(sub), "host");
	if (conf_id_str(&e->id, id, sizeof(id)) < 0)
		snprintf(id, sizeof(id), "?");
	snprintf(out, END_STRLEN, "%s [%s] %s", addr, id, sub);
}

/* What is configured, as ipsec statusall shows it. */
void status_conn_text(struct ike_daemon *d, const struct conn *c, struct buf *out)
{
	char l[END_STRLEN], r[END_STRLEN], ike[512], esp[512];

	end_str(&c->local, l);
	end_str(&c->remote, r);
	proposals_str("ike", &c->ike, ike, sizeof(ike));
	proposals_str("esp", &c->esp, esp, sizeof(esp));
	out_printf(out, "  %s: %s ... %s, %s%s, %s, auto=%s%s\n      %s%s %s%s\n", c->name, l, r,
		   c->aggressive ? "Aggressive Mode" : "Main Mode",
		   c->authby == IKE_AUTH_PSK ? " PSK" : " certificate",
		   c->mode == MODE_TUNNEL ? "tunnel" : "transport", auto_name(c->auto_),
		   pacing_is_queued(d, c->name) ? ", queued to start" : "", ike,
		   c->ike.strict ? "!" : "", esp, c->esp.strict ? "!" : "");
}

void status_list_text(struct ike_daemon *d, const struct conn *c, struct buf *out)
{
	char l[END_STRLEN], r[END_STRLEN];

	end_str(&c->local, l);
	end_str(&c->remote, r);
	out_printf(out, "%s: %s ... %s, %s, auto=%s\n", c->name, l, r,
		   c->mode == MODE_TUNNEL ? "tunnel" : "transport", auto_name(c->auto_));
}

/* What an attacker who took over this process would hold. */
static void privileges_text(struct buf *out)
{
	const struct priv_state *p = priv_state();
	char caps[256];

	priv_caps_str(p->caps, caps, sizeof(caps));
	out_printf(out,
		   "Privileges: %s%s (uid %u, gid %u), capabilities %s, no_new_privs %s, "
		   "seccomp %s",
		   p->dropped ? "user " : "not dropped, ", p->dropped ? p->user : "uid",
		   (unsigned)p->uid, (unsigned)p->gid, caps, p->no_new_privs ? "on" : "off",
		   p->seccomp ? "on" : "off");
	if (p->helper)
		out_printf(out, ", privileged helper pid %d", (int)p->helper);
	out_printf(out, "\n");
}

void status_head_text(struct ike_daemon *d, struct buf *out)
{
	privileges_text(out);
	if (d->capture)
		out_printf(out, "Capture: on, decrypted ISAKMP to %s\n", capture_path(d->capture));
	else
		out_printf(out, "Capture: off\n");
	if (d->keys)
		out_printf(out, "Key tables: %s\n", keys_dir(d->keys));
}

void status_sa_text(const struct ike_sa *sa, struct buf *out)
{
	char l[128], r[128], rk[64];

	sockaddr_str((const struct sockaddr *)&sa->ep.local.sa, l, sizeof(l));
	sockaddr_str((const struct sockaddr *)&sa->ep.remote.sa, r, sizeof(r));
	out_printf(out, "  #%u %s: %s, %s, %s <-> %s", sa->serial, sa->conn->name,
		   sa_state_name(sa), sa->initiator ? "initiator" : "responder", l, r);
	if (sa->state == IKE_SA_ESTABLISHED)
		out_printf(out, ", %s/%s/%s, %s, expires in %" PRIu64 " s", sa->encr->display,
			   sa->hash->display, sa->group->display, status_auth_name(sa->auth),
			   secs_left(sa->established_ms, sa->lifetime_s));
	if (frag_negotiated(sa)) /* both sent the IKE fragmentation VID (ike/frag.h) */
		out_printf(out, ", fragmentation");
	if (rekey_ike_state(sa, rk, sizeof(rk))[0])
		out_printf(out, ", %s", rk);
	if (sa->state == IKE_SA_ESTABLISHED) {
		status_natt_sa_text(sa, out);
		dpd_status_text(sa, out);
		status_cert_sa_text(sa, out);
		status_ra_sa_text(sa, out);
	}
	if (sa->why[0])
		out_printf(out, "\n      why: %s", sa->why);
	out_printf(out, "\n");
}

void status_halfopen_text(struct ike_daemon *d, struct buf *out)
{
	out_printf(out,
		   "  half-open: %u; dropped: %" PRIu64 " over the half-open limits, %" PRIu64
		   " first messages malformed or from no configured peer, %" PRIu64
		   " that did not decrypt, %" PRIu64 " Aggressive Mode over the rate\n",
		   d->halfopen, d->dropped_halfopen, d->dropped_first, d->dropped_undecryptable,
		   d->dropped_am_rate);
	out_printf(out, "  initiations: %u in flight, %u queued (window %u, max_inflight=%u)\n",
		   pacing_inflight(d), pacing_queued(d), pacing_window(d), pacing_max(d));
}

void status_child_text(const struct child_sa *c, struct buf *out)
{
	struct child_counts k;
	char l[128], r[128], prop[128], rk[64];

	child_counts(c, &k);
	ts_str(&c->ts_local, l, sizeof(l));
	ts_str(&c->ts_remote, r, sizeof(r));
	prop_str(&c->prop, prop, sizeof(prop));
	out_printf(out,
		   "  #%u %s: %s, ESP %s, SPIs in %08x out %08x, %s, %s === %s, "
		   "expires in %" PRIu64 " s\n",
		   c->serial, c->conn_name, c->installed ? "installed" : "negotiated",
		   c->tunnel ? "tunnel" : "transport", c->spi_in, c->spi_out, prop, l, r,
		   secs_left(c->established_ms, c->lifetime_s));
	out_printf(out, "      lifetime %u s", c->lifetime_s);
	if (!c->lifebytes)
		out_printf(out, ", no volume limit");
	else if (c->lifebytes % 1024)
		out_printf(out, " or %" PRIu64 " bytes", c->lifebytes);
	else
		out_printf(out, " or %" PRIu64 " KB", c->lifebytes / 1024);
	out_printf(out, " (%s)%s%s\n",
		   c->lifetime_from_responder ? "the responder's, shorter than proposed"
					      : "as proposed",
		   rekey_child_state(c, rk, sizeof(rk))[0] ? "; " : "", rk);
	status_natt_child_text(c, out);
	if (k.have)
		out_printf(out,
			   "      in %" PRIu64 " bytes %" PRIu64 " packets, out %" PRIu64
			   " bytes %" PRIu64 " packets\n",
			   k.in.bytes, k.in.packets, k.out.bytes, k.out.packets);
}

/* Names and reasons are ours or the config's; escape them all the same. */
void json_str(struct buf *out, const char *s)
{
	buf_put_u8(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			out_printf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			out_printf(out, "\\u%04x", (unsigned char)*s);
		else
			buf_put_u8(out, (uint8_t)*s);
	}
	buf_put_u8(out, '"');
}

static void json_key(struct buf *out, const char *key, const char *val, bool comma)
{
	json_str(out, key);
	buf_put_u8(out, ':');
	json_str(out, val);
	if (comma)
		buf_put_u8(out, ',');
}

void status_sa_json(const struct ike_sa *sa, struct buf *out)
{
	char l[128], r[128];

	sockaddr_str((const struct sockaddr *)&sa->ep.local.sa, l, sizeof(l));
	sockaddr_str((const struct sockaddr *)&sa->ep.remote.sa, r, sizeof(r));
	out_printf(out, "{\"serial\":%u,", sa->serial);
	json_key(out, "connection", sa->conn->name, true);
	json_key(out, "state", sa_state_name(sa), true);
	json_key(out, "role", sa->initiator ? "initiator" : "responder", true);
	json_key(out, "local", l, true);
	json_key(out, "remote", r, true);
	snprintf(l, sizeof(l), "%s", log_hex(sa->icookie, 8));
	json_key(out, "icookie", l, true);
	snprintf(r, sizeof(r), "%s", log_hex(sa->rcookie, 8));
	json_key(out, "rcookie", r, true);
	if (sa->state == IKE_SA_ESTABLISHED) {
		json_key(out, "encryption", sa->encr->display, true);
		json_key(out, "hash", sa->hash->display, true);
		json_key(out, "dh_group", sa->group->display, true);
		status_cert_sa_json(sa, out);
		out_printf(out, "\"lifetime\":%u,\"expires_in\":%" PRIu64 ",", sa->lifetime_s,
			   secs_left(sa->established_ms, sa->lifetime_s));
	}
	status_natt_sa_json(sa, out);
	out_printf(out, "\"fragmentation\":%s,", frag_negotiated(sa) ? "true" : "false");
	out_printf(out, "\"quick_modes\":%u,\"msgid_replays\":%u,", quick_count(sa), sa->replays);
	dpd_status_json(sa, out);
	status_ra_sa_json(sa, out);
	json_key(out, "rekey", rekey_ike_state(sa, l, sizeof(l)), true);
	json_key(out, "why", sa->why, false);
	out_printf(out, "}");
}

void status_child_json(const struct child_sa *c, struct buf *out)
{
	struct child_counts k;
	char l[128], r[128], spi[16], rk[64];

	child_counts(c, &k);
	ts_str(&c->ts_local, l, sizeof(l));
	ts_str(&c->ts_remote, r, sizeof(r));
	out_printf(out, "{\"serial\":%u,", c->serial);
	json_key(out, "connection", c->conn_name, true);
	json_key(out, "state", c->installed ? "installed" : "negotiated", true);
	json_key(out, "mode", c->tunnel ? "tunnel" : "transport", true);
	snprintf(spi, sizeof(spi), "%08x", c->spi_in);
	json_key(out, "spi_in", spi, true);
	snprintf(spi, sizeof(spi), "%08x", c->spi_out);
	json_key(out, "spi_out", spi, true);
	json_key(out, "encryption", c->prop.encr->display, true);
	json_key(out, "integrity", c->prop.integ ? c->prop.integ->display : "", true);
	json_key(out, "pfs_group", c->prop.dh ? c->prop.dh->display : "", true);
	json_key(out, "local_ts", l, true);
	json_key(out, "remote_ts", r, true);
	out_printf(out, "\"lifetime\":%u,\"expires_in\":%" PRIu64 ",", c->lifetime_s,
		   secs_left(c->established_ms, c->lifetime_s));
	/* 0: no volume limit (lifetime_bytes says one under a KB) */
	out_printf(out, "\"lifetime_kb\":%" PRIu64 ",\"lifetime_bytes\":%" PRIu64 ",",
		   c->lifebytes / 1024, c->lifebytes);
	json_key(out, "lifetime_source", c->lifetime_from_responder ? "responder" : "proposed",
		 true);
	status_natt_child_json(c, out);
	json_key(out, "rekey", rekey_child_state(c, rk, sizeof(rk)), true);
	out_printf(out,
		   "\"bytes_in\":%" PRIu64 ",\"packets_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
		   ",\"packets_out\":%" PRIu64 "}",
		   k.in.bytes, k.in.packets, k.out.bytes, k.out.packets);
}

void status_conn_json(struct ike_daemon *d, const struct conn *c, struct buf *out)
{
	char l[END_STRLEN], r[END_STRLEN], ike[512], esp[512];

	end_str(&c->local, l);
	end_str(&c->remote, r);
	proposals_str("ike", &c->ike, ike, sizeof(ike));
	proposals_str("esp", &c->esp, esp, sizeof(esp));
	out_printf(out, "{");
	json_key(out, "name", c->name, true);
	json_key(out, "local", l, true);
	json_key(out, "remote", r, true);
	json_key(out, "exchange", c->aggressive ? "aggressive" : "main", true);
	json_key(out, "mode", c->mode == MODE_TUNNEL ? "tunnel" : "transport", true);
	json_key(out, "auto", auto_name(c->auto_), true);
	json_key(out, "ike", ike + 4, true);
	json_key(out, "esp", esp + 4, false);
	out_printf(out, "}");
}

static void privileges_json(struct buf *out)
{
	const struct priv_state *p = priv_state();
	char caps[256];

	priv_caps_str(p->caps, caps, sizeof(caps));
	out_printf(out, "\"privileges\":{\"dropped\":%s,", p->dropped ? "true" : "false");
	json_key(out, "user", p->dropped ? p->user : "", true);
	json_key(out, "capabilities", caps, true);
	out_printf(out,
		   "\"uid\":%u,\"gid\":%u,\"no_new_privs\":%s,\"seccomp\":%s,\"helper_pid\":%d},",
		   (unsigned)p->uid, (unsigned)p->gid, p->no_new_privs ? "true" : "false",
		   p->seccomp ? "true" : "false", (int)p->helper);
}

void status_head_json(struct ike_daemon *d, struct buf *out)
{
	privileges_json(out);
	out_printf(out, "\"capture\":");
	if (d->capture)
		json_str(out, capture_path(d->capture));
	else
		out_printf(out, "null");
	out_printf(out, ",\"key_tables\":");
	if (d->keys)
		json_str(out, keys_dir(d->keys));
	else
		out_printf(out, "null");
	out_printf(out, ",");
}

void status_halfopen_json(struct ike_daemon *d, struct buf *out)
{
	out_printf(out,
		   ",\"halfopen\":%u,\"dropped\":{\"halfopen_limits\":%" PRIu64
		   ",\"malformed_first\":%" PRIu64 ",\"undecryptable\":%" PRIu64
		   ",\"aggressive_rate\":%" PRIu64 "}",
		   d->halfopen, d->dropped_halfopen, d->dropped_first, d->dropped_undecryptable,
		   d->dropped_am_rate);
}

void status_failure_json(const struct ike_failure *f, struct buf *out)
{
	out_printf(out, "{");
	json_key(out, "connection", f->conn, true);
	json_key(out, "why", f->why, true);
	out_printf(out, "\"seconds_ago\":%" PRIu64 "}", (loop_now_ms() - f->when_ms) / 1000);
}
