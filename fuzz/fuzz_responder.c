/* libFuzzer: a responder fed a peer's messages.  An input is up to four
 * datagrams, each behind a 2-byte length; each input meets a fresh daemon
 * whose randomness is the fuzz build's predictable stream, so the inputs
 * can carry the responder cookie and go past the first message (Main Mode
 * to MM4, Aggressive Mode to AM2, DH jobs included).  Replies go to a
 * closed port on loopback in a private network namespace: nothing leaves
 * the process's sandbox. */
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "harness.h"
#include "ike/ike.h"

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

static void setup(void)
{
	conf = fuzz_setup(conf_text, secrets_text);
	if (loop_new(&loop))
		abort();
	fuzz_addr(&peer, "127.0.0.2", FUZZ_PEERPORT);
	fuzz_addr(&self, "127.0.0.1", FUZZ_PORT);
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
		fuzz_run_due(loop);
		data += len;
		size -= len;
	}
	ike_daemon_free(d);
	return 0;
}
