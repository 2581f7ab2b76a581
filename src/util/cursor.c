/* cursor.c - bounds-checked reads; see cursor.h. */
#include "util/cursor.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cursor_fail(cursor *c, const char *field, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return diag_set(c->diag, GOHEAP_ECORRUPT, cursor_offset(c), c->record, field, "%s", msg);
}

int cursor_uvarint_slow(cursor *c, uint64_t *out, const char *field)
{
	uint64_t v = 0;
	const uint8_t *p = c->p;
	for (unsigned i = 0; i < 10; i++) {
		if (p >= c->end)
			return cursor_fail(c, field, "truncated varint");
		uint8_t b = *p++;
		if (i == 9 && b > 1)
			return cursor_fail(c, field, "varint overflows 64 bits");
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (b < 0x80) {
			*out = v;
			c->p = p;
			return GOHEAP_OK;
		}
	}
	return cursor_fail(c, field, "varint longer than 10 bytes");
}

int cursor_bool(cursor *c, bool *out, const char *field)
{
	uint64_t v;
	const uint8_t *start = c->p;
	int rc = cursor_uvarint(c, &v, field);
	if (rc)
		return rc;
	if (v > 1) {
		c->p = start; /* the varint may be longer than one byte */
		return cursor_fail(c, field, "bool is %llu, not 0 or 1", (unsigned long long)v);
	}
	*out = v != 0;
	return GOHEAP_OK;
}

int cursor_range_fail(cursor *c, const uint8_t *start, uint64_t n, const char *field)
{
	uint64_t left = cursor_left(c);
	c->p = start;
	return cursor_fail(c, field, "length %llu runs past the end of the file (%llu bytes left)",
			   (unsigned long long)n, (unsigned long long)left);
}

int cursor_str(cursor *c, const char **ptr, size_t *len, const char *field)
{
	uint64_t off = 0, n = 0;
	int rc = cursor_range(c, &off, &n, field);
	if (rc)
		return rc;
	*ptr = (const char *)c->base + off;
	*len = (size_t)n;
	return GOHEAP_OK;
}

int cursor_raw(cursor *c, void *out, size_t n, const char *field)
{
	if (n > cursor_left(c))
		return cursor_fail(c, field, "truncated: %zu bytes needed, %zu left", n, cursor_left(c));
	memcpy(out, c->p, n);
	c->p += n;
	return GOHEAP_OK;
}
