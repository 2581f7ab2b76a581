/*
 * dump.h - read a heap dump written by Go's runtime/debug.WriteHeapDump.
 *
 * The reader accepts the "go1.7 heap dump" format, which every Go release
 * from 1.7 to today writes. Older headers (go1.3 .. go1.6) are refused with
 * GOHEAP_EUNSUPPORTED. A gzip-compressed dump is inflated transparently.
 *
 * goheap_dump_open() maps the file read-only and decodes it in one pass,
 * checking every length against the end of the file. On success every
 * record is available through the accessors below; the file is never
 * re-validated, so every accessor is safe to call on any opened dump.
 *
 * Ownership: every pointer returned by an accessor (arrays, goheap_str
 * views, raw byte pointers) is borrowed from the dump and stays valid until
 * goheap_dump_free(). Nothing needs to be freed separately.
 *
 * Addresses are target addresses (the Go program's). Offsets named *_off
 * are byte offsets into the decompressed dump; goheap_dump_data() turns one
 * into a pointer.
 */
#ifndef GOHEAP_DUMP_H
#define GOHEAP_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goheap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goheap_dump goheap_dump;

/** A borrowed byte string inside the dump (not NUL-terminated). */
typedef struct goheap_str {
	const char *ptr;
	size_t len;
} goheap_str;

/** Record tags, as numbered by the runtime (runtime/heapdump.go). */
enum goheap_tag {
	GOHEAP_TAG_EOF = 0,
	GOHEAP_TAG_OBJECT = 1,
	GOHEAP_TAG_OTHERROOT = 2,
	GOHEAP_TAG_TYPE = 3,
	GOHEAP_TAG_GOROUTINE = 4,
	GOHEAP_TAG_STACKFRAME = 5,
	GOHEAP_TAG_PARAMS = 6,
	GOHEAP_TAG_FINALIZER = 7,
	GOHEAP_TAG_ITAB = 8,
	GOHEAP_TAG_OSTHREAD = 9,
	GOHEAP_TAG_MEMSTATS = 10,
	GOHEAP_TAG_QUEUEDFINALIZER = 11,
	GOHEAP_TAG_DATA = 12,
	GOHEAP_TAG_BSS = 13,
	GOHEAP_TAG_DEFER = 14,
	GOHEAP_TAG_PANIC = 15,
	GOHEAP_TAG_MEMPROF = 16,
	GOHEAP_TAG_ALLOCSAMPLE = 17,
	GOHEAP_TAG_COUNT = 18
};

/** The static name of a record tag ("object", "stackframe", ...). */
GOHEAP_EXTERN const char *goheap_tag_name(unsigned tag);

/** The params record: how to read target memory. */
typedef struct goheap_params {
	bool big_endian;
	uint32_t ptr_size;      /**< 4 or 8 */
	uint64_t heap_start;    /**< lowest heap arena address */
	uint64_t heap_end;      /**< end of the highest heap arena (0 if it wrapped) */
	goheap_str goarch;      /**< "amd64", "386", ... */
	goheap_str go_version;  /**< runtime.Version(), e.g. "go1.26.0" */
	uint64_t ncpu;
} goheap_params;

/**
 * One heap object (tag 1): a whole allocation slot. size is the slot size
 * (the size class), not the Go type's size. The contents are at
 * contents_off; its pointer field list follows them at contents_off + size.
 * Objects are sorted by address and disjoint.
 */
typedef struct goheap_object {
	uint64_t addr;
	uint64_t contents_off;
	uint64_t size;
} goheap_object;

/** Goroutine status values the runtime dumps. */
enum goheap_gstatus {
	GOHEAP_G_RUNNABLE = 1,
	GOHEAP_G_RUNNING = 2,
	GOHEAP_G_SYSCALL = 3,
	GOHEAP_G_WAITING = 4
};

/** A goroutine (tag 4) and the index range of its frames. */
typedef struct goheap_goroutine {
	uint64_t addr, sp, goid, gopc, status;
	bool is_system, is_background;
	uint64_t wait_since;
	goheap_str wait_reason;
	uint64_t ctxt, m, defer_addr, panic_addr;
	uint32_t first_frame;   /**< index into goheap_dump_frames() */
	uint32_t nframes;       /**< frames of this goroutine, depth 0 first */
} goheap_goroutine;

/** A stack frame (tag 5). Fields offsets are relative to sp. */
typedef struct goheap_frame {
	uint64_t sp, depth, child_sp;
	uint64_t contents_off, contents_len;  /**< the bytes [sp, sp+len) */
	uint64_t entry, pc, continpc;
	goheap_str func;
	uint64_t fields_off;     /**< offset of the field list */
	uint32_t nfields;
	uint32_t goroutine;      /**< index into goheap_dump_goroutines() */
} goheap_frame;

