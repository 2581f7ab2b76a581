/*
 * cmd_check.c - goheap check: decode and cross-check a whole dump. One
 * summary line and exit 0, or the first problem and exit 1.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/json.h"

int cmd_check(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, 0, 1, 1);
	if (rc != CLI_CONTINUE)
		return rc;
	const char *path = a.pos[0];
	goheap_dump *dp;
	rc = cli_open_dump(&a, path, &dp);
	if (rc)
		return rc;
	goheap_diag d;
	int st = goheap_dump_verify(dp, &d);
	if (st) {
		goheap_dump_free(dp);
		return cli_fail(&a, path, st, &d);
	}
	uint64_t records = 0;
	for (unsigned t = 0; t < GOHEAP_TAG_COUNT; t++)
		records += goheap_dump_record_stat(dp, t).count;
	const goheap_params *pr = goheap_dump_params(dp);
	size_t nobj = goheap_dump_object_count(dp), ng;
	goheap_dump_goroutines(dp, &ng);
	if (a.json) {
		json j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_bool(&j, "ok", true);
		json_str(&j, "file", path);
		json_strn(&j, "go_version", pr->go_version.ptr, pr->go_version.len);
		json_strn(&j, "goarch", pr->goarch.ptr, pr->goarch.len);
		json_u64(&j, "bytes", goheap_dump_size(dp));
		json_u64(&j, "records", records);
		json_u64(&j, "objects", nobj);
		json_u64(&j, "goroutines", ng);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("ok: %s: %.*s %.*s, %" PRIu64 " bytes, %" PRIu64 " records, %zu objects, %zu goroutines\n",
		       path, (int)pr->go_version.len, pr->go_version.ptr, (int)pr->goarch.len, pr->goarch.ptr,
		       goheap_dump_size(dp), records, nobj, ng);
	}
	goheap_dump_free(dp);
	return cli_finish(EXIT_OK);
}
