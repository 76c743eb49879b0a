/* A hash of names to indices into an array of records whose name is a
 * NUL-terminated string at the record's start (struct section, struct
 * conn): conn names are looked up in O(1), and a configuration of 100,000
 * connections is read without comparing every name with every other.
 * The array may move (realloc): every call is given its current base. */
#ifndef OAKLEY_CONF_NAMES_H
#define OAKLEY_CONF_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct name_slot {
	uint32_t idx;  /* index + 1; 0: empty */
	uint32_t hash; /* the name's hash, low half */
};

struct name_index {
	struct name_slot *slot;
	size_t mask; /* slots - 1, a power of two minus one; 0 with no slots */
	size_t n;
};

/* The index of name, or -1. */
long name_index_find(const struct name_index *t, const void *base, size_t stride, const char *name);
/* Adds record i (the caller checked that its name is not there yet).
 * 0 or -ENOMEM. */
int name_index_add(struct name_index *t, const void *base, size_t stride, uint32_t i);
/* Room for n records without growing: 0 or -ENOMEM. */
int name_index_reserve(struct name_index *t, size_t n);
void name_index_free(struct name_index *t);

#endif
