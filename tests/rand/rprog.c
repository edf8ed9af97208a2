/* rprog.c: the map set and hxdp objects of random programs */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "maps.h"
#include "kern.h"
#include "obj.h"
#include "rprog.h"

const struct rprog_map rprog_maps[RMAP_COUNT] = {
	[RMAP_ARR] = { "arr", BPF_MAP_TYPE_ARRAY, 4, 16, 8, 0 },
	[RMAP_HASH] = { "hash", BPF_MAP_TYPE_HASH, 8, 8, 16, 0 },
	[RMAP_RO] = { "ro", BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG },
};

void rprog__ro_value(uint8_t *val, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		val[i] = (uint8_t)(0x11 * (i + 1));
}

static int add_map(struct hxdp_obj *obj, const struct rprog_map *d, char *err, size_t errlen)
{
	struct hxdp_map *m = calloc(1, sizeof(*m));
	uint32_t i = obj->env.nmaps;
	int e;

	if (!m)
		return -ENOMEM;
	snprintf(m->name, sizeof(m->name), "%s", d->name);
	snprintf(obj->map_name[i], sizeof(obj->map_name[i]), "%s", d->name);
	m->type = d->type;
	m->key_size = d->key_size;
	m->value_size = d->value_size;
	m->max_entries = d->max_entries;
	m->map_flags = d->flags;
	m->idx = i;
	m->inner = -1;
	m->rdonly_prog = !!(d->flags & BPF_F_RDONLY_PROG);
	obj->env.maps[i] = m;
	obj->env.nmaps++;
	obj->nbmaps++;
	e = map__init(m, obj->env.ncpus, err, errlen);
	return e;
}

int rprog__obj(const struct bpf_insn *in, uint32_t n, struct hxdp_obj **out, char *err,
	       size_t errlen)
{
	struct hxdp_obj *obj;
	uint8_t key[4] = { 0 }, val[8];
	int e = obj__from_insns(in, n, &obj, err, errlen);

	if (e)
		return e;
	for (int k = 0; k < RMAP_COUNT && !e; k++)
		e = add_map(obj, &rprog_maps[k], err, errlen);
	if (!e) {
		rprog__ro_value(val, sizeof(val));
		e = map__user_update(obj->env.maps[RMAP_RO], key, val, BPF_ANY);
	}
	if (e) {
		obj__close(obj);
		return e;
	}
	*out = obj;
	return 0;
}

int rprog__dump(struct hxdp_obj *obj, uint32_t idx, struct map_dump *d)
{
	struct hxdp_map *m = obj->env.maps[idx];
	uint8_t key[64], next[64], val[256];
	const void *prev = NULL;
	int e;

	memset(d, 0, sizeof(*d));
	d->ksz = m->key_size;
	d->vsz = map__user_value_size(m);
	if (d->ksz > sizeof(key) || d->vsz > sizeof(val))
		return -E2BIG;
	while (!map__next_key(m, prev, next)) {
		memcpy(key, next, d->ksz);
		prev = key;
		if (map__user_lookup(m, key, val))
			continue;
		if ((e = dump__add(d, key, val)))
			return e;
	}
	if (d->n)	/* dump__sort passes rec to qsort, NULL for an empty dump */
		dump__sort(d);
	return 0;
}

int rprog__dump_cmp(const struct map_dump *a, const struct map_dump *b, char *why,
		    size_t len)
{
	size_t rec = (size_t)a->ksz + a->vsz;

	if (a->n != b->n) {
		snprintf(why, len, "%u elements vs %u", a->n, b->n);
		return 1;
	}
	for (uint32_t i = 0; i < a->n; i++)
		if (memcmp(dump__key(a, i), dump__key(b, i), rec)) {
			snprintf(why, len, "element %u differs", i);
			return 1;
		}
	return 0;
}