/** A data or bss segment (tags 12, 13). Field offsets are relative to addr. */
typedef struct goheap_segment {
	uint64_t addr;
	uint64_t contents_off, len;
	uint64_t fields_off;
	uint32_t nfields;
	bool is_bss;
} goheap_segment;

/** A registered (tag 7) or queued (tag 11) finalizer. */
typedef struct goheap_finalizer {
	uint64_t obj, fn, fn_pc, fint, ot;
	bool queued;
} goheap_finalizer;

/** A type record (tag 3), deduplicated by address. name is unreliable. */
typedef struct goheap_type {
	uint64_t addr, size;
	goheap_str name;
	bool indirect;    /**< the runtime's "data word is a pointer" flag */
} goheap_type;

typedef struct goheap_itab { uint64_t addr, type; } goheap_itab;           /* tag 8 */
typedef struct goheap_osthread { uint64_t addr, id, procid; } goheap_osthread; /* tag 9 */
typedef struct goheap_otherroot { goheap_str description; uint64_t ptr; } goheap_otherroot; /* tag 2 */

/** A defer record (tag 14). */
typedef struct goheap_defer {
	uint64_t addr, gp, sp, pc, fn, fn_pc, link;
} goheap_defer;

/** A panic record (tag 15). */
typedef struct goheap_panic {
	uint64_t addr, gp, arg_type, arg_data, link;
} goheap_panic;

/** The memstats record (tag 10): runtime.MemStats at dump time. */
typedef struct goheap_memstats {
	uint64_t alloc, total_alloc, sys, lookups, mallocs, frees;
	uint64_t heap_alloc, heap_sys, heap_idle, heap_inuse, heap_released, heap_objects;
	uint64_t stack_inuse, stack_sys, mspan_inuse, mspan_sys, mcache_inuse, mcache_sys;
	uint64_t buck_hash_sys, gc_sys, other_sys, next_gc, last_gc, pause_total_ns;
	uint64_t pause_ns[256];
	uint64_t num_gc;
} goheap_memstats;

/** One frame of a memory-profile stack. */
typedef struct goheap_memprof_frame {
	goheap_str func, file;
	uint64_t line;
} goheap_memprof_frame;

/** A memory-profile bucket (tag 16); its stack is frames[first..first+n). */
typedef struct goheap_memprof {
	uint64_t bucket, size, allocs, frees;
	uint32_t first_frame, nframes;
} goheap_memprof;

typedef struct goheap_allocsample { uint64_t obj, bucket; } goheap_allocsample; /* tag 17 */

/** Counts of one record kind. bytes counts whole records, tag included. */
typedef struct goheap_record_stat {
	uint64_t count;
	uint64_t bytes;
} goheap_record_stat;

