/*
 * session.h - what the typed-graph commands load: the dump, its binary
 * (checked to have written the dump, DWARF read), the object graph and the
 * typing. One call loads it all with progress and error reporting.
 */
#ifndef GOHEAP_CLI_SESSION_H
#define GOHEAP_CLI_SESSION_H

#include "cli/cli.h"
#include "goheap/analysis.h"
#include "goheap/binary.h"
#include "goheap/graph.h"
#include "goheap/typing.h"

typedef struct session {
	goheap_dump *dump;
	goheap_binary *bin;
	int64_t bias;
	bool has_dwarf;
	goheap_graph *graph;
	goheap_typing *typing;
} session;

/*
 * Load dump_path and bin_path (bin_path may be NULL: untyped graph).
 * Prints a warning when the binary has no DWARF. Returns EXIT_OK or the
 * exit code of the failure it reported.
 */
int session_open(session *s, const cli_args *a, const char *dump_path, const char *bin_path);
void session_close(session *s);

/*
 * The start of a command that reads DUMP [BINARY] as its first arguments:
 * cli_begin() (options in `allowed`, min_pos..max_pos arguments, --help),
 * then session_open(). Returns true when the command should run (*exit_code
 * is then EXIT_OK), else false with the exit code to return.
 */
bool session_begin(session *s, cli_args *a, int argc, char **argv, unsigned allowed, int min_pos, int max_pos,
		   int *exit_code);

/*
 * The dominator tree of the session's graph, with progress on stderr.
 * Returns EXIT_OK, or the exit code of the failure it reported.
 */
int session_dominators(const session *s, const cli_args *a, const char *dump_path, goheap_dominators **out);

/* The display name of an object's type (shape names for untyped objects). */
const char *session_type_name(const session *s, uint32_t obj);

#endif
