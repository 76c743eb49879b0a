/* The Wireshark key tables.  Each key goes out as one line in one write(2)
 * on an O_APPEND descriptor, so lines never interleave or tear, and the
 * stack copy of the line (keys in hex) is wiped right after. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <openssl/crypto.h>

#include "capture/file.h"
#include "capture/keys.h"

#define IKEV1_TABLE "ikev1_decryption_table"
#define ESP_TABLE   "esp_sa"
#define LINE_MAX_   1024 /* longer than any line of real names and keys */

struct keytables {
	char *dir;
	int ike_fd;
	int esp_fd;
};

/* A line being built; `over` once something did not fit. */
struct line {
	char s[LINE_MAX_];
	size_t n;
	bool over;
};

static void line_str(struct line *l, const char *s)
{
	size_t len = strlen(s);

	if (l->over || len > sizeof(l->s) - l->n) {
		l->over = true;
		return;
	}
	memcpy(l->s + l->n, s, len);
	l->n += len;
}

static void line_hex(struct line *l, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (l->over || len > (sizeof(l->s) - l->n) / 2) {
		l->over = true;
		return;
	}
	for (i = 0; i < len; i++) {
		l->s[l->n++] = digits[p[i] >> 4];
		l->s[l->n++] = digits[p[i] & 0xf];
	}
}

/* ,"text" (the first field has no comma). */
static void line_field(struct line *l, const char *text)
{
	line_str(l, l->n ? ",\"" : "\"");
	line_str(l, text);
	line_str(l, "\"");
}

/* ,"0x<hex>" or, for no key, ,"" */
static void line_key(struct line *l, const uint8_t *key, size_t len)
{
	line_str(l, len ? ",\"0x" : ",\"");
	line_hex(l, key, len);
	line_str(l, "\"");
}

static int line_write(int fd, struct line *l)
{
	ssize_t w;
	int err = 0;

	if (l->over) {
		err = -EMSGSIZE;
		goto out;
	}
	do
		w = write(fd, l->s, l->n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != l->n)
		err = -EIO; /* a torn line: the disk is full */
out:
	OPENSSL_cleanse(l, sizeof(*l));
	return err;
}

/* One table, DIR/NAME, opened relative to the directory's descriptor. */
static int open_table(const char *dir, int dfd, const char *name, int *fdp, char *why,
		      size_t whylen)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, err, bad;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		err = -errno;
		/* A symlink (ELOOP), directory (EISDIR), FIFO (ENXIO), or
		 * someone else's file: say which, as for one we could open. */
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			bad = file_check(path, &st, "keys", why, whylen);
			if (bad)
				return bad;
		}
		return file_refuse(why, whylen, err, "cannot open %s: %s", path, strerror(-err));
	}
	if (fstat(fd, &st) < 0) {
		err = file_refuse(why, whylen, -errno, "cannot examine %s: %s", path,
				  strerror(errno));
		goto out;
	}
	err = file_check(path, &st, "keys", why, whylen);
	if (err)
		goto out;
	if (fcntl(fd, F_SETFL, O_APPEND) < 0) /* blocking again, still appending */
		err = file_refuse(why, whylen, -errno, "cannot use %s: %s", path, strerror(errno));
out:
	if (err)
		close(fd);
	else
		*fdp = fd;
	return err;
}

int keys_open(const char *dir, struct keytables **out, char *why, size_t whylen)
{
	struct keytables *k;
	int dfd = -1, err;

	*out = NULL;
	if (why && whylen)
		why[0] = '\0';
	k = calloc(1, sizeof(*k));
	if (!k || !(k->dir = strdup(dir))) {
		free(k);
		return file_refuse(why, whylen, -ENOMEM, "cannot open %s: out of memory", dir);
	}
	k->ike_fd = k->esp_fd = -1;
	err = file_mkdir(dir, why, whylen);
	if (!err)
		err = file_check_dir(dir, "keys", why, whylen);
	if (err)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = file_refuse(why, whylen, -errno, "cannot open the directory %s: %s", dir,
				  strerror(errno));
		goto out;
	}
	err = open_table(dir, dfd, IKEV1_TABLE, &k->ike_fd, why, whylen);
	if (!err)
		err = open_table(dir, dfd, ESP_TABLE, &k->esp_fd, why, whylen);
out:
	if (dfd >= 0)
		close(dfd);
	if (err)
		keys_close(k);
	else
		*out = k;
	return err;
}

/* Nothing to wipe here: no key outlives the call that wrote it. */
void keys_close(struct keytables *k)
{
	if (!k)
		return;
	if (k->ike_fd >= 0)
		close(k->ike_fd);
	if (k->esp_fd >= 0)
		close(k->esp_fd);
	free(k->dir);
	free(k);
}

const char *keys_dir(const struct keytables *k)
{
	return k->dir;
}

int keys_ikev1(struct keytables *k, const uint8_t icookie[8], const uint8_t *key, size_t keylen)
{
	struct line l = {.n = 0};

	if (!keylen)
		return -EINVAL;
	line_hex(&l, icookie, 8);
	line_str(&l, ",");
	line_hex(&l, key, keylen);
	line_str(&l, "\n");
	return line_write(k->ike_fd, &l);
}

/* Wireshark reads the fields as quoted strings without escapes. */
static bool name_ok(const char *name)
{
	return name[strcspn(name, "\"\\\r\n")] == '\0';
}

static int addr_text(const struct sockaddr *sa, char *s, size_t len)
{
	const void *a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		return -EAFNOSUPPORT;
	return inet_ntop(sa->sa_family, a, s, (socklen_t)len) ? 0 : -errno;
}

int keys_esp(struct keytables *k, const struct sockaddr *src, const struct sockaddr *dst,
	     uint32_t spi, const char *enc_name, const uint8_t *enc_key, size_t enc_len,
	     const char *auth_name, const uint8_t *auth_key, size_t auth_len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], spi_hex[sizeof("0x12345678")];
	struct line l = {.n = 0};
	int err;

	if (!auth_name)
		auth_name = "NULL";
	if (src->sa_family != dst->sa_family || !name_ok(enc_name) || !name_ok(auth_name))
		return -EINVAL;
	err = addr_text(src, s, sizeof(s));
	if (!err)
		err = addr_text(dst, d, sizeof(d));
	if (err)
		return err;
	snprintf(spi_hex, sizeof(spi_hex), "0x%08x", spi);
	line_field(&l, src->sa_family == AF_INET6 ? "IPv6" : "IPv4");
	line_field(&l, s);
	line_field(&l, d);
	line_field(&l, spi_hex);
	line_field(&l, enc_name);
	line_key(&l, enc_key, enc_len);
	line_field(&l, auth_name);
	line_key(&l, auth_key, auth_len);
	line_str(&l, "\n");
	return line_write(k->esp_fd, &l);
}
