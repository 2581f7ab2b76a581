/*
 * report.c - helpers of the dominator reports; see report.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "util/hash.h"
#include "util/vec.h"

const char *histogram_name(const session *s, uint32_t id, char *buf, size_t len)
{
	const goheap_btype *t = goheap_typing_type(s->typing, id);
	size_t nbt = 0;
	if (s->has_dwarf)
		goheap_binary_types(s->bin, &nbt);
	if (id >= nbt && t->kind == GOHEAP_T_ARRAY) {
		const char *elem = t->elem < goheap_typing_type_count(s->typing)
					   ? goheap_typing_type(s->typing, t->elem)->name
					   : NULL;
		snprintf(buf, len, "[...]%s", elem ? elem : "?");
		return buf;
	}
	return t->name ? t->name : "?";
}

bool type_groups_init(type_groups *tg, const session *s)
{
	size_t nt = goheap_typing_type_count(s->typing);
	memset(tg, 0, sizeof *tg);
	strmap ids = { 0 };
	size_t arena_len = 0, arena_cap = 0;
	tg->group = malloc((nt ? nt : 1) * sizeof *tg->group);
	uint32_t *first = malloc((nt ? nt : 1) * sizeof *first); /* group -> a type id of it */
	bool ok = tg->group && first;
	for (size_t id = 0; ok && id < nt; id++) {
		char buf[512];
		const char *name = histogram_name(s, (uint32_t)id, buf, sizeof buf);
		size_t len = strlen(name);
		uint32_t g = strmap_get(&ids, name, len);
		if (g == UINT32_MAX) {
			g = (uint32_t)tg->ngroups++;
			first[g] = (uint32_t)id;
			ok = strmap_put(&ids, name, len, g) == 0;
			if (name == buf)
				arena_len += len + 1;
		}
		tg->group[id] = g;
	}
	/* Names: made "[...]T" names are copied into one arena. */
	if (ok) {
		arena_cap = arena_len ? arena_len : 1;
		tg->arena = malloc(arena_cap);
		tg->names = malloc((tg->ngroups ? tg->ngroups : 1) * sizeof *tg->names);
		ok = tg->arena && tg->names;
	}
	for (size_t g = 0, at = 0; ok && g < tg->ngroups; g++) {
		char buf[512];
		const char *name = histogram_name(s, first[g], buf, sizeof buf);
		if (name == buf) {
			size_t len = strlen(buf) + 1;
			memcpy(tg->arena + at, buf, len);
			name = tg->arena + at;
			at += len;
		}
		tg->names[g] = name;
	}
	free(first);
	strmap_free(&ids);
	if (!ok)
		type_groups_free(tg);
	return ok;
}

void type_groups_free(type_groups *tg)
{
	free(tg->group);
	free(tg->names);
	free(tg->arena);
	memset(tg, 0, sizeof *tg);
}

uint32_t type_groups_of(const type_groups *tg, const session *s, uint32_t obj)
{
	return tg->group[goheap_typing_object_type(s->typing, obj)];
}

uint32_t report_find_node(const session *s, const char *arg)
{
	uint32_t nobj = goheap_graph_object_count(s->graph), nodes = goheap_graph_node_count(s->graph);
	if (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X')) {
		char *end;
		unsigned long long addr = strtoull(arg, &end, 16);
		uint32_t obj = *end ? UINT32_MAX : goheap_graph_find_object(s->graph, addr);
		if (obj == UINT32_MAX)
			fprintf(stderr, "goheap: error: no object contains %s\n", arg);
		return obj;
	}
	for (uint32_t r = nobj; r < nodes; r++) {
		char name[512];
		goheap_graph_root_name(s->graph, r - nobj, name, sizeof name);
		if (strcmp(name, arg) == 0)
			return r;
	}
	fprintf(stderr, "goheap: error: '%s' is neither an address (0x...) nor the name of a root\n", arg);
	return UINT32_MAX;
}

bool report_walk_dominated(const goheap_dominators *dom, uint32_t v, bool (*visit)(void *ctx, uint32_t u),
			   void *ctx)
{
	VEC(uint32_t) stack = { 0 };
	uint32_t *top = VEC_PUSH(stack);
	if (!top)
		return false;
	*top = v;
	while (stack.n) {
		uint32_t u = stack.v[--stack.n];
		if (!visit(ctx, u))
			continue;
		size_t nk;
		const uint32_t *kids = goheap_dominators_children(dom, u, &nk);
		if (vec_reserve((void **)&stack.v, &stack.alloc, stack.n + nk, sizeof *stack.v)) {
			VEC_FREE(stack);
			return false;
		}
		memcpy(stack.v + stack.n, kids, nk * sizeof *kids);
		stack.n += nk;
	}
	VEC_FREE(stack);
	return true;
}

uint64_t report_addr(const session *s, uint32_t obj)
{
	return goheap_dump_object(s->dump, obj).addr + goheap_typing_data_offset(s->typing, obj);
}

void report_node_name(const session *s, uint32_t node, char *buf, size_t len)
{
	uint32_t nobj = goheap_graph_object_count(s->graph);
	if (node >= nobj)
		goheap_graph_root_name(s->graph, node - nobj, buf, len);
	else
		snprintf(buf, len, "0x%" PRIx64 " %s", report_addr(s, node), session_type_name(s, node));
}

