/* touch.c - see touch.h. */
#include "touch.h"

#include <stddef.h>
#include <stdlib.h>

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static uint64_t touch_str(uint64_t h, goheap_str s)
{
	for (size_t i = 0; i < s.len; i++)
		h = mix(h, (unsigned char)s.ptr[i]);
	return h;
}

/* Read the word at every listed offset of a block at dump offset base
 * (block_len bytes), and look each word up as an object address. */
static uint64_t touch_fields(const goheap_dump *dp, goheap_fields it, uint64_t base, uint64_t block_len,
			     bool deep)
{
	uint64_t h = 0, off;
	uint32_t ps = goheap_dump_params(dp)->ptr_size;
	while (goheap_fields_next(&it, &off)) {
		h = mix(h, off);
		/* Opening guarantees the word lies inside its block. */
		if (off > block_len || block_len - off < ps)
			abort();
		uint64_t w = goheap_dump_read_word(dp, goheap_dump_data(dp, base + off));
		uint32_t idx;
		if (deep && goheap_dump_find_object(dp, w, &idx) == GOHEAP_OK)
			h = mix(h, idx);
		h = mix(h, w);
	}
	return h;
}

uint64_t touch_dump(const goheap_dump *dp, bool deep)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const goheap_params *pr = goheap_dump_params(dp);
	h = touch_str(h, pr->goarch);
	h = touch_str(h, pr->go_version);
	h = mix(h, pr->heap_start ^ pr->heap_end ^ pr->ncpu ^ pr->ptr_size);
	unsigned major, minor;
	goheap_dump_go_version(dp, &major, &minor);
	h = mix(h, major * 1000u + minor);
	h = mix(h, goheap_dump_size(dp));
	h = mix(h, goheap_dump_was_compressed(dp));
	for (unsigned t = 0; t <= GOHEAP_TAG_COUNT; t++) {
		goheap_record_stat st = goheap_dump_record_stat(dp, t);
		h = mix(h, st.count ^ st.bytes);
		h = mix(h, (unsigned char)goheap_tag_name(t)[0]);
	}

	size_t n = goheap_dump_object_count(dp);
	uint64_t size = goheap_dump_size(dp);
	goheap_object prev = { 0, 0, 0 };
	for (size_t i = 0; i < n; i++) {
		goheap_object o = goheap_dump_object(dp, (uint32_t)i);
		if (o.size == 0 || o.contents_off > size || size - o.contents_off < o.size)
			abort();
		if (goheap_dump_object_addrs(dp)[i] != o.addr)
			abort();
		if (i > 0 && o.addr - prev.addr < prev.size)
			abort(); /* unsorted or overlapping */
		const uint8_t *p = goheap_dump_data(dp, o.contents_off);
		h = mix(h, p[0] ^ p[o.size - 1]);
		h = mix(h, touch_fields(dp, goheap_object_fields(dp, &o), o.contents_off, o.size, deep));
		uint32_t idx;
		if (deep && (goheap_dump_find_object(dp, o.addr + o.size - 1, &idx) != GOHEAP_OK ||
			     idx != i))
			abort();
		h = mix(h, goheap_dump_is_span_tail(dp, (uint32_t)i));
		prev = o;
	}
	h = mix(h, goheap_dump_object_pointers(dp));
	uint64_t tc, tb;
	goheap_dump_span_tail_totals(dp, &tc, &tb);
	h = mix(h, tc ^ tb);

	const goheap_goroutine *g = goheap_dump_goroutines(dp, &n);
	size_t nframes;
	const goheap_frame *fr = goheap_dump_frames(dp, &nframes);
	for (size_t i = 0; i < n; i++) {
		h = touch_str(h, g[i].wait_reason);
		for (uint32_t k = 0; k < g[i].nframes; k++) {
			/* Every frame index a goroutine names exists. */
			if ((uint64_t)g[i].first_frame + k >= nframes)
				abort();
			const goheap_frame *f = &fr[g[i].first_frame + k];
			h = mix(h, f->goroutine);
		}
	}
	for (size_t i = 0; i < nframes; i++) {
		h = touch_str(h, fr[i].func);
		if (fr[i].contents_len) {
			const uint8_t *p = goheap_dump_data(dp, fr[i].contents_off);
			h = mix(h, p[0] ^ p[fr[i].contents_len - 1]);
		}
		h = mix(h, touch_fields(dp, goheap_fields_at(dp, fr[i].fields_off), fr[i].contents_off,
					fr[i].contents_len, deep));
		h = mix(h, fr[i].nfields);
	}

	const goheap_segment *seg = goheap_dump_segments(dp, &n);
	for (size_t i = 0; i < n; i++) {
		if (seg[i].len) {
			const uint8_t *p = goheap_dump_data(dp, seg[i].contents_off);
			h = mix(h, p[0] ^ p[seg[i].len - 1]);
		}
		h = mix(h, touch_fields(dp, goheap_fields_at(dp, seg[i].fields_off), seg[i].contents_off, seg[i].len, deep));
	}

	const goheap_finalizer *fin = goheap_dump_finalizers(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = mix(h, fin[i].obj ^ fin[i].fn ^ fin[i].queued);
	const goheap_type *ty = goheap_dump_types(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = touch_str(mix(h, ty[i].addr), ty[i].name);
	const goheap_itab *it = goheap_dump_itabs(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = mix(h, it[i].addr ^ it[i].type);
	const goheap_osthread *os = goheap_dump_osthreads(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = mix(h, os[i].id);
	const goheap_otherroot *orr = goheap_dump_otherroots(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = touch_str(h, orr[i].description);
	const goheap_defer *df = goheap_dump_defers(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = mix(h, df[i].link);
	const goheap_panic *pa = goheap_dump_panics(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = mix(h, pa[i].link);
	size_t nmf;
	const goheap_memprof_frame *mf = goheap_dump_memprof_frames(dp, &nmf);
	const goheap_memprof *mp = goheap_dump_memprofs(dp, &n);
	for (size_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < mp[i].nframes; k++) {
			if ((uint64_t)mp[i].first_frame + k >= nmf)
				abort();
			const goheap_memprof_frame *f = &mf[mp[i].first_frame + k];
			h = touch_str(touch_str(h, f->func), f->file);
		}
	const goheap_allocsample *as = goheap_dump_allocsamples(dp, &n);
	for (size_t i = 0; i < n; i++)
		h = mix(h, as[i].obj);
	const goheap_memstats *ms = goheap_dump_memstats(dp);
	if (ms)
		h = mix(h, ms->pause_ns[255] ^ ms->num_gc);

	/* verify either passes or reports corruption, with a diag. */
	goheap_diag d;
	int rc = goheap_dump_verify(dp, &d);
	if (rc != GOHEAP_OK && (rc != GOHEAP_ECORRUPT || d.code != rc || !d.msg[0]))
		abort();
	h = mix(h, (uint64_t)rc);
	return h;
}
