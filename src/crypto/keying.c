#include "crypto/keying.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/crypto.h>

#include "crypto/prf.h"
#include "util/buf.h"

#define IOV(p, n) ((struct iovec){.iov_base = (void *)(p), .iov_len = (n)})
#define NIOV(v)	  ((unsigned)(sizeof(v) / sizeof((v)[0])))

static size_t md_len(const char *md)
{
	size_t n = crypto_md_len(md);

	return n <= CRYPTO_MAX_MD ? n : 0;
}

int ike_skeyid_psk(const char *md, const uint8_t *psk, size_t psklen, const uint8_t *ni,
		   size_t nilen, const uint8_t *nr, size_t nrlen, uint8_t *skeyid)
{
	struct iovec v[] = {IOV(ni, nilen), IOV(nr, nrlen)};

	return crypto_prf(md, psk, psklen, v, NIOV(v), skeyid);
}

int ike_skeyid_sig(const char *md, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		   const uint8_t *gxy, size_t gxylen, uint8_t *skeyid)
{
	uint8_t key[1024];
	struct iovec v[] = {IOV(gxy, gxylen)};
	int ret;

	/* The key is Ni_b | Nr_b: nonces are 8..256 bytes (RFC 2409 5). */
	if (nilen + nrlen > sizeof(key))
		return -EINVAL;
	memcpy(key, ni, nilen);
	memcpy(key + nilen, nr, nrlen);
	ret = crypto_prf(md, key, nilen + nrlen, v, NIOV(v), skeyid);
	OPENSSL_cleanse(key, nilen + nrlen);
	return ret;
}

int ike_skeyid_dae(const char *md, const uint8_t *skeyid, const uint8_t *gxy, size_t gxylen,
		   const uint8_t cky_i[8], const uint8_t cky_r[8], uint8_t *d, uint8_t *a,
		   uint8_t *e)
{
	static const uint8_t n0 = 0, n1 = 1, n2 = 2;
	size_t len = md_len(md);
	struct iovec v[] = {IOV(NULL, 0), IOV(gxy, gxylen), IOV(cky_i, 8), IOV(cky_r, 8),
			    IOV(&n0, 1)};
	int ret;

	if (!len)
		return -EINVAL;
	/* SKEYID_d has no predecessor: its first slot stays empty. */
	if ((ret = crypto_prf(md, skeyid, len, v, NIOV(v), d)))
		return ret;
	v[0] = IOV(d, len);
	v[4] = IOV(&n1, 1);
	if ((ret = crypto_prf(md, skeyid, len, v, NIOV(v), a)))
		return ret;
	v[0] = IOV(a, len);
	v[4] = IOV(&n2, 1);
	return crypto_prf(md, skeyid, len, v, NIOV(v), e);
}

int ike_enc_key(const char *md, const uint8_t *skeyid_e, size_t keylen, uint8_t *key)
{
	static const uint8_t zero = 0;
	uint8_t k[CRYPTO_MAX_MD];
	size_t off, n, len = md_len(md);
	struct iovec v = IOV(&zero, 1);
	int ret = 0;

	if (!len)
		return -EINVAL;
	if (keylen <= len) {
		memcpy(key, skeyid_e, keylen);
		return 0;
	}
	for (off = 0; off < keylen; off += n) {
		/* K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1); the MAC
		 * reads Kn-1 before it writes Kn over it. */
		if ((ret = crypto_prf(md, skeyid_e, len, &v, 1, k)))
			goto out;
		n = keylen - off < len ? keylen - off : len;
		memcpy(key + off, k, n);
		v = IOV(k, len);
	}
out:
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}

static int hash_truncated(const char *md, const struct iovec *v, unsigned n, size_t block,
			  uint8_t *iv)
{
	uint8_t h[CRYPTO_MAX_MD];
	size_t len = md_len(md);
	int ret;

	if (!len)
		return -EINVAL;
	if (block > len)
		return -EINVAL;
	if ((ret = crypto_hash(md, v, n, h)))
		return ret;
	memcpy(iv, h, block);
	return 0;
}

int ike_phase1_iv(const char *md, const uint8_t *gxi, size_t gxilen, const uint8_t *gxr,
		  size_t gxrlen, size_t block, uint8_t *iv)
{
	struct iovec v[] = {IOV(gxi, gxilen), IOV(gxr, gxrlen)};

	return hash_truncated(md, v, NIOV(v), block, iv);
}

