/*
 * dwarf.c - the DWARF side of goheap_binary: Go types, package-level
 * variables, functions and their parameters and locals, read once through
 * libdwarf (the only file that calls it) into plain tables.
 *
 * One pass over every DIE of every Go compilation unit (DWARF 4 or 5,
 * compressed or not) records what each DIE says about itself: type DIEs
 * become goheap_btype entries in DIE order, with their references kept as
 * DIE offsets; members become fields; CU-level variables with a DW_OP_addr
 * location become globals; subprograms with code become functions, and
 * their parameters and variables (also those in lexical blocks and inlined
 * calls) become vars whose location lists are decoded at once into a
 * compact form (ranges of pieces). A second pass turns DIE offsets into
 * type indexes, resolves typedefs (a typedef keeps its name and takes the
 * layout of what it names), maps DW_AT_go_kind to goheap_tkind, and builds
 * the name and runtime-type indexes.
 *
 * Location lists (.debug_loc, .debug_loclists with .debug_addr) and DWARF
 * expressions are decoded here from the section bytes (elf.c decompresses
 * them), with every read bounds-checked: libdwarf 20210528 crashes on some
 * damaged .debug_loclists. The result was checked to be identical to
 * libdwarf's own decoding on every pc of every variable of the committed
 * binaries.
 *
 * libdwarf rules followed here (toolchain.md section 2.3): every non-CU DIE
 * is freed by the walker that obtained it, the CU DIE by the CU loop; every
 * attribute of an attrlist, then the list; every block; every Dwarf_Error
 * as soon as it is seen. libdwarf's own allocation tracking stays on, so
 * dwarf_finish() also reclaims what libdwarf leaks on its error paths.
 * Strings are copied into a string pool before dwarf_finish(). The DIE walk
 * is iterative with a fixed-depth stack; DIEs nested deeper than
 * DIE_MAX_DEPTH are not visited (Go nests at most a handful of levels).
 *
 * Errors: a libdwarf error on one attribute drops that attribute, a bad
 * location list keeps the entries read before it; an error while moving
 * between DIEs or CUs, or a section that does not decompress, fails the
 * load with GOHEAP_ECORRUPT (tables empty, symbols kept).
 *
 * Source lines: .debug_line (DWARF 2 to 5) is decoded here too, into one
 * pc-sorted table of (address, file, line) rows; a damaged unit is dropped
 * without failing the load (see "source lines" below). The rows agree with
 * llvm-addr2line at the first, middle and last pc of every function of the
 * committed binaries.
 *
 * Variables: parameters are those of the function itself; the parameters
 * and variables of inlined calls are listed as locals of the function they
 * were inlined into (is_param false), named and typed through their
 * abstract origin.
 */
#include <stdlib.h>
#include <string.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "binary/binary_int.h"
#include "goheap/binary.h"
#include "util/diag.h"
#include "util/vec.h"

#ifndef DW_AT_go_kind
#define DW_AT_go_kind 0x2900
#endif
#ifndef DW_AT_go_key
#define DW_AT_go_key 0x2901
#endif
#ifndef DW_AT_go_elem
#define DW_AT_go_elem 0x2902
#endif
#ifndef DW_AT_go_embedded_field
#define DW_AT_go_embedded_field 0x2903
#endif
#ifndef DW_AT_go_runtime_type
#define DW_AT_go_runtime_type 0x2904
#endif

#define DW_LANG_GO 0x16
#define DIE_MAX_DEPTH 48
#define TYPEDEF_MAX_CHAIN 32
#define NO_OFF 0 /* no DIE reference (offset 0 is a CU header, never a DIE) */
#define NO_LOC UINT64_MAX
#define PIECE_REST UINT32_MAX /* a piece size: the rest of the variable */

/* reflect.Kind values (DW_AT_go_kind) */
enum {
	RK_BOOL = 1, RK_INT = 2, RK_INT64 = 6, RK_UINT = 7, RK_UINTPTR = 12,
	RK_FLOAT32 = 13, RK_FLOAT64 = 14, RK_COMPLEX64 = 15, RK_COMPLEX128 = 16,
	RK_ARRAY = 17, RK_CHAN = 18, RK_FUNC = 19, RK_INTERFACE = 20, RK_MAP = 21,
	RK_PTR = 22, RK_SLICE = 23, RK_STRING = 24, RK_STRUCT = 25, RK_UNSAFEPTR = 26
};

/* ---- string pool ---------------------------------------------------------------
 * Interned, NUL-terminated copies in chunks that never move.
 */

typedef struct pool_chunk {
	struct pool_chunk *next;
	size_t used, cap;
	char data[];
} pool_chunk;

struct strpool {
	pool_chunk *chunks;
	const char **slots; /* open addressing, power-of-two size */
	size_t nslots, nused;
};

#define POOL_CHUNK 65536

static void pool_free(struct strpool *p)
{
	if (!p)
		return;
	for (pool_chunk *c = p->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(p->slots);
	free(p);
}

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static int pool_grow_slots(struct strpool *p)
{
	size_t n = p->nslots ? p->nslots * 2 : 4096;
	const char **slots = calloc(n, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < p->nslots; i++) {
		const char *s = p->slots[i];
		if (!s)
			continue;
		size_t j = str_hash(s, strlen(s)) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = s;
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = n;
	return 0;
}

/* The pooled copy of s, or NULL when out of memory. */
static const char *pool_intern(struct strpool *p, const char *s)
{
	size_t len = strlen(s);
	if ((p->nused + 1) * 2 > p->nslots && pool_grow_slots(p))
		return NULL;
	size_t j = str_hash(s, len) & (p->nslots - 1);
	while (p->slots[j]) {
		if (strcmp(p->slots[j], s) == 0)
			return p->slots[j];
		j = (j + 1) & (p->nslots - 1);
	}
	pool_chunk *c = p->chunks;
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > POOL_CHUNK ? len + 1 : POOL_CHUNK;
		pool_chunk *nc = malloc(sizeof *nc + cap);
		if (!nc)
			return NULL;
		nc->next = c;
		nc->used = 0;
		nc->cap = cap;
		p->chunks = c = nc;
	}
	char *dst = c->data + c->used;
	memcpy(dst, s, len + 1);
	c->used += len + 1;
	p->slots[j] = dst;
	p->nused++;
	return dst;
}

/* ---- the load state -------------------------------------------------------------- */

/* What the first pass knows about a type beyond its goheap_btype. */
typedef struct raw_type {
	uint64_t off;                 /* DIE offset */
	uint64_t ref, elem, key;      /* DW_AT_type, DW_AT_go_elem, DW_AT_go_key offsets */
	uint16_t tag;
	uint8_t encoding;             /* DW_AT_encoding of base types */
	bool has_size;
} raw_type;

/* An abstract DIE (an inlined function or one of its variables). */
typedef struct abstract_die {
	uint64_t off;
	const char *name;
	uint64_t type;
} abstract_die;

typedef struct off_ix {
	uint64_t off;
	uint32_t idx;
} off_ix;

/* What the location decoder needs to know about the current CU. */
typedef struct cu_info {
	unsigned version, addr_size, offset_size;
	uint64_t base;                     /* DW_AT_low_pc, the lists' first base address */
	uint64_t addr_base, loclists_base; /* DWARF 5 */
	bool has_addr_base, has_loclists_base;
} cu_info;

typedef struct loader {
	goheap_binary *b;
	goheap_diag *d;
	Dwarf_Debug dbg;
	uint64_t types_base;          /* runtime.types, 0 if absent */
	uint64_t types_end;           /* end of the section holding it, 0 if unknown */
	bool have_types_base;
	/* first-pass side tables, parallel to b->types, b->fields, b->vars,
	 * b->globals, b->funcs */
	VEC(raw_type) rt;
	VEC(uint64_t) field_ref;
	VEC(uint64_t) var_ref;        /* DW_AT_type */
	VEC(uint64_t) var_origin;     /* DW_AT_abstract_origin */
	VEC(uint64_t) global_ref;
	VEC(uint64_t) func_origin;
	VEC(abstract_die) abstracts;
	off_ix *type_ix;              /* (DIE offset, type) sorted by offset */
	size_t ntype_ix;
	uint64_t attr_errors, loc_errors;
	unsigned go_cus, cus;
	/* section bytes decoded here rather than by libdwarf */
	uint8_t *loc, *loclists, *addr;
	size_t loc_len, loclists_len, addr_len;
	cu_info cu;                   /* the CU being walked */
	bool fbreg_is_cfa;            /* the current function's frame base is the CFA */
	unsigned line_units_dropped;  /* damaged or unsupported .debug_line units */
} loader;

/* Contexts of a DIE's children. */
enum ctx_kind {
	CTX_SKIP = 0,   /* do not visit the children */
	CTX_CU,
	CTX_STRUCT,     /* members of type idx */
	CTX_ARRAY,      /* subranges of type idx */
	CTX_FUNC,       /* parameters and variables of function idx */
	CTX_BLOCK,      /* a lexical block of function idx */
	CTX_INLINED,    /* an inlined call in function idx: its parameters are locals */
	CTX_ABSTRACT    /* an abstract (inlined-only) function: record names and types */
};

typedef struct ctx {
	enum ctx_kind kind;
	uint32_t idx;
} ctx;

/* Everything the first pass reads from one DIE's attributes. */
typedef struct die_attrs {
	const char *name;
	uint64_t type, elem, key, origin;
	uint64_t byte_size, member_loc, count, go_kind, rtype, encoding, lowpc, highpc, language;
	int64_t upper_bound;
	bool has_byte_size, has_member_loc, has_count, has_upper, has_rtype, embedded;
	bool has_lowpc, has_highpc, highpc_is_offset, is_go_producer;
	bool frame_base_cfa;          /* DW_AT_frame_base is exactly DW_OP_call_frame_cfa */
	bool has_loc, loc_is_addr;    /* DW_AT_location seen; it was a single DW_OP_addr */
	uint64_t loc_addr;            /* that address */
	uint64_t locset;              /* decoded location list (vars), NO_LOC if none */
	uint64_t addr_base, loclists_base;  /* CU: DW_AT_addr_base, DW_AT_loclists_base */
	bool has_addr_base, has_loclists_base;
} die_attrs;

/* What attribute reading should do with DW_AT_location. */
enum loc_mode { LOC_IGNORE, LOC_GLOBAL, LOC_VAR };

#define OOM(L) diag_set((L)->d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory")

static void drop_error(loader *L, Dwarf_Error *err)
{
	if (*err) {
		dwarf_dealloc(L->dbg, *err, DW_DLA_ERROR);
		*err = NULL;
	}
}

/* Fail the load with libdwarf's message. */
static int dwarf_fail(loader *L, Dwarf_Error *err, const char *doing)
{
	int rc = diag_set(L->d, GOHEAP_ECORRUPT, GOHEAP_NO_OFFSET, NULL, NULL, "bad DWARF: %s: %s",
			  doing, *err ? dwarf_errmsg(*err) : "no detail");
	drop_error(L, err);
	return rc;
}

/* ---- locations --------------------------------------------------------------------- */

/*
 * A tiny DWARF expression evaluator: enough for what Go writes (fbreg,
 * call_frame_cfa [+ n], addr, reg, piece) and honest about the rest.
 */
enum sv_kind { SV_CONST, SV_CFA, SV_ADDR };

typedef struct stack_val {
	enum sv_kind kind;
	int64_t v;
} stack_val;

typedef struct expr_state {
	stack_val st[8];
	int sp;
	bool bad;            /* an operation we cannot express */
	bool reg;            /* the location is a register */
	int64_t regno;
	bool value;          /* DW_OP_stack_value: not a location */
} expr_state;

static void es_push(expr_state *e, enum sv_kind k, int64_t v)
{
	if (e->sp >= (int)(sizeof e->st / sizeof e->st[0])) {
		e->bad = true;
		return;
	}
	e->st[e->sp].kind = k;
	e->st[e->sp].v = v;
	e->sp++;
}

static void es_reset(expr_state *e)
{
	memset(e, 0, sizeof *e);
}

/* The location the state describes now, as a piece. */
static bin_locpiece es_piece(const expr_state *e, uint32_t size)
{
	bin_locpiece p = { 0, size, GOHEAP_LOC_NONE };
	if (e->bad || e->value)
		return p;
	if (e->reg) {
		if (e->sp == 0) {
			p.kind = GOHEAP_LOC_REG;
			p.offset = e->regno;
		}
		return p;
	}
	if (e->sp != 1)
		return p;
	if (e->st[0].kind == SV_CFA) {
		p.kind = GOHEAP_LOC_CFA;
		p.offset = e->st[0].v;
	} else if (e->st[0].kind == SV_ADDR) {
		p.kind = GOHEAP_LOC_ADDR;
		p.offset = e->st[0].v;
	}
	return p;
}

/* Apply DW_OP_plus ('+') or DW_OP_minus ('-') to the two top entries:
 * CFA/address +- constant, constant + CFA/address, constant +- constant. */
static void es_binop(expr_state *e, int op)
{
	if (e->sp < 2) {
		e->bad = true;
		return;
	}
	stack_val *a = &e->st[e->sp - 2], *b = &e->st[e->sp - 1];
	e->sp--;
	if (b->kind == SV_CONST) {
		a->v = op == '+' ? (int64_t)((uint64_t)a->v + (uint64_t)b->v)
				 : (int64_t)((uint64_t)a->v - (uint64_t)b->v);
		return;
	}
	if (op == '+' && a->kind == SV_CONST) {
		a->v = (int64_t)((uint64_t)a->v + (uint64_t)b->v);
		a->kind = b->kind;
		return;
	}
	e->bad = true;
}

/* ---- raw bytes --------------------------------------------------------------------
 * Location lists and expressions are decoded here from the section bytes,
 * not through libdwarf: libdwarf 20210528 crashes on some damaged
 * .debug_loclists. Every read checks the end; a failed read sets bad.
 */

typedef struct rd {
	const uint8_t *p, *end;
	bool be;      /* target byte order */
	bool bad;
} rd;

static uint64_t rd_uint(rd *r, unsigned n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->be ? n - 1 - i : i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t rd_uleb(rd *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0; !r->bad; shift += 7) {
		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			break;
		}
		uint8_t x = *r->p++;
		v |= (uint64_t)(x & 0x7f) << shift;
		if (!(x & 0x80))
			return v;
	}
	return 0;
}

