/*
 * hexfile.h - the format of the inputs in tests/corrupt (NNNN-name.hex).
 *
 *   # provenance: <who/what made it, when, why>, expect: <STATUS> <record> <field>
 *   # offset: <decimal>                 (optional: the expected diag.offset)
 *   "go1.7 heap dump\n"  06 00 08       # data: hex bytes and "strings"
 *
 * Data is hex byte pairs and double-quoted strings (escapes \n \t \\ \"
 * \xHH), separated by white space; '#' starts a comment to the end of the
 * line. STATUS is a goheap_status name without or with its GOHEAP_ prefix
 * (OK, ECORRUPT, ...); record and field are the expected diag.record and
 * diag.field, '-' meaning NULL. The field is the rest of the line, so it
 * may contain spaces ("pointer size").
 */
#ifndef GOHEAP_TESTS_HEXFILE_H
#define GOHEAP_TESTS_HEXFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hexfile {
	uint8_t *data;          /* exactly len bytes (NULL when len is 0) */
	size_t len;
	bool has_expect;
	int status;             /* expected goheap_status */
	char record[64];        /* "" means NULL */
	char field[64];
	bool has_offset;
	uint64_t offset;
} hexfile;

/* Load path; 0 on success, else -1 with a message in err. */
int hexfile_load(const char *path, hexfile *out, char *err, size_t errlen);
void hexfile_free(hexfile *h);

/* "ECORRUPT" or "GOHEAP_ECORRUPT" -> GOHEAP_ECORRUPT; 1 if unknown. */
int hexfile_status_code(const char *name);
/* GOHEAP_ECORRUPT -> "ECORRUPT". */
const char *hexfile_status_name(int code);

#endif
