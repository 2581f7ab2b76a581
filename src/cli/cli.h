/*
 * cli.h - what the goheap commands share: exit codes, argument parsing,
 * opening a dump with progress, and reporting errors (as text on stderr,
 * and also as a JSON object on stdout under --json).
 *
 * Only src/cli prints or exits; the library reports through goheap_diag.
 */
#ifndef GOHEAP_CLI_CLI_H
#define GOHEAP_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "goheap/dump.h"

/* Exit codes (documented in goheap(1)). */
enum {
	EXIT_OK = 0,        /* success; for check: the dump is valid */
	EXIT_BAD_INPUT = 1, /* the dump or binary is corrupt, truncated, not a dump, unsupported or mismatched */
	EXIT_USAGE = 2,     /* bad command line */
	EXIT_IO = 3         /* a file could not be read or written, or memory ran out */
};

/* Options beyond --json, --quiet and --help that a command may accept. */
enum {
	OPT_TOP = 1 << 0,    /* --top N */
	OPT_CSV = 1 << 1,    /* --csv */
	OPT_TYPE = 1 << 2,   /* --type T */
	OPT_LIMIT = 1 << 3,  /* --limit N */
	OPT_DEPTH = 1 << 4,  /* --depth N */
	OPT_MIN_PERCENT = 1 << 5, /* --min-percent P */
	OPT_ALL = 1 << 6,    /* --all */
	OPT_THRESHOLD = 1 << 7, /* --threshold P */
	OPT_BIN = 1 << 8,    /* --bin BINARY, --old-bin BINARY */
	OPT_OUTPUT = 1 << 9, /* -o / --output FILE */
	OPT_RETAINED = 1 << 10, /* --retained */
	OPT_DOT = 1 << 11,    /* --svg, --png, --around X, --max-nodes N, --all-objects */
	OPT_KEEP_UNREACHABLE = 1 << 12 /* --keep-unreachable */
};

/* A command's options and positional arguments. */
typedef struct cli_args {
	bool json;
	bool quiet;
	bool help;
	bool csv;
	long top;            /* 0 when not given */
	long limit;          /* 0 when not given */
	const char *type;    /* NULL when not given */
	long depth;          /* --depth: 0 when not given */
	double min_percent;  /* --min-percent: < 0 when not given */
	double threshold;    /* --threshold: < 0 when not given */
	bool all;            /* --all */
	bool retained;       /* --retained */
	const char *bin;     /* --bin: NULL when not given */
	const char *old_bin; /* --old-bin: NULL when not given */
	const char *output;  /* -o / --output: NULL when not given */
	bool svg, png;       /* --svg, --png */
	const char *around;  /* --around X: NULL when not given */
	long max_nodes;      /* --max-nodes N: 0 when not given */
	bool all_objects;    /* --all-objects */
	bool keep_unreachable; /* --keep-unreachable */
	int npos;
	const char *pos[8];
} cli_args;

/*
 * Parse argv[1..] of a command (argv[0] is its name). Accepts --json, -q /
 * --quiet, -h / --help and the options in `allowed`; anything else starting
 * with '-' is a usage error. Returns 0, or EXIT_USAGE after printing why.
 */
int cli_parse(int argc, char **argv, cli_args *out, unsigned allowed);

/*
 * The start of every command: parse its arguments (options in `allowed`),
 * answer --help, and check it got min_pos..max_pos positional arguments.
 * Returns CLI_CONTINUE when the command should run, else the exit code to
 * return at once.
 */
#define CLI_CONTINUE (-1)
int cli_begin(int argc, char **argv, cli_args *a, unsigned allowed, int min_pos, int max_pos);

/* Open a dump with progress on stderr; on failure report and return the exit code. */
int cli_open_dump(const cli_args *a, const char *path, goheap_dump **out);

/* Report a library failure about `path`; returns the exit code it maps to. */
int cli_fail(const cli_args *a, const char *path, int status, const goheap_diag *d);

/* Print a usage error for cmd and return EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Flush stdout; if writing failed, report it and return EXIT_IO. */
int cli_finish(int code);

/* The exit code for a library status. */
int cli_exit_code(int status);

/* Commands. */
int cmd_info(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_histogram(int argc, char **argv);
int cmd_roots(int argc, char **argv);
int cmd_objects(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_goroutines(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_pprof(int argc, char **argv);
int cmd_dot(int argc, char **argv);
int cmd_hprof(int argc, char **argv);

/* Print a command's help text (from the table in main.c); false if unknown. */
bool cli_print_command_help(const char *name, FILE *out);

#endif
