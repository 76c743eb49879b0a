#include "crypto/dh.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "wire/alg.h"
#include "wire/isakmp.h"

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

/* What the alg table does not say: the kind of group, and the primes of
 * the two RFC 2409 groups that OpenSSL has no name for (generator 2).
 * Everything else (OpenSSL name, size) is the group's alg row. */
struct dh_group {
	uint16_t group;
	enum dh_kind kind;
	const char *prime;
};

/* clang-format off */
static const struct dh_group dh_groups[] = {
	{IKE_GROUP_MODP768, DH_MODP, /* RFC 2409 6.1 */
	 "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	 "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	 "4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF"},
	{IKE_GROUP_MODP1024, DH_MODP, /* RFC 2409 6.2 */
	 "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	 "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	 "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	 "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF"},
	{IKE_GROUP_MODP1536, DH_MODP, NULL},
	{IKE_GROUP_MODP2048, DH_MODP, NULL},
	{IKE_GROUP_MODP3072, DH_MODP, NULL},
	{IKE_GROUP_MODP4096, DH_MODP, NULL},
	{IKE_GROUP_MODP6144, DH_MODP, NULL},
	{IKE_GROUP_MODP8192, DH_MODP, NULL},
	{IKE_GROUP_ECP256, DH_ECP, NULL},
	{IKE_GROUP_ECP384, DH_ECP, NULL},
	{IKE_GROUP_ECP521, DH_ECP, NULL},
	{IKE_GROUP_CURVE25519, DH_X25519, NULL},
};
/* clang-format on */

struct dh {
	const struct dh_group *g;
	const struct alg *alg;
	EVP_PKEY *key;
};

static const struct dh_group *dh_find(uint16_t group, const struct alg **alg)
{
	unsigned i;

	*alg = alg_dh(group);
	if (!*alg)
		return NULL;
	for (i = 0; i < sizeof(dh_groups) / sizeof(dh_groups[0]); i++)
		if (dh_groups[i].group == group)
			return &dh_groups[i];
	return NULL;
}

bool dh_supported(uint16_t group)
{
	const struct alg *a;

	return dh_find(group, &a) != NULL;
}

/* Bytes of one field element: the MODP prime, an ECP coordinate. */
static size_t dh_elem_len(const struct alg *a)
{
	return (a->key_bits + 7u) / 8u;
}

size_t dh_public_len(uint16_t group)
{
	const struct alg *a;
	const struct dh_group *g = dh_find(group, &a);

	if (!g)
		return 0;
	return g->kind == DH_ECP ? 2 * dh_elem_len(a) : dh_elem_len(a);
}

size_t dh_secret_len(uint16_t group)
{
	const struct alg *a;
	const struct dh_group *g = dh_find(group, &a);

	return g ? dh_elem_len(a) : 0;
}

uint16_t dh_group(const struct dh *dh)
{
	return dh->g->group;
}

/* The prime of a MODP key or domain. */
static BIGNUM *modp_prime(const EVP_PKEY *k)
{
	BIGNUM *p = NULL;

	return EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, &p) ? p : NULL;
}

/* Pushes the domain parameters: the group's name, or p and g = 2 for the
 * RFC 2409 groups.  No q: OpenSSL's key generation insists on FIPS 186-4
 * sizes of q when one is given, and the peer checks do not need it. */
static int push_domain(OSSL_PARAM_BLD *b, const struct dh *dh, BIGNUM **p, BIGNUM **gen)
{
	if (dh->alg->openssl)
		return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
						       dh->alg->openssl, 0)
			       ? 0
			       : -ENOMEM;
	if (!BN_hex2bn(p, dh->g->prime) || !(*gen = BN_new()) || !BN_set_word(*gen, 2) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, *p) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, *gen))
		return -ENOMEM;
	return 0;
}

/* Builds an EVP_PKEY of dh's group from data: domain parameters only
 * (selection EVP_PKEY_KEY_PARAMETERS), a public value (MODP: pub_bn, ECP:
 * the octets 04 | x | y in pub_oct), or a key pair (priv too). */
static int dh_fromdata(const struct dh *dh, int selection, const BIGNUM *priv, const BIGNUM *pub_bn,
		       const uint8_t *pub_oct, size_t pub_len, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *p = NULL, *gen = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!b || (ret = push_domain(b, dh, &p, &gen)))
		goto out;
	ret = -ENOMEM;
	if (priv && !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, priv))
		goto out;
	if (pub_bn && !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, pub_bn))
		goto out;
	if (pub_oct &&
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub_oct, pub_len))
		goto out;
	if (!(params = OSSL_PARAM_BLD_to_param(b)))
		goto out;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, dh->g->kind == DH_ECP ? "EC" : "DH", NULL);
	if (!ctx)
		goto out;
	/* An import fails for a point not on the curve: the peer's fault. */
	ret = -EINVAL;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, out, selection, params) <= 0)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(p);
	BN_free(gen);
	return ret;
}

