/*
 * dump.c - opening and freeing a dump, the object index and the accessors.
 *
 * Objects are read in two passes. The first (reader.c) validates every
 * record and notes runs of objects in address order; the second decodes
 * each run straight into its sorted place in the object table
 * (objects.h), allocated once at the exact count: no sort, no regrowth.
 */
#include <stdlib.h>
#include <string.h>

#include "formats/godump/dump_int.h"
#include "util/cursor.h"

static int check_disjoint(const goheap_dump *dp, goheap_diag *diag);

int godump_index_objects(goheap_dump *dp, goheap_diag *diag)
{
	objects_sort(&dp->obj);
	return check_disjoint(dp, diag);
}

/* Sorted objects must not overlap: find_object relies on it. */
static int check_disjoint(const goheap_dump *dp, goheap_diag *diag)
{
	const objects *t = &dp->obj;
	for (size_t i = 1; i < t->n; i++) {
		uint64_t prev = objects_size(t, i - 1);
		if (t->addr[i] - t->addr[i - 1] < prev)
			return diag_set(diag, GOHEAP_ECORRUPT, objects_off(t, i), "object", "addr",
					"objects overlap: 0x%llx (%llu bytes) and 0x%llx",
					(unsigned long long)t->addr[i - 1], (unsigned long long)prev,
					(unsigned long long)t->addr[i]);
	}
	return GOHEAP_OK;
}

/* Heapsort runs by first address: in place, and runs are few. */
static void sort_runs(godump_run *v, size_t n)
{
	for (size_t k = n / 2; k-- > 0;) {
		for (size_t root = k;;) {
			size_t child = 2 * root + 1;
			if (child >= n)
				break;
			if (child + 1 < n && v[child + 1].first > v[child].first)
				child++;
			if (v[root].first >= v[child].first)
				break;
			godump_run t = v[root]; v[root] = v[child]; v[child] = t;
			root = child;
		}
	}
	for (size_t end = n; end > 1; end--) {
		godump_run t = v[0]; v[0] = v[end - 1]; v[end - 1] = t;
		for (size_t root = 0;;) {
			size_t child = 2 * root + 1;
			if (child >= end - 1)
				break;
			if (child + 1 < end - 1 && v[child + 1].first > v[child].first)
				child++;
			if (v[root].first >= v[child].first)
				break;
			t = v[root]; v[root] = v[child]; v[child] = t;
			root = child;
		}
	}
}

/*
 * Skip a field list the first pass validated: kind varints, each but the
 * last followed by an offset varint; kind 0 ends the list. A kind may be a
 * padded varint ("80 00" is 0, "81 00" is 1): the first pass accepts those,
 * so a kind is zero when all its 7-bit groups are. Bounded by end anyway.
 */
static const uint8_t *skip_fields(const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		uint8_t b, bits = 0;
		do
			bits |= (b = *p++) & 0x7f;
		while ((b & 0x80) && p < end);
		if (!bits)
			break;
		while (p < end && (*p++ & 0x80))
			;
	}
	return p;
}

/*
 * Decode the count object records of a run into objects [base, base+count),
 * and set the has-pointers bit of each in dp->span_tail.
 */
static int decode_run(goheap_dump *dp, const godump_run *r, size_t base, goheap_diag *diag)
{
	cursor c;
	cursor_init(&c, dp->in.data, dp->in.len, diag);
	c.p = dp->in.data + r->file_off;
	c.record = "object";
	for (uint64_t i = 0; i < r->count; i++) {
		uint64_t tag, addr, off = 0, size = 0;
		int rc = cursor_uvarint(&c, &tag, "tag");
		if (!rc)
			rc = cursor_uvarint(&c, &addr, "addr");
		if (!rc)
			rc = cursor_range(&c, &off, &size, "contents");
		if (rc)
			return rc;
		size_t k = base + (size_t)i;
		if (objects_set(&dp->obj, k, addr, off, size))
			return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
		if (godump_fields_any(c.p, c.end))
			dp->span_tail[k / 8] |= (uint8_t)(1u << (k % 8));
		c.p = skip_fields(c.p, c.end);
	}
	return GOHEAP_OK;
}

