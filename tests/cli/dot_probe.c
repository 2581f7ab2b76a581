/*
 * dot_probe.c - writes a small picture through the library's DOT writer
 * (include/goheap/dot.h) with names no real dump has: quotes, backslashes
 * (one at the very end), markup characters, invalid UTF-8, control
 * characters, non-ASCII and an overlong name, so test_dot.py can check
 * that Graphviz reads back exactly the text given. Also checks the
 * writer's refusals (a node added twice, an edge to a missing node).
 *
 * usage: dot_probe OUT held|stream|svg|png
 * Exit 0 when the picture was written and the refusals held.
 */
#include <stdio.h>
#include <string.h>

#include "goheap/dot.h"

static int fail(const char *what, const goheap_diag *d)
{
	fprintf(stderr, "dot_probe: %s: %s\n", what, d->msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: dot_probe OUT held|stream|svg|png\n");
		return 2;
	}
	goheap_dot_opts o = GOHEAP_DOT_OPTS_INIT;
	const char *mode = argv[2];
	o.stream = strcmp(mode, "stream") == 0;
	o.format = strcmp(mode, "svg") == 0 ? GOHEAP_DOT_SVG : strcmp(mode, "png") == 0 ? GOHEAP_DOT_PNG
											: GOHEAP_DOT_TEXT;
	o.title = "title with \"quotes\" \\ and <b>markup</b> & more";
	goheap_dot *d;
	goheap_diag dg;
	if (goheap_dot_open(&d, argv[1], &o, &dg))
		return fail("open", &dg);

	char longname[301];
	memset(longname, 'x', 300);
	longname[300] = '\0';
	goheap_dot_node n1 = { GOHEAP_DOT_OBJECT, "weird\"type\\with<angle>&amp'", NULL, NULL, 0x10, 16, 48, false };
	goheap_dot_node n2 = { GOHEAP_DOT_ROOT, "C:\\dir\\", "quote \" and \\N", NULL, 0, 0, 64, true };
	goheap_dot_node n3 = { GOHEAP_DOT_OBJECT, "bad\xff\xfe|\x01|\xe4\xb8\xad", NULL, "k", 0x30, 8, 8, false };
	goheap_dot_node n4 = { GOHEAP_DOT_OBJECT, longname, NULL, NULL, 0x40, 1u << 20, 3u << 20, false };
	int rc = 0;
	if (goheap_dot_add_node(d, 1, &n1, &dg) || goheap_dot_add_node(d, 2, &n2, &dg) ||
	    goheap_dot_add_node(d, 3, &n3, &dg) || goheap_dot_add_node(d, 4, &n4, &dg))
		rc = fail("add node", &dg);
	if (!rc && !o.stream) {
		if (goheap_dot_add_node(d, 1, &n1, &dg) != GOHEAP_EINVAL)
			rc = fail("a node added twice was accepted", &dg);
		if (goheap_dot_add_edge(d, 1, 99, "x", 0, &dg) != GOHEAP_EINVAL)
			rc = fail("an edge to a missing node was accepted", &dg);
	}
	if (!rc && (goheap_dot_add_edge(d, 2, 1, "map<\"k\">\\", 0, &dg) ||
		    goheap_dot_add_edge(d, 2, 3, "via 2 objects", GOHEAP_DOT_EDGE_DOMINATES, &dg) ||
		    goheap_dot_add_edge(d, 1, 4, NULL, 0, &dg)))
		rc = fail("add edge", &dg);
	uint64_t nn, ne;
	goheap_dot_counts(d, &nn, &ne);
	if (!rc && (nn != 4 || ne != 3)) {
		fprintf(stderr, "dot_probe: counts %llu nodes %llu edges, want 4 and 3\n", (unsigned long long)nn,
			(unsigned long long)ne);
		rc = 1;
	}
	if (rc) {
		goheap_dot_abort(d);
		return rc;
	}
	if (goheap_dot_finish(d, &dg))
		return fail("finish", &dg);
	return 0;
}
