/* What the files of src/priv/ share: the channel between the daemon and
 * its helper, and the configuration as it travels over it. */
#ifndef OAKLEY_PRIV_INTERNAL_H
#define OAKLEY_PRIV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "util/buf.h"

enum priv_request {
	PRIV_RELOAD = 1,  /* no data; reply: a packed struct conf */
	PRIV_CAPTURE = 2, /* data: the path; reply: struct capture_format + fd */
	PRIV_PAM = 3,	  /* data: USER\0PASSWORD; reply: 0 or -EACCES, why (pam.c) */
};

/* One message: a header, then LEN bytes.  A reply's ERR is 0 or -errno;
 * with an error the data is the sentence that says why. */
struct priv_hdr {
	uint32_t type;
	int32_t err;
	uint32_t len;
};

#define PRIV_MSG_MAX (64u << 20) /* a configuration of many thousand conns */

/* Sends a header and LEN bytes, with PASS_FD (-1: none) attached. */
int chan_send(int fd, uint32_t type, int32_t err, const void *data, size_t len, int pass_fd);
/* Receives one message: *DATA (NUL-terminated, free it) and, when GOT_FD is
 * not NULL, a descriptor sent with it (-1 if none).  -EPIPE on EOF. */
int chan_recv(int fd, struct priv_hdr *h, uint8_t **data, int *got_fd);

struct priv;
/* helper.c: one request, one reply of the same type: 0 with *reply (free
 * it), or the helper's -errno with why (its sentence), or the channel's. */
int priv_request(struct priv *p, uint32_t type, const void *data, size_t len, struct priv_hdr *h,
		 uint8_t **reply, int *got_fd, char *why, size_t whylen);

/* pam.c: the helper's side of PRIV_PAM. */
void priv_pam_serve(int fd, const uint8_t *data, size_t len);
/* Tests only: another PAM service than "oakley" (before priv_helper_start). */
void priv_pam_service_set(const char *service);

/* conf_msg.c: a struct conf as bytes (algorithm rows as table indices,
 * file names as indices into the files), and back. */
int conf_pack(const struct conf *c, struct buf *out);
int conf_unpack(const uint8_t *p, size_t len, struct conf **out);

#endif
