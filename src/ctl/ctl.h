/* The control socket: one command line in, a reply out, then the server
 * closes.  The reply's first line is "OK" or "ERR"; oakleyctl turns it into
 * its exit code and prints the rest. */
#ifndef OAKLEY_CTL_CTL_H
#define OAKLEY_CTL_CTL_H

#include "ike/ike.h"
#include "util/buf.h"

struct ctl;

/* Hooks the daemon gives the control socket for what is not IKE state. */
struct ctl_hooks {
	int (*reload)(void *arg, char *why, size_t whylen);
	/* Opens PATH as the capture (the daemon may no longer be root). */
	int (*capture_on)(void *arg, const char *path, char *why, size_t whylen);
	void *arg;
};

int ctl_open(struct loop *loop, struct ike_daemon *d, const char *path,
	     const struct ctl_hooks *hooks, struct ctl **out);
void ctl_close(struct ctl *c);
void ctl_set_daemon(struct ctl *c, struct ike_daemon *d);

/* What "status ARGS" asks for: every SA, one connection's, or counts. */
struct status_req {
	bool json, summary;
	char name[64]; /* one connection, or "" */
	bool list;     /* the connections only ("list"), without a heading */
};

/* "", "--json", "NAME", "--summary", in any order: 0, or -EINVAL with why. */
int status_req_parse(const char *args, struct status_req *req, char *why, size_t whylen);

/* The listing, produced a batch at a time so that a control client holds
 * a bounded buffer whatever the number of SAs.  Between batches the SAs may
 * come and go: the cursor keeps no pointer, only the serial number of the
 * last SA shown (lists are shown newest first, by serial), so an SA that
 * went away is simply not shown and none is shown twice. */
enum status_part {
	STATUS_HEAD,
	STATUS_CONNS,
	STATUS_SAS,
	STATUS_CHILDREN,
	STATUS_FAILURES,
	STATUS_DONE,
};

struct status_cursor {
	struct status_req req;
	enum status_part part;
	unsigned pos;	/* connections or failures shown */
	unsigned below; /* the next shown has a serial (IPsec SAs: seq) below this */
	unsigned shown; /* items shown in this part */
	/* The last SA shown, to find it again by its hash key, and whether
	 * the list was newest first: then the next batch starts right after
	 * it instead of walking the list from its head. */
	uint8_t mark_icookie[8];
	uint32_t mark_spi;
	bool newest_first;
};

/* At most this many items per batch. */
#define STATUS_BATCH 128

void status_start(struct status_cursor *cur, const struct status_req *req);
/* Appends the next batch; false once the listing is complete. */
bool status_next(struct ike_daemon *d, struct status_cursor *cur, struct buf *out);
/* Whether NAME is configured or has an SA or a failure to show. */
bool status_name_known(struct ike_daemon *d, const char *name);
/* The whole listing at once (tests, small outputs). */
void status_text(struct ike_daemon *d, struct buf *out);
void status_json(struct ike_daemon *d, struct buf *out);

/* summary.c: status --summary, as "name: count" lines or one JSON object. */
struct ike_summary;
void status_summary(const struct ike_summary *s, bool json, struct buf *out);

#endif
