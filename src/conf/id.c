/* Identities (leftid=, rightid=, the selectors of ipsec.secrets), read as
 * strongSwan's identification_create_from_string reads them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"
#include "crypto/x509.h"
#include "wire/isakmp.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int conf_unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;

	if (!n || n % 2)
		return -EINVAL;
	if (n / 2 > max)
		return -ENOSPC;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static int id_text(struct conf_id *id, uint8_t type, const char *s, const char **why)
{
	size_t n = strlen(s);

	if (!n) {
		*why = "is empty";
		return -EINVAL;
	}
	if (n > sizeof(id->data)) {
		*why = "is longer than 255 bytes";
		return -EINVAL;
	}
	id->type = type;
	id->len = (uint8_t)n;
	memcpy(id->data, s, n);
	return 0;
}

static int id_hex(struct conf_id *id, const char *s, const char **why)
{
	size_t n;
	int r = conf_unhex(s, id->data, sizeof(id->data), &n);

	if (r) {
		*why = r == -ENOSPC ? "is longer than 255 bytes"
				    : "needs an even number of hex digits after '#'";
		return -EINVAL;
	}
	id->type = ID_KEY_ID;
	id->len = (uint8_t)n;
	return 0;
}

/* Libreswan's "@[GroupName]" (the ']' may be left out): ID_KEY_ID with the
 * text's bytes, as vpnc and Cisco clients send a group name. */
static int id_key_text(struct conf_id *id, const char *s, const char **why)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == ']')
		n--;
	if (!n) {
		*why = "has an empty group name in @[...]";
		return -EINVAL;
	}
	if (n > sizeof(id->data)) {
		*why = "is longer than 255 bytes";
		return -EINVAL;
	}
	id->type = ID_KEY_ID;
	id->len = (uint8_t)n;
	memcpy(id->data, s, n);
	return 0;
}

static const struct {
	const char *prefix;
	uint8_t type;
} id_prefixes[] = {
	{"fqdn:", ID_FQDN},	   {"email:", ID_USER_FQDN}, {"userfqdn:", ID_USER_FQDN},
	{"rfc822:", ID_USER_FQDN}, {"keyid:", ID_KEY_ID},
};

static int id_typed(struct conf_id *id, const char *s, const char **why)
{
	unsigned i;

	if (!strchr(s, ':')) /* every prefix ends in ':'; most IDs have none */
		return 1;
	for (i = 0; i < sizeof(id_prefixes) / sizeof(id_prefixes[0]); i++) {
		size_t n = strlen(id_prefixes[i].prefix);

		if (strncmp(s, id_prefixes[i].prefix, n))
			continue;
		s += n;
		if (id_prefixes[i].type == ID_KEY_ID && s[0] == '#')
			return id_hex(id, s + 1, why);
		return id_text(id, id_prefixes[i].type, s, why);
	}
	return 1;
}

int conf_id_parse(const char *s, struct conf_id *id, const char **why)
{
	struct conf_addr a;
	struct conf_ts ts;
	const char *unused;
	bool host_bits;
	int r;

	if (!why)
		why = &unused;
	memset(id, 0, sizeof(*id));
	if (!strcmp(s, "%any") || !strcmp(s, "%any6"))
		return 0;
	r = id_typed(id, s, why);
	if (r <= 0)
		return r;
	if (s[0] == '@') {
		if (s[1] == '#')
			return id_hex(id, s + 2, why);
		if (s[1] == '[')
			return id_key_text(id, s + 2, why);
		if (s[1] == '@')
			return id_text(id, ID_USER_FQDN, s + 2, why);
		return id_text(id, ID_FQDN, s + 1, why);
	}
	if (strchr(s, '=')) {
		size_t len;
		int r2 = x509_dn_parse(s, id->data, &len, sizeof(id->data), why);

		if (r2)
			return r2;
		id->type = ID_DER_ASN1_DN;
		id->len = (uint8_t)len;
		return 0;
	}
	if (!conf_addr_parse(s, &a)) {
		id->type = a.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		id->len = a.family == AF_INET ? 4 : 16;
		memcpy(id->data, a.a.b, id->len);
		return 0;
	}
	if (strchr(s, '/') && !conf_subnet_parse(s, &ts, &host_bits)) {
		*why = "is not supported by oakley: it matches no subnet IDs";
		return -EINVAL;
	}
	if (s[0] == '%') {
		*why = "is not an ID (of the % names only %any is one)";
		return -EINVAL;
	}
	return id_text(id, strchr(s, '@') ? ID_USER_FQDN : ID_FQDN, s, why);
}

