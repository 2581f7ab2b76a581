/*
 * typing.c - propagate Go types from roots through the heap. See
 * include/goheap/typing.h for the contract.
 *
 * Work items are (object, type, offset in the object). An item at the
 * object's data offset (0, or 8 after a Go 1.22+ malloc header) types the
 * whole object; any other offset is an interior pointer, whose region is
 * scanned (so types flow on) without typing the object. Before a type is
 * used on an object, its pointer words are compared with the object's GC
 * pointer map over the bytes it covers; a mismatch refuses the type.
 *
 * Type layouts are walked with an explicit stack: structs push their
 * pointer-holding fields, arrays an iterator; leaves (pointers, strings,
 * slices, interfaces, maps, channels, funcs) produce work items.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goheap/typing.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/vec.h"

typedef struct work {
	uint32_t obj, type;
	uint64_t off;
	bool noscan_ok;          /* a runtime object the GC does not scan when it is pointer-free */
	bool weak;               /* an array count guessed from a malloc header's slot */
} work;

typedef struct walk_item {
	uint32_t type;
	uint64_t off, count, stride;
} walk_item;

typedef VEC(walk_item) walk_stack;

struct goheap_typing {
	const goheap_graph *g;
	const goheap_dump *dp;
	const goheap_binary *bin;
	int64_t bias;
	uint32_t nobj;
	unsigned ptr, go_minor;
	const goheap_btype *bt;
	size_t nbt;
	const goheap_field *fields;
	VEC(goheap_btype) made;
	VEC(char *) made_names;       /* owned names of made types */
	VEC(uint8_t) has_ptr;         /* per type id: 0 unknown, 1 no, 2 yes */
	strmap made_keys;             /* key -> made type id */
	uint32_t first_shape;         /* made ids from here on are shapes */
	uint32_t *type;               /* per object, while typing (and after, with 65535 types or more) */
	uint16_t *type16;             /* per object once typed, with fewer types: UINT16_MAX = none */
	uint8_t *weak;                /* per object bit: typed from a malloc header's element count guess */
	VEC(work) queue;
	strmap interior;              /* "obj:off:type" keys already scanned */
	strmap tiny;                  /* object -> element type of its interior typings */
	const goheap_itab *itabs;     /* sorted copy, by itab address */
	goheap_itab *itab_sorted;
	size_t nitabs;
	uint32_t t_uint8, t_ptr_table, t_maps_map;
	walk_stack stack;
	goheap_typing_stats stats;
	bool oom;
};

/* ---- type table ------------------------------------------------------------ */

static const goheap_btype *T(const goheap_typing *t, uint32_t id)
{
	return id < t->nbt ? &t->bt[id] : &t->made.v[id - t->nbt];
}

static size_t ntypes(const goheap_typing *t)
{
	return t->nbt + t->made.n;
}

static uint32_t add_made(goheap_typing *t, const char *key, size_t keylen, char *name, goheap_btype bt)
{
	uint32_t id = strmap_get(&t->made_keys, key, keylen);
	if (id != UINT32_MAX) {
		free(name);
		return id;
	}
	goheap_btype *slot = VEC_PUSH(t->made);
	char **nslot = slot ? VEC_PUSH(t->made_names) : NULL;
	if (!slot || !nslot || !name) {
		if (slot)
			t->made.n--;
		free(name);
		t->oom = true;
		return GOHEAP_NO_TYPE;
	}
	*nslot = name;
	bt.name = name;
	*slot = bt;
	id = (uint32_t)(t->nbt + t->made.n - 1);
	if (strmap_put(&t->made_keys, key, keylen, id))
		t->oom = true;
	return id;
}

/* A freshly allocated formatted string, or NULL. */
static char *dupf(const char *fmt, ...) GOHEAP_PRINTF(1, 2);
static char *dupf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (s) {
		va_start(ap, fmt);
		vsnprintf(s, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}
	return s;
}

/* The made type [count]elem. */
static uint32_t array_of(goheap_typing *t, uint32_t elem, uint64_t count)
{
	if (elem == GOHEAP_NO_TYPE || count == 0)
		return GOHEAP_NO_TYPE;
	const goheap_btype *e = T(t, elem);
	if (e->size && count > UINT64_MAX / e->size)
		return GOHEAP_NO_TYPE;
	/* Binary key: 'A', the element id, the count. */
	char key[13];
	key[0] = 'A';
	memcpy(key + 1, &elem, 4);
	memcpy(key + 5, &count, 8);
	int kl = (int)sizeof key;
	goheap_btype bt = { 0 };
	bt.size = e->size * count;
	bt.kind = GOHEAP_T_ARRAY;
	bt.elem = elem;
	bt.key = GOHEAP_NO_TYPE;
	bt.count = count;
	return add_made(t, key, (size_t)kl, dupf("[%llu]%s", (unsigned long long)count, e->name ? e->name : "?"), bt);
}

static uint32_t by_name(const goheap_typing *t, const char *name)
{
	return t->bin ? goheap_binary_type_by_name(t->bin, name) : GOHEAP_NO_TYPE;
}

