/* testutil.c - see testutil.h. */
#include "testutil.h"

#include "goheap/dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

uint8_t *tu_read_file(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz) {
		fprintf(stderr, "%s: cannot open\n", path);
		return NULL;
	}
	size_t cap = (size_t)1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fprintf(stderr, "%s: out of memory\n", path);
			gzclose(gz);
			return NULL;
		}
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
			continue;
		}
		size_t room = cap - n;
		int got = gzread(gz, buf + n, room > (1u << 30) ? (1u << 30) : (unsigned)room);
		if (got < 0) {
			int e;
			fprintf(stderr, "%s: read error: %s\n", path, gzerror(gz, &e));
			free(buf);
			gzclose(gz);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	gzclose(gz);
	/* Exactly n bytes, so a read past the end is an ASan error. */
	uint8_t *exact = tu_dup(buf, n);
	free(buf);
	if (!exact && n) {
		fprintf(stderr, "%s: out of memory\n", path);
		return NULL;
	}
	if (!exact)
		exact = malloc(1);
	*len = n;
	return exact;
}

uint8_t *tu_dup(const void *p, size_t n)
{
	if (!n)
		return NULL;
	uint8_t *d = malloc(n);
	if (d)
		memcpy(d, p, n);
	return d;
}

uint8_t *tu_gzip(const void *p, size_t n, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&zs, (uLong)n) + 64;
	uint8_t *out = malloc(cap);
	if (!out) {
		deflateEnd(&zs);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	int rc = deflate(&zs, Z_FINISH);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

const char *tu_basename(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

goheap_object *tu_objects(const goheap_dump *dp, size_t *n)
{
	*n = goheap_dump_object_count(dp);
	goheap_object *v = malloc((*n ? *n : 1) * sizeof *v);
	for (size_t i = 0; v && i < *n; i++)
		v[i] = goheap_dump_object(dp, (uint32_t)i);
	return v;
}
