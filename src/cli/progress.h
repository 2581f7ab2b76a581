/*
 * progress.h - progress lines on stderr while a long read runs. Shown only
 * when stderr is a terminal and --quiet was not given; erased when done.
 */
#ifndef GOHEAP_CLI_PROGRESS_H
#define GOHEAP_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct progress {
	bool enabled;
	const char *what;     /* "reading dump" */
	bool shown;
} progress;

void progress_init(progress *p, const char *what, bool quiet);
/* A goheap_progress_fn: ctx is a progress*. */
void progress_update(void *ctx, uint64_t done, uint64_t total);
void progress_done(progress *p);
/* Show just the stage's name ("typing objects...") for work without a measure. */
void progress_stage(progress *p);

#endif