static int64_t rd_sleb(rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		if (r->bad || r->p >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		uint8_t x = *r->p++;
		v |= (uint64_t)(x & 0x7f) << shift;
		shift += 7;
		if (!(x & 0x80)) {
			if (shift < 64 && (x & 0x40))
				v |= ~(uint64_t)0 << shift;
			return (int64_t)v;
		}
	}
}

/* Skip n bytes; returns where they start (NULL if they are not all there). */
static const uint8_t *rd_skip(rd *r, uint64_t n)
{
	if (r->bad || (uint64_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *at = r->p;
	r->p += n;
	return at;
}


/* Entry idx of .debug_addr for this CU; false if there is none. */
static bool debug_addr(const loader *L, uint64_t idx, uint64_t *out);
static bool attr_udata(loader *L, Dwarf_Attribute at, uint64_t *out);

/* ---- locations ---------------------------------------------------------------------- */

/* Decode one DWARF expression into pieces appended to b->pieces. */
static int decode_expr(loader *L, const uint8_t *p, uint64_t len, uint32_t *npieces)
{
	goheap_binary *b = L->b;
	const cu_info *cu = &L->cu;
	rd r = { p, p + len, b->info.big_endian, false };
	expr_state e;
	es_reset(&e);
	bool used_piece = false, stop = false;
	*npieces = 0;
	while (!stop && r.p < r.end) {
		uint8_t op = *r.p++;
		uint64_t u = 0;
		if (op >= DW_OP_reg0 && op <= DW_OP_reg31) {
			e.reg = true;
			e.regno = op - DW_OP_reg0;
			continue;
		}
		if (op >= DW_OP_lit0 && op <= DW_OP_lit31) {
			es_push(&e, SV_CONST, op - DW_OP_lit0);
			continue;
		}
		if (op >= DW_OP_breg0 && op <= DW_OP_breg31) {
			(void)rd_sleb(&r);
			e.bad = true; /* register-relative: not in the dump */
			continue;
		}
		switch (op) {
		case DW_OP_addr:
			es_push(&e, SV_ADDR, (int64_t)rd_uint(&r, cu->addr_size));
			break;
		case DW_OP_addrx:
		case DW_OP_GNU_addr_index:
			if (debug_addr(L, rd_uleb(&r), &u))
				es_push(&e, SV_ADDR, (int64_t)u);
			else
				e.bad = true;
			break;
		case DW_OP_constx:
		case DW_OP_GNU_const_index:
			if (debug_addr(L, rd_uleb(&r), &u))
				es_push(&e, SV_CONST, (int64_t)u);
			else
				e.bad = true;
			break;
		case DW_OP_const1u: es_push(&e, SV_CONST, (int64_t)rd_uint(&r, 1)); break;
		case DW_OP_const2u: es_push(&e, SV_CONST, (int64_t)rd_uint(&r, 2)); break;
		case DW_OP_const4u: es_push(&e, SV_CONST, (int64_t)rd_uint(&r, 4)); break;
		case DW_OP_const8u: es_push(&e, SV_CONST, (int64_t)rd_uint(&r, 8)); break;
		case DW_OP_const1s: es_push(&e, SV_CONST, (int8_t)rd_uint(&r, 1)); break;
		case DW_OP_const2s: es_push(&e, SV_CONST, (int16_t)rd_uint(&r, 2)); break;
		case DW_OP_const4s: es_push(&e, SV_CONST, (int32_t)rd_uint(&r, 4)); break;
		case DW_OP_const8s: es_push(&e, SV_CONST, (int64_t)rd_uint(&r, 8)); break;
		case DW_OP_constu: es_push(&e, SV_CONST, (int64_t)rd_uleb(&r)); break;
		case DW_OP_consts: es_push(&e, SV_CONST, rd_sleb(&r)); break;
		case DW_OP_plus:
			es_binop(&e, '+');
			break;
		case DW_OP_minus:
			es_binop(&e, '-');
			break;
		case DW_OP_plus_uconst:
			u = rd_uleb(&r);
			if (e.sp < 1)
				e.bad = true;
			else
				e.st[e.sp - 1].v = (int64_t)((uint64_t)e.st[e.sp - 1].v + u);
			break;
		case DW_OP_regx:
			e.reg = true;
			e.regno = (int64_t)rd_uleb(&r);
			break;
		case DW_OP_fbreg:
			/* Go's frame base is DW_OP_call_frame_cfa (checked per function) */
			es_push(&e, SV_CFA, rd_sleb(&r));
			if (!L->fbreg_is_cfa)
				e.bad = true;
			break;
		case DW_OP_call_frame_cfa:
			es_push(&e, SV_CFA, 0);
			break;
		case DW_OP_nop:
			break;
		case DW_OP_stack_value:
			e.value = true;
			break;
		case DW_OP_implicit_value:
			(void)rd_skip(&r, rd_uleb(&r));
			e.value = true;
			break;
		case DW_OP_piece:
		case DW_OP_bit_piece: {
			u = rd_uleb(&r);
			if (op == DW_OP_bit_piece) {
				(void)rd_uleb(&r);
				if (u % 8)
					e.bad = true;
				u /= 8;
			}
			if (r.bad)
				break;
			bin_locpiece *pc = VEC_PUSH(b->pieces);
			if (!pc)
				return -1;
			*pc = es_piece(&e, u > UINT32_MAX ? UINT32_MAX : (uint32_t)u);
			if (pc->size == 0) /* a zero-sized piece would read as "whole" */
				pc->kind = GOHEAP_LOC_NONE;
			(*npieces)++;
			used_piece = true;
			es_reset(&e);
			break;
		}
		/* operations we do not evaluate, decoded only to reach what follows */
		case DW_OP_deref: case DW_OP_dup: case DW_OP_drop: case DW_OP_over:
		case DW_OP_swap: case DW_OP_rot: case DW_OP_xderef: case DW_OP_abs: case DW_OP_and:
		case DW_OP_div: case DW_OP_mod: case DW_OP_mul: case DW_OP_neg: case DW_OP_not:
		case DW_OP_or: case DW_OP_shl: case DW_OP_shr: case DW_OP_shra: case DW_OP_xor:
		case DW_OP_eq: case DW_OP_ge: case DW_OP_gt: case DW_OP_le: case DW_OP_lt: case DW_OP_ne:
		case DW_OP_push_object_address: case DW_OP_form_tls_address:
		case DW_OP_GNU_push_tls_address:
			e.bad = true;
			break;
		case DW_OP_pick: case DW_OP_deref_size: case DW_OP_xderef_size:
			(void)rd_uint(&r, 1);
			e.bad = true;
			break;
		case DW_OP_skip: case DW_OP_bra: case DW_OP_call2:
			(void)rd_uint(&r, 2);
			e.bad = true;
			break;
		case DW_OP_call4:
			(void)rd_uint(&r, 4);
			e.bad = true;
			break;
		case DW_OP_call_ref:
			(void)rd_uint(&r, cu->offset_size);
			e.bad = true;
			break;
		case DW_OP_bregx:
			(void)rd_uleb(&r);
			(void)rd_sleb(&r);
			e.bad = true;
			break;
		case DW_OP_implicit_pointer:
		case DW_OP_GNU_implicit_pointer:
			(void)rd_uint(&r, cu->offset_size);
			(void)rd_sleb(&r);
			e.value = true;
			break;
		case DW_OP_entry_value:
		case DW_OP_GNU_entry_value:
			(void)rd_skip(&r, rd_uleb(&r));
			e.bad = true;
			break;
		case DW_OP_convert: case DW_OP_reinterpret:
			(void)rd_uleb(&r);
			e.bad = true;
			break;
		case DW_OP_regval_type:
			(void)rd_uleb(&r);
			(void)rd_uleb(&r);
			e.bad = true;
			break;
		case DW_OP_deref_type: case DW_OP_xderef_type:
			(void)rd_uint(&r, 1);
			(void)rd_uleb(&r);
			e.bad = true;
			break;
		case DW_OP_const_type:
			(void)rd_uleb(&r);
			(void)rd_skip(&r, rd_uint(&r, 1));
			e.value = true;
			break;
		default:
			/* an operation whose operands we do not know: nothing after it can be read */
			e.bad = true;
			stop = true;
			break;
		}
		if (r.bad) {
			e.bad = true;
			stop = true;
		}
	}
	if (!used_piece && len > 0) {
		bin_locpiece *pc = VEC_PUSH(b->pieces);
		if (!pc)
			return -1;
		*pc = es_piece(&e, 0);
		(*npieces)++;
	} else if (used_piece && stop) {
		/* the rest of the variable is unknown */
		bin_locpiece *pc = VEC_PUSH(b->pieces);
		if (!pc)
			return -1;
		*pc = (bin_locpiece){ 0, PIECE_REST, GOHEAP_LOC_NONE };
		(*npieces)++;
	}
	return 0;
}

static bool debug_addr(const loader *L, uint64_t idx, uint64_t *out)
{
	const cu_info *cu = &L->cu;
	unsigned as = cu->addr_size;
	/* DWARF 5 .debug_addr: entries start at DW_AT_addr_base */
	if (!L->addr || !cu->has_addr_base || (as != 4 && as != 8) || idx > L->addr_len / as)
		return false;
	uint64_t at = cu->addr_base + idx * as;
	if (at < cu->addr_base || at > L->addr_len || L->addr_len - at < as)
		return false;
	rd r = { L->addr + at, L->addr + L->addr_len, L->b->info.big_endian, false };
	*out = rd_uint(&r, as);
	return !r.bad;
}

/* Append one range [lo, hi) with the pieces of expr. */
static int add_range(loader *L, uint64_t lo, uint64_t hi, const uint8_t *expr, uint64_t len,
		     bin_locset *set)
{
	goheap_binary *b = L->b;
	if (b->pieces.n >= UINT32_MAX - 256 || b->ranges.n >= UINT32_MAX - 1)
		return -1;
	uint32_t first = (uint32_t)b->pieces.n, np = 0;
	if (decode_expr(L, expr, len, &np))
		return -1;
	bin_locrange *r = VEC_PUSH(b->ranges);
	if (!r)
		return -1;
	*r = (bin_locrange){ lo, hi, first, np };
	set->nranges++;
	return 0;
}

/* Entries of a location list are capped: Go writes a few dozen at most. */
#define LOCLIST_MAX_ENTRIES 65536

/* A DWARF 2-4 .debug_loc list at off. */
static int decode_loc_v4(loader *L, uint64_t off, bin_locset *set)
{
	unsigned as = L->cu.addr_size;
	if (!L->loc || off >= L->loc_len || (as != 4 && as != 8)) {
		L->loc_errors++;
		return 0;
	}
	uint64_t maxaddr = as == 8 ? UINT64_MAX : UINT32_MAX;
	rd r = { L->loc + off, L->loc + L->loc_len, L->b->info.big_endian, false };
	uint64_t base = L->cu.base;
	for (unsigned n = 0; n < LOCLIST_MAX_ENTRIES; n++) {
		uint64_t lo = rd_uint(&r, as), hi = rd_uint(&r, as);
		if (r.bad)
			break;
		if (lo == 0 && hi == 0)
			return 0;
		if (lo == maxaddr) {
			base = hi;
			continue;
		}
		uint64_t len = rd_uint(&r, 2);
		const uint8_t *expr = rd_skip(&r, len);
		if (r.bad)
			break;
		if (hi > lo && add_range(L, base + lo, base + hi, expr, len, set))
			return -1;
	}
	L->loc_errors++;
	return 0;
}

/* A DWARF 5 .debug_loclists list at off. */
static int decode_loc_v5(loader *L, uint64_t off, bin_locset *set)
{
	unsigned as = L->cu.addr_size;
	if (!L->loclists || off >= L->loclists_len || (as != 4 && as != 8)) {
		L->loc_errors++;
		return 0;
	}
	rd r = { L->loclists + off, L->loclists + L->loclists_len, L->b->info.big_endian, false };
	uint64_t base = L->cu.base;
	const uint8_t *dflt = NULL;
	uint64_t dflt_len = 0;
	for (unsigned n = 0; n < LOCLIST_MAX_ENTRIES; n++) {
		uint8_t kind = (uint8_t)rd_uint(&r, 1);
		uint64_t lo = 0, hi = 0;
		bool ok = true;
		if (r.bad)
			break;
		switch (kind) {
		case DW_LLE_end_of_list:
			if (dflt && add_range(L, 0, UINT64_MAX, dflt, dflt_len, set))
				return -1;
			return 0;
		case DW_LLE_base_addressx:
			if (!debug_addr(L, rd_uleb(&r), &base))
				L->loc_errors++;
			continue;
		case DW_LLE_base_address:
			base = rd_uint(&r, as);
			continue;
		case DW_LLE_startx_endx:
			ok = debug_addr(L, rd_uleb(&r), &lo);
			ok = debug_addr(L, rd_uleb(&r), &hi) && ok;
			break;
		case DW_LLE_startx_length:
			ok = debug_addr(L, rd_uleb(&r), &lo);
			hi = lo + rd_uleb(&r);
			break;
		case DW_LLE_offset_pair:
			lo = base + rd_uleb(&r);
			hi = base + rd_uleb(&r);
			break;
		case DW_LLE_default_location:
			break;
		case DW_LLE_start_end:
			lo = rd_uint(&r, as);
			hi = rd_uint(&r, as);
			break;
		case DW_LLE_start_length:
			lo = rd_uint(&r, as);
			hi = lo + rd_uleb(&r);
			break;
		default:
			r.bad = true;
			break;
		}
		uint64_t len = rd_uleb(&r);
		const uint8_t *expr = rd_skip(&r, len);
		if (r.bad)
			break;
		if (kind == DW_LLE_default_location) {
			dflt = expr;
			dflt_len = len;
			continue;
		}
		if (!ok) {
			L->loc_errors++;
			continue;
		}
		if (hi > lo && add_range(L, lo, hi, expr, len, set))
			return -1;
	}
	L->loc_errors++;
	return 0;
}

/*
 * Decode a variable's DW_AT_location into a new locset; *out is its index
 * (NO_LOC when the attribute cannot be read). Returns 0 or -1 (out of memory).
 */
static int decode_location(loader *L, Dwarf_Attribute attr, Dwarf_Half form, uint64_t *out)
{
	goheap_binary *b = L->b;
	*out = NO_LOC;
	if (b->locsets.n >= UINT32_MAX - 1)
		return -1;
	bin_locset set = { (uint32_t)b->ranges.n, 0 };
	Dwarf_Error err = NULL;
	int rc = 0;
	if (form == DW_FORM_exprloc) {
		Dwarf_Unsigned len = 0;
		Dwarf_Ptr ptr = NULL;
		if (dwarf_formexprloc(attr, &len, &ptr, &err) != DW_DLV_OK) {
			drop_error(L, &err);
			L->attr_errors++;
			return 0;
		}
		rc = add_range(L, 0, UINT64_MAX, ptr, len, &set);
	} else if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
		   form == DW_FORM_block) {
		Dwarf_Block *blk = NULL;
		if (dwarf_formblock(attr, &blk, &err) != DW_DLV_OK) {
			drop_error(L, &err);
			L->attr_errors++;
			return 0;
		}
		rc = add_range(L, 0, UINT64_MAX, blk->bl_data, blk->bl_len, &set);
		dwarf_dealloc(L->dbg, blk, DW_DLA_BLOCK);
	} else if (form == DW_FORM_sec_offset || form == DW_FORM_data4 || form == DW_FORM_data8 ||
		   form == DW_FORM_loclistx) {
		uint64_t off = 0;
		if (form == DW_FORM_sec_offset) {
			Dwarf_Off o = 0;
			if (dwarf_global_formref(attr, &o, &err) != DW_DLV_OK) {
				drop_error(L, &err);
				L->attr_errors++;
				return 0;
			}
			off = o;
		} else if (!attr_udata(L, attr, &off)) {
			return 0;
		}
		if (form == DW_FORM_loclistx) {
			/* an index into the offsets that follow the list table header */
			const cu_info *cu = &L->cu;
			unsigned os = cu->offset_size;
			uint64_t at = cu->loclists_base + off * os;
			if (!cu->has_loclists_base || off > L->loclists_len / os || at < cu->loclists_base ||
			    at > L->loclists_len || L->loclists_len - at < os) {
				L->loc_errors++;
				return 0;
			}
			rd r = { L->loclists + at, L->loclists + L->loclists_len, b->info.big_endian, false };
			off = cu->loclists_base + rd_uint(&r, os);
		}
		if (L->cu.version >= 5)
			rc = decode_loc_v5(L, off, &set);
		else
			rc = decode_loc_v4(L, off, &set);
	} else {
		L->loc_errors++;
		return 0;
	}
	if (rc)
		return rc;
	bin_locset *s = VEC_PUSH(b->locsets);
	if (!s)
		return -1;
	*s = set;
	*out = b->locsets.n - 1;
	return 0;
}

/* A global's location: exactly DW_OP_addr <address>. */
static void global_location(loader *L, Dwarf_Attribute attr, Dwarf_Half form, die_attrs *a)
{
	Dwarf_Error err = NULL;
	const uint8_t *p = NULL;
	Dwarf_Unsigned len = 0;
	Dwarf_Block *blk = NULL;
	Dwarf_Ptr ptr = NULL;
	if (form == DW_FORM_exprloc) {
		if (dwarf_formexprloc(attr, &len, &ptr, &err) != DW_DLV_OK) {
			drop_error(L, &err);
			return;
		}
		p = ptr;
	} else if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
		   form == DW_FORM_block) {
		if (dwarf_formblock(attr, &blk, &err) != DW_DLV_OK) {
			drop_error(L, &err);
			return;
		}
		p = blk->bl_data;
		len = blk->bl_len;
	} else {
		return;
	}
	unsigned as = L->cu.addr_size;
	if (p && (as == 4 || as == 8) && len == 1 + as && p[0] == DW_OP_addr) {
		uint64_t v = 0;
		for (unsigned i = 0; i < as; i++) {
			unsigned sh = L->b->info.big_endian ? 8 * (as - 1 - i) : 8 * i;
			v |= (uint64_t)p[1 + i] << sh;
		}
		a->loc_is_addr = true;
		a->loc_addr = v;
	}
	if (blk)
		dwarf_dealloc(L->dbg, blk, DW_DLA_BLOCK);
}