int godump_place_objects(goheap_dump *dp, goheap_diag *diag)
{
	size_t n = (size_t)dp->nobjects;
	if (dp->nobjects > UINT32_MAX - 1)
		return diag_set(diag, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, "object", NULL,
				"%llu objects: goheap indexes at most 2^32-1", (unsigned long long)dp->nobjects);
	if (objects_alloc(&dp->obj, n))
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL,
				"out of memory for %zu objects", n);
	/* Has-pointers bits for spans.c, which turns them into span-tail bits. */
	if (!(dp->span_tail = calloc(n / 8 + 1, 1)))
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	godump_run *runs = dp->runs.v;
	size_t nruns = dp->runs.n;
	sort_runs(runs, nruns);
	bool disjoint = true;
	for (size_t i = 1; i < nruns && disjoint; i++)
		disjoint = runs[i - 1].end <= runs[i].first;
	size_t at = 0;
	for (size_t i = 0; i < nruns; i++) {
		int rc = decode_run(dp, &runs[i], at, diag);
		if (rc)
			return rc;
		at += (size_t)runs[i].count;
	}
	VEC_FREE(dp->runs);
	if (disjoint)
		return check_disjoint(dp, diag);
	/*
	 * Interleaved runs (never written by the runtime) need a real sort,
	 * which moves objects away from their has-pointers bits.
	 */
	free(dp->span_tail);
	dp->span_tail = NULL;
	return godump_index_objects(dp, diag);
}

/* ---- open / free -------------------------------------------------------- */

static int finish_open(goheap_dump *dp, goheap_dump **out, const goheap_open_opts *opts,
		       goheap_diag *diag)
{
	int rc = godump_read(dp, opts, diag);
	if (!rc)
		rc = godump_place_objects(dp, diag);
	if (!rc)
		rc = godump_find_span_tails(dp, diag);
	if (rc) {
		goheap_dump_free(dp);
		return rc;
	}
	*out = dp;
	return GOHEAP_OK;
}

static goheap_dump *dump_new(goheap_diag *diag)
{
	goheap_dump *dp = calloc(1, sizeof *dp);
	if (!dp)
		diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	return dp;
}

int goheap_dump_open(goheap_dump **out, const char *path, const goheap_open_opts *opts,
		     goheap_diag *diag)
{
	if (!out || !path)
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "no output or path");
	*out = NULL;
	diag_clear(diag);
	goheap_dump *dp = dump_new(diag);
	if (!dp)
		return GOHEAP_ENOMEM;
	int rc = input_open_path(&dp->in, path, opts ? opts->max_inflated : 0, diag);
	if (rc) {
		free(dp);
		return rc;
	}
	return finish_open(dp, out, opts, diag);
}

int goheap_dump_open_mem(goheap_dump **out, const void *data, size_t len,
			 const goheap_open_opts *opts, goheap_diag *diag)
{
	if (!out || (!data && len))
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "no output or data");
	*out = NULL;
	diag_clear(diag);
	goheap_dump *dp = dump_new(diag);
	if (!dp)
		return GOHEAP_ENOMEM;
	static const uint8_t empty[1];
	int rc = input_from_mem(&dp->in, data ? data : empty, len, opts ? opts->max_inflated : 0, diag);
	if (rc) {
		free(dp);
		return rc;
	}
	return finish_open(dp, out, opts, diag);
}

void goheap_dump_free(goheap_dump *dp)
{
	if (!dp)
		return;
	objects_free(&dp->obj);
	VEC_FREE(dp->runs);
	VEC_FREE(dp->goroutines);
	VEC_FREE(dp->frames);
	VEC_FREE(dp->segments);
	VEC_FREE(dp->finalizers);
	VEC_FREE(dp->types);
	VEC_FREE(dp->itabs);
	VEC_FREE(dp->osthreads);
	VEC_FREE(dp->otherroots);
	VEC_FREE(dp->defers);
	VEC_FREE(dp->panics);
	VEC_FREE(dp->memprofs);
	VEC_FREE(dp->memprof_frames);
	VEC_FREE(dp->allocsamples);
	free(dp->span_tail);
	input_close(&dp->in);
	free(dp);
}

/* ---- accessors ---------------------------------------------------------- */

const goheap_params *goheap_dump_params(const goheap_dump *dp) { return &dp->params; }

void goheap_dump_go_version(const goheap_dump *dp, unsigned *major, unsigned *minor)
{
	*major = dp->go_major;
	*minor = dp->go_minor;
}

