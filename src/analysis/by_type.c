/*
 * by_type.c - per-type totals over a dominator subtree; see
 * goheap_dominators_by_type() in include/goheap/analysis.h.
 *
 * One iterative depth-first walk of the dominator tree. active[t] counts
 * the instances of type t on the current tree path; an instance adds its
 * retained size only when it is the first of its type on the path, so a
 * type's bytes are the union of its instances' retained sets. Stack
 * entries are a node and whether it is being left (the walk undoes its
 * active[] count then).
 */
#include <stdlib.h>
#include <string.h>

#include "goheap/analysis.h"
#include "util/diag.h"
#include "util/vec.h"

#define LEAVING (UINT64_C(1) << 32)

int goheap_dominators_by_type(const goheap_dominators *d, uint32_t top, uint32_t nobj, goheap_type_of_fn type_of,
			      const void *ctx, goheap_type_total *out, size_t ntypes, goheap_diag *diag)
{
	diag_clear(diag);
	uint32_t super = goheap_dominators_super_root(d);
	if (top > super || nobj > super)
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
				"node %u is past the super-root %u", top, super);
	memset(out, 0, ntypes * sizeof *out);
	uint32_t *active = calloc(ntypes ? ntypes : 1, sizeof *active);
	VEC(uint64_t) stack = { 0 };
	int rc = GOHEAP_OK;
	if (!active || vec_reserve((void **)&stack.v, &stack.alloc, 64, sizeof *stack.v))
		goto oom;
	if (top == super || goheap_dominators_idom(d, top) != UINT32_MAX)
		stack.v[stack.n++] = top; /* an unreachable top has an empty subtree */
	while (stack.n > 0) {
		uint64_t e = stack.v[--stack.n];
		uint32_t v = (uint32_t)e;
		if (e & LEAVING) {
			active[type_of(ctx, v)]--;
			continue;
		}
		size_t nk;
		const uint32_t *kids = goheap_dominators_children(d, v, &nk);
		uint64_t retained = goheap_dominators_retained(d, v), below = 0;
		for (size_t k = 0; k < nk; k++)
			below += goheap_dominators_retained(d, kids[k]);
		if (v < nobj) {
			uint32_t t = type_of(ctx, v);
			if (t >= ntypes) {
				rc = diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
					      "object %u has type %u of %zu", v, t, ntypes);
				goto out;
			}
			out[t].count++;
			out[t].shallow += retained - below;
			if (active[t]++ == 0)
				out[t].retained += retained;
		}
		if (vec_reserve((void **)&stack.v, &stack.alloc, stack.n + nk + 1, sizeof *stack.v))
			goto oom;
		if (v < nobj)
			stack.v[stack.n++] = v | LEAVING;
		for (size_t k = 0; k < nk; k++)
			stack.v[stack.n++] = kids[k];
	}
	goto out;
oom:
	rc = diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory totalling types");
out:
	free(active);
	VEC_FREE(stack);
	return rc;
}