static int dh_alloc(uint16_t group, struct dh **out)
{
	const struct alg *a;
	const struct dh_group *g = dh_find(group, &a);

	*out = NULL;
	if (!g)
		return -ENOTSUP;
	if (!(*out = calloc(1, sizeof(**out))))
		return -ENOMEM;
	(*out)->g = g;
	(*out)->alg = a;
	return 0;
}

/* Each group's domain parameters, built once: building them costs as much
 * as an ECP key pair.  Shared read-only by the workers (OpenSSL counts
 * the references), kept for the process's life. */
static EVP_PKEY *dh_domains[sizeof(dh_groups) / sizeof(dh_groups[0])];
static pthread_mutex_t dh_domains_mu = PTHREAD_MUTEX_INITIALIZER;

/* A new reference to dh's group's domain, or NULL with *ret set.  Once
 * made, a domain is read without the lock (an acquire load pairs with
 * the release store that published it). */
static EVP_PKEY *dh_domain(const struct dh *dh, int *ret)
{
	EVP_PKEY **slot = &dh_domains[dh->g - dh_groups], *domain, *made = NULL;

	*ret = 0;
	domain = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!domain) {
		pthread_mutex_lock(&dh_domains_mu);
		domain = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		if (!domain &&
		    !(*ret = dh_fromdata(dh, EVP_PKEY_KEY_PARAMETERS, NULL, NULL, NULL, 0, &made)))
			__atomic_store_n(slot, domain = made, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&dh_domains_mu);
	}
	if (domain && !EVP_PKEY_up_ref(domain)) {
		domain = NULL;
		*ret = -ENOMEM;
	}
	return domain;
}

static int dh_generate(struct dh *dh)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *domain = NULL;
	int ret;

	if (dh->g->kind == DH_X25519)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	else if ((domain = dh_domain(dh, &ret)))
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, domain, NULL);
	else
		return ret == -EINVAL ? -EIO : ret;
	ret = -EIO;
	if (ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_generate(ctx, &dh->key) > 0)
		ret = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(domain);
	return ret;
}

int dh_new(uint16_t group, struct dh **out)
{
	int ret = dh_alloc(group, out);

	if (ret)
		return ret;
	if ((ret = dh_generate(*out))) {
		dh_free(*out);
		*out = NULL;
	}
	return ret;
}

void dh_free(struct dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

/* Big-endian into a fixed-width field: BN_bn2binpad fails if it is too big. */
static int bn_to_field(const BIGNUM *bn, uint8_t *out, size_t len)
{
	return BN_bn2binpad(bn, out, (int)len) == (int)len ? 0 : -EIO;
}

int dh_public(const struct dh *dh, uint8_t *out, size_t len)
{
	size_t n = dh_public_len(dh->g->group), octlen = 0;
	uint8_t oct[1 + DH_MAX_PUBLIC];
	BIGNUM *x = NULL, *y = NULL;
	int ret = -EIO;

	if (len != n)
		return -EINVAL;
	switch (dh->g->kind) {
	case DH_MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &x))
			ret = bn_to_field(x, out, len);
		break;
	case DH_ECP:
		/* SEC 1's 04 | x | y in one call: a third of the cost of x and y
		 * as two BIGNUMs. */
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						    oct, sizeof(oct), &octlen) &&
		    octlen == n + 1 && oct[0] == POINT_CONVERSION_UNCOMPRESSED) {
			memcpy(out, oct + 1, n);
			ret = 0;
		}
		break;
	case DH_X25519:
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &n) && n == len)
			ret = 0;
		break;
	}
	BN_free(x);
	BN_free(y);
	return ret;
}

/* A key that holds a peer's public value (nothing secret), and the
 * context that checks it, made on first use.  Both are kept for the next
 * peer of the group: a copy of the domain and a new context cost a sixth
 * of dh_shared. */
struct peer_key {
	EVP_PKEY *pk;
	EVP_PKEY_CTX *check;
};

#define DH_SPARE_PEERS 8
static struct {
	struct peer_key keys[DH_SPARE_PEERS];
	unsigned n;
} spare_peers[sizeof(dh_groups) / sizeof(dh_groups[0])];
static pthread_mutex_t spare_mu = PTHREAD_MUTEX_INITIALIZER;

