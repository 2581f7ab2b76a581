/*
 * outfile.h - writing an output file all or nothing.
 *
 * The bytes go to a temporary file beside the target (same directory, so
 * the final rename is atomic), through a large stdio buffer; commit
 * flushes, syncs and renames it over the target, abort removes it. A
 * failed run therefore leaves no half-written file. Write errors (a full
 * disk) are remembered at the first failing write and reported by commit
 * with the target's name and the system's reason.
 *
 * Targets that are not regular files (/dev/stdout, a pipe, /dev/null,
 * /dev/full) are written in place: they cannot be renamed over. "-" is
 * standard output.
 *
 * Every writer in formats/ writes through this, so none prints or exits.
 */
#ifndef GOHEAP_UTIL_OUTFILE_H
#define GOHEAP_UTIL_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "goheap/goheap.h"

typedef struct outfile {
	FILE *f;
	char *path;      /* the target */
	char *tmp;       /* the temporary file, or NULL when written in place */
	int err;         /* errno of the first failed write, 0 while all is well */
	uint64_t written;
	char *buf;       /* the stdio buffer */
} outfile;

/* Start writing path. GOHEAP_OK, or GOHEAP_EIO / GOHEAP_ENOMEM in d. */
int outfile_open(outfile *o, const char *path, goheap_diag *d);

/* Append n bytes; false (and the error kept for commit) when writing failed. */
bool outfile_write(outfile *o, const void *p, size_t n);

/* Finish: flush, sync, rename over the target. On failure the temporary
 * file is removed and d says why. Always releases o. */
int outfile_commit(outfile *o, goheap_diag *d);

/* Give up: remove the temporary file, release o. NULL-safe on a zeroed o. */
void outfile_abort(outfile *o);

#endif
