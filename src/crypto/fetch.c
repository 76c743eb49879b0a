#include "crypto/fetch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#define FETCH_NAME_MAX 32

/* Slots [0, n) are complete and never change again: readers scan them
 * without the lock, after an acquire load of n; a writer fills slot n
 * under fetch_mu, then publishes it with a release store of n + 1. */
struct fetched {
	char name[FETCH_NAME_MAX];
	void *obj;
};

struct fetch_cache {
	struct fetched slot[CRYPTO_FETCH_SLOTS];
	_Atomic unsigned n;
};

static struct fetch_cache mds, ciphers, hmacs;
static pthread_mutex_t fetch_mu = PTHREAD_MUTEX_INITIALIZER;

static void *cache_find(const struct fetch_cache *c, const char *name, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!strcmp(c->slot[i].name, name))
			return c->slot[i].obj;
	return NULL;
}

static void *cache_get(struct fetch_cache *c, const char *name, void *(*fetch)(const char *))
{
	unsigned n = atomic_load_explicit(&c->n, memory_order_acquire);
	void *obj = cache_find(c, name, n);

	if (obj || strlen(name) >= FETCH_NAME_MAX)
		return obj;
	pthread_mutex_lock(&fetch_mu);
	n = atomic_load_explicit(&c->n, memory_order_relaxed);
	if (!(obj = cache_find(c, name, n)) && n < CRYPTO_FETCH_SLOTS && (obj = fetch(name))) {
		strcpy(c->slot[n].name, name);
		c->slot[n].obj = obj;
		atomic_store_explicit(&c->n, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&fetch_mu);
	return obj;
}

static void *fetch_md(const char *name)
{
	return EVP_MD_fetch(NULL, name, NULL);
}

static void *fetch_cipher(const char *name)
{
	return EVP_CIPHER_fetch(NULL, name, NULL);
}

/* An HMAC context with its digest set and no key; NULL for an unknown md. */
static EVP_MAC_CTX *hmac_new(const char *md)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;

	EVP_MAC_free(mac); /* the context keeps its own reference */
	if (ctx && !EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void *fetch_hmac(const char *md)
{
	return hmac_new(md);
}

const EVP_MD *crypto_fetch_md(const char *name)
{
	return cache_get(&mds, name, fetch_md);
}

const EVP_CIPHER *crypto_fetch_cipher(const char *name)
{
	return cache_get(&ciphers, name, fetch_cipher);
}

EVP_MAC_CTX *crypto_hmac_ctx(const char *md)
{
	EVP_MAC_CTX *tmpl = cache_get(&hmacs, md, fetch_hmac), *ctx;

	if (!tmpl)
		return NULL;
	/* The copy only reads the template (and counts references to the
	 * digest atomically), so threads share it.  A library that cannot
	 * copy an unkeyed context still gets a (slower) fresh one. */
	ctx = EVP_MAC_CTX_dup(tmpl);
	return ctx ? ctx : hmac_new(md);
}
