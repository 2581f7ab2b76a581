/*
 * cmd_leaks.c - goheap leaks: leak suspects in the manner of Eclipse MAT's
 * leak report.
 *
 * A suspect is a node directly under the super-root of the dominator tree
 * (a named root, or an object shared by several roots) that retains at
 * least --threshold percent of the live heap, a goroutine whose roots
 * together retain that much though none does alone, or a type whose
 * instances outside those nodes together retain that much (many small
 * objects held from many places). For a node suspect, the report descends the
 * dominator tree while one child keeps ACCUM_SHARE of what its parent
 * retains, and stops at the accumulation point: where the memory spreads
 * over many children (a map's storage, a slice's array), or where a chain
 * of one type begins (a linked list keeps its nodes one inside the next:
 * its head is the place to look, not its tail). Then it says who holds
 * the point (a shortest path from a named root, each step named by
 * field), what the point keeps alive (its children grouped by type) and
 * what the memory is made of (types by retained size inside the point).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"

#define DEFAULT_THRESHOLD 10.0
#define DEFAULT_SUSPECTS 10
/* Descend while the biggest child retains at least this share of its parent. */
#define ACCUM_SHARE 0.8
/* Rows of the "keeps alive" and "made of" lists. */
#define LIST_ROWS 5
/* Text paths longer than this many nodes are shown elided. */
#define PATH_STEPS 14

typedef enum suspect_kind { SUSPECT_NODE, SUSPECT_GOROUTINE, SUSPECT_TYPE } suspect_kind;

typedef struct suspect {
	suspect_kind kind;
	uint32_t node;      /* node suspect: the node; type suspect: its biggest instance outside node suspects */
	uint32_t group;     /* type suspect: the type group; goroutine suspect: the goroutine */
	uint64_t count;     /* type suspect: instances outside node suspects */
	uint64_t retained;
} suspect;

typedef struct leaks_ctx {
	const session *s;
	const goheap_dominators *dom;
	const type_groups *tg;
	uint32_t nobj;
	uint64_t live;
	json *j;
} leaks_ctx;

