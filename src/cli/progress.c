/* progress.c - terminal progress; see progress.h. */
#include "cli/progress.h"

#include <stdio.h>
#include <unistd.h>

void progress_init(progress *p, const char *what, bool quiet)
{
	p->enabled = !quiet && isatty(STDERR_FILENO);
	p->what = what;
	p->shown = false;
}

void progress_update(void *ctx, uint64_t done, uint64_t total)
{
	progress *p = ctx;
	if (!p->enabled || !total)
		return;
	fprintf(stderr, "\r%s: %3u%% (%llu of %llu MiB)", p->what,
		(unsigned)(done * 100 / total), (unsigned long long)(done >> 20),
		(unsigned long long)(total >> 20));
	fflush(stderr);
	p->shown = true;
}

void progress_done(progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

void progress_stage(progress *p)
{
	if (!p->enabled)
		return;
	fprintf(stderr, "\r\033[K%s...", p->what);
	fflush(stderr);
	p->shown = true;
}
