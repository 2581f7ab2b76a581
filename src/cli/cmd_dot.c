/*
 * cmd_dot.c - goheap dot: a Graphviz picture of part of the heap, as DOT
 * text or rendered to SVG or PNG (formats/dot/, include/goheap/dot.h).
 *
 * Three scopes, because a whole heap is unreadable as a picture:
 *  - top (the default): the --top N biggest retainers, chosen as goheap
 *    top chooses them (a node holding 90% or more of what its immediate
 *    dominator holds is the same retainer one step down and is left out;
 *    goroutines are not nodes, their frame variables are roots), and the
 *    dominator tree between them: each hangs under the nearest of them
 *    that dominates it, else under its root, which is added. An edge that
 *    is one pointer is labelled with its field; one that stands for
 *    objects in between is dashed and says how many.
 *  - around X: the object at an address, a root, or the live instances of
 *    a type, and what lies within --depth hops of it both ways (what it
 *    points to, what points to it), level by level, biggest retainers
 *    first, until --max-nodes; every pointer between the nodes shown.
 *    Garbage is left out (it holds nothing).
 *  - all objects: every live object and every root that points at one,
 *    with every pointer; as DOT it is streamed, whatever the size.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/progress.h"
#include "cli/report.h"
#include "goheap/dot.h"
#include "util/vec.h"

#define DEFAULT_TOP 30
#define DEFAULT_AROUND_DEPTH 2
#define DEFAULT_AROUND_NODES 100
/* --all-objects with --svg/--png: Graphviz lays out a graph whole, and slowly. */
#define DEFAULT_RENDER_NODES 2000
/* Field names shown on one edge when several fields point to the same object. */
#define EDGE_FIELDS_SHOWN 3

typedef enum scope { SCOPE_TOP, SCOPE_AROUND, SCOPE_ALL } scope;

/* A pointer word of a node: where it points and at which offset of the node's type. */
typedef struct hit {
	uint32_t to;
	uint64_t off;
} hit;

typedef struct dot_ctx {
	const session *s;
	const goheap_dominators *dom;
	type_groups tg;
	uint32_t nobj, nodes, super;
	unsigned ptr;
	goheap_dot *out;
	goheap_diag diag;
	VEC(hit) hits;        /* pointer words of the node whose edges are being written */
	VEC(uint32_t) targets;
	char label[1024];
	bool oom;
} dot_ctx;