uint64_t goheap_dump_size(const goheap_dump *dp) { return dp->in.len; }
bool goheap_dump_was_compressed(const goheap_dump *dp) { return dp->in.compressed; }
const uint8_t *goheap_dump_data(const goheap_dump *dp, uint64_t off) { return dp->in.data + off; }
uint64_t goheap_dump_object_pointers(const goheap_dump *dp) { return dp->object_pointers; }

goheap_record_stat goheap_dump_record_stat(const goheap_dump *dp, unsigned tag)
{
	goheap_record_stat none = { 0, 0 };
	return tag < GOHEAP_TAG_COUNT ? dp->stats[tag] : none;
}

const goheap_memstats *goheap_dump_memstats(const goheap_dump *dp)
{
	return dp->have_memstats ? &dp->memstats : NULL;
}

#define ARRAY_ACCESSOR(fn, type, vec)                                      \
	const type *fn(const goheap_dump *dp, size_t *count)               \
	{                                                                  \
		*count = dp->vec.n;                                        \
		return dp->vec.v;                                          \
	}

ARRAY_ACCESSOR(goheap_dump_goroutines, goheap_goroutine, goroutines)
ARRAY_ACCESSOR(goheap_dump_frames, goheap_frame, frames)
ARRAY_ACCESSOR(goheap_dump_segments, goheap_segment, segments)
ARRAY_ACCESSOR(goheap_dump_finalizers, goheap_finalizer, finalizers)
ARRAY_ACCESSOR(goheap_dump_types, goheap_type, types)
ARRAY_ACCESSOR(goheap_dump_itabs, goheap_itab, itabs)
ARRAY_ACCESSOR(goheap_dump_osthreads, goheap_osthread, osthreads)
ARRAY_ACCESSOR(goheap_dump_otherroots, goheap_otherroot, otherroots)
ARRAY_ACCESSOR(goheap_dump_defers, goheap_defer, defers)
ARRAY_ACCESSOR(goheap_dump_panics, goheap_panic, panics)
ARRAY_ACCESSOR(goheap_dump_memprofs, goheap_memprof, memprofs)
ARRAY_ACCESSOR(goheap_dump_memprof_frames, goheap_memprof_frame, memprof_frames)
ARRAY_ACCESSOR(goheap_dump_allocsamples, goheap_allocsample, allocsamples)

size_t goheap_dump_object_count(const goheap_dump *dp) { return dp->obj.n; }
const uint64_t *goheap_dump_object_addrs(const goheap_dump *dp) { return dp->obj.addr; }

goheap_object goheap_dump_object(const goheap_dump *dp, uint32_t index)
{
	goheap_object o = { dp->obj.addr[index], objects_off(&dp->obj, index), objects_size(&dp->obj, index) };
	return o;
}

int goheap_dump_find_object(const goheap_dump *dp, uint64_t a, uint32_t *index)
{
	size_t i;
	if (!objects_find(&dp->obj, a, &i))
		return GOHEAP_ENOTFOUND;
	*index = (uint32_t)i;
	return GOHEAP_OK;
}

/* ---- field lists and words ---------------------------------------------- */

goheap_fields goheap_fields_at(const goheap_dump *dp, uint64_t fields_off)
{
	goheap_fields it = { dp->in.data + fields_off, dp->in.data + dp->in.len };
	return it;
}

goheap_fields goheap_object_fields(const goheap_dump *dp, const goheap_object *obj)
{
	return goheap_fields_at(dp, obj->contents_off + obj->size);
}

/* Decode one varint; field lists were validated, but stay in bounds anyway. */
static bool next_varint(goheap_fields *it, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned shift = 0; it->p < it->end && shift < 64; shift += 7) {
		uint8_t b = *it->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			*out = v;
			return true;
		}
	}
	it->p = it->end;
	return false;
}

bool goheap_fields_next(goheap_fields *it, uint64_t *offset)
{
	uint64_t kind;
	if (!next_varint(it, &kind) || kind == 0) {
		it->p = it->end;
		return false;
	}
	return next_varint(it, offset);
}

uint64_t goheap_dump_read_word(const goheap_dump *dp, const uint8_t *p)
{
	uint64_t v = 0;
	unsigned n = dp->params.ptr_size;
	if (dp->params.big_endian)
		for (unsigned i = 0; i < n; i++)
			v = (v << 8) | p[i];
	else
		for (unsigned i = n; i > 0; i--)
			v = (v << 8) | p[i - 1];
	return v;
}
