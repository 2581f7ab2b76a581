/*
 * pprof.c - the live heap as a pprof profile whose stacks are dominator
 * paths; see include/goheap/pprof.h for what the profile means, NOTES.md
 * for why it is written this way.
 *
 * Stacks form a trie: the stack of a node is the stack of its immediate
 * dominator with the node's frame appended, unless that frame is already
 * on the stack among the objects below the root (the stack then folds
 * back to it: consecutive list nodes, and chains that alternate types,
 * give a bounded number of stacks). trie_of[] keeps each node's trie
 * entry (4 bytes a node); the trie keeps what ends at each stack.
 *
 * The walk goes down the dominator tree from the roots without its
 * children lists: expanding a node scans its pointer fields once, and
 * every field that points at an object it dominates names that object's
 * frame (".items[i] -> main.Item"). Objects no dominator points to
 * directly (its dominator reaches them only through objects shared with
 * others below it) get a frame without a field; a map's storage under
 * its header's frame gets none; objects no root dominates alone are roots
 * of their own, "(shared) T". Nothing here is recursive.
 */
#include "goheap/pprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/pprof/proto.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/vec.h"

#define UNSET UINT32_MAX
#define NO_PARENT UINT32_MAX
#define PROGRESS_EVERY (1u << 20)

/* Sample types, in the order of Sample.value. */
enum { V_RETAINED_OBJECTS, V_RETAINED_SPACE, V_INUSE_OBJECTS, V_INUSE_SPACE, NVALUES };
static const char *const value_type[NVALUES][2] = {
	{ "retained_objects", "count" },
	{ "retained_space", "bytes" },
	{ "inuse_objects", "count" },
	{ "inuse_space", "bytes" },
};

typedef enum tkind {
	T_PREFIX = 0,   /* a frame above a root's own (a goroutine's outer call frames) */
	T_ROOT,         /* a root's own frame: carries the retained values */
	T_OBJECT        /* an object's frame */
} tkind;

/* One distinct stack: its leaf frame and the stack above it. */
typedef struct tnode {
	uint32_t parent;          /* NO_PARENT at the top */
	uint32_t loc;             /* location id of the leaf frame */
	uint32_t depth;           /* frames in the stack */
	uint8_t kind;             /* tkind */
	uint64_t objects, bytes;  /* objects whose stack this is */
	uint64_t sub_objects, sub_bytes; /* ... and below it (filled at the end) */
} tnode;

/* An open-addressing map from 64-bit keys to 32-bit values. */
typedef struct u64map {
	struct u64slot { uint64_t key; uint32_t value; } *slots;
	size_t cap, count;
} u64map;
#define EMPTY_KEY UINT64_MAX

static size_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static uint32_t u64map_get(const u64map *m, uint64_t key)
{
	if (!m->cap)
		return UINT32_MAX;
	for (size_t i = mix(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key)
			return m->slots[i].value;
		if (m->slots[i].key == EMPTY_KEY)
			return UINT32_MAX;
	}
}

