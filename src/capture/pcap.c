/* The capture file: opened, created or appended to only when it is safely
 * ours, then one record per ISAKMP message, each an IP packet holding the
 * UDP datagram as it was (or would have been) on the wire, in plaintext. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <pcap/pcap.h>

#include "capture/capture.h"
#include "capture/file.h"
#include "util/buf.h"

#define LINKTYPE_RAW	101 /* in the file; DLT_RAW is 12 or 14 in the API */
#define PCAP_MAGIC_US	0xa1b2c3d4u
#define PCAP_MAGIC_NS	0xa1b23c4du
#define PCAP_HDR_LEN	24
#define CAPTURE_SNAPLEN 65535
#define NATT_PORT	4500
#define IP4_HDR_LEN	20
#define IP6_HDR_LEN	40
#define UDP_HDR_LEN	8
#define NON_ESP_LEN	4 /* RFC 3948 2.2: four zero octets where an SPI would be */
#define IP_TTL_OURS	64

#define PCAP_REC_HDR_LEN 16 /* seconds, fraction, captured and wire length */

/* libpcap writes the file header; the records go out on FD, each in one
 * write(2), so the descriptor can be opened in one process and used in
 * another (the privileged helper opens it, the daemon writes to it). */
struct capture {
	char *path;
	pcap_t *dead; /* only while opening */
	pcap_dumper_t *dump;
	int fd;
	bool nsec;	  /* the file's timestamps are in nanoseconds */
	unsigned snaplen; /* the file's: a record holds at most this much */
	struct buf pkt;	  /* the record being written; wiped after each */
};

/* What the header of an existing file says, in host order. */
struct pcap_head {
	bool swapped;
	bool nsec;
	uint16_t major, minor;
	uint32_t snaplen, linktype;
};

