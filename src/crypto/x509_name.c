/* Distinguished names and subjectAltNames as IKE IDs, the way strongSwan
 * writes, prints and compares them (utils/identification.c: atodn, dntoa,
 * compare_dn), over OpenSSL's X509_NAME; and the facts of a certificate
 * or CRL for status (crypto/x509.h). */
#include "crypto/x509.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "wire/isakmp.h"

/* strongSwan's attribute names (x501rdns[]) that OpenSSL spells otherwise;
 * the others (C, ST, L, O, OU, CN, SN, DC, UID, serialNumber, ...) are
 * OpenSSL's short names too. */
static const struct {
	const char *name, *ossl;
} alias[] = {
	{"E", "emailAddress"},
	{"Email", "emailAddress"},
	{"T", "title"},
	{"D", "description"},
	{"N", "name"},
	{"G", "GN"},
	{"I", "initials"},
	{"ID", "x500UniqueIdentifier"},
	{"EN", "2.16.840.1.113730.3.1.3"},
	{"employeeNumber", "2.16.840.1.113730.3.1.3"},
	{"UN", "unstructuredName"},
	{"UA", "unstructuredAddress"},
	{"STREET", "street"},
	{"TCGID", "1.3.6.1.4.1.42.2.11.2.1"},
};

/* How strongSwan prints an attribute type (dntoa): its own short names. */
static const struct {
	int nid;
	const char *name;
} printed[] = {
	{NID_countryName, "C"},
	{NID_stateOrProvinceName, "ST"},
	{NID_localityName, "L"},
	{NID_organizationName, "O"},
	{NID_organizationalUnitName, "OU"},
	{NID_commonName, "CN"},
	{NID_pkcs9_emailAddress, "E"},
	{NID_surname, "SN"},
	{NID_serialNumber, "serialNumber"},
	{NID_domainComponent, "DC"},
	{NID_userId, "UID"},
	{NID_title, "T"},
	{NID_description, "D"},
	{NID_name, "N"},
	{NID_givenName, "G"},
	{NID_initials, "I"},
	{NID_streetAddress, "STREET"},
	{NID_postalCode, "postalCode"},
	{NID_pseudonym, "pseudonym"},
	{NID_dnQualifier, "dnQualifier"},
	{NID_pkcs9_unstructuredName, "UN"},
};

static ASN1_OBJECT *attr_obj(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcasecmp(type, alias[i].name))
			type = alias[i].ossl;
	return OBJ_txt2obj(type, 0);
}

/* PrintableString's alphabet (X.680 41.4), as asn1_is_printablestring. */
static bool printable(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr(" '()+,-./:=?", v[i]))
			return false;
	return true;
}

/* One "type=value" from *p up to SEP into NAME; *p moves past it. */
static int parse_rdn(const char **p, char sep, X509_NAME *name, const char **why)
{
	char type[64], value[256];
	size_t tl = 0, vl = 0, end;
	const char *s = *p;
	ASN1_OBJECT *obj;
	int ok, strtype;

	while (*s == ' ')
		s++;
	while (*s && *s != '=' && *s != sep && tl < sizeof(type) - 1)
		type[tl++] = *s++;
	while (tl && type[tl - 1] == ' ')
		tl--;
	type[tl] = '\0';
	if (*s != '=' || !tl) {
		*why = "is not a distinguished name (an RDN without '=')";
		return -EINVAL;
	}
	s++;
	while (*s == ' ')
		s++;
	if (*s == '"') {
		for (s++; *s && *s != '"' && vl < sizeof(value) - 1; s++) {
			if (*s == '\\' && s[1])
				s++;
			value[vl++] = *s;
		}
		if (*s != '"') {
			*why = "has an unterminated quoted value";
			return -EINVAL;
		}
		for (s++; *s == ' '; s++)
			;
		end = vl;
	} else {
		for (end = 0; *s && *s != sep && vl < sizeof(value) - 1; s++) {
			if (*s == '\\' && s[1])
				s++;
			value[vl++] = *s;
			if (*s != ' ')
				end = vl; /* trailing blanks are not part of the value */
		}
	}
	if (*s && *s != sep) {
		*why = "has a value that is too long";
		return -EINVAL;
	}
	*p = s;
	if (!end) {
		*why = "has an RDN with an empty value";
		return -EINVAL;
	}
	if (!(obj = attr_obj(type))) {
		ERR_clear_error();
		*why = "has an unknown attribute type";
		return -EINVAL;
	}
	strtype = OBJ_obj2nid(obj) == NID_pkcs9_emailAddress ? V_ASN1_IA5STRING
		  : printable(value, end)		     ? V_ASN1_PRINTABLESTRING
							     : V_ASN1_UTF8STRING;
	ok = X509_NAME_add_entry_by_OBJ(name, obj, strtype, (unsigned char *)value, (int)end, -1,
					0);
	ASN1_OBJECT_free(obj);
	if (!ok) {
		ERR_clear_error();
		*why = "has a value OpenSSL refuses";
		return -EINVAL;
	}
	return 0;
}

