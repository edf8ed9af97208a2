/* sim_int.h: what the sim engine's files share (not an API) */
#ifndef HXDP_SIM_INT_H
#define HXDP_SIM_INT_H
#include <stdint.h>
#include <stdio.h>
#include "sim.h"

struct json_object;

enum { SIM_NACT = 6, SIM_NSIZE = 7 };	/* actions (+other) x size buckets */

struct sim_pstat {
	uint32_t cycles, rows;
	uint64_t queue, lat_stream, lat_alone;
	uint8_t cls;
};

/* per-packet samples are kept for the first SIM_KEEP packets, then a uniform sample of
 * SIM_KEEP of them (reservoir, deterministic): a device that runs long keeps bounded
 * memory. Counts, minimum, maximum and mean stay exact (running sums); past SIM_KEEP
 * packets, medians are those of the sample. */
#define SIM_KEEP (1u << 16)
enum { SIM_F_CYCLES, SIM_F_ROWS, SIM_F_QUEUE, SIM_F_ALONE, SIM_F_STREAM, SIM_NF };

/* the exact figures of one class; every packet's are the classes' together (dist_of) */
struct sim_sum {
	uint64_t n;
	uint64_t min[SIM_NF], max[SIM_NF], sum[SIM_NF];
};

struct sim_stats {
	struct sim_pstat *pk;	/* kept samples */
	uint32_t nkept, cap;
	uint64_t n;		/* packets */
	uint64_t rng;		/* reservoir choice */
	/* per class, once summed: while every packet is kept (the first SIM_KEEP), the
	 * report sums the samples instead (a packet costs a store, not five minima) */
	struct sim_sum cls[SIM_NACT * SIM_NSIZE];
	int summed;
	uint64_t stall[SIM_NCAUSE];
	uint64_t first, last;	/* first select, last end of the stream */
};

struct sim_info {
	int lanes, early_exit;
	double rate_mpps;
};

int sim_stats__add(struct sim_stats *s, const struct sim_pkt *stream, uint64_t action);
void sim_stats__free(struct sim_stats *s);
double sim_stats__mpps(const struct sim_stats *s);
int sim_stats__json(const struct sim_stats *s, const struct sim_info *info,
		    struct json_object *j, double host_ns);
void sim_stats__text(const struct sim_stats *s, const struct sim_info *info, FILE *f);

#endif
