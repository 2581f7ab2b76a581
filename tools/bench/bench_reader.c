/*
 * bench_reader - measure the dump reader: wall time of goheap_dump_open()
 * on a page-cached dump (best of N runs), throughput in MB/s and objects/s,
 * and the anonymous memory the reader keeps per object (RssAnon after open
 * minus before: the mapped file itself is not counted), plus the process's
 * peak RSS (VmHWM, which does count mapped file pages).
 *
 * usage: bench_reader DUMP [RUNS]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"
#include "goheap/dump.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_reader DUMP [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	double best = 1e30;
	long anon_delta_kb = 0;
	uint64_t bytes = 0, objects = 0;
	for (int r = 0; r < runs; r++) {
		long before = bench_status_kb("RssAnon");
		goheap_dump *dp;
		goheap_diag d;
		double t0 = bench_now();
		if (goheap_dump_open(&dp, argv[1], NULL, &d)) {
			fprintf(stderr, "bench_reader: %s\n", d.msg);
			return 1;
		}
		double t = bench_now() - t0;
		long after = bench_status_kb("RssAnon");
		if (t < best)
			best = t;
		if (after - before > anon_delta_kb)
			anon_delta_kb = after - before;
		objects = goheap_dump_object_count(dp);
		bytes = goheap_dump_size(dp);
		goheap_dump_free(dp);
	}
	printf("dump_bytes %" PRIu64 "\nobjects %" PRIu64 "\nruns %d\nbest_seconds %.4f\n"
	       "mb_per_s %.0f\nobjects_per_s %.0f\nanon_rss_bytes %ld\nbytes_per_object %.1f\n"
	       "peak_rss_bytes_incl_mapped_file %ld\n",
	       bytes, objects, runs, best, (double)bytes / 1e6 / best, (double)objects / best,
	       anon_delta_kb * 1024, (double)anon_delta_kb * 1024.0 / (double)objects,
	       bench_status_kb("VmHWM") * 1024);
	return 0;
}
