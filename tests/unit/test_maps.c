/* test_maps.c: map semantics, by hand and against the running kernel's maps */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "t.h"
#include "maps.h"

static int mk_err(struct hxdp_map *m, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		  uint32_t flags, uint32_t ncpus, char *err)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->key_size = ks;
	m->value_size = vs;
	m->max_entries = max;
	m->map_flags = flags;
	m->inner = -1;
	return map__init(m, ncpus, err, 160);
}

static int mk(struct hxdp_map *m, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
	      uint32_t flags, uint32_t ncpus)
{
	char err[160];
	int e = mk_err(m, type, ks, vs, max, flags, ncpus, err);

	if (e)
		fprintf(stderr, "  map__init: %s\n", err);
	return e;
}

static uint32_t u32at(const struct hxdp_map *m, int64_t off)
{
	uint32_t v;

	memcpy(&v, m->values + off, 4);
	return v;
}

TEST(maps_array)
{
	struct hxdp_map m;
	uint32_t k, v = 7, out, next;

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, 1), 0);
	k = 2;
	CHECK_EQ(map__user_lookup(&m, &k, &out), 0);
	CHECK_EQ(out, 0);
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 0), 0);
	CHECK_EQ(u32at(&m, map__lookup(&m, &k, 0)), 7);
	CHECK_EQ(map__lookup(&m, &k, 0), 16);	/* values at 8-byte strides */
	CHECK_EQ(map__update(&m, &k, &v, BPF_NOEXIST, 0), -EEXIST);
	CHECK_EQ(map__update(&m, &k, &v, BPF_EXIST, 0), 0);
	CHECK_EQ(map__update(&m, &k, &v, 3, 0), -EINVAL);
	CHECK_EQ(map__user_update(&m, &k, &v, BPF_F_LOCK), -EINVAL);
	k = 4;
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 0), -E2BIG);
	CHECK_EQ(map__lookup(&m, &k, 0), -ENOENT);
	CHECK_EQ(map__delete(&m, &k), -EINVAL);
	CHECK_EQ(map__next_key(&m, NULL, &next), 0);
	CHECK_EQ(next, 0);
	CHECK_EQ(map__next_key(&m, &k, &next), 0);	/* out of range: first */
	CHECK_EQ(next, 0);
	k = 3;
	CHECK_EQ(map__next_key(&m, &k, &next), -ENOENT);
	map__free(&m);
}

TEST(maps_create_errors)
{
	struct hxdp_map m;
	char err[160];

	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_ARRAY, 8, 4, 4, 0, 1, err), -EINVAL);
	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_HASH, 4, 4, 0, 0, 1, err), -EINVAL);
	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, 0, 1, err), -EINVAL);
	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, BPF_F_NO_PREALLOC, 1, err), -ENOTSUP);
	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_NO_COMMON_LRU, 1, err), -EINVAL);
	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_DEVMAP, 4, 12, 4, 0, 1, err), -EINVAL);
	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, 1, err), -EINVAL);
	CHECK_EQ(mk_err(&m, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 1, err), -ENOTSUP);
	CHECK(strstr(err, "ringbuf") != NULL);
	CHECK(!strcmp(map__type_name(BPF_MAP_TYPE_LRU_PERCPU_HASH), "lru_percpu_hash"));
}

