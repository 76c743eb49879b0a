/* XAUTH (draft-ietf-ipsec-isakmp-xauth-06), generic type only:
 *
 *   server                               client
 *   REQUEST(TYPE, USER_NAME, USER_PASSWORD) ->
 *                                  <- REPLY(USER_NAME=u, USER_PASSWORD=p)
 *   (wrong: a new REQUEST with XAUTH_MESSAGE, up to RA_XAUTH_TRIES)
 *   SET(XAUTH_STATUS=OK|FAIL)            ->
 *                                  <- ACK(XAUTH_STATUS)
 *
 * The server's passwords: conf_xauth_check (ipsec.secrets XAUTH entries,
 * Libreswan's passwd file, xauthby=alwaysok), or PAM through the
 * privileged helper (xauthby=pam).  Passwords are wiped after use and
 * never logged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ike/ra.h"
#include "ike/xauth_throttle.h"
#include "priv/priv.h"
#include "util/log.h"
#include "wire/attr.h"
#include "wire/payload.h"

#define XAUTH_RETRY_MESSAGE "Wrong user name or password, try again."

bool cfg_has_xauth(const struct wire_cfg *cfg)
{
	struct cursor c = cfg->attrs;
	struct wire_attr a;

	while (c.len && !wire_attr_next(&c, &a))
		if (a.type >= CFG_XAUTH_TYPE && a.type <= CFG_XAUTH_ANSWER)
			return true;
	return false;
}

/* A TLV's bytes as a C string; false if it does not fit or holds a NUL. */
static bool attr_string(const struct wire_attr *a, char *out, size_t len)
{
	if (a->tv || a->value.len >= len || memchr(a->value.p, 0, a->value.len))
		return false;
	memcpy(out, a->value.p, a->value.len);
	out[a->value.len] = 0;
	return true;
}

/* A name the peer gave, for logs and status: other bytes than printable
 * ASCII become '?'. */
