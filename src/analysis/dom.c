/*
 * dom.c - dominator tree and retained sizes; see include/goheap/analysis.h
 * for the contract.
 *
 * Semi-NCA (Georgiadis, Tarjan, Werneck, "Finding dominators in practice",
 * 2006): semidominators by the Lengauer-Tarjan sweep with simple link and
 * path-compressing eval, then each immediate dominator as the nearest
 * common ancestor, in the dominator tree built so far, of the DFS parent
 * and the semidominator. Everything is iterative (no recursion, so a
 * 100M-node linked list is fine) and laid out for memory: only the
 * non-tree edges are ever reversed, and no array lives longer than needed.
 *
 * Work happens in DFS preorder numbers ("nums"): num 0 is the super-root;
 * a node's DFS parent and semidominator have smaller nums, so dominator
 * subtrees can be summed bottom-up by walking nums downwards. Edges into
 * roots are ignored everywhere: the super-root points at every root, so
 * such an edge never changes a dominator.
 *
 * Arrays, by phase (cap = nodes + 1, n = reachable nodes + 1; all uint32):
 *
 *   1. DFS          num[node] (cap; UINT32_MAX: unreachable), anc[num]
 *                   (n; the DFS parent), and a stack of (node, edge cursor)
 *                   as deep as the DFS goes.
 *   2. reversal     lbv[num] counts, then starts, of each num's group in
 *                   red[], which holds the nums of its predecessors over
 *                   non-tree edges (C entries; tree edges are anc[]).
 *   3. sweep        nums downwards: the semidominator of w is the smallest
 *                   of its DFS parent, of its predecessors below it, and of
 *                   eval() of those above it. lbv[w] (its group start read
 *                   first) becomes w's label: the smallest semidominator on
 *                   its compressed forest path; anc[] of a linked num
 *                   (num > w) is its compressed forest ancestor: a forest
 *                   path is compressed by reversing its pointers on the way
 *                   up, so eval() needs no stack. A semidominator other
 *                   than the DFS parent is written at the top of red[]
 *                   (below the groups still to come: a group that produces
 *                   one is not empty) and marked in bit[num].
 *   4. NCA          the DFS again, in the same order: it gives back each
 *                   num's DFS parent (anc[] was compressed away) and node
 *                   (vertex[] in anc's place), and idom[num] (in lbv's
 *                   place) is the first of the parent's dominator chain at
 *                   or above the semidominator (read back from red[]).
 *   5. node space   num[] becomes idom[node] in place, then retained sizes
 *                   are summed over vertex[] by nums downwards.
 *
 * Peak: 12 bytes a node (num, anc, lbv) + 4 bytes a non-tree edge (red)
 * + a bit a node, in phases 2-3; the DFS stack (8 bytes a level) in
 * phases 1 and 4, when red[] is down to the semidominators. Result: idom 4
 * bytes a node + retained 4, plus 2 more (ret_hi16) once the live bytes
 * reach 4 GiB, 4 (ret_hi32) at 256 TiB. The children lists are built on
 * first use.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "goheap/analysis.h"
#include "util/diag.h"
#include "util/vec.h"

#define NONE UINT32_MAX

struct goheap_dominators {
	uint32_t nnodes;    /* super-root id */
	uint32_t reachable; /* reachable nodes, super-root not counted */
	uint32_t *idom;     /* nnodes+1, node space; NONE when unreachable */
	uint32_t *ret_lo;   /* nnodes+1: low 32 bits of the retained bytes */
	uint16_t *ret_hi16; /* nnodes+1 bits 32..47, when the live bytes reach 2^32 */
	uint32_t *ret_hi32; /* nnodes+1 bits 32..63, when they reach 2^48 */
	uint32_t *crow;     /* built on first children call: nnodes+2 row starts */
	uint32_t *kids;     /* reachable entries */
};

typedef uint64_t (*size_fn)(const void *ctx, uint32_t node);

typedef struct frame {
	uint32_t node, cur; /* cur: next edge index (the next root id for the super-root) */
} frame;

typedef VEC(frame) frame_vec;

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

/* ---- retained bytes: 32 low bits, and the high bits only when needed ------- */

