/*
 * test_binary.c - goheap_binary_load_dwarf() and the DWARF/ELF-symbol
 * accessors, checked against sources that do not go through them.
 *
 *   test_binary                  error paths (not ELF, a C binary, bad args)
 *   test_binary DUMP.gz BINARY   a committed Go binary and the dump it wrote
 *
 * Independent references used:
 *   - Go's layout rules for the types of dumps/src/shapes/main.go, and the
 *     unsafe.Sizeof values the program recorded in its .facts.json;
 *   - the runtime type descriptors in the file itself (size and kind of
 *     every type with DW_AT_go_runtime_type);
 *   - the ELF symbol table and binutils nm (global and function addresses);
 *   - the dump: itab and type records (runtime type addresses), and the
 *     stack frames' pointer maps (where the runtime says live pointers are,
 *     against where DWARF location lists put pointer-typed variables);
 *   - dumps/src/shapes/main.go itself: the source line DWARF gives for each
 *     main.* frame of the dump is a real line of the file, and main.main's
 *     is the line that calls debug.WriteHeapDump;
 *   - the other committed binaries: a dump's frames name the functions of
 *     its own binary and not those of any other build;
 *   - copies made with objcopy (skipped with a message when objcopy is
 *     missing or does not know the machine): without DWARF (symbols must
 *     still work), with uncompressed and with .zdebug_* DWARF (the load
 *     must be identical), and uncompressed copies with damaged DWARF
 *     (which must load or fail cleanly).
 */
#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "goheap/binary.h"
#include "goheap/dump.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------- */

static const goheap_btype *type_named(const goheap_binary *b, const char *name)
{
	size_t n;
	const goheap_btype *t = goheap_binary_types(b, &n);
	uint32_t i = goheap_binary_type_by_name(b, name);
	CHECKF(i != GOHEAP_NO_TYPE, "type %s is missing", name);
	if (i == GOHEAP_NO_TYPE)
		return NULL;
	CHECK(i < n);
	CHECK_STR(t[i].name, name);
	return &t[i];
}

static const char *type_name(const goheap_binary *b, uint32_t i)
{
	size_t n;
	const goheap_btype *t = goheap_binary_types(b, &n);
	return i < n ? t[i].name : "(none)";
}

static const goheap_field *field(const goheap_binary *b, const goheap_btype *t, const char *name)
{
	size_t n;
	const goheap_field *f = goheap_binary_fields(b, &n);
	for (uint32_t i = 0; t && i < t->nfields; i++) {
		CHECK(t->first_field + i < n);
		if (strcmp(f[t->first_field + i].name, name) == 0)
			return &f[t->first_field + i];
	}
	CHECKF(0, "field %s of %s is missing", name, t ? t->name : "(none)");
	return NULL;
}

static void check_field(const goheap_binary *b, const goheap_btype *t, const char *name,
			uint64_t off, const char *type)
{
	const goheap_field *f = field(b, t, name);
	if (!f)
		return;
	CHECKF(f->offset == off, "%s.%s at %llu, want %llu", t->name, name,
	       (unsigned long long)f->offset, (unsigned long long)off);
	CHECK_STR(type_name(b, f->type), type);
	CHECK(!f->embedded);
}