/* ---- attributes -------------------------------------------------------------------- */

static bool attr_udata(loader *L, Dwarf_Attribute at, uint64_t *out)
{
	Dwarf_Error err = NULL;
	Dwarf_Unsigned v = 0;
	if (dwarf_formudata(at, &v, &err) == DW_DLV_OK) {
		*out = v;
		return true;
	}
	drop_error(L, &err);
	Dwarf_Signed s = 0;
	if (dwarf_formsdata(at, &s, &err) == DW_DLV_OK && s >= 0) {
		*out = (uint64_t)s;
		return true;
	}
	drop_error(L, &err);
	L->attr_errors++;
	return false;
}

static bool attr_ref(loader *L, Dwarf_Attribute at, uint64_t *out)
{
	Dwarf_Error err = NULL;
	Dwarf_Off off = 0;
	if (dwarf_global_formref(at, &off, &err) == DW_DLV_OK) {
		*out = off;
		return true;
	}
	drop_error(L, &err);
	L->attr_errors++;
	return false;
}

static bool attr_addr(loader *L, Dwarf_Attribute at, uint64_t *out)
{
	Dwarf_Error err = NULL;
	Dwarf_Addr v = 0;
	if (dwarf_formaddr(at, &v, &err) == DW_DLV_OK) {
		*out = v;
		return true;
	}
	drop_error(L, &err);
	L->attr_errors++;
	return false;
}

/* A section offset (DW_FORM_sec_offset, or a constant in DWARF 2-3). */
static bool attr_secoff(loader *L, Dwarf_Attribute at, Dwarf_Half form, uint64_t *out)
{
	if (form != DW_FORM_sec_offset)
		return attr_udata(L, at, out);
	Dwarf_Error err = NULL;
	Dwarf_Off off = 0;
	if (dwarf_global_formref(at, &off, &err) == DW_DLV_OK) {
		*out = off;
		return true;
	}
	drop_error(L, &err);
	L->attr_errors++;
	return false;
}

static bool form_is_addr(Dwarf_Half form)
{
	return form == DW_FORM_addr || form == DW_FORM_addrx || form == DW_FORM_addrx1 ||
	       form == DW_FORM_addrx2 || form == DW_FORM_addrx3 || form == DW_FORM_addrx4 ||
	       form == DW_FORM_GNU_addr_index;
}

