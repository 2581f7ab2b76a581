/*
 * proto.h - a streaming writer of pprof's profile.proto, gzip-compressed.
 *
 * A protobuf message is a sequence of fields, and a top-level message may
 * give its fields in any order, repeated ones interleaved (profile.proto's
 * readers accept that). So a Profile need not be held in memory: each
 * sub-message (a Sample, Location, Function, ValueType) is built in a
 * small buffer, since it needs its length in front, and written out at
 * once; strings go into the string table the first time they are used,
 * so their index is known before anything refers to them. The bytes go
 * through zlib's deflate (gzip framing, as pprof requires) into an
 * outfile (temporary file renamed on success).
 *
 * Every call returns GOHEAP_OK or a goheap_status; after a failure the
 * writer only waits for proto_finish() (which reports a write error with
 * the file's name and the system's reason) or proto_abort().
 *
 * Field numbers (profile.proto; varints unless noted, LEN = length-delimited):
 *   Profile  1 sample_type ValueType  2 sample Sample  3 mapping Mapping  4 location Location
 *            5 function Function  6 string_table string  9 time_nanos
 *            11 period_type ValueType  12 period  13 comment (string index)
 *            14 default_sample_type (string index)
 *   ValueType 1 type  2 unit (string indices)
 *   Sample   1 location_id (packed, leaf first)  2 value (packed int64)
 *   Mapping  1 id  5 filename (string index)  7 has_functions  8 has_filenames
 *            9 has_line_numbers (bools)
 *   Location 1 id  2 mapping_id  4 line Line     Line  1 function_id  2 line
 *   Function 1 id  2 name  4 filename (string indices)
 */
#ifndef GOHEAP_PPROF_PROTO_H
#define GOHEAP_PPROF_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "goheap/goheap.h"
#include "util/hash.h"
#include "util/outfile.h"
#include "util/vec.h"

/* A growable byte buffer. */
typedef struct proto_buf {
	uint8_t *v;
	size_t n, alloc;
} proto_buf;

typedef struct proto {
	outfile out;
	bool out_open;
	z_stream z;
	bool z_open;
	uint8_t *in;               /* protobuf bytes waiting for deflate */
	size_t in_n;
	uint8_t *zout;             /* deflate's output buffer */
	proto_buf msg;             /* the sub-message being built */
	proto_buf packed;          /* a packed repeated field being built */
	strmap strings;            /* string -> index in the string table */
	uint32_t nstrings;
	uint64_t proto_bytes;      /* uncompressed bytes so far */
	int status;                /* the first failure, GOHEAP_OK while all is well */
	char why[160];             /* what failed, for a failure that is not a write error */
} proto;

/* Start writing path (gzip level 1..9, 0 for zlib's default). Writes string 0 (""). */
int proto_open(proto *p, const char *path, int level, goheap_diag *d);

/* The index of s in the string table, written there on first use. */
int proto_string(proto *p, const char *s, size_t len, uint32_t *index);

/* A ValueType field (Profile.sample_type = 1, period_type = 11). */
int proto_value_type(proto *p, unsigned field, uint32_t type, uint32_t unit);

/* A varint field of the Profile itself (time_nanos, period, comment, default_sample_type). */
int proto_int(proto *p, unsigned field, uint64_t v);

/* A Function whose name, system name and file are string indices. */
int proto_function(proto *p, uint64_t id, uint32_t name, uint32_t filename);

/* The Mapping of the binary whose file name is string `filename`, marked as symbolized. */
int proto_mapping(proto *p, uint64_t id, uint32_t filename);

/* A Location of one line of one function, in mapping mapping_id (0: none). */
int proto_location(proto *p, uint64_t id, uint64_t mapping_id, uint64_t function_id, int64_t line);

/* A Sample: location ids leaf first, one value per sample type. */
int proto_sample(proto *p, const uint64_t *locs, size_t nlocs, const int64_t *values, size_t nvalues);

/*
 * End the stream and commit the file; after a failure, remove it instead
 * and report why in d. Always releases p; returns GOHEAP_OK or the failure.
 * *file_bytes (may be NULL) gets the size written.
 */
int proto_finish(proto *p, uint64_t *file_bytes, goheap_diag *d);

/* Give up: remove the temporary file and release p. Safe on a zeroed p. */
void proto_abort(proto *p);

#endif