TEST(maps_hash_full_and_order)
{
	struct hxdp_map m;
	uint64_t k, v, next;
	int64_t off;

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_HASH, 8, 8, 3, 0, 1), 0);
	for (k = 10; k < 13; k++)
		CHECK_EQ(map__update(&m, &k, &k, BPF_NOEXIST, 0), 0);
	CHECK_EQ(map__update(&m, &k, &k, BPF_ANY, 0), -E2BIG);
	k = 99;
	CHECK_EQ(map__update(&m, &k, &k, BPF_EXIST, 0), -ENOENT);
	CHECK_EQ(map__delete(&m, &k), -ENOENT);
	/* replacing an element in a full map works and moves its value to a fresh slot */
	k = 11;
	off = map__lookup(&m, &k, 0);
	v = 111;
	CHECK_EQ(map__update(&m, &k, &v, BPF_EXIST, 0), 0);
	CHECK(map__lookup(&m, &k, 0) != off);
	CHECK_EQ(*(uint64_t *)(m.values + off), 11);	/* an old pointer reads the old value */
	/* insertion order, kept across replacement */
	CHECK_EQ(map__next_key(&m, NULL, &next), 0);
	CHECK_EQ(next, 10);
	CHECK_EQ(map__next_key(&m, &next, &next), 0);
	CHECK_EQ(next, 11);
	CHECK_EQ(map__next_key(&m, &next, &next), 0);
	CHECK_EQ(next, 12);
	CHECK_EQ(map__next_key(&m, &next, &next), -ENOENT);
	k = 10;
	CHECK_EQ(map__delete(&m, &k), 0);
	CHECK_EQ(map__count(&m), 2);
	k = 13;
	CHECK_EQ(map__update(&m, &k, &k, BPF_ANY, 0), 0);
	map__clear(&m);
	CHECK_EQ(map__count(&m), 0);
	CHECK_EQ(map__next_key(&m, NULL, &next), -ENOENT);
	map__free(&m);
}

TEST(maps_lru_eviction)
{
	struct hxdp_map m;
	uint32_t k, v;

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, 0, 1), 0);
	for (k = 0; k < 4; k++)
		CHECK_EQ(map__update(&m, &k, &k, BPF_ANY, 0), 0);
	k = 0;
	CHECK(map__lookup(&m, &k, 0) >= 0);	/* 0 is now the most recent; 1 the least */
	k = 1;
	CHECK_EQ(map__user_lookup(&m, &k, &v), 0);	/* user lookups do not count */
	k = 4;
	CHECK_EQ(map__update(&m, &k, &k, BPF_NOEXIST, 0), 0);
	k = 1;
	CHECK_EQ(map__lookup(&m, &k, 0), -ENOENT);
	CHECK_EQ(map__count(&m), 4);
	k = 2;
	CHECK_EQ(map__update(&m, &k, &k, BPF_EXIST, 0), 0);	/* 3 is now the least */
	k = 5;
	CHECK_EQ(map__update(&m, &k, &k, BPF_ANY, 0), 0);
	k = 3;
	CHECK_EQ(map__lookup(&m, &k, 0), -ENOENT);
	for (k = 0; k < 6; k++)
		CHECK_EQ(map__lookup(&m, &k, 0) >= 0, k == 0 || k == 2 || k == 4 || k == 5);
	map__free(&m);
}

TEST(maps_percpu)
{
	struct hxdp_map m;
	uint32_t k = 1, v = 5, all[4 * 2];

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0, 4), 0);
	CHECK_EQ(m.ncpus, 4);
	CHECK_EQ(map__user_value_size(&m), 32);
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 2), 0);
	CHECK_EQ(map__lookup(&m, &k, 2), (1 * 4 + 2) * 8);
	CHECK_EQ(map__lookup(&m, &k, 4), -EINVAL);
	CHECK_EQ(map__user_lookup(&m, &k, all), 0);
	CHECK(all[0] == 0 && all[2] == 0 && all[4] == 5 && all[6] == 0);
	for (int c = 0; c < 4; c++)
		all[2 * c] = 100 + c;
	CHECK_EQ(map__user_update(&m, &k, all, BPF_ANY), 0);
	CHECK_EQ(u32at(&m, map__lookup(&m, &k, 3)), 103);
	map__free(&m);

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 2, 0, 4), 0);
	CHECK_EQ(map__user_update(&m, &k, all, BPF_ANY), 0);
	v = 9;
	CHECK_EQ(map__update(&m, &k, &v, BPF_EXIST, 1), 0);	/* in place, this CPU only */
	CHECK_EQ(map__user_lookup(&m, &k, all), 0);
	CHECK(all[0] == 100 && all[2] == 9 && all[4] == 102 && all[6] == 103);
	k = 2;
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 1), 0);	/* new: other CPUs zeroed */
	CHECK_EQ(map__user_lookup(&m, &k, all), 0);
	CHECK(all[0] == 0 && all[2] == 9 && all[4] == 0 && all[6] == 0);
	map__free(&m);
}

