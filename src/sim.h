/* sim.h: the cycle model of the hXDP NIC (docs/timing.md) and the engine "sim".
 *
 * Two layers:
 *  - the timing core (sim_pipe.c): a cycle-stepped model of the APS/PIQ and the
 *    Sephirot pipeline over the trace of one packet's executed rows (struct sim_row);
 *    it knows nothing of semantics;
 *  - the engine (sim.c): runs each packet on the vliw engine's row-step API, records
 *    the rows' timing events, feeds the timing core twice (in the stream, and alone on
 *    an idle core for the unloaded latency) and keeps the statistics.
 */
#ifndef HXDP_SIM_H
#define HXDP_SIM_H
#include <stdint.h>
#include <stdio.h>

#define SIM_MHZ 156.25
#define SIM_NS_PER_CYCLE 6.4
#define SIM_FRAME 32		/* bytes per input/output frame */
#define SIM_PIQ_FRAMES 512	/* input queue capacity */
#define SIM_IMEM_ROWS 2048	/* instruction memory */

/* how a row's control decides the next fetch */
enum sim_ctl {
	SIM_CTL_NONE,		/* falls through (no control, or conditional not taken) */
	SIM_CTL_JUMP_IF,	/* unconditional jump recognized in IF: no penalty */
	SIM_CTL_JUMP_ID,	/* taken branch (or call/return) resolved in ID */
	SIM_CTL_EXIT_IF,	/* parametrized exit, first control of its row */
	SIM_CTL_EXIT_ID,	/* exit behind a conditional branch, or plain exit (r0) */
	SIM_CTL_SWITCH,		/* tail call into another program: resolved after IE */
};

/* one executed row, as the timing model sees it */
struct sim_row {
	uint32_t pc;		/* row index in its program (trace output) */
	uint16_t prog;
	uint16_t wr;		/* registers this row writes (bit i: ri) */
	uint16_t rd_id;		/* registers its ID-stage consumers read */
	uint8_t ctl;		/* enum sim_ctl */
	uint8_t mem_dep;	/* an ID-stage load reads bytes the previous row wrote */
	uint8_t exit_r0;	/* a plain exit: reads r0 in ID (with early exit) */
	uint8_t cond;		/* holds a conditional branch (resolved in ID, taken or not) */
	uint16_t lat;		/* cycles in IE: 1, or the helper's latency */
	int16_t helper;		/* helper id called, -1 none */
	uint16_t frames_id;	/* packet frames [0, n) its loads need in ID */
	uint16_t frames_ie;	/* packet frames [0, n) its helper needs in IE */
};

enum sim_cause {
	SIM_C_START,		/* select + frame 0 / self-reset: 2 per packet */
	SIM_C_ROW,		/* a row fetched */
	SIM_C_DRAIN,		/* waiting for the previous program's last commit */
	SIM_C_EARLY_START,	/* a read overtook the packet transfer */
	SIM_C_ID_DEP,		/* ID consumer of the previous row's result */
	SIM_C_HELPER,		/* multi-cycle helper in IE */
	SIM_C_BRANCH,		/* squashed fetch behind a taken branch or tail call */
	SIM_C_EXIT,		/* exit resolved after IF (ID, or commit without early exit) */
	SIM_NCAUSE
};
extern const char *const sim_cause_name[SIM_NCAUSE];

struct sim_model {
	int early_exit;		/* 1: exits recognized in IF/ID (default); 0: in commit */
};

/* the NIC state carried from one packet to the next */
struct sim_nic {
	uint64_t end;		/* last program's end cycle (E) */
	uint64_t commit;	/* last program's last commit */
	uint64_t xfer_free;	/* PIQ read port free (previous packet's frames moved) */
	uint64_t buf_free[2];	/* each packet buffer free from this cycle */
	uint64_t in_free;	/* input bus free (back-to-back arrivals) */
	uint32_t buf;		/* buffer of the last packet */
	/* packets whose frames still occupy the PIQ: a ring in arrival order */
	struct { uint64_t release; uint32_t frames; } pending[SIM_PIQ_FRAMES];
	uint32_t head, npending, used;	/* used: their frames */
	int started;
	struct sim_memo *memo;	/* NULL, or pipeline timings already computed (sim_memo__new) */
};

/* one packet through the NIC */
struct sim_pkt {
	/* in */
	uint64_t offered;	/* cycle its frame 0 is offered to the PIQ */
	uint32_t len, out_len;	/* bytes in, bytes out (out_len 0: not emitted) */
	/* out (cycles are absolute) */
	uint64_t arrival;	/* frame 0 entered the PIQ (after back-pressure) */
	uint64_t select, first_if, end, commit, emit_end;
	uint32_t cycles;	/* select .. end, inclusive */
	uint32_t rows;
	uint32_t stall[SIM_NCAUSE];
	uint64_t latency;	/* cycles from arrival to the last frame out (or end) */
	uint64_t latency_alone;	/* the same on an idle core (no queueing) */
};

static inline uint32_t sim__frames(uint32_t bytes)
{
	return (bytes + SIM_FRAME - 1) / SIM_FRAME;
}

/* frames [0, n) holding packet bytes [off, off + size) of the packet as it arrived:
 * len bytes from offset base */