/* A key of dh's group to set a peer's value on: a spare, or a copy of the
 * domain.  0 or -errno. */
static int peer_key_take(const struct dh *dh, struct peer_key *out)
{
	unsigned g = (unsigned)(dh->g - dh_groups);
	EVP_PKEY *domain;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&spare_mu);
	if (spare_peers[g].n)
		*out = spare_peers[g].keys[--spare_peers[g].n];
	pthread_mutex_unlock(&spare_mu);
	if (out->pk)
		return 0;
	if (!(domain = dh_domain(dh, &ret)))
		return ret == -EINVAL ? -EIO : ret;
	if (!(out->pk = EVP_PKEY_dup(domain)))
		ret = -ENOMEM;
	EVP_PKEY_free(domain);
	return ret;
}

static void peer_key_free(struct peer_key *k)
{
	EVP_PKEY_CTX_free(k->check); /* it holds a reference to the key */
	EVP_PKEY_free(k->pk);
	memset(k, 0, sizeof(*k));
}

/* Back to the spares if keep (the derive context is freed first); freed
 * when the spares are full, for X25519, or after a failure. */
static void peer_key_give(const struct dh *dh, struct peer_key *k, bool keep)
{
	unsigned g = (unsigned)(dh->g - dh_groups);

	if (keep && k->pk && dh->g->kind != DH_X25519) {
		pthread_mutex_lock(&spare_mu);
		if (spare_peers[g].n < DH_SPARE_PEERS) {
			spare_peers[g].keys[spare_peers[g].n++] = *k;
			memset(k, 0, sizeof(*k));
		}
		pthread_mutex_unlock(&spare_mu);
	}
	peer_key_free(k);
}

static void peer_keys_free(void)
{
	unsigned g;

	pthread_mutex_lock(&spare_mu);
	for (g = 0; g < sizeof(spare_peers) / sizeof(spare_peers[0]); g++)
		while (spare_peers[g].n)
			peer_key_free(&spare_peers[g].keys[--spare_peers[g].n]);
	pthread_mutex_unlock(&spare_mu);
}

/* The peer's value (the encoded public key: MODP big-endian, ECP
 * 04 | x | y) on a key of our group's domain.  Building a key from the
 * group's name instead makes the curve anew each time, at a third of the
 * cost of the derivation. */
static int peer_on_domain(const struct dh *dh, const uint8_t *enc, size_t len, struct peer_key *out)
{
	int ret;

	if ((ret = peer_key_take(dh, out)))
		return ret;
	/* Refused for a point off the curve, or a MODP value out of range;
	 * a key refused is not reused. */
	if (EVP_PKEY_set1_encoded_public_key(out->pk, enc, len) <= 0) {
		peer_key_free(out);
		return -EINVAL;
	}
	return 0;
}

/* The peer's value as an EVP_PKEY of our group.  MODP: 1 < y < p-1.  For
 * these safe primes that is the whole membership test (RFC 6989 section 2: the
 * only small subgroups are {1} and {1, p-1}); the y^q test would cost
 * twenty times the exchange.  ECP: the import refuses points off the
 * curve; the curves have cofactor 1 and x | y cannot encode infinity. */
static int peer_import(const struct dh *dh, const uint8_t *peer, size_t len, struct peer_key *out)
{
	uint8_t oct[1 + DH_MAX_PUBLIC];
	BIGNUM *y = NULL, *p = NULL;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	switch (dh->g->kind) {
	case DH_MODP:
		if (!(y = BN_bin2bn(peer, (int)len, NULL)) || !(p = modp_prime(dh->key)) ||
		    !BN_sub_word(p, 1))
			break;
		ret = -EINVAL;
		if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, p) >= 0)
			break;
		ret = peer_on_domain(dh, peer, len, out);
		break;
	case DH_ECP:
		/* RFC 5903 sends x | y; OpenSSL wants SEC 1's 04 | x | y. */
		oct[0] = POINT_CONVERSION_UNCOMPRESSED;
		memcpy(oct + 1, peer, len);
		ret = peer_on_domain(dh, oct, len + 1, out);
		break;
	case DH_X25519:
		out->pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, len);
		ret = out->pk ? 0 : -ENOMEM;
		break;
	}
	BN_free(y);
	BN_free(p);
	return ret;
}

/* OpenSSL's own quick public check (range, curve), independent of how
 * the import above happens to behave. */
