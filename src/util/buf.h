/* Growable byte buffers for building messages, and bounds-checked read
 * cursors for parsing them.  Every parse in oakley goes through a cursor. */
#ifndef OAKLEY_UTIL_BUF_H
#define OAKLEY_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool failed; /* an allocation failed; every later append is a no-op */
};

void buf_init(struct buf *b);
/* Wipes the contents before freeing: buffers may hold key material. */
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Appends; on allocation failure sets b->failed and returns NULL. */
uint8_t *buf_append(struct buf *b, const void *data, size_t len);
uint8_t *buf_reserve(struct buf *b, size_t len); /* appends len zero bytes */
bool buf_put_u8(struct buf *b, uint8_t v);
bool buf_put_u16(struct buf *b, uint16_t v); /* network byte order */
bool buf_put_u32(struct buf *b, uint32_t v);
void buf_set_u16(struct buf *b, size_t off, uint16_t v);
void buf_set_u32(struct buf *b, size_t off, uint32_t v);

struct cursor {
	const uint8_t *p;
	size_t len; /* bytes left */
};

static inline struct cursor cursor_make(const uint8_t *p, size_t len)
{
	struct cursor c = {p, len};
	return c;
}

bool cursor_u8(struct cursor *c, uint8_t *v);
bool cursor_u16(struct cursor *c, uint16_t *v);
bool cursor_u32(struct cursor *c, uint32_t *v);
bool cursor_bytes(struct cursor *c, void *out, size_t n);
/* Splits the next n bytes off as a sub-cursor. */
bool cursor_sub(struct cursor *c, size_t n, struct cursor *sub);
bool cursor_skip(struct cursor *c, size_t n);

static inline uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

#endif
