/*
 * touch.h - call every accessor of an opened dump and read every byte and
 * word they point at, the way a client would. Shared by the fuzz harness
 * and the corruption tests: on any dump that opens, this must not crash
 * or read outside the dump (ASan checks the latter). A broken library
 * guarantee (a field word outside its block, verify failing without a
 * diag) calls abort(), so the fuzzer reports it.
 */
#ifndef GOHEAP_TESTS_TOUCH_H
#define GOHEAP_TESTS_TOUCH_H

#include <stdbool.h>
#include <stdint.h>

#include "goheap/dump.h"

/*
 * Walk everything; returns a checksum so nothing is optimised away. With
 * deep, also look up every pointer word read as an object address (the
 * costly part on a big dump).
 */
uint64_t touch_dump(const goheap_dump *dp, bool deep);

#endif
