/*
 * testutil.h - small helpers shared by the C tests: reading a whole file
 * (inflating gzip, like the library does), a seeded random generator, and
 * gzip-compressing a buffer.
 */
#ifndef GOHEAP_TESTS_TESTUTIL_H
#define GOHEAP_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read the file at path into a fresh malloc'ed buffer of exactly *len bytes
 * (one extra byte is never allocated, so ASan sees reads past the end).
 * A gzip file is inflated (zlib's gzread). Returns NULL on failure, after
 * printing why.
 */
uint8_t *tu_read_file(const char *path, size_t *len);

/* Copy n bytes into a fresh buffer of exactly n bytes (NULL if n is 0). */
uint8_t *tu_dup(const void *p, size_t n);

/* gzip-compress [p, p+n) into a fresh buffer; NULL on failure. */
uint8_t *tu_gzip(const void *p, size_t n, size_t *out_len);

/*
 * All objects of a dump as one malloc'ed array of goheap_object, index i
 * = goheap_dump_object(dp, i); *n set to the count. NULL when out of memory.
 */
struct goheap_dump;
struct goheap_object;
struct goheap_object *tu_objects(const struct goheap_dump *dp, size_t *n);

/* The last path component (no allocation). */
const char *tu_basename(const char *path);

/* splitmix64: deterministic, seedable, good enough for sampling. */
typedef struct tu_rng { uint64_t s; } tu_rng;

static inline uint64_t tu_rand(tu_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t tu_below(tu_rng *r, uint64_t n)
{
	return tu_rand(r) % n;
}

#endif
