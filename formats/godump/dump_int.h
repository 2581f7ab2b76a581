/*
 * dump_int.h - the private layout of goheap_dump, shared by the reader
 * (reader.c), the accessors (dump.c), span-tail detection (spans.c) and the
 * consistency checks (verify.c). Nothing outside formats/godump includes it.
 */
#ifndef GOHEAP_GODUMP_DUMP_INT_H
#define GOHEAP_GODUMP_DUMP_INT_H

#include "formats/godump/objects.h"
#include "goheap/dump.h"
#include "util/diag.h"
#include "util/input.h"
#include "util/vec.h"

/*
 * A run: consecutive object records at ascending addresses that either
 * abut or stay within one 8 KiB page (runtime.dumpobjs writes a span's
 * objects in address order, and a page belongs to one span). Runs of a
 * runtime-written dump are disjoint, so sorting runs sorts the heap.
 */
typedef struct godump_run {
	uint64_t first;      /* address of the first object */
	uint64_t end;        /* end of the last object */
	uint64_t file_off;   /* offset of the first record */
	uint64_t count;      /* objects in the run */
} godump_run;

struct goheap_dump {
	input in;                       /* the bytes; every goheap_str points here */
	goheap_params params;
	bool have_params;
	unsigned go_major, go_minor;    /* parsed from params.go_version */
	goheap_record_stat stats[GOHEAP_TAG_COUNT];
	uint64_t object_pointers;       /* fields listed by all objects */

	objects obj;                    /* the object table, sorted by address */
	VEC(godump_run) runs;           /* object runs found by the first pass */
	uint64_t nobjects;              /* object records seen by the first pass */
	bool prev_was_object;           /* the record before this one was an object */
	VEC(goheap_goroutine) goroutines;
	VEC(goheap_frame) frames;
	VEC(goheap_segment) segments;
	VEC(goheap_finalizer) finalizers;
	VEC(goheap_type) types;         /* deduplicated by address */
	VEC(goheap_itab) itabs;
	VEC(goheap_osthread) osthreads;
	VEC(goheap_otherroot) otherroots;
	VEC(goheap_defer) defers;
	VEC(goheap_panic) panics;
	VEC(goheap_memprof) memprofs;
	VEC(goheap_memprof_frame) memprof_frames;
	VEC(goheap_allocsample) allocsamples;
	goheap_memstats memstats;
	bool have_memstats;

	uint8_t *span_tail;             /* bitmap by object index, or NULL if none */
	uint64_t span_tail_count, span_tail_bytes;
};

/* Decode the whole dump in dump->in; fills everything above (reader.c). */
int godump_read(goheap_dump *dump, const goheap_open_opts *opts, goheap_diag *diag);

/*
 * Second pass: decode the objects of every run straight into their sorted
 * place, then check they are disjoint (dump.c).
 */
int godump_place_objects(goheap_dump *dump, goheap_diag *diag);

/* Sort objects by address and check they are disjoint (dump.c). */
int godump_index_objects(goheap_dump *dump, goheap_diag *diag);

/* Find the span-tail slots (spans.c). */
int godump_find_span_tails(goheap_dump *dump, goheap_diag *diag);

/*
 * Does the (validated) field list at p list any pointer, i.e. is its first
 * kind non-zero? A kind may be a padded varint ("80 00" is 0), which the
 * first pass accepts, so test all its 7-bit groups, not its first byte.
 */
static inline bool godump_fields_any(const uint8_t *p, const uint8_t *end)
{
	uint8_t bits = 0;
	while (p < end) {
		uint8_t b = *p++;
		bits |= b & 0x7f;
		if (!(b & 0x80))
			break;
	}
	return bits != 0;
}

#endif
