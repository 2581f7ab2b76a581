/*
 * test_dom.c - goheap_dominators (src/analysis/dom.c) against independent
 * algorithms written here:
 *
 *   - a bitset data-flow fixpoint, dom(v) = {v} + intersection of dom(p)
 *     over the predecessors p, with retained sizes summed straight from
 *     the dominator sets (every node adds its bytes to each of its
 *     dominators): thousands of seeded random graphs of 1..300 nodes
 *     (cycles, self-loops, duplicate edges, shared subtrees, many or no
 *     roots, edges into roots, unreachable parts);
 *   - Cooper-Harvey-Kennedy's iterative algorithm ("A Simple, Fast
 *     Dominance Algorithm"): the same random graphs, deep chains, and the
 *     graphs of the real dumps given on the command line;
 *   - invariants on every result: unreachable <=> no idom, roots hang off
 *     the super-root, idom chains reach the super-root without cycles, the
 *     children lists are the inverse of idom, retained(v) = size(v) + the
 *     retained of its children, retained(super-root) = all live bytes.
 *
 * usage: test_dom [DUMP [BINARY]]...   (a BINARY argument ends in ".bin")
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "goheap/analysis.h"
#include "testutil.h"

#define NONE UINT32_MAX

/* A graph as the CSR entry point takes it. */
typedef struct tgraph {
	uint32_t n, root_first;
	uint32_t *row;   /* n+1 */
	uint32_t *edges;
	uint64_t *size;  /* n, or NULL */
} tgraph;

static void tgraph_free(tgraph *g)
{
	free(g->row);
	free(g->edges);
	free(g->size);
	memset(g, 0, sizeof *g);
}

/* Successors of v in the graph rooted at the super-root (id g->n). */
static const uint32_t *succ(const tgraph *g, uint32_t v, uint32_t *cnt, uint32_t *tmp_roots)
{
	if (v == g->n) {
		*cnt = g->n - g->root_first;
		return tmp_roots;
	}
	*cnt = g->row[v + 1] - g->row[v];
	return g->edges + g->row[v];
}

static uint64_t node_size(const tgraph *g, uint32_t v)
{
	if (v >= g->n)
		return 0;
	return g->size ? g->size[v] : v < g->root_first;
}

/* Reachable from the super-root (BFS); reach has n+1 entries. */
static bool *reachable(const tgraph *g, uint32_t *roots)
{
	bool *seen = calloc((size_t)g->n + 1, 1);
	uint32_t *q = malloc(((size_t)g->n + 1) * sizeof *q);
	size_t h = 0, t = 0;
	seen[g->n] = true;
	q[t++] = g->n;
	while (h < t) {
		uint32_t v = q[h++], c;
		const uint32_t *s = succ(g, v, &c, roots);
		for (uint32_t k = 0; k < c; k++)
			if (!seen[s[k]]) {
				seen[s[k]] = true;
				q[t++] = s[k];
			}
	}
	free(q);
	return seen;
}

/* Predecessor lists (CSR) including the super-root's edges to roots. */
static void preds(const tgraph *g, uint32_t *roots, uint32_t **prow, uint32_t **pe)
{
	uint32_t N = g->n + 1;
	uint32_t *row = calloc((size_t)N + 1, sizeof *row);
	size_t total = 0;
	for (uint32_t v = 0; v < N; v++) {
		uint32_t c;
		const uint32_t *s = succ(g, v, &c, roots);
		for (uint32_t k = 0; k < c; k++)
			row[s[k] + 1]++;
		total += c;
	}
	for (uint32_t v = 0; v < N; v++)
		row[v + 1] += row[v];
	uint32_t *fill = malloc((size_t)N * sizeof *fill);
	memcpy(fill, row, (size_t)N * sizeof *fill);
	uint32_t *e = malloc((total ? total : 1) * sizeof *e);
	for (uint32_t v = 0; v < N; v++) {
		uint32_t c;
		const uint32_t *s = succ(g, v, &c, roots);
		for (uint32_t k = 0; k < c; k++)
			e[fill[s[k]]++] = v;
	}
	free(fill);
	*prow = row;
	*pe = e;
}

static uint32_t *root_list(const tgraph *g)
{
	uint32_t *r = malloc(((size_t)(g->n - g->root_first) + 1) * sizeof *r);
	for (uint32_t v = g->root_first; v < g->n; v++)
		r[v - g->root_first] = v;
	return r;
}

/* ---- naive: bitset fixpoint ------------------------------------------------ */

