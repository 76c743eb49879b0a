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

/* conf_msg.c: a struct conf as bytes (algorithm rows as table indices,
 * file names as indices into the files), and back. */
int conf_pack(const struct conf *c, struct buf *out);
int conf_unpack(const uint8_t *p, size_t len, struct conf **out);

#endif
