/*
 * test_dump.c - goheap_dump_open / goheap_dump_open_mem and the accessors.
 *
 *   test_dump              error paths on small hand-built inputs
 *   test_dump DUMP.gz...   invariants on real dumps, checked against the
 *                          independent record walker (walker.c)
 *
 * Hand-built byte buffers are used only for inputs that must be refused;
 * everything a successful open returns is checked on real dumps.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "goheap/dump.h"
#include "testutil.h"
#include "walker.h"

/* ---- building small inputs ---------------------------------------------- */

typedef struct buf {
	uint8_t b[512];
	size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
	if (b->n + n > sizeof b->b)
		abort();
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_s(buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_v(buf *b, uint64_t v)
{
	do {
		uint8_t x = v & 0x7f;
		v >>= 7;
		if (v)
			x |= 0x80;
		put(b, &x, 1);
	} while (v);
}

static void put_str(buf *b, const char *s)
{
	put_v(b, strlen(s));
	put_s(b, s);
}

#define HEADER "go1.7 heap dump\n"

/* Header and a params record (ptr_size as given). */
static void put_head(buf *b, uint64_t ptr_size)
{
	put_s(b, HEADER);
	put_v(b, GOHEAP_TAG_PARAMS);
	put_v(b, 0);
	put_v(b, ptr_size);
	put_v(b, 0x10000);
	put_v(b, 0x20000);
	put_str(b, "amd64");
	put_str(b, "go1.22.0");
	put_v(b, 2);
}

/* ---- expecting a failure ------------------------------------------------ */

/*
 * Open [p, p+n) and expect status want; record/field NULL means "don't
 * check", "" means "must be NULL". off GOHEAP_NO_OFFSET - 1 means "don't
 * check". Returns the diag for further checks.
 */
#define ANY_OFFSET (GOHEAP_NO_OFFSET - 1)
static goheap_diag expect_fail_at(int line, const void *p, size_t n, int want, const char *record,
				  const char *field, uint64_t off, const char *msg_part)
{
	goheap_dump *dp = (goheap_dump *)&dp; /* must be reset to NULL */
	goheap_diag d;
	memset(&d, 0x5a, sizeof d);
	/* An exact-size copy, so ASan catches any read past the end. */
	uint8_t *copy = tu_dup(p, n);
	int rc = goheap_dump_open_mem(&dp, copy, n, NULL, &d);
	CHECKF(rc == want, "line %d: status %d (%s), want %d; msg: %s", line, rc, goheap_strerror(rc),
	       want, rc ? d.msg : "");
	CHECKF(dp == NULL, "line %d: out not reset to NULL on failure", line);
	if (rc == GOHEAP_OK)
		goheap_dump_free(dp);
	CHECK_EQ_I(d.code, rc);
	if (record)
		CHECKF(*record ? d.record && strcmp(d.record, record) == 0 : d.record == NULL,
		       "line %d: record \"%s\", want \"%s\"", line, d.record ? d.record : "(null)", record);
	if (field)
		CHECKF(*field ? d.field && strcmp(d.field, field) == 0 : d.field == NULL,
		       "line %d: field \"%s\", want \"%s\"", line, d.field ? d.field : "(null)", field);
	if (off != ANY_OFFSET)
		CHECKF(d.offset == off, "line %d: offset %llu, want %llu", line,
		       (unsigned long long)d.offset, (unsigned long long)off);
	CHECKF(memchr(d.msg, '\0', sizeof d.msg) && d.msg[0], "line %d: empty or unterminated msg", line);
	if (msg_part)
		CHECKF(strstr(d.msg, msg_part), "line %d: msg \"%s\" lacks \"%s\"", line, d.msg, msg_part);
	free(copy);
	return d;
}
#define EXPECT_FAIL(p, n, want, record, field, off, msg) \
	expect_fail_at(__LINE__, p, n, want, record, field, off, msg)

static void test_header(void)
{
	/* Older formats are refused by name. */
	for (char v = '3'; v <= '6'; v++) {
		char h[] = "go1.X heap dump\n";
		h[4] = v;
		char want[] = "go1.X heap dump";
		want[4] = v;
		goheap_diag d = EXPECT_FAIL(h, 16, GOHEAP_EUNSUPPORTED, "header", "", 0, want);
		char go[] = "Go 1.X";
		go[5] = v;
		CHECK_CONTAINS(d.msg, go);
	}
	/* An unknown future version: still "unsupported", naming it. */
	EXPECT_FAIL("go1.8 heap dump\n", 16, GOHEAP_EUNSUPPORTED, "header", "", 0, "go1.8 heap dump");
	EXPECT_FAIL("go1.9 heap dump\n\0", 17, GOHEAP_EUNSUPPORTED, "header", "", 0, "go1.9");

	/* Not a dump at all. */
	static const char text[] = "hello, world: this is just some text\n";
	EXPECT_FAIL(text, sizeof text - 1, GOHEAP_ENOTDUMP, "header", "", 0, "not a Go heap dump");
	EXPECT_FAIL("go1.7 heap dumq\n", 16, GOHEAP_ENOTDUMP, "header", "", 0, NULL);
	EXPECT_FAIL("GO1.7 HEAP DUMP\n", 16, GOHEAP_ENOTDUMP, "header", "", 0, NULL);
	EXPECT_FAIL("go1.x heap dump\n", 16, GOHEAP_ENOTDUMP, "header", "", 0, NULL);
	EXPECT_FAIL("x", 1, GOHEAP_ENOTDUMP, "header", "", 0, NULL);
	tu_rng r = { 99 };
	for (int i = 0; i < 50; i++) {
		uint8_t junk[64];
		for (size_t k = 0; k < sizeof junk; k++)
			junk[k] = (uint8_t)tu_rand(&r);
		if (junk[0] == 0x1f)
			junk[0] = 0; /* not the gzip magic */
		size_t n = 1 + tu_below(&r, sizeof junk);
		EXPECT_FAIL(junk, n, GOHEAP_ENOTDUMP, "header", "", 0, NULL);
	}

	/* Empty input: not a dump, both from memory and from a file. */
	EXPECT_FAIL("", 0, GOHEAP_ENOTDUMP, NULL, NULL, 0, NULL);
	goheap_dump *dp = NULL;
	goheap_diag d;
	CHECK_EQ_I(goheap_dump_open_mem(&dp, NULL, 0, NULL, &d), GOHEAP_ENOTDUMP);
	char path[] = "/tmp/goheap-test-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		close(fd);
		CHECK_EQ_I(goheap_dump_open(&dp, path, NULL, &d), GOHEAP_ENOTDUMP);
		CHECK(dp == NULL);
		unlink(path);
	}

	/* A prefix of the header: truncated, at the end of the input. */
	for (size_t n = 1; n < 16; n++)
		EXPECT_FAIL(HEADER, n, GOHEAP_ECORRUPT, "header", "", n, "header");
}

static void test_records(void)
{
	buf b = { .n = 0 };
	/* Header only: no EOF record. */
	put_s(&b, HEADER);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "record", "tag", 16, "ends without the EOF record");
	/* Header and EOF, no params. */
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "eof", NULL, 17, "no params record");

	/* Params then the end of the input. */
	b.n = 0;
	put_head(&b, 8);
	size_t head = b.n;
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "record", "tag", head, "ends without the EOF record");
	/* Trailing bytes after EOF. */
	put_v(&b, GOHEAP_TAG_EOF);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "eof", "", head + 1, "trailing");
	b.n = head + 1;
	put_s(&b, "junk");
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "eof", "", head + 1, "4 bytes of trailing data");

	/* Records before params. */
	static const unsigned needs_params[] = { GOHEAP_TAG_OBJECT, GOHEAP_TAG_GOROUTINE,
						 GOHEAP_TAG_STACKFRAME, GOHEAP_TAG_DATA, GOHEAP_TAG_BSS };
	for (size_t i = 0; i < sizeof needs_params / sizeof needs_params[0]; i++) {
		b.n = 0;
		put_s(&b, HEADER);
		put_v(&b, needs_params[i]);
		for (int k = 0; k < 20; k++)
			put_v(&b, 1);
		put_v(&b, GOHEAP_TAG_EOF);
		goheap_diag d = EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, goheap_tag_name(needs_params[i]), "",
					    ANY_OFFSET, "before the params record");
		CHECK(d.offset >= 16 && d.offset <= 17);
	}

	/* Bad pointer sizes, each reported at the ptrsize varint (offset 18). */
	static const uint64_t bad_ptr[] = { 0, 1, 2, 3, 5, 7, 16, 32, 1u << 20, UINT64_MAX };
	for (size_t i = 0; i < sizeof bad_ptr / sizeof bad_ptr[0]; i++) {
		b.n = 0;
		put_head(&b, bad_ptr[i]);
		put_v(&b, GOHEAP_TAG_EOF);
		EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "params", "pointer size", 18, "not 4 or 8");
	}
	/* Bad big-endian flag. */
	b.n = 0;
	put_s(&b, HEADER);
	put_v(&b, GOHEAP_TAG_PARAMS);
	put_v(&b, 2);
	put_v(&b, 8);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "params", "big endian", 17, "bool");
	/* A second params record. */
	b.n = 0;
	put_head(&b, 8);
	size_t second = b.n;
	put_head(&b, 8);
	memmove(b.b + second, b.b + second + 16, b.n - second - 16);
	b.n -= 16;
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "params", "", ANY_OFFSET, "second params");

	/* Unknown tags, one- and two-byte. */
	static const uint64_t bad_tags[] = { GOHEAP_TAG_COUNT, 0x7f, 0x80, 300, UINT64_MAX };
	for (size_t i = 0; i < sizeof bad_tags / sizeof bad_tags[0]; i++) {
		b.n = 0;
		put_head(&b, 8);
		put_v(&b, bad_tags[i]);
		put_v(&b, GOHEAP_TAG_EOF);
		EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "record", "tag", head, "unknown record tag");
	}

	/* Objects: empty, overflowing and field lists pointing outside. */
	b.n = 0;
	put_head(&b, 8);
	put_v(&b, GOHEAP_TAG_OBJECT);
	put_v(&b, 0x10000);
	size_t len_at = b.n;
	put_v(&b, 0);
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "object", "contents", len_at, "impossible size");
	b.n = head;
	put_v(&b, GOHEAP_TAG_OBJECT);
	put_v(&b, UINT64_MAX - 2);
	len_at = b.n;
	put_str(&b, "0123456789abcdef");
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "object", "contents", len_at, "impossible size");
	b.n = head;
	put_v(&b, GOHEAP_TAG_OBJECT);
	put_v(&b, 0x10000);
	put_str(&b, "0123456789abcdef");
	size_t fl_at = b.n;
	put_v(&b, 1);
	put_v(&b, 9); /* 9 + 8 > 16 */
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "object", "field offset", fl_at + 1, "outside");
	b.n = fl_at;
	put_v(&b, 4);
	put_v(&b, 0);
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "object", "field kind", fl_at, "field kind 4");
	/* A multi-byte bad kind is reported at its first byte too. */
	b.n = fl_at;
	put_v(&b, 200);
	put_v(&b, 0);
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "object", "field kind", fl_at, "field kind 200");
	/* 4-byte pointers: an address past 4 GiB. */
	b.n = 0;
	put_head(&b, 4);
	put_v(&b, GOHEAP_TAG_OBJECT);
	size_t addr_at = b.n;
	put_v(&b, (uint64_t)1 << 32);
	put_str(&b, "0123");
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "object", "addr", addr_at, "4-byte pointer");
	/* Two overlapping objects. */
	b.n = head;
	put_v(&b, GOHEAP_TAG_OBJECT);
	put_v(&b, 0x10008);
	put_str(&b, "01234567");
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_OBJECT);
	put_v(&b, 0x10000);
	put_str(&b, "0123456789abcdef");
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "object", "addr", ANY_OFFSET, "overlap");

	/* A stack frame with no goroutine before it. */
	b.n = head;
	put_v(&b, GOHEAP_TAG_STACKFRAME);
	put_v(&b, 0x1000);
	put_v(&b, 0);
	put_v(&b, 0);
	put_str(&b, "01234567");
	put_v(&b, 1);
	put_v(&b, 2);
	put_v(&b, 3);
	put_str(&b, "main.f");
	put_v(&b, 0);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "stackframe", "", ANY_OFFSET, "before any goroutine");

	/* A memprof stack deeper than the bytes left. */
	b.n = head;
	put_v(&b, GOHEAP_TAG_MEMPROF);
	put_v(&b, 1);
	put_v(&b, 2);
	size_t nstk_at = b.n;
	put_v(&b, (uint64_t)1 << 40);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "memprof", "nstk", nstk_at, "cannot fit");

	/* A string running past the end of the input. */
	b.n = head;
	put_v(&b, GOHEAP_TAG_OTHERROOT);
	size_t desc_at = b.n;
	put_v(&b, (uint64_t)1 << 63);
	put_v(&b, GOHEAP_TAG_EOF);
	EXPECT_FAIL(b.b, b.n, GOHEAP_ECORRUPT, "otherroot", "description", desc_at, "past the end");
}

