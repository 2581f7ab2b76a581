/*
 * test_pprof_proto.c - the streaming profile.proto writer
 * (formats/pprof/proto.c), read back by a decoder written here from the
 * protobuf wire format: a gzip stream whose top-level fields are the
 * string table in first-use order without duplicates, value types, a
 * mapping, functions, locations and samples with packed ids and values
 * (multi-byte varints, zero values kept inside packed arrays); a full
 * device is a clear error; goheap_pprof_write() refuses unknown options.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "formats/pprof/proto.h"
#include "goheap/pprof.h"

static char dir[] = "/tmp/goheap-pprof-XXXXXX";

/* The file at path, gunzipped into *out (malloc'd); its length. */
static size_t gunzip_file(const char *path, unsigned char **out)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 8 << 20;
	unsigned char *in = malloc(cap);
	size_t n = f && in ? fread(in, 1, cap, f) : 0;
	if (f)
		fclose(f);
	*out = malloc(cap);
	z_stream z;
	memset(&z, 0, sizeof z);
	if (!in || !*out || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(in);
		return 0;
	}
	z.next_in = in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	size_t got = cap - z.avail_out;
	inflateEnd(&z);
	free(in);
	return rc == Z_STREAM_END ? got : 0;
}

typedef struct rd {
	const unsigned char *p, *end;
	int bad;
} rd;

static uint64_t varint(rd *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end) {
			r->bad = 1;
			return 0;
		}
		unsigned char b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