struct lpm4 {
	uint32_t plen;
	uint8_t a[4];
};

static struct lpm4 pfx(uint32_t plen, int a, int b, int c, int d)
{
	return (struct lpm4){ plen, { a, b, c, d } };
}

TEST(maps_lpm)
{
	struct hxdp_map m;
	struct lpm4 k, n;
	uint32_t v;
	int64_t off;

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC, 1), 0);
	k = pfx(8, 10, 0, 0, 0); v = 1;
	CHECK_EQ(map__update(&m, &k, &v, BPF_NOEXIST, 0), 0);
	k = pfx(16, 10, 1, 0, 0); v = 2;
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 0), 0);
	k = pfx(24, 10, 2, 3, 0); v = 3;
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 0), 0);
	k = pfx(0, 0, 0, 0, 0); v = 4;
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 0), 0);
	k = pfx(1, 0, 0, 0, 0);
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 0), -ENOSPC);
	CHECK_EQ(map__update(&m, &k, &v, BPF_EXIST, 0), -ENOENT);
	k = pfx(33, 0, 0, 0, 0);
	CHECK_EQ(map__update(&m, &k, &v, BPF_ANY, 0), -EINVAL);
	k = pfx(32, 10, 1, 9, 9);
	off = map__lookup(&m, &k, 0);
	CHECK(off >= 0 && u32at(&m, off) == 2);
	k = pfx(32, 10, 2, 3, 7);
	CHECK_EQ(u32at(&m, map__lookup(&m, &k, 0)), 3);
	k = pfx(20, 10, 2, 3, 7);	/* the key's own length limits the match */
	CHECK_EQ(u32at(&m, map__lookup(&m, &k, 0)), 1);
	k = pfx(32, 11, 0, 0, 0);
	CHECK_EQ(u32at(&m, map__lookup(&m, &k, 0)), 4);
	/* postorder: 10.1/16, 10.2.3/24, 10/8, 0/0 */
	CHECK_EQ(map__next_key(&m, NULL, &n), 0);
	CHECK(n.plen == 16 && n.a[1] == 1);
	CHECK_EQ(map__next_key(&m, &n, &n), 0);
	CHECK(n.plen == 24);
	CHECK_EQ(map__next_key(&m, &n, &n), 0);
	CHECK(n.plen == 8);
	CHECK_EQ(map__next_key(&m, &n, &n), 0);
	CHECK(n.plen == 0);
	CHECK_EQ(map__next_key(&m, &n, &n), -ENOENT);
	k = pfx(8, 10, 0, 0, 0);
	CHECK_EQ(map__delete(&m, &k), 0);
	CHECK_EQ(map__delete(&m, &k), -ENOENT);
	k = pfx(32, 10, 3, 0, 0);
	CHECK_EQ(u32at(&m, map__lookup(&m, &k, 0)), 4);
	map__free(&m);
}

