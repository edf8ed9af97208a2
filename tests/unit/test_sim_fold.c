/* sim statistics across the fold (the first packet past SIM_KEEP turns the kept samples
 * into running sums): count, minimum, maximum and mean stay exact, per class and over
 * every packet, and sizes land in the size classes of docs/timing.md */
#include <json-c/json.h>
#include "sim_int.h"
#include "t.h"

static json_object *jsim(json_object *j, const char *k)
{
	return json_object_object_get(json_object_object_get(j, "sim"), k);
}

static double jnum(json_object *o, const char *a, const char *b)
{
	return json_object_get_double(json_object_object_get(json_object_object_get(o, a), b));
}

/* packet i: cycles i % 7 + 3 * (i % 5), len 60 + i % 1600 (every size class), pass
 * or drop */
static void add(struct sim_stats *s, uint32_t i, uint64_t *sum, uint64_t *min,
		uint64_t *max)
{
	struct sim_pkt p = { .len = 60 + i % 1600, .cycles = i % 7 + 3 * (i % 5), .rows = 1,
			     .select = 3ull * i, .arrival = 3ull * i, .end = 3ull * i + 2 };

	*sum += p.cycles;
	*min = p.cycles < *min ? p.cycles : *min;
	*max = p.cycles > *max ? p.cycles : *max;
	CHECK(sim_stats__add(s, &p, i & 1 ? 1 : 2) == 0);
}

static void check_exact(uint32_t n)
{
	struct sim_stats s = { 0 };
	struct sim_info info = { .lanes = 4, .early_exit = 1 };
	json_object *j = json_object_new_object(), *cls;
	uint64_t sum = 0, min = ~0ull, max = 0, npk = 0;

	for (uint32_t i = 0; i < n; i++)
		add(&s, i, &sum, &min, &max);
	CHECK(sim_stats__json(&s, &info, j, -1) == 0);
	CHECK(jnum(j, "cycles_per_packet", "min") == (double)min);
	CHECK(jnum(j, "cycles_per_packet", "max") == (double)max);
	CHECK(jnum(j, "cycles_per_packet", "mean") == (double)sum / n);
	cls = jsim(j, "classes");
	CHECK_EQ(json_object_array_length(cls), 14);	/* 2 actions x 7 sizes */
	for (size_t c = 0; c < json_object_array_length(cls); c++)
		npk += json_object_get_int64(json_object_object_get(
			json_object_array_get_idx(cls, c), "packets"));
	CHECK_EQ(npk, n);
	json_object_put(j);
	sim_stats__free(&s);
}

TEST(sim_stats_fold_exact)
{
	check_exact(SIM_KEEP - 1);
	check_exact(SIM_KEEP);
	check_exact(SIM_KEEP + 1);
	check_exact(SIM_KEEP + 4321);
}
