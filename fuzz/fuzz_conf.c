/* libFuzzer: the configuration loader on an ipsec.conf and an ipsec.secrets
 * of the fuzzer's making.  An input is the ipsec.conf text, a NUL byte, and
 * the ipsec.secrets text (no NUL: no secrets).  Both are written to a
 * private directory and read with conf_load as oakleyd reads them; a
 * loaded configuration is then queried (every conn's PSK, its name) and
 * freed.  Includes stay inside that directory: an input that names an
 * include has its '/' turned into '_', so globs match only its own files. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/log.h"

/* tmpfs: the target writes two files per input. */
static char dir[] = "/dev/shm/fuzz-conf.XXXXXX";
static char conf_path[64], secrets_path[64];

/* The addresses "on this host": the ones the seeds use as left=. */
static bool fuzz_is_local(const struct conf_addr *a, void *arg)
{
	static const char *const local[] = {"192.0.2.1", "127.0.0.1", "2001:db8::1", "::1"};
	struct conf_addr l;
	unsigned i;

	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!conf_addr_parse(local[i], &l) && conf_addr_equal(&l, a))
			return true;
	return false;
}

static void cleanup(void)
{
	unlink(conf_path);
	unlink(secrets_path);
	rmdir(dir);
}

static void setup(void)
{
	log_setup(true, LOG_LVL_ERR);
	if (!mkdtemp(dir) || atexit(cleanup))
		abort();
	snprintf(conf_path, sizeof(conf_path), "%s/ipsec.conf", dir);
	snprintf(secrets_path, sizeof(secrets_path), "%s/ipsec.secrets", dir);
}

static void write_file(const char *path, const uint8_t *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) || chmod(path, mode)) {
		perror(path);
		abort();
	}
}

/* The include rule above, on a private copy. */
static uint8_t *confine_includes(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size + 1);
	size_t i;

	if (!copy)
		return NULL;
	memcpy(copy, data, size);
	copy[size] = 0;
	if (memmem(copy, size, "include", 7))
		for (i = 0; i < size; i++)
			if (copy[i] == '/')
				copy[i] = '_';
	return copy;
}

/* What oakleyd asks of a loaded configuration. */
static void query(const struct conf *c)
{
	unsigned i;

	for (i = 0; i < c->nconns; i++) {
		const struct conn *n = &c->conns[i];

		if (conf_conn(c, n->name) == NULL)
			abort(); /* every loaded conn can be found by its name */
		conf_psk(c, &n->local.id, &n->remote.id);
		conf_psk(c, NULL, &n->remote.id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	char err[512];
	uint8_t *text, *nul;
	size_t conf_len;

	if (!conf_path[0])
		setup();
	if (!(text = confine_includes(data, size)))
		return 0;
	nul = memchr(text, 0, size);
	conf_len = nul ? (size_t)(nul - text) : size;
	write_file(conf_path, text, conf_len, 0644);
	write_file(secrets_path, nul ? nul + 1 : text, nul ? size - conf_len - 1 : 0, 0600);
	free(text);
	err[0] = 0;
	if (!conf_load(conf_path, secrets_path, fuzz_is_local, NULL, &c, err, sizeof(err))) {
		query(c);
		conf_free(c);
	} else if (!err[0]) {
		abort(); /* every refusal says why */
	}
	return 0;
}