int x509_dn_parse(const char *s, uint8_t *der, size_t *len, size_t max, const char **why)
{
	X509_NAME *name = X509_NAME_new();
	const char *p = s;
	char sep = ',';
	unsigned char *out = NULL;
	int n, ret = -EINVAL;

	*why = "is not a distinguished name";
	if (!name)
		return -ENOMEM;
	while (*p == ' ')
		p++;
	if (*p == '/') { /* "/C=CH/O=oakley/CN=west", as openssl -subj */
		sep = '/';
		p++;
	}
	while (*p) {
		if (parse_rdn(&p, sep, name, why) < 0)
			goto out;
		if (*p == sep)
			p++;
	}
	if (!X509_NAME_entry_count(name)) {
		*why = "is an empty distinguished name";
		goto out;
	}
	if ((n = i2d_X509_NAME(name, &out)) <= 0)
		goto out;
	if ((size_t)n > max) {
		*why = "is too long a distinguished name";
		goto out;
	}
	memcpy(der, out, (size_t)n);
	*len = (size_t)n;
	ret = 0;
out:
	OPENSSL_free(out);
	X509_NAME_free(name);
	return ret;
}

static void append(char *out, size_t outlen, size_t *at, const char *s, size_t n)
{
	size_t room = outlen && *at < outlen - 1 ? outlen - 1 - *at : 0;

	if (n > room)
		n = room;
	memcpy(out + *at, s, n);
	*at += n;
	if (outlen)
		out[*at] = '\0';
}

/* NAME as strongSwan prints it: "C=CH, O=oakley, CN=west". */
static int name_str(const X509_NAME *name, char *out, size_t outlen)
{
	size_t at = 0, i, k;
	char type[80];
	int e, nid;

	if (outlen)
		out[0] = '\0';
	for (e = 0; e < X509_NAME_entry_count(name); e++) {
		const X509_NAME_ENTRY *ent = X509_NAME_get_entry(name, e);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(ent);
		const ASN1_STRING *v = X509_NAME_ENTRY_get_data(ent);
		const unsigned char *d = ASN1_STRING_get0_data(v);

		nid = OBJ_obj2nid(obj);
		type[0] = '\0';
		for (k = 0; k < sizeof(printed) / sizeof(printed[0]); k++)
			if (printed[k].nid == nid)
				snprintf(type, sizeof(type), "%s", printed[k].name);
		if (!type[0])
			OBJ_obj2txt(type, sizeof(type), obj, 1);
		if (e)
			append(out, outlen, &at, ", ", 2);
		append(out, outlen, &at, type, strlen(type));
		append(out, outlen, &at, "=", 1);
		for (i = 0; i < (size_t)ASN1_STRING_length(v); i++) {
			char c = d[i] < 0x20 || d[i] == 0x7f ? '?' : (char)d[i];

			append(out, outlen, &at, &c, 1);
		}
	}
	return (int)at;
}

int x509_dn_str(const uint8_t *der, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = der;
	X509_NAME *name = len ? d2i_X509_NAME(NULL, &p, (long)len) : NULL;
	int n;

	if (outlen)
		out[0] = '\0';
	if (!name || p != der + len) {
		ERR_clear_error();
		X509_NAME_free(name);
		return -EINVAL;
	}
	n = name_str(name, out, outlen);
	X509_NAME_free(name);
	return n;
}

