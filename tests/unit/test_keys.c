/* The Wireshark key tables: the exact lines (formats as Wireshark's UAT
 * files and strongSwan's save-keys plugin have them), the file rules, and,
 * when tshark is installed, Wireshark itself loading both tables and
 * decrypting and authenticating ESP packets built here with the keys. */
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
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <cmocka.h>

#include "capture/keys.h"

#define TSHARK "/usr/bin/tshark"

static char dir[] = "/tmp/test_keys.XXXXXX";
static char ike_path[256], esp_path[256];
static char why[512];

static const uint8_t icookie[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t key16[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t key20[20] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
				  0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3};

static struct sockaddr_storage sa(const char *addr)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(500);
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(500);
	}
	return ss;
}

#define SA(a) ((const struct sockaddr *)(struct sockaddr_storage[1]){sa(a)})

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/test_keys.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(ike_path, sizeof(ike_path), "%s/ikev1_decryption_table", dir);
	snprintf(esp_path, sizeof(esp_path), "%s/esp_sa", dir);
	why[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void assert_file(const char *file, const char *want)
{
	char got[4096];
	size_t n;
	FILE *fp;

	fp = fopen(file, "r");
	assert_non_null(fp);
	n = fread(got, 1, sizeof(got) - 1, fp);
	got[n] = '\0';
	fclose(fp);
	assert_string_equal(got, want);
}

static struct keytables *open_ok(void)
{
	struct keytables *k;

	assert_int_equal(keys_open(dir, &k, why, sizeof(why)), 0);
	assert_string_equal(keys_dir(k), dir);
	return k;
}

static void test_ikev1_line(void **state)
{
	struct keytables *k = open_ok();

	assert_int_equal(keys_ikev1(k, icookie, key16, sizeof(key16)), 0);
	assert_int_equal(keys_ikev1(k, icookie, key16, 0), -EINVAL);
	keys_close(k);
	assert_file(ike_path, "0123456789abcdef,00112233445566778899aabbccddeeff\n");
	assert_file(esp_path, "");
}

static void test_esp_lines(void **state)
{
	struct keytables *k = open_ok();

	assert_int_equal(keys_esp(k, SA("192.0.2.1"), SA("198.51.100.2"), 0xc0ffee01,
				  "AES-CBC [RFC3602]", key16, sizeof(key16),
				  "HMAC-SHA-1-96 [RFC2404]", key20, sizeof(key20)),
			 0);
	/* IPv6, and AES-GCM: key and salt, no separate integrity. */
	assert_int_equal(keys_esp(k, SA("2001:db8::1"), SA("2001:db8::2"), 0x1234,
				  "AES-GCM with 16 octet ICV [RFC4106]", key20, sizeof(key20), NULL,
				  NULL, 0),
			 0);
	/* ESP-NULL: no encryption key, integrity only. */
	assert_int_equal(keys_esp(k, SA("198.51.100.2"), SA("192.0.2.1"), 0, "NULL", NULL, 0,
				  "HMAC-SHA-1-96 [RFC2404]", key20, sizeof(key20)),
			 0);
	keys_close(k);
	assert_file(esp_path,
		    "\"IPv4\",\"192.0.2.1\",\"198.51.100.2\",\"0xc0ffee01\",\"AES-CBC "
		    "[RFC3602]\",\"0x00112233445566778899aabbccddeeff\",\"HMAC-SHA-1-96 "
		    "[RFC2404]\",\"0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\"\n"
		    "\"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0x00001234\",\"AES-GCM with 16 "
		    "octet ICV [RFC4106]\",\"0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\","
		    "\"NULL\",\"\"\n"
		    "\"IPv4\",\"198.51.100.2\",\"192.0.2.1\",\"0x00000000\",\"NULL\",\"\","
		    "\"HMAC-SHA-1-96 [RFC2404]\",\"0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\"\n");
	assert_file(ike_path, "");
}

static void test_esp_bad(void **state)
{
	struct keytables *k = open_ok();
	static uint8_t huge[1024];

	assert_int_equal(
		keys_esp(k, SA("192.0.2.1"), SA("2001:db8::2"), 1, "NULL", NULL, 0, NULL, NULL, 0),
		-EINVAL);
	assert_int_equal(
		keys_esp(k, SA("192.0.2.1"), SA("192.0.2.2"), 1, "A\",\"B", NULL, 0, NULL, NULL, 0),
		-EINVAL);
	assert_int_equal(
		keys_esp(k, SA("192.0.2.1"), SA("192.0.2.2"), 1, "NULL", NULL, 0, "X\nY", NULL, 0),
		-EINVAL);
	assert_int_equal(keys_esp(k, SA("192.0.2.1"), SA("192.0.2.2"), 1, "AES-CBC [RFC3602]", huge,
				  sizeof(huge), NULL, NULL, 0),
			 -EMSGSIZE);
	keys_close(k);
	assert_file(esp_path, ""); /* nothing half-written */
}

static void test_modes_and_append(void **state)
{
	struct keytables *k;
	struct stat st;

	/* The directory is created too, 0700. */
	assert_int_equal(rmdir(dir), 0);
	k = open_ok();
	assert_int_equal(keys_ikev1(k, icookie, key16, 4), 0);
	keys_close(k);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(ike_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(esp_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	k = open_ok();
	assert_int_equal(keys_ikev1(k, key16 + 8, key16 + 12, 4), 0);
	keys_close(k);
	assert_file(ike_path, "0123456789abcdef,00112233\n"
			      "8899aabbccddeeff,ccddeeff\n");
}

static void refused(int want, const char *file, const char *what)
{
	struct keytables *k = (void *)1;

	assert_int_equal(keys_open(dir, &k, why, sizeof(why)), want);
	assert_null(k);
	assert_non_null(strstr(why, file));
	assert_non_null(strstr(why, what));
}

static void test_refuse_symlink(void **state)
{
	char target[300];
	FILE *fp;

	snprintf(target, sizeof(target), "%s/target", dir);
	fp = fopen(target, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(symlink(target, esp_path), 0);
	refused(-ELOOP, esp_path, "symbolic link");
	assert_file(target, "");
	/* Dangling: not created through the link either. */
	assert_int_equal(unlink(target), 0);
	refused(-ELOOP, esp_path, "symbolic link");
	assert_int_equal(access(target, F_OK), -1);
}

static void test_refuse_other(void **state)
{
	FILE *fp;

	assert_int_equal(mkdir(ike_path, 0700), 0);
	refused(-ENOTSUP, ike_path, "not a regular file");
	assert_int_equal(rmdir(ike_path), 0);
	assert_int_equal(mkfifo(ike_path, 0600), 0);
	refused(-ENOTSUP, ike_path, "not a regular file");
	assert_int_equal(unlink(ike_path), 0);

	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	fp = fopen(esp_path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(chown(esp_path, 65534, 65534), 0);
	refused(-EPERM, esp_path, "owned by uid 65534");
}

/* The key tables' directory: not writable by others (sticky or not), not
 * another user's; and a table with a second name is refused. */
static void test_refuse_dir_and_links(void **state)
{
	static const mode_t bad[] = {0777, 01777, 0775, 0722};
	char other[300];
	struct keytables *k;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(dir, bad[i]), 0);
		refused(-EPERM, dir, "group or others may write the directory");
		assert_int_equal(access(ike_path, F_OK), -1); /* nothing created */
	}
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0); /* the tests run as root */
	refused(-EPERM, dir, "owned by uid 65534, neither root nor us");
	assert_int_equal(chown(dir, 0, 0), 0);

	k = open_ok();
	keys_close(k);
	snprintf(other, sizeof(other), "%s/other-name", dir);
	assert_int_equal(link(esp_path, other), 0);
	refused(-EMLINK, esp_path, "2 hard links");
}

/* ESP in transport mode with AES-128-CBC and HMAC-SHA1-96 (RFC 4303,
 * 3602, 2404) carrying a UDP datagram 1234 -> 5678 "hello", inside an IP
 * packet from src to dst.  Returns the packet's length. */
static size_t esp_packet(uint8_t *pkt, const char *src, const char *dst, uint32_t spi)
{
	static const uint8_t iv[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
				       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	/* UDP header and data, one byte of padding, pad length, next header */
	static const uint8_t plain[16] = {0x04, 0xd2, 0x16, 0x2e, 0,   13, 0, 0,
					  'h',	'e',  'l',  'l',  'o', 1,  1, 17};
	bool v6 = strchr(src, ':') != NULL;
	size_t ip = v6 ? 40 : 20, esp_len = 8 + 16 + 16 + 12, n, icv_len;
	uint8_t *esp = pkt + ip, icv[20];
	EVP_CIPHER_CTX *ctx;
	int len;

	memset(pkt, 0, ip);
	if (v6) {
		pkt[0] = 0x60;
		pkt[4] = 0;
		pkt[5] = (uint8_t)esp_len;
		pkt[6] = 50; /* ESP */
		pkt[7] = 64;
		inet_pton(AF_INET6, src, pkt + 8);
		inet_pton(AF_INET6, dst, pkt + 24);
	} else {
		pkt[0] = 0x45;
		pkt[3] = (uint8_t)(ip + esp_len);
		pkt[8] = 64;
		pkt[9] = 50;
		inet_pton(AF_INET, src, pkt + 12);
		inet_pton(AF_INET, dst, pkt + 16);
	}
	esp[0] = (uint8_t)(spi >> 24);
	esp[1] = (uint8_t)(spi >> 16);
	esp[2] = (uint8_t)(spi >> 8);
	esp[3] = (uint8_t)spi;
	esp[7] = 1; /* sequence number */
	memcpy(esp + 8, iv, 16);

	ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, key16, iv), 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, esp + 24, &len, plain, sizeof(plain)), 1);
	assert_int_equal(len, 16);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, esp + 40, &len), 1);
	assert_int_equal(len, 0);
	EVP_CIPHER_CTX_free(ctx);

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key20, sizeof(key20), esp, 40,
				  icv, sizeof(icv), &icv_len));
	assert_int_equal(icv_len, 20);
	memcpy(esp + 40, icv, 12);
	n = ip + esp_len;
	return n;
}

