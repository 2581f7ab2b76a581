/*
 * objects.h - the object table of a dump: structure of arrays, one index
 * per object, sorted by address.
 *
 *   addr[i]    slot address (8 bytes)
 *   off[i]     dump offset of its contents, low 32 bits (4 bytes)
 *   off_hi[i]  bits 32..47 of that offset (2 bytes), only once an offset
 *              reaches 4 GiB (NULL before): objects_off() reads both
 *   size[i]    slot size (4 bytes); OBJECTS_BIG_SIZE means "4 GiB or more:
 *              look it up in big[]", a side table sorted by address
 *
 * 16 bytes an object (18 in dumps past 4 GiB), allocated once at the exact
 * count, sorted in place with no scratch memory and no recursion.
 */
#ifndef GOHEAP_GODUMP_OBJECTS_H
#define GOHEAP_GODUMP_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBJECTS_BIG_SIZE UINT32_MAX

typedef struct objects_big {
	uint64_t addr, size;
} objects_big;

typedef struct objects {
	size_t n;
	uint64_t *addr;
	uint32_t *off;
	uint16_t *off_hi;
	uint32_t *size;
	objects_big *big;
	size_t nbig, big_alloc;
} objects;

/* Allocate room for exactly n objects (n set); 0 or -1 when out of memory. */
int objects_alloc(objects *t, size_t n);
void objects_free(objects *t);

/* Store object i; 0, or -1 when the big-size table or off_hi cannot be
 * allocated, or the offset is 2^48 or more. */
int objects_set(objects *t, size_t i, uint64_t addr, uint64_t off, uint64_t size);

/* Dump offset of the contents of object i. */
static inline uint64_t objects_off(const objects *t, size_t i)
{
	return t->off_hi ? (uint64_t)t->off_hi[i] << 32 | t->off[i] : t->off[i];
}

/* Slot size of object i. */
uint64_t objects_size(const objects *t, size_t i);

/* Sort objects [lo, lo+n) by address (introsort, in place). */
void objects_sort_range(objects *t, size_t lo, size_t n);
/* The introsort's pieces, exposed for the unit tests. */
void objects_heap_sort(objects *t, size_t lo, size_t n);
void objects_insertion_sort(objects *t, size_t lo, size_t n);

/* Sort the whole table if it is not sorted, and the big-size table. */
void objects_sort(objects *t);

/* Index of the object whose slot contains a: true and *index, or false. */
bool objects_find(const objects *t, uint64_t a, size_t *index);

#endif
