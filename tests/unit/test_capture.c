/* The decrypted-ISAKMP capture: records read back with libpcap and checked
 * byte by byte (IP and UDP headers, checksums recomputed here from a
 * pseudo-header written out by hand, the NAT-T marker, the message), then
 * dissected by tshark when it is installed; and the file rules: mode 0600,
 * appending to a valid capture, refusing anything else. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include <cmocka.h>

#include "capture/capture.h"

#define TSHARK "/usr/bin/tshark"

static char dir[] = "/tmp/test_capture.XXXXXX";
static char path[256];
static char why[512];

/* An odd length, so the checksums' last odd byte is covered. */
static const uint8_t msg[] = "an ISAKMP message in plaintext, odd";
#define MSG_LEN (sizeof(msg) - 1)

static struct sockaddr_storage sa(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	}
	return ss;
}

#define SA(a, p) ((const struct sockaddr *)(struct sockaddr_storage[1]){sa(a, p)})

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/test_capture.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/ike.pcap", dir);
	why[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The ones'-complement sum of 16-bit big-endian words (RFC 1071), written
 * here again rather than borrowed from the code under test. */
static uint32_t ones_sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* A datagram's checksum is right when the sum over pseudo-header, UDP
 * header (checksum included) and data is all ones. */
static void check_udp_sum(const uint8_t *pseudo, size_t pseudo_len, const uint8_t *udp,
			  size_t udp_len)
{
	uint8_t *all = malloc(pseudo_len + udp_len);

	assert_non_null(all);
	memcpy(all, pseudo, pseudo_len);
	memcpy(all + pseudo_len, udp, udp_len);
	assert_int_not_equal(udp[6] << 8 | udp[7], 0); /* present: 0 means none */
	assert_int_equal(ones_sum(all, pseudo_len + udp_len), 0xffff);
	free(all);
}

static void check_ipv4(const struct pcap_pkthdr *h, const uint8_t *p)
{
	uint8_t src[4], dst[4], pseudo[12];
	const uint8_t *udp = p + 20;
	size_t udp_len = 8 + MSG_LEN;

	inet_pton(AF_INET, "192.0.2.1", src);
	inet_pton(AF_INET, "198.51.100.2", dst);
	assert_int_equal(h->caplen, 20 + udp_len);
	assert_int_equal(h->len, 20 + udp_len);
	assert_int_equal(p[0], 0x45);
	assert_int_equal(p[2] << 8 | p[3], 20 + udp_len); /* total length */
	assert_int_equal(p[6], 0x40);			  /* DF */
	assert_int_equal(p[7], 0);
	assert_int_equal(p[8], 64); /* TTL */
	assert_int_equal(p[9], 17); /* UDP */
	assert_memory_equal(p + 12, src, 4);
	assert_memory_equal(p + 16, dst, 4);
	assert_int_equal(ones_sum(p, 20), 0xffff); /* header checksum */

	assert_int_equal(udp[0] << 8 | udp[1], 500);
	assert_int_equal(udp[2] << 8 | udp[3], 500);
	assert_int_equal(udp[4] << 8 | udp[5], udp_len);
	memcpy(pseudo, src, 4);
	memcpy(pseudo + 4, dst, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	check_udp_sum(pseudo, sizeof(pseudo), udp, udp_len);
	/* Port 500: no marker, the message right after the UDP header. */
	assert_memory_equal(udp + 8, msg, MSG_LEN);
}

static void check_ipv6(const struct pcap_pkthdr *h, const uint8_t *p)
{
	static const uint8_t marker[4] = {0, 0, 0, 0};
	uint8_t src[16], dst[16], pseudo[40];
	const uint8_t *udp = p + 40;
	size_t udp_len = 8 + 4 + MSG_LEN;

	inet_pton(AF_INET6, "2001:db8::1", src);
	inet_pton(AF_INET6, "2001:db8::2", dst);
	assert_int_equal(h->caplen, 40 + udp_len);
	assert_int_equal(h->len, 40 + udp_len);
	assert_int_equal(p[0] >> 4, 6);
	assert_int_equal(p[4] << 8 | p[5], udp_len); /* payload length */
	assert_int_equal(p[6], 17);		     /* next header: UDP */
	assert_int_equal(p[7], 64);		     /* hop limit */
	assert_memory_equal(p + 8, src, 16);
	assert_memory_equal(p + 24, dst, 16);

	assert_int_equal(udp[0] << 8 | udp[1], 4500);
	assert_int_equal(udp[2] << 8 | udp[3], 4500);
	assert_int_equal(udp[4] << 8 | udp[5], udp_len);
	/* RFC 8200 8.1: src, dst, 32-bit length, 3 zero bytes, next header. */
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	pseudo[34] = (uint8_t)(udp_len >> 8);
	pseudo[35] = (uint8_t)udp_len;
	pseudo[39] = 17;
	check_udp_sum(pseudo, sizeof(pseudo), udp, udp_len);
	assert_memory_equal(udp + 8, marker, 4);
	assert_memory_equal(udp + 12, msg, MSG_LEN);
}

static void write_two(const char *file)
{
	struct capture *c;

	assert_int_equal(capture_open(file, &c, why, sizeof(why)), 0);
	assert_string_equal(capture_path(c), file);
	assert_int_equal(
		capture_write(c, SA("192.0.2.1", 500), SA("198.51.100.2", 500), msg, MSG_LEN), 0);
	assert_int_equal(
		capture_write(c, SA("2001:db8::1", 4500), SA("2001:db8::2", 4500), msg, MSG_LEN),
		0);
	capture_close(c);
}

static int count_records(const char *file)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	pcap_t *pc;
	int n = 0;

	pc = pcap_open_offline(file, err);
	assert_non_null(pc);
	while (pcap_next_ex(pc, &h, &p) == 1)
		n++;
	pcap_close(pc);
	return n;
}

static void test_records(void **state)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	uint8_t head[24];
	time_t before = time(NULL);
	pcap_t *pc;
	FILE *fp;

	write_two(path);

	/* LINKTYPE_RAW in the file itself, not only as libpcap maps it. */
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(head, 1, sizeof(head), fp), sizeof(head));
	fclose(fp);
	assert_int_equal(head[20] | head[21] << 8 | head[22] << 16 | head[23] << 24, 101);

	pc = pcap_open_offline(path, err);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), DLT_RAW);
	assert_int_equal(pcap_next_ex(pc, &h, &p), 1);
	assert_true(h->ts.tv_sec >= before && h->ts.tv_sec <= time(NULL));
	check_ipv4(h, p);
	assert_int_equal(pcap_next_ex(pc, &h, &p), 1);
	check_ipv6(h, p);
	assert_int_equal(pcap_next_ex(pc, &h, &p), PCAP_ERROR_BREAK); /* two, no more */
	pcap_close(pc);
}

