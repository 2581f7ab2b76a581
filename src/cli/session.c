/* session.c - load dump, binary, graph and typing; see session.h. */
#include "cli/session.h"

#include <stdio.h>
#include <string.h>

#include "cli/progress.h"

int session_open(session *s, const cli_args *a, const char *dump_path, const char *bin_path)
{
	memset(s, 0, sizeof *s);
	int rc = cli_open_dump(a, dump_path, &s->dump);
	if (rc)
		return rc;
	goheap_diag d;
	if (bin_path) {
		int st = goheap_binary_open(&s->bin, bin_path, &d);
		if (!st)
			st = goheap_binary_match(s->bin, s->dump, &s->bias, &d);
		/* same sections is not same code: the frames' functions must match too */
		if (!st)
			st = goheap_binary_check_frames(s->bin, s->dump, s->bias, &d);
		if (!st) {
			st = goheap_binary_load_dwarf(s->bin, &d);
			if (st == GOHEAP_ENOTFOUND) {
				fprintf(stderr, "goheap: warning: %s has no DWARF: objects stay untyped and roots unnamed\n",
					bin_path);
				st = GOHEAP_OK;
			} else if (!st) {
				s->has_dwarf = true;
			}
		}
		if (st) {
			session_close(s);
			return cli_fail(a, bin_path, st, &d);
		}
	}
	progress pr;
	progress_init(&pr, "building graph", a->quiet);
	goheap_graph_opts go = GOHEAP_GRAPH_OPTS_INIT;
	go.progress = progress_update;
	go.progress_ctx = &pr;
	int st = goheap_graph_build(&s->graph, s->dump, s->has_dwarf ? s->bin : NULL, s->bias, &go, &d);
	progress_done(&pr);
	if (!st) {
		progress_init(&pr, "typing objects", a->quiet);
		progress_stage(&pr);
		st = goheap_typing_run(&s->typing, s->graph, s->dump, s->has_dwarf ? s->bin : NULL, s->bias, &d);
		progress_done(&pr);
	}
	if (st) {
		session_close(s);
		return cli_fail(a, dump_path, st, &d);
	}
	return EXIT_OK;
}

int session_dominators(const session *s, const cli_args *a, const char *dump_path, goheap_dominators **out)
{
	progress pr;
	goheap_diag d;
	progress_init(&pr, "computing dominators", a->quiet);
	progress_stage(&pr);
	int st = goheap_dominators_compute(out, s->graph, s->dump, &d);
	progress_done(&pr);
	return st ? cli_fail(a, dump_path, st, &d) : EXIT_OK;
}

bool session_begin(session *s, cli_args *a, int argc, char **argv, unsigned allowed, int min_pos, int max_pos,
		   int *exit_code)
{
	memset(s, 0, sizeof *s);
	int rc = cli_begin(argc, argv, a, allowed, min_pos, max_pos);
	if (rc != CLI_CONTINUE) { /* --help, or a usage error */
		*exit_code = rc;
		return false;
	}
	*exit_code = session_open(s, a, a->pos[0], a->npos > 1 ? a->pos[1] : NULL);
	return *exit_code == EXIT_OK;
}

void session_close(session *s)
{
	goheap_typing_free(s->typing);
	goheap_graph_free(s->graph);
	goheap_binary_free(s->bin);
	goheap_dump_free(s->dump);
	memset(s, 0, sizeof *s);
}

const char *session_type_name(const session *s, uint32_t obj)
{
	const goheap_btype *t = goheap_typing_type(s->typing, goheap_typing_object_type(s->typing, obj));
	return t->name ? t->name : "?";
}