/* idom[n+1] and retained[n+1] from dominator sets. */
static void naive_bitset(const tgraph *g, uint32_t *idom, uint64_t *ret)
{
	uint32_t N = g->n + 1, S = g->n;
	size_t W = (N + 63) / 64;
	uint32_t *roots = root_list(g), *prow, *pe;
	bool *reach = reachable(g, roots);
	preds(g, roots, &prow, &pe);
	uint64_t *dom = malloc((size_t)N * W * sizeof *dom), *tmp = malloc(W * sizeof *tmp);
	for (uint32_t v = 0; v < N; v++)
		for (size_t k = 0; k < W; k++)
			dom[v * W + k] = v == S ? 0 : ~0ull;
	dom[S * W + S / 64] |= 1ull << (S % 64);
	bool changed = true;
	while (changed) {
		changed = false;
		for (uint32_t v = 0; v < S; v++) {
			if (!reach[v])
				continue;
			for (size_t k = 0; k < W; k++)
				tmp[k] = ~0ull;
			for (uint32_t e = prow[v]; e < prow[v + 1]; e++) {
				uint32_t p = pe[e];
				if (!reach[p])
					continue;
				for (size_t k = 0; k < W; k++)
					tmp[k] &= dom[p * W + k];
			}
			tmp[v / 64] |= 1ull << (v % 64);
			if (memcmp(tmp, dom + v * W, W * sizeof *tmp)) {
				memcpy(dom + v * W, tmp, W * sizeof *tmp);
				changed = true;
			}
		}
	}
	uint32_t *card = calloc(N, sizeof *card);
	for (uint32_t v = 0; v < N; v++)
		if (reach[v])
			for (uint32_t u = 0; u < N; u++)
				card[v] += (uint32_t)(dom[v * W + u / 64] >> (u % 64) & 1);
	for (uint32_t v = 0; v < N; v++) {
		idom[v] = NONE;
		ret[v] = 0;
	}
	for (uint32_t v = 0; v < S; v++) {
		if (!reach[v])
			continue;
		/* the strict dominator with the largest set is the immediate one */
		for (uint32_t u = 0; u < N; u++)
			if (u != v && (dom[v * W + u / 64] >> (u % 64) & 1) && card[u] == card[v] - 1)
				idom[v] = u;
	}
	for (uint32_t v = 0; v < N; v++) {
		if (!reach[v])
			continue;
		for (uint32_t u = 0; u < N; u++)
			if (dom[v * W + u / 64] >> (u % 64) & 1)
				ret[u] += node_size(g, v);
	}
	free(card);
	free(dom);
	free(tmp);
	free(prow);
	free(pe);
	free(reach);
	free(roots);
}

/* ---- Cooper-Harvey-Kennedy ------------------------------------------------- */

/* idom[n+1]: NONE for unreachable nodes and for the super-root. */
static void naive_chk(const tgraph *g, uint32_t *idom)
{
	uint32_t N = g->n + 1, S = g->n;
	uint32_t *roots = root_list(g), *prow, *pe;
	preds(g, roots, &prow, &pe);
	uint32_t *po = malloc((size_t)N * sizeof *po);      /* postorder number, NONE = unseen */
	uint32_t *order = malloc((size_t)N * sizeof *order); /* nodes by postorder */
	uint32_t *stk = malloc((size_t)N * sizeof *stk), *cur = malloc((size_t)N * sizeof *cur);
	bool *seen = calloc(N, 1);
	for (uint32_t v = 0; v < N; v++)
		po[v] = idom[v] = NONE;
	uint32_t npo = 0;
	size_t sp = 0;
	stk[sp] = S;
	cur[sp++] = 0;
	seen[S] = true;
	while (sp) {
		uint32_t v = stk[sp - 1], c;
		const uint32_t *s = succ(g, v, &c, roots);
		if (cur[sp - 1] < c) {
			uint32_t t = s[cur[sp - 1]++];
			if (!seen[t]) {
				seen[t] = true;
				stk[sp] = t;
				cur[sp++] = 0;
			}
		} else {
			po[v] = npo;
			order[npo++] = v;
			sp--;
		}
	}
	idom[S] = S;
	bool changed = true;
	while (changed) {
		changed = false;
		for (uint32_t k = npo - 1; k-- > 0;) { /* reverse postorder, S (last) skipped */
			uint32_t v = order[k], nd = NONE;
			for (uint32_t e = prow[v]; e < prow[v + 1]; e++) {
				uint32_t p = pe[e];
				if (idom[p] == NONE)
					continue;
				if (nd == NONE) {
					nd = p;
					continue;
				}
				uint32_t a = p, b = nd;
				while (a != b) {
					while (po[a] < po[b])
						a = idom[a];
					while (po[b] < po[a])
						b = idom[b];
				}
				nd = a;
			}
			if (idom[v] != nd) {
				idom[v] = nd;
				changed = true;
			}
		}
	}
	idom[S] = NONE;
	free(po);
	free(order);
	free(stk);
	free(cur);
	free(seen);
	free(prow);
	free(pe);
	free(roots);
}

/* ---- invariants ------------------------------------------------------------ */