/* DW_AT_data_member_location as a constant, or as DW_OP_plus_uconst n. */
static bool member_location(loader *L, Dwarf_Attribute at, Dwarf_Half form, uint64_t *out)
{
	if (form != DW_FORM_exprloc && form != DW_FORM_block1)
		return attr_udata(L, at, out);
	Dwarf_Error err = NULL;
	const uint8_t *p = NULL;
	Dwarf_Unsigned len = 0;
	Dwarf_Block *blk = NULL;
	Dwarf_Ptr ptr = NULL;
	if (form == DW_FORM_exprloc) {
		if (dwarf_formexprloc(at, &len, &ptr, &err) != DW_DLV_OK) {
			drop_error(L, &err);
			return false;
		}
		p = ptr;
	} else {
		if (dwarf_formblock(at, &blk, &err) != DW_DLV_OK) {
			drop_error(L, &err);
			return false;
		}
		p = blk->bl_data;
		len = blk->bl_len;
	}
	bool ok = false;
	if (p && len >= 2 && p[0] == DW_OP_plus_uconst) {
		uint64_t v = 0;
		unsigned shift = 0;
		for (Dwarf_Unsigned i = 1; i < len && shift < 64; i++, shift += 7) {
			v |= (uint64_t)(p[i] & 0x7f) << shift;
			if (!(p[i] & 0x80)) {
				ok = i + 1 == len;
				break;
			}
		}
		*out = v;
	}
	if (blk)
		dwarf_dealloc(L->dbg, blk, DW_DLA_BLOCK);
	return ok;
}

/* Whether a DW_AT_frame_base is the one-operation expression DW_OP_call_frame_cfa. */
static bool frame_base_is_cfa(loader *L, Dwarf_Attribute at, Dwarf_Half form)
{
	Dwarf_Error err = NULL;
	bool yes = false;
	if (form == DW_FORM_exprloc) {
		Dwarf_Unsigned len = 0;
		Dwarf_Ptr ptr = NULL;
		if (dwarf_formexprloc(at, &len, &ptr, &err) == DW_DLV_OK)
			yes = len == 1 && ptr && *(const uint8_t *)ptr == DW_OP_call_frame_cfa;
		else
			drop_error(L, &err);
	} else if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
		   form == DW_FORM_block) {
		Dwarf_Block *blk = NULL;
		if (dwarf_formblock(at, &blk, &err) == DW_DLV_OK) {
			yes = blk->bl_len == 1 && blk->bl_data &&
			      *(const uint8_t *)blk->bl_data == DW_OP_call_frame_cfa;
			dwarf_dealloc(L->dbg, blk, DW_DLA_BLOCK);
		} else {
			drop_error(L, &err);
		}
	}
	return yes;
}

/* Read the attributes of die into a; returns 0 or an error code. */
static int read_attrs(loader *L, Dwarf_Die die, enum loc_mode lm, die_attrs *a)
{
	memset(a, 0, sizeof *a);
	a->locset = NO_LOC;
	Dwarf_Attribute *list = NULL;
	Dwarf_Signed n = 0;
	Dwarf_Error err = NULL;
	int res = dwarf_attrlist(die, &list, &n, &err);
	if (res == DW_DLV_NO_ENTRY)
		return 0;
	if (res != DW_DLV_OK) {
		drop_error(L, &err);
		L->attr_errors++;
		return 0;
	}
	int rc = 0;
	for (Dwarf_Signed i = 0; i < n; i++) {
		Dwarf_Attribute at = list[i];
		Dwarf_Half num = 0, form = 0;
		if (rc || dwarf_whatattr(at, &num, &err) != DW_DLV_OK ||
		    dwarf_whatform(at, &form, &err) != DW_DLV_OK) {
			drop_error(L, &err);
			dwarf_dealloc_attribute(at);
			continue;
		}
		switch (num) {
		case DW_AT_name: {
			char *s = NULL;
			if (dwarf_formstring(at, &s, &err) == DW_DLV_OK)
				a->name = s;
			else {
				drop_error(L, &err);
				L->attr_errors++;
			}
			break;
		}
		case DW_AT_producer: {
			char *s = NULL;
			if (dwarf_formstring(at, &s, &err) == DW_DLV_OK)
				a->is_go_producer = strstr(s, "Go cmd/compile") != NULL;
			else
				drop_error(L, &err);
			break;
		}
		case DW_AT_language:
			attr_udata(L, at, &a->language);
			break;
		case DW_AT_addr_base:
		case DW_AT_GNU_addr_base:
			a->has_addr_base = attr_secoff(L, at, form, &a->addr_base);
			break;
		case DW_AT_loclists_base:
			a->has_loclists_base = attr_secoff(L, at, form, &a->loclists_base);
			break;
		case DW_AT_type:
			attr_ref(L, at, &a->type);
			break;
		case DW_AT_go_elem:
			attr_ref(L, at, &a->elem);
			break;
		case DW_AT_go_key:
			attr_ref(L, at, &a->key);
			break;
		case DW_AT_abstract_origin:
			attr_ref(L, at, &a->origin);
			break;
		case DW_AT_byte_size:
			a->has_byte_size = attr_udata(L, at, &a->byte_size);
			break;
		case DW_AT_data_member_location:
			a->has_member_loc = member_location(L, at, form, &a->member_loc);
			break;
		case DW_AT_count:
			a->has_count = attr_udata(L, at, &a->count);
			break;
		case DW_AT_upper_bound: {
			Dwarf_Signed s = 0;
			Dwarf_Unsigned u = 0;
			if (form == DW_FORM_sdata && dwarf_formsdata(at, &s, &err) == DW_DLV_OK) {
				a->has_upper = true;
				a->upper_bound = s;
			} else if (form != DW_FORM_sdata && dwarf_formudata(at, &u, &err) == DW_DLV_OK) {
				a->has_upper = true;
				a->upper_bound = (int64_t)u;
			} else {
				drop_error(L, &err);
			}
			break;
		}
		case DW_AT_encoding:
			attr_udata(L, at, &a->encoding);
			break;
		case DW_AT_go_kind:
			attr_udata(L, at, &a->go_kind);
			break;
		case DW_AT_go_runtime_type:
			if (form_is_addr(form))
				a->has_rtype = attr_addr(L, at, &a->rtype);
			else
				a->has_rtype = attr_udata(L, at, &a->rtype);
			break;
		case DW_AT_go_embedded_field: {
			Dwarf_Bool f = 0;
			uint64_t u = 0;
			if (form == DW_FORM_flag || form == DW_FORM_flag_present) {
				if (dwarf_formflag(at, &f, &err) == DW_DLV_OK)
					a->embedded = f != 0;
				else
					drop_error(L, &err);
			} else if (attr_udata(L, at, &u)) {
				a->embedded = u != 0;
			}
			break;
		}
		case DW_AT_low_pc:
			a->has_lowpc = attr_addr(L, at, &a->lowpc);
			break;
		case DW_AT_high_pc:
			if (form_is_addr(form)) {
				a->has_highpc = attr_addr(L, at, &a->highpc);
			} else {
				a->has_highpc = attr_udata(L, at, &a->highpc);
				a->highpc_is_offset = true;
			}
			break;
		case DW_AT_frame_base:
			a->frame_base_cfa = frame_base_is_cfa(L, at, form);
			break;
		case DW_AT_location:
			a->has_loc = true;
			if (lm == LOC_GLOBAL)
				global_location(L, at, form, a);
			else if (lm == LOC_VAR && decode_location(L, at, form, &a->locset))
				rc = OOM(L);
			break;
		default:
			break;
		}
		dwarf_dealloc_attribute(at);
	}
	dwarf_dealloc(L->dbg, list, DW_DLA_LIST);
	return rc;
}

/* ---- the first pass ------------------------------------------------------------------ */

static bool is_type_tag(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_base_type:
	case DW_TAG_pointer_type:
	case DW_TAG_structure_type:
	case DW_TAG_array_type:
	case DW_TAG_typedef:
	case DW_TAG_subroutine_type:
	case DW_TAG_unspecified_type:
		return true;
	default:
		return false;
	}
}

/* Copy a libdwarf string into the pool ("" for NULL). */
static int keep_name(loader *L, const char *s, const char **out)
{
	*out = pool_intern(L->b->strings, s ? s : "");
	return *out ? 0 : -1;
}

/*
 * The link-time address of a type descriptor from DW_AT_go_runtime_type:
 * an offset from runtime.types. Linkers up to Go 1.22 wrote the absolute
 * address instead for the types they synthesise themselves (uintptr): a
 * value too large to be an offset into the section holding runtime.types
 * but inside that section is taken as an address.
 */
static uint64_t runtime_type(const loader *L, uint64_t v)
{
	if (L->types_end > L->types_base && v >= L->types_end - L->types_base &&
	    v >= L->types_base && v < L->types_end)
		return v;
	return L->types_base + v;
}

static int add_type(loader *L, Dwarf_Half tag, uint64_t off, const die_attrs *a, ctx *child)
{
	goheap_binary *b = L->b;
	if (b->types.n >= UINT32_MAX - 1)
		return diag_set(L->d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL, "too many DWARF types");
	goheap_btype *t = VEC_PUSH(b->types);
	raw_type *r = VEC_PUSH(L->rt);
	if (!t || !r)
		return OOM(L);
	memset(t, 0, sizeof *t);
	if (keep_name(L, a->name, &t->name))
		return OOM(L);
	t->size = a->has_byte_size ? a->byte_size : 0;
	t->go_kind = a->go_kind <= 255 ? (uint8_t)a->go_kind : 0;
	t->elem = t->key = GOHEAP_NO_TYPE;
	t->first_field = (uint32_t)b->fields.n;
	if (a->has_rtype && a->rtype != 0 && L->have_types_base)
		t->rtype = runtime_type(L, a->rtype);
	*r = (raw_type){ off, a->type, a->elem, a->key, tag, (uint8_t)a->encoding, a->has_byte_size };
	uint32_t idx = (uint32_t)(b->types.n - 1);
	if (tag == DW_TAG_structure_type)
		*child = (ctx){ CTX_STRUCT, idx };
	else if (tag == DW_TAG_array_type)
		*child = (ctx){ CTX_ARRAY, idx };
	return 0;
}

static int add_field(loader *L, uint32_t type, const die_attrs *a)
{
	goheap_binary *b = L->b;
	goheap_btype *t = &b->types.v[type];
	/* Members must be contiguous: they are, since members are visited right
	 * after their struct and Go nests no types in structs. */
	if (t->first_field + t->nfields != b->fields.n)
		return 0;
	goheap_field *f = VEC_PUSH(b->fields);
	uint64_t *ref = VEC_PUSH(L->field_ref);
	if (!f || !ref)
		return OOM(L);
	if (keep_name(L, a->name, &f->name))
		return OOM(L);
	f->offset = a->has_member_loc ? a->member_loc : 0;
	f->type = GOHEAP_NO_TYPE;
	f->embedded = a->embedded;
	*ref = a->type;
	t->nfields++;
	return 0;
}

static int add_var(loader *L, uint32_t func, bool is_param, const die_attrs *a)
{
	goheap_binary *b = L->b;
	goheap_func *f = &b->funcs.v[func];
	if (f->first_var + f->nvars != b->vars.n)
		return 0; /* cannot happen: functions do not nest */
	goheap_var *v = VEC_PUSH(b->vars);
	uint64_t *ref = VEC_PUSH(L->var_ref);
	uint64_t *org = VEC_PUSH(L->var_origin);
	if (!v || !ref || !org)
		return OOM(L);
	v->name = NULL;
	if (a->name && keep_name(L, a->name, &v->name))
		return OOM(L);
	v->type = GOHEAP_NO_TYPE;
	v->is_param = is_param;
	v->loc_handle = a->locset;
	*ref = a->type;
	*org = a->origin;
	f->nvars++;
	return 0;
}

