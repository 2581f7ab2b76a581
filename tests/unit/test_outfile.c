/*
 * test_outfile.c - all-or-nothing output files (src/util/outfile.c): a
 * committed file has every byte and no temporary is left beside it; an
 * aborted or failed one leaves the target as it was; a full device and a
 * missing directory are clear errors.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "util/outfile.h"

static char dir[] = "/tmp/goheap-outfile-XXXXXX";

/* Entries in dir, "." and ".." left out. */
static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	return n;
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL);
	char path[256], got[4096];
	snprintf(path, sizeof path, "%s/out.bin", dir);
	outfile o;
	goheap_diag d = { 0 };

	/* commit: all bytes, nothing else left */
	CHECK_EQ_I(outfile_open(&o, path, &d), GOHEAP_OK);
	CHECK_EQ_I(entries(), 1); /* the temporary only */
	struct stat st;
	CHECK(stat(path, &st) != 0);
	for (int i = 0; i < 1000; i++)
		CHECK(outfile_write(&o, "0123", 4));
	CHECK_EQ_I(outfile_commit(&o, &d), GOHEAP_OK);
	CHECK_EQ_U(slurp(path, got, sizeof got), 4000);
	CHECK(memcmp(got + 3996, "0123", 4) == 0);
	CHECK_EQ_I(entries(), 1);

	/* abort: the old file stays as it was */
	CHECK_EQ_I(outfile_open(&o, path, &d), GOHEAP_OK);
	CHECK(outfile_write(&o, "new", 3));
	outfile_abort(&o);
	CHECK_EQ_U(slurp(path, got, sizeof got), 4000);
	CHECK_EQ_I(entries(), 1);

	/* replace: a commit swaps the whole file */
	CHECK_EQ_I(outfile_open(&o, path, &d), GOHEAP_OK);
	CHECK(outfile_write(&o, "new", 3));
	CHECK_EQ_I(outfile_commit(&o, &d), GOHEAP_OK);
	CHECK_EQ_U(slurp(path, got, sizeof got), 3);
	CHECK_EQ_I(entries(), 1);

	/* a full device: written in place, the error comes at commit */
	if (access("/dev/full", W_OK) == 0) {
		CHECK_EQ_I(outfile_open(&o, "/dev/full", &d), GOHEAP_OK);
		for (int i = 0; i < 2000; i++)
			outfile_write(&o, got, sizeof got); /* more than the buffer */
		CHECK_EQ_I(outfile_commit(&o, &d), GOHEAP_EIO);
		CHECKF(strstr(d.msg, "/dev/full") && strstr(d.msg, "No space left on device"), "message: %s", d.msg);
	}

	/* a directory that does not exist */
	snprintf(path, sizeof path, "%s/no/such/dir/out.bin", dir);
	CHECK_EQ_I(outfile_open(&o, path, &d), GOHEAP_EIO);
	CHECKF(strstr(d.msg, "No such file or directory") != NULL, "message: %s", d.msg);

	snprintf(path, sizeof path, "%s/out.bin", dir);
	unlink(path);
	rmdir(dir);
	return CHECK_DONE();
}