static void check_invariants(const goheap_dominators *d, const tgraph *g)
{
	uint32_t S = g->n, N = g->n + 1;
	uint32_t *roots = root_list(g);
	bool *reach = reachable(g, roots);
	CHECK_EQ_U(goheap_dominators_super_root(d), S);
	CHECK_EQ_U(goheap_dominators_idom(d, S), NONE);
	CHECK_EQ_U(goheap_dominators_idom(d, S + 1), NONE);
	uint64_t live = 0;
	uint32_t nreach = 0, bad = 0;
	uint8_t *state = calloc(N, 1); /* 0 new, 1 on this walk, 2 reaches S, 3 does not */
	for (uint32_t v = 0; v < S; v++) {
		uint32_t id = goheap_dominators_idom(d, v);
		if (!reach[v]) {
			if (id != NONE || goheap_dominators_retained(d, v) != 0)
				bad++;
			continue;
		}
		nreach++;
		live += node_size(g, v);
		if (id == NONE || (v >= g->root_first && id != S)) {
			bad++;
			continue;
		}
		/* walk up until the super-root or a node already known to reach
		 * it; meeting a node of the current walk again is a cycle.
		 * Linear overall: every node is walked over once. */
		uint32_t x = v;
		while (x != S && x != NONE && state[x] == 0) {
			state[x] = 1;
			x = goheap_dominators_idom(d, x);
		}
		bool ok = x == S || (x != NONE && state[x] == 2);
		if (!ok)
			bad++;
		for (uint32_t y = v; y != x && y != NONE && state[y] == 1; y = goheap_dominators_idom(d, y))
			state[y] = ok ? 2 : 3;
		if (goheap_dominators_retained(d, v) < node_size(g, v))
			bad++;
	}
	CHECKF(bad == 0, "%u nodes break idom/retained invariants", bad);
	CHECK_EQ_U(goheap_dominators_reachable_count(d), nreach);
	CHECK_EQ_U(goheap_dominators_retained(d, S), live);
	/* children are the inverse of idom; retained = own + children's */
	uint64_t nkids = 0, sroot = 0;
	bad = 0;
	for (uint32_t v = 0; v < N; v++) {
		size_t c;
		const uint32_t *k = goheap_dominators_children(d, v, &c);
		uint64_t sum = node_size(g, v);
		for (size_t i = 0; i < c; i++) {
			if (goheap_dominators_idom(d, k[i]) != v)
				bad++;
			sum += goheap_dominators_retained(d, k[i]);
			if (v == S)
				sroot += goheap_dominators_retained(d, k[i]);
		}
		nkids += c;
		if ((reach[v] && sum != goheap_dominators_retained(d, v)) || (!reach[v] && c))
			bad++;
	}
	CHECKF(bad == 0, "%u nodes with inconsistent children", bad);
	CHECK_EQ_U(nkids, nreach);
	CHECK_EQ_U(sroot, live);
	free(state);
	free(reach);
	free(roots);
}

/* ---- random graphs --------------------------------------------------------- */

typedef struct edge { uint32_t u, v; } edge;

static int cmp_edge(const void *a, const void *b)
{
	const edge *x = a, *y = b;
	return x->u < y->u ? -1 : x->u > y->u;
}

static tgraph make_csr(uint32_t n, uint32_t root_first, edge *e, size_t m, tu_rng *rng)
{
	tgraph g = { n, root_first, NULL, NULL, NULL };
	qsort(e, m, sizeof *e, cmp_edge);
	/* shuffle within each row so edge order is random too */
	for (size_t i = 0; i + 1 < m; i++) {
		size_t j = i + (size_t)tu_below(rng, m - i);
		if (e[j].u == e[i].u) {
			edge t = e[i];
			e[i] = e[j];
			e[j] = t;
		}
	}
	g.row = calloc((size_t)n + 1, sizeof *g.row);
	g.edges = malloc((m ? m : 1) * sizeof *g.edges);
	for (size_t i = 0; i < m; i++) {
		g.row[e[i].u + 1]++;
		g.edges[i] = e[i].v;
	}
	for (uint32_t v = 0; v < n; v++)
		g.row[v + 1] += g.row[v];
	return g;
}

