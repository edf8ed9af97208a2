/* xlate_rt.h: what translated images (xlate.c) and the host share: the context of one
 * translated run and the inline pieces the generated C is made of. The generated code
 * includes this file, env.h, mem.h, sem.h and sim.h as the host was built with them
 * (xlate.c writes its own copies next to the generated source), so a structure means
 * the same on both sides and an instruction means what sem.h says.
 * Not an API: only xlate.c and the generated code use it. */
#ifndef HXDP_XLATE_RT_H
#define HXDP_XLATE_RT_H
#include <stdint.h>
#include <string.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "env.h"
#include "sem.h"
#include "sim.h"

#define XL_LANES 8		/* CC_MAX_LANES */
#define XL_NREGS 16		/* CC_NREGS */
#define XL_CLOBBER 0xdeadbeefdeadbeefull	/* r1-r5 after a helper call (vliw.c) */

/* a memory access as the sim sees it (struct vliw_mem's layout) */
struct xl_mem {
	uint8_t lane, write, size;
	uint32_t region, off;
};

enum { XL_ENDED, XL_BAIL };	/* a translated run's return */

/* an array map whose bpf_map_lookup_elem the rows do themselves, as the kernel's
 * map_gen_lookup: the value of key k for CPU c is at (k * ncpus + c) * elem_size in
 * region (xlate.c builds the table from the maps, the sim's figures for such a call
 * included) */
struct xl_amap {
	uint32_t ok, percpu, max_entries, ncpus, elem_size, region;
	uint32_t hw;		/* sim: the call's record word (sim__rec_helper), no mem_dep */
};
enum { XL_LOAD, XL_STORE, XL_ATOMIC };	/* what faulted */
#define XL_ENTRY UINT32_MAX	/* a bail's row: the program's first (c->prog) */

struct xl_ctx;

/* the host's side: a load the inline path does not do (context, speculative, fault:
 * 1 after run__fault), an access fault, a helper, a tail call (the new program,
 * registers in c->r; -1: the run ended) */
struct xl_ops {
	int (*load_slow)(struct xl_ctx *c, uint32_t row, uint32_t lane, uint64_t addr,
			 uint64_t *v);
	void (*mem_fault)(struct xl_ctx *c, uint32_t row, uint32_t lane, uint64_t addr,
			  int what);
	uint64_t (*helper)(struct hxdp_run *run, int32_t id, const uint64_t a[5]);
	int (*tail)(struct xl_ctx *c);
};

struct xl_ctx {
	struct hxdp_run *run;
	void *host;			/* xlate.c's state behind the callbacks */
	void *owner;			/* the sim's, behind sgrow and shelper */
	/* in: the registers and program at entry; out (XL_BAIL): the state to continue
	 * from on the interpreter, row by row */
	uint64_t *r;			/* XL_NREGS registers: the vliw_state's, out */
	uint64_t r1;			/* in: r1 at entry (the others: vliw.c reset()) */
	uint32_t prog, row;		/* row XL_ENTRY: prog's first */
	uint64_t rows, budget;
	const struct xl_ops *ops;
	const struct xl_amap *am;	/* per map of run->env: am[i] for map i */
	uint32_t nam;
	const struct xl_fast *mf;	/* per region: a map region's xl_fast (xl_fat) */
	/* sim: the record of each executed row (sim.h, docs/timing.md), written as they
	 * run: ns words, nhelp of them a helper call's second word */
	uint32_t *srec;
	uint32_t ns, nhelp, scap;
	int (*sgrow)(struct xl_ctx *c, uint32_t need);
	uint32_t (*shelper)(struct xl_ctx *c, int32_t id, const uint64_t a[5]);
	uint32_t base, len;		/* the packet as it arrived (frames) */
	struct xl_mem *prev, *next;	/* the writes of the row run last, of this row */
	uint32_t nprev;
	struct xl_mem mb[2][XL_LANES];	/* what prev and next point to */
};

static inline __attribute__((always_inline)) uint32_t xl_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* the fast load: a region that is not the context, in bounds */
static inline __attribute__((always_inline)) const uint8_t *xl_ld(const struct hxdp_region *reg, uint64_t addr, uint32_t size)
{
	uint32_t id = HXDP_REGION(addr), o = HXDP_OFF(addr);

	if (__builtin_expect(id < R_COUNT && !(reg[id].flags & REG_CTX) && o >= reg[id].lo &&
			     (uint64_t)o + size <= reg[id].hi, 1))
		return reg[id].base + o;
	return NULL;
}

/* the access where the translator guessed the region id (never the context's): in
 * that region, in bounds, writable for a write; else NULL (the general path decides) */
static inline __attribute__((always_inline)) uint8_t *xl_at(const struct hxdp_region *reg, uint64_t addr, uint32_t size, uint32_t id, int write)
{
	uint32_t o = HXDP_OFF(addr);

	if (__builtin_expect(HXDP_REGION(addr) == id && o >= reg[id].lo &&
			     (uint64_t)o + size <= reg[id].hi &&
			     !(write && (reg[id].flags & REG_RO)), 1)) {
		uint8_t *p = reg[id].base + o;

		if (!p)
			__builtin_unreachable();	/* a region's bytes: the caller tests no more */
		return p;
	}
	return NULL;
}

/* the same for the packet and map regions, checked by one compare: the region's first
 * valid address, its bytes there, and lim: an access of up to 8 bytes at lo + d with
 * d < lim is in bounds (the last 7 bytes of a region are left to the general path).
 * Made by xl_fast_init from run->reg: the packet's at entry and after every helper
 * call (only helpers move it: run__pkt_moved), a map's when the image is opened. */
