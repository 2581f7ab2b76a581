/*
 * graph.h - the object graph of a dump: objects and named roots as dense
 * uint32 node ids, out-edges in CSR form, and reachability from the roots.
 *
 * Node ids: 0 .. nobjects-1 are the dump's objects (the same index as
 * goheap_dump_object()), nobjects .. nobjects+nroots-1 are roots.
 *
 * Edges come from the GC's own pointer maps (the field lists of objects,
 * frames and data/bss), never from types, so every pointer the collector
 * follows is an edge. A pointer that lands inside an object (interior) is
 * an edge to that object; a pointer outside every object is dropped.
 *
 * Roots are named when a binary with DWARF is given: globals by their Go
 * name, goroutine frame variables by function and variable, and whatever
 * the pointer maps list beyond those as raw slots ("data+0x1a8",
 * "goroutine 42 main.worker+0x38"). A registered finalizer's root points at
 * its function and at what the object points to, not at the object (the
 * finalizer does not keep it alive); a queued finalizer's root points at
 * both. Defer and panic records are roots as the collector treats them: a
 * goroutine's defer chain (records, their funcs and links) and panic
 * values are kept alive even where no stack map lists them.
 *
 * Memory: 4 bytes a node for the CSR row starts, 4 bytes an edge, 1 bit a
 * node for reachability. Ownership: everything returned is borrowed from the
 * graph and lives until goheap_graph_free(); the graph borrows the dump and
 * the binary, which must outlive it.
 */
#ifndef GOHEAP_GRAPH_H
#define GOHEAP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary.h"
#include "dump.h"
#include "goheap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goheap_graph goheap_graph;

typedef enum goheap_root_kind {
	GOHEAP_ROOT_GLOBAL = 0,     /**< a package variable (DWARF) */
	GOHEAP_ROOT_DATA_SLOT,      /**< a pointer word of data/bss no global covers */
	GOHEAP_ROOT_FRAME_VAR,      /**< a parameter or local of a goroutine frame (DWARF) */
	GOHEAP_ROOT_FRAME_SLOT,     /**< a pointer word of a frame no variable covers */
	GOHEAP_ROOT_FINALIZER,      /**< a registered finalizer */
	GOHEAP_ROOT_QUEUED_FINALIZER, /**< a finalizer queued to run */
	GOHEAP_ROOT_OTHER,          /**< an otherroot record */
	GOHEAP_ROOT_DEFER,          /**< a goroutine's defer record: the record, its func and its link */
	GOHEAP_ROOT_PANIC,          /**< a goroutine's panic record: the panic value */
	GOHEAP_ROOT_KIND_COUNT
} goheap_root_kind;

/** One root. Fields not meaningful for a kind are UINT32_MAX / 0. */
typedef struct goheap_root {
	goheap_root_kind kind;
	uint32_t goroutine;   /**< frame roots: index into goheap_dump_goroutines() */
	uint32_t frame;       /**< frame roots: index into goheap_dump_frames() */
	uint32_t global;      /**< GLOBAL: index into goheap_binary_globals() */
	uint32_t var;         /**< FRAME_VAR: index into goheap_binary_vars() */
	uint32_t record;      /**< the dump record behind a FINALIZER / QUEUED_FINALIZER, DEFER,
				   PANIC or OTHER root: its index in goheap_dump_finalizers(),
				   _defers(), _panics() or _otherroots() */
	uint32_t type;        /**< binary type of the root memory, or GOHEAP_NO_TYPE (a
				   variable DWARF splits into pieces has none: mem is one piece) */
	uint64_t var_offset;  /**< FRAME_VAR: offset in the variable where mem starts (its first
				   piece on the stack; 0 when it is not split) */
	uint64_t addr;        /**< run-time address of the root's memory (global, slot, frame variable) */
	uint64_t size;        /**< bytes of root memory */
	const uint8_t *mem;   /**< the root's bytes in the dump (data/bss/frame contents), or NULL */
} goheap_root;

/** Options for goheap_graph_build(). */
typedef struct goheap_graph_opts {
	unsigned version;
	goheap_progress_fn progress;
	void *progress_ctx;
} goheap_graph_opts;
#define GOHEAP_GRAPH_OPTS_VERSION 1
#define GOHEAP_GRAPH_OPTS_INIT { GOHEAP_GRAPH_OPTS_VERSION, NULL, NULL }

/**
 * Build the graph of dump. bin may be NULL (then every root is a raw
 * slot); bias is the load bias from goheap_binary_match().
 * @return GOHEAP_OK, GOHEAP_ENOMEM, or GOHEAP_ETOOBIG (more than 2^32-2
 *         nodes or edges).
 */
GOHEAP_EXTERN int goheap_graph_build(goheap_graph **out, const goheap_dump *dump,
				     const goheap_binary *bin, int64_t bias,
				     const goheap_graph_opts *opts, goheap_diag *diag);
GOHEAP_EXTERN void goheap_graph_free(goheap_graph *g);

GOHEAP_EXTERN uint32_t goheap_graph_object_count(const goheap_graph *g);
GOHEAP_EXTERN uint32_t goheap_graph_node_count(const goheap_graph *g);
GOHEAP_EXTERN uint64_t goheap_graph_edge_count(const goheap_graph *g);

/**
 * The object whose slot contains addr, or UINT32_MAX: a page index over
 * the heap makes this a short search (4 bytes per 8 KiB page of heap).
 */
GOHEAP_EXTERN uint32_t goheap_graph_find_object(const goheap_graph *g, uint64_t addr);

/** Roots, in node order (root i is node object_count + i). */
GOHEAP_EXTERN const goheap_root *goheap_graph_roots(const goheap_graph *g, size_t *count);

/** Out-edges of a node: target node ids. */
GOHEAP_EXTERN const uint32_t *goheap_graph_edges(const goheap_graph *g, uint32_t node, size_t *count);

/**
 * The whole edge table in CSR form: the out-edges of node v are
 * (*edges)[(*row)[v] .. (*row)[v+1]), for v < goheap_graph_node_count(g)
 * (row has node_count+1 entries). Borrowed from the graph.
 */
GOHEAP_EXTERN void goheap_graph_csr(const goheap_graph *g, const uint32_t **row, const uint32_t **edges);

/**
 * The name of root i ("main.cache", "goroutine 7 main.worker: buf",
 * "data+0x1a8", "finalizer for 0xc000012000"), written into buf (always
 * NUL-terminated). Returns the length it needed.
 */
GOHEAP_EXTERN size_t goheap_graph_root_name(const goheap_graph *g, size_t i, char *buf, size_t len);

/** Whether object obj is reachable from a root. */
GOHEAP_EXTERN bool goheap_graph_reachable(const goheap_graph *g, uint32_t obj);

/** Totals: live = reachable objects; the rest is garbage or span tails. */
typedef struct goheap_graph_totals {
	uint64_t live_count, live_bytes;
	uint64_t garbage_count, garbage_bytes;   /**< unreachable allocated objects */
	uint64_t tail_count, tail_bytes;         /**< span-tail slots (never reachable) */
	uint64_t roots_by_kind[GOHEAP_ROOT_KIND_COUNT];
} goheap_graph_totals;
GOHEAP_EXTERN const goheap_graph_totals *goheap_graph_get_totals(const goheap_graph *g);

#ifdef __cplusplus
}
#endif

#endif