TEST(maps_devmap_fd_maps)
{
	struct hxdp_map m;
	uint32_t k = 1, v[2] = { 5, 0 }, out[2];

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0, 1), 0);
	CHECK(m.rdonly_prog);
	CHECK_EQ(map__user_lookup(&m, &k, out), -ENOENT);
	CHECK_EQ(map__user_update(&m, &k, v, BPF_NOEXIST), -EEXIST);
	CHECK_EQ(map__user_update(&m, &k, v, BPF_ANY), 0);
	CHECK_EQ(map__user_lookup(&m, &k, out), 0);
	CHECK(out[0] == 5 && out[1] == 0);
	CHECK_EQ(map__update(&m, &k, v, BPF_ANY, 0), -EOPNOTSUPP);
	v[0] = 0;
	CHECK_EQ(map__user_update(&m, &k, v, BPF_ANY), 0);	/* ifindex 0 empties */
	CHECK_EQ(map__lookup(&m, &k, 0), -ENOENT);
	CHECK_EQ(map__delete(&m, &k), 0);
	k = 9;
	CHECK_EQ(map__delete(&m, &k), -EINVAL);
	map__free(&m);

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 1), 0);
	k = 0; v[0] = 3;
	CHECK_EQ(map__user_update(&m, &k, v, BPF_EXIST), -EINVAL);
	CHECK_EQ(map__user_update(&m, &k, v, BPF_ANY), 0);
	CHECK_EQ(u32at(&m, map__lookup(&m, &k, 0)), 3);
	CHECK_EQ(map__delete(&m, &k), 0);
	CHECK_EQ(map__delete(&m, &k), -ENOENT);
	k = 4;
	CHECK_EQ(map__delete(&m, &k), -E2BIG);
	map__free(&m);

	CHECK_EQ(mk(&m, BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0, 1), 0);
	k = 1;
	CHECK_EQ(map__user_update(&m, &k, v, BPF_EXIST), -ENOENT);
	CHECK_EQ(map__user_update(&m, &k, v, BPF_ANY), 0);
	CHECK_EQ(map__user_lookup(&m, &k, out), -EOPNOTSUPP);
	CHECK(map__lookup(&m, &k, 0) >= 0);
	map__free(&m);
}

/* ---- against the kernel ------------------------------------------------------------ */

/* a deterministic sequence of random operations on one map configuration, done both on
 * a kernel map (bpf(2)) and on ours; every return code and value must agree */
struct xcfg {
	const char *name;
	uint32_t type, ks, vs, max, flags;
	uint32_t nkeys;		/* distinct keys the sequence draws from */
};

struct xrun {
	const struct xcfg *c;
	struct hxdp_map m;
	int fd;
	uint64_t rng;
	uint32_t uvs;		/* user value size */
	int ninner, inner_fd[4];
	uint32_t inner_id[4];
	int mismatches;
};

static uint32_t rnd(struct xrun *x)
{
	x->rng ^= x->rng << 13;
	x->rng ^= x->rng >> 7;
	x->rng ^= x->rng << 17;
	return (uint32_t)(x->rng >> 16);
}

