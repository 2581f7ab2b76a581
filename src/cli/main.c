/*
 * main.c - the goheap command: global options, the command table, help,
 * and the helpers every command shares (cli.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/progress.h"

typedef struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *summary;
	const char *details;
} command;

static const command commands[] = {
	{ "info", cmd_info, "goheap info [--json] [-q] DUMP [BINARY]",
	  "summarise a heap dump: Go version, records, objects, goroutines",
	  "Prints the Go version, GOARCH, pointer size, byte order and heap range;\n"
	  "the count and bytes of every record kind; the objects beside the\n"
	  "memstats record's HeapObjects and HeapAlloc, with the difference\n"
	  "explained (span-tail slots of Go 1.22+); goroutines by status; and\n"
	  "finalizers. With BINARY, also checks that the ELF file matches the\n"
	  "dump's pointer size, byte order and architecture, and that its .data\n"
	  "and .bss sections match the dump's data and bss records.\n"
	  "--json prints one JSON object with stable keys (see goheap(1)).\n" },
	{ "check", cmd_check, "goheap check [--json] [-q] DUMP",
	  "validate a whole heap dump",
	  "Decodes every record, checking every length against the file, then\n"
	  "cross-checks records (objects disjoint, aligned and inside the heap\n"
	  "range; stack frames chained; finalizers naming objects). Prints one\n"
	  "summary line and exits 0, or prints the first problem (byte offset,\n"
	  "record, field) and exits 1.\n" },
	{ "histogram", cmd_histogram, "goheap histogram [--json] [--csv] [--retained] [--top N] [-q] DUMP [BINARY]",
	  "live objects by Go type: count and bytes",
	  "Types every live object from the binary's DWARF and prints, per type,\n"
	  "the number of live objects and their bytes (slot sizes, as the Go\n"
	  "allocator counts them), largest first. Arrays that back slices, strings\n"
	  "and channel buffers are grouped by element type as [...]T. Objects no\n"
	  "type reached are grouped by shape (size and pointer map). Garbage not\n"
	  "yet collected and span-tail slots are counted apart, never as live.\n"
	  "--retained adds what the instances of each type retain together (the\n"
	  "bytes freed if they all went; each byte counted once, from the\n"
	  "dominator tree) and sorts by it. --top N keeps the N largest rows;\n"
	  "--csv prints type,count,bytes[,retained].\n" },
	{ "roots", cmd_roots, "goheap roots [--json] [--top N] [-q] DUMP [BINARY]",
	  "named roots and how much each reaches",
	  "Lists every root: globals by name, goroutine frame variables as\n"
	  "'goroutine N function: variable', finalizers, and pointer words no\n"
	  "variable covers ('data+0x1a8', 'goroutine N function+0x38'), with the\n"
	  "number of objects and bytes reachable from each, largest first.\n" },
	{ "objects", cmd_objects, "goheap objects [--json] [--limit N] [-q] --type T DUMP [BINARY]",
	  "list the live objects of one type",
	  "Prints the address, slot size and type of every live object whose type\n"
	  "is T (a name as histogram prints it), and their count and bytes.\n" },
	{ "show", cmd_show, "goheap show [--json] [-q] DUMP BINARY ADDR",
	  "one object: type, fields, pointees, referrers",
	  "Finds the object containing ADDR and prints its type, each field by\n"
	  "name with its value (pointers with the type they point at, strings\n"
	  "with their text), the objects it points to and the objects and roots\n"
	  "that point to it.\n" },
	{ "goroutines", cmd_goroutines, "goheap goroutines [--json] [-q] DUMP [BINARY]",
	  "goroutines, their frames and the pointers they hold",
	  "Prints every goroutine with its id, status and wait reason, its frames\n"
	  "innermost first, and for each frame the variables and pointer slots\n"
	  "that hold heap pointers, with the type they point at. Frames look like\n"
	  "a Go traceback: function(...), then file:line +offset, the source line\n"
	  "of the frame's pc (of the call, for return addresses) from BINARY's\n"
	  "DWARF line tables, or ?:0 without them. --json gives each frame\n"
	  "\"file\" and \"line\" (null when unknown).\n" },
	{ "top", cmd_top, "goheap top [--json] [--top N] [-q] DUMP [BINARY]",
	  "the biggest retainers by retained size",
	  "Computes the dominator tree of the object graph (a virtual root above\n"
	  "every named root) and prints the N biggest retainers (default 20),\n"
	  "roots and objects alike: retained size (the bytes that would be freed\n"
	  "if it let go), shallow size, share of the live heap, and the shortest\n"
	  "path from a named root. A node that retains 90% or more of what its\n"
	  "immediate dominator retains is the same retainer one step down and is\n"
	  "not listed again. A goroutine is a retainer too: all its frames,\n"
	  "defers and panics together (unless one of its roots alone holds 90%).\n" },
	{ "diff", cmd_diff, "goheap diff [--json] [--top N] [-q] --bin BINARY [--old-bin BINARY] OLD NEW",
	  "what grew between two dumps: per type and per root",
	  "Loads OLD, then NEW (one at a time), and compares them by name, not\n"
	  "by address: per type (named as histogram names it, arrays as [...]T)\n"
	  "the live count, bytes and retained bytes (what all its instances\n"
	  "retain together, each byte once) in each dump, and per named root its\n"
	  "retained bytes. Both tables are sorted by growth (bytes for types,\n"
	  "retained bytes for roots), largest first, and keep the N first rows\n"
	  "(default 20); rows present in one dump only are kept. BINARY is the\n"
	  "binary that wrote NEW, and OLD too unless --old-bin gives another.\n"
	  "--json prints exact byte counts (see goheap(1)).\n" },
	{ "leaks", cmd_leaks, "goheap leaks [--json] [--threshold P] [--top N] [-q] DUMP BINARY",
	  "leak suspects: what holds most of the heap, and why",
	  "Reports leak suspects in the manner of Eclipse MAT: each root, object\n"
	  "shared by several roots, goroutine (its frames together, when none\n"
	  "does alone), or type whose instances (outside those) retain\n"
	  "--threshold percent of the live heap or more (default 10), biggest\n"
	  "first, up to --top N (default 10). For each, it descends the dominator\n"
	  "tree to the accumulation point, where the memory stops concentrating\n"
	  "in one child (a map's storage, a slice's array, the head of a list),\n"
	  "and says who holds it (the shortest path from a named root, each step\n"
	  "named by field), what it keeps alive (its children by type) and what\n"
	  "the memory is made of (types by retained size inside it).\n" },
	{ "tree", cmd_tree, "goheap tree [--json] [--depth N] [--min-percent P] [-q] DUMP BINARY [ADDR|ROOT]",
	  "the dominator tree, biggest retainers first",
	  "Prints the dominator tree from the top (all live objects, under which\n"
	  "every named root and every object shared between roots), or from the\n"
	  "object containing ADDR or the root named ROOT: each node with its\n"
	  "retained size, share of the live heap and shallow size, and under it\n"
	  "the nodes it alone keeps alive, biggest first. Three or more children\n"
	  "of one type are grouped ('5000 x main.entry') with the biggest shown\n"
	  "under the group; children below --min-percent of the live heap\n"
	  "(default 1) are summed into one line. --depth N (default 6) limits\n"
	  "the levels shown.\n" },
	{ "path", cmd_path, "goheap path [--json] [--all] [--limit N] [-q] DUMP BINARY ADDR|TYPE",
	  "shortest paths from named roots to an object or type",
	  "Finds the shortest path from a named root (a global, a goroutine's\n"
	  "frame variable, a finalizer...) to the object containing ADDR, or to\n"
	  "the nearest live instance of TYPE (a name as histogram prints it),\n"
	  "and prints every step: the field of each object that points to the\n"
	  "next (.items, [3], map key, map value), its address and type. With\n"
	  "--all, keeps searching with the objects of the paths found taken out,\n"
	  "so each further path is another, disjoint way the target is kept\n"
	  "alive, up to --limit N (default 10); by type, each further path leads\n"
	  "to the next nearest instance.\n" },
	{ "dot", cmd_dot,
	  "goheap dot [--json] [--svg|--png] [-o FILE] [--top N] [--around X] [--depth N] [--max-nodes N] "
	  "[--all-objects] [-q] DUMP BINARY",
	  "a Graphviz picture of the heap: top retainers, a neighbourhood, or all",
	  "Writes part of the object graph as Graphviz DOT (to FILE, or standard\n"
	  "output), or with --svg or --png lays it out with Graphviz's dot engine\n"
	  "and renders it. Nodes show the type (roots: the name), the address,\n"
	  "and the retained and shallow size; roots are gold octagons, objects\n"
	  "are tinted by type; edges are named by field (.items, [3], map value).\n"
	  "Scopes:\n"
	  "  default        the --top N biggest retainers (default 30, as 'top'\n"
	  "                 picks them) and the dominator tree between them, each\n"
	  "                 under the nearest of them that dominates it, else its\n"
	  "                 root; a dashed edge stands for objects in between.\n"
	  "  --around X     X is an address (the object containing it), a root's\n"
	  "                 name or a type (as 'histogram' names it): X and what\n"
	  "                 lies within --depth N hops (default 2) both ways, what\n"
	  "                 it points to and what points to it, biggest retainers\n"
	  "                 first, up to --max-nodes N (default 100), with every\n"
	  "                 pointer between them.\n"
	  "  --all-objects  every live object and root, every pointer; as DOT it\n"
	  "                 is streamed (any size); --svg/--png refuse more than\n"
	  "                 --max-nodes (default 2000) nodes.\n"
	  "The file is written whole or not at all. --json (with -o) prints a\n"
	  "summary: output, format, scope, nodes, edges, left_out.\n" },
	{ "pprof", cmd_pprof, "goheap pprof [--json] [-q] -o FILE DUMP BINARY",
	  "what retains memory, as a pprof profile for go tool pprof",
	  "Writes the live heap as a gzipped pprof profile (profile.proto) to\n"
	  "FILE, for 'go tool pprof' (-http for a flame graph, -top, -list,\n"
	  "-diff_base against an older dump's profile). Each stack is a path\n"
	  "down the dominator tree: the named root (a global; a goroutine's call\n"
	  "stack, then 'function: variable'), then each object by the field\n"
	  "that holds it and its type ('map value -> main.Session'). Indices\n"
	  "are dropped ('.items[i]'), consecutive objects of one frame are one\n"
	  "frame, and a frame already on the stack folds back to it, so a long\n"
	  "list is one or two frames; a map's storage adds no frame to its\n"
	  "header's. Objects no single root holds start from '(shared) TYPE'.\n"
	  "Sample types: inuse_objects and inuse_space (the default) count each\n"
	  "live object once on its own stack: flat is what a frame's objects\n"
	  "take themselves, cum is what the frame retains, and the totals are\n"
	  "the live heap. retained_objects and retained_space hold what each\n"
	  "root retains, on the root's own stack only, so flat = cum = retained\n"
	  "and nothing counts twice. The file is written whole or not at all.\n"
	  "--json prints a summary: output, live_objects, live_bytes, samples,\n"
	  "functions, locations, max_depth, file_bytes.\n" },
	{ "hprof", cmd_hprof, "goheap hprof [--json] [--keep-unreachable] [-q] -o FILE DUMP [BINARY]",
	  "the heap as a Java heap dump for Eclipse MAT and VisualVM",
	  "Writes the typed object graph to FILE as an hprof heap dump (JAVA\n"
	  "PROFILE 1.0.2, 8-byte ids) that Eclipse MAT, VisualVM and other Java\n"
	  "heap tools open: their histograms, dominator trees, retained sizes and\n"
	  "paths to GC roots then work on the Go heap. Every Go type is a class\n"
	  "with its fields from DWARF (pointers as references, scalars as\n"
	  "primitives) and the Go object's size; byte slices and strings are\n"
	  "byte[], arrays of pointers are object arrays (*T[]), other arrays\n"
	  "primitive arrays; untyped objects are instances of their shape. Object\n"
	  "ids are addresses. Globals are static fields of a class per package\n"
	  "(main.sessions is field sessions of class main); each goroutine is a\n"
	  "thread with its stack trace (function, file, line) whose variables are\n"
	  "Java-frame roots; finalizers are unknown roots. Objects no root\n"
	  "reaches are left out unless --keep-unreachable. VisualVM shows every\n"
	  "size and retained size as goheap does. The file is written whole or\n"
	  "not at all. --json prints a summary (see goheap(1)).\n" },
	{ "help", NULL, "goheap help [COMMAND]", "show help for goheap or one command", NULL },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: goheap [--version] [--help] COMMAND [ARGS]\n"
		"\n"
		"Reads heap dumps written by Go's runtime/debug.WriteHeapDump.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"common options:\n"
		"  --json       machine-readable output (errors too)\n"
		"  -q, --quiet  no progress on stderr\n"
		"  -h, --help   help for the command\n"
		"\n"
		"A DUMP may be gzip-compressed. Exit status: 0 success, 1 invalid\n"
		"input, 2 usage error, 3 input/output error. See goheap(1).\n");
}

bool cli_print_command_help(const char *name, FILE *out)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const command *c = &commands[i];
		if (strcmp(c->name, name) != 0)
			continue;
		fprintf(out, "usage: %s\n\n%s.\n", c->synopsis, c->summary);
		if (c->details)
			fprintf(out, "\n%s", c->details);
		return true;
	}
	return false;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stdout);
		return cli_finish(EXIT_OK);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		argv[1] = "help";
	if (!cli_print_command_help(argv[1], stdout))
		return cli_usage("help", "unknown command '%s'", argv[1]);
	return cli_finish(EXIT_OK);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "goheap %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, cmd) == 0)
			fprintf(stderr, "usage: %s\n", commands[i].synopsis);
	return EXIT_USAGE;
}

/* A percentage option value: 0..100. */
static int parse_percent(const char *cmd, const char *opt, const char *v, double *out)
{
	char *end;
	double x = v ? strtod(v, &end) : 0;
	if (!v || end == v || *end || !(x >= 0 && x <= 100))
		return cli_usage(cmd, "%s takes a percentage from 0 to 100", opt);
	*out = x;
	return 0;
}

