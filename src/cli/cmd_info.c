/*
 * cmd_info.c - goheap info: a summary of one dump (and its binary).
 *
 * The --json keys are a stable interface, documented in goheap(1); add
 * keys freely, never rename or remove one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/session.h"
#include "goheap/binary.h"

typedef struct info_summary {
	uint64_t obj_count, obj_bytes, tail_count, tail_bytes;
	uint64_t g_system, g_by_status[5];
	uint64_t fin_registered, fin_queued;
} info_summary;

static void summarise(const goheap_dump *dp, info_summary *s)
{
	memset(s, 0, sizeof *s);
	size_t n = goheap_dump_object_count(dp);
	s->obj_count = n;
	for (uint32_t i = 0; i < n; i++)
		s->obj_bytes += goheap_dump_object(dp, i).size;
	goheap_dump_span_tail_totals(dp, &s->tail_count, &s->tail_bytes);
	const goheap_goroutine *g = goheap_dump_goroutines(dp, &n);
	for (size_t i = 0; i < n; i++) {
		s->g_system += g[i].is_system;
		s->g_by_status[g[i].status < 5 ? g[i].status : 0]++;
	}
	const goheap_finalizer *f = goheap_dump_finalizers(dp, &n);
	for (size_t i = 0; i < n; i++) {
		if (f[i].queued)
			s->fin_queued++;
		else
			s->fin_registered++;
	}
}

static const char *const status_names[5] = { "other", "runnable", "running", "syscall", "waiting" };

/* Why allocated objects and memstats differ, in one phrase. */
static const char *explain(const info_summary *s, const goheap_memstats *ms)
{
	uint64_t alloc_count = s->obj_count - s->tail_count, alloc_bytes = s->obj_bytes - s->tail_bytes;
	if (!ms)
		return "the dump has no memstats record";
	if (alloc_count == ms->heap_objects && alloc_bytes == ms->heap_alloc)
		return s->tail_count ? "equal once span-tail slots are set aside" : "equal";
	return "not explained: objects were allocated or freed outside the stopped world, "
	       "or the dump is inconsistent";
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 100.0;
}

static void print_text(const char *path, const goheap_dump *dp, const info_summary *s,
		       const goheap_binary_info *bin, const char *bin_path, int64_t bias,
		       const goheap_typing_stats *ts, const goheap_graph *g)
{
	const goheap_params *pr = goheap_dump_params(dp);
	const goheap_memstats *ms = goheap_dump_memstats(dp);
	printf("dump:          %s (%" PRIu64 " bytes%s)\n", path, goheap_dump_size(dp),
	       goheap_dump_was_compressed(dp) ? " inflated from gzip" : "");
	printf("go version:    %.*s\n", (int)pr->go_version.len, pr->go_version.ptr);
	printf("goarch:        %.*s (%u-byte pointers, %s-endian), %" PRIu64 " CPUs\n",
	       (int)pr->goarch.len, pr->goarch.ptr, pr->ptr_size, pr->big_endian ? "big" : "little", pr->ncpu);
	printf("heap range:    0x%" PRIx64 " - 0x%" PRIx64 " (%" PRIu64 " MiB)\n", pr->heap_start, pr->heap_end,
	       (pr->heap_end - pr->heap_start) >> 20);
	if (bin)
		printf("binary:        %s (%s, %s%s%s), load bias %" PRId64 "\n", bin_path, bin->goarch,
		       bin->pie ? "PIE" : "not PIE", bin->has_dwarf ? ", DWARF" : ", no DWARF",
		       bin->has_symtab ? ", symbols" : ", no symbols", bias);
	printf("\nrecords             count          bytes\n");
	for (unsigned t = 0; t < GOHEAP_TAG_COUNT; t++) {
		goheap_record_stat st = goheap_dump_record_stat(dp, t);
		printf("  %-16s %8" PRIu64 " %14" PRIu64 "\n", goheap_tag_name(t), st.count, st.bytes);
	}
	printf("\nobjects:       %" PRIu64 " (%" PRIu64 " bytes), %" PRIu64 " pointer fields\n", s->obj_count,
	       s->obj_bytes, goheap_dump_object_pointers(dp));
	if (s->tail_count)
		printf("  span tails:  %" PRIu64 " (%" PRIu64 " bytes): unused slots at the end of small-object\n"
		       "               spans, dumped by Go 1.22+ but never allocated\n",
		       s->tail_count, s->tail_bytes);
	printf("  allocated:   %" PRIu64 " (%" PRIu64 " bytes)\n", s->obj_count - s->tail_count,
	       s->obj_bytes - s->tail_bytes);
	if (ms)
		printf("  memstats:    HeapObjects %" PRIu64 ", HeapAlloc %" PRIu64 " bytes: %s\n",
		       ms->heap_objects, ms->heap_alloc, explain(s, ms));
	size_t ng;
	goheap_dump_goroutines(dp, &ng);
	printf("goroutines:    %zu (%" PRIu64 " user, %" PRIu64 " system):", ng, ng - s->g_system, s->g_system);
	const char *sep = " ";
	for (int i = 1; i < 5; i++) {
		if (s->g_by_status[i]) {
			printf("%s%" PRIu64 " %s", sep, s->g_by_status[i], status_names[i]);
			sep = ", ";
		}
	}
	printf("\nfinalizers:    %" PRIu64 " registered, %" PRIu64 " queued\n", s->fin_registered, s->fin_queued);
	size_t n;
	goheap_dump_types(dp, &n);
	printf("types:         %zu", n);
	goheap_dump_itabs(dp, &n);
	printf(", itabs %zu", n);
	goheap_dump_memprofs(dp, &n);
	printf(", memprof buckets %zu", n);
	goheap_dump_allocsamples(dp, &n);
	printf(", alloc samples %zu\n", n);
	if (ms)
		printf("gc:            %" PRIu64 " cycles, HeapSys %" PRIu64 ", HeapInuse %" PRIu64 ", Sys %" PRIu64 "\n",
		       ms->num_gc, ms->heap_sys, ms->heap_inuse, ms->sys);
	if (g) {
		const goheap_graph_totals *t = goheap_graph_get_totals(g);
		printf("reachable:     %" PRIu64 " live objects (%" PRIu64 " bytes); %" PRIu64
		       " garbage not yet collected (%" PRIu64 " bytes)\n",
		       t->live_count, t->live_bytes, t->garbage_count, t->garbage_bytes);
	}
	if (ts)
		printf("typed:         %.2f%% of live objects, %.2f%% of live bytes have a Go type\n",
		       percent(ts->typed_count, ts->live_count), percent(ts->typed_bytes, ts->live_bytes));
}

