/* kern.c: the kernel oracle on libbpf: load, fill maps, BPF_PROG_TEST_RUN, dump maps */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kern.h"
#include "maps.h"

struct hxdp_kern {
	struct hxdp_obj *obj;
	struct bpf_object *bobj;
	int map_fd[HXDP_MAX_MAPS];
	uint32_t map_id[HXDP_MAX_MAPS];
	uint8_t internal[HXDP_MAX_MAPS];	/* .data/.rodata/.bss: filled before load */
	int *prog_fd;
	uint32_t *prog_id;
	uint8_t *kbuf, *vbuf;	/* dump scratch */
	size_t kcap, vcap;
};

int kern__fd_map(uint32_t type)
{
	return type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* ---- dumps ----------------------------------------------------------------------- */

int dump__add(struct map_dump *d, const void *key, const void *val)
{
	size_t rs = d->ksz + d->vsz, need = (d->n + 1) * rs;

	if (need > d->cap) {	/* cap is in bytes: one dump serves maps of any shape */
		size_t nc = need * 2 < 4096 ? 4096 : need * 2;
		uint8_t *nr = realloc(d->rec, nc);

		if (!nr)
			return -ENOMEM;
		d->rec = nr;
		d->cap = nc;
	}
	memcpy(dump__key(d, d->n), key, d->ksz);
	memcpy(dump__val(d, d->n), val, d->vsz);
	d->n++;
	return 0;
}

static __thread uint32_t sort_ksz;

static int rec_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sort_ksz);
}

void dump__sort(struct map_dump *d)
{
	sort_ksz = d->ksz;
	qsort(d->rec, d->n, d->ksz + d->vsz, rec_cmp);
}

void dump__free(struct map_dump *d)
{
	free(d->rec);
	memset(d, 0, sizeof(*d));
}

/* ---- load -------------------------------------------------------------------------- */

static int bpf_probe(char *err, size_t errlen)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EPERM || errno == ENOSYS || errno == EACCES) {
		snprintf(err, errlen, "bpf() unavailable: %s", strerror(errno));
		return -ENOSYS;
	}
	return 0;
}

static int pin_cpu0(struct hxdp_obj *obj, char *err, size_t errlen)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(err, errlen, "cannot pin to CPU 0: %s", strerror(errno));
		return -errno;
	}
	obj->env.cpu = 0;
	return 0;
}

/* global data images (.data, .rodata, .bss) go in before load: .rodata is frozen */
static int prepare(struct hxdp_kern *k)
{
	struct bpf_program *bp;
	struct bpf_map *bm;
	uint32_t i = 0, zero = 0;
	size_t sz;

	bpf_object__for_each_program(bp, k->bobj)
		if (bpf_program__type(bp) != BPF_PROG_TYPE_XDP)
			bpf_program__set_type(bp, BPF_PROG_TYPE_XDP);
	bpf_object__for_each_map(bm, k->bobj) {
		struct hxdp_map *m = k->obj->env.maps[i++];
		uint8_t *img;
		int e;

		if (!bpf_map__is_internal(bm) || !bpf_map__initial_value(bm, &sz))
			continue;
		img = calloc(1, map__user_value_size(m));
		if (!img)
			return -ENOMEM;
		e = map__user_lookup(m, &zero, img);
		if (!e)
			e = bpf_map__set_initial_value(bm, img, m->value_size);
		free(img);
		if (e)
			return e;
	}
	return 0;
}

static int ids_collect(struct hxdp_kern *k)
{
	struct bpf_program *bp;
	struct bpf_map *bm;
	uint32_t i = 0;

	bpf_object__for_each_map(bm, k->bobj) {
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);

		k->internal[i] = bpf_map__is_internal(bm);
		k->map_fd[i] = bpf_map__fd(bm);
		if (bpf_obj_get_info_by_fd(k->map_fd[i], &info, &len))
			return -errno;
		k->map_id[i++] = info.id;
	}
	i = 0;
	bpf_object__for_each_program(bp, k->bobj) {
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);

		k->prog_fd[i] = bpf_program__fd(bp);
		if (bpf_obj_get_info_by_fd(k->prog_fd[i], &info, &len))
			return -errno;
		k->prog_id[i++] = info.id;
	}
	return 0;
}

