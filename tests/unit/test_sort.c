/*
 * test_sort.c - the object index: the in-place introsort of the object
 * table (formats/godump/objects.c), the overlap check of
 * godump_index_objects and goheap_dump_find_object, against qsort and a
 * linear search on random and adversarial arrays.
 *
 * The tests build arrays of goheap_object and copy them into and out of
 * the structure-of-arrays table around each call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/godump/dump_int.h"

#include "check.h"
#include "testutil.h"

static int cmp_full(const void *a, const void *b)
{
	const goheap_object *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->contents_off != y->contents_off)
		return x->contents_off < y->contents_off ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return 0;
}

static void swap_obj(goheap_object *a, goheap_object *b)
{
	goheap_object t = *a;
	*a = *b;
	*b = t;
}

/* Copy v into a fresh table (t->n = n); false when out of memory. */
static bool table_from(objects *t, const goheap_object *v, size_t n)
{
	if (objects_alloc(t, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (objects_set(t, i, v[i].addr, v[i].contents_off, v[i].size))
			return false;
	return true;
}

static void table_to(const objects *t, goheap_object *v)
{
	for (size_t i = 0; i < t->n; i++)
		v[i] = (goheap_object){ t->addr[i], objects_off(t, i), objects_size(t, i) };
}

typedef void (*table_sorter)(objects *, size_t, size_t);

/* Run a table sorter over an array of goheap_object. */
static void run_sorter(table_sorter fn, goheap_object *v, size_t n)
{
	objects t;
	if (!table_from(&t, v, n)) {
		CHECKF(0, "out of memory");
		objects_free(&t);
		return;
	}
	fn(&t, 0, n);
	table_to(&t, v);
	objects_free(&t);
}

static void sort_objects(goheap_object *v, size_t n) { run_sorter(objects_sort_range, v, n); }
static void heap_sort(goheap_object *v, size_t n) { run_sorter(objects_heap_sort, v, n); }
static void insertion_sort(goheap_object *v, size_t n) { run_sorter(objects_insertion_sort, v, n); }

typedef void (*sorter)(goheap_object *, size_t);

/* Sort a copy with fn, and check it is ordered and a permutation. */
static void check_sorter(sorter fn, const char *name, const goheap_object *in, size_t n, const char *pattern)
{
	goheap_object *got = malloc((n ? n : 1) * sizeof *got);
	goheap_object *want = malloc((n ? n : 1) * sizeof *want);
	if (!got || !want) {
		CHECKF(0, "out of memory");
		free(got);
		free(want);
		return;
	}
	if (n) {
		memcpy(got, in, n * sizeof *got);
		memcpy(want, in, n * sizeof *want);
	}
	fn(got, n);
	size_t bad = n;
	for (size_t i = 1; i < n && bad == n; i++)
		if (got[i - 1].addr > got[i].addr)
			bad = i;
	CHECKF(bad == n, "%s, %s pattern, n=%zu: out of order at %zu", name, pattern, n, bad);
	/* Same multiset: tie-break both with qsort and compare. */
	qsort(got, n, sizeof *got, cmp_full);
	qsort(want, n, sizeof *want, cmp_full);
	CHECKF(n == 0 || memcmp(got, want, n * sizeof *got) == 0,
	       "%s, %s pattern, n=%zu: not a permutation of the input", name, pattern, n);
	free(got);
	free(want);
}

enum pattern { P_RANDOM, P_FEW, P_SORTED, P_REVERSED, P_EQUAL, P_ORGAN, P_SAW, P_NEAR, P_KILLER, P_SPANS, P_COUNT };
static const char *const pattern_names[P_COUNT] = {
	"random", "few-distinct", "sorted", "reversed", "all-equal", "organ-pipe",
	"sawtooth", "nearly-sorted", "median-of-3-killer", "span-order",
};

static void fill(goheap_object *v, size_t n, enum pattern p, tu_rng *r)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t a;
		switch (p) {
		case P_RANDOM: a = tu_rand(r); break;
		case P_FEW: a = tu_below(r, 4) * 0x1000; break;
		case P_SORTED: a = 0xc000000000ull + 16 * i; break;
		case P_REVERSED: a = UINT64_MAX - 16 * i; break;
		case P_EQUAL: a = 42; break;
		case P_ORGAN: a = i < n / 2 ? i : n - i; break;
		case P_SAW: a = i % 17; break;
		case P_NEAR: a = i; break;
		case P_KILLER: {
			/* Musser's median-of-3 killer sequence. */
			size_t k = n / 2;
			if (i < k)
				a = i % 2 == 0 ? i + 1 : k + i + (k % 2 == 0 ? 0 : 1);
			else
				a = 2 * (i - k + 1);
			break;
		}
		case P_SPANS:
			/* Like a real dump: runs of ascending slots, runs shuffled. */
			a = 0xc000000000ull + (tu_below(r, 64) << 13) + (i % 64) * 32;
			break;
		default: a = 0; break;
		}
		v[i].addr = a;
		/* identifies the element; even ones past 4 GiB from i = 16 on (off_hi) */
		v[i].contents_off = i % 2 ? i : (uint64_t)i << 28;
		v[i].size = tu_below(r, 3) + 1;
	}
	if (p == P_NEAR && n > 1)
		for (int k = 0; k < 5; k++) {
			size_t x = tu_below(r, n), y = tu_below(r, n);
			swap_obj(&v[x], &v[y]);
		}
}

