/*
 * dom.c - dominator tree and retained sizes; see include/goheap/analysis.h
 * for the contract.
 *
 * Lengauer-Tarjan ("A fast algorithm for finding dominators in a
 * flowgraph", 1979) with simple link and path-compressing eval, all of it
 * iterative. Work happens in DFS preorder numbers ("nums"): num 0 is the
 * super-root, a node's parent and semidominator have smaller nums, so the
 * dominator tree can be summed bottom-up by walking nums downwards.
 *
 * Arrays (n = nodes reachable + 1; all uint32):
 *   pre[node]   num of a node (node space, nnodes+1); after the reverse
 *               edges are built it is the eval stack, and at the end it
 *               becomes the result's idom array (node space)
 *   vertex[num] node of a num
 *   anc[num]    DFS parent; once num is linked into the LT forest, its
 *               (path-compressed) forest ancestor. A num is "linked" once
 *               the main loop has passed it: num >= last
 *   semi[num]   semidominator num (num itself until computed); the DFS
 *               stack's nums before that
 *   lb[num]     while num is unlinked: head of its bucket (the nums whose
 *               semidominator it is; 0 = empty, the super-root never
 *               enters a bucket); once linked: its eval label. A bucket is
 *               always empty when its owner is linked (every child of the
 *               owner has emptied it by then). The DFS stack's edge
 *               cursors before that
 *   dom[num]    while num is in a bucket: the next num of that bucket;
 *               then its immediate dominator (num)
 *   rrow/redges predecessors (nums) of every num, CSR; edges into roots
 *               are left out: a root's semidominator is the super-root
 *
 * Peak: 6 arrays (24 bytes a node) + rrow (4) + redges (4 an edge).
 * Roots get semi = super-root whatever their DFS parent is: the super-root
 * is a predecessor of every root.
 */
#include <stdlib.h>
#include <string.h>

#include "goheap/analysis.h"
#include "util/diag.h"

#define NONE UINT32_MAX

struct goheap_dominators {
	uint32_t nnodes;    /* super-root id */
	uint32_t reachable; /* reachable nodes, super-root not counted */
	uint32_t *idom;     /* nnodes+1, node space; NONE when unreachable */
	uint64_t *retained; /* nnodes+1 */
	uint32_t *crow;     /* nnodes+2: children of v are kids[crow[v] .. crow[v+1]) */
	uint32_t *kids;     /* reachable entries */
};

typedef uint64_t (*size_fn)(const void *ctx, uint32_t node);

#define OOM(d) diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory computing dominators")

/* malloc(count * size) with the product checked; never malloc(0). */
static void *alloc_array(size_t count, size_t size)
{
	if (count == 0)
		count = 1;
	if (count > SIZE_MAX / size)
		return NULL;
	return malloc(count * size);
}

static void *calloc_array(size_t count, size_t size)
{
	return calloc(count ? count : 1, size);
}

/*
 * The num whose label has the smallest semidominator on the forest path
 * from v up to (not including) its unlinked forest root, compressing the
 * path on the way: the classic eval/compress, with an explicit stack.
 */
static uint32_t eval(uint32_t v, uint32_t last, uint32_t *anc, uint32_t *lb, const uint32_t *semi,
		     uint32_t *stack)
{
	if (v < last)
		return v; /* unlinked: a forest root, its own label */
	if (anc[v] < last)
		return lb[v];
	size_t sp = 0;
	uint32_t x = v;
	do {
		stack[sp++] = x;
		x = anc[x];
	} while (anc[x] >= last);
	/* x is the highest linked num on the path; pop back down, compressing. */
	while (sp > 0) {
		uint32_t y = stack[--sp];
		anc[y] = anc[x];
		if (semi[lb[x]] < semi[lb[y]])
			lb[y] = lb[x];
		x = y;
	}
	return lb[v];
}

static int validate(uint32_t nnodes, uint32_t nroot_first, const uint32_t *row, const uint32_t *edges,
		    goheap_diag *d)
{
	if (nnodes >= UINT32_MAX - 1)
		return diag_set(d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL,
				"%u nodes: dominators handle at most 2^32-2", nnodes);
	if (nroot_first > nnodes)
		return diag_set(d, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
				"first root %u past the %u nodes", nroot_first, nnodes);
	if (!row || (!edges && row[nnodes] != row[0]))
		return diag_set(d, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "no edge arrays");
	for (uint32_t v = 0; v < nnodes; v++)
		if (row[v + 1] < row[v])
			return diag_set(d, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
					"edge rows decrease at node %u", v);
	for (uint32_t e = row[0]; e < row[nnodes]; e++)
		if (edges[e] >= nnodes)
			return diag_set(d, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
					"edge %u points to node %u of %u", e, edges[e], nnodes);
	return GOHEAP_OK;
}

