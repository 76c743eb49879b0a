/* IKEv1 fragments: the reassembly table and the splitting of a message
 * (frag.h).  Pure: no sockets, no SAs; time comes in as now_ms. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/frag.h"
#include "net/sockaddr.h"

struct frag_piece {
	uint8_t *data;
	size_t len;
};

struct frag_set {
	struct frag_set *next;
	union sockaddr_inet from;
	uint8_t cookies[16];
	uint16_t id;
	uint8_t last;  /* the LAST fragment's number; 0: not seen yet */
	uint8_t count; /* pieces held */
	size_t bytes;
	uint64_t due_ms;
	struct frag_piece piece[FRAG_MAX_FRAGMENTS]; /* by number - 1 */
};

void frag_table_init(struct frag_table *t, uint64_t timeout_ms)
{
	memset(t, 0, sizeof(*t));
	t->timeout_ms = timeout_ms;
}

static void set_free(struct frag_table *t, struct frag_set **pp)
{
	struct frag_set *s = *pp;
	unsigned i;

	*pp = s->next;
	for (i = 0; i < FRAG_MAX_FRAGMENTS; i++)
		free(s->piece[i].data);
	t->bytes -= s->bytes;
	t->nsets--;
	free(s);
}

void frag_table_clear(struct frag_table *t)
{
	while (t->sets)
		set_free(t, &t->sets);
}

unsigned frag_expire(struct frag_table *t, uint64_t now_ms)
{
	struct frag_set **pp = &t->sets;
	unsigned n = 0;

	while (*pp) {
		if ((*pp)->due_ms <= now_ms) {
			set_free(t, pp);
			t->dropped++;
			n++;
		} else {
			pp = &(*pp)->next;
		}
	}
	return n;
}

uint64_t frag_next_due(const struct frag_table *t)
{
	const struct frag_set *s;
	uint64_t due = 0;

	for (s = t->sets; s; s = s->next)
		if (!due || s->due_ms < due)
			due = s->due_ms;
	return due;
}

/* The lists are short (FRAG_MAX_SETS): walked, not hashed. */
static struct frag_set **set_find(struct frag_table *t, const struct sockaddr *from,
				  const struct isakmp_hdr *h, uint16_t id, unsigned *same_peer)
{
	struct frag_set **pp, **found = NULL;

	*same_peer = 0;
	for (pp = &t->sets; *pp; pp = &(*pp)->next) {
		if (!sockaddr_addr_equal(&(*pp)->from.sa, from))
			continue;
		(*same_peer)++;
		if ((*pp)->id == id && !memcmp((*pp)->cookies, h->icookie, 8) &&
		    !memcmp((*pp)->cookies + 8, h->rcookie, 8))
			found = pp;
	}
	return found;
}

/* Does f contradict s?  (A copy of a piece held is not a contradiction.) */
static bool set_conflicts(const struct frag_set *s, const struct wire_frag *f)
{
	const struct frag_piece *p = &s->piece[f->num - 1];
	bool last = f->flags & ISAKMP_FRAG_LAST;
	unsigned i;

	if (p->data && (p->len != f->data.len || memcmp(p->data, f->data.p, p->len)))
		return true;
	if (s->last && (f->num > s->last || (last && f->num != s->last)))
		return true;
	if (last)
		for (i = f->num; i < FRAG_MAX_FRAGMENTS; i++)
			if (s->piece[i].data)
				return true;
	return false;
}

static struct frag_set *set_new(struct frag_table *t, uint64_t now_ms, const struct sockaddr *from,
				const struct isakmp_hdr *h, uint16_t id)
{
	struct frag_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	sockaddr_inet_set(&s->from, from);
	memcpy(s->cookies, h->icookie, 8);
	memcpy(s->cookies + 8, h->rcookie, 8);
	s->id = id;
	s->due_ms = now_ms + t->timeout_ms;
	s->next = t->sets;
	t->sets = s;
	t->nsets++;
	return s;
}

/* The table is full: the oldest set of a first message (no responder
 * cookie: anyone can make one, from any address) makes room, so that
 * strangers cannot lock out the fragments of the exchanges we have. */
