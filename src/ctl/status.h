/* The pieces of oakleyctl status, one item at a time (status.c), put in
 * order by the cursor (stream.c).  Internal to ctl/. */
#ifndef OAKLEY_CTL_STATUS_H
#define OAKLEY_CTL_STATUS_H

#include "ctl/ctl.h"

void out_printf(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void json_str(struct buf *out, const char *s);

/* Privileges, capture and key tables: text lines, or the JSON object's
 * opening brace and first members (each followed by a comma). */
void status_head_text(struct ike_daemon *d, struct buf *out);
void status_head_json(struct ike_daemon *d, struct buf *out);
void status_conn_text(struct ike_daemon *d, const struct conn *c, struct buf *out);
void status_conn_json(struct ike_daemon *d, const struct conn *c, struct buf *out);
/* oakleyctl list: a connection on one line, its name, ends, mode, auto. */
void status_list_text(struct ike_daemon *d, const struct conn *c, struct buf *out);
void status_sa_text(const struct ike_sa *sa, struct buf *out);
void status_sa_json(const struct ike_sa *sa, struct buf *out);
/* The half-open and dropped counts after the ISAKMP SAs. */
void status_halfopen_text(struct ike_daemon *d, struct buf *out);
void status_halfopen_json(struct ike_daemon *d, struct buf *out);
void status_child_text(const struct child_sa *c, struct buf *out);
void status_child_json(const struct child_sa *c, struct buf *out);
/* NAT traversal (status_natt.c) */
void status_natt_sa_text(const struct ike_sa *sa, struct buf *out);
void status_natt_sa_json(const struct ike_sa *sa, struct buf *out);
void status_natt_child_text(const struct child_sa *c, struct buf *out);
void status_natt_child_json(const struct child_sa *c, struct buf *out);
/* Certificates (status_cert.c): the auth method's short name ("PSK",
 * "RSA signature"), the peer's certificate, oakleyctl certs. */
const char *status_auth_name(uint16_t auth);
void status_cert_sa_text(const struct ike_sa *sa, struct buf *out);
void status_cert_sa_json(const struct ike_sa *sa, struct buf *out);
void certs_text(const struct ike_daemon *d, struct buf *out);
void certs_json(const struct ike_daemon *d, struct buf *out);
/* Remote access (status_ra.c): XAUTH and virtual IP of an ISAKMP SA,
 * the address pools and their leases. */
void status_ra_sa_text(const struct ike_sa *sa, struct buf *out);
void status_ra_sa_json(const struct ike_sa *sa, struct buf *out);
void status_pools_text(struct ike_daemon *d, struct buf *out);
void status_pools_json(struct ike_daemon *d, struct buf *out);
void status_failure_text(const struct ike_failure *f, struct buf *out);
void status_failure_json(const struct ike_failure *f, struct buf *out);

#endif
