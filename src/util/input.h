/*
 * input.h - bring a dump file into memory: mapped read-only when it is
 * plain, inflated into a heap buffer when it is gzip-compressed.
 *
 * Inflation grows its buffer with the bytes zlib actually produces, never
 * with a size the file claims, and stops at max_inflated.
 */
#ifndef GOHEAP_UTIL_INPUT_H
#define GOHEAP_UTIL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goheap/goheap.h"

/* Default cap on a gzip dump's inflated size: 16 GiB. */
#define INPUT_DEFAULT_MAX_INFLATED ((uint64_t)16 << 30)

typedef struct input {
	const uint8_t *data;   /* the (decompressed) bytes */
	size_t len;
	void *map;             /* mmap'ed region to unmap, or NULL */
	size_t map_len;
	uint8_t *owned;        /* heap buffer to free, or NULL */
	bool compressed;       /* the source was gzip */
} input;

/* True if the bytes start with the gzip magic number. */
bool input_is_gzip(const uint8_t *p, size_t len);

int input_open_path(input *in, const char *path, uint64_t max_inflated, goheap_diag *d);
int input_from_mem(input *in, const void *data, size_t len, uint64_t max_inflated, goheap_diag *d);
void input_close(input *in);

#endif
