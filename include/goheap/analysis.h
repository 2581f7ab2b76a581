/*
 * analysis.h - the dominator tree of the object graph and retained sizes.
 *
 * The graph is rooted at a virtual super-root (node id = the graph's node
 * count) whose children are all root nodes. Node v dominates w when every
 * path from the super-root to w passes through v; idom(w) is the closest
 * strict dominator. The retained size of v is the bytes that would become
 * garbage if v were gone: v's own bytes plus those of every node v
 * dominates. Objects unreachable from the roots have no dominator and
 * retain nothing.
 *
 * Algorithm: Semi-NCA (Lengauer-Tarjan semidominators with simple link and
 * path-compressing eval, then nearest common ancestors), O(E log N), exact;
 * everything iterative (no recursion, so a 100M-node linked list is fine).
 * Memory: peak 12 bytes a node plus 4 bytes a non-tree edge while
 * computing (and 8 bytes a level of the depth-first search); the result
 * keeps 8 bytes a node (idom 4, retained 4), 10 or 12 when the live bytes
 * reach 4 GiB or 256 TiB; the children lists (8 bytes a node) are built on
 * the first goheap_dominators_children() call. Ownership: arrays returned
 * are borrowed from the goheap_dominators and live until
 * goheap_dominators_free().
 */
#ifndef GOHEAP_ANALYSIS_H
#define GOHEAP_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "dump.h"
#include "goheap.h"
#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goheap_dominators goheap_dominators;

/**
 * Dominator tree of the rooted graph g: a virtual super-root (id =
 * goheap_graph_node_count(g)) whose children are all root nodes; objects
 * unreachable from roots have no dominator. An object's bytes are
 * goheap_dump_object(dump, i).size; roots have 0 bytes. dump must be the
 * dump g was built from.
 * @return GOHEAP_OK, GOHEAP_ENOMEM, GOHEAP_ETOOBIG or GOHEAP_EINVAL (dump
 *         does not match g). On failure *out is NULL.
 * @note *out must be freed with goheap_dominators_free().
 */
GOHEAP_EXTERN int goheap_dominators_compute(goheap_dominators **out, const goheap_graph *g,
					    const goheap_dump *dump, goheap_diag *diag);

/**
 * The same over a raw CSR graph: nodes 0..nnodes-1, the out-edges of node
 * v are edges[row[v] .. row[v+1]) (target node ids < nnodes; self-loops
 * and duplicates allowed). Nodes >= nroot_first are roots, the children of
 * the super-root (id nnodes); edges into roots are allowed. node_size[v]
 * is the bytes of node v; NULL counts every non-root node as 1 and roots
 * as 0 (retained = number of objects retained). The arrays are only read
 * during the call.
 * @return GOHEAP_OK, GOHEAP_ENOMEM, GOHEAP_ETOOBIG (nnodes >= 2^32-1) or
 *         GOHEAP_EINVAL (row not non-decreasing, an edge target out of
 *         range, nroot_first > nnodes).
 */
GOHEAP_EXTERN int goheap_dominators_compute_csr(goheap_dominators **out, uint32_t nnodes,
						uint32_t nroot_first, const uint32_t *row,
						const uint32_t *edges, const uint64_t *node_size,
						goheap_diag *diag);

/** Free d; NULL is a no-op. */
GOHEAP_EXTERN void goheap_dominators_free(goheap_dominators *d);

/** The super-root's id: the node count of the graph. */
GOHEAP_EXTERN uint32_t goheap_dominators_super_root(const goheap_dominators *d);

/**
 * The immediate dominator of node: super_root for roots, UINT32_MAX for
 * nodes unreachable from the roots, for the super-root itself and for ids
 * past it.
 */
GOHEAP_EXTERN uint32_t goheap_dominators_idom(const goheap_dominators *d, uint32_t node);

/**
 * Retained bytes of node: its own bytes (object size; roots 0) plus those
 * of every node it dominates. The super-root retains all live bytes;
 * unreachable nodes retain 0.
 */