/* A binary type by "prefix" + a + "sep" + b + "suffix" (map and chan internals). */
static uint32_t by_name4(const goheap_typing *t, const char *pre, const char *a, const char *mid,
			 const char *b, const char *post)
{
	char buf[1024];
	int n = snprintf(buf, sizeof buf, "%s%s%s%s%s", pre, a ? a : "", mid, b ? b : "", post);
	if (n < 0 || (size_t)n >= sizeof buf)
		return GOHEAP_NO_TYPE;
	return by_name(t, buf);
}

static bool has_pointers(goheap_typing *t, uint32_t id, unsigned depth)
{
	if (id == GOHEAP_NO_TYPE)
		return false;
	while (t->has_ptr.n < ntypes(t)) {
		uint8_t *m = VEC_PUSH(t->has_ptr);
		if (!m) {
			t->oom = true;
			return false;
		}
		*m = 0;
	}
	if (t->has_ptr.v[id])
		return t->has_ptr.v[id] == 2;
	const goheap_btype *b = T(t, id);
	bool yes = false;
	switch (b->kind) {
	case GOHEAP_T_PTR: case GOHEAP_T_FUNC: case GOHEAP_T_STRING: case GOHEAP_T_SLICE:
	case GOHEAP_T_EFACE: case GOHEAP_T_IFACE: case GOHEAP_T_MAP: case GOHEAP_T_CHAN:
		yes = true;
		break;
	case GOHEAP_T_ARRAY:
		yes = b->count && depth < 64 && has_pointers(t, b->elem, depth + 1);
		break;
	case GOHEAP_T_STRUCT:
		for (uint32_t k = 0; k < b->nfields && !yes && depth < 64; k++)
			yes = has_pointers(t, t->fields[b->first_field + k].type, depth + 1);
		break;
	default:
		break;
	}
	t->has_ptr.v[id] = yes ? 2 : 1;
	return yes;
}

/* Go's isdirectiface: pointer-shaped types live in the interface word. */
static bool is_direct(const goheap_typing *t, uint32_t id, unsigned depth)
{
	const goheap_btype *b = T(t, id);
	if (depth > 16)
		return false;
	switch (b->kind) {
	case GOHEAP_T_PTR: case GOHEAP_T_MAP: case GOHEAP_T_CHAN: case GOHEAP_T_FUNC:
		return true;
	case GOHEAP_T_ARRAY:
		return b->count == 1 && is_direct(t, b->elem, depth + 1);
	case GOHEAP_T_STRUCT:
		return b->nfields == 1 && is_direct(t, t->fields[b->first_field].type, depth + 1);
	default:
		return false;
	}
}

/* ---- walking a type's layout ------------------------------------------------ */

typedef int (*leaf_fn)(goheap_typing *t, uint32_t type, uint64_t off, void *ctx);

/*
 * Call fn for every pointer-holding leaf of a value of `type` at offset
 * base, in increasing offset order, within [0, limit).
 */
static int walk(goheap_typing *t, uint32_t type, uint64_t base, uint64_t limit, leaf_fn fn, void *ctx)
{
	walk_stack st = { 0 };
	walk_item *it = VEC_PUSH(st);
	int rc = 0;
	if (!it) {
		t->oom = true;
		return -1;
	}
	*it = (walk_item){ type, base, 1, 0 };
	while (st.n && !rc) {
		walk_item *top = &st.v[st.n - 1];
		if (top->count == 0) {
			st.n--;
			continue;
		}
		uint32_t ty = top->type;
		uint64_t off = top->off;
		top->off += top->stride;
		top->count--;
		const goheap_btype *b = T(t, ty);
		if (off > limit || b->size > limit - off)
			continue;
		switch (b->kind) {
		case GOHEAP_T_STRUCT:
			if (!has_pointers(t, ty, 0))
				break;
			for (uint32_t k = b->nfields; k-- > 0;) {
				const goheap_field *f = &t->fields[b->first_field + k];
				if (!has_pointers(t, f->type, 0))
					continue;
				walk_item *c = VEC_PUSH(st);
				if (!c) {
					t->oom = true;
					rc = -1;
					break;
				}
				*c = (walk_item){ f->type, off + f->offset, 1, 0 };
			}
			break;
		case GOHEAP_T_ARRAY: {
			const goheap_btype *e = T(t, b->elem);
			if (!b->count || !e->size || !has_pointers(t, b->elem, 0))
				break;
			walk_item *c = VEC_PUSH(st);
			if (!c) {
				t->oom = true;
				rc = -1;
				break;
			}
			*c = (walk_item){ b->elem, off, b->count, e->size };
			break;
		}
		case GOHEAP_T_PTR: case GOHEAP_T_FUNC: case GOHEAP_T_STRING: case GOHEAP_T_SLICE:
		case GOHEAP_T_EFACE: case GOHEAP_T_IFACE: case GOHEAP_T_MAP: case GOHEAP_T_CHAN:
			rc = fn(t, ty, off, ctx);
			break;
		default:
			break;
		}
	}
	VEC_FREE(st);
	return rc;
}

/* ---- does a type fit an object's pointer map? ------------------------------- */

typedef struct fit {
	goheap_fields it;
	bool have;
	uint64_t next;
	bool ok;
	const uint8_t *mem;   /* the object's bytes */
} fit;

static void fit_advance(fit *f)
{
	f->have = goheap_fields_next(&f->it, &f->next);
}

static uint32_t find_obj(const goheap_typing *t, uint64_t a);