static void test_sorts(void)
{
	tu_rng r = { 20261121 };
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 7, 15, 16, 17, 18, 31, 32, 33, 64,
					100, 255, 256, 257, 1000, 4096, 10007, 65536 };
	size_t max = 65536;
	goheap_object *v = malloc(max * sizeof *v);
	if (!v) {
		CHECKF(0, "out of memory");
		return;
	}
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		for (int p = 0; p < P_COUNT; p++) {
			fill(v, n, (enum pattern)p, &r);
			check_sorter(sort_objects, "sort_objects", v, n, pattern_names[p]);
			if (n <= 4096) {
				check_sorter(heap_sort, "heap_sort", v, n, pattern_names[p]);
				check_sorter(insertion_sort, "insertion_sort", v, n, pattern_names[p]);
			}
		}
	}
	/* Many small random arrays of every length up to 300. */
	for (size_t n = 0; n <= 300; n++)
		for (int rep = 0; rep < 4; rep++) {
			enum pattern p = rep == 0 ? P_RANDOM : rep == 1 ? P_FEW : rep == 2 ? P_SAW : P_SPANS;
			fill(v, n, p, &r);
			check_sorter(sort_objects, "sort_objects", v, n, pattern_names[p]);
		}
	free(v);
}

/*
 * Index v[0..n) the way the reader's fallback does (godump_index_objects on
 * a dump holding only an object table), then copy the sorted table back
 * into v. The dump keeps the table for goheap_dump_find_object.
 */
static int index_objects(goheap_dump *dp, goheap_object *v, size_t n, goheap_diag *diag)
{
	objects_free(&dp->obj);
	if (!table_from(&dp->obj, v, n))
		return GOHEAP_ENOMEM;
	int rc = godump_index_objects(dp, diag);
	table_to(&dp->obj, v);
	return rc;
}

/* Linear search, the specification of goheap_dump_find_object. */
static int brute_find(const goheap_object *v, size_t n, uint64_t a, size_t *idx)
{
	for (size_t i = 0; i < n; i++)
		if (a >= v[i].addr && a - v[i].addr < v[i].size) {
			*idx = i;
			return GOHEAP_OK;
		}
	return GOHEAP_ENOTFOUND;
}

