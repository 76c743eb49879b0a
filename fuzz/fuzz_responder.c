/* libFuzzer: a responder fed a peer's messages.  An input is up to four
 * datagrams, each behind a 2-byte length; each input meets a fresh daemon
 * whose randomness is the fuzz build's predictable stream, so the inputs
 * can carry the responder cookie and go past the first message (Main Mode
 * to MM4, Aggressive Mode to AM2, DH jobs included).  Replies go to a
 * closed port on loopback in a private network namespace: nothing leaves
 * the process's sandbox. */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "crypto/rand.h"
#include "ike/ike.h"
#include "util/log.h"

#define FUZZ_PORT     5500
#define FUZZ_PEERPORT 5501 /* nobody listens: our answers go nowhere */
#define FUZZ_MAX_MSGS 4

static struct loop *loop;
static struct conf *conf;
static struct sockaddr_storage peer, self;

static const char conf_text[] = "config setup\n"
				"\tdataplane=none\n"
				"conn fuzz\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.0.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightsubnet=10.2.0.0/24\n"
				"\tike=aes128-sha1-modp2048,aes256-sha256-ecp256,3des-md5-modp768\n"
				"\tesp=aes128-sha1,null-sha256\n"
				"\tauto=add\n"
				"conn fuzz-am\n"
				"\tleft=127.0.0.1\n"
				"\tleftsubnet=10.1.1.0/24\n"
				"\tright=127.0.0.2\n"
				"\trightid=@peer\n"
				"\trightsubnet=10.2.1.0/24\n"
				"\taggressive=yes\n"
				"\tike=aes128-sha1-modp1024\n"
				"\tauto=add\n";
static const char secrets_text[] = "127.0.0.1 127.0.0.2 : PSK \"fuzz\"\n"
				   "@peer : PSK \"fuzz am\"\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		abort();
	}
}

static void addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
}

static void setup(void)
{
	char dir[] = "/tmp/fuzz-responder.XXXXXX", cpath[64], spath[64], err[256];

	/* Our own network namespace: replies cannot reach any real host. */
	if (unshare(CLONE_NEWNET) < 0 || system("ip link set lo up") != 0) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		abort();
	}
	if (system("ip addr add 127.0.0.2/8 dev lo 2>/dev/null; true") < 0)
		abort();
	log_setup(true, LOG_LVL_ERR);
	if (!mkdtemp(dir))
		abort();
	snprintf(cpath, sizeof(cpath), "%s/ipsec.conf", dir);
	snprintf(spath, sizeof(spath), "%s/ipsec.secrets", dir);
	write_file(cpath, conf_text);
	write_file(spath, secrets_text);
	chmod(spath, 0600);
	if (conf_load(cpath, spath, NULL, NULL, &conf, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	unlink(cpath);
	unlink(spath);
	rmdir(dir);
	if (loop_new(&loop))
		abort();
	addr(&peer, "127.0.0.2", FUZZ_PEERPORT);
	addr(&self, "127.0.0.1", FUZZ_PORT);
}

static void stop(void *arg)
{
	loop_stop(arg);
}

/* Lets what is due now run: the DH jobs' completions. */
static void run_due(void)
{
	struct timer t;

	timer_init(&t, stop, loop);
	timer_arm(loop, &t, 0);
	loop_run(loop);
	timer_cancel(loop, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_daemon *d;
	unsigned n;

	if (!loop)
		setup();
	crypto_random_fuzz_reset();
	if (ike_daemon_new(loop, conf, FUZZ_PORT, &d))
		abort();
	for (n = 0; n < FUZZ_MAX_MSGS && size >= 2; n++) {
		size_t len = (size_t)(data[0] << 8 | data[1]);
		uint8_t *pkt;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		pkt = malloc(len ? len : 1);
		if (!pkt)
			break;
		memcpy(pkt, data, len);
		ike_packet_input(d, ike_sock_for(d, AF_INET), pkt, len, &peer, &self);
		free(pkt);
		run_due();
		data += len;
		size -= len;
	}
	ike_daemon_free(d);
	return 0;
}
