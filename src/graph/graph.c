/*
 * graph.c - build the object graph: CSR out-edges from the GC pointer maps
 * of objects and roots, root naming through DWARF, reachability. See
 * include/goheap/graph.h for the contract.
 *
 * Edge targets are found with a page index over the heap (first object of
 * every 8 KiB page), so a lookup is a short scan instead of a binary search
 * over all objects; without a usable heap range it falls back to the
 * dump's binary search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goheap/graph.h"
#include "util/diag.h"
#include "util/vec.h"

#define PAGE_SHIFT 13

struct goheap_graph {
	const goheap_dump *dump;
	const goheap_binary *bin;
	int64_t bias;
	uint32_t nobj;
	const uint64_t *addr;       /* the dump's sorted object addresses */
	uint64_t page_base;         /* page index: heap_start >> PAGE_SHIFT */
	size_t npages;
	uint32_t *page_first;       /* first object at or after each page; npages+1 entries */
	VEC(goheap_root) roots;
	uint32_t *row;              /* nodes+1 row starts */
	VEC(uint32_t) edges;
	uint8_t *reach;             /* bit per object */
	goheap_graph_totals totals;
};

#define OOM(d) diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory building the graph")

/* ---- finding the object a pointer points into ----------------------------- */

static int build_page_index(goheap_graph *g)
{
	const goheap_params *pr = goheap_dump_params(g->dump);
	if (g->nobj == 0 || pr->heap_end <= pr->heap_start)
		return 0;
	uint64_t lo = g->addr[0] >> PAGE_SHIFT;
	uint64_t hi = (g->addr[g->nobj - 1] >> PAGE_SHIFT) + 1;
	/* A sparse heap would make the index larger than the objects: skip it. */
	if (hi - lo > (uint64_t)g->nobj * 4 + (1u << 20))
		return 0;
	g->page_base = lo;
	g->npages = (size_t)(hi - lo);
	g->page_first = malloc((g->npages + 1) * sizeof *g->page_first);
	if (!g->page_first)
		return -1;
	uint32_t i = 0;
	for (size_t p = 0; p <= g->npages; p++) {
		uint64_t start = (g->page_base + p) << PAGE_SHIFT;
		while (i < g->nobj && g->addr[i] < start)
			i++;
		g->page_first[p] = i;
	}
	return 0;
}

