/*
 * fuzz_dump.c - libFuzzer harness: open any bytes as a dump (plain or
 * gzip), and on success verify it and walk every accessor (touch.c).
 * Must never crash, leak or read outside the input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "goheap/dump.h"
#include "touch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	goheap_open_opts opts = GOHEAP_OPEN_OPTS_INIT;
	opts.max_inflated = (uint64_t)64 << 20; /* a gzip bomb is not a finding */
	goheap_dump *dp = NULL;
	goheap_diag diag;
	int rc = goheap_dump_open_mem(&dp, data, size, &opts, &diag);
	if (rc != GOHEAP_OK) {
		/* A failure leaves no dump and a filled diag; corruption is
		 * placed in a record, at an offset inside a plain input. */
		bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
		if (dp || diag.code != rc || !diag.msg[0] || rc > 0 || rc < GOHEAP_ENOTELF)
			abort();
		if (rc == GOHEAP_ECORRUPT &&
		    (!diag.record || (!gz && diag.offset != GOHEAP_NO_OFFSET && diag.offset > size)))
			abort();
		return 0;
	}
	(void)touch_dump(dp, true);
	goheap_dump_free(dp);
	return 0;
}
