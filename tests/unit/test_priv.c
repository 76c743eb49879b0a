/* The privileged helper's channel: a parsed configuration packed and
 * unpacked (every field back, pointers into the algorithm table and the
 * file list restored, every truncation and a bad algorithm index
 * refused), and messages with a descriptor over a socketpair. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "priv/internal.h"

static const char conf_text[] =
	"config setup\n dataplane=none\n retransmit_tries=7\n keysdir=/var/lib/oakley\n"
	"conn a\n left=10.0.0.1\n right=10.0.0.2\n leftsubnet=10.1.0.0/24\n"
	" ike=aes256-sha256-modp3072,aes128-sha1-ecp256!\n esp=aes128gcm16-modp2048\n auto=start\n"
	"conn b\n left=2001:db8::1\n right=%any\n rightid=@peer.example\n type=transport\n"
	" auto=add\n";
static const char secrets_text[] = "10.0.0.1 10.0.0.2 : PSK \"first\"\n"
				   "@peer.example : PSK 0x00ff10\n";

static void assert_lists_equal(const struct proposal_list *a, const struct proposal_list *b)
{
	unsigned i;

	assert_int_equal(a->n, b->n);
	assert_int_equal(a->strict, b->strict);
	assert_int_equal(a->configured, b->configured);
	for (i = 0; i < CONF_MAX_PROPOSALS; i++) {
		assert_ptr_equal(a->p[i].encr, b->p[i].encr);
		assert_ptr_equal(a->p[i].integ, b->p[i].integ);
		assert_ptr_equal(a->p[i].dh, b->p[i].dh);
	}
}

static void assert_conf_equal(const struct conf *a, const struct conf *b)
{
	unsigned i;

	assert_memory_equal(&a->setup, &b->setup, sizeof(a->setup));
	assert_int_equal(a->nconns, b->nconns);
	assert_int_equal(a->nsecrets, b->nsecrets);
	assert_int_equal(a->nfiles, b->nfiles);
	for (i = 0; i < a->nfiles; i++)
		assert_string_equal(a->files[i], b->files[i]);
	for (i = 0; i < a->nconns; i++) {
		const struct conn *x = &a->conns[i], *y = &b->conns[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->file, y->file);
		assert_int_equal(x->line, y->line);
		assert_memory_equal(&x->local, &y->local, sizeof(x->local));
		assert_memory_equal(&x->remote, &y->remote, sizeof(x->remote));
		assert_lists_equal(&x->ike, &y->ike);
		assert_lists_equal(&x->esp, &y->esp);
		assert_int_equal(x->mode, y->mode);
		assert_int_equal(x->auto_, y->auto_);
		assert_int_equal(x->lifetime_s, y->lifetime_s);
	}
	for (i = 0; i < a->nsecrets; i++) {
		const struct conf_secret *x = &a->secrets[i], *y = &b->secrets[i];

		assert_int_equal(x->psklen, y->psklen);
		assert_memory_equal(x->psk, y->psk, x->psklen);
		assert_int_equal(x->nids, y->nids);
		assert_memory_equal(x->ids, y->ids, sizeof(x->ids));
		assert_string_equal(x->file, y->file);
		assert_int_equal(x->line, y->line);
	}
}

static void test_conf_round_trip(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;
	size_t cut;

	load_text(&l, conf_text, secrets_text);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.c->nconns, 2);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	assert_int_equal(conf_unpack(b.data, b.len, &back), 0);
	assert_conf_equal(l.c, back);
	/* The pointers are the reader's own, not the writer's. */
	assert_ptr_not_equal(back->conns[0].file, l.c->conns[0].file);
	conf_free(back);

	/* Every truncation, and one byte too many, is refused. */
	for (cut = 0; cut < b.len; cut++) {
		assert_int_equal(conf_unpack(b.data, cut, &back), -EINVAL);
		assert_null(back);
	}
	assert_non_null(buf_reserve(&b, 1));
	assert_int_equal(conf_unpack(b.data, b.len, &back), -EINVAL);
	buf_free(&b);
	loaded_free(&l);
}

/* An algorithm index past the table comes back as an error, not a pointer. */
static void test_conf_bad_alg(void **state)
{
	struct conf *back = NULL;
	struct loaded l;
	struct buf b;
	size_t off;
	uint16_t bad = 0xffff;

	load_text(&l, conf_text, NULL);
	assert_int_equal(l.ret, 0);
	buf_init(&b);
	assert_int_equal(conf_pack(l.c, &b), 0);
	/* The first conn's first ike row index follows its list's count,
	 * strict and configured bytes. */
	off = sizeof(struct conf_setup) + 10 * sizeof(uint32_t);
	for (unsigned i = 0; i < l.c->nfiles; i++)
		off += sizeof(uint32_t) + strlen(l.c->files[i]);
	off += 3;
	memcpy(b.data + off, &bad, sizeof(bad));
	assert_int_equal(conf_unpack(b.data, b.len, &back), -EINVAL);
	assert_null(back);
	buf_free(&b);
	loaded_free(&l);
}

/* A message, a descriptor with it, and EOF. */
static void test_channel(void **state)
{
	struct priv_hdr h;
	uint8_t *data;
	int sv[2], p[2], got = -1;
	char c;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(chan_send(sv[0], PRIV_CAPTURE, -EPERM, "why", 3, p[1]), 0);
	assert_int_equal(chan_recv(sv[1], &h, &data, &got), 0);
	assert_int_equal(h.type, PRIV_CAPTURE);
	assert_int_equal(h.err, -EPERM);
	assert_int_equal(h.len, 3);
	assert_string_equal((char *)data, "why");
	free(data);
	assert_true(got >= 0 && got != p[1]);
	assert_int_equal(write(got, "x", 1), 1); /* the same pipe */
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	close(got);
	/* A descriptor not asked for is closed, not leaked. */
	assert_int_equal(chan_send(sv[0], PRIV_RELOAD, 0, NULL, 0, p[1]), 0);
	assert_int_equal(chan_recv(sv[1], &h, &data, NULL), 0);
	free(data);
	close(sv[0]);
	assert_int_equal(chan_recv(sv[1], &h, &data, NULL), -EPIPE);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_round_trip),
		cmocka_unit_test(test_conf_bad_alg),
		cmocka_unit_test(test_channel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