static int kern_ok(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void gen_key(struct xrun *x, uint8_t *key)
{
	const struct xcfg *c = x->c;
	uint32_t i = rnd(x) % c->nkeys;

	memset(key, 0, c->ks);
	if (c->type == BPF_MAP_TYPE_LPM_TRIE) {
		static const uint32_t plens[] = { 0, 1, 7, 8, 9, 16, 17, 24, 31, 32 };
		static const uint8_t pre[][4] = { { 10, 0, 0, 0 }, { 10, 1, 0, 0 },
			{ 10, 1, 2, 0 }, { 10, 128, 0, 0 }, { 192, 168, 1, 1 }, { 0, 0, 0, 0 },
			{ 10, 1, 2, 3 }, { 255, 255, 255, 255 } };
		uint32_t plen = plens[rnd(x) % 10];

		if (rnd(x) % 16 == 0)
			plen = 33 + rnd(x) % 4;	/* invalid prefix length */
		memcpy(key, &plen, 4);
		memcpy(key + 4, pre[i % 8], 4);
		if (rnd(x) % 4 == 0)
			key[4 + rnd(x) % 4] ^= 1 << (rnd(x) % 8);
		return;
	}
	for (uint32_t b = 0; b < c->ks; b++)
		key[b] = (uint8_t)((i * 37 + b * 11) >> (b % 3));
	memcpy(key, &i, c->ks < 4 ? c->ks : 4);
}

/* a value for both sides: kval goes to the kernel (fds), hval to hxdp (indexes) */
static void gen_val(struct xrun *x, uint8_t *kval, uint8_t *hval)
{
	const struct xcfg *c = x->c;
	uint32_t v;

	for (uint32_t b = 0; b < x->uvs; b++)
		kval[b] = (uint8_t)rnd(x);
	switch (c->type) {
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
		v = rnd(x) % 4 ? 1 : 0;	/* lo, or none */
		memset(kval, 0, x->uvs);
		memcpy(kval, &v, 4);
		break;
	case BPF_MAP_TYPE_CPUMAP:
		v = rnd(x) % 5 ? 1 + rnd(x) % 64 : rnd(x) % 2 ? 0 : 20000;
		memset(kval, 0, x->uvs);
		memcpy(kval, &v, 4);
		break;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		v = rnd(x) % x->ninner;
		memcpy(hval, &v, 4);
		memcpy(kval, &x->inner_fd[v], 4);
		return;
	}
	memcpy(hval, kval, x->uvs);
}

/* kernel map ids in looked-up values become our inner map indexes */
static void kval_to_h(struct xrun *x, uint8_t *val)
{
	uint32_t id;

	if (x->c->type != BPF_MAP_TYPE_ARRAY_OF_MAPS && x->c->type != BPF_MAP_TYPE_HASH_OF_MAPS)
		return;
	memcpy(&id, val, 4);
	for (int i = 0; i < x->ninner; i++)
		if (x->inner_id[i] == id)
			memcpy(val, &i, 4);
}

static void mismatch(struct xrun *x, int step, const char *what, long k, long h)
{
	if (x->mismatches++ < 5)
		fprintf(stderr, "  %s step %d: %s: kernel %ld, hxdp %ld\n", x->c->name, step,
			what, k, h);
}

static int ordered(uint32_t type)
{
	return type != BPF_MAP_TYPE_HASH && type != BPF_MAP_TYPE_PERCPU_HASH &&
	       type != BPF_MAP_TYPE_LRU_HASH && type != BPF_MAP_TYPE_LRU_PERCPU_HASH &&
	       type != BPF_MAP_TYPE_DEVMAP_HASH && type != BPF_MAP_TYPE_HASH_OF_MAPS;
}

static void x_step(struct xrun *x, int step)
{
	static const uint64_t flags[] = { BPF_ANY, BPF_NOEXIST, BPF_EXIST, 3, BPF_F_LOCK };
	uint8_t key[64], kval[1024], hval[1024], kout[1024], hout[1024];
	uint32_t op = rnd(x) % 8;
	int ke, he;

	gen_key(x, key);
	if (op < 4) {
		uint64_t f = flags[rnd(x) % 8 < 6 ? rnd(x) % 3 : 3 + rnd(x) % 2];

		gen_val(x, kval, hval);
		ke = bpf_map_update_elem(x->fd, key, kval, f);
		he = map__user_update(&x->m, key, hval, f);
		if (ke != he)
			mismatch(x, step, "update", ke, he);
	} else if (op < 6) {
		ke = bpf_map_delete_elem(x->fd, key);
		he = map__delete(&x->m, key);
		if (ke != he)
			mismatch(x, step, "delete", ke, he);
	} else if (op == 6 || !ordered(x->c->type)) {
		memset(kout, 0, sizeof(kout));
		memset(hout, 0, sizeof(hout));
		ke = bpf_map_lookup_elem(x->fd, key, kout);
		he = map__user_lookup(&x->m, key, hout);
		kval_to_h(x, kout);
		if (ke != he)
			mismatch(x, step, "lookup", ke, he);
		else if (!ke && memcmp(kout, hout, x->uvs))
			mismatch(x, step, "lookup value", kout[0], hout[0]);
	} else {
		memset(kout, 0, sizeof(kout));
		memset(hout, 0, sizeof(hout));
		const void *from = rnd(x) % 4 ? key : NULL;

		ke = bpf_map_get_next_key(x->fd, from, kout);
		he = map__next_key(&x->m, from, hout);
		if (ke != he)
			mismatch(x, step, "next_key", ke, he);
		else if (!ke && memcmp(kout, hout, x->c->ks))
			mismatch(x, step, "next_key key", kout[0], hout[0]);
	}
}

/* every key of the kernel map must be in ours with the same value, and the counts
 * must agree; for ordered maps the iteration order must agree too */
static void x_compare_all(struct xrun *x)
{
	uint8_t kk[64], hk[64], kv[1024], hv[1024];
	int kfirst = 1, hfirst = 1, kn = 0, hn = 0;

	while (!bpf_map_get_next_key(x->fd, kfirst ? NULL : kk, kk)) {
		kfirst = 0;
		if (bpf_map_lookup_elem(x->fd, kk, kv))
			continue;
		kn++;
		kval_to_h(x, kv);
		if (map__user_lookup(&x->m, kk, hv) || memcmp(kv, hv, x->uvs))
			mismatch(x, -1, "final contents", kn, 0);
	}
	while (!map__next_key(&x->m, hfirst ? NULL : hk, hk)) {
		hfirst = 0;
		if (!map__user_lookup(&x->m, hk, hv))
			hn++;
	}
	if (kn != hn)
		mismatch(x, -1, "final count", kn, hn);
	if (ordered(x->c->type)) {
		int ke, he;

		kfirst = hfirst = 1;
		do {
			ke = bpf_map_get_next_key(x->fd, kfirst ? NULL : kk, kk);
			he = map__next_key(&x->m, hfirst ? NULL : hk, hk);
			kfirst = hfirst = 0;
			if (ke != he || (!ke && memcmp(kk, hk, x->c->ks))) {
				mismatch(x, -1, "iteration order", ke, he);
				break;
			}
		} while (!ke);
	}
}

static int x_inner(struct xrun *x)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	int tmpl = -1;

	if (x->c->type != BPF_MAP_TYPE_ARRAY_OF_MAPS && x->c->type != BPF_MAP_TYPE_HASH_OF_MAPS)
		return 0;
	x->ninner = 4;
	for (int i = 0; i < x->ninner; i++) {
		x->inner_fd[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 2, NULL);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (x->inner_fd[i] < 0 || bpf_obj_get_info_by_fd(x->inner_fd[i], &info, &len))
			return -1;
		x->inner_id[i] = info.id;
	}
	tmpl = x->inner_fd[0];
	return tmpl;
}