/* hxdp value (user layout) -> what bpf_map_update_elem wants (fds for fd maps) */
static int value_to_kern(struct hxdp_kern *k, const struct hxdp_map *m, uint8_t *val)
{
	uint32_t idx;
	int32_t fd;

	if (!kern__fd_map(m->type))
		return 0;
	memcpy(&idx, val, 4);
	if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
		if (idx >= k->obj->nprogs)
			return -EINVAL;
		fd = k->prog_fd[idx];
	} else {
		if (idx >= k->obj->nbmaps)
			return -EINVAL;
		fd = k->map_fd[idx];
	}
	memcpy(val, &fd, 4);
	return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int map_fill(struct hxdp_kern *k, uint32_t i, char *err, size_t errlen)
{
	struct hxdp_map *m = k->obj->env.maps[i];
	uint32_t vsz = map__user_value_size(m);
	uint8_t *key = calloc(1, m->key_size + 8), *next = calloc(1, m->key_size + 8);
	uint8_t *val = calloc(1, vsz + 8);
	int e = key && next && val ? 0 : -ENOMEM, first = 1;
	int array = m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;

	while (!e && !map__next_key(m, first ? NULL : key, next)) {
		first = 0;
		memcpy(key, next, m->key_size);
		e = map__user_lookup(m, key, val);
		if (e == -ENOENT) {	/* prog array / map-in-map slot left empty */
			e = 0;
			continue;
		}
		if (e || (array && all_zero(val, vsz)))
			continue;
		e = value_to_kern(k, m, val);
		if (!e && bpf_map_update_elem(k->map_fd[i], key, val, BPF_ANY))
			e = -errno;
	}
	if (e)
		snprintf(err, errlen, "%s: kernel map '%s': initial contents: %s", k->obj->path,
			 k->obj->map_name[i], strerror(-e));
	free(key);
	free(next);
	free(val);
	return e;
}

static int kern_load(struct hxdp_kern *k, char *err, size_t errlen)
{
	char msg[512];
	long e;

	obj__libbpf_capture(msg, sizeof(msg));
	k->bobj = bpf_object__open_file(k->obj->path, NULL);
	e = libbpf_get_error(k->bobj);
	if (e)
		k->bobj = NULL;
	if (!e)
		e = prepare(k);
	if (!e)
		e = bpf_object__load(k->bobj);
	obj__libbpf_capture(NULL, 0);
	if (e)
		snprintf(err, errlen, "%s: kernel load failed: %s", k->obj->path,
			 msg[0] ? msg : strerror((int)-e));
	return (int)e;
}

int kern__open(struct hxdp_obj *obj, struct hxdp_kern **out, char *err, size_t errlen)
{
	struct hxdp_kern *k;
	int e;

	*out = NULL;
	e = bpf_probe(err, errlen);
	if (e)
		return e;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->obj = obj;
	k->prog_fd = calloc(obj->nprogs + 1, sizeof(*k->prog_fd));
	k->prog_id = calloc(obj->nprogs + 1, sizeof(*k->prog_id));
	e = k->prog_fd && k->prog_id ? 0 : -ENOMEM;
	if (!e)
		e = pin_cpu0(obj, err, errlen);
	if (!e)
		e = kern_load(k, err, errlen);
	if (!e && (e = ids_collect(k)))
		snprintf(err, errlen, "%s: kernel object ids: %s", obj->path, strerror(-e));
	for (uint32_t i = 0; !e && i < obj->nbmaps; i++)
		if (!k->internal[i])
			e = map_fill(k, i, err, errlen);
	if (e) {
		kern__close(k);
		return e;
	}
	*out = k;
	return 0;
}

void kern__close(struct hxdp_kern *k)
{
	if (!k)
		return;
	if (k->bobj)
		bpf_object__close(k->bobj);
	free(k->prog_fd);
	free(k->prog_id);
	free(k->kbuf);
	free(k->vbuf);
	free(k);
}

/* ---- run ---------------------------------------------------------------------------- */