static void write_esp_capture(const char *file)
{
	static const char *const flows[][2] = {{"192.0.2.1", "198.51.100.2"},
					       {"2001:db8::1", "2001:db8::2"}};
	struct pcap_pkthdr h = {0};
	uint8_t pkt[128];
	pcap_dumper_t *d;
	pcap_t *pc;
	size_t i;

	pc = pcap_open_dead(DLT_RAW, 65535);
	assert_non_null(pc);
	d = pcap_dump_open(pc, file);
	assert_non_null(d);
	for (i = 0; i < 2; i++) {
		h.caplen = h.len = (bpf_u_int32)esp_packet(pkt, flows[i][0], flows[i][1],
							   0xc0ffee00 + (uint32_t)i);
		pcap_dump((u_char *)d, &h, pkt);
	}
	pcap_dump_close(d);
	pcap_close(pc);
}

/* Wireshark, pointed at our directory as its configuration, loads both
 * tables without a complaint and opens the ESP packets with our keys. */
static void test_tshark(void **state)
{
	char pcap[300], errs[300], cmd[1024], out[1024], err[1024];
	struct keytables *k;
	size_t n;
	FILE *p;

	if (access(TSHARK, X_OK) != 0)
		skip();
	k = open_ok();
	assert_int_equal(keys_ikev1(k, icookie, key16, sizeof(key16)), 0);
	assert_int_equal(keys_esp(k, SA("192.0.2.1"), SA("198.51.100.2"), 0xc0ffee00,
				  "AES-CBC [RFC3602]", key16, sizeof(key16),
				  "HMAC-SHA-1-96 [RFC2404]", key20, sizeof(key20)),
			 0);
	assert_int_equal(keys_esp(k, SA("2001:db8::1"), SA("2001:db8::2"), 0xc0ffee01,
				  "AES-CBC [RFC3602]", key16, sizeof(key16),
				  "HMAC-SHA-1-96 [RFC2404]", key20, sizeof(key20)),
			 0);
	/* ESP-NULL and AEAD lines must load too. */
	assert_int_equal(keys_esp(k, SA("192.0.2.9"), SA("192.0.2.8"), 7, "NULL", NULL, 0,
				  "HMAC-SHA-1-96 [RFC2404]", key20, sizeof(key20)),
			 0);
	assert_int_equal(keys_esp(k, SA("192.0.2.9"), SA("192.0.2.8"), 8,
				  "AES-GCM with 16 octet ICV [RFC4106]", key20, sizeof(key20), NULL,
				  NULL, 0),
			 0);
	keys_close(k);

	snprintf(pcap, sizeof(pcap), "%s/esp.pcap", dir);
	snprintf(errs, sizeof(errs), "%s/tshark.err", dir);
	write_esp_capture(pcap);
	snprintf(cmd, sizeof(cmd),
		 "WIRESHARK_CONFIG_DIR=%s " TSHARK " -r %s -o esp.enable_encryption_decode:TRUE "
		 "-o esp.enable_authentication_check:TRUE -T fields -e esp.spi -e esp.icv_good "
		 "-e udp.srcport -e udp.dstport -e data.data 2>%s",
		 dir, pcap, errs);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, "0xc0ffee00\t1\t1234\t5678\t68656c6c6f\n"
				 "0xc0ffee01\t1\t1234\t5678\t68656c6c6f\n");

	/* A table Wireshark could not load is reported on stderr. */
	p = fopen(errs, "r");
	assert_non_null(p);
	n = fread(err, 1, sizeof(err) - 1, p);
	err[n] = '\0';
	fclose(p);
	assert_null(strstr(err, "table"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ikev1_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_esp_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_esp_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_and_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_dir_and_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tshark, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
