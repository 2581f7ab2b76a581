/* hexfile.c - see hexfile.h. */
#include "hexfile.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goheap/goheap.h"

static const struct { int code; const char *name; } statuses[] = {
	{ GOHEAP_OK, "OK" }, { GOHEAP_ENOMEM, "ENOMEM" }, { GOHEAP_EIO, "EIO" },
	{ GOHEAP_ENOTDUMP, "ENOTDUMP" }, { GOHEAP_EUNSUPPORTED, "EUNSUPPORTED" },
	{ GOHEAP_ECORRUPT, "ECORRUPT" }, { GOHEAP_ENOTFOUND, "ENOTFOUND" },
	{ GOHEAP_EINVAL, "EINVAL" }, { GOHEAP_ETOOBIG, "ETOOBIG" },
	{ GOHEAP_EMISMATCH, "EMISMATCH" }, { GOHEAP_ENOTELF, "ENOTELF" },
};

int hexfile_status_code(const char *name)
{
	if (strncmp(name, "GOHEAP_", 7) == 0)
		name += 7;
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strcmp(statuses[i].name, name) == 0)
			return statuses[i].code;
	return 1;
}

const char *hexfile_status_name(int code)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].code == code)
			return statuses[i].name;
	return "?";
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "expect: STATUS record field..." in a comment line. */
static int parse_expect(const char *line, hexfile *h, char *err, size_t errlen)
{
	const char *e = strstr(line, "expect:");
	if (!e)
		return 0;
	char status[32], record[64];
	int used = 0;
	if (sscanf(e + 7, " %31s %63s %n", status, record, &used) < 2)
		return fail(err, errlen, "bad expect line: %s", line);
	h->status = hexfile_status_code(status);
	if (h->status > 0)
		return fail(err, errlen, "unknown status '%s'", status);
	snprintf(h->record, sizeof h->record, "%s", strcmp(record, "-") ? record : "");
	const char *f = e + 7 + used;
	size_t n = strcspn(f, "\r\n");
	while (n && isspace((unsigned char)f[n - 1]))
		n--;
	if (n == 0)
		return fail(err, errlen, "expect line has no field ('-' for none)");
	if (n >= sizeof h->field)
		n = sizeof h->field - 1;
	memcpy(h->field, f, n);
	h->field[n] = '\0';
	if (strcmp(h->field, "-") == 0)
		h->field[0] = '\0';
	h->has_expect = true;
	return 0;
}

typedef struct out {
	uint8_t *b;
	size_t n, cap;
	bool oom;
} out;

static void push(out *o, int c)
{
	if (o->oom)
		return;
	if (o->n == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 4096;
		uint8_t *nb = realloc(o->b, nc);
		if (!nb) {
			o->oom = true;
			return;
		}
		o->b = nb;
		o->cap = nc;
	}
	o->b[o->n++] = (uint8_t)c;
}

/* One line of data: hex pairs and strings, up to a '#' comment. */
static int parse_data(const char *p, out *o, const char *path, int lineno, char *err, size_t errlen)
{
	while (*p && *p != '#') {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '"') {
			for (p++; *p != '"'; ) {
				int c = (unsigned char)*p++;
				if (c == '\0' || c == '\n')
					return fail(err, errlen, "%s:%d: unterminated string", path, lineno);
				if (c == '\\') {
					c = (unsigned char)*p++;
					if (c == 'n') c = '\n';
					else if (c == 't') c = '\t';
					else if (c == 'x' && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
						c = hexval(p[0]) * 16 + hexval(p[1]);
						p += 2;
					} else if (c != '\\' && c != '"')
						return fail(err, errlen, "%s:%d: bad escape", path, lineno);
				}
				push(o, c);
			}
			p++;
		} else if (hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
			push(o, hexval(p[0]) * 16 + hexval(p[1]));
			p += 2;
		} else {
			return fail(err, errlen, "%s:%d: bad data near '%.10s'", path, lineno, p);
		}
	}
	return 0;
}

int hexfile_load(const char *path, hexfile *h, char *err, size_t errlen)
{
	memset(h, 0, sizeof *h);
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(err, errlen, "cannot open %s", path);
	out o = { NULL, 0, 0, false };
	char line[4096];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		const char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '#') {
			rc = parse_data(p, &o, path, lineno, err, errlen);
			continue;
		}
		if (!h->has_expect)
			rc = parse_expect(p, h, err, errlen);
		const char *off = strstr(p, "offset:");
		if (rc == 0 && off && !strstr(p, "expect:")) {
			h->has_offset = true;
			h->offset = strtoull(off + 7, NULL, 0);
		}
	}
	fclose(f);
	if (rc == 0 && o.oom)
		rc = fail(err, errlen, "out of memory");
	if (rc) {
		free(o.b);
		return rc;
	}
	/* Exactly len bytes, so ASan sees any read past the end. */
	h->len = o.n;
	h->data = o.n ? malloc(o.n) : NULL;
	if (o.n && !h->data) {
		free(o.b);
		return fail(err, errlen, "out of memory");
	}
	if (o.n)
		memcpy(h->data, o.b, o.n);
	free(o.b);
	return 0;
}

void hexfile_free(hexfile *h)
{
	free(h->data);
	memset(h, 0, sizeof *h);
}