static bool is_wildcard(const ASN1_STRING *v)
{
	return ASN1_STRING_length(v) == 1 && ASN1_STRING_get0_data(v)[0] == '*';
}

/* rdn_equals: case matters except in PrintableStrings and e-mail
 * addresses of the same string type; the string types need not agree. */
static bool value_equal(int nid, const ASN1_STRING *a, const ASN1_STRING *b)
{
	int len = ASN1_STRING_length(a), ta = ASN1_STRING_type(a);
	const char *da = (const char *)ASN1_STRING_get0_data(a);
	const char *db = (const char *)ASN1_STRING_get0_data(b);

	if (len != ASN1_STRING_length(b))
		return false;
	if (ta == ASN1_STRING_type(b) &&
	    (ta == V_ASN1_PRINTABLESTRING ||
	     (ta == V_ASN1_IA5STRING && nid == NID_pkcs9_emailAddress)))
		return !strncasecmp(da, db, (size_t)len);
	return !memcmp(da, db, (size_t)len);
}

static bool names_match(const X509_NAME *n, const X509_NAME *pat)
{
	int e, count = X509_NAME_entry_count(n);

	if (count != X509_NAME_entry_count(pat))
		return false;
	for (e = 0; e < count; e++) {
		const X509_NAME_ENTRY *a = X509_NAME_get_entry(n, e);
		const X509_NAME_ENTRY *b = X509_NAME_get_entry(pat, e);
		const ASN1_OBJECT *oa = X509_NAME_ENTRY_get_object(a);
		const ASN1_STRING *vb = X509_NAME_ENTRY_get_data(b);

		if (OBJ_cmp(oa, X509_NAME_ENTRY_get_object(b)))
			return false;
		if (!is_wildcard(vb) &&
		    !value_equal(OBJ_obj2nid(oa), X509_NAME_ENTRY_get_data(a), vb))
			return false;
	}
	return true;
}

bool x509_dn_match(const uint8_t *der, size_t len, const uint8_t *pattern, size_t plen)
{
	const unsigned char *p = der, *q = pattern;
	X509_NAME *n = NULL, *pat = NULL;
	bool match = false;

	if (!len || !plen)
		return false;
	if (len == plen && !memcmp(der, pattern, len))
		return true;
	if (!(n = d2i_X509_NAME(NULL, &p, (long)len)) || p != der + len ||
	    !(pat = d2i_X509_NAME(NULL, &q, (long)plen)) || q != pattern + plen)
		goto out;
	match = names_match(n, pat);
out:
	ERR_clear_error();
	X509_NAME_free(n);
	X509_NAME_free(pat);
	return match;
}

static int name_der(const X509_NAME *name, uint8_t *der, size_t *len, size_t max)
{
	const unsigned char *enc;
	size_t n;

	if (!name || !X509_NAME_get0_der((X509_NAME *)name, &enc, &n))
		return -EINVAL;
	if (n > max)
		return -ENOSPC;
	memcpy(der, enc, n);
	*len = n;
	return 0;
}

int x509_subject_der(X509 *cert, uint8_t *der, size_t *len, size_t max)
{
	return name_der(X509_get_subject_name(cert), der, len, max);
}

int x509_issuer_der(X509 *cert, uint8_t *der, size_t *len, size_t max)
{
	return name_der(X509_get_issuer_name(cert), der, len, max);
}

void x509_name_short(const X509_NAME *n, char *out, size_t outlen)
{
	int i = n ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
	const ASN1_STRING *v;
	size_t at = 0;

	if (outlen)
		out[0] = '\0';
	if (i < 0) {
		if (n)
			name_str(n, out, outlen);
		return;
	}
	v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	append(out, outlen, &at, "CN=", 3);
	/* A stranger's certificate names this in our log: no control bytes. */
	for (size_t k = 0; k < (size_t)ASN1_STRING_length(v); k++) {
		char ch = (char)ASN1_STRING_get0_data(v)[k];

		if ((unsigned char)ch < 0x20 || ch == 0x7f)
			ch = '?';
		append(out, outlen, &at, &ch, 1);
	}
}

