/* What the daemon fuzz targets share: a private network namespace (replies
 * reach no real host), a configuration loaded from text, and running the
 * loop until what is due now (DH jobs' completions) has run.  Static
 * functions: each target is one translation unit. */
#ifndef OAKLEY_FUZZ_HARNESS_H
#define OAKLEY_FUZZ_HARNESS_H

#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/log.h"
#include "util/loop.h"

#define FUZZ_PORT     5500
#define FUZZ_PEERPORT 5501 /* nobody listens: our answers go nowhere */

static void fuzz_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		abort();
	}
}

static void fuzz_addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
}

/* Our own network namespace, 127.0.0.1 and the peer's 127.0.0.2 on lo,
 * and the configuration; aborts on failure (run as root). */
static struct conf *fuzz_setup(const char *conf_text, const char *secrets_text)
{
	char dir[] = "/tmp/fuzz-daemon.XXXXXX", cpath[64], spath[64], err[256];
	struct conf *conf;

	if (unshare(CLONE_NEWNET) < 0 || system("ip link set lo up") != 0) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		abort();
	}
	if (system("ip addr add 127.0.0.2/8 dev lo 2>/dev/null; true") < 0)
		abort();
	/* FUZZ_LOG=1 shows what the daemon makes of an input (checking seeds). */
	log_setup(true, getenv("FUZZ_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	if (!mkdtemp(dir))
		abort();
	snprintf(cpath, sizeof(cpath), "%s/ipsec.conf", dir);
	snprintf(spath, sizeof(spath), "%s/ipsec.secrets", dir);
	fuzz_write_file(cpath, conf_text);
	fuzz_write_file(spath, secrets_text);
	chmod(spath, 0600);
	if (conf_load(cpath, spath, NULL, NULL, &conf, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	unlink(cpath);
	unlink(spath);
	rmdir(dir);
	return conf;
}

static void fuzz_stop(void *arg)
{
	loop_stop(arg);
}

/* Lets what is due now run: the DH jobs' completions. */
static void fuzz_run_due(struct loop *loop)
{
	struct timer t;

	timer_init(&t, fuzz_stop, loop);
	timer_arm(loop, &t, 0);
	loop_run(loop);
	timer_cancel(loop, &t);
}

#endif