static void test_index_and_find(void)
{
	tu_rng r = { 7 };
	for (int round = 0; round < 40; round++) {
		size_t n = (size_t)tu_below(&r, 600) + (round == 0 ? 0 : 1);
		if (round == 0)
			n = 0;
		goheap_object *v = malloc((n ? n : 1) * sizeof *v);
		if (!v) {
			CHECKF(0, "out of memory");
			return;
		}
		/* Disjoint objects with random gaps (often none), near the top
		 * of the address space in some rounds. */
		uint64_t a = round % 3 == 0 ? UINT64_MAX - 600 * 4200 : 0xc000000000ull;
		for (size_t i = 0; i < n; i++) {
			v[i].size = round % 2 ? (uint64_t)8 << tu_below(&r, 4) : tu_below(&r, 4096) + 1;
			v[i].addr = a + (tu_below(&r, 3) == 0 ? 0 : tu_below(&r, 64));
			v[i].contents_off = i;
			a = v[i].addr + v[i].size;
		}
		/* Shuffle, then index: must sort back and accept. */
		for (size_t i = n; i > 1; i--) {
			size_t j = tu_below(&r, i);
			swap_obj(&v[i - 1], &v[j]);
		}
		goheap_dump d;
		memset(&d, 0, sizeof d);
		goheap_diag diag;
		diag_clear(&diag);
		CHECK_EQ_I(index_objects(&d, v, n, &diag), GOHEAP_OK);
		for (size_t i = 1; i < n; i++)
			CHECK(v[i - 1].addr + v[i - 1].size <= v[i].addr);
		/* Probes: every first, last and interior byte, the bytes just
		 * around each object, and random addresses. */
		size_t nprobe = 0, bad = 0;
		for (size_t i = 0; i < n + 200; i++) {
			uint64_t probes[6];
			int np;
			if (i < n) {
				const goheap_object *o = &v[i];
				probes[0] = o->addr;
				probes[1] = o->addr + o->size - 1;
				probes[2] = o->addr + o->size / 2;
				probes[3] = o->addr - 1;
				probes[4] = o->addr + o->size;
				probes[5] = o->addr + tu_below(&r, o->size);
				np = 6;
			} else {
				probes[0] = tu_rand(&r);
				probes[1] = n ? v[0].addr + tu_below(&r, v[n - 1].addr - v[0].addr + 1) : 0;
				np = 2;
			}
			for (int k = 0; k < np; k++) {
				size_t want_idx = 0;
				uint32_t got_idx = UINT32_MAX;
				int want = brute_find(v, n, probes[k], &want_idx);
				int got = goheap_dump_find_object(&d, probes[k], &got_idx);
				nprobe++;
				if (got != want || (got == GOHEAP_OK && got_idx != want_idx)) {
					if (bad++ < 5)
						fprintf(stderr, "round %d: find(0x%llx) = %d/%u, want %d/%zu\n", round,
							(unsigned long long)probes[k], got, got_idx, want, want_idx);
				}
			}
		}
		CHECKF(bad == 0, "round %d: %zu of %zu probes disagree with a linear search", round, bad, nprobe);
		/* Make two objects overlap: the index must refuse. */
		if (n >= 2) {
			size_t i = 1 + tu_below(&r, n - 1);
			v[i].addr = v[i - 1].addr + v[i - 1].size - 1;
			uint64_t want_off = v[i].contents_off, prev_off = v[i - 1].contents_off;
			bool same_addr = v[i - 1].size == 1;
			for (size_t k = n; k > 1; k--) {
				size_t j = tu_below(&r, k);
				swap_obj(&v[k - 1], &v[j]);
			}
			diag_clear(&diag);
			CHECK_EQ_I(index_objects(&d, v, n, &diag), GOHEAP_ECORRUPT);
			CHECK_STR(diag.record, "object");
			CHECK_STR(diag.field, "addr");
			CHECK_CONTAINS(diag.msg, "overlap");
			/* Reported at the later object (equal addresses: either). */
			CHECK(diag.offset == want_off || (same_addr && diag.offset == prev_off));
			/* Two objects at the same address overlap as well. */
			for (size_t k = 0; k < n; k++)
				v[k].addr = (uint64_t)k * 0x10000;
			v[n - 1].addr = v[0].addr;
			diag_clear(&diag);
			CHECK_EQ_I(index_objects(&d, v, n, &diag), GOHEAP_ECORRUPT);
		}
		objects_free(&d.obj);
		free(v);
	}
}

int main(void)
{
	test_sorts();
	test_index_and_find();
	return CHECK_DONE();
}
