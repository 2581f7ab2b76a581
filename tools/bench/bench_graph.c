/*
 * bench_graph - measure graph building, typing and dominators: wall time
 * of each phase (dump open, binary + DWARF, graph, typing, dominators +
 * retained sizes), objects/s, and the anonymous memory (RssAnon, so the
 * mapped dump is not counted) after each phase, per object and per edge.
 * The dominators' peak is from VmHWM (total RSS high-water mark, reset
 * through /proc/self/clear_refs where the kernel allows it).
 *
 * usage: bench_graph DUMP BINARY
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "goheap/analysis.h"
#include "goheap/typing.h"

static long rss_anon_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "RssAnon:", 8) == 0)
			v = strtol(line + 8, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0)
			v = strtol(line + n, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* Reset VmHWM to the current RSS (Linux >= 4.0); false if not allowed. */
static int reset_hwm(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (!f)
		return 0;
	int ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_graph DUMP BINARY\n");
		return 2;
	}
	goheap_dump *dp;
	goheap_binary *bin;
	goheap_graph *g;
	goheap_typing *t;
	goheap_diag d;
	int64_t bias;
	long base = rss_anon_kb();
	double t0 = now();
	if (goheap_dump_open(&dp, argv[1], NULL, &d)) {
		fprintf(stderr, "bench_graph: %s\n", d.msg);
		return 1;
	}
	double t1 = now();
	long rss_dump = rss_anon_kb();
	if (goheap_binary_open(&bin, argv[2], &d) || goheap_binary_match(bin, dp, &bias, &d) ||
	    goheap_binary_load_dwarf(bin, &d)) {
		fprintf(stderr, "bench_graph: %s\n", d.msg);
		return 1;
	}
	double t2 = now();
	long rss_bin = rss_anon_kb();
	if (goheap_graph_build(&g, dp, bin, bias, NULL, &d)) {
		fprintf(stderr, "bench_graph: %s\n", d.msg);
		return 1;
	}
	double t3 = now();
	long rss_graph = rss_anon_kb();
	if (goheap_typing_run(&t, g, dp, bin, bias, &d)) {
		fprintf(stderr, "bench_graph: %s\n", d.msg);
		return 1;
	}
	double t4 = now();
	long rss_typing = rss_anon_kb();
	int hwm_reset = reset_hwm();
	long rss_before_dom = status_kb("VmRSS:");
	goheap_dominators *dom;
	if (goheap_dominators_compute(&dom, g, dp, &d)) {
		fprintf(stderr, "bench_graph: %s\n", d.msg);
		return 1;
	}
	double t5 = now();
	long rss_dom = rss_anon_kb();
	long hwm_dom = status_kb("VmHWM:");
	double n = (double)goheap_dump_object_count(dp), e = (double)goheap_graph_edge_count(g);
	const goheap_typing_stats *st = goheap_typing_get_stats(t);
	printf("objects %.0f\nedges %.0f\nroots %u\n", n, e, goheap_graph_node_count(g) - goheap_graph_object_count(g));
	printf("dump_open_seconds %.3f\nbinary_dwarf_seconds %.3f\n", t1 - t0, t2 - t1);
	printf("graph_seconds %.3f\ngraph_objects_per_s %.0f\n", t3 - t2, n / (t3 - t2));
	printf("typing_seconds %.3f\ntyping_objects_per_s %.0f\n", t4 - t3, n / (t4 - t3));
	printf("typed_bytes_percent %.2f\n", st->live_bytes ? 100.0 * (double)st->typed_bytes / (double)st->live_bytes : 100.0);
	printf("rss_anon_after_dump_bytes %ld\nrss_anon_after_binary_bytes %ld\n", (rss_dump - base) * 1024,
	       (rss_bin - base) * 1024);
	printf("rss_anon_after_graph_bytes %ld\nrss_anon_after_typing_bytes %ld\n", (rss_graph - base) * 1024,
	       (rss_typing - base) * 1024);
	printf("dominators_seconds %.3f\ndominators_objects_per_s %.0f\n", t5 - t4, n / (t5 - t4));
	printf("dominators_reachable %u\ndominators_retained_super_root %llu\n",
	       goheap_dominators_reachable_count(dom),
	       (unsigned long long)goheap_dominators_retained(dom, goheap_dominators_super_root(dom)));
	printf("rss_anon_after_dominators_bytes %ld\ndominators_kept_bytes_per_node %.1f\n", (rss_dom - base) * 1024,
	       (double)(rss_dom - rss_typing) * 1024 / (double)(goheap_graph_node_count(g) + 1));
	if (hwm_reset)
		printf("dominators_peak_bytes_per_node %.1f\n",
		       (double)(hwm_dom - rss_before_dom) * 1024 / (double)(goheap_graph_node_count(g) + 1));
	double total = (double)(rss_typing - base) * 1024;
	printf("bytes_per_object_total %.1f\nbudget_32_per_object_plus_8_per_edge %.0f\n", total / n, 32 * n + 8 * e);
	goheap_dominators_free(dom);
	goheap_typing_free(t);
	goheap_graph_free(g);
	goheap_binary_free(bin);
	goheap_dump_free(dp);
	return 0;
}
