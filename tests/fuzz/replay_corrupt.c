/*
 * replay_corrupt.c - replay the hand-made and fuzzer-found corrupt inputs
 * in tests/corrupt (the .hex files) and check each one's expected diagnostic.
 *
 *   replay_corrupt DIR_OR_FILE...
 *
 * Every input is opened from memory as it is and gzip-compressed; both
 * must give the status, record, field (and offset, when the file names
 * one) of its expect: line. An input expected to open is verified and
 * walked through every accessor.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "goheap/dump.h"
#include "hexfile.h"
#include "testutil.h"
#include "touch.h"

static void check_one(const char *path, const hexfile *h, const uint8_t *data, size_t len, const char *how)
{
	goheap_dump *dp = NULL;
	goheap_diag d;
	int rc = goheap_dump_open_mem(&dp, data, len, NULL, &d);
	const char *rec = rc ? d.record : NULL, *field = rc ? d.field : NULL;
	bool ok = rc == h->status &&
		  (rc == GOHEAP_OK || (strcmp(rec ? rec : "", h->record) == 0 &&
				       strcmp(field ? field : "", h->field) == 0 &&
				       (!h->has_offset || d.offset == h->offset)));
	CHECKF(ok, "%s (%s): got %s %s %s at offset %llu (\"%s\"), want %s %s %s%s", tu_basename(path), how,
	       hexfile_status_name(rc), rec ? rec : "-", field ? field : "-",
	       rc ? (unsigned long long)d.offset : 0ull, rc ? d.msg : "", hexfile_status_name(h->status),
	       *h->record ? h->record : "-", *h->field ? h->field : "-", h->has_offset ? " (with offset)" : "");
	if (rc == GOHEAP_OK) {
		(void)touch_dump(dp, true);
		goheap_dump_free(dp);
	} else {
		CHECK_EQ_I(d.code, rc);
		CHECK(d.msg[0] != '\0');
	}
}

static void replay(const char *path)
{
	hexfile h;
	char err[256];
	if (hexfile_load(path, &h, err, sizeof err) != 0) {
		CHECKF(0, "%s", err);
		return;
	}
	CHECKF(h.has_expect, "%s: no 'expect:' in its first comment", path);
	if (h.has_expect) {
		check_one(path, &h, h.data, h.len, "plain");
		size_t gz_len;
		uint8_t *gz = tu_gzip(h.data ? (const void *)h.data : "", h.len, &gz_len);
		CHECK(gz != NULL);
		/* Compressed: the same diagnostic, offsets in the inflated bytes. */
		if (gz)
			check_one(path, &h, gz, gz_len, "gzip");
		free(gz);
	}
	printf("%s: %zu bytes, %s\n", tu_basename(path), h.len, hexfile_status_name(h.status));
	hexfile_free(&h);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	size_t files = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			CHECKF(0, "%s: cannot stat", argv[i]);
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			replay(argv[i]);
			files++;
			continue;
		}
		DIR *dir = opendir(argv[i]);
		if (!dir) {
			CHECKF(0, "%s: cannot open", argv[i]);
			continue;
		}
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *e;
		while ((e = readdir(dir))) {
			size_t l = strlen(e->d_name);
			if (l < 5 || strcmp(e->d_name + l - 4, ".hex") != 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				char **nn = realloc(names, cap * sizeof *nn);
				if (!nn)
					abort();
				names = nn;
			}
			size_t pl = strlen(argv[i]) + l + 2;
			names[n] = malloc(pl);
			if (!names[n])
				abort();
			snprintf(names[n], pl, "%s/%s", argv[i], e->d_name);
			n++;
		}
		closedir(dir);
		qsort(names, n, sizeof *names, by_name);
		for (size_t k = 0; k < n; k++) {
			replay(names[k]);
			free(names[k]);
		}
		free(names);
		files += n;
	}
	CHECKF(files > 0, "no .hex inputs found");
	return CHECK_DONE();
}
