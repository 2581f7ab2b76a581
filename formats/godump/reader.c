/*
 * reader.c - one streaming pass over a "go1.7 heap dump" file.
 *
 * Record layouts (every field a uvarint unless marked; str = uvarint length
 * + bytes; fl = (kind, offset) pairs ended by kind 0). See NOTES.md here and
 * runtime/heapdump.go for the writer.
 *
 *   tag name             fields
 *   0   eof              -
 *   1   object           addr, contents:str, fields:fl
 *   2   otherroot        description:str, ptr
 *   3   type             addr, size, name:str, indirect:bool
 *   4   goroutine        addr, sp, goid, gopc, status, system:bool,
 *                        background:bool, waitsince, waitreason:str, ctxt,
 *                        m, defer, panic
 *   5   stackframe       sp, depth, child_sp, contents:str, entry, pc,
 *                        continpc, name:str, fields:fl
 *   6   params           bigendian:bool, ptrsize, heapstart, heapend,
 *                        goarch:str, version:str, ncpu
 *   7   finalizer        obj, fn, fn.fn, fint, ot
 *   8   itab             addr, type
 *   9   osthread         addr, id, procid
 *   10  memstats         24 counters, 256 pause times, numgc
 *   11  queuedfinalizer  as finalizer
 *   12  data, 13 bss     addr, contents:str, fields:fl
 *   14  defer            addr, gp, sp, pc, fn, fn.fn, link
 *   15  panic            addr, gp, arg type word, arg data word, 0, link
 *   16  memprof          bucket, size, nstk, nstk x (func:str, file:str,
 *                        line), allocs, frees
 *   17  allocsample      obj, bucket
 *
 * Nothing is allocated from a count the file states: arrays grow one
 * decoded record at a time, so their size follows the bytes really read.
 */
#include <string.h>

#include "formats/godump/dump_int.h"
#include "util/cursor.h"

#define RD(expr)                          \
	do {                              \
		int rc_ = (expr);         \
		if (rc_)                  \
			return rc_;       \
	} while (0)

/* Push onto a VEC or fail the read with ENOMEM. */
#define PUSH(vec, slot)                                                         \
	do {                                                                    \
		(slot) = VEC_PUSH(vec);                                         \
		if (!(slot))                                                    \
			return diag_set(c->diag, GOHEAP_ENOMEM, cursor_offset(c), \
					c->record, NULL, "out of memory");     \
	} while (0)

static const char *const tag_names[GOHEAP_TAG_COUNT] = {
	"eof", "object", "otherroot", "type", "goroutine", "stackframe",
	"params", "finalizer", "itab", "osthread", "memstats",
	"queuedfinalizer", "data", "bss", "defer", "panic", "memprof",
	"allocsample",
};

const char *goheap_tag_name(unsigned tag)
{
	return tag < GOHEAP_TAG_COUNT ? tag_names[tag] : "unknown";
}

static const char header[] = "go1.7 heap dump\n";
#define HEADER_LEN 16

/* Tell a current dump from an older one and from anything else. */
static int read_header(cursor *c)
{
	size_t n = cursor_left(c);
	const uint8_t *p = c->p;
	c->record = "header";
	if (n >= HEADER_LEN && memcmp(p, header, HEADER_LEN) == 0) {
		c->p += HEADER_LEN;
		return GOHEAP_OK;
	}
	/* "go1.N heap dump\n" with another N: an older (or unknown) format. */
	if (n >= HEADER_LEN && memcmp(p, "go1.", 4) == 0 && p[4] >= '0' && p[4] <= '9' &&
	    memcmp(p + 5, " heap dump\n", 11) == 0) {
		if (p[4] >= '3' && p[4] <= '6')
			return diag_set(c->diag, GOHEAP_EUNSUPPORTED, 0, "header", NULL,
					"unsupported dump format: 'go1.%c heap dump' was written by "
					"Go 1.%c; goheap reads the 'go1.7 heap dump' format of Go 1.7 "
					"and later", p[4], p[4]);
		return diag_set(c->diag, GOHEAP_EUNSUPPORTED, 0, "header", NULL,
				"unsupported dump format: header 'go1.%c heap dump'", p[4]);
	}
	if (n > 0 && n < HEADER_LEN && memcmp(p, header, n) == 0)
		return diag_set(c->diag, GOHEAP_ECORRUPT, n, "header", NULL,
				"truncated: the file ends inside the 16-byte header");
	return diag_set(c->diag, GOHEAP_ENOTDUMP, 0, "header", NULL,
			"not a Go heap dump: the file does not start with 'go1.7 heap dump'");
}