/* Visible to a reader before close: each record is flushed. */
static void test_flushed(void **state)
{
	struct capture *c;

	assert_int_equal(capture_open(path, &c, why, sizeof(why)), 0);
	assert_int_equal(
		capture_write(c, SA("192.0.2.1", 500), SA("198.51.100.2", 500), msg, MSG_LEN), 0);
	assert_int_equal(count_records(path), 1);
	capture_close(c);
}

static void test_bad_writes(void **state)
{
	static uint8_t big[65536];
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	struct capture *c;
	pcap_t *pc;

	assert_int_equal(capture_open(path, &c, why, sizeof(why)), 0);
	assert_int_equal(
		capture_write(c, SA("192.0.2.1", 500), SA("2001:db8::2", 500), msg, MSG_LEN),
		-EAFNOSUPPORT);
	/* IPv4's total length counts its header: 20 + 8 + 65507 is the most it
	 * says; IPv6's payload length does not: 8 + 65527. */
	assert_int_equal(
		capture_write(c, SA("192.0.2.1", 500), SA("198.51.100.2", 500), big, 65507), 0);
	assert_int_equal(
		capture_write(c, SA("192.0.2.1", 500), SA("198.51.100.2", 500), big, 65508),
		-EMSGSIZE);
	assert_int_equal(capture_write(c, SA("::1", 500), SA("::2", 500), big, 65527), 0);
	assert_int_equal(capture_write(c, SA("::1", 500), SA("::2", 500), big, 65528), -EMSGSIZE);
	capture_close(c);

	/* The IPv6 packet is longer than the snapshot length: cut there. */
	pc = pcap_open_offline(path, err);
	assert_non_null(pc);
	assert_int_equal(pcap_next_ex(pc, &h, &p), 1);
	assert_int_equal(h->len, 65535);
	assert_int_equal(h->caplen, 65535);
	assert_int_equal(pcap_next_ex(pc, &h, &p), 1);
	assert_int_equal(h->len, 40 + 8 + 65527);
	assert_int_equal(h->caplen, 65535);
	assert_int_equal(p[4] << 8 | p[5], 8 + 65527);
	assert_int_equal(pcap_next_ex(pc, &h, &p), PCAP_ERROR_BREAK);
	pcap_close(pc);
}

