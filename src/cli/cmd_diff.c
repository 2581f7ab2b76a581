/*
 * cmd_diff.c - goheap diff: what grew between two dumps of one program,
 * address-independent. Types are matched by their histogram names (arrays
 * grouped by element as [...]T), roots by their names; per type the count,
 * bytes and retained bytes of each dump, per root its retained bytes, both
 * sorted by growth.
 *
 * Only one dump is loaded at a time: the old one is summarised into small
 * name-keyed tables and closed before the new one is read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json.h"
#include "cli/report.h"
#include "cli/session.h"
#include "goheap/analysis.h"
#include "util/hash.h"

enum { OLD = 0, NEW = 1 };

/* One row of a table: a type or a root name, its totals in each dump. */
typedef struct drow {
	const char *name;    /* resolved once the table stops growing */
	uint64_t count[2];   /* types: live instances; roots: roots of that name */
	uint64_t bytes[2];   /* types: their shallow bytes */
	uint64_t retained[2];
} drow;

/* Rows keyed by name; a row's index is its dense id in both dumps. */
typedef struct dtable {
	strmap map;
	drow *rows;
	size_t n, cap;
} dtable;

/* The row of name, made if new; UINT32_MAX when out of memory. */
static uint32_t dtable_row(dtable *t, const char *name)
{
	size_t len = strlen(name);
	uint32_t r = strmap_get(&t->map, name, len);
	if (r != UINT32_MAX)
		return r;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		drow *nr = realloc(t->rows, cap * sizeof *nr);
		if (!nr)
			return UINT32_MAX;
		t->rows = nr;
		t->cap = cap;
	}
	if (t->n >= UINT32_MAX - 1 || strmap_put(&t->map, name, len, (uint32_t)t->n))
		return UINT32_MAX;
	memset(&t->rows[t->n], 0, sizeof t->rows[t->n]);
	return (uint32_t)t->n++;
}

/* Point every row at its name in the map's arena (stable from now on). */
static void dtable_resolve(dtable *t)
{
	for (size_t k = 0; k < t->map.cap; k++) {
		const struct strmap_slot *sl = &t->map.slots[k];
		if (sl->value != UINT32_MAX)
			t->rows[sl->value].name = t->map.keys + sl->key_off;
	}
}

static void dtable_free(dtable *t)
{
	strmap_free(&t->map);
	free(t->rows);
}

/* Live totals of one dump. */
typedef struct dside {
	const char *file, *binary;
	uint64_t live_objects, live_bytes;
} dside;

/* type_of for goheap_dominators_by_type: an object's row in the type table. */
typedef struct group_ctx {
	const goheap_typing *typing;
	const uint32_t *row_of_type; /* per type id; UINT32_MAX if no live object has it */
	uint32_t spare;              /* an extra slot for ids without a row (never live) */
} group_ctx;

static uint32_t group_of(const void *ctx, uint32_t obj)
{
	const group_ctx *c = ctx;
	uint32_t r = c->row_of_type[goheap_typing_object_type(c->typing, obj)];
	return r == UINT32_MAX ? c->spare : r;
}

static int oom(void)
{
	fprintf(stderr, "goheap: error: out of memory\n");
	return EXIT_IO;
}

/*
 * Load one dump with its binary, fill column k of the type and root
 * tables, and close it again. Returns EXIT_OK or the exit code of the
 * failure it reported.
 */
