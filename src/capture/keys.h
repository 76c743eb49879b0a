/* Wireshark's own key tables, in the formats strongSwan's save-keys plugin
 * writes: DIR/ikev1_decryption_table (ISAKMP SA encryption keys by
 * initiator cookie) and DIR/esp_sa (ESP SAs).  Point Wireshark's
 * configuration directory at DIR (or copy the files into a profile) and
 * it decrypts the ISAKMP and ESP traffic of those SAs. */
#ifndef OAKLEY_CAPTURE_KEYS_H
#define OAKLEY_CAPTURE_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct keytables;

/* Creates DIR (mode 0700) if it does not exist, and opens both tables
 * with O_APPEND|O_CREAT|O_NOFOLLOW, mode 0600 when created.  DIR is
 * refused when group or others may write it or it is neither root's nor
 * our euid's (-EPERM).  An existing table is refused when it is a symbolic
 * link (-ELOOP), not a regular file (-ENOTSUP), owned by neither root nor
 * our euid (-EPERM) or has more than one hard link (-EMLINK); WHY then
 * says which and names the file.  0 or -errno. */
int keys_open(const char *dir, struct keytables **out, char *why, size_t whylen);
void keys_close(struct keytables *k); /* NULL is fine */
const char *keys_dir(const struct keytables *k);

/* One line "<initiator cookie, 16 hex digits>,<key in hex>\n", lower case,
 * unquoted, in one write(2).  0 or -errno. */
int keys_ikev1(struct keytables *k, const uint8_t icookie[8], const uint8_t *key, size_t keylen);

/* One line for one direction of an ESP SA, in one write(2):
 * "IPv4","<src>","<dst>","0x<spi, 8 hex digits>","<enc name>","0x<enc key>","<auth name>","0x<auth
 * key>"
 * ("IPv6" and IPv6 addresses likewise).  The names are Wireshark's (the
 * algorithm table's wireshark column); AUTH_NAME NULL means "NULL".  An
 * empty key (ESP-NULL, or no integrity) is written as "", not "0x".
 * 0 or -errno (-EINVAL for a name with a quote or a line break). */
int keys_esp(struct keytables *k, const struct sockaddr *src, const struct sockaddr *dst,
	     uint32_t spi, const char *enc_name, const uint8_t *enc_key, size_t enc_len,
	     const char *auth_name, const uint8_t *auth_key, size_t auth_len);

#endif