static uint64_t ret_get(const goheap_dominators *r, uint32_t v)
{
	uint64_t x = r->ret_lo[v];
	if (r->ret_hi16)
		x |= (uint64_t)r->ret_hi16[v] << 32;
	else if (r->ret_hi32)
		x |= (uint64_t)r->ret_hi32[v] << 32;
	return x;
}

static void ret_set(goheap_dominators *r, uint32_t v, uint64_t x)
{
	r->ret_lo[v] = (uint32_t)x;
	if (r->ret_hi16)
		r->ret_hi16[v] = (uint16_t)(x >> 32);
	else if (r->ret_hi32)
		r->ret_hi32[v] = (uint32_t)(x >> 32);
}

/* ---- the depth-first search, run twice in the same order ------------------- */

/*
 * The next successor of the stack's top frame not yet seen, or NONE when
 * the frame is done. Nums are handed out in discovery order, so "not yet
 * seen" is num >= next (the next num to hand out): UINT32_MAX the first
 * time, a num not reached yet when the search is run again. The
 * super-root's successors are the roots; edges into roots are skipped.
 */
static inline uint32_t next_new(frame *f, uint32_t S, uint32_t nroot_first, const uint32_t *row,
				const uint32_t *edges, const uint32_t *num, uint32_t next)
{
	uint32_t x = f->node, cur = f->cur;
	if (x == S) {
		for (; cur < S; cur++)
			if (num[cur] >= next) {
				f->cur = cur + 1;
				return cur;
			}
		f->cur = cur;
		return NONE;
	}
	uint32_t end = row[x + 1];
	for (; cur < end; cur++) {
		uint32_t t = edges[cur];
		if (t >= nroot_first)
			continue;
		if (num[t] >= next) {
			f->cur = cur + 1;
			return t;
		}
	}
	f->cur = cur;
	return NONE;
}

static int push(frame_vec *st, uint32_t node, uint32_t cur)
{
	frame *f = VEC_PUSH(*st);
	if (!f)
		return -1;
	f->node = node;
	f->cur = cur;
	return 0;
}

/*
 * One step of the search: the next node seen for the first time (the num
 * of its DFS parent in *parent), pushed so the walk goes on below it; NONE
 * when the search is over, DFS_OOM when the stack cannot grow. Both runs
 * of the search go through here, so they visit nodes in one order.
 */
#define DFS_OOM (UINT32_MAX - 1)
static uint32_t dfs_step(frame_vec *st, uint32_t S, uint32_t nroot_first, const uint32_t *row,
			 const uint32_t *edges, const uint32_t *num, uint32_t next, uint32_t *parent)
{
	while (st->n > 0) {
		frame *f = &st->v[st->n - 1];
		uint32_t t = next_new(f, S, nroot_first, row, edges, num, next);
		if (t == NONE) {
			st->n--;
			continue;
		}
		*parent = num[f->node]; /* before push: it may move the stack */
		return push(st, t, row[t]) ? DFS_OOM : t;
	}
	return NONE;
}

/* ---- eval ------------------------------------------------------------------- */

/*
 * The smallest semidominator on the forest path from the linked num v up
 * to (not including) its unlinked forest root, compressing the path: the
 * classic eval/compress, with labels holding semidominator values and the
 * path walked by pointer reversal instead of a stack. Nums >= last are
 * linked.
 */
