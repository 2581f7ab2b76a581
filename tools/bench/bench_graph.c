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
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "goheap/analysis.h"
#include "goheap/typing.h"

/* ---- memory ------------------------------------------------------------------ */

static long page_size;

/* Anonymous resident bytes from /proc/self/statm: resident - shared. */
static long statm_anon(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	long size, resident, shared;
	if (sscanf(buf, "%ld %ld %ld", &size, &resident, &shared) != 3)
		return -1;
	return (resident - shared) * page_size;
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

static atomic_long peak_anon;   /* highest sample since the last reset */
static atomic_int stop_sampler;
static int statm_fd = -1;

static void *sampler(void *arg)
{
	(void)arg;
	struct timespec ms = { 0, 1000000 };
	while (!atomic_load(&stop_sampler)) {
		long a = statm_anon(statm_fd);
		long p = atomic_load(&peak_anon);
		while (a > p && !atomic_compare_exchange_weak(&peak_anon, &p, a))
			;
		nanosleep(&ms, NULL);
	}
	return NULL;
}

/* ---- phases ------------------------------------------------------------------ */

typedef struct phase {
	const char *name;
	double seconds;
	long anon_end, anon_peak; /* bytes above the baseline */
} phase;

static phase phases[8];
static int nphases;
static long base_anon;
static double t_start;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void begin(void)
{
	atomic_store(&peak_anon, statm_anon(statm_fd));
	t_start = now();
}

static void end(const char *name)
{
	double t = now();
	long a = statm_anon(statm_fd);
	long p = atomic_load(&peak_anon);
	phase *ph = &phases[nphases++];
	ph->name = name;
	ph->seconds = t - t_start;
	ph->anon_end = a - base_anon;
	ph->anon_peak = (p > a ? p : a) - base_anon;
}

static _Noreturn void fail(const char *what, const goheap_diag *d)
{
	fprintf(stderr, "bench_graph: %s: %s\n", what, d->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_graph DUMP BINARY\n");
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	statm_fd = open("/proc/self/statm", O_RDONLY);
	if (statm_fd < 0) {
		perror("bench_graph: /proc/self/statm");
		return 1;
	}
	struct stat sb;
	if (stat(argv[1], &sb) != 0) {
		perror(argv[1]);
		return 1;
	}
	pthread_t th;
	base_anon = statm_anon(statm_fd);
	atomic_store(&peak_anon, base_anon);
	if (pthread_create(&th, NULL, sampler, NULL) != 0) {
		fprintf(stderr, "bench_graph: no sampler thread\n");
		return 1;
	}

	goheap_dump *dp;
	goheap_binary *bin;
	goheap_graph *g;
	goheap_typing *t;
	goheap_dominators *dom;
	goheap_diag d;
	int64_t bias = 0;
	begin();
	if (goheap_dump_open(&dp, argv[1], NULL, &d))
		fail("dump", &d);
	end("dump_open");
	begin();
	if (goheap_binary_open(&bin, argv[2], &d) || goheap_binary_match(bin, dp, &bias, &d) ||
	    goheap_binary_check_frames(bin, dp, bias, &d) || goheap_binary_load_dwarf(bin, &d))
		fail("binary", &d);
	end("binary");
	begin();
	if (goheap_graph_build(&g, dp, bin, bias, NULL, &d))
		fail("graph", &d);
	end("graph");
	begin();
	if (goheap_typing_run(&t, g, dp, bin, bias, &d))
		fail("typing", &d);
	end("typing");
	begin();
	if (goheap_dominators_compute(&dom, g, dp, &d))
		fail("dominators", &d);
	end("dominators_retained");
	/* The whole run ends here; children lists are built on first use. */
	long hwm_kb = status_kb("VmHWM"), file_kb = status_kb("RssFile"), shmem_kb = status_kb("RssShmem");
	int run_phases = nphases;
	begin();
	size_t nkids;
	goheap_dominators_children(dom, goheap_dominators_super_root(dom), &nkids);
	end("children_on_first_use");

	atomic_store(&stop_sampler, 1);
	pthread_join(th, NULL);

	double n = (double)goheap_dump_object_count(dp), e = (double)goheap_graph_edge_count(g);
	double mb = (double)sb.st_size / 1e6;
	const goheap_typing_stats *st = goheap_typing_get_stats(t);
	printf("dump_bytes %lld\nobjects %.0f\nedges %.0f\nroots %u\n", (long long)sb.st_size, n, e,
	       goheap_graph_node_count(g) - goheap_graph_object_count(g));
	printf("reachable %u\nlive_bytes %" PRIu64 "\ntyped_bytes_percent %.2f\n",
	       goheap_dominators_reachable_count(dom),
	       goheap_dominators_retained(dom, goheap_dominators_super_root(dom)),
	       st->live_bytes ? 100.0 * (double)st->typed_bytes / (double)st->live_bytes : 100.0);
	printf("%-24s %8s %12s %9s %14s %14s\n", "phase", "seconds", "objects/s", "MB/s", "anon_end", "anon_peak");
	double total_s = 0;
	long run_peak = 0;
	for (int i = 0; i < nphases; i++) {
		phase *p = &phases[i];
		printf("%-24s %8.3f %12.0f %9.1f %14ld %14ld\n", p->name, p->seconds, n / p->seconds, mb / p->seconds,
		       p->anon_end, p->anon_peak);
		if (i < run_phases) {
			total_s += p->seconds;
			if (p->anon_peak > run_peak)
				run_peak = p->anon_peak;
		}
	}
	const phase *dp_ph = &phases[run_phases - 1];
	double budget = 32 * n + 8 * e;
	printf("run_seconds %.3f\n", total_s);
	printf("dominators_retained_seconds %.3f\n", dp_ph->seconds);
	printf("peak_anon_bytes %ld\n", run_peak);
	printf("peak_anon_bytes_per_object %.1f\n", (double)run_peak / n);
	printf("vmhwm_bytes %ld\n", hwm_kb * 1024);
	printf("vmhwm_minus_file_bytes %ld\n", (hwm_kb - file_kb - shmem_kb) * 1024 - base_anon);
	printf("budget_bytes %.0f\n", budget);
	printf("budget_percent %.1f\n", 100.0 * (double)run_peak / budget);
	printf("budget_met %s\n", (double)run_peak <= budget ? "yes" : "no");
	goheap_dominators_free(dom);
	goheap_typing_free(t);
	goheap_graph_free(g);
	goheap_binary_free(bin);
	goheap_dump_free(dp);
	close(statm_fd);
	return 0;
}
