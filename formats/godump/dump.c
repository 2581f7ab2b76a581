/*
 * dump.c - opening and freeing a dump, the object index and the accessors.
 *
 * The object index is the objects array itself, sorted by address in place
 * (introsort: no scratch memory, no recursion), so a containing-object
 * lookup is one binary search and costs no memory beyond the 24 bytes each
 * object already takes.
 */
#include <stdlib.h>
#include <string.h>

#include "formats/godump/dump_int.h"
#include "util/cursor.h"

/* ---- sorting objects by address ---------------------------------------- */

static inline void swap_obj(goheap_object *a, goheap_object *b)
{
	goheap_object t = *a;
	*a = *b;
	*b = t;
}

static void insertion_sort(goheap_object *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		goheap_object x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1].addr > x.addr) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void sift_down(goheap_object *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1].addr > v[child].addr)
			child++;
		if (v[root].addr >= v[child].addr)
			return;
		swap_obj(&v[root], &v[child]);
		root = child;
	}
}

static void heap_sort(goheap_object *v, size_t n)
{
	for (size_t i = n / 2; i > 0; i--)
		sift_down(v, i - 1, n);
	for (size_t i = n; i > 1; i--) {
		swap_obj(&v[0], &v[i - 1]);
		sift_down(v, 0, i - 1);
	}
}

/*
 * Introsort with an explicit stack: quicksort on median-of-three pivots,
 * the smaller side pushed (so the stack stays O(log n)), heapsort when a
 * range has been split too often, insertion sort for short ranges.
 */
static void sort_objects(goheap_object *v, size_t n)
{
	struct range { size_t lo, n; unsigned budget; } stack[128];
	size_t sp = 0;
	unsigned budget = 2;
	for (size_t m = n; m > 1; m >>= 1)
		budget += 2;
	stack[sp++] = (struct range){ 0, n, budget };
	while (sp) {
		struct range r = stack[--sp];
		while (r.n > 16) {
			goheap_object *a = v + r.lo;
			if (r.budget-- == 0) {
				heap_sort(a, r.n);
				r.n = 0;
				break;
			}
			size_t mid = r.n / 2, last = r.n - 1;
			if (a[mid].addr < a[0].addr) swap_obj(&a[mid], &a[0]);
			if (a[last].addr < a[0].addr) swap_obj(&a[last], &a[0]);
			if (a[last].addr < a[mid].addr) swap_obj(&a[last], &a[mid]);
			uint64_t pivot = a[mid].addr;
			size_t i = 0, j = last;
			for (;;) {
				while (a[i].addr < pivot) i++;
				while (a[j].addr > pivot) j--;
				if (i >= j)
					break;
				swap_obj(&a[i], &a[j]);
				i++;
				j--;
			}
			/* [0, j] <= pivot <= [j+1, n) */
			size_t left_n = j + 1, right_lo = r.lo + j + 1, right_n = r.n - (j + 1);
			if (left_n < right_n) {
				stack[sp++] = (struct range){ right_lo, right_n, r.budget };
				r.n = left_n;
			} else {
				stack[sp++] = (struct range){ r.lo, left_n, r.budget };
				r.lo = right_lo;
				r.n = right_n;
			}
		}
		if (r.n > 1)
			insertion_sort(v + r.lo, r.n);
	}
}

static int check_disjoint(const goheap_dump *dp, goheap_diag *diag);

int godump_index_objects(goheap_dump *dp, goheap_diag *diag)
{
	goheap_object *v = dp->objects.v;
	size_t n = dp->objects.n;
	bool sorted = true;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = v[i - 1].addr <= v[i].addr;
	if (!sorted)
		sort_objects(v, n);
	return check_disjoint(dp, diag);
}

/* Sorted objects must not overlap: find_object relies on it. */
static int check_disjoint(const goheap_dump *dp, goheap_diag *diag)
{
	const goheap_object *v = dp->objects.v;
	size_t n = dp->objects.n;
	for (size_t i = 1; i < n; i++) {
		if (v[i].addr - v[i - 1].addr < v[i - 1].size)
			return diag_set(diag, GOHEAP_ECORRUPT, v[i].contents_off, "object", "addr",
					"objects overlap: 0x%llx (%llu bytes) and 0x%llx",
					(unsigned long long)v[i - 1].addr, (unsigned long long)v[i - 1].size,
					(unsigned long long)v[i].addr);
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
 * Decode the count object records of a run into out[0..count), which is
 * objects[base..]; set the has-pointers bit of each in dp->span_tail.
 */
static int decode_run(goheap_dump *dp, const godump_run *r, size_t base, goheap_diag *diag)
{
	cursor c;
	goheap_object *out = dp->objects.v + base;
	cursor_init(&c, dp->in.data, dp->in.len, diag);
	c.p = dp->in.data + r->file_off;
	c.record = "object";
	for (uint64_t i = 0; i < r->count; i++) {
		uint64_t tag;
		int rc = cursor_uvarint(&c, &tag, "tag");
		if (!rc)
			rc = cursor_uvarint(&c, &out[i].addr, "addr");
		if (!rc)
			rc = cursor_range(&c, &out[i].contents_off, &out[i].size, "contents");
		if (rc)
			return rc;
		if (godump_fields_any(c.p, c.end)) {
			size_t k = base + (size_t)i;
			dp->span_tail[k / 8] |= (uint8_t)(1u << (k % 8));
		}
		c.p = skip_fields(c.p, c.end);
	}
	return GOHEAP_OK;
}

int godump_place_objects(goheap_dump *dp, goheap_diag *diag)
{
	size_t n = (size_t)dp->nobjects, bytes;
	if (dp->nobjects > UINT32_MAX - 1)
		return diag_set(diag, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, "object", NULL,
				"%llu objects: goheap indexes at most 2^32-1", (unsigned long long)dp->nobjects);
	if (mul_overflows(n ? n : 1, sizeof(goheap_object), &bytes) ||
	    !(dp->objects.v = malloc(bytes)))
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL,
				"out of memory for %zu objects", n);
	dp->objects.alloc = n;
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
	dp->objects.n = at;
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
	VEC_FREE(dp->objects);
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

ARRAY_ACCESSOR(goheap_dump_objects, goheap_object, objects)
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

int goheap_dump_find_object(const goheap_dump *dp, uint64_t a, uint32_t *index)
{
	const goheap_object *v = dp->objects.v;
	size_t lo = 0, hi = dp->objects.n;
	/* Find the last object whose addr <= a. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return GOHEAP_ENOTFOUND;
	const goheap_object *o = &v[lo - 1];
	if (a - o->addr >= o->size)
		return GOHEAP_ENOTFOUND;
	*index = (uint32_t)(lo - 1);
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