static inline uint32_t eval(uint32_t v, uint32_t last, uint32_t *anc, uint32_t *lbv)
{
	if (anc[v] < last)
		return lbv[v];
	uint32_t x = v, prev = NONE;
	while (anc[x] >= last) {
		uint32_t up = anc[x];
		anc[x] = prev;
		prev = x;
		x = up;
	}
	/* x is the highest linked num of the path; back down, compressing. */
	uint32_t root = anc[x], best = lbv[x];
	while (prev != NONE) {
		uint32_t y = prev;
		prev = anc[y];
		if (best < lbv[y])
			lbv[y] = best;
		else
			best = lbv[y];
		anc[y] = root;
	}
	return best;
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
	uint32_t *num = NULL, *anc = NULL, *lbv = NULL, *red = NULL;
	uint64_t *bit = NULL;
	frame_vec st = { 0 };
	goheap_dominators *r = calloc(1, sizeof *r);
	num = alloc_array(cap, sizeof *num);
	anc = alloc_array(cap, sizeof *anc);
	if (!r || !num || !anc) {
		rc = OOM(d);
		goto out;
	}
	r->nnodes = nnodes;

	/* 1. DFS from the super-root: nums, and DFS parents in anc. */
	for (size_t i = 0; i < cap; i++)
		num[i] = NONE;
	uint32_t n = 1;
	num[S] = 0;
	anc[0] = 0;
	if (push(&st, S, nroot_first)) {
		rc = OOM(d);
		goto out;
	}
	for (uint32_t t, p; (t = dfs_step(&st, S, nroot_first, row, edges, num, n, &p)) != NONE;) {
		if (t == DFS_OOM) {
			rc = OOM(d);
			goto out;
		}
		anc[n] = p;
		num[t] = n++;
	}
	VEC_FREE(st);
	r->reachable = n - 1;
	/* Give back the tail of anc that unreachable nodes would have used. */
	if (n < cap) {
		uint32_t *shrunk = realloc(anc, (size_t)n * sizeof *anc);
		if (shrunk)
			anc = shrunk;
	}

	/* 2. Predecessors over non-tree edges, grouped by num: count into
	 * lbv[w], prefix to group ends, fill backwards so lbv[w] ends as the
	 * group start. Self-loops, edges into roots and edges from the DFS
	 * parent never lower a semidominator below the parent: left out. */
	lbv = calloc_array(n, sizeof *lbv);
	if (!lbv) {
		rc = OOM(d);
		goto out;
	}
	size_t nred = 0;
	for (uint32_t x = 0; x < nnodes; x++) {
		uint32_t v = num[x];
		if (v == NONE)
			continue;
		for (uint32_t e = row[x]; e < row[x + 1]; e++) {
			uint32_t t = edges[e];
			if (t >= nroot_first)
				continue;
			uint32_t w = num[t];
			if (w == v || anc[w] == v)
				continue;
			lbv[w]++;
			nred++;
		}
	}
	red = alloc_array(nred, sizeof *red);
	bit = calloc_array((size_t)n / 64 + 1, sizeof *bit);
	if (!red || !bit) {
		rc = OOM(d);
		goto out;
	}
	uint32_t acc = 0;
	for (uint32_t w = 0; w < n; w++) {
		acc += lbv[w];
		lbv[w] = acc;
	}
	for (uint32_t x = 0; x < nnodes; x++) {
		uint32_t v = num[x];
		if (v == NONE)
			continue;
		for (uint32_t e = row[x]; e < row[x + 1]; e++) {
			uint32_t t = edges[e];
			if (t >= nroot_first)
				continue;
			uint32_t w = num[t];
			if (w == v || anc[w] == v)
				continue;
			red[--lbv[w]] = v;
		}
	}

	/* 3. Semidominators, nums downwards. w is unlinked while it is
	 * processed, so anc[w] is still its DFS parent; linking w to it is
	 * just moving `last` below w. */
	size_t end = nred, wp = nred;
	for (uint32_t w = n - 1; w >= 1; w--) {
		size_t start = lbv[w];
		uint32_t p = anc[w], s = p;
		for (size_t k = start; k < end; k++) {
			uint32_t v = red[k];
			uint32_t c = v < w ? v : eval(v, w + 1, anc, lbv);
			if (c < s)
				s = c;
		}
		lbv[w] = s;
		if (s != p) {
			red[--wp] = s;
			bit[w / 64] |= UINT64_C(1) << (w % 64);
		}
		end = start;
	}

	/* 4. The DFS again, in the same order: parents come back from the
	 * stack; idom[w] is the first num of the parent's dominator chain at
	 * or above semi(w). anc[] becomes vertex[], lbv[] idom[]. */
	uint32_t *vertex = anc, *idom = lbv;
	uint64_t live = 0;
	bool live_overflow = false;
	/* Only the semidominators at the top of red[] are left: move them
	 * down and give the rest back before the stack grows again. */
	memmove(red, red + wp, (nred - wp) * sizeof *red);
	uint32_t *shrunk_red = realloc(red, (nred - wp ? nred - wp : 1) * sizeof *red);
	if (shrunk_red)
		red = shrunk_red;
	size_t rp = 0;
	uint32_t next = 1;
	vertex[0] = S;
	idom[0] = 0;
	if (push(&st, S, nroot_first)) {
		rc = OOM(d);
		goto out;
	}
	for (uint32_t t, p; (t = dfs_step(&st, S, nroot_first, row, edges, num, next, &p)) != NONE;) {
		if (t == DFS_OOM) {
			rc = OOM(d);
			goto out;
		}
		uint32_t w = next++;
		uint32_t s = bit[w / 64] >> (w % 64) & 1 ? red[rp++] : p;
		uint32_t x = p;
		while (x > s)
			x = idom[x];
		idom[w] = x;
		vertex[w] = t;
		live_overflow |= __builtin_add_overflow(live, size(ctx, t), &live);
	}
	VEC_FREE(st);
	free(red);
	free(bit);
	red = NULL;
	bit = NULL;

	/* 5. idom in node space, in num[] itself; then retained sizes. */
	for (size_t x = 0; x < cap; x++) {
		uint32_t w = num[x];
		num[x] = w == NONE || w == 0 ? NONE : vertex[idom[w]];
	}
	r->idom = num;
	num = NULL;
	free(lbv);
	lbv = idom = NULL;
	bool hi32 = live_overflow || live >> 48, hi16 = !hi32 && live >> 32;
	r->ret_lo = calloc_array(cap, sizeof *r->ret_lo);
	if (hi32)
		r->ret_hi32 = calloc_array(cap, sizeof *r->ret_hi32);
	if (hi16)
		r->ret_hi16 = calloc_array(cap, sizeof *r->ret_hi16);
	if (!r->ret_lo || (hi32 && !r->ret_hi32) || (hi16 && !r->ret_hi16)) {
		rc = OOM(d);
		goto out;
	}
	if (!hi16 && !hi32) {
		/* Every sum fits in 32 bits. */
		uint32_t *ret = r->ret_lo;
		for (uint32_t w = n - 1; w >= 1; w--) {
			uint32_t x = vertex[w];
			uint32_t bytes = ret[x] + (uint32_t)size(ctx, x);
			ret[x] = bytes;
			ret[r->idom[x]] += bytes;
		}
	} else {
		for (uint32_t w = n - 1; w >= 1; w--) {
			uint32_t x = vertex[w], px = r->idom[x];
			uint64_t bytes = ret_get(r, x) + size(ctx, x);
			ret_set(r, x, bytes);
			ret_set(r, px, ret_get(r, px) + bytes);
		}
	}
out:
	VEC_FREE(st);
	free(num);
	free(anc);
	free(lbv);
	free(red);
	free(bit);
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
	free(d->ret_lo);
	free(d->ret_hi16);
	free(d->ret_hi32);
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
	return node <= d->nnodes ? ret_get(d, node) : 0;
}

