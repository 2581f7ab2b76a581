/*
 * outfile.c - all-or-nothing output files; see outfile.h.
 */
#define _GNU_SOURCE
#include "util/outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/diag.h"

#define OUT_BUFFER (1u << 20)

/* The process umask (read by setting it back at once: not thread-safe, like umask itself). */
static mode_t umask_value(void)
{
	mode_t m = umask(022);
	umask(m);
	return m;
}

static void release(outfile *o)
{
	free(o->path);
	free(o->tmp);
	free(o->buf);
	memset(o, 0, sizeof *o);
}

int outfile_open(outfile *o, const char *path, goheap_diag *d)
{
	memset(o, 0, sizeof *o);
	diag_clear(d);
	o->path = strdup(path);
	o->buf = malloc(OUT_BUFFER);
	if (!o->path || !o->buf) {
		release(o);
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory opening %s", path);
	}
	struct stat st;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
	} else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(path, "wb");
	} else {
		size_t n = strlen(path);
		o->tmp = malloc(n + sizeof ".tmp-XXXXXX");
		if (!o->tmp) {
			release(o);
			return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory opening %s", path);
		}
		memcpy(o->tmp, path, n);
		memcpy(o->tmp + n, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
		int fd = mkstemp(o->tmp);
		if (fd >= 0) {
			(void)fchmod(fd, 0666 & ~umask_value()); /* as fopen would create it, not mkstemp's 0600 */
			o->f = fdopen(fd, "wb");
			if (!o->f) {
				int e = errno;
				close(fd);
				unlink(o->tmp);
				errno = e;
			}
		}
	}
	if (!o->f) {
		int e = errno;
		release(o);
		return diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "cannot write %s: %s", path, strerror(e));
	}
	setvbuf(o->f, o->buf, _IOFBF, OUT_BUFFER);
	return GOHEAP_OK;
}

bool outfile_write(outfile *o, const void *p, size_t n)
{
	if (o->err)
		return false;
	if (n && fwrite(p, 1, n, o->f) != n) {
		o->err = errno ? errno : EIO;
		return false;
	}
	o->written += n;
	return true;
}

int outfile_commit(outfile *o, goheap_diag *d)
{
	diag_clear(d);
	int e = o->err;
	if (!e && fflush(o->f) != 0)
		e = errno ? errno : EIO;
	if (!e && o->tmp && fsync(fileno(o->f)) != 0)
		e = errno;
	if (o->f != stdout && fclose(o->f) != 0 && !e)
		e = errno ? errno : EIO;
	o->f = NULL;
	if (!e && o->tmp && rename(o->tmp, o->path) != 0)
		e = errno;
	if (e) {
		if (o->tmp)
			unlink(o->tmp);
		int rc = diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "cannot write %s: %s", o->path,
				  strerror(e));
		release(o);
		return rc;
	}
	release(o);
	return GOHEAP_OK;
}

void outfile_abort(outfile *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	release(o);
}