/*
 * Walk a field list, checking each offset lies inside a block of `len`
 * bytes. Returns the number of pointer fields in *count.
 */
static int read_fields(cursor *c, uint64_t len, uint32_t ptr_size, uint32_t *count)
{
	uint32_t n = 0;
	/*
	 * Fast path for the common shape, one-byte kind 1 and an offset of at
	 * most 3 bytes, while enough bytes are left that no read can run past
	 * the end; anything else goes through the checked loop below.
	 */
	const uint8_t *p = c->p;
	uint64_t limit = len >= ptr_size ? len - ptr_size : 0;
	while (c->end - p >= 4 && p[0] == 1 && len >= ptr_size && n < UINT32_MAX) {
		uint64_t off = p[1];
		const uint8_t *q = p + 2;
		if (off >= 0x80) {
			off = (off & 0x7f) | (uint64_t)(p[2] & 0x7f) << 7;
			q = p + 3;
			if (p[2] >= 0x80) {
				if (p[3] >= 0x80)
					break;
				off |= (uint64_t)p[3] << 14;
				q = p + 4;
			}
		}
		if (off > limit)
			break;
		p = q;
		n++;
	}
	c->p = p;
	for (;;) {
		uint64_t kind, off;
		const uint8_t *kind_at = c->p;
		RD(cursor_uvarint(c, &kind, "field kind"));
		if (kind == 0)
			break;
		if (kind > 3) {
			c->p = kind_at;
			return cursor_fail(c, "field kind", "field kind %llu is not 1 (ptr), 2 (iface) or 3 (eface)",
					   (unsigned long long)kind);
		}
		const uint8_t *at = c->p;
		RD(cursor_uvarint(c, &off, "field offset"));
		if (off > len || len - off < ptr_size) {
			c->p = at;
			return cursor_fail(c, "field offset", "pointer field at offset %llu lies outside its %llu-byte block",
					   (unsigned long long)off, (unsigned long long)len);
		}
		if (n == UINT32_MAX)
			return cursor_fail(c, "field offset", "more than 2^32 pointer fields in one block");
		n++;
	}
	*count = n;
	return GOHEAP_OK;
}

static int need_params(cursor *c, const goheap_dump *dp)
{
	if (!dp->have_params)
		return cursor_fail(c, NULL, "'%s' record before the params record", c->record);
	return GOHEAP_OK;
}

static void parse_go_version(goheap_dump *dp)
{
	const char *s = dp->params.go_version.ptr;
	size_t n = dp->params.go_version.len;
	for (size_t i = 0; i + 4 < n; i++) {
		if (memcmp(s + i, "go1.", 4) != 0)
			continue;
		unsigned minor = 0;
		size_t j = i + 4;
		if (j >= n || s[j] < '0' || s[j] > '9')
			continue;
		while (j < n && s[j] >= '0' && s[j] <= '9' && minor < 10000)
			minor = minor * 10 + (unsigned)(s[j++] - '0');
		dp->go_major = 1;
		dp->go_minor = minor;
		return;
	}
}

static int read_params(cursor *c, goheap_dump *dp)
{
	goheap_params *pr = &dp->params;
	uint64_t ptr_size;
	if (dp->have_params)
		return cursor_fail(c, NULL, "a second params record");
	RD(cursor_bool(c, &pr->big_endian, "big endian"));
	const uint8_t *at = c->p;
	RD(cursor_uvarint(c, &ptr_size, "pointer size"));
	if (ptr_size != 4 && ptr_size != 8) {
		c->p = at;
		return cursor_fail(c, "pointer size", "pointer size %llu is not 4 or 8",
				   (unsigned long long)ptr_size);
	}
	pr->ptr_size = (uint32_t)ptr_size;
	RD(cursor_uvarint(c, &pr->heap_start, "heap start"));
	RD(cursor_uvarint(c, &pr->heap_end, "heap end"));
	RD(cursor_str(c, &pr->goarch.ptr, &pr->goarch.len, "GOARCH"));
	RD(cursor_str(c, &pr->go_version.ptr, &pr->go_version.len, "build version"));
	RD(cursor_uvarint(c, &pr->ncpu, "ncpu"));
	dp->have_params = true;
	parse_go_version(dp);
	return GOHEAP_OK;
}