static int u64map_put(u64map *m, uint64_t key, uint32_t value)
{
	if ((m->count + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct u64slot *s = malloc(cap * sizeof *s);
		if (!s)
			return -1;
		for (size_t i = 0; i < cap; i++)
			s[i].key = EMPTY_KEY;
		for (size_t i = 0; i < m->cap; i++) {
			if (m->slots[i].key == EMPTY_KEY)
				continue;
			size_t j = mix(m->slots[i].key) & (cap - 1);
			while (s[j].key != EMPTY_KEY)
				j = (j + 1) & (cap - 1);
			s[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = s;
		m->cap = cap;
	}
	size_t i = mix(key) & (m->cap - 1);
	while (m->slots[i].key != EMPTY_KEY && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (m->slots[i].key == EMPTY_KEY)
		m->count++;
	m->slots[i].key = key;
	m->slots[i].value = value;
	return 0;
}

static void u64map_free(u64map *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}

typedef struct ctx {
	const goheap_dump *dump;
	const goheap_binary *bin;
	int64_t bias;
	const goheap_graph *g;
	const goheap_typing *t;
	const goheap_dominators *dom;
	const goheap_pprof_opts *opts;
	uint32_t nobj, super;
	size_t nbin_types;      /* type ids below this are the binary's */
	unsigned ptr;
	proto pw;
	uint32_t *trie_of;      /* per node: its stack, or UNSET */
	VEC(tnode) trie;
	u64map child;           /* (parent + 1) << 32 | location -> stack */
	strmap funcs;           /* function name -> id */
	VEC(uint32_t) loc0;     /* per function id: its location of line 0, or 0 */
	u64map locs;            /* function id << 32 | line -> location id */
	uint32_t nfuncs, nlocs;
	strmap labels;          /* normalized field path -> label id (0 is "") */
	VEC(char) label_text;   /* the labels, NUL-terminated, at label_off[id] */
	VEC(uint32_t) label_off;
	u64map label_at;        /* type << 32 | offset (in an array: in its element) -> label id */
	u64map obj_loc;         /* label id << 32 | type -> location of the object frame */
	uint8_t *map_kind;      /* per type id: MAP_* (0: not looked at yet) */
	VEC(uint8_t) loc_map;   /* per location id: 1 when it is a map's frame */
	VEC(uint32_t) work;     /* nodes set but not yet expanded */
	VEC(uint32_t) chain;    /* ensure(): dominators to set first */
	uint64_t done, total, next_progress;
	int status;
	char name[1024];        /* a frame's name being built */
	char label[512];        /* a field path */
	char tname[512];        /* a type's name */
} ctx;

static int oom(ctx *c)
{
	if (c->status == GOHEAP_OK)
		c->status = GOHEAP_ENOMEM;
	return c->status;
}

/* ---- functions and locations --------------------------------------------- */

/* The id of the function called name (with file for a new one; 0 when failing). */
static uint32_t function(ctx *c, const char *name, size_t len, const char *file)
{
	uint32_t id = strmap_get(&c->funcs, name, len);
	if (id != UINT32_MAX)
		return id;
	uint32_t sname, sfile = 0;
	if (c->pw.status || proto_string(&c->pw, name, len, &sname) ||
	    (file && proto_string(&c->pw, file, strlen(file), &sfile))) {
		c->status = c->pw.status;
		return 0;
	}
	id = ++c->nfuncs;
	uint32_t *l = VEC_PUSH(c->loc0);
	if (!l || strmap_put(&c->funcs, name, len, id)) {
		oom(c);
		return 0;
	}
	*l = 0;
	if (proto_function(&c->pw, id, sname, sfile)) {
		c->status = c->pw.status;
		return 0;
	}
	return id;
}

/* The location of line `line` of function fid (0 when failing). */
static uint32_t location(ctx *c, uint32_t fid, uint64_t line)
{
	if (!fid)
		return 0;
	if (line == 0 && c->loc0.v[fid - 1])
		return c->loc0.v[fid - 1];
	uint64_t key = (uint64_t)fid << 32 | (line & 0xffffffffu);
	uint32_t id = line ? u64map_get(&c->locs, key) : UINT32_MAX;
	if (id != UINT32_MAX)
		return id;
	id = ++c->nlocs;
	if (!line)
		c->loc0.v[fid - 1] = id;
	else if (u64map_put(&c->locs, key, id)) {
		oom(c);
		return 0;
	}
	if (proto_location(&c->pw, id, 1, fid, (int64_t)line)) {
		c->status = c->pw.status;
		return 0;
	}
	return id;
}

/* ---- the trie of stacks --------------------------------------------------- */

static uint32_t new_tnode(ctx *c, uint32_t parent, uint32_t loc, tkind kind)
{
	if (c->trie.n >= UINT32_MAX - 1) {
		oom(c);
		return NO_PARENT;
	}
	tnode *n = VEC_PUSH(c->trie);
	if (!n) {
		oom(c);
		return NO_PARENT;
	}
	memset(n, 0, sizeof *n);
	n->parent = parent;
	n->loc = loc;
	n->kind = (uint8_t)kind;
	n->depth = parent == NO_PARENT ? 1 : c->trie.v[parent].depth + 1;
	return (uint32_t)(c->trie.n - 1);
}

/*
 * The stack of frame loc below stack parent (NO_PARENT: the top). An
 * object frame already on the stack among the objects folds back to it.
 * Returns NO_PARENT on failure.
 */
static uint32_t step(ctx *c, uint32_t parent, uint32_t loc, tkind kind)
{
	if (!loc)
		return NO_PARENT;
	if (kind == T_OBJECT && parent != NO_PARENT && c->trie.v[parent].loc == loc)
		return parent;
	uint64_t key = (uint64_t)(parent + 1) << 32 | loc;
	uint32_t got = u64map_get(&c->child, key);
	if (got != UINT32_MAX)
		return got;
	if (kind == T_OBJECT)
		for (uint32_t u = parent; u != NO_PARENT && c->trie.v[u].kind != T_PREFIX; u = c->trie.v[u].parent)
			if (c->trie.v[u].loc == loc) {
				got = u;
				break;
			}
	if (got == UINT32_MAX && (got = new_tnode(c, parent, loc, kind)) == NO_PARENT)
		return NO_PARENT;
	if (u64map_put(&c->child, key, got)) {
		oom(c);
		return NO_PARENT;
	}
	return got;
}

/* ---- names ------------------------------------------------------------------ */

/*
 * A type as goheap's histogram names it: arrays typing made for slices
 * are "[...]T". Returns the typing's name or buf.
 */
static const char *type_name_of(ctx *c, uint32_t id, char *buf, size_t len)
{
	const goheap_btype *ty = goheap_typing_type(c->t, id);
	if (id >= c->nbin_types && ty->kind == GOHEAP_T_ARRAY) {
		const char *elem = ty->elem < goheap_typing_type_count(c->t) ? goheap_typing_type(c->t, ty->elem)->name
									   : NULL;
		snprintf(buf, len, "[...]%s", elem ? elem : "?");
		return buf;
	}
	return ty->name ? ty->name : "?";
}

/* An object's type, named as histogram names it (in c->tname when made). */
static const char *type_name(ctx *c, uint32_t obj)
{
	return type_name_of(c, goheap_typing_object_type(c->t, obj), c->tname, sizeof c->tname);
}

/*
 * A field path with its indices dropped (".items[3].v" -> ".items[i].v"),
 * so all the elements of an array share one frame; an untyped offset
 * ("+0x18") says nothing and is dropped. Returns the length written.
 */
static size_t normalize_label(const char *in, char *out, size_t len)
{
	size_t w = 0;
	if (in[0] == '+')
		in = "";
	for (const char *s = in; *s && w + 4 < len; s++) {
		if (s[0] == '[' && s[1] >= '0' && s[1] <= '9') {
			const char *e = s + 1;
			while (*e >= '0' && *e <= '9')
				e++;
			if (*e == ']') {
				memcpy(out + w, "[i]", 3);
				w += 3;
				s = e;
				continue;
			}
		}
		out[w++] = *s;
	}
	out[w] = '\0';
	return w;
}

/*
 * A map is one thing to its user: its header (a swiss map's
 * internal/runtime/maps.Map, a classic map's hash<K,V>) is its frame, and
 * the storage under it (directory, tables, groups, buckets, overflow)
 * adds no frame of its own; the keys and values come next ("map value ->
 * main.Session"). As goheap leaks describes maps.
 */
enum { MAP_UNKNOWN = 0, MAP_NONE, MAP_PART, MAP_HEADER };

static uint8_t map_kind(ctx *c, uint32_t type)
{
	if (type >= goheap_typing_type_count(c->t))
		return MAP_NONE;
	if (c->map_kind[type] != MAP_UNKNOWN)
		return c->map_kind[type];
	static const char *const part[] = { "internal/runtime/maps.", "[...]*internal/runtime/maps.",
					    "[...]noalg.map.group[", "noalg.map.group[", "bucket<", "[...]bucket<",
					    "runtime.mapextra", "hash<" };
	char buf[sizeof c->tname];
	const char *name = type_name_of(c, type, buf, sizeof buf);
	uint8_t k = MAP_NONE;
	if (strcmp(name, "internal/runtime/maps.Map") == 0 || strncmp(name, "hash<", 5) == 0)
		k = MAP_HEADER;
	else
		for (size_t i = 0; i < sizeof part / sizeof part[0]; i++)
			if (strncmp(name, part[i], strlen(part[i])) == 0)
				k = MAP_PART;
	c->map_kind[type] = k;
	return k;
}

/* Whether object v is map storage under stack T, a map's frame: then v adds no frame. */
static bool inside_map(ctx *c, uint32_t T, uint32_t v)
{
	uint32_t loc = c->trie.v[T].loc;
	return loc < c->loc_map.n && c->loc_map.v[loc] &&
	       map_kind(c, goheap_typing_object_type(c->t, v)) == MAP_PART;
}

#define LABEL_NONE 0u                 /* "" */
#define LABEL_SHARED (UINT32_MAX - 1) /* an object no single root holds */

/* The id of a normalized label (interned on first use), or UINT32_MAX. */
static uint32_t intern_label(ctx *c, const char *label)
{
	size_t len = strlen(label);
	uint32_t id = strmap_get(&c->labels, label, len);
	if (id != UINT32_MAX)
		return id;
	id = (uint32_t)c->label_off.n;
	uint32_t *off = VEC_PUSH(c->label_off);
	if (!off || id >= LABEL_SHARED ||
	    vec_reserve((void **)&c->label_text.v, &c->label_text.alloc, c->label_text.n + len + 1, 1) ||
	    strmap_put(&c->labels, label, len, id)) {
		oom(c);
		return UINT32_MAX;
	}
	*off = (uint32_t)c->label_text.n;
	memcpy(c->label_text.v + c->label_text.n, label, len + 1);
	c->label_text.n += len + 1;
	return id;
}

/*
 * The label of the pointer at byte off of a value of type `type`: its
 * field path, normalized. Remembered by type and offset, the offset taken
 * within the element for an array, so the millionth element costs a
 * lookup.
 */
static uint32_t label_of(ctx *c, uint32_t type, uint64_t off)
{
	const goheap_btype *ty = goheap_typing_type(c->t, type);
	uint64_t key_off = off;
	if (ty->kind == GOHEAP_T_ARRAY && ty->elem < goheap_typing_type_count(c->t)) {
		uint64_t es = goheap_typing_type(c->t, ty->elem)->size;
		if (es)
			key_off = off % es;
	}
	bool cached = key_off <= UINT32_MAX;
	uint64_t key = (uint64_t)type << 32 | key_off;
	uint32_t id = cached ? u64map_get(&c->label_at, key) : UINT32_MAX;
	if (id != UINT32_MAX)
		return id;
	char norm[sizeof c->label];
	goheap_typing_field_path(c->t, type, off, c->label, sizeof c->label);
	normalize_label(c->label, norm, sizeof norm);
	id = intern_label(c, norm);
	if (id != UINT32_MAX && cached && u64map_put(&c->label_at, key, id)) {
		oom(c);
		return UINT32_MAX;
	}
	return id;
}

/* The location of an object's frame: "(shared) T", "LABEL -> T" or "T". */
static uint32_t object_loc(ctx *c, uint32_t obj, uint32_t label)
{
	if (label == UINT32_MAX)
		return 0;
	uint32_t type = goheap_typing_object_type(c->t, obj);
	uint64_t key = (uint64_t)label << 32 | type;
	uint32_t loc = u64map_get(&c->obj_loc, key);
	if (loc != UINT32_MAX)
		return loc;
	const char *tn = type_name(c, obj);
	const char *text = label == LABEL_SHARED ? "" : c->label_text.v + c->label_off.v[label];
	int n;
	if (label == LABEL_SHARED)
		n = snprintf(c->name, sizeof c->name, "(shared) %s", tn);
	else if (text[0])
		n = snprintf(c->name, sizeof c->name, "%s -> %s", text, tn);
	else
		n = snprintf(c->name, sizeof c->name, "%s", tn);
	size_t len = n < 0 ? 0 : (size_t)n >= sizeof c->name ? sizeof c->name - 1 : (size_t)n;
	loc = location(c, function(c, c->name, len, NULL), 0);
	if (loc && u64map_put(&c->obj_loc, key, loc)) {
		oom(c);
		return 0;
	}
	if (loc && map_kind(c, type) == MAP_HEADER) {
		if (vec_reserve((void **)&c->loc_map.v, &c->loc_map.alloc, (size_t)loc + 1, 1)) {
			oom(c);
			return 0;
		}
		while (c->loc_map.n <= loc)
			c->loc_map.v[c->loc_map.n++] = 0;
		c->loc_map.v[loc] = 1;
	}
	return loc;
}

/* A goroutine frame's function, with its source line when the binary has one. */
static uint32_t frame_loc(ctx *c, const goheap_frame *f, bool innermost, const char *leaf)
{
	const char *file = NULL;
	uint64_t line = 0;
	if (c->bin && goheap_binary_pc_line(c->bin, f->pc - (uint64_t)c->bias - (innermost ? 0 : 1), &file, &line))
		file = NULL, line = 0;
	if (leaf) {
		int n = snprintf(c->name, sizeof c->name, "%.*s%s", (int)f->func.len, f->func.ptr, leaf);
		size_t len = n < 0 ? 0 : (size_t)n >= sizeof c->name ? sizeof c->name - 1 : (size_t)n;
		return location(c, function(c, c->name, len, file), line);
	}
	return location(c, function(c, f->func.ptr, f->func.len, file), line);
}

/* A root's own frame called name, on top of stack parent. */
static uint32_t root_named(ctx *c, uint32_t parent, const char *name)
{
	return step(c, parent, location(c, function(c, name, strlen(name), NULL), 0), T_ROOT);
}

/*
 * The stack of root i: address-free names, so two dumps of one program
 * compare (-diff_base). A goroutine's roots sit under its call stack,
 * outermost frame first, so pprof adds up what each function's frames
 * hold; goroutine ids are left out (as in Go's own profiles), so
 * goroutines running the same code share their stacks.
 */
static uint32_t root_stack(ctx *c, size_t i)
{
	size_t n;
	const goheap_root *r = &goheap_graph_roots(c->g, &n)[i];
	const goheap_goroutine *gs = goheap_dump_goroutines(c->dump, &n);
	const goheap_goroutine *gr = r->goroutine < n ? &gs[r->goroutine] : NULL;
	const goheap_frame *fr = goheap_dump_frames(c->dump, &n);
	size_t nframes = n;
	char name[512];
	goheap_graph_root_name(c->g, i, name, sizeof name);
	uint32_t T = NO_PARENT;
	/* A goroutine's root sits under its frames from the outermost down to frame `to`, then `leaf`. */
	uint32_t to = UINT32_MAX;
	const char *leaf = NULL;
	switch (r->kind) {
	case GOHEAP_ROOT_FRAME_VAR:
	case GOHEAP_ROOT_FRAME_SLOT:
		to = r->frame;
		break;
	case GOHEAP_ROOT_DEFER: {
		const goheap_defer *df = &goheap_dump_defers(c->dump, &n)[r->record];
		leaf = ": defer";
		to = gr ? gr->first_frame : UINT32_MAX;
		for (uint32_t k = 0; gr && k < gr->nframes; k++)
			if (gr->first_frame + k < nframes && fr[gr->first_frame + k].sp == df->sp)
				to = gr->first_frame + k;
		break;
	}
	case GOHEAP_ROOT_PANIC:
		leaf = ": panic";
		to = gr ? gr->first_frame : UINT32_MAX; /* under the whole stack */
		break;
	default:
		break;
	}
	if (gr && to != UINT32_MAX && to >= gr->first_frame && to - gr->first_frame < gr->nframes &&
	    (uint64_t)gr->first_frame + gr->nframes <= nframes) {
		for (uint32_t k = gr->first_frame + gr->nframes; k-- > to;)
			if ((T = step(c, T, frame_loc(c, &fr[k], k == gr->first_frame, NULL), T_PREFIX)) == NO_PARENT)
				return NO_PARENT;
		if (!leaf) {
			/* "goroutine 5 main.worker: batch" -> ": batch"; slots "main.worker+0x38" -> "+0x38" */
			const char *s = name;
			if (strncmp(s, "goroutine ", 10) == 0 && (s = strchr(s + 10, ' ')) != NULL &&
			    strlen(s + 1) >= fr[to].func.len)
				leaf = s + 1 + fr[to].func.len;
			else
				leaf = "";
		}
		return step(c, T, frame_loc(c, &fr[to], to == gr->first_frame, leaf), T_ROOT);
	}
	switch (r->kind) {
	case GOHEAP_ROOT_FINALIZER:
	case GOHEAP_ROOT_QUEUED_FINALIZER: {
		const goheap_finalizer *fz = &goheap_dump_finalizers(c->dump, &n)[r->record];
		uint32_t obj = goheap_graph_find_object(c->g, fz->obj);
		snprintf(name, sizeof name, "%sfinalizer for %.480s", r->kind == GOHEAP_ROOT_QUEUED_FINALIZER ? "queued " : "",
			 obj != UINT32_MAX ? type_name(c, obj) : "?");
		break;
	}
	case GOHEAP_ROOT_DEFER:
		snprintf(name, sizeof name, "defer");
		break;
	case GOHEAP_ROOT_PANIC:
		snprintf(name, sizeof name, "panic");
		break;
	default:
		break;
	}
	return root_named(c, T, name);
}

/* ---- the walk ------------------------------------------------------------------ */

static void progress(ctx *c)
{
	if (c->opts && c->opts->progress && c->done >= c->next_progress) {
		c->opts->progress(c->opts->progress_ctx, c->done, c->total);
		c->next_progress = c->done + PROGRESS_EVERY;
	}
}

/* Node v's stack is T: count it there and queue it for expansion. */
static int assign(ctx *c, uint32_t v, uint32_t T)
{
	if (T == NO_PARENT)
		return c->status ? c->status : oom(c);
	c->trie_of[v] = T;
	if (v < c->nobj) {
		c->trie.v[T].objects++;
		c->trie.v[T].bytes += goheap_dump_object(c->dump, v).size;
		c->done++;
		progress(c);
	}
	uint32_t *w = VEC_PUSH(c->work);
	if (!w)
		return oom(c);
	*w = v;
	return GOHEAP_OK;
}

/* Whether v is a dominator child of p not yet given a stack. */
static bool pending_child(const ctx *c, uint32_t v, uint32_t p)
{
	return c->trie_of[v] == UNSET && goheap_dominators_idom(c->dom, v) == p;
}

/* Give the objects p immediately dominates their stacks: through the field that points at them when p has one. */
static int expand(ctx *c, uint32_t p)
{
	size_t ne;
	const uint32_t *e = goheap_graph_edges(c->g, p, &ne);
	size_t k = 0;
	while (k < ne && !pending_child(c, e[k], p))
		k++;
	if (k == ne)
		return GOHEAP_OK;
	uint32_t T = c->trie_of[p];
	if (p < c->nobj) {
		/*
		 * The object's pointer words, each matched with the edge it made:
		 * edges follow the field list, skipping words that point at no
		 * object, so a word inside the next edge's target is that edge
		 * (and names it correctly whatever the order: the word is in it).
		 */
		goheap_object o = goheap_dump_object(c->dump, p);
		const uint8_t *mem = goheap_dump_data(c->dump, o.contents_off);
		goheap_fields it = goheap_object_fields(c->dump, &o);
		uint32_t base = goheap_typing_data_offset(c->t, p), type = goheap_typing_object_type(c->t, p);
		uint64_t off;
		size_t j = 0;
		while (j < ne && goheap_fields_next(&it, &off)) {
			if (off > o.size || o.size - off < c->ptr)
				continue;
			uint64_t w = goheap_dump_read_word(c->dump, mem + off);
			goheap_object to = goheap_dump_object(c->dump, e[j]);
			if (w - to.addr >= to.size)
				continue; /* points at no object: no edge */
			uint32_t v = e[j++];
			if (off < base || !pending_child(c, v, p))
				continue;
			if (assign(c, v, inside_map(c, T, v) ? T
						 : step(c, T, object_loc(c, v, label_of(c, type, off - base)), T_OBJECT)))
				return c->status;
		}
	} else {
		size_t nr;
		const goheap_root *r = &goheap_graph_roots(c->g, &nr)[p - c->nobj];
		for (uint64_t off = 0; r->mem && r->type != GOHEAP_NO_TYPE && off + c->ptr <= r->size; off += c->ptr) {
			uint32_t v = goheap_graph_find_object(c->g, goheap_dump_read_word(c->dump, r->mem + off));
			if (v == UINT32_MAX || !pending_child(c, v, p))
				continue;
			if (assign(c, v, inside_map(c, T, v) ? T
						 : step(c, T, object_loc(c, v, label_of(c, r->type, off)), T_OBJECT)))
				return c->status;
		}
	}
	/* Children no field named (no typed memory behind a root; a malloc header). */
	for (; k < ne; k++)
		if (pending_child(c, e[k], p) &&
		    assign(c, e[k], inside_map(c, T, e[k]) ? T : step(c, T, object_loc(c, e[k], LABEL_NONE), T_OBJECT)))
			return c->status;
	return GOHEAP_OK;
}

static int drain(ctx *c)
{
	while (c->work.n && !c->status)
		if (expand(c, c->work.v[--c->work.n]))
			break;
	return c->status;
}

/*
 * Give v a stack when the walk from the roots did not: set its dominators
 * first, top down, expanding each (so a dominator that points at the next
 * one names it by field).
 */
static int ensure(ctx *c, uint32_t v)
{
	c->chain.n = 0;
	for (uint32_t u = v; u != c->super && c->trie_of[u] == UNSET; u = goheap_dominators_idom(c->dom, u)) {
		uint32_t *s = VEC_PUSH(c->chain);
		if (!s)
			return oom(c);
		*s = u;
	}
	while (c->chain.n) {
		uint32_t u = c->chain.v[--c->chain.n];
		if (c->trie_of[u] != UNSET)
			continue;
		uint32_t id = goheap_dominators_idom(c->dom, u);
		uint32_t T;
		if (id == c->super)
			T = step(c, NO_PARENT, object_loc(c, u, LABEL_SHARED), T_ROOT);
		else if (inside_map(c, c->trie_of[id], u))
			T = c->trie_of[id];
		else
			T = step(c, c->trie_of[id], object_loc(c, u, LABEL_NONE), T_OBJECT);
		if (assign(c, u, T) || drain(c))
			return c->status;
	}
	return GOHEAP_OK;
}

/* ---- output ---------------------------------------------------------------------- */

static int write_samples(ctx *c, goheap_pprof_stats *st)
{
	size_t n = c->trie.n;
	tnode *tr = c->trie.v;
	for (size_t i = n; i-- > 0;) {
		tr[i].sub_objects += tr[i].objects;
		tr[i].sub_bytes += tr[i].bytes;
		if (tr[i].parent != NO_PARENT) {
			tr[tr[i].parent].sub_objects += tr[i].sub_objects;
			tr[tr[i].parent].sub_bytes += tr[i].sub_bytes;
		}
	}
	VEC(uint64_t) locs = { 0 };
	for (size_t i = 0; i < n; i++) {
		bool root = tr[i].kind == T_ROOT;
		int64_t v[NVALUES] = {
			[V_RETAINED_OBJECTS] = root ? (int64_t)tr[i].sub_objects : 0,
			[V_RETAINED_SPACE] = root ? (int64_t)tr[i].sub_bytes : 0,
			[V_INUSE_OBJECTS] = (int64_t)tr[i].objects,
			[V_INUSE_SPACE] = (int64_t)tr[i].bytes,
		};
		if (!v[0] && !v[1] && !v[2] && !v[3])
			continue;
		if (vec_reserve((void **)&locs.v, &locs.alloc, tr[i].depth, sizeof *locs.v)) {
			VEC_FREE(locs);
			return oom(c);
		}
		locs.n = 0;
		for (uint32_t u = (uint32_t)i; u != NO_PARENT; u = tr[u].parent)
			locs.v[locs.n++] = tr[u].loc; /* leaf first */
		if (proto_sample(&c->pw, locs.v, locs.n, v, NVALUES)) {
			VEC_FREE(locs);
			return c->status = c->pw.status;
		}
		st->samples++;
		if (locs.n > st->max_depth)
			st->max_depth = locs.n;
		st->objects += tr[i].objects;
		st->bytes += tr[i].bytes;
	}
	VEC_FREE(locs);
	return GOHEAP_OK;
}

static int write_header(ctx *c)
{
	proto *p = &c->pw;
	uint32_t s[2];
	for (int k = 0; k < NVALUES; k++)
		if (proto_string(p, value_type[k][0], strlen(value_type[k][0]), &s[0]) ||
		    proto_string(p, value_type[k][1], strlen(value_type[k][1]), &s[1]) || proto_value_type(p, 1, s[0], s[1]))
			return c->status = p->status;
	if (proto_string(p, "space", 5, &s[0]) || proto_string(p, "bytes", 5, &s[1]) ||
	    proto_value_type(p, 11, s[0], s[1]) || proto_int(p, 12, 1))
		return c->status = p->status;
	const char *bin = c->opts && c->opts->binary_name ? c->opts->binary_name : "heap dump";
	if (proto_string(p, bin, strlen(bin), &s[0]) || proto_mapping(p, 1, s[0]))
		return c->status = p->status;
	return GOHEAP_OK;
}

static int write_trailer(ctx *c)
{
	proto *p = &c->pw;
	const goheap_params *pa = goheap_dump_params(c->dump);
	char buf[512];
	const char *lines[2];
	snprintf(buf, sizeof buf, "goheap %s: live heap of a %.*s %.*s program; stacks are dominator paths from roots",
		 goheap_version(), (int)pa->go_version.len, pa->go_version.ptr, (int)pa->goarch.len, pa->goarch.ptr);
	lines[0] = buf;
	lines[1] = "inuse_*: flat = own size, cum = retained size; retained_*: what each root retains";
	uint32_t s;
	for (int k = 0; k < 2; k++)
		if (proto_string(p, lines[k], strlen(lines[k]), &s) || proto_int(p, 13, s))
			return c->status = p->status;
	if (proto_string(p, "inuse_space", 11, &s) || proto_int(p, 14, s))
		return c->status = p->status;
	const goheap_memstats *ms = goheap_dump_memstats(c->dump);
	if (ms && ms->last_gc && proto_int(p, 9, ms->last_gc)) /* the collection just before the dump */
		return c->status = p->status;
	return GOHEAP_OK;
}

static int walk(ctx *c)
{
	size_t nroots;
	goheap_graph_roots(c->g, &nroots);
	for (size_t i = 0; i < nroots && !c->status; i++) {
		uint32_t node = c->nobj + (uint32_t)i;
		if (goheap_dominators_idom(c->dom, node) == UINT32_MAX)
			continue;
		if (assign(c, node, root_stack(c, i)) || drain(c))
			return c->status;
	}
	for (uint32_t v = 0; v < c->nobj && !c->status; v++)
		if (c->trie_of[v] == UNSET && goheap_dominators_idom(c->dom, v) != UINT32_MAX)
			ensure(c, v);
	return c->status;
}

int goheap_pprof_write(const char *path, const goheap_dump *dump, const goheap_binary *bin, int64_t bias,
		       const goheap_graph *g, const goheap_typing *t, const goheap_dominators *dom,
		       const goheap_pprof_opts *opts, goheap_pprof_stats *stats, goheap_diag *diag)
{
	goheap_pprof_stats local;
	goheap_pprof_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	diag_clear(diag);
	if (opts && opts->version != GOHEAP_PPROF_OPTS_VERSION)
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "unknown pprof options version %u",
				opts->version);
	if (goheap_dominators_super_root(dom) != goheap_graph_node_count(g))
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
				"the dominator tree is not of this graph");
	ctx *c = calloc(1, sizeof *c);
	if (!c)
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing %s", path);
	c->dump = dump;
	c->bin = bin;
	c->bias = bias;
	c->g = g;
	c->t = t;
	c->dom = dom;
	c->opts = opts;
	c->nobj = goheap_graph_object_count(g);
	c->super = goheap_dominators_super_root(dom);
	c->ptr = goheap_dump_params(dump)->ptr_size;
	if (bin)
		goheap_binary_types(bin, &c->nbin_types);
	c->total = goheap_graph_get_totals(g)->live_count;
	int rc = proto_open(&c->pw, path, opts ? opts->level : 0, diag);
	if (rc) {
		free(c);
		return rc;
	}
	c->trie_of = malloc(((size_t)c->super + 1) * sizeof *c->trie_of);
	c->map_kind = calloc(goheap_typing_type_count(t) + 1, 1);
	if (!c->trie_of || !c->map_kind)
		oom(c);
	else
		memset(c->trie_of, 0xff, ((size_t)c->super + 1) * sizeof *c->trie_of);
	if (!c->status && intern_label(c, "") != LABEL_NONE)
		oom(c);
	if (!c->status)
		write_header(c);
	if (!c->status)
		walk(c);
	if (!c->status)
		write_samples(c, st);
	if (!c->status)
		write_trailer(c);
	if (!c->status && c->opts && c->opts->progress)
		c->opts->progress(c->opts->progress_ctx, c->total, c->total);
	st->functions = c->nfuncs;
	st->locations = c->nlocs;
	st->strings = c->pw.nstrings;
	st->proto_bytes = c->pw.proto_bytes;
	if (c->status == GOHEAP_ENOMEM && c->pw.status == GOHEAP_OK) {
		proto_abort(&c->pw);
		rc = diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing %s", path);
	} else {
		rc = proto_finish(&c->pw, &st->file_bytes, diag);
	}
	free(c->trie_of);
	free(c->map_kind);
	VEC_FREE(c->loc_map);
	VEC_FREE(c->trie);
	VEC_FREE(c->loc0);
	VEC_FREE(c->work);
	VEC_FREE(c->chain);
	u64map_free(&c->child);
	u64map_free(&c->locs);
	strmap_free(&c->funcs);
	strmap_free(&c->labels);
	VEC_FREE(c->label_text);
	VEC_FREE(c->label_off);
	u64map_free(&c->label_at);
	u64map_free(&c->obj_loc);
	free(c);
	return rc;
}
