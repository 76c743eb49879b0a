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

/* status.c: the state of every SA, as text or JSON. */
void status_text(struct ike_daemon *d, struct buf *out);
void status_json(struct ike_daemon *d, struct buf *out);

#endif
