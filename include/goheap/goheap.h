/*
 * goheap.h - version, status codes and the diagnostic record shared by
 * every goheap library call.
 *
 * Contract: every fallible call returns an int, GOHEAP_OK (0) on success or
 * a negative goheap_status. When the caller passes a goheap_diag, a failing
 * call fills it: code, byte offset in the dump, the record and field that
 * were being read, and a one-line message. The library never prints, never
 * exits and never aborts on bad input.
 */
#ifndef GOHEAP_GOHEAP_H
#define GOHEAP_GOHEAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GOHEAP_VERSION_MAJOR 0
#define GOHEAP_VERSION_MINOR 1
#define GOHEAP_VERSION_PATCH 0
#define GOHEAP_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define GOHEAP_EXTERN __attribute__((visibility("default")))
#else
#define GOHEAP_EXTERN
#endif

/** Status codes. Numbers are frozen: new codes are only ever appended. */
typedef enum goheap_status {
	GOHEAP_OK = 0,
	GOHEAP_ENOMEM = -1,      /**< an allocation failed */
	GOHEAP_EIO = -2,         /**< a file could not be opened, read, mapped or written */
	GOHEAP_ENOTDUMP = -3,    /**< the input is not a Go heap dump */
	GOHEAP_EUNSUPPORTED = -4,/**< a heap dump of a format goheap does not read */
	GOHEAP_ECORRUPT = -5,    /**< the dump is truncated or corrupt */
	GOHEAP_ENOTFOUND = -6,   /**< a lookup found nothing (not an error by itself) */
	GOHEAP_EINVAL = -7,      /**< a caller passed an invalid argument */
	GOHEAP_ETOOBIG = -8,     /**< the input exceeds a limit goheap supports */
	GOHEAP_EMISMATCH = -9,   /**< the binary did not write the dump */
	GOHEAP_ENOTELF = -10     /**< the binary is not an ELF file */
} goheap_status;

/** Where "no offset" is stored in goheap_diag.offset. */
#define GOHEAP_NO_OFFSET UINT64_MAX

/**
 * Details of the last failure of one call. Caller-owned; the library writes
 * only into it and never allocates for it. Zero-initialise before use.
 */
typedef struct goheap_diag {
	int code;            /**< the goheap_status returned */
	uint64_t offset;     /**< byte offset in the (decompressed) dump, or GOHEAP_NO_OFFSET */
	const char *record;  /**< static name of the record being read, or NULL */
	const char *field;   /**< static name of the field being read, or NULL */
	char msg[256];       /**< one line, lower case, no trailing full stop */
} goheap_diag;

/** A static, never-NULL description of a status code. */
GOHEAP_EXTERN const char *goheap_strerror(int code);

/** The library's version string, e.g. "0.1.0". */
GOHEAP_EXTERN const char *goheap_version(void);

#ifdef __cplusplus
}
#endif

#endif