static int fit_leaf(goheap_typing *t, uint32_t type, uint64_t off, void *ctx)
{
	fit *f = ctx;
	goheap_tkind k = T(t, type)->kind;
	uint64_t word = off + (k == GOHEAP_T_EFACE || k == GOHEAP_T_IFACE ? t->ptr : 0);
	if (f->have && f->next == word) {
		fit_advance(f);
		return 0;
	}
	/*
	 * A pointer the GC map does not list: legal only for pointers to
	 * not-in-heap types (runtime.mcache, ...), which DWARF cannot tell
	 * apart; so accept it when the word does not point into the heap.
	 */
	if (k == GOHEAP_T_PTR && (!f->have || f->next > word)) {
		uint64_t v = goheap_dump_read_word(t->dp, f->mem + off);
		if (!v || find_obj(t, v) == UINT32_MAX)
			return 0;
	}
	f->ok = false;
	return 1;
}

/* Do the pointer words of `type` at off match obj's pointer map on [off, off+size)? */
static bool fits(goheap_typing *t, const goheap_object *o, uint32_t type, uint64_t off)
{
	uint64_t size = T(t, type)->size;
	if (off > o->size || size > o->size - off)
		return false;
	fit f = { goheap_object_fields(t->dp, o), false, 0, true, goheap_dump_data(t->dp, o->contents_off) };
	fit_advance(&f);
	while (f.have && f.next < off)
		fit_advance(&f);
	if (walk(t, type, off, o->size, fit_leaf, &f) < 0)
		return false;
	return f.ok && (!f.have || f.next >= off + size);
}

/* ---- producing work ---------------------------------------------------------- */

static uint32_t find_obj(const goheap_typing *t, uint64_t a)
{
	return goheap_graph_find_object(t->g, a);
}

static void enqueue_work(goheap_typing *t, uint64_t addr, uint32_t type, bool noscan_ok, bool weak)
{
	if (type == GOHEAP_NO_TYPE || !T(t, type)->size)
		return;
	uint32_t obj = find_obj(t, addr);
	if (obj == UINT32_MAX)
		return;
	work *w = VEC_PUSH(t->queue);
	if (!w) {
		t->oom = true;
		return;
	}
	*w = (work){ obj, type, addr - goheap_dump_object(t->dp, obj).addr, noscan_ok, weak };
}

static void enqueue(goheap_typing *t, uint64_t addr, uint32_t type)
{
	enqueue_work(t, addr, type, false, false);
}

/* Read a word of an object at an address, if the address is inside one. */
static bool read_heap_word(const goheap_typing *t, uint64_t a, uint64_t *out)
{
	uint32_t obj = find_obj(t, a);
	if (obj == UINT32_MAX)
		return false;
	goheap_object o = goheap_dump_object(t->dp, obj);
	if (a - o.addr > o.size - t->ptr)
		return false;
	*out = goheap_dump_read_word(t->dp, goheap_dump_data(t->dp, o.contents_off) + (a - o.addr));
	return true;
}

/* Offset of a named field of a binary struct type, or UINT64_MAX. */
static uint64_t field_off(const goheap_typing *t, uint32_t type, const char *name, uint32_t *ftype)
{
	if (type == GOHEAP_NO_TYPE)
		return UINT64_MAX;
	const goheap_btype *b = T(t, type);
	for (uint32_t k = 0; k < b->nfields; k++) {
		const goheap_field *f = &t->fields[b->first_field + k];
		if (f->name && strcmp(f->name, name) == 0) {
			if (ftype)
				*ftype = f->type;
			return f->offset;
		}
	}
	return UINT64_MAX;
}

static uint64_t heap_field(const goheap_typing *t, uint64_t base, uint32_t type, const char *name, unsigned size)
{
	uint64_t off = field_off(t, type, name, NULL), w = 0;
	if (off == UINT64_MAX || !read_heap_word(t, base + off, &w))
		return 0;
	if (size == 1)
		w = t->dp && goheap_dump_params(t->dp)->big_endian ? w >> (8 * (t->ptr - 1)) : w & 0xff;
	return w;
}

/*
 * Buckets in a classic map's bucket array: 2^B, and from B = 4 on the
 * overflow buckets makeBucketArray allocates behind them, as many as the
 * rounded-up allocation holds.
 */
static uint64_t bucket_count(const goheap_typing *t, uint64_t array, uint32_t bucket, uint64_t B)
{
	uint64_t n = (uint64_t)1 << B, size = T(t, bucket)->size;
	uint32_t obj = find_obj(t, array);
	if (B < 4 || obj == UINT32_MAX || !size)
		return n;
	goheap_object o = goheap_dump_object(t->dp, obj);
	uint64_t room = (o.size - (array - o.addr)) / size;
	return room > n ? room : n;
}

/* A classic map (Go <= 1.23): hash<K,V> with 2^B buckets. */
static void classic_map(goheap_typing *t, const goheap_btype *m, uint64_t hmap)
{
	const char *k = T(t, m->key)->name, *v = T(t, m->elem)->name;
	uint32_t hash = by_name4(t, "hash<", k, ",", v, ">");
	uint32_t bucket = by_name4(t, "bucket<", k, ",", v, ">");
	enqueue(t, hmap, hash);
	if (hash == GOHEAP_NO_TYPE || bucket == GOHEAP_NO_TYPE)
		return;
	uint64_t B = heap_field(t, hmap, hash, "B", 1);
	if (B > 40)
		return;
	uint64_t buckets = heap_field(t, hmap, hash, "buckets", 0);
	uint64_t old = heap_field(t, hmap, hash, "oldbuckets", 0);
	if (buckets)
		enqueue(t, buckets, array_of(t, bucket, bucket_count(t, buckets, bucket, B)));
	if (old && B > 0)
		enqueue(t, old, array_of(t, bucket, bucket_count(t, old, bucket, B - 1)));
}

