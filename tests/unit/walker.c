/* walker.c - see walker.h. Deliberately naive and separate from the library. */
#include "walker.h"

#include <stdlib.h>
#include <string.h>

typedef struct rd {
	const uint8_t *buf;
	size_t len, pos;
	bool bad;
} rd;

static uint64_t get_varint(rd *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (r->pos >= r->len) {
			r->bad = true;
			return 0;
		}
		uint8_t b = r->buf[r->pos++];
		if (shift == 63 && b > 1) {
			r->bad = true;
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

/* A length-prefixed byte string; returns its length, sets *start. */
static uint64_t get_bytes(rd *r, uint64_t *start)
{
	uint64_t n = get_varint(r);
	if (r->bad)
		return 0;
	if (n > r->len - r->pos) {
		r->bad = true;
		return 0;
	}
	*start = r->pos;
	r->pos += (size_t)n;
	return n;
}

/* A field list: (kind, offset) pairs ended by kind 0. */
static uint64_t get_fields(rd *r)
{
	uint64_t n = 0;
	while (!r->bad) {
		uint64_t kind = get_varint(r);
		if (r->bad || kind == 0)
			break;
		(void)get_varint(r);
		n++;
	}
	return n;
}

/*
 * Record layouts, one letter per field: v uvarint, s string, f field list,
 * M the 281 memstats uvarints, S a memprof stack (count, then that many
 * (string, string, uvarint) triples).
 */
static const char *const layout[WALK_NTAGS] = {
	[0] = "",               /* eof */
	[1] = "vsf",            /* object */
	[2] = "sv",             /* otherroot */
	[3] = "vvsv",           /* type */
	[4] = "vvvvvvvvsvvvv",  /* goroutine */
	[5] = "vvvsvvvsf",      /* stackframe */
	[6] = "vvvvssv",        /* params */
	[7] = "vvvvv",          /* finalizer */
	[8] = "vv",             /* itab */
	[9] = "vvv",            /* osthread */
	[10] = "M",             /* memstats */
	[11] = "vvvvv",         /* queuedfinalizer */
	[12] = "vsf",           /* data */
	[13] = "vsf",           /* bss */
	[14] = "vvvvvvv",       /* defer */
	[15] = "vvvvvv",        /* panic */
	[16] = "vvSvv",         /* memprof */
	[17] = "vv",            /* allocsample */
};

static bool grow(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 1024;
	void *p = realloc(*v, nc * elem);
	if (!p)
		return false;
	*v = p;
	*cap = nc;
	return true;
}

static int stop(walk_result *w, const char *why, uint64_t off)
{
	w->error = why;
	w->error_off = off;
	return -1;
}

int walk_records(const uint8_t *buf, size_t len, walk_result *w)
{
	memset(w, 0, sizeof *w);
	if (len < 16 || memcmp(buf, "go1.7 heap dump\n", 16) != 0)
		return stop(w, "no go1.7 header", 0);
	rd r = { buf, len, 16, false };
	size_t rec_cap = 0, side_cap = 0, obj_cap = 0;
	for (;;) {
		uint64_t start = r.pos;
		uint64_t tag = get_varint(&r);
		if (r.bad)
			return stop(w, "no tag (file ends without EOF?)", start);
		if (tag >= WALK_NTAGS)
			return stop(w, "unknown tag", start);
		if (!grow((void **)&w->rec_off, &rec_cap, w->nrec, sizeof *w->rec_off))
			return stop(w, "out of memory", start);
		if (side_cap != rec_cap) {
			uint8_t *t = realloc(w->rec_tag, rec_cap);
			if (t)
				w->rec_tag = t;
			uint64_t *so = realloc(w->rec_str, rec_cap * sizeof *so);
			if (so)
				w->rec_str = so;
			if (!t || !so)
				return stop(w, "out of memory", start);
			side_cap = rec_cap;
		}
		w->rec_off[w->nrec] = start;
		w->rec_tag[w->nrec] = (uint8_t)tag;
		w->rec_str[w->nrec] = UINT64_MAX;
		w->nrec++;

		walk_object o = { .rec_off = start };
		int nv = 0;  /* uvarints read so far in this record */
		for (const char *f = layout[tag]; *f && !r.bad; f++) {
			uint64_t s = 0, n;
			switch (*f) {
			case 'v': {
				uint64_t v = get_varint(&r);
				if (tag == 1 && nv == 0)
					o.addr = v;
				if (tag == 6 && nv == 0)
					w->big_endian = v != 0;
				if (tag == 6 && nv == 1)
					w->ptr_size = v;
				nv++;
				break;
			}
			case 's':
				if (w->rec_str[w->nrec - 1] == UINT64_MAX)
					w->rec_str[w->nrec - 1] = r.pos;
				o.len_off = r.pos;
				n = get_bytes(&r, &s);
				o.contents_off = s;
				o.size = n;
				break;
			case 'f':
				o.nptr = get_fields(&r);
				break;
			case 'M':
				for (int i = 0; i < 281 && !r.bad; i++)
					(void)get_varint(&r);
				break;
			case 'S':
				n = get_varint(&r);
				for (uint64_t i = 0; i < n && !r.bad; i++) {
					(void)get_bytes(&r, &s);
					(void)get_bytes(&r, &s);
					(void)get_varint(&r);
				}
				break;
			}
		}
		if (r.bad)
			return stop(w, "record runs past the end", start);
		w->count[tag]++;
		w->bytes[tag] += r.pos - start;
		if (tag == 6)
			w->have_params = true;
		if (tag == 1) {
			if (!grow((void **)&w->obj, &obj_cap, w->nobj, sizeof *w->obj))
				return stop(w, "out of memory", start);
			w->obj[w->nobj++] = o;
			w->obj_fields += o.nptr;
		}
		if (tag == 0)
			break;
	}
	w->end_off = r.pos;
	if (r.pos != len)
		return stop(w, "bytes after the EOF record", r.pos);
	return 0;
}

void walk_free(walk_result *w)
{
	free(w->rec_off);
	free(w->rec_tag);
	free(w->rec_str);
	free(w->obj);
	memset(w, 0, sizeof *w);
}

size_t walk_put_varint(uint8_t *out, uint64_t v, size_t n)
{
	if (n == 0 || n > 10)
		return 0;
	if (n < 10 && (v >> (7 * n)) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(v & 0x7f);
		v >>= 7;
		out[i] = (uint8_t)(i + 1 < n ? b | 0x80 : b);
	}
	return n;
}
