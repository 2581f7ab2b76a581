/*
 * cmd_graph.c - the commands over the typed object graph: histogram,
 * roots, objects, show and goroutines. Each loads a session (dump, binary,
 * graph, typing), reports on live objects only, and prints text or JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json.h"
#include "cli/report.h"
#include "goheap/analysis.h"
#include "cli/session.h"
#include "util/hash.h"

static const char *const root_kind_names[GOHEAP_ROOT_KIND_COUNT] = {
	"global", "data slot", "frame variable", "frame slot", "finalizer", "queued finalizer", "other",
	"defer", "panic",
};

static const char *type_name(const session *s, uint32_t id)
{
	if (id == GOHEAP_NO_TYPE)
		return "-";
	const goheap_btype *t = goheap_typing_type(s->typing, id);
	return t->name ? t->name : "?";
}

/* Parse "0x..." or decimal. */
static int parse_addr(const char *cmd, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (!*s || *end)
		return cli_usage(cmd, "'%s' is not an address", s);
	*out = v;
	return 0;
}

/* ---- histogram ---------------------------------------------------------------- */

typedef struct hrow {
	const char *name;
	uint64_t count, bytes, retained;
} hrow;

static int cmp_hrow(const void *a, const void *b)
{
	const hrow *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_hrow_retained(const void *a, const void *b)
{
	const hrow *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return cmp_hrow(a, b);
}

typedef struct group_ctx {
	const session *s;
	const type_groups *tg;
} group_ctx;

static uint32_t group_of_obj(const void *ctx, uint32_t obj)
{
	const group_ctx *c = ctx;
	return type_groups_of(c->tg, c->s, obj);
}

/*
 * Per type group, what its live instances retain together (each byte
 * once), from the dominator tree; into rows[g].retained.
 */
static int histogram_retained(const cli_args *a, const session *s, const type_groups *tg, hrow *rows)
{
	goheap_dominators *dom;
	goheap_diag d;
	int rc = session_dominators(s, a, a->pos[0], &dom);
	if (rc)
		return rc;
	goheap_type_total *tot = calloc(tg->ngroups + 1, sizeof *tot);
	group_ctx c = { s, tg };
	if (!tot)
		rc = GOHEAP_ENOMEM;
	else
		rc = goheap_dominators_by_type(dom, goheap_dominators_super_root(dom), goheap_graph_object_count(s->graph),
					       group_of_obj, &c, tot, tg->ngroups, &d);
	for (size_t g = 0; !rc && g < tg->ngroups; g++)
		rows[g].retained = tot[g].retained;
	free(tot);
	goheap_dominators_free(dom);
	return rc ? cli_fail(a, a->pos[0], rc, &d) : EXIT_OK;
}

int cmd_histogram(int argc, char **argv)
{
	cli_args a;
	session s;
	int rc;
	if (!session_begin(&s, &a, argc, argv, OPT_TOP | OPT_CSV | OPT_RETAINED, 1, 2, &rc))
		return rc;
	type_groups tg;
	hrow *rows = NULL;
	int exit_code = EXIT_OK;
	if (!type_groups_init(&tg, &s) || !(rows = calloc(tg.ngroups + 1, sizeof *rows))) {
		fprintf(stderr, "goheap: error: out of memory\n");
		exit_code = EXIT_IO;
		goto out;
	}
	uint32_t nobj = goheap_graph_object_count(s.graph);
	for (uint32_t i = 0; i < nobj; i++) {
		if (!goheap_graph_reachable(s.graph, i))
			continue;
		hrow *r = &rows[type_groups_of(&tg, &s, i)];
		r->count++;
		r->bytes += goheap_dump_object(s.dump, i).size;
	}
	if (a.retained && (exit_code = histogram_retained(&a, &s, &tg, rows)))
		goto out;
	size_t nrows = 0;
	for (size_t g = 0; g < tg.ngroups; g++)
		if (rows[g].count) {
			rows[g].name = tg.names[g];
			rows[nrows++] = rows[g];
		}
	if (nrows)
		qsort(rows, nrows, sizeof *rows, a.retained ? cmp_hrow_retained : cmp_hrow);
	size_t shown = a.top && (size_t)a.top < nrows ? (size_t)a.top : nrows;
	const goheap_graph_totals *tot = goheap_graph_get_totals(s.graph);
	if (a.json) {
		json j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_object_begin(&j, "live");
		json_u64(&j, "count", tot->live_count);
		json_u64(&j, "bytes", tot->live_bytes);
		json_object_end(&j);
		json_object_begin(&j, "garbage");
		json_u64(&j, "count", tot->garbage_count);
		json_u64(&j, "bytes", tot->garbage_bytes);
		json_object_end(&j);
		json_object_begin(&j, "span_tails");
		json_u64(&j, "count", tot->tail_count);
		json_u64(&j, "bytes", tot->tail_bytes);
		json_object_end(&j);
		json_u64(&j, "types_total", nrows);
		json_array_begin(&j, "types");
		for (size_t k = 0; k < shown; k++) {
			json_object_begin(&j, NULL);
			json_str(&j, "type", rows[k].name);
			json_u64(&j, "count", rows[k].count);
			json_u64(&j, "bytes", rows[k].bytes);
			if (a.retained)
				json_u64(&j, "retained_bytes", rows[k].retained);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (a.csv) {
		printf("type,count,bytes%s\n", a.retained ? ",retained" : "");
		for (size_t k = 0; k < shown; k++) {
			putchar('"');
			for (const char *p = rows[k].name; *p; p++) {
				if (*p == '"')
					putchar('"');
				putchar(*p);
			}
			printf("\",%" PRIu64 ",%" PRIu64, rows[k].count, rows[k].bytes);
			if (a.retained)
				printf(",%" PRIu64, rows[k].retained);
			putchar('\n');
		}
	} else {
		if (a.retained)
			printf("%12s %14s %14s  %s\n", "count", "bytes", "retained", "type");
		else
			printf("%12s %14s  %s\n", "count", "bytes", "type");
		for (size_t k = 0; k < shown; k++) {
			printf("%12" PRIu64 " %14" PRIu64, rows[k].count, rows[k].bytes);
			if (a.retained)
				printf(" %14" PRIu64, rows[k].retained);
			printf("  %s\n", rows[k].name);
		}
		const char *pad = a.retained ? "               " : "";
		if (shown < nrows)
			printf("%12s %14s%s  (%zu more types)\n", "", "", pad, nrows - shown);
		printf("%12" PRIu64 " %14" PRIu64 "%s  live objects\n", tot->live_count, tot->live_bytes, pad);
		printf("%12" PRIu64 " %14" PRIu64 "%s  not reachable (garbage not yet collected)\n", tot->garbage_count,
		       tot->garbage_bytes, pad);
		if (tot->tail_count)
			printf("%12" PRIu64 " %14" PRIu64 "%s  span-tail slots (never allocated)\n", tot->tail_count,
			       tot->tail_bytes, pad);
	}
out:
	free(rows);
	type_groups_free(&tg);
	session_close(&s);
	return cli_finish(exit_code);
}

/* ---- roots ------------------------------------------------------------------- */

typedef struct reach_state {
	uint32_t *stamp;     /* per object: the root number that last visited it, +1 */
	uint32_t *queue;
	uint64_t budget;     /* objects still allowed to be visited */
} reach_state;

/* Objects and bytes reachable from root node r; false when over budget. */
static bool reach_from(const session *s, reach_state *st, uint32_t r, uint32_t stamp, uint64_t *count,
		       uint64_t *bytes)
{
	const goheap_graph *g = s->graph;
	uint32_t nobj = goheap_graph_object_count(g);
	size_t head = 0, tail = 0, n;
	const uint32_t *e = goheap_graph_edges(g, nobj + r, &n);
	*count = *bytes = 0;
	for (size_t k = 0; k < n; k++)
		if (st->stamp[e[k]] != stamp) {
			st->stamp[e[k]] = stamp;
			st->queue[tail++] = e[k];
		}
	while (head < tail) {
		if (st->budget == 0)
			return false;
		st->budget--;
		uint32_t o = st->queue[head++];
		(*count)++;
		*bytes += goheap_dump_object(s->dump, o).size;
		e = goheap_graph_edges(g, o, &n);
		for (size_t k = 0; k < n; k++)
			if (st->stamp[e[k]] != stamp) {
				st->stamp[e[k]] = stamp;
				st->queue[tail++] = e[k];
			}
	}
	return true;
}

typedef struct rrow {
	uint32_t root;
	uint64_t count, bytes;
	bool computed;
} rrow;

static int cmp_rrow(const void *a, const void *b)
{
	const rrow *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->root < y->root ? -1 : x->root > y->root;
}

int cmd_roots(int argc, char **argv)
{
	cli_args a;
	session s;
	int rc;
	if (!session_begin(&s, &a, argc, argv, OPT_TOP, 1, 2, &rc))
		return rc;
	size_t nroots;
	const goheap_root *roots = goheap_graph_roots(s.graph, &nroots);
	uint32_t nobj = goheap_graph_object_count(s.graph);
	reach_state st = { calloc((size_t)nobj + 1, sizeof(uint32_t)), malloc(((size_t)nobj + 1) * sizeof(uint32_t)),
			   (uint64_t)nobj * 64 + 1000000 };
	rrow *rows = malloc((nroots + 1) * sizeof *rows);
	if (!st.stamp || !st.queue || !rows) {
		free(st.stamp);
		free(st.queue);
		free(rows);
		session_close(&s);
		fprintf(stderr, "goheap: error: out of memory\n");
		return EXIT_IO;
	}
	for (uint32_t r = 0; r < nroots; r++) {
		rows[r].root = r;
		rows[r].computed = reach_from(&s, &st, r, r + 1, &rows[r].count, &rows[r].bytes);
	}
	free(st.stamp);
	free(st.queue);
	qsort(rows, nroots, sizeof *rows, cmp_rrow);
	size_t shown = a.top && (size_t)a.top < nroots ? (size_t)a.top : nroots;
	json j;
	if (a.json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_u64(&j, "roots_total", nroots);
		json_array_begin(&j, "roots");
	} else {
		printf("%10s %14s %8s  %-16s %s\n", "objects", "bytes", "targets", "kind", "root (type)");
	}
	for (size_t k = 0; k < shown; k++) {
		const goheap_root *r = &roots[rows[k].root];
		char name[512];
		goheap_graph_root_name(s.graph, rows[k].root, name, sizeof name);
		size_t ntargets;
		goheap_graph_edges(s.graph, nobj + rows[k].root, &ntargets);
		if (a.json) {
			json_object_begin(&j, NULL);
			json_str(&j, "name", name);
			json_str(&j, "kind", root_kind_names[r->kind]);
			if (r->type != GOHEAP_NO_TYPE)
				json_str(&j, "type", type_name(&s, r->type));
			else
				json_null(&j, "type");
			json_u64(&j, "addr", r->addr);
			json_u64(&j, "targets", ntargets);
			if (rows[k].computed) {
				json_u64(&j, "reachable_objects", rows[k].count);
				json_u64(&j, "reachable_bytes", rows[k].bytes);
			} else {
				json_null(&j, "reachable_objects");
				json_null(&j, "reachable_bytes");
			}
			json_object_end(&j);
		} else {
			if (rows[k].computed)
				printf("%10" PRIu64 " %14" PRIu64, rows[k].count, rows[k].bytes);
			else
				printf("%10s %14s", "?", "?");
			printf(" %8zu  %-16s %s", ntargets, root_kind_names[r->kind], name);
			if (r->type != GOHEAP_NO_TYPE)
				printf(" (%s)", type_name(&s, r->type));
			putchar('\n');
		}
	}
	if (a.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (shown < nroots) {
		printf("(%zu more roots)\n", nroots - shown);
	}
	free(rows);
	session_close(&s);
	return cli_finish(EXIT_OK);
}

/* ---- objects ----------------------------------------------------------------- */

int cmd_objects(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, OPT_TYPE | OPT_LIMIT, 1, 2);
	if (rc != CLI_CONTINUE)
		return rc;
	if (!a.type)
		return cli_usage("objects", "--type T is required");
	session s;
	rc = session_open(&s, &a, a.pos[0], a.npos > 1 ? a.pos[1] : NULL);
	if (rc)
		return rc;
	uint32_t nobj = goheap_graph_object_count(s.graph);
	uint64_t count = 0, bytes = 0, listed = 0;
	json j;
	if (a.json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "type", a.type);
		json_array_begin(&j, "objects");
	}
	for (uint32_t i = 0; i < nobj; i++) {
		if (!goheap_graph_reachable(s.graph, i))
			continue;
		char buf[600];
		uint32_t ty = goheap_typing_object_type(s.typing, i);
		if (strcmp(type_name(&s, ty), a.type) != 0 &&
		    strcmp(histogram_name(&s, ty, buf, sizeof buf), a.type) != 0)
			continue;
		goheap_object o = goheap_dump_object(s.dump, i);
		count++;
		bytes += o.size;
		if (a.limit && listed >= (uint64_t)a.limit)
			continue;
		listed++;
		uint64_t at = o.addr + goheap_typing_data_offset(s.typing, i);
		if (a.json) {
			json_object_begin(&j, NULL);
			json_u64(&j, "addr", at);
			json_u64(&j, "slot", o.addr);
			json_u64(&j, "size", o.size);
			json_str(&j, "type", type_name(&s, ty));
			json_object_end(&j);
		} else {
			printf("0x%" PRIx64 " %8" PRIu64 "  %s\n", at, o.size, type_name(&s, ty));
		}
	}
	if (a.json) {
		json_array_end(&j);
		json_u64(&j, "count", count);
		json_u64(&j, "bytes", bytes);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("%" PRIu64 " objects, %" PRIu64 " bytes%s\n", count, bytes,
		       listed < count ? " (list cut by --limit)" : "");
	}
	session_close(&s);
	return cli_finish(EXIT_OK);
}

/* ---- show ---------------------------------------------------------------------- */

/* Bytes at a target address: from a heap object, else from the binary. */
static bool read_target(const session *s, uint64_t addr, void *out, size_t n)
{
	uint32_t idx;
	if (goheap_dump_find_object(s->dump, addr, &idx) == GOHEAP_OK) {
		goheap_object o = goheap_dump_object(s->dump, idx);
		if (addr - o.addr > o.size || n > o.size - (addr - o.addr))
			return false;
		memcpy(out, goheap_dump_data(s->dump, o.contents_off) + (addr - o.addr), n);
		return true;
	}
	return s->bin && goheap_binary_read(s->bin, addr - (uint64_t)s->bias, out, n) == GOHEAP_OK;
}

static uint64_t read_uint(const session *s, const uint8_t *p, uint64_t size)
{
	uint64_t v = 0;
	bool be = goheap_dump_params(s->dump)->big_endian;
	if (size > 8)
		size = 8;
	for (uint64_t k = 0; k < size; k++)
		v |= (uint64_t)p[be ? size - 1 - k : k] << (8 * k);
	return v;
}

/* Describe what a pointer points at: "0xc000010000 (*main.Node)" or "nil". */
static void describe_pointer(const session *s, uint64_t p, char *buf, size_t len)
{
	uint32_t idx;
	if (!p)
		snprintf(buf, len, "nil");
	else if (goheap_dump_find_object(s->dump, p, &idx) == GOHEAP_OK)
		snprintf(buf, len, "0x%" PRIx64 " -> %s", p, session_type_name(s, idx));
	else
		snprintf(buf, len, "0x%" PRIx64 " (not in the heap)", p);
}

/* One value of type ty at p (size bytes available), as text. */
static void format_value(const session *s, uint32_t ty, const uint8_t *p, char *buf, size_t len)
{
	const goheap_btype *t = goheap_typing_type(s->typing, ty);
	unsigned ptr = goheap_dump_params(s->dump)->ptr_size;
	switch (t->kind) {
	case GOHEAP_T_BOOL:
		snprintf(buf, len, "%s", p[0] ? "true" : "false");
		break;
	case GOHEAP_T_INT: {
		uint64_t v = read_uint(s, p, t->size);
		int64_t sv = t->size < 8 && (v >> (8 * t->size - 1)) & 1 ? (int64_t)(v | ~((UINT64_C(1) << (8 * t->size)) - 1))
									  : (int64_t)v;
		snprintf(buf, len, "%" PRId64, sv);
		break;
	}
	case GOHEAP_T_UINT:
		snprintf(buf, len, "%" PRIu64, read_uint(s, p, t->size));
		break;
	case GOHEAP_T_PTR: case GOHEAP_T_MAP: case GOHEAP_T_CHAN: case GOHEAP_T_FUNC:
		describe_pointer(s, read_uint(s, p, ptr), buf, len);
		break;
	case GOHEAP_T_STRING: {
		uint64_t sp = read_uint(s, p, ptr), n = read_uint(s, p + ptr, ptr);
		char text[72];
		size_t show = n < 64 ? (size_t)n : 64;
		if (n == 0)
			snprintf(buf, len, "\"\"");
		else if (read_target(s, sp, text, show)) {
			size_t w = 0;
			for (size_t k = 0; k < show; k++)
				text[w++] = (text[k] >= 0x20 && text[k] < 0x7f && text[k] != '"') ? text[k] : '.';
			text[w] = '\0';
			snprintf(buf, len, "\"%s\"%s (len %" PRIu64 ")", text, n > show ? "..." : "", n);
		} else
			snprintf(buf, len, "string at 0x%" PRIx64 ", len %" PRIu64, sp, n);
		break;
	}
	case GOHEAP_T_SLICE: {
		char d[200];
		describe_pointer(s, read_uint(s, p, ptr), d, sizeof d);
		snprintf(buf, len, "len %" PRIu64 ", cap %" PRIu64 ", array %s", read_uint(s, p + ptr, ptr),
			 read_uint(s, p + 2 * ptr, ptr), d);
		break;
	}
	case GOHEAP_T_EFACE: case GOHEAP_T_IFACE: {
		char d[200];
		uint64_t w0 = read_uint(s, p, ptr);
		describe_pointer(s, read_uint(s, p + ptr, ptr), d, sizeof d);
		snprintf(buf, len, "%s 0x%" PRIx64 ", data %s", t->kind == GOHEAP_T_EFACE ? "type" : "itab", w0, d);
		break;
	}
	case GOHEAP_T_FLOAT: {
		/* The bits in target order, reinterpreted as the host's IEEE 754. */
		uint64_t bits = read_uint(s, p, t->size);
		if (t->size == 8) {
			double v;
			memcpy(&v, &bits, sizeof v);
			snprintf(buf, len, "%.17g", v);
		} else if (t->size == 4) {
			uint32_t b32 = (uint32_t)bits;
			float v;
			memcpy(&v, &b32, sizeof v);
			snprintf(buf, len, "%.9g", (double)v);
		} else {
			snprintf(buf, len, "(%" PRIu64 " bytes)", t->size);
		}
		break;
	}
	default:
		snprintf(buf, len, "(%" PRIu64 " bytes)", t->size);
		break;
	}
}

int cmd_show(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, 0, 3, 3);
	if (rc != CLI_CONTINUE)
		return rc;
	uint64_t addr = 0;
	if ((rc = parse_addr("show", a.pos[2], &addr)))
		return rc;
	session s;
	rc = session_open(&s, &a, a.pos[0], a.pos[1]);
	if (rc)
		return rc;
	uint32_t idx;
	if (goheap_dump_find_object(s.dump, addr, &idx) != GOHEAP_OK) {
		fprintf(stderr, "goheap: error: no object contains 0x%" PRIx64 "\n", addr);
		session_close(&s);
		return cli_finish(EXIT_BAD_INPUT);
	}
	goheap_object o = goheap_dump_object(s.dump, idx);
	uint32_t ty = goheap_typing_object_type(s.typing, idx);
	const goheap_btype *t = goheap_typing_type(s.typing, ty);
	uint32_t base = goheap_typing_data_offset(s.typing, idx);
	const uint8_t *mem = goheap_dump_data(s.dump, o.contents_off);
	json j;
	if (a.json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_u64(&j, "addr", o.addr + base);
		json_u64(&j, "slot", o.addr);
		json_u64(&j, "size", o.size);
		json_str(&j, "type", type_name(&s, ty));
		json_bool(&j, "typed", goheap_typing_is_typed(s.typing, idx));
		json_bool(&j, "reachable", goheap_graph_reachable(s.graph, idx));
		json_array_begin(&j, "fields");
	} else {
		printf("object 0x%" PRIx64 " (slot 0x%" PRIx64 ", %" PRIu64 " bytes)%s\n", o.addr + base, o.addr, o.size,
		       goheap_graph_reachable(s.graph, idx) ? "" : ", not reachable");
		printf("type   %s%s\n", type_name(&s, ty), goheap_typing_is_typed(s.typing, idx) ? "" : " (no Go type found)");
	}
	size_t nf = 0;
	const goheap_field *fields = s.has_dwarf ? goheap_binary_fields(s.bin, &nf) : NULL;
	/* Fields of a struct, or the first elements of an array. */
	uint32_t n = 0, elem = GOHEAP_NO_TYPE;
	uint64_t stride = 0;
	if (t->kind == GOHEAP_T_STRUCT && fields)
		n = t->nfields;
	else if (t->kind == GOHEAP_T_ARRAY) {
		n = t->count < 16 ? (uint32_t)t->count : 16;
		elem = t->elem;
		stride = goheap_typing_type(s.typing, elem)->size;
	}
	for (uint32_t k = 0; k < n; k++) {
		char fname[64], value[512];
		uint32_t fty;
		uint64_t off;
		if (elem == GOHEAP_NO_TYPE) {
			const goheap_field *f = &fields[t->first_field + k];
			snprintf(fname, sizeof fname, "%s", f->name ? f->name : "?");
			fty = f->type;
			off = base + f->offset;
		} else {
			snprintf(fname, sizeof fname, "[%u]", k);
			fty = elem;
			off = base + k * stride;
		}
		if (off > o.size || goheap_typing_type(s.typing, fty)->size > o.size - off)
			break;
		format_value(&s, fty, mem + off, value, sizeof value);
		if (a.json) {
			json_object_begin(&j, NULL);
			json_str(&j, "name", fname);
			json_u64(&j, "offset", off - base);
			json_str(&j, "type", type_name(&s, fty));
			json_str(&j, "value", value);
			json_object_end(&j);
		} else {
			printf("  +%-5" PRIu64 " %-12s %-24s %s\n", off - base, fname, type_name(&s, fty), value);
		}
	}
	if (a.json)
		json_array_end(&j);
	else if (elem != GOHEAP_NO_TYPE && t->count > n)
		printf("  ... %" PRIu64 " more elements\n", t->count - n);
	/* Pointees, then referrers (objects and roots). */
	size_t ne;
	const uint32_t *e = goheap_graph_edges(s.graph, idx, &ne);
	if (a.json)
		json_array_begin(&j, "pointees");
	else
		printf("points to %zu objects\n", ne);
	for (size_t k = 0; k < ne && k < 32; k++) {
		goheap_object to = goheap_dump_object(s.dump, e[k]);
		if (a.json) {
			json_object_begin(&j, NULL);
			json_u64(&j, "addr", to.addr);
			json_str(&j, "type", session_type_name(&s, e[k]));
			json_object_end(&j);
		} else {
			printf("  0x%" PRIx64 "  %s\n", to.addr, session_type_name(&s, e[k]));
		}
	}
	if (a.json)
		json_array_end(&j), json_array_begin(&j, "referrers");
	else
		printf("referred to by\n");
	uint32_t nodes = goheap_graph_node_count(s.graph), nobj = goheap_graph_object_count(s.graph);
	size_t nref = 0;
	for (uint32_t from = 0; from < nodes; from++) {
		e = goheap_graph_edges(s.graph, from, &ne);
		bool hit = false;
		for (size_t k = 0; k < ne && !hit; k++)
			hit = e[k] == idx;
		if (!hit || nref++ >= 32)
			continue;
		char name[512];
		if (from >= nobj)
			goheap_graph_root_name(s.graph, from - nobj, name, sizeof name);
		else
			snprintf(name, sizeof name, "0x%" PRIx64 " %s", goheap_dump_object(s.dump, from).addr,
				 session_type_name(&s, from));
		if (a.json) {
			json_object_begin(&j, NULL);
			json_bool(&j, "root", from >= nobj);
			json_str(&j, "name", name);
			json_object_end(&j);
		} else {
			printf("  %s%s\n", from >= nobj ? "root " : "", name);
		}
	}
	if (a.json) {
		json_array_end(&j);
		json_u64(&j, "referrers_total", nref);
		json_object_end(&j);
		json_finish(&j);
	} else if (nref > 32) {
		printf("  (%zu referrers in all)\n", nref);
	}
	session_close(&s);
	return cli_finish(EXIT_OK);
}

/* ---- goroutines ---------------------------------------------------------------- */

static const char *gstatus(uint64_t st)
{
	switch (st) {
	case GOHEAP_G_RUNNABLE: return "runnable";
	case GOHEAP_G_RUNNING: return "running";
	case GOHEAP_G_SYSCALL: return "syscall";
	case GOHEAP_G_WAITING: return "waiting";
	default: return "unknown";
	}
}

int cmd_goroutines(int argc, char **argv)
{
	cli_args a;
	session s;
	int rc;
	if (!session_begin(&s, &a, argc, argv, 0, 1, 2, &rc))
		return rc;
	size_t ng, nf, nroots;
	const goheap_goroutine *gs = goheap_dump_goroutines(s.dump, &ng);
	const goheap_frame *fs = goheap_dump_frames(s.dump, &nf);
	const goheap_root *roots = goheap_graph_roots(s.graph, &nroots);
	uint32_t nobj = goheap_graph_object_count(s.graph);
	json j;
	if (a.json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "goroutines");
	}
	for (size_t gi = 0; gi < ng; gi++) {
		const goheap_goroutine *g = &gs[gi];
		if (a.json) {
			json_object_begin(&j, NULL);
			json_u64(&j, "id", g->goid);
			json_str(&j, "status", gstatus(g->status));
			json_strn(&j, "wait_reason", g->wait_reason.ptr, g->wait_reason.len);
			json_bool(&j, "system", g->is_system);
			json_array_begin(&j, "frames");
		} else {
			printf("goroutine %" PRIu64 " [%s%s%.*s]%s:\n", g->goid, gstatus(g->status),
			       g->wait_reason.len ? ", " : "", (int)g->wait_reason.len, g->wait_reason.ptr,
			       g->is_system ? " (system)" : "");
		}
		for (uint32_t k = 0; k < g->nframes; k++) {
			uint32_t fi = g->first_frame + k;
			const goheap_frame *f = &fs[fi];
			/* the source line; below the innermost frame pc is a return
			 * address, so look up the call instruction before it */
			const char *file = NULL;
			uint64_t line = 0;
			if (s.has_dwarf) {
				uint64_t pc = f->pc - (uint64_t)s.bias;
				if (f->depth > 0)
					pc--;
				if (goheap_binary_pc_line(s.bin, pc, &file, &line) != GOHEAP_OK)
					file = NULL;
			}
			if (a.json) {
				json_object_begin(&j, NULL);
				json_strn(&j, "function", f->func.ptr, f->func.len);
				json_u64(&j, "pc", f->pc);
				json_u64(&j, "pc_offset", f->pc - f->entry);
				if (file) {
					json_str(&j, "file", file);
					json_u64(&j, "line", line);
				} else {
					json_null(&j, "file");
					json_null(&j, "line");
				}
				json_array_begin(&j, "pointers");
			} else {
				/* like a Go traceback: function(...), then file:line +offset */
				printf("  %.*s(...)\n      %s:%" PRIu64 " +0x%" PRIx64 "\n", (int)f->func.len,
				       f->func.ptr, file ? file : "?", file ? line : 0, f->pc - f->entry);
			}
			for (size_t r = 0; r < nroots; r++) {
				if (roots[r].frame != fi ||
				    (roots[r].kind != GOHEAP_ROOT_FRAME_VAR && roots[r].kind != GOHEAP_ROOT_FRAME_SLOT))
					continue;
				char name[512];
				goheap_graph_root_name(s.graph, r, name, sizeof name);
				const char *short_name = strrchr(name, ':');
				short_name = short_name ? short_name + 2 : name;
				size_t ne;
				const uint32_t *e = goheap_graph_edges(s.graph, nobj + (uint32_t)r, &ne);
				const char *target = ne ? session_type_name(&s, e[0]) : "-";
				if (a.json) {
					json_object_begin(&j, NULL);
					json_str(&j, "name", short_name);
					json_str(&j, "type", roots[r].type != GOHEAP_NO_TYPE ? type_name(&s, roots[r].type) : "-");
					json_u64(&j, "targets", ne);
					json_str(&j, "points_to", target);
					json_object_end(&j);
				} else {
					printf("      %s %s -> %s%s\n", short_name,
					       roots[r].type != GOHEAP_NO_TYPE ? type_name(&s, roots[r].type) : "",
					       target, ne > 1 ? " ..." : "");
				}
			}
			if (a.json) {
				json_array_end(&j);
				json_object_end(&j);
			}
		}
		if (a.json) {
			json_array_end(&j);
			json_object_end(&j);
		}
	}
	if (a.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	session_close(&s);
	return cli_finish(EXIT_OK);
}