/* A swiss map (Go 1.24+): maps.Map -> one group, or a directory of tables. */
static void swiss_map(goheap_typing *t, const goheap_btype *m, uint64_t mp)
{
	const char *k = T(t, m->key)->name, *v = T(t, m->elem)->name;
	uint32_t group = by_name4(t, "noalg.map.group[", k, "]", v, "");
	uint32_t mtype = t->t_maps_map;
	enqueue(t, mp, mtype);
	if (group == GOHEAP_NO_TYPE || mtype == GOHEAP_NO_TYPE)
		return;
	uint64_t dir = heap_field(t, mp, mtype, "dirPtr", 0);
	uint64_t dirlen = heap_field(t, mp, mtype, "dirLen", 0);
	if (!dir)
		return;
	if (dirlen == 0) {
		enqueue(t, dir, group);
		return;
	}
	if (dirlen > (1u << 24) || t->t_ptr_table == GOHEAP_NO_TYPE)
		return;
	enqueue(t, dir, array_of(t, t->t_ptr_table, dirlen));
	uint32_t table = T(t, t->t_ptr_table)->elem;
	uint32_t gref;
	uint64_t groups = field_off(t, table, "groups", &gref);
	if (groups == UINT64_MAX)
		return;
	uint64_t data_off = field_off(t, gref, "data", NULL), mask_off = field_off(t, gref, "lengthMask", NULL);
	if (data_off == UINT64_MAX || mask_off == UINT64_MAX)
		return;
	uint64_t prev = 0;
	for (uint64_t i = 0; i < dirlen; i++) {
		uint64_t tab, data, mask;
		if (!read_heap_word(t, dir + i * t->ptr, &tab) || tab == prev)
			continue;
		prev = tab; /* consecutive directory entries share a table */
		if (read_heap_word(t, tab + groups + data_off, &data) &&
		    read_heap_word(t, tab + groups + mask_off, &mask) && data && mask < (1u << 24))
			enqueue(t, data, array_of(t, group, mask + 1));
	}
}

/* A channel: hchan<T> and its buffer of dataqsiz elements. */
static void chan(goheap_typing *t, const goheap_btype *c, uint64_t hc)
{
	uint32_t ht = by_name4(t, "hchan<", T(t, c->elem)->name, ">", "", "");
	/* makechan allocates hchan and buffer as one noscan object when the
	 * element type has no pointers. */
	enqueue_work(t, hc, ht, !has_pointers(t, c->elem, 0), false);
	if (ht == GOHEAP_NO_TYPE)
		return;
	uint64_t buf = heap_field(t, hc, ht, "buf", 0), n = heap_field(t, hc, ht, "dataqsiz", 0);
	if (buf && n && n < (1u << 30))
		enqueue(t, buf, array_of(t, c->elem, n));
}

/* A func value: a closure object, named after its code. */
static void closure(goheap_typing *t, uint64_t fv)
{
	uint32_t obj = find_obj(t, fv);
	uint64_t pc;
	if (obj == UINT32_MAX || !t->bin || !read_heap_word(t, fv, &pc))
		return;
	const char *fn = goheap_binary_func_symbol(t->bin, pc - (uint64_t)t->bias);
	if (!fn)
		return;
	goheap_object o = goheap_dump_object(t->dp, obj);
	if (fv != o.addr)
		return;
	char key[512];
	int kl = snprintf(key, sizeof key, "C%s", fn);
	if (kl < 0 || (size_t)kl >= sizeof key)
		return;
	goheap_btype bt = { 0 };
	bt.size = t->ptr;
	bt.kind = GOHEAP_T_OTHER;
	bt.elem = bt.key = GOHEAP_NO_TYPE;
	uint32_t id = add_made(t, key, (size_t)kl, dupf("closure %s", fn), bt);
	if (id != GOHEAP_NO_TYPE && t->type[obj] == GOHEAP_NO_TYPE)
		t->type[obj] = id;
}

typedef struct scan_ctx {
	const uint8_t *mem;   /* bytes of the scanned block */
	uint64_t len;
} scan_ctx;

static uint32_t itab_type(const goheap_typing *t, uint64_t tab)
{
	size_t lo = 0, hi = t->nitabs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->itab_sorted[mid].addr < tab)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->nitabs && t->itab_sorted[lo].addr == tab)
		return goheap_binary_type_by_rtype(t->bin, t->itab_sorted[lo].type - (uint64_t)t->bias);
	/* A static itab in .rodata: its type word follows the interface word. */
	uint8_t buf[8];
	if (goheap_binary_read(t->bin, tab - (uint64_t)t->bias + t->ptr, buf, t->ptr) != GOHEAP_OK)
		return GOHEAP_NO_TYPE;
	uint64_t w = goheap_dump_read_word(t->dp, buf);
	return goheap_binary_type_by_rtype(t->bin, w);
}

