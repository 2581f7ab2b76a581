/*
 * spans.c - find the span-tail slots that Go 1.22+ dumps as objects.
 *
 * runtime.dumpobjs walks n = span bytes / elemsize slots per span and
 * skips the free ones, but only slots below span.nelems are ever marked
 * free. Since Go 1.22 a small-object span keeps data at its end, so nelems
 * is smaller than n and the slots past nelems are dumped although the
 * program never allocated them:
 *
 *   - scan spans with elemsize <= ptrSize*ptrBits (512 B on 64-bit, 128 B
 *     on 32-bit) keep their 1-bit-per-word heap bitmap there:
 *     8192 / ptrSize / 8 bytes;
 *   - with the Green Tea collector (the default from Go 1.26) spans with
 *     16 <= elemsize <= that bound also keep 128 bytes of inline mark bits,
 *     scan and noscan alike.
 *
 * So nelems = (8192 - reserve) / elemsize (runtime mheap.initSpan). All
 * those size classes use one-page (8 KiB) spans, so a slot's span starts
 * at its address rounded down to 8 KiB, and every object in that page is a
 * slot of the same span.
 *
 * Whether a span is "scan" is not in the dump. A scan span's allocated
 * objects always list pointer fields, so a page with any listed pointer is
 * scan. A page with none is taken as noscan, except when its objects are
 * exactly the slots past the scan nelems: a scan span in which every
 * allocated slot is free.
 */
#include <stdlib.h>

#include "formats/godump/dump_int.h"

#define PAGE_SIZE 8192u
#define INLINE_MARK_BITS 128u

/*
 * Whether object k lists pointer fields: from the has-pointers bits the
 * second pass left in dp->span_tail, or else from its field list.
 */
static bool has_pointers(const goheap_dump *dp, bool bits, size_t k)
{
	if (bits)
		return (dp->span_tail[k / 8] >> (k % 8)) & 1;
	const uint8_t *fl = dp->in.data + objects_off(&dp->obj, k) + objects_size(&dp->obj, k);
	return godump_fields_any(fl, dp->in.data + dp->in.len);
}

static void set_bit(uint8_t *map, size_t k, bool on)
{
	if (on)
		map[k / 8] |= (uint8_t)(1u << (k % 8));
	else
		map[k / 8] &= (uint8_t)~(1u << (k % 8));
}

/* Number of allocatable slots of an elemsize span, per the rules above. */
static uint64_t span_nelems(const goheap_dump *dp, uint64_t elemsize, bool scan)
{
	uint64_t ptr = dp->params.ptr_size;
	uint64_t heap_bits_max = ptr * ptr * 8;
	uint64_t reserve = 0;
	bool green_tea = dp->go_minor >= 26;
	if (green_tea && elemsize >= 16 && elemsize <= heap_bits_max)
		reserve += INLINE_MARK_BITS;
	if (scan && elemsize <= heap_bits_max)
		reserve += PAGE_SIZE / ptr / 8;
	return (PAGE_SIZE - reserve) / elemsize;
}

/*
 * Replace has-pointers bits by span-tail bits, one page at a time: a
 * page's has-pointers bits are all read before its tail bits are written.
 */
int godump_find_span_tails(goheap_dump *dp, goheap_diag *diag)
{
	const objects *t = &dp->obj;
	const uint64_t *addr = t->addr;
	size_t n = t->n;
	bool bits = dp->span_tail != NULL;
	bool versioned = dp->go_major == 1 && dp->go_minor >= 22;
	if (!versioned) {
		free(dp->span_tail);
		dp->span_tail = NULL;
		return GOHEAP_OK;
	}
	if (!bits && !(dp->span_tail = calloc(n / 8 + 1, 1)))
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	uint64_t heap_bits_max = (uint64_t)dp->params.ptr_size * dp->params.ptr_size * 8;
	size_t i = 0;
	while (i < n) {
		uint64_t page = addr[i] & ~(uint64_t)(PAGE_SIZE - 1);
		uint32_t elemsize = t->size[i];
		size_t j = i;
		bool any_ptr = false, same_size = true;
		while (j < n && (addr[j] & ~(uint64_t)(PAGE_SIZE - 1)) == page) {
			any_ptr |= has_pointers(dp, bits, j);
			same_size &= t->size[j] == elemsize;
			j++;
		}
		uint64_t nelems = UINT64_MAX;
		if (elemsize <= heap_bits_max && same_size) {
			uint64_t nel_scan = span_nelems(dp, elemsize, true);
			uint64_t nel_noscan = span_nelems(dp, elemsize, false);
			bool scan = any_ptr;
			if (!scan && nel_scan < nel_noscan) {
				/* All slots past nel_scan, and nothing else? */
				uint64_t first = (addr[i] - page) / elemsize;
				scan = first == nel_scan && (uint64_t)(j - i) == PAGE_SIZE / elemsize - nel_scan;
			}
			nelems = scan ? nel_scan : nel_noscan;
		}
		for (size_t k = i; k < j; k++) {
			bool tail = (addr[k] - page) / elemsize >= nelems;
			set_bit(dp->span_tail, k, tail);
			if (tail) {
				dp->span_tail_count++;
				dp->span_tail_bytes += elemsize;
			}
		}
		i = j;
	}
	return GOHEAP_OK;
}

bool goheap_dump_is_span_tail(const goheap_dump *dp, uint32_t index)
{
	return dp->span_tail && index < dp->obj.n &&
	       (dp->span_tail[index / 8] >> (index % 8)) & 1;
}

void goheap_dump_span_tail_totals(const goheap_dump *dp, uint64_t *count, uint64_t *bytes)
{
	*count = dp->span_tail_count;
	*bytes = dp->span_tail_bytes;
}