static bool san_has(const GENERAL_NAME *gn, uint8_t id_type, const uint8_t *data, size_t len)
{
	int type;
	const ASN1_STRING *v = GENERAL_NAME_get0_value(gn, &type);

	if (!v || (size_t)ASN1_STRING_length(v) != len)
		return false;
	switch (id_type) {
	case ID_FQDN:
		return type == GEN_DNS && !strncasecmp((const char *)ASN1_STRING_get0_data(v),
						       (const char *)data, len);
	case ID_USER_FQDN:
		return type == GEN_EMAIL && !strncasecmp((const char *)ASN1_STRING_get0_data(v),
							 (const char *)data, len);
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		return type == GEN_IPADD && len == (id_type == ID_IPV4_ADDR ? 4u : 16u) &&
		       !memcmp(ASN1_STRING_get0_data(v), data, len);
	}
	return false;
}

bool x509_has_id(X509 *cert, uint8_t id_type, const uint8_t *data, size_t len)
{
	GENERAL_NAMES *sans;
	uint8_t subject[1024];
	size_t slen;
	bool found = false;
	int i;

	if (!cert)
		return false;
	/* The peer's ID is a name, not a pattern: its '*' matches only a '*'. */
	if (id_type == ID_DER_ASN1_DN)
		return !x509_subject_der(cert, subject, &slen, sizeof(subject)) &&
		       x509_dn_match(subject, slen, data, len) &&
		       x509_dn_match(data, len, subject, slen);
	if (id_type != ID_FQDN && id_type != ID_USER_FQDN && id_type != ID_IPV4_ADDR &&
	    id_type != ID_IPV6_ADDR)
		return false;
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !found; i++)
		found = san_has(sk_GENERAL_NAME_value(sans, i), id_type, data, len);
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
	return found;
}

/* "2026-12-03 10:28:14 UTC"; "" when T is NULL or unreadable. */
static void time_str(const ASN1_TIME *t, char *out, size_t outlen)
{
	struct tm tm;

	if (outlen)
		out[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void key_str(EVP_PKEY *k, char *out, size_t outlen)
{
	const char *curve;

	if (!k)
		snprintf(out, outlen, "unknown");
	else if (EVP_PKEY_is_a(k, "RSA"))
		snprintf(out, outlen, "RSA-%d", EVP_PKEY_get_bits(k));
	else if (EVP_PKEY_is_a(k, "EC")) {
		uint16_t m = x509_auth_method_for_key(k);

		curve = m == IKE_AUTH_ECDSA_256	  ? "P-256"
			: m == IKE_AUTH_ECDSA_384 ? "P-384"
			: m == IKE_AUTH_ECDSA_521 ? "P-521"
						  : "other curve";
		snprintf(out, outlen, "ECDSA %s", curve);
	} else
		snprintf(out, outlen, "%s", EVP_PKEY_get0_type_name(k));
}

void x509_info(X509 *cert, struct x509_info *out)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	memset(out, 0, sizeof(*out));
	name_str(X509_get_subject_name(cert), out->subject, sizeof(out->subject));
	name_str(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
	time_str(X509_get0_notBefore(cert), out->not_before, sizeof(out->not_before));
	time_str(X509_get0_notAfter(cert), out->not_after, sizeof(out->not_after));
	key_str(X509_get0_pubkey(cert), out->key, sizeof(out->key));
	snprintf(out->serial, sizeof(out->serial), "%s", hex ? hex : "");
	out->ca = X509_check_ca(cert) > 0;
	out->self_signed = X509_self_signed(cert, 0) == 1;
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}

void x509_crl_info(X509_CRL *crl, struct x509_crl_info *out)
{
	memset(out, 0, sizeof(*out));
	name_str(X509_CRL_get_issuer(crl), out->issuer, sizeof(out->issuer));
	time_str(X509_CRL_get0_lastUpdate(crl), out->last_update, sizeof(out->last_update));
	time_str(X509_CRL_get0_nextUpdate(crl), out->next_update, sizeof(out->next_update));
	out->revoked = (unsigned)sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
}
