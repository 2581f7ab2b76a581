/*
 * cmd_tree.c - goheap tree: the dominator tree, indented, children by
 * retained size.
 *
 * Under each shown node its children in the dominator tree (the objects
 * it alone keeps alive, one level down) are listed biggest first. Three
 * or more children of one type become one group line ("5000 x
 * *main.entry"), with the biggest of them shown under it; children below
 * --min-percent of the live heap are summed into one "more" line. The
 * walk uses an explicit stack of frames, one per shown level.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"

#define DEFAULT_DEPTH 6
#define DEFAULT_MIN_PERCENT 1.0
/* Children of one type from which they are shown as a group. */
#define GROUP_MIN 3

typedef enum item_kind { ITEM_NODE, ITEM_GROUP, ITEM_REST } item_kind;

typedef struct item {
	item_kind kind;
	uint32_t node;      /* NODE: the node; GROUP: its biggest member */
	uint32_t group;     /* GROUP: type group */
	uint64_t count;     /* GROUP, REST: members */
	uint64_t retained;  /* NODE: retained; GROUP, REST: sum */
} item;

typedef struct frame {
	item *items;
	size_t n, next;
	bool in_group;      /* the items are a group's biggest member */
} frame;

typedef struct tree_ctx {
	const session *s;
	const goheap_dominators *dom;
	const type_groups *tg;
	uint64_t live, min_bytes;
	uint32_t nobj;
} tree_ctx;

typedef struct kid {
	uint32_t node, group;
	uint64_t retained;
} kid;