static void test_mode_and_parent(void **state)
{
	char sub[300], file[320];
	struct stat st;

	write_two(path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	snprintf(sub, sizeof(sub), "%s/oakley", dir);
	snprintf(file, sizeof(file), "%s/ike.pcap", sub);
	write_two(file);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(count_records(file), 2);
}

static void test_append(void **state)
{
	struct capture *c;

	write_two(path);
	assert_int_equal(count_records(path), 2);
	assert_int_equal(capture_open(path, &c, why, sizeof(why)), 0);
	assert_int_equal(
		capture_write(c, SA("198.51.100.2", 500), SA("192.0.2.1", 500), msg, MSG_LEN), 0);
	capture_close(c);
	assert_int_equal(count_records(path), 3);
}

/* A nanosecond capture (tcpdump --nano) gets nanosecond stamps. */
static void test_append_nsec(void **state)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	struct timespec t0, t1;
	struct capture *c;
	pcap_t *pc;
	pcap_dumper_t *d;
	long long ns, lo, hi;

	pc = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
	assert_non_null(pc);
	d = pcap_dump_open(pc, path);
	assert_non_null(d);
	pcap_dump_close(d);
	pcap_close(pc);

	clock_gettime(CLOCK_REALTIME, &t0);
	assert_int_equal(capture_open(path, &c, why, sizeof(why)), 0);
	assert_int_equal(
		capture_write(c, SA("192.0.2.1", 500), SA("198.51.100.2", 500), msg, MSG_LEN), 0);
	capture_close(c);
	clock_gettime(CLOCK_REALTIME, &t1);

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	assert_non_null(pc);
	assert_int_equal(pcap_next_ex(pc, &h, &p), 1);
	check_ipv4(h, p);
	ns = (long long)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
	lo = (long long)t0.tv_sec * 1000000000 + t0.tv_nsec;
	hi = (long long)t1.tv_sec * 1000000000 + t1.tv_nsec;
	assert_true(ns >= lo && ns <= hi);
	pcap_close(pc);
}

static void write_file(const char *file, const void *data, size_t len)
{
	FILE *fp = fopen(file, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static off_t size_of(const char *file)
{
	struct stat st;

	assert_int_equal(lstat(file, &st), 0);
	return st.st_size;
}

static void refused(int want, const char *what)
{
	struct capture *c = (void *)1;

	assert_int_equal(capture_open(path, &c, why, sizeof(why)), want);
	assert_null(c);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, what));
}

static void test_refuse_symlink(void **state)
{
	char target[300];

	snprintf(target, sizeof(target), "%s/target.pcap", dir);
	write_two(target);
	assert_int_equal(symlink(target, path), 0);
	refused(-ELOOP, "symbolic link");
	assert_int_equal(count_records(target), 2);
}

static void test_refuse_linktype(void **state)
{
	pcap_dumper_t *d;
	pcap_t *pc;
	off_t size;

	pc = pcap_open_dead(DLT_EN10MB, 65535);
	assert_non_null(pc);
	d = pcap_dump_open(pc, path);
	assert_non_null(d);
	pcap_dump_close(d);
	pcap_close(pc);
	size = size_of(path);
	refused(-EINVAL, "link type 1,");
	assert_int_equal(size_of(path), size);
}

static void test_refuse_not_pcap(void **state)
{
	static const char text[] = "not a capture, a text file someone cares about\n";

	write_file(path, text, sizeof(text) - 1);
	refused(-EINVAL, "not a pcap file");
	assert_int_equal(size_of(path), sizeof(text) - 1);
	/* Nor an empty file, nor a bare magic number. */
	write_file(path, "", 0);
	refused(-EINVAL, "not a pcap file");
	write_file(path, "\xd4\xc3\xb2\xa1", 4);
	refused(-EINVAL, "not a pcap file");
}