static int add_abstract(loader *L, uint64_t off, const die_attrs *a)
{
	if (!a->name)
		return 0;
	abstract_die *x = VEC_PUSH(L->abstracts);
	if (!x)
		return OOM(L);
	x->off = off;
	x->type = a->type;
	if (keep_name(L, a->name, &x->name))
		return OOM(L);
	return 0;
}

/*
 * Handle one DIE whose parent context is pc; set *child to the context of
 * its children (CTX_SKIP: do not visit them).
 */
static int visit_die(loader *L, Dwarf_Die die, ctx pc, ctx *child)
{
	goheap_binary *b = L->b;
	Dwarf_Error err = NULL;
	Dwarf_Half tag = 0;
	*child = (ctx){ CTX_SKIP, 0 };
	if (dwarf_tag(die, &tag, &err) != DW_DLV_OK) {
		drop_error(L, &err);
		L->attr_errors++;
		return 0;
	}
	Dwarf_Off off = 0;
	if (dwarf_dieoffset(die, &off, &err) != DW_DLV_OK) {
		drop_error(L, &err);
		L->attr_errors++;
		return 0;
	}
	die_attrs a;
	int rc = 0;
	switch (pc.kind) {
	case CTX_CU:
		if (is_type_tag(tag)) {
			if ((rc = read_attrs(L, die, LOC_IGNORE, &a)))
				return rc;
			return add_type(L, tag, off, &a, child);
		}
		if (tag == DW_TAG_variable) {
			if ((rc = read_attrs(L, die, LOC_GLOBAL, &a)))
				return rc;
			if (!a.loc_is_addr || !a.name)
				return 0;
			goheap_global *g = VEC_PUSH(b->globals);
			uint64_t *ref = VEC_PUSH(L->global_ref);
			if (!g || !ref)
				return OOM(L);
			if (keep_name(L, a.name, &g->name))
				return OOM(L);
			g->addr = a.loc_addr;
			g->type = GOHEAP_NO_TYPE;
			*ref = a.type;
			return 0;
		}
		if (tag == DW_TAG_subprogram) {
			if ((rc = read_attrs(L, die, LOC_IGNORE, &a)))
				return rc;
			if (!a.has_lowpc || !a.has_highpc) {
				*child = (ctx){ CTX_ABSTRACT, 0 };
				return add_abstract(L, off, &a);
			}
			if (b->funcs.n >= UINT32_MAX - 1)
				return diag_set(L->d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL,
						"too many DWARF functions");
			goheap_func *f = VEC_PUSH(b->funcs);
			uint64_t *org = VEC_PUSH(L->func_origin);
			if (!f || !org)
				return OOM(L);
			f->name = NULL;
			if (a.name && keep_name(L, a.name, &f->name))
				return OOM(L);
			f->lowpc = a.lowpc;
			f->highpc = a.highpc_is_offset ? a.lowpc + a.highpc : a.highpc;
			f->first_var = (uint32_t)b->vars.n;
			f->nvars = 0;
			*org = a.origin;
			L->fbreg_is_cfa = a.frame_base_cfa;
			*child = (ctx){ CTX_FUNC, (uint32_t)(b->funcs.n - 1) };
			return 0;
		}
		return 0;
	case CTX_STRUCT:
		if (tag != DW_TAG_member)
			return 0;
		if ((rc = read_attrs(L, die, LOC_IGNORE, &a)))
			return rc;
		return add_field(L, pc.idx, &a);
	case CTX_ARRAY:
		if (tag != DW_TAG_subrange_type)
			return 0;
		if ((rc = read_attrs(L, die, LOC_IGNORE, &a)))
			return rc;
		if (a.has_count)
			b->types.v[pc.idx].count = a.count;
		else if (a.has_upper && a.upper_bound >= 0)
			b->types.v[pc.idx].count = (uint64_t)a.upper_bound + 1;
		return 0;
	case CTX_FUNC:
	case CTX_BLOCK:
	case CTX_INLINED:
		if (tag == DW_TAG_formal_parameter || tag == DW_TAG_variable) {
			if ((rc = read_attrs(L, die, LOC_VAR, &a)))
				return rc;
			return add_var(L, pc.idx, tag == DW_TAG_formal_parameter && pc.kind == CTX_FUNC, &a);
		}
		if (tag == DW_TAG_lexical_block)
			*child = (ctx){ pc.kind == CTX_INLINED ? CTX_INLINED : CTX_BLOCK, pc.idx };
		else if (tag == DW_TAG_inlined_subroutine)
			*child = (ctx){ CTX_INLINED, pc.idx };
		return 0;
	case CTX_ABSTRACT:
		if (tag == DW_TAG_formal_parameter || tag == DW_TAG_variable) {
			if ((rc = read_attrs(L, die, LOC_IGNORE, &a)))
				return rc;
			return add_abstract(L, off, &a);
		}
		if (tag == DW_TAG_lexical_block)
			*child = (ctx){ CTX_ABSTRACT, 0 };
		return 0;
	default:
		return 0;
	}
}

/* Visit the DIEs below cu_die, depth-first, without recursion. */
static int walk_cu(loader *L, Dwarf_Die cu_die)
{
	Dwarf_Die stack[DIE_MAX_DEPTH];
	ctx parent[DIE_MAX_DEPTH];
	Dwarf_Error err = NULL;
	Dwarf_Die first = NULL;
	int res = dwarf_child(cu_die, &first, &err);
	if (res == DW_DLV_NO_ENTRY)
		return 0;
	if (res != DW_DLV_OK)
		return dwarf_fail(L, &err, "cannot read the first DIE of a compilation unit");
	int depth = 0, rc = 0;
	stack[0] = first;
	parent[0] = (ctx){ CTX_CU, 0 };
	for (;;) {
		ctx c;
		rc = visit_die(L, stack[depth], parent[depth], &c);
		if (rc)
			break;
		if (c.kind != CTX_SKIP && depth + 1 < DIE_MAX_DEPTH) {
			Dwarf_Die kid = NULL;
			res = dwarf_child(stack[depth], &kid, &err);
			if (res == DW_DLV_OK) {
				stack[++depth] = kid;
				parent[depth] = c;
				continue;
			}
			if (res == DW_DLV_ERROR) {
				rc = dwarf_fail(L, &err, "cannot read a child DIE");
				break;
			}
		}
		/* on to the next sibling, climbing as lists end */
		for (;;) {
			Dwarf_Die sib = NULL;
			res = dwarf_siblingof_b(L->dbg, stack[depth], 1, &sib, &err);
			if (res == DW_DLV_OK) {
				dwarf_dealloc_die(stack[depth]);
				stack[depth] = sib;
				break;
			}
			if (res == DW_DLV_ERROR) {
				rc = dwarf_fail(L, &err, "cannot read a sibling DIE");
				break;
			}
			dwarf_dealloc_die(stack[depth]);
			stack[depth] = NULL;
			if (depth == 0)
				return 0;
			depth--;
		}
		if (rc)
			break;
	}
	for (int i = depth; i >= 0; i--)
		if (stack[i])
			dwarf_dealloc_die(stack[i]);
	return rc;
}

static int walk_all(loader *L)
{
	Dwarf_Error err = NULL;
	for (;;) {
		Dwarf_Unsigned next = 0;
		Dwarf_Half version = 0, addr_size = 0, offset_size = 0, unit_type = 0;
		int res = dwarf_next_cu_header_d(L->dbg, 1, NULL, &version, NULL, &addr_size, &offset_size,
						 NULL, NULL, NULL, &next, &unit_type, &err);
		if (res == DW_DLV_NO_ENTRY)
			return 0;
		if (res != DW_DLV_OK)
			return dwarf_fail(L, &err, "cannot read a compilation unit header");
		L->cus++;
		Dwarf_Die cu = NULL;
		res = dwarf_siblingof_b(L->dbg, NULL, 1, &cu, &err);
		if (res == DW_DLV_NO_ENTRY)
			continue;
		if (res != DW_DLV_OK)
			return dwarf_fail(L, &err, "cannot read a compilation unit DIE");
		die_attrs a;
		int rc = read_attrs(L, cu, LOC_IGNORE, &a);
		bool go = a.language == DW_LANG_GO || a.is_go_producer;
		L->cu = (cu_info){ version, addr_size, offset_size == 8 ? 8u : 4u,
				   a.has_lowpc ? a.lowpc : 0, a.addr_base, a.loclists_base,
				   a.has_addr_base, a.has_loclists_base };
		if (!rc && go) {
			L->go_cus++;
			rc = walk_cu(L, cu);
		}
		dwarf_dealloc_die(cu);
		if (rc)
			return rc;
	}
}

/* ---- the second pass ------------------------------------------------------------------- */

