/* What oakleyd shows the operator of its own traffic: every ISAKMP message
 * as plaintext in a pcap file (oakleyd -L), and the keys in Wireshark's
 * tables (oakleyd -K), so a capture taken on the wire decrypts too. */
#ifndef OAKLEY_IKE_TAP_H
#define OAKLEY_IKE_TAP_H

#include "ike/exchange.h"
#include "ike/ike.h"

#define IKE_CAPTURE_DEFAULT "/var/run/oakley/isakmp.pcap"

int ike_capture_on(struct ike_daemon *d, const char *path, char *why, size_t whylen);
/* Captures to C (opened elsewhere, e.g. by the privileged helper); takes it. */
void ike_capture_use(struct ike_daemon *d, struct capture *c);
void ike_capture_off(struct ike_daemon *d);
int ike_keys_on(struct ike_daemon *d, const char *dir, char *why, size_t whylen);

/* A message we send, before encryption (msg holds it in the clear). */
void tap_sent(struct ike_daemon *d, const struct sockaddr *from, const struct sockaddr *to,
	      const uint8_t *msg, size_t len);
/* A message received and, if it was encrypted, decrypted and parsed. */
void tap_received(struct ike_daemon *d, const struct ike_msg *m);

void tap_ike_key(struct ike_sa *sa);
void tap_esp_keys(struct child_sa *c, const uint8_t *key_in, const uint8_t *key_out);

#endif