/* An address must fit the target's pointer size. */
static int check_addr(cursor *c, const goheap_dump *dp, const uint8_t *at, uint64_t a, const char *field)
{
	if (dp->params.ptr_size == 4 && a > UINT32_MAX) {
		c->p = at;
		return cursor_fail(c, field, "address 0x%llx does not fit a 4-byte pointer",
				   (unsigned long long)a);
	}
	return GOHEAP_OK;
}

static int read_object(cursor *c, goheap_dump *dp, const uint8_t *record_start)
{
	uint64_t addr, off = 0, len = 0;
	uint32_t nptr;
	RD(need_params(c, dp));
	const uint8_t *at = c->p;
	RD(cursor_uvarint(c, &addr, "addr"));
	RD(check_addr(c, dp, at, addr, "addr"));
	at = c->p;
	RD(cursor_range(c, &off, &len, "contents"));
	if (len == 0 || addr + len < addr || (dp->params.ptr_size == 4 && addr + len - 1 > UINT32_MAX)) {
		c->p = at;
		return cursor_fail(c, "contents", "object at 0x%llx has impossible size %llu",
				   (unsigned long long)addr, (unsigned long long)len);
	}
	RD(read_fields(c, len, dp->params.ptr_size, &nptr));
	dp->object_pointers += nptr;
	dp->nobjects++;
	/* Only note the run here; the second pass (dump.c) places objects. */
	godump_run *r = dp->runs.n ? &dp->runs.v[dp->runs.n - 1] : NULL;
	/*
	 * A run grows while objects follow each other exactly, or stay in the
	 * 8 KiB page where the run ends (a page belongs to one span), so that
	 * no other run can start inside it.
	 */
	if (r && dp->prev_was_object && addr >= r->end &&
	    (addr == r->end || addr >> 13 == (r->end - 1) >> 13)) {
		r->end = addr + len;
		r->count++;
		return GOHEAP_OK;
	}
	PUSH(dp->runs, r);
	r->first = addr;
	r->end = addr + len;
	r->file_off = (uint64_t)(record_start - c->base);
	r->count = 1;
	return GOHEAP_OK;
}

static int read_goroutine(cursor *c, goheap_dump *dp)
{
	goheap_goroutine *g;
	RD(need_params(c, dp));
	if (dp->goroutines.n >= UINT32_MAX - 1)
		return cursor_fail(c, NULL, "too many goroutines");
	PUSH(dp->goroutines, g);
	memset(g, 0, sizeof *g);
	dp->goroutines.n--; /* published only once complete */
	RD(cursor_uvarint(c, &g->addr, "g addr"));
	RD(cursor_uvarint(c, &g->sp, "sp"));
	RD(cursor_uvarint(c, &g->goid, "goid"));
	RD(cursor_uvarint(c, &g->gopc, "gopc"));
	RD(cursor_uvarint(c, &g->status, "status"));
	RD(cursor_bool(c, &g->is_system, "is system"));
	RD(cursor_bool(c, &g->is_background, "is background"));
	RD(cursor_uvarint(c, &g->wait_since, "wait since"));
	RD(cursor_str(c, &g->wait_reason.ptr, &g->wait_reason.len, "wait reason"));
	RD(cursor_uvarint(c, &g->ctxt, "ctxt"));
	RD(cursor_uvarint(c, &g->m, "m"));
	RD(cursor_uvarint(c, &g->defer_addr, "defer"));
	RD(cursor_uvarint(c, &g->panic_addr, "panic"));
	g->first_frame = (uint32_t)dp->frames.n;
	g->nframes = 0;
	dp->goroutines.n++;
	return GOHEAP_OK;
}

