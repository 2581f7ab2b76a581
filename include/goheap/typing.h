/*
 * typing.h - give every live object its Go type.
 *
 * A heap dump carries no per-object types. goheap recovers them from the
 * binary's DWARF by propagation: from typed roots (globals, frame
 * variables), the Go 1.22+ malloc header word, finalizer types and
 * interface words, through pointers, strings, slices, arrays, structs,
 * maps, channels and closures. A type is only ever given to an object when
 * its pointer layout matches the object's own GC pointer map exactly.
 *
 * Type ids: 0 .. nbinary-1 are the binary's DWARF types
 * (goheap_binary_types()); larger ids are types typing made: arrays
 * ("[1000]main.Point" for a slice's backing array), closures ("closure
 * main.main.func1") and the shapes of untyped objects ("untyped 48 B,
 * pointers at 0,16"), which group unknown objects by size and pointer map.
 *
 * Ownership: borrowed from the typing result, valid until
 * goheap_typing_free(); it borrows the graph, dump and binary.
 */
#ifndef GOHEAP_TYPING_H
#define GOHEAP_TYPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary.h"
#include "dump.h"
#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goheap_typing goheap_typing;

/**
 * Type every object of g. bin may be NULL or lack DWARF: then every object
 * gets its shape type.
 */
GOHEAP_EXTERN int goheap_typing_run(goheap_typing **out, const goheap_graph *g, const goheap_dump *dump,
				    const goheap_binary *bin, int64_t bias, goheap_diag *diag);
GOHEAP_EXTERN void goheap_typing_free(goheap_typing *t);

/** The type of object obj: a DWARF or made type, or its shape type. Never GOHEAP_NO_TYPE. */
GOHEAP_EXTERN uint32_t goheap_typing_object_type(const goheap_typing *t, uint32_t obj);
/** Whether obj's type comes from the program's types (not a shape). */
GOHEAP_EXTERN bool goheap_typing_is_typed(const goheap_typing *t, uint32_t obj);
/** Offset of the typed value in the object's slot: 8 after a Go 1.22+ malloc header, else 0. */
GOHEAP_EXTERN uint32_t goheap_typing_data_offset(const goheap_typing *t, uint32_t obj);

/** Any type id, binary or made. */
GOHEAP_EXTERN const goheap_btype *goheap_typing_type(const goheap_typing *t, uint32_t id);
GOHEAP_EXTERN size_t goheap_typing_type_count(const goheap_typing *t);

/**
 * Name the pointer word at byte offset off of a value of type `type` by
 * its field path: ".items", ".buf[3]", "[12].Value"; through a map's
 * buckets or groups, "map key" / "map value" (then any field path inside
 * the key or value); "+0x18" when the type says nothing there (untyped
 * objects, closures); "" for offset 0 of a pointer, string, slice or
 * interface. Written into buf (NUL-terminated when len > 0); returns the
 * length needed.
 */
GOHEAP_EXTERN size_t goheap_typing_field_path(const goheap_typing *t, uint32_t type, uint64_t off, char *buf,
					      size_t len);

/** Coverage over live (reachable) objects. */
typedef struct goheap_typing_stats {
	uint64_t live_count, live_bytes;
	uint64_t typed_count, typed_bytes;     /**< live objects with a program type */
	uint64_t rejected;                     /**< typings refused because the pointer maps disagreed */
} goheap_typing_stats;
GOHEAP_EXTERN const goheap_typing_stats *goheap_typing_get_stats(const goheap_typing *t);

#ifdef __cplusplus
}
#endif

#endif