static int x_run(const struct xcfg *c, uint64_t seed, int steps)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = c->flags);
	struct xrun x = { .c = c, .rng = seed * 0x9e3779b97f4a7c15ull + 1 };
	int ncpus = libbpf_num_possible_cpus(), tmpl;

	tmpl = x_inner(&x);
	if (tmpl > 0)
		o.inner_map_fd = tmpl;
	x.fd = bpf_map_create(c->type, NULL, c->ks, c->vs, c->max, &o);
	if (x.fd < 0 || tmpl < 0) {
		fprintf(stderr, "  %s: kernel map: %s\n", c->name, strerror(-x.fd));
		return -1;
	}
	if (mk(&x.m, c->type, c->ks, c->vs, c->max, c->flags, (uint32_t)ncpus)) {
		close(x.fd);
		return -1;
	}
	x.uvs = map__user_value_size(&x.m);
	for (int s = 0; s < steps; s++)
		x_step(&x, s);
	x_compare_all(&x);
	map__free(&x.m);
	close(x.fd);
	for (int i = 0; i < x.ninner; i++)
		close(x.inner_fd[i]);
	return x.mismatches;
}

static const struct xcfg xcfgs[] = {
	{ "array", BPF_MAP_TYPE_ARRAY, 4, 12, 8, 0, 10 },
	{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 6, 0, 8 },
	{ "hash", BPF_MAP_TYPE_HASH, 8, 16, 8, 0, 14 },
	{ "hash_noprealloc", BPF_MAP_TYPE_HASH, 5, 3, 6, BPF_F_NO_PREALLOC, 10 },
	{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 6, 0, 10 },
	{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 512, 0, 12 },
	{ "lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 512, 0, 12 },
	{ "lpm_trie", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 6, BPF_F_NO_PREALLOC, 8 },
	{ "devmap", BPF_MAP_TYPE_DEVMAP, 4, 4, 6, 0, 8 },
	{ "devmap8", BPF_MAP_TYPE_DEVMAP, 4, 8, 6, 0, 8 },
	{ "devmap_hash", BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 5, 0, 9 },
	{ "cpumap", BPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0, 6 },
	{ "array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 5, 0, 7 },
	{ "hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 5, 0, 8 },
};

#define XSEEDS 6
#define XSTEPS 300

TEST(maps_kernel_crosscheck)
{
	int seqs = 0, bad = 0, failed = 0;
	cpu_set_t old, one;

	if (!kern_ok())
		SKIP("bpf() unavailable (need root and a BPF-enabled kernel)");
	/* the kernel's LRU lists are per CPU: stay on one so that it evicts nothing early */
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (size_t i = 0; i < sizeof(xcfgs) / sizeof(xcfgs[0]); i++)
		for (uint64_t s = 1; s <= XSEEDS; s++) {
			int r = x_run(&xcfgs[i], s, XSTEPS);

			if (r < 0)
				failed++;
			else
				bad += r, seqs++;
		}
	sched_setaffinity(0, sizeof(old), &old);
	printf("  maps vs kernel: %d sequences of %d operations, %d mismatches, %d not run\n",
	       seqs, XSTEPS, bad, failed);
	CHECK_EQ(bad, 0);
	CHECK_EQ(failed, 0);
}

/* ---- concurrency: a user thread updates while a "program" reads ---------------------- */

#include <pthread.h>
#include <time.h>

struct race {
	struct hxdp_map *m;
	int stop;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	uint64_t v[8];
	uint32_t k = 3;

	for (uint64_t n = 1; !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); n++) {
		for (int i = 0; i < 8; i++)
			v[i] = n;
		map__user_update(r->m, &k, v, BPF_ANY);
		/* a control plane's pace: a replaced slot is reused only after every other
		 * free slot, i.e. 4095 updates (about 40 ms) later, long after a read */
		nanosleep(&(struct timespec){ 0, 10000 }, NULL);
	}
	return NULL;
}

/* a reader must never see a value mixing two updates, nor a torn 8-byte word */
static int race_read(struct hxdp_map *m, int whole)
{
	uint32_t k = 3;
	int64_t off = map__lookup(m, &k, 0);
	uint64_t w[8];

	if (off < 0)
		return 0;
	/* slowly, as a program reading its value over many instructions */
	for (int i = 0; i < 8; i++) {
		w[i] = __atomic_load_n((uint64_t *)(m->values + off) + i, __ATOMIC_RELAXED);
		for (volatile int d = 0; d < 50; d++)
			;
	}
	for (int i = 1; whole && i < 8; i++)
		if (w[i] != w[0])
			return 1;
	return 0;
}

static int race_run(uint32_t type, int whole)
{
	struct hxdp_map m;
	struct race r = { .m = &m };
	pthread_t t;
	int torn = 0;

	if (mk(&m, type, 4, 64, 4096, 0, 1))
		return -1;
	pthread_create(&t, NULL, race_writer, &r);
	for (int i = 0; i < 100000; i++)
		torn += race_read(&m, whole);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	map__free(&m);
	return torn;
}

TEST(maps_concurrent_update)
{
	CHECK_EQ(race_run(BPF_MAP_TYPE_HASH, 1), 0);	/* fresh slot, then published */
	CHECK_EQ(race_run(BPF_MAP_TYPE_ARRAY, 0), 0);	/* in place, whole words */
}
