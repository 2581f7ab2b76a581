/*
 * benchutil.c - clocks, /proc memory, the sampler thread, phases and the
 * analysis pipeline shared by the benchmarks (contract in benchutil.h).
 */
#include "benchutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- clocks and /proc/self/status ------------------------------------------- */

static double clock_seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

double bench_cpu_now(void)
{
	return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

long bench_status_kb(const char *key)
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

/* ---- anonymous memory: statm and the sampler ---------------------------------- */

static const char *prog = "bench";
static long page_size;
static int statm_fd = -1;
static long base_anon;
static atomic_long peak_anon; /* highest sample since the last bench_begin() */
static atomic_int stop_sampler;
static pthread_t sampler_thread;

long bench_anon(void)
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
		long a = bench_anon(), p = atomic_load(&peak_anon);
		while (a > p && !atomic_compare_exchange_weak(&peak_anon, &p, a))
			;
		nanosleep(&ms, NULL);
	}
	return NULL;
}

int bench_start(const char *name)
{
	prog = name;
	page_size = sysconf(_SC_PAGESIZE);
	statm_fd = open("/proc/self/statm", O_RDONLY);
	if (statm_fd < 0) {
		fprintf(stderr, "%s: /proc/self/statm: %s\n", prog, strerror(errno));
		return 1;
	}
	base_anon = bench_anon();
	atomic_store(&peak_anon, base_anon);
	atomic_store(&stop_sampler, 0);
	if (pthread_create(&sampler_thread, NULL, sampler, NULL) != 0) {
		fprintf(stderr, "%s: no sampler thread\n", prog);
		close(statm_fd);
		statm_fd = -1;
		return 1;
	}
	return 0;
}

void bench_stop(void)
{
	atomic_store(&stop_sampler, 1);
	pthread_join(sampler_thread, NULL);
	close(statm_fd);
	statm_fd = -1;
}

long bench_base_anon(void)
{
	return base_anon;
}

/* ---- phases ------------------------------------------------------------------ */

static bench_phase phases[BENCH_MAX_PHASES];
static int nphases;
static double t_start, cpu_start;
static long anon_start;

void bench_begin(void)
{
	anon_start = bench_anon();
	atomic_store(&peak_anon, anon_start);
	cpu_start = bench_cpu_now();
	t_start = bench_now();
}

const bench_phase *bench_end(const char *name)
{
	double t = bench_now(), c = bench_cpu_now();
	long a = bench_anon();
	long p = atomic_load(&peak_anon);
	if (nphases == BENCH_MAX_PHASES) {
		fprintf(stderr, "%s: more than %d phases\n", prog, BENCH_MAX_PHASES);
		exit(1);
	}
	bench_phase *ph = &phases[nphases++];
	ph->name = name;
	ph->start = t_start;
	ph->end = t;
	ph->cpu_start = cpu_start;
	ph->cpu_end = c;
	ph->seconds = t - t_start;
	ph->anon_start = anon_start - base_anon;
	ph->anon_end = a - base_anon;
	ph->anon_peak = (p > a ? p : a) - base_anon;
	return ph;
}

const bench_phase *bench_phases(int *n)
{
	*n = nphases;
	return phases;
}

long bench_phases_peak(int first, int n)
{
	long peak = 0;
	for (int i = first; i < first + n && i < nphases; i++)
		if (phases[i].anon_peak > peak)
			peak = phases[i].anon_peak;
	return peak;
}

_Noreturn void bench_fail(const char *what, const goheap_diag *d)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, d->msg);
	exit(1);
}

/* ---- the analysis ------------------------------------------------------------ */

void bench_analysis_run(bench_analysis *a, const char *dump, const char *binary)
{
	goheap_diag d;
	memset(a, 0, sizeof *a);
	bench_begin();
	if (goheap_dump_open(&a->dp, dump, NULL, &d))
		bench_fail("dump", &d);
	bench_end("dump_open");
	bench_begin();
	if (goheap_binary_open(&a->bin, binary, &d) || goheap_binary_match(a->bin, a->dp, &a->bias, &d) ||
	    goheap_binary_check_frames(a->bin, a->dp, a->bias, &d) || goheap_binary_load_dwarf(a->bin, &d))
		bench_fail("binary", &d);
	bench_end("binary");
	bench_begin();
	if (goheap_graph_build(&a->g, a->dp, a->bin, a->bias, NULL, &d))
		bench_fail("graph", &d);
	bench_end("graph");
	bench_begin();
	if (goheap_typing_run(&a->t, a->g, a->dp, a->bin, a->bias, &d))
		bench_fail("typing", &d);
	bench_end("typing");
	bench_begin();
	if (goheap_dominators_compute(&a->dom, a->g, a->dp, &d))
		bench_fail("dominators", &d);
	bench_end("dominators_retained");
}

void bench_analysis_free(bench_analysis *a)
{
	if (a->dom)
		goheap_dominators_free(a->dom);
	goheap_typing_free(a->t);
	goheap_graph_free(a->g);
	goheap_binary_free(a->bin);
	goheap_dump_free(a->dp);
	memset(a, 0, sizeof *a);
}

/* ---- writer benchmarks ------------------------------------------------------- */

void bench_print_writer_memory(long analysis_peak, const bench_phase *write)
{
	printf("anon_before_write_bytes %ld\n", write->anon_start);
	printf("anon_peak_analysis_bytes %ld\n", analysis_peak);
	printf("anon_peak_write_bytes %ld\n", write->anon_peak);
	printf("anon_write_extra_bytes %ld\n", write->anon_peak - write->anon_start);
	printf("vmhwm_bytes %ld\n", bench_status_kb("VmHWM") * 1024);
}