static tgraph random_graph(tu_rng *r)
{
	uint32_t n = 1 + (uint32_t)tu_below(r, 300);
	if (tu_below(r, 4) == 0)
		n = 1 + (uint32_t)tu_below(r, 12);
	uint32_t nroots;
	switch (tu_below(r, 5)) {
	case 0: nroots = 0; break;
	case 1: nroots = 1; break;
	case 2: nroots = (uint32_t)tu_below(r, n + 1); break; /* many */
	default: nroots = 1 + (uint32_t)tu_below(r, n < 8 ? n : 8); break;
	}
	if (nroots > n)
		nroots = n;
	uint32_t rf = n - nroots;
	size_t cap = (size_t)n * 12 + 64, m = 0;
	edge *e = malloc(cap * sizeof *e);
	unsigned kind = (unsigned)tu_below(r, 4);
	/* root edges: mostly into objects, sometimes into roots */
	for (uint32_t v = rf; v < n; v++) {
		uint32_t k = (uint32_t)tu_below(r, 4);
		for (uint32_t i = 0; i < k && m < cap; i++) {
			uint32_t t = rf && tu_below(r, 8) ? (uint32_t)tu_below(r, rf) : (uint32_t)tu_below(r, n);
			e[m++] = (edge){ v, t };
		}
	}
	uint32_t objs = rf ? rf : n;
	switch (kind) {
	case 0: { /* uniform, average degree 0..4 */
		size_t want = (size_t)(tu_below(r, 5) * objs) + tu_below(r, 3);
		for (size_t i = 0; i < want && m < cap; i++)
			e[m++] = (edge){ (uint32_t)tu_below(r, n), (uint32_t)tu_below(r, n) };
		break;
	}
	case 1: /* a chain with forward and back edges */
		for (uint32_t v = 0; v + 1 < objs && m < cap; v++) {
			e[m++] = (edge){ v, v + 1 };
			if (tu_below(r, 6) == 0 && m < cap)
				e[m++] = (edge){ v, (uint32_t)tu_below(r, objs) };
		}
		if (rf < n && m < cap) /* the first root points at the start */
			e[m++] = (edge){ rf, 0 };
		break;
	case 2: /* a random tree with cross edges: shared subtrees */
		for (uint32_t v = 1; v < objs && m < cap; v++) {
			e[m++] = (edge){ (uint32_t)tu_below(r, v), v };
			if (tu_below(r, 5) == 0 && m < cap)
				e[m++] = (edge){ (uint32_t)tu_below(r, objs), v };
		}
		if (rf < n && m < cap) /* the first root points at the start */
			e[m++] = (edge){ rf, 0 };
		break;
	default: /* dense-ish small clusters, self-loops, duplicates */
		for (uint32_t v = 0; v < objs && m + 4 < cap; v++) {
			uint32_t base = v & ~7u;
			for (uint32_t i = 0; i < 3; i++) {
				uint32_t t = base + (uint32_t)tu_below(r, 8);
				if (t < n)
					e[m++] = (edge){ v, t };
			}
			if (tu_below(r, 4) == 0)
				e[m++] = (edge){ v, (uint32_t)tu_below(r, n) };
		}
		break;
	}
	/* extra self-loops and duplicates */
	size_t m0 = m;
	for (size_t i = 0; i < m0 / 8 && m < cap; i++) {
		edge x = e[tu_below(r, m0)];
		e[m++] = tu_below(r, 2) ? x : (edge){ x.u, x.u };
	}
	tgraph g = make_csr(n, rf, e, m, r);
	free(e);
	if (tu_below(r, 6)) {
		g.size = malloc((size_t)n * sizeof *g.size);
		for (uint32_t v = 0; v < n; v++)
			g.size[v] = v < rf || tu_below(r, 3) == 0 ? tu_below(r, 1000) : 0;
	}
	return g;
}

/* ---- per-type totals --------------------------------------------------------- */

#define NTYPES 3

static uint32_t test_type_of(const void *ctx, uint32_t v)
{
	return (v * 7 + *(const uint32_t *)ctx) % NTYPES;
}

/*
 * goheap_dominators_by_type() over the subtree of top against the
 * definition, from the naive idom array: an object w in the subtree adds
 * its bytes to type t when some object on its idom chain from w up to top
 * (both included) has type t.
 */
static unsigned check_by_type(const goheap_dominators *d, const tgraph *g, const uint32_t *idom, uint32_t top,
			      uint32_t salt)
{
	goheap_type_total got[NTYPES], want[NTYPES];
	memset(want, 0, sizeof want);
	goheap_diag diag = { 0 };
	if (goheap_dominators_by_type(d, top, g->root_first, test_type_of, &salt, got, NTYPES, &diag) != GOHEAP_OK)
		return 1;
	for (uint32_t w = 0; w < g->root_first; w++) {
		if (idom[w] == NONE)
			continue;
		bool seen[NTYPES] = { false }, inside = false;
		for (uint32_t u = w;; u = idom[u]) {
			if (u < g->root_first)
				seen[test_type_of(&salt, u)] = true;
			if (u == top) {
				inside = true;
				break;
			}
			if (u == g->n || idom[u] == NONE)
				break;
		}
		if (!inside)
			continue;
		uint32_t t = test_type_of(&salt, w);
		want[t].count++;
		want[t].shallow += node_size(g, w);
		for (uint32_t k = 0; k < NTYPES; k++)
			if (seen[k])
				want[k].retained += node_size(g, w);
	}
	unsigned bad = 0;
	for (uint32_t k = 0; k < NTYPES; k++)
		bad += got[k].count != want[k].count || got[k].shallow != want[k].shallow ||
		       got[k].retained != want[k].retained;
	return bad;
}

