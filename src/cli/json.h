/*
 * json.h - a streaming JSON writer for --json output. It places the commas
 * and escapes strings; callers only say what comes next. Keys are given
 * with each value inside objects and are NULL inside arrays.
 */
#ifndef GOHEAP_CLI_JSON_H
#define GOHEAP_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
} json;

void json_init(json *j, FILE *out);
void json_object_begin(json *j, const char *key);
void json_object_end(json *j);
void json_array_begin(json *j, const char *key);
void json_array_end(json *j);
void json_u64(json *j, const char *key, uint64_t v);
void json_i64(json *j, const char *key, int64_t v);
void json_double(json *j, const char *key, double v);
void json_bool(json *j, const char *key, bool v);
void json_null(json *j, const char *key);
void json_strn(json *j, const char *key, const char *s, size_t n);
void json_str(json *j, const char *key, const char *s);
/* Ends the document with a newline. */
void json_finish(json *j);

#endif