static int summarise(const cli_args *a, int k, const char *dump_path, const char *bin_path, dtable *types,
		     dtable *roots, dside *side)
{
	session s;
	int rc = session_open(&s, a, dump_path, bin_path);
	if (rc)
		return rc;
	goheap_dominators *dom = NULL;
	goheap_type_total *tot = NULL;
	uint32_t *row_of_type = NULL;
	goheap_diag d;
	if ((rc = session_dominators(&s, a, dump_path, &dom)))
		goto out;
	uint32_t nobj = goheap_graph_object_count(s.graph);
	uint32_t super = goheap_dominators_super_root(dom);

	/* Types: every live object's type id gets the row of its histogram name. */
	size_t ntypes = goheap_typing_type_count(s.typing);
	row_of_type = malloc((ntypes ? ntypes : 1) * sizeof *row_of_type);
	if (!row_of_type)
		goto nomem;
	memset(row_of_type, 0xff, (ntypes ? ntypes : 1) * sizeof *row_of_type);
	for (uint32_t i = 0; i < nobj; i++) {
		if (!goheap_graph_reachable(s.graph, i))
			continue;
		uint32_t ty = goheap_typing_object_type(s.typing, i);
		if (row_of_type[ty] != UINT32_MAX)
			continue;
		char buf[600];
		uint32_t r = dtable_row(types, histogram_name(&s, ty, buf, sizeof buf));
		if (r == UINT32_MAX)
			goto nomem;
		row_of_type[ty] = r;
	}
	/*
	 * Per-name totals straight from the dominator tree, with the row as
	 * the type: instances of different type ids with one name (arrays of
	 * different lengths) nested in each other count their bytes once.
	 */
	size_t nrows = types->n + 1;
	tot = calloc(nrows, sizeof *tot);
	if (!tot)
		goto nomem;
	group_ctx ctx = { s.typing, row_of_type, (uint32_t)types->n };
	int st = goheap_dominators_by_type(dom, super, nobj, group_of, &ctx, tot, nrows, &d);
	if (st) {
		rc = cli_fail(a, dump_path, st, &d);
		goto out;
	}
	for (size_t r = 0; r < types->n; r++) {
		types->rows[r].count[k] = tot[r].count;
		types->rows[r].bytes[k] = tot[r].shallow;
		types->rows[r].retained[k] = tot[r].retained;
	}

	/* Roots: retained bytes by name (roots of one name retain disjoint bytes). */
	size_t nroots;
	goheap_graph_roots(s.graph, &nroots);
	for (size_t i = 0; i < nroots; i++) {
		char buf[512], *name = buf;
		size_t need = goheap_graph_root_name(s.graph, i, buf, sizeof buf);
		if (need >= sizeof buf) {
			if (!(name = malloc(need + 1)))
				goto nomem;
			goheap_graph_root_name(s.graph, i, name, need + 1);
		}
		uint32_t r = dtable_row(roots, name);
		if (name != buf)
			free(name);
		if (r == UINT32_MAX)
			goto nomem;
		roots->rows[r].count[k]++;
		roots->rows[r].retained[k] += goheap_dominators_retained(dom, nobj + (uint32_t)i);
	}

	const goheap_graph_totals *gt = goheap_graph_get_totals(s.graph);
	side->file = dump_path;
	side->binary = bin_path;
	side->live_objects = gt->live_count;
	side->live_bytes = gt->live_bytes;
	rc = EXIT_OK;
	goto out;
nomem:
	rc = oom();
out:
	free(tot);
	free(row_of_type);
	goheap_dominators_free(dom);
	session_close(&s);
	return rc;
}

/* "+1.5 MiB", "-312 B", "+0 B": a signed size difference. */
static void human_delta(int64_t n, char *buf, size_t len)
{
	if (len < 2) {
		if (len)
			buf[0] = '\0';
		return;
	}
	buf[0] = n < 0 ? '-' : '+';
	human_size(n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n, buf + 1, len - 1);
}

static int64_t delta(const uint64_t v[2])
{
	return (int64_t)(v[NEW] - v[OLD]);
}

/* By growth, largest first; equal growth by size in the new dump, then name. */
static int cmp_type_growth(const void *a, const void *b)
{
	const drow *x = a, *y = b;
	int64_t dx = delta(x->bytes), dy = delta(y->bytes);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->bytes[NEW] != y->bytes[NEW])
		return x->bytes[NEW] > y->bytes[NEW] ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_root_growth(const void *a, const void *b)
{
	const drow *x = a, *y = b;
	int64_t dx = delta(x->retained), dy = delta(y->retained);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->retained[NEW] != y->retained[NEW])
		return x->retained[NEW] > y->retained[NEW] ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void json_side(json *j, const char *key, const dside *s)
{
	json_object_begin(j, key);
	json_str(j, "file", s->file);
	json_str(j, "binary", s->binary);
	json_u64(j, "live_objects", s->live_objects);
	json_u64(j, "live_bytes", s->live_bytes);
	json_object_end(j);
}

