/*
 * cursor.h - the only way goheap reads bytes of an input file.
 *
 * A cursor walks [p, end) of a buffer that starts at base. Every read checks
 * the end first; on failure it records the offset, the record being read
 * (cursor.record) and the field (the read's argument) in the cursor's diag
 * and returns GOHEAP_ECORRUPT. A failed read leaves p where the field began.
 *
 * Encoding (runtime/heapdump.go): integers are unsigned LEB128 varints of at
 * most 10 bytes; bools are varints 0 or 1; strings and memory ranges are a
 * varint length then that many bytes.
 */
#ifndef GOHEAP_UTIL_CURSOR_H
#define GOHEAP_UTIL_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goheap/goheap.h"
#include "util/diag.h"

typedef struct cursor {
	const uint8_t *base;   /* offset 0 of the buffer */
	const uint8_t *p;      /* next byte to read */
	const uint8_t *end;    /* one past the last readable byte */
	const char *record;    /* name of the record being decoded, for errors */
	goheap_diag *diag;     /* may be NULL */
} cursor;

static inline void cursor_init(cursor *c, const uint8_t *buf, size_t len, goheap_diag *diag)
{
	c->base = buf;
	c->p = buf;
	c->end = buf + len;
	c->record = NULL;
	c->diag = diag;
}

static inline uint64_t cursor_offset(const cursor *c)
{
	return (uint64_t)(c->p - c->base);
}

static inline size_t cursor_left(const cursor *c)
{
	return (size_t)(c->end - c->p);
}

/* Report a failure at the cursor's position (cold path). */
int cursor_fail(cursor *c, const char *field, const char *fmt, ...) GOHEAP_PRINTF(3, 4) GOHEAP_COLD;

/* Slow path of cursor_uvarint: multi-byte values and errors. */
int cursor_uvarint_slow(cursor *c, uint64_t *out, const char *field);

/*
 * Read an unsigned varint. With 10 or more bytes left no per-byte bounds
 * check is needed; malformed or short input takes the slow path, which
 * reports it.
 */
static inline int cursor_uvarint(cursor *c, uint64_t *out, const char *field)
{
	const uint8_t *p = c->p;
	if (c->end - p >= 10) {
		uint64_t v = 0;
		for (unsigned i = 0; i < 9; i++) {
			uint8_t b = p[i];
			v |= (uint64_t)(b & 0x7f) << (7 * i);
			if (b < 0x80) {
				*out = v;
				c->p = p + i + 1;
				return GOHEAP_OK;
			}
		}
	}
	return cursor_uvarint_slow(c, out, field);
}

/* Read a bool (a varint that must be 0 or 1). */
int cursor_bool(cursor *c, bool *out, const char *field);

/* Report a length that runs past the end; the cursor goes back to start. */
int cursor_range_fail(cursor *c, const uint8_t *start, uint64_t n, const char *field);

/*
 * Read a length-prefixed byte range without copying: *off is the offset of
 * its first byte from base, *len its length; the cursor moves past it.
 */
static inline int cursor_range(cursor *c, uint64_t *off, uint64_t *len, const char *field)
{
	const uint8_t *start = c->p;
	uint64_t n;
	int rc = cursor_uvarint(c, &n, field);
	if (rc)
		return rc;
	if (n > cursor_left(c))
		return cursor_range_fail(c, start, n, field);
	*off = cursor_offset(c);
	*len = n;
	c->p += n;
	return GOHEAP_OK;
}

/* Read a length-prefixed string as a pointer into the buffer. */
int cursor_str(cursor *c, const char **ptr, size_t *len, const char *field);

/* Read n raw bytes (no length prefix) into out. */
int cursor_raw(cursor *c, void *out, size_t n, const char *field);

#endif