/* A string option value (a path or a name). */
static int parse_string(const char *cmd, const char *opt, const char *v, const char **out)
{
	if (!v)
		return cli_usage(cmd, "%s takes a value", opt);
	*out = v;
	return 0;
}

/* A positive count option value. */
static int parse_count(const char *cmd, const char *opt, const char *v, long *out)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	if (!v || *end || n <= 0)
		return cli_usage(cmd, "%s takes a positive number", opt);
	*out = n;
	return 0;
}

int cli_parse(int argc, char **argv, cli_args *out, unsigned allowed)
{
	memset(out, 0, sizeof *out);
	out->min_percent = -1;
	out->threshold = -1;
	bool options_done = false;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!options_done && s[0] == '-' && s[1] != '\0') {
			const char *val = i + 1 < argc ? argv[i + 1] : NULL;
			int rc = 0;
			if (strcmp(s, "--") == 0)
				options_done = true;
			else if (strcmp(s, "--json") == 0)
				out->json = true;
			else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0)
				out->quiet = true;
			else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)
				out->help = true;
			else if ((allowed & OPT_CSV) && strcmp(s, "--csv") == 0)
				out->csv = true;
			else if ((allowed & OPT_TOP) && strcmp(s, "--top") == 0)
				rc = parse_count(argv[0], s, val, &out->top), i++;
			else if ((allowed & OPT_LIMIT) && strcmp(s, "--limit") == 0)
				rc = parse_count(argv[0], s, val, &out->limit), i++;
			else if ((allowed & OPT_TYPE) && strcmp(s, "--type") == 0)
				rc = parse_string(argv[0], s, val, &out->type), i++;
			else if ((allowed & OPT_DEPTH) && strcmp(s, "--depth") == 0)
				rc = parse_count(argv[0], s, val, &out->depth), i++;
			else if ((allowed & OPT_MIN_PERCENT) && strcmp(s, "--min-percent") == 0)
				rc = parse_percent(argv[0], s, val, &out->min_percent), i++;
			else if ((allowed & OPT_THRESHOLD) && strcmp(s, "--threshold") == 0)
				rc = parse_percent(argv[0], s, val, &out->threshold), i++;
			else if ((allowed & OPT_ALL) && strcmp(s, "--all") == 0)
				out->all = true;
			else if ((allowed & OPT_RETAINED) && strcmp(s, "--retained") == 0)
				out->retained = true;
			else if ((allowed & OPT_BIN) && strcmp(s, "--bin") == 0)
				rc = parse_string(argv[0], s, val, &out->bin), i++;
			else if ((allowed & OPT_BIN) && strcmp(s, "--old-bin") == 0)
				rc = parse_string(argv[0], s, val, &out->old_bin), i++;
			else if ((allowed & OPT_OUTPUT) && (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0))
				rc = parse_string(argv[0], s, val, &out->output), i++;
			else if ((allowed & OPT_DOT) && strcmp(s, "--svg") == 0)
				out->svg = true;
			else if ((allowed & OPT_DOT) && strcmp(s, "--png") == 0)
				out->png = true;
			else if ((allowed & OPT_DOT) && strcmp(s, "--around") == 0)
				rc = parse_string(argv[0], s, val, &out->around), i++;
			else if ((allowed & OPT_DOT) && strcmp(s, "--max-nodes") == 0)
				rc = parse_count(argv[0], s, val, &out->max_nodes), i++;
			else if ((allowed & OPT_DOT) && strcmp(s, "--all-objects") == 0)
				out->all_objects = true;
			else if ((allowed & OPT_KEEP_UNREACHABLE) && strcmp(s, "--keep-unreachable") == 0)
				out->keep_unreachable = true;
			else
				return cli_usage(argv[0], "unknown option '%s'", s);
			if (rc)
				return rc;
			continue;
		}
		if (out->npos == (int)(sizeof out->pos / sizeof out->pos[0]))
			return cli_usage(argv[0], "too many arguments");
		out->pos[out->npos++] = s;
	}
	return 0;
}