static int scan_leaf(goheap_typing *t, uint32_t type, uint64_t off, void *ctx);

/* An interface holding a value of type dyn, whose data word is at mem+off. */
static void iface_value(goheap_typing *t, uint32_t dyn, const scan_ctx *s, uint64_t off)
{
	if (dyn == GOHEAP_NO_TYPE)
		return;
	if (is_direct(t, dyn, 0)) {
		/* The word is the value itself: scan it as one. */
		scan_ctx one = { s->mem + off, t->ptr };
		walk(t, dyn, 0, t->ptr, scan_leaf, &one);
		return;
	}
	enqueue(t, goheap_dump_read_word(t->dp, s->mem + off), dyn);
}

static int scan_leaf(goheap_typing *t, uint32_t type, uint64_t off, void *ctx)
{
	const scan_ctx *s = ctx;
	const goheap_btype *b = T(t, type);
	unsigned p = t->ptr;
	if (off > s->len || b->size > s->len - off)
		return 0;
	uint64_t w = goheap_dump_read_word(t->dp, s->mem + off);
	switch (b->kind) {
	case GOHEAP_T_PTR:
		if (w)
			enqueue(t, w, b->elem);
		break;
	case GOHEAP_T_STRING: {
		uint64_t n = goheap_dump_read_word(t->dp, s->mem + off + p);
		if (w && n && t->t_uint8 != GOHEAP_NO_TYPE)
			enqueue(t, w, array_of(t, t->t_uint8, n));
		break;
	}
	case GOHEAP_T_SLICE: {
		uint64_t cap = goheap_dump_read_word(t->dp, s->mem + off + 2 * p);
		if (w && cap)
			enqueue(t, w, array_of(t, b->elem, cap));
		break;
	}
	case GOHEAP_T_EFACE: {
		uint64_t data = goheap_dump_read_word(t->dp, s->mem + off + p);
		if (w && data && t->bin)
			iface_value(t, goheap_binary_type_by_rtype(t->bin, w - (uint64_t)t->bias), s, off + p);
		break;
	}
	case GOHEAP_T_IFACE: {
		uint64_t data = goheap_dump_read_word(t->dp, s->mem + off + p);
		if (w && data && t->bin)
			iface_value(t, itab_type(t, w), s, off + p);
		break;
	}
	case GOHEAP_T_MAP:
		if (w) {
			if (t->go_minor >= 24)
				swiss_map(t, b, w);
			else
				classic_map(t, b, w);
		}
		break;
	case GOHEAP_T_CHAN:
		if (w)
			chan(t, b, w);
		break;
	case GOHEAP_T_FUNC:
		if (w)
			closure(t, w);
		break;
	default:
		break;
	}
	return 0;
}

static void scan(goheap_typing *t, const uint8_t *mem, uint64_t len, uint32_t type, uint64_t off)
{
	scan_ctx s = { mem, len };
	walk(t, type, off, len, scan_leaf, &s);
}

/* ---- the work loop ---------------------------------------------------------- */

static uint64_t data_offset(const goheap_typing *t, const goheap_object *o)
{
	uint64_t header_min = (uint64_t)t->ptr * t->ptr * 8;
	if (t->go_minor < 22 || o->size <= header_min || o->size > 32768)
		return 0;
	goheap_fields it = goheap_object_fields(t->dp, o);
	uint64_t off;
	return goheap_fields_next(&it, &off) ? 8 : 0;
}

static bool object_has_pointers(const goheap_typing *t, const goheap_object *o)
{
	goheap_fields it = goheap_object_fields(t->dp, o);
	uint64_t off;
	return goheap_fields_next(&it, &off);
}

/*
 * An interior typing of a pointer-free object: remember its element type,
 * so a tiny-allocator block (several small values packed in 16 bytes) that
 * only ever gets interior pointers of one element type is typed by it.
 */
static void note_tiny(goheap_typing *t, uint32_t obj, const goheap_object *o, uint32_t type)
{
	if (o->size > 16 || object_has_pointers(t, o) || has_pointers(t, type, 0))
		return;
	const goheap_btype *b = T(t, type);
	uint32_t elem = b->kind == GOHEAP_T_ARRAY ? b->elem : type;
	char key[32];
	int kl = snprintf(key, sizeof key, "%u", obj);
	uint32_t cur = strmap_get(&t->tiny, key, (size_t)kl);
	if (cur == elem || cur == UINT32_MAX - 1)
		return;
	if (strmap_put(&t->tiny, key, (size_t)kl, cur == UINT32_MAX ? elem : UINT32_MAX - 1))
		t->oom = true;
}