/* ---- per-owner totals -------------------------------------------------------- */

/*
 * Live bytes reachable from the roots whose owner is not `without`
 * (UINT32_MAX: from all roots), by plain BFS over the CSR graph.
 */
static uint64_t live_without(const tgraph *g, const uint32_t *root_owner, uint32_t without)
{
	uint8_t *seen = calloc((size_t)g->n + 1, 1);
	uint32_t *queue = malloc(((size_t)g->n + 1) * sizeof *queue);
	size_t head = 0, tail = 0;
	uint64_t bytes = 0;
	for (uint32_t r = g->root_first; r < g->n; r++) {
		seen[r] = 1; /* a root gone is gone, whatever points at it */
		if (without == UINT32_MAX || root_owner[r - g->root_first] != without)
			queue[tail++] = r;
	}
	while (head < tail) {
		uint32_t v = queue[head++];
		bytes += node_size(g, v);
		for (uint32_t e = g->row[v]; e < g->row[v + 1]; e++)
			if (!seen[g->edges[e]]) {
				seen[g->edges[e]] = 1;
				queue[tail++] = g->edges[e];
			}
	}
	free(seen);
	free(queue);
	return bytes;
}

/*
 * goheap_dominators_by_owner() against its definition: what an owner
 * retains is what stops being reachable when all its roots go.
 */
static unsigned check_by_owner(const goheap_dominators *d, const tgraph *g, const uint32_t *root_owner,
			       uint32_t nowners)
{
	uint64_t got[8];
	goheap_diag diag = { 0 };
	if (nowners > 8 || goheap_dominators_by_owner(d, g->n, g->root_first, g->row, g->edges, root_owner, got,
						      nowners, &diag) != GOHEAP_OK)
		return 1;
	uint64_t all = live_without(g, root_owner, UINT32_MAX);
	unsigned bad = 0;
	for (uint32_t k = 0; k < nowners; k++)
		bad += got[k] != all - live_without(g, root_owner, k);
	return bad;
}

static void test_random(void)
{
	tu_rng r = { 0x5eed };
	char ctx[96];
	unsigned idom_diff = 0, ret_diff = 0, chk_diff = 0, type_diff = 0, owner_diff = 0;
	for (int it = 0; it < 4000; it++) {
		tgraph g = random_graph(&r);
		snprintf(ctx, sizeof ctx, "random graph %d (%u nodes, %u roots)", it, g.n, g.n - g.root_first);
		check_context = ctx;
		goheap_dominators *d = NULL;
		goheap_diag diag = { 0 };
		int rc = goheap_dominators_compute_csr(&d, g.n, g.root_first, g.row, g.edges, g.size, &diag);
		CHECK_EQ_I(rc, GOHEAP_OK);
		if (rc) {
			tgraph_free(&g);
			continue;
		}
		uint32_t N = g.n + 1;
		uint32_t *idom = malloc(N * sizeof *idom), *idom2 = malloc(N * sizeof *idom2);
		uint64_t *ret = malloc(N * sizeof *ret);
		naive_bitset(&g, idom, ret);
		naive_chk(&g, idom2);
		for (uint32_t v = 0; v < N; v++) {
			uint32_t got = goheap_dominators_idom(d, v);
			if (got != idom[v]) {
				if (idom_diff++ < 10)
					CHECKF(0, "node %u: idom %u, naive %u", v, got, idom[v]);
			}
			if (idom2[v] != idom[v] && chk_diff++ < 10)
				CHECKF(0, "node %u: CHK idom %u, bitset %u", v, idom2[v], idom[v]);
			if (goheap_dominators_retained(d, v) != ret[v] && ret_diff++ < 10)
				CHECKF(0, "node %u: retained %llu, naive %llu", v,
				       (unsigned long long)goheap_dominators_retained(d, v),
				       (unsigned long long)ret[v]);
		}
		check_invariants(d, &g);
		uint32_t nroots = g.n - g.root_first, *owner = malloc((nroots + 1) * sizeof *owner);
		for (uint32_t k = 0; k < nroots; k++)
			owner[k] = tu_below(&r, 4) == 0 ? UINT32_MAX : (uint32_t)tu_below(&r, 3);
		if (check_by_owner(d, &g, owner, 3) && owner_diff++ < 10)
			CHECKF(0, "per-owner totals differ from the definition");
		free(owner);
		uint32_t some = (uint32_t)tu_below(&r, N);
		if (check_by_type(d, &g, idom, g.n, (uint32_t)it) || check_by_type(d, &g, idom, some, (uint32_t)it))
			if (type_diff++ < 10)
				CHECKF(0, "per-type totals differ from the definition (top %u)", some);
		free(idom);
		free(idom2);
		free(ret);
		goheap_dominators_free(d);
		tgraph_free(&g);
	}
	check_context = "random graphs";
	CHECK_EQ_U(idom_diff, 0);
	CHECK_EQ_U(ret_diff, 0);
	CHECK_EQ_U(chk_diff, 0);
	CHECK_EQ_U(type_diff, 0);
	CHECK_EQ_U(owner_diff, 0);
}

