/* input.c - mmap or inflate a dump; see input.h. */
#include "util/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/diag.h"

bool input_is_gzip(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Inflate gzip member(s) in src into a fresh heap buffer. */
static int inflate_all(input *in, const uint8_t *src, size_t len, uint64_t max_inflated,
		       goheap_diag *d)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL,
				"cannot start zlib inflation");
	size_t cap = len < ((size_t)1 << 20) ? ((size_t)4 << 20) : len * 4;
	size_t out_len = 0;
	uint8_t *buf = NULL;
	int rc = GOHEAP_OK;
	zs.next_in = (Bytef *)(uintptr_t)src;
	for (;;) {
		if (out_len == cap || !buf) {
			if (buf)
				cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
			if ((uint64_t)cap > max_inflated)
				cap = (size_t)max_inflated;
			if (buf && out_len >= cap) {
				rc = diag_set(d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL,
					      "gzip dump inflates to more than %llu bytes; decompress it first",
					      (unsigned long long)max_inflated);
				goto out;
			}
			uint8_t *nb = realloc(buf, cap ? cap : 1);
			if (!nb) {
				rc = diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL,
					      "out of memory inflating the gzip dump (%zu bytes)", cap);
				goto out;
			}
			buf = nb;
		}
		size_t in_left = len - (size_t)((const uint8_t *)zs.next_in - src);
		zs.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
		size_t room = cap - out_len;
		zs.next_out = buf + out_len;
		zs.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		uInt before = zs.avail_out;
		int zr = inflate(&zs, Z_NO_FLUSH);
		out_len += before - zs.avail_out;
		if (zr == Z_STREAM_END) {
			in_left = len - (size_t)((const uint8_t *)zs.next_in - src);
			/* Concatenated members (gzip -c a b) are one stream. */
			if (in_left >= 2 && input_is_gzip(zs.next_in, in_left)) {
				inflateReset(&zs);
				continue;
			}
			break;
		}
		if (zr == Z_OK || (zr == Z_BUF_ERROR && zs.avail_out == 0))
			continue;
		uint64_t at = (uint64_t)((const uint8_t *)zs.next_in - src);
		if (zr == Z_BUF_ERROR)
			rc = diag_set(d, GOHEAP_ECORRUPT, at, "gzip", NULL,
				      "gzip data is truncated (compressed byte %llu)", (unsigned long long)at);
		else if (zr == Z_MEM_ERROR)
			rc = diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory in zlib");
		else
			rc = diag_set(d, GOHEAP_ECORRUPT, at, "gzip", NULL,
				      "gzip data is corrupt near compressed byte %llu: %s",
				      (unsigned long long)at, zs.msg ? zs.msg : "inflate failed");
		goto out;
	}
	/* Give back the unused tail; keep the buffer if shrinking fails. */
	uint8_t *shrunk = realloc(buf, out_len ? out_len : 1);
	if (shrunk)
		buf = shrunk;
	in->owned = buf;
	in->data = buf;
	in->len = out_len;
	in->compressed = true;
	buf = NULL;
out:
	free(buf);
	inflateEnd(&zs);
	return rc;
}

int input_from_mem(input *in, const void *data, size_t len, uint64_t max_inflated, goheap_diag *d)
{
	memset(in, 0, sizeof *in);
	if (!max_inflated)
		max_inflated = INPUT_DEFAULT_MAX_INFLATED;
	if (input_is_gzip(data, len))
		return inflate_all(in, data, len, max_inflated, d);
	in->data = data;
	in->len = len;
	return GOHEAP_OK;
}

int input_open_path(input *in, const char *path, uint64_t max_inflated, goheap_diag *d)
{
	memset(in, 0, sizeof *in);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL,
				"cannot open '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL,
				"cannot stat '%s': %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL,
				"'%s' is not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return diag_set(d, GOHEAP_ENOTDUMP, 0, NULL, NULL, "'%s' is empty", path);
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return diag_set(d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL,
				"'%s' is too large to map", path);
	}
	size_t len = (size_t)st.st_size;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL,
				"cannot map '%s': %s", path, strerror(e));
	int rc = input_from_mem(in, map, len, max_inflated, d);
	if (rc || in->compressed) {
		munmap(map, len);
		if (rc)
			return rc;
		return GOHEAP_OK;
	}
	posix_madvise(map, len, POSIX_MADV_SEQUENTIAL);
	in->map = map;
	in->map_len = len;
	return GOHEAP_OK;
}

void input_close(input *in)
{
	if (in->map)
		munmap(in->map, in->map_len);
	free(in->owned);
	memset(in, 0, sizeof *in);
}
