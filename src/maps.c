/* maps.c: BPF maps with the kernel's semantics (kernel/bpf/arraymap.c, hashtab.c,
 * lpm_trie.c, devmap.c, cpumap.c, xskmap.c), all storage preallocated by map__init.
 *
 * Values live in m->values, the region programs address; a value's offset is stable
 * while its element lives. Three index kinds sit beside it in m->priv:
 *   arrays  (ARRAY, PERCPU_ARRAY, PROG_ARRAY, ARRAY_OF_MAPS, DEVMAP, CPUMAP, XSKMAP)
 *   hashes  (HASH, PERCPU_HASH, LRU_*, DEVMAP_HASH, HASH_OF_MAPS): chained buckets, an
 *           insertion-order list (get_next_key), a recency list (LRU), a FIFO of free
 *           slots; one slot more than max_entries so that replacing an element writes
 *           a fresh slot and publishes it, as the kernel's extra_elems do
 *   tries   (LPM_TRIE): a path-compressed binary trie of nodes, values in FIFO slots
 * Every entry point that may change the map holds m->lock; docs/helpers.md describes
 * what readers may see. Program-side lookups that change nothing (all but LRU and LPM
 * maps) take no lock: every locked section moves m->seq, odd while it runs, and a
 * lookup that saw it move is repeated under the lock (a seqlock). ARRAY and
 * PERCPU_ARRAY updates write values in place, as the kernel's: no lock either. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"

#define NIL UINT32_MAX
#define ROUND8(x) (((x) + 7u) & ~7u)
#define MAX_BPF_STACK 512
#define PCPU_MIN_UNIT_SIZE 32768
#define LPM_DATA_MAX 256
#define CPUMAP_QSIZE_MAX 16384
#define REGION_MAX (1ull << 30)	/* value storage of one map */
#define ACCESS_MASK (BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)

/* ---- small pieces ------------------------------------------------------------------ */

static void lock(struct hxdp_map *m)
{
	while (__atomic_exchange_n(&m->lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	__atomic_store_n(&m->seq, m->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* odd before any change */
}

static void unlock(struct hxdp_map *m)
{
	__atomic_store_n(&m->seq, m->seq + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&m->lock, 0, __ATOMIC_RELEASE);
}

/* copy with aligned 8-byte words stored atomically: a reader never sees a torn word */
static void copy_words(void *dst, const void *src, uint32_t n)
{
	uint64_t *d = dst, w;
	const uint8_t *s = src;
	uint32_t i = 0;

	if (!((uintptr_t)dst & 7))
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, s + i, 8);
			__atomic_store_n(d + i / 8, w, __ATOMIC_RELAXED);
		}
	memcpy((uint8_t *)dst + i, s + i, n - i);
}

static uint32_t get32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

struct fifo {
	uint32_t *q, head, n, cap;
};

/* head < cap and n <= cap: a wrap is one subtraction, no division */
static void fifo_push(struct fifo *f, uint32_t v)
{
	uint32_t i = f->head + f->n++;

	f->q[i >= f->cap ? i - f->cap : i] = v;
}

static uint32_t fifo_pop(struct fifo *f)
{
	uint32_t v;

	if (!f->n)
		return NIL;
	v = f->q[f->head];
	f->head = f->head + 1 == f->cap ? 0 : f->head + 1;
	f->n--;
	return v;
}

static void fifo_fill(struct fifo *f)
{
	f->head = 0;
	f->n = 0;
	for (uint32_t i = 0; i < f->cap; i++)
		fifo_push(f, i);
}

struct dlist {
	uint32_t *prev, *next, head, tail;
};

static void dl_reset(struct dlist *l)
{
	l->head = l->tail = NIL;
}

static void dl_push_tail(struct dlist *l, uint32_t i)
{
	l->prev[i] = l->tail;
	l->next[i] = NIL;
	if (l->tail != NIL)
		l->next[l->tail] = i;
	else
		l->head = i;
	l->tail = i;
}

static void dl_push_head(struct dlist *l, uint32_t i)
{
	l->next[i] = l->head;
	l->prev[i] = NIL;
	if (l->head != NIL)
		l->prev[l->head] = i;
	else
		l->tail = i;
	l->head = i;
}

static void dl_del(struct dlist *l, uint32_t i)
{
	if (l->prev[i] != NIL)
		l->next[l->prev[i]] = l->next[i];
	else
		l->head = l->next[i];
	if (l->next[i] != NIL)
		l->prev[l->next[i]] = l->prev[i];
	else
		l->tail = l->prev[i];
}

/* n takes o's place in the list */
static void dl_replace(struct dlist *l, uint32_t o, uint32_t n)
{
	l->prev[n] = l->prev[o];
	l->next[n] = l->next[o];
	if (l->prev[o] != NIL)
		l->next[l->prev[o]] = n;
	else
		l->head = n;
	if (l->next[o] != NIL)
		l->prev[l->next[o]] = n;
	else
		l->tail = n;
}

/* ---- types ------------------------------------------------------------------------- */

enum kind { K_NONE, K_ARRAY, K_HASH, K_LPM };

static inline enum kind kind_of(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY: case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PROG_ARRAY: case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_DEVMAP: case BPF_MAP_TYPE_CPUMAP: case BPF_MAP_TYPE_XSKMAP:
		return K_ARRAY;
	case BPF_MAP_TYPE_HASH: case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH: case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_DEVMAP_HASH: case BPF_MAP_TYPE_HASH_OF_MAPS:
		return K_HASH;
	case BPF_MAP_TYPE_LPM_TRIE:
		return K_LPM;
	default:
		return K_NONE;
	}
}

