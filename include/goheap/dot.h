/*
 * dot.h - write a part of the object graph as a Graphviz picture: DOT
 * text, or SVG / PNG rendered through Graphviz's own library.
 *
 * The caller chooses what to show (formats/dot/ knows nothing of
 * dominators or scopes): it adds nodes, each an object or a root with its
 * type or name, sizes and colour key, and edges between them, each with
 * the field that points (".items", "[3]", "map value") or marked as a
 * dominator edge that is not one pointer. The writer escapes every label,
 * styles roots apart from objects, colours objects by a hash of their
 * colour key (so a type keeps its colour from dump to dump), and writes
 * the file all or nothing (a temporary file renamed on success).
 *
 * Two ways to write:
 *  - held (the default): the nodes and edges are kept in a cgraph graph
 *    and written with agwrite (DOT) or laid out with the dot engine and
 *    rendered (SVG, PNG) by gvc at goheap_dot_finish(). Memory is about
 *    1 KiB a node, so this is for bounded pictures.
 *  - streamed (DOT only): each node and edge is written as it is added,
 *    nothing is kept, so a whole heap of any size can be written.
 *
 * DOT produced, either way: "digraph goheap" with nodes named "n<id>" (the
 * caller's ids), HTML-like labels (every <, >, &, " and non-ASCII byte
 * written as an entity), plain tooltips with backslashes and quotes
 * escaped, and these attributes for programs reading the file:
 * goheap_kind ("object" or "root"), goheap_addr (objects, "0x..."),
 * goheap_shallow and goheap_retained (exact bytes).
 *
 * Graphviz reports its own errors through a process-wide hook, which this
 * module sets while it calls Graphviz: do not write pictures from two
 * threads at once. The library never prints what Graphviz says; a failure
 * carries its message in the diag.
 */
#ifndef GOHEAP_DOT_H
#define GOHEAP_DOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goheap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goheap_dot goheap_dot;

typedef enum goheap_dot_format {
	GOHEAP_DOT_TEXT = 0,   /**< the DOT language */
	GOHEAP_DOT_SVG,        /**< laid out by dot, rendered as SVG */
	GOHEAP_DOT_PNG         /**< laid out by dot, rendered as PNG */
} goheap_dot_format;

/** Options for goheap_dot_open(). Initialise with GOHEAP_DOT_OPTS_INIT. */
typedef struct goheap_dot_opts {
	unsigned version;           /**< GOHEAP_DOT_OPTS_VERSION */
	goheap_dot_format format;
	bool stream;                /**< write nodes and edges as they come (GOHEAP_DOT_TEXT only) */
	const char *title;          /**< a caption above the picture, or NULL */
} goheap_dot_opts;
#define GOHEAP_DOT_OPTS_VERSION 1
#define GOHEAP_DOT_OPTS_INIT { GOHEAP_DOT_OPTS_VERSION, GOHEAP_DOT_TEXT, false, NULL }

typedef enum goheap_dot_kind {
	GOHEAP_DOT_OBJECT = 0,
	GOHEAP_DOT_ROOT
} goheap_dot_kind;

/** One node. Strings are copied (or written) during the call. */
typedef struct goheap_dot_node {
	goheap_dot_kind kind;
	const char *name;      /**< objects: the type's name; roots: the root's name */
	const char *detail;    /**< roots: what kind of root ("global"); may be NULL */
	const char *colour;    /**< objects: the key the fill colour derives from; NULL: the type name */
	uint64_t addr;         /**< objects: the address */
	uint64_t shallow;      /**< the node's own bytes */
	uint64_t retained;     /**< what it retains */
	bool highlight;        /**< drawn with a heavy red border (what the picture is about) */
} goheap_dot_node;

/** Edge flags. */
enum goheap_dot_edge_flags {
	/** Not one pointer: the tail dominates the head through the objects in between (dashed). */
	GOHEAP_DOT_EDGE_DOMINATES = 1 << 0
};

/**
 * Start a picture, to be written to path ("-" is standard output; other
 * files that are not regular, such as pipes and /dev/null, are written in
 * place).
 * @return GOHEAP_OK, GOHEAP_EIO (path cannot be written), GOHEAP_EINVAL
 *         (stream with a rendered format, unknown format, a bad version),
 *         GOHEAP_ENOMEM; or GOHEAP_EUNSUPPORTED for SVG/PNG when goheap
 *         was built without Graphviz's gvc library.
 * @note On success *out must be ended with goheap_dot_finish() or
 *       goheap_dot_abort().
 */
GOHEAP_EXTERN int goheap_dot_open(goheap_dot **out, const char *path, const goheap_dot_opts *opts,
				  goheap_diag *diag);

/**
 * Add node id (any number, unique in the picture; it names the node
 * "n<id>").
 * @return GOHEAP_OK, GOHEAP_EINVAL (id already added, when held),
 *         GOHEAP_ENOMEM, or GOHEAP_EIO (a streamed write failed).
 */
GOHEAP_EXTERN int goheap_dot_add_node(goheap_dot *d, uint32_t id, const goheap_dot_node *n, goheap_diag *diag);

/**
 * Add an edge from node `from` to node `to` labelled `label` (NULL or ""
 * for none), with goheap_dot_edge_flags. Held pictures require both nodes
 * to have been added; streamed ones trust the caller to add them.
 * @return GOHEAP_OK, GOHEAP_EINVAL (a node not added, when held),
 *         GOHEAP_ENOMEM or GOHEAP_EIO.
 */
GOHEAP_EXTERN int goheap_dot_add_edge(goheap_dot *d, uint32_t from, uint32_t to, const char *label,
				      unsigned flags, goheap_diag *diag);

/** Nodes and edges added so far. */
GOHEAP_EXTERN void goheap_dot_counts(const goheap_dot *d, uint64_t *nodes, uint64_t *edges);

/**
 * Write (held DOT), lay out and render (SVG, PNG) or end (streamed) the
 * picture, then commit the file. Frees d, whatever the outcome; on failure
 * nothing is left at path.
 * @return GOHEAP_OK, GOHEAP_EIO (writing failed: a full disk; or Graphviz
 *         could not lay out or render, with its message) or GOHEAP_ENOMEM.
 */
GOHEAP_EXTERN int goheap_dot_finish(goheap_dot *d, goheap_diag *diag);

/** Give up: free d and remove what was written. NULL is a no-op. */
GOHEAP_EXTERN void goheap_dot_abort(goheap_dot *d);

/** Whether SVG and PNG can be rendered (goheap was built with gvc). */
GOHEAP_EXTERN bool goheap_dot_can_render(void);

#ifdef __cplusplus
}
#endif

#endif