static void test_gzip_and_args(void)
{
	buf b = { .n = 0 };
	put_s(&b, HEADER);
	size_t gz_len;
	uint8_t *gz = tu_gzip(b.b, b.n, &gz_len);
	CHECK(gz != NULL);
	if (!gz)
		return;
	/* Offsets are in the decompressed dump. */
	EXPECT_FAIL(gz, gz_len, GOHEAP_ECORRUPT, "record", "tag", 16, "ends without the EOF record");
	/* Every truncation of the gzip stream is a clean error. */
	for (size_t n = 2; n < gz_len; n++)
		EXPECT_FAIL(gz, n, GOHEAP_ECORRUPT, NULL, NULL, ANY_OFFSET, NULL);
	EXPECT_FAIL(gz, gz_len - 9, GOHEAP_ECORRUPT, "gzip", "", ANY_OFFSET, "gzip");
	free(gz);

	/* Inflation stops at max_inflated. */
	static uint8_t zeros[1 << 16];
	memcpy(zeros, HEADER, 16);
	gz = tu_gzip(zeros, sizeof zeros, &gz_len);
	CHECK(gz != NULL);
	if (gz) {
		goheap_open_opts o = GOHEAP_OPEN_OPTS_INIT;
		o.max_inflated = 1000;
		goheap_dump *dp = NULL;
		goheap_diag d;
		CHECK_EQ_I(goheap_dump_open_mem(&dp, gz, gz_len, &o, &d), GOHEAP_ETOOBIG);
		CHECK(dp == NULL);
		CHECK_EQ_I(d.code, GOHEAP_ETOOBIG);
		/* With room, the zeros after the header are EOF records, then
		 * trailing data. */
		o.max_inflated = 0;
		CHECK_EQ_I(goheap_dump_open_mem(&dp, gz, gz_len, &o, &d), GOHEAP_ECORRUPT);
		CHECK_STR(d.record, "eof");
		free(gz);
	}

	goheap_dump *dp = NULL;
	goheap_diag d;
	CHECK_EQ_I(goheap_dump_open_mem(NULL, HEADER, 16, NULL, &d), GOHEAP_EINVAL);
	CHECK_EQ_I(goheap_dump_open_mem(&dp, NULL, 16, NULL, &d), GOHEAP_EINVAL);
	CHECK_EQ_I(goheap_dump_open(NULL, "x", NULL, &d), GOHEAP_EINVAL);
	CHECK_EQ_I(goheap_dump_open(&dp, NULL, NULL, &d), GOHEAP_EINVAL);
	CHECK_EQ_I(goheap_dump_open(&dp, "/nonexistent/goheap/x.dump", NULL, &d), GOHEAP_EIO);
	CHECK(dp == NULL);
	CHECK_CONTAINS(d.msg, "/nonexistent/goheap/x.dump");
	CHECK_EQ_I(goheap_dump_open(&dp, "/", NULL, &d), GOHEAP_EIO);
	/* A NULL diag is fine. */
	CHECK_EQ_I(goheap_dump_open_mem(&dp, "nope", 4, NULL, NULL), GOHEAP_ENOTDUMP);
	goheap_dump_free(NULL);
	CHECK_STR(goheap_tag_name(GOHEAP_TAG_COUNT), "unknown");
	CHECK_STR(goheap_tag_name(GOHEAP_TAG_STACKFRAME), "stackframe");
}