static inline uint16_t sim__frames_upto(uint32_t base, uint32_t len, uint32_t off,
					uint32_t size)
{
	uint32_t end = off + size, f;

	if (end <= base)
		return 0;	/* headroom: the scratch area */
	end -= base;
	if (end > len)
		end = len;	/* grown by adjust_tail: never arrives */
	f = sim__frames(end);
	return (uint16_t)(f > 0xffff ? 0xffff : f);
}

/* two accesses (region, offset, bytes) touch a common byte */
static inline int sim__overlaps(uint32_t ra, uint32_t oa, uint32_t sa, uint32_t rb,
				uint32_t ob, uint32_t sb)
{
	return ra == rb && oa < ob + sb && ob < oa + sa;
}

/* sim_pipe.c: time one packet whose executed rows are rows[0..n) on the NIC in state
 * nic (updated). trace: per-cycle lines, NULL for none; tag names the packet there. */
void sim_nic__init(struct sim_nic *nic);
/* the pipeline's timing of a packet is a function of its rows and of how far its first
 * fetch is behind its select: a NIC with a memo times each such case once (sim_pipe.c) */
struct sim_memo *sim_memo__new(void);
void sim_memo__free(struct sim_memo *m);
void sim__time(struct sim_nic *nic, const struct sim_model *m, const struct sim_row *rows,
	       uint32_t n, struct sim_pkt *p, FILE *trace, uint64_t tag);

/* the translated sim's record of an executed row, one 32-bit word (docs/timing.md,
 * "Translated engines"): bits 0-15 the index k of its static figures in the image's
 * table T; bit 16 its mem_dep, bits 17-30 its frames_id (T[k] has neither); bit 31:
 * the row called a helper (T[k] has the call's static figures: sim__row_helper_static)
 * and a second word follows with what the call found: bits 0-15 its lat, 16-30 its
 * frames_ie, 31 its mem_dep. */
#define SIM_REC_HELPER (1u << 31)
static inline uint32_t sim__rec(uint32_t k, int md, uint32_t fid)
{
	return k | (uint32_t)(md != 0) << 16 | fid << 17;
}

/* the second word from the helper's figures in r (sim__row_helper) */
static inline uint32_t sim__rec_helper(const struct sim_row *r)
{
	return r->lat | (uint32_t)r->frames_ie << 16 | (uint32_t)(r->mem_dep != 0) << 31;
}

/* a packet's executed rows as n rows in nw record words */
struct sim_recs {
	const struct sim_row *T;
	const uint32_t *rec;
	uint32_t n, nw;
};

/* a packet's last row that falls through is its program's end */
static inline void sim__end_rows(struct sim_row *rows, uint32_t n)
{
	if (n && rows[n - 1].ctl == SIM_CTL_NONE)
		rows[n - 1].ctl = SIM_CTL_EXIT_ID;
}

/* the rows the records stand for, in out[0, r->n) (not ended: sim__end_rows) */
void sim__unpack(const struct sim_recs *r, struct sim_row *out);
/* sim__time on records: the memo compares records, not rows; rows[0, r->n) is room
 * for unpacking them when the memo does not have the packet */
void sim__time_recs(struct sim_nic *nic, const struct sim_model *m, const struct sim_recs *r,
		    struct sim_row *rows, struct sim_pkt *p);

/* ---- the engine (sim.c) ---- */
struct json_object;
struct hxdp_run;

/* cycles a helper call holds IE (docs/timing.md 2.4); a: its r1..r5 */
uint32_t sim__helper_latency(const struct hxdp_run *run, int32_t id, const uint64_t a[5]);

/* the parts of an executed row's figures (to_row in sim.c) for the translated sim
 * (xlate.c): what the row's words and its control say (lanes: those that took part,
 * ctl, ctl_lane: enum vliw_ctl and the deciding lane), and what its helper call adds
 * (prev: the accesses of the row run before it, NULL for the first row) */
struct vliw;
struct vliw_mem;
void sim__row_static(const struct vliw *v, uint32_t prog, uint32_t row, uint8_t lanes,
		     int ctl, int ctl_lane, struct sim_row *r);
void sim__row_helper(const struct hxdp_run *run, int32_t id, const uint64_t a[5],
		     const struct vliw_mem *prev, uint32_t nprev, uint32_t base, uint32_t len,
		     struct sim_row *r);
/* the part of sim__row_helper that depends on the helper id alone */
void sim__row_helper_static(int32_t id, struct sim_row *r);

/* options the run command may set after open (defaults: early exit on, packets offered
 * back to back at the input bus rate) */
struct sim_conf {
	int early_exit;
	double rate_mpps;	/* > 0: offered at this rate instead of back to back */
};
void sim__configure(void *st, const struct sim_conf *c);

/* the summary of every packet run so far on st (the sim engine's state):
 * sim__report_json adds "mpps", "cycles_per_packet", "latency_ns" and "sim" (classes,
 * stalls by cause, stream figures) to j; host_ns_per_packet < 0 leaves that field out.
 * sim__report_text prints the same for people. */
int sim__report_json(void *st, struct json_object *j, double host_ns_per_packet);
void sim__report_text(void *st, FILE *f);

/* per-packet figures of the last packet run, and its executed rows (tests, bench) */
const struct sim_pkt *sim__last(void *st);
const struct sim_row *sim__rows(void *st, uint32_t *n);

struct engine_ops;
extern const struct engine_ops sim_engine;

#endif