static int compute(goheap_dominators **out, uint32_t nnodes, uint32_t nroot_first, const uint32_t *row,
		   const uint32_t *edges, size_fn size, const void *ctx, goheap_diag *d)
{
	*out = NULL;
	diag_clear(d);
	int rc = validate(nnodes, nroot_first, row, edges, d);
	if (rc)
		return rc;
	const uint32_t S = nnodes;
	const size_t cap = (size_t)nnodes + 1;
	uint32_t *pre = NULL, *vertex = NULL, *anc = NULL, *semi = NULL, *lb = NULL, *dom = NULL;
	uint32_t *rrow = NULL, *redges = NULL;
	goheap_dominators *r = calloc(1, sizeof *r);
	pre = alloc_array(cap, sizeof *pre);
	vertex = alloc_array(cap, sizeof *vertex);
	anc = alloc_array(cap, sizeof *anc);
	semi = alloc_array(cap, sizeof *semi);
	lb = alloc_array(cap, sizeof *lb);
	dom = alloc_array(cap, sizeof *dom);
	if (!r || !pre || !vertex || !anc || !semi || !lb || !dom) {
		rc = OOM(d);
		goto out;
	}
	r->nnodes = nnodes;

	/* 1. Iterative DFS from the super-root, whose successors are the
	 * roots: preorder nums, vertex, DFS parents (in anc). The stack holds
	 * nums (in semi) and edge cursors (in lb); for the super-root the
	 * cursor runs over root ids. */
	for (size_t i = 0; i < cap; i++)
		pre[i] = NONE;
	uint32_t n = 1;
	pre[S] = 0;
	vertex[0] = S;
	anc[0] = 0;
	size_t sp = 1;
	semi[0] = 0;
	lb[0] = nroot_first;
	while (sp > 0) {
		uint32_t tn = semi[sp - 1], x = vertex[tn];
		uint32_t cur = lb[sp - 1], end = x == S ? nnodes : row[x + 1];
		uint32_t y = NONE;
		while (cur < end) {
			uint32_t t = x == S ? cur : edges[cur];
			cur++;
			if (pre[t] == NONE) {
				y = t;
				break;
			}
		}
		if (y == NONE) {
			sp--;
			continue;
		}
		lb[sp - 1] = cur;
		pre[y] = n;
		vertex[n] = y;
		anc[n] = tn;
		semi[sp] = n;
		lb[sp] = row[y];
		sp++;
		n++;
	}
	r->reachable = n - 1;

	/* 2. Predecessors in nums: count into rrow[j], prefix to ends, then
	 * fill backwards so rrow[j] ends as the start. */
	rrow = calloc_array((size_t)n + 1, sizeof *rrow);
	if (!rrow) {
		rc = OOM(d);
		goto out;
	}
	size_t npred = 0;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = vertex[i];
		for (uint32_t e = row[x]; e < row[x + 1]; e++) {
			uint32_t t = edges[e];
			if (t >= nroot_first || pre[t] == i)
				continue; /* into a root, or a self-loop: never decides a semidominator */
			rrow[pre[t]]++;
			npred++;
		}
	}
	redges = alloc_array(npred, sizeof *redges);
	if (!redges) {
		rc = OOM(d);
		goto out;
	}
	uint32_t acc = 0;
	for (uint32_t j = 0; j < n; j++) {
		acc += rrow[j];
		rrow[j] = acc;
	}
	rrow[n] = acc;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = vertex[i];
		for (uint32_t e = row[x]; e < row[x + 1]; e++) {
			uint32_t t = edges[e];
			if (t >= nroot_first || pre[t] == i)
				continue;
			redges[--rrow[pre[t]]] = i;
		}
	}

	/* 3. Semidominators, and immediate dominators through the buckets
	 * (implicitly or explicitly), nums downwards. pre is free now: it is
	 * the eval stack. */
	uint32_t *stack = pre;
	for (uint32_t i = 0; i < n; i++) {
		semi[i] = i;
		lb[i] = 0;
	}
	for (uint32_t w = n - 1; w >= 1; w--) {
		uint32_t p = anc[w]; /* w is unlinked: still its DFS parent */
		uint32_t s = p;
		if (vertex[w] >= nroot_first) {
			s = 0;
		} else {
			for (uint32_t e = rrow[w]; e < rrow[w + 1]; e++) {
				uint32_t u = eval(redges[e], w + 1, anc, lb, semi, stack);
				if (semi[u] < s)
					s = semi[u];
			}
		}
		semi[w] = s;
		dom[w] = lb[s]; /* into bucket(s) */
		lb[s] = w;
		lb[w] = w;      /* link(p, w): w's bucket is empty; its label is itself */
		for (uint32_t v = lb[p]; v != 0;) {
			uint32_t next = dom[v];
			uint32_t u = eval(v, w, anc, lb, semi, stack);
			dom[v] = semi[u] < semi[v] ? u : p;
			v = next;
		}
		lb[p] = 0;
	}
	for (uint32_t i = 1; i < n; i++)
		if (dom[i] != semi[i])
			dom[i] = dom[dom[i]];
	free(anc);
	free(semi);
	free(lb);
	free(rrow);
	free(redges);
	anc = semi = lb = rrow = redges = NULL;

	/* 4. Retained sizes, children CSR, idom in node space. */
	r->retained = calloc_array(cap, sizeof *r->retained);
	r->crow = calloc_array(cap + 1, sizeof *r->crow);
	r->kids = alloc_array(n - 1, sizeof *r->kids);
	if (!r->retained || !r->crow || !r->kids) {
		rc = OOM(d);
		goto out;
	}
	for (uint32_t i = n - 1; i >= 1; i--) {
		uint32_t x = vertex[i], px = vertex[dom[i]];
		uint64_t bytes = r->retained[x] + size(ctx, x);
		r->retained[x] = bytes;
		r->retained[px] += bytes;
		r->crow[px]++;
	}
	acc = 0;
	for (size_t v = 0; v < cap; v++) {
		acc += r->crow[v];
		r->crow[v] = acc;
	}
	r->crow[cap] = acc;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t px = vertex[dom[i]];
		r->kids[--r->crow[px]] = vertex[i];
	}
	r->idom = pre;
	pre = NULL;
	for (size_t v = 0; v < cap; v++)
		r->idom[v] = NONE;
	for (uint32_t i = 1; i < n; i++)
		r->idom[vertex[i]] = vertex[dom[i]];
