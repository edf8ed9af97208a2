/* maps.h: BPF maps with kernel semantics, shared by every engine and by user space.
 * Semantics, deviations and the concurrency scheme: docs/helpers.md. */
#ifndef HXDP_MAPS_H
#define HXDP_MAPS_H
#include <errno.h>
#include <stdint.h>
#include <stddef.h>

struct btf;

struct hxdp_map {
	char name[16];		/* BPF_OBJ_NAME_LEN */
	uint32_t type, key_size, value_size, max_entries, map_flags;
	uint32_t idx;		/* index in env->maps; its values are region R_MAP0 + idx */
	int32_t inner;		/* map-in-map: index of the inner map template, -1 */
	uint32_t ncpus;		/* per-CPU maps: slots per element, else 1 */
	uint8_t *values;	/* value storage (the region), preallocated */
	uint32_t values_size;
	int rdonly_prog;	/* BPF_F_RDONLY_PROG (.rodata, devmap, cpumap): read-only */
	int frozen;		/* .rodata/.kconfig, frozen by libbpf after load: read-only to
				 * user space too, its values known to the verifier */
	const struct btf *btf;	/* for formatted dumps, may be NULL */
	uint32_t btf_key_id, btf_value_id;
	void *priv;		/* type-specific index (hash table, trie, LRU lists) */
	uint32_t elem_size;	/* value stride of one CPU's slot: value_size rounded to 8 */
	uint32_t possible_cpus;	/* the ncpus map__init was given (cpumap keys) */
	int lock;		/* spin lock held by map__* calls that change the map */
	uint32_t seq;		/* locked sections so far, x2; odd while one runs */
	int array_inline;	/* ARRAY or PERCPU_ARRAY: map__array_off applies (map__init) */
};

/* allocate storage for m's type and sizes. -EINVAL/-ENOTSUP with a reason in err */
int map__init(struct hxdp_map *m, uint32_t ncpus, char *err, size_t errlen);
void map__free(struct hxdp_map *m);
void map__clear(struct hxdp_map *m);	/* back to the freshly created state */

/* program side (helpers): cpu is the running CPU. lookup returns the offset of the
 * value (the CPU's slot for per-CPU maps) in m->values, or -ENOENT. For PROG_ARRAY,
 * *_OF_MAPS, DEVMAP*, CPUMAP and XSKMAP the value there is the stored u32 (program
 * index, inner map index, ifindex, qsize, socket id); helpers.c decides what a program
 * may do with it. LRU lookups mark the element used. */
int64_t map__lookup(struct hxdp_map *m, const void *key, uint32_t cpu);
int map__update(struct hxdp_map *m, const void *key, const void *val, uint64_t flags,
		uint32_t cpu);
int map__delete(struct hxdp_map *m, const void *key);	/* also the user side */

/* map__lookup of index i in an ARRAY or PERCPU_ARRAY (m->array_inline) for a cpu below
 * m->ncpus (0 for ARRAY), without the call or the lock: what the kernel's
 * array_map_gen_lookup inlines into JITed code. Engines and translators may inline it;
 * nothing it reads changes after map__init. */
static inline int64_t map__array_off(const struct hxdp_map *m, uint32_t i, uint32_t cpu)
{
	if (i >= m->max_entries)
		return -ENOENT;
	return (int64_t)((i * m->ncpus + cpu) * m->elem_size);
}

/* user side (bpf(2) semantics): values of per-CPU maps hold every CPU's slot, each
 * rounded up to 8 bytes */
uint32_t map__user_value_size(const struct hxdp_map *m);
int map__user_lookup(struct hxdp_map *m, const void *key, void *val);
int map__user_update(struct hxdp_map *m, const void *key, const void *val, uint64_t flags);
int map__next_key(struct hxdp_map *m, const void *key, void *next);	/* key NULL: first */
uint32_t map__count(struct hxdp_map *m);	/* live elements (set slots for arrays of fds) */

const char *map__type_name(uint32_t type);
int map__type_supported(uint32_t type);

#endif