static void process(goheap_typing *t, work w)
{
	goheap_object o = goheap_dump_object(t->dp, w.obj);
	uint64_t base = data_offset(t, &o);
	const uint8_t *mem = goheap_dump_data(t->dp, o.contents_off);
	if (w.off == base) {
		uint32_t cur = t->type[w.obj];
		bool weak = t->weak[w.obj / 8] >> (w.obj % 8) & 1;
		/*
		 * A larger type wins; so does any type over a malloc-header guess
		 * (the header names the element type, the slot size only bounds
		 * the count: a slice's cap says it exactly).
		 */
		if (cur == w.type || (cur != GOHEAP_NO_TYPE && !weak && T(t, w.type)->size <= T(t, cur)->size))
			return;
		if (!(w.noscan_ok && !object_has_pointers(t, &o)) && !fits(t, &o, w.type, w.off)) {
			t->stats.rejected++;
			return;
		}
		t->type[w.obj] = w.type;
		if (w.weak)
			t->weak[w.obj / 8] |= (uint8_t)(1u << (w.obj % 8));
		else
			t->weak[w.obj / 8] &= (uint8_t)~(1u << (w.obj % 8));
		scan(t, mem, o.size, w.type, w.off);
		return;
	}
	if (t->type[w.obj] != GOHEAP_NO_TYPE)
		return;
	note_tiny(t, w.obj, &o, w.type);
	char key[16];
	memcpy(key, &w.obj, 4);
	memcpy(key + 4, &w.off, 8);
	memcpy(key + 12, &w.type, 4);
	int kl = (int)sizeof key;
	if (strmap_get(&t->interior, key, (size_t)kl) != UINT32_MAX)
		return;
	if (strmap_put(&t->interior, key, (size_t)kl, 1)) {
		t->oom = true;
		return;
	}
	if (fits(t, &o, w.type, w.off))
		scan(t, mem, o.size, w.type, w.off);
	else
		t->stats.rejected++;
}

static void drain(goheap_typing *t)
{
	while (t->queue.n && !t->oom) {
		work w = t->queue.v[--t->queue.n];
		process(t, w);
	}
}

/* ---- seeds ------------------------------------------------------------------- */

static void seed_headers(goheap_typing *t)
{
	for (uint32_t i = 0; i < t->nobj && !t->oom; i++) {
		goheap_object o = goheap_dump_object(t->dp, i);
		if (data_offset(t, &o) != 8)
			continue;
		uint64_t rt = goheap_dump_read_word(t->dp, goheap_dump_data(t->dp, o.contents_off));
		uint32_t ty = goheap_binary_type_by_rtype(t->bin, rt - (uint64_t)t->bias);
		if (ty == GOHEAP_NO_TYPE || !T(t, ty)->size)
			continue;
		uint64_t n = (o.size - 8) / T(t, ty)->size;
		if (n >= 2)
			ty = array_of(t, ty, n);
		enqueue_work(t, o.addr + 8, ty, false, n >= 2);
		drain(t);
	}
}

/*
 * A frame variable DWARF splits into pieces (Go does so for slices and
 * strings in registers-ABI code: the data pointer in one stack slot, the
 * length in another). Only the piece holding the data pointer is typed
 * here: a pointer's target by its element type, a slice's array as
 * [n]elem with n from the object's slot (a guess, as for a malloc header,
 * that a slice header seen elsewhere with its cap overrides).
 */
static void seed_split_var(goheap_typing *t, const goheap_root *r)
{
	size_t nv;
	const goheap_var *vars = goheap_binary_vars(t->bin, &nv);
	if (r->kind != GOHEAP_ROOT_FRAME_VAR || r->var >= nv || r->var_offset != 0 || r->size < t->ptr ||
	    vars[r->var].type >= ntypes(t))
		return;
	const goheap_btype *vt = T(t, vars[r->var].type);
	uint64_t p = goheap_dump_read_word(t->dp, r->mem);
	uint32_t obj = p ? find_obj(t, p) : UINT32_MAX;
	if (obj == UINT32_MAX || vt->elem == GOHEAP_NO_TYPE)
		return;
	if (vt->kind == GOHEAP_T_PTR) {
		enqueue(t, p, vt->elem);
	} else if (vt->kind == GOHEAP_T_SLICE && T(t, vt->elem)->size) {
		goheap_object o = goheap_dump_object(t->dp, obj);
		uint64_t n = (o.addr + o.size - p) / T(t, vt->elem)->size;
		if (n >= 1)
			enqueue_work(t, p, n >= 2 ? array_of(t, vt->elem, n) : vt->elem, false, true);
	}
}

static void seed_roots(goheap_typing *t)
{
	size_t n;
	const goheap_root *r = goheap_graph_roots(t->g, &n);
	for (size_t i = 0; i < n && !t->oom; i++) {
		if (!r[i].mem)
			continue;
		if (r[i].type != GOHEAP_NO_TYPE)
			scan(t, r[i].mem, r[i].size, r[i].type, 0);
		else
			seed_split_var(t, &r[i]);
		drain(t);
	}
	const goheap_finalizer *fz = goheap_dump_finalizers(t->dp, &n);
	for (size_t i = 0; i < n && !t->oom; i++) {
		uint32_t pt = goheap_binary_type_by_rtype(t->bin, fz[i].ot - (uint64_t)t->bias);
		if (pt != GOHEAP_NO_TYPE && T(t, pt)->kind == GOHEAP_T_PTR)
			enqueue(t, fz[i].obj, T(t, pt)->elem);
		drain(t);
	}
	const goheap_panic *pa = goheap_dump_panics(t->dp, &n);
	for (size_t i = 0; i < n && !t->oom; i++) {
		uint8_t word[8];
		uint64_t v = pa[i].arg_data;
		for (unsigned k = 0; k < t->ptr; k++) {
			unsigned shift = goheap_dump_params(t->dp)->big_endian ? 8 * (t->ptr - 1 - k) : 8 * k;
			word[k] = (uint8_t)(v >> shift);
		}
		scan_ctx s = { word, t->ptr };
		if (pa[i].arg_type && pa[i].arg_data)
			iface_value(t, goheap_binary_type_by_rtype(t->bin, pa[i].arg_type - (uint64_t)t->bias), &s, 0);
		drain(t);
	}
}