/*
 * Retained sizes past 32 bits: the result keeps the low 32 bits and adds 16
 * or 32 high bits only when the live bytes need them. Random graphs with
 * sizes scaled by 2^30 (sums around 2^32..2^48) and 2^40 (past 2^48).
 */
static void test_big_sizes(void)
{
	tu_rng r = { 0xb165 };
	unsigned diff = 0, graphs = 0;
	check_context = "big sizes";
	for (int it = 0; it < 600; it++) {
		tgraph g = random_graph(&r);
		if (!g.size) {
			tgraph_free(&g);
			continue;
		}
		unsigned shift = it % 2 ? 40 : 30;
		for (uint32_t v = 0; v < g.n; v++)
			g.size[v] <<= shift;
		goheap_dominators *d = NULL;
		goheap_diag diag = { 0 };
		CHECK_EQ_I(goheap_dominators_compute_csr(&d, g.n, g.root_first, g.row, g.edges, g.size, &diag),
			   GOHEAP_OK);
		if (d) {
			uint32_t N = g.n + 1;
			uint32_t *idom = malloc(N * sizeof *idom);
			uint64_t *ret = malloc(N * sizeof *ret);
			naive_bitset(&g, idom, ret);
			for (uint32_t v = 0; v < N; v++)
				if (goheap_dominators_retained(d, v) != ret[v] && diff++ < 10)
					CHECKF(0, "graph %d node %u: retained %llu, naive %llu", it, v,
					       (unsigned long long)goheap_dominators_retained(d, v),
					       (unsigned long long)ret[v]);
			check_invariants(d, &g);
			graphs++;
			free(idom);
			free(ret);
			goheap_dominators_free(d);
		}
		tgraph_free(&g);
	}
	CHECK_EQ_U(diff, 0);
	CHECK(graphs > 300);
}

/* ---- hand-made graphs and errors ------------------------------------------- */

static void test_small(void)
{
	check_context = "small";
	goheap_dominators *d = NULL;
	goheap_diag diag = { 0 };

	/* no nodes: just the super-root */
	uint32_t row0[1] = { 0 };
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, 0, 0, row0, NULL, NULL, &diag), GOHEAP_OK);
	if (d) {
		size_t c = 7;
		CHECK_EQ_U(goheap_dominators_super_root(d), 0);
		CHECK_EQ_U(goheap_dominators_retained(d, 0), 0);
		goheap_dominators_children(d, 0, &c);
		CHECK_EQ_U(c, 0);
		goheap_dominators_free(d);
	}

	/* diamond: R -> a, R -> b, a -> c, b -> c, c -> d; x unreachable -> c */
	enum { A, B, C, D, X, R, NN };
	uint32_t row[NN + 1] = { 0, 1, 2, 3, 3, 4, 6 };
	uint32_t edges[] = { C, C, D, C, A, B };
	uint64_t size[NN] = { 1, 2, 4, 8, 16, 0 };
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, NN, R, row, edges, size, &diag), GOHEAP_OK);
	if (d) {
		CHECK_EQ_U(goheap_dominators_idom(d, A), R);
		CHECK_EQ_U(goheap_dominators_idom(d, B), R);
		CHECK_EQ_U(goheap_dominators_idom(d, C), R);
		CHECK_EQ_U(goheap_dominators_idom(d, D), C);
		CHECK_EQ_U(goheap_dominators_idom(d, X), NONE);
		CHECK_EQ_U(goheap_dominators_idom(d, R), NN);
		CHECK_EQ_U(goheap_dominators_retained(d, C), 12);
		CHECK_EQ_U(goheap_dominators_retained(d, R), 15);
		CHECK_EQ_U(goheap_dominators_retained(d, NN), 15);
		CHECK_EQ_U(goheap_dominators_retained(d, X), 0);
		size_t c;
		const uint32_t *k = goheap_dominators_children(d, C, &c);
		CHECK(c == 1 && k[0] == D);
		goheap_dominators_children(d, NN + 1, &c);
		CHECK_EQ_U(c, 0);
		goheap_dominators_free(d);
	}
	/* NULL sizes: retained counts objects */
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, NN, R, row, edges, NULL, &diag), GOHEAP_OK);
	if (d) {
		CHECK_EQ_U(goheap_dominators_retained(d, NN), 4);
		CHECK_EQ_U(goheap_dominators_retained(d, C), 2);
		goheap_dominators_free(d);
	}

	/* errors */
	uint32_t bad_edges[] = { C, C, D, C, A, NN };
	d = (goheap_dominators *)1;
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, NN, R, row, bad_edges, NULL, &diag), GOHEAP_EINVAL);
	CHECK(d == NULL);
	CHECK_EQ_I(diag.code, GOHEAP_EINVAL);
	CHECK(diag.msg[0] != '\0');
	uint32_t bad_row[NN + 1] = { 0, 1, 2, 3, 3, 2, 6 };
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, NN, R, bad_row, edges, NULL, &diag), GOHEAP_EINVAL);
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, NN, NN + 1, row, edges, NULL, &diag), GOHEAP_EINVAL);
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, UINT32_MAX - 1, 0, row, edges, NULL, &diag),
		   GOHEAP_ETOOBIG);
	goheap_dominators_free(NULL);
}