struct xl_fast {
	uint64_t lo, lim, wlim;	/* wlim: the same for a write */
	uint8_t *b;
};

static inline __attribute__((always_inline)) void
xl_fast_init(const struct hxdp_run *run, uint32_t id, struct xl_fast *f)
{
	const struct hxdp_region *g = &run->reg[id];
	uint64_t span = g->hi > g->lo ? (uint64_t)g->hi - g->lo : 0;

	f->lo = HXDP_ADDR(id, g->lo);
	f->lim = g->base && !(g->flags & REG_CTX) && span >= 8 ? span - 7 : 0;
	f->wlim = (g->flags & REG_RO) ? 0 : f->lim;
	f->b = g->base + (f->lim ? g->lo : 0);
}

/* in f's region, in bounds, writable for a write; else NULL (the general path decides) */
static inline __attribute__((always_inline)) uint8_t *
xl_fat(const struct xl_fast *f, uint64_t addr, int write)
{
	uint64_t d = addr - f->lo;

	if (__builtin_expect(d < (write ? f->wlim : f->lim), 1)) {
		uint8_t *p = f->b + d;

		if (!p)
			__builtin_unreachable();	/* a region's bytes: the caller tests no more */
		return p;
	}
	return NULL;
}

static inline __attribute__((always_inline)) uint64_t xl_data_end(const struct hxdp_run *run)
{
	if (!run->xdp)
		return HXDP_ADDR(R_PKT, run->reg[R_PKT].hi);
	return HXDP_ADDR(R_PKT, xl_get32(run->ctx + offsetof(struct xdp_md, data_end)));
}

/* sim: a read at addr of size bytes; does it overlap the last row's writes prev[0, np)? */
static inline __attribute__((always_inline)) int xl_dep(const struct xl_mem *prev, uint32_t np, uint64_t addr, uint32_t size)
{
	struct xl_mem m = { 0, 0, (uint8_t)size, HXDP_REGION(addr), HXDP_OFF(addr) };

	for (uint32_t j = 0; j < np; j++)
		if (sim__overlaps(m.region, m.off, m.size, prev[j].region, prev[j].off,
				  prev[j].size))
			return 1;
	return 0;
}

/* an access in the run's stack, by one compare against a constant: region R_STACK
 * is the run's stack, [0, sizeof), writable (xlate.c checks that before it enters
 * the code); else NULL (the general path decides) */
static inline __attribute__((always_inline)) uint8_t *
xl_sat(struct hxdp_run *run, uint64_t addr, uint32_t size)
{
	uint64_t d = addr - HXDP_ADDR(R_STACK, 0);

	if (__builtin_expect(d <= sizeof(run->stack) - size, 1)) {
		uint8_t *p = run->stack + d;

		if (!p)
			__builtin_unreachable();
		return p;
	}
	return NULL;
}

/* bpf_map_lookup_elem(map m, key at a1) on an array map: the result in *v. k: the key's
 * bytes if the caller found them, else NULL (xl_ld here). sim: also the call's record
 * word in *hw, the last row's writes being prev[0, np). 0: not done (the helper does it) */
static inline __attribute__((always_inline)) int
xl_alookup_in(const struct xl_amap *m, const struct hxdp_run *run, uint64_t a1,
	      const uint8_t *k, uint64_t *v, uint32_t *hw, const struct xl_mem *prev,
	      uint32_t np)
{
	uint32_t key, cpu = 0;

	if (!k && !(k = xl_ld(run->reg, a1, 4)))
		return 0;
	if (m->percpu && (cpu = run->env->cpu) >= m->ncpus)
		return 0;
	key = xl_get32(k);
	*v = key < m->max_entries ?
	     HXDP_ADDR(m->region, ((uint64_t)key * m->ncpus + cpu) * m->elem_size) : 0;
	if (hw) {	/* sim__row_helper: the key read in ID after the last row wrote it */
		*hw = m->hw;
		for (uint32_t j = 0; j < np; j++)
			if (sim__overlaps(prev[j].region, prev[j].off, prev[j].size,
					  HXDP_REGION(a1), HXDP_OFF(a1), 4))
				*hw |= 1u << 31;
	}
	return 1;
}

/* the same for map a0, an array map of c's table */
static inline __attribute__((always_inline)) int
xl_alookup(const struct xl_ctx *c, const struct hxdp_run *run, uint64_t a0, uint64_t a1,
	   const uint8_t *k, uint64_t *v, uint32_t *hw, const struct xl_mem *prev, uint32_t np)
{
	uint32_t r = HXDP_REGION(a0), i = r - R_MAPREF;

	if (r < R_MAPREF || HXDP_OFF(a0) || i >= c->nam || !c->am[i].ok)
		return 0;
	return xl_alookup_in(&c->am[i], run, a1, k, v, hw, prev, np);
}

/* the same where the translator expects map i, m its entry of the table as the
 * translator saw it (a constant: the lookup compiles to a few instructions) */
static inline __attribute__((always_inline)) int
xl_alookup_at(const struct xl_ctx *c, const struct hxdp_run *run, uint32_t i,
	      const struct xl_amap *m, uint64_t a0, uint64_t a1, const uint8_t *k, uint64_t *v,
	      uint32_t *hw, const struct xl_mem *prev, uint32_t np)
{
	if (a0 != HXDP_MAPREF(i) || i >= c->nam)
		return xl_alookup(c, run, a0, a1, k, v, hw, prev, np);
	return xl_alookup_in(m, run, a1, k, v, hw, prev, np);
}

#endif