/* ---- tiny blocks ------------------------------------------------------------------ */

static void type_tiny_blocks(goheap_typing *t)
{
	for (size_t k = 0; k < t->tiny.cap && !t->oom; k++) {
		const struct strmap_slot *sl = &t->tiny.slots[k];
		if (sl->value == UINT32_MAX || sl->value == UINT32_MAX - 1)
			continue;
		uint32_t obj = (uint32_t)strtoul(t->tiny.keys + sl->key_off, NULL, 10);
		const goheap_btype *e = T(t, sl->value);
		if (t->type[obj] != GOHEAP_NO_TYPE || !e->size)
			continue;
		goheap_object o = goheap_dump_object(t->dp, obj);
		t->type[obj] = array_of(t, sl->value, o.size / e->size ? o.size / e->size : 1);
	}
}

/* ---- shapes of untyped objects ------------------------------------------------ */

static void name_shapes(goheap_typing *t)
{
	t->first_shape = (uint32_t)ntypes(t);
	for (uint32_t i = 0; i < t->nobj && !t->oom; i++) {
		if (t->type[i] != GOHEAP_NO_TYPE)
			continue;
		goheap_object o = goheap_dump_object(t->dp, i);
		goheap_fields it = goheap_object_fields(t->dp, &o);
		uint64_t off, offs[4];
		unsigned np = 0;
		uint64_t h = 0;
		while (goheap_fields_next(&it, &off)) {
			if (np < 4)
				offs[np] = off;
			np++;
			h = h * 1000003u ^ off;
		}
		char name[160];
		int len;
		if (np == 0)
			len = snprintf(name, sizeof name, "untyped %llu B, no pointers", (unsigned long long)o.size);
		else if (np <= 4) {
			len = snprintf(name, sizeof name, "untyped %llu B, pointers at", (unsigned long long)o.size);
			for (unsigned k = 0; k < np && len > 0 && (size_t)len < sizeof name; k++)
				len += snprintf(name + len, sizeof name - (size_t)len, "%s%llu", k ? "," : " ",
						(unsigned long long)offs[k]);
		} else {
			len = snprintf(name, sizeof name, "untyped %llu B, %u pointers #%08llx", (unsigned long long)o.size,
				       np, (unsigned long long)(hash_bytes(&h, sizeof h) & 0xffffffffu));
		}
		if (len < 0 || (size_t)len >= sizeof name)
			continue;
		char key[200];
		int kl = snprintf(key, sizeof key, "S%s", name);
		goheap_btype bt = { 0 };
		bt.size = o.size;
		bt.kind = GOHEAP_T_OTHER;
		bt.elem = bt.key = GOHEAP_NO_TYPE;
		t->type[i] = add_made(t, key, (size_t)kl, dupf("%s", name), bt);
	}
}

/* ---- run / free / accessors ----------------------------------------------------- */

static int cmp_itab(const void *a, const void *b)
{
	const goheap_itab *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int goheap_typing_run(goheap_typing **out, const goheap_graph *g, const goheap_dump *dp,
		      const goheap_binary *bin, int64_t bias, goheap_diag *d)
{
	*out = NULL;
	diag_clear(d);
	goheap_typing *t = calloc(1, sizeof *t);
	if (!t)
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	t->g = g;
	t->dp = dp;
	t->bias = bias;
	t->nobj = goheap_graph_object_count(g);
	t->ptr = goheap_dump_params(dp)->ptr_size;
	unsigned major;
	goheap_dump_go_version(dp, &major, &t->go_minor);
	size_t nf = 0;
	if (bin) {
		t->bt = goheap_binary_types(bin, &t->nbt);
		t->fields = goheap_binary_fields(bin, &nf);
		if (t->nbt)
			t->bin = bin;
	}
	t->type = malloc(((size_t)t->nobj + 1) * sizeof *t->type);
	if (!t->type) {
		free(t);
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	}
	for (uint32_t i = 0; i < t->nobj; i++)
		t->type[i] = GOHEAP_NO_TYPE;
	t->weak = calloc(t->nobj / 8 + 1, 1);
	if (!t->weak) {
		free(t->type);
		free(t);
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	}
	if (t->bin) {
		t->t_uint8 = by_name(t, "uint8");
		t->t_maps_map = by_name(t, "internal/runtime/maps.Map");
		t->t_ptr_table = by_name(t, "*internal/runtime/maps.table");
		const goheap_itab *it = goheap_dump_itabs(dp, &t->nitabs);
		t->itab_sorted = malloc((t->nitabs + 1) * sizeof *t->itab_sorted);
		if (!t->itab_sorted)
			t->oom = true;
		else if (t->nitabs) {
			memcpy(t->itab_sorted, it, t->nitabs * sizeof *it);
			qsort(t->itab_sorted, t->nitabs, sizeof *it, cmp_itab);
		}
		if (!t->oom)
			seed_headers(t);
		if (!t->oom)
			seed_roots(t);
	}
	if (!t->oom)
		type_tiny_blocks(t);
	if (!t->oom)
		name_shapes(t);
	if (t->oom) {
		goheap_typing_free(t);
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory while typing");
	}
	strmap_free(&t->interior);
	strmap_free(&t->tiny);
	VEC_FREE(t->queue);
	for (uint32_t i = 0; i < t->nobj; i++) {
		if (!goheap_graph_reachable(g, i))
			continue;
		uint64_t size = goheap_dump_object(dp, i).size;
		t->stats.live_count++;
		t->stats.live_bytes += size;
		if (t->type[i] < t->first_shape) {
			t->stats.typed_count++;
			t->stats.typed_bytes += size;
		}
	}
	/* Keep only what the accessors read: 2 bytes an object when the type
	 * ids fit (they nearly always do), no malloc-header guess bits. */
	free(t->weak);
	t->weak = NULL;
	if (ntypes(t) < UINT16_MAX) {
		uint16_t *t16 = malloc(((size_t)t->nobj + 1) * sizeof *t16);
		if (t16) {
			for (uint32_t i = 0; i < t->nobj; i++)
				t16[i] = t->type[i] == GOHEAP_NO_TYPE ? UINT16_MAX : (uint16_t)t->type[i];
			free(t->type);
			t->type = NULL;
			t->type16 = t16;
		}
	}
	*out = t;
	return GOHEAP_OK;
}

void goheap_typing_free(goheap_typing *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->made_names.n; i++)
		free(t->made_names.v[i]);
	VEC_FREE(t->made_names);
	VEC_FREE(t->made);
	VEC_FREE(t->has_ptr);
	VEC_FREE(t->queue);
	strmap_free(&t->made_keys);
	strmap_free(&t->interior);
	strmap_free(&t->tiny);
	free(t->itab_sorted);
	free(t->weak);
	free(t->type);
	free(t->type16);
	free(t);
}

