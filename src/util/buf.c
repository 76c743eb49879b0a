#include "util/buf.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
	if (b->data) {
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->len);
	b->len = 0;
	b->failed = false;
}

static bool buf_grow(struct buf *b, size_t need)
{
	size_t cap;
	uint8_t *n;

	if (b->failed)
		return false;
	if (b->len + need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need)
		cap *= 2;
	/* Not realloc: the old block may hold key material and must be wiped. */
	n = malloc(cap);
	if (!n) {
		b->failed = true;
		return false;
	}
	if (b->data) {
		memcpy(n, b->data, b->len);
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = n;
	b->cap = cap;
	return true;
}

uint8_t *buf_append(struct buf *b, const void *data, size_t len)
{
	uint8_t *p;

	if (!buf_grow(b, len))
		return NULL;
	p = b->data + b->len;
	if (len)
		memcpy(p, data, len);
	b->len += len;
	return p;
}

uint8_t *buf_reserve(struct buf *b, size_t len)
{
	uint8_t *p;

	if (!buf_grow(b, len))
		return NULL;
	p = b->data + b->len;
	memset(p, 0, len);
	b->len += len;
	return p;
}

bool buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_append(b, &v, 1) != NULL;
}

bool buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t p[2];

	put_u16(p, v);
	return buf_append(b, p, 2) != NULL;
}

bool buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t p[4];

	put_u32(p, v);
	return buf_append(b, p, 4) != NULL;
}

void buf_set_u16(struct buf *b, size_t off, uint16_t v)
{
	if (!b->failed && off + 2 <= b->len)
		put_u16(b->data + off, v);
}

void buf_set_u32(struct buf *b, size_t off, uint32_t v)
{
	if (!b->failed && off + 4 <= b->len)
		put_u32(b->data + off, v);
}

bool cursor_u8(struct cursor *c, uint8_t *v)
{
	if (c->len < 1)
		return false;
	*v = c->p[0];
	c->p++;
	c->len--;
	return true;
}

bool cursor_u16(struct cursor *c, uint16_t *v)
{
	if (c->len < 2)
		return false;
	*v = get_u16(c->p);
	c->p += 2;
	c->len -= 2;
	return true;
}

bool cursor_u32(struct cursor *c, uint32_t *v)
{
	if (c->len < 4)
		return false;
	*v = get_u32(c->p);
	c->p += 4;
	c->len -= 4;
	return true;
}

bool cursor_bytes(struct cursor *c, void *out, size_t n)
{
	if (c->len < n)
		return false;
	if (n)
		memcpy(out, c->p, n);
	c->p += n;
	c->len -= n;
	return true;
}

bool cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (c->len < n)
		return false;
	sub->p = c->p;
	sub->len = n;
	c->p += n;
	c->len -= n;
	return true;
}

bool cursor_skip(struct cursor *c, size_t n)
{
	if (c->len < n)
		return false;
	c->p += n;
	c->len -= n;
	return true;
}