static uint64_t get_word(const uint8_t *p, unsigned n, bool be)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static bool have_tool(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* ---- error paths ------------------------------------------------------------- */

static void test_errors(void)
{
	check_context = "errors";
	goheap_binary *b = NULL;
	goheap_diag d = { 0 };

	/* not ELF */
	char path[64];
	snprintf(path, sizeof path, "/tmp/goheap-test-binary-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, "hello, not an ELF file\n", 23) == 23);
		close(fd);
		CHECK_EQ_I(goheap_binary_open(&b, path, &d), GOHEAP_ENOTELF);
		CHECK(b == NULL);
		unlink(path);
	}
	CHECK_EQ_I(goheap_binary_open(&b, "/nonexistent/goheap", &d), GOHEAP_EIO);

	/* a C program (this test): DWARF or not, it has no Go compilation units */
	CHECK_EQ_I(goheap_binary_open(&b, "/proc/self/exe", &d), GOHEAP_OK);
	if (b) {
		memset(&d, 0, sizeof d);
		CHECK_EQ_I(goheap_binary_load_dwarf(b, &d), GOHEAP_ENOTFOUND);
		CHECK_EQ_I(d.code, GOHEAP_ENOTFOUND);
		CHECK(d.msg[0] != '\0');
		size_t n;
		goheap_binary_types(b, &n);
		CHECK_EQ_U(n, 0);
		goheap_binary_funcs(b, &n);
		CHECK_EQ_U(n, 0);
		CHECK(goheap_binary_func_at(b, 0x1000) == NULL);
		const char *file = NULL;
		uint64_t line = 0;
		CHECK_EQ_I(goheap_binary_pc_line(b, (uint64_t)(uintptr_t)&test_errors, &file, &line),
			   GOHEAP_ENOTFOUND);
		CHECK_EQ_I(goheap_binary_pc_line(b, 0, &file, &line), GOHEAP_ENOTFOUND);
		CHECK_EQ_U(goheap_binary_type_by_name(b, "int"), GOHEAP_NO_TYPE);
		CHECK_EQ_U(goheap_binary_type_by_rtype(b, 0x1000), GOHEAP_NO_TYPE);
		/* the symbols of this program are still there */
		uint64_t v = 0;
		if (goheap_binary_get_info(b)->has_symtab) {
			CHECK_EQ_I(goheap_binary_symbol(b, "main", &v), GOHEAP_OK);
			CHECK_STR(goheap_binary_func_symbol(b, v), "main");
		}
		CHECK_EQ_I(goheap_binary_symbol(b, "no such symbol at all", &v), GOHEAP_ENOTFOUND);
		/* a second call gives the same answer */
		CHECK_EQ_I(goheap_binary_load_dwarf(b, &d), GOHEAP_ENOTFOUND);
		uint8_t x;
		CHECK_EQ_I(goheap_binary_read(b, 0, &x, 1), GOHEAP_ENOTFOUND);
		goheap_binary_free(b);
	}
	goheap_binary_free(NULL);
	check_context = "";
}

/* ---- layouts ------------------------------------------------------------------ */

/* The facts file next to the dump: "type": "main.X", "size": N pairs. */
static void check_facts_sizes(const goheap_binary *b, const char *dump_path)
{
	char path[4096];
	size_t dl = strlen(dump_path);
	if (dl < 8 || dl + 16 > sizeof path || strcmp(dump_path + dl - 8, ".dump.gz") != 0)
		return;
	memcpy(path, dump_path, dl - 8);
	strcpy(path + dl - 8, ".facts.json");
	size_t n;
	uint8_t *buf = tu_read_file(path, &n);
	if (!buf) {
		printf("  no facts file %s: sizes not cross-checked\n", path);
		return;
	}
	char *text = malloc(n + 1);
	if (!text) {
		free(buf);
		return;
	}
	memcpy(text, buf, n);
	text[n] = '\0';
	free(buf);
	unsigned checked = 0;
	for (char *p = text; (p = strstr(p, "\"type\": \"main.")) != NULL;) {
		p += 9;
		char *q = strchr(p, '"');
		char *s = q ? strstr(q, "\"size\": ") : NULL;
		if (!q || !s)
			break;
		char name[128];
		size_t len = (size_t)(q - p);
		if (len >= sizeof name)
			continue;
		memcpy(name, p, len);
		name[len] = '\0';
		unsigned long long want = strtoull(s + 8, NULL, 10);
		const goheap_btype *t = type_named(b, name);
		if (t) {
			CHECKF(t->size == want, "%s: DWARF size %llu, unsafe.Sizeof %llu", name,
			       (unsigned long long)t->size, want);
			checked++;
		}
	}
	free(text);
	CHECK(checked >= 4);
	printf("  facts: %u main.* sizes agree with unsafe.Sizeof\n", checked);
}

static void check_shapes(const goheap_binary *b)
{
	const goheap_binary_info *in = goheap_binary_get_info(b);
	uint64_t ps = in->ptr_size;
	uint64_t f64_align = ps == 4 ? 4 : 8; /* float64 and uint64 on 386 align to 4 */

	const goheap_btype *t;
	if ((t = type_named(b, "int"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_INT);
		CHECK_EQ_U(t->size, ps);
		CHECK_EQ_U(t->go_kind, 2);
	}
	if ((t = type_named(b, "uint8"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_UINT);
		CHECK_EQ_U(t->size, 1);
	}
	if ((t = type_named(b, "bool"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_BOOL);
		CHECK_EQ_U(t->size, 1);
	}
	if ((t = type_named(b, "float64"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_FLOAT);
		CHECK_EQ_U(t->size, 8);
	}
	if ((t = type_named(b, "string"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_STRING);
		CHECK_EQ_U(t->size, 2 * ps);
		check_field(b, t, "str", 0, "*uint8");
		check_field(b, t, "len", ps, "int");
	}
	if ((t = type_named(b, "unsafe.Pointer"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_PTR);
		CHECK_EQ_U(t->elem, GOHEAP_NO_TYPE);
		CHECK_EQ_U(t->size, ps);
	}

	/* type Node struct { Val int; Name string; Next *Node } */
	if ((t = type_named(b, "main.Node"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_STRUCT);
		CHECK_EQ_U(t->size, 4 * ps);
		CHECK_EQ_U(t->nfields, 3);
		check_field(b, t, "Val", 0, "int");
		check_field(b, t, "Name", ps, "string");
		check_field(b, t, "Next", 3 * ps, "*main.Node");
	}
	if ((t = type_named(b, "*main.Node"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_PTR);
		CHECK_EQ_U(t->size, ps);
		CHECK_STR(type_name(b, t->elem), "main.Node");
		CHECK(t->rtype != 0);
	}
	/* type Item struct { ID int; Name string; Owner *Node; Score float64 } */
	if ((t = type_named(b, "main.Item"))) {
		uint64_t score = align_up(4 * ps, f64_align);
		CHECK_EQ_U(t->size, align_up(score + 8, ps == 4 ? 4 : 8));
		check_field(b, t, "ID", 0, "int");
		check_field(b, t, "Name", ps, "string");
		check_field(b, t, "Owner", 3 * ps, "*main.Node");
		check_field(b, t, "Score", score, "float64");
	}
	/* type Point struct { X, Y int; Label *string } */
	if ((t = type_named(b, "main.Point"))) {
		CHECK_EQ_U(t->size, 3 * ps);
		check_field(b, t, "X", 0, "int");
		check_field(b, t, "Y", ps, "int");
		check_field(b, t, "Label", 2 * ps, "*string");
	}
	/* type Big struct { Ptrs [40]*Node; Pad [600]byte } */
	if ((t = type_named(b, "main.Big"))) {
		CHECK_EQ_U(t->size, 40 * ps + 600);
		check_field(b, t, "Ptrs", 0, "[40]*main.Node");
		check_field(b, t, "Pad", 40 * ps, "[600]uint8");
	}
	if ((t = type_named(b, "[40]*main.Node"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_ARRAY);
		CHECK_EQ_U(t->count, 40);
		CHECK_EQ_U(t->size, 40 * ps);
		CHECK_STR(type_name(b, t->elem), "*main.Node");
	}
	/* type StackOnly struct { Magic uint64; Kids [4]*Leaf; Note string } */
	if ((t = type_named(b, "main.StackOnly"))) {
		uint64_t kids = 8, note = kids + 4 * ps;
		CHECK_EQ_U(t->size, align_up(note + 2 * ps, f64_align));
		check_field(b, t, "Magic", 0, "uint64");
		check_field(b, t, "Kids", kids, "[4]*main.Leaf");
		check_field(b, t, "Note", note, "string");
	}
	if ((t = type_named(b, "[]main.Point"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_SLICE);
		CHECK_EQ_U(t->size, 3 * ps);
		CHECK_STR(type_name(b, t->elem), "main.Point");
		check_field(b, t, "array", 0, "*main.Point");
		check_field(b, t, "len", ps, "int");
		check_field(b, t, "cap", 2 * ps, "int");
	}
	if ((t = type_named(b, "map[string]*main.Item"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_MAP);
		CHECK_EQ_U(t->size, ps);
		CHECK_STR(type_name(b, t->key), "string");
		CHECK_STR(type_name(b, t->elem), "*main.Item");
		CHECK(t->rtype != 0);
	}
	if ((t = type_named(b, "chan *main.Item"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_CHAN);
		CHECK_EQ_U(t->size, ps);
		CHECK_STR(type_name(b, t->elem), "*main.Item");
	}
	if ((t = type_named(b, "interface {}"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_EFACE);
		CHECK_EQ_U(t->size, 2 * ps);
	}
	if ((t = type_named(b, "fmt.Stringer"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_IFACE);
		CHECK_EQ_U(t->size, 2 * ps);
	}
	if ((t = type_named(b, "func() int"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_FUNC);
		CHECK_EQ_U(t->size, ps);
	}
	if ((t = type_named(b, "main.Celsius"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_FLOAT);
		CHECK_EQ_U(t->size, 8);
	}
	if ((t = type_named(b, "[]interface {}"))) {
		CHECK_EQ_I(t->kind, GOHEAP_T_SLICE);
		CHECK_STR(type_name(b, t->elem), "interface {}");
	}
	/* the runtime's map implementation is there under its own names */
	CHECK(goheap_binary_type_by_name(b, "runtime.hchan") != GOHEAP_NO_TYPE ||
	      goheap_binary_type_by_name(b, "hchan<*main.Item>") != GOHEAP_NO_TYPE);
	CHECK(goheap_binary_type_by_name(b, "hash<string,*main.Item>") != GOHEAP_NO_TYPE ||
	      goheap_binary_type_by_name(b, "internal/runtime/maps.Map") != GOHEAP_NO_TYPE);
	CHECK_EQ_U(goheap_binary_type_by_name(b, "main.NoSuchType"), GOHEAP_NO_TYPE);
}

/* Every type with a runtime type: the descriptor in the file has its size and kind. */
static void check_descriptors(const goheap_binary *b)
{
	const goheap_binary_info *in = goheap_binary_get_info(b);
	unsigned ps = in->ptr_size;
	size_t n;
	const goheap_btype *t = goheap_binary_types(b, &n);
	unsigned with_rtype = 0, size_ok = 0, kind_ok = 0, kinds = 0, lookups_ok = 0;
	for (size_t i = 0; i < n; i++) {
		if (!t[i].rtype)
			continue;
		with_rtype++;
		uint8_t hdr[64];
		int rc = goheap_binary_read(b, t[i].rtype, hdr, 4 * ps + 16);
		CHECKF(rc == GOHEAP_OK, "%s: descriptor at 0x%llx unreadable", t[i].name,
		       (unsigned long long)t[i].rtype);
		if (rc)
			continue;
		uint64_t size = get_word(hdr, ps, in->big_endian);
		unsigned kind = hdr[2 * ps + 7] & 31;
		if (size == t[i].size)
			size_ok++;
		else
			CHECKF(0, "%s: DWARF size %llu, descriptor size %llu", t[i].name,
			       (unsigned long long)t[i].size, (unsigned long long)size);
		if (t[i].go_kind) {
			kinds++;
			if (kind == t[i].go_kind)
				kind_ok++;
			else
				CHECKF(0, "%s: go_kind %u, descriptor kind %u", t[i].name, t[i].go_kind, kind);
		}
		uint32_t j = goheap_binary_type_by_rtype(b, t[i].rtype);
		if (j < n && t[j].rtype == t[i].rtype)
			lookups_ok++;
	}
	CHECK(with_rtype > 300);
	CHECK_EQ_U(lookups_ok, with_rtype);
	printf("  descriptors: %u types with a runtime type, %u sizes and %u/%u kinds agree\n",
	       with_rtype, size_ok, kind_ok, kinds);
}

/* ---- globals and functions ------------------------------------------------------- */

static bool nm_lookup(const char *out, const char *name, uint64_t *addr)
{
	size_t nl = strlen(name);
	for (const char *p = out; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		/* "addr T name" */
		const char *sp1 = memchr(p, ' ', len);
		if (sp1 && (size_t)(sp1 - p) + 3 < len) {
			const char *nm = sp1 + 3;
			if ((size_t)(p + len - nm) == nl && memcmp(nm, name, nl) == 0) {
				*addr = strtoull(p, NULL, 16);
				return true;
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}

static char *run_nm(const char *bin)
{
	if (!have_tool("nm"))
		return NULL;
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "nm --defined-only '%s' 2>/dev/null", bin);
	FILE *f = popen(cmd, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + len, 1, 65536, f);
		len += r;
		if (r == 0)
			break;
	}
	int st = pclose(f);
	if (!buf || st != 0 || len == 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static void check_globals(const goheap_binary *b, const char *bin)
{
	size_t n;
	const goheap_global *g = goheap_binary_globals(b, &n);
	CHECK(n > 50);
	char *nm = run_nm(bin);
	if (!nm)
		printf("  nm is not available: globals checked against the ELF symbol table only\n");
	unsigned mains = 0, sym_ok = 0, nm_ok = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			CHECK(g[i - 1].addr <= g[i].addr);
		if (strncmp(g[i].name, "main.", 5) != 0)
			continue;
		mains++;
		uint64_t v = 0;
		if (goheap_binary_symbol(b, g[i].name, &v) == GOHEAP_OK && v == g[i].addr)
			sym_ok++;
		else
			CHECKF(0, "%s: DWARF 0x%llx, symbol 0x%llx", g[i].name, (unsigned long long)g[i].addr,
			       (unsigned long long)v);
		uint64_t a = 0;
		if (nm) {
			if (nm_lookup(nm, g[i].name, &a) && a == g[i].addr)
				nm_ok++;
			else
				CHECKF(0, "%s: DWARF 0x%llx, nm 0x%llx", g[i].name, (unsigned long long)g[i].addr,
				       (unsigned long long)a);
		}
		CHECKF(g[i].type != GOHEAP_NO_TYPE, "%s has no type", g[i].name);
	}
	static const struct { const char *name, *type; } want[] = {
		{ "main.ListHead", "*main.Node" },
		{ "main.ItemMap", "map[string]*main.Item" },
		{ "main.Points", "[]main.Point" },
		{ "main.Blob", "[]uint8" },
		{ "main.Bigs", "[]*main.Big" },
		{ "main.ItemChan", "chan *main.Item" },
		{ "main.Closures", "[]func() int" },
		{ "main.Ifaces", "[]interface {}" },
		{ "main.Kept", "[]*main.Finalized" },
		{ "main.MS", "runtime.MemStats" },
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		bool found = false;
		for (size_t i = 0; i < n && !found; i++)
			if (strcmp(g[i].name, want[k].name) == 0) {
				found = true;
				CHECK_STR(type_name(b, g[i].type), want[k].type);
			}
		CHECKF(found, "global %s is missing", want[k].name);
	}
	/* Stringers is an anonymous struct of three non-empty interfaces */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(g[i].name, "main.Stringers") != 0)
			continue;
		size_t nt;
		const goheap_btype *t = goheap_binary_types(b, &nt);
		CHECK(g[i].type < nt);
		if (g[i].type >= nt)
			break;
		const goheap_btype *s = &t[g[i].type];
		CHECK_EQ_I(s->kind, GOHEAP_T_STRUCT);
		CHECK_EQ_U(s->nfields, 3);
		const goheap_field *f = field(b, s, "Dyn");
		if (f && f->type < nt)
			CHECK_EQ_I(t[f->type].kind, GOHEAP_T_IFACE);
	}
	CHECK(mains >= 15);
	printf("  globals: %zu, %u main.*: %u agree with .symtab, %u with nm%s\n", n, mains, sym_ok,
	       nm_ok, nm ? "" : " (skipped)");
	free(nm);
}

static void check_funcs(const goheap_binary *b)
{
	size_t n, nv;
	const goheap_func *f = goheap_binary_funcs(b, &n);
	const goheap_var *v = goheap_binary_vars(b, &nv);
	CHECK(n > 1000);
	unsigned sym_same = 0, outside = 0, vars = 0, everywhere = 0;
	bool have_main = false;
	for (size_t i = 0; i < n; i++) {
		CHECK(f[i].lowpc < f[i].highpc);
		if (i > 0)
			CHECK(f[i - 1].lowpc <= f[i].lowpc);
		CHECK(f[i].first_var + f[i].nvars <= nv);
		CHECK(goheap_binary_func_at(b, f[i].lowpc) == &f[i]);
		CHECK(goheap_binary_func_at(b, f[i].highpc - 1) == &f[i]);
		/* assembly functions' symbols carry their ABI: "runtime.rt0_go.abi0" */
		const char *s = goheap_binary_func_symbol(b, f[i].lowpc);
		size_t fl = strlen(f[i].name);
		if (s && strncmp(s, f[i].name, fl) == 0 && (s[fl] == '\0' || strcmp(s + fl, ".abi0") == 0))
			sym_same++;
		if (strcmp(f[i].name, "main.main") == 0) {
			have_main = true;
			CHECK_STR(goheap_binary_func_symbol(b, f[i].lowpc + 1), "main.main");
		}
		/* no location list reaches outside its function (a single
		 * expression, valid at every pc, is located at pc 0 too) */
		for (uint32_t k = 0; k < f[i].nvars; k++) {
			const goheap_var *x = &v[f[i].first_var + k];
			goheap_loc l[8];
			vars++;
			CHECKF(x->name && x->name[0], "a variable of %s has no name", f[i].name);
			if (goheap_binary_var_locate(b, x, 0, l, 8)) {
				everywhere++;
				continue;
			}
			if (goheap_binary_var_locate(b, x, f[i].highpc, l, 8) ||
			    goheap_binary_var_locate(b, x, f[i].lowpc - 1, l, 8))
				outside++;
		}
	}
	CHECK(have_main);
	CHECK(sym_same * 100 >= n * 99);
	CHECK_EQ_U(outside, 0);
	CHECK(goheap_binary_func_at(b, 0) == NULL);
	printf("  functions: %zu, %u named like their ELF symbol; %u variables (%u with one location "
	       "for all pcs), %u located outside their function\n", n, sym_same, vars, everywhere, outside);
}

/* ---- the dump -------------------------------------------------------------------- */

static bool fields_have(const goheap_dump *dp, uint64_t fields_off, uint64_t off)
{
	goheap_fields it = goheap_fields_at(dp, fields_off);
	uint64_t o;
	while (goheap_fields_next(&it, &o))
		if (o == off)
			return true;
	return false;
}

static bool pointer_shaped(const goheap_btype *t)
{
	return t->kind == GOHEAP_T_PTR || t->kind == GOHEAP_T_MAP || t->kind == GOHEAP_T_CHAN ||
	       t->kind == GOHEAP_T_FUNC;
}

static void check_with_dump(const goheap_binary *b, const char *dump_path)
{
	goheap_dump *dp = NULL;
	goheap_diag d = { 0 };
	CHECK_EQ_I(goheap_dump_open(&dp, dump_path, NULL, &d), GOHEAP_OK);
	if (!dp)
		return;
	int64_t bias = 0;
	CHECK_EQ_I(goheap_binary_match(b, dp, &bias, &d), GOHEAP_OK);
	size_t nt;
	const goheap_btype *t = goheap_binary_types(b, &nt);
	unsigned ps = goheap_dump_params(dp)->ptr_size;

	/* itabs: the concrete type of every itab is a DWARF type */
	size_t ni;
	const goheap_itab *it = goheap_dump_itabs(dp, &ni);
	unsigned resolved = 0;
	for (size_t i = 0; i < ni; i++)
		if (goheap_binary_type_by_rtype(b, it[i].type - (uint64_t)bias) != GOHEAP_NO_TYPE)
			resolved++;
	CHECK(ni > 0);
	CHECK(resolved * 10 >= ni * 9);
	printf("  itabs: %u of %zu type addresses resolve (%.1f%%)\n", resolved, ni,
	       ni ? 100.0 * resolved / (double)ni : 0.0);

	/* type records: address to DWARF type; main.* names must agree */
	size_t nty;
	const goheap_type *ty = goheap_dump_types(dp, &nty);
	unsigned tres = 0, mains = 0, main_same = 0;
	for (size_t i = 0; i < nty; i++) {
		uint32_t k = goheap_binary_type_by_rtype(b, ty[i].addr - (uint64_t)bias);
		if (k == GOHEAP_NO_TYPE)
			continue;
		tres++;
		const char *n = t[k].name;
		if (strncmp(n, "main.", 5) == 0 || strncmp(n, "*main.", 6) == 0) {
			mains++;
			if (strlen(n) == ty[i].name.len && memcmp(n, ty[i].name.ptr, ty[i].name.len) == 0)
				main_same++;
			/* the record's size is the type's size */
			CHECK_EQ_U(ty[i].size, t[k].size);
		}
	}
	CHECK(tres * 10 >= nty * 9);
	printf("  type records: %u of %zu resolve; %u main.* of which %u have the same name\n", tres,
	       nty, mains, main_same);

	/*
	 * Frames against the runtime's stack maps (the dump's frame field lists):
	 *  - every pointer slot listed for a main.* frame lies inside a piece of
	 *    some variable that DWARF places on the stack at that pc;
	 *  - main.stackHolder's "so" (the only reference to a StackOnly) is at a
	 *    slot the stack map lists;
	 *  - reported only: pointer-typed variables DWARF puts on the stack and
	 *    how many of them the map lists (DWARF ranges outlive liveness, so
	 *    a dead variable is legitimately absent), and the same coverage over
	 *    all frames, runtime included.
	 */
	size_t nf;
	const goheap_frame *fr = goheap_dump_frames(dp, &nf);
	unsigned mframes = 0, named = 0, cand = 0, match = 0, slots = 0, covered = 0;
	unsigned all_slots = 0, all_covered = 0;
	bool so_seen = false;
	for (size_t i = 0; i < nf; i++) {
		const goheap_frame *F = &fr[i];
		if (F->continpc == 0)
			continue;
		bool is_main = F->func.len >= 5 && memcmp(F->func.ptr, "main.", 5) == 0;
		uint64_t pc = F->continpc;
		if (pc != F->entry)
			pc--; /* a return address: the call is the instruction before it */
		pc -= (uint64_t)bias;
		const goheap_func *fn = goheap_binary_func_at(b, pc);
		if (is_main) {
			mframes++;
			CHECKF(fn != NULL, "frame of %.*s: no function at 0x%llx", (int)F->func.len,
			       F->func.ptr, (unsigned long long)pc);
		}
		if (!fn)
			continue;
		if (is_main && strlen(fn->name) == F->func.len &&
		    memcmp(fn->name, F->func.ptr, F->func.len) == 0)
			named++;
		size_t nv;
		const goheap_var *v = goheap_binary_vars(b, &nv);
		/* the stack pieces of this frame's variables, as [from, to) slot ranges */
		uint64_t from[256], to[256];
		size_t npc = 0;
		for (uint32_t k = 0; k < fn->nvars; k++) {
			const goheap_var *x = &v[fn->first_var + k];
			goheap_loc l[16];
			size_t np = goheap_binary_var_locate(b, x, pc, l, 16);
			for (size_t j = 0; j < np && npc < 256; j++) {
				if (l[j].kind != GOHEAP_LOC_CFA || l[j].offset >= 0 ||
				    (uint64_t)-l[j].offset > F->contents_len)
					continue;
				from[npc] = F->contents_len - (uint64_t)-l[j].offset;
				to[npc] = from[npc] + l[j].size;
				npc++;
			}
			if (!is_main || x->type >= nt || !pointer_shaped(&t[x->type]) || np != 1 ||
			    l[0].kind != GOHEAP_LOC_CFA || l[0].size != ps || l[0].offset >= 0 ||
			    (uint64_t)-l[0].offset > F->contents_len)
				continue;
			cand++;
			bool in_map = fields_have(dp, F->fields_off, F->contents_len - (uint64_t)-l[0].offset);
			if (in_map)
				match++;
			/* in main.stackHolder, or inlined into main.main.gowrap1 (Go 1.22+) */
			if (strcmp(x->name, "so") == 0 && strcmp(t[x->type].name, "*main.StackOnly") == 0) {
				so_seen = true;
				CHECKF(in_map, "%s: so is not in the stack map", fn->name);
			}
		}
		goheap_fields fi = goheap_fields_at(dp, F->fields_off);
		uint64_t off;
		while (goheap_fields_next(&fi, &off)) {
			if (off >= F->contents_len)
				continue;
			bool cov = false;
			for (size_t j = 0; j < npc && !cov; j++)
				cov = off >= from[j] && off + ps <= to[j];
			all_slots++;
			all_covered += cov;
			if (!is_main)
				continue;
			slots++;
			covered += cov;
			CHECKF(cov, "%.*s: pointer slot %llu of %llu is no variable's", (int)F->func.len,
			       F->func.ptr, (unsigned long long)off, (unsigned long long)F->contents_len);
		}
	}
	CHECK(mframes > 0);
	CHECK_EQ_U(named, mframes);
	CHECK(so_seen);
	CHECK(match > 0);
	CHECK(slots > 0);
	printf("  frames: %u main.* (%u named alike); their %u stack-map pointer slots: %u inside a DWARF "
	       "variable; pointer variables on the stack: %u, %u of them in the map; all frames: %u of %u "
	       "slots inside a variable\n",
	       mframes, named, slots, covered, cand, match, all_covered, all_slots);
	goheap_dump_free(dp);
}

/* ---- copies: without DWARF, with damaged DWARF ---------------------------------- */

static void check_stripped(const goheap_binary *orig, const char *bin, const char *dump_path)
{
	if (!have_tool("objcopy")) {
		printf("  objcopy is not available: the no-DWARF case is not tested\n");
		return;
	}
	char path[64], cmd[4300];
	snprintf(path, sizeof path, "/tmp/goheap-test-binary-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return;
	close(fd);
	snprintf(cmd, sizeof cmd, "objcopy --strip-debug '%s' '%s' 2>/dev/null", bin, path);
	if (system(cmd) != 0) {
		printf("  objcopy cannot strip %s: the no-DWARF case is not tested\n", tu_basename(bin));
		unlink(path);
		return;
	}
	goheap_binary *b = NULL;
	goheap_diag d = { 0 };
	CHECK_EQ_I(goheap_binary_open(&b, path, &d), GOHEAP_OK);
	if (b) {
		CHECK(!goheap_binary_get_info(b)->has_dwarf);
		/* symbols work from open on */
		uint64_t v0 = 0;
		CHECK_EQ_I(goheap_binary_symbol(b, "main.ListHead", &v0), GOHEAP_OK);
		CHECK(v0 != 0);
		CHECK_EQ_I(goheap_binary_load_dwarf(b, &d), GOHEAP_ENOTFOUND);
		CHECK_EQ_I(d.code, GOHEAP_ENOTFOUND);
		CHECK_CONTAINS(d.msg, "DWARF");
		size_t n;
		goheap_binary_types(b, &n);
		CHECK_EQ_U(n, 0);
		goheap_binary_globals(b, &n);
		CHECK_EQ_U(n, 0);
		uint64_t v1 = 0, v2 = 1;
		CHECK_EQ_I(goheap_binary_symbol(b, "runtime.types", &v1), GOHEAP_OK);
		CHECK_EQ_I(goheap_binary_symbol(orig, "runtime.types", &v2), GOHEAP_OK);
		CHECK_EQ_U(v1, v2);
		CHECK_EQ_I(goheap_binary_symbol(b, "main.main", &v1), GOHEAP_OK);
		CHECK_STR(goheap_binary_func_symbol(b, v1 + 1), "main.main");
		CHECK(goheap_binary_func_at(b, v1) == NULL);
		CHECK_EQ_U(goheap_binary_type_by_name(b, "int"), GOHEAP_NO_TYPE);
		const char *file = NULL;
		uint64_t line = 0;
		CHECK_EQ_I(goheap_binary_pc_line(b, v1 + 1, &file, &line), GOHEAP_ENOTFOUND);
		/* the frame check needs symbols only */
		goheap_dump *dp = NULL;
		int64_t bias = 0;
		if (goheap_dump_open(&dp, dump_path, NULL, &d) == GOHEAP_OK &&
		    goheap_binary_match(b, dp, &bias, &d) == GOHEAP_OK)
			CHECKF(goheap_binary_check_frames(b, dp, bias, &d) == GOHEAP_OK,
			       "stripped: check_frames: %s", d.msg);
		goheap_dump_free(dp);
		goheap_binary_free(b);
	}
	unlink(path);
}

/* A digest of everything a load produced (sampled variable locations included). */
static uint64_t load_digest(const goheap_binary *b)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(x) (h = (h ^ (uint64_t)(x)) * 1099511628211ull)
	size_t n, nv;
	const goheap_btype *t = goheap_binary_types(b, &n);
	MIX(n);
	for (size_t i = 0; i < n; i++) {
		MIX(t[i].size);
		MIX(t[i].kind);
		MIX(t[i].elem);
		MIX(t[i].rtype);
		MIX(t[i].nfields);
	}
	const goheap_global *g = goheap_binary_globals(b, &n);
	MIX(n);
	for (size_t i = 0; i < n; i++) {
		MIX(g[i].addr);
		MIX(g[i].type);
	}
	const goheap_func *f = goheap_binary_funcs(b, &n);
	const goheap_var *v = goheap_binary_vars(b, &nv);
	MIX(n);
	MIX(nv);
	for (size_t i = 0; i < n; i++) {
		MIX(f[i].lowpc);
		MIX(f[i].highpc);
		for (uint64_t pc = f[i].lowpc; pc < f[i].highpc; pc += 5) {
			const char *file = "";
			uint64_t line = 0;
			MIX(goheap_binary_pc_line(b, pc, &file, &line));
			for (const char *c = file; *c; c++)
				MIX(*c);
			MIX(line);
		}
		for (uint32_t k = 0; k < f[i].nvars; k++) {
			for (uint64_t pc = f[i].lowpc; pc < f[i].highpc; pc += 7) {
				goheap_loc l[8];
				size_t np = goheap_binary_var_locate(b, &v[f[i].first_var + k], pc, l, 8);
				MIX(np);
				for (size_t j = 0; j < np; j++) {
					MIX(l[j].kind);
					MIX(l[j].offset);
					MIX(l[j].size);
				}
			}
		}
	}
#undef MIX
	return h;
}

/* The same binary with its DWARF uncompressed, and with .zdebug_* sections. */
static void check_containers(const goheap_binary *orig, const char *bin)
{
	static const char *const how[] = { "--decompress-debug-sections",
					   "--compress-debug-sections=zlib-gnu" };
	if (!have_tool("objcopy")) {
		printf("  objcopy is not available: other DWARF containers are not tested\n");
		return;
	}
	uint64_t want = load_digest(orig);
	unsigned same = 0, tried = 0;
	for (size_t k = 0; k < sizeof how / sizeof how[0]; k++) {
		char path[64], cmd[4400];
		snprintf(path, sizeof path, "/tmp/goheap-test-binary-XXXXXX");
		int fd = mkstemp(path);
		if (fd < 0)
			continue;
		close(fd);
		snprintf(cmd, sizeof cmd, "objcopy %s '%s' '%s' 2>/dev/null", how[k], bin, path);
		if (system(cmd) == 0) {
			goheap_binary *b = NULL;
			goheap_diag d = { 0 };
			tried++;
			CHECK_EQ_I(goheap_binary_open(&b, path, &d), GOHEAP_OK);
			if (b) {
				CHECKF(goheap_binary_load_dwarf(b, &d) == GOHEAP_OK, "%s: %s", how[k], d.msg);
				uint64_t got = load_digest(b);
				CHECKF(got == want, "objcopy %s: the load differs", how[k]);
				same += got == want;
				goheap_binary_free(b);
			}
		}
		unlink(path);
	}
	if (tried)
		printf("  containers: %u of %u objcopy variants (plain, .zdebug_*) load identically\n", same, tried);
	else
		printf("  objcopy cannot rewrite %s: other DWARF containers are not tested\n", tu_basename(bin));
}

/* The file range of each named section of an ELF file. */
typedef struct sec_range { char name[32]; uint64_t off, size; } sec_range;

static size_t debug_sections(const char *path, sec_range *out, size_t max)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t shstr;
	if (e && elf_getshdrstrndx(e, &shstr) == 0) {
		for (Elf_Scn *s = elf_nextscn(e, NULL); s && n < max; s = elf_nextscn(e, s)) {
			GElf_Shdr sh;
			const char *nm;
			if (!gelf_getshdr(s, &sh) || !(nm = elf_strptr(e, shstr, sh.sh_name)))
				continue;
			if (strncmp(nm, ".debug_", 7) != 0 || sh.sh_size < 64 || strlen(nm) >= 32)
				continue;
			strcpy(out[n].name, nm);
			out[n].off = sh.sh_offset;
			out[n].size = sh.sh_size;
			n++;
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return n;
}

/* Damage one section of an uncompressed copy in several ways; every load must end cleanly. */
static void check_damaged(const char *bin)
{
	if (!have_tool("objcopy")) {
		printf("  objcopy is not available: damaged DWARF is not tested\n");
		return;
	}
	char plain[64], work[64], cmd[4300];
	snprintf(plain, sizeof plain, "/tmp/goheap-test-binary-XXXXXX");
	int fd = mkstemp(plain);
	if (fd < 0)
		return;
	close(fd);
	snprintf(cmd, sizeof cmd, "objcopy --decompress-debug-sections '%s' '%s' 2>/dev/null", bin, plain);
	if (system(cmd) != 0) {
		printf("  objcopy cannot decompress %s: damaged DWARF is not tested\n", tu_basename(bin));
		unlink(plain);
		return;
	}
	sec_range sec[32];
	size_t ns = debug_sections(plain, sec, 32);
	CHECK(ns >= 4);
	size_t len;
	uint8_t *orig = tu_read_file(plain, &len);
	tu_rng rng = { 0x5eed };
	unsigned loads = 0, ok = 0, failed = 0;
	for (size_t s = 0; orig && s < ns; s++) {
		if (strcmp(sec[s].name, ".debug_info") != 0 && strcmp(sec[s].name, ".debug_abbrev") != 0 &&
		    strcmp(sec[s].name, ".debug_loc") != 0 && strcmp(sec[s].name, ".debug_loclists") != 0 &&
		    strcmp(sec[s].name, ".debug_addr") != 0 && strcmp(sec[s].name, ".debug_str") != 0 &&
		    strcmp(sec[s].name, ".debug_line") != 0)
			continue;
		for (int round = 0; round < 3; round++) {
			uint8_t *copy = tu_dup(orig, len);
			if (!copy)
				break;
			if (round == 0) {
				/* 64 random bytes anywhere in the section */
				for (int k = 0; k < 64; k++)
					copy[sec[s].off + tu_below(&rng, sec[s].size)] = (uint8_t)tu_rand(&rng);
			} else if (round == 1) {
				/* a run of 0xff (huge LEB128s, offsets and lengths) */
				uint64_t at = sec[s].off + tu_below(&rng, sec[s].size - 32);
				memset(copy + at, 0xff, 32);
			} else {
				/* the section's second half zeroed */
				memset(copy + sec[s].off + sec[s].size / 2, 0, sec[s].size - sec[s].size / 2);
			}
			snprintf(work, sizeof work, "/tmp/goheap-test-binary-XXXXXX");
			fd = mkstemp(work);
			bool wrote = fd >= 0 && write(fd, copy, len) == (ssize_t)len;
			if (fd >= 0)
				close(fd);
			free(copy);
			if (wrote) {
				goheap_binary *b = NULL;
				goheap_diag d = { 0 };
				if (goheap_binary_open(&b, work, &d) == GOHEAP_OK) {
					int rc = goheap_binary_load_dwarf(b, &d);
					loads++;
					if (rc == GOHEAP_OK) {
						ok++;
					} else {
						failed++;
						CHECKF(rc == GOHEAP_ECORRUPT || rc == GOHEAP_ENOTFOUND,
						       "%s damaged (%d): status %d", sec[s].name, round, rc);
						CHECK(d.msg[0] != '\0');
					}
					/* whatever loaded is usable */
					size_t n;
					const goheap_func *f = goheap_binary_funcs(b, &n);
					for (size_t i = 0; i < n; i++) {
						const char *file = NULL;
						uint64_t line = 0;
						(void)goheap_binary_func_at(b, f[i].lowpc);
						if (goheap_binary_pc_line(b, f[i].lowpc, &file, &line) == GOHEAP_OK)
							CHECK(file && line > 0);
					}
					goheap_binary_free(b);
				}
			}
			if (fd >= 0)
				unlink(work);
		}
	}
	free(orig);
	unlink(plain);
	printf("  damaged DWARF: %u loads, %u succeeded, %u failed cleanly\n", loads, ok, failed);
}

/* ---- source lines and frame functions -------------------------------------------- */

/* The directory of path (without the slash), in buf. */
static void dir_of(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s", path);
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(buf, size, ".");
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * Every frame of the dump has a source line; the main.* frames are in
 * main.go at a line the file has, and main.main's is the line of
 * dumps/src/shapes/main.go that calls debug.WriteHeapDump.
 */
static void check_lines(const goheap_binary *b, const char *dump_path)
{
	char dir[4096], src[4200];
	dir_of(dump_path, dir, sizeof dir);
	snprintf(src, sizeof src, "%s/src/shapes/main.go", dir);
	size_t srclen = 0;
	uint8_t *text = tu_read_file(src, &srclen);
	CHECKF(text != NULL, "cannot read %s", src);
	if (!text)
		return;
	/* the start of every line of main.go */
	size_t nlines = 0;
	for (size_t i = 0; i < srclen; i++)
		nlines += text[i] == '\n';
	if (srclen && text[srclen - 1] != '\n')
		nlines++;
	size_t *starts = malloc((nlines + 1) * sizeof *starts);
	CHECK(starts != NULL);
	if (!starts) {
		free(text);
		return;
	}
	size_t k = 0;
	starts[k++] = 0;
	for (size_t i = 0; i < srclen && k <= nlines; i++)
		if (text[i] == '\n')
			starts[k++] = i + 1;

	goheap_dump *dp = NULL;
	goheap_diag d = { 0 };
	CHECK_EQ_I(goheap_dump_open(&dp, dump_path, NULL, &d), GOHEAP_OK);
	int64_t bias = 0;
	if (dp)
		CHECK_EQ_I(goheap_binary_match(b, dp, &bias, &d), GOHEAP_OK);
	size_t nf = 0;
	const goheap_frame *fs = dp ? goheap_dump_frames(dp, &nf) : NULL;
	unsigned resolved = 0, mains = 0, main_main = 0;
	for (size_t i = 0; i < nf; i++) {
		const goheap_frame *f = &fs[i];
		uint64_t pc = f->pc - (uint64_t)bias - (f->depth > 0 ? 1 : 0);
		const char *file = NULL;
		uint64_t line = 0;
		int rc = goheap_binary_pc_line(b, pc, &file, &line);
		CHECKF(rc == GOHEAP_OK, "frame %zu (%.*s, pc 0x%llx) has no source line", i,
		       (int)f->func.len, f->func.ptr, (unsigned long long)f->pc);
		if (rc != GOHEAP_OK)
			continue;
		resolved++;
		CHECK(file && file[0] && line > 0);
		if (f->func.len < 5 || memcmp(f->func.ptr, "main.", 5) != 0)
			continue;
		mains++;
		CHECKF(ends_with(file, "main.go"), "%.*s is in %s", (int)f->func.len, f->func.ptr, file);
		CHECKF(line >= 1 && line <= nlines, "%.*s at main.go:%llu, which has %zu lines",
		       (int)f->func.len, f->func.ptr, (unsigned long long)line, nlines);
		if (f->func.len != 9 || memcmp(f->func.ptr, "main.main", 9) != 0 || line < 1 ||
		    line > nlines)
			continue;
		main_main++;
		size_t from = starts[line - 1], to = line < nlines ? starts[line] : srclen;
		char buf[512];
		size_t n = to - from < sizeof buf - 1 ? to - from : sizeof buf - 1;
		memcpy(buf, text + from, n);
		buf[n] = '\0';
		CHECKF(strstr(buf, "debug.WriteHeapDump(") != NULL,
		       "main.main is at main.go:%llu, which reads %s", (unsigned long long)line, buf);
	}
	CHECK(nf > 0);
	CHECK(mains >= 3);
	CHECK_EQ_U(main_main, 1);
	/* no line at either end of the address space */
	const char *file;
	uint64_t line;
	CHECK_EQ_I(goheap_binary_pc_line(b, 0, &file, &line), GOHEAP_ENOTFOUND);
	CHECK_EQ_I(goheap_binary_pc_line(b, UINT64_MAX, &file, &line), GOHEAP_ENOTFOUND);
	printf("  source lines: %u of %zu frames resolved, %u main.* frames in main.go (%zu lines)\n",
	       resolved, nf, mains, nlines);
	goheap_dump_free(dp);
	free(starts);
	free(text);
}

/*
 * The dump's frames name the functions of its own binary, and not those of
 * any other committed binary of the same architecture, placed at the bias
 * that lines its .data up with the dump's data record (at the same place,
 * .data and .bss sizes aside, as a binary that match() would accept).
 */
static void check_frames(const goheap_binary *b, const char *dump_path, const char *bin)
{
	goheap_dump *dp = NULL;
	goheap_diag d = { 0 };
	CHECK_EQ_I(goheap_dump_open(&dp, dump_path, NULL, &d), GOHEAP_OK);
	if (!dp)
		return;
	int64_t bias = 0;
	CHECK_EQ_I(goheap_binary_match(b, dp, &bias, &d), GOHEAP_OK);
	int rc = goheap_binary_check_frames(b, dp, bias, &d);
	CHECKF(rc == GOHEAP_OK, "own binary: %s", d.msg);
	bool own_ok = rc == GOHEAP_OK;
	size_t nframes;
	goheap_dump_frames(dp, &nframes);
	/* a bias off by a page moves every pc out of its function */
	CHECK_EQ_I(goheap_binary_check_frames(b, dp, bias + 4096, &d), GOHEAP_EMISMATCH);
	CHECK_CONTAINS(d.msg, "in the dump");

	size_t nseg;
	const goheap_segment *seg = goheap_dump_segments(dp, &nseg);
	uint64_t data = 0;
	for (size_t i = 0; i < nseg; i++)
		if (!seg[i].is_bss)
			data = seg[i].addr;
	char dir[4096];
	dir_of(dump_path, dir, sizeof dir);
	DIR *dh = opendir(dir);
	CHECK(dh != NULL);
	unsigned others = 0, refused = 0;
	for (struct dirent *e; dh && (e = readdir(dh));) {
		if (!ends_with(e->d_name, ".bin") || strcmp(e->d_name, tu_basename(bin)) == 0)
			continue;
		char path[8300];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		goheap_binary *o = NULL;
		if (goheap_binary_open(&o, path, &d) != GOHEAP_OK)
			continue;
		const goheap_binary_info *oi = goheap_binary_get_info(o);
		const goheap_binary_info *bi = goheap_binary_get_info(b);
		if (oi->machine == bi->machine && oi->ptr_size == bi->ptr_size && oi->has_data) {
			others++;
			int64_t ob = (int64_t)(data - oi->data_addr);
			rc = goheap_binary_check_frames(o, dp, ob, &d);
			CHECKF(rc == GOHEAP_EMISMATCH, "%s checks OK against %s", tu_basename(dump_path),
			       e->d_name);
			if (rc == GOHEAP_EMISMATCH) {
				refused++;
				CHECK_CONTAINS(d.msg, "in the dump");
			}
			/* the pair named in the task: a PIE build of the same program
			 * and Go version, at bias 0 */
			if (strcmp(tu_basename(dump_path), "shapes-go1.26.8-amd64.dump.gz") == 0 &&
			    strcmp(e->d_name, "shapes-go1.26.8-amd64-pie.bin") == 0) {
				CHECK_EQ_I(goheap_binary_check_frames(o, dp, 0, &d), GOHEAP_EMISMATCH);
				CHECK_CONTAINS(d.msg, "frame 0 of goroutine 1 is runtime.systemstack_switch "
						      "in the dump but ");
				printf("  against the PIE build at bias 0: %s\n", d.msg);
			}
		}
		goheap_binary_free(o);
	}
	if (dh)
		closedir(dh);
	printf("  frame functions: %zu frames %s the own binary; refused by %u of %u other binaries "
	       "of the architecture\n", nframes, own_ok ? "agree with" : "DISAGREE with", refused, others);
	goheap_dump_free(dp);
}

/* ---- one binary --------------------------------------------------------------------- */

static void test_binary(const char *dump_path, const char *bin)
{
	check_context = tu_basename(bin);
	printf("%s\n", check_context);
	goheap_binary *b = NULL;
	goheap_diag d = { 0 };
	CHECK_EQ_I(goheap_binary_open(&b, bin, &d), GOHEAP_OK);
	if (!b)
		return;
	CHECK(goheap_binary_get_info(b)->has_dwarf);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = goheap_binary_load_dwarf(b, &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECKF(rc == GOHEAP_OK, "load_dwarf: %d %s", rc, d.msg);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	size_t nt, nfl, ng, nf, nv;
	goheap_binary_types(b, &nt);
	goheap_binary_fields(b, &nfl);
	goheap_binary_globals(b, &ng);
	goheap_binary_funcs(b, &nf);
	goheap_binary_vars(b, &nv);
	printf("  loaded in %.1f ms: %zu types, %zu fields, %zu globals, %zu functions, %zu variables\n",
	       ms, nt, nfl, ng, nf, nv);
	/* a second call is free and says the same */
	CHECK_EQ_I(goheap_binary_load_dwarf(b, &d), GOHEAP_OK);
	if (rc == GOHEAP_OK) {
		check_shapes(b);
		check_facts_sizes(b, dump_path);
		check_descriptors(b);
		check_globals(b, bin);
		check_funcs(b);
		check_with_dump(b, dump_path);
		check_lines(b, dump_path);
		check_frames(b, dump_path, bin);
		check_stripped(b, bin, dump_path);
		check_containers(b, bin);
		check_damaged(bin);
	}
	/* reads: inside a loaded section, not past it, not in .bss */
	const goheap_binary_info *in = goheap_binary_get_info(b);
	uint8_t buf[16];
	uint64_t types = 0;
	CHECK_EQ_I(goheap_binary_symbol(b, "runtime.types", &types), GOHEAP_OK);
	CHECK_EQ_I(goheap_binary_read(b, types, buf, sizeof buf), GOHEAP_OK);
	CHECK_EQ_I(goheap_binary_read(b, in->bss_addr, buf, 8), GOHEAP_ENOTFOUND);
	CHECK_EQ_I(goheap_binary_read(b, UINT64_MAX - 4, buf, 8), GOHEAP_ENOTFOUND);
	CHECK_EQ_I(goheap_binary_read(b, in->data_addr + in->data_size - 4, buf, 8), GOHEAP_ENOTFOUND);
	goheap_binary_free(b);
	check_context = "";
}

int main(int argc, char **argv)
{
	if (argc == 1)
		test_errors();
	else if (argc == 3)
		test_binary(argv[1], argv[2]);
	else {
		fprintf(stderr, "usage: test_binary [DUMP.gz BINARY]\n");
		return 2;
	}
	return CHECK_DONE();
}