/* The next field: its number, and for LEN fields a reader over its bytes. */
static unsigned field(rd *r, uint64_t *v, rd *sub)
{
	uint64_t key = varint(r);
	if (r->bad)
		return 0;
	if ((key & 7) == 0) {
		*v = varint(r);
	} else if ((key & 7) == 2) {
		uint64_t n = varint(r);
		if (n > (uint64_t)(r->end - r->p)) {
			r->bad = 1;
			return 0;
		}
		sub->p = r->p;
		sub->end = r->p + n;
		sub->bad = 0;
		r->p += n;
	} else {
		r->bad = 1;
		return 0;
	}
	return (unsigned)(key >> 3);
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/p.pb.gz", dir);
	proto p;
	goheap_diag d = { 0 };
	CHECK_EQ_I(proto_open(&p, path, 0, &d), GOHEAP_OK);
	uint32_t s_a, s_b, s_a2, s_file;
	CHECK_EQ_I(proto_string(&p, "alpha", 5, &s_a), GOHEAP_OK);
	CHECK_EQ_I(proto_string(&p, "beta", 4, &s_b), GOHEAP_OK);
	CHECK_EQ_I(proto_string(&p, "alpha", 5, &s_a2), GOHEAP_OK);
	CHECK_EQ_I(proto_string(&p, "main.go", 7, &s_file), GOHEAP_OK);
	CHECK_EQ_U(s_a, 1);
	CHECK_EQ_U(s_b, 2);
	CHECK_EQ_U(s_a2, 1);
	CHECK_EQ_I(proto_value_type(&p, 1, s_a, s_b), GOHEAP_OK);
	CHECK_EQ_I(proto_mapping(&p, 1, s_b), GOHEAP_OK);
	CHECK_EQ_I(proto_function(&p, 7, s_a, s_file), GOHEAP_OK);
	CHECK_EQ_I(proto_location(&p, 300, 1, 7, 4242), GOHEAP_OK);
	uint64_t locs[200];
	for (int k = 0; k < 200; k++)
		locs[k] = 300 + (uint64_t)k * 1000;
	int64_t vals[4] = { 0, 1, (int64_t)1 << 40, 127 };
	CHECK_EQ_I(proto_sample(&p, locs, 200, vals, 4), GOHEAP_OK);
	CHECK_EQ_I(proto_int(&p, 14, s_b), GOHEAP_OK);
	/* Enough distinct strings to pass several compression buffers. */
	char big[64];
	for (int k = 0; k < 40000; k++) {
		uint32_t ix;
		int n = snprintf(big, sizeof big, "string number %d with some padding", k);
		CHECK_EQ_I(proto_string(&p, big, (size_t)n, &ix), GOHEAP_OK);
	}
	uint64_t file_bytes = 0;
	CHECK_EQ_I(proto_finish(&p, &file_bytes, &d), GOHEAP_OK);
	CHECK(file_bytes > 0);

	unsigned char *buf;
	size_t n = gunzip_file(path, &buf);
	CHECK(n > 0);
	rd r = { buf, buf + n, 0 }, sub, sub2;
	uint64_t v;
	size_t nstrings = 0, nsamples = 0, nfunctions = 0, nlocations = 0, nmappings = 0, ntypes = 0;
	int first_strings_ok = 1;
	while (r.p < r.end && !r.bad) {
		unsigned f = field(&r, &v, &sub);
		switch (f) {
		case 6: {
			static const char *const want[] = { "", "alpha", "beta", "main.go" };
			size_t len = (size_t)(sub.end - sub.p);
			if (nstrings < 4)
				first_strings_ok &= len == strlen(want[nstrings]) && memcmp(sub.p, want[nstrings], len) == 0;
			nstrings++;
			break;
		}
		case 1:
			ntypes++;
			CHECK_EQ_U(field(&sub, &v, &sub2), 1);
			CHECK_EQ_U(v, 1);
			CHECK_EQ_U(field(&sub, &v, &sub2), 2);
			CHECK_EQ_U(v, 2);
			break;
		case 3:
			nmappings++;
			CHECK_EQ_U(field(&sub, &v, &sub2), 1);
			CHECK_EQ_U(v, 1);
			CHECK_EQ_U(field(&sub, &v, &sub2), 5);
			CHECK_EQ_U(v, 2);
			for (unsigned want = 7; want <= 9; want++) {
				CHECK_EQ_U(field(&sub, &v, &sub2), want);
				CHECK_EQ_U(v, 1);
			}
			break;
		case 5:
			nfunctions++;
			CHECK_EQ_U(field(&sub, &v, &sub2), 1);
			CHECK_EQ_U(v, 7);
			CHECK_EQ_U(field(&sub, &v, &sub2), 2);
			CHECK_EQ_U(v, 1);
			CHECK_EQ_U(field(&sub, &v, &sub2), 4); /* no system_name */
			CHECK_EQ_U(v, 3);
			break;
		case 4: {
			nlocations++;
			CHECK_EQ_U(field(&sub, &v, &sub2), 1);
			CHECK_EQ_U(v, 300);
			CHECK_EQ_U(field(&sub, &v, &sub2), 2);
			CHECK_EQ_U(v, 1);
			CHECK_EQ_U(field(&sub, &v, &sub2), 4);
			rd line = sub2;
			CHECK_EQ_U(field(&line, &v, &sub2), 1);
			CHECK_EQ_U(v, 7);
			CHECK_EQ_U(field(&line, &v, &sub2), 2);
			CHECK_EQ_U(v, 4242);
			break;
		}
		case 2: {
			nsamples++;
			CHECK_EQ_U(field(&sub, &v, &sub2), 1);
			size_t k = 0;
			while (sub2.p < sub2.end && !sub2.bad) {
				uint64_t id = varint(&sub2);
				CHECK_EQ_U(id, locs[k < 200 ? k : 199]);
				k++;
			}
			CHECK_EQ_U(k, 200);
			CHECK_EQ_U(field(&sub, &v, &sub2), 2);
			k = 0;
			while (sub2.p < sub2.end && !sub2.bad) {
				uint64_t x = varint(&sub2);
				CHECK_EQ_U(x, (uint64_t)vals[k < 4 ? k : 3]);
				k++;
			}
			CHECK_EQ_U(k, 4);
			break;
		}
		case 14:
			CHECK_EQ_U(v, 2);
			break;
		default:
			CHECKF(0, "unexpected field %u", f);
			break;
		}
	}
	CHECK(!r.bad);
	CHECK(first_strings_ok);
	CHECK_EQ_U(nstrings, 4 + 40000);
	CHECK_EQ_U(ntypes, 1);
	CHECK_EQ_U(nmappings, 1);
	CHECK_EQ_U(nfunctions, 1);
	CHECK_EQ_U(nlocations, 1);
	CHECK_EQ_U(nsamples, 1);
	free(buf);
	unlink(path);

	/* A full device: the error names the file and the reason. */
	if (access("/dev/full", W_OK) == 0) {
		CHECK_EQ_I(proto_open(&p, "/dev/full", 1, &d), GOHEAP_OK);
		for (int k = 0; k < 100000 && p.status == GOHEAP_OK; k++) {
			uint32_t ix;
			int m = snprintf(big, sizeof big, "%d incompressible %x", k, (unsigned)(k * 2654435761u));
			proto_string(&p, big, (size_t)m, &ix);
		}
		CHECK_EQ_I(proto_finish(&p, NULL, &d), GOHEAP_EIO);
		CHECK_CONTAINS(d.msg, "/dev/full");
	}

	/* Options of an unknown version are refused before anything is read. */
	goheap_pprof_opts bad = GOHEAP_PPROF_OPTS_INIT;
	bad.version = 99;
	CHECK_EQ_I(goheap_pprof_write(path, NULL, NULL, 0, NULL, NULL, NULL, &bad, NULL, &d), GOHEAP_EINVAL);
	CHECK(access(path, F_OK) != 0);
	rmdir(dir);
	return CHECK_DONE();
}
