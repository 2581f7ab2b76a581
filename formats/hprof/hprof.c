/*
 * hprof.c - write a dump's typed object graph as "JAVA PROFILE 1.0.2"; see
 * include/goheap/hprof.h for the mapping and NOTES.md for the format.
 *
 * Two passes over the objects. The first decides every written object's
 * layout (how it is written: an instance of a class, a primitive array or
 * an object array) and so collects every class and every name, keeping
 * each object's layout (4 bytes an object; recomputed if that memory is
 * not there); the second writes the objects.
 * Between them go the header, the names (UTF8), LOAD CLASS, the stack
 * traces, and the first heap-dump segments: class dumps and GC roots.
 *
 * Heap-dump sub-records are gathered in a segment buffer and written as a
 * HEAP DUMP SEGMENT when the next one would not fit; a sub-record larger
 * than the buffer gets a segment of its own, streamed. The file ends with
 * HEAP DUMP END.
 *
 * Sizes. VisualVM takes an instance's size verbatim from its class
 * (java.lang.Object has a non-zero size: "new size" mode), and sizes an
 * array as align8(OBJECT + 4 + length x element) where OBJECT is
 * java.lang.Object's size and references count OBJECT - 8 bytes: OBJECT
 * is 8 + the Go pointer size, so a reference counts as a Go pointer.
 * Instances get the Go slot size as
 * their class size; arrays get the length whose array size is the slot
 * size, and when the elements past that length are not all zero the
 * object is written as an instance instead (one field an element), so no
 * reference and no byte is lost.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "goheap/hprof.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/outfile.h"
#include "util/vec.h"

/* ---- format constants ------------------------------------------------------ */

enum {
	TAG_UTF8 = 0x01, TAG_LOAD_CLASS = 0x02, TAG_FRAME = 0x04, TAG_TRACE = 0x05,
	TAG_SEGMENT = 0x1C, TAG_END = 0x2C
};
enum {
	SUB_ROOT_UNKNOWN = 0xFF, SUB_ROOT_JAVA_FRAME = 0x03, SUB_ROOT_STICKY_CLASS = 0x05,
	SUB_ROOT_THREAD_BLOCK = 0x06, SUB_ROOT_THREAD_OBJ = 0x08, SUB_CLASS_DUMP = 0x20,
	SUB_INSTANCE = 0x21, SUB_OBJ_ARRAY = 0x22, SUB_PRIM_ARRAY = 0x23
};
enum { J_OBJ = 2, J_BOOL = 4, J_CHAR = 5, J_FLOAT = 6, J_DOUBLE = 7, J_BYTE = 8, J_SHORT = 9, J_INT = 10, J_LONG = 11 };

#define ID_SIZE 8
#define SEG_CAP (4u << 20)  /* segment buffer */
#define MAX_LEAVES 4096     /* fields a class gets before only its references are kept */
#define MAX_FIELDS 65535    /* u2 field counts */
#define TRACE_NONE 1        /* the empty stack trace every object names */

static unsigned jwidth(unsigned jt)
{
	switch (jt) {
	case J_OBJ: return ID_SIZE;
	case J_BOOL: case J_BYTE: return 1;
	case J_CHAR: case J_SHORT: return 2;
	case J_FLOAT: case J_INT: return 4;
	default: return 8;
	}
}

/* ---- tables ------------------------------------------------------------------ */

/* A field of an instance class: where its value is in the object. */
typedef struct leaf {
	uint32_t off;      /* byte offset in the slot */
	uint32_t name;     /* string id */
	uint8_t jt;        /* hprof basic type */
	uint8_t width;     /* bytes in target memory (a reference: the pointer size) */
} leaf;

/* A Java class: one CLASS DUMP. */
typedef struct jclass {
	uint64_t id;
	uint32_t name;          /* string id */
	uint64_t super;         /* class id of the superclass, 0 for none */
	uint32_t size;          /* instance size */
	uint32_t first_leaf, nleaves;   /* instance fields: into leaves */
	uint32_t first_static, nstatics; /* static fields: into statics */
} jclass;

/* A static field of a holder class. */
typedef struct jstatic {
	uint32_t name;
	uint64_t value;         /* object id */
} jstatic;

typedef enum rep { REP_INSTANCE, REP_PRIM, REP_OBJARR } rep;

/* How the objects of one (type, slot size, data offset, variant) are written. */
typedef struct layout {
	uint32_t type;
	uint64_t size;
	uint8_t doff;
	uint8_t variant;        /* 0 natural, 1 arrays as instances, 2 forced natural (lossy), 3 words as references */
	uint8_t rep;
	uint8_t jt;             /* REP_PRIM: element type */
	uint32_t jclass;        /* index into classes */
	uint64_t nelem;         /* arrays: elements written */
	uint32_t value_bytes;   /* REP_INSTANCE: bytes of field values */
	uint32_t first_ref, nrefs;  /* REP_INSTANCE: sorted offsets of reference fields, into refs */
	uint32_t row;           /* summary row */
	bool no_exact;          /* variant 0 array: no length gives the slot size */
	bool truncated;         /* variant 2 primitive array: its non-zero tail cut */
	bool inexact;           /* variant 2: VisualVM's size is not the slot size */
	bool complete;          /* variant 1: a field for every element */
	bool refs_complete;     /* variant 1: a field for every pointer word */
} layout;

typedef struct row {
	uint32_t class_name, go_name;   /* string ids */
	uint64_t instances, bytes;
} row;

typedef struct strtab {
	strmap map;             /* string -> id */
	VEC(uint32_t) off;      /* id -> offset in the map's arena is unstable; keep copies */
	VEC(char) bytes;        /* all strings, NUL-separated, in id order */
} strtab;

typedef struct W {
	const goheap_dump *dp;
	const goheap_binary *bin;
	int64_t bias;
	const goheap_graph *g;
	const goheap_typing *t;
	const goheap_hprof_opts *opts;
	goheap_hprof_stats st;
	goheap_diag *d;
	unsigned ptr;
	bool big_endian;
	unsigned object_size;          /* java.lang.Object's size: ID_SIZE + the pointer size */
	unsigned array_header;         /* object_size + 4 */
	uint32_t nobj;
	const uint64_t *addrs;
	const uint32_t *row, *edges;   /* the graph's CSR */
	size_t nbt;                    /* binary types (made ones come after) */
	const goheap_field *fields;
	uint8_t *has_ptr;              /* per type: 0 unknown, 1 no, 2 yes, 3 computing */

	strtab str;
	VEC(jclass) classes;
	VEC(leaf) leaves;
	VEC(jstatic) statics;
	VEC(uint32_t) refs;
	VEC(layout) layouts;
	VEC(row) rows;
	strmap row_keys;
	strmap objarr_classes;         /* histogram name -> class index */
	/* layout hash: open addressing over layouts, keyed by (type, size, doff, variant) */
	uint32_t *lhash;
	size_t lhash_cap;
	uint32_t *obj_layout;          /* per object: its layout from pass 1 (NULL: recomputed) */
	uint32_t last_layout, last_type;   /* the last variant-0 lookup */
	uint64_t last_size;
	unsigned last_doff;

	uint64_t next_id;              /* synthetic ids, above every object */
	uint32_t c_object, c_class, c_goroutine, c_prim[12];
	uint32_t first_go_class;

	/* goroutines */
	size_t ngr;
	uint64_t thread_base;          /* thread object ids: thread_base + 8 * index */
	uint32_t *func_class;          /* per frame: serial of its package class */
	uint32_t *frame_method, *frame_file;
	int32_t *frame_line;
	uint32_t s_signature;

	outfile out;
	uint8_t *seg;
	size_t seg_len;
	bool oom;
	char scratch[1 << 16];
} W;

