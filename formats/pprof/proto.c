/*
 * proto.c - streaming profile.proto writer with gzip; see proto.h.
 */
#include "formats/pprof/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"

#define IN_BUFFER (256u << 10)
#define OUT_BUFFER (256u << 10)

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static int fail(proto *p, int code, const char *why)
{
	if (p->status == GOHEAP_OK) {
		p->status = code;
		snprintf(p->why, sizeof p->why, "%s", why);
	}
	return p->status;
}

/* Compress the pending bytes (flush: Z_NO_FLUSH or Z_FINISH) into the file. */
static int deflate_pending(proto *p, int flush)
{
	p->z.next_in = p->in;
	p->z.avail_in = (uInt)p->in_n;
	for (;;) {
		p->z.next_out = p->zout;
		p->z.avail_out = OUT_BUFFER;
		int zr = deflate(&p->z, flush);
		if (zr == Z_STREAM_ERROR)
			return fail(p, GOHEAP_EIO, "compressing failed");
		size_t n = OUT_BUFFER - p->z.avail_out;
		if (!outfile_write(&p->out, p->zout, n))
			return fail(p, GOHEAP_EIO, "writing failed");
		if (flush == Z_FINISH ? zr == Z_STREAM_END : p->z.avail_in == 0 && p->z.avail_out != 0)
			break;
	}
	p->in_n = 0;
	return GOHEAP_OK;
}

/* Append raw protobuf bytes to the stream. */
static int put(proto *p, const void *data, size_t n)
{
	const uint8_t *s = data;
	if (p->status)
		return p->status;
	p->proto_bytes += n;
	while (n) {
		size_t k = IN_BUFFER - p->in_n < n ? IN_BUFFER - p->in_n : n;
		memcpy(p->in + p->in_n, s, k);
		p->in_n += k;
		s += k;
		n -= k;
		if (p->in_n == IN_BUFFER && deflate_pending(p, Z_NO_FLUSH))
			return p->status;
	}
	return GOHEAP_OK;
}

static size_t encode_varint(uint8_t *b, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	return n;
}

/* Buffer helpers: append to a sub-message under construction. */
typedef proto_buf bytes;

static int buf_varint(proto *p, bytes *b, uint64_t v)
{
	if (vec_reserve((void **)&b->v, &b->alloc, b->n + 10, 1))
		return fail(p, GOHEAP_ENOMEM, "out of memory");
	b->n += encode_varint(b->v + b->n, v);
	return GOHEAP_OK;
}

static int buf_field(proto *p, bytes *b, unsigned field, uint64_t v)
{
	if (v == 0) /* proto3: a zero scalar is the default, left out */
		return GOHEAP_OK;
	if (buf_varint(p, b, (uint64_t)field << 3 | WIRE_VARINT))
		return p->status;
	return buf_varint(p, b, v);
}

static int buf_bytes(proto *p, bytes *b, unsigned field, const void *data, size_t n)
{
	if (buf_varint(p, b, (uint64_t)field << 3 | WIRE_LEN) || buf_varint(p, b, n))
		return p->status;
	if (vec_reserve((void **)&b->v, &b->alloc, b->n + n, 1))
		return fail(p, GOHEAP_ENOMEM, "out of memory");
	if (n)
		memcpy(b->v + b->n, data, n);
	b->n += n;
	return GOHEAP_OK;
}

/* Write the message in p->msg as field `field` of the Profile. */
static int put_msg(proto *p, unsigned field)
{
	uint8_t head[20];
	size_t n = encode_varint(head, (uint64_t)field << 3 | WIRE_LEN);
	n += encode_varint(head + n, p->msg.n);
	if (put(p, head, n))
		return p->status;
	return put(p, p->msg.v, p->msg.n);
}

