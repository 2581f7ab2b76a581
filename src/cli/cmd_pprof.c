/*
 * cmd_pprof.c - goheap pprof: the live heap as a gzipped pprof profile
 * (profile.proto) whose stacks are dominator paths from the named roots,
 * for `go tool pprof` (formats/pprof, include/goheap/pprof.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/json.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/session.h"
#include "goheap/pprof.h"

/*
 * Whether the output can be created, checked before the analysis so a
 * mistyped directory fails at once (a full disk still shows at the end).
 */
static bool writable(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") == 0)
		return true;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return false;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return access(path, W_OK) == 0;
	const char *slash = strrchr(path, '/');
	if (!slash)
		return access(".", W_OK | X_OK) == 0;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	char *dir = malloc(n + 1);
	if (!dir)
		return true; /* let the writer find out */
	memcpy(dir, path, n);
	dir[n] = '\0';
	bool ok = access(dir, W_OK | X_OK) == 0;
	int e = errno;
	free(dir);
	errno = e;
	return ok;
}

int cmd_pprof(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, OPT_OUTPUT, 2, 2);
	if (rc != CLI_CONTINUE)
		return rc;
	if (!a.output)
		return cli_usage("pprof", "no output file: give -o FILE (e.g. -o heap.pb.gz)");
	if (strcmp(a.output, "-") == 0 && isatty(STDOUT_FILENO))
		return cli_usage("pprof", "will not write a gzipped profile to a terminal; give -o FILE");
	if (a.json && strcmp(a.output, "-") == 0)
		return cli_usage("pprof", "--json needs -o FILE: the profile would share standard output");
	if (!writable(a.output)) {
		goheap_diag d = { 0 };
		d.offset = GOHEAP_NO_OFFSET;
		snprintf(d.msg, sizeof d.msg, "cannot write %s: %s", a.output, strerror(errno));
		return cli_fail(&a, a.output, GOHEAP_EIO, &d);
	}
	session s;
	if ((rc = session_open(&s, &a, a.pos[0], a.pos[1])))
		return rc;
	goheap_dominators *dom;
	if ((rc = session_dominators(&s, &a, a.pos[0], &dom))) {
		session_close(&s);
		return rc;
	}
	progress pr;
	progress_init(&pr, "writing profile", a.quiet);
	goheap_pprof_opts o = GOHEAP_PPROF_OPTS_INIT;
	o.progress = progress_update;
	o.progress_ctx = &pr;
	const char *slash = strrchr(a.pos[1], '/');
	o.binary_name = slash ? slash + 1 : a.pos[1];
	goheap_pprof_stats st;
	goheap_diag d;
	int status = goheap_pprof_write(a.output, s.dump, s.has_dwarf ? s.bin : NULL, s.bias, s.graph, s.typing, dom,
					&o, &st, &d);
	progress_done(&pr);
	goheap_dominators_free(dom);
	session_close(&s);
	if (status)
		return cli_fail(&a, a.output, status, &d);
	if (a.json) {
		json j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "output", a.output);
		json_u64(&j, "live_objects", st.objects);
		json_u64(&j, "live_bytes", st.bytes);
		json_u64(&j, "samples", st.samples);
		json_u64(&j, "functions", st.functions);
		json_u64(&j, "locations", st.locations);
		json_u64(&j, "max_depth", st.max_depth);
		json_u64(&j, "file_bytes", st.file_bytes);
		json_object_end(&j);
		json_finish(&j);
	} else if (!a.quiet && strcmp(a.output, "-") != 0) {
		char live[32];
		human_size(st.bytes, live, sizeof live);
		printf("wrote %s: %" PRIu64 " live objects (%s) on %" PRIu64 " stacks; view it with\n"
		       "  go tool pprof -http=: %s\n",
		       a.output, st.objects, live, st.samples, a.output);
	}
	return cli_finish(EXIT_OK);
}
