/*
 * by_owner.c - retained bytes per owner of a set of roots (a goroutine:
 * all its frames at once); see goheap_dominators_by_owner() in
 * include/goheap/analysis.h.
 *
 * Everything an owner retains hangs under the super-root's children in
 * the dominator tree: its own roots, and objects several roots reach
 * (their idom is the super-root). Such an object belongs to owner k when
 * every root that reaches it is one of k's. That is a forward data-flow
 * problem on a three-level lattice per object (unreached, one owner,
 * MIXED), solved by a worklist: an object changes at most twice, so it is
 * queued at most twice and the work is O(edges).
 */
#include <stdlib.h>

#include "goheap/analysis.h"
#include "util/diag.h"

#define UNREACHED UINT32_MAX
#define MIXED (UINT32_MAX - 1)

int goheap_dominators_by_owner(const goheap_dominators *d, uint32_t nnodes, uint32_t nroot_first,
			       const uint32_t *row, const uint32_t *edges, const uint32_t *root_owner,
			       uint64_t *out, size_t nowners, goheap_diag *diag)
{
	diag_clear(diag);
	if (nnodes != goheap_dominators_super_root(d) || nroot_first > nnodes)
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
				"%u nodes, the dominator tree has %u", nnodes, goheap_dominators_super_root(d));
	for (uint32_t r = nroot_first; r < nnodes; r++)
		if (root_owner[r - nroot_first] != UINT32_MAX && root_owner[r - nroot_first] >= nowners)
			return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
					"root %u has owner %u of %zu", r, root_owner[r - nroot_first], nowners);
	for (size_t k = 0; k < nowners; k++)
		out[k] = 0;
	uint32_t *owner = malloc(((size_t)nroot_first + 1) * sizeof *owner);
	/* Each object enters the queue at most twice (unreached -> k -> MIXED). */
	uint32_t *queue = malloc((2 * (size_t)nroot_first + 1) * sizeof *queue);
	if (!owner || !queue) {
		free(owner);
		free(queue);
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory totalling owners");
	}
	for (uint32_t i = 0; i < nroot_first; i++)
		owner[i] = UNREACHED;
	size_t head = 0, tail = 0;
	for (uint32_t u = nroot_first; u < nnodes || head < tail;) {
		uint32_t from, own;
		if (u < nnodes) {
			from = u++;
			own = root_owner[from - nroot_first];
			if (own == UINT32_MAX)
				own = MIXED;
		} else {
			from = queue[head++];
			own = owner[from];
		}
		for (uint32_t e = row[from]; e < row[from + 1]; e++) {
			uint32_t to = edges[e];
			if (to >= nroot_first)
				continue;
			uint32_t now = owner[to];
			uint32_t next = now == UNREACHED ? own : now == own ? now : MIXED;
			if (next != now) {
				owner[to] = next;
				queue[tail++] = to;
			}
		}
	}
	size_t nk;
	const uint32_t *kids = goheap_dominators_children(d, nnodes, &nk);
	for (size_t k = 0; k < nk; k++) {
		uint32_t c = kids[k];
		uint32_t own = c >= nroot_first ? root_owner[c - nroot_first] : owner[c];
		if (own < nowners)
			out[own] += goheap_dominators_retained(d, c);
	}
	free(owner);
	free(queue);
	return GOHEAP_OK;
}

int goheap_dominators_by_goroutine(const goheap_dominators *d, const goheap_graph *g, uint64_t *out,
				   size_t ngoroutines, goheap_diag *diag)
{
	size_t nroots;
	const goheap_root *roots = goheap_graph_roots(g, &nroots);
	uint32_t *root_owner = malloc((nroots ? nroots : 1) * sizeof *root_owner);
	if (!root_owner)
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory totalling goroutines");
	for (size_t i = 0; i < nroots; i++)
		root_owner[i] = roots[i].goroutine < ngoroutines ? roots[i].goroutine : UINT32_MAX;
	const uint32_t *row, *edges;
	goheap_graph_csr(g, &row, &edges);
	int rc = goheap_dominators_by_owner(d, goheap_graph_node_count(g), goheap_graph_object_count(g), row, edges,
					    root_owner, out, ngoroutines, diag);
	free(root_owner);
	return rc;
}
