/*
 * check.h - the whole test framework: CHECK macros that count failures and
 * keep going, and CHECK_DONE() that turns the count into the exit status.
 *
 *   int main(void) { CHECK(1 + 1 == 2); CHECK_EQ_U(x, 3); return CHECK_DONE(); }
 *
 * A failed check prints file:line, the expression and (for the typed forms)
 * both values to stderr. check_failures is static per test program, so
 * every test file includes this header once and nothing is linked.
 */
#ifndef GOHEAP_TESTS_CHECK_H
#define GOHEAP_TESTS_CHECK_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned long check_failures;
static unsigned long check_count;

/* Printed in front of every failure, e.g. the dump being tested. */
static const char *check_context = "";

static inline int check_fail_at(const char *file, int line, const char *what)
{
	check_failures++;
	fprintf(stderr, "%s:%d: %s%scheck failed: %s\n", file, line, check_context,
		*check_context ? ": " : "", what);
	return 0;
}

#define CHECK(cond)                                                        \
	((void)(check_count++, (cond) ? 1 : check_fail_at(__FILE__, __LINE__, #cond)))

/* Like CHECK, with a printf-style explanation. */
#define CHECKF(cond, ...)                                                  \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			check_fail_at(__FILE__, __LINE__, #cond);          \
			fprintf(stderr, "    ");                           \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
		}                                                          \
	} while (0)

#define CHECK_EQ_U(a, b)                                                   \
	do {                                                               \
		uint64_t ca_ = (uint64_t)(a), cb_ = (uint64_t)(b);         \
		CHECKF(ca_ == cb_, "%s = %" PRIu64 " (0x%" PRIx64 "), %s = %" PRIu64 " (0x%" PRIx64 ")", \
		       #a, ca_, ca_, #b, cb_, cb_);                        \
	} while (0)

#define CHECK_EQ_I(a, b)                                                   \
	do {                                                               \
		long long ca_ = (long long)(a), cb_ = (long long)(b);      \
		CHECKF(ca_ == cb_, "%s = %lld, %s = %lld", #a, ca_, #b, cb_); \
	} while (0)

/* Two C strings, either of which may be NULL. */
#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *ca_ = (a), *cb_ = (b);                         \
		CHECKF((ca_ == NULL && cb_ == NULL) ||                     \
			       (ca_ && cb_ && strcmp(ca_, cb_) == 0),      \
		       "%s = \"%s\", %s = \"%s\"", #a, ca_ ? ca_ : "(null)", \
		       #b, cb_ ? cb_ : "(null)");                          \
	} while (0)

/* haystack (a C string) contains needle. */
#define CHECK_CONTAINS(hay, needle)                                        \
	do {                                                               \
		const char *ch_ = (hay), *cn_ = (needle);                  \
		CHECKF(ch_ && strstr(ch_, cn_), "%s = \"%s\" lacks \"%s\"", \
		       #hay, ch_ ? ch_ : "(null)", cn_);                   \
	} while (0)

/* Summary line and exit status: 0 if every check passed, 1 otherwise. */
#define CHECK_DONE()                                                       \
	(fprintf(check_failures ? stderr : stdout, "%lu of %lu checks failed\n", \
		 check_failures, check_count),                             \
	 check_failures ? 1 : 0)

#endif
