/*
 * walker.h - an independent record walker for tests.
 *
 * It shares no code with the library: its own varint decoder and its own
 * table of record layouts, written from the format reference
 * (docs: go-heapdump.md section 2.1), not from formats/godump/reader.c. It
 * only finds where records start and end and a few fields the tests
 * compare (params, object addresses and sizes); it does not validate
 * anything the library checks beyond "every length stays in the buffer".
 */
#ifndef GOHEAP_TESTS_WALKER_H
#define GOHEAP_TESTS_WALKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WALK_NTAGS 18

/* One object record as the walker saw it, in file order. */
typedef struct walk_object {
	uint64_t rec_off;       /* offset of the record's tag byte */
	uint64_t len_off;       /* offset of the contents length varint */
	uint64_t contents_off;  /* offset of the first contents byte */
	uint64_t addr, size;
	uint64_t nptr;          /* pointer fields listed */
} walk_object;

typedef struct walk_result {
	size_t nrec;            /* records, EOF included */
	uint64_t *rec_off;      /* start offset of each record (its tag) */
	uint8_t *rec_tag;
	uint64_t *rec_str;      /* offset of the record's first string length
				   varint, or UINT64_MAX if it has none */
	uint64_t end_off;       /* one past the EOF record */
	uint64_t count[WALK_NTAGS], bytes[WALK_NTAGS];
	walk_object *obj;
	size_t nobj;
	uint64_t obj_fields;    /* pointer fields listed by all objects */
	bool have_params, big_endian;
	uint64_t ptr_size;
	const char *error;      /* NULL, or why the walk stopped */
	uint64_t error_off;
} walk_result;

/* Walk buf; 0 when it ends with an EOF record exactly at len, else -1 and
 * out->error set. Free with walk_free() in either case. */
int walk_records(const uint8_t *buf, size_t len, walk_result *out);
void walk_free(walk_result *w);

/* Encode v as a uvarint of exactly n bytes (1..10; padded with 0x80 groups);
 * returns n, or 0 if v does not fit in n bytes. */
size_t walk_put_varint(uint8_t *out, uint64_t v, size_t n);

#endif