static int peer_check(struct peer_key *k)
{
	if (!k->check && !(k->check = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL)))
		return -ENOMEM;
	return EVP_PKEY_public_check_quick(k->check) > 0 ? 0 : -EINVAL;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	while (len--)
		acc |= *p++;
	return acc == 0;
}

int dh_shared(struct dh *dh, const uint8_t *peer, size_t len, uint8_t *secret, size_t *secret_len)
{
	unsigned int pad = 1;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_EXCHANGE_PARAM_PAD, &pad),
			       OSSL_PARAM_construct_end()};
	size_t n = DH_MAX_SECRET, want = dh_secret_len(dh->g->group);
	EVP_PKEY_CTX *ctx = NULL;
	struct peer_key pk = {0};
	int ret;

	*secret_len = 0;
	if (len != dh_public_len(dh->g->group))
		return -EINVAL;
	if ((ret = peer_import(dh, peer, len, &pk)) || (ret = peer_check(&pk)))
		goto out;
	ret = -EIO;
	if (!(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) ||
	    EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	/* MODP secrets keep their leading zeros (RFC 2409 g^xy is the full
	 * width value, as every IKE implementation hashes it). */
	if (dh->g->kind == DH_MODP && !EVP_PKEY_CTX_set_params(ctx, params))
		goto out;
	/* Checked above: no second, full (and costly) validation here. */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk.pk, 0) <= 0)
		goto out;
	/* X25519 fails here on a small-order peer value (all-zero output). */
	if (EVP_PKEY_derive(ctx, secret, &n) <= 0) {
		ret = dh->g->kind == DH_X25519 ? -EINVAL : -EIO;
		goto out;
	}
	if (n != want)
		goto out;
	ret = -EINVAL;
	if (all_zero(secret, n))
		goto out;
	*secret_len = n;
	ret = 0;
out:
	if (ret)
		OPENSSL_cleanse(secret, want);
	EVP_PKEY_CTX_free(ctx);
	peer_key_give(dh, &pk, ret == 0);
	return ret;
}

/* 04 | x | y of priv * G, for the test constructor: EVP cannot derive an
 * EC public key from an imported private one. */
static int ec_public(const char *curve, const BIGNUM *priv, uint8_t *oct, size_t *len)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name_ex(NULL, NULL, EC_curve_nist2nid(curve));
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	int ret = -EIO;

	if (pt && EC_POINT_mul(grp, pt, priv, NULL, NULL, NULL) &&
	    (*len = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, oct, *len, NULL)))
		ret = 0;
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return ret;
}

static int dh_import_private(struct dh *dh, const uint8_t *priv, size_t len)
{
	uint8_t oct[1 + DH_MAX_PUBLIC];
	size_t octlen = sizeof(oct);
	EVP_PKEY *domain = NULL;
	BIGNUM *x = NULL, *y = NULL, *p = NULL, *g = NULL;
	BN_CTX *bnctx = NULL;
	int ret = -ENOMEM;

	if (dh->g->kind == DH_X25519) {
		dh->key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, len);
		return dh->key ? 0 : -EINVAL;
	}
	if (!(x = BN_secure_new()) || !BN_bin2bn(priv, (int)len, x))
		goto out;
	if (dh->g->kind == DH_ECP) {
		if ((ret = ec_public(dh->alg->openssl, x, oct, &octlen)))
			goto out;
		ret = dh_fromdata(dh, EVP_PKEY_KEYPAIR, x, NULL, oct, octlen, &dh->key);
		goto out;
	}
	/* MODP: y = 2^x mod p. */
	if ((ret = dh_fromdata(dh, EVP_PKEY_KEY_PARAMETERS, NULL, NULL, NULL, 0, &domain)))
		goto out;
	ret = -ENOMEM;
	if (!(p = modp_prime(domain)) || !(g = BN_new()) || !BN_set_word(g, 2) || !(y = BN_new()) ||
	    !(bnctx = BN_CTX_new()) || !BN_mod_exp(y, g, x, p, bnctx))
		goto out;
	ret = dh_fromdata(dh, EVP_PKEY_KEYPAIR, x, y, NULL, 0, &dh->key);
out:
	BN_clear_free(x);
	BN_free(y);
	BN_free(p);
	BN_free(g);
	BN_CTX_free(bnctx);
	EVP_PKEY_free(domain);
	return ret;
}

int dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len, struct dh **out)
{
	int ret = dh_alloc(group, out);

	if (ret)
		return ret;
	if ((ret = dh_import_private(*out, priv, len))) {
		dh_free(*out);
		*out = NULL;
	}
	return ret;
}

