/* test_sim_pipe.c: the timing core (sim_pipe.c) on hand-made row traces: the
 * pipeline rules of docs/timing.md, one at a time */
#include "t.h"
#include "sim.h"

#define R(i) (1u << (i))

static uint32_t time1(const struct sim_row *rows, uint32_t n, int ee, uint32_t len)
{
	struct sim_nic nic;
	struct sim_model m = { .early_exit = ee };
	struct sim_pkt p = { .len = len };

	sim_nic__init(&nic);
	sim__time(&nic, &m, rows, n, &p, NULL, 0);
	return p.cycles;
}

/* cycles per packet at saturation: the distance between selections */
static double steady(const struct sim_row *rows, uint32_t n, int ee, uint32_t len,
		     uint32_t out)
{
	struct sim_nic nic;
	struct sim_model m = { .early_exit = ee };
	struct sim_pkt p = { .len = len, .out_len = out };
	uint64_t first = 0;

	sim_nic__init(&nic);
	for (int i = 0; i < 100; i++) {
		sim__time(&nic, &m, rows, n, &p, NULL, i);
		if (i == 10)
			first = p.select;
	}
	return (double)(p.select - first) / 89;
}

TEST(sim_pipe_drop_early_exit)
{
	struct sim_row r[] = { { .ctl = SIM_CTL_EXIT_IF, .lat = 1, .helper = -1 } };

	CHECK_EQ(time1(r, 1, 1, 64), 3);
	CHECK(steady(r, 1, 1, 64, 0) == 3.0);
}

TEST(sim_pipe_drop_no_early_exit)
{
	struct sim_row r[] = {
		{ .wr = R(0), .lat = 1, .helper = -1 },
		{ .ctl = SIM_CTL_EXIT_ID, .exit_r0 = 1, .lat = 1, .helper = -1 },
	};

	CHECK_EQ(time1(r, 2, 0, 64), 7);
	CHECK(steady(r, 2, 0, 64, 0) == 7.0);
}

TEST(sim_pipe_id_dep_and_branch)
{
	/* r2 = load; load via r2 (waits a cycle); taken branch (1); exit */
	struct sim_row r[] = {
		{ .wr = R(2), .lat = 1, .helper = -1 },
		{ .wr = R(3), .rd_id = R(2), .frames_id = 1, .lat = 1, .helper = -1 },
		{ .ctl = SIM_CTL_JUMP_ID, .lat = 1, .helper = -1 },
		{ .ctl = SIM_CTL_EXIT_IF, .lat = 1, .helper = -1 },
	};
	struct sim_nic nic;
	struct sim_model m = { .early_exit = 1 };
	struct sim_pkt p = { .len = 64 };

	sim_nic__init(&nic);
	sim__time(&nic, &m, r, 4, &p, NULL, 0);
	CHECK_EQ(p.cycles, 2 + 4 + 1 + 1);
	CHECK_EQ(p.stall[SIM_C_ID_DEP], 1);
	CHECK_EQ(p.stall[SIM_C_BRANCH], 1);
	CHECK_EQ(p.stall[SIM_C_ROW], 4);
}

TEST(sim_pipe_helper_latency)
{
	struct sim_row r[] = {
		{ .wr = R(0), .lat = 3, .helper = 1 },
		{ .wr = R(1), .lat = 1, .helper = -1 },
		{ .ctl = SIM_CTL_EXIT_IF, .lat = 1, .helper = -1 },
	};

	CHECK_EQ(time1(r, 3, 1, 64), 2 + 3 + 2);
}

TEST(sim_pipe_early_start)
{
	/* a load of bytes in frame 40 right after the start waits for the transfer */
	struct sim_row r[] = {
		{ .wr = R(3), .frames_id = 41, .lat = 1, .helper = -1 },
		{ .ctl = SIM_CTL_EXIT_IF, .lat = 1, .helper = -1 },
	};
	struct sim_nic nic;
	struct sim_model m = { .early_exit = 1 };
	struct sim_pkt p = { .len = 1500 };

	sim_nic__init(&nic);
	sim__time(&nic, &m, r, 2, &p, NULL, 0);
	/* frame 40 moved at select+41, readable at +42: the ID of row 0 (at +3) waits */
	CHECK_EQ(p.stall[SIM_C_EARLY_START], 42 - 3);
}

TEST(sim_pipe_input_bound)
{
	struct sim_row r[] = { { .ctl = SIM_CTL_EXIT_IF, .lat = 1, .helper = -1 } };

	/* 1514-byte packets sent back out: one frame per cycle is the limit */
	CHECK(steady(r, 1, 1, 1514, 1514) == 48.0);
}

/* the unloaded latency the stream reports is what an idle core gives */
TEST(sim_pipe_latency_alone)
{
	struct sim_row r[] = {
		{ .wr = R(0), .lat = 3, .helper = 1 },
		{ .wr = R(3), .frames_id = 3, .lat = 1, .helper = -1 },
		{ .ctl = SIM_CTL_EXIT_IF, .lat = 1, .helper = -1 },
	};
	static const uint32_t len[] = { 64, 1514, 64, 256, 1514, 1514, 64, 512 };
	struct sim_model m = { .early_exit = 1 };
	struct sim_nic nic, idle;

	sim_nic__init(&nic);
	for (int i = 0; i < 64; i++) {
		struct sim_pkt p = { .len = len[i % 8], .out_len = i % 3 ? len[i % 8] : 0 };
		struct sim_pkt a = p;

		sim__time(&nic, &m, r, 3, &p, NULL, i);
		sim_nic__init(&idle);
		sim__time(&idle, &m, r, 3, &a, NULL, 0);
		CHECK_EQ(p.latency_alone, a.latency);
		CHECK_EQ(p.cycles, a.cycles);
	}
}
