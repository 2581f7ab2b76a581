/*
 * test_json.c - the CLI's JSON string escaping (src/cli/json.c): quotes,
 * backslashes and control bytes escaped, valid UTF-8 passed through,
 * bytes that are not UTF-8 written as the code point of their value.
 * Every output must parse as JSON (checked by the escapes being exactly
 * the ones JSON defines).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/json.h"

static const char *render(const char *s, size_t n)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	json j;
	json_init(&j, f);
	json_strn(&j, NULL, s, n);
	fclose(f);
	return buf;
}

#define EXPECT(in, want) CHECKF(strcmp(render(in, sizeof(in) - 1), want) == 0, "%s: got %s", want, render(in, sizeof(in) - 1))

int main(void)
{
	EXPECT("plain", "\"plain\"");
	EXPECT("a\"b\\c", "\"a\\\"b\\\\c\"");
	EXPECT("\n\t\x01\x7f", "\"\\n\\t\\u0001\\u007f\"");
	EXPECT("net\xe2\x88\x95http", "\"net\xe2\x88\x95http\"");     /* U+2215, valid: as is */
	EXPECT("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");             /* 4-byte sequence */
	EXPECT("\xff\xfe", "\"\\u00ff\\u00fe\"");                       /* not UTF-8 */
	EXPECT("\xc0\xaf", "\"\\u00c0\\u00af\"");                       /* overlong '/' */
	EXPECT("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");            /* a surrogate */
	EXPECT("\xe2\x88", "\"\\u00e2\\u0088\"");                       /* cut short */
	return CHECK_DONE();
}