/* ---- real dumps --------------------------------------------------------- */

static int cmp_walk_obj(const void *a, const void *b)
{
	const walk_object *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Linear search over the walker's objects in file order. */
static const walk_object *brute_find(const walk_result *w, uint64_t a)
{
	for (size_t i = 0; i < w->nobj; i++)
		if (a >= w->obj[i].addr && a - w->obj[i].addr < w->obj[i].size)
			return &w->obj[i];
	return NULL;
}

static void check_find(const goheap_dump *dp, uint64_t a, int want, uint32_t want_idx, const char *what)
{
	uint32_t idx = UINT32_MAX;
	int rc = goheap_dump_find_object(dp, a, &idx);
	CHECKF(rc == want && (rc != GOHEAP_OK || idx == want_idx),
	       "find_object(0x%llx) [%s] = %d/%u, want %d/%u", (unsigned long long)a, what, rc, idx, want,
	       want_idx);
}

static void test_objects(const goheap_dump *dp, const walk_result *w, const uint8_t *raw)
{
	size_t n;
	goheap_object *v = tu_objects(dp, &n);
	CHECK_EQ_U(n, w->nobj);
	if (!v || n != w->nobj) {
		free(v);
		return;
	}

	/* Sorted and disjoint. */
	size_t unsorted = 0, overlaps = 0;
	for (size_t i = 1; i < n; i++) {
		unsorted += v[i - 1].addr >= v[i].addr;
		overlaps += v[i].addr - v[i - 1].addr < v[i - 1].size;
	}
	CHECK_EQ_U(unsorted, 0);
	CHECK_EQ_U(overlaps, 0);

	/* The same objects as the walker's, once those are qsorted. */
	walk_object *s = malloc((n ? n : 1) * sizeof *s);
	if (!s) {
		CHECKF(0, "out of memory");
		free(v);
		return;
	}
	memcpy(s, w->obj, n * sizeof *s);
	size_t file_inversions = 0;
	for (size_t i = 1; i < n; i++)
		file_inversions += s[i - 1].addr > s[i].addr;
	printf("  %zu objects, %zu descents in file order%s\n", n, file_inversions,
	       file_inversions ? " (file order is not address order)" : "");
	qsort(s, n, sizeof *s, cmp_walk_obj);
	size_t diff = 0;
	for (size_t i = 0; i < n; i++)
		diff += v[i].addr != s[i].addr || v[i].size != s[i].size ||
			v[i].contents_off != s[i].contents_off;
	CHECK_EQ_U(diff, 0);

	/* Contents are where the dump says. */
	for (size_t i = 0; i < n; i += 97)
		CHECK(goheap_dump_data(dp, v[i].contents_off) == raw + s[i].contents_off);

	/* Pointer fields: the total, and each one inside its object. */
	uint64_t nptr = 0, outside = 0, ps = goheap_dump_params(dp)->ptr_size;
	for (size_t i = 0; i < n; i++) {
		goheap_fields it = goheap_object_fields(dp, &v[i]);
		uint64_t off;
		while (goheap_fields_next(&it, &off)) {
			nptr++;
			if (off > v[i].size || v[i].size - off < ps)
				outside++;
			else
				(void)goheap_dump_read_word(dp, goheap_dump_data(dp, v[i].contents_off + off));
		}
	}
	CHECK_EQ_U(nptr, w->obj_fields);
	CHECK_EQ_U(goheap_dump_object_pointers(dp), w->obj_fields);
	CHECK_EQ_U(outside, 0);

	/* find_object at each object's edges, inside it and just outside. */
	for (size_t i = 0; i < n; i++) {
		uint64_t a = s[i].addr, end = a + s[i].size;
		check_find(dp, a, GOHEAP_OK, (uint32_t)i, "first byte");
		check_find(dp, end - 1, GOHEAP_OK, (uint32_t)i, "last byte");
		check_find(dp, a + s[i].size / 2, GOHEAP_OK, (uint32_t)i, "interior");
		if (i > 0 && s[i - 1].addr + s[i - 1].size == a)
			check_find(dp, a - 1, GOHEAP_OK, (uint32_t)(i - 1), "one before, adjacent");
		else
			check_find(dp, a - 1, GOHEAP_ENOTFOUND, 0, "one before");
		if (i + 1 < n && s[i + 1].addr == end)
			check_find(dp, end, GOHEAP_OK, (uint32_t)(i + 1), "one past, adjacent");
		else
			check_find(dp, end, GOHEAP_ENOTFOUND, 0, "one past");
	}
	check_find(dp, 0, GOHEAP_ENOTFOUND, 0, "zero");
	check_find(dp, UINT64_MAX, GOHEAP_ENOTFOUND, 0, "max");

	/* And against a linear search of the file-order objects. */
	tu_rng r = { 0x5eed };
	size_t disagree = 0;
	uint64_t lo = n ? s[0].addr - 64 : 0, span = n ? s[n - 1].addr + s[n - 1].size - lo + 128 : 1;
	for (int k = 0; k < 2000 && n; k++) {
		uint64_t a;
		switch (k % 4) {
		case 0: a = lo + tu_below(&r, span); break;
		case 1: a = s[tu_below(&r, n)].addr - 1; break;
		case 2: { const walk_object *o = &s[tu_below(&r, n)]; a = o->addr + o->size; break; }
		default: { const walk_object *o = &s[tu_below(&r, n)]; a = o->addr + tu_below(&r, o->size); break; }
		}
		const walk_object *want = brute_find(w, a);
		uint32_t idx;
		int rc = goheap_dump_find_object(dp, a, &idx);
		if (want ? rc != GOHEAP_OK || v[idx].addr != want->addr : rc != GOHEAP_ENOTFOUND)
			disagree++;
	}
	CHECK_EQ_U(disagree, 0);

	/* Span tails are objects, and counted once each. */
	uint64_t tails = 0, tail_bytes = 0, tc, tb;
	for (size_t i = 0; i < n; i++)
		if (goheap_dump_is_span_tail(dp, (uint32_t)i)) {
			tails++;
			tail_bytes += v[i].size;
		}
	goheap_dump_span_tail_totals(dp, &tc, &tb);
	CHECK_EQ_U(tails, tc);
	CHECK_EQ_U(tail_bytes, tb);
	CHECK(!goheap_dump_is_span_tail(dp, (uint32_t)n));
	free(s);
	free(v);
}

/* Every other accessor's count against the walker's record counts. */
static void test_counts(const goheap_dump *dp, const walk_result *w)
{
	size_t n;
	uint64_t total = 16;
	for (unsigned t = 0; t < GOHEAP_TAG_COUNT; t++) {
		goheap_record_stat st = goheap_dump_record_stat(dp, t);
		CHECKF(st.count == w->count[t] && st.bytes == w->bytes[t],
		       "tag %u (%s): library %llu records / %llu bytes, walker %llu / %llu", t,
		       goheap_tag_name(t), (unsigned long long)st.count, (unsigned long long)st.bytes,
		       (unsigned long long)w->count[t], (unsigned long long)w->bytes[t]);
		total += st.bytes;
	}
	CHECK_EQ_U(total, goheap_dump_size(dp));
	goheap_record_stat none = goheap_dump_record_stat(dp, GOHEAP_TAG_COUNT);
	CHECK(none.count == 0 && none.bytes == 0);
	CHECK_EQ_U(w->count[GOHEAP_TAG_EOF], 1);
	CHECK_EQ_U(w->count[GOHEAP_TAG_PARAMS], 1);

	const goheap_params *pr = goheap_dump_params(dp);
	CHECK_EQ_U(pr->ptr_size, w->ptr_size);
	CHECK(pr->big_endian == w->big_endian);

	const goheap_goroutine *g = goheap_dump_goroutines(dp, &n);
	size_t ng = n;
	CHECK_EQ_U(ng, w->count[GOHEAP_TAG_GOROUTINE]);
	const goheap_frame *f = goheap_dump_frames(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_STACKFRAME]);
	uint64_t frames = 0;
	for (size_t i = 0; i < ng; i++) {
		CHECK_EQ_U(g[i].first_frame, frames);
		for (uint32_t k = 0; k < g[i].nframes; k++)
			CHECK_EQ_U(f[g[i].first_frame + k].goroutine, i);
		frames += g[i].nframes;
	}
	CHECK_EQ_U(frames, n);
	const goheap_segment *seg = goheap_dump_segments(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_DATA] + w->count[GOHEAP_TAG_BSS]);
	size_t nbss = 0;
	for (size_t i = 0; i < n; i++)
		nbss += seg[i].is_bss;
	CHECK_EQ_U(nbss, w->count[GOHEAP_TAG_BSS]);
	const goheap_finalizer *fin = goheap_dump_finalizers(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_FINALIZER] + w->count[GOHEAP_TAG_QUEUEDFINALIZER]);
	size_t nq = 0;
	for (size_t i = 0; i < n; i++)
		nq += fin[i].queued;
	CHECK_EQ_U(nq, w->count[GOHEAP_TAG_QUEUEDFINALIZER]);
	const goheap_type *ty = goheap_dump_types(dp, &n);
	CHECK(n <= w->count[GOHEAP_TAG_TYPE]);
	size_t dup = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < i; k++)
			dup += ty[i].addr == ty[k].addr;
	CHECK_EQ_U(dup, 0);
	(void)goheap_dump_itabs(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_ITAB]);
	(void)goheap_dump_osthreads(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_OSTHREAD]);
	(void)goheap_dump_otherroots(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_OTHERROOT]);
	(void)goheap_dump_defers(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_DEFER]);
	(void)goheap_dump_panics(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_PANIC]);
	const goheap_memprof *mp = goheap_dump_memprofs(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_MEMPROF]);
	size_t nmf;
	(void)goheap_dump_memprof_frames(dp, &nmf);
	uint64_t mframes = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_U(mp[i].first_frame, mframes);
		mframes += mp[i].nframes;
	}
	CHECK_EQ_U(mframes, nmf);
	(void)goheap_dump_allocsamples(dp, &n);
	CHECK_EQ_U(n, w->count[GOHEAP_TAG_ALLOCSAMPLE]);
	CHECK((goheap_dump_memstats(dp) != NULL) == (w->count[GOHEAP_TAG_MEMSTATS] == 1));
}

