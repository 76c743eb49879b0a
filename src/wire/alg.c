#include "wire/alg.h"

#include <string.h>

#include "wire/isakmp.h"

/* clang-format off */
static const struct alg alg_rows[] = {
/* name          kind       ike_id                 esp_id         key  kla   blk salt icv aead openssl          xfrm                  wireshark                      display              weak */
{ "aes128",     ALG_ENCR,  IKE_ENCR_AES_CBC,      ESP_AES_CBC,   128, true, 16, 0,  0,  false, "AES-128-CBC",  "cbc(aes)",          "AES-CBC [RFC3602]",            "AES_CBC-128",       false },
{ "aes192",     ALG_ENCR,  IKE_ENCR_AES_CBC,      ESP_AES_CBC,   192, true, 16, 0,  0,  false, "AES-192-CBC",  "cbc(aes)",          "AES-CBC [RFC3602]",            "AES_CBC-192",       false },
{ "aes256",     ALG_ENCR,  IKE_ENCR_AES_CBC,      ESP_AES_CBC,   256, true, 16, 0,  0,  false, "AES-256-CBC",  "cbc(aes)",          "AES-CBC [RFC3602]",            "AES_CBC-256",       false },
{ "3des",       ALG_ENCR,  IKE_ENCR_3DES_CBC,     ESP_3DES,      192, false, 8, 0,  0,  false, "DES-EDE3-CBC", "cbc(des3_ede)",     "TripleDES-CBC [RFC2451]",      "3DES_CBC",          true  },
{ "des",        ALG_ENCR,  0,                     ESP_DES,       64,  false, 8, 0,  0,  false, "DES-CBC",      "cbc(des)",          "DES-CBC [RFC2405]",            "DES_CBC",           true  },
{ "null",       ALG_ENCR,  0,                     ESP_NULL,      0,   false, 1, 0,  0,  false, NULL,           "ecb(cipher_null)",  "NULL",                         "NULL",              false },
{ "aes128ctr",  ALG_ENCR,  0,                     ESP_AES_CTR,   128, true,  1, 4,  0,  false, NULL,           "rfc3686(ctr(aes))", "AES-CTR [RFC3686]",            "AES_CTR-128",       false },
{ "aes192ctr",  ALG_ENCR,  0,                     ESP_AES_CTR,   192, true,  1, 4,  0,  false, NULL,           "rfc3686(ctr(aes))", "AES-CTR [RFC3686]",            "AES_CTR-192",       false },
{ "aes256ctr",  ALG_ENCR,  0,                     ESP_AES_CTR,   256, true,  1, 4,  0,  false, NULL,           "rfc3686(ctr(aes))", "AES-CTR [RFC3686]",            "AES_CTR-256",       false },
{ "aes128gcm8", ALG_ENCR,  0,                     ESP_AES_GCM_8, 128, true,  1, 4,  64, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 8 octet ICV [RFC4106]",  "AES_GCM_8-128",  false },
{ "aes192gcm8", ALG_ENCR,  0,                     ESP_AES_GCM_8, 192, true,  1, 4,  64, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 8 octet ICV [RFC4106]",  "AES_GCM_8-192",  false },
{ "aes256gcm8", ALG_ENCR,  0,                     ESP_AES_GCM_8, 256, true,  1, 4,  64, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 8 octet ICV [RFC4106]",  "AES_GCM_8-256",  false },
{ "aes128gcm12",ALG_ENCR,  0,                     ESP_AES_GCM_12,128, true,  1, 4,  96, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 12 octet ICV [RFC4106]", "AES_GCM_12-128", false },
{ "aes192gcm12",ALG_ENCR,  0,                     ESP_AES_GCM_12,192, true,  1, 4,  96, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 12 octet ICV [RFC4106]", "AES_GCM_12-192", false },
{ "aes256gcm12",ALG_ENCR,  0,                     ESP_AES_GCM_12,256, true,  1, 4,  96, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 12 octet ICV [RFC4106]", "AES_GCM_12-256", false },
{ "aes128gcm16",ALG_ENCR,  0,                     ESP_AES_GCM_16,128, true,  1, 4, 128, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 16 octet ICV [RFC4106]", "AES_GCM_16-128", false },
{ "aes192gcm16",ALG_ENCR,  0,                     ESP_AES_GCM_16,192, true,  1, 4, 128, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 16 octet ICV [RFC4106]", "AES_GCM_16-192", false },
{ "aes256gcm16",ALG_ENCR,  0,                     ESP_AES_GCM_16,256, true,  1, 4, 128, true,  NULL,           "rfc4106(gcm(aes))", "AES-GCM with 16 octet ICV [RFC4106]", "AES_GCM_16-256", false },

{ "md5",        ALG_INTEG, IKE_HASH_MD5,      IPSEC_AUTH_HMAC_MD5,      0, false, 0, 0,  96, false, "MD5",    "hmac(md5)",    "HMAC-MD5-96 [RFC2403]",       "HMAC_MD5",        true  },
{ "sha1",       ALG_INTEG, IKE_HASH_SHA1,     IPSEC_AUTH_HMAC_SHA1,     0, false, 0, 0,  96, false, "SHA1",   "hmac(sha1)",   "HMAC-SHA-1-96 [RFC2404]",     "HMAC_SHA1",       false },
{ "sha256",     ALG_INTEG, IKE_HASH_SHA2_256, IPSEC_AUTH_HMAC_SHA2_256, 0, false, 0, 0, 128, false, "SHA256", "hmac(sha256)", "HMAC-SHA-256-128 [RFC4868]",  "HMAC_SHA2_256",   false },
{ "sha384",     ALG_INTEG, IKE_HASH_SHA2_384, IPSEC_AUTH_HMAC_SHA2_384, 0, false, 0, 0, 192, false, "SHA384", "hmac(sha384)", "HMAC-SHA-384-192 [RFC4868]",  "HMAC_SHA2_384",   false },
{ "sha512",     ALG_INTEG, IKE_HASH_SHA2_512, IPSEC_AUTH_HMAC_SHA2_512, 0, false, 0, 0, 256, false, "SHA512", "hmac(sha512)", "HMAC-SHA-512-256 [RFC4868]",  "HMAC_SHA2_512",   false },

{ "modp768",    ALG_DH, IKE_GROUP_MODP768,  0, 768,  false, 0, 0, 0, false, NULL,        NULL, NULL, "MODP_768",   true  },
{ "modp1024",   ALG_DH, IKE_GROUP_MODP1024, 0, 1024, false, 0, 0, 0, false, NULL,        NULL, NULL, "MODP_1024",  true  },
{ "modp1536",   ALG_DH, IKE_GROUP_MODP1536, 0, 1536, false, 0, 0, 0, false, "modp_1536", NULL, NULL, "MODP_1536",  false },
{ "modp2048",   ALG_DH, IKE_GROUP_MODP2048, 0, 2048, false, 0, 0, 0, false, "modp_2048", NULL, NULL, "MODP_2048",  false },
{ "modp3072",   ALG_DH, IKE_GROUP_MODP3072, 0, 3072, false, 0, 0, 0, false, "modp_3072", NULL, NULL, "MODP_3072",  false },
{ "modp4096",   ALG_DH, IKE_GROUP_MODP4096, 0, 4096, false, 0, 0, 0, false, "modp_4096", NULL, NULL, "MODP_4096",  false },
{ "modp6144",   ALG_DH, IKE_GROUP_MODP6144, 0, 6144, false, 0, 0, 0, false, "modp_6144", NULL, NULL, "MODP_6144",  false },
{ "modp8192",   ALG_DH, IKE_GROUP_MODP8192, 0, 8192, false, 0, 0, 0, false, "modp_8192", NULL, NULL, "MODP_8192",  false },
{ "ecp256",     ALG_DH, IKE_GROUP_ECP256,   0, 256,  false, 0, 0, 0, false, "P-256",     NULL, NULL, "ECP_256",    false },
{ "ecp384",     ALG_DH, IKE_GROUP_ECP384,   0, 384,  false, 0, 0, 0, false, "P-384",     NULL, NULL, "ECP_384",    false },
{ "ecp521",     ALG_DH, IKE_GROUP_ECP521,   0, 521,  false, 0, 0, 0, false, "P-521",     NULL, NULL, "ECP_521",    false },
{ "curve25519", ALG_DH, IKE_GROUP_CURVE25519, 0, 256, false, 0, 0, 0, false, "X25519",   NULL, NULL, "CURVE_25519", false },
};
/* clang-format on */

static const struct {
	const char *alias;
	const char *name;
} alg_aliases[] = {
	{"aes", "aes128"},
	{"sha", "sha1"},
	{"sha2_256", "sha256"},
	{"sha2_384", "sha384"},
	{"sha2_512", "sha512"},
	{"aesctr", "aes128ctr"},
	{"aes128gcm", "aes128gcm16"},
	{"aes192gcm", "aes192gcm16"},
	{"aes256gcm", "aes256gcm16"},
	{"x25519", "curve25519"},
	{"ecp256r1", "ecp256"},
	{"des3", "3des"},
	/* Libreswan's spellings */
	{"sha2", "sha256"},
	{"dh2", "modp1024"},
	{"dh5", "modp1536"},
	{"dh14", "modp2048"},
	{"dh15", "modp3072"},
	{"dh16", "modp4096"},
	{"dh17", "modp6144"},
	{"dh18", "modp8192"},
	{"dh19", "ecp256"},
	{"dh20", "ecp384"},
	{"dh21", "ecp521"},
	{"dh31", "curve25519"},
	{"aes_ctr", "aes128ctr"},
	{"aes_gcm", "aes128gcm16"},
	{"aes_gcm128", "aes128gcm16"},
	{"aes_gcm192", "aes192gcm16"},
	{"aes_gcm256", "aes256gcm16"},
};

const struct alg *alg_table(unsigned *n)
{
	*n = sizeof(alg_rows) / sizeof(alg_rows[0]);
	return alg_rows;
}

const struct alg *alg_by_name(const char *name, enum alg_kind kind)
{
	unsigned i;

	for (i = 0; i < sizeof(alg_aliases) / sizeof(alg_aliases[0]); i++)
		if (!strcmp(name, alg_aliases[i].alias))
			name = alg_aliases[i].name;
	for (i = 0; i < sizeof(alg_rows) / sizeof(alg_rows[0]); i++)
		if (alg_rows[i].kind == kind && !strcmp(alg_rows[i].name, name))
			return &alg_rows[i];
	return NULL;
}

static const struct alg *alg_find(enum alg_kind kind, bool ike, uint16_t id, int key_bits)
{
	unsigned i;

	for (i = 0; i < sizeof(alg_rows) / sizeof(alg_rows[0]); i++) {
		const struct alg *a = &alg_rows[i];

		if (a->kind != kind || (ike ? a->ike_id : a->esp_id) != id || !id)
			continue;
		if (key_bits >= 0 && a->keylen_attr && a->key_bits != key_bits)
			continue;
		return a;
	}
	return NULL;
}

const struct alg *alg_ike_encr(uint16_t ike_id, uint16_t key_bits)
{
	return alg_find(ALG_ENCR, true, ike_id, key_bits);
}

const struct alg *alg_ike_hash(uint16_t ike_id)
{
	return alg_find(ALG_INTEG, true, ike_id, -1);
}

const struct alg *alg_dh(uint16_t group)
{
	return alg_find(ALG_DH, true, group, -1);
}

const struct alg *alg_esp_encr(uint16_t esp_id, uint16_t key_bits)
{
	return alg_find(ALG_ENCR, false, esp_id, key_bits);
}

const struct alg *alg_esp_auth(uint16_t auth_id)
{
	return alg_find(ALG_INTEG, false, auth_id, -1);
}

unsigned alg_hash_bytes(const struct alg *a)
{
	switch (a->ike_id) {
	case IKE_HASH_MD5:
		return 16;
	case IKE_HASH_SHA1:
		return 20;
	case IKE_HASH_SHA2_256:
		return 32;
	case IKE_HASH_SHA2_384:
		return 48;
	case IKE_HASH_SHA2_512:
		return 64;
	}
	return 0;
}

unsigned alg_auth_key_bytes(const struct alg *a)
{
	return alg_hash_bytes(a);
}