int ike_phase2_iv(const char *md, const uint8_t *p1_last_block, size_t block, uint32_t msgid,
		  uint8_t *iv)
{
	uint8_t m[4];
	struct iovec v[] = {IOV(p1_last_block, block), IOV(m, 4)};

	put_u32(m, msgid);
	return hash_truncated(md, v, NIOV(v), block, iv);
}

int ike_hash_i(const char *md, const uint8_t *skeyid, size_t skeyidlen, const uint8_t *gxi,
	       size_t gxilen, const uint8_t *gxr, size_t gxrlen, const uint8_t cky_i[8],
	       const uint8_t cky_r[8], const uint8_t *sai_b, size_t sailen, const uint8_t *idii_b,
	       size_t idlen, uint8_t *out)
{
	struct iovec v[] = {IOV(gxi, gxilen), IOV(gxr, gxrlen),	  IOV(cky_i, 8),
			    IOV(cky_r, 8),    IOV(sai_b, sailen), IOV(idii_b, idlen)};

	return crypto_prf(md, skeyid, skeyidlen, v, NIOV(v), out);
}

int ike_hash_r(const char *md, const uint8_t *skeyid, size_t skeyidlen, const uint8_t *gxi,
	       size_t gxilen, const uint8_t *gxr, size_t gxrlen, const uint8_t cky_i[8],
	       const uint8_t cky_r[8], const uint8_t *sai_b, size_t sailen, const uint8_t *idir_b,
	       size_t idlen, uint8_t *out)
{
	struct iovec v[] = {IOV(gxr, gxrlen), IOV(gxi, gxilen),	  IOV(cky_r, 8),
			    IOV(cky_i, 8),    IOV(sai_b, sailen), IOV(idir_b, idlen)};

	return crypto_prf(md, skeyid, skeyidlen, v, NIOV(v), out);
}

int ike_qm_hash1(const char *md, const uint8_t *skeyid_a, size_t alen, uint32_t msgid,
		 const uint8_t *rest, size_t restlen, uint8_t *out)
{
	uint8_t m[4];
	struct iovec v[] = {IOV(m, 4), IOV(rest, restlen)};

	put_u32(m, msgid);
	return crypto_prf(md, skeyid_a, alen, v, NIOV(v), out);
}

int ike_qm_hash2(const char *md, const uint8_t *skeyid_a, size_t alen, uint32_t msgid,
		 const uint8_t *ni_b, size_t nilen, const uint8_t *rest, size_t restlen,
		 uint8_t *out)
{
	uint8_t m[4];
	struct iovec v[] = {IOV(m, 4), IOV(ni_b, nilen), IOV(rest, restlen)};

	put_u32(m, msgid);
	return crypto_prf(md, skeyid_a, alen, v, NIOV(v), out);
}

int ike_qm_hash3(const char *md, const uint8_t *skeyid_a, size_t alen, uint32_t msgid,
		 const uint8_t *ni_b, size_t nilen, const uint8_t *nr_b, size_t nrlen, uint8_t *out)
{
	static const uint8_t zero = 0;
	uint8_t m[4];
	struct iovec v[] = {IOV(&zero, 1), IOV(m, 4), IOV(ni_b, nilen), IOV(nr_b, nrlen)};

	put_u32(m, msgid);
	return crypto_prf(md, skeyid_a, alen, v, NIOV(v), out);
}

int ike_keymat(const char *md, const uint8_t *skeyid_d, size_t dlen, const uint8_t *gxy,
	       size_t gxylen, uint8_t protocol, uint32_t spi, const uint8_t *ni_b, size_t nilen,
	       const uint8_t *nr_b, size_t nrlen, uint8_t *out, size_t len)
{
	uint8_t k[CRYPTO_MAX_MD], s[4];
	size_t off, n, mdlen = md_len(md);
	/* v[0] is Kn-1, empty for K1; v[1] is g(qm)^xy, empty without PFS. */
	struct iovec v[] = {IOV(NULL, 0), IOV(gxy, gxy ? gxylen : 0), IOV(&protocol, 1),
			    IOV(s, 4),	  IOV(ni_b, nilen),	      IOV(nr_b, nrlen)};
	int ret = 0;

	if (!mdlen)
		return -EINVAL;
	put_u32(s, spi);
	for (off = 0; off < len; off += n) {
		if ((ret = crypto_prf(md, skeyid_d, dlen, v, NIOV(v), k)))
			goto out;
		n = len - off < mdlen ? len - off : mdlen;
		memcpy(out + off, k, n);
		v[0] = IOV(k, mdlen);
	}
out:
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}
