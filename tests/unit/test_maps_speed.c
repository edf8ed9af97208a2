/* test_maps_speed.c: the fast paths of maps and helpers give what the slow ones give.
 *  - map__array_off and helper__lookup_inline against map__lookup and helper__call;
 *  - lookups without the lock (maps.c's seqlock readers) while another thread changes
 *    the map's structure: keys that stay in the map are always found, with their value.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <linux/bpf.h>
#include "t.h"
#include "env.h"
#include "helpers.h"
#include "maps.h"

static int mkmap(struct hxdp_map *m, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		 uint32_t flags, uint32_t ncpus, uint32_t idx)
{
	char err[160];
	int e;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->key_size = ks;
	m->value_size = vs;
	m->max_entries = max;
	m->map_flags = flags;
	m->idx = idx;
	m->inner = -1;
	e = map__init(m, ncpus, err, sizeof(err));
	if (e)
		fprintf(stderr, "  map__init: %s\n", err);
	return e;
}

TEST(speed_array_off)
{
	struct hxdp_map a, p;

	if (mkmap(&a, BPF_MAP_TYPE_ARRAY, 4, 12, 5, 0, 3, 0) ||
	    mkmap(&p, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 5, 0, 3, 1))
		return;
	CHECK(a.array_inline && p.array_inline);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK_EQ(map__array_off(&a, i, 0), map__lookup(&a, &i, 0));
		for (uint32_t c = 0; c < 3; c++)
			CHECK_EQ(map__array_off(&p, i, c), map__lookup(&p, &i, c));
	}
	CHECK_EQ(map__lookup(&a, &(uint32_t){ 1 }, 7), map__array_off(&a, 1, 0));
	CHECK_EQ(map__lookup(&p, &(uint32_t){ 1 }, 3), -EINVAL);
	map__free(&a);
	map__free(&p);
}

/* helper__lookup_inline answers exactly when helper__call would give the same r0 */
TEST(speed_lookup_inline)
{
	struct hxdp_env env;
	struct hxdp_map maps[3];
	struct hxdp_run run;
	struct hxdp_xdp xdp;
	struct hxdp_result res;
	uint8_t pkt[64] = { 0 };
	uint64_t key = HXDP_FP(0) - 8, r0;
	uint32_t *k = (uint32_t *)(run.stack + sizeof(run.stack) - 8);

	env__init(&env);
	env.ncpus = 2;
	if (mkmap(&maps[0], BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 2, 0) ||
	    mkmap(&maps[1], BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0, 2, 1) ||
	    mkmap(&maps[2], BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 2, 2))
		return;
	for (int i = 0; i < 3; i++)
		env.maps[i] = &maps[i];
	env.nmaps = 3;
	run__init(&run, &env);
	xdp__init(&xdp, pkt, sizeof(pkt));
	for (uint32_t cpu = 0; cpu < 3; cpu++) {
		env.cpu = cpu;
		for (uint32_t m = 0; m < 3; m++) {
			for (uint32_t i = 0; i < 6; i++) {
				uint64_t a[5] = { HXDP_MAPREF(m), key };
				int hit;

				run__packet(&run, &xdp, &res);
				*k = i;
				hit = helper__lookup_inline(&run, a, &r0);
				/* a CPU beyond the map's slots is helper__call's to judge */
				CHECK_EQ(hit, (m == 0 && cpu == 0) || (m == 1 && cpu < 2));
				if (hit)
					CHECK_EQ(r0, helper__call(&run, BPF_FUNC_map_lookup_elem, a));
				CHECK_EQ(res.fault, 0);
			}
		}
	}
	/* not a map, an unreadable key: left to helper__call (which faults) */
	env.cpu = 0;
	CHECK_EQ(helper__lookup_inline(&run, (uint64_t[5]){ HXDP_MAPREF(5), key }, &r0), 0);
	CHECK_EQ(helper__lookup_inline(&run, (uint64_t[5]){ HXDP_MAPREF(0), 8 }, &r0), 0);
	CHECK_EQ(helper__lookup_inline(&run, (uint64_t[5]){ HXDP_MAPREF(0) + 1, key }, &r0), 0);
	for (int i = 0; i < 3; i++)
		map__free(&maps[i]);
}

/* ---- lookups without the lock under structural changes --------------------------- */

#define STABLE 64	/* keys that stay, value = key * 3 + 1 */
#define CHURN 512	/* keys another thread keeps adding and deleting */

struct churn {
	struct hxdp_map *m;
	int stop;
	int lpm;
};

static void lpm_key(uint8_t k[8], uint32_t plen, uint32_t a)
{
	memcpy(k, &plen, 4);
	k[4] = (uint8_t)(a >> 24);
	k[5] = (uint8_t)(a >> 16);
	k[6] = (uint8_t)(a >> 8);
	k[7] = (uint8_t)a;
}

static void *churner(void *arg)
{
	struct churn *c = arg;
	uint64_t v = 0;

	for (uint32_t n = 0; !__atomic_load_n(&c->stop, __ATOMIC_RELAXED); n++) {
		uint32_t i = n % CHURN;
		uint8_t k[8];

		if (c->lpm)	/* /24s under 192.168/16, beside the stable /32s in 10/8 */
			lpm_key(k, 24, 0xc0a80000u | i << 8);
		else
			memcpy(k, &(uint32_t){ 1000 + i }, 4);
		v = n;
		if ((n / CHURN) & 1)
			map__delete(c->m, k);
		else
			map__user_update(c->m, k, &v, BPF_ANY);
	}
	return NULL;
}

static int stable_lookups(struct hxdp_map *m, int lpm, int rounds)
{
	int bad = 0;

	for (int r = 0; r < rounds; r++) {
		for (uint32_t i = 0; i < STABLE; i++) {
			uint8_t k[8];
			int64_t off;
			uint64_t v;

			if (lpm)
				lpm_key(k, 32, 0x0a000000u | i);
			else
				memcpy(k, &i, 4);
			off = map__lookup(m, k, 0);
			if (off < 0) {
				bad++;
				continue;
			}
			memcpy(&v, m->values + off, 8);
			bad += v != (uint64_t)i * 3 + 1;
		}
	}
	return bad;
}

static int churn_run(uint32_t type, uint32_t flags)
{
	struct hxdp_map m;
	int lpm = type == BPF_MAP_TYPE_LPM_TRIE, bad;
	struct churn c = { .m = &m, .lpm = lpm };
	pthread_t t;

	if (mkmap(&m, type, lpm ? 8 : 4, 8, STABLE + CHURN + 8, flags, 1, 0))
		return -1;
	for (uint32_t i = 0; i < STABLE; i++) {
		uint8_t k[8];
		uint64_t v = (uint64_t)i * 3 + 1;

		if (lpm)
			lpm_key(k, 32, 0x0a000000u | i);
		else
			memcpy(k, &i, 4);
		map__user_update(&m, k, &v, BPF_ANY);
	}
	pthread_create(&t, NULL, churner, &c);
	bad = stable_lookups(&m, lpm, 3000);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	bad += stable_lookups(&m, lpm, 1);
	map__free(&m);
	return bad;
}

TEST(speed_unlocked_lookups)
{
	CHECK_EQ(churn_run(BPF_MAP_TYPE_HASH, 0), 0);
	CHECK_EQ(churn_run(BPF_MAP_TYPE_LRU_HASH, 0), 0);
	CHECK_EQ(churn_run(BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC), 0);
}