static void print_json(const dside side[2], const dtable *types, size_t ntypes, const dtable *roots,
		       size_t nroots)
{
	json j;
	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_side(&j, "old", &side[OLD]);
	json_side(&j, "new", &side[NEW]);
	json_i64(&j, "live_objects_delta", (int64_t)(side[NEW].live_objects - side[OLD].live_objects));
	json_i64(&j, "live_bytes_delta", (int64_t)(side[NEW].live_bytes - side[OLD].live_bytes));
	json_u64(&j, "types_total", types->n);
	json_array_begin(&j, "types");
	for (size_t k = 0; k < ntypes; k++) {
		const drow *r = &types->rows[k];
		json_object_begin(&j, NULL);
		json_str(&j, "type", r->name);
		json_u64(&j, "old_count", r->count[OLD]);
		json_u64(&j, "new_count", r->count[NEW]);
		json_i64(&j, "count_delta", delta(r->count));
		json_u64(&j, "old_bytes", r->bytes[OLD]);
		json_u64(&j, "new_bytes", r->bytes[NEW]);
		json_i64(&j, "bytes_delta", delta(r->bytes));
		json_u64(&j, "old_retained", r->retained[OLD]);
		json_u64(&j, "new_retained", r->retained[NEW]);
		json_i64(&j, "retained_delta", delta(r->retained));
		json_object_end(&j);
	}
	json_array_end(&j);
	json_u64(&j, "roots_total", roots->n);
	json_array_begin(&j, "roots");
	for (size_t k = 0; k < nroots; k++) {
		const drow *r = &roots->rows[k];
		json_object_begin(&j, NULL);
		json_str(&j, "name", r->name);
		json_u64(&j, "old_count", r->count[OLD]);
		json_u64(&j, "new_count", r->count[NEW]);
		json_u64(&j, "old_retained", r->retained[OLD]);
		json_u64(&j, "new_retained", r->retained[NEW]);
		json_i64(&j, "retained_delta", delta(r->retained));
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

static void print_text(const dside side[2], const dtable *types, size_t ntypes, const dtable *roots,
		       size_t nroots)
{
	char b0[32], b1[32], b2[32], b3[32], b4[32], b5[32];
	human_size(side[OLD].live_bytes, b0, sizeof b0);
	human_size(side[NEW].live_bytes, b1, sizeof b1);
	human_delta((int64_t)(side[NEW].live_bytes - side[OLD].live_bytes), b2, sizeof b2);
	printf("live heap: %s -> %s (%s), %" PRIu64 " -> %" PRIu64 " objects (%+" PRId64 ")\n", b0, b1, b2,
	       side[OLD].live_objects, side[NEW].live_objects,
	       (int64_t)(side[NEW].live_objects - side[OLD].live_objects));

	printf("\ntypes by growth in bytes (values in the new dump, change since the old):\n");
	printf("%10s %9s %11s %11s %11s %11s  %s\n", "count", "change", "bytes", "change", "retained", "change",
	       "type");
	for (size_t k = 0; k < ntypes; k++) {
		const drow *r = &types->rows[k];
		human_size(r->bytes[NEW], b0, sizeof b0);
		human_delta(delta(r->bytes), b1, sizeof b1);
		human_size(r->retained[NEW], b2, sizeof b2);
		human_delta(delta(r->retained), b3, sizeof b3);
		printf("%10" PRIu64 " %+9" PRId64 " %11s %11s %11s %11s  %s%s\n", r->count[NEW], delta(r->count), b0,
		       b1, b2, b3, r->name, !r->count[OLD] ? " (new)" : !r->count[NEW] ? " (gone)" : "");
	}
	if (ntypes < types->n)
		printf("%10s %9s %11s %11s %11s %11s  (%zu more types)\n", "", "", "", "", "", "", types->n - ntypes);

	printf("\nroots by growth in retained bytes:\n");
	printf("%11s %11s %11s  %s\n", "old", "new", "change", "root");
	for (size_t k = 0; k < nroots; k++) {
		const drow *r = &roots->rows[k];
		human_size(r->retained[OLD], b4, sizeof b4);
		human_size(r->retained[NEW], b5, sizeof b5);
		human_delta(delta(r->retained), b0, sizeof b0);
		printf("%11s %11s %11s  %s%s\n", b4, b5, b0, r->name,
		       !r->count[OLD] ? " (new)" : !r->count[NEW] ? " (gone)" : "");
	}
	if (nroots < roots->n)
		printf("%11s %11s %11s  (%zu more roots)\n", "", "", "", roots->n - nroots);
}

int cmd_diff(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, OPT_TOP | OPT_BIN, 2, 2);
	if (rc != CLI_CONTINUE)
		return rc;
	if (!a.bin)
		return cli_usage(argv[0], "--bin BINARY is required (the binary of NEW, and of OLD without --old-bin)");
	const char *old_bin = a.old_bin ? a.old_bin : a.bin;
	dtable types = { 0 }, roots = { 0 };
	dside side[2] = { { 0 } };
	rc = summarise(&a, OLD, a.pos[0], old_bin, &types, &roots, &side[OLD]);
	if (rc == EXIT_BAD_INPUT && !a.old_bin)
		fprintf(stderr, "goheap diff: note: OLD was read with the --bin binary; if another build wrote it, "
				"give that one with --old-bin\n");
	if (!rc)
		rc = summarise(&a, NEW, a.pos[1], a.bin, &types, &roots, &side[NEW]);
	if (rc) {
		dtable_free(&types);
		dtable_free(&roots);
		return rc;
	}
	dtable_resolve(&types);
	dtable_resolve(&roots);
	if (types.n)
		qsort(types.rows, types.n, sizeof *types.rows, cmp_type_growth);
	if (roots.n)
		qsort(roots.rows, roots.n, sizeof *roots.rows, cmp_root_growth);
	size_t want = a.top ? (size_t)a.top : 20;
	size_t ntypes = types.n < want ? types.n : want, nroots = roots.n < want ? roots.n : want;
	if (a.json)
		print_json(side, &types, ntypes, &roots, nroots);
	else
		print_text(side, &types, ntypes, &roots, nroots);
	dtable_free(&types);
	dtable_free(&roots);
	return cli_finish(EXIT_OK);
}