static int read_frame(cursor *c, goheap_dump *dp)
{
	goheap_frame f;
	RD(need_params(c, dp));
	RD(cursor_uvarint(c, &f.sp, "sp"));
	RD(cursor_uvarint(c, &f.depth, "depth"));
	RD(cursor_uvarint(c, &f.child_sp, "child sp"));
	RD(cursor_range(c, &f.contents_off, &f.contents_len, "contents"));
	RD(cursor_uvarint(c, &f.entry, "entry pc"));
	RD(cursor_uvarint(c, &f.pc, "pc"));
	RD(cursor_uvarint(c, &f.continpc, "continuation pc"));
	RD(cursor_str(c, &f.func.ptr, &f.func.len, "function name"));
	f.fields_off = cursor_offset(c);
	RD(read_fields(c, f.contents_len, dp->params.ptr_size, &f.nfields));
	if (dp->frames.n >= UINT32_MAX - 1)
		return cursor_fail(c, NULL, "too many stack frames");
	if (dp->goroutines.n == 0)
		return cursor_fail(c, NULL, "stack frame before any goroutine record");
	goheap_goroutine *g = &dp->goroutines.v[dp->goroutines.n - 1];
	if (g->first_frame + g->nframes != dp->frames.n)
		return cursor_fail(c, NULL, "stack frame of goroutine %llu separated from its other frames",
				   (unsigned long long)g->goid);
	f.goroutine = (uint32_t)(dp->goroutines.n - 1);
	goheap_frame *slot;
	PUSH(dp->frames, slot);
	*slot = f;
	g->nframes++;
	return GOHEAP_OK;
}

static int read_segment(cursor *c, goheap_dump *dp, bool is_bss)
{
	goheap_segment s;
	RD(need_params(c, dp));
	const uint8_t *at = c->p;
	RD(cursor_uvarint(c, &s.addr, "addr"));
	RD(check_addr(c, dp, at, s.addr, "addr"));
	RD(cursor_range(c, &s.contents_off, &s.len, "contents"));
	s.fields_off = cursor_offset(c);
	RD(read_fields(c, s.len, dp->params.ptr_size, &s.nfields));
	s.is_bss = is_bss;
	goheap_segment *slot;
	PUSH(dp->segments, slot);
	*slot = s;
	return GOHEAP_OK;
}

static int read_finalizer(cursor *c, goheap_dump *dp, bool queued)
{
	goheap_finalizer f;
	RD(cursor_uvarint(c, &f.obj, "obj"));
	RD(cursor_uvarint(c, &f.fn, "fn"));
	RD(cursor_uvarint(c, &f.fn_pc, "fn pc"));
	RD(cursor_uvarint(c, &f.fint, "fint"));
	RD(cursor_uvarint(c, &f.ot, "ot"));
	f.queued = queued;
	goheap_finalizer *slot;
	PUSH(dp->finalizers, slot);
	*slot = f;
	return GOHEAP_OK;
}

static int read_type(cursor *c, goheap_dump *dp)
{
	goheap_type t;
	RD(cursor_uvarint(c, &t.addr, "addr"));
	RD(cursor_uvarint(c, &t.size, "size"));
	RD(cursor_str(c, &t.name.ptr, &t.name.len, "name"));
	RD(cursor_bool(c, &t.indirect, "indirect"));
	/*
	 * The runtime's type cache can overflow and write a type twice; the
	 * dump writes types next to the itabs that use them, so a duplicate is
	 * almost always recent. Look back a little; verify.c catches the rest.
	 */
	size_t n = dp->types.n, lim = n > 64 ? n - 64 : 0;
	for (size_t i = n; i > lim; i--)
		if (dp->types.v[i - 1].addr == t.addr)
			return GOHEAP_OK;
	goheap_type *slot;
	PUSH(dp->types, slot);
	*slot = t;
	return GOHEAP_OK;
}