/*
 * Deep graphs: a recursive implementation would overflow the stack. A
 * chain of n objects from one root (idom = predecessor, retained = the
 * tail), then the same chain where the root also points at every node
 * (everything hangs off the root), checked against CHK.
 */
static void test_deep(void)
{
	check_context = "deep chain";
	const uint32_t n = 2000000;
	tgraph g = { n + 1, n, NULL, NULL, NULL };
	g.row = malloc(((size_t)n + 2) * sizeof *g.row);
	g.edges = malloc(((size_t)n * 2 + 1) * sizeof *g.edges);
	for (uint32_t v = 0; v < n; v++) {
		g.row[v] = v;
		g.edges[v] = v + 1 < n ? v + 1 : 0; /* the last one closes a cycle */
	}
	g.row[n] = n;
	g.edges[n] = 0;
	g.row[n + 1] = n + 1;
	goheap_dominators *d = NULL;
	goheap_diag diag = { 0 };
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, g.n, g.root_first, g.row, g.edges, NULL, &diag), GOHEAP_OK);
	if (d) {
		uint32_t bad = 0;
		for (uint32_t v = 0; v < n; v++)
			if (goheap_dominators_idom(d, v) != (v ? v - 1 : n) || goheap_dominators_retained(d, v) != n - v)
				bad++;
		CHECK_EQ_U(bad, 0);
		check_invariants(d, &g);
		goheap_dominators_free(d);
	}
	/* the root points at every node: everything's idom is the root */
	check_context = "deep chain, root to all";
	g.edges = realloc(g.edges, ((size_t)n * 2) * sizeof *g.edges);
	for (uint32_t v = 0; v < n; v++)
		g.edges[n + v] = n - 1 - v;
	g.row[n + 1] = 2 * n;
	CHECK_EQ_I(goheap_dominators_compute_csr(&d, g.n, g.root_first, g.row, g.edges, NULL, &diag), GOHEAP_OK);
	if (d) {
		uint32_t *idom = malloc(((size_t)n + 2) * sizeof *idom), bad = 0;
		naive_chk(&g, idom);
		for (uint32_t v = 0; v <= n + 1; v++)
			if (goheap_dominators_idom(d, v) != idom[v])
				bad++;
		CHECK_EQ_U(bad, 0);
		CHECK_EQ_U(goheap_dominators_idom(d, n / 2), n);
		check_invariants(d, &g);
		free(idom);
		goheap_dominators_free(d);
	}
	tgraph_free(&g);
}

/* ---- real dumps ------------------------------------------------------------ */