/* The children lists, by a counting sort of idom: 4 bytes a node + 4 a
 * reachable node. */
static int build_children(goheap_dominators *d)
{
	size_t cap = (size_t)d->nnodes + 1;
	uint32_t *crow = calloc_array(cap + 1, sizeof *crow);
	uint32_t *kids = alloc_array(d->reachable, sizeof *kids);
	if (!crow || !kids) {
		free(crow);
		free(kids);
		return -1;
	}
	for (size_t v = 0; v < cap; v++)
		if (d->idom[v] != NONE)
			crow[d->idom[v]]++;
	uint32_t acc = 0;
	for (size_t v = 0; v < cap; v++) {
		acc += crow[v];
		crow[v] = acc;
	}
	crow[cap] = acc;
	for (size_t v = cap; v-- > 0;)
		if (d->idom[v] != NONE)
			kids[--crow[d->idom[v]]] = (uint32_t)v;
	d->crow = crow;
	d->kids = kids;
	return 0;
}

const uint32_t *goheap_dominators_children(const goheap_dominators *d, uint32_t node, size_t *count)
{
	*count = 0;
	if (node > d->nnodes)
		return NULL;
	/* Built on first use; the object was allocated mutable. */
	if (!d->crow && build_children((goheap_dominators *)(uintptr_t)d))
		return NULL;
	*count = d->crow[node + 1] - d->crow[node];
	return d->kids + d->crow[node];
}
