/*
 * facts_probe - test helper: for each address given, print the object that
 * contains it as one JSON line: {"addr", "found", "slot", "size", "word"}.
 * The word is the pointer-sized word at addr read in the target byte order.
 * tests/cli/test_facts.py compares these with what the Go program that
 * wrote the dump recorded about its own objects.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "goheap/dump.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: facts_probe DUMP [ADDR...]\n");
		return 2;
	}
	goheap_dump *dp;
	goheap_diag d;
	if (goheap_dump_open(&dp, argv[1], NULL, &d)) {
		fprintf(stderr, "facts_probe: %s: %s\n", argv[1], d.msg);
		return 1;
	}
	unsigned ptr = goheap_dump_params(dp)->ptr_size;
	for (int i = 2; i < argc; i++) {
		uint64_t a = strtoull(argv[i], NULL, 0);
		uint32_t idx;
		if (goheap_dump_find_object(dp, a, &idx) != GOHEAP_OK) {
			printf("{\"addr\": %" PRIu64 ", \"found\": false}\n", a);
			continue;
		}
		goheap_object obj = goheap_dump_object(dp, idx), *o = &obj;
		uint64_t word = 0;
		if (a - o->addr + ptr <= o->size)
			word = goheap_dump_read_word(dp, goheap_dump_data(dp, o->contents_off + (a - o->addr)));
		goheap_fields it = goheap_object_fields(dp, o);
		uint64_t off, nptrs = 0;
		while (goheap_fields_next(&it, &off))
			nptrs++;
		printf("{\"addr\": %" PRIu64 ", \"found\": true, \"slot\": %" PRIu64 ", \"size\": %" PRIu64
		       ", \"word\": %" PRIu64 ", \"pointers\": %" PRIu64 ", \"span_tail\": %s}\n",
		       a, o->addr, o->size, word, nptrs, goheap_dump_is_span_tail(dp, idx) ? "true" : "false");
	}
	goheap_dump_free(dp);
	return 0;
}
