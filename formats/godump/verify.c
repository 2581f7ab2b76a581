/*
 * verify.c - consistency checks across records (goheap check). Decoding
 * already guarantees every length and offset stays inside the file; these
 * checks catch dumps that decode but cannot be what the runtime wrote.
 */
#include "formats/godump/dump_int.h"

#define FAIL(off, record, field, ...) \
	diag_set(d, GOHEAP_ECORRUPT, off, record, field, __VA_ARGS__)

static int verify_objects(const goheap_dump *dp, goheap_diag *d)
{
	const goheap_params *pr = &dp->params;
	bool ranged = pr->heap_end > pr->heap_start;
	for (uint32_t i = 0; i < dp->obj.n; i++) {
		goheap_object obj = goheap_dump_object(dp, i), *o = &obj;
		if (o->addr % pr->ptr_size)
			return FAIL(o->contents_off, "object", "addr",
				    "object at 0x%llx is not pointer-aligned (pointer size %llu)",
				    (unsigned long long)o->addr, (unsigned long long)pr->ptr_size);
		if (ranged && (o->addr < pr->heap_start || o->addr - pr->heap_start >= pr->heap_end - pr->heap_start ||
			       o->size > pr->heap_end - o->addr))
			return FAIL(o->contents_off, "object", "addr",
				    "object at 0x%llx (%llu bytes) lies outside the heap range of the params record",
				    (unsigned long long)o->addr, (unsigned long long)o->size);
	}
	return GOHEAP_OK;
}

static int verify_goroutines(const goheap_dump *dp, goheap_diag *d)
{
	for (size_t gi = 0; gi < dp->goroutines.n; gi++) {
		const goheap_goroutine *g = &dp->goroutines.v[gi];
		if (g->status != GOHEAP_G_RUNNABLE && g->status != GOHEAP_G_RUNNING &&
		    g->status != GOHEAP_G_SYSCALL && g->status != GOHEAP_G_WAITING)
			return FAIL(GOHEAP_NO_OFFSET, "goroutine", "status",
				    "goroutine %llu has status %llu, which the runtime never dumps",
				    (unsigned long long)g->goid, (unsigned long long)g->status);
		for (uint32_t k = 0; k < g->nframes; k++) {
			const goheap_frame *f = &dp->frames.v[g->first_frame + k];
			if (f->depth != k)
				return FAIL(f->contents_off, "stackframe", "depth",
					    "goroutine %llu: frame at depth %llu out of order",
					    (unsigned long long)g->goid, (unsigned long long)f->depth);
			if (k == 0 && f->sp != g->sp)
				return FAIL(f->contents_off, "stackframe", "sp",
					    "goroutine %llu: innermost frame sp 0x%llx is not the goroutine's sp",
					    (unsigned long long)g->goid, (unsigned long long)f->sp);
			if (k > 0 && f->child_sp != dp->frames.v[g->first_frame + k - 1].sp)
				return FAIL(f->contents_off, "stackframe", "child sp",
					    "goroutine %llu: frame at depth %llu does not link to its callee",
					    (unsigned long long)g->goid, (unsigned long long)k);
		}
	}
	return GOHEAP_OK;
}

static int verify_roots(const goheap_dump *dp, goheap_diag *d)
{
	uint32_t idx;
	for (size_t i = 0; i < dp->finalizers.n; i++) {
		const goheap_finalizer *f = &dp->finalizers.v[i];
		if (goheap_dump_find_object(dp, f->obj, &idx) != GOHEAP_OK)
			return FAIL(GOHEAP_NO_OFFSET, f->queued ? "queuedfinalizer" : "finalizer", "obj",
				    "finalizer object 0x%llx is not inside any dumped object",
				    (unsigned long long)f->obj);
	}
	for (size_t i = 0; i < dp->allocsamples.n; i++) {
		const goheap_allocsample *s = &dp->allocsamples.v[i];
		if (goheap_dump_find_object(dp, s->obj, &idx) != GOHEAP_OK)
			return FAIL(GOHEAP_NO_OFFSET, "allocsample", "obj",
				    "sampled object 0x%llx is not inside any dumped object",
				    (unsigned long long)s->obj);
	}
	if (dp->stats[GOHEAP_TAG_MEMSTATS].count != 1)
		return FAIL(GOHEAP_NO_OFFSET, "memstats", NULL,
			    "the dump has %llu memstats records, not 1",
			    (unsigned long long)dp->stats[GOHEAP_TAG_MEMSTATS].count);
	return GOHEAP_OK;
}

int goheap_dump_verify(const goheap_dump *dp, goheap_diag *d)
{
	int rc = verify_objects(dp, d);
	if (!rc)
		rc = verify_goroutines(dp, d);
	if (!rc)
		rc = verify_roots(dp, d);
	return rc;
}