/* "go1.NN" in the file name, or 0. */
static unsigned name_minor(const char *path)
{
	const char *s = strstr(tu_basename(path), "go1.");
	return s ? (unsigned)strtoul(s + 4, NULL, 10) : 0;
}

static void test_real_dump(const char *path)
{
	check_context = tu_basename(path);
	printf("%s\n", check_context);
	size_t len;
	uint8_t *raw = tu_read_file(path, &len);
	CHECK(raw != NULL);
	if (!raw)
		return;

	/* Open from the file (gzip) and from the inflated bytes. */
	goheap_dump *dz = NULL, *dp = NULL;
	goheap_diag d;
	int rc = goheap_dump_open(&dz, path, NULL, &d);
	CHECKF(rc == GOHEAP_OK, "open: %s at %llu", d.msg, (unsigned long long)d.offset);
	rc = goheap_dump_open_mem(&dp, raw, len, NULL, &d);
	CHECKF(rc == GOHEAP_OK, "open_mem: %s at %llu", d.msg, (unsigned long long)d.offset);
	if (!dz || !dp) {
		goheap_dump_free(dz);
		goheap_dump_free(dp);
		free(raw);
		return;
	}
	CHECK_EQ_U(goheap_dump_size(dp), len);
	CHECK_EQ_U(goheap_dump_size(dz), len);
	CHECK(!goheap_dump_was_compressed(dp));
	CHECK(goheap_dump_was_compressed(dz) == (strstr(path, ".gz") != NULL));
	CHECK(goheap_dump_data(dp, 0) == raw);
	CHECK(memcmp(goheap_dump_data(dz, 0), raw, len) == 0);
	CHECKF(goheap_dump_verify(dp, &d) == GOHEAP_OK, "verify: %s", d.msg);
	CHECKF(goheap_dump_verify(dz, &d) == GOHEAP_OK, "verify: %s", d.msg);

	unsigned major, minor;
	goheap_dump_go_version(dp, &major, &minor);
	CHECK_EQ_U(major, 1);
	if (name_minor(path))
		CHECK_EQ_U(minor, name_minor(path));

	walk_result w;
	rc = walk_records(raw, len, &w);
	CHECKF(rc == 0, "walker: %s at %llu", w.error ? w.error : "?", (unsigned long long)w.error_off);
	if (rc == 0) {
		printf("  %zu records, %zu bytes\n", w.nrec, len);
		test_counts(dp, &w);
		test_objects(dp, &w, raw);
		/* Both opens agree on every count. */
		for (unsigned t = 0; t < GOHEAP_TAG_COUNT; t++)
			CHECK_EQ_U(goheap_dump_record_stat(dz, t).bytes, goheap_dump_record_stat(dp, t).bytes);
	}
	walk_free(&w);
	goheap_dump_free(dz);
	goheap_dump_free(dp);
	free(raw);
	check_context = "";
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		test_header();
		test_records();
		test_gzip_and_args();
	}
	for (int i = 1; i < argc; i++)
		test_real_dump(argv[i]);
	return CHECK_DONE();
}