GOHEAP_EXTERN uint64_t goheap_dominators_retained(const goheap_dominators *d, uint32_t node);

/** How many nodes are reachable from the super-root (not counting it). */
GOHEAP_EXTERN uint32_t goheap_dominators_reachable_count(const goheap_dominators *d);

/**
 * Children of node in the dominator tree, in no particular order; the
 * super-root's too. *count is 0 for a leaf, an unreachable node or an id
 * past the super-root (the pointer must then not be read). The lists of all
 * nodes are built on the first call (8 bytes a node, kept until
 * goheap_dominators_free(); not safe to race with another first call);
 * when that runs out of memory every *count is 0 and NULL is returned.
 */
GOHEAP_EXTERN const uint32_t *goheap_dominators_children(const goheap_dominators *d, uint32_t node,
							 size_t *count);

/** Totals of one type over a dominator subtree (goheap_dominators_by_type()). */
typedef struct goheap_type_total {
	uint64_t count;    /**< reachable instances */
	uint64_t shallow;  /**< their own bytes */
	uint64_t retained; /**< bytes they retain together, each byte counted once */
} goheap_type_total;

/** Type id of object obj (< the ntypes given to goheap_dominators_by_type()). */
typedef uint32_t (*goheap_type_of_fn)(const void *ctx, uint32_t obj);

/**
 * Per-type totals over the dominator subtree of node top (the super-root
 * for the whole heap): for every type id t < ntypes, out[t] gets the
 * number of instances in the subtree, their shallow bytes, and the bytes
 * all instances retain together: the sum of retained(v) over the instances
 * v that have no instance of t above them in the tree, so no byte counts
 * twice (a linked list's nodes retain the list once, not once per node).
 * Objects are the nodes below nobj; roots and the super-root have no type.
 * out is overwritten (ntypes entries). Iterative; extra memory is
 * 4 bytes a type plus a stack of at most 16 bytes a node of the subtree.
 * @return GOHEAP_OK, GOHEAP_ENOMEM, or GOHEAP_EINVAL (top past the
 *         super-root, or type_of returned an id >= ntypes).
 */
GOHEAP_EXTERN int goheap_dominators_by_type(const goheap_dominators *d, uint32_t top, uint32_t nobj,
					    goheap_type_of_fn type_of, const void *ctx,
					    goheap_type_total *out, size_t ntypes, goheap_diag *diag);

/**
 * Retained bytes per owner of roots: out[k] is what would be freed if every
 * root owned by k went at once (a goroutine and all its frames, defers and
 * panics): the roots' own retained bytes plus those of every object that
 * only k's roots reach. The graph is the CSR given to
 * goheap_dominators_compute_csr() (or the graph's, goheap_graph_csr());
 * root_owner[i] is the owner of root node nroot_first + i, or UINT32_MAX
 * for none (a global, a finalizer: never part of an owner's set). out has
 * nowners entries, overwritten. Extra memory: 12 bytes an object.
 * @return GOHEAP_OK, GOHEAP_ENOMEM, or GOHEAP_EINVAL (an owner >= nowners,
 *         nnodes not d's node count).
 */
GOHEAP_EXTERN int goheap_dominators_by_owner(const goheap_dominators *d, uint32_t nnodes, uint32_t nroot_first,
					     const uint32_t *row, const uint32_t *edges, const uint32_t *root_owner,
					     uint64_t *out, size_t nowners, goheap_diag *diag);

/**
 * goheap_dominators_by_owner() with goroutines as owners: out[k] for the
 * goroutine goheap_dump_goroutines()[k] (ngoroutines entries) of the dump
 * g was built from.
 */
GOHEAP_EXTERN int goheap_dominators_by_goroutine(const goheap_dominators *d, const goheap_graph *g, uint64_t *out,
						 size_t ngoroutines, goheap_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