static void set_evict_stranger(struct frag_table *t)
{
	static const uint8_t zero[8];
	struct frag_set **pp, **oldest = NULL;

	for (pp = &t->sets; *pp; pp = &(*pp)->next)
		if (!memcmp((*pp)->cookies + 8, zero, 8))
			oldest = pp; /* newest first: the last one found */
	if (oldest) {
		set_free(t, oldest);
		t->dropped++;
	}
}

static int set_join(struct frag_table *t, struct frag_set **pp, struct buf *whole)
{
	struct frag_set *s = *pp;
	unsigned i;

	for (i = 0; i < s->last; i++)
		buf_append(whole, s->piece[i].data, s->piece[i].len);
	set_free(t, pp);
	return whole->failed ? -ENOMEM : 1;
}

int frag_add(struct frag_table *t, uint64_t now_ms, const struct sockaddr *from,
	     const struct isakmp_hdr *h, const struct wire_frag *f, struct buf *whole)
{
	struct frag_set **pp, *s;
	struct frag_piece *p;
	unsigned same_peer;

	frag_expire(t, now_ms);
	pp = set_find(t, from, h, f->id, &same_peer);
	if (f->num > FRAG_MAX_FRAGMENTS || !f->num) {
		if (pp)
			set_free(t, pp);
		t->dropped++;
		return -E2BIG;
	}
	if (pp && set_conflicts(*pp, f)) {
		set_free(t, pp); /* this fragment starts the set anew */
		same_peer--;
		pp = NULL;
	}
	if (pp && (*pp)->piece[f->num - 1].data)
		return 0; /* a copy */
	if (!pp) {
		if (t->nsets >= FRAG_MAX_SETS && same_peer < FRAG_MAX_SETS_PEER)
			set_evict_stranger(t);
		if (t->nsets >= FRAG_MAX_SETS || same_peer >= FRAG_MAX_SETS_PEER) {
			t->dropped++;
			return -ENOSPC;
		}
		if (!set_new(t, now_ms, from, h, f->id))
			return -ENOMEM;
		pp = &t->sets;
	}
	s = *pp;
	if (s->bytes + f->data.len > FRAG_MAX_BYTES || t->bytes + f->data.len > FRAG_TABLE_BYTES) {
		set_free(t, pp);
		t->dropped++;
		return -EMSGSIZE;
	}
	p = &s->piece[f->num - 1];
	p->data = malloc(f->data.len);
	if (!p->data) {
		set_free(t, pp);
		return -ENOMEM;
	}
	memcpy(p->data, f->data.p, f->data.len);
	p->len = f->data.len;
	s->bytes += p->len;
	t->bytes += p->len;
	s->count++;
	if (f->flags & ISAKMP_FRAG_LAST)
		s->last = f->num;
	if (!s->last || s->count != s->last)
		return 0;
	return set_join(t, pp, whole);
}

int frag_split(const uint8_t *msg, size_t len, uint8_t exchange, size_t room,
	       void (*out)(void *arg, const uint8_t *frag, size_t len), void *arg)
{
	struct isakmp_hdr h;
	size_t chunk, off, n;
	struct buf b;
	unsigned num;
	int err = 0;

	if (len < ISAKMP_HDR_LEN || room <= ISAKMP_HDR_LEN + ISAKMP_FRAG_HDR_LEN)
		return -EINVAL;
	chunk = room - ISAKMP_HDR_LEN - ISAKMP_FRAG_HDR_LEN;
	if ((len + chunk - 1) / chunk > FRAG_MAX_FRAGMENTS) /* what a receiver takes */
		return -EINVAL;
	memcpy(h.icookie, msg, 8);
	memcpy(h.rcookie, msg + 8, 8);
	h.next_payload = ISAKMP_PL_FRAG;
	h.version = msg[17];
	h.exchange = exchange;
	h.flags = 0;
	h.msgid = 0;
	h.length = 0;
	buf_init(&b);
	for (off = 0, num = 1; off < len && !err; off += n, num++) {
		n = len - off < chunk ? len - off : chunk;
		buf_reset(&b);
		err = wire_add_frag(&b, &h, FRAG_ID, (uint8_t)num, off + n == len, msg + off, n);
		if (!err)
			out(arg, b.data, b.len);
	}
	buf_free(&b);
	return err;
}