/* The stock, one per row of dh_groups; stock_mu guards all of it.  Keys are
 * made outside the lock; making counts those under way, so that two idle
 * workers do not both fill the last place. */
struct dh_stock {
	struct dh *keys[DH_STOCK_TARGET];
	unsigned n, making;
	uint64_t taken_ms; /* the last dh_take, 0: never */
};

#define DH_NGROUPS (sizeof(dh_groups) / sizeof(dh_groups[0]))
static struct dh_stock stock[DH_NGROUPS];
static pthread_mutex_t stock_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t stock_handed_out;

static uint64_t stock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + 1;
}

static struct dh_stock *stock_of(uint16_t group)
{
	const struct alg *a;
	const struct dh_group *g = dh_find(group, &a);

	return g ? &stock[g - dh_groups] : NULL;
}

int dh_take(uint16_t group, struct dh **out)
{
	struct dh_stock *s = stock_of(group);
	struct dh *dh = NULL;

	if (s) {
		pthread_mutex_lock(&stock_mu);
		s->taken_ms = stock_now_ms();
		if (s->n) {
			dh = s->keys[--s->n];
			s->keys[s->n] = NULL;
			stock_handed_out++;
		}
		pthread_mutex_unlock(&stock_mu);
	}
	if (dh) {
		*out = dh;
		return 0;
	}
	return dh_new(group, out);
}

static bool stock_recent(const struct dh_stock *s, uint64_t now)
{
	return s->taken_ms && now - s->taken_ms < DH_STOCK_RECENT_MS;
}

/* Under stock_mu: the shortest stock of a recent group (reserving its
 * place), or NULL. */
static struct dh_stock *stock_short(uint64_t now)
{
	struct dh_stock *best = NULL;
	unsigned i;

	for (i = 0; i < DH_NGROUPS; i++) {
		struct dh_stock *s = &stock[i];

		if (stock_recent(s, now) && s->n + s->making < DH_STOCK_TARGET &&
		    (!best || s->n + s->making < best->n + best->making))
			best = s;
	}
	if (best)
		best->making++;
	return best;
}

/* Under stock_mu: empties the stock of a group no longer taken from into
 * keys; how many. */
static unsigned stock_stale(uint64_t now, struct dh **keys)
{
	unsigned i, n;

	for (i = 0; i < DH_NGROUPS; i++) {
		struct dh_stock *s = &stock[i];

		if (!s->n || stock_recent(s, now))
			continue;
		n = s->n;
		memcpy(keys, s->keys, n * sizeof(*keys));
		memset(s->keys, 0, sizeof(s->keys));
		s->n = 0;
		return n;
	}
	return 0;
}

bool dh_stock_fill(void)
{
	struct dh *keys[DH_STOCK_TARGET], *dh = NULL;
	uint64_t now = stock_now_ms();
	struct dh_stock *s;
	unsigned n = 0;
	int err;

	pthread_mutex_lock(&stock_mu);
	if (!(s = stock_short(now)))
		n = stock_stale(now, keys);
	pthread_mutex_unlock(&stock_mu);
	if (!s) {
		bool freed = n > 0;

		while (n)
			dh_free(keys[--n]);
		return freed;
	}
	err = dh_new(dh_groups[s - stock].group, &dh);
	pthread_mutex_lock(&stock_mu);
	s->making--;
	if (!err && s->n < DH_STOCK_TARGET) {
		s->keys[s->n++] = dh;
		dh = NULL;
	}
	pthread_mutex_unlock(&stock_mu);
	dh_free(dh);
	return !err;
}

size_t dh_stock_count(uint16_t group)
{
	struct dh_stock *s = stock_of(group);
	size_t n;

	if (!s)
		return 0;
	pthread_mutex_lock(&stock_mu);
	n = s->n;
	pthread_mutex_unlock(&stock_mu);
	return n;
}

uint64_t dh_stock_handed_out(void)
{
	uint64_t n;

	pthread_mutex_lock(&stock_mu);
	n = stock_handed_out;
	pthread_mutex_unlock(&stock_mu);
	return n;
}

void dh_stock_flush(void)
{
	unsigned i;

	peer_keys_free();
	pthread_mutex_lock(&stock_mu);
	for (i = 0; i < DH_NGROUPS; i++) {
		while (stock[i].n)
			dh_free(stock[i].keys[--stock[i].n]);
		stock[i].taken_ms = 0;
	}
	pthread_mutex_unlock(&stock_mu);
}
