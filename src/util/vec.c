/* vec.c - growth of VEC arrays. */
#include "util/vec.h"

#include <stdlib.h>

int vec_reserve(void **v, size_t *alloc, size_t need, size_t elem)
{
	if (need <= *alloc)
		return 0;
	size_t cap = *alloc ? *alloc : 16;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap = cap + cap / 2 + 16;
	}
	size_t bytes;
	if (mul_overflows(cap, elem, &bytes))
		return -1;
	void *p = realloc(*v, bytes);
	if (!p)
		return -1;
	*v = p;
	*alloc = cap;
	return 0;
}