out:
	free(pre);
	free(vertex);
	free(anc);
	free(semi);
	free(lb);
	free(dom);
	free(rrow);
	free(redges);
	if (rc) {
		goheap_dominators_free(r);
		return rc;
	}
	*out = r;
	return GOHEAP_OK;
}

/* ---- entry points ---------------------------------------------------------- */

typedef struct csr_sizes {
	const uint64_t *size;
	uint32_t nroot_first;
} csr_sizes;

static uint64_t csr_size(const void *ctx, uint32_t node)
{
	const csr_sizes *c = ctx;
	if (c->size)
		return c->size[node];
	return node < c->nroot_first;
}

int goheap_dominators_compute_csr(goheap_dominators **out, uint32_t nnodes, uint32_t nroot_first,
				  const uint32_t *row, const uint32_t *edges, const uint64_t *node_size,
				  goheap_diag *diag)
{
	csr_sizes c = { node_size, nroot_first };
	return compute(out, nnodes, nroot_first, row, edges, csr_size, &c, diag);
}

typedef struct dump_sizes {
	const goheap_dump *dump;
	uint32_t nobj;
} dump_sizes;

static uint64_t dump_size(const void *ctx, uint32_t node)
{
	const dump_sizes *c = ctx;
	return node < c->nobj ? goheap_dump_object(c->dump, node).size : 0;
}

int goheap_dominators_compute(goheap_dominators **out, const goheap_graph *g, const goheap_dump *dump,
			      goheap_diag *diag)
{
	*out = NULL;
	uint32_t nobj = goheap_graph_object_count(g);
	if (goheap_dump_object_count(dump) != nobj)
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
				"the graph has %u objects, the dump %zu: not its dump", nobj,
				goheap_dump_object_count(dump));
	const uint32_t *row, *edges;
	goheap_graph_csr(g, &row, &edges);
	dump_sizes c = { dump, nobj };
	return compute(out, goheap_graph_node_count(g), nobj, row, edges, dump_size, &c, diag);
}

void goheap_dominators_free(goheap_dominators *d)
{
	if (!d)
		return;
	free(d->idom);
	free(d->retained);
	free(d->crow);
	free(d->kids);
	free(d);
}

uint32_t goheap_dominators_super_root(const goheap_dominators *d) { return d->nnodes; }
uint32_t goheap_dominators_reachable_count(const goheap_dominators *d) { return d->reachable; }

uint32_t goheap_dominators_idom(const goheap_dominators *d, uint32_t node)
{
	return node <= d->nnodes ? d->idom[node] : NONE;
}

uint64_t goheap_dominators_retained(const goheap_dominators *d, uint32_t node)
{
	return node <= d->nnodes ? d->retained[node] : 0;
}

const uint32_t *goheap_dominators_children(const goheap_dominators *d, uint32_t node, size_t *count)
{
	if (node > d->nnodes) {
		*count = 0;
		return NULL;
	}
	*count = d->crow[node + 1] - d->crow[node];
	return d->kids + d->crow[node];
}
