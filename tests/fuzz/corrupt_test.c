/*
 * corrupt_test.c - systematic corruption of a real dump.
 *
 *   corrupt_test [--cuts N] [--flips N] [--boundaries N] [--seed S] DUMP.gz
 *
 * The dump is inflated and walked with the independent walker
 * (tests/unit/walker.c) to find every record boundary. Then, opening each
 * variant with goheap_dump_open_mem from an exact-size buffer:
 *
 *   boundaries  the dump cut at record boundaries b and at b-1, b+1 (the
 *               first and last few records of every tag, every change of
 *               tag, and N sampled others): a cut at a boundary must fail
 *               exactly there ("ends without the EOF record"); a cut inside
 *               a record must fail inside that record, naming it.
 *   cuts        N cuts at random offsets: an error, placed at or before
 *               the cut, in a named record.
 *   flips       N single-byte changes (half anywhere, half in record
 *               headers and field lists): OK or a clean error; a variant
 *               that opens is verified and walked through every accessor.
 *   padding     object field lists rewritten with padded varints (valid
 *               LEB128, never written by the runtime): same objects/fields
 *   lengths     the first string length of records of every kind replaced
 *               by a 10-byte varint: 2^62, 2^63 and one past the end must
 *               fail at that varint naming the field; the same length
 *               padded to 10 bytes must open.
 *
 * Everything is seeded (per dump) and deterministic. The defaults (2000
 * cuts, 1000 flips, 400 under ASan, 100 sampled boundaries) keep a run to
 * about 3 seconds per dump, 5 under ASan; ctest -L slow runs a long one.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "goheap/dump.h"
#include "testutil.h"
#include "touch.h"
#include "walker.h"

/* Under ASan a flip costs ~6 ms instead of ~2: fewer by default. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static const uint8_t *raw;
static size_t raw_len;
static walk_result w;
static unsigned long opens, opened_ok;

/* Index of the record containing byte off (rec_off[k] <= off). */
static size_t record_at(uint64_t off)
{
	size_t lo = 0, hi = w.nrec;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (w.rec_off[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Open [p, p+n) (p must be an exact-size buffer); check the failure shape
 * every status must have. Returns the status, and the diag in *d. */
static int open_checked(const uint8_t *p, size_t n, goheap_diag *d, const char *what, uint64_t arg)
{
	goheap_dump *dp = NULL;
	int rc = goheap_dump_open_mem(&dp, p, n, NULL, d);
	opens++;
	if (rc == GOHEAP_OK) {
		/* Verifies too; aborts on a broken guarantee. Looking up every
		 * pointer word is slow on a whole dump: do it now and then. */
		(void)touch_dump(dp, opened_ok++ % 16 == 0);
		goheap_dump_free(dp);
		return rc;
	}
	CHECKF(rc == GOHEAP_ECORRUPT || rc == GOHEAP_ENOTDUMP || rc == GOHEAP_EUNSUPPORTED,
	       "%s %llu: status %d (%s)", what, (unsigned long long)arg, rc, goheap_strerror(rc));
	CHECKF(dp == NULL && d->code == rc && d->msg[0], "%s %llu: bad failure shape", what,
	       (unsigned long long)arg);
	CHECKF(d->record != NULL, "%s %llu: no record in the diag (\"%s\")", what, (unsigned long long)arg,
	       d->msg);
	CHECKF(d->offset <= n, "%s %llu: diag offset %llu past the %zu-byte input", what,
	       (unsigned long long)arg, (unsigned long long)d->offset, n);
	return rc;
}

/*
 * Cut the dump to its first n bytes. The prefix is copied to the end of
 * one raw_len-byte buffer, so it ends where the allocation ends and ASan
 * catches a read past the cut, without a fresh allocation per cut.
 */
static uint8_t *cut_buf;

static void cut_at(size_t n, const char *what)
{
	uint8_t *p = cut_buf + (raw_len - n);
	memcpy(p, raw, n);
	goheap_diag d;
	int rc = open_checked(p, n, &d, what, n);
	if (n == raw_len) {
		CHECKF(rc == GOHEAP_OK, "the whole dump: %s", d.msg);
		return;
	}
	CHECKF(rc != GOHEAP_OK, "%s: a dump cut to %zu of %zu bytes opened", what, n, raw_len);
	if (rc == GOHEAP_OK)
		return;
	if (n < 16) {
		/* Inside the header (or empty). */
		CHECKF(rc == (n ? GOHEAP_ECORRUPT : GOHEAP_ENOTDUMP) && d.record &&
			       strcmp(d.record, "header") == 0,
		       "%s: cut at %zu: %s %s", what, n, goheap_strerror(rc), d.msg);
		return;
	}
	size_t k = record_at(n);
	if (w.rec_off[k] == n) {
		/* At a boundary: a valid prefix, so the one error is the
		 * missing EOF record, at the end. */
		CHECKF(rc == GOHEAP_ECORRUPT && d.offset == n && d.record && strcmp(d.record, "record") == 0 &&
			       d.field && strcmp(d.field, "tag") == 0 && strstr(d.msg, "without the EOF record"),
		       "%s: cut at boundary %zu (before a %s record): %s/%s at %llu: %s", what, n,
		       goheap_tag_name(w.rec_tag[k]), d.record ? d.record : "-", d.field ? d.field : "-",
		       (unsigned long long)d.offset, d.msg);
	} else {
		/* Inside record k: the error is in that record. */
		const char *name = goheap_tag_name(w.rec_tag[k]);
		CHECKF(rc == GOHEAP_ECORRUPT && d.offset >= w.rec_off[k] && d.record &&
			       strcmp(d.record, name) == 0,
		       "%s: cut at %zu inside the %s record at %llu: %s %s/%s at %llu: %s", what, n, name,
		       (unsigned long long)w.rec_off[k], goheap_strerror(rc), d.record ? d.record : "-",
		       d.field ? d.field : "-", (unsigned long long)d.offset, d.msg);
	}
}

static void test_boundaries(tu_rng *r, unsigned sampled)
{
	/* Pick record indices: first/last 3 of each tag, tag changes, samples. */
	uint8_t *pick = calloc(w.nrec + 1, 1);
	if (!pick) {
		CHECKF(0, "out of memory");
		return;
	}
	size_t seen[WALK_NTAGS] = { 0 };
	for (size_t k = 0; k < w.nrec; k++) {
		unsigned t = w.rec_tag[k];
		if (seen[t] < 3 || w.count[t] - seen[t] <= 3)
			pick[k] = 1;
		if (k > 0 && w.rec_tag[k - 1] != t)
			pick[k] = pick[k - 1] = 1;
		seen[t]++;
	}
	for (unsigned i = 0; i < sampled && w.nrec; i++)
		pick[tu_below(r, w.nrec)] = 1;
	size_t n = 0;
	for (size_t k = 0; k < w.nrec; k++) {
		if (!pick[k])
			continue;
		uint64_t b = w.rec_off[k];
		cut_at((size_t)b - 1, "boundary-1");
		cut_at((size_t)b, "boundary");
		cut_at((size_t)b + 1, "boundary+1");
		n++;
	}
	/* The very end: without the EOF byte, and whole. */
	cut_at(raw_len - 1, "no EOF");
	cut_at(raw_len, "whole");
	/* And every cut inside the header. */
	for (size_t i = 0; i < 16; i++)
		cut_at(i, "header");
	printf("  boundaries: %zu of %zu record starts, each cut at b-1, b, b+1\n", n, w.nrec);
	free(pick);
}

static void test_cuts(tu_rng *r, unsigned ncuts)
{
	for (unsigned i = 0; i < ncuts; i++)
		cut_at((size_t)tu_below(r, raw_len), "random cut");
	printf("  random cuts: %u\n", ncuts);
}

static void test_flips(tu_rng *r, unsigned nflips)
{
	uint8_t *p = tu_dup(raw, raw_len);
	if (!p) {
		CHECKF(0, "out of memory");
		return;
	}
	unsigned long ok = 0, status[16] = { 0 };
	for (unsigned i = 0; i < nflips; i++) {
		size_t at;
		if (i % 2 == 0) {
			at = (size_t)tu_below(r, raw_len);
		} else {
			/* A record's first bytes (tag, addresses, lengths) or
			 * its last bytes (field list, EOF of the list). */
			size_t k = (size_t)tu_below(r, w.nrec);
			uint64_t start = w.rec_off[k];
			uint64_t end = k + 1 < w.nrec ? w.rec_off[k + 1] : w.end_off;
			uint64_t len = end - start, span = len < 12 ? len : 12;
			at = (size_t)(tu_below(r, 2) ? start + tu_below(r, span) : end - 1 - tu_below(r, span));
		}
		uint8_t old = p[at];
		p[at] = (uint8_t)(old ^ (1 + tu_below(r, 255)));
		goheap_diag d;
		int rc = open_checked(p, raw_len, &d, "flip at", at);
		ok += rc == GOHEAP_OK;
		status[(unsigned)-rc & 15]++;
		p[at] = old;
	}
	free(p);
	printf("  flips: %u, %lu still open (and verify/walk cleanly), %lu ECORRUPT, %lu ENOTDUMP, "
	       "%lu EUNSUPPORTED\n",
	       nflips, ok, status[-GOHEAP_ECORRUPT], status[-GOHEAP_ENOTDUMP], status[-GOHEAP_EUNSUPPORTED]);
}

/* The diag field the library names for a record's first string. */
static const char *first_string_field(unsigned tag)
{
	switch (tag) {
	case GOHEAP_TAG_OBJECT:
	case GOHEAP_TAG_STACKFRAME:
	case GOHEAP_TAG_DATA:
	case GOHEAP_TAG_BSS: return "contents";
	case GOHEAP_TAG_GOROUTINE: return "wait reason";
	case GOHEAP_TAG_TYPE: return "name";
	case GOHEAP_TAG_PARAMS: return "GOARCH";
	case GOHEAP_TAG_OTHERROOT: return "description";
	case GOHEAP_TAG_MEMPROF: return "frame function";
	default: return NULL;
	}
}

/* Replace the string length varint at off with a 10-byte varint of v
 * (v == UINT64_MAX - 1 means "one past the end", UINT64_MAX - 2 "the
 * original value"). Returns the new buffer (exact size) in *out. */
static size_t relength(size_t off, uint64_t v, uint8_t **out)
{
	size_t old_len = 1;
	while (raw[off + old_len - 1] & 0x80)
		old_len++;
	size_t n = raw_len - old_len + 10;
	uint8_t *p = malloc(n);
	if (!p)
		abort();
	memcpy(p, raw, off);
	memcpy(p + off + 10, raw + off + old_len, raw_len - off - old_len);
	if (v == UINT64_MAX - 1) {
		v = n - (off + 10) + 1;
	} else if (v == UINT64_MAX - 2) {
		v = 0;
		for (size_t i = 0; i < old_len; i++)
			v |= (uint64_t)(raw[off + i] & 0x7f) << (7 * i);
	}
	walk_put_varint(p + off, v, 10);
	*out = p;
	return n;
}

static void test_lengths(tu_rng *r)
{
	static const uint64_t absurd[] = { (uint64_t)1 << 62, (uint64_t)1 << 63, UINT64_MAX - 1 };
	unsigned tested = 0;
	for (unsigned tag = 0; tag < WALK_NTAGS; tag++) {
		const char *field = first_string_field(tag);
		if (!field || !w.count[tag])
			continue;
		/* First and last record of the tag, and a few random objects. */
		size_t ks[12], nk = 0, first = SIZE_MAX, last = 0;
		for (size_t k = 0; k < w.nrec; k++)
			if (w.rec_tag[k] == tag && w.rec_str[k] != UINT64_MAX) {
				if (first == SIZE_MAX)
					first = k;
				last = k;
			}
		if (first == SIZE_MAX)
			continue;
		ks[nk++] = first;
		ks[nk++] = last;
		if (tag == GOHEAP_TAG_OBJECT)
			for (int i = 0; i < 8; i++)
				ks[nk++] = record_at(w.obj[tu_below(r, w.nobj)].rec_off);
		for (size_t i = 0; i < nk; i++) {
			size_t off = (size_t)w.rec_str[ks[i]];
			for (size_t a = 0; a < sizeof absurd / sizeof absurd[0]; a++) {
				uint8_t *p;
				size_t n = relength(off, absurd[a], &p);
				goheap_diag d;
				int rc = open_checked(p, n, &d, "absurd length at", off);
				CHECKF(rc == GOHEAP_ECORRUPT && d.offset == off && d.record &&
					       strcmp(d.record, goheap_tag_name(tag)) == 0 && d.field &&
					       strcmp(d.field, field) == 0,
				       "%s length %llu at %zu: %s %s/%s at %llu (want %s/%s at %zu): %s",
				       goheap_tag_name(tag), (unsigned long long)absurd[a], off, goheap_strerror(rc),
				       d.record ? d.record : "-", d.field ? d.field : "-",
				       (unsigned long long)d.offset, goheap_tag_name(tag), field, off, d.msg);
				free(p);
				tested++;
			}
			/* The true length, padded to 10 bytes, is still valid. */
			uint8_t *p;
			size_t n = relength(off, UINT64_MAX - 2, &p);
			goheap_diag d;
			int rc = open_checked(p, n, &d, "padded length at", off);
			CHECKF(rc == GOHEAP_OK, "%s length at %zu padded to 10 bytes: %s at %llu",
			       goheap_tag_name(tag), off, d.msg, (unsigned long long)d.offset);
			free(p);
			tested++;
		}
	}
	printf("  lengths: %u variants\n", tested);
}

/*
 * Pad the varints of object field lists: kind k becomes (k|0x80, 00), each
 * offset gains a 0x80-continued byte and a 00, the terminating 0 becomes
 * 80 00. Go's decoder and the library's first pass accept padded varints,
 * so the dump must open with the same objects and fields. Objects with
 * index % every == 0 are padded.
 */
static void test_padding(unsigned every)
{
	size_t cap = raw_len * 3 + 64, n = 0;
	uint8_t *p = malloc(cap);
	if (!p)
		abort();
	memcpy(p, raw, 16);
	n = 16;
	size_t oi = 0;
	uint64_t padded = 0;
	for (size_t k = 0; k < w.nrec; k++) {
		uint64_t start = w.rec_off[k], end = k + 1 < w.nrec ? w.rec_off[k + 1] : w.end_off;
		if (w.rec_tag[k] != GOHEAP_TAG_OBJECT || oi++ % every != 0) {
			memcpy(p + n, raw + start, (size_t)(end - start));
			n += (size_t)(end - start);
			continue;
		}
		const walk_object *o = &w.obj[oi - 1];
		uint64_t fl = o->contents_off + o->size;
		memcpy(p + n, raw + start, (size_t)(fl - start));
		n += (size_t)(fl - start);
		for (uint64_t q = fl; q < end;) {
			uint8_t kind = raw[q++];
			if (kind & 0x80) { /* already multi-byte: copy the rest as is */
				q--;
				memcpy(p + n, raw + q, (size_t)(end - q));
				n += (size_t)(end - q);
				break;
			}
			p[n++] = (uint8_t)(kind | 0x80);
			p[n++] = 0;
			if (kind == 0)
				break;
			size_t vlen = 1;
			while (raw[q + vlen - 1] & 0x80)
				vlen++;
			memcpy(p + n, raw + q, vlen);
			q += vlen;
			n += vlen;
			if (vlen < 9) { /* one more (zero) group */
				p[n - 1] |= 0x80;
				p[n++] = 0;
			}
		}
		padded++;
	}
	uint8_t *exact = tu_dup(p, n);
	free(p);
	goheap_dump *a = NULL, *b = NULL;
	goheap_diag d;
	int rc = goheap_dump_open_mem(&a, raw, raw_len, NULL, &d);
	CHECK(rc == GOHEAP_OK);
	rc = goheap_dump_open_mem(&b, exact, n, NULL, &d);
	CHECKF(rc == GOHEAP_OK, "padded field lists (every %u): %s at %llu", every, d.msg,
	       (unsigned long long)d.offset);
	if (a && b) {
		size_t na, nb;
		goheap_object *va = tu_objects(a, &na), *vb = tu_objects(b, &nb);
		CHECK_EQ_U(na, nb);
		size_t diff = 0, field_diff = 0, tail_diff = 0;
		for (size_t i = 0; i < na && i < nb; i++) {
			diff += va[i].addr != vb[i].addr || va[i].size != vb[i].size ||
				memcmp(goheap_dump_data(a, va[i].contents_off), goheap_dump_data(b, vb[i].contents_off),
				       (size_t)va[i].size) != 0;
			goheap_fields fa = goheap_object_fields(a, &va[i]), fb = goheap_object_fields(b, &vb[i]);
			uint64_t oa, ob;
			bool ha, hb;
			do {
				ha = goheap_fields_next(&fa, &oa);
				hb = goheap_fields_next(&fb, &ob);
				field_diff += ha != hb || (ha && oa != ob);
			} while (ha && hb);
			tail_diff += goheap_dump_is_span_tail(a, (uint32_t)i) != goheap_dump_is_span_tail(b, (uint32_t)i);
		}
		CHECKF(diff == 0 && field_diff == 0 && tail_diff == 0,
		       "padded field lists (every %u): %zu objects, %zu field lists, %zu span-tail flags differ",
		       every, diff, field_diff, tail_diff);
		CHECK_EQ_U(goheap_dump_object_pointers(a), goheap_dump_object_pointers(b));
		(void)touch_dump(b, true);
		free(va);
		free(vb);
	}
	goheap_dump_free(a);
	goheap_dump_free(b);
	free(exact);
	printf("  padded field lists: %llu objects (every %u)\n", (unsigned long long)padded, every);
}

int main(int argc, char **argv)
{
	unsigned cuts = 2000, flips = SANITIZED ? 400 : 1000, boundaries = 100;
	uint64_t seed = 20261121;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--cuts") == 0)
			cuts = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && strcmp(argv[i], "--flips") == 0)
			flips = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && strcmp(argv[i], "--boundaries") == 0)
			boundaries = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[++i], NULL, 0);
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: corrupt_test [--cuts N] [--flips N] [--boundaries N] [--seed S] DUMP\n");
		return 2;
	}
	check_context = tu_basename(path);
	uint8_t *buf = tu_read_file(path, &raw_len);
	if (!buf)
		return 1;
	raw = buf;
	if (walk_records(raw, raw_len, &w) != 0) {
		fprintf(stderr, "%s: walker: %s at %llu\n", path, w.error, (unsigned long long)w.error_off);
		return 1;
	}
	printf("%s: %zu bytes, %zu records\n", check_context, raw_len, w.nrec);
	/* Each dump gets its own sample for a given seed. */
	for (const char *c = check_context; *c; c++)
		seed = (seed ^ (unsigned char)*c) * 0x100000001b3ull;
	tu_rng r = { seed };
	cut_buf = malloc(raw_len);
	if (!cut_buf)
		return 1;
	test_boundaries(&r, boundaries);
	test_cuts(&r, cuts);
	test_flips(&r, flips);
	test_lengths(&r);
	test_padding(1);
	test_padding(7);
	printf("  %lu opens, %lu opened\n", opens, opened_ok);
	walk_free(&w);
	free(cut_buf);
	free(buf);
	return CHECK_DONE();
}