static void test_real(const char *dump_path, const char *bin_path)
{
	char ctx[256];
	goheap_dump *dp = NULL;
	goheap_binary *bin = NULL;
	goheap_diag diag = { 0 };
	int64_t bias = 0;
	snprintf(ctx, sizeof ctx, "%s", tu_basename(dump_path));
	check_context = ctx;
	int rc = goheap_dump_open(&dp, dump_path, NULL, &diag);
	CHECKF(rc == GOHEAP_OK, "open: %s", diag.msg);
	if (rc)
		return;
	if (bin_path) {
		rc = goheap_binary_open(&bin, bin_path, &diag);
		if (!rc)
			rc = goheap_binary_match(bin, dp, &bias, &diag);
		if (!rc)
			rc = goheap_binary_load_dwarf(bin, &diag);
		CHECKF(rc == GOHEAP_OK, "binary: %s", diag.msg);
		if (rc) {
			goheap_binary_free(bin);
			bin = NULL;
		}
	}
	for (int with_bin = 0; with_bin < (bin ? 2 : 1); with_bin++) {
		snprintf(ctx, sizeof ctx, "%s%s", tu_basename(dump_path), with_bin ? " +binary" : "");
		goheap_graph *g = NULL;
		rc = goheap_graph_build(&g, dp, with_bin ? bin : NULL, bias, NULL, &diag);
		CHECKF(rc == GOHEAP_OK, "graph: %s", diag.msg);
		if (rc)
			break;
		goheap_dominators *d = NULL;
		rc = goheap_dominators_compute(&d, g, dp, &diag);
		CHECKF(rc == GOHEAP_OK, "dominators: %s", diag.msg);
		if (rc) {
			goheap_graph_free(g);
			break;
		}
		/* the same graph as a test graph, for the invariants and CHK */
		tgraph t = { goheap_graph_node_count(g), goheap_graph_object_count(g), NULL, NULL, NULL };
		const uint32_t *row, *edges;
		goheap_graph_csr(g, &row, &edges);
		t.row = (uint32_t *)(uintptr_t)row;
		t.edges = (uint32_t *)(uintptr_t)edges;
		t.size = calloc(t.n ? t.n : 1, sizeof *t.size);
		for (uint32_t v = 0; v < t.root_first; v++)
			t.size[v] = goheap_dump_object(dp, v).size;
		check_invariants(d, &t);
		const goheap_graph_totals *tot = goheap_graph_get_totals(g);
		CHECK_EQ_U(goheap_dominators_retained(d, t.n), tot->live_bytes);
		CHECK_EQ_U(goheap_dominators_reachable_count(d), tot->live_count + (t.n - t.root_first));
		uint32_t reach_diff = 0;
		for (uint32_t v = 0; v < t.root_first; v++)
			if (goheap_graph_reachable(g, v) != (goheap_dominators_idom(d, v) != NONE))
				reach_diff++;
		CHECK_EQ_U(reach_diff, 0);
		uint32_t *idom = malloc(((size_t)t.n + 1) * sizeof *idom), diff = 0;
		naive_chk(&t, idom);
		for (uint32_t v = 0; v <= t.n; v++)
			if (goheap_dominators_idom(d, v) != idom[v] && diff++ < 5)
				CHECKF(0, "node %u: idom %u, CHK %u", v, goheap_dominators_idom(d, v), idom[v]);
		CHECK_EQ_U(diff, 0);
		/* retained by walking idom chains (independent of the children lists) */
		uint64_t *ret = calloc((size_t)t.n + 1, sizeof *ret);
		for (uint32_t v = 0; v < t.n; v++) {
			if (idom[v] == NONE)
				continue;
			for (uint32_t x = v; x != NONE; x = x == t.n ? NONE : idom[x])
				ret[x] += t.size[v];
		}
		diff = 0;
		for (uint32_t v = 0; v <= t.n; v++)
			if (ret[v] != goheap_dominators_retained(d, v))
				diff++;
		CHECK_EQ_U(diff, 0);
		/* per goroutine: against reachability with the goroutine's roots gone */
		size_t nroots, ngr;
		const goheap_root *roots = goheap_graph_roots(g, &nroots);
		goheap_dump_goroutines(dp, &ngr);
		uint32_t *owner = malloc((nroots + 1) * sizeof *owner);
		uint64_t *per_g = calloc(ngr + 1, sizeof *per_g);
		for (size_t k = 0; k < nroots; k++)
			owner[k] = roots[k].goroutine < ngr ? roots[k].goroutine : UINT32_MAX;
		CHECK_EQ_I(goheap_dominators_by_goroutine(d, g, per_g, ngr, &diag), GOHEAP_OK);
		diff = 0;
		for (uint32_t k = 0; k < ngr; k++) {
			uint64_t want = tot->live_bytes - live_without(&t, owner, k);
			if (per_g[k] != want && diff++ < 5)
				CHECKF(0, "goroutine %u retains %llu, freed without its roots %llu", k,
				       (unsigned long long)per_g[k], (unsigned long long)want);
		}
		CHECK_EQ_U(diff, 0);
		free(owner);
		free(per_g);
		size_t nkids;
		goheap_dominators_children(d, t.n, &nkids);
		printf("%s: %u nodes, %u reachable, %llu live bytes, super-root has %zu children\n", ctx, t.n,
		       goheap_dominators_reachable_count(d), (unsigned long long)tot->live_bytes, nkids);
		free(ret);
		free(idom);
		free(t.size);
		goheap_dominators_free(d);
		goheap_graph_free(g);
	}
	goheap_binary_free(bin);
	goheap_dump_free(dp);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		test_small();
		test_random();
		test_big_sizes();
		test_deep();
	}
	for (int i = 1; i < argc; i++) {
		const char *bin = i + 1 < argc && ends_with(argv[i + 1], ".bin") ? argv[i + 1] : NULL;
		test_real(argv[i], bin);
		if (bin)
			i++;
	}
	return CHECK_DONE();
}