static int off_ix_cmp(const void *x, const void *y)
{
	const off_ix *a = x, *b = y;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static uint32_t type_at(const loader *L, uint64_t off)
{
	if (off == NO_OFF)
		return GOHEAP_NO_TYPE;
	size_t lo = 0, hi = L->ntype_ix;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (L->type_ix[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < L->ntype_ix && L->type_ix[lo].off == off ? L->type_ix[lo].idx : GOHEAP_NO_TYPE;
}

static const abstract_die *abstract_at(const loader *L, uint64_t off)
{
	size_t lo = 0, hi = L->abstracts.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (L->abstracts.v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < L->abstracts.n && L->abstracts.v[lo].off == off ? &L->abstracts.v[lo] : NULL;
}

/* Follow typedefs from t to the type they name; t itself if it is none. */
static uint32_t underlying(const loader *L, uint32_t t, const uint32_t *ref)
{
	for (int i = 0; i < TYPEDEF_MAX_CHAIN && L->rt.v[t].tag == DW_TAG_typedef; i++) {
		if (ref[t] == GOHEAP_NO_TYPE)
			break;
		t = ref[t];
	}
	return t;
}

static goheap_tkind scalar_kind(unsigned gk)
{
	if (gk == RK_BOOL)
		return GOHEAP_T_BOOL;
	if (gk >= RK_INT && gk <= RK_INT64)
		return GOHEAP_T_INT;
	if (gk >= RK_UINT && gk <= RK_UINTPTR)
		return GOHEAP_T_UINT;
	if (gk == RK_FLOAT32 || gk == RK_FLOAT64)
		return GOHEAP_T_FLOAT;
	if (gk == RK_COMPLEX64 || gk == RK_COMPLEX128)
		return GOHEAP_T_COMPLEX;
	return GOHEAP_T_OTHER;
}

static goheap_tkind encoding_kind(unsigned enc)
{
	switch (enc) {
	case DW_ATE_boolean: return GOHEAP_T_BOOL;
	case DW_ATE_signed:
	case DW_ATE_signed_char: return GOHEAP_T_INT;
	case DW_ATE_unsigned:
	case DW_ATE_unsigned_char:
	case DW_ATE_address:
	case DW_ATE_UTF: return GOHEAP_T_UINT;
	case DW_ATE_float: return GOHEAP_T_FLOAT;
	case DW_ATE_complex_float: return GOHEAP_T_COMPLEX;
	default: return GOHEAP_T_OTHER;
	}
}

/* EFACE/IFACE for an interface whose underlying struct is u. */
static goheap_tkind iface_kind(const goheap_binary *b, uint32_t u, const raw_type *ru)
{
	if (ru->tag != DW_TAG_structure_type)
		return GOHEAP_T_OTHER;
	const goheap_btype *t = &b->types.v[u];
	if (strcmp(t->name, "runtime.eface") == 0)
		return GOHEAP_T_EFACE;
	if (strcmp(t->name, "runtime.iface") == 0)
		return GOHEAP_T_IFACE;
	if (t->nfields >= 1) {
		const char *f0 = b->fields.v[t->first_field].name;
		if (strcmp(f0, "_type") == 0)
			return GOHEAP_T_EFACE;
		if (strcmp(f0, "tab") == 0)
			return GOHEAP_T_IFACE;
	}
	return GOHEAP_T_OTHER;
}

/* The element of a slice struct without DW_AT_go_elem: what its array field points to. */
static uint32_t slice_elem(const loader *L, uint32_t u, const uint32_t *ref)
{
	const goheap_binary *b = L->b;
	const goheap_btype *t = &b->types.v[u];
	for (uint32_t i = 0; i < t->nfields; i++) {
		const goheap_field *f = &b->fields.v[t->first_field + i];
		if (strcmp(f->name, "array") != 0 || f->type == GOHEAP_NO_TYPE)
			continue;
		uint32_t p = underlying(L, f->type, ref);
		if (L->rt.v[p].tag == DW_TAG_pointer_type)
			return ref[p];
	}
	return GOHEAP_NO_TYPE;
}

/* Set kind, size, elem, key, count and fields of every type. */
static void finish_types(loader *L, const uint32_t *ref, const uint32_t *elem, const uint32_t *key)
{
	goheap_binary *b = L->b;
	uint64_t ps = b->info.ptr_size;
	size_t n = b->types.n;
	/* Layout first (size, fields, count) from the underlying type, then
	 * kinds, which may look at fields. Original sizes are kept in rt. */
	for (size_t i = 0; i < n; i++) {
		uint32_t u = underlying(L, (uint32_t)i, ref);
		goheap_btype *t = &b->types.v[i];
		const goheap_btype *ut = &b->types.v[u];
		if (u != i) {
			t->first_field = ut->first_field;
			t->nfields = ut->nfields;
			t->count = ut->count;
			if (!L->rt.v[i].has_size)
				t->size = L->rt.v[u].has_size ? ut->size : 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		goheap_btype *t = &b->types.v[i];
		uint32_t u = underlying(L, (uint32_t)i, ref);
		const raw_type *ru = &L->rt.v[u];
		/* go_kind, go_elem, go_key: this DIE's own, else the first along the typedef chain */
		unsigned gk = t->go_kind;
		uint32_t e = elem[i], k = key[i];
		uint32_t c = (uint32_t)i;
		for (int step = 0; step < TYPEDEF_MAX_CHAIN && L->rt.v[c].tag == DW_TAG_typedef &&
				   ref[c] != GOHEAP_NO_TYPE; step++) {
			c = ref[c];
			if (!gk)
				gk = b->types.v[c].go_kind;
			if (e == GOHEAP_NO_TYPE)
				e = elem[c];
			if (k == GOHEAP_NO_TYPE)
				k = key[c];
		}
		goheap_tkind kind = GOHEAP_T_OTHER;
		uint32_t te = GOHEAP_NO_TYPE, tk = GOHEAP_NO_TYPE;
		switch (gk) {
		case RK_ARRAY:
			kind = GOHEAP_T_ARRAY;
			te = ru->tag == DW_TAG_array_type ? ref[u] : e;
			break;
		case RK_CHAN:
			kind = GOHEAP_T_CHAN;
			te = e;
			break;
		case RK_FUNC:
			kind = GOHEAP_T_FUNC;
			break;
		case RK_INTERFACE:
			kind = iface_kind(b, u, ru);
			break;
		case RK_MAP:
			kind = GOHEAP_T_MAP;
			te = e;
			tk = k;
			break;
		case RK_PTR:
			kind = GOHEAP_T_PTR;
			te = ru->tag == DW_TAG_pointer_type ? ref[u] : e;
			break;
		case RK_SLICE:
			kind = GOHEAP_T_SLICE;
			te = e != GOHEAP_NO_TYPE ? e : slice_elem(L, u, ref);
			break;
		case RK_STRING:
			kind = GOHEAP_T_STRING;
			break;
		case RK_STRUCT:
			kind = GOHEAP_T_STRUCT;
			break;
		case RK_UNSAFEPTR:
			kind = GOHEAP_T_PTR;
			break;
		default:
			kind = scalar_kind(gk);
			if (kind != GOHEAP_T_OTHER)
				break;
			switch (ru->tag) {
			case DW_TAG_base_type:
				kind = encoding_kind(ru->encoding);
				break;
			case DW_TAG_pointer_type:
				kind = GOHEAP_T_PTR;
				te = ref[u];
				break;
			case DW_TAG_structure_type:
				kind = GOHEAP_T_STRUCT;
				break;
			case DW_TAG_array_type:
				kind = GOHEAP_T_ARRAY;
				te = ref[u];
				break;
			default:
				kind = GOHEAP_T_OTHER;
				break;
			}
			break;
		}
		t->kind = kind;
		t->elem = te;
		t->key = tk;
		if (t->size == 0 && (kind == GOHEAP_T_PTR || kind == GOHEAP_T_MAP ||
				     kind == GOHEAP_T_CHAN || kind == GOHEAP_T_FUNC))
			t->size = ps;
		if (t->size == 0 && (kind == GOHEAP_T_EFACE || kind == GOHEAP_T_IFACE))
			t->size = 2 * ps;
	}
	/* Arrays without DW_AT_byte_size: count * element size, if that fits. */
	for (size_t i = 0; i < n; i++) {
		goheap_btype *t = &b->types.v[i];
		uint64_t sz;
		if (t->kind == GOHEAP_T_ARRAY && t->size == 0 && t->elem != GOHEAP_NO_TYPE &&
		    !__builtin_mul_overflow(t->count, b->types.v[t->elem].size, &sz))
			t->size = sz;
	}
}

static uint32_t name_pref(const goheap_btype *t, const raw_type *r)
{
	return (t->rtype ? 0u : 4u) + (t->go_kind ? 0u : 2u) + (r->tag == DW_TAG_typedef ? 1u : 0u);
}

static int name_ix_cmp(const void *x, const void *y)
{
	const bin_name_ix *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	return a->type < b->type ? -1 : a->type > b->type;
}

static int rtype_ix_cmp(const void *x, const void *y)
{
	const bin_rtype_ix *a = x, *b = y;
	if (a->rtype != b->rtype)
		return a->rtype < b->rtype ? -1 : 1;
	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	return a->type < b->type ? -1 : a->type > b->type;
}

static int global_cmp(const void *x, const void *y)
{
	const goheap_global *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int func_cmp(const void *x, const void *y)
{
	const goheap_func *a = x, *b = y;
	if (a->lowpc != b->lowpc)
		return a->lowpc < b->lowpc ? -1 : 1;
	return a->highpc < b->highpc ? -1 : a->highpc > b->highpc;
}

static int resolve(loader *L)
{
	goheap_binary *b = L->b;
	size_t n = b->types.n;
	int rc = 0;
	uint32_t *ref = NULL, *elem = NULL, *key = NULL;
	if (n) {
		L->type_ix = malloc(n * sizeof *L->type_ix);
		ref = malloc(n * sizeof *ref);
		elem = malloc(n * sizeof *elem);
		key = malloc(n * sizeof *key);
		if (!L->type_ix || !ref || !elem || !key) {
			rc = OOM(L);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		L->type_ix[i] = (off_ix){ L->rt.v[i].off, (uint32_t)i };
	L->ntype_ix = n;
	if (n)
		qsort(L->type_ix, n, sizeof *L->type_ix, off_ix_cmp);
	for (size_t i = 0; i < n; i++) {
		ref[i] = type_at(L, L->rt.v[i].ref);
		elem[i] = type_at(L, L->rt.v[i].elem);
		key[i] = type_at(L, L->rt.v[i].key);
	}
	for (size_t i = 0; i < b->fields.n; i++)
		b->fields.v[i].type = type_at(L, L->field_ref.v[i]);
	for (size_t i = 0; i < b->globals.n; i++)
		b->globals.v[i].type = type_at(L, L->global_ref.v[i]);
	/* abstract origins: names and types of inlined functions' DIEs */
	for (size_t i = 1; i < L->abstracts.n; i++) {
		if (L->abstracts.v[i - 1].off > L->abstracts.v[i].off) {
			rc = diag_set(L->d, GOHEAP_ECORRUPT, GOHEAP_NO_OFFSET, NULL, NULL,
				      "bad DWARF: DIE offsets are not increasing");
			goto out;
		}
	}
	for (size_t i = 0; i < b->vars.n; i++) {
		goheap_var *v = &b->vars.v[i];
		uint64_t tref = L->var_ref.v[i];
		if (L->var_origin.v[i] != NO_OFF) {
			const abstract_die *x = abstract_at(L, L->var_origin.v[i]);
			if (x) {
				if (!v->name)
					v->name = x->name;
				if (tref == NO_OFF)
					tref = x->type;
			}
		}
		if (!v->name)
			v->name = "";
		v->type = type_at(L, tref);
	}
	for (size_t i = 0; i < b->funcs.n; i++) {
		goheap_func *f = &b->funcs.v[i];
		if (!f->name && L->func_origin.v[i] != NO_OFF) {
			const abstract_die *x = abstract_at(L, L->func_origin.v[i]);
			if (x)
				f->name = x->name;
		}
		if (!f->name)
			f->name = "";
	}
	finish_types(L, ref, elem, key);

	/* indexes */
	if (n) {
		b->by_name = malloc(n * sizeof *b->by_name);
		if (!b->by_name) {
			rc = OOM(L);
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			b->by_name[i] = (bin_name_ix){ b->types.v[i].name, (uint32_t)i,
						       name_pref(&b->types.v[i], &L->rt.v[i]) };
		qsort(b->by_name, n, sizeof *b->by_name, name_ix_cmp);
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (m == 0 || strcmp(b->by_name[m - 1].name, b->by_name[i].name) != 0)
				b->by_name[m++] = b->by_name[i];
		b->nby_name = m;
		size_t nr = 0;
		for (size_t i = 0; i < n; i++)
			nr += b->types.v[i].rtype != 0;
		if (nr) {
			b->by_rtype = malloc(nr * sizeof *b->by_rtype);
			if (!b->by_rtype) {
				rc = OOM(L);
				goto out;
			}
			nr = 0;
			for (size_t i = 0; i < n; i++)
				if (b->types.v[i].rtype)
					b->by_rtype[nr++] = (bin_rtype_ix){ b->types.v[i].rtype, (uint32_t)i,
									    name_pref(&b->types.v[i], &L->rt.v[i]) };
			qsort(b->by_rtype, nr, sizeof *b->by_rtype, rtype_ix_cmp);
			m = 0;
			for (size_t i = 0; i < nr; i++)
				if (m == 0 || b->by_rtype[m - 1].rtype != b->by_rtype[i].rtype)
					b->by_rtype[m++] = b->by_rtype[i];
			b->nby_rtype = m;
		}
	}
	if (b->globals.n)
		qsort(b->globals.v, b->globals.n, sizeof *b->globals.v, global_cmp);
	if (b->funcs.n)
		qsort(b->funcs.v, b->funcs.n, sizeof *b->funcs.v, func_cmp);
out:
	free(ref);
	free(elem);
	free(key);
	return rc;
}

/* ---- source lines ----------------------------------------------------------------------
 *
 * .debug_line is decoded here from the section bytes (DWARF 2 to 5), unit
 * after unit, with the same bounds-checked reader as location lists. The
 * rows of every sequence go into one table sorted by address; a unit whose
 * header or program is damaged (or of a form this decoder does not know) is
 * dropped whole, and the others are kept: source lines are a convenience,
 * so a bad line program does not fail the load. A unit length running past
 * the section ends the decoding.
 */

typedef struct line_sects {
	const uint8_t *line, *line_str, *str;
	size_t line_len, line_str_len, str_len;
} line_sects;

/* The state of one unit's decoding. */
typedef struct line_unit {
	unsigned version, offset_size;
	bool be;
	uint8_t min_inst, max_ops, opcode_base, line_range;
	int8_t line_base;
	const uint8_t *std_lengths;        /* opcode_base - 1 entries */
	VEC(const char *) dirs;            /* pooled; NULL = no directory (index 0) */
	VEC(uint32_t) files;               /* DWARF file number -> line_files index */
} line_unit;

/* A NUL-terminated string at r (inline, DW_FORM_string). */
static const char *rd_cstr(rd *r)
{
	if (r->bad)
		return NULL;
	const uint8_t *z = memchr(r->p, 0, (size_t)(r->end - r->p));
	if (!z) {
		r->bad = true;
		return NULL;
	}
	const char *s = (const char *)r->p;
	r->p = z + 1;
	return s;
}

/* The string at off of a string section, or NULL. */
static const char *sect_str(const uint8_t *sec, size_t len, uint64_t off)
{
	if (!sec || off >= len || !memchr(sec + off, 0, len - (size_t)off))
		return NULL;
	return (const char *)sec + off;
}

/* "dir/name" (or name alone when it is absolute or dir is empty), pooled. */
static const char *join_path(loader *L, const char *dir, const char *name, bool *oom)
{
	if (!dir || !*dir || name[0] == '/') {
		const char *s = pool_intern(L->b->strings, name);
		*oom = !s;
		return s;
	}
	size_t dl = strlen(dir), nl = strlen(name);
	char *buf = malloc(dl + nl + 2);
	if (!buf) {
		*oom = true;
		return NULL;
	}
	memcpy(buf, dir, dl);
	buf[dl] = '/';
	memcpy(buf + dl + 1, name, nl + 1);
	const char *s = pool_intern(L->b->strings, buf);
	free(buf);
	*oom = !s;
	return s;
}

/* Add a file of the unit. -1: out of memory. */
static int unit_add_file(loader *L, line_unit *u, const char *name, uint64_t dir)
{
	goheap_binary *b = L->b;
	bool oom = false;
	const char *d = dir < u->dirs.n ? u->dirs.v[dir] : NULL;
	const char *path = join_path(L, d, name ? name : "?", &oom);
	if (oom)
		return -1;
	const char **slot = VEC_PUSH(b->line_files);
	uint32_t *f = VEC_PUSH(u->files);
	if (!slot || !f)
		return -1;
	*slot = path;
	*f = (uint32_t)(b->line_files.n - 1);
	return 0;
}

/* One value of a DWARF 5 entry format: a string (*s) or a number (*v). */
static void rd_form(rd *r, const line_sects *S, const line_unit *u, uint64_t form, const char **s,
		    uint64_t *v)
{
	*s = NULL;
	*v = 0;
	switch (form) {
	case DW_FORM_string: *s = rd_cstr(r); if (!*s) r->bad = true; break;
	case DW_FORM_line_strp:
		*s = sect_str(S->line_str, S->line_str_len, rd_uint(r, u->offset_size));
		if (!*s) r->bad = true;
		break;
	case DW_FORM_strp:
		*s = sect_str(S->str, S->str_len, rd_uint(r, u->offset_size));
		if (!*s) r->bad = true;
		break;
	case DW_FORM_udata: *v = rd_uleb(r); break;
	case DW_FORM_sdata: *v = (uint64_t)rd_sleb(r); break;
	case DW_FORM_data1: *v = rd_uint(r, 1); break;
	case DW_FORM_data2: *v = rd_uint(r, 2); break;
	case DW_FORM_data4: *v = rd_uint(r, 4); break;
	case DW_FORM_data8: *v = rd_uint(r, 8); break;
	case DW_FORM_data16: (void)rd_skip(r, 16); break;
	case DW_FORM_block: (void)rd_skip(r, rd_uleb(r)); break;
	case DW_FORM_block1: (void)rd_skip(r, rd_uint(r, 1)); break;
	case DW_FORM_block2: (void)rd_skip(r, rd_uint(r, 2)); break;
	case DW_FORM_block4: (void)rd_skip(r, rd_uint(r, 4)); break;
	default: r->bad = true; break; /* strx and others: not supported */
	}
}

/* A DWARF 5 directory or file table. files: add files, else directories. -1: OOM. */
static int rd_entry_table(loader *L, rd *r, const line_sects *S, line_unit *u, bool files)
{
	uint64_t fmt[2 * 16];
	unsigned nfmt = (unsigned)rd_uint(r, 1);
	if (nfmt > 16) {
		r->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < 2 * nfmt; i++)
		fmt[i] = rd_uleb(r);
	uint64_t count = rd_uleb(r);
	if (count && !nfmt)
		r->bad = true;
	for (uint64_t k = 0; k < count && !r->bad; k++) {
		const char *path = NULL;
		uint64_t dir = 0;
		for (unsigned i = 0; i < nfmt && !r->bad; i++) {
			const char *s;
			uint64_t v;
			rd_form(r, S, u, fmt[2 * i + 1], &s, &v);
			if (fmt[2 * i] == DW_LNCT_path)
				path = s;
			else if (fmt[2 * i] == DW_LNCT_directory_index)
				dir = v;
		}
		if (r->bad)
			break;
		if (!path) {
			r->bad = true;
			break;
		}
		if (files) {
			if (unit_add_file(L, u, path, dir))
				return -1;
		} else {
			/* directory 0 is the compilation directory: names are shown relative to it */
			const char *d = k == 0 ? NULL : pool_intern(L->b->strings, path);
			const char **slot = VEC_PUSH(u->dirs);
			if ((k && !d) || !slot)
				return -1;
			*slot = d;
		}
	}
	return 0;
}

/* Push a row. Rows of one sequence at one address: the last one holds. -1: OOM. */
static int push_row(goheap_binary *b, size_t seq_start, uint64_t addr, uint32_t file, uint32_t line)
{
	if (b->lines.n > seq_start && b->lines.v[b->lines.n - 1].addr == addr) {
		b->lines.v[b->lines.n - 1] = (bin_line){ addr, file, line };
		return 0;
	}
	bin_line *row = VEC_PUSH(b->lines);
	if (!row)
		return -1;
	*row = (bin_line){ addr, file, line };
	return 0;
}

/*
 * Run one unit's line program [r->p, r->end). Returns 0 (r->bad set when the
 * program is damaged or of a kind not supported) or -1 when out of memory.
 */
static int run_line_program(loader *L, rd *r, line_unit *u)
{
	goheap_binary *b = L->b;
	uint64_t addr = 0, file = 1;
	int64_t line = 1;
	size_t seq_start = b->lines.n;
	while (r->p < r->end && !r->bad) {
		uint8_t op = *r->p++;
		bool emit = false;
		if (op >= u->opcode_base) {
			unsigned adj = op - u->opcode_base;
			addr += (uint64_t)(adj / u->line_range) * u->min_inst;
			if (__builtin_add_overflow(line, u->line_base + (int)(adj % u->line_range), &line))
				r->bad = true;
			emit = true;
		} else if (op == 0) {
			uint64_t len = rd_uleb(r);
			const uint8_t *at = rd_skip(r, len);
			if (!at || len == 0)
				continue;
			rd x = { at + 1, at + len, r->be, false };
			switch (at[0]) {
			case DW_LNE_end_sequence:
				if (push_row(b, seq_start, addr, BIN_LINE_END, 0))
					return -1;
				seq_start = b->lines.n;
				addr = 0;
				file = 1;
				line = 1;
				break;
			case DW_LNE_set_address:
				if (len - 1 == 0 || len - 1 > 8)
					r->bad = true;
				else
					addr = rd_uint(&x, (unsigned)(len - 1));
				break;
			case DW_LNE_define_file: {
				const char *name = rd_cstr(&x);
				uint64_t dir = rd_uleb(&x);
				if (x.bad || u->version >= 5)
					r->bad = true;
				else if (unit_add_file(L, u, name, dir))
					return -1;
				break;
			}
			default: /* set_discriminator, vendor extensions */
				break;
			}
			continue;
		} else {
			switch (op) {
			case DW_LNS_copy: emit = true; break;
			case DW_LNS_advance_pc: addr += rd_uleb(r) * u->min_inst; break;
			case DW_LNS_advance_line:
				if (__builtin_add_overflow(line, rd_sleb(r), &line))
					r->bad = true;
				break;
			case DW_LNS_set_file: file = rd_uleb(r); break;
			case DW_LNS_set_column: (void)rd_uleb(r); break;
			case DW_LNS_negate_stmt:
			case DW_LNS_set_basic_block:
			case DW_LNS_set_prologue_end:
			case DW_LNS_set_epilogue_begin:
				break;
			case DW_LNS_const_add_pc:
				addr += (uint64_t)((255u - u->opcode_base) / u->line_range) * u->min_inst;
				break;
			case DW_LNS_fixed_advance_pc: addr += rd_uint(r, 2); break;
			case DW_LNS_set_isa: (void)rd_uleb(r); break;
			default:
				for (unsigned i = 0; i < u->std_lengths[op - 1]; i++)
					(void)rd_uleb(r);
				break;
			}
		}
		if (!emit || r->bad)
			continue;
		/* line 0 is "no source line": kept, so it ends the row before it */
		if (file >= u->files.n || u->files.v[file] == BIN_LINE_END || line < 0 ||
		    line >= (int64_t)UINT32_MAX) {
			r->bad = true;
			break;
		}
		if (push_row(b, seq_start, addr, u->files.v[file], (uint32_t)line))
			return -1;
	}
	/* a sequence left open has no end: drop it */
	b->lines.n = seq_start;
	return 0;
}

static int line_cmp(const void *x, const void *y)
{
	const bin_line *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	/* at one address a sequence's first row beats another's end */
	bool ae = a->file == BIN_LINE_END, be = b->file == BIN_LINE_END;
	if (ae != be)
		return ae ? 1 : -1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Decode every unit of .debug_line into b->lines. -1: out of memory. */
static int decode_lines(loader *L, const line_sects *S)
{
	goheap_binary *b = L->b;
	rd sec = { S->line, S->line + S->line_len, b->info.big_endian, false };
	line_unit u;
	memset(&u, 0, sizeof u);
	int rc = 0;
	unsigned dropped = 0;
	while (S->line && sec.p < sec.end && rc == 0) {
		size_t mark = b->lines.n, fmark = b->line_files.n;
		u.dirs.n = u.files.n = 0;
		u.be = b->info.big_endian;
		u.offset_size = 4;
		uint64_t ulen = rd_uint(&sec, 4);
		if (ulen == 0xffffffffu) {
			u.offset_size = 8;
			ulen = rd_uint(&sec, 8);
		}
		const uint8_t *ustart = sec.p;
		if (sec.bad || rd_skip(&sec, ulen) == NULL)
			break; /* the unit runs past the section: stop here */
		rd r = { ustart, ustart + ulen, u.be, false };
		u.version = (unsigned)rd_uint(&r, 2);
		if (u.version < 2 || u.version > 5) {
			dropped++;
			continue;
		}
		if (u.version >= 5) {
			(void)rd_uint(&r, 1); /* address_size: set_address says its own */
			(void)rd_uint(&r, 1); /* segment_selector_size */
		}
		uint64_t hlen = rd_uint(&r, u.offset_size);
		const uint8_t *hstart = r.p;
		if (!rd_skip(&r, hlen)) {
			dropped++;
			continue;
		}
		const uint8_t *prog = r.p;
		rd h = { hstart, prog, u.be, false };
		u.min_inst = (uint8_t)rd_uint(&h, 1);
		u.max_ops = u.version >= 4 ? (uint8_t)rd_uint(&h, 1) : 1;
		(void)rd_uint(&h, 1); /* default_is_stmt */
		u.line_base = (int8_t)rd_uint(&h, 1);
		u.line_range = (uint8_t)rd_uint(&h, 1);
		u.opcode_base = (uint8_t)rd_uint(&h, 1);
		u.std_lengths = u.opcode_base ? rd_skip(&h, u.opcode_base - 1u) : NULL;
		/* max_ops > 1 (VLIW) is not supported */
		if (h.bad || u.line_range == 0 || u.opcode_base == 0 || u.max_ops != 1) {
			dropped++;
			continue;
		}
		if (u.version >= 5) {
			if (rd_entry_table(L, &h, S, &u, false) || rd_entry_table(L, &h, S, &u, true)) {
				rc = -1;
				break;
			}
		} else {
			const char **slot = VEC_PUSH(u.dirs);
			uint32_t *f0 = VEC_PUSH(u.files);
			if (!slot || !f0) {
				rc = -1;
				break;
			}
			*slot = NULL;      /* directory 0: the compilation directory */
			*f0 = BIN_LINE_END; /* file numbers start at 1 */
			for (;;) {
				const char *s = rd_cstr(&h);
				if (!s || !*s)
					break;
				const char *d = pool_intern(b->strings, s);
				if (!d || !(slot = VEC_PUSH(u.dirs))) {
					rc = -1;
					break;
				}
				*slot = d;
			}
			while (rc == 0) {
				const char *s = rd_cstr(&h);
				if (!s || !*s)
					break;
				uint64_t dir = rd_uleb(&h);
				(void)rd_uleb(&h); /* mtime */
				(void)rd_uleb(&h); /* length */
				if (h.bad)
					break;
				if (unit_add_file(L, &u, s, dir))
					rc = -1;
			}
			if (rc)
				break;
		}
		if (!h.bad) {
			r.p = prog;
			if (run_line_program(L, &r, &u)) {
				rc = -1;
				break;
			}
		}
		if (h.bad || r.bad) {
			b->lines.n = mark;
			b->line_files.n = fmark;
			dropped++;
		}
	}
	VEC_FREE(u.dirs);
	VEC_FREE(u.files);
	if (rc)
		return -1;
	L->line_units_dropped = dropped;
	if (b->lines.n > 1) {
		qsort(b->lines.v, b->lines.n, sizeof *b->lines.v, line_cmp);
		/* one row per address (the first after sorting), then a row that
		 * says what the row before it says is dropped */
		size_t m = 0;
		for (size_t i = 0; i < b->lines.n; i++)
			if (m == 0 || b->lines.v[m - 1].addr != b->lines.v[i].addr)
				b->lines.v[m++] = b->lines.v[i];
		size_t k = 0;
		for (size_t i = 0; i < m; i++) {
			const bin_line *x = &b->lines.v[i];
			if (k && b->lines.v[k - 1].file == x->file && b->lines.v[k - 1].line == x->line)
				continue;
			b->lines.v[k++] = *x;
		}
		b->lines.n = k;
	}
	return 0;
}

static int load_lines(loader *L)
{
	line_sects S;
	memset(&S, 0, sizeof S);
	uint8_t *line = NULL, *line_str = NULL, *str = NULL;
	int rc;
	if ((rc = bin_section_copy(L->b, ".debug_line", &line, &S.line_len, L->d)) ||
	    (rc = bin_section_copy(L->b, ".debug_line_str", &line_str, &S.line_str_len, L->d)) ||
	    (rc = bin_section_copy(L->b, ".debug_str", &str, &S.str_len, L->d)))
		goto out;
	S.line = line;
	S.line_str = line_str;
	S.str = str;
	if (decode_lines(L, &S))
		rc = OOM(L);
out:
	free(line);
	free(line_str);
	free(str);
	return rc;
}

/* ---- load and free ------------------------------------------------------------------------ */

void bin_dwarf_free(goheap_binary *b)
{
	VEC_FREE(b->types);
	VEC_FREE(b->fields);
	VEC_FREE(b->globals);
	VEC_FREE(b->funcs);
	VEC_FREE(b->vars);
	VEC_FREE(b->locsets);
	VEC_FREE(b->ranges);
	VEC_FREE(b->pieces);
	VEC_FREE(b->lines);
	VEC_FREE(b->line_files);
	free(b->by_name);
	b->by_name = NULL;
	b->nby_name = 0;
	free(b->by_rtype);
	b->by_rtype = NULL;
	b->nby_rtype = 0;
	pool_free(b->strings);
	b->strings = NULL;
}

static void loader_free(loader *L)
{
	VEC_FREE(L->rt);
	VEC_FREE(L->field_ref);
	VEC_FREE(L->var_ref);
	VEC_FREE(L->var_origin);
	VEC_FREE(L->global_ref);
	VEC_FREE(L->func_origin);
	VEC_FREE(L->abstracts);
	free(L->type_ix);
	L->type_ix = NULL;
	free(L->loc);
	free(L->loclists);
	free(L->addr);
	L->loc = L->loclists = L->addr = NULL;
}

static int load(goheap_binary *b, goheap_diag *d)
{
	int rc = bin_load_symbols(b, d);
	if (rc)
		return rc;
	if (!b->info.has_dwarf)
		return diag_set(d, GOHEAP_ENOTFOUND, GOHEAP_NO_OFFSET, NULL, NULL,
				"the binary has no DWARF (built with -ldflags=-w?)");
	loader L = { .b = b, .d = d };
	static const char *const types_syms[] = { "runtime.types", "type:*", "type.*" };
	for (size_t i = 0; i < sizeof types_syms / sizeof types_syms[0] && !L.have_types_base; i++)
		L.have_types_base = goheap_binary_symbol(b, types_syms[i], &L.types_base) == GOHEAP_OK;
	for (size_t i = 0; L.have_types_base && i < b->nsections; i++)
		if (L.types_base >= b->sections[i].addr &&
		    L.types_base - b->sections[i].addr < b->sections[i].size)
			L.types_end = b->sections[i].addr + b->sections[i].size;

	b->strings = calloc(1, sizeof *b->strings);
	if (!b->strings)
		return OOM(&L);
	if ((rc = bin_section_copy(b, ".debug_loc", &L.loc, &L.loc_len, d)) ||
	    (rc = bin_section_copy(b, ".debug_loclists", &L.loclists, &L.loclists_len, d)) ||
	    (rc = bin_section_copy(b, ".debug_addr", &L.addr, &L.addr_len, d)))
		goto out;
	Dwarf_Error err = NULL;
	int res = dwarf_init_b(b->fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &L.dbg, &err);
	if (res == DW_DLV_NO_ENTRY) {
		rc = diag_set(d, GOHEAP_ENOTFOUND, GOHEAP_NO_OFFSET, NULL, NULL,
			      "the binary has no DWARF (built with -ldflags=-w?)");
		goto out;
	}
	if (res != DW_DLV_OK) {
		rc = diag_set(d, GOHEAP_ECORRUPT, GOHEAP_NO_OFFSET, NULL, NULL, "cannot read DWARF: %s",
			      err ? dwarf_errmsg(err) : "no detail");
		if (err)
			dwarf_dealloc(L.dbg, err, DW_DLA_ERROR);
		L.dbg = NULL;
		goto out;
	}
	rc = walk_all(&L);
	if (rc)
		goto out;
	if (L.go_cus == 0) {
		rc = diag_set(d, GOHEAP_ENOTFOUND, GOHEAP_NO_OFFSET, NULL, NULL,
			      "the DWARF has no Go compilation units (%u units)", L.cus);
		goto out;
	}
	rc = resolve(&L);
	if (!rc)
		rc = load_lines(&L);
out:
	if (L.dbg) {
		err = NULL;
		if (dwarf_finish(L.dbg, &err) != DW_DLV_OK && err)
			dwarf_dealloc(NULL, err, DW_DLA_ERROR);
	}
	loader_free(&L);
	if (rc)
		bin_dwarf_free(b);
	return rc;
}

int goheap_binary_load_dwarf(goheap_binary *b, goheap_diag *d)
{
	diag_clear(d);
	if (b->dwarf_loaded) {
		if (b->dwarf_status)
			return diag_set(d, b->dwarf_status, GOHEAP_NO_OFFSET, NULL, NULL,
					"DWARF was already read, without success");
		return GOHEAP_OK;
	}
	int rc = load(b, d);
	b->dwarf_loaded = true;
	b->dwarf_status = rc;
	return rc;
}

/* ---- accessors ------------------------------------------------------------------------------ */

const goheap_btype *goheap_binary_types(const goheap_binary *b, size_t *count)
{
	*count = b->types.n;
	return b->types.v;
}

const goheap_field *goheap_binary_fields(const goheap_binary *b, size_t *count)
{
	*count = b->fields.n;
	return b->fields.v;
}

const goheap_global *goheap_binary_globals(const goheap_binary *b, size_t *count)
{
	*count = b->globals.n;
	return b->globals.v;
}

const goheap_func *goheap_binary_funcs(const goheap_binary *b, size_t *count)
{
	*count = b->funcs.n;
	return b->funcs.v;
}

const goheap_var *goheap_binary_vars(const goheap_binary *b, size_t *count)
{
	*count = b->vars.n;
	return b->vars.v;
}

uint32_t goheap_binary_type_by_rtype(const goheap_binary *b, uint64_t rtype)
{
	size_t lo = 0, hi = b->nby_rtype;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->by_rtype[mid].rtype < rtype)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nby_rtype && b->by_rtype[lo].rtype == rtype ? b->by_rtype[lo].type
								   : GOHEAP_NO_TYPE;
}

uint32_t goheap_binary_type_by_name(const goheap_binary *b, const char *name)
{
	size_t lo = 0, hi = b->nby_name;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(b->by_name[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nby_name && strcmp(b->by_name[lo].name, name) == 0 ? b->by_name[lo].type
									     : GOHEAP_NO_TYPE;
}

const goheap_func *goheap_binary_func_at(const goheap_binary *b, uint64_t pc)
{
	size_t lo = 0, hi = b->funcs.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->funcs.v[mid].lowpc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const goheap_func *f = &b->funcs.v[lo - 1];
	return pc < f->highpc ? f : NULL;
}

size_t goheap_binary_var_locate(const goheap_binary *b, const goheap_var *var, uint64_t pc,
				goheap_loc *out, size_t max)
{
	if (!var || var->loc_handle >= b->locsets.n)
		return 0;
	const bin_locset *s = &b->locsets.v[var->loc_handle];
	for (uint32_t i = 0; i < s->nranges; i++) {
		const bin_locrange *r = &b->ranges.v[s->first_range + i];
		if (pc < r->lo || pc >= r->hi)
			continue;
		uint64_t whole = var->type < b->types.n ? b->types.v[var->type].size : 0;
		uint64_t at = 0;
		size_t n = 0;
		for (uint32_t j = 0; j < r->npieces && n < max; j++) {
			const bin_locpiece *p = &b->pieces.v[r->first_piece + j];
			uint64_t size = p->size;
			if (size == 0)
				size = whole;
			else if (size == PIECE_REST)
				size = whole > at ? whole - at : 0;
			out[n].kind = (goheap_lockind)p->kind;
			out[n].offset = p->offset;
			out[n].size = size;
			out[n].piece_offset = at;
			at += size;
			n++;
		}
		return n;
	}
	return 0;
}

int goheap_binary_pc_line(const goheap_binary *b, uint64_t pc, const char **file, uint64_t *line)
{
	/* the last row at or below pc */
	size_t lo = 0, hi = b->lines.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->lines.v[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return GOHEAP_ENOTFOUND;
	const bin_line *r = &b->lines.v[lo - 1];
	if (r->file == BIN_LINE_END || r->file >= b->line_files.n || r->line == 0)
		return GOHEAP_ENOTFOUND;
	if (file)
		*file = b->line_files.v[r->file];
	if (line)
		*line = r->line;
	return GOHEAP_OK;
}
