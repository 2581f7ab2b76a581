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
#include "goheap/pprof.h"
#include "goheap/typing.h"

static long page_size;
static int statm_fd = -1;
static atomic_long peak_anon;
static atomic_int stop_sampler;

/* Anonymous resident bytes: resident minus shared (file-backed) pages. */
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

/* CPU time of the calling thread: what the writer costs, whatever else the machine runs. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void fail(const char *what, const goheap_diag *d)
{
	fprintf(stderr, "bench_pprof: %s: %s\n", what, d->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_pprof DUMP BINARY OUT.pb.gz\n");
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
	double t0 = now(), c0 = cpu_now();
	if (goheap_dump_open(&dp, argv[1], NULL, &d))
		fail("dump", &d);
	if (goheap_binary_open(&bin, argv[2], &d) || goheap_binary_match(bin, dp, &bias, &d) ||
	    goheap_binary_check_frames(bin, dp, bias, &d) || goheap_binary_load_dwarf(bin, &d))
		fail("binary", &d);
	if (goheap_graph_build(&g, dp, bin, bias, NULL, &d))
		fail("graph", &d);
	if (goheap_typing_run(&t, g, dp, bin, bias, &d))
		fail("typing", &d);
	if (goheap_dominators_compute(&dom, g, dp, &d))
		fail("dominators", &d);
	double t1 = now(), c1 = cpu_now();
	long peak_analysis = atomic_load(&peak_anon) - base;
	long anon_before = statm_anon() - base;
	atomic_store(&peak_anon, statm_anon());
	goheap_pprof_stats st;
	goheap_pprof_opts opts = GOHEAP_PPROF_OPTS_INIT;
	opts.binary_name = "bigheap";
	double t2 = now(), c2 = cpu_now();
	if (goheap_pprof_write(argv[3], dp, bin, bias, g, t, dom, &opts, &st, &d))
		fail("pprof", &d);
	double t3 = now(), c3 = cpu_now();
	long peak_write = atomic_load(&peak_anon) - base;
	atomic_store(&stop_sampler, 1);
	pthread_join(th, NULL);
	long hwm_kb = status_kb("VmHWM");

	double s = t3 - t2;
	printf("live_objects %" PRIu64 "\n", st.objects);
	printf("live_bytes %" PRIu64 "\n", st.bytes);
	printf("samples %" PRIu64 "\n", st.samples);
	printf("functions %" PRIu64 "\n", st.functions);
	printf("locations %" PRIu64 "\n", st.locations);
	printf("max_depth %" PRIu64 "\n", st.max_depth);
	printf("proto_bytes %" PRIu64 "\n", st.proto_bytes);
	printf("file_bytes %" PRIu64 "\n", st.file_bytes);
	printf("analysis_seconds %.3f\n", t1 - t0);
	printf("analysis_cpu_seconds %.3f\n", c1 - c0);
	printf("pprof_write_seconds %.3f\n", s);
	printf("pprof_write_cpu_seconds %.3f\n", c3 - c2);
	printf("pprof_write_objects_per_s %.0f\n", (double)st.objects / s);
	printf("pprof_write_objects_per_cpu_s %.0f\n", (double)st.objects / (c3 - c2));
	printf("pprof_write_proto_mb_per_s %.3f\n", (double)st.proto_bytes / 1e6 / s);
	printf("pprof_write_file_mb_per_s %.3f\n", (double)st.file_bytes / 1e6 / s);
	printf("pprof_command_seconds %.3f\n", t3 - t0);
	printf("anon_before_write_bytes %ld\n", anon_before);
	printf("anon_peak_analysis_bytes %ld\n", peak_analysis);
	printf("anon_peak_write_bytes %ld\n", peak_write);
	printf("anon_write_extra_bytes %ld\n", peak_write - anon_before);
	printf("vmhwm_bytes %ld\n", hwm_kb * 1024);
	goheap_dominators_free(dom);
	goheap_typing_free(t);
	goheap_graph_free(g);
	goheap_binary_free(bin);
	goheap_dump_free(dp);
	return 0;
}
