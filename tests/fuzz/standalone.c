/*
 * standalone.c - a main() for fuzz_dump.c without libFuzzer: feeds every
 * file named on the command line, and every file in every directory named,
 * to LLVMFuzzerTestOneInput. Files ending in .hex are decoded first
 * (tests/corrupt format, hexfile.h). ctest runs it over the corpus with
 * any compiler; under GOHEAP_SANITIZE it is a sanitizer replay.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hexfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long inputs;

static int run_file(const char *path)
{
	size_t l = strlen(path);
	if (l > 4 && strcmp(path + l - 4, ".hex") == 0) {
		hexfile h;
		char err[256];
		if (hexfile_load(path, &h, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		LLVMFuzzerTestOneInput(h.data ? h.data : (const uint8_t *)"", h.len);
		hexfile_free(&h);
		inputs++;
		return 0;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return 1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
			if (!buf)
				break;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	int bad = ferror(f) || !buf;
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		return 1;
	}
	/* An exact-size copy, as libFuzzer passes it: overreads are caught. */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		return 1;
	}
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	inputs++;
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: cannot stat\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "%s: cannot open directory\n", path);
		return 1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		size_t pl = strlen(path) + strlen(e->d_name) + 2;
		char *p = malloc(pl);
		if (!p) {
			rc = 1;
			break;
		}
		snprintf(p, pl, "%s/%s", path, e->d_name);
		rc |= run_path(p);
		free(p);
	}
	closedir(dir);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i]);
	printf("%lu inputs replayed\n", inputs);
	if (inputs == 0) {
		fprintf(stderr, "no inputs\n");
		return 1;
	}
	return rc;
}