/* A raw-IP pcap written big-endian: a pcap, but libpcap cannot append. */
static void test_refuse_swapped(void **state)
{
	static const uint8_t be[24] = {0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0,	   4,	 0, 0, 0, 0,
				       0,    0,	   0,	 0,    0, 0, 0xff, 0xff, 0, 0, 0, 101};

	write_file(path, be, sizeof(be));
	refused(-EINVAL, "other byte order");
	assert_int_equal(size_of(path), sizeof(be));
}

static void test_refuse_owner(void **state)
{
	write_two(path);
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	assert_int_equal(chown(path, 65534, 65534), 0);
	refused(-EPERM, "owned by uid 65534");
	assert_int_equal(count_records(path), 2);
}

/* A second name for the file could be anywhere: refused. */
static void test_refuse_hardlink(void **state)
{
	char other[300];

	write_two(path);
	snprintf(other, sizeof(other), "%s/other-name", dir);
	assert_int_equal(link(path, other), 0);
	refused(-EMLINK, "2 hard links");
	assert_int_equal(count_records(path), 2);
}

/* Refused for its directory: WHY names the directory. */
static void refused_dir(const char *what)
{
	struct capture *c = (void *)1;

	assert_int_equal(capture_open(path, &c, why, sizeof(why)), -EPERM);
	assert_null(c);
	assert_non_null(strstr(why, dir));
	assert_non_null(strstr(why, what));
}

/* A directory others may write (even sticky, as /tmp) or another user's. */
static void test_refuse_parent(void **state)
{
	static const mode_t bad[] = {0777, 01777, 0770, 0702};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(dir, bad[i]), 0);
		refused_dir("group or others may write the directory");
		assert_int_equal(access(path, F_OK), -1); /* not created */
	}
	assert_int_equal(chmod(dir, 0755), 0);
	write_two(path);
	assert_int_equal(chown(dir, 65534, 65534), 0); /* the tests run as root */
	refused_dir("is owned by uid 65534, neither root nor us");
	assert_int_equal(chown(dir, 0, 0), 0);
}

static void test_refuse_directory(void **state)
{
	assert_int_equal(mkdir(path, 0700), 0);
	refused(-ENOTSUP, "not a regular file");
}

/* Runs tshark on FILE; its standard output into out.  Exit status. */
static int tshark(const char *file, char *out, size_t outlen)
{
	char cmd[1024];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 TSHARK " -r %s -T fields -e ip.checksum.status -e udp.checksum.status "
			"-e isakmp.exchangetype -e udpencap.non_esp_marker -e isakmp.nextpayload "
			"-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE 2>/dev/null",
		 file);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	return pclose(p);
}

/* Wireshark, knowing no key, reads our records as ISAKMP: a Main Mode
 * header and a Vendor ID payload, over port 500 and, behind the non-ESP
 * marker, over port 4500. */
static void test_tshark(void **state)
{
	static const uint8_t isakmp[] = {
		/* ISAKMP header: cookies, next payload VID (13), version 1.0,
		 * exchange 2 (Identity Protection), flags 0, message ID 0,
		 * length 28 + 20 */
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
		0x32, 0x10, 13, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 48,
		/* Vendor ID payload: no next, length 4 + 16 (RFC 3706 DPD) */
		0, 0, 0, 20, 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc,
		0x77, 0x57, 0x01, 0x00};
	struct capture *c;
	char out[1024];

	if (access(TSHARK, X_OK) != 0)
		skip();
	assert_int_equal(capture_open(path, &c, why, sizeof(why)), 0);
	assert_int_equal(capture_write(c, SA("192.0.2.1", 500), SA("198.51.100.2", 500), isakmp,
				       sizeof(isakmp)),
			 0);
	assert_int_equal(capture_write(c, SA("2001:db8::1", 4500), SA("2001:db8::2", 4500), isakmp,
				       sizeof(isakmp)),
			 0);
	capture_close(c);
	assert_int_equal(tshark(path, out, sizeof(out)), 0);
	/* Checksum status 1 is Wireshark's "Good" (0 Bad, 2 Unverified), for
	 * the IPv4 header and both UDP datagrams; exchange type 2; the
	 * non-ESP marker (a present/absent field) only on 4500; the next
	 * payload fields of the header (VID) and of the VID payload (none). */
	assert_string_equal(out, "1\t1\t2\t\t13,0\n"
				 "\t1\t2\t1\t13,0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flushed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_and_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_nsec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_linktype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_not_pcap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_hardlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tshark, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
