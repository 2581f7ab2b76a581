/*
 * cmd_hprof.c - goheap hprof: the typed object graph as a Java heap dump
 * (formats/hprof) for Eclipse MAT, VisualVM and other hprof readers.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/json.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "goheap/hprof.h"

/* The per-class rows, kept for --json until the file is written. */
typedef struct rows_out {
	goheap_hprof_class_row *v;
	size_t n, alloc;
	bool oom;
} rows_out;

static void keep_row(void *ctx, const goheap_hprof_class_row *r)
{
	rows_out *ro = ctx;
	if (ro->n == ro->alloc) {
		size_t na = ro->alloc ? 2 * ro->alloc : 64;
		goheap_hprof_class_row *v = realloc(ro->v, na * sizeof *v);
		if (!v) {
			ro->oom = true;
			return;
		}
		ro->v = v;
		ro->alloc = na;
	}
	goheap_hprof_class_row c = *r;
	c.class_name = strdup(r->class_name);
	c.go_type = strdup(r->go_type);
	if (!c.class_name || !c.go_type) {
		free((void *)(uintptr_t)c.class_name);
		free((void *)(uintptr_t)c.go_type);
		ro->oom = true;
		return;
	}
	ro->v[ro->n++] = c;
}

static void rows_free(rows_out *ro)
{
	for (size_t k = 0; k < ro->n; k++) {
		free((void *)(uintptr_t)ro->v[k].class_name);
		free((void *)(uintptr_t)ro->v[k].go_type);
	}
	free(ro->v);
}

/*
 * Whether path can be created: its directory must be writable (checked
 * before the analysis, which can take a while on a big dump). Devices and
 * "-" are written in place and checked when opened.
 */
static int check_writable(const cli_args *a, const char *path)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
		return EXIT_OK;
	size_t n = strlen(path);
	char *dir = malloc(n + 2);
	if (!dir)
		return EXIT_IO;
	memcpy(dir, path, n + 1);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int rc = EXIT_OK;
	if (access(dir, W_OK) != 0) {
		goheap_diag d = { 0 };
		d.offset = GOHEAP_NO_OFFSET;
		snprintf(d.msg, sizeof d.msg, "cannot write %s: %s", path, strerror(errno));
		rc = cli_fail(a, path, GOHEAP_EIO, &d);
	}
	free(dir);
	return rc;
}

int cmd_hprof(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, OPT_OUTPUT | OPT_KEEP_UNREACHABLE, 1, 2);
	if (rc != CLI_CONTINUE)
		return rc;
	if (!a.output)
		return cli_usage(argv[0], "no output file: give -o FILE");
	if (a.json && strcmp(a.output, "-") == 0)
		return cli_usage(argv[0], "--json prints on standard output: write the hprof to a file");
	if ((rc = check_writable(&a, a.output)))
		return rc;
	session s;
	rc = session_open(&s, &a, a.pos[0], a.npos > 1 ? a.pos[1] : NULL);
	if (rc)
		return rc;
	progress pr;
	progress_init(&pr, "writing hprof", a.quiet);
	goheap_hprof_opts opts = GOHEAP_HPROF_OPTS_INIT;
	opts.keep_unreachable = a.keep_unreachable;
	opts.progress = progress_update;
	opts.progress_ctx = &pr;
	goheap_hprof_stats st;
	goheap_diag d;
	rows_out ro = { 0 };
	int status = goheap_hprof_write(a.output, s.dump, s.has_dwarf ? s.bin : NULL, s.bias, s.graph, s.typing,
					&opts, &st, a.json ? keep_row : NULL, &ro, &d);
	progress_done(&pr);
	session_close(&s);
	if (status) {
		rows_free(&ro);
		return cli_fail(&a, a.output, status, &d);
	}
	if (ro.oom) {
		rows_free(&ro);
		fprintf(stderr, "goheap: error: out of memory\n");
		return EXIT_IO;
	}
	if (a.json) {
		json j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "file", a.output);
		json_u64(&j, "file_bytes", st.file_bytes);
		json_u64(&j, "classes", st.classes);
		json_u64(&j, "objects", st.objects);
		json_u64(&j, "object_bytes", st.object_bytes);
		json_u64(&j, "unreachable", st.unreachable);
		json_u64(&j, "threads", st.threads);
		json_u64(&j, "frames", st.frames);
		json_u64(&j, "gc_roots", st.gc_roots);
		json_u64(&j, "arrays_as_instances", st.arrays_as_instances);
		json_u64(&j, "as_words", st.as_words);
		json_u64(&j, "truncated", st.truncated);
		json_u64(&j, "inexact", st.inexact);
		json_array_begin(&j, "types");
		for (size_t k = 0; k < ro.n; k++) {
			json_object_begin(&j, NULL);
			json_str(&j, "class", ro.v[k].class_name);
			json_str(&j, "go_type", ro.v[k].go_type);
			json_u64(&j, "instances", ro.v[k].instances);
			json_u64(&j, "bytes", ro.v[k].bytes);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
		rows_free(&ro);
		return cli_finish(EXIT_OK);
	}
	FILE *o = strcmp(a.output, "-") == 0 ? stderr : stdout;
	fprintf(o, "wrote %s: %" PRIu64 " bytes, %" PRIu64 " classes, %" PRIu64 " objects (%" PRIu64
		   " bytes), %" PRIu64 " goroutines, %" PRIu64 " GC roots\n",
		a.output, st.file_bytes, st.classes, st.objects, st.object_bytes, st.threads, st.gc_roots);
	if (st.unreachable)
		fprintf(o, "  %" PRIu64 " objects no root reaches are included, unrooted\n", st.unreachable);
	if (st.truncated || st.inexact)
		fprintf(o, "  %" PRIu64 " arrays cut short, %" PRIu64 " sized differently from Go in VisualVM\n",
			st.truncated, st.inexact);
	return cli_finish(EXIT_OK);
}