/* The object containing a, or UINT32_MAX. */
static uint32_t find_object(const goheap_graph *g, uint64_t a)
{
	if (!g->page_first) {
		uint32_t idx;
		return goheap_dump_find_object(g->dump, a, &idx) == GOHEAP_OK ? idx : UINT32_MAX;
	}
	uint64_t p = a >> PAGE_SHIFT;
	if (p < g->page_base || p - g->page_base >= g->npages) {
		/* Past the last page start: only the last object can hold it. */
		if (p < g->page_base)
			return UINT32_MAX;
		p = g->page_base + g->npages - 1;
	}
	size_t pi = (size_t)(p - g->page_base);
	uint32_t lo = g->page_first[pi], hi = g->page_first[pi + 1];
	/* The last object with addr <= a is in [lo-1, hi). */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->addr[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return UINT32_MAX;
	uint32_t i = lo - 1;
	goheap_object o = goheap_dump_object(g->dump, i);
	return a - o.addr < o.size ? i : UINT32_MAX;
}

static int push_edge(goheap_graph *g, uint32_t target)
{
	uint32_t *slot = VEC_PUSH(g->edges);
	if (!slot)
		return -1;
	*slot = target;
	return 0;
}

/* ---- object edges --------------------------------------------------------- */

static int object_edges(goheap_graph *g, goheap_diag *d, const goheap_graph_opts *opts)
{
	const goheap_dump *dp = g->dump;
	uint64_t want = goheap_dump_object_pointers(dp) + 1024;
	if (vec_reserve((void **)&g->edges.v, &g->edges.alloc, (size_t)want, sizeof *g->edges.v))
		return OOM(d);
	for (uint32_t i = 0; i < g->nobj; i++) {
		if (opts && opts->progress && (i & 0xfffff) == 0)
			opts->progress(opts->progress_ctx, i, g->nobj);
		if (g->edges.n > UINT32_MAX - 1)
			return diag_set(d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL,
					"more than 2^32 edges: goheap indexes at most 2^32-1");
		g->row[i] = (uint32_t)g->edges.n;
		goheap_object o = goheap_dump_object(dp, i);
		const uint8_t *mem = goheap_dump_data(dp, o.contents_off);
		goheap_fields it = goheap_object_fields(dp, &o);
		uint64_t off;
		while (goheap_fields_next(&it, &off)) {
			uint32_t t = find_object(g, goheap_dump_read_word(dp, mem + off));
			if (t != UINT32_MAX && push_edge(g, t))
				return OOM(d);
		}
	}
	return GOHEAP_OK;
}

/* ---- roots ---------------------------------------------------------------- */

static goheap_root *new_root(goheap_graph *g, goheap_root_kind kind)
{
	goheap_root *r = VEC_PUSH(g->roots);
	if (!r)
		return NULL;
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->goroutine = r->frame = r->global = r->var = r->record = UINT32_MAX;
	r->type = GOHEAP_NO_TYPE;
	return r;
}

/*
 * Root edges are appended right after their root is created: rows of
 * roots are filled in creation order, so the edges of root i start where
 * the previous root's ended. pending_row tracks that.
 */
typedef struct root_builder {
	goheap_graph *g;
	VEC(uint32_t) root_row;     /* edge start of each root */
} root_builder;

static int begin_root(root_builder *b, goheap_root_kind kind, goheap_root **out)
{
	uint32_t *row = VEC_PUSH(b->root_row);
	goheap_root *r = row ? new_root(b->g, kind) : NULL;
	if (!r)
		return -1;
	*row = (uint32_t)b->g->edges.n;
	*out = r;
	return 0;
}

/* Drop the root just begun if it got no edge: roots that point nowhere
 * in the heap are not roots of the graph. */
static void end_root(root_builder *b)
{
	if (b->g->edges.n == b->root_row.v[b->root_row.n - 1]) {
		b->root_row.n--;
		b->g->roots.n--;
	}
}

/* A pointer word in root memory: an edge when it points into an object. */
static int root_word(root_builder *b, uint64_t value)
{
	uint32_t t = find_object(b->g, value);
	return t == UINT32_MAX ? 0 : push_edge(b->g, t);
}

typedef struct slot {
	uint64_t addr;      /* run-time address of the word */
	const uint8_t *mem; /* its bytes */
	uint32_t frame;     /* frame index, or UINT32_MAX */
	bool claimed;
} slot;

typedef VEC(slot) slot_vec;

/* Collect the pointer words a field list names in [base, base+len). */
static int collect_slots(const goheap_dump *dp, uint64_t fields_off, uint64_t base,
			 const uint8_t *mem, uint32_t frame, slot_vec *v)
{
	goheap_fields it = goheap_fields_at(dp, fields_off);
	uint64_t off;
	while (goheap_fields_next(&it, &off)) {
		slot *s = VEC_PUSH(*v);
		if (!s)
			return -1;
		*s = (slot){ base + off, mem + off, frame, false };
	}
	return 0;
}

static int cmp_slot(const void *a, const void *b)
{
	const slot *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* First slot with addr >= a (slots sorted). */
static size_t slot_lower_bound(const slot *s, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Give the slots in [a, a+size) to the root being built. */
static int claim_range(root_builder *b, slot *s, size_t n, uint64_t a, uint64_t size)
{
	const goheap_dump *dp = b->g->dump;
	for (size_t k = slot_lower_bound(s, n, a); k < n && s[k].addr - a < size; k++) {
		if (s[k].claimed)
			continue;
		s[k].claimed = true;
		if (root_word(b, goheap_dump_read_word(dp, s[k].mem)))
			return -1;
	}
	return 0;
}

static int data_roots(root_builder *b)
{
	goheap_graph *g = b->g;
	const goheap_dump *dp = g->dump;
	size_t nseg, nglob = 0;
	const goheap_segment *seg = goheap_dump_segments(dp, &nseg);
	const goheap_global *glob = g->bin ? goheap_binary_globals(g->bin, &nglob) : NULL;
	const goheap_btype *types = NULL;
	size_t ntypes = 0;
	if (g->bin)
		types = goheap_binary_types(g->bin, &ntypes);
	int rc = 0;
	for (size_t si = 0; si < nseg && !rc; si++) {
		slot_vec slots = { 0 };
		const uint8_t *mem = goheap_dump_data(dp, seg[si].contents_off);
		if (collect_slots(dp, seg[si].fields_off, seg[si].addr, mem, UINT32_MAX, &slots)) {
			VEC_FREE(slots);
			return -1;
		}
		/* Globals that lie in this segment, in address order. */
		for (size_t k = 0; k < nglob && !rc; k++) {
			uint64_t a = glob[k].addr + (uint64_t)g->bias;
			uint64_t size = glob[k].type < ntypes ? types[glob[k].type].size : 0;
			if (a < seg[si].addr || a - seg[si].addr >= seg[si].len || size == 0)
				continue;
			if (size > seg[si].len - (a - seg[si].addr))
				size = seg[si].len - (a - seg[si].addr);
			goheap_root *r;
			if (begin_root(b, GOHEAP_ROOT_GLOBAL, &r)) {
				rc = -1;
				break;
			}
			r->global = (uint32_t)k;
			r->type = glob[k].type;
			r->addr = a;
			r->size = size;
			r->mem = mem + (a - seg[si].addr);
			rc = claim_range(b, slots.v, slots.n, a, size);
			end_root(b);
		}
		/* Words no global claimed. */
		for (size_t k = 0; k < slots.n && !rc; k++) {
			if (slots.v[k].claimed)
				continue;
			goheap_root *r;
			if (begin_root(b, GOHEAP_ROOT_DATA_SLOT, &r)) {
				rc = -1;
				break;
			}
			r->addr = slots.v[k].addr;
			r->size = goheap_dump_params(dp)->ptr_size;
			r->mem = slots.v[k].mem;
			rc = root_word(b, goheap_dump_read_word(dp, slots.v[k].mem));
			end_root(b);
		}
		VEC_FREE(slots);
	}
	return rc;
}

/* The DWARF variables of one frame claim the slots they cover. */
static int frame_vars(root_builder *b, const goheap_goroutine *gr, uint32_t gi, uint32_t fi,
		      slot *s, size_t n)
{
	goheap_graph *g = b->g;
	const goheap_dump *dp = g->dump;
	size_t nf;
	const goheap_frame *f = &goheap_dump_frames(dp, &nf)[fi];
	(void)gr;
	uint64_t pc = f->pc - (uint64_t)g->bias;
	if (f->depth > 0)
		pc--; /* a return address: look up the call instruction */
	const goheap_func *fn = goheap_binary_func_at(g->bin, pc);
	if (!fn)
		return 0;
	size_t nvars, ntypes;
	const goheap_var *vars = goheap_binary_vars(g->bin, &nvars);
	const goheap_btype *types = goheap_binary_types(g->bin, &ntypes);
	uint64_t cfa = f->sp + f->contents_len;
	for (uint32_t k = 0; k < fn->nvars; k++) {
		const goheap_var *v = &vars[fn->first_var + k];
		goheap_loc loc[8];
		size_t np = goheap_binary_var_locate(g->bin, v, pc, loc, 8);
		goheap_root *r = NULL;
		for (size_t p = 0; p < np; p++) {
			if (loc[p].kind != GOHEAP_LOC_CFA || loc[p].size == 0)
				continue;
			uint64_t a = cfa + (uint64_t)loc[p].offset;
			if (!r) {
				if (begin_root(b, GOHEAP_ROOT_FRAME_VAR, &r))
					return -1;
				r->goroutine = gi;
				r->frame = fi;
				r->var = fn->first_var + k;
				r->type = np == 1 && loc[0].piece_offset == 0 ? v->type : GOHEAP_NO_TYPE;
				r->var_offset = loc[p].piece_offset;
				r->addr = a;
				r->size = np == 1 && v->type < ntypes ? types[v->type].size : loc[p].size;
				if (a >= f->sp && a - f->sp < f->contents_len &&
				    r->size <= f->contents_len - (a - f->sp))
					r->mem = goheap_dump_data(dp, f->contents_off) + (a - f->sp);
			}
			if (claim_range(b, s, n, a, loc[p].size))
				return -1;
		}
		if (r)
			end_root(b);
	}
	return 0;
}

static int frame_roots(root_builder *b)
{
	goheap_graph *g = b->g;
	const goheap_dump *dp = g->dump;
	size_t ng, nf;
	const goheap_goroutine *gs = goheap_dump_goroutines(dp, &ng);
	const goheap_frame *fs = goheap_dump_frames(dp, &nf);
	int rc = 0;
	for (uint32_t gi = 0; gi < ng && !rc; gi++) {
		slot_vec slots = { 0 };
		for (uint32_t k = 0; k < gs[gi].nframes && !rc; k++) {
			uint32_t fi = gs[gi].first_frame + k;
			rc = collect_slots(dp, fs[fi].fields_off, fs[fi].sp, goheap_dump_data(dp, fs[fi].contents_off),
					   fi, &slots);
		}
		if (!rc && slots.n > 1)
			qsort(slots.v, slots.n, sizeof *slots.v, cmp_slot);
		if (g->bin)
			for (uint32_t k = 0; k < gs[gi].nframes && !rc; k++)
				rc = frame_vars(b, &gs[gi], gi, gs[gi].first_frame + k, slots.v, slots.n);
		for (size_t k = 0; k < slots.n && !rc; k++) {
			if (slots.v[k].claimed)
				continue;
			goheap_root *r;
			if (begin_root(b, GOHEAP_ROOT_FRAME_SLOT, &r)) {
				rc = -1;
				break;
			}
			r->goroutine = gi;
			r->frame = slots.v[k].frame;
			r->addr = slots.v[k].addr;
			r->size = goheap_dump_params(dp)->ptr_size;
			r->mem = slots.v[k].mem;
			rc = root_word(b, goheap_dump_read_word(dp, slots.v[k].mem));
			end_root(b);
		}
		VEC_FREE(slots);
	}
	return rc;
}

/* The index of the goroutine whose g is at gp, or UINT32_MAX. */
static uint32_t goroutine_index(const goheap_dump *dp, uint64_t gp)
{
	size_t n;
	const goheap_goroutine *gs = goheap_dump_goroutines(dp, &n);
	for (uint32_t k = 0; k < n; k++)
		if (gs[k].addr == gp)
			return k;
	return UINT32_MAX;
}

/* A root for dump record `record` whose edges are the given words (those
 * that point into objects); gp names its goroutine, 0 for none. */
static int word_root(root_builder *b, goheap_root_kind kind, uint32_t record, uint64_t addr, uint64_t gp,
		     const uint64_t *words, size_t nwords)
{
	goheap_root *r;
	if (begin_root(b, kind, &r))
		return -1;
	r->record = record;
	r->addr = addr;
	if (gp)
		r->goroutine = goroutine_index(b->g->dump, gp);
	for (size_t k = 0; k < nwords; k++)
		if (root_word(b, words[k]))
			return -1;
	end_root(b);
	return 0;
}

static int record_roots(root_builder *b)
{
	goheap_graph *g = b->g;
	size_t n;
	const goheap_finalizer *fz = goheap_dump_finalizers(g->dump, &n);
	for (uint32_t i = 0; i < n; i++) {
		goheap_root *r;
		if (begin_root(b, fz[i].queued ? GOHEAP_ROOT_QUEUED_FINALIZER : GOHEAP_ROOT_FINALIZER, &r))
			return -1;
		r->record = i;
		r->addr = fz[i].obj;
		if (root_word(b, fz[i].fn))
			return -1;
		uint32_t obj = find_object(g, fz[i].obj);
		if (fz[i].queued) {
			if (obj != UINT32_MAX && push_edge(g, obj))
				return -1;
		} else if (obj != UINT32_MAX) {
			/* The object's referents, not the object itself. */
			for (uint32_t e = g->row[obj]; e < g->row[obj + 1]; e++)
				if (push_edge(g, g->edges.v[e]))
					return -1;
		}
		end_root(b);
	}
	/* Defer chains and panic values, as the collector's scanstack keeps them. */
	const goheap_defer *df = goheap_dump_defers(g->dump, &n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t words[] = { df[i].addr, df[i].fn, df[i].link };
		if (word_root(b, GOHEAP_ROOT_DEFER, i, df[i].addr, df[i].gp, words, 3))
			return -1;
	}
	const goheap_panic *pa = goheap_dump_panics(g->dump, &n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t words[] = { pa[i].arg_data, pa[i].link };
		if (word_root(b, GOHEAP_ROOT_PANIC, i, pa[i].addr, pa[i].gp, words, 2))
			return -1;
	}
	const goheap_otherroot *other = goheap_dump_otherroots(g->dump, &n);
	for (uint32_t i = 0; i < n; i++)
		if (word_root(b, GOHEAP_ROOT_OTHER, i, other[i].ptr, 0, &other[i].ptr, 1))
			return -1;
	return 0;
}

/* ---- reachability --------------------------------------------------------- */

static int mark_reachable(goheap_graph *g)
{
	uint32_t nodes = g->nobj + (uint32_t)g->roots.n;
	g->reach = calloc(g->nobj / 8 + 1, 1);
	uint32_t *queue = malloc(((size_t)g->nobj + 1) * sizeof *queue);
	if (!g->reach || !queue) {
		free(queue);
		return -1;
	}
	size_t head = 0, tail = 0;
	for (uint32_t node = g->nobj; node < nodes; node++) {
		for (uint32_t e = g->row[node]; e < g->row[node + 1]; e++) {
			uint32_t t = g->edges.v[e];
			if (!(g->reach[t / 8] >> (t % 8) & 1)) {
				g->reach[t / 8] |= (uint8_t)(1u << (t % 8));
				queue[tail++] = t;
			}
		}
	}
	while (head < tail) {
		uint32_t n = queue[head++];
		for (uint32_t e = g->row[n]; e < g->row[n + 1]; e++) {
			uint32_t t = g->edges.v[e];
			if (!(g->reach[t / 8] >> (t % 8) & 1)) {
				g->reach[t / 8] |= (uint8_t)(1u << (t % 8));
				queue[tail++] = t;
			}
		}
	}
	free(queue);
	goheap_graph_totals *tot = &g->totals;
	for (uint32_t i = 0; i < g->nobj; i++) {
		uint64_t size = goheap_dump_object(g->dump, i).size;
		if (g->reach[i / 8] >> (i % 8) & 1) {
			tot->live_count++;
			tot->live_bytes += size;
		} else if (goheap_dump_is_span_tail(g->dump, i)) {
			tot->tail_count++;
			tot->tail_bytes += size;
		} else {
			tot->garbage_count++;
			tot->garbage_bytes += size;
		}
	}
	for (size_t r = 0; r < g->roots.n; r++)
		tot->roots_by_kind[g->roots.v[r].kind]++;
	return 0;
}

/* ---- build / free / accessors --------------------------------------------- */

int goheap_graph_build(goheap_graph **out, const goheap_dump *dump, const goheap_binary *bin,
		       int64_t bias, const goheap_graph_opts *opts, goheap_diag *d)
{
	*out = NULL;
	diag_clear(d);
	goheap_graph *g = calloc(1, sizeof *g);
	if (!g)
		return OOM(d);
	g->dump = dump;
	g->bin = bin;
	g->bias = bias;
	size_t nobj = goheap_dump_object_count(dump);
	g->nobj = (uint32_t)nobj;
	g->addr = goheap_dump_object_addrs(dump);
	root_builder b = { g, { 0 } };
	int rc = GOHEAP_OK;
	g->row = malloc(((size_t)nobj + 1) * sizeof *g->row);
	if (!g->row || build_page_index(g)) {
		rc = OOM(d);
		goto out;
	}
	rc = object_edges(g, d, opts);
	if (rc)
		goto out;
	g->row[nobj] = (uint32_t)g->edges.n;
	if (data_roots(&b) || frame_roots(&b) || record_roots(&b)) {
		rc = OOM(d);
		goto out;
	}
	if (g->edges.n > UINT32_MAX - 1 || nobj + b.root_row.n > UINT32_MAX - 2) {
		rc = diag_set(d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL, "too many nodes or edges");
		goto out;
	}
	/* Append the root rows to the object rows. */
	uint32_t *row = realloc(g->row, (nobj + b.root_row.n + 1) * sizeof *row);
	if (!row) {
		rc = OOM(d);
		goto out;
	}
	g->row = row;
	for (size_t r = 0; r < b.root_row.n; r++)
		g->row[nobj + r] = b.root_row.v[r];
	g->row[nobj + b.root_row.n] = (uint32_t)g->edges.n;
	if (mark_reachable(g)) {
		rc = OOM(d);
		goto out;
	}
out:
	VEC_FREE(b.root_row);
	if (rc) {
		goheap_graph_free(g);
		return rc;
	}
	*out = g;
	return GOHEAP_OK;
}

void goheap_graph_free(goheap_graph *g)
{
	if (!g)
		return;
	free(g->page_first);
	free(g->row);
	free(g->reach);
	VEC_FREE(g->edges);
	VEC_FREE(g->roots);
	free(g);
}

uint32_t goheap_graph_object_count(const goheap_graph *g) { return g->nobj; }
uint32_t goheap_graph_find_object(const goheap_graph *g, uint64_t addr) { return find_object(g, addr); }
uint32_t goheap_graph_node_count(const goheap_graph *g) { return g->nobj + (uint32_t)g->roots.n; }
uint64_t goheap_graph_edge_count(const goheap_graph *g) { return g->edges.n; }
const goheap_graph_totals *goheap_graph_get_totals(const goheap_graph *g) { return &g->totals; }

const goheap_root *goheap_graph_roots(const goheap_graph *g, size_t *count)
{
	*count = g->roots.n;
	return g->roots.v;
}

const uint32_t *goheap_graph_edges(const goheap_graph *g, uint32_t node, size_t *count)
{
	*count = g->row[node + 1] - g->row[node];
	return g->edges.v + g->row[node];
}

void goheap_graph_csr(const goheap_graph *g, const uint32_t **row, const uint32_t **edges)
{
	*row = g->row;
	*edges = g->edges.v;
}

bool goheap_graph_reachable(const goheap_graph *g, uint32_t obj)
{
	return obj < g->nobj && (g->reach[obj / 8] >> (obj % 8) & 1);
}

size_t goheap_graph_root_name(const goheap_graph *g, size_t i, char *buf, size_t len)
{
	const goheap_root *r = &g->roots.v[i];
	const goheap_dump *dp = g->dump;
	size_t n;
	int w = 0;
	switch (r->kind) {
	case GOHEAP_ROOT_GLOBAL:
		w = snprintf(buf, len, "%s", goheap_binary_globals(g->bin, &n)[r->global].name);
		break;
	case GOHEAP_ROOT_DATA_SLOT: {
		const goheap_segment *seg = goheap_dump_segments(dp, &n);
		for (size_t s = 0; s < n; s++)
			if (r->addr >= seg[s].addr && r->addr - seg[s].addr < seg[s].len)
				w = snprintf(buf, len, "%s+0x%llx", seg[s].is_bss ? "bss" : "data",
					     (unsigned long long)(r->addr - seg[s].addr));
		break;
	}
	case GOHEAP_ROOT_FRAME_VAR:
	case GOHEAP_ROOT_FRAME_SLOT: {
		const goheap_goroutine *gr = &goheap_dump_goroutines(dp, &n)[r->goroutine];
		const goheap_frame *f = &goheap_dump_frames(dp, &n)[r->frame];
		if (r->kind == GOHEAP_ROOT_FRAME_VAR)
			w = snprintf(buf, len, "goroutine %llu %.*s: %s", (unsigned long long)gr->goid,
				     (int)f->func.len, f->func.ptr, goheap_binary_vars(g->bin, &n)[r->var].name);
		else
			w = snprintf(buf, len, "goroutine %llu %.*s+0x%llx", (unsigned long long)gr->goid,
				     (int)f->func.len, f->func.ptr, (unsigned long long)(r->addr - f->sp));
		break;
	}
	case GOHEAP_ROOT_FINALIZER:
	case GOHEAP_ROOT_QUEUED_FINALIZER:
		w = snprintf(buf, len, "%sfinalizer for 0x%llx",
			     r->kind == GOHEAP_ROOT_QUEUED_FINALIZER ? "queued " : "", (unsigned long long)r->addr);
		break;
	case GOHEAP_ROOT_DEFER:
	case GOHEAP_ROOT_PANIC: {
		uint64_t goid = 0;
		if (r->goroutine != UINT32_MAX)
			goid = goheap_dump_goroutines(dp, &n)[r->goroutine].goid;
		w = snprintf(buf, len, "goroutine %llu %s 0x%llx", (unsigned long long)goid,
			     r->kind == GOHEAP_ROOT_DEFER ? "defer" : "panic", (unsigned long long)r->addr);
		break;
	}
	case GOHEAP_ROOT_OTHER:
	default: {
		const goheap_otherroot *o = &goheap_dump_otherroots(dp, &n)[r->record];
		w = snprintf(buf, len, "%.*s", (int)o->description.len, o->description.ptr);
		break;
	}
	}
	if (len)
		buf[len - 1] = '\0';
	return w < 0 ? 0 : (size_t)w;
}