static inline int is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static inline int is_lru(uint32_t type)
{
	return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* arrays whose slots can be empty */
static int has_present(uint32_t type)
{
	return kind_of(type) == K_ARRAY && type != BPF_MAP_TYPE_ARRAY &&
	       type != BPF_MAP_TYPE_PERCPU_ARRAY;
}

int map__type_supported(uint32_t type)
{
	return kind_of(type) != K_NONE;
}

const char *map__type_name(uint32_t type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

static uint32_t slot_off(const struct hxdp_map *m, uint32_t slot, uint32_t cpu)
{
	return (slot * m->ncpus + cpu) * m->elem_size;
}

/* value of a program-side update (one CPU), or of a user-side one (all CPUs) */
static void put_value(struct hxdp_map *m, uint32_t slot, const void *val, int user,
		      uint32_t cpu, int fresh)
{
	if (m->ncpus == 1 && !is_percpu(m->type)) {
		copy_words(m->values + slot_off(m, slot, 0), val, m->value_size);
		return;
	}
	for (uint32_t c = 0; c < m->ncpus; c++) {
		uint8_t *d = m->values + slot_off(m, slot, c);

		if (user)
			copy_words(d, (const uint8_t *)val + c * m->elem_size, m->elem_size);
		else if (c == cpu)
			copy_words(d, val, m->value_size);
		else if (fresh)
			memset(d, 0, m->elem_size);
	}
}

static void get_value(const struct hxdp_map *m, uint32_t slot, void *val)
{
	if (!is_percpu(m->type)) {
		memcpy(val, m->values + slot_off(m, slot, 0), m->value_size);
		return;
	}
	for (uint32_t c = 0; c < m->ncpus; c++)
		memcpy((uint8_t *)val + c * m->elem_size, m->values + slot_off(m, slot, c),
		       m->elem_size);
}

/* update flags the kernel's map ops accept: BPF_ANY, BPF_NOEXIST, BPF_EXIST */
static int bad_flags(uint64_t flags)
{
	return flags > BPF_EXIST;
}

/* ---- arrays ------------------------------------------------------------------------ */

struct arr {
	uint8_t *present;	/* NULL for ARRAY and PERCPU_ARRAY: always present */
	uint32_t count;
};

static int arr_init(struct hxdp_map *m)
{
	struct arr *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	m->priv = a;
	if (has_present(m->type)) {
		a->present = calloc(m->max_entries, 1);
		if (!a->present)
			return -ENOMEM;
	}
	return 0;
}

static void arr_free(struct hxdp_map *m)
{
	struct arr *a = m->priv;

	if (a)
		free(a->present);
	free(a);
}

static void arr_clear(struct hxdp_map *m)
{
	struct arr *a = m->priv;

	memset(m->values, 0, m->values_size);
	if (a->present)
		memset(a->present, 0, m->max_entries);
	a->count = 0;
}

static int arr_live(const struct hxdp_map *m, uint32_t i)
{
	const struct arr *a = m->priv;

	return i < m->max_entries && (!a->present || a->present[i]);
}

static void arr_set(struct hxdp_map *m, uint32_t i, const void *val, uint32_t n)
{
	struct arr *a = m->priv;

	if (!a->present[i])
		a->count++;
	a->present[i] = 1;
	memset(m->values + slot_off(m, i, 0), 0, m->elem_size);
	copy_words(m->values + slot_off(m, i, 0), val, n);
}

static int arr_unset(struct hxdp_map *m, uint32_t i)
{
	struct arr *a = m->priv;

	if (!a->present[i])
		return -ENOENT;
	a->present[i] = 0;
	a->count--;
	return 0;
}

/* ARRAY, PERCPU_ARRAY (arraymap.c array_map_update_elem, bpf_percpu_array_update) */
static int arr_update_plain(struct hxdp_map *m, uint32_t i, const void *val,
			    uint64_t flags, int user, uint32_t cpu)
{
	if (user && (flags & BPF_F_LOCK))
		return -EINVAL;	/* no bpf_spin_lock in our values */
	if (bad_flags(flags & ~(uint64_t)BPF_F_LOCK))
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	if (flags & BPF_NOEXIST)
		return -EEXIST;
	if (flags & BPF_F_LOCK)
		return -EINVAL;
	put_value(m, i, val, user, cpu, 0);
	return 0;
}

/* DEVMAP (devmap.c __dev_map_update_elem): ifindex 0 empties the slot */
static int devmap_update(struct hxdp_map *m, uint32_t i, const void *val, uint64_t flags)
{
	uint32_t v[2] = { get32(val), 0 };

	if (bad_flags(flags))
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	if (m->value_size == 8 && (int32_t)get32((const uint8_t *)val + 4) > 0)
		return -EOPNOTSUPP;	/* a devmap program (bpf_prog.fd) is not modelled */
	if (!v[0]) {
		arr_unset(m, i);
		return 0;
	}
	arr_set(m, i, v, m->value_size);
	return 0;
}

/* CPUMAP (cpumap.c cpu_map_update_elem): qsize 0 empties the slot */
static int cpumap_update(struct hxdp_map *m, uint32_t i, const void *val, uint64_t flags)
{
	uint32_t v[2] = { get32(val), 0 };

	if (bad_flags(flags))
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	if (v[0] > CPUMAP_QSIZE_MAX)
		return -EOVERFLOW;
	if (i >= m->possible_cpus)
		return -ENODEV;
	if (m->value_size == 8 && (int32_t)get32((const uint8_t *)val + 4) > 0)
		return -EOPNOTSUPP;	/* a cpumap program is not modelled */
	if (!v[0]) {
		arr_unset(m, i);
		return 0;
	}
	arr_set(m, i, v, m->value_size);
	return 0;
}

/* XSKMAP (xskmap.c xsk_map_update_elem): the value is an opaque socket id here */
static int xskmap_update(struct hxdp_map *m, uint32_t i, const void *val, uint64_t flags)
{
	if (bad_flags(flags))
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	if (arr_live(m, i) && flags == BPF_NOEXIST)
		return -EEXIST;
	if (!arr_live(m, i) && flags == BPF_EXIST)
		return -ENOENT;
	arr_set(m, i, val, 4);
	return 0;
}

/* PROG_ARRAY, ARRAY_OF_MAPS (arraymap.c bpf_fd_array_map_update_elem) */
static int fdarr_update(struct hxdp_map *m, uint32_t i, const void *val, uint64_t flags)
{
	if (flags != BPF_ANY)
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	arr_set(m, i, val, 4);
	return 0;
}

static int arr_update(struct hxdp_map *m, const void *key, const void *val,
		      uint64_t flags, int user, uint32_t cpu)
{
	uint32_t i = get32(key);

	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return arr_update_plain(m, i, val, flags, user, cpu);
	case BPF_MAP_TYPE_DEVMAP:
		return user ? devmap_update(m, i, val, flags) : -EOPNOTSUPP;
	case BPF_MAP_TYPE_CPUMAP:
		return user ? cpumap_update(m, i, val, flags) : -EOPNOTSUPP;
	case BPF_MAP_TYPE_XSKMAP:
		return user ? xskmap_update(m, i, val, flags) : -EOPNOTSUPP;
	default:
		return user ? fdarr_update(m, i, val, flags) : -EOPNOTSUPP;
	}
}

static int arr_delete(struct hxdp_map *m, const void *key)
{
	uint32_t i = get32(key);

	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return -EINVAL;
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return i >= m->max_entries ? -E2BIG : arr_unset(m, i);
	default:	/* DEVMAP, CPUMAP, XSKMAP: emptying an empty slot is no error */
		if (i >= m->max_entries)
			return -EINVAL;
		arr_unset(m, i);
		return 0;
	}
}

