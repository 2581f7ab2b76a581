/* diag.c - status strings and goheap_diag filling. */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *goheap_strerror(int code)
{
	switch (code) {
	case GOHEAP_OK: return "success";
	case GOHEAP_ENOMEM: return "out of memory";
	case GOHEAP_EIO: return "input/output error";
	case GOHEAP_ENOTDUMP: return "not a Go heap dump";
	case GOHEAP_EUNSUPPORTED: return "unsupported dump format";
	case GOHEAP_ECORRUPT: return "corrupt or truncated dump";
	case GOHEAP_ENOTFOUND: return "not found";
	case GOHEAP_EINVAL: return "invalid argument";
	case GOHEAP_ETOOBIG: return "input too large";
	case GOHEAP_EMISMATCH: return "binary did not write the dump";
	case GOHEAP_ENOTELF: return "not an ELF file";
	default: return "unknown error";
	}
}

const char *goheap_version(void)
{
	return GOHEAP_VERSION_STRING;
}

int diag_set(goheap_diag *d, int code, uint64_t offset, const char *record,
	     const char *field, const char *fmt, ...)
{
	if (!d)
		return code;
	d->code = code;
	d->offset = offset;
	d->record = record;
	d->field = field;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	return code;
}

void diag_clear(goheap_diag *d)
{
	if (!d)
		return;
	memset(d, 0, sizeof *d);
	d->offset = GOHEAP_NO_OFFSET;
}
