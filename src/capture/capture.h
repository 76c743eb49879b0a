/* Decrypted ISAKMP to a pcap file, as OpenBSD isakmpd's -L does: every
 * message oakleyd sends or receives is written in plaintext as a UDP
 * datagram inside an IPv4 or IPv6 packet (LINKTYPE_RAW), so Wireshark and
 * tshark dissect it with no key. */
#ifndef OAKLEY_CAPTURE_CAPTURE_H
#define OAKLEY_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct capture;

/* Opens PATH for writing decrypted ISAKMP as LINKTYPE_RAW.
 * - A new file is created with mode 0600 (O_EXCL|O_NOFOLLOW), and a missing
 *   parent directory (one level, e.g. /var/run/oakley) with mode 0700.
 * - The directory must be root's or our euid's and not writable by group
 *   or others (-EPERM).
 * - An existing file is appended to only if it is not a symbolic link
 *   (-ELOOP), is a regular file (-ENOTSUP), is owned by root or by our euid
 *   (-EPERM), has one hard link (-EMLINK), and is a classic pcap file of LINKTYPE_RAW (-EINVAL
 * otherwise; also for a file in the other byte order, to which libpcap cannot append). The file
 * libpcap opened is checked to be the one that was examined. On a refusal, WHY gets a sentence
 * naming PATH.  Returns 0 or -errno. */
int capture_open(const char *path, struct capture **out, char *why, size_t whylen);
void capture_close(struct capture *c); /* NULL is fine */

/* What records in an open capture must look like. */
struct capture_format {
	bool nsec;	  /* timestamps in nanoseconds */
	unsigned snaplen; /* the file's snapshot length */
};

/* The descriptor records go to, and their format: for handing an open
 * capture to another process.  The capture keeps owning the descriptor. */
int capture_fd(const struct capture *c, struct capture_format *f);
/* A capture on FD that capture_open opened elsewhere (the file header is
 * written); takes FD.  0, -EINVAL (a bad format) or -ENOMEM. */
int capture_adopt(const char *path, int fd, const struct capture_format *f, struct capture **out);
const char *capture_path(const struct capture *c);

/* One ISAKMP message from SRC to DST (both sockaddr_in or both
 * sockaddr_in6, ports set), already decrypted with the header's encryption
 * flag cleared: an IPv4 (TTL 64, DF, header checksum) or IPv6 (hop limit
 * 64) packet with a UDP header and checksum.  If either port is 4500, the
 * non-ESP marker (RFC 3948) precedes the message.  Stamped with the current
 * time and flushed at once, so a reader sees it.  0 or -errno (-EMSGSIZE
 * when the datagram would not fit the IP length field). */
int capture_write(struct capture *c, const struct sockaddr *src, const struct sockaddr *dst,
		  const uint8_t *msg, size_t len);

#endif
