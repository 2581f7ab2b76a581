/*
 * report.h - what the dominator reports (top, tree, path, leaks, diff)
 * share: human-readable sizes, node names, and shortest paths from named
 * roots with every step named by field.
 *
 * A path is an array of node ids: a root node first, then objects, each
 * pointed to by the one before.
 */
#ifndef GOHEAP_CLI_REPORT_H
#define GOHEAP_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/json.h"
#include "cli/session.h"
#include "goheap/analysis.h"
#include "util/human.h"

/*
 * The histogram name of type id: arrays typing made for slices, strings
 * and buffers group by element ("[...]uint8"), whatever their length;
 * other types by their name. Returns buf or a name owned by the typing.
 */
const char *histogram_name(const session *s, uint32_t id, char *buf, size_t len);

/*
 * Type groups: types with one histogram name share a group. group[id] is
 * the dense group of every type id (malloc'd, goheap_typing_type_count()
 * entries), *ngroups their count, and (*names)[g] a group's name (malloc'd
 * array of pointers into the typing or into *arena, malloc'd; free all
 * three). Returns false when memory runs out.
 */
typedef struct type_groups {
	uint32_t *group;
	const char **names;
	char *arena;
	size_t ngroups;
} type_groups;
bool type_groups_init(type_groups *tg, const session *s);
void type_groups_free(type_groups *tg);
/* The group of object obj. */
uint32_t type_groups_of(const type_groups *tg, const session *s, uint32_t obj);

/*
 * Resolve a command-line node: an address ("0xc000123450": the object
 * containing it) or a root's exact name ("main.cache"). Returns the node,
 * or UINT32_MAX (after printing why on stderr).
 */
uint32_t report_find_node(const session *s, const char *arg);

/*
 * Visit the dominator subtree of v depth-first, v first; visit() returns
 * whether to go on below u. Iterative. Returns false when memory runs out.
 */
bool report_walk_dominated(const goheap_dominators *dom, uint32_t v, bool (*visit)(void *ctx, uint32_t u),
			   void *ctx);

/* An object's address as Go sees it: its slot plus any malloc header. */
uint64_t report_addr(const session *s, uint32_t obj);

/* A node as text: a root's name, or "0xc000123450 main.T". */
void report_node_name(const session *s, uint32_t node, char *buf, size_t len);

/*
 * Breadth-first search from every root over the objects, not entering
 * nodes (roots or objects) with blocked[node] set (blocked may be NULL,
 * else it has goheap_graph_node_count() entries). Returns the parent
 * of every object (a root node, an object, or UINT32_MAX when not
 * reached), malloc'd; NULL when memory runs out. When order is not NULL,
 * *order gets the objects in the order reached (malloc'd) and *norder
 * their count.
 */
uint32_t *report_bfs(const goheap_graph *g, const uint8_t *blocked, uint32_t **order, size_t *norder);

/*
 * The path to obj along parent (from report_bfs): root first. Returns its
 * node count (0 when obj was not reached) and the malloc'd nodes in *out.
 */
size_t report_path(const goheap_graph *g, const uint32_t *parent, uint32_t obj, uint32_t **out);

/*
 * The field of `from` (object or root) that points to object `to`:
 * ".items", "map value", "[3]", "+0x18", or "" (a plain pointer, or a
 * root whose memory the dump does not hold).
 */
void report_edge_label(const session *s, uint32_t from, uint32_t to, char *buf, size_t len);

/*
 * A path on one line: "main.cache -> *main.Cache .items -> [...]bucket<..>
 * map value -> main.entry" (each object's type, then the field of it that
 * leads on). Paths longer than max_steps nodes show their first and last
 * steps and how many are left out between.
 */
void report_path_line(FILE *out, const session *s, const uint32_t *nodes, size_t n, size_t max_steps);

/*
 * A path as a JSON array `key` of steps: {"root": name} first, then
 * {"field", "addr", "type"} per object ("field" is the field of the
 * previous step that leads here).
 */
void report_path_json(json *j, const char *key, const session *s, const uint32_t *nodes, size_t n);

#endif