static uint32_t swap32(uint32_t v, bool swapped)
{
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t swap16(uint16_t v, bool swapped)
{
	return swapped ? __builtin_bswap16(v) : v;
}

/* The classic pcap header, of either byte order; false: not such a file. */
static bool pcap_head_parse(const uint8_t h[PCAP_HDR_LEN], struct pcap_head *ph)
{
	uint32_t magic, u32;
	uint16_t u16;

	memcpy(&magic, h, 4);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS)
		ph->swapped = false;
	else if (magic == __builtin_bswap32(PCAP_MAGIC_US) ||
		 magic == __builtin_bswap32(PCAP_MAGIC_NS))
		ph->swapped = true;
	else
		return false;
	ph->nsec = swap32(magic, ph->swapped) == PCAP_MAGIC_NS;
	memcpy(&u16, h + 4, 2);
	ph->major = swap16(u16, ph->swapped);
	memcpy(&u16, h + 6, 2);
	ph->minor = swap16(u16, ph->swapped);
	memcpy(&u32, h + 16, 4);
	ph->snaplen = swap32(u32, ph->swapped);
	memcpy(&u32, h + 20, 4);
	ph->linktype = swap32(u32, ph->swapped);
	return true;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Reads the header of the file lstat saw as ST, through a descriptor that
 * is checked to be that file (O_NONBLOCK: a FIFO put there since would
 * otherwise block the open). */
static int read_head(const char *path, const struct stat *st, struct pcap_head *ph, char *why,
		     size_t whylen)
{
	uint8_t h[PCAP_HDR_LEN];
	struct stat fst;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return file_refuse(why, whylen, -errno, "cannot open %s: %s", path,
				   strerror(errno));
	if (fstat(fd, &fst) < 0 || !same_file(st, &fst)) {
		err = file_refuse(why, whylen, -EAGAIN,
				  "%s changed while it was being examined: try again", path);
		goto out;
	}
	n = pread(fd, h, sizeof(h), 0);
	if (n < 0) {
		err = file_refuse(why, whylen, -errno, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (n < (ssize_t)sizeof(h) || !pcap_head_parse(h, ph))
		err = file_refuse(why, whylen, -EINVAL,
				  "%s is not a pcap file (classic libpcap format): refusing to "
				  "append a capture to it",
				  path);
out:
	close(fd);
	return err;
}

/* The header must promise what our records are: raw IP, whole messages. */
static int check_head(const char *path, const struct pcap_head *ph, char *why, size_t whylen)
{
	if (ph->linktype != LINKTYPE_RAW)
		return file_refuse(why, whylen, -EINVAL,
				   "%s is a pcap file of link type %u, not LINKTYPE_RAW (%u): "
				   "refusing to append a capture to it",
				   path, ph->linktype, LINKTYPE_RAW);
	if (ph->swapped)
		return file_refuse(why, whylen, -EINVAL,
				   "%s is a pcap file in the other byte order, to which libpcap "
				   "cannot append: refusing it",
				   path);
	if (ph->major != PCAP_VERSION_MAJOR || ph->minor != PCAP_VERSION_MINOR)
		return file_refuse(why, whylen, -EINVAL,
				   "%s is a pcap file of version %u.%u, not %u.%u: refusing to "
				   "append a capture to it",
				   path, ph->major, ph->minor, PCAP_VERSION_MAJOR,
				   PCAP_VERSION_MINOR);
	if (ph->snaplen < CAPTURE_SNAPLEN || ph->snaplen > INT_MAX)
		return file_refuse(
			why, whylen, -EINVAL,
			"%s is a pcap file with a snapshot length of %u, which would cut "
			"messages short: refusing to append a capture to it",
			path, ph->snaplen);
	return 0;
}

static int open_existing(struct capture *c, const struct stat *st, char *why, size_t whylen)
{
	struct pcap_head ph = {0};
	struct stat fst;
	int err, fd;

	err = file_check(c->path, st, "a capture", why, whylen);
	if (err)
		return err;
	err = read_head(c->path, st, &ph, why, whylen);
	if (err)
		return err;
	err = check_head(c->path, &ph, why, whylen);
	if (err)
		return err;
	c->nsec = ph.nsec;
	c->snaplen = ph.snaplen;
	c->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, (int)ph.snaplen,
						       ph.nsec ? PCAP_TSTAMP_PRECISION_NANO
							       : PCAP_TSTAMP_PRECISION_MICRO);
	if (!c->dead)
		return file_refuse(why, whylen, -ENOMEM, "cannot write %s: out of memory", c->path);
	/* libpcap opens by name, and the name may have been pointed elsewhere
	 * since we looked.  Before this check libpcap has written nothing to a
	 * non-empty file (it reads the header and seeks to the end); only an
	 * empty one swapped in would have got a header. */
	errno = 0;
	c->dump = pcap_dump_open_append(c->dead, c->path);
	if (!c->dump)
		return file_refuse(why, whylen, errno ? -errno : -EIO, "cannot append to %s: %s",
				   c->path, pcap_geterr(c->dead));
	fd = fileno(pcap_dump_file(c->dump));
	if (fstat(fd, &fst) < 0 || !same_file(st, &fst))
		return file_refuse(why, whylen, -EAGAIN,
				   "%s changed while it was being opened: try again", c->path);
	return 0;
}

/* The directory a capture goes in, e.g. /var/run/oakley, one level deep. */
static int make_parent(const char *path, char *why, size_t whylen)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int err;

	if (!slash || slash == path)
		return 0;
	dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	err = file_mkdir(dir, why, whylen);
	free(dir);
	return err;
}

static int create_new(struct capture *c, char *why, size_t whylen)
{
	FILE *fp;
	int fd, err;

	fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return file_refuse(why, whylen, -errno, "cannot create %s: %s", c->path,
				   strerror(errno));
	c->snaplen = CAPTURE_SNAPLEN;
	c->dead = pcap_open_dead(DLT_RAW, CAPTURE_SNAPLEN);
	fp = fdopen(fd, "w");
	if (!c->dead || !fp) {
		err = file_refuse(why, whylen, -ENOMEM, "cannot write %s: out of memory", c->path);
		if (fp)
			fclose(fp);
		else
			close(fd);
		goto fail;
	}
	c->dump = pcap_dump_fopen(c->dead, fp); /* owns fp from here on */
	if (!c->dump) {
		err = file_refuse(why, whylen, -EIO, "cannot write %s: %s", c->path,
				  pcap_geterr(c->dead));
		fclose(fp);
		goto fail;
	}
	if (pcap_dump_flush(c->dump) < 0) {
		err = file_refuse(why, whylen, -EIO, "cannot write %s: %s", c->path,
				  strerror(errno));
		goto fail;
	}
	return 0;
fail:
	/* Gone, so that a retry does not find a file that is not pcap. */
	unlink(c->path);
	return err;
}

static struct capture *capture_alloc(const char *path)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = -1;
	buf_init(&c->pkt);
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return NULL;
	}
	return c;
}

