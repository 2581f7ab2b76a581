/*
 * bench_pprof - measure goheap pprof on a dump: the analysis the command
 * needs (dump, binary, graph, typing, dominators + retained sizes), then
 * the profile writer alone (the walk down the dominator tree, the stacks,
 * the gzipped file committed): wall and CPU seconds, objects/s, MB/s of
 * protobuf and of file written, the anonymous memory it adds (RssAnon
 * sampled every millisecond: the mapped dump is not counted) and the
 * process's peak resident memory (VmHWM, which counts the mapped dump).
 *
 * usage: bench_pprof DUMP BINARY OUT.pb.gz
 * Prints "key value" lines.
 */
#include <inttypes.h>
#include <stdio.h>

#include "benchutil.h"
#include "goheap/pprof.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_pprof DUMP BINARY OUT.pb.gz\n");
		return 2;
	}
	if (bench_start("bench_pprof"))
		return 1;

	bench_analysis a;
	bench_analysis_run(&a, argv[1], argv[2]);
	long peak_analysis = bench_phases_peak(0, BENCH_ANALYSIS_PHASES);
	goheap_pprof_stats st;
	goheap_pprof_opts opts = GOHEAP_PPROF_OPTS_INIT;
	opts.binary_name = "bigheap";
	goheap_diag d;
	bench_begin();
	if (goheap_pprof_write(argv[3], a.dp, a.bin, a.bias, a.g, a.t, a.dom, &opts, &st, &d))
		bench_fail("pprof", &d);
	const bench_phase *w = bench_end("pprof_write");
	bench_stop();

	int nphases;
	const bench_phase *ph = bench_phases(&nphases);
	const bench_phase *first = &ph[BENCH_PH_DUMP], *last = &ph[BENCH_PH_DOMINATORS];
	double s = w->seconds, cpu = w->cpu_end - w->cpu_start;
	printf("live_objects %" PRIu64 "\n", st.objects);
	printf("live_bytes %" PRIu64 "\n", st.bytes);
	printf("samples %" PRIu64 "\n", st.samples);
	printf("functions %" PRIu64 "\n", st.functions);
	printf("locations %" PRIu64 "\n", st.locations);
	printf("max_depth %" PRIu64 "\n", st.max_depth);
	printf("proto_bytes %" PRIu64 "\n", st.proto_bytes);
	printf("file_bytes %" PRIu64 "\n", st.file_bytes);
	printf("analysis_seconds %.3f\n", last->end - first->start);
	printf("analysis_cpu_seconds %.3f\n", last->cpu_end - first->cpu_start);
	printf("pprof_write_seconds %.3f\n", s);
	printf("pprof_write_cpu_seconds %.3f\n", cpu);
	printf("pprof_write_objects_per_s %.0f\n", (double)st.objects / s);
	printf("pprof_write_objects_per_cpu_s %.0f\n", (double)st.objects / cpu);
	printf("pprof_write_proto_mb_per_s %.3f\n", (double)st.proto_bytes / 1e6 / s);
	printf("pprof_write_file_mb_per_s %.3f\n", (double)st.file_bytes / 1e6 / s);
	printf("pprof_command_seconds %.3f\n", w->end - first->start);
	bench_print_writer_memory(peak_analysis, w);
	bench_analysis_free(&a);
	return 0;
}
