/*
 * make_seeds.c - write fuzzing seeds made of real dump bytes.
 *
 *   fuzz_make_seeds OUTDIR INPUT...
 *
 * For a real dump (plain or .gz) it writes, named after the dump:
 *   -prefix4k, -prefix16k   its first 4 and 16 KiB (truncated dumps)
 *   -runtime                header, params, type/itab records, the first
 *                           64 objects, then every goroutine, stackframe,
 *                           defer, panic, osthread, finalizer and memstats
 *                           record, the first 8 memprof and 32 allocsample
 *                           records, and EOF: whole real records, so the
 *                           seed opens and reaches verify and the accessors
 *                           (and the objects those finalizers and samples
 *                           name, so the seed passes verify too)
 *   -data                   header, params, the data record (if < 48 KiB),
 *                           memstats, EOF
 * For a .hex file (tests/corrupt) it writes its decoded bytes.
 *
 * Records are found with the independent walker; nothing is re-encoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexfile.h"
#include "testutil.h"
#include "walker.h"

static const char *outdir;

static int write_seed(const char *base, const char *suffix, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s%s", outdir, base, suffix);
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write\n", path);
		return 1;
	}
	printf("%s: %zu bytes\n", path, n);
	return 0;
}

typedef struct sb {
	uint8_t *b;
	size_t n, cap;
} sb;

static void add(sb *s, const uint8_t *p, size_t n)
{
	if (s->n + n > s->cap) {
		size_t nc = (s->n + n) * 2;
		uint8_t *nb = realloc(s->b, nc);
		if (!nb)
			abort();
		s->b = nb;
		s->cap = nc;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void add_record(sb *s, const uint8_t *raw, const walk_result *w, size_t k)
{
	uint64_t end = k + 1 < w->nrec ? w->rec_off[k + 1] : w->end_off;
	add(s, raw + w->rec_off[k], (size_t)(end - w->rec_off[k]));
}

/* The first uvarint at p (the record's first field: its tag is 1 byte). */
static uint64_t first_varint(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7, p++) {
		v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			break;
	}
	return v;
}

/* Does object record k contain one of the addresses? */
static bool names_object(const uint8_t *raw, const walk_result *w, size_t k, const uint64_t *a, size_t n)
{
	(void)raw;
	for (size_t i = 0; i < w->nobj; i++) {
		if (w->obj[i].rec_off != w->rec_off[k])
			continue;
		for (size_t j = 0; j < n; j++)
			if (a[j] >= w->obj[i].addr && a[j] - w->obj[i].addr < w->obj[i].size)
				return true;
		return false;
	}
	return false;
}

static int from_dump(const char *path)
{
	size_t len;
	uint8_t *raw = tu_read_file(path, &len);
	if (!raw)
		return 1;
	walk_result w;
	if (walk_records(raw, len, &w) != 0) {
		fprintf(stderr, "%s: walker: %s\n", path, w.error);
		walk_free(&w);
		free(raw);
		return 1;
	}
	char base[256];
	snprintf(base, sizeof base, "%s", tu_basename(path));
	char *dot = strstr(base, ".dump");
	if (dot)
		*dot = '\0';
	int rc = 0;
	rc |= write_seed(base, "-prefix4k", raw, len < 4096 ? len : 4096);
	rc |= write_seed(base, "-prefix16k", raw, len < 16384 ? len : 16384);

	/* Objects named by the finalizers and allocation samples kept, so
	 * the seed also passes verify. */
	uint64_t named[64];
	size_t nnamed = 0, nsamples = 0;
	for (size_t k = 0; k < w.nrec && nnamed < 64; k++) {
		unsigned t = w.rec_tag[k];
		if (t == 7 || t == 11 || (t == 17 && nsamples++ < 32))
			named[nnamed++] = first_varint(raw + w.rec_off[k] + 1);
	}
	sb s = { NULL, 0, 0 };
	add(&s, raw, 16);
	unsigned nobj = 0, nprof = 0, nsample = 0;
	for (size_t k = 0; k < w.nrec; k++) {
		unsigned t = w.rec_tag[k];
		bool keep;
		switch (t) {
		case 1: keep = nobj++ < 64 || names_object(raw, &w, k, named, nnamed); break;
		case 12: case 13: keep = false; break;
		case 16: keep = nprof++ < 8; break;
		case 17: keep = nsample++ < 32; break;
		default: keep = true; break;
		}
		if (keep)
			add_record(&s, raw, &w, k);
	}
	rc |= write_seed(base, "-runtime", s.b, s.n);

	s.n = 0;
	add(&s, raw, 16);
	bool have_data = false;
	for (size_t k = 0; k < w.nrec; k++) {
		unsigned t = w.rec_tag[k];
		uint64_t end = k + 1 < w.nrec ? w.rec_off[k + 1] : w.end_off;
		if (t == 12 && end - w.rec_off[k] < 48 * 1024)
			have_data = true;
		else if (t != 6 && t != 10 && t != 0)
			continue;
		add_record(&s, raw, &w, k);
	}
	if (have_data)
		rc |= write_seed(base, "-data", s.b, s.n);
	free(s.b);
	walk_free(&w);
	free(raw);
	return rc;
}

static int from_hex(const char *path)
{
	hexfile h;
	char err[256];
	if (hexfile_load(path, &h, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	char base[256];
	snprintf(base, sizeof base, "corrupt-%s", tu_basename(path));
	base[strlen(base) - 4] = '\0';
	int rc = write_seed(base, "", h.data, h.len);
	hexfile_free(&h);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fuzz_make_seeds OUTDIR DUMP|HEX...\n");
		return 2;
	}
	outdir = argv[1];
	int rc = 0;
	for (int i = 2; i < argc; i++) {
		size_t l = strlen(argv[i]);
		rc |= l > 4 && strcmp(argv[i] + l - 4, ".hex") == 0 ? from_hex(argv[i]) : from_dump(argv[i]);
	}
	return rc;
}