static int read_memstats(cursor *c, goheap_dump *dp)
{
	goheap_memstats *m = &dp->memstats;
	uint64_t *head[24] = {
		&m->alloc, &m->total_alloc, &m->sys, &m->lookups, &m->mallocs, &m->frees,
		&m->heap_alloc, &m->heap_sys, &m->heap_idle, &m->heap_inuse, &m->heap_released,
		&m->heap_objects, &m->stack_inuse, &m->stack_sys, &m->mspan_inuse, &m->mspan_sys,
		&m->mcache_inuse, &m->mcache_sys, &m->buck_hash_sys, &m->gc_sys, &m->other_sys,
		&m->next_gc, &m->last_gc, &m->pause_total_ns,
	};
	static const char *const names[24] = {
		"Alloc", "TotalAlloc", "Sys", "Lookups", "Mallocs", "Frees", "HeapAlloc",
		"HeapSys", "HeapIdle", "HeapInuse", "HeapReleased", "HeapObjects",
		"StackInuse", "StackSys", "MSpanInuse", "MSpanSys", "MCacheInuse",
		"MCacheSys", "BuckHashSys", "GCSys", "OtherSys", "NextGC", "LastGC",
		"PauseTotalNs",
	};
	if (dp->have_memstats)
		return cursor_fail(c, NULL, "a second memstats record");
	for (int i = 0; i < 24; i++)
		RD(cursor_uvarint(c, head[i], names[i]));
	for (int i = 0; i < 256; i++)
		RD(cursor_uvarint(c, &m->pause_ns[i], "PauseNs"));
	RD(cursor_uvarint(c, &m->num_gc, "NumGC"));
	dp->have_memstats = true;
	return GOHEAP_OK;
}

static int read_memprof(cursor *c, goheap_dump *dp)
{
	goheap_memprof b;
	uint64_t nstk;
	RD(cursor_uvarint(c, &b.bucket, "bucket"));
	RD(cursor_uvarint(c, &b.size, "size"));
	const uint8_t *at = c->p;
	RD(cursor_uvarint(c, &nstk, "nstk"));
	/* Each frame takes at least 3 bytes; a larger count cannot be true. */
	if (nstk > cursor_left(c) / 3) {
		c->p = at;
		return cursor_fail(c, "nstk", "stack depth %llu cannot fit in the %zu bytes left",
				   (unsigned long long)nstk, cursor_left(c));
	}
	if (dp->memprof_frames.n + nstk >= UINT32_MAX)
		return cursor_fail(c, "nstk", "too many memory-profile frames");
	b.first_frame = (uint32_t)dp->memprof_frames.n;
	b.nframes = (uint32_t)nstk;
	for (uint64_t i = 0; i < nstk; i++) {
		goheap_memprof_frame fr;
		RD(cursor_str(c, &fr.func.ptr, &fr.func.len, "frame function"));
		RD(cursor_str(c, &fr.file.ptr, &fr.file.len, "frame file"));
		RD(cursor_uvarint(c, &fr.line, "frame line"));
		goheap_memprof_frame *slot;
		PUSH(dp->memprof_frames, slot);
		*slot = fr;
	}
	RD(cursor_uvarint(c, &b.allocs, "allocs"));
	RD(cursor_uvarint(c, &b.frees, "frees"));
	goheap_memprof *slot;
	PUSH(dp->memprofs, slot);
	*slot = b;
	return GOHEAP_OK;
}

/* Decode the fixed-shape records that are only a list of integers. */
static int read_plain(cursor *c, goheap_dump *dp, unsigned tag)
{
	switch (tag) {
	case GOHEAP_TAG_OTHERROOT: {
		goheap_otherroot r, *slot;
		RD(cursor_str(c, &r.description.ptr, &r.description.len, "description"));
		RD(cursor_uvarint(c, &r.ptr, "ptr"));
		PUSH(dp->otherroots, slot);
		*slot = r;
		return GOHEAP_OK;
	}
	case GOHEAP_TAG_ITAB: {
		goheap_itab t, *slot;
		RD(cursor_uvarint(c, &t.addr, "itab addr"));
		RD(cursor_uvarint(c, &t.type, "type addr"));
		PUSH(dp->itabs, slot);
		*slot = t;
		return GOHEAP_OK;
	}
	case GOHEAP_TAG_OSTHREAD: {
		goheap_osthread t, *slot;
		RD(cursor_uvarint(c, &t.addr, "m addr"));
		RD(cursor_uvarint(c, &t.id, "id"));
		RD(cursor_uvarint(c, &t.procid, "procid"));
		PUSH(dp->osthreads, slot);
		*slot = t;
		return GOHEAP_OK;
	}
	case GOHEAP_TAG_DEFER: {
		goheap_defer d, *slot;
		RD(cursor_uvarint(c, &d.addr, "defer addr"));
		RD(cursor_uvarint(c, &d.gp, "gp"));
		RD(cursor_uvarint(c, &d.sp, "sp"));
		RD(cursor_uvarint(c, &d.pc, "pc"));
		RD(cursor_uvarint(c, &d.fn, "fn"));
		RD(cursor_uvarint(c, &d.fn_pc, "fn pc"));
		RD(cursor_uvarint(c, &d.link, "link"));
		PUSH(dp->defers, slot);
		*slot = d;
		return GOHEAP_OK;
	}
	case GOHEAP_TAG_PANIC: {
		goheap_panic p, *slot;
		uint64_t placeholder;
		RD(cursor_uvarint(c, &p.addr, "panic addr"));
		RD(cursor_uvarint(c, &p.gp, "gp"));
		RD(cursor_uvarint(c, &p.arg_type, "arg type"));
		RD(cursor_uvarint(c, &p.arg_data, "arg data"));
		RD(cursor_uvarint(c, &placeholder, "defer placeholder"));
		RD(cursor_uvarint(c, &p.link, "link"));
		PUSH(dp->panics, slot);
		*slot = p;
		return GOHEAP_OK;
	}
	case GOHEAP_TAG_ALLOCSAMPLE: {
		goheap_allocsample s, *slot;
		RD(cursor_uvarint(c, &s.obj, "obj"));
		RD(cursor_uvarint(c, &s.bucket, "bucket"));
		PUSH(dp->allocsamples, slot);
		*slot = s;
		return GOHEAP_OK;
	}
	default:
		return cursor_fail(c, "tag", "internal: no decoder for tag %u", tag);
	}
}