static int cmp_suspect(const void *a, const void *b)
{
	const suspect *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

static uint32_t group_of(const void *ctx, uint32_t obj)
{
	const leaks_ctx *c = ctx;
	return type_groups_of(c->tg, c->s, obj);
}

static double pct(const leaks_ctx *c, uint64_t b)
{
	return c->live ? 100.0 * (double)b / (double)c->live : 0;
}

/*
 * A map is one thing to its user: its header (a swiss map's
 * internal/runtime/maps.Map, a classic map's hash<K,V>) and the storage
 * under it (directory, tables, groups, buckets) are described together.
 */
static bool is_map_header(const char *name)
{
	return strcmp(name, "internal/runtime/maps.Map") == 0 || strncmp(name, "hash<", 5) == 0;
}

static bool is_map_part(const char *name)
{
	static const char *const prefix[] = { "internal/runtime/maps.", "[...]*internal/runtime/maps.",
					      "[...]noalg.map.group[", "noalg.map.group[", "hash<", "bucket<", "runtime.mapextra",
					      "[...]bucket<" };
	for (size_t k = 0; k < sizeof prefix / sizeof prefix[0]; k++)
		if (strncmp(name, prefix[k], strlen(prefix[k])) == 0)
			return true;
	return false;
}

static const char *group_name(const leaks_ctx *c, uint32_t obj)
{
	return c->tg->names[type_groups_of(c->tg, c->s, obj)];
}

/* The accumulation point under node v. */
static uint32_t accumulation_point(const leaks_ctx *c, uint32_t v)
{
	for (;;) {
		size_t nk;
		const uint32_t *kids = goheap_dominators_children(c->dom, v, &nk);
		uint32_t best = UINT32_MAX;
		uint64_t br = 0;
		for (size_t k = 0; k < nk; k++) {
			uint64_t r = goheap_dominators_retained(c->dom, kids[k]);
			if (best == UINT32_MAX || r > br || (r == br && kids[k] < best))
				best = kids[k], br = r;
		}
		if (best == UINT32_MAX || (double)br < ACCUM_SHARE * (double)goheap_dominators_retained(c->dom, v))
			return v;
		if (v < c->nobj && is_map_header(group_name(c, v)))
			return v; /* the map, not its storage */
		if (v < c->nobj && best < c->nobj && group_of(c, v) == group_of(c, best))
			return v; /* a chain of one type starts here */
		v = best;
	}
}

typedef struct row {
	uint32_t group;
	uint64_t count, shallow, retained;
} row;

static int cmp_row(const void *a, const void *b)
{
	const row *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

/*
 * What v keeps alive, grouped by type, biggest first (*n rows): its
 * children in the dominator tree, looking through a map's storage to the
 * keys and values it holds.
 */
typedef struct kept_ctx {
	const leaks_ctx *c;
	uint32_t top;
	row *rows;
} kept_ctx;

static bool kept_visit(void *ctx, uint32_t u)
{
	kept_ctx *k = ctx;
	if (u == k->top || u >= k->c->nobj || is_map_part(group_name(k->c, u)))
		return true; /* look through */
	row *r = &k->rows[group_of(k->c, u)];
	r->count++;
	r->retained += goheap_dominators_retained(k->c->dom, u);
	return false;
}

static row *kept_alive(const leaks_ctx *c, uint32_t v, size_t *n)
{
	row *rows = calloc(c->tg->ngroups + 1, sizeof *rows);
	kept_ctx k = { c, v, rows };
	*n = 0;
	if (!rows || !report_walk_dominated(c->dom, v, kept_visit, &k)) {
		free(rows);
		return NULL;
	}
	size_t m = 0;
	for (size_t g = 0; g < c->tg->ngroups; g++)
		if (rows[g].count) {
			rows[g].group = (uint32_t)g;
			rows[m++] = rows[g];
		}
	qsort(rows, m, sizeof *rows, cmp_row);
	*n = m;
	return rows;
}

/* Types by retained size inside the subtree of v; *n rows. */
static row *made_of(const leaks_ctx *c, uint32_t v, size_t *n)
{
	size_t ng = c->tg->ngroups;
	goheap_type_total *t = calloc(ng + 1, sizeof *t);
	row *rows = calloc(ng + 1, sizeof *rows);
	goheap_diag d;
	*n = 0;
	if (!t || !rows || goheap_dominators_by_type(c->dom, v, c->nobj, group_of, c, t, ng, &d) != GOHEAP_OK) {
		free(t);
		free(rows);
		return NULL;
	}
	size_t m = 0;
	for (size_t g = 0; g < ng; g++)
		if (t[g].count && !is_map_part(c->tg->names[g]))
			rows[m++] = (row){ (uint32_t)g, t[g].count, t[g].shallow, t[g].retained };
	free(t);
	qsort(rows, m, sizeof *rows, cmp_row);
	*n = m;
	return rows;
}

static void print_rows(const leaks_ctx *c, const char *key, const char *title, const row *rows, size_t n,
		       bool with_shallow)
{
	size_t show = n < LIST_ROWS ? n : LIST_ROWS;
	if (c->j) {
		json_array_begin(c->j, key);
		for (size_t k = 0; k < show; k++) {
			json_object_begin(c->j, NULL);
			json_str(c->j, "type", c->tg->names[rows[k].group]);
			json_u64(c->j, "count", rows[k].count);
			if (with_shallow)
				json_u64(c->j, "shallow_bytes", rows[k].shallow);
			json_u64(c->j, "retained_bytes", rows[k].retained);
			json_object_end(c->j);
		}
		json_array_end(c->j);
		return;
	}
	if (!show)
		return;
	printf("  %s\n", title);
	for (size_t k = 0; k < show; k++) {
		char rb[32], sb[32];
		human_size(rows[k].retained, rb, sizeof rb);
		human_size(rows[k].shallow, sb, sizeof sb);
		if (with_shallow)
			printf("    %10s %6.2f%%  %" PRIu64 " x %s (shallow %s)\n", rb, pct(c, rows[k].retained),
			       rows[k].count, c->tg->names[rows[k].group], sb);
		else
			printf("    %10s %6.2f%%  %" PRIu64 " x %s\n", rb, pct(c, rows[k].retained), rows[k].count,
			       c->tg->names[rows[k].group]);
	}
	if (n > show)
		printf("    (%zu more types)\n", n - show);
}

/* Who holds node v: a shortest path from a named root. */
static void print_holder(const leaks_ctx *c, const uint32_t *parent, uint32_t v, const char *what)
{
	uint32_t *p = NULL;
	size_t n = v < c->nobj ? report_path(c->s->graph, parent, v, &p) : 0;
	if (c->j) {
		if (n)
			report_path_json(c->j, "path", c->s, p, n);
		else
			json_null(c->j, "path");
	} else if (n) {
		printf("  %s: ", what);
		report_path_line(stdout, c->s, p, n, PATH_STEPS);
		printf("\n");
	}
	free(p);
}

static void report_node(const leaks_ctx *c, const suspect *sp, const uint32_t *parent, size_t index)
{
	uint32_t v = sp->node, acc = accumulation_point(c, v);
	uint64_t ar = goheap_dominators_retained(c->dom, acc);
	char name[512], rb[32], ab[32];
	report_node_name(c->s, v, name, sizeof name);
	human_size(sp->retained, rb, sizeof rb);
	human_size(ar, ab, sizeof ab);
	if (c->j) {
		json_str(c->j, "kind", v >= c->nobj ? "root" : "object");
		json_str(c->j, "name", name);
		json_u64(c->j, "retained_bytes", sp->retained);
		json_double(c->j, "percent_of_live", pct(c, sp->retained));
		json_object_begin(c->j, "accumulation_point");
		if (acc < c->nobj) {
			json_u64(c->j, "addr", report_addr(c->s, acc));
			json_str(c->j, "type", session_type_name(c->s, acc));
		} else {
			json_str(c->j, "root", name);
		}
		json_u64(c->j, "retained_bytes", ar);
		json_double(c->j, "percent_of_live", pct(c, ar));
		print_holder(c, parent, acc, "");
		json_object_end(c->j);
	} else if (v >= c->nobj) {
		printf("Suspect %zu: the root %s retains %s (%.1f%% of the live heap).\n", index, name, rb,
		       pct(c, sp->retained));
	} else {
		printf("Suspect %zu: one %s at 0x%" PRIx64 ", kept alive by several roots, retains %s (%.1f%% of the live heap).\n",
		       index, session_type_name(c->s, v), report_addr(c->s, v), rb, pct(c, sp->retained));
	}
	if (!c->j) {
		if (acc < c->nobj)
			printf("  The memory accumulates in one %s%s at 0x%" PRIx64 ", which retains %s (%.1f%%).\n",
			       is_map_header(group_name(c, acc)) ? "map, " : "", session_type_name(c->s, acc),
			       report_addr(c->s, acc), ab, pct(c, ar));
		else
			printf("  No single object under it holds most of it.\n");
		print_holder(c, parent, acc, "Held by");
	}
	size_t n;
	row *rows = kept_alive(c, acc, &n);
	print_rows(c, "keeps_alive", "It keeps alive (what it alone holds, by type):", rows, n, false);
	free(rows);
	rows = made_of(c, acc, &n);
	print_rows(c, "made_of", "Made of (types by retained size inside it, each byte counted once; map storage left out):", rows, n,
		   true);
	free(rows);
}

static void report_type(const leaks_ctx *c, const suspect *sp, const uint32_t *parent, size_t index)
{
	const char *tn = c->tg->names[sp->group];
	char rb[32];
	human_size(sp->retained, rb, sizeof rb);
	if (c->j) {
		json_str(c->j, "kind", "type");
		json_str(c->j, "name", tn);
		json_u64(c->j, "count", sp->count);
		json_u64(c->j, "retained_bytes", sp->retained);
		json_double(c->j, "percent_of_live", pct(c, sp->retained));
		json_object_begin(c->j, "biggest_instance");
		json_u64(c->j, "addr", report_addr(c->s, sp->node));
		json_u64(c->j, "retained_bytes", goheap_dominators_retained(c->dom, sp->node));
		print_holder(c, parent, sp->node, "");
		json_object_end(c->j);
	} else {
		char bb[32];
		human_size(goheap_dominators_retained(c->dom, sp->node), bb, sizeof bb);
		printf("Suspect %zu: %" PRIu64 " instances of %s, held from many places, retain %s (%.1f%% of the live heap).\n",
		       index, sp->count, tn, rb, pct(c, sp->retained));
		printf("  The biggest, 0x%" PRIx64 ", retains %s.\n", report_addr(c->s, sp->node), bb);
		print_holder(c, parent, sp->node, "Held by");
	}
	size_t n;
	row *rows = made_of(c, sp->node, &n);
	print_rows(c, "made_of", "The biggest is made of:", rows, n, true);
	free(rows);
}

typedef struct rootrow {
	uint32_t node;
	uint64_t retained;
} rootrow;

static int cmp_rootrow(const void *a, const void *b)
{
	const rootrow *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* A goroutine whose roots together retain the threshold, none alone. */
static void report_goroutine(const leaks_ctx *c, const suspect *sp, size_t index)
{
	size_t nroots, ngr;
	const goheap_root *roots = goheap_graph_roots(c->s->graph, &nroots);
	const goheap_goroutine *gr = &goheap_dump_goroutines(c->s->dump, &ngr)[sp->group];
	rootrow *rows = malloc((nroots + 1) * sizeof *rows);
	size_t n = 0;
	for (size_t r = 0; rows && r < nroots; r++)
		if (roots[r].goroutine == sp->group)
			rows[n++] = (rootrow){ c->nobj + (uint32_t)r,
					       goheap_dominators_retained(c->dom, c->nobj + (uint32_t)r) };
	if (rows)
		qsort(rows, n, sizeof *rows, cmp_rootrow);
	size_t show = n < LIST_ROWS ? n : LIST_ROWS;
	char rb[32];
	human_size(sp->retained, rb, sizeof rb);
	if (c->j) {
		char name[64];
		snprintf(name, sizeof name, "goroutine %" PRIu64, gr->goid);
		json_str(c->j, "kind", "goroutine");
		json_str(c->j, "name", name);
		json_u64(c->j, "retained_bytes", sp->retained);
		json_double(c->j, "percent_of_live", pct(c, sp->retained));
		json_array_begin(c->j, "roots");
	} else {
		printf("Suspect %zu: goroutine %" PRIu64 " retains %s (%.1f%% of the live heap) through its frames together,\n"
		       "  none of which holds as much alone.\n  Its roots by retained size:\n",
		       index, gr->goid, rb, pct(c, sp->retained));
	}
	for (size_t k = 0; k < show; k++) {
		char name[512], b[32];
		report_node_name(c->s, rows[k].node, name, sizeof name);
		if (c->j) {
			json_object_begin(c->j, NULL);
			json_str(c->j, "name", name);
			json_u64(c->j, "retained_bytes", rows[k].retained);
			json_object_end(c->j);
		} else {
			human_size(rows[k].retained, b, sizeof b);
			printf("    %10s %6.2f%%  %s\n", b, pct(c, rows[k].retained), name);
		}
	}
	if (c->j)
		json_array_end(c->j);
	else if (n > show)
		printf("    (%zu more roots)\n", n - show);
	free(rows);
}

static bool mark_visit(void *ctx, uint32_t u)
{
	((uint8_t *)ctx)[u] = 1;
	return true;
}

int cmd_leaks(int argc, char **argv)
{
	cli_args a;
	session s;
	int rc;
	if (!session_begin(&s, &a, argc, argv, OPT_THRESHOLD | OPT_TOP, 2, 2, &rc))
		return rc;
	goheap_dominators *dom = NULL;
	type_groups tg = { 0 };
	suspect *sus = NULL;
	uint8_t *inside = NULL;
	uint32_t *parent = NULL;
	goheap_type_total *whole = NULL;
	uint64_t *per_g = NULL;
	goheap_diag d;
	if ((rc = session_dominators(&s, &a, a.pos[0], &dom)))
		goto out;
	uint32_t nobj = goheap_graph_object_count(s.graph), super = goheap_dominators_super_root(dom);
	double thr_pct = a.threshold >= 0 ? a.threshold : DEFAULT_THRESHOLD;
	leaks_ctx c = { &s, dom, &tg, nobj, goheap_dominators_retained(dom, super), NULL };
	uint64_t thr = (uint64_t)((double)c.live * thr_pct / 100.0);
	if (thr == 0)
		thr = 1;
	size_t nk;
	const uint32_t *top = goheap_dominators_children(dom, super, &nk);
	bool ok = type_groups_init(&tg, &s);
	size_t ng = tg.ngroups;
	size_t ngr;
	goheap_dump_goroutines(s.dump, &ngr);
	sus = ok ? malloc((nk + ng + ngr + 1) * sizeof *sus) : NULL;
	inside = calloc((size_t)super + 1, 1);
	whole = calloc(ng + 1, sizeof *whole);
	parent = report_bfs(s.graph, NULL, NULL, NULL);
	if (!sus || !inside || !whole || !parent) {
		fprintf(stderr, "goheap: error: out of memory\n");
		rc = cli_finish(EXIT_IO);
		goto out;
	}
	/* Node suspects, and the subtrees they cover. */
	size_t ns = 0;
	for (size_t k = 0; k < nk; k++) {
		uint64_t r = goheap_dominators_retained(dom, top[k]);
		if (r < thr)
			continue;
		sus[ns++] = (suspect){ SUSPECT_NODE, top[k], 0, 1, r };
		if (!report_walk_dominated(dom, top[k], mark_visit, inside)) {
			fprintf(stderr, "goheap: error: out of memory\n");
			rc = cli_finish(EXIT_IO);
			goto out;
		}
	}
	/* Goroutine suspects: all of one goroutine's roots together, none alone. */
	per_g = calloc(ngr + 1, sizeof *per_g);
	if (!per_g || goheap_dominators_by_goroutine(dom, s.graph, per_g, ngr, &d) != GOHEAP_OK) {
		fprintf(stderr, "goheap: error: out of memory\n");
		rc = cli_finish(EXIT_IO);
		goto out;
	}
	size_t nroots;
	const goheap_root *roots = goheap_graph_roots(s.graph, &nroots);
	for (size_t r = 0; r < nroots; r++)
		if (roots[r].goroutine < ngr && goheap_dominators_retained(dom, nobj + (uint32_t)r) >= thr)
			per_g[roots[r].goroutine] = 0; /* a root of it is a suspect of its own */
	size_t first_goroutine = ns;
	for (size_t g = 0; g < ngr; g++)
		if (per_g[g] >= thr)
			sus[ns++] = (suspect){ SUSPECT_GOROUTINE, UINT32_MAX, (uint32_t)g, 1, per_g[g] };
	/* What a goroutine suspect's roots hold is its, not a type's: the
	 * roots' subtrees are taken out below like a node suspect's. */
	size_t nheld = 0;
	uint32_t *held = malloc((nroots + 1) * sizeof *held);
	if (!held) {
		fprintf(stderr, "goheap: error: out of memory\n");
		rc = cli_finish(EXIT_IO);
		goto out;
	}
	for (size_t k = 0; k < first_goroutine; k++)
		held[nheld++] = sus[k].node;
	for (size_t r = 0; r < nroots; r++)
		for (size_t k = first_goroutine; k < ns; k++)
			if (roots[r].goroutine == sus[k].group && goheap_dominators_idom(dom, nobj + (uint32_t)r) != UINT32_MAX) {
				held[nheld++] = nobj + (uint32_t)r;
				if (!report_walk_dominated(dom, nobj + (uint32_t)r, mark_visit, inside)) {
					free(held);
					fprintf(stderr, "goheap: error: out of memory\n");
					rc = cli_finish(EXIT_IO);
					goto out;
				}
			}

	/* Type suspects: what a type retains outside the node suspects. */
	if (goheap_dominators_by_type(dom, super, nobj, group_of, &c, whole, ng, &d) != GOHEAP_OK) {
		rc = cli_fail(&a, a.pos[0], GOHEAP_ENOMEM, &d);
		goto out;
	}
	size_t first_type = ns;
	for (size_t k = 0; k < nheld; k++) {
		goheap_type_total *in = calloc(ng + 1, sizeof *in);
		if (!in || goheap_dominators_by_type(dom, held[k], nobj, group_of, &c, in, ng, &d) != GOHEAP_OK) {
			free(in);
			free(held);
			fprintf(stderr, "goheap: error: out of memory\n");
			rc = cli_finish(EXIT_IO);
			goto out;
		}
		for (size_t g = 0; g < ng; g++) {
			whole[g].retained -= in[g].retained;
			whole[g].count -= in[g].count;
		}
		free(in);
	}
	free(held);
	for (size_t g = 0; g < ng; g++)
		if (whole[g].retained >= thr && whole[g].count > 1)
			sus[ns++] = (suspect){ SUSPECT_TYPE, UINT32_MAX, (uint32_t)g, whole[g].count, whole[g].retained };
	if (ns > first_type) {
		/* The biggest instance outside node suspects, per type suspect. */
		for (uint32_t v = 0; v < nobj; v++) {
			if (inside[v] || goheap_dominators_idom(dom, v) == UINT32_MAX)
				continue;
			uint32_t g = group_of(&c, v);
			for (size_t k = first_type; k < ns; k++)
				if (sus[k].group == g &&
				    (sus[k].node == UINT32_MAX ||
				     goheap_dominators_retained(dom, v) > goheap_dominators_retained(dom, sus[k].node)))
					sus[k].node = v;
		}
	}
	qsort(sus, ns, sizeof *sus, cmp_suspect);
	size_t show = ns, want = a.top ? (size_t)a.top : DEFAULT_SUSPECTS;
	if (show > want)
		show = want;
	char lb[32], tb[32];
	human_size(c.live, lb, sizeof lb);
	human_size(thr, tb, sizeof tb);
	json j;
	if (a.json) {
		c.j = &j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_u64(&j, "live_bytes", c.live);
		json_u64(&j, "live_objects", goheap_dominators_reachable_count(dom) -
						 (goheap_graph_node_count(s.graph) - nobj));
		json_double(&j, "threshold_percent", thr_pct);
		json_u64(&j, "suspects_total", ns);
		json_array_begin(&j, "suspects");
	} else {
		printf("Live heap: %s. Leak suspects: roots, objects and types retaining %.4g%% (%s) or more.\n\n", lb,
		       thr_pct, tb);
	}
	for (size_t k = 0; k < show; k++) {
		if (c.j)
			json_object_begin(c.j, NULL);
		if (sus[k].kind == SUSPECT_TYPE)
			report_type(&c, &sus[k], parent, k + 1);
		else if (sus[k].kind == SUSPECT_GOROUTINE)
			report_goroutine(&c, &sus[k], k + 1);
		else
			report_node(&c, &sus[k], parent, k + 1);
		if (c.j)
			json_object_end(c.j);
		else
			printf("\n");
	}
	if (a.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (ns == 0) {
		printf("No root, object or type retains %.4g%% of the live heap or more; 'goheap top' lists the biggest retainers.\n",
		       thr_pct);
	} else if (ns > show) {
		printf("(%zu more suspects; --top N shows more)\n", ns - show);
	}
	rc = cli_finish(EXIT_OK);
out:
	free(sus);
	free(inside);
	free(whole);
	free(per_g);
	free(parent);
	type_groups_free(&tg);
	goheap_dominators_free(dom);
	session_close(&s);
	return rc;
}
