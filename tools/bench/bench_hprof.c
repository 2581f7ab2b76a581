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
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "goheap/analysis.h"
#include "goheap/hprof.h"
#include "goheap/typing.h"

static long page_size;
static int statm_fd = -1;
static atomic_long peak_anon;
static atomic_int stop_sampler;

static long statm_anon(void)
{
	char buf[256];
	ssize_t n = pread(statm_fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	long size, resident, shared;
	if (sscanf(buf, "%ld %ld %ld", &size, &resident, &shared) != 3)
		return -1;
	return (resident - shared) * page_size;
}

static void *sampler(void *arg)
{
	(void)arg;
	struct timespec ms = { 0, 1000000 };
	while (!atomic_load(&stop_sampler)) {
		long a = statm_anon(), p = atomic_load(&peak_anon);
		while (a > p && !atomic_compare_exchange_weak(&peak_anon, &p, a))
			;
		nanosleep(&ms, NULL);
	}
	return NULL;
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void fail(const char *what, const goheap_diag *d)
{
	fprintf(stderr, "bench_hprof: %s: %s\n", what, d->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_hprof DUMP BINARY OUT.hprof\n");
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	statm_fd = open("/proc/self/statm", O_RDONLY);
	if (statm_fd < 0) {
		perror("/proc/self/statm");
		return 1;
	}
	long base = statm_anon();
	atomic_store(&peak_anon, base);
	pthread_t th;
	if (pthread_create(&th, NULL, sampler, NULL) != 0)
		return 1;

	goheap_dump *dp;
	goheap_binary *bin;
	goheap_graph *g;
	goheap_typing *t;
	goheap_dominators *dom;
	goheap_diag d;
	int64_t bias = 0;
	double t0 = now();
	if (goheap_dump_open(&dp, argv[1], NULL, &d))
		fail("dump", &d);
	if (goheap_binary_open(&bin, argv[2], &d) || goheap_binary_match(bin, dp, &bias, &d) ||
	    goheap_binary_check_frames(bin, dp, bias, &d) || goheap_binary_load_dwarf(bin, &d))
		fail("binary", &d);
	if (goheap_graph_build(&g, dp, bin, bias, NULL, &d))
		fail("graph", &d);
	if (goheap_typing_run(&t, g, dp, bin, bias, &d))
		fail("typing", &d);
	double t1 = now();
	if (goheap_dominators_compute(&dom, g, dp, &d))
		fail("dominators", &d);
	double t2 = now();
	long peak_before_write = atomic_load(&peak_anon) - base;
	goheap_dominators_free(dom); /* the hprof command does not compute them */
	long anon_before = statm_anon() - base;
	atomic_store(&peak_anon, statm_anon());
	goheap_hprof_stats st;
	double t3 = now();
	if (goheap_hprof_write(argv[3], dp, bin, bias, g, t, NULL, &st, NULL, NULL, &d))
		fail("hprof", &d);
	double t4 = now();
	long peak_write = atomic_load(&peak_anon) - base;
	atomic_store(&stop_sampler, 1);
	pthread_join(th, NULL);
	long hwm_kb = status_kb("VmHWM");

	double mb = (double)st.file_bytes / 1e6;
	printf("objects_written %" PRIu64 "\n", st.objects);
	printf("classes %" PRIu64 "\n", st.classes);
	printf("gc_roots %" PRIu64 "\n", st.gc_roots);
	printf("hprof_bytes %" PRIu64 "\n", st.file_bytes);
	printf("analysis_seconds %.3f\n", t1 - t0);
	printf("dominators_retained_seconds %.3f\n", t2 - t1);
	printf("goheap_retained_total_seconds %.3f\n", t2 - t0);
	printf("hprof_write_seconds %.3f\n", t4 - t3);
	printf("hprof_write_mb_per_s %.1f\n", mb / (t4 - t3));
	printf("hprof_command_seconds %.3f\n", (t1 - t0) + (t4 - t3));
	printf("anon_before_write_bytes %ld\n", anon_before);
	printf("anon_peak_analysis_bytes %ld\n", peak_before_write);
	printf("anon_peak_write_bytes %ld\n", peak_write);
	printf("anon_write_extra_bytes %ld\n", peak_write - anon_before);
	printf("vmhwm_bytes %ld\n", hwm_kb * 1024);
	goheap_typing_free(t);
	goheap_graph_free(g);
	goheap_binary_free(bin);
	goheap_dump_free(dp);
	return 0;
}
