/* env.h: what programs share across packets (maps, programs for tail calls, helper
 * sources), and the state of one run over one packet. One implementation of map and
 * helper semantics (maps.c, helpers.c) serves every engine. */
#ifndef HXDP_ENV_H
#define HXDP_ENV_H
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include "mem.h"
#include "xdp.h"

struct hxdp_map;
struct hxdp_fib;

struct hxdp_env {
	struct hxdp_map *maps[HXDP_MAX_MAPS];
	uint32_t nmaps;
	uint32_t nprogs;	/* PROG_ARRAY values are program indexes < nprogs */
	/* helper sources; deterministic unless the *_real flags are set (docs/helpers.md) */
	uint64_t ktime_ns;	/* bpf_ktime_get_ns returns this, then adds ktime_step */
	uint64_t ktime_step;
	uint64_t prandom;	/* xorshift64 state for bpf_get_prandom_u32 */
	int ktime_real, prandom_real;
	uint32_t cpu;		/* bpf_get_smp_processor_id; slot of per-CPU maps */
	uint32_t ncpus;		/* per-CPU maps hold this many slots */
	FILE *trace;		/* bpf_trace_printk output, NULL: discarded */
	struct hxdp_fib *fib;	/* bpf_fib_lookup's table, NULL: no routes */
	uint64_t budget;	/* instructions per packet before the run is stopped */
	int conformance;	/* helper 5 is the conformance suite's unwind hook */
};

void env__init(struct hxdp_env *env);

struct hxdp_run {
	struct hxdp_env *env;
	struct hxdp_xdp *xdp;
	struct hxdp_result *res;
	struct hxdp_region reg[R_COUNT];
	uint64_t budget;	/* instructions left */
	int32_t tail_prog;	/* bpf_tail_call: program to continue with, -1 none */
	uint32_t tail_calls;
	uint64_t r2;		/* r2 at entry: run__raw's length (conformance), else 0 */
	uint8_t ctx[32];	/* the xdp_md as stored (pointers as 32-bit offsets) */
	/* stack bytes below this offset are zero: engines that clear the stack at every
	 * program entry (vliw) clear only [stack_lo, end) and lower it on every write they
	 * or their helpers make. 0 (run__init): nothing known. A run used by such an engine
	 * must not be used by another one that writes the stack without keeping it. */
	uint32_t stack_lo;
	uint8_t stack[HXDP_MAX_FRAMES * HXDP_STACK_SIZE] __attribute__((aligned(8)));
};

/* a write at addr (by a program or a helper): the stack bytes at or above it may be
 * nonzero now (stack_lo) */
static inline void run__stack_dirty(struct hxdp_run *r, uint64_t addr)
{
	if (HXDP_REGION(addr) == R_STACK && HXDP_OFF(addr) < r->stack_lo)
		r->stack_lo = HXDP_OFF(addr);
}

/* the stack part of a program entry's self-reset: every byte zero (those below
 * stack_lo are already) */
static inline void run__stack_clear(struct hxdp_run *r)
{
	typedef uint64_t pair __attribute__((vector_size(16), aligned(8)));
	uint32_t o = r->stack_lo & ~7u;

	/* plain stores (a memset's start-up costs more), 16 bytes at a time */
	if (o & 8) {
		*(volatile uint64_t *)&r->stack[o] = 0;
		o += 8;
	}
	for (; o < sizeof(r->stack); o += 16)
		*(volatile pair *)&r->stack[o] = (pair){ 0, 0 };
	r->stack_lo = sizeof(r->stack);
}

/* r10 of call frame k (0 = the program's own frame); frames grow downwards */
#define HXDP_FP(k) HXDP_ADDR(R_STACK, (HXDP_MAX_FRAMES - (k)) * HXDP_STACK_SIZE)

void run__init(struct hxdp_run *r, struct hxdp_env *env);	/* map regions */
/* start a packet: ctx/pkt/stack regions, budget, result cleared. Returns r1 (ctx). */
uint64_t run__packet(struct hxdp_run *r, struct hxdp_xdp *x, struct hxdp_result *res);
/* raw memory as region R_PKT (no xdp_md; conformance suite); returns r1, sets r2 */
uint64_t run__raw(struct hxdp_run *r, uint8_t *mem, uint32_t len, struct hxdp_result *res);
/* after adjust_head/tail/meta: refresh R_PKT bounds and the stored xdp_md */
void run__pkt_moved(struct hxdp_run *r);
/* a load from R_CTX: xdp_md fields with the kernel's rewrite (data, data_end, data_meta
 * become 64-bit addresses). -EACCES for what the verifier would refuse. */
int run__ctx_load(struct hxdp_run *r, uint32_t off, uint32_t size, uint64_t *val);

/* run__ctx_load itself, inline (translated images use it in place) */
/* the xdp_md fields that read as packet addresses */
static inline int run__ctx_is_pkt(uint32_t off)
{
	return off == offsetof(struct xdp_md, data) || off == offsetof(struct xdp_md, data_end) ||
	       off == offsetof(struct xdp_md, data_meta);
}

static inline int run__ctx_read(const struct hxdp_run *r, uint32_t off, uint32_t size,
				uint64_t *val)
{
	uint32_t v;

	if (!r->xdp || size != 4 || off % 4 || off + size > sizeof(struct xdp_md))
		return -EACCES;
	memcpy(&v, r->ctx + off, sizeof(v));
	*val = run__ctx_is_pkt(off) ? HXDP_ADDR(R_PKT, v) : v;
	return 0;
}
/* the end of a run: r0 if it exited (and did not fault), else XDP_ABORTED; rows or
 * instructions executed, the program it ended in */
static inline void run__end(struct hxdp_run *r, int exited, uint64_t r0, uint64_t insns,
			    uint32_t prog)
{
	r->res->r0 = exited && !r->res->fault ? r0 : XDP_ABORTED;
	r->res->insns = insns;
	r->res->prog = prog;
}

/* stop the run: res->fault, res->err, r0 = XDP_ABORTED. Returns err. */
int run__fault(struct hxdp_run *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
