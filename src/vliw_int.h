/* vliw_int.h: what the vliw engine's files share (not an API).
 *
 * vliw.c holds the row semantics one row at a time (the step API with events, used by
 * the sim and for the rows the fast path leaves to it); vliw_fast.c holds the same
 * semantics pre-decoded into a threaded sequence of micro-ops (the engine's run).
 * A change to what an instruction means must be made in both: tests/suites/50-sim.sh
 * (sim == vliw on all corpus traffic) and the vliw-vs-kernel suite catch a mismatch. */
#ifndef HXDP_VLIW_INT_H
#define HXDP_VLIW_INT_H
#include "vliw.h"

struct vliw_fast;

/* decode v's image into micro-ops (vliw_fast.c) */
int vliw_fast__build(struct vliw *v);
void vliw_fast__free(struct vliw_fast *f);
/* run the program s was started on (vliw__start) to its end */
void vliw_fast__run(struct vliw_state *s);

/* one row at s->row, counted by the caller (s->rows includes it): its semantics,
 * the next row in s->row; EXIT and FAULT end the run (run->res final). Returns the
 * enum vliw_ctl of what happened. */
int vliw__row(struct vliw_state *s, struct vliw_event *ev);
/* end the run: r0 for VLIW_EXIT, XDP_ABORTED otherwise */
int vliw__finish(struct vliw_state *s, struct vliw_event *ev, int ctl, uint64_t r0);

/* a tail call the row just made (run->tail_prog >= 0): 1 switched (s reset for the
 * new program), 0 the run ended (a fault) */
int vliw__tail(struct vliw_state *s);

/* what load word w reads at addr: the context, or memory (sign-extended by the LDXS
 * forms); a speculative load that cannot read gives 0. -1: the load faults. The fast
 * interpreter and the translated code call it off their fast paths. */
static inline int vliw__load_slow(struct hxdp_run *run, const struct vliw_word *w,
				  uint64_t addr, uint64_t *out)
{
	uint32_t id = HXDP_REGION(addr);
	int spec = w->form == F_LDXSPEC;
	uint64_t v = 0;
	void *p;

	if (id < R_COUNT && (run->reg[id].flags & REG_CTX)) {
		if (run__ctx_load(run, HXDP_OFF(addr), w->size, &v) && !spec)
			return -1;
	} else if ((p = mem_xlate(run->reg, addr, w->size, 0))) {
		memcpy(&v, p, w->size);
		switch (w->op) {
		case I_LDXS_b: v = (uint64_t)(int64_t)(int8_t)v; break;
		case I_LDXS_h: v = (uint64_t)(int64_t)(int16_t)v; break;
		case I_LDXS_w: v = (uint64_t)(int64_t)(int32_t)v; break;
		}
	} else if (!spec) {
		return -1;
	}
	*out = v;
	return 0;
}

static inline void vliw__stack_dirty(struct hxdp_run *run, uint64_t addr)
{
	run__stack_dirty(run, addr);
}

#endif
