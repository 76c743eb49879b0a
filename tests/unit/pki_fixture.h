/* The test PKI of tests/pki/mkpki.sh for the unit tests: `make check-unit`
 * and the unit-test build make it in $(BUILD)/pki and pass its directory in
 * OAKLEY_PKI; run by hand, a test looks in build/pki.  A missing file fails
 * the test (never a skip). */
#ifndef OAKLEY_TEST_PKI_FIXTURE_H
#define OAKLEY_TEST_PKI_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

static inline const char *pki_dir(void)
{
	const char *d = getenv("OAKLEY_PKI");

	return d && *d ? d : "build/pki";
}

static inline void pki_path(const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", pki_dir(), name);
}

/* The bytes of PKI file NAME (malloc'd, *len set); fails the test when absent. */
static inline uint8_t *pki_read(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf = NULL;
	long n;

	pki_path(name, path, sizeof(path));
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: missing (make the test PKI: tests/pki/mkpki.sh %s)", path, pki_dir());
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else
		fail_msg("%s: unreadable", path);
	fclose(f);
	return buf;
}

static inline X509 *pki_cert(const char *name)
{
	char path[512];
	FILE *f;
	X509 *c;

	pki_path(name, path, sizeof(path));
	if (!(f = fopen(path, "r")))
		fail_msg("%s: missing", path);
	c = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!c)
		fail_msg("%s: not a PEM certificate", path);
	return c;
}

static inline EVP_PKEY *pki_key(const char *name)
{
	char path[512];
	FILE *f;
	EVP_PKEY *k;

	pki_path(name, path, sizeof(path));
	if (!(f = fopen(path, "r")))
		fail_msg("%s: missing", path);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k)
		fail_msg("%s: not a PEM key", path);
	return k;
}

#endif