#define PROGRESS_STEP ((uint64_t)64 << 20)

int godump_read(goheap_dump *dp, const goheap_open_opts *opts, goheap_diag *diag)
{
	cursor cur, *c = &cur;
	cursor_init(c, dp->in.data, dp->in.len, diag);
	RD(read_header(c));
	uint64_t total = dp->in.len, next_progress = PROGRESS_STEP;
	goheap_progress_fn progress = opts ? opts->progress : NULL;
	for (;;) {
		const uint8_t *start = c->p;
		uint64_t tag;
		c->record = "record";
		if (c->p >= c->end)
			return cursor_fail(c, "tag", "truncated: the file ends without the EOF record");
		RD(cursor_uvarint(c, &tag, "tag"));
		if (tag >= GOHEAP_TAG_COUNT) {
			c->p = start;
			return cursor_fail(c, "tag", "unknown record tag %llu", (unsigned long long)tag);
		}
		c->record = tag_names[tag];
		switch (tag) {
		case GOHEAP_TAG_EOF:
			break;
		case GOHEAP_TAG_OBJECT: RD(read_object(c, dp, start)); break;
		case GOHEAP_TAG_TYPE: RD(read_type(c, dp)); break;
		case GOHEAP_TAG_GOROUTINE: RD(read_goroutine(c, dp)); break;
		case GOHEAP_TAG_STACKFRAME: RD(read_frame(c, dp)); break;
		case GOHEAP_TAG_PARAMS: RD(read_params(c, dp)); break;
		case GOHEAP_TAG_FINALIZER: RD(read_finalizer(c, dp, false)); break;
		case GOHEAP_TAG_QUEUEDFINALIZER: RD(read_finalizer(c, dp, true)); break;
		case GOHEAP_TAG_MEMSTATS: RD(read_memstats(c, dp)); break;
		case GOHEAP_TAG_DATA: RD(read_segment(c, dp, false)); break;
		case GOHEAP_TAG_BSS: RD(read_segment(c, dp, true)); break;
		case GOHEAP_TAG_MEMPROF: RD(read_memprof(c, dp)); break;
		default: RD(read_plain(c, dp, (unsigned)tag)); break;
		}
		dp->prev_was_object = tag == GOHEAP_TAG_OBJECT;
		dp->stats[tag].count++;
		dp->stats[tag].bytes += (uint64_t)(c->p - start);
		if (tag == GOHEAP_TAG_EOF)
			break;
		if (progress && cursor_offset(c) >= next_progress) {
			progress(opts->progress_ctx, cursor_offset(c), total);
			next_progress = cursor_offset(c) + PROGRESS_STEP;
		}
	}
	c->record = "eof";
	if (c->p != c->end)
		return cursor_fail(c, NULL, "%zu bytes of trailing data after the EOF record",
				   cursor_left(c));
	if (!dp->have_params)
		return cursor_fail(c, NULL, "the dump has no params record");
	if (progress)
		progress(opts->progress_ctx, total, total);
	return GOHEAP_OK;
}
