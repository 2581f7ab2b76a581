/* objects.c - the object table; see objects.h. */
#include "formats/godump/objects.h"

#include <stdlib.h>

int objects_alloc(objects *t, size_t n)
{
	size_t m = n ? n : 1;
	t->n = n;
	t->big = NULL;
	t->off_hi = NULL;
	t->nbig = t->big_alloc = 0;
	if (m > SIZE_MAX / sizeof(uint64_t)) {
		t->addr = NULL;
		t->off = t->size = NULL;
		return -1;
	}
	t->addr = malloc(m * sizeof *t->addr);
	t->off = malloc(m * sizeof *t->off);
	t->size = malloc(m * sizeof *t->size);
	if (!t->addr || !t->off || !t->size) {
		objects_free(t);
		return -1;
	}
	return 0;
}

void objects_free(objects *t)
{
	free(t->addr);
	free(t->off);
	free(t->off_hi);
	free(t->size);
	free(t->big);
	t->addr = NULL;
	t->off = t->size = NULL;
	t->off_hi = NULL;
	t->big = NULL;
	t->n = t->nbig = t->big_alloc = 0;
}

int objects_set(objects *t, size_t i, uint64_t addr, uint64_t off, uint64_t size)
{
	if (off >> 48)
		return -1;
	if (off >> 32 && !t->off_hi && !(t->off_hi = calloc(t->n ? t->n : 1, sizeof *t->off_hi)))
		return -1;
	t->addr[i] = addr;
	t->off[i] = (uint32_t)off;
	if (t->off_hi)
		t->off_hi[i] = (uint16_t)(off >> 32);
	if (size < OBJECTS_BIG_SIZE) {
		t->size[i] = (uint32_t)size;
		return 0;
	}
	t->size[i] = OBJECTS_BIG_SIZE;
	if (t->nbig == t->big_alloc) {
		size_t cap = t->big_alloc ? t->big_alloc * 2 : 4;
		objects_big *nb = realloc(t->big, cap * sizeof *nb);
		if (!nb)
			return -1;
		t->big = nb;
		t->big_alloc = cap;
	}
	t->big[t->nbig++] = (objects_big){ addr, size };
	return 0;
}

uint64_t objects_size(const objects *t, size_t i)
{
	uint32_t s = t->size[i];
	if (s != OBJECTS_BIG_SIZE)
		return s;
	uint64_t a = t->addr[i];
	size_t lo = 0, hi = t->nbig;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->big[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nbig && t->big[lo].addr == a ? t->big[lo].size : s;
}

static inline void swap(objects *t, size_t i, size_t j)
{
	uint64_t a = t->addr[i];
	uint32_t o = t->off[i], s = t->size[i];
	t->addr[i] = t->addr[j];
	t->off[i] = t->off[j];
	t->size[i] = t->size[j];
	t->addr[j] = a;
	t->off[j] = o;
	t->size[j] = s;
	if (t->off_hi) {
		uint16_t h = t->off_hi[i];
		t->off_hi[i] = t->off_hi[j];
		t->off_hi[j] = h;
	}
}

void objects_insertion_sort(objects *t, size_t lo, size_t n)
{
	for (size_t i = lo + 1; i < lo + n; i++)
		for (size_t j = i; j > lo && t->addr[j - 1] > t->addr[j]; j--)
			swap(t, j - 1, j);
}

static void sift_down(objects *t, size_t lo, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && t->addr[lo + child + 1] > t->addr[lo + child])
			child++;
		if (t->addr[lo + root] >= t->addr[lo + child])
			return;
		swap(t, lo + root, lo + child);
		root = child;
	}
}

void objects_heap_sort(objects *t, size_t lo, size_t n)
{
	for (size_t i = n / 2; i > 0; i--)
		sift_down(t, lo, i - 1, n);
	for (size_t i = n; i > 1; i--) {
		swap(t, lo, lo + i - 1);
		sift_down(t, lo, 0, i - 1);
	}
}

/*
 * Introsort with an explicit stack: quicksort on median-of-three pivots,
 * the larger side pushed and the smaller one looped on (so the stack
 * holds O(log n) ranges), heapsort when a range has been split too often,
 * insertion sort for short ranges.
 */
void objects_sort_range(objects *t, size_t lo, size_t n)
{
	struct range { size_t lo, n; unsigned budget; } stack[128];
	size_t sp = 0;
	unsigned budget = 2;
	for (size_t m = n; m > 1; m >>= 1)
		budget += 2;
	stack[sp++] = (struct range){ lo, n, budget };
	const uint64_t *a = t->addr;
	while (sp) {
		struct range r = stack[--sp];
		while (r.n > 16) {
			if (r.budget-- == 0) {
				objects_heap_sort(t, r.lo, r.n);
				r.n = 0;
				break;
			}
			size_t b = r.lo, mid = b + r.n / 2, last = b + r.n - 1;
			if (a[mid] < a[b]) swap(t, mid, b);
			if (a[last] < a[b]) swap(t, last, b);
			if (a[last] < a[mid]) swap(t, last, mid);
			uint64_t pivot = a[mid];
			size_t i = b, j = last;
			for (;;) {
				while (a[i] < pivot) i++;
				while (a[j] > pivot) j--;
				if (i >= j)
					break;
				swap(t, i, j);
				i++;
				j--;
			}
			/* [b, j] <= pivot <= [j+1, b+n) */
			size_t left_n = j + 1 - b, right_lo = j + 1, right_n = r.n - left_n;
			if (left_n < right_n) {
				stack[sp++] = (struct range){ right_lo, right_n, r.budget };
				r.n = left_n;
			} else {
				stack[sp++] = (struct range){ b, left_n, r.budget };
				r.lo = right_lo;
				r.n = right_n;
			}
		}
		if (r.n > 1)
			objects_insertion_sort(t, r.lo, r.n);
	}
}

void objects_sort(objects *t)
{
	bool sorted = true;
	for (size_t i = 1; i < t->n && sorted; i++)
		sorted = t->addr[i - 1] <= t->addr[i];
	if (!sorted)
		objects_sort_range(t, 0, t->n);
	/* Few entries: objects of 4 GiB and more. */
	for (size_t i = 1; i < t->nbig; i++)
		for (size_t j = i; j > 0 && t->big[j - 1].addr > t->big[j].addr; j--) {
			objects_big x = t->big[j];
			t->big[j] = t->big[j - 1];
			t->big[j - 1] = x;
		}
}

bool objects_find(const objects *t, uint64_t a, size_t *index)
{
	const uint64_t *v = t->addr;
	size_t lo = 0, hi = t->n;
	/* The last object whose address is <= a. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || a - v[lo - 1] >= objects_size(t, lo - 1))
		return false;
	*index = lo - 1;
	return true;
}
