/*
 * test_cursor.c - the bounds-checked cursor (src/util/cursor.h) and
 * vec_reserve (src/util/vec.h).
 *
 * Cursor contract under test: a read either succeeds and moves p past the
 * field, or returns GOHEAP_ECORRUPT, leaves p where the field began and
 * fills the diag with that offset, the cursor's record and the field name.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util/cursor.h"
#include "util/vec.h"

/* Bytes placed in front of every field, so offsets are not trivially 0. */
#define PAD 3

typedef struct fixture {
	uint8_t buf[64];
	size_t len;
	cursor c;
	goheap_diag d;
} fixture;

/* A cursor over PAD filler bytes then the n bytes of field, already past
 * the filler, decoding record "testrec". */
static void setup(fixture *f, const uint8_t *field, size_t n)
{
	memset(f, 0, sizeof *f);
	memset(f->buf, 0x55, PAD);
	if (n)
		memcpy(f->buf + PAD, field, n);
	f->len = PAD + n;
	cursor_init(&f->c, f->buf, f->len, &f->d);
	f->c.p += PAD;
	f->c.record = "testrec";
	f->d.offset = GOHEAP_NO_OFFSET;
}

/* The failure shape every cursor read must have. */
static void check_failed(const fixture *f, int rc, const char *field, const char *msg_part)
{
	CHECK_EQ_I(rc, GOHEAP_ECORRUPT);
	CHECK_EQ_I(f->d.code, GOHEAP_ECORRUPT);
	CHECK(f->c.p == f->buf + PAD);
	CHECK_EQ_U(f->d.offset, PAD);
	CHECK_STR(f->d.record, "testrec");
	CHECK_STR(f->d.field, field);
	CHECK(f->d.msg[0] != '\0');
	if (msg_part)
		CHECK_CONTAINS(f->d.msg, msg_part);
}

/* Canonical LEB128 of v; returns its length. */
static size_t enc(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		out[n++] = (uint8_t)(v ? b | 0x80 : b);
	} while (v);
	return n;
}

static void test_varint_lengths(void)
{
	for (unsigned len = 1; len <= 10; len++) {
		/* Smallest and largest value of exactly len bytes. */
		uint64_t lo = len == 1 ? 0 : (uint64_t)1 << (7 * (len - 1));
		uint64_t hi = len == 10 ? UINT64_MAX : ((uint64_t)1 << (7 * len)) - 1;
		uint64_t mid = lo + (hi - lo) / 3;
		uint64_t vals[3] = { lo, mid, hi };
		for (int k = 0; k < 3; k++) {
			uint8_t b[16];
			size_t n = enc(b, vals[k]);
			CHECK_EQ_U(n, len);
			fixture f;
			setup(&f, b, n);
			uint64_t v = 12345;
			CHECK_EQ_I(cursor_uvarint(&f.c, &v, "x"), GOHEAP_OK);
			CHECK_EQ_U(v, vals[k]);
			CHECK_EQ_U(cursor_offset(&f.c), PAD + len);
			CHECK_EQ_U(cursor_left(&f.c), 0);
			CHECK_EQ_U(f.d.offset, GOHEAP_NO_OFFSET); /* diag untouched */
			/* The slow path alone decodes the same. */
			setup(&f, b, n);
			v = 12345;
			CHECK_EQ_I(cursor_uvarint_slow(&f.c, &v, "x"), GOHEAP_OK);
			CHECK_EQ_U(v, vals[k]);
			CHECK_EQ_U(cursor_offset(&f.c), PAD + len);
		}
	}
	/* Two varints back to back: the cursor stops exactly between them. */
	static const uint8_t two[] = { 0xac, 0x02, 0x07 };
	fixture f;
	setup(&f, two, sizeof two);
	uint64_t a = 0, b = 0;
	CHECK_EQ_I(cursor_uvarint(&f.c, &a, "a"), GOHEAP_OK);
	CHECK_EQ_I(cursor_uvarint(&f.c, &b, "b"), GOHEAP_OK);
	CHECK_EQ_U(a, 300);
	CHECK_EQ_U(b, 7);
}

