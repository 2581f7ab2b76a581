/*
 * benchutil.h - what the benchmark programs in tools/bench share: clocks,
 * the process's memory from /proc, a thread sampling the anonymous memory,
 * phases measured with both, and goheap's analysis run as the CLI runs it.
 *
 * Contract:
 *  - One benchmark a process, single-threaded apart from the sampler: the
 *    sampler and the phases are process-wide state kept here.
 *  - Memory figures are bytes. "Anonymous" is RssAnon as /proc/self/statm
 *    gives it: resident minus shared (file-backed) pages, so a mapped dump
 *    does not count. bench_start() takes the baseline; bench_anon() is
 *    absolute, a bench_phase's anon_* are above the baseline.
 *  - The sampler reads statm every millisecond between bench_start() and
 *    bench_stop() and keeps the highest value since the last phase began;
 *    every array the analysis builds lives far longer than that.
 *  - A phase runs from bench_begin() to bench_end(name): wall seconds
 *    (CLOCK_MONOTONIC), CPU seconds of the calling thread, the anonymous
 *    memory when it began and ended and the highest seen during it (the
 *    sampler's peak or the end reading, the larger). At most
 *    BENCH_MAX_PHASES a run; name must outlive the run (a literal).
 *  - Failures print "PROG: ..." on stderr (PROG as given to
 *    bench_start()) and exit(1) or return nonzero as documented.
 *  - Only bench_print_writer_memory() prints on stdout, "key value" lines
 *    whose keys and meaning run.sh and README.md rely on; the programs'
 *    other lines are their own.
 */
#ifndef GOHEAP_BENCHUTIL_H
#define GOHEAP_BENCHUTIL_H

#include <stdint.h>

#include "goheap/analysis.h"
#include "goheap/typing.h"

/* ---- clocks and /proc/self/status ------------------------------------------- */

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);
/* CPU seconds of the calling thread: what it costs, whatever else the machine runs. */
double bench_cpu_now(void);
/* The "KEY:  N kB" field of /proc/self/status, in KiB; -1 when missing. */
long bench_status_kb(const char *key);

/* ---- anonymous memory and phases -------------------------------------------- */

#define BENCH_MAX_PHASES 8

typedef struct bench_phase {
	const char *name;
	double start, end;         /* bench_now() */
	double cpu_start, cpu_end; /* bench_cpu_now() */
	double seconds;            /* end - start */
	long anon_start, anon_end, anon_peak; /* bytes above the baseline */
} bench_phase;

/* Open /proc/self/statm, take the baseline, start the sampler. 0, or a
 * message on stderr and nonzero. */
int bench_start(const char *prog);
/* Stop and join the sampler, close statm. Phases stay readable. */
void bench_stop(void);
/* Anonymous resident bytes now (absolute); -1 when statm cannot be read. */
long bench_anon(void);
/* The baseline taken by bench_start(). */
long bench_base_anon(void);

/* Begin a phase: reset the sampled peak to now, take the time. */
void bench_begin(void);
/* End the phase begun last and record it under name; returns it. */
const bench_phase *bench_end(const char *name);
/* The phases recorded so far, in order; *n gets their count. */
const bench_phase *bench_phases(int *n);
/* Highest anon_peak of phases [first, first + n). */
long bench_phases_peak(int first, int n);

/* Print "PROG: what: message" on stderr and exit(1). */
_Noreturn void bench_fail(const char *what, const goheap_diag *d);

/* ---- the analysis ------------------------------------------------------------ */

/* The analysis as the CLI runs it, a phase each step. */
typedef struct bench_analysis {
	goheap_dump *dp;
	goheap_binary *bin;
	int64_t bias;
	goheap_graph *g;
	goheap_typing *t;
	goheap_dominators *dom; /* NULL once freed early */
} bench_analysis;

/* The phases bench_analysis_run() records, in this order, named
 * dump_open, binary (ELF, match, frame check, DWARF), graph, typing and
 * dominators_retained (dominators with retained sizes). */
enum { BENCH_PH_DUMP, BENCH_PH_BINARY, BENCH_PH_GRAPH, BENCH_PH_TYPING, BENCH_PH_DOMINATORS, BENCH_ANALYSIS_PHASES };

/* Run the analysis of dump with binary; on a failure bench_fail() with
 * what = dump, binary, graph, typing or dominators. The analysis's phases
 * are the first BENCH_ANALYSIS_PHASES recorded (call it before any other
 * bench_begin()). */
void bench_analysis_run(bench_analysis *a, const char *dump, const char *binary);
/* Free everything a holds (dom may be NULL). */
void bench_analysis_free(bench_analysis *a);

/* ---- writer benchmarks (bench_hprof, bench_pprof) ------------------------------ */

/* The memory lines of a writer run, after bench_stop(): anon_before_write_bytes,
 * anon_peak_analysis_bytes, anon_peak_write_bytes, anon_write_extra_bytes,
 * vmhwm_bytes. analysis_peak is the analysis's peak above the baseline,
 * write the writer's phase. */
void bench_print_writer_memory(long analysis_peak, const bench_phase *write);

#endif
