/* XAUTH with xauthby=pam (issue 11): the unprivileged daemon asks the
 * helper, which stays root, whether a password is a user's; PAM modules
 * such as pam_unix need root to read /etc/shadow, and they may open any
 * file, which the daemon's seccomp filter forbids.
 *
 * The request carries "USER\0PASSWORD"; both ends wipe it.  The helper
 * runs libpam's service "oakley" (/etc/pam.d/oakley): pam_authenticate
 * with a conversation that answers every prompt with the password (or,
 * asked with echo on, the user name), then pam_acct_mgmt (an expired or
 * locked account is refused), pam_end.  PAM_FAIL_DELAY is a function that
 * does nothing, so that a module's failure delay (pam_unix: 2 s,
 * pam_faildelay) does not stop the helper, and the daemon waiting for it,
 * for every wrong password.  The reply is 0, or -EACCES with PAM's own
 * words; never the password. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security/pam_appl.h>
#include <openssl/crypto.h>

#include "priv/internal.h"
#include "priv/priv.h"

#define PAM_USER_MAX 255
#define PAM_PASS_MAX 255

static const char *pam_service = "oakley";

void priv_pam_service_set(const char *service)
{
	pam_service = service;
}

struct pam_creds {
	const char *user, *password;
};

static void free_replies(struct pam_response *r, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].resp) {
			OPENSSL_cleanse(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
}

/* PAM frees what we answer (pam_response and the strings in it). */
static int converse(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	const struct pam_creds *creds = arg;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		const char *answer = NULL;

		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			answer = creds->password;
		else if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			answer = creds->user;
		else if (msg[i]->msg_style != PAM_ERROR_MSG && msg[i]->msg_style != PAM_TEXT_INFO)
			goto fail;
		if (answer && !(r[i].resp = strdup(answer)))
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	free_replies(r, n);
	return PAM_CONV_ERR;
}

static void no_delay(int retval, unsigned usec, void *arg)
{
}

/* In the helper: 0 or -EACCES with why. */
static int pam_check(const char *user, const char *password, char *why, size_t whylen)
{
	struct pam_creds creds = {user, password};
	struct pam_conv conv = {converse, &creds};
	pam_handle_t *h = NULL;
	const char *step = "pam_start";
	char name[300];
	int r;

	conf_user_text(user, name, sizeof(name));
	r = pam_start(pam_service, user, &conv, &h);
	if (r == PAM_SUCCESS) {
		step = "PAM_FAIL_DELAY";
		r = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_delay);
	}
	if (r == PAM_SUCCESS) {
		step = "authentication";
		r = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	}
	if (r == PAM_SUCCESS) {
		step = "account";
		r = pam_acct_mgmt(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	}
	if (r == PAM_SUCCESS)
		snprintf(why, whylen, "PAM service '%s' took XAUTH user '%s'", pam_service, name);
	else
		snprintf(why, whylen, "PAM service '%s' refused XAUTH user '%s' (%s): %s",
			 pam_service, name, step, h ? pam_strerror(h, r) : "cannot start PAM");
	if (h)
		pam_end(h, r);
	return r == PAM_SUCCESS ? 0 : -EACCES;
}

void priv_pam_serve(int fd, const uint8_t *data, size_t len)
{
	const char *user = (const char *)data, *password;
	char why[512];
	size_t ulen = strnlen(user, len);
	int err;

	password = user + ulen + 1;
	if (ulen == len || !ulen || ulen > PAM_USER_MAX || strlen(password) != len - ulen - 1 ||
	    len - ulen - 1 > PAM_PASS_MAX) {
		snprintf(why, sizeof(why), "a PAM request is USER\\0PASSWORD");
		chan_send(fd, PRIV_PAM, -EINVAL, why, strlen(why), -1);
		return;
	}
	err = pam_check(user, password, why, sizeof(why));
	chan_send(fd, PRIV_PAM, err, why, strlen(why), -1);
}

int priv_pam_check(struct priv *p, const char *user, const char *password, char *why, size_t whylen)
{
	size_t ulen = strlen(user), plen = strlen(password), len = ulen + 1 + plen;
	struct priv_hdr h;
	uint8_t *msg, *reply = NULL;
	int err;

	if (!ulen || ulen > PAM_USER_MAX || plen > PAM_PASS_MAX) {
		snprintf(why, whylen, "XAUTH user name or password too long for PAM");
		return -EACCES;
	}
	msg = malloc(len);
	if (!msg) {
		snprintf(why, whylen, "out of memory asking PAM");
		return -EIO;
	}
	memcpy(msg, user, ulen + 1);
	memcpy(msg + ulen + 1, password, plen);
	err = priv_request(p, PRIV_PAM, msg, len, &h, &reply, NULL, why, whylen);
	OPENSSL_cleanse(msg, len);
	free(msg);
	if (!err && reply)
		snprintf(why, whylen, "%s", (const char *)reply);
	free(reply);
	if (err == -EACCES || !err)
		return err;
	return -EIO; /* the channel, or a request the helper refused */
}