static void print_json(const char *path, const goheap_dump *dp, const info_summary *s,
		       const goheap_binary_info *bin, const char *bin_path, int64_t bias,
		       const goheap_typing_stats *ts, const goheap_graph *g)
{
	const goheap_params *pr = goheap_dump_params(dp);
	const goheap_memstats *ms = goheap_dump_memstats(dp);
	unsigned major, minor;
	goheap_dump_go_version(dp, &major, &minor);
	json j;
	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_str(&j, "file", path);
	json_u64(&j, "file_bytes", goheap_dump_size(dp));
	json_bool(&j, "compressed", goheap_dump_was_compressed(dp));
	json_strn(&j, "go_version", pr->go_version.ptr, pr->go_version.len);
	json_u64(&j, "go_minor", minor);
	json_strn(&j, "goarch", pr->goarch.ptr, pr->goarch.len);
	json_u64(&j, "ptr_size", pr->ptr_size);
	json_bool(&j, "big_endian", pr->big_endian);
	json_u64(&j, "heap_start", pr->heap_start);
	json_u64(&j, "heap_end", pr->heap_end);
	json_u64(&j, "ncpu", pr->ncpu);

	json_object_begin(&j, "records");
	for (unsigned t = 0; t < GOHEAP_TAG_COUNT; t++) {
		goheap_record_stat st = goheap_dump_record_stat(dp, t);
		json_object_begin(&j, goheap_tag_name(t));
		json_u64(&j, "count", st.count);
		json_u64(&j, "bytes", st.bytes);
		json_object_end(&j);
	}
	json_object_end(&j);

	json_object_begin(&j, "objects");
	json_u64(&j, "count", s->obj_count);
	json_u64(&j, "bytes", s->obj_bytes);
	json_u64(&j, "pointers", goheap_dump_object_pointers(dp));
	json_u64(&j, "span_tail_count", s->tail_count);
	json_u64(&j, "span_tail_bytes", s->tail_bytes);
	json_u64(&j, "allocated_count", s->obj_count - s->tail_count);
	json_u64(&j, "allocated_bytes", s->obj_bytes - s->tail_bytes);
	json_str(&j, "memstats_agreement", explain(s, ms));
	json_object_end(&j);

	if (ms) {
		json_object_begin(&j, "memstats");
		json_u64(&j, "alloc", ms->alloc);
		json_u64(&j, "total_alloc", ms->total_alloc);
		json_u64(&j, "sys", ms->sys);
		json_u64(&j, "mallocs", ms->mallocs);
		json_u64(&j, "frees", ms->frees);
		json_u64(&j, "heap_alloc", ms->heap_alloc);
		json_u64(&j, "heap_sys", ms->heap_sys);
		json_u64(&j, "heap_idle", ms->heap_idle);
		json_u64(&j, "heap_inuse", ms->heap_inuse);
		json_u64(&j, "heap_released", ms->heap_released);
		json_u64(&j, "heap_objects", ms->heap_objects);
		json_u64(&j, "stack_inuse", ms->stack_inuse);
		json_u64(&j, "next_gc", ms->next_gc);
		json_u64(&j, "num_gc", ms->num_gc);
		json_object_end(&j);
	} else {
		json_null(&j, "memstats");
	}

	size_t ng;
	goheap_dump_goroutines(dp, &ng);
	json_object_begin(&j, "goroutines");
	json_u64(&j, "count", ng);
	json_u64(&j, "user", ng - s->g_system);
	json_u64(&j, "system", s->g_system);
	json_object_begin(&j, "by_status");
	for (int i = 1; i < 5; i++)
		json_u64(&j, status_names[i], s->g_by_status[i]);
	json_object_end(&j);
	json_object_end(&j);

	size_t n;
	goheap_dump_frames(dp, &n);
	json_u64(&j, "frames", n);
	json_object_begin(&j, "finalizers");
	json_u64(&j, "registered", s->fin_registered);
	json_u64(&j, "queued", s->fin_queued);
	json_object_end(&j);
	goheap_dump_types(dp, &n);
	json_u64(&j, "types", n);
	goheap_dump_itabs(dp, &n);
	json_u64(&j, "itabs", n);
	goheap_dump_osthreads(dp, &n);
	json_u64(&j, "osthreads", n);
	goheap_dump_memprofs(dp, &n);
	json_u64(&j, "memprof_buckets", n);
	goheap_dump_allocsamples(dp, &n);
	json_u64(&j, "alloc_samples", n);
	goheap_dump_defers(dp, &n);
	json_u64(&j, "defers", n);
	goheap_dump_panics(dp, &n);
	json_u64(&j, "panics", n);

	const goheap_segment *seg = goheap_dump_segments(dp, &n);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(&j, seg[i].is_bss ? "bss" : "data");
		json_u64(&j, "addr", seg[i].addr);
		json_u64(&j, "bytes", seg[i].len);
		json_u64(&j, "pointers", seg[i].nfields);
		json_object_end(&j);
	}
	if (bin) {
		json_object_begin(&j, "binary");
		json_str(&j, "file", bin_path);
		json_str(&j, "goarch", bin->goarch);
		json_bool(&j, "pie", bin->pie);
		json_bool(&j, "dwarf", bin->has_dwarf);
		json_bool(&j, "symtab", bin->has_symtab);
		json_i64(&j, "load_bias", bias);
		json_object_end(&j);
	}
	if (g) {
		const goheap_graph_totals *t = goheap_graph_get_totals(g);
		json_object_begin(&j, "reachability");
		json_u64(&j, "live_count", t->live_count);
		json_u64(&j, "live_bytes", t->live_bytes);
		json_u64(&j, "garbage_count", t->garbage_count);
		json_u64(&j, "garbage_bytes", t->garbage_bytes);
		json_u64(&j, "span_tail_count", t->tail_count);
		json_u64(&j, "roots", goheap_graph_node_count(g) - goheap_graph_object_count(g));
		json_u64(&j, "edges", goheap_graph_edge_count(g));
		json_object_end(&j);
	}
	if (ts) {
		json_object_begin(&j, "typing");
		json_u64(&j, "live_count", ts->live_count);
		json_u64(&j, "live_bytes", ts->live_bytes);
		json_u64(&j, "typed_count", ts->typed_count);
		json_u64(&j, "typed_bytes", ts->typed_bytes);
		json_double(&j, "typed_count_percent", percent(ts->typed_count, ts->live_count));
		json_double(&j, "typed_bytes_percent", percent(ts->typed_bytes, ts->live_bytes));
		json_u64(&j, "rejected", ts->rejected);
		json_object_end(&j);
	}
	json_object_end(&j);
	json_finish(&j);
}

int cmd_info(int argc, char **argv)
{
	cli_args a;
	int rc = cli_begin(argc, argv, &a, 0, 1, 2);
	if (rc != CLI_CONTINUE)
		return rc;
	/* With a binary, the whole session: graph and typing give coverage. */
	session ss;
	if (a.npos == 2)
		rc = session_open(&ss, &a, a.pos[0], a.pos[1]);
	else {
		memset(&ss, 0, sizeof ss);
		rc = cli_open_dump(&a, a.pos[0], &ss.dump);
	}
	if (rc)
		return rc;
	info_summary s;
	summarise(ss.dump, &s);
	const goheap_binary_info *bi = ss.bin ? goheap_binary_get_info(ss.bin) : NULL;
	const goheap_typing_stats *ts = ss.typing ? goheap_typing_get_stats(ss.typing) : NULL;
	if (a.json)
		print_json(a.pos[0], ss.dump, &s, bi, a.npos == 2 ? a.pos[1] : NULL, ss.bias, ts, ss.graph);
	else
		print_text(a.pos[0], ss.dump, &s, bi, a.npos == 2 ? a.pos[1] : NULL, ss.bias, ts, ss.graph);
	session_close(&ss);
	return cli_finish(EXIT_OK);
}