uint32_t *report_bfs(const goheap_graph *g, const uint8_t *blocked, uint32_t **order, size_t *norder)
{
	uint32_t nobj = goheap_graph_object_count(g), nodes = goheap_graph_node_count(g);
	uint32_t *parent = malloc(((size_t)nobj + 1) * sizeof *parent);
	uint32_t *queue = malloc(((size_t)nobj + 1) * sizeof *queue);
	if (!parent || !queue) {
		free(parent);
		free(queue);
		return NULL;
	}
	for (uint32_t i = 0; i < nobj; i++)
		parent[i] = UINT32_MAX;
	size_t head = 0, tail = 0, n;
	/* Roots first, in node order, so ties go to the first root. */
	for (uint32_t u = nobj; u < nodes || head < tail;) {
		uint32_t from = u < nodes ? u++ : queue[head++];
		if (from >= nobj && blocked && blocked[from])
			continue;
		const uint32_t *e = goheap_graph_edges(g, from, &n);
		for (size_t k = 0; k < n; k++) {
			uint32_t to = e[k];
			if (to < nobj && parent[to] == UINT32_MAX && !(blocked && blocked[to])) {
				parent[to] = from;
				queue[tail++] = to;
			}
		}
	}
	if (order) {
		*order = queue;
		*norder = tail;
	} else {
		free(queue);
	}
	return parent;
}

size_t report_path(const goheap_graph *g, const uint32_t *parent, uint32_t obj, uint32_t **out)
{
	uint32_t nobj = goheap_graph_object_count(g);
	*out = NULL;
	if (obj >= nobj)
		return 0;
	size_t n = 1;
	uint32_t u = obj;
	while (u < nobj) {
		u = parent[u];
		if (u == UINT32_MAX)
			return 0;
		n++;
	}
	uint32_t *p = malloc(n * sizeof *p);
	if (!p)
		return 0;
	u = obj;
	for (size_t k = n; k-- > 0;) {
		p[k] = u;
		if (u < nobj)
			u = parent[u];
	}
	*out = p;
	return n;
}

void report_edge_label(const session *s, uint32_t from, uint32_t to, char *buf, size_t len)
{
	uint32_t nobj = goheap_graph_object_count(s->graph);
	unsigned ptr = goheap_dump_params(s->dump)->ptr_size;
	if (len)
		buf[0] = '\0';
	if (from < nobj) {
		goheap_object o = goheap_dump_object(s->dump, from);
		const uint8_t *mem = goheap_dump_data(s->dump, o.contents_off);
		goheap_fields it = goheap_object_fields(s->dump, &o);
		uint64_t off;
		while (goheap_fields_next(&it, &off)) {
			if (off > o.size || o.size - off < ptr)
				continue;
			if (goheap_graph_find_object(s->graph, goheap_dump_read_word(s->dump, mem + off)) != to)
				continue;
			uint32_t base = goheap_typing_data_offset(s->typing, from);
			if (off < base) /* the malloc header word: the type, not a field */
				continue;
			goheap_typing_field_path(s->typing, goheap_typing_object_type(s->typing, from), off - base, buf,
						 len);
			return;
		}
		return;
	}
	size_t nroots;
	const goheap_root *r = &goheap_graph_roots(s->graph, &nroots)[from - nobj];
	if (!r->mem || r->type == GOHEAP_NO_TYPE)
		return;
	for (uint64_t off = 0; off + ptr <= r->size; off += ptr)
		if (goheap_graph_find_object(s->graph, goheap_dump_read_word(s->dump, r->mem + off)) == to) {
			goheap_typing_field_path(s->typing, r->type, off, buf, len);
			return;
		}
}

/* One step of a path: the object's type, then the field that leads on. */
static void print_step(FILE *out, const session *s, const uint32_t *nodes, size_t n, size_t k)
{
	char label[256] = "";
	if (k + 1 < n)
		report_edge_label(s, nodes[k], nodes[k + 1], label, sizeof label);
	if (k == 0) {
		char name[512];
		report_node_name(s, nodes[0], name, sizeof name);
		fprintf(out, "%s", name);
	} else {
		fprintf(out, "%s", session_type_name(s, nodes[k]));
	}
	if (label[0])
		fprintf(out, " %s", label);
}

void report_path_line(FILE *out, const session *s, const uint32_t *nodes, size_t n, size_t max_steps)
{
	size_t head = n, skip_to = n;
	if (max_steps >= 4 && n > max_steps) {
		head = max_steps / 3;
		skip_to = n - (max_steps - head);
	}
	for (size_t k = 0; k < n; k++) {
		if (k == head && skip_to < n) {
			fprintf(out, " -> (%zu more steps)", skip_to - head);
			k = skip_to - 1;
			continue;
		}
		if (k)
			fprintf(out, " -> ");
		print_step(out, s, nodes, n, k);
	}
}

void report_path_json(json *j, const char *key, const session *s, const uint32_t *nodes, size_t n)
{
	json_array_begin(j, key);
	for (size_t k = 0; k < n; k++) {
		char buf[512];
		json_object_begin(j, NULL);
		if (k == 0) {
			report_node_name(s, nodes[0], buf, sizeof buf);
			json_str(j, "root", buf);
		} else {
			report_edge_label(s, nodes[k - 1], nodes[k], buf, sizeof buf);
			json_str(j, "field", buf);
			json_u64(j, "addr", report_addr(s, nodes[k]));
			json_str(j, "type", session_type_name(s, nodes[k]));
		}
		json_object_end(j);
	}
	json_array_end(j);
}
