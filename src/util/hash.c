/* hash.c - XXH3 hashing and the string map; see hash.h. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t hash_bytes(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

void strmap_free(strmap *m)
{
	free(m->slots);
	free(m->keys);
	memset(m, 0, sizeof *m);
}

static struct strmap_slot *find(const strmap *m, const char *key, size_t len, uint64_t h)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (s->value == UINT32_MAX)
			return s;
		if (s->hash == h && s->key_len == len && memcmp(m->keys + s->key_off, key, len) == 0)
			return s;
	}
}

uint32_t strmap_get(const strmap *m, const char *key, size_t len)
{
	struct strmap_slot *s = find(m, key, len, hash_bytes(key, len));
	return s ? s->value : UINT32_MAX;
}

const char *strmap_key(const strmap *m, const char *key, size_t len)
{
	struct strmap_slot *s = find(m, key, len, hash_bytes(key, len));
	return s && s->value != UINT32_MAX ? m->keys + s->key_off : NULL;
}

static int grow(strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct strmap_slot *slots = malloc(cap * sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < cap; i++)
		slots[i].value = UINT32_MAX;
	for (size_t i = 0; i < m->cap; i++) {
		struct strmap_slot *s = &m->slots[i];
		if (s->value == UINT32_MAX)
			continue;
		size_t j = (size_t)s->hash & (cap - 1);
		while (slots[j].value != UINT32_MAX)
			j = (j + 1) & (cap - 1);
		slots[j] = *s;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int strmap_put(strmap *m, const char *key, size_t len, uint32_t value)
{
	if (value == UINT32_MAX || len > UINT32_MAX - 1)
		return -1;
	if ((m->count + 1) * 2 > m->cap && grow(m))
		return -1;
	uint64_t h = hash_bytes(key, len);
	struct strmap_slot *s = find(m, key, len, h);
	if (s->value != UINT32_MAX) {
		s->value = value;
		return 0;
	}
	if (m->keys_len + len + 1 > m->keys_alloc) {
		size_t cap = m->keys_alloc ? m->keys_alloc : 4096;
		while (cap < m->keys_len + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -1;
		char *k = realloc(m->keys, cap);
		if (!k)
			return -1;
		m->keys = k;
		m->keys_alloc = cap;
	}
	memcpy(m->keys + m->keys_len, key, len);
	m->keys[m->keys_len + len] = '\0';
	*s = (struct strmap_slot){ h, (uint32_t)m->keys_len, (uint32_t)len, value };
	m->keys_len += len + 1;
	m->count++;
	return 0;
}
