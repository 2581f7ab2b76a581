/*
 * vec.h - growable arrays: a pointer, a count and a capacity, grown by
 * vec_reserve(). Growth is geometric and overflow-checked; large blocks are
 * moved by realloc (mremap in glibc), so growing never holds two copies.
 */
#ifndef GOHEAP_UTIL_VEC_H
#define GOHEAP_UTIL_VEC_H

#include <stddef.h>
#include <stdint.h>

#define VEC(T) struct { T *v; size_t n, alloc; }

/*
 * Make room for at least `need` elements of `elem` bytes in *v (capacity
 * *alloc). Returns 0, or -1 when the size overflows or memory runs out (the
 * array is then unchanged).
 */
int vec_reserve(void **v, size_t *alloc, size_t need, size_t elem);

/* Pointer to a fresh slot at the end of vec (count bumped), or NULL. */
#define VEC_PUSH(vec)                                                          \
	(vec_reserve((void **)&(vec).v, &(vec).alloc, (vec).n + 1, sizeof *(vec).v) \
		 ? NULL : &(vec).v[(vec).n++])

#define VEC_FREE(vec) do { free((vec).v); (vec).v = NULL; (vec).n = (vec).alloc = 0; } while (0)

/* a * b into *out; returns false on overflow. */
static inline int mul_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

#endif
