/* json.c - streaming JSON writer; see json.h. */
#include "cli/json.h"

#include <inttypes.h>
#include <string.h>

void json_init(json *j, FILE *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

/*
 * Length of the valid UTF-8 sequence at s (n bytes left), or 0: no
 * overlong forms, no surrogates, nothing past U+10FFFF.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void put_escaped(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c >= 0x80) {
				/* UTF-8 passes through; other bytes (dump strings need
				 * not be UTF-8) become the code point of their value. */
				size_t len = utf8_len(u + i, n - i);
				if (len) {
					fwrite(u + i, 1, len, f);
					i += len - 1;
				} else {
					fprintf(f, "\\u%04x", c);
				}
			} else if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
			} else {
				fputc(c, f);
			}
		}
	}
	fputc('"', f);
}

/* Comma, newline, indentation and key before a value. */
static void prefix(json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			fputc(',', j->out);
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
		j->need_comma[j->depth] = true;
	}
	if (key) {
		put_escaped(j->out, key, strlen(key));
		fputs(": ", j->out);
	}
}

static void open_(json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(json *j, char c)
{
	bool had = j->need_comma[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (had) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	fputc(c, j->out);
}

void json_object_begin(json *j, const char *key) { open_(j, key, '{'); }
void json_object_end(json *j) { close_(j, '}'); }
void json_array_begin(json *j, const char *key) { open_(j, key, '['); }
void json_array_end(json *j) { close_(j, ']'); }

void json_u64(json *j, const char *key, uint64_t v)
{
	prefix(j, key);
	fprintf(j->out, "%" PRIu64, v);
}

void json_i64(json *j, const char *key, int64_t v)
{
	prefix(j, key);
	fprintf(j->out, "%" PRId64, v);
}

void json_double(json *j, const char *key, double v)
{
	prefix(j, key);
	fprintf(j->out, "%.6g", v);
}

void json_bool(json *j, const char *key, bool v)
{
	prefix(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json_null(json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->out);
}

void json_strn(json *j, const char *key, const char *s, size_t n)
{
	prefix(j, key);
	put_escaped(j->out, s, n);
}

void json_str(json *j, const char *key, const char *s)
{
	json_strn(j, key, s, strlen(s));
}

void json_finish(json *j)
{
	fputc('\n', j->out);
}