static void printable(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

static void xauth_ask(struct ra_sa *r, const char *message)
{
	struct wire_cfg_attr_spec a[4] = {
		{.type = CFG_XAUTH_TYPE, .tv = true, .value = XAUTH_TYPE_GENERIC},
		{.type = CFG_XAUTH_USER_NAME},
		{.type = CFG_XAUTH_USER_PASSWORD},
	};
	unsigned n = 3;
	int err;

	if (message) {
		a[n].type = CFG_XAUTH_MESSAGE;
		a[n].data = (const uint8_t *)message;
		a[n++].len = strlen(message);
	}
	r->xauth = RA_XAUTH_WAIT;
	err = ra_txn_send(r, RA_XAUTH_ASK, ISAKMP_CFG_REQUEST, a, n);
	if (err) {
		char why[128];

		snprintf(why, sizeof(why), "cannot send the XAUTH request: %s", strerror(-err));
		ra_fail(r, why);
	}
}

void xauth_server_start(struct ra_sa *r)
{
	ra_log(r, LOG_LVL_INFO, "asking the peer for its XAUTH user name and password");
	xauth_ask(r, NULL);
}

static void xauth_status(struct ra_sa *r, bool ok)
{
	struct wire_cfg_attr_spec a = {.type = CFG_XAUTH_STATUS,
				       .tv = true,
				       .value = ok ? XAUTH_STATUS_OK : XAUTH_STATUS_FAIL};
	int err = ra_txn_send(r, RA_XAUTH_STATUS, ISAKMP_CFG_SET, &a, 1);

	if (err) {
		char why[128];

		snprintf(why, sizeof(why), "cannot send the XAUTH status: %s", strerror(-err));
		ra_fail(r, why);
	}
}

/* The password check as a job (util/job.h): crypt(3) costs ~25 ms for
 * yescrypt, which the event loop must not wait for.  The record carries
 * what conf_xauth_plan copied, the password (wiped when the record is
 * freed) and the answer; it names the SA by its slot (r->check, cancelled
 * by ra_txn_clear when the SA goes: a gone SA's result is dropped) and
 * by serial. */
struct xauth_rec {
	struct job_rec head;
	unsigned serial; /* the ISAKMP SA's */
	struct conf_xauth_plan plan;
	char password[256];
	char why[256];
	int err;
};

static void xauth_rec_work(struct job_rec *head)
{
	struct xauth_rec *x = container_of(head, struct xauth_rec, head);

	x->err = conf_xauth_run(&x->plan, x->password, x->why, sizeof(x->why));
	OPENSSL_cleanse(x->password, sizeof(x->password));
}

static void xauth_checked(struct ra_sa *r, int err, const char *why);

/* The throttle hears every admitted check's end once. */
static void xauth_throttle_done(struct ra_sa *r, enum xthr_result res)
{
	struct xauth_throttle *t = r->sa->d->xthr;

	if (t)
		xthr_done(t, r->user, &r->sa->ep.remote.sa, res, loop_now_ms());
}

static enum xthr_result xthr_result_of(int err)
{
	return !err ? XTHR_PASSED : err == -ENOMEM ? XTHR_ABANDONED : XTHR_FAILED;
}

static void xauth_rec_done(struct job *slot, struct job_rec *head)
{
	struct ra_sa *r = container_of(slot, struct ra_sa, check);
	struct xauth_rec *x = container_of(head, struct xauth_rec, head);

	xauth_throttle_done(r, xthr_result_of(x->err));
	if (r->sa->serial != x->serial || r->sa->state != IKE_SA_ESTABLISHED)
		return;
	xauth_checked(r, x->err, x->why);
}

void xauth_check_cancel(struct ra_sa *r)
{
	if (!r->check.pending)
		return;
	job_cancel(r->sa->d->loop, &r->check); /* its result is dropped, its password wiped */
	xauth_throttle_done(r, XTHR_ABANDONED);
}

static void xauth_rec_free(struct job_rec *head)
{
	struct xauth_rec *x = container_of(head, struct xauth_rec, head);

	conf_xauth_plan_free(&x->plan);
	OPENSSL_cleanse(x, sizeof(*x));
	free(x);
}

static const struct job_type xauth_job_type = {xauth_rec_work, xauth_rec_done, xauth_rec_free};

/* Starts the check of user's password: 0 (xauth_checked follows from the
 * loop), or -errno with why. */
static int xauth_check_start(struct ra_sa *r, const char *user, const char *password, char *why,
			     size_t whylen)
{
	struct ike_daemon *d = r->sa->d;
	struct xauth_rec *x = calloc(1, sizeof(*x));
	int err;

	if (!x) {
		snprintf(why, whylen, "out of memory checking the XAUTH password");
		return -ENOMEM;
	}
	err = conf_xauth_plan(d->conf, r->sa->conn, user, &x->plan, why, whylen);
	if (err) {
		xauth_rec_free(&x->head);
		return err;
	}
	x->head.type = &xauth_job_type;
	x->serial = r->sa->serial;
	snprintf(x->password, sizeof(x->password), "%s", password);
	err = job_submit(d->loop, &r->check, &x->head); /* x is the pool's */
	if (err)
		snprintf(why, whylen, "cannot start the XAUTH password check: %s", strerror(-err));
	return err;
}

/* xauthby=pam: the privileged helper's answer, synchronously: the loop
 * waits for PAM.  The helper's channel (priv.h) is one request and one
 * answer at a time on a socket of the loop's thread, so a worker thread
 * cannot use it; making it asynchronous is a change of the priv protocol,
 * not done (review 11, finding 6: the throttle below still applies). */
static int xauth_pam(struct ra_sa *r, const char *user, const char *password, char *why,
		     size_t whylen)
{
	struct ike_daemon *d = r->sa->d;

	if (!d->priv) {
		snprintf(why, whylen,
			 "xauthby=pam needs oakleyd's privileged helper, and this daemon runs "
			 "without one");
		return -EACCES;
	}
	return priv_pam_check(d->priv, user, password, why, whylen);
}

/* The throttle refuses the try at once (true: STATUS=FAIL sent), or
 * counts it as under way. */
static bool xauth_refused(struct ra_sa *r, char *why, size_t whylen)
{
	struct xauth_throttle *t = xthr_of(r->sa->d);

	if (!t || !xthr_admit(t, r->user, &r->sa->ep.remote.sa, loop_now_ms(), why, whylen))
		return false;
	ra_log(r, LOG_LVL_WARN, "XAUTH refused for user '%s' without a check: %s", r->user, why);
	r->locked_out = true;
	r->xauth = RA_XAUTH_FAILING;
	xauth_status(r, false);
	return true;
}

void xauth_server_reply(struct ra_sa *r, const struct wire_cfg *cfg)
{
	char user[RA_USER_MAX] = "", password[256] = "", why[256] = "";
	bool have_user = false, have_password = false, cancelled = false;
	struct cursor c = cfg->attrs;
	struct wire_attr a;
	uint32_t v;
	int err;

	if (r->check.pending) /* not reached: our request is answered */
		return;
	while (c.len && !wire_attr_next(&c, &a)) {
		if (a.type == CFG_XAUTH_USER_NAME)
			have_user = attr_string(&a, user, sizeof(user));
		else if (a.type == CFG_XAUTH_USER_PASSWORD)
			have_password = attr_string(&a, password, sizeof(password));
		else if (a.type == CFG_XAUTH_STATUS && wire_attr_u32(&a, &v) &&
			 v == XAUTH_STATUS_FAIL)
			cancelled = true;
	}
	if (have_user) {
		snprintf(r->user, sizeof(r->user), "%s", user);
		printable(r->user);
	}
	r->tries++;
	if (cancelled) {
		err = -ECANCELED;
		snprintf(why, sizeof(why), "the peer gave up (its reply says XAUTH_STATUS=FAIL)");
	} else if (!have_user || !have_password || !user[0]) {
		err = -EINVAL;
		snprintf(why, sizeof(why), "the reply lacks a user name or a password");
	} else if (xauth_refused(r, why, sizeof(why))) {
		OPENSSL_cleanse(password, sizeof(password));
		return;
	} else {
		err = xauth_check_start(r, user, password, why, sizeof(why));
		if (err == -EOPNOTSUPP) {
			err = xauth_pam(r, user, password, why, sizeof(why));
			xauth_throttle_done(r, xthr_result_of(err));
		} else if (!err) {
			OPENSSL_cleanse(password, sizeof(password));
			return; /* xauth_checked follows */
		} else {
			xauth_throttle_done(r, XTHR_ABANDONED);
		}
	}
	OPENSSL_cleanse(password, sizeof(password));
	xauth_checked(r, err, why);
}

/* The check's answer: XAUTH_STATUS=OK, another try, or STATUS=FAIL. */
static void xauth_checked(struct ra_sa *r, int err, const char *why)
{
	if (!err) {
		r->xauth = RA_XAUTH_OK;
		ra_log(r, LOG_LVL_INFO, "XAUTH user '%s' authenticated", r->user);
		xauth_status(r, true);
		if (r->sa->ic.deferred) { /* the earlier SAs of this user go now */
			r->sa->ic.deferred = false;
			initial_contact_received(r->sa, NULL);
		}
		return;
	}
	ra_log(r, LOG_LVL_WARN, "XAUTH failed for user '%s' (try %u of %u): %s", r->user, r->tries,
	       RA_XAUTH_TRIES, why[0] ? why : strerror(-err));
	if (r->tries < RA_XAUTH_TRIES && err != -ECANCELED) {
		xauth_ask(r, XAUTH_RETRY_MESSAGE);
		return;
	}
	r->xauth = RA_XAUTH_FAILING;
	xauth_status(r, false);
}

void xauth_server_ack(struct ra_sa *r)
{
	char why[256];

	if (r->xauth == RA_XAUTH_FAILING && r->locked_out) {
		snprintf(why, sizeof(why),
			 "XAUTH refused for user '%s': too many failed tries (locked out for a "
			 "while)",
			 r->user);
		r->xauth = RA_XAUTH_FAILED;
		ra_fail(r, why);
		return;
	}
	if (r->xauth == RA_XAUTH_FAILING) {
		snprintf(why, sizeof(why), "XAUTH failed for user '%s' after %u tries", r->user,
			 r->tries);
		r->xauth = RA_XAUTH_FAILED;
		ra_fail(r, why);
		return;
	}
	ra_next(r);
}

/* The client's password for its user: the ipsec.secrets XAUTH entry. */
static const char *xauth_password(const struct ike_daemon *d, const char *user)
{
	unsigned i;

	for (i = 0; i < d->conf->nxauth_users; i++) {
		const struct conf_xauth_user *u = &d->conf->xauth_users[i];

		if (!u->crypted && !strcmp(u->user, user))
			return u->secret;
	}
	return NULL;
}

void xauth_client_request(struct ra_sa *r, const struct wire_cfg *cfg)
{
	const struct conn *conn = r->sa->conn;
	struct wire_cfg_attr_spec out[8];
	const char *password;
	struct cursor c = cfg->attrs;
	struct wire_attr a;
	char why[256], text[128];
	unsigned n = 0;
	uint32_t v;
	int err;

	if (conn->ra.xauth != CONN_XAUTH_CLIENT) {
		ra_log_drop(r->sa, RA_DROP_ROLE, LOG_LVL_WARN,
			    "ignored the peer's XAUTH request: connection %s is no XAUTH client",
			    conn->name);
		return;
	}
	if (!conn->ra.user || !conn->ra.user[0]) {
		snprintf(why, sizeof(why),
			 "peer asks for an XAUTH user name and connection %s has none "
			 "(xauth_identity=, leftusername=)",
			 conn->name);
		ra_fail(r, why);
		return;
	}
	password = xauth_password(r->sa->d, conn->ra.user);
	if (!password) {
		snprintf(why, sizeof(why), "no XAUTH password for user '%s' in ipsec.secrets",
			 conn->ra.user);
		ra_fail(r, why);
		return;
	}
	snprintf(r->user, sizeof(r->user), "%s", conn->ra.user);
	while (c.len && !wire_attr_next(&c, &a) && n < 8) {
		switch (a.type) {
		case CFG_XAUTH_TYPE:
			if (wire_attr_u32(&a, &v) && v != XAUTH_TYPE_GENERIC) {
				snprintf(why, sizeof(why),
					 "peer asks for XAUTH type %u; only the generic type (user "
					 "name and password) is supported",
					 v);
				ra_fail(r, why);
				return;
			}
			out[n++] = (struct wire_cfg_attr_spec){
				.type = CFG_XAUTH_TYPE, .tv = true, .value = XAUTH_TYPE_GENERIC};
			break;
		case CFG_XAUTH_USER_NAME:
			out[n++] = (struct wire_cfg_attr_spec){.type = a.type,
							       .data = (const uint8_t *)r->user,
							       .len = strlen(r->user)};
			break;
		case CFG_XAUTH_USER_PASSWORD:
			out[n++] = (struct wire_cfg_attr_spec){.type = a.type,
							       .data = (const uint8_t *)password,
							       .len = strlen(password)};
			break;
		case CFG_XAUTH_MESSAGE:
			if (attr_string(&a, text, sizeof(text))) {
				printable(text);
				ra_log(r, LOG_LVL_INFO, "XAUTH message from the peer: %s", text);
			}
			break;
		default:
			break;
		}
	}
	r->xauth = RA_XAUTH_WAIT;
	r->tries++;
	err = ra_txn_answer(r, ISAKMP_CFG_REPLY, cfg->id, out, n);
	if (err) {
		snprintf(why, sizeof(why), "cannot send the XAUTH reply: %s", strerror(-err));
		ra_fail(r, why);
		return;
	}
	ra_log(r, LOG_LVL_INFO, "sent XAUTH user name '%s' and its password", r->user);
}

void xauth_client_set(struct ra_sa *r, const struct wire_cfg *cfg)
{
	struct cursor c = cfg->attrs;
	struct wire_attr a;
	char why[256];
	uint32_t v = XAUTH_STATUS_FAIL;
	bool have = false;
	struct wire_cfg_attr_spec ack = {.type = CFG_XAUTH_STATUS, .tv = true};

	while (c.len && !wire_attr_next(&c, &a))
		if (a.type == CFG_XAUTH_STATUS)
			have = wire_attr_u32(&a, &v);
	if (!have) {
		ra_log_drop(r->sa, RA_DROP_IGNORED, LOG_LVL_WARN,
			    "ignored an XAUTH SET without XAUTH_STATUS");
		return;
	}
	ack.value = (uint16_t)v;
	if (ra_txn_answer(r, ISAKMP_CFG_ACK, cfg->id, &ack, 1))
		ra_log(r, LOG_LVL_WARN, "cannot send the XAUTH ACK");
	if (v != XAUTH_STATUS_OK) {
		snprintf(why, sizeof(why), "peer refused XAUTH for user '%s'", r->user);
		r->xauth = RA_XAUTH_FAILED;
		ike_sa_fail(r->sa, "%s", why);
		return;
	}
	r->xauth = RA_XAUTH_OK;
	ra_log(r, LOG_LVL_INFO, "peer accepted XAUTH user '%s'", r->user);
	ra_next(r);
}
