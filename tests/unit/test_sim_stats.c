/* sim statistics: exact while every sample is kept, bounded memory past SIM_KEEP packets
 * (counts, min, max and mean still exact; the median from the reservoir) */
#include <stdlib.h>
#include <json-c/json.h>
#include "sim_int.h"
#include "t.h"

static double jget(json_object *j, const char *a, const char *b)
{
	json_object *o = json_object_object_get(j, a);

	return json_object_get_double(b ? json_object_object_get(o, b) : o);
}

/* packet i: cycles 10 + i % 100 (uniform over 10..109), 64 bytes, dropped */
static void add(struct sim_stats *s, uint32_t i)
{
	struct sim_pkt p = { .len = 64, .cycles = 10 + i % 100, .rows = 5, .select = 2ull * i,
			     .arrival = 2ull * i, .end = 2ull * i + 1 };

	CHECK(sim_stats__add(s, &p, 1) == 0);
}

TEST(sim_stats_small_exact)
{
	struct sim_stats s = { 0 };
	struct sim_info info = { .lanes = 4, .early_exit = 1 };
	json_object *j = json_object_new_object();

	for (uint32_t i = 0; i < 1000; i++)
		add(&s, i);
	CHECK(sim_stats__json(&s, &info, j, -1) == 0);
	CHECK_EQ(s.nkept, 1000);
	CHECK(jget(j, "cycles_per_packet", "min") == 10);
	CHECK(jget(j, "cycles_per_packet", "max") == 109);
	CHECK(jget(j, "cycles_per_packet", "median") == 60);
	CHECK(jget(j, "cycles_per_packet", "mean") == 59.5);
	json_object_put(j);
	sim_stats__free(&s);
}

TEST(sim_stats_bounded)
{
	struct sim_stats s = { 0 };
	struct sim_info info = { .lanes = 4, .early_exit = 1 };
	json_object *j = json_object_new_object(), *sim;
	uint32_t n = 3 * SIM_KEEP + 12345;
	double med;

	for (uint32_t i = 0; i < n; i++)
		add(&s, i);
	CHECK(sim_stats__json(&s, &info, j, -1) == 0);
	CHECK_EQ(s.nkept, SIM_KEEP);
	CHECK(s.cap <= SIM_KEEP);
	CHECK_EQ(s.n, n);
	sim = json_object_object_get(j, "sim");
	CHECK(json_object_get_int64(json_object_object_get(sim, "packets")) == (int64_t)n);
	CHECK(jget(j, "cycles_per_packet", "min") == 10);
	CHECK(jget(j, "cycles_per_packet", "max") == 109);
	med = jget(j, "cycles_per_packet", "median");
	CHECK(med >= 55 && med <= 65);	/* a uniform sample of a uniform distribution */
	json_object_put(j);
	sim_stats__free(&s);
}
