/*
 * cmd_path.c - goheap path: shortest paths from named roots to an object,
 * or to the nearest instances of a type, each step named by field.
 *
 * One breadth-first search from all roots gives a shortest path. With
 * --all, the search runs again with the objects inside each path found
 * blocked, so the paths shown are disjoint between root and target (each
 * a different way the target is kept alive), up to --limit; by type, with
 * the instances already reached blocked, so each path leads to another.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"

#define DEFAULT_LIMIT 10
/* Text output shows this many steps of a path, eliding the middle of longer ones. */
#define TEXT_STEPS 24

static void print_path_text(const session *s, const uint32_t *p, size_t n, size_t index)
{
	char name[512];
	report_node_name(s, p[0], name, sizeof name);
	printf("path %zu: %zu step%s from %s\n", index + 1, n - 1, n == 2 ? "" : "s", name);
	printf("  %s\n", name);
	size_t head = n, skip_to = n;
	if (n > TEXT_STEPS) {
		head = 8;
		skip_to = n - (TEXT_STEPS - head);
	}
	for (size_t k = 1; k < n; k++) {
		if (k == head) {
			printf("    ... %zu more steps ...\n", skip_to - head);
			k = skip_to - 1;
			continue;
		}
		char label[256];
		report_edge_label(s, p[k - 1], p[k], label, sizeof label);
		printf("    %s%s-> 0x%" PRIx64 " %s\n", label, label[0] ? " " : "", report_addr(s, p[k]),
		       session_type_name(s, p[k]));
	}
}

int cmd_path(int argc, char **argv)
{
	cli_args a;
	session s;
	int rc;
	if (!session_begin(&s, &a, argc, argv, OPT_ALL | OPT_LIMIT, 3, 3, &rc))
		return rc;
	const char *what = a.pos[2];
	uint32_t nobj = goheap_graph_object_count(s.graph), nodes = goheap_graph_node_count(s.graph);
	/* Targets: one object, or every live instance of a type group. */
	uint8_t *target = calloc((size_t)nodes + 1, 1), *blocked = calloc((size_t)nodes + 1, 1);
	type_groups tg = { 0 };
	if (!target || !blocked) {
		rc = EXIT_IO;
		fprintf(stderr, "goheap: error: out of memory\n");
		goto out;
	}
	uint64_t ntargets = 0;
	bool by_type = !(what[0] == '0' && (what[1] == 'x' || what[1] == 'X'));
	if (!by_type) {
		uint32_t obj = report_find_node(&s, what);
		if (obj == UINT32_MAX) {
			rc = EXIT_BAD_INPUT;
			goto out;
		}
		target[obj] = 1;
		ntargets = 1;
	} else {
		if (!type_groups_init(&tg, &s)) {
			rc = EXIT_IO;
			fprintf(stderr, "goheap: error: out of memory\n");
			goto out;
		}
		uint32_t want = UINT32_MAX;
		for (size_t g = 0; g < tg.ngroups && want == UINT32_MAX; g++)
			if (strcmp(tg.names[g], what) == 0)
				want = (uint32_t)g;
		for (uint32_t i = 0; want != UINT32_MAX && i < nobj; i++)
			if (goheap_graph_reachable(s.graph, i) && type_groups_of(&tg, &s, i) == want)
				target[i] = 1, ntargets++;
		if (!ntargets) {
			fprintf(stderr, "goheap: error: no live object of type '%s' (names as 'goheap histogram' prints them)\n",
				what);
			rc = EXIT_BAD_INPUT;
			goto out;
		}
	}
	size_t limit = a.all ? (a.limit ? (size_t)a.limit : DEFAULT_LIMIT) : 1;
	json j;
	if (a.json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "target", what);
		json_u64(&j, "targets", ntargets);
		json_array_begin(&j, "paths");
	}
	size_t found = 0;
	while (found < limit) {
		uint32_t *order;
		size_t norder;
		uint32_t *parent = report_bfs(s.graph, blocked, &order, &norder);
		if (!parent) {
			rc = EXIT_IO;
			fprintf(stderr, "goheap: error: out of memory\n");
			goto out;
		}
		uint32_t hit = UINT32_MAX;
		for (size_t k = 0; k < norder && hit == UINT32_MAX; k++)
			if (target[order[k]])
				hit = order[k];
		free(order);
		uint32_t *p = NULL;
		size_t n = hit == UINT32_MAX ? 0 : report_path(s.graph, parent, hit, &p);
		free(parent);
		if (n == 0)
			break;
		if (a.json) {
			json_object_begin(&j, NULL);
			json_u64(&j, "steps", n - 1);
			report_path_json(&j, "path", &s, p, n);
			json_object_end(&j);
		} else {
			print_path_text(&s, p, n, found);
		}
		found++;
		/* By type, the next path leads to another instance; to one
		 * object, it may share neither objects between root and target
		 * nor, for a direct path, its root. */
		if (by_type) {
			blocked[hit] = 1;
		} else {
			for (size_t k = 1; k + 1 < n; k++)
				blocked[p[k]] = 1;
			if (n == 2)
				blocked[p[0]] = 1;
		}
		free(p);
	}
	if (a.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (found == 0) {
		printf("no path: %s is not reachable from any root (garbage the collector has not freed yet)\n", what);
	} else if (a.all && found == limit) {
		printf("(stopped at %zu paths; --limit N shows more)\n", found);
	}
	rc = EXIT_OK;
out:
	free(target);
	free(blocked);
	type_groups_free(&tg);
	session_close(&s);
	return cli_finish(rc);
}