/** Called now and then while a dump is read: bytes done of total. */
typedef void (*goheap_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/** Options for goheap_dump_open(). Initialise with GOHEAP_OPEN_OPTS_INIT. */
typedef struct goheap_open_opts {
	unsigned version;              /**< GOHEAP_OPEN_OPTS_VERSION */
	goheap_progress_fn progress;   /**< may be NULL */
	void *progress_ctx;
	uint64_t max_inflated;         /**< cap on a .gz dump's inflated size; 0 = default */
} goheap_open_opts;

#define GOHEAP_OPEN_OPTS_VERSION 1
#define GOHEAP_OPEN_OPTS_INIT { GOHEAP_OPEN_OPTS_VERSION, NULL, NULL, 0 }

/**
 * Open, map and decode the dump at path.
 * @param out   receives the dump; set to NULL on failure
 * @param opts  may be NULL for defaults
 * @param diag  may be NULL; filled on failure
 * @return GOHEAP_OK, GOHEAP_EIO, GOHEAP_ENOTDUMP, GOHEAP_EUNSUPPORTED,
 *         GOHEAP_ECORRUPT, GOHEAP_ETOOBIG or GOHEAP_ENOMEM
 * @note Free with goheap_dump_free().
 */
GOHEAP_EXTERN int goheap_dump_open(goheap_dump **out, const char *path,
				   const goheap_open_opts *opts, goheap_diag *diag);

/**
 * Decode a dump held in memory (plain or gzip). The bytes are copied only
 * when they must be inflated; otherwise they are borrowed and must outlive
 * the dump.
 */
GOHEAP_EXTERN int goheap_dump_open_mem(goheap_dump **out, const void *data, size_t len,
				       const goheap_open_opts *opts, goheap_diag *diag);

/**
 * Cross-check a decoded dump beyond what decoding enforces: objects inside
 * the heap range and pointer-aligned, each goroutine's frames forming one
 * chain from depth 0 at the goroutine's sp, finalizers and allocation
 * samples naming live objects, one memstats record.
 * @return GOHEAP_OK, or GOHEAP_ECORRUPT with the first problem in diag.
 */
GOHEAP_EXTERN int goheap_dump_verify(const goheap_dump *dump, goheap_diag *diag);

/** Free a dump and everything borrowed from it. NULL is a no-op. */
GOHEAP_EXTERN void goheap_dump_free(goheap_dump *dump);

/** The params record. */
GOHEAP_EXTERN const goheap_params *goheap_dump_params(const goheap_dump *dump);

/** Major and minor Go version parsed from params ("go1.22.3" -> 1, 22); 0, 0 if unknown. */
GOHEAP_EXTERN void goheap_dump_go_version(const goheap_dump *dump, unsigned *major, unsigned *minor);

/** Decompressed size of the dump, and whether the file was gzip-compressed. */
GOHEAP_EXTERN uint64_t goheap_dump_size(const goheap_dump *dump);
GOHEAP_EXTERN bool goheap_dump_was_compressed(const goheap_dump *dump);

/** Pointer to the byte at a dump offset returned by another accessor. */
GOHEAP_EXTERN const uint8_t *goheap_dump_data(const goheap_dump *dump, uint64_t off);

/** Count and bytes of records with a given tag (tag < GOHEAP_TAG_COUNT). */
GOHEAP_EXTERN goheap_record_stat goheap_dump_record_stat(const goheap_dump *dump, unsigned tag);

/**
 * Objects are indexed 0 .. count-1 in address order. The table keeps 20
 * bytes an object; goheap_dump_object() assembles one entry.
 */
GOHEAP_EXTERN size_t goheap_dump_object_count(const goheap_dump *dump);
GOHEAP_EXTERN goheap_object goheap_dump_object(const goheap_dump *dump, uint32_t index);
/** The sorted slot addresses of all objects (count entries), for fast scans. */
GOHEAP_EXTERN const uint64_t *goheap_dump_object_addrs(const goheap_dump *dump);

/** Total number of pointer fields listed by all objects. */
GOHEAP_EXTERN uint64_t goheap_dump_object_pointers(const goheap_dump *dump);

/**
 * Find the object whose slot [addr, addr+size) contains a.
 * @return GOHEAP_OK with *index set, or GOHEAP_ENOTFOUND.
 */
GOHEAP_EXTERN int goheap_dump_find_object(const goheap_dump *dump, uint64_t a, uint32_t *index);

GOHEAP_EXTERN const goheap_goroutine *goheap_dump_goroutines(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_frame *goheap_dump_frames(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_segment *goheap_dump_segments(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_finalizer *goheap_dump_finalizers(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_type *goheap_dump_types(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_itab *goheap_dump_itabs(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_osthread *goheap_dump_osthreads(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_otherroot *goheap_dump_otherroots(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_defer *goheap_dump_defers(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_panic *goheap_dump_panics(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_memprof *goheap_dump_memprofs(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_memprof_frame *goheap_dump_memprof_frames(const goheap_dump *dump, size_t *count);
GOHEAP_EXTERN const goheap_allocsample *goheap_dump_allocsamples(const goheap_dump *dump, size_t *count);

/** The memstats record, or NULL if the dump has none. */
GOHEAP_EXTERN const goheap_memstats *goheap_dump_memstats(const goheap_dump *dump);

/**
 * Iterator over a field list (of an object, frame or segment). Each step
 * yields the byte offset of one pointer word. Field lists were validated
 * when the dump was opened.
 */
typedef struct goheap_fields {
	const uint8_t *p, *end;
} goheap_fields;

/** Start iterating the field list at dump offset fields_off. */
GOHEAP_EXTERN goheap_fields goheap_fields_at(const goheap_dump *dump, uint64_t fields_off);
/** The field list of an object. */
GOHEAP_EXTERN goheap_fields goheap_object_fields(const goheap_dump *dump, const goheap_object *obj);
/** Next pointer offset: true and *offset set, or false at the end. */
GOHEAP_EXTERN bool goheap_fields_next(goheap_fields *it, uint64_t *offset);

/** Read one target pointer-sized word at p, in the target's byte order. */
GOHEAP_EXTERN uint64_t goheap_dump_read_word(const goheap_dump *dump, const uint8_t *p);

/**
 * Span-tail slots: since Go 1.22 the runtime dumps the unused slots at the
 * end of small-object spans (where the span keeps its heap bitmap or, with
 * the Green Tea collector, its inline mark bits). They are not objects the
 * program allocated. is_span_tail() tells one apart; the totals count them.
 */
GOHEAP_EXTERN bool goheap_dump_is_span_tail(const goheap_dump *dump, uint32_t index);
GOHEAP_EXTERN void goheap_dump_span_tail_totals(const goheap_dump *dump, uint64_t *count, uint64_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
