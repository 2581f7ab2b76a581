/*
 * bench_graph - measure the whole analysis as the CLI runs it: dump open,
 * binary (ELF, match, frame check, DWARF), graph, typing, dominators with
 * retained sizes; then, apart, the dominator children lists the tree and
 * leaks reports build on first use.
 *
 * For each phase: wall seconds, objects/s and dump MB/s, the anonymous
 * memory (RssAnon: the mapped dump file is not counted) when it ends and
 * the highest it reached during it. The peak is sampled: a thread reads
 * /proc/self/statm (resident minus file-backed and shared pages) every
 * millisecond; every array of the analysis lives far longer than that.
 * As a cross-check, the kernel's own high-water mark VmHWM (which counts the
 * mapped dump too) minus the file-backed pages at the end is printed.
 *
 * The budget is 32 bytes an object + 8 an edge for everything the run
 * keeps or peaks at, dump index included.
 *
 * usage: bench_graph DUMP BINARY
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "benchutil.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_graph DUMP BINARY\n");
		return 2;
	}
	struct stat sb;
	if (stat(argv[1], &sb) != 0) {
		perror(argv[1]);
		return 1;
	}
	if (bench_start("bench_graph"))
		return 1;

	bench_analysis a;
	bench_analysis_run(&a, argv[1], argv[2]);
	/* The whole run ends here; children lists are built on first use. */
	long hwm_kb = bench_status_kb("VmHWM"), file_kb = bench_status_kb("RssFile"),
	     shmem_kb = bench_status_kb("RssShmem");
	bench_begin();
	size_t nkids;
	goheap_dominators_children(a.dom, goheap_dominators_super_root(a.dom), &nkids);
	bench_end("children_on_first_use");
	bench_stop();

	double n = (double)goheap_dump_object_count(a.dp), e = (double)goheap_graph_edge_count(a.g);
	double mb = (double)sb.st_size / 1e6;
	const goheap_typing_stats *st = goheap_typing_get_stats(a.t);
	printf("dump_bytes %lld\nobjects %.0f\nedges %.0f\nroots %u\n", (long long)sb.st_size, n, e,
	       goheap_graph_node_count(a.g) - goheap_graph_object_count(a.g));
	printf("reachable %u\nlive_bytes %" PRIu64 "\ntyped_bytes_percent %.2f\n",
	       goheap_dominators_reachable_count(a.dom),
	       goheap_dominators_retained(a.dom, goheap_dominators_super_root(a.dom)),
	       st->live_bytes ? 100.0 * (double)st->typed_bytes / (double)st->live_bytes : 100.0);
	printf("%-24s %8s %12s %9s %14s %14s\n", "phase", "seconds", "objects/s", "MB/s", "anon_end", "anon_peak");
	int nphases;
	const bench_phase *phases = bench_phases(&nphases);
	double total_s = 0;
	for (int i = 0; i < nphases; i++) {
		const bench_phase *p = &phases[i];
		printf("%-24s %8.3f %12.0f %9.1f %14ld %14ld\n", p->name, p->seconds, n / p->seconds, mb / p->seconds,
		       p->anon_end, p->anon_peak);
		if (i < BENCH_ANALYSIS_PHASES)
			total_s += p->seconds;
	}
	long run_peak = bench_phases_peak(0, BENCH_ANALYSIS_PHASES);
	double budget = 32 * n + 8 * e;
	printf("run_seconds %.3f\n", total_s);
	printf("dominators_retained_seconds %.3f\n", phases[BENCH_PH_DOMINATORS].seconds);
	printf("peak_anon_bytes %ld\n", run_peak);
	printf("peak_anon_bytes_per_object %.1f\n", (double)run_peak / n);
	printf("vmhwm_bytes %ld\n", hwm_kb * 1024);
	printf("vmhwm_minus_file_bytes %ld\n", (hwm_kb - file_kb - shmem_kb) * 1024 - bench_base_anon());
	printf("budget_bytes %.0f\n", budget);
	printf("budget_percent %.1f\n", 100.0 * (double)run_peak / budget);
	printf("budget_met %s\n", (double)run_peak <= budget ? "yes" : "no");
	bench_analysis_free(&a);
	return 0;
}