int proto_open(proto *p, const char *path, int level, goheap_diag *d)
{
	memset(p, 0, sizeof *p);
	int rc = outfile_open(&p->out, path, d);
	if (rc)
		return rc;
	p->out_open = true;
	p->in = malloc(IN_BUFFER);
	p->zout = malloc(OUT_BUFFER);
	if (!p->in || !p->zout ||
	    deflateInit2(&p->z, level >= 1 && level <= 9 ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED,
			 MAX_WBITS + 16 /* gzip framing */, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		proto_abort(p);
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing %s", path);
	}
	p->z_open = true;
	uint32_t empty;
	if (proto_string(p, "", 0, &empty)) {
		rc = p->status;
		proto_abort(p);
		return diag_set(d, rc, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing %s", path);
	}
	return GOHEAP_OK;
}

int proto_string(proto *p, const char *s, size_t len, uint32_t *index)
{
	if (p->status)
		return p->status;
	uint32_t i = strmap_get(&p->strings, s, len);
	if (i != UINT32_MAX) {
		*index = i;
		return GOHEAP_OK;
	}
	if (p->nstrings == UINT32_MAX - 1)
		return fail(p, GOHEAP_ENOMEM, "too many strings");
	i = p->nstrings;
	if (strmap_put(&p->strings, s, len, i))
		return fail(p, GOHEAP_ENOMEM, "out of memory");
	p->nstrings++;
	/* A string of the table is a LEN field of the Profile: write it as one. */
	uint8_t head[20];
	size_t n = encode_varint(head, 6u << 3 | WIRE_LEN);
	n += encode_varint(head + n, len);
	if (put(p, head, n) || put(p, s, len))
		return p->status;
	*index = i;
	return GOHEAP_OK;
}

int proto_value_type(proto *p, unsigned field, uint32_t type, uint32_t unit)
{
	if (p->status)
		return p->status;
	p->msg.n = 0;
	if (buf_field(p, &p->msg, 1, type) || buf_field(p, &p->msg, 2, unit))
		return p->status;
	return put_msg(p, field);
}

int proto_int(proto *p, unsigned field, uint64_t v)
{
	if (p->status)
		return p->status;
	uint8_t b[20];
	size_t n = encode_varint(b, (uint64_t)field << 3 | WIRE_VARINT);
	n += encode_varint(b + n, v);
	return put(p, b, n);
}

int proto_function(proto *p, uint64_t id, uint32_t name, uint32_t filename)
{
	if (p->status)
		return p->status;
	bytes *m = &p->msg;
	m->n = 0;
	/* No system_name: pprof would "demangle" one equal to the name, cutting
	 * (...) and <...> out of names with brackets ("hchan<bool>"). */
	if (buf_field(p, m, 1, id) || buf_field(p, m, 2, name) || buf_field(p, m, 4, filename))
		return p->status;
	return put_msg(p, 5);
}

int proto_mapping(proto *p, uint64_t id, uint32_t filename)
{
	if (p->status)
		return p->status;
	bytes *m = &p->msg;
	m->n = 0;
	/* has_functions, has_filenames, has_line_numbers: nothing for pprof to symbolize */
	if (buf_field(p, m, 1, id) || buf_field(p, m, 5, filename) || buf_field(p, m, 7, 1) ||
	    buf_field(p, m, 8, 1) || buf_field(p, m, 9, 1))
		return p->status;
	return put_msg(p, 3);
}

int proto_location(proto *p, uint64_t id, uint64_t mapping_id, uint64_t function_id, int64_t line)
{
	if (p->status)
		return p->status;
	uint8_t l[24];
	size_t n = 0;
	l[n++] = 1u << 3 | WIRE_VARINT;
	n += encode_varint(l + n, function_id);
	if (line) {
		l[n++] = 2u << 3 | WIRE_VARINT;
		n += encode_varint(l + n, (uint64_t)line);
	}
	bytes *m = &p->msg;
	m->n = 0;
	if (buf_field(p, m, 1, id) || buf_field(p, m, 2, mapping_id) || buf_bytes(p, m, 4, l, n))
		return p->status;
	return put_msg(p, 4);
}

int proto_sample(proto *p, const uint64_t *locs, size_t nlocs, const int64_t *values, size_t nvalues)
{
	if (p->status)
		return p->status;
	bytes *m = &p->msg, *pk = &p->packed;
	m->n = 0;
	pk->n = 0;
	for (size_t k = 0; k < nlocs; k++)
		if (buf_varint(p, pk, locs[k]))
			return p->status;
	if (buf_bytes(p, m, 1, pk->v, pk->n))
		return p->status;
	pk->n = 0;
	for (size_t k = 0; k < nvalues; k++) /* int64: two's complement as a uint64 varint */
		if (buf_varint(p, pk, (uint64_t)values[k]))
			return p->status;
	if (buf_bytes(p, m, 2, pk->v, pk->n))
		return p->status;
	return put_msg(p, 2);
}

static void release(proto *p)
{
	if (p->z_open)
		deflateEnd(&p->z);
	free(p->in);
	free(p->zout);
	VEC_FREE(p->msg);
	VEC_FREE(p->packed);
	strmap_free(&p->strings);
	memset(p, 0, sizeof *p);
}

int proto_finish(proto *p, uint64_t *file_bytes, goheap_diag *d)
{
	if (p->status == GOHEAP_OK)
		deflate_pending(p, Z_FINISH);
	int rc;
	if (p->status == GOHEAP_OK || p->out.err) {
		/* Commit, which also reports a write error with the system's reason. */
		uint64_t written = p->out.written;
		char path[4096];
		snprintf(path, sizeof path, "%s", p->out.path ? p->out.path : "");
		p->out_open = false;
		rc = outfile_commit(&p->out, d);
		if (rc == GOHEAP_OK && p->status)  /* cannot happen: a write error fails the commit */
			rc = diag_set(d, p->status, GOHEAP_NO_OFFSET, NULL, NULL, "cannot write %s: %s", path, p->why);
		if (rc == GOHEAP_OK && file_bytes)
			*file_bytes = written;
	} else {
		rc = diag_set(d, p->status, GOHEAP_NO_OFFSET, NULL, NULL, "cannot write %s: %s",
			      p->out.path ? p->out.path : "", p->why);
		outfile_abort(&p->out);
		p->out_open = false;
	}
	release(p);
	return rc;
}

void proto_abort(proto *p)
{
	if (p->out_open)
		outfile_abort(&p->out);
	release(p);
}