bool conf_id_equal(const struct conf_id *a, const struct conf_id *b)
{
	unsigned i;

	if (a->type != b->type || a->len != b->len)
		return false;
	if (a->type != ID_FQDN && a->type != ID_USER_FQDN)
		return !memcmp(a->data, b->data, a->len);
	for (i = 0; i < a->len; i++)
		if (tolower(a->data[i]) != tolower(b->data[i]))
			return false;
	return true;
}

struct out {
	char *p;
	size_t left;
	bool full;
};

static void put_str(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (n >= o->left) {
		o->full = true;
		n = o->left ? o->left - 1 : 0;
	}
	memcpy(o->p, s, n);
	o->p += n;
	o->left -= n;
	if (o->left)
		*o->p = 0;
}

static void put_byte(struct out *o, const char *prefix, uint8_t v)
{
	char hex[8];

	snprintf(hex, sizeof(hex), "%s%02x", prefix, v);
	put_str(o, hex);
}

/* Text as it is, other bytes (and '\') as \xHH: IDs from the wire are logged. */
static void put_text(struct out *o, const uint8_t *d, unsigned n)
{
	char c[2] = {0, 0};
	unsigned i;

	for (i = 0; i < n; i++) {
		if (d[i] >= 0x20 && d[i] < 0x7f && d[i] != '\\') {
			c[0] = (char)d[i];
			put_str(o, c);
		} else {
			put_byte(o, "\\x", d[i]);
		}
	}
}

/* The plain spelling if it reads back as the same ID, else the typed one. */
static void put_name(struct out *o, const struct conf_id *id, const char *prefix)
{
	char plain[256];
	struct conf_id back;

	memcpy(plain, id->data, id->len);
	plain[id->len] = 0;
	if (strlen(plain) != id->len || conf_id_parse(plain, &back, NULL) ||
	    !conf_id_equal(&back, id))
		put_str(o, prefix);
	put_text(o, id->data, id->len);
}

int conf_id_str(const struct conf_id *id, char *buf, size_t len)
{
	struct out o = {buf, len, false};
	struct conf_addr a = {0};
	char num[24];
	unsigned i;

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	switch (id->type) {
	case CONF_ID_ANY:
		put_str(&o, "%any");
		break;
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		a.family = id->type == ID_IPV4_ADDR ? AF_INET : AF_INET6;
		if (id->len != (a.family == AF_INET ? 4 : 16))
			goto raw;
		memcpy(a.a.b, id->data, id->len);
		if (conf_addr_str(&a, o.p, o.left))
			o.full = true;
		break;
	case ID_FQDN:
		put_name(&o, id, "fqdn:");
		break;
	case ID_USER_FQDN:
		put_name(&o, id, "email:");
		break;
	case ID_DER_ASN1_DN: {
		char dn[512];

		if (x509_dn_str(id->data, id->len, dn, sizeof(dn)) <= 0)
			goto raw;
		put_str(&o, dn);
		break;
	}
	case ID_KEY_ID:
		put_str(&o, "@#");
		for (i = 0; i < id->len; i++)
			put_byte(&o, "", id->data[i]);
		break;
	default:
	raw:
		snprintf(num, sizeof(num), "(ID type %u) ", id->type);
		put_str(&o, num);
		for (i = 0; i < id->len; i++)
			put_byte(&o, "", id->data[i]);
		break;
	}
	return o.full ? -ENOSPC : 0;
}
