/*
 * human.h - byte counts for people: "312 B", "1.5 MiB" (binary units, one
 * decimal). One spelling for every report and picture goheap makes.
 */
#ifndef GOHEAP_UTIL_HUMAN_H
#define GOHEAP_UTIL_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* Write n as text into buf (always NUL-terminated when len > 0). */
void human_size(uint64_t n, char *buf, size_t len);

#endif
