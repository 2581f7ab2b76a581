/*
 * diag.h - filling a goheap_diag. The one error-reporting shape of the
 * library: a status code, plus offset/record/field/message in the caller's
 * diag when it passed one.
 */
#ifndef GOHEAP_UTIL_DIAG_H
#define GOHEAP_UTIL_DIAG_H

#include <stdint.h>

#include "goheap/goheap.h"

#if defined(__GNUC__)
#define GOHEAP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define GOHEAP_COLD __attribute__((cold, noinline))
#else
#define GOHEAP_PRINTF(f, a)
#define GOHEAP_COLD
#endif

/*
 * Record a failure in d (which may be NULL) and return code, so callers can
 * write `return diag_set(d, GOHEAP_EIO, ...);`.
 */
int diag_set(goheap_diag *d, int code, uint64_t offset, const char *record,
	     const char *field, const char *fmt, ...) GOHEAP_PRINTF(6, 7) GOHEAP_COLD;

/* Reset d to "no error". NULL is a no-op. */
void diag_clear(goheap_diag *d);

#endif
