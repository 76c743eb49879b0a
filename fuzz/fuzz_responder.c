/* libFuzzer: a responder fed packets.  oakleyd's own packet path (header,
 * SA lookup, Main Mode steps, proposal choice, DH, Informational) runs on
 * whatever the fuzzer sends as a peer.  Replies go to loopback in a private
 * network namespace, so nothing leaves the process's sandbox. */
#include <arpa/inet.h>
#include <sched.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ike/ike.h"
#include "util/log.h"

#define FUZZ_PORT    5500
#define FUZZ_RECYCLE 512 /* inputs before the daemon's state is thrown away */

static struct loop *loop;
static struct conf *conf;
static struct ike_daemon *daemon_;
static unsigned inputs;
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
				"\tauto=add\n";
static const char secrets_text[] = "127.0.0.1 127.0.0.2 : PSK \"fuzz\"\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		abort();
	}
}

static void addr(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(FUZZ_PORT);
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
	addr(&peer, "127.0.0.2");
	addr(&self, "127.0.0.1");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *pkt;

	if (!loop)
		setup();
	if (!daemon_ && ike_daemon_new(loop, conf, FUZZ_PORT, &daemon_))
		abort();
	pkt = malloc(size ? size : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data, size);
	ike_packet_input(daemon_, ike_sock_for(daemon_, AF_INET), pkt, size, &peer, &self);
	free(pkt);
	if (++inputs % FUZZ_RECYCLE == 0) {
		ike_daemon_free(daemon_);
		daemon_ = NULL;
	}
	return 0;
}
