/*
 * pprof.h - write what retains memory as a pprof profile (profile.proto,
 * gzip-compressed), for `go tool pprof` and everything else that reads
 * Go's profiles.
 *
 * A stack is a path down the dominator tree, outermost first: the named
 * root (a global "main.sessions"; a goroutine's call stack with the frame
 * variable that holds the memory, "main.worker: batch"), then one frame
 * for each object on the path, named by the field that holds it and its
 * type ("map value -> main.Session", ".buf -> [...]uint8"). Objects are
 * grouped, so a million list nodes do not make a million frames: indices
 * are dropped (".items[i] -> main.Item"), consecutive objects with the
 * same frame are one frame, a frame already on the path folds back to it
 * (as pprof folds recursion), and a map's storage (tables, groups,
 * buckets) adds no frame to its header's. Every stack is written once,
 * its values summed over the objects that end on it.
 *
 * Sample types, in this order:
 *   retained_objects, retained_space  each root's retained objects and
 *       bytes, on the root's own stack (zero elsewhere): what would be
 *       freed if it let go. An object shared by several roots is a root
 *       of its own here ("(shared) main.Node"). They add up to the live
 *       heap, so flat = cum = retained and nothing counts twice.
 *   inuse_objects, inuse_space (the default)  every live object once, on
 *       its dominator path: flat is what the frame's objects themselves
 *       take; cum, summed up the stack by pprof, is what the frame
 *       retains (each byte once). The flame graph of inuse_space is the
 *       dominator tree; its totals are the live heap.
 *
 * Output streams: functions, locations and strings are written when first
 * met, samples at the end; memory is 4 bytes a node of the graph plus the
 * distinct stacks. The file is written all or nothing (a temporary file
 * renamed at the end). The output is the same for the same dump.
 */
#ifndef GOHEAP_PPROF_H
#define GOHEAP_PPROF_H

#include <stdint.h>

#include "analysis.h"
#include "binary.h"
#include "dump.h"
#include "goheap.h"
#include "graph.h"
#include "typing.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options for goheap_pprof_write(). Initialise with GOHEAP_PPROF_OPTS_INIT. */
typedef struct goheap_pprof_opts {
	unsigned version;              /**< GOHEAP_PPROF_OPTS_VERSION */
	goheap_progress_fn progress;   /**< called now and then with objects done of live objects; may be NULL */
	void *progress_ctx;
	int level;                     /**< gzip level 1..9; 0 = zlib's default */
	const char *binary_name;       /**< the program's file name, shown by pprof ("File:"); may be NULL */
} goheap_pprof_opts;
#define GOHEAP_PPROF_OPTS_VERSION 1
#define GOHEAP_PPROF_OPTS_INIT { GOHEAP_PPROF_OPTS_VERSION, NULL, NULL, 0, NULL }

/** What was written. */
typedef struct goheap_pprof_stats {
	uint64_t objects, bytes;       /**< live objects and their bytes (the inuse totals) */
	uint64_t samples;              /**< distinct stacks written */
	uint64_t functions, locations, strings;
	uint64_t max_depth;            /**< frames of the deepest stack */
	uint64_t proto_bytes;          /**< the profile before compression */
	uint64_t file_bytes;           /**< the gzip file */
} goheap_pprof_stats;

/**
 * Write the profile of the live heap to path ("-" is standard output;
 * pipes and devices are written in place). g, t and dom must come from
 * dump; bin (may be NULL) gives goroutine frames their source lines, with
 * bias from goheap_binary_match(). stats may be NULL.
 * @return GOHEAP_OK, GOHEAP_EIO (path cannot be written: the reason in
 *         diag, nothing left behind), GOHEAP_ENOMEM or GOHEAP_EINVAL (a
 *         bad opts version, or dom not of g).
 */
GOHEAP_EXTERN int goheap_pprof_write(const char *path, const goheap_dump *dump, const goheap_binary *bin,
				     int64_t bias, const goheap_graph *g, const goheap_typing *t,
				     const goheap_dominators *dom, const goheap_pprof_opts *opts,
				     goheap_pprof_stats *stats, goheap_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