int kern__run(struct hxdp_kern *k, uint32_t prog, const uint8_t *pkt, uint32_t len,
	      struct kern_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .data_out = res->out, .data_size_out = sizeof(res->out), .repeat = 1);

	res->err = 0;
	res->retval = 0;
	res->out_len = 0;
	if (prog >= k->obj->nprogs)
		return -EINVAL;
	if (bpf_prog_test_run_opts(k->prog_fd[prog], &o)) {
		res->err = -errno;
		return 0;
	}
	res->retval = o.retval;
	res->out_len = o.data_size_out;
	return 0;
}

/* ---- dump --------------------------------------------------------------------------- */

/* zeroed: the kernel fills them through bpf(), which memory checkers cannot see */
static int scratch(struct hxdp_kern *k, size_t ks, size_t vs)
{
	if (ks > k->kcap) {
		free(k->kbuf);
		k->kbuf = calloc(1, ks);
		k->kcap = k->kbuf ? ks : 0;
	}
	if (vs > k->vcap) {
		free(k->vbuf);
		k->vbuf = calloc(1, vs);
		k->vcap = k->vbuf ? vs : 0;
	}
	return k->kbuf && k->vbuf ? 0 : -ENOMEM;
}

/* kernel ids in fd-map values -> hxdp indexes (-1: not an object of ours) */
static void value_from_kern(struct hxdp_kern *k, const struct hxdp_map *m, uint8_t *val)
{
	uint32_t id, idx = UINT32_MAX;

	if (!kern__fd_map(m->type))
		return;
	memcpy(&id, val, 4);
	if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
		for (uint32_t i = 0; i < k->obj->nprogs; i++)
			if (k->prog_id[i] == id)
				idx = i;
	} else {
		for (uint32_t i = 0; i < k->obj->nbmaps; i++)
			if (k->map_id[i] == id)
				idx = i;
	}
	memcpy(val, &idx, 4);
}

static int dump_batch(struct hxdp_kern *k, int fd, const struct hxdp_map *m,
		      struct map_dump *d)
{
	uint8_t in[64], outb[64];
	int first = 1, e;

	if (m->key_size > sizeof(in))
		return -ENOTSUP;
	for (;;) {
		uint32_t count = m->max_entries;
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		e = bpf_map_lookup_batch(fd, first ? NULL : in, outb, k->kbuf, k->vbuf, &count,
					 &o);
		if (e && errno != ENOENT)
			return -errno;
		for (uint32_t i = 0; i < count; i++) {
			value_from_kern(k, m, k->vbuf + (size_t)i * d->vsz);
			if (dump__add(d, k->kbuf + (size_t)i * d->ksz, k->vbuf + (size_t)i * d->vsz))
				return -ENOMEM;
		}
		if (e || d->n >= m->max_entries)	/* the end, or nothing more can come */
			return 0;
		memcpy(in, outb, sizeof(in));
		first = 0;
	}
}

static int dump_iter(struct hxdp_kern *k, int fd, const struct hxdp_map *m,
		     struct map_dump *d)
{
	uint8_t *key = k->kbuf, *next = k->kbuf + m->key_size;
	int first = 1;

	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		first = 0;
		memcpy(key, next, m->key_size);
		if (bpf_map_lookup_elem(fd, key, k->vbuf)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		value_from_kern(k, m, k->vbuf);
		if (dump__add(d, key, k->vbuf))
			return -ENOMEM;
	}
	return errno == ENOENT ? 0 : -errno;
}

int kern__dump(struct hxdp_kern *k, uint32_t idx, struct map_dump *d)
{
	const struct hxdp_map *m = k->obj->env.maps[idx];
	int fd = k->map_fd[idx], e;

	d->n = 0;
	d->ksz = m->key_size;
	d->vsz = map__user_value_size(m);
	e = scratch(k, ((size_t)m->max_entries + 2) * m->key_size,
		    ((size_t)m->max_entries + 1) * d->vsz);
	if (e)
		return e;
	e = -ENOTSUP;
	if (!kern__fd_map(m->type) && m->type != BPF_MAP_TYPE_LPM_TRIE)
		e = dump_batch(k, fd, m, d);
	if (e == -ENOTSUP || e == -EINVAL || e == -524 /* ENOTSUPP */) {
		d->n = 0;
		e = dump_iter(k, fd, m, d);
	}
	return e;
}