/* From here on the records go to our own descriptor (O_CLOEXEC: scripts
 * we run must not get it; O_APPEND: each record lands at the end). */
static int take_fd(struct capture *c, char *why, size_t whylen)
{
	int fd = fileno(pcap_dump_file(c->dump));

	c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (c->fd < 0 || fcntl(c->fd, F_SETFL, O_WRONLY | O_APPEND) < 0)
		return file_refuse(why, whylen, -errno, "cannot use %s: %s", c->path,
				   strerror(errno));
	pcap_dump_close(c->dump);
	c->dump = NULL;
	pcap_close(c->dead);
	c->dead = NULL;
	return 0;
}

int capture_open(const char *path, struct capture **out, char *why, size_t whylen)
{
	struct capture *c;
	struct stat st;
	int err;

	*out = NULL;
	if (why && whylen)
		why[0] = '\0';
	c = capture_alloc(path);
	if (!c) {
		err = file_refuse(why, whylen, -ENOMEM, "cannot open %s: out of memory", path);
		goto out;
	}
	err = make_parent(path, why, whylen);
	if (!err)
		err = file_check_parent(path, "a capture", why, whylen);
	if (err)
		goto out;
	if (lstat(path, &st) == 0)
		err = open_existing(c, &st, why, whylen);
	else if (errno == ENOENT)
		err = create_new(c, why, whylen);
	else
		err = file_refuse(why, whylen, -errno, "cannot examine %s: %s", path,
				  strerror(errno));
	if (!err)
		err = take_fd(c, why, whylen);
out:
	if (err)
		capture_close(c);
	else
		*out = c;
	return err;
}

int capture_adopt(const char *path, int fd, const struct capture_format *f, struct capture **out)
{
	struct capture *c;

	*out = NULL;
	if (!f->snaplen || f->snaplen > INT_MAX)
		return -EINVAL;
	c = capture_alloc(path);
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->nsec = f->nsec;
	c->snaplen = f->snaplen;
	*out = c;
	return 0;
}

int capture_fd(const struct capture *c, struct capture_format *f)
{
	f->nsec = c->nsec;
	f->snaplen = c->snaplen;
	return c->fd;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->dump)
		pcap_dump_close(c->dump);
	if (c->dead)
		pcap_close(c->dead);
	if (c->fd >= 0)
		close(c->fd);
	buf_free(&c->pkt);
	free(c->path);
	free(c);
}

const char *capture_path(const struct capture *c)
{
	return c->path;
}

/* The Internet checksum (RFC 1071): a ones'-complement sum of 16-bit words,
 * carried along in 32 bits and folded at the end. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		acc += get_u16(p);
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static void put_ip4(uint8_t *ip, const struct sockaddr_in *s, const struct sockaddr_in *d,
		    size_t total)
{
	ip[0] = 0x45; /* version 4, 5 words of header */
	put_u16(ip + 2, (uint16_t)total);
	put_u16(ip + 6, 0x4000); /* DF; identification 0 is fine then (RFC 6864) */
	ip[8] = IP_TTL_OURS;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &s->sin_addr, 4);
	memcpy(ip + 16, &d->sin_addr, 4);
	put_u16(ip + 10, fold(sum16(0, ip, IP4_HDR_LEN)));
}

static void put_ip6(uint8_t *ip, const struct sockaddr_in6 *s, const struct sockaddr_in6 *d,
		    size_t payload)
{
	ip[0] = 0x60; /* version 6, traffic class and flow label 0 */
	put_u16(ip + 4, (uint16_t)payload);
	ip[6] = IPPROTO_UDP;
	ip[7] = IP_TTL_OURS;
	memcpy(ip + 8, &s->sin6_addr, 16);
	memcpy(ip + 24, &d->sin6_addr, 16);
}