static void test_varint_limits(void)
{
	fixture f;
	uint64_t v;

	/* Max uint64: nine 0xff then 0x01. */
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	setup(&f, max, sizeof max);
	CHECK_EQ_I(cursor_uvarint(&f.c, &v, "x"), GOHEAP_OK);
	CHECK_EQ_U(v, UINT64_MAX);
	CHECK_EQ_U(cursor_offset(&f.c), PAD + 10);

	/* Non-canonical padding is accepted, as Go's binary.Uvarint does. */
	static const uint8_t pad0[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	setup(&f, pad0, sizeof pad0);
	CHECK_EQ_I(cursor_uvarint(&f.c, &v, "x"), GOHEAP_OK);
	CHECK_EQ_U(v, 0);
	static const uint8_t top[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
	setup(&f, top, sizeof top);
	CHECK_EQ_I(cursor_uvarint(&f.c, &v, "x"), GOHEAP_OK);
	CHECK_EQ_U(v, (uint64_t)1 << 63);

	/* 10th byte > 1 overflows 64 bits, whatever it is. */
	static const uint8_t last[] = { 0x02, 0x03, 0x7f, 0x80, 0x81, 0xff };
	for (size_t k = 0; k < sizeof last; k++) {
		uint8_t b[12];
		memset(b, 0xff, 9);
		b[9] = last[k];
		b[10] = 0x00;
		setup(&f, b, 11);
		v = 777;
		check_failed(&f, cursor_uvarint(&f.c, &v, "overflow field"), "overflow field", "overflow");
		CHECK_EQ_U(v, 777); /* output untouched on failure */
	}

	/* 11 bytes: ten continuation bytes and a terminator. */
	uint8_t eleven[11];
	memset(eleven, 0x80, 10);
	eleven[10] = 0x00;
	setup(&f, eleven, sizeof eleven);
	check_failed(&f, cursor_uvarint(&f.c, &v, "long"), "long", NULL);
	/* Even longer, running to the end of the buffer. */
	uint8_t many[40];
	memset(many, 0x80, sizeof many);
	setup(&f, many, sizeof many);
	check_failed(&f, cursor_uvarint(&f.c, &v, "long"), "long", NULL);
}

/* A varint cut after each of its bytes: truncated, never a partial value. */
static void test_varint_truncation(void)
{
	uint8_t full[10];
	size_t n = enc(full, UINT64_MAX);
	CHECK_EQ_U(n, 10);
	for (size_t keep = 0; keep < n; keep++) {
		fixture f;
		setup(&f, full, keep);
		uint64_t v = 99;
		check_failed(&f, cursor_uvarint(&f.c, &v, "cut"), "cut", "truncated");
		CHECK_EQ_U(v, 99);
	}
	/* Each shorter varint too, cut after every byte but its last. */
	for (unsigned len = 2; len < 10; len++) {
		uint8_t b[10];
		size_t m = enc(b, (uint64_t)1 << (7 * (len - 1)));
		CHECK_EQ_U(m, len);
		for (size_t keep = 0; keep < m; keep++) {
			fixture f;
			setup(&f, b, keep);
			uint64_t v;
			check_failed(&f, cursor_uvarint(&f.c, &v, "cut"), "cut", "truncated");
		}
	}
	/* A diag of NULL is allowed: same status, nothing written. */
	cursor c;
	cursor_init(&c, full, 3, NULL);
	uint64_t v;
	CHECK_EQ_I(cursor_uvarint(&c, &v, "cut"), GOHEAP_ECORRUPT);
	CHECK(c.p == full);
}

static void test_bool(void)
{
	fixture f;
	bool b;
	static const uint8_t zero[] = { 0x00 }, one[] = { 0x01 }, two[] = { 0x02 };
	setup(&f, zero, 1);
	b = true;
	CHECK_EQ_I(cursor_bool(&f.c, &b, "flag"), GOHEAP_OK);
	CHECK(b == false);
	CHECK_EQ_U(cursor_offset(&f.c), PAD + 1);
	setup(&f, one, 1);
	CHECK_EQ_I(cursor_bool(&f.c, &b, "flag"), GOHEAP_OK);
	CHECK(b == true);
	setup(&f, two, 1);
	b = true;
	check_failed(&f, cursor_bool(&f.c, &b, "flag"), "flag", "bool is 2");
	CHECK(b == true);

	/* A multi-byte varint 2 and 128: still rejected at the field start. */
	static const uint8_t two_long[] = { 0x82, 0x00 }, big[] = { 0x80, 0x01 };
	setup(&f, two_long, sizeof two_long);
	check_failed(&f, cursor_bool(&f.c, &b, "flag"), "flag", "bool is 2");
	setup(&f, big, sizeof big);
	check_failed(&f, cursor_bool(&f.c, &b, "flag"), "flag", "bool is 128");
	/* A non-canonical 1 is a 1. */
	static const uint8_t one_long[] = { 0x81, 0x00 };
	setup(&f, one_long, sizeof one_long);
	CHECK_EQ_I(cursor_bool(&f.c, &b, "flag"), GOHEAP_OK);
	CHECK(b == true);
	CHECK_EQ_U(cursor_offset(&f.c), PAD + 2);
	/* Truncated and overflowing bools fail like varints. */
	setup(&f, zero, 0);
	check_failed(&f, cursor_bool(&f.c, &b, "flag"), "flag", "truncated");
	setup(&f, big, 1);
	check_failed(&f, cursor_bool(&f.c, &b, "flag"), "flag", "truncated");
}

static void test_range_and_str(void)
{
	fixture f;
	uint64_t off, len;
	const char *s;
	size_t sl;

	/* Length exactly fitting the rest of the buffer. */
	static const uint8_t fit[] = { 0x04, 'a', 'b', 'c', 'd' };
	setup(&f, fit, sizeof fit);
	CHECK_EQ_I(cursor_range(&f.c, &off, &len, "blob"), GOHEAP_OK);
	CHECK_EQ_U(off, PAD + 1);
	CHECK_EQ_U(len, 4);
	CHECK_EQ_U(cursor_left(&f.c), 0);
	setup(&f, fit, sizeof fit);
	CHECK_EQ_I(cursor_str(&f.c, &s, &sl, "name"), GOHEAP_OK);
	CHECK(sl == 4 && memcmp(s, "abcd", 4) == 0);
	CHECK(s == (const char *)f.buf + PAD + 1);

	/* Empty string at the very end. */
	static const uint8_t empty[] = { 0x00 };
	setup(&f, empty, 1);
	CHECK_EQ_I(cursor_str(&f.c, &s, &sl, "name"), GOHEAP_OK);
	CHECK_EQ_U(sl, 0);
	CHECK_EQ_U(cursor_left(&f.c), 0);

	/* One byte short. */
	static const uint8_t over[] = { 0x05, 'a', 'b', 'c', 'd' };
	setup(&f, over, sizeof over);
	check_failed(&f, cursor_range(&f.c, &off, &len, "blob"), "blob", "runs past the end");
	setup(&f, over, sizeof over);
	check_failed(&f, cursor_str(&f.c, &s, &sl, "name"), "name", "runs past the end");

	/* Huge lengths: 2^63, 2^64-1 and 2^62 (a 10-, 10- and 9-byte varint). */
	uint64_t huge[] = { (uint64_t)1 << 63, UINT64_MAX, (uint64_t)1 << 62, SIZE_MAX - PAD };
	for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
		uint8_t b[16];
		size_t n = enc(b, huge[k]);
		b[n] = 'x';
		setup(&f, b, n + 1);
		check_failed(&f, cursor_range(&f.c, &off, &len, "blob"), "blob", "runs past the end");
		setup(&f, b, n + 1);
		check_failed(&f, cursor_str(&f.c, &s, &sl, "name"), "name", "runs past the end");
	}

	/* The length itself truncated or overflowing. */
	static const uint8_t cut[] = { 0x80 };
	setup(&f, cut, sizeof cut);
	check_failed(&f, cursor_range(&f.c, &off, &len, "blob"), "blob", "truncated");
	setup(&f, cut, 0);
	check_failed(&f, cursor_str(&f.c, &s, &sl, "name"), "name", "truncated");
}

static void test_raw(void)
{
	fixture f;
	static const uint8_t bytes[] = { 1, 2, 3, 4 };
	uint8_t out[8] = { 0 };
	setup(&f, bytes, sizeof bytes);
	CHECK_EQ_I(cursor_raw(&f.c, out, 4, "raw"), GOHEAP_OK);
	CHECK(memcmp(out, bytes, 4) == 0);
	CHECK_EQ_U(cursor_left(&f.c), 0);
	setup(&f, bytes, sizeof bytes);
	check_failed(&f, cursor_raw(&f.c, out, 5, "raw"), "raw", "truncated");
	setup(&f, bytes, sizeof bytes);
	check_failed(&f, cursor_raw(&f.c, out, SIZE_MAX, "raw"), "raw", "truncated");
	setup(&f, bytes, sizeof bytes);
	CHECK_EQ_I(cursor_raw(&f.c, out, 0, "raw"), GOHEAP_OK);
	CHECK_EQ_U(cursor_offset(&f.c), PAD);
}

/* The diag carries the cursor's record at the time of the failure. */
static void test_diag_fields(void)
{
	fixture f;
	static const uint8_t b[] = { 0x01, 0x80 };
	setup(&f, b, sizeof b);
	f.c.record = "object";
	uint64_t v;
	CHECK_EQ_I(cursor_uvarint(&f.c, &v, "addr"), GOHEAP_OK);
	CHECK_EQ_I(cursor_uvarint(&f.c, &v, "contents"), GOHEAP_ECORRUPT);
	CHECK_EQ_U(f.d.offset, PAD + 1);
	CHECK_STR(f.d.record, "object");
	CHECK_STR(f.d.field, "contents");
	CHECK(f.c.p == f.buf + PAD + 1);
	/* cursor_fail with no field. */
	setup(&f, b, sizeof b);
	CHECK_EQ_I(cursor_fail(&f.c, NULL, "custom %d", 42), GOHEAP_ECORRUPT);
	CHECK_STR(f.d.field, NULL);
	CHECK_STR(f.d.msg, "custom 42");
	CHECK_EQ_U(f.d.offset, PAD);
}

static void test_vec_reserve(void)
{
	void *v = NULL;
	size_t alloc = 0;
	CHECK_EQ_I(vec_reserve(&v, &alloc, 1, 8), 0);
	CHECK(v != NULL && alloc >= 1);
	void *before = v;
	size_t alloc_before = alloc;
	/* Already big enough: nothing changes. */
	CHECK_EQ_I(vec_reserve(&v, &alloc, alloc, 8), 0);
	CHECK(v == before && alloc == alloc_before);
	CHECK_EQ_I(vec_reserve(&v, &alloc, 0, 8), 0);
	CHECK(v == before && alloc == alloc_before);
	/* Count overflow: need close to SIZE_MAX. */
	CHECK_EQ_I(vec_reserve(&v, &alloc, SIZE_MAX, 1), -1);
	CHECK(v == before && alloc == alloc_before);
	CHECK_EQ_I(vec_reserve(&v, &alloc, SIZE_MAX / 2 + 2, 1), -1);
	CHECK(v == before && alloc == alloc_before);
	/* Byte-size overflow: count * elem > SIZE_MAX. */
	CHECK_EQ_I(vec_reserve(&v, &alloc, SIZE_MAX / 8 + 1, 8), -1);
	CHECK(v == before && alloc == alloc_before);
	CHECK_EQ_I(vec_reserve(&v, &alloc, alloc + 1, SIZE_MAX / 2), -1);
	CHECK(v == before && alloc == alloc_before);
	CHECK_EQ_I(vec_reserve(&v, &alloc, alloc + 1, SIZE_MAX), -1);
	CHECK(v == before && alloc == alloc_before);
	/* Growth keeps the contents and always reaches need. */
	uint64_t *u = v;
	u[0] = 0xfeedfacecafebeefull;
	for (size_t need = 2; need < 5000; need = need * 3 / 2 + 1) {
		CHECK_EQ_I(vec_reserve(&v, &alloc, need, sizeof(uint64_t)), 0);
		CHECK(alloc >= need);
		u = v;
		CHECK_EQ_U(u[0], 0xfeedfacecafebeefull);
		u[need - 1] = need;
	}
	free(v);

	/* VEC_PUSH over the same growth. */
	VEC(uint32_t) vec = { NULL, 0, 0 };
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t *slot = VEC_PUSH(vec);
		CHECK(slot != NULL);
		if (slot)
			*slot = i;
	}
	CHECK_EQ_U(vec.n, 1000);
	int ok = 1;
	for (uint32_t i = 0; i < 1000; i++)
		ok &= vec.v[i] == i;
	CHECK(ok);
	VEC_FREE(vec);
	CHECK(vec.v == NULL && vec.n == 0);

	/* mul_overflows */
	size_t out;
	CHECK(!mul_overflows(3, 5, &out) && out == 15);
	CHECK(mul_overflows(SIZE_MAX / 2 + 1, 2, &out));
}

int main(void)
{
	test_varint_lengths();
	test_varint_limits();
	test_varint_truncation();
	test_bool();
	test_range_and_str();
	test_raw();
	test_diag_fields();
	test_vec_reserve();
	return CHECK_DONE();
}
