/*
 * report.h - what the dominator reports (top, tree, path, leaks, diff)
 * share: human-readable sizes, node names, shortest paths from named
 * roots with every step named by field.
 */
#ifndef GOHEAP_CLI_REPORT_H
#define GOHEAP_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cli/session.h"
#include "goheap/analysis.h"

/* "1.5 MiB", "312 B" (binary units, one decimal). */
void human_size(uint64_t n, char *buf, size_t len);

#endif
