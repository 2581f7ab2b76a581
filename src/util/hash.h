/*
 * hash.h - hashing and a string-keyed hash map (string -> uint32).
 *
 * hash.c is the only file that includes xxhash.h (XXH3, inlined). The map
 * copies its keys into one growing arena and never shrinks; lookups are
 * open addressing over a power-of-two table kept at most half full.
 */
#ifndef GOHEAP_UTIL_HASH_H
#define GOHEAP_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash_bytes(const void *p, size_t n);

typedef struct strmap {
	struct strmap_slot { uint64_t hash; uint32_t key_off, key_len; uint32_t value; } *slots;
	size_t cap, count;
	char *keys;               /* arena of NUL-terminated keys */
	size_t keys_len, keys_alloc;
} strmap;

/* Zero-initialise a strmap before use; strmap_free releases it. */
void strmap_free(strmap *m);

/* The value stored for key, or UINT32_MAX. */
uint32_t strmap_get(const strmap *m, const char *key, size_t len);

/* Store key -> value (replacing). 0, or -1 when out of memory. */
int strmap_put(strmap *m, const char *key, size_t len, uint32_t value);

/* The stored copy of a key (NUL-terminated), valid until the next put. */
const char *strmap_key(const strmap *m, const char *key, size_t len);

#endif
