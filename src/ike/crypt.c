/* Phase-1 encryption (RFC 2409 appendix B, RFC 2408 3.1): CBC over all
 * payloads after the header, padded to the block size, the IV chained from
 * the last ciphertext block of the previous message of the exchange. */
#include <errno.h>
#include <string.h>

#include "crypto/cbc.h"
#include "crypto/keying.h"
#include "ike/ike.h"
#include "wire/isakmp.h"

int ike_encrypt(const struct ike_sa *sa, struct buf *msg, uint8_t *iv)
{
	size_t plain = msg->len - ISAKMP_HDR_LEN;
	size_t pad = (sa->block - plain % sa->block) % sa->block;
	uint8_t *p;
	int err;

	if (!buf_reserve(msg, pad))
		return -ENOMEM;
	p = msg->data + ISAKMP_HDR_LEN;
	err = crypto_cbc(sa->encr->openssl, sa->enc_key, sa->enc_key_len, iv, p, plain + pad, p,
			 true);
	if (err < 0)
		return err;
	memcpy(iv, msg->data + msg->len - sa->block, sa->block);
	msg->data[ISAKMP_HDR_FLAGS_OFF] |= ISAKMP_FLAG_ENC;
	put_u32(msg->data + ISAKMP_HDR_LENGTH_OFF, (uint32_t)msg->len);
	return 0;
}

int ike_decrypt(const struct ike_sa *sa, uint8_t *msg, size_t len, uint8_t *iv)
{
	uint8_t next_iv[IKE_MAX_BLOCK];
	size_t clen = len - ISAKMP_HDR_LEN;
	int err;

	if (!sa->enc_key_len || clen == 0 || clen % sa->block)
		return -EBADMSG;
	memcpy(next_iv, msg + len - sa->block, sa->block);
	err = crypto_cbc(sa->encr->openssl, sa->enc_key, sa->enc_key_len, iv, msg + ISAKMP_HDR_LEN,
			 clen, msg + ISAKMP_HDR_LEN, false);
	if (err < 0)
		return err;
	memcpy(iv, next_iv, sa->block);
	return 0;
}

int sa_phase2_iv(const struct ike_sa *sa, uint32_t msgid, uint8_t *iv)
{
	return ike_phase2_iv(sa->hash->openssl, sa->p1_last_block, sa->block, msgid, iv);
}