static int cmp_kid(const void *a, const void *b)
{
	const kid *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

static int cmp_item(const void *a, const void *b)
{
	const item *x = a, *y = b;
	if ((x->kind == ITEM_REST) != (y->kind == ITEM_REST))
		return x->kind == ITEM_REST ? 1 : -1;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* The items shown under node v: singles, groups and the rest. NULL with *n 0 when none or out of memory. */
static item *make_items(const tree_ctx *c, uint32_t v, size_t *n, bool *oom)
{
	size_t nk;
	const uint32_t *kids = goheap_dominators_children(c->dom, v, &nk);
	*n = 0;
	if (nk == 0)
		return NULL;
	kid *k = malloc(nk * sizeof *k);
	item *it = malloc((nk + 1) * sizeof *it);
	if (!k || !it) {
		free(k);
		free(it);
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < nk; i++) {
		uint32_t u = kids[i];
		k[i] = (kid){ u, u < c->nobj ? type_groups_of(c->tg, c->s, u) : UINT32_MAX,
			      goheap_dominators_retained(c->dom, u) };
	}
	qsort(k, nk, sizeof *k, cmp_kid);
	item rest = { ITEM_REST, UINT32_MAX, 0, 0, 0 };
	size_t m = 0;
	for (size_t i = 0; i < nk;) {
		size_t run = 1;
		while (k[i].group != UINT32_MAX && i + run < nk && k[i + run].group == k[i].group)
			run++;
		if (run >= GROUP_MIN) {
			uint64_t sum = 0;
			for (size_t r = 0; r < run; r++)
				sum += k[i + r].retained;
			item g = { ITEM_GROUP, k[i].node, k[i].group, run, sum };
			if (sum >= c->min_bytes)
				it[m++] = g;
			else
				rest.count += run, rest.retained += sum;
		} else {
			for (size_t r = 0; r < run; r++) {
				if (k[i + r].retained >= c->min_bytes)
					it[m++] = (item){ ITEM_NODE, k[i + r].node, 0, 1, k[i + r].retained };
				else
					rest.count++, rest.retained += k[i + r].retained;
			}
		}
		i += run;
	}
	if (rest.count)
		it[m++] = rest;
	free(k);
	qsort(it, m, sizeof *it, cmp_item);
	*n = m;
	return it;
}

static double pct(const tree_ctx *c, uint64_t bytes)
{
	return c->live ? 100.0 * (double)bytes / (double)c->live : 0;
}

/* A node's line (text) or the opening of its object (JSON, left open for "children"). */
static void show_node(const tree_ctx *c, json *j, uint32_t v, size_t depth, const char *prefix)
{
	uint64_t ret = goheap_dominators_retained(c->dom, v);
	uint32_t super = goheap_dominators_super_root(c->dom);
	char name[512], rbuf[32], sbuf[32];
	if (v == super)
		snprintf(name, sizeof name, "all live objects");
	else
		report_node_name(c->s, v, name, sizeof name);
	uint64_t shallow = v < c->nobj ? goheap_dump_object(c->s->dump, v).size : 0;
	if (j) {
		json_object_begin(j, NULL);
		json_str(j, "kind", v == super ? "all" : v >= c->nobj ? "root" : "object");
		json_str(j, "name", name);
		if (v < c->nobj) {
			json_u64(j, "addr", report_addr(c->s, v));
			json_str(j, "type", session_type_name(c->s, v));
		}
		json_u64(j, "shallow_bytes", shallow);
		json_u64(j, "retained_bytes", ret);
		json_double(j, "percent_of_live", pct(c, ret));
		return;
	}
	human_size(ret, rbuf, sizeof rbuf);
	human_size(shallow, sbuf, sizeof sbuf);
	printf("%10s %6.2f%%  %*s%s%s", rbuf, pct(c, ret), (int)(2 * depth), "", prefix, name);
	if (v < c->nobj)
		printf("  (shallow %s)", sbuf);
	printf("\n");
}

static void show_other(const tree_ctx *c, json *j, const item *it, size_t depth)
{
	char rbuf[32];
	human_size(it->retained, rbuf, sizeof rbuf);
	if (it->kind == ITEM_GROUP) {
		const char *tn = c->tg->names[it->group];
		if (j) {
			json_object_begin(j, NULL);
			json_str(j, "kind", "group");
			json_str(j, "type", tn);
			json_u64(j, "count", it->count);
			json_u64(j, "retained_bytes", it->retained);
			json_double(j, "percent_of_live", pct(c, it->retained));
		} else {
			printf("%10s %6.2f%%  %*s%" PRIu64 " x %s\n", rbuf, pct(c, it->retained), (int)(2 * depth), "",
			       it->count, tn);
		}
		return;
	}
	if (j) {
		json_object_begin(j, NULL);
		json_str(j, "kind", "more");
		json_u64(j, "count", it->count);
		json_u64(j, "retained_bytes", it->retained);
		json_double(j, "percent_of_live", pct(c, it->retained));
		json_object_end(j);
	} else {
		printf("%10s %6.2f%%  %*s... %" PRIu64 " more, each below the --min-percent\n", rbuf,
		       pct(c, it->retained), (int)(2 * depth), "", it->count);
	}
}

int cmd_tree(int argc, char **argv)
{
	cli_args a;
	session s;
	int rc;
	if (!session_begin(&s, &a, argc, argv, OPT_DEPTH | OPT_MIN_PERCENT, 2, 3, &rc))
		return rc;
	goheap_dominators *dom = NULL;
	type_groups tg = { 0 };
	frame *stack = NULL;
	if ((rc = session_dominators(&s, &a, a.pos[0], &dom)))
		goto out;
	uint32_t top = goheap_dominators_super_root(dom);
	if (a.npos > 2 && (top = report_find_node(&s, a.pos[2])) == UINT32_MAX) {
		rc = cli_finish(EXIT_BAD_INPUT);
		goto out;
	}
	size_t max_depth = a.depth ? (size_t)a.depth : DEFAULT_DEPTH;
	double minp = a.min_percent >= 0 ? a.min_percent : DEFAULT_MIN_PERCENT;
	tree_ctx c = { &s, dom, &tg, goheap_dominators_retained(dom, goheap_dominators_super_root(dom)), 0,
		       goheap_graph_object_count(s.graph) };
	c.min_bytes = (uint64_t)((double)c.live * minp / 100.0);
	if (c.min_bytes == 0)
		c.min_bytes = 1;
	stack = calloc(max_depth + 2, sizeof *stack);
	if (!stack || !type_groups_init(&tg, &s)) {
		fprintf(stderr, "goheap: error: out of memory\n");
		rc = cli_finish(EXIT_IO);
		goto out;
	}
	json jj, *j = NULL;
	if (a.json) {
		j = &jj;
		json_init(j, stdout);
		json_object_begin(j, NULL);
		json_u64(j, "live_bytes", c.live);
		json_double(j, "min_percent", minp);
		json_u64(j, "depth", max_depth);
		json_array_begin(j, "tree");
	} else {
		printf("%10s %7s  %s\n", "retained", "%live", "dominator tree");
	}
	if (top != goheap_dominators_super_root(dom) && goheap_dominators_idom(dom, top) == UINT32_MAX) {
		fprintf(stderr, "goheap: %s is not reachable from any root: it retains nothing\n", a.pos[2]);
	}
	bool oom = false;
	size_t sp = 0;
	show_node(&c, j, top, 0, "");
	if (j)
		json_array_begin(j, "children");
	stack[0].items = max_depth > 0 ? make_items(&c, top, &stack[0].n, &oom) : NULL;
	sp = 1;
	while (sp > 0 && !oom) {
		frame *f = &stack[sp - 1];
		if (f->next == f->n) {
			free(f->items);
			memset(f, 0, sizeof *f);
			sp--;
			if (j) {
				json_array_end(j);
				json_object_end(j);
			}
			continue;
		}
		item *it = &f->items[f->next++];
		size_t depth = sp; /* the frame at stack[sp-1] holds the items of depth sp */
		if (it->kind == ITEM_REST) {
			show_other(&c, j, it, depth);
			continue;
		}
		if (it->kind == ITEM_GROUP) {
			show_other(&c, j, it, depth);
			if (j)
				json_array_begin(j, "children");
			/* The group's biggest member, one level down. */
			frame *g = &stack[sp++];
			uint64_t r = goheap_dominators_retained(dom, it->node);
			g->items = NULL;
			g->n = g->next = 0;
			g->in_group = true;
			if (depth < max_depth && r >= c.min_bytes && (g->items = malloc(sizeof *g->items))) {
				g->items[0] = (item){ ITEM_NODE, it->node, 0, 1, r };
				g->n = 1;
			}
			continue;
		}
		show_node(&c, j, it->node, depth, f->in_group ? "biggest: " : "");
		if (j)
			json_array_begin(j, "children");
		frame *g = &stack[sp++];
		g->in_group = false;
		g->next = 0;
		g->items = depth < max_depth ? make_items(&c, it->node, &g->n, &oom) : NULL;
		if (!g->items)
			g->n = 0;
	}
	for (size_t k = 0; k < sp; k++)
		free(stack[k].items);
	if (oom) {
		fprintf(stderr, "goheap: error: out of memory\n");
		rc = cli_finish(EXIT_IO);
		goto out;
	}
	if (j) {
		json_array_end(j);
		json_object_end(j);
		json_finish(j);
	}
	rc = cli_finish(EXIT_OK);
out:
	free(stack);
	type_groups_free(&tg);
	goheap_dominators_free(dom);
	session_close(&s);
	return rc;
}
