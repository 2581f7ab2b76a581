/* json.c - streaming JSON writer; see json.h. */
#include "cli/json.h"

#include <inttypes.h>
#include <string.h>

void json_init(json *j, FILE *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

static void put_escaped(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			/* Control bytes and bytes that are not ASCII (dump strings
			 * are not guaranteed to be UTF-8) are escaped. */
			if (c < 0x20 || c >= 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
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
