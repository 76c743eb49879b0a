/* Failure reasons of the proposal matcher: every refusal of a peer's SA
 * payload is a sentence the caller's buffer never leaks into. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "ike/mismatch.h"
#include "ike/proposal.h"
#include "wire/isakmp.h"
#include "wire/message.h"
#include "wire/payload.h"

#include "proposal_fixtures.h"

/* An SA payload body (DOI, situation, one proposal of one transform)
 * whose transform carries the given attribute bytes. */
static size_t sa_with_attrs(uint8_t *out, uint8_t proto, uint8_t spi_size, uint8_t tid,
			    const uint8_t *attrs, size_t alen)
{
	size_t tlen = 8 + alen, plen = 8 + spi_size + tlen, n = 0;

	put_u32(out, IPSEC_DOI);
	put_u32(out + 4, IPSEC_SIT_IDENTITY_ONLY);
	n = 8;
	out[n++] = ISAKMP_PL_NONE; /* proposal: last */
	out[n++] = 0;
	put_u16(out + n, (uint16_t)plen);
	n += 2;
	out[n++] = 1; /* proposal number */
	out[n++] = proto;
	out[n++] = spi_size;
	out[n++] = 1; /* transforms */
	memset(out + n, 0x11, spi_size);
	n += spi_size;
	out[n++] = ISAKMP_PL_NONE; /* transform: last */
	out[n++] = 0;
	put_u16(out + n, (uint16_t)tlen);
	n += 2;
	out[n++] = 1; /* transform number */
	out[n++] = tid;
	out[n++] = 0;
	out[n++] = 0;
	memcpy(out + n, attrs, alen);
	return n + alen;
}

/* A reason is a sentence: terminated inside the buffer, printable, and
 * none of the pattern the buffer was filled with before. */
static void assert_sentence(const char *why, size_t len)
{
	const char *end = memchr(why, '\0', len);
	const char *p;

	assert_non_null(end);
	assert_true(end - why > 20);
	for (p = why; p < end; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

/* An empty TLV attribute (type without the TV bit, length 0), as an
 * unauthenticated MM1 or QM1 may carry: the refusal says why, and no
 * byte of the caller's buffer survives into it (it once did: stack
 * bytes went to the log and to status). */
static void test_empty_attribute_why(void **state)
{
	static const uint8_t empty_tlv[] = {0x00, IKE_ATTR_ENCRYPTION_ALGORITHM, 0x00, 0x00};
	struct wire_transform_spec echo;
	struct p1_offer o1;
	struct p2_offer o2;
	struct conn c;
	uint8_t body[128], num = 0;
	char why[256];
	size_t n;
	int err;

	(void)state;
	conn_set(&c, "aes128-sha1-modp2048", "aes128-sha1", MODE_TUNNEL);
	n = sa_with_attrs(body, PROTO_ISAKMP, 0, KEY_IKE, empty_tlv, sizeof(empty_tlv));
	memset(why, 0xa5, sizeof(why));
	err = p1_choose(&c, cursor_make(body, n), &o1, &echo, &num, why, sizeof(why), NULL);
	assert_int_not_equal(err, 0);
	assert_sentence(why, sizeof(why));
	assert_string_equal(why, "malformed attributes in the peer's transform 1 "
				 "(ATTRIBUTES_NOT_SUPPORTED)");

	n = sa_with_attrs(body, PROTO_IPSEC_ESP, 4, ESP_AES_CBC, empty_tlv, sizeof(empty_tlv));
	memset(why, 0xa5, sizeof(why));
	err = p2_choose(&c, cursor_make(body, n), &o2, &echo, &num, why, sizeof(why), NULL);
	assert_int_not_equal(err, 0);
	assert_sentence(why, sizeof(why));

	/* A TLV attribute longer than the transform: a parse error. */
	memset(why, 0xa5, sizeof(why));
	n = sa_with_attrs(body, PROTO_ISAKMP, 0, KEY_IKE, (const uint8_t[]){0x00, 0x01, 0x00, 0x40},
			  4);
	err = p1_choose(&c, cursor_make(body, n), &o1, &echo, &num, why, sizeof(why), NULL);
	assert_int_not_equal(err, 0);
	assert_sentence(why, sizeof(why));

	/* Success leaves no stale reason. */
	memset(why, 0xa5, sizeof(why));
	{
		struct conn peer;
		struct buf b;

		conn_set(&peer, "aes128-sha1-modp2048", "aes128-sha1", MODE_TUNNEL);
		assert_int_equal(p1_choose(&c, p1_offer_of(&peer, &b), &o1, &echo, &num, why,
					   sizeof(why), NULL),
				 0);
		assert_string_equal(why, "");
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_attribute_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