/* The UDP checksum covers a pseudo-header of the IP addresses, protocol
 * and UDP length (RFC 768; RFC 8200 8.1), which sit in the IP header. */
static void put_udp_sum(uint8_t *udp, const uint8_t *addrs, size_t addrs_len, size_t udp_len)
{
	uint32_t acc;
	uint16_t sum;

	acc = sum16(0, addrs, addrs_len);
	acc += IPPROTO_UDP + (uint32_t)(udp_len >> 16) + (uint32_t)(udp_len & 0xffff);
	acc = sum16(acc, udp, udp_len);
	sum = fold(acc);
	put_u16(udp + 6, sum ? sum : 0xffff); /* 0 would mean "no checksum" */
}

static uint16_t port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

/* The whole packet into b: IP header, UDP header, marker, message. */
static int frame(struct buf *b, const struct sockaddr *src, const struct sockaddr *dst,
		 const uint8_t *msg, size_t len)
{
	bool v6 = src->sa_family == AF_INET6;
	uint16_t sport = port_of(src), dport = port_of(dst);
	bool natt = sport == NATT_PORT || dport == NATT_PORT;
	size_t iplen = v6 ? IP6_HDR_LEN : IP4_HDR_LEN;
	size_t udplen = UDP_HDR_LEN + (natt ? NON_ESP_LEN : 0) + len;
	uint8_t *p, *udp;

	/* IPv4 counts its header in the total length; IPv6 and UDP do not. */
	if (udplen > UINT16_MAX || (!v6 && iplen + udplen > UINT16_MAX))
		return -EMSGSIZE;
	p = buf_reserve(b, iplen + udplen); /* zeroed: marker, reserved fields */
	if (!p)
		return -ENOMEM;
	udp = p + iplen;
	put_u16(udp, sport);
	put_u16(udp + 2, dport);
	put_u16(udp + 4, (uint16_t)udplen);
	if (len)
		memcpy(udp + udplen - len, msg, len);
	if (v6) {
		put_ip6(p, (const void *)src, (const void *)dst, udplen);
		put_udp_sum(udp, p + 8, 32, udplen);
	} else {
		put_ip4(p, (const void *)src, (const void *)dst, iplen + udplen);
		put_udp_sum(udp, p + 12, 8, udplen);
	}
	return 0;
}

/* The record header as libpcap writes it: four 32-bit words in the byte
 * order of this host (the file's, since other orders are refused). */
static void put_rec_hdr(uint8_t *p, const struct capture *c, size_t len)
{
	struct timespec now;
	uint32_t w[4];

	clock_gettime(CLOCK_REALTIME, &now); /* gettimeofday's clock, to the ns */
	w[0] = (uint32_t)now.tv_sec;
	w[1] = (uint32_t)(c->nsec ? now.tv_nsec : now.tv_nsec / 1000);
	w[2] = (uint32_t)(len < c->snaplen ? len : c->snaplen);
	w[3] = (uint32_t)len;
	memcpy(p, w, sizeof(w));
}

int capture_write(struct capture *c, const struct sockaddr *src, const struct sockaddr *dst,
		  const uint8_t *msg, size_t len)
{
	size_t pktlen, reclen;
	ssize_t w;
	int err;

	if (src->sa_family != dst->sa_family ||
	    (src->sa_family != AF_INET && src->sa_family != AF_INET6))
		return -EAFNOSUPPORT;
	buf_reset(&c->pkt);
	if (!buf_reserve(&c->pkt, PCAP_REC_HDR_LEN)) {
		err = -ENOMEM;
		goto out;
	}
	err = frame(&c->pkt, src, dst, msg, len);
	if (err)
		goto out;
	pktlen = c->pkt.len - PCAP_REC_HDR_LEN;
	put_rec_hdr(c->pkt.data, c, pktlen);
	reclen = PCAP_REC_HDR_LEN + (pktlen < c->snaplen ? pktlen : c->snaplen);
	do
		w = write(c->fd, c->pkt.data, reclen);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != reclen)
		err = -EIO; /* a torn record: the disk is full */
out:
	buf_reset(&c->pkt); /* plaintext of an encrypted exchange: wiped */
	return err;
}