int cli_begin(int argc, char **argv, cli_args *a, unsigned allowed, int min_pos, int max_pos)
{
	int rc = cli_parse(argc, argv, a, allowed);
	if (rc)
		return rc;
	if (a->help) {
		cli_print_command_help(argv[0], stdout);
		return cli_finish(EXIT_OK);
	}
	if (a->npos < min_pos)
		return cli_usage(argv[0], a->npos ? "too few arguments" : "no DUMP given");
	if (a->npos > max_pos)
		return cli_usage(argv[0], "too many arguments");
	return CLI_CONTINUE;
}

int cli_exit_code(int status)
{
	switch (status) {
	case GOHEAP_OK: return EXIT_OK;
	case GOHEAP_EIO: case GOHEAP_ENOMEM: return EXIT_IO;
	case GOHEAP_EINVAL: return EXIT_USAGE;
	default: return EXIT_BAD_INPUT;
	}
}

int cli_fail(const cli_args *a, const char *path, int status, const goheap_diag *d)
{
	char where[160] = "";
	if (d && d->offset != GOHEAP_NO_OFFSET) {
		int n = snprintf(where, sizeof where, "offset %llu (0x%llx)",
				 (unsigned long long)d->offset, (unsigned long long)d->offset);
		if (d->record && n > 0 && (size_t)n < sizeof where)
			n += snprintf(where + n, sizeof where - (size_t)n, ", record '%s'", d->record);
		if (d->field && n > 0 && (size_t)n < sizeof where)
			snprintf(where + n, sizeof where - (size_t)n, ", field '%s'", d->field);
	}
	const char *msg = d && d->msg[0] ? d->msg : goheap_strerror(status);
	fprintf(stderr, "goheap: error: %s: %s%s%s\n", path, where, where[0] ? ": " : "", msg);
	if (a && a->json) {
		json j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_object_begin(&j, "error");
		json_str(&j, "file", path);
		json_str(&j, "status", goheap_strerror(status));
		json_i64(&j, "code", status);
		if (d && d->offset != GOHEAP_NO_OFFSET)
			json_u64(&j, "offset", d->offset);
		else
			json_null(&j, "offset");
		if (d && d->record)
			json_str(&j, "record", d->record);
		else
			json_null(&j, "record");
		if (d && d->field)
			json_str(&j, "field", d->field);
		else
			json_null(&j, "field");
		json_str(&j, "message", msg);
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	return cli_finish(cli_exit_code(status));
}

int cli_open_dump(const cli_args *a, const char *path, goheap_dump **out)
{
	progress pr;
	progress_init(&pr, "reading dump", a->quiet);
	goheap_open_opts opts = GOHEAP_OPEN_OPTS_INIT;
	opts.progress = progress_update;
	opts.progress_ctx = &pr;
	goheap_diag d;
	int rc = goheap_dump_open(out, path, &opts, &d);
	progress_done(&pr);
	if (rc)
		return cli_fail(a, path, rc, &d);
	return EXIT_OK;
}

int cli_finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "goheap: error: cannot write output: %s\n", strerror(errno));
		return EXIT_IO;
	}
	return code;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		print_usage(stdout);
		return cli_finish(EXIT_OK);
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("goheap %s\n", goheap_version());
		return cli_finish(EXIT_OK);
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (!commands[i].fn)
			return cmd_help(argc - 1, argv + 1);
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "goheap: '%s' is not a goheap command; see 'goheap --help'\n", name);
	return EXIT_USAGE;
}
