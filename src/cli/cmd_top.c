/*
 * cmd_top.c - goheap top: the biggest retainers by retained size (the
 * bytes that would be freed if the node let go: everything it dominates),
 * roots and objects alike, each with the shortest path from a named root.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json.h"
#include "cli/report.h"
#include "cli/session.h"
#include "goheap/analysis.h"

/* Steps of a path shown after its root. */
#define PATH_TAIL 12

typedef struct cand {
	uint32_t node;
	uint64_t retained;
} cand;

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

int cmd_top(int argc, char **argv)
{
	cli_args a;
	session s;
	int rc;
	if (!session_begin(&s, &a, argc, argv, OPT_TOP, 1, 2, &rc))
		return rc;
	goheap_dominators *dom = NULL;
	cand *c = NULL;
	uint64_t *per_g = NULL, *top_root = NULL;
	uint32_t *parent = NULL;
	if ((rc = session_dominators(&s, &a, a.pos[0], &dom)))
		goto out;
	uint32_t nobj = goheap_graph_object_count(s.graph), nodes = goheap_graph_node_count(s.graph);
	uint32_t super = goheap_dominators_super_root(dom);
	uint64_t live = goheap_dominators_retained(dom, super);
	size_t want = a.top ? (size_t)a.top : 20;
	size_t ngr;
	goheap_dump_goroutines(s.dump, &ngr);
	c = malloc(((size_t)nodes + ngr + 1) * sizeof *c);
	per_g = calloc(ngr + 1, sizeof *per_g);
	top_root = calloc(ngr + 1, sizeof *top_root);
	parent = report_bfs(s.graph, NULL, NULL, NULL);
	goheap_diag d;
	if (!c || !parent || !per_g || !top_root || goheap_dominators_by_goroutine(dom, s.graph, per_g, ngr, &d)) {
		fprintf(stderr, "goheap: error: out of memory\n");
		rc = EXIT_IO;
		goto out;
	}
	/*
	 * Candidates: every reachable node, except one that retains 90 % or
	 * more of what its immediate dominator retains: that is the same
	 * retainer seen one step further down (the array behind a global, the
	 * next node of a list), and listing it again would crowd out others.
	 */
	size_t nc = 0;
	for (uint32_t v = 0; v < nodes; v++) {
		uint32_t id = goheap_dominators_idom(dom, v);
		if (id == UINT32_MAX)
			continue;
		uint64_t r = goheap_dominators_retained(dom, v);
		if (r == 0 || (id != super && r / 9 >= goheap_dominators_retained(dom, id) / 10))
			continue;
		c[nc++] = (cand){ v, r };
	}
	/*
	 * Goroutines (node ids past the super-root): all the roots of one
	 * goroutine together, unless one of them alone holds 90 % of it.
	 */
	size_t nroots;
	const goheap_root *roots = goheap_graph_roots(s.graph, &nroots);
	for (size_t r = 0; r < nroots; r++)
		if (roots[r].goroutine < ngr) {
			uint64_t rr = goheap_dominators_retained(dom, nobj + (uint32_t)r);
			if (rr > top_root[roots[r].goroutine])
				top_root[roots[r].goroutine] = rr;
		}
	for (size_t g = 0; g < ngr; g++)
		if (per_g[g] && top_root[g] / 9 < per_g[g] / 10)
			c[nc++] = (cand){ super + 1 + (uint32_t)g, per_g[g] };
	qsort(c, nc, sizeof *c, cmp_cand);
	size_t shown = nc < want ? nc : want;
	json j;
	if (a.json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_u64(&j, "live_bytes", live);
		json_array_begin(&j, "retainers");
	} else {
		printf("%10s %10s %6s  %s\n", "retained", "shallow", "%live", "retainer");
	}
	for (size_t k = 0; k < shown; k++) {
		uint32_t v = c[k].node;
		bool is_goroutine = v > super;
		uint64_t shallow = v < nobj ? goheap_dump_object(s.dump, v).size : 0;
		double pct = live ? 100.0 * (double)c[k].retained / (double)live : 0;
		char name[512], rbuf[32], sbuf[32];
		if (is_goroutine)
			snprintf(name, sizeof name, "goroutine %" PRIu64 " (all its frames)",
				 goheap_dump_goroutines(s.dump, &ngr)[v - super - 1].goid);
		else
			report_node_name(&s, v, name, sizeof name);
		human_size(c[k].retained, rbuf, sizeof rbuf);
		human_size(shallow, sbuf, sizeof sbuf);
		/*
		 * Shortest path from a named root: the root, then the last
		 * PATH_TAIL steps (a path down a long list is elided between).
		 */
		uint32_t tail[PATH_TAIL];
		size_t nt = 0, len = 0;
		uint32_t u = v, root = UINT32_MAX;
		for (; !is_goroutine;) {
			len++;
			if (u >= nobj) {
				root = u;
				break;
			}
			if (nt < PATH_TAIL)
				tail[nt++] = u;
			if (parent[u] == UINT32_MAX || len > nobj)
				break;
			u = parent[u];
		}
		uint32_t path[PATH_TAIL + 1];
		size_t np = 0;
		bool elided = len > nt + (root != UINT32_MAX);
		if (root != UINT32_MAX)
			path[np++] = root;
		for (size_t k2 = nt; k2-- > 0;)
			path[np++] = tail[k2];
		if (a.json) {
			json_object_begin(&j, NULL);
			json_str(&j, "name", name);
			json_bool(&j, "root", v >= nobj && !is_goroutine);
			json_bool(&j, "goroutine", is_goroutine);
			if (v < nobj) {
				json_u64(&j, "addr", report_addr(&s, v));
				json_str(&j, "type", session_type_name(&s, v));
			}
			json_u64(&j, "shallow_bytes", shallow);
			json_u64(&j, "retained_bytes", c[k].retained);
			json_double(&j, "percent_of_live", pct);
			json_u64(&j, "path_length", len);
			json_array_begin(&j, "path");
			for (size_t p = 0; p < np; p++) {
				char step[512];
				report_node_name(&s, path[p], step, sizeof step);
				json_str(&j, NULL, step);
				if (p == 0 && elided)
					json_str(&j, NULL, "...");
			}
			json_array_end(&j);
			json_object_end(&j);
		} else {
			printf("%10s %10s %5.1f%%  %s\n", rbuf, sbuf, pct, name);
			uint32_t *full = NULL;
			size_t nfull = v < nobj ? report_path(s.graph, parent, v, &full) : 0;
			if (nfull > 1) {
				printf("%30s path: ", "");
				report_path_line(stdout, &s, full, nfull, PATH_TAIL + 1);
				printf("\n");
			}
			free(full);
		}
	}
	if (a.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	rc = EXIT_OK;
out:
	free(c);
	free(parent);
	free(per_g);
	free(top_root);
	goheap_dominators_free(dom);
	session_close(&s);
	return cli_finish(rc);
}