static int oom(W *w)
{
	return diag_set(w->d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing hprof");
}

/* ---- strings -------------------------------------------------------------------- */

/* The id of a string (ids from 1), added on first use; 0 when memory ran out. */
static uint32_t intern_n(W *w, const char *s, size_t n)
{
	uint32_t id = strmap_get(&w->str.map, s, n);
	if (id != UINT32_MAX)
		return id;
	id = (uint32_t)w->str.off.n + 1;
	uint32_t *o = VEC_PUSH(w->str.off);
	if (!o || vec_reserve((void **)&w->str.bytes.v, &w->str.bytes.alloc, w->str.bytes.n + n + 1, 1) ||
	    strmap_put(&w->str.map, s, n, id)) {
		if (o)
			w->str.off.n--;
		w->oom = true;
		return 0;
	}
	*o = (uint32_t)w->str.bytes.n;
	memcpy(w->str.bytes.v + w->str.bytes.n, s, n);
	w->str.bytes.v[w->str.bytes.n + n] = '\0';
	w->str.bytes.n += n + 1;
	return id;
}

static uint32_t intern(W *w, const char *s)
{
	return intern_n(w, s, strlen(s));
}

static const char *str_of(const W *w, uint32_t id)
{
	return id ? w->str.bytes.v + w->str.off.v[id - 1] : "";
}

/*
 * A Go name as a class name Java tools show sanely: a leading array type
 * ("[]T", "[4]T", "[...]T") is written after its element, as Java does
 * ("T[]", "T[4]", "T[...]"), since names starting with '[' are decoded as
 * JVM descriptors; '/' in import paths becomes U+2215 (every reader turns
 * '/' into '.').
 */
static void java_name(const char *go, char *buf, size_t len)
{
	char dims[256];
	size_t nd = 0;
	while (go[0] == '[') {
		const char *close = strchr(go, ']');
		if (!close)
			break;
		size_t k = (size_t)(close - go) + 1;
		if (nd + k >= sizeof dims)
			break;
		memcpy(dims + nd, go, k);
		nd += k;
		go += k;
	}
	dims[nd] = '\0';
	size_t w = 0;
	for (const char *p = go; *p && w + 4 < len; p++) {
		if (*p == '/') {
			memcpy(buf + w, "\xe2\x88\x95", 3);
			w += 3;
		} else {
			buf[w++] = *p;
		}
	}
	for (size_t k = 0; k < nd && w + 1 < len; k++)
		buf[w++] = dims[k];
	buf[len ? (w < len ? w : len - 1) : 0] = '\0';
}

/* ---- classes --------------------------------------------------------------------- */

static uint64_t new_id(W *w)
{
	uint64_t id = w->next_id;
	w->next_id += 8;
	return id;
}

/* A new class; returns its index, or UINT32_MAX when memory ran out. */
static uint32_t add_class(W *w, const char *name, bool raw_name, uint64_t super, uint32_t size)
{
	char buf[1024];
	if (!raw_name)
		java_name(name, buf, sizeof buf);
	jclass *c = VEC_PUSH(w->classes);
	if (!c) {
		w->oom = true;
		return UINT32_MAX;
	}
	memset(c, 0, sizeof *c);
	c->id = new_id(w);
	c->name = intern(w, raw_name ? name : buf);
	c->super = super;
	c->size = size;
	c->first_leaf = (uint32_t)w->leaves.n;
	c->first_static = (uint32_t)w->statics.n;
	return (uint32_t)(w->classes.n - 1);
}

static void add_leaf(W *w, uint32_t off, const char *name, unsigned jt, unsigned width)
{
	leaf *l = VEC_PUSH(w->leaves);
	if (!l) {
		w->oom = true;
		return;
	}
	*l = (leaf){ off, intern(w, name), (uint8_t)jt, (uint8_t)width };
}

static const goheap_btype *TY(const W *w, uint32_t id)
{
	return goheap_typing_type(w->t, id);
}

static bool has_pointers(W *w, uint32_t id, unsigned depth)
{
	if (id >= goheap_typing_type_count(w->t) || depth > 64)
		return false;
	if (w->has_ptr[id] == 1 || w->has_ptr[id] == 2)
		return w->has_ptr[id] == 2;
	if (w->has_ptr[id] == 3)
		return false;
	w->has_ptr[id] = 3;
	const goheap_btype *b = TY(w, id);
	bool yes = false;
	switch (b->kind) {
	case GOHEAP_T_PTR: case GOHEAP_T_FUNC: case GOHEAP_T_STRING: case GOHEAP_T_SLICE:
	case GOHEAP_T_EFACE: case GOHEAP_T_IFACE: case GOHEAP_T_MAP: case GOHEAP_T_CHAN:
		yes = true;
		break;
	case GOHEAP_T_ARRAY:
		yes = b->count && has_pointers(w, b->elem, depth + 1);
		break;
	case GOHEAP_T_STRUCT:
		for (uint32_t k = 0; k < b->nfields && !yes && w->fields; k++)
			yes = has_pointers(w, w->fields[b->first_field + k].type, depth + 1);
		break;
	default:
		break;
	}
	w->has_ptr[id] = yes ? 2 : 1;
	return yes;
}

/* The hprof type of a pointer-free scalar (0 if not a scalar) and its width. */
static unsigned scalar_jt(const goheap_btype *b)
{
	switch (b->kind) {
	case GOHEAP_T_BOOL:
		return b->size == 1 ? J_BOOL : 0;
	case GOHEAP_T_INT: case GOHEAP_T_UINT:
		return b->size == 1 ? J_BYTE : b->size == 2 ? J_SHORT : b->size == 4 ? J_INT : b->size == 8 ? J_LONG : 0;
	case GOHEAP_T_FLOAT: case GOHEAP_T_COMPLEX: {
		uint64_t part = b->kind == GOHEAP_T_COMPLEX ? b->size / 2 : b->size;
		return part == 4 ? J_FLOAT : part == 8 ? J_DOUBLE : 0;
	}
	default:
		return 0;
	}
}

typedef struct flat {
	W *w;
	char name[512];
	uint32_t count;          /* leaves produced */
	bool refs_only;
	bool overflow;
} flat;

static void flat_leaf(flat *f, uint64_t off, size_t nlen, const char *suffix, unsigned jt, unsigned width)
{
	if (f->overflow || (f->refs_only && jt != J_OBJ))
		return;
	if (++f->count > (f->refs_only ? MAX_FIELDS : MAX_LEAVES) || off > UINT32_MAX) {
		f->overflow = true;
		return;
	}
	/* suffixes start with '.', dropped at the top level */
	if (suffix && nlen + strlen(suffix) < sizeof f->name)
		strcpy(f->name + nlen, nlen ? suffix : suffix + 1);
	add_leaf(f->w, (uint32_t)off, f->name[0] ? f->name : "value", jt, width);
	f->name[nlen] = '\0';
}

/* Append a field name to f->name (at nlen); returns the new length. */
static size_t flat_field(flat *f, size_t nlen, const char *s)
{
	int n = snprintf(f->name + nlen, sizeof f->name - nlen, nlen ? ".%s" : "%s", s);
	if (n < 0 || (size_t)n >= sizeof f->name - nlen) {
		f->name[nlen] = '\0';
		return nlen;
	}
	return nlen + (size_t)n;
}

/* Append an index "[i]" to f->name (at nlen); returns the new length. */
static size_t flat_index(flat *f, size_t nlen, uint64_t i)
{
	int n = snprintf(f->name + nlen, sizeof f->name - nlen, "[%" PRIu64 "]", i);
	if (n < 0 || (size_t)n >= sizeof f->name - nlen) {
		f->name[nlen] = '\0';
		return nlen;
	}
	return nlen + (size_t)n;
}

/* The fields of a value of type id at offset off, named from f->name[0..nlen). */
static void flatten(flat *f, uint32_t id, uint64_t off, size_t nlen, unsigned depth)
{
	W *w = f->w;
	if (f->overflow || depth > 32 || id >= goheap_typing_type_count(w->t))
		return;
	const goheap_btype *b = TY(w, id);
	unsigned p = w->ptr, pj = p == 8 ? J_LONG : J_INT;
	if (f->refs_only && !has_pointers(w, id, 0))
		return;
	switch (b->kind) {
	case GOHEAP_T_BOOL: case GOHEAP_T_INT: case GOHEAP_T_UINT: case GOHEAP_T_FLOAT: {
		unsigned jt = scalar_jt(b);
		if (jt)
			flat_leaf(f, off, nlen, NULL, jt, jwidth(jt));
		break;
	}
	case GOHEAP_T_COMPLEX: {
		unsigned jt = scalar_jt(b);
		if (jt) {
			flat_leaf(f, off, nlen, ".real", jt, jwidth(jt));
			flat_leaf(f, off + jwidth(jt), nlen, ".imag", jt, jwidth(jt));
		}
		break;
	}
	case GOHEAP_T_PTR: case GOHEAP_T_FUNC: case GOHEAP_T_MAP: case GOHEAP_T_CHAN:
		flat_leaf(f, off, nlen, NULL, J_OBJ, p);
		break;
	case GOHEAP_T_STRING:
		flat_leaf(f, off, nlen, NULL, J_OBJ, p);
		flat_leaf(f, off + p, nlen, ".len", pj, p);
		break;
	case GOHEAP_T_SLICE:
		flat_leaf(f, off, nlen, NULL, J_OBJ, p);
		flat_leaf(f, off + p, nlen, ".len", pj, p);
		flat_leaf(f, off + 2 * p, nlen, ".cap", pj, p);
		break;
	case GOHEAP_T_EFACE:
		flat_leaf(f, off, nlen, ".type", J_OBJ, p);
		flat_leaf(f, off + p, nlen, ".data", J_OBJ, p);
		break;
	case GOHEAP_T_IFACE:
		flat_leaf(f, off, nlen, ".tab", J_OBJ, p);
		flat_leaf(f, off + p, nlen, ".data", J_OBJ, p);
		break;
	case GOHEAP_T_ARRAY: {
		uint64_t es = b->elem < goheap_typing_type_count(w->t) ? TY(w, b->elem)->size : 0;
		for (uint64_t i = 0; i < b->count && es && !f->overflow; i++) {
			size_t n2 = flat_index(f, nlen, i);
			flatten(f, b->elem, off + i * es, n2, depth + 1);
			f->name[nlen] = '\0';
		}
		break;
	}
	case GOHEAP_T_STRUCT:
		for (uint32_t k = 0; k < b->nfields && w->fields && !f->overflow; k++) {
			const goheap_field *fl = &w->fields[b->first_field + k];
			size_t n2 = flat_field(f, nlen, fl->name ? fl->name : "?");
			flatten(f, fl->type, off + fl->offset, n2, depth + 1);
			f->name[nlen] = '\0';
		}
		break;
	default:
		break;
	}
}

/* The leaves of an object's words, named by offset: types typing made
 * (closures, shapes) say nothing of their words but the pointer map. */
static void flatten_words(flat *f, const goheap_object *o, bool closure)
{
	W *w = f->w;
	unsigned p = w->ptr;
	goheap_fields it = goheap_object_fields(w->dp, o);
	uint64_t next, words = o->size / p;
	bool have = goheap_fields_next(&it, &next);
	bool refs_only = words > MAX_LEAVES;
	for (uint64_t k = 0; k < words && !f->overflow; k++) {
		uint64_t off = k * p;
		while (have && next < off)
			have = goheap_fields_next(&it, &next);
		bool is_ptr = have && next == off;
		if (refs_only && !is_ptr)
			continue;
		char name[32];
		if (closure && k == 0)
			snprintf(name, sizeof name, "fn");
		else
			snprintf(name, sizeof name, "+0x%" PRIx64, off);
		if (++f->count > MAX_FIELDS) {
			f->overflow = true;
			break;
		}
		add_leaf(w, (uint32_t)off, name, is_ptr ? J_OBJ : (p == 8 ? J_LONG : J_INT), p);
	}
}

/* ---- layouts ------------------------------------------------------------------- */

static uint64_t lkey_hash(uint32_t type, uint64_t size, unsigned doff, unsigned variant)
{
	uint64_t k[2] = { (uint64_t)type << 8 | doff << 2 | variant, size };
	return hash_bytes(k, sizeof k);
}

static bool lhash_grow(W *w)
{
	size_t cap = w->lhash_cap ? w->lhash_cap * 2 : 1024;
	uint32_t *h = malloc(cap * sizeof *h);
	if (!h)
		return false;
	for (size_t i = 0; i < cap; i++)
		h[i] = UINT32_MAX;
	for (size_t i = 0; i < w->layouts.n; i++) {
		const layout *l = &w->layouts.v[i];
		size_t s = (size_t)lkey_hash(l->type, l->size, l->doff, l->variant) & (cap - 1);
		while (h[s] != UINT32_MAX)
			s = (s + 1) & (cap - 1);
		h[s] = (uint32_t)i;
	}
	free(w->lhash);
	w->lhash = h;
	w->lhash_cap = cap;
	return true;
}

static uint32_t lfind(const W *w, uint32_t type, uint64_t size, unsigned doff, unsigned variant, size_t *slot)
{
	if (!w->lhash_cap) {
		*slot = SIZE_MAX;
		return UINT32_MAX;
	}
	size_t s = (size_t)lkey_hash(type, size, doff, variant) & (w->lhash_cap - 1);
	for (;;) {
		uint32_t i = w->lhash[s];
		if (i == UINT32_MAX) {
			*slot = s;
			return UINT32_MAX;
		}
		const layout *l = &w->layouts.v[i];
		if (l->type == type && l->size == size && l->doff == doff && l->variant == variant)
			return i;
		s = (s + 1) & (w->lhash_cap - 1);
	}
}

/* The histogram name of a type: arrays typing made as "[...]T". */
static void go_name(const W *w, uint32_t id, char *buf, size_t len)
{
	const goheap_btype *b = TY(w, id);
	if (id >= w->nbt && b->kind == GOHEAP_T_ARRAY) {
		const char *e = b->elem < goheap_typing_type_count(w->t) ? TY(w, b->elem)->name : NULL;
		snprintf(buf, len, "[...]%s", e ? e : "?");
	} else {
		snprintf(buf, len, "%s", b->name ? b->name : "?");
	}
}

/* The primitive element type of a pointer-free array element. */
static unsigned prim_elem(const W *w, const goheap_btype *e)
{
	unsigned jt = scalar_jt(e);
	(void)w;
	return jt ? jt : J_BYTE;
}

/* Elements of an array of e-byte elements whose VisualVM size is exactly size, or -1. */
static int64_t exact_elems(const W *w, uint64_t size, unsigned e)
{
	uint64_t h = w->array_header;
	if (size < h)
		return -1;
	uint64_t n = (size - h) / e;
	return ((h + n * e + 7) & ~(uint64_t)7) == size ? (int64_t)n : -1;
}

static uint32_t row_for(W *w, uint32_t class_name, const char *gname)
{
	char key[1200];
	const char *cn = str_of(w, class_name);
	int n = snprintf(key, sizeof key, "%s%c%s", cn, 0, gname);
	if (n < 0 || (size_t)n >= sizeof key)
		n = (int)sizeof key - 1;
	uint32_t r = strmap_get(&w->row_keys, key, (size_t)n);
	if (r != UINT32_MAX)
		return r;
	row *rw = VEC_PUSH(w->rows);
	if (!rw || strmap_put(&w->row_keys, key, (size_t)n, (uint32_t)(w->rows.n - 1))) {
		w->oom = true;
		return 0;
	}
	*rw = (row){ class_name, intern(w, gname), 0, 0 };
	return (uint32_t)(w->rows.n - 1);
}

/*
 * Build the layout for objects of `type` in slots of `size` with data at
 * doff. variant 0: the natural representation (arrays as arrays); 1: as an
 * instance (arrays whose tail does not fit); 2: the natural one even if
 * lossy. o is an object of the key (for types named by their words).
 */
static uint32_t make_layout(W *w, uint32_t type, uint64_t size, unsigned doff, unsigned variant,
			    const goheap_object *o)
{
	const goheap_btype *b = TY(w, type);
	layout L = { 0 };
	L.type = type;
	L.size = size;
	L.doff = (uint8_t)doff;
	L.variant = (uint8_t)variant;
	char gname[1024], buf[1100];
	go_name(w, type, gname, sizeof gname);
	bool is_array = b->kind == GOHEAP_T_ARRAY && b->elem < goheap_typing_type_count(w->t) && b->count &&
			variant != 3;
	if (size > UINT32_MAX - 64) {
		diag_set(w->d, GOHEAP_ETOOBIG, GOHEAP_NO_OFFSET, NULL, NULL,
			 "an object of %" PRIu64 " bytes is too big for an hprof record", size);
		w->oom = true;
		return UINT32_MAX;
	}
	if (is_array && variant != 1) {
		const goheap_btype *e = TY(w, b->elem);
		unsigned unit, go_unit;
		if (!has_pointers(w, b->elem, 0)) {
			L.rep = REP_PRIM;
			L.jt = (uint8_t)prim_elem(w, e);
			L.jclass = w->c_prim[L.jt];
			unit = go_unit = jwidth(L.jt);
		} else {
			L.rep = REP_OBJARR;
			/* one class per histogram name: "[...]*T" -> "*T[]" */
			uint32_t ci = strmap_get(&w->objarr_classes, gname, strlen(gname));
			if (ci == UINT32_MAX) {
				java_name(gname, buf, sizeof buf);
				size_t bl = strlen(buf);
				if (bl >= 5 && strcmp(buf + bl - 5, "[...]") == 0)
					strcpy(buf + bl - 5, "[]");
				ci = add_class(w, buf, true, w->classes.v[w->c_object].id, 0);
				if (ci == UINT32_MAX || strmap_put(&w->objarr_classes, gname, strlen(gname), ci)) {
					w->oom = true;
					return UINT32_MAX;
				}
			}
			L.jclass = ci;
			unit = w->ptr;    /* VisualVM's reference size is the pointer size */
			go_unit = w->ptr;
		}
		int64_t n = exact_elems(w, size, unit);
		if (variant == 0) {
			L.nelem = n >= 0 ? (uint64_t)n : 0;
			L.no_exact = n < 0;
		} else if (L.rep == REP_PRIM && n >= 0) {
			L.nelem = (uint64_t)n;
			L.truncated = true;
		} else {
			L.nelem = (size - doff) / go_unit;
			L.inexact = true;
		}
	} else {
		L.rep = REP_INSTANCE;
		L.inexact = variant == 2; /* pointer words beyond what any instance can hold */
		uint32_t ci = add_class(w, b->name ? b->name : "?", false, w->classes.v[w->c_object].id,
					(uint32_t)size);
		if (ci == UINT32_MAX)
			return UINT32_MAX;
		flat f = { .w = w };
		size_t before = w->leaves.n;
		L.complete = L.refs_complete = true;
		if (variant == 3) {
			/* every word a reference: only the pointer map's words get a value */
			uint64_t words = size / w->ptr;
			if (words > MAX_FIELDS) {
				f.overflow = true;
			} else {
				for (uint64_t k = 0; k < words; k++) {
					char name[32];
					snprintf(name, sizeof name, "+0x%" PRIx64, k * w->ptr);
					add_leaf(w, (uint32_t)(k * w->ptr), name, J_OBJ, w->ptr);
				}
			}
		} else if (b->kind == GOHEAP_T_OTHER) {
			flatten_words(&f, o, b->name && strncmp(b->name, "closure ", 8) == 0);
		} else {
			flatten(&f, type, doff, 0, 0);
			if (f.overflow) {
				L.complete = false;
				w->leaves.n = before;
				f = (flat){ .w = w, .refs_only = true };
				flatten(&f, type, doff, 0, 0);
			}
		}
		if (f.overflow) {
			L.complete = L.refs_complete = false;
			w->leaves.n = before;
		}
		jclass *c = &w->classes.v[ci];
		c->first_leaf = (uint32_t)before;
		c->nleaves = (uint32_t)(w->leaves.n - before);
		L.jclass = ci;
		L.first_ref = (uint32_t)w->refs.n;
		uint32_t vb = 0;
		for (size_t k = before; k < w->leaves.n; k++) {
			const leaf *l = &w->leaves.v[k];
			vb += jwidth(l->jt);
			if (l->jt == J_OBJ) {
				uint32_t *r = VEC_PUSH(w->refs);
				if (!r) {
					w->oom = true;
					return UINT32_MAX;
				}
				*r = l->off;
			}
		}
		L.nrefs = (uint32_t)(w->refs.n - L.first_ref);
		L.value_bytes = vb;
		/* reference offsets in order, for merging with pointer maps */
		uint32_t *rv = w->refs.v + L.first_ref;
		for (uint32_t i = 1; i < L.nrefs; i++)
			for (uint32_t j = i; j > 0 && rv[j - 1] > rv[j]; j--) {
				uint32_t x = rv[j];
				rv[j] = rv[j - 1];
				rv[j - 1] = x;
			}
	}
	L.row = row_for(w, w->classes.v[L.jclass].name, gname);
	if (w->layouts.n + 1 > w->lhash_cap / 2 && !lhash_grow(w))
		w->oom = true;
	layout *lp = w->oom ? NULL : VEC_PUSH(w->layouts);
	if (!lp) {
		w->oom = true;
		return UINT32_MAX;
	}
	*lp = L;
	size_t slot;
	lfind(w, type, size, doff, variant, &slot);
	w->lhash[slot] = (uint32_t)(w->layouts.n - 1);
	return (uint32_t)(w->layouts.n - 1);
}

static uint32_t get_layout(W *w, uint32_t type, uint64_t size, unsigned doff, unsigned variant,
			   const goheap_object *o)
{
	size_t slot;
	uint32_t i = lfind(w, type, size, doff, variant, &slot);
	if (i != UINT32_MAX)
		return i;
	return make_layout(w, type, size, doff, variant, o);
}

/* ---- objects ------------------------------------------------------------------- */

static bool included(const W *w, uint32_t i)
{
	if (goheap_graph_reachable(w->g, i))
		return true;
	return w->opts->keep_unreachable && !goheap_dump_is_span_tail(w->dp, i);
}

/* The id a pointer value refers to: the slot of the written object holding it, or 0. */
static uint64_t ref_id(const W *w, uint64_t value)
{
	uint32_t t = goheap_graph_find_object(w->g, value);
	return t != UINT32_MAX && included(w, t) ? w->addrs[t] : 0;
}

/*
 * The references of one object as the writer walks its pointer map: the
 * object's out-edges in the graph's CSR are the targets of its pointer
 * words that point into objects, in map order, so each word is matched
 * against the next edge instead of searching for its target.
 */
typedef struct refcur {
	const W *w;
	const uint8_t *mem;
	const uint32_t *e, *end;
} refcur;

static void refcur_init(refcur *c, const W *w, uint32_t obj, const uint8_t *mem)
{
	c->w = w;
	c->mem = mem;
	c->e = w->edges + w->row[obj];
	c->end = w->edges + w->row[obj + 1];
}

/* A pointer word of the target, in its byte order. */
static inline uint64_t read_word(const W *w, const uint8_t *p)
{
	bool swap = w->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	if (w->ptr == 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		return swap ? __builtin_bswap64(v) : v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The id the pointer word at off refers to (0: none); call for every map word, in order. */
static inline uint64_t ref_at(refcur *c, uint64_t off)
{
	if (c->e == c->end)
		return 0;
	uint64_t v = read_word(c->w, c->mem + off);
	uint32_t t = *c->e;
	uint64_t a = c->w->addrs[t];
	if (v < a || v - a >= goheap_dump_object(c->w->dp, t).size)
		return 0;
	c->e++;
	/* what a reachable object points to is reachable */
	return !c->w->opts->keep_unreachable || included(c->w, t) ? a : 0;
}

/* Whether the elements of an array layout past its length hold nothing (zero bytes, no pointers). */
static bool tail_fits(const W *w, const layout *L, const goheap_object *o, const uint8_t *mem)
{
	if (L->no_exact)
		return false;
	uint64_t unit = L->rep == REP_PRIM ? jwidth(L->jt) : w->ptr;
	uint64_t end = L->doff + L->nelem * unit;
	if (L->rep == REP_PRIM) {
		for (uint64_t k = end; k < o->size; k++)
			if (mem[k])
				return false;
		return true;
	}
	goheap_fields it = goheap_object_fields(w->dp, o);
	uint64_t off;
	while (goheap_fields_next(&it, &off))
		if (off >= end && ref_id(w, goheap_dump_read_word(w->dp, mem + off)))
			return false;
	return true;
}

/* Whether every pointer word of the object that points to a written
 * object is a reference field of the instance layout L. */
static bool refs_fit(const W *w, const layout *L, const goheap_object *o, const uint8_t *mem)
{
	goheap_fields it = goheap_object_fields(w->dp, o);
	uint64_t off;
	const uint32_t *rv = w->refs.v + L->first_ref;
	uint32_t k = 0;
	while (goheap_fields_next(&it, &off)) {
		while (k < L->nrefs && rv[k] < off)
			k++;
		if ((k == L->nrefs || rv[k] != off) && ref_id(w, goheap_dump_read_word(w->dp, mem + off)))
			return false;
	}
	return true;
}

/* Whether an object has no pointer word that points to a written object. */
static bool no_refs(const W *w, const goheap_object *o, const uint8_t *mem)
{
	goheap_fields it = goheap_object_fields(w->dp, o);
	uint64_t off;
	while (goheap_fields_next(&it, &off))
		if (ref_id(w, goheap_dump_read_word(w->dp, mem + off)))
			return false;
	return true;
}

/*
 * The layout of object i: its type's natural one when it holds every
 * reference (and, for arrays, every non-zero element) at the exact size;
 * else an array as an instance, one field an element; else every word as
 * a reference field (a type whose fields miss pointer words the collector
 * scans: the slot past a type, runtime quirks); else the natural one,
 * counted as truncated or inexact.
 */
static uint32_t object_layout(W *w, uint32_t i, const goheap_object *o, const uint8_t *mem)
{
	uint32_t type = goheap_typing_object_type(w->t, i);
	unsigned doff = goheap_typing_data_offset(w->t, i);
	uint32_t li;
	if (w->last_layout != UINT32_MAX && w->last_type == type && w->last_size == o->size && w->last_doff == doff) {
		li = w->last_layout;
	} else {
		li = get_layout(w, type, o->size, doff, 0, o);
		w->last_layout = li;
		w->last_type = type;
		w->last_size = o->size;
		w->last_doff = doff;
	}
	if (li == UINT32_MAX)
		return li;
	const layout *L = &w->layouts.v[li];
	bool prim = L->rep == REP_PRIM;
	if (L->rep == REP_INSTANCE) {
		if (refs_fit(w, L, o, mem))
			return li;
	} else {
		bool clean = !prim || no_refs(w, o, mem);
		if (clean && tail_fits(w, L, o, mem))
			return li;
		uint32_t alt = get_layout(w, type, o->size, doff, 1, o);
		if (alt == UINT32_MAX)
			return alt;
		const layout *A = &w->layouts.v[alt];
		if ((prim ? A->complete : A->refs_complete) && refs_fit(w, A, o, mem))
			return alt;
		if (prim && clean)
			return get_layout(w, type, o->size, doff, 2, o);
	}
	if (o->size / w->ptr <= MAX_FIELDS)
		return get_layout(w, type, o->size, doff, 3, o);
	return get_layout(w, type, o->size, doff, 2, o);
}

/* ---- output -------------------------------------------------------------------- */

static inline uint8_t *put1(uint8_t *p, uint64_t v) { p[0] = (uint8_t)v; return p + 1; }
static inline uint8_t *put2(uint8_t *p, uint64_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; return p + 2; }
static inline uint8_t *put4(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
	return p + 4;
}
static inline uint8_t *put8(uint8_t *p, uint64_t v) { return put4(put4(p, v >> 32), v); }

static void out(W *w, const void *p, size_t n)
{
	outfile_write(&w->out, p, n);
}

/* A top-level record header. */
static void record(W *w, unsigned tag, uint64_t len)
{
	uint8_t h[9], *p = h;
	p = put1(p, tag);
	p = put4(p, 0);
	put4(p, len);
	out(w, h, sizeof h);
}

static void seg_flush(W *w)
{
	if (!w->seg_len)
		return;
	record(w, TAG_SEGMENT, w->seg_len);
	out(w, w->seg, w->seg_len);
	w->seg_len = 0;
}

/* Room for n bytes of sub-record in the segment, or NULL when n exceeds
 * the buffer (the caller then streams it: seg_flush, record, out). */
static uint8_t *seg_room(W *w, size_t n)
{
	if (n > SEG_CAP)
		return NULL;
	if (w->seg_len + n > SEG_CAP)
		seg_flush(w);
	uint8_t *p = w->seg + w->seg_len;
	w->seg_len += n;
	return p;
}

/* A big-endian copy of a width-byte value in target memory. */
static inline uint8_t *put_val(const W *w, uint8_t *p, const uint8_t *src, unsigned width)
{
	if (w->big_endian || width == 1) {
		memcpy(p, src, width);
		return p + width;
	}
	switch (width) {
	case 2: {
		uint16_t v;
		memcpy(&v, src, 2);
		v = (uint16_t)(v << 8 | v >> 8);
		memcpy(p, &v, 2);
		break;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, src, 4);
		v = __builtin_bswap32(v);
		memcpy(p, &v, 4);
		break;
	}
	case 8: {
		uint64_t v;
		memcpy(&v, src, 8);
		v = __builtin_bswap64(v);
		memcpy(p, &v, 8);
		break;
	}
	default:
		for (unsigned k = 0; k < width; k++)
			p[k] = src[width - 1 - k];
	}
	return p + width;
}

static void write_instance(W *w, uint32_t obj, const layout *L, const goheap_object *o, const uint8_t *mem)
{
	const jclass *c = &w->classes.v[L->jclass];
	size_t n = 1 + ID_SIZE + 4 + ID_SIZE + 4 + L->value_bytes;
	uint8_t *p = seg_room(w, n), *big = NULL;
	if (!p) {
		big = p = malloc(n);
		if (!p) {
			w->oom = true;
			return;
		}
	}
	uint8_t *start = p;
	p = put1(p, SUB_INSTANCE);
	p = put8(p, o->addr);
	p = put4(p, TRACE_NONE);
	p = put8(p, c->id);
	p = put4(p, L->value_bytes);
	/* pointer map of the object, merged with the reference fields */
	goheap_fields it = goheap_object_fields(w->dp, o);
	uint64_t next;
	bool have = goheap_fields_next(&it, &next);
	refcur rc;
	refcur_init(&rc, w, obj, mem);
	const leaf *lv = w->leaves.v + c->first_leaf;
	for (uint32_t k = 0; k < c->nleaves; k++) {
		const leaf *l = &lv[k];
		if (l->jt == J_OBJ) {
			uint64_t id = 0;
			while (have && next < l->off) {
				ref_at(&rc, next);
				have = goheap_fields_next(&it, &next);
			}
			if (have && next == l->off) {
				id = ref_at(&rc, next);
				have = goheap_fields_next(&it, &next);
			}
			p = put8(p, id);
		} else if (l->off + l->width <= o->size) {
			p = put_val(w, p, mem + l->off, l->width);
		} else {
			memset(p, 0, l->width);
			p += l->width;
		}
	}
	if (big) {
		seg_flush(w);
		record(w, TAG_SEGMENT, (uint64_t)(p - start));
		out(w, start, (size_t)(p - start));
		free(big);
	}
}

static void write_prim_array(W *w, const layout *L, const goheap_object *o, const uint8_t *mem)
{
	unsigned e = jwidth(L->jt);
	uint64_t n = 1 + ID_SIZE + 4 + 4 + 1 + L->nelem * e;
	uint8_t *p = seg_room(w, (size_t)n);
	uint8_t hdr[1 + ID_SIZE + 4 + 4 + 1], *h = p ? p : hdr;
	h = put1(h, SUB_PRIM_ARRAY);
	h = put8(h, o->addr);
	h = put4(h, TRACE_NONE);
	h = put4(h, L->nelem);
	h = put1(h, L->jt);
	uint64_t avail = o->size > L->doff ? o->size - L->doff : 0, bytes = L->nelem * e;
	const uint8_t *src = mem + L->doff;
	if (p) {
		uint64_t have = bytes < avail ? bytes : avail;
		have -= have % e;
		if (e == 1 || w->big_endian)
			memcpy(h, src, (size_t)have);
		else
			for (uint64_t k = 0; k < have; k += e)
				put_val(w, h + k, src + k, e);
		memset(h + have, 0, (size_t)(bytes - have));
		return;
	}
	seg_flush(w);
	record(w, TAG_SEGMENT, n);
	out(w, hdr, sizeof hdr);
	for (uint64_t done = 0; done < bytes;) {
		size_t chunk = sizeof w->scratch;
		if (chunk > bytes - done)
			chunk = (size_t)(bytes - done);
		uint8_t *q = (uint8_t *)w->scratch;
		for (size_t k = 0; k < chunk; k += e) {
			if (done + k + e <= avail)
				put_val(w, q + k, src + done + k, e);
			else
				memset(q + k, 0, e);
		}
		out(w, q, chunk);
		done += chunk;
	}
}

static void write_obj_array(W *w, uint32_t obj, const layout *L, const goheap_object *o, const uint8_t *mem)
{
	const jclass *c = &w->classes.v[L->jclass];
	uint64_t n = 1 + ID_SIZE + 4 + 4 + ID_SIZE + L->nelem * ID_SIZE;
	uint8_t *p = seg_room(w, (size_t)n);
	uint8_t hdr[1 + ID_SIZE + 4 + 4 + ID_SIZE], *h = p ? p : hdr;
	h = put1(h, SUB_OBJ_ARRAY);
	h = put8(h, o->addr);
	h = put4(h, TRACE_NONE);
	h = put4(h, L->nelem);
	h = put8(h, c->id);
	if (!p) {
		seg_flush(w);
		record(w, TAG_SEGMENT, n);
		out(w, hdr, sizeof hdr);
	}
	goheap_fields it = goheap_object_fields(w->dp, o);
	uint64_t next;
	bool have = goheap_fields_next(&it, &next);
	refcur rc;
	refcur_init(&rc, w, obj, mem);
	uint8_t *q = p ? h : (uint8_t *)w->scratch;
	size_t qn = 0;
	for (uint64_t i = 0; i < L->nelem; i++) {
		uint64_t off = L->doff + i * w->ptr, id = 0;
		while (have && next < off) {
			ref_at(&rc, next);
			have = goheap_fields_next(&it, &next);
		}
		if (have && next == off) {
			id = ref_at(&rc, next);
			have = goheap_fields_next(&it, &next);
		}
		put8(q + qn, id);
		qn += ID_SIZE;
		if (!p && qn == sizeof w->scratch) {
			out(w, q, qn);
			qn = 0;
		}
	}
	if (!p && qn)
		out(w, q, qn);
}

/* ---- names of globals and functions ------------------------------------------------ */

/* Length of the package path at the start of a Go symbol name ("net/http.Get" -> 8). */
static size_t pkg_len(const char *name)
{
	size_t lim = strcspn(name, "[(");
	const char *slash = NULL;
	for (size_t k = 0; k < lim; k++)
		if (name[k] == '/')
			slash = name + k;
	const char *from = slash ? slash : name;
	const char *dot = strchr(from, '.');
	if (!dot || (size_t)(dot - name) > lim)
		return 0;
	return (size_t)(dot - name);
}

/* ---- holder classes: globals as static fields ---------------------------------------- */

typedef struct holder {
	uint32_t cls;           /* class index */
	uint32_t pkg;           /* string id of the package path */
} holder;

typedef struct holders {
	VEC(holder) v;
	strmap by_pkg;          /* package path -> index into v of its latest class */
} holders;

/* The holder class for package pkg with room for one more static field. */
static uint32_t holder_class(W *w, holders *hs, const char *pkg, size_t plen)
{
	uint32_t hi = strmap_get(&hs->by_pkg, pkg, plen);
	if (hi != UINT32_MAX && w->classes.v[hs->v.v[hi].cls].nstatics < MAX_FIELDS)
		return hs->v.v[hi].cls;
	char name[600];
	if (hi == UINT32_MAX)
		snprintf(name, sizeof name, "%.*s", (int)plen, pkg);
	else
		snprintf(name, sizeof name, "%.*s#%zu", (int)plen, pkg, hs->v.n + 1);
	uint32_t ci = add_class(w, name, false, w->classes.v[w->c_object].id, 0);
	holder *h = ci == UINT32_MAX ? NULL : VEC_PUSH(hs->v);
	if (!h || strmap_put(&hs->by_pkg, pkg, plen, (uint32_t)(hs->v.n - 1))) {
		w->oom = true;
		return UINT32_MAX;
	}
	h->cls = ci;
	h->pkg = intern_n(w, pkg, plen);
	return ci;
}

/*
 * Static fields are appended in class order only: every holder's statics
 * are collected first into a list, then sorted by class.
 */
typedef struct pending_static {
	uint32_t cls, name;
	uint64_t value;
} pending_static;

typedef VEC(pending_static) pending_vec;

static int cmp_pending(const void *a, const void *b)
{
	const pending_static *x = a, *y = b;
	return x->cls < y->cls ? -1 : x->cls > y->cls;
}

static void add_pending(W *w, pending_vec *ps, holders *hs, const char *pkg, size_t plen, const char *field,
			uint64_t value)
{
	uint32_t ci = holder_class(w, hs, pkg, plen);
	pending_static *s = ci == UINT32_MAX ? NULL : VEC_PUSH(*ps);
	if (!s) {
		w->oom = true;
		return;
	}
	*s = (pending_static){ ci, intern(w, field), value };
	w->classes.v[ci].nstatics++;
}

/* Field paths of the pointer words of a global: collect the data/bss slots
 * in its range that point into objects, which are its graph edges in order. */
static size_t global_slot_offsets(const W *w, const goheap_root *r, uint64_t *offs, size_t max)
{
	size_t nseg, n = 0;
	const goheap_segment *seg = goheap_dump_segments(w->dp, &nseg);
	for (size_t s = 0; s < nseg; s++) {
		if (r->addr < seg[s].addr || r->addr - seg[s].addr >= seg[s].len)
			continue;
		const uint8_t *mem = goheap_dump_data(w->dp, seg[s].contents_off);
		goheap_fields it = goheap_fields_at(w->dp, seg[s].fields_off);
		uint64_t off;
		while (goheap_fields_next(&it, &off)) {
			uint64_t a = seg[s].addr + off;
			if (a < r->addr || a - r->addr >= r->size)
				continue;
			if (goheap_graph_find_object(w->g, goheap_dump_read_word(w->dp, mem + off)) == UINT32_MAX)
				continue;
			if (n < max)
				offs[n] = a - r->addr;
			n++;
		}
	}
	return n;
}

static int collect_statics(W *w, holders *hs)
{
	pending_vec ps = { 0 };
	size_t nroots, nglob = 0;
	const goheap_root *roots = goheap_graph_roots(w->g, &nroots);
	const goheap_global *glob = w->bin ? goheap_binary_globals(w->bin, &nglob) : NULL;
	uint32_t nobj = goheap_graph_object_count(w->g);
	for (size_t r = 0; r < nroots && !w->oom; r++) {
		const goheap_root *rt = &roots[r];
		if (rt->kind != GOHEAP_ROOT_GLOBAL && rt->kind != GOHEAP_ROOT_DATA_SLOT)
			continue;
		size_t ne;
		const uint32_t *e = goheap_graph_edges(w->g, nobj + (uint32_t)r, &ne);
		char name[1024];
		if (rt->kind == GOHEAP_ROOT_DATA_SLOT || rt->global >= nglob) {
			goheap_graph_root_name(w->g, r, name, sizeof name);
			for (size_t k = 0; k < ne; k++)
				add_pending(w, &ps, hs, "<data>", 6, name, w->addrs[e[k]]);
			continue;
		}
		const char *gn = glob[rt->global].name ? glob[rt->global].name : "?";
		size_t pl = pkg_len(gn);
		const char *shortname = gn + (pl ? pl + 1 : 0);
		uint64_t offs[64];
		size_t no = ne > 1 ? global_slot_offsets(w, rt, offs, 64) : 0;
		for (size_t k = 0; k < ne; k++) {
			char path[512] = "";
			if (ne > 1 && no == ne && k < 64 && rt->type != GOHEAP_NO_TYPE)
				goheap_typing_field_path(w->t, rt->type, offs[k], path, sizeof path);
			if (ne > 1 && !path[0])
				snprintf(path, sizeof path, "#%zu", k);
			snprintf(name, sizeof name, "%s%s", shortname, path);
			add_pending(w, &ps, hs, pl ? gn : "<globals>", pl ? pl : 9, name, w->addrs[e[k]]);
		}
	}
	if (ps.n > 1)
		qsort(ps.v, ps.n, sizeof *ps.v, cmp_pending);
	/* Statics of class c are statics[first_static .. +nstatics): lay them out in class order. */
	for (size_t k = 0; k < w->classes.n; k++)
		w->classes.v[k].first_static = 0;
	if (vec_reserve((void **)&w->statics.v, &w->statics.alloc, ps.n + 1, sizeof *w->statics.v)) {
		VEC_FREE(ps);
		w->oom = true;
		return -1;
	}
	for (size_t k = 0; k < ps.n; k++) {
		if (k == 0 || ps.v[k].cls != ps.v[k - 1].cls)
			w->classes.v[ps.v[k].cls].first_static = (uint32_t)w->statics.n;
		w->statics.v[w->statics.n++] = (jstatic){ ps.v[k].name, ps.v[k].value };
	}
	VEC_FREE(ps);
	return w->oom ? -1 : 0;
}

/* ---- goroutines: stack traces ------------------------------------------------------ */

static int collect_frames(W *w, holders *hs)
{
	size_t nf;
	const goheap_frame *fs = goheap_dump_frames(w->dp, &nf);
	w->func_class = calloc(nf + 1, sizeof *w->func_class);
	w->frame_method = calloc(nf + 1, sizeof *w->frame_method);
	w->frame_file = calloc(nf + 1, sizeof *w->frame_file);
	w->frame_line = calloc(nf + 1, sizeof *w->frame_line);
	if (!w->func_class || !w->frame_method || !w->frame_file || !w->frame_line)
		return -1;
	w->s_signature = intern(w, "()");
	uint32_t unknown_file = intern(w, "?");
	for (size_t i = 0; i < nf && !w->oom; i++) {
		char fn[1024];
		snprintf(fn, sizeof fn, "%.*s", (int)(fs[i].func.len < 1000 ? fs[i].func.len : 1000),
			 fs[i].func.ptr ? fs[i].func.ptr : "");
		if (!fn[0])
			snprintf(fn, sizeof fn, "unknown function");
		size_t pl = pkg_len(fn);
		uint32_t ci = pl ? holder_class(w, hs, fn, pl) : holder_class(w, hs, "<functions>", 11);
		/* holder_class may have made a new class; a frame only names its serial */
		w->func_class[i] = ci == UINT32_MAX ? 0 : ci + 1;
		w->frame_method[i] = intern(w, fn + (pl ? pl + 1 : 0));
		w->frame_file[i] = unknown_file;
		w->frame_line[i] = -1;
		const char *file;
		uint64_t line;
		if (w->bin && fs[i].pc) {
			uint64_t pc = fs[i].pc - (uint64_t)w->bias - (fs[i].depth > 0 ? 1 : 0);
			if (goheap_binary_pc_line(w->bin, pc, &file, &line) == GOHEAP_OK) {
				w->frame_file[i] = intern(w, file);
				w->frame_line[i] = line > INT32_MAX ? -1 : (int32_t)line;
			}
		}
	}
	return w->oom ? -1 : 0;
}

/* ---- the passes ------------------------------------------------------------------ */

static void progress(const W *w, uint64_t done, uint64_t total)
{
	if (w->opts->progress)
		w->opts->progress(w->opts->progress_ctx, done, total);
}

/* Pass 1: every written object's layout. */
static int pass_layouts(W *w)
{
	for (uint32_t i = 0; i < w->nobj && !w->oom; i++) {
		if ((i & 0xfffff) == 0)
			progress(w, i, 2ull * w->nobj);
		if (!included(w, i))
			continue;
		goheap_object o = goheap_dump_object(w->dp, i);
		const uint8_t *mem = goheap_dump_data(w->dp, o.contents_off);
		uint32_t li = object_layout(w, i, &o, mem);
		if (li == UINT32_MAX)
			break;
		if (w->obj_layout)
			w->obj_layout[i] = li;
		layout *L = &w->layouts.v[li];
		row *r = &w->rows.v[L->row];
		r->instances++;
		r->bytes += o.size;
		w->st.objects++;
		w->st.object_bytes += o.size;
		if (!goheap_graph_reachable(w->g, i))
			w->st.unreachable++;
		if (L->variant == 1)
			w->st.arrays_as_instances++;
		if (L->truncated)
			w->st.truncated++;
		if (L->inexact)
			w->st.inexact++;
		if (L->variant == 3)
			w->st.as_words++;
	}
	return w->oom ? -1 : 0;
}

static void write_utf8(W *w)
{
	for (uint32_t id = 1; id <= w->str.off.n; id++) {
		const char *s = str_of(w, id);
		size_t n = strlen(s);
		record(w, TAG_UTF8, ID_SIZE + n);
		uint8_t b[8];
		put8(b, id);
		out(w, b, 8);
		out(w, s, n);
	}
}

static void write_load_classes(W *w)
{
	for (size_t k = 0; k < w->classes.n; k++) {
		uint8_t b[4 + ID_SIZE + 4 + ID_SIZE], *p = b;
		p = put4(p, k + 1);
		p = put8(p, w->classes.v[k].id);
		p = put4(p, TRACE_NONE);
		put8(p, w->classes.v[k].name);
		record(w, TAG_LOAD_CLASS, sizeof b);
		out(w, b, sizeof b);
	}
}

static void write_traces(W *w)
{
	uint8_t b[ID_SIZE * 4 + 8], *p;
	/* serial 1: the empty trace every object names */
	p = b;
	p = put4(p, TRACE_NONE);
	p = put4(p, 0);
	put4(p, 0);
	record(w, TAG_TRACE, 12);
	out(w, b, 12);
	size_t ng, nf;
	const goheap_goroutine *gs = goheap_dump_goroutines(w->dp, &ng);
	goheap_dump_frames(w->dp, &nf);
	for (size_t i = 0; i < nf; i++) {
		p = b;
		p = put8(p, i + 1);
		p = put8(p, w->frame_method[i]);
		p = put8(p, w->s_signature);
		p = put8(p, w->frame_file[i]);
		p = put4(p, w->func_class[i]);
		put4(p, (uint32_t)w->frame_line[i]);
		record(w, TAG_FRAME, ID_SIZE * 4 + 8);
		out(w, b, ID_SIZE * 4 + 8);
		w->st.frames++;
	}
	for (size_t k = 0; k < ng; k++) {
		p = b;
		p = put4(p, k + 2);
		p = put4(p, k + 1);
		put4(p, gs[k].nframes);
		record(w, TAG_TRACE, 12 + (uint64_t)gs[k].nframes * ID_SIZE);
		out(w, b, 12);
		for (uint32_t f = 0; f < gs[k].nframes; f++) {
			put8(b, (uint64_t)gs[k].first_frame + f + 1);
			out(w, b, ID_SIZE);
		}
	}
}

static void write_class_dumps(W *w)
{
	for (size_t k = 0; k < w->classes.n; k++) {
		const jclass *c = &w->classes.v[k];
		size_t n = 1 + ID_SIZE + 4 + 6 * ID_SIZE + 4 + 2 + 2 + 2 + (size_t)c->nleaves * (ID_SIZE + 1) +
			   (size_t)c->nstatics * (ID_SIZE + 1 + ID_SIZE);
		uint8_t *big = NULL, *p = seg_room(w, n);
		if (!p)
			big = p = malloc(n);
		if (!p) {
			w->oom = true;
			return;
		}
		uint8_t *start = p;
		p = put1(p, SUB_CLASS_DUMP);
		p = put8(p, c->id);
		p = put4(p, TRACE_NONE);
		p = put8(p, c->super);
		for (int z = 0; z < 5; z++)
			p = put8(p, 0); /* loader, signers, protection domain, reserved x2 */
		p = put4(p, c->size);
		p = put2(p, 0);  /* constant pool */
		p = put2(p, c->nstatics);
		for (uint32_t s = 0; s < c->nstatics; s++) {
			const jstatic *st = &w->statics.v[c->first_static + s];
			p = put8(p, st->name);
			p = put1(p, J_OBJ);
			p = put8(p, st->value);
		}
		p = put2(p, c->nleaves);
		for (uint32_t f = 0; f < c->nleaves; f++) {
			const leaf *l = &w->leaves.v[c->first_leaf + f];
			p = put8(p, l->name);
			p = put1(p, l->jt);
		}
		if (big) {
			seg_flush(w);
			record(w, TAG_SEGMENT, (uint64_t)(p - start));
			out(w, start, (size_t)(p - start));
			free(big);
		}
		w->st.classes++;
	}
}

static void root_rec(W *w, unsigned sub, uint64_t id, int64_t a, int64_t b)
{
	size_t n = 1 + ID_SIZE + (a >= 0 ? 4 : 0) + (b >= 0 ? 4 : 0);
	uint8_t *p = seg_room(w, n);
	p = put1(p, sub);
	p = put8(p, id);
	if (a >= 0)
		p = put4(p, (uint64_t)a);
	if (b >= 0)
		put4(p, (uint64_t)b);
	w->st.gc_roots++;
}

static int write_roots(W *w, const holders *hs)
{
	for (size_t k = 0; k < hs->v.n; k++)
		root_rec(w, SUB_ROOT_STICKY_CLASS, w->classes.v[hs->v.v[k].cls].id, -1, -1);
	size_t nroots, nf;
	const goheap_root *roots = goheap_graph_roots(w->g, &nroots);
	const goheap_goroutine *gs = goheap_dump_goroutines(w->dp, &w->ngr);
	goheap_dump_frames(w->dp, &nf);
	uint32_t nobj = goheap_graph_object_count(w->g);
	/* roots grouped by goroutine: counting sort */
	uint32_t *start = calloc(w->ngr + 2, sizeof *start), *order = malloc((nroots + 1) * sizeof *order);
	if (!start || !order) {
		free(start);
		free(order);
		return -1;
	}
	for (size_t r = 0; r < nroots; r++)
		if (roots[r].goroutine < w->ngr)
			start[roots[r].goroutine + 1]++;
	for (size_t k = 0; k < w->ngr; k++)
		start[k + 1] += start[k];
	for (size_t r = 0; r < nroots; r++)
		if (roots[r].goroutine < w->ngr)
			order[start[roots[r].goroutine]++] = (uint32_t)r;
	for (size_t k = w->ngr; k > 0; k--)
		start[k] = start[k - 1];
	start[0] = 0;
	for (size_t k = 0; k < w->ngr; k++) {
		root_rec(w, SUB_ROOT_THREAD_OBJ, w->thread_base + 8 * k, (int64_t)k + 1, (int64_t)k + 2);
		for (uint32_t q = start[k]; q < start[k + 1]; q++) {
			const goheap_root *rt = &roots[order[q]];
			size_t ne;
			const uint32_t *e = goheap_graph_edges(w->g, nobj + order[q], &ne);
			bool frame = rt->kind == GOHEAP_ROOT_FRAME_VAR || rt->kind == GOHEAP_ROOT_FRAME_SLOT;
			int64_t depth = frame && rt->frame < nf && rt->frame >= gs[k].first_frame
						? (int64_t)(rt->frame - gs[k].first_frame)
						: -1;
			for (size_t j = 0; j < ne; j++) {
				if (frame)
					root_rec(w, SUB_ROOT_JAVA_FRAME, w->addrs[e[j]], (int64_t)k + 1,
						 depth >= 0 ? depth : 0xffffffffll);
				else
					root_rec(w, SUB_ROOT_THREAD_BLOCK, w->addrs[e[j]], (int64_t)k + 1, -1);
			}
		}
	}
	free(start);
	free(order);
	for (size_t r = 0; r < nroots; r++) {
		const goheap_root *rt = &roots[r];
		if (rt->kind == GOHEAP_ROOT_GLOBAL || rt->kind == GOHEAP_ROOT_DATA_SLOT || rt->goroutine < w->ngr)
			continue;
		size_t ne;
		const uint32_t *e = goheap_graph_edges(w->g, nobj + (uint32_t)r, &ne);
		for (size_t j = 0; j < ne; j++)
			root_rec(w, SUB_ROOT_UNKNOWN, w->addrs[e[j]], -1, -1);
	}
	return 0;
}

static void write_threads(W *w)
{
	const goheap_goroutine *gs = goheap_dump_goroutines(w->dp, &w->ngr);
	const jclass *c = &w->classes.v[w->c_goroutine];
	for (size_t k = 0; k < w->ngr; k++) {
		size_t n = 1 + ID_SIZE + 4 + ID_SIZE + 4 + 8 + 8 + 8 + 1;
		uint8_t *p = seg_room(w, n);
		p = put1(p, SUB_INSTANCE);
		p = put8(p, w->thread_base + 8 * k);
		p = put4(p, k + 2);
		p = put8(p, c->id);
		p = put4(p, 8 + 8 + 8 + 1);
		p = put8(p, gs[k].goid);
		p = put8(p, gs[k].status);
		p = put8(p, gs[k].addr);
		put1(p, gs[k].is_system);
		w->st.threads++;
	}
}

static void pass_write(W *w)
{
	for (uint32_t i = 0; i < w->nobj && !w->oom && !w->out.err; i++) {
		if ((i & 0xfffff) == 0)
			progress(w, (uint64_t)w->nobj + i, 2ull * w->nobj);
		if (!included(w, i))
			continue;
		goheap_object o = goheap_dump_object(w->dp, i);
		const uint8_t *mem = goheap_dump_data(w->dp, o.contents_off);
		uint32_t li = w->obj_layout ? w->obj_layout[i] : object_layout(w, i, &o, mem);
		if (li == UINT32_MAX)
			break;
		const layout *L = &w->layouts.v[li];
		if (L->rep == REP_INSTANCE)
			write_instance(w, i, L, &o, mem);
		else if (L->rep == REP_PRIM)
			write_prim_array(w, L, &o, mem);
		else
			write_obj_array(w, i, L, &o, mem);
	}
}

/* ---- entry point ------------------------------------------------------------------- */

static void w_free(W *w)
{
	strmap_free(&w->str.map);
	VEC_FREE(w->str.off);
	VEC_FREE(w->str.bytes);
	VEC_FREE(w->classes);
	VEC_FREE(w->leaves);
	VEC_FREE(w->statics);
	VEC_FREE(w->refs);
	VEC_FREE(w->layouts);
	VEC_FREE(w->rows);
	strmap_free(&w->row_keys);
	strmap_free(&w->objarr_classes);
	free(w->lhash);
	free(w->obj_layout);
	free(w->has_ptr);
	free(w->func_class);
	free(w->frame_method);
	free(w->frame_file);
	free(w->frame_line);
	free(w->seg);
}

static void stub_classes(W *w)
{
	w->c_object = add_class(w, "java.lang.Object", true, 0, w->object_size);
	if (w->oom)
		return;
	uint64_t obj = w->classes.v[w->c_object].id;
	w->c_class = add_class(w, "java.lang.Class", true, obj, 0);
	add_class(w, "java.lang.ClassLoader", true, obj, 0);
	uint32_t ref = add_class(w, "java.lang.ref.Reference", true, obj, 0);
	if (w->oom)
		return;
	add_leaf(w, 0, "referent", J_OBJ, w->ptr);
	w->classes.v[ref].nleaves = 1;
	uint64_t refid = w->classes.v[ref].id;
	static const char *const refs[] = { "java.lang.ref.WeakReference", "java.lang.ref.SoftReference",
					    "java.lang.ref.FinalReference", "java.lang.ref.PhantomReference" };
	for (size_t k = 0; k < 4; k++)
		add_class(w, refs[k], true, refid, 0);
	static const struct { unsigned jt; const char *name; } prims[] = {
		{ J_BOOL, "[Z" }, { J_CHAR, "[C" }, { J_FLOAT, "[F" }, { J_DOUBLE, "[D" },
		{ J_BYTE, "[B" }, { J_SHORT, "[S" }, { J_INT, "[I" }, { J_LONG, "[J" },
	};
	for (size_t k = 0; k < sizeof prims / sizeof prims[0]; k++)
		w->c_prim[prims[k].jt] = add_class(w, prims[k].name, true, obj, 0);
	w->c_goroutine = add_class(w, "goroutine", true, obj, 0);
	if (w->oom)
		return;
	jclass *g = &w->classes.v[w->c_goroutine];
	g->first_leaf = (uint32_t)w->leaves.n;
	add_leaf(w, 0, "goid", J_LONG, 8);
	add_leaf(w, 0, "status", J_LONG, 8);
	add_leaf(w, 0, "g", J_LONG, 8);
	add_leaf(w, 0, "system", J_BOOL, 1);
	w->classes.v[w->c_goroutine].nleaves = 4;
	w->first_go_class = (uint32_t)w->classes.n;
}

int goheap_hprof_write(const char *path, const goheap_dump *dump, const goheap_binary *bin, int64_t bias,
		       const goheap_graph *g, const goheap_typing *t, const goheap_hprof_opts *opts,
		       goheap_hprof_stats *stats, goheap_hprof_row_fn rowfn, void *row_ctx, goheap_diag *d)
{
	diag_clear(d);
	goheap_hprof_opts defaults = GOHEAP_HPROF_OPTS_INIT;
	if (!opts)
		opts = &defaults;
	if (stats)
		memset(stats, 0, sizeof *stats);
	if (goheap_graph_object_count(g) != goheap_dump_object_count(dump))
		return diag_set(d, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "graph was not built from this dump");
	W *w = calloc(1, sizeof *w);
	if (!w)
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing hprof");
	w->dp = dump;
	w->bin = bin;
	w->bias = bias;
	w->g = g;
	w->t = t;
	w->opts = opts;
	w->d = d;
	w->last_layout = UINT32_MAX;
	w->ptr = goheap_dump_params(dump)->ptr_size;
	w->big_endian = goheap_dump_params(dump)->big_endian;
	w->object_size = ID_SIZE + w->ptr;
	w->array_header = w->object_size + 4;
	w->nobj = goheap_graph_object_count(g);
	w->addrs = goheap_dump_object_addrs(dump);
	goheap_graph_csr(g, &w->row, &w->edges);
	if (bin)
		goheap_binary_types(bin, &w->nbt);
	size_t nf = 0;
	w->fields = bin ? goheap_binary_fields(bin, &nf) : NULL;
	if (!nf)
		w->fields = NULL;
	w->has_ptr = calloc(goheap_typing_type_count(t) + 1, 1);
	/* 4 bytes an object spare the second pass every layout decision; without
	 * the memory, they are made again */
	w->obj_layout = malloc(((size_t)w->nobj + 1) * sizeof *w->obj_layout);
	w->seg = malloc(SEG_CAP);
	int rc = GOHEAP_OK;
	if (!w->has_ptr || !w->seg) {
		rc = oom(w);
		goto out;
	}
	/* Synthetic ids (classes, goroutines) lie above every object, 8-aligned. */
	uint64_t top = goheap_dump_params(dump)->heap_end;
	if (w->nobj) {
		goheap_object last = goheap_dump_object(dump, w->nobj - 1);
		if (last.addr + last.size > top)
			top = last.addr + last.size;
	}
	w->next_id = ((top + 0xfffff) & ~(uint64_t)0xfffff) + 0x100000;
	size_t ng;
	goheap_dump_goroutines(dump, &ng);
	w->thread_base = w->next_id;
	w->next_id += 8 * (uint64_t)ng + 8;

	holders hs = { 0 };
	stub_classes(w);
	if (!w->oom && collect_frames(w, &hs))
		w->oom = true;
	if (!w->oom)
		collect_statics(w, &hs);
	if (!w->oom)
		pass_layouts(w);
	if (w->oom) {
		rc = d && d->code ? d->code : oom(w);
		VEC_FREE(hs.v);
		strmap_free(&hs.by_pkg);
		goto out;
	}

	rc = outfile_open(&w->out, path, d);
	if (rc) {
		VEC_FREE(hs.v);
		strmap_free(&hs.by_pkg);
		goto out;
	}
	uint8_t hdr[19 + 4 + 8], *p = hdr;
	memcpy(p, "JAVA PROFILE 1.0.2", 19);
	p += 19;
	p = put4(p, ID_SIZE);
	uint64_t ts = opts->timestamp_ms;
	if (!ts) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		ts = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	}
	put8(p, ts);
	out(w, hdr, sizeof hdr);
	write_utf8(w);
	write_load_classes(w);
	write_traces(w);
	write_class_dumps(w);
	if (!w->oom && write_roots(w, &hs))
		w->oom = true;
	VEC_FREE(hs.v);
	strmap_free(&hs.by_pkg);
	if (!w->oom)
		write_threads(w);
	if (!w->oom)
		pass_write(w);
	if (!w->oom) {
		seg_flush(w);
		record(w, TAG_END, 0);
	}
	if (w->oom) {
		outfile_abort(&w->out);
		rc = d && d->code ? d->code : oom(w);
		goto out;
	}
	uint64_t written = w->out.written;
	rc = outfile_commit(&w->out, d);
	if (rc)
		goto out;
	progress(w, 2ull * w->nobj, 2ull * w->nobj);
	w->st.file_bytes = written;
	if (stats)
		*stats = w->st;
	if (rowfn)
		for (size_t k = 0; k < w->rows.n; k++) {
			const row *r = &w->rows.v[k];
			if (!r->instances)
				continue;
			goheap_hprof_class_row cr = { str_of(w, r->class_name), str_of(w, r->go_name), r->instances,
						      r->bytes };
			rowfn(row_ctx, &cr);
		}
out:
	w_free(w);
	free(w);
	return rc;
}
