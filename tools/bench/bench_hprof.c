/*
 * bench_hprof - measure goheap hprof on a dump: goheap's own analysis as
 * the CLI runs it (dump, binary, graph, typing, then dominators + retained
 * sizes, what a retained-size view needs), then the hprof writer alone
 * (both passes, file committed), in MB/s written, with the peak resident
 * memory of the process (VmHWM, which counts the mapped dump) and of its
 * anonymous memory (sampled every millisecond).
 *
 * usage: bench_hprof DUMP BINARY OUT.hprof
 * Prints "key value" lines; run.sh then times the VisualVM heap library on
 * OUT.hprof and prints the ratio.
 */
#include <inttypes.h>
#include <stdio.h>

#include "benchutil.h"
#include "goheap/hprof.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_hprof DUMP BINARY OUT.hprof\n");
		return 2;
	}
	if (bench_start("bench_hprof"))
		return 1;

	bench_analysis a;
	bench_analysis_run(&a, argv[1], argv[2]);
	long peak_analysis = bench_phases_peak(0, BENCH_ANALYSIS_PHASES);
	goheap_dominators_free(a.dom); /* the hprof command does not compute them */
	a.dom = NULL;
	goheap_hprof_stats st;
	goheap_diag d;
	bench_begin();
	if (goheap_hprof_write(argv[3], a.dp, a.bin, a.bias, a.g, a.t, NULL, &st, NULL, NULL, &d))
		bench_fail("hprof", &d);
	const bench_phase *w = bench_end("hprof_write");
	bench_stop();

	int nphases;
	const bench_phase *ph = bench_phases(&nphases);
	double analysis_s = ph[BENCH_PH_TYPING].end - ph[BENCH_PH_DUMP].start;
	double mb = (double)st.file_bytes / 1e6;
	printf("objects_written %" PRIu64 "\n", st.objects);
	printf("classes %" PRIu64 "\n", st.classes);
	printf("gc_roots %" PRIu64 "\n", st.gc_roots);
	printf("hprof_bytes %" PRIu64 "\n", st.file_bytes);
	printf("analysis_seconds %.3f\n", analysis_s);
	printf("dominators_retained_seconds %.3f\n", ph[BENCH_PH_DOMINATORS].seconds);
	printf("goheap_retained_total_seconds %.3f\n", ph[BENCH_PH_DOMINATORS].end - ph[BENCH_PH_DUMP].start);
	printf("hprof_write_seconds %.3f\n", w->seconds);
	printf("hprof_write_mb_per_s %.1f\n", mb / w->seconds);
	printf("hprof_command_seconds %.3f\n", analysis_s + w->seconds);
	bench_print_writer_memory(peak_analysis, w);
	bench_analysis_free(&a);
	return 0;
}
