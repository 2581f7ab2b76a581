/*
 * hprof.h - write the typed object graph of a dump as a Java heap dump
 * ("JAVA PROFILE 1.0.2", 8-byte ids) that Eclipse MAT, VisualVM and other
 * hprof readers open, so their histograms, dominator trees and
 * paths-to-root work on a Go heap.
 *
 * The mapping (formats/hprof/NOTES.md has the details):
 *   - every Go type becomes a class whose superclass is java.lang.Object and
 *     whose fields are the type's fields from DWARF, flattened ("Inner.X",
 *     "buf[3]"): pointers as object references, scalars as primitives of
 *     their width; the class's instance size is the object's slot size,
 *     so VisualVM shows Go sizes exactly. A type seen with several slot
 *     sizes gets one class per size (same name).
 *   - arrays of pointer-free elements become primitive arrays (byte[] for
 *     bytes and strings, long[] for int64 ...), arrays whose elements hold
 *     pointers become object arrays (one reference per pointer word,
 *     other words null). An array's length is chosen so that VisualVM's
 *     array size (16 + 4 + length x element, 8-aligned) is the Go slot
 *     size; the elements past that length are left out when they are all
 *     zero, and otherwise the object is written as an instance, one field
 *     an element.
 *   - objects no type reached become instances of a class per shape
 *     ("untyped 48 B, pointers at 0,16").
 *   - object ids are slot addresses; a pointer into the middle of an
 *     object is a reference to the object; a pointer outside every written
 *     object is null.
 *   - roots: globals are static fields of one class per Go package
 *     ("main" holds main.sessions as field "sessions"), rooted as sticky
 *     classes; each goroutine is a thread object (class "goroutine", size
 *     0) with a stack trace (function, file, line per frame) and its frame
 *     variables as Java-frame roots; defer and panic records are
 *     thread-block roots; finalizers and other runtime roots are "unknown"
 *     roots. Every root edge of the graph becomes a GC root record.
 *   - objects no root reaches are left out unless keep_unreachable is set;
 *     span-tail slots (never allocated) are always left out.
 *
 * The file is written in one streaming pass over the objects after one
 * pass that collects their classes: memory is the class table, 4 bytes an
 * object (its layout) and one heap-dump segment buffer, not a copy of the
 * heap. Output goes through a
 * temporary file renamed over the target on success (util/outfile.h).
 */
#ifndef GOHEAP_HPROF_H
#define GOHEAP_HPROF_H

#include <stdbool.h>
#include <stdint.h>

#include "binary.h"
#include "dump.h"
#include "goheap.h"
#include "graph.h"
#include "typing.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options for goheap_hprof_write(). Initialise with GOHEAP_HPROF_OPTS_INIT. */
typedef struct goheap_hprof_opts {
	unsigned version;              /**< GOHEAP_HPROF_OPTS_VERSION */
	bool keep_unreachable;         /**< also write objects no root reaches (unrooted) */
	uint64_t timestamp_ms;         /**< header timestamp; 0 = the current time */
	goheap_progress_fn progress;   /**< may be NULL: objects done of all objects */
	void *progress_ctx;
} goheap_hprof_opts;

#define GOHEAP_HPROF_OPTS_VERSION 1
#define GOHEAP_HPROF_OPTS_INIT { GOHEAP_HPROF_OPTS_VERSION, false, 0, NULL, NULL }

/** What was written. */
typedef struct goheap_hprof_stats {
	uint64_t file_bytes;       /**< bytes of the hprof file */
	uint64_t classes;          /**< CLASS DUMP records (Go types, holders, stubs) */
	uint64_t objects;          /**< Go objects written (instances and arrays) */
	uint64_t object_bytes;     /**< their slot sizes: what VisualVM sums */
	uint64_t unreachable;      /**< objects written that no root reaches (keep_unreachable) */
	uint64_t threads;          /**< goroutines written as thread objects */
	uint64_t frames;           /**< stack frames */
	uint64_t gc_roots;         /**< GC root records */
	uint64_t arrays_as_instances; /**< arrays written as instances to keep their content */
	uint64_t truncated;        /**< arrays whose non-zero tail had to be cut (too big for an instance) */
	uint64_t as_words;         /**< objects written word by word, every word a reference field (their type's fields miss a pointer word the collector scans) */
	uint64_t inexact;          /**< objects whose size in VisualVM differs from Go's, or whose references could not all be written (too big for an instance) */
} goheap_hprof_stats;

/**
 * One row of the per-class summary: how many objects of one Go type
 * (named as goheap histogram names it: made arrays as "[...]T") were
 * written with one hprof class.
 */
typedef struct goheap_hprof_class_row {
	const char *class_name;    /**< the hprof class name, as written (UTF-8) */
	const char *go_type;       /**< the Go type's name ("[...]uint8", "main.Node", "untyped 16 B, no pointers") */
	uint64_t instances;
	uint64_t bytes;
} goheap_hprof_class_row;

/** Called once per row after the file is committed (rows borrowed for the call). */
typedef void (*goheap_hprof_row_fn)(void *ctx, const goheap_hprof_class_row *row);

/**
 * Write the hprof file at path ("-" is standard output).
 * bin may be NULL (no globals by name, no source lines); g and t must be
 * built from dump (and bin). stats and row may be NULL.
 * @return GOHEAP_OK; GOHEAP_EIO when the file cannot be written (nothing
 *         is left at path); GOHEAP_ENOMEM; GOHEAP_ETOOBIG for an object
 *         larger than an hprof record can hold (4 GiB).
 */
GOHEAP_EXTERN int goheap_hprof_write(const char *path, const goheap_dump *dump, const goheap_binary *bin,
				     int64_t bias, const goheap_graph *g, const goheap_typing *t,
				     const goheap_hprof_opts *opts, goheap_hprof_stats *stats,
				     goheap_hprof_row_fn row, void *row_ctx, goheap_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