static int arr_next_key(struct hxdp_map *m, const void *key, void *next)
{
	uint32_t i = key ? get32(key) : UINT32_MAX, n;

	if (i >= m->max_entries)
		n = 0;
	else if (i == m->max_entries - 1)
		return -ENOENT;
	else
		n = i + 1;
	memcpy(next, &n, 4);
	return 0;
}

/* ---- hashes ------------------------------------------------------------------------ */

struct htab {
	uint32_t nbuckets, nslots, count;
	uint32_t *bucket, *hnext;
	uint32_t *hash;		/* hash_key of each slot's key, set while it is linked */
	struct dlist order;	/* insertion order: get_next_key */
	struct dlist lru;	/* LRU maps: head is the most recently used */
	struct fifo free;
	uint8_t *keys;
};

/* 8 bytes a step (a multiply-xorshift chain), the tail, then a final avalanche: buckets
 * take the low bits */
static inline uint32_t hash_key(const void *key, uint32_t n)
{
	const uint8_t *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w = 0;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		if (n & 4) {
			uint32_t v;

			memcpy(&v, p, 4);
			w = v;
			p += 4;
		}
		for (uint32_t i = 0; i < (n & 3); i++)
			w = w << 8 | p[i];
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static inline int key_eq(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint64_t x, y;

	for (; n >= 8; a += 8, b += 8, n -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	for (; n; n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

static int htab_init(struct hxdp_map *m)
{
	struct htab *h = calloc(1, sizeof(*h));
	uint32_t n = m->max_entries + 1;

	if (!h)
		return -ENOMEM;
	m->priv = h;
	h->nslots = n;
	h->nbuckets = 1;
	while (h->nbuckets < m->max_entries && h->nbuckets < (1u << 30))
		h->nbuckets <<= 1;
	h->bucket = malloc(sizeof(uint32_t) * h->nbuckets);
	h->hnext = malloc(sizeof(uint32_t) * n);
	h->hash = malloc(sizeof(uint32_t) * n);
	h->order.prev = malloc(sizeof(uint32_t) * n);
	h->order.next = malloc(sizeof(uint32_t) * n);
	h->free.q = malloc(sizeof(uint32_t) * n);
	h->keys = malloc((size_t)m->key_size * n);
	if (is_lru(m->type)) {
		h->lru.prev = malloc(sizeof(uint32_t) * n);
		h->lru.next = malloc(sizeof(uint32_t) * n);
		if (!h->lru.prev || !h->lru.next)
			return -ENOMEM;
	}
	h->free.cap = n;
	if (!h->bucket || !h->hnext || !h->hash || !h->order.prev || !h->order.next || !h->free.q ||
	    !h->keys)
		return -ENOMEM;
	return 0;
}

static void htab_free(struct hxdp_map *m)
{
	struct htab *h = m->priv;

	if (!h)
		return;
	free(h->bucket);
	free(h->hnext);
	free(h->hash);
	free(h->order.prev);
	free(h->order.next);
	free(h->lru.prev);
	free(h->lru.next);
	free(h->free.q);
	free(h->keys);
	free(h);
}

static void htab_clear(struct hxdp_map *m)
{
	struct htab *h = m->priv;

	memset(m->values, 0, m->values_size);
	for (uint32_t b = 0; b < h->nbuckets; b++)
		h->bucket[b] = NIL;
	dl_reset(&h->order);
	dl_reset(&h->lru);
	fifo_fill(&h->free);
	h->count = 0;
}

static uint8_t *htab_key(const struct hxdp_map *m, uint32_t s)
{
	const struct htab *h = m->priv;

	return h->keys + (size_t)s * m->key_size;
}

static uint32_t htab_find_hashed(const struct hxdp_map *m, const void *key, uint32_t hv)
{
	const struct htab *h = m->priv;

	for (uint32_t s = h->bucket[hv & (h->nbuckets - 1)]; s != NIL; s = h->hnext[s])
		if (h->hash[s] == hv && key_eq(htab_key(m, s), key, m->key_size))
			return s;
	return NIL;
}

static uint32_t htab_find(const struct hxdp_map *m, const void *key)
{
	return htab_find_hashed(m, key, hash_key(key, m->key_size));
}

/* htab_find without the lock: links read as they are (a seqlock reader validates the
 * result), the walk cut after nslots steps (a cycle met mid-update): then CUT */
#define CUT (NIL - 1)
static uint32_t htab_find_unlocked(const struct hxdp_map *m, const void *key)
{
	const struct htab *h = m->priv;
	uint32_t hv = hash_key(key, m->key_size), steps = 0, s;

	s = __atomic_load_n(&h->bucket[hv & (h->nbuckets - 1)], __ATOMIC_ACQUIRE);
	for (; s != NIL; s = __atomic_load_n(&h->hnext[s], __ATOMIC_RELAXED)) {
		if (s >= h->nslots || ++steps > h->nslots)
			return CUT;
		if (__atomic_load_n(&h->hash[s], __ATOMIC_RELAXED) == hv &&
		    key_eq(htab_key(m, s), key, m->key_size))
			return s;
	}
	return NIL;
}

/* s's key and h->hash[s] are set */
static void htab_link(struct hxdp_map *m, uint32_t s)
{
	struct htab *h = m->priv;
	uint32_t b = h->hash[s] & (h->nbuckets - 1);

	h->hnext[s] = h->bucket[b];
	__atomic_store_n(&h->bucket[b], s, __ATOMIC_RELEASE);	/* publish */
}

static void htab_unlink(struct hxdp_map *m, uint32_t s)
{
	struct htab *h = m->priv;
	uint32_t *p = &h->bucket[h->hash[s] & (h->nbuckets - 1)];

	while (*p != s)
		p = &h->hnext[*p];
	*p = h->hnext[s];
}

static void htab_remove(struct hxdp_map *m, uint32_t s)
{
	struct htab *h = m->priv;

	htab_unlink(m, s);
	dl_del(&h->order, s);
	if (is_lru(m->type))
		dl_del(&h->lru, s);
	fifo_push(&h->free, s);
	h->count--;
}

static void lru_touch(struct hxdp_map *m, uint32_t s)
{
	struct htab *h = m->priv;

	if (is_lru(m->type) && h->lru.head != s) {
		dl_del(&h->lru, s);
		dl_push_head(&h->lru, s);
	}
}

/* flag checks of hashtab.c (htab_map_update_elem, check_flags), devmap.c
 * (__dev_map_hash_update_elem); returns 1 when the update may go on */
static int htab_check(struct hxdp_map *m, uint32_t old, const void *val, uint64_t flags,
		      int user, int *err)
{
	*err = 0;
	if (m->type == BPF_MAP_TYPE_DEVMAP_HASH) {
		if (!user)
			*err = -EOPNOTSUPP;
		else if (bad_flags(flags) || !get32(val))
			*err = -EINVAL;
		else if (old != NIL && (flags & BPF_NOEXIST))
			*err = -EEXIST;
		else if (m->value_size == 8 && (int32_t)get32((const uint8_t *)val + 4) > 0)
			*err = -EOPNOTSUPP;
		return !*err;
	}
	if (m->type == BPF_MAP_TYPE_HASH_OF_MAPS && !user)
		*err = -EOPNOTSUPP;
	else if (bad_flags(flags))
		*err = -EINVAL;
	else if (old != NIL && flags == BPF_NOEXIST)
		*err = -EEXIST;
	else if (old == NIL && flags == BPF_EXIST)
		*err = -ENOENT;
	return !*err;
}

/* a slot for a new element: evicts the least recently used element of a full LRU map */
static uint32_t htab_alloc(struct hxdp_map *m, uint32_t keep)
{
	struct htab *h = m->priv;

	if (keep == NIL && h->count >= m->max_entries) {
		if (!is_lru(m->type) || h->lru.tail == NIL)
			return NIL;
		htab_remove(m, h->lru.tail);
	}
	return fifo_pop(&h->free);
}

static int htab_update(struct hxdp_map *m, const void *key, const void *val,
		       uint64_t flags, int user, uint32_t cpu)
{
	struct htab *h = m->priv;
	uint32_t hv = hash_key(key, m->key_size), old = htab_find_hashed(m, key, hv), s;
	int err;

	if (user && (flags & BPF_F_LOCK))
		return -EINVAL;
	if (!htab_check(m, old, val, flags, user, &err))
		return err;
	if (old != NIL && is_percpu(m->type)) {	/* per-CPU values change in place */
		put_value(m, old, val, user, cpu, 0);
		lru_touch(m, old);
		return 0;
	}
	s = htab_alloc(m, old);
	if (s == NIL)
		return -E2BIG;
	memcpy(htab_key(m, s), key, m->key_size);
	h->hash[s] = hv;
	if (m->type == BPF_MAP_TYPE_DEVMAP_HASH)
		memset(m->values + slot_off(m, s, 0), 0, m->elem_size);	/* prog id 0 */
	put_value(m, s, val, user, cpu, 1);
	if (m->type == BPF_MAP_TYPE_DEVMAP_HASH && m->value_size == 8)
		memset(m->values + slot_off(m, s, 0) + 4, 0, 4);
	if (old != NIL) {
		dl_replace(&h->order, old, s);
		htab_unlink(m, old);
		htab_link(m, s);
		if (is_lru(m->type))
			dl_del(&h->lru, old);
		fifo_push(&h->free, old);
	} else {
		htab_link(m, s);
		dl_push_tail(&h->order, s);
		h->count++;
	}
	if (is_lru(m->type))
		dl_push_head(&h->lru, s);
	return 0;
}

static int htab_delete(struct hxdp_map *m, const void *key)
{
	uint32_t s = htab_find(m, key);

	if (s == NIL)
		return -ENOENT;
	htab_remove(m, s);
	return 0;
}

static int htab_next_key(struct hxdp_map *m, const void *key, void *next)
{
	struct htab *h = m->priv;
	uint32_t s = key ? htab_find(m, key) : NIL;

	s = s == NIL ? h->order.head : h->order.next[s];
	if (s == NIL)
		return -ENOENT;
	memcpy(next, htab_key(m, s), m->key_size);
	return 0;
}

/* ---- LPM trie ---------------------------------------------------------------------- */

struct lpm {
	uint32_t dsize, max_plen, nnodes, root, count;
	uint32_t *plen, *parent, *vslot;	/* vslot NIL: intermediate node */
	uint32_t (*child)[2];
	uint8_t *data;
	uint32_t *nstack, nfree;	/* free nodes */
	struct fifo free;	/* free value slots */
};

static int bit_at(const uint8_t *d, uint32_t i)
{
	return (d[i / 8] >> (7 - i % 8)) & 1;
}

/* leading bits a and b share, at most n */
static uint32_t common_bits(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i = 0;

	while (i + 8 <= n && a[i / 8] == b[i / 8])
		i += 8;
	while (i < n && bit_at(a, i) == bit_at(b, i))
		i++;
	return i;
}

static uint8_t *lpm_data(struct lpm *t, uint32_t n)
{
	return t->data + (size_t)n * t->dsize;
}

static int lpm_init(struct hxdp_map *m)
{
	struct lpm *t = calloc(1, sizeof(*t));
	uint32_t n;

	if (!t)
		return -ENOMEM;
	m->priv = t;
	t->dsize = m->key_size - 4;
	t->max_plen = t->dsize * 8;
	t->nnodes = n = 2 * m->max_entries + 1;
	t->plen = malloc(sizeof(uint32_t) * n);
	t->parent = malloc(sizeof(uint32_t) * n);
	t->vslot = malloc(sizeof(uint32_t) * n);
	t->child = malloc(sizeof(*t->child) * n);
	t->data = malloc((size_t)t->dsize * n);
	t->nstack = malloc(sizeof(uint32_t) * n);
	t->free.cap = m->max_entries + 1;
	t->free.q = malloc(sizeof(uint32_t) * t->free.cap);
	if (!t->plen || !t->parent || !t->vslot || !t->child || !t->data || !t->nstack ||
	    !t->free.q)
		return -ENOMEM;
	return 0;
}

static void lpm_free(struct hxdp_map *m)
{
	struct lpm *t = m->priv;

	if (!t)
		return;
	free(t->plen);
	free(t->parent);
	free(t->vslot);
	free(t->child);
	free(t->data);
	free(t->nstack);
	free(t->free.q);
	free(t);
}

static void lpm_clear(struct hxdp_map *m)
{
	struct lpm *t = m->priv;

	memset(m->values, 0, m->values_size);
	t->root = NIL;
	t->count = 0;
	t->nfree = 0;
	for (uint32_t i = t->nnodes; i-- > 0;)
		t->nstack[t->nfree++] = i;
	fifo_fill(&t->free);
}

static uint32_t lpm_node(struct lpm *t, uint32_t plen, const uint8_t *data, uint32_t vslot)
{
	uint32_t n = t->nstack[--t->nfree];

	t->plen[n] = plen;
	t->vslot[n] = vslot;
	t->child[n][0] = t->child[n][1] = t->parent[n] = NIL;
	memcpy(lpm_data(t, n), data, t->dsize);
	return n;
}

/* the link that points at node n (the root pointer for the root) */
static uint32_t *lpm_link(struct lpm *t, uint32_t n)
{
	uint32_t p = t->parent[n];

	if (p == NIL)
		return &t->root;
	return &t->child[p][t->child[p][0] == n ? 0 : 1];
}

static void lpm_attach(struct lpm *t, uint32_t *link, uint32_t parent, uint32_t n)
{
	*link = n;
	if (n != NIL)
		t->parent[n] = parent;
}

/* the node holding exactly (plen, data), or the link where it would be inserted */
static uint32_t lpm_walk(struct lpm *t, uint32_t plen, const uint8_t *data,
			 uint32_t **link, uint32_t *parent)
{
	uint32_t n = t->root;

	*link = &t->root;
	*parent = NIL;
	while (n != NIL) {
		uint32_t c = common_bits(lpm_data(t, n), data,
					 t->plen[n] < plen ? t->plen[n] : plen);

		if (c < t->plen[n] || t->plen[n] == plen)
			return n;
		*parent = n;
		*link = &t->child[n][bit_at(data, t->plen[n])];
		n = **link;
	}
	return NIL;
}

static int lpm_exact(struct lpm *t, uint32_t n, uint32_t plen, const uint8_t *data)
{
	return n != NIL && t->plen[n] == plen &&
	       common_bits(lpm_data(t, n), data, plen) == plen;
}

/* insert a new real node at the place lpm_walk found (n is what sits there) */
static void lpm_insert(struct lpm *t, uint32_t *link, uint32_t parent, uint32_t n,
		       uint32_t plen, const uint8_t *data, uint32_t vslot)
{
	uint32_t l = lpm_node(t, plen, data, vslot), c, im;

	if (n == NIL) {
		lpm_attach(t, link, parent, l);
		return;
	}
	c = common_bits(lpm_data(t, n), data, t->plen[n] < plen ? t->plen[n] : plen);
	if (c == plen) {	/* the new prefix contains n */
		lpm_attach(t, &t->child[l][bit_at(lpm_data(t, n), plen)], l, n);
		lpm_attach(t, link, parent, l);
		return;
	}
	im = lpm_node(t, c, data, NIL);
	lpm_attach(t, &t->child[im][bit_at(lpm_data(t, n), c)], im, n);
	lpm_attach(t, &t->child[im][bit_at(data, c)], im, l);
	lpm_attach(t, link, parent, im);
}

/* trie_update_elem */
static int lpm_update(struct hxdp_map *m, const void *key, const void *val, uint64_t flags)
{
	struct lpm *t = m->priv;
	uint32_t plen = get32(key), parent, *link, n, s;
	const uint8_t *data = (const uint8_t *)key + 4;

	if (bad_flags(flags) || plen > t->max_plen)
		return -EINVAL;
	n = lpm_walk(t, plen, data, &link, &parent);
	if (lpm_exact(t, n, plen, data) && t->vslot[n] != NIL) {
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		uint32_t old = t->vslot[n];

		s = fifo_pop(&t->free);	/* a fresh slot, published: as trie_update_elem */
		copy_words(m->values + slot_off(m, s, 0), val, m->value_size);
		memcpy(lpm_data(t, n), data, t->dsize);
		__atomic_store_n(&t->vslot[n], s, __ATOMIC_RELEASE);
		fifo_push(&t->free, old);
		return 0;
	}
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (t->count == m->max_entries)
		return -ENOSPC;
	s = fifo_pop(&t->free);
	copy_words(m->values + slot_off(m, s, 0), val, m->value_size);
	t->count++;
	if (lpm_exact(t, n, plen, data)) {	/* an intermediate node becomes real */
		memcpy(lpm_data(t, n), data, t->dsize);
		t->vslot[n] = s;
		return 0;
	}
	lpm_insert(t, link, parent, n, plen, data, s);
	return 0;
}

static void lpm_release(struct lpm *t, uint32_t n)
{
	t->nstack[t->nfree++] = n;
}

/* trie_delete_elem */
static int lpm_delete(struct hxdp_map *m, const void *key)
{
	struct lpm *t = m->priv;
	uint32_t plen = get32(key), parent, *link, n, p, only;
	const uint8_t *data = (const uint8_t *)key + 4;

	if (plen > t->max_plen)
		return -EINVAL;
	n = lpm_walk(t, plen, data, &link, &parent);
	if (!lpm_exact(t, n, plen, data) || t->vslot[n] == NIL)
		return -ENOENT;
	fifo_push(&t->free, t->vslot[n]);
	t->vslot[n] = NIL;
	t->count--;
	if (t->child[n][0] != NIL && t->child[n][1] != NIL)
		return 0;	/* stays as an intermediate node */
	only = t->child[n][0] != NIL ? t->child[n][0] : t->child[n][1];
	p = t->parent[n];
	if (only == NIL && p != NIL && t->vslot[p] == NIL) {
		/* an intermediate parent left with one child is replaced by that child */
		uint32_t other = t->child[p][t->child[p][0] == n ? 1 : 0];

		lpm_attach(t, lpm_link(t, p), t->parent[p], other);
		lpm_release(t, p);
		lpm_release(t, n);
		return 0;
	}
	lpm_attach(t, link, p, only);
	lpm_release(t, n);
	return 0;
}

/* trie_lookup_elem: the longest stored prefix of the key's first prefixlen bits.
 * Without the lock (a seqlock reader) it may meet nodes being rewritten: node numbers
 * stay below nnodes and bit indexes below the key's bits, a walk longer than the trie
 * can be is cut (CUT) */
static uint32_t lpm_match(struct lpm *t, const void *key)
{
	uint32_t plen = get32(key), n = t->root, found = NIL, steps = 0;
	const uint8_t *data = (const uint8_t *)key + 4;

	if (plen > t->max_plen)
		return NIL;
	while (n != NIL) {
		if (n >= t->nnodes || ++steps > t->max_plen + 2)
			return CUT;
		uint32_t lim = t->plen[n] < plen ? t->plen[n] : plen;
		uint32_t c = common_bits(lpm_data(t, n), data, lim);

		if (c == t->max_plen) {
			found = n;
			break;
		}
		if (c < t->plen[n])
			break;
		if (t->vslot[n] != NIL)
			found = n;
		n = t->child[n][bit_at(data, t->plen[n])];
	}
	return found;
}

/* first real node in postorder below n (children first, the 0 side first) */
static uint32_t lpm_leftmost(struct lpm *t, uint32_t n)
{
	uint32_t last = NIL;

	while (n != NIL) {
		if (t->vslot[n] != NIL)
			last = n;
		n = t->child[n][0] != NIL ? t->child[n][0] : t->child[n][1];
	}
	return last;
}

static uint32_t lpm_postorder_next(struct lpm *t, uint32_t n)
{
	while (t->parent[n] != NIL) {
		uint32_t p = t->parent[n];

		if (t->child[p][0] == n && t->child[p][1] != NIL)
			return lpm_leftmost(t, t->child[p][1]);
		if (t->vslot[p] != NIL)
			return p;
		n = p;
	}
	return NIL;
}

/* trie_get_next_key */
static int lpm_next_key(struct hxdp_map *m, const void *key, void *next)
{
	struct lpm *t = m->priv;
	uint32_t n = NIL, parent, *link, plen;

	if (key && (plen = get32(key)) <= t->max_plen) {
		n = lpm_walk(t, plen, (const uint8_t *)key + 4, &link, &parent);
		if (!lpm_exact(t, n, plen, (const uint8_t *)key + 4) || t->vslot[n] == NIL)
			n = NIL;
	}
	n = n == NIL ? lpm_leftmost(t, t->root) : lpm_postorder_next(t, n);
	if (n == NIL)
		return -ENOENT;
	memcpy(next, &t->plen[n], 4);
	memcpy((uint8_t *)next + 4, lpm_data(t, n), t->dsize);
	return 0;
}

/* ---- creation (the *_alloc_check functions) ---------------------------------------- */

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return e;
}

static uint32_t allowed_flags(uint32_t type)
{
	switch (kind_of(type)) {
	case K_ARRAY:
		if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY)
			return BPF_F_NUMA_NODE | BPF_F_MMAPABLE | ACCESS_MASK |
			       BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
		if (type == BPF_MAP_TYPE_CPUMAP)
			return BPF_F_NUMA_NODE;
		if (type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS)
			return BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY |
			       BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
		return BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY;
	case K_HASH:
		if (type == BPF_MAP_TYPE_DEVMAP_HASH)
			return BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY;
		return BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE |
		       ACCESS_MASK | BPF_F_ZERO_SEED;
	default:
		return BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | ACCESS_MASK;
	}
}

static int check_sizes(const struct hxdp_map *m, char *err, size_t errlen)
{
	uint32_t t = m->type, k = m->key_size, v = m->value_size;
	const char *tn = map__type_name(t);

	if (kind_of(t) == K_ARRAY && k != 4)
		return fail(err, errlen, -EINVAL, "%s map: key_size %u, must be 4", tn, k);
	if ((has_present(t) || t == BPF_MAP_TYPE_HASH_OF_MAPS) &&
	    t != BPF_MAP_TYPE_DEVMAP && t != BPF_MAP_TYPE_CPUMAP && v != 4)
		return fail(err, errlen, -EINVAL, "%s map: value_size %u, must be 4", tn, v);
	if ((t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH ||
	     t == BPF_MAP_TYPE_CPUMAP) && v != 4 && v != 8)
		return fail(err, errlen, -EINVAL, "%s map: value_size %u, must be 4 or 8", tn, v);
	if (t == BPF_MAP_TYPE_DEVMAP_HASH && k != 4)
		return fail(err, errlen, -EINVAL, "%s map: key_size %u, must be 4", tn, k);
	if (kind_of(t) == K_HASH && (k == 0 || k > MAX_BPF_STACK))
		return fail(err, errlen, k ? -E2BIG : -EINVAL,
			    "%s map: key_size %u, must be 1..%d", tn, k, MAX_BPF_STACK);
	if (kind_of(t) == K_LPM && (k < 5 || k > 4 + LPM_DATA_MAX))
		return fail(err, errlen, -EINVAL, "lpm_trie map: key_size %u, must be 5..%d",
			    k, 4 + LPM_DATA_MAX);
	if (v == 0)
		return fail(err, errlen, -EINVAL, "%s map: value_size 0", tn);
	if (is_percpu(t) && v > PCPU_MIN_UNIT_SIZE)
		return fail(err, errlen, -E2BIG, "%s map: value_size %u, per-CPU values are at "
			    "most %d bytes", tn, v, PCPU_MIN_UNIT_SIZE);
	return 0;
}

static int check_create(const struct hxdp_map *m, char *err, size_t errlen)
{
	uint32_t bad = m->map_flags & ~allowed_flags(m->type);
	const char *tn = map__type_name(m->type);
	int e;

	if (!map__type_supported(m->type))
		return fail(err, errlen, -ENOTSUP, "map type %s (%u) is not supported", tn,
			    m->type);
	if (m->max_entries == 0)
		return fail(err, errlen, -EINVAL, "%s map: max_entries 0", tn);
	if (bad)
		return fail(err, errlen, -EINVAL, "%s map: map_flags 0x%x not allowed", tn, bad);
	e = check_sizes(m, err, errlen);
	if (e)
		return e;
	if (m->type == BPF_MAP_TYPE_LPM_TRIE && !(m->map_flags & BPF_F_NO_PREALLOC))
		return fail(err, errlen, -EINVAL, "lpm_trie map: needs BPF_F_NO_PREALLOC");
	if (is_lru(m->type) && (m->map_flags & BPF_F_NO_PREALLOC))
		return fail(err, errlen, -ENOTSUP, "%s map: BPF_F_NO_PREALLOC is not supported",
			    tn);
	if (!is_lru(m->type) && (m->map_flags & BPF_F_NO_COMMON_LRU))
		return fail(err, errlen, -EINVAL, "%s map: BPF_F_NO_COMMON_LRU needs an LRU map",
			    tn);
	if ((m->type == BPF_MAP_TYPE_PROG_ARRAY || m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS) &&
	    (m->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)))
		return fail(err, errlen, -EINVAL, "%s map: program access flags not allowed", tn);
	return 0;
}

static uint64_t slots_of(const struct hxdp_map *m)
{
	return kind_of(m->type) == K_ARRAY ? m->max_entries : (uint64_t)m->max_entries + 1;
}

int map__init(struct hxdp_map *m, uint32_t ncpus, char *err, size_t errlen)
{
	uint64_t size;
	int e;

	if (err && errlen)
		err[0] = 0;
	e = check_create(m, err, errlen);
	if (e)
		return e;
	m->ncpus = is_percpu(m->type) ? (ncpus ? ncpus : 1) : 1;
	m->possible_cpus = ncpus ? ncpus : 1;
	m->elem_size = ROUND8(m->value_size);
	m->lock = 0;
	m->seq = 0;
	m->array_inline = m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
	if (m->type == BPF_MAP_TYPE_DEVMAP || m->type == BPF_MAP_TYPE_DEVMAP_HASH ||
	    m->type == BPF_MAP_TYPE_CPUMAP)
		m->rdonly_prog = 1;	/* the kernel sets BPF_F_RDONLY_PROG on these */
	size = slots_of(m) * m->ncpus * m->elem_size;
	if (size > REGION_MAX)
		return fail(err, errlen, -E2BIG, "%s map: %llu bytes of values, at most %llu",
			    map__type_name(m->type), (unsigned long long)size, REGION_MAX);
	m->values_size = (uint32_t)size;
	m->values = aligned_alloc(8, ROUND8(size));
	switch (kind_of(m->type)) {
	case K_ARRAY: e = arr_init(m); break;
	case K_HASH: e = htab_init(m); break;
	default: e = lpm_init(m); break;
	}
	if (!e && !m->values)
		e = -ENOMEM;
	if (e) {
		map__free(m);
		return fail(err, errlen, e, "%s map: out of memory", map__type_name(m->type));
	}
	map__clear(m);
	return 0;
}

void map__free(struct hxdp_map *m)
{
	if (!m)
		return;
	switch (kind_of(m->type)) {
	case K_ARRAY: arr_free(m); break;
	case K_HASH: htab_free(m); break;
	case K_LPM: lpm_free(m); break;
	default: break;
	}
	free(m->values);
	m->values = NULL;
	m->values_size = 0;
	m->priv = NULL;
}

void map__clear(struct hxdp_map *m)
{
	lock(m);
	switch (kind_of(m->type)) {
	case K_ARRAY: arr_clear(m); break;
	case K_HASH: htab_clear(m); break;
	case K_LPM: lpm_clear(m); break;
	default: break;
	}
	unlock(m);
}

/* ---- the operations ---------------------------------------------------------------- */

static int64_t lookup_slot(struct hxdp_map *m, const void *key, int touch)
{
	uint32_t s;

	switch (kind_of(m->type)) {
	case K_ARRAY:
		s = get32(key);
		return arr_live(m, s) ? (int64_t)s : -ENOENT;
	case K_HASH:
		s = htab_find(m, key);
		if (s == NIL)
			return -ENOENT;
		if (touch)
			lru_touch(m, s);
		return s;
	case K_LPM:
		s = lpm_match(m->priv, key);	/* never CUT under the lock */
		return s == NIL ? -ENOENT : (int64_t)((struct lpm *)m->priv)->vslot[s];
	default:
		return -EINVAL;
	}
}

/* the slot of key read without the lock (a seqlock reader), -EAGAIN when a locked
 * section ran meanwhile, or the lookup of an LRU map must move its element up */
static int64_t lookup_unlocked(struct hxdp_map *m, const void *key)
{
	uint32_t q = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE), s;
	enum kind k = kind_of(m->type);

	if (q & 1)
		return -EAGAIN;
	if (k == K_ARRAY) {
		s = get32(key);
		s = arr_live(m, s) ? s : NIL;
	} else if (k == K_LPM) {
		struct lpm *t = m->priv;

		s = lpm_match(t, key);
		if (s != NIL && s != CUT)
			s = __atomic_load_n(&t->vslot[s], __ATOMIC_RELAXED);
	} else {
		s = htab_find_unlocked(m, key);
		/* lru_touch would move s to the head: unless it is there, that is a change */
		if (s < CUT && is_lru(m->type) &&
		    __atomic_load_n(&((struct htab *)m->priv)->lru.head, __ATOMIC_RELAXED) != s)
			return -EAGAIN;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (s == CUT || __atomic_load_n(&m->seq, __ATOMIC_RELAXED) != q)
		return -EAGAIN;
	return s == NIL ? -ENOENT : (int64_t)s;
}

int64_t map__lookup(struct hxdp_map *m, const void *key, uint32_t cpu)
{
	int64_t s;

	if (m->array_inline) {	/* nothing to lock: the index is all there is */
		if (cpu >= m->ncpus) {
			if (is_percpu(m->type))
				return -EINVAL;
			cpu = 0;
		}
		return map__array_off(m, get32(key), cpu);
	}
	if (cpu >= m->ncpus && is_percpu(m->type))
		return -EINVAL;
	if (!is_percpu(m->type))
		cpu = 0;
	s = lookup_unlocked(m, key);
	if (s == -EAGAIN) {
		lock(m);
		s = lookup_slot(m, key, 1);
		unlock(m);
	}
	return s < 0 ? s : slot_off(m, (uint32_t)s, cpu);
}

static int update(struct hxdp_map *m, const void *key, const void *val, uint64_t flags,
		  int user, uint32_t cpu)
{
	int e;

	if (!user && is_percpu(m->type) && cpu >= m->ncpus)
		return -EINVAL;
	if (m->array_inline)	/* values in place: nothing else changes */
		return arr_update(m, key, val, flags, user, cpu);
	lock(m);
	switch (kind_of(m->type)) {
	case K_ARRAY: e = arr_update(m, key, val, flags, user, cpu); break;
	case K_HASH: e = htab_update(m, key, val, flags, user, cpu); break;
	case K_LPM:
		e = user && (flags & BPF_F_LOCK) ? -EINVAL : lpm_update(m, key, val, flags);
		break;
	default: e = -EINVAL; break;
	}
	unlock(m);
	return e;
}

int map__update(struct hxdp_map *m, const void *key, const void *val, uint64_t flags,
		uint32_t cpu)
{
	return update(m, key, val, flags, 0, cpu);
}

int map__user_update(struct hxdp_map *m, const void *key, const void *val, uint64_t flags)
{
	return update(m, key, val, flags, 1, 0);
}

int map__delete(struct hxdp_map *m, const void *key)
{
	int e;

	lock(m);
	switch (kind_of(m->type)) {
	case K_ARRAY: e = arr_delete(m, key); break;
	case K_HASH: e = htab_delete(m, key); break;
	case K_LPM: e = lpm_delete(m, key); break;
	default: e = -EINVAL; break;
	}
	unlock(m);
	return e;
}

uint32_t map__user_value_size(const struct hxdp_map *m)
{
	return is_percpu(m->type) ? m->elem_size * m->ncpus : m->value_size;
}

int map__user_lookup(struct hxdp_map *m, const void *key, void *val)
{
	int64_t s;

	if (m->type == BPF_MAP_TYPE_XSKMAP)
		return -EOPNOTSUPP;	/* as xsk_map_lookup_elem_sys */
	lock(m);
	s = lookup_slot(m, key, 0);	/* user lookups leave the LRU order alone */
	if (s >= 0)
		get_value(m, (uint32_t)s, val);
	unlock(m);
	return s < 0 ? (int)s : 0;
}

int map__next_key(struct hxdp_map *m, const void *key, void *next)
{
	int e;

	lock(m);
	switch (kind_of(m->type)) {
	case K_ARRAY: e = arr_next_key(m, key, next); break;
	case K_HASH: e = htab_next_key(m, key, next); break;
	case K_LPM: e = lpm_next_key(m, key, next); break;
	default: e = -EINVAL; break;
	}
	unlock(m);
	return e;
}

uint32_t map__count(struct hxdp_map *m)
{
	uint32_t n;

	lock(m);
	switch (kind_of(m->type)) {
	case K_ARRAY:
		n = has_present(m->type) ? ((struct arr *)m->priv)->count : m->max_entries;
		break;
	case K_HASH: n = ((struct htab *)m->priv)->count; break;
	case K_LPM: n = ((struct lpm *)m->priv)->count; break;
	default: n = 0; break;
	}
	unlock(m);
	return n;
}