static const char *const root_kind_name[GOHEAP_ROOT_KIND_COUNT] = {
	[GOHEAP_ROOT_GLOBAL] = "global",
	[GOHEAP_ROOT_DATA_SLOT] = "data/bss pointer",
	[GOHEAP_ROOT_FRAME_VAR] = "goroutine frame variable",
	[GOHEAP_ROOT_FRAME_SLOT] = "goroutine frame pointer",
	[GOHEAP_ROOT_FINALIZER] = "finalizer",
	[GOHEAP_ROOT_QUEUED_FINALIZER] = "queued finalizer",
	[GOHEAP_ROOT_OTHER] = "other root",
	[GOHEAP_ROOT_DEFER] = "defer record",
	[GOHEAP_ROOT_PANIC] = "panic value",
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_hit(const void *a, const void *b)
{
	const hit *x = a, *y = b;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Nodes by retained size, biggest first, then by id. */
static const goheap_dominators *sort_dom;
static int cmp_retained(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t rx = goheap_dominators_retained(sort_dom, x), ry = goheap_dominators_retained(sort_dom, y);
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void sort_by_retained(const goheap_dominators *dom, uint32_t *v, size_t n)
{
	sort_dom = dom;
	qsort(v, n, sizeof *v, cmp_retained);
}

/* ---- nodes and edges ---------------------------------------------------- */

static bool add_node(dot_ctx *c, uint32_t v, bool highlight)
{
	goheap_dot_node n = { 0 };
	char name[512];
	n.retained = goheap_dominators_retained(c->dom, v);
	n.highlight = highlight;
	if (v < c->nobj) {
		n.kind = GOHEAP_DOT_OBJECT;
		n.name = session_type_name(c->s, v);
		n.colour = c->tg.names[type_groups_of(&c->tg, c->s, v)];
		n.addr = report_addr(c->s, v);
		n.shallow = goheap_dump_object(c->s->dump, v).size;
	} else {
		size_t nroots;
		const goheap_root *r = &goheap_graph_roots(c->s->graph, &nroots)[v - c->nobj];
		goheap_graph_root_name(c->s->graph, v - c->nobj, name, sizeof name);
		n.kind = GOHEAP_DOT_ROOT;
		n.name = name;
		n.detail = r->kind < GOHEAP_ROOT_KIND_COUNT ? root_kind_name[r->kind] : "root";
	}
	return goheap_dot_add_node(c->out, v, &n, &c->diag) == GOHEAP_OK;
}

/*
 * The pointer words of node u that lead to objects, sorted by target
 * (c->hits): an object's fields from its pointer map, a root's words when
 * the dump holds its memory and its type is known.
 */
static void collect_hits(dot_ctx *c, uint32_t u)
{
	const session *s = c->s;
	c->hits.n = 0;
	if (u < c->nobj) {
		goheap_object o = goheap_dump_object(s->dump, u);
		const uint8_t *mem = goheap_dump_data(s->dump, o.contents_off);
		uint32_t base = goheap_typing_data_offset(s->typing, u);
		goheap_fields it = goheap_object_fields(s->dump, &o);
		uint64_t off;
		while (goheap_fields_next(&it, &off)) {
			if (off > o.size || o.size - off < c->ptr || off < base)
				continue;
			uint32_t to = goheap_graph_find_object(s->graph, goheap_dump_read_word(s->dump, mem + off));
			hit *h = to == UINT32_MAX ? NULL : VEC_PUSH(c->hits);
			if (h)
				*h = (hit){ to, off - base };
			else if (to != UINT32_MAX)
				c->oom = true;
		}
	} else {
		size_t nroots;
		const goheap_root *r = &goheap_graph_roots(s->graph, &nroots)[u - c->nobj];
		if (r->mem && r->type != GOHEAP_NO_TYPE)
			for (uint64_t off = 0; off + c->ptr <= r->size; off += c->ptr) {
				uint32_t to = goheap_graph_find_object(s->graph, goheap_dump_read_word(s->dump, r->mem + off));
				hit *h = to == UINT32_MAX ? NULL : VEC_PUSH(c->hits);
				if (h)
					*h = (hit){ to, off };
				else if (to != UINT32_MAX)
					c->oom = true;
			}
	}
	qsort(c->hits.v, c->hits.n, sizeof *c->hits.v, cmp_hit);
}

/* The fields of u (collected by collect_hits) that point to `to`, joined, into c->label. */
static const char *edge_label(dot_ctx *c, uint32_t u, uint32_t to)
{
	size_t lo = 0, hi = c->hits.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->hits.v[mid].to < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t type = GOHEAP_NO_TYPE;
	if (u < c->nobj) {
		type = goheap_typing_object_type(c->s->typing, u);
	} else {
		size_t nroots;
		type = goheap_graph_roots(c->s->graph, &nroots)[u - c->nobj].type;
	}
	size_t len = 0, shown = 0, more = 0;
	c->label[0] = '\0';
	for (size_t k = lo; k < c->hits.n && c->hits.v[k].to == to; k++) {
		char f[256];
		goheap_typing_field_path(c->s->typing, type, c->hits.v[k].off, f, sizeof f);
		if (!f[0])
			continue;
		if (shown == EDGE_FIELDS_SHOWN) {
			more++;
			continue;
		}
		int w = snprintf(c->label + len, sizeof c->label - len, "%s%s", shown ? ", " : "", f);
		if (w > 0 && (size_t)w < sizeof c->label - len)
			len += (size_t)w;
		shown++;
	}
	if (more)
		snprintf(c->label + len, sizeof c->label - len, ", +%zu more", more);
	return c->label;
}

/* Whether u has a pointer to v (an edge of the graph). */
static bool points_to(const dot_ctx *c, uint32_t u, uint32_t v)
{
	size_t n;
	const uint32_t *e = goheap_graph_edges(c->s->graph, u, &n);
	for (size_t k = 0; k < n; k++)
		if (e[k] == v)
			return true;
	return false;
}

/*
 * Every pointer of node u to a node with in[] set: one edge a target,
 * labelled with all the fields that point there.
 */
static bool add_edges_among(dot_ctx *c, uint32_t u, const uint8_t *in)
{
	size_t n;
	const uint32_t *e = goheap_graph_edges(c->s->graph, u, &n);
	c->targets.n = 0;
	for (size_t k = 0; k < n; k++) {
		if (!in[e[k]])
			continue;
		uint32_t *t = VEC_PUSH(c->targets);
		if (!t) {
			c->oom = true;
			return false;
		}
		*t = e[k];
	}
	if (!c->targets.n)
		return true;
	qsort(c->targets.v, c->targets.n, sizeof *c->targets.v, cmp_u32);
	collect_hits(c, u);
	if (c->oom)
		return false;
	for (size_t k = 0; k < c->targets.n; k++) {
		if (k && c->targets.v[k] == c->targets.v[k - 1])
			continue;
		uint32_t to = c->targets.v[k];
		if (goheap_dot_add_edge(c->out, u, to, edge_label(c, u, to), 0, &c->diag))
			return false;
	}
	return true;
}

/* ---- scopes --------------------------------------------------------------- */

/* A node picked for the picture, and (top scope) the node it hangs under. */
typedef struct pick {
	uint32_t node;
	uint32_t parent;      /* UINT32_MAX: none */
	uint32_t between;     /* objects between parent and node in the dominator tree */
	bool highlight;
} pick;

typedef VEC(pick) pick_vec;
typedef VEC(uint32_t) u32_vec;

/*
 * The top scope: the want biggest retainers by goheap top's rule, and the
 * roots they hang under. in[] marks them.
 */
static bool pick_top(dot_ctx *c, size_t want, pick_vec *p, uint8_t *in, size_t *npicked_out)
{
	VEC(uint32_t) cand = { 0 };
	for (uint32_t v = 0; v < c->nodes; v++) {
		uint32_t id = goheap_dominators_idom(c->dom, v);
		if (id == UINT32_MAX)
			continue;
		uint64_t r = goheap_dominators_retained(c->dom, v);
		if (r == 0 || (id != c->super && r / 9 >= goheap_dominators_retained(c->dom, id) / 10))
			continue;
		uint32_t *slot = VEC_PUSH(cand);
		if (!slot) {
			VEC_FREE(cand);
			return false;
		}
		*slot = v;
	}
	sort_by_retained(c->dom, cand.v, cand.n);
	if (cand.n > want)
		cand.n = want;
	for (size_t k = 0; k < cand.n; k++)
		in[cand.v[k]] = 1;
	bool ok = true;
	for (size_t k = 0; k < cand.n && ok; k++) {
		uint32_t v = cand.v[k], u = goheap_dominators_idom(c->dom, v), between = 0;
		while (u != c->super && u < c->nobj && !in[u]) {
			u = goheap_dominators_idom(c->dom, u);
			between++;
		}
		pick *q = VEC_PUSH(*p);
		if (!q) {
			ok = false;
			break;
		}
		*q = (pick){ v, u == c->super ? UINT32_MAX : u, between, false };
	}
	/* The roots the retainers hang under, when not retainers themselves. */
	size_t npicked = p->n;
	*npicked_out = npicked;
	for (size_t k = 0; k < npicked && ok; k++) {
		uint32_t u = p->v[k].parent;
		if (u == UINT32_MAX || in[u])
			continue;
		in[u] = 1;
		pick *q = VEC_PUSH(*p);
		if (!q)
			ok = false;
		else
			*q = (pick){ u, UINT32_MAX, 0, false };
	}
	VEC_FREE(cand);
	return ok;
}

/*
 * What --around names: the object containing an address, a root by its
 * exact name, or the live instances of a type (named as histogram names
 * it), biggest retainers first. Returns false after saying why.
 */
static bool resolve_around(dot_ctx *c, const char *x, u32_vec *seeds, bool *by_type)
{
	*by_type = false;
	if (x[0] == '0' && (x[1] == 'x' || x[1] == 'X')) {
		char *end;
		unsigned long long addr = strtoull(x, &end, 16);
		uint32_t obj = *end ? UINT32_MAX : goheap_graph_find_object(c->s->graph, addr);
		if (obj == UINT32_MAX) {
			fprintf(stderr, "goheap: error: no object contains %s\n", x);
			return false;
		}
		uint32_t *slot = VEC_PUSH(*seeds);
		if (!slot)
			goto oom;
		*slot = obj;
		if (!goheap_graph_reachable(c->s->graph, obj))
			fprintf(stderr, "goheap: note: %s is garbage (no root reaches it)\n", x);
		return true;
	}
	for (uint32_t r = c->nobj; r < c->nodes; r++) {
		char name[512];
		goheap_graph_root_name(c->s->graph, r - c->nobj, name, sizeof name);
		if (strcmp(name, x) == 0) {
			uint32_t *slot = VEC_PUSH(*seeds);
			if (!slot)
				goto oom;
			*slot = r;
			return true;
		}
	}
	uint32_t want = UINT32_MAX;
	for (size_t g = 0; g < c->tg.ngroups && want == UINT32_MAX; g++)
		if (strcmp(c->tg.names[g], x) == 0)
			want = (uint32_t)g;
	for (uint32_t i = 0; want != UINT32_MAX && i < c->nobj; i++)
		if (goheap_graph_reachable(c->s->graph, i) && type_groups_of(&c->tg, c->s, i) == want) {
			uint32_t *slot = VEC_PUSH(*seeds);
			if (!slot)
				goto oom;
			*slot = i;
		}
	if (!seeds->n) {
		fprintf(stderr,
			"goheap: error: '%s' is neither an address (0x...), the name of a root, nor a type with live "
			"objects (names as 'goheap histogram' prints them)\n",
			x);
		return false;
	}
	*by_type = true;
	sort_by_retained(c->dom, seeds->v, seeds->n);
	return true;
oom:
	c->oom = true;
	return false;
}

/*
 * The around scope: seeds, then level by level what they point to and what
 * points to them, biggest retainers first, until max nodes. in[] marks the
 * nodes picked; *left counts those within depth that did not fit.
 */
static bool pick_around(dot_ctx *c, const uint32_t *seeds, size_t nseeds, size_t depth, size_t max, pick_vec *p,
			uint8_t *in, uint64_t *left)
{
	enum { NONE = 0, OLD = 1, FRONT = 2, CAND = 3 };
	uint8_t *st = in; /* in[] doubles as the state: nonzero = picked */
	VEC(uint32_t) cand = { 0 };
	*left = 0;
	for (size_t k = 0; k < nseeds && p->n < max; k++) {
		pick *q = VEC_PUSH(*p);
		if (!q)
			return false;
		*q = (pick){ seeds[k], UINT32_MAX, 0, true };
		st[seeds[k]] = FRONT;
	}
	size_t front_begin = 0;
	bool ok = true;
	for (size_t level = 1; level <= depth && ok; level++) {
		size_t front_end = p->n;
		cand.n = 0;
		/* What the frontier points to. */
		for (size_t k = front_begin; k < front_end && ok; k++) {
			size_t n;
			const uint32_t *e = goheap_graph_edges(c->s->graph, p->v[k].node, &n);
			for (size_t j = 0; j < n; j++) {
				uint32_t t = e[j];
				if (st[t] != NONE || (t < c->nobj && !goheap_graph_reachable(c->s->graph, t)))
					continue;
				uint32_t *slot = VEC_PUSH(cand);
				if (!slot) {
					ok = false;
					break;
				}
				*slot = t;
				st[t] = CAND;
			}
		}
		/* What points to the frontier: one pass over every node's pointers. */
		for (uint32_t w = 0; w < c->nodes && ok; w++) {
			if (st[w] != NONE || (w < c->nobj && !goheap_graph_reachable(c->s->graph, w)))
				continue;
			size_t n;
			const uint32_t *e = goheap_graph_edges(c->s->graph, w, &n);
			for (size_t j = 0; j < n; j++)
				if (st[e[j]] == FRONT) {
					uint32_t *slot = VEC_PUSH(cand);
					if (!slot) {
						ok = false;
						break;
					}
					*slot = w;
					st[w] = CAND;
					break;
				}
		}
		if (!ok)
			break;
		sort_by_retained(c->dom, cand.v, cand.n);
		for (size_t k = front_begin; k < front_end; k++)
			st[p->v[k].node] = OLD;
		size_t k = 0;
		for (; k < cand.n && p->n < max; k++) {
			pick *q = VEC_PUSH(*p);
			if (!q) {
				ok = false;
				break;
			}
			*q = (pick){ cand.v[k], UINT32_MAX, 0, false };
			st[cand.v[k]] = FRONT;
		}
		for (size_t j = k; j < cand.n; j++)
			st[cand.v[j]] = NONE;
		*left += cand.n - k;
		front_begin = front_end;
		if (p->n >= max)
			break;
	}
	VEC_FREE(cand);
	return ok;
}

/* The all-objects scope's nodes: live objects and the roots that point at them. */
static bool in_all(const dot_ctx *c, uint32_t v)
{
	if (v < c->nobj)
		return goheap_graph_reachable(c->s->graph, v);
	size_t n;
	goheap_graph_edges(c->s->graph, v, &n);
	return n > 0;
}

/* ---- the command ---------------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

int cmd_dot(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, OPT_DOT | OPT_OUTPUT | OPT_TOP | OPT_DEPTH, 2, 2);
	if (rc != CLI_CONTINUE)
		return rc;
	scope sc = a.around ? SCOPE_AROUND : a.all_objects ? SCOPE_ALL : SCOPE_TOP;
	goheap_dot_format fmt = a.svg ? GOHEAP_DOT_SVG : a.png ? GOHEAP_DOT_PNG : GOHEAP_DOT_TEXT;
	const char *output = a.output ? a.output : "-";
	if (a.svg && a.png)
		return cli_usage("dot", "--svg and --png are exclusive");
	if (a.around && a.all_objects)
		return cli_usage("dot", "--around and --all-objects are exclusive");
	if (a.top && sc != SCOPE_TOP)
		return cli_usage("dot", "--top chooses the default scope; it does not go with --around or --all-objects");
	if (a.depth && sc != SCOPE_AROUND)
		return cli_usage("dot", "--depth goes with --around");
	if (a.max_nodes && sc == SCOPE_TOP)
		return cli_usage("dot", "--max-nodes goes with --around or --all-objects");
	if (a.json && strcmp(output, "-") == 0)
		return cli_usage("dot", "--json needs -o FILE: the picture would share standard output");
	if (fmt == GOHEAP_DOT_PNG && strcmp(output, "-") == 0 && isatty(STDOUT_FILENO))
		return cli_usage("dot", "will not write PNG to a terminal; give -o FILE");
	if (fmt != GOHEAP_DOT_TEXT && !goheap_dot_can_render()) {
		fprintf(stderr, "goheap: error: this goheap was built without Graphviz's gvc library: "
				"it writes DOT only (render it with 'dot -Tsvg')\n");
		return EXIT_USAGE;
	}

	session s;
	if ((rc = session_open(&s, &a, a.pos[0], a.pos[1])))
		return rc;
	dot_ctx c = { 0 };
	goheap_dominators *dom = NULL;
	uint8_t *in = NULL;
	pick_vec picks = { 0 };
	u32_vec seeds = { 0 };
	if ((rc = session_dominators(&s, &a, a.pos[0], &dom)))
		goto out;
	c.s = &s;
	c.dom = dom;
	c.nobj = goheap_graph_object_count(s.graph);
	c.nodes = goheap_graph_node_count(s.graph);
	c.super = goheap_dominators_super_root(dom);
	c.ptr = goheap_dump_params(s.dump)->ptr_size;
	in = calloc((size_t)c.nodes + 1, 1);
	if (!in || !type_groups_init(&c.tg, &s)) {
		c.oom = true;
		goto oom;
	}

	/* What to show. */
	uint64_t live = goheap_dominators_retained(dom, c.super), left = 0, total_all = 0;
	char live_s[32], title[768];
	human_size(live, live_s, sizeof live_s);
	if (sc == SCOPE_TOP) {
		size_t want = a.top ? (size_t)a.top : DEFAULT_TOP;
		size_t got = 0;
		if (!pick_top(&c, want, &picks, in, &got))
			goto oom;
		snprintf(title, sizeof title, "%s: the %zu biggest retainers and the dominator tree between them "
			 "(live heap %s)", base_name(a.pos[0]), got, live_s);
	} else if (sc == SCOPE_AROUND) {
		bool by_type;
		size_t depth = a.depth ? (size_t)a.depth : DEFAULT_AROUND_DEPTH;
		size_t max = a.max_nodes ? (size_t)a.max_nodes : DEFAULT_AROUND_NODES;
		if (!resolve_around(&c, a.around, &seeds, &by_type)) {
			if (c.oom)
				goto oom;
			rc = cli_finish(EXIT_BAD_INPUT);
			goto out;
		}
		size_t nseeds = seeds.n, max_seeds = by_type ? (max + 1) / 2 : max;
		if (nseeds > max_seeds) {
			fprintf(stderr, "goheap: note: %zu live %s objects; the %zu biggest retainers are shown\n", nseeds,
				a.around, max_seeds);
			nseeds = max_seeds;
		}
		if (!pick_around(&c, seeds.v, nseeds, depth, max, &picks, in, &left))
			goto oom;
		if (left)
			fprintf(stderr, "goheap: note: stopped at --max-nodes %zu; %" PRIu64
					" more within --depth %zu left out\n", max, left, depth);
		snprintf(title, sizeof title, "%s: around %s, %zu hop%s both ways (live heap %s)", base_name(a.pos[0]),
			 a.around, depth, depth == 1 ? "" : "s", live_s);
	} else {
		for (uint32_t v = 0; v < c.nodes; v++)
			total_all += in_all(&c, v);
		size_t max = a.max_nodes ? (size_t)a.max_nodes : fmt != GOHEAP_DOT_TEXT ? DEFAULT_RENDER_NODES : 0;
		if (max && total_all > max) {
			fprintf(stderr, "goheap: error: the live graph has %" PRIu64 " nodes, more than %zu%s; "
					"give a larger --max-nodes to go on anyway\n", total_all, max,
				a.max_nodes ? "" : ", too many for Graphviz to lay out in reasonable time (write DOT instead)");
			rc = cli_finish(EXIT_USAGE);
			goto out;
		}
		snprintf(title, sizeof title, "%s: all %" PRIu64 " live objects and the roots that point at them "
			 "(live heap %s)", base_name(a.pos[0]), total_all, live_s);
	}

	/* Write it. */
	goheap_dot_opts opts = GOHEAP_DOT_OPTS_INIT;
	opts.format = fmt;
	opts.stream = sc == SCOPE_ALL && fmt == GOHEAP_DOT_TEXT;
	opts.title = title;
	if ((rc = goheap_dot_open(&c.out, output, &opts, &c.diag))) {
		rc = cli_fail(&a, output, rc, &c.diag);
		goto out;
	}
	bool ok = true;
	if (sc == SCOPE_ALL) {
		for (uint32_t v = 0; v < c.nodes && ok; v++)
			if (in_all(&c, v)) {
				in[v] = 1;
				ok = add_node(&c, v, false);
			}
		for (uint32_t v = 0; v < c.nodes && ok; v++)
			if (in[v])
				ok = add_edges_among(&c, v, in);
	} else {
		for (size_t k = 0; k < picks.n && ok; k++)
			ok = add_node(&c, picks.v[k].node, picks.v[k].highlight);
		for (size_t k = 0; k < picks.n && ok; k++) {
			const pick *q = &picks.v[k];
			if (sc == SCOPE_AROUND) {
				ok = add_edges_among(&c, q->node, in);
				continue;
			}
			if (q->parent == UINT32_MAX)
				continue;
			char label[64];
			unsigned flags = GOHEAP_DOT_EDGE_DOMINATES;
			const char *l = label;
			if (q->between)
				snprintf(label, sizeof label, "via %" PRIu32 " object%s", q->between,
					 q->between == 1 ? "" : "s");
			else if (points_to(&c, q->parent, q->node)) {
				collect_hits(&c, q->parent);
				l = edge_label(&c, q->parent, q->node);
				flags = 0;
			} else
				snprintf(label, sizeof label, "several paths");
			ok = !c.oom && goheap_dot_add_edge(c.out, q->parent, q->node, l, flags, &c.diag) == GOHEAP_OK;
		}
	}
	if (!ok) {
		goheap_dot_abort(c.out);
		c.out = NULL;
		if (c.oom)
			goto oom;
		rc = cli_fail(&a, output, c.diag.code ? c.diag.code : GOHEAP_EIO, &c.diag);
		goto out;
	}
	uint64_t nnodes, nedges;
	goheap_dot_counts(c.out, &nnodes, &nedges);
	progress pr;
	progress_init(&pr, fmt == GOHEAP_DOT_TEXT ? "writing DOT" : "laying out and rendering", a.quiet);
	progress_stage(&pr);
	int st = goheap_dot_finish(c.out, &c.diag);
	progress_done(&pr);
	c.out = NULL;
	if (st) {
		rc = cli_fail(&a, output, st, &c.diag);
		goto out;
	}
	if (a.json) {
		static const char *const fmt_name[] = { "dot", "svg", "png" };
		static const char *const scope_name[] = { "top", "around", "all" };
		json j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "output", output);
		json_str(&j, "format", fmt_name[fmt]);
		json_str(&j, "scope", scope_name[sc]);
		json_u64(&j, "nodes", nnodes);
		json_u64(&j, "edges", nedges);
		json_u64(&j, "left_out", left);
		json_object_end(&j);
		json_finish(&j);
	}
	rc = cli_finish(EXIT_OK);
	goto out;
oom:
	fprintf(stderr, "goheap: error: out of memory\n");
	rc = cli_finish(EXIT_IO);
out:
	goheap_dot_abort(c.out);
	VEC_FREE(c.hits);
	VEC_FREE(c.targets);
	VEC_FREE(picks);
	VEC_FREE(seeds);
	free(in);
	type_groups_free(&c.tg);
	goheap_dominators_free(dom);
	session_close(&s);
	return rc;
}