uint32_t goheap_typing_object_type(const goheap_typing *t, uint32_t obj)
{
	if (t->type16)
		return t->type16[obj] == UINT16_MAX ? GOHEAP_NO_TYPE : t->type16[obj];
	return t->type[obj];
}

bool goheap_typing_is_typed(const goheap_typing *t, uint32_t obj)
{
	return goheap_typing_object_type(t, obj) < t->first_shape;
}
const goheap_btype *goheap_typing_type(const goheap_typing *t, uint32_t id) { return T(t, id); }
size_t goheap_typing_type_count(const goheap_typing *t) { return ntypes(t); }
const goheap_typing_stats *goheap_typing_get_stats(const goheap_typing *t) { return &t->stats; }

uint32_t goheap_typing_data_offset(const goheap_typing *t, uint32_t obj)
{
	goheap_object o = goheap_dump_object(t->dp, obj);
	return (uint32_t)data_offset(t, &o);
}

/* ---- field paths ------------------------------------------------------------- */

/* Whether a struct type is a map's storage: a classic bucket, a swiss group or slot. */
static bool is_map_storage(const char *name)
{
	return name && (strncmp(name, "bucket<", 7) == 0 || strncmp(name, "noalg.map.group[", 16) == 0 ||
			strncmp(name, "noalg.map.slot[", 15) == 0);
}

size_t goheap_typing_field_path(const goheap_typing *t, uint32_t type, uint64_t off, char *buf, size_t len)
{
	size_t w = 0;
	bool in_map = false;
#define PUT(...)                                                                            \
	do {                                                                                \
		int n_ = snprintf(buf + (w < len ? w : len), w < len ? len - w : 0, __VA_ARGS__); \
		if (n_ > 0)                                                                 \
			w += (size_t)n_;                                                    \
	} while (0)
	if (len)
		buf[0] = '\0';
	for (int depth = 0; depth < 64 && type < ntypes(t); depth++) {
		const goheap_btype *ty = T(t, type);
		if (ty->kind == GOHEAP_T_STRUCT && t->fields) {
			in_map = in_map || is_map_storage(ty->name);
			const goheap_field *hit = NULL;
			for (uint32_t k = 0; k < ty->nfields; k++) {
				const goheap_field *f = &t->fields[ty->first_field + k];
				uint64_t fs = f->type < ntypes(t) ? T(t, f->type)->size : 0;
				if (off >= f->offset && off - f->offset < fs)
					hit = f;
			}
			if (!hit)
				break;
			const char *name = hit->name ? hit->name : "?";
			if (in_map && (strcmp(name, "keys") == 0 || strcmp(name, "key") == 0))
				PUT("%smap key", w ? " " : "");
			else if (in_map && (strcmp(name, "elems") == 0 || strcmp(name, "elem") == 0 ||
					strcmp(name, "values") == 0))
				PUT("%smap value", w ? " " : "");
			else if (!(in_map && strcmp(name, "slots") == 0))
				PUT(".%s", name);
			off -= hit->offset;
			type = hit->type;
		} else if (ty->kind == GOHEAP_T_ARRAY && ty->elem < ntypes(t) && T(t, ty->elem)->size) {
			uint64_t es = T(t, ty->elem)->size, i = off / es;
			if (ty->count && i >= ty->count)
				break;
			in_map = in_map || is_map_storage(T(t, ty->elem)->name);
			if (!in_map)
				PUT("[%" PRIu64 "]", i);
			off -= i * es;
			type = ty->elem;
		} else {
			break;
		}
	}
	if (w == 0 && off != 0)
		PUT("+0x%" PRIx64, off);
#undef PUT
	return w;
}
