/* vliw.h: the functional VLIW engine ("vliw") and its row-stepping API.
 *
 * An image (image.h) is executed row by row with the semantics of docs/isa-ext.md
 * ("Row semantics"): every lane reads its operands at the start of the row, results
 * (registers and memory) commit at its end in lane order, at most one helper call per
 * row (after the reads, before the commit), and the row's control instructions resolve
 * by lane priority (the lowest lane whose control is taken decides; none: next row).
 * Maps, helpers, the address space and the context are the shared ones (helpers.c,
 * maps.c, mem.h, run.c), so the vm and vliw can only differ in what the compiler did.
 *
 * The simulator (engine "sim") steps rows through vliw__step and adds timing from the
 * event each row reports; it never computes a result itself.
 */
#ifndef HXDP_VLIW_H
#define HXDP_VLIW_H
#include <stdint.h>
#include <stddef.h>
#include "cc.h"
#include "engine.h"
#include "env.h"

struct image;

/* one lane word, decoded once at load */
struct vliw_word {
	uint16_t op;		/* I_*, CC_NOP for an empty lane */
	uint8_t form, dst, src, src2;
	uint8_t alu_op, is64, sgn, kform, size;
	int16_t off;
	int64_t k;		/* sign-extended imm, or the constant of ldk */
	uint32_t target;	/* jumps: absolute row */
	uint32_t origin;	/* eBPF instruction, IMAGE_NO_ORIGIN */
	cc_regs rd, wr;		/* registers read, written */
};

struct vliw {
	struct image *img;
	struct vliw_word *w;	/* img->nrows * lanes */
	uint32_t lanes;
	struct vliw_fast *fast;	/* the rows as threaded micro-ops (vliw_fast.c) */
	struct xlate *xl;	/* the rows as host code (xlate.c), NULL: interpreted */
};

/* the whole state of one program run; registers reset at every program entry */
struct vliw_state {
	const struct vliw *v;
	struct hxdp_run *run;
	uint32_t prog;		/* running program (image program index) */
	uint32_t row;		/* next row, absolute */
	uint64_t r[CC_NREGS];
	uint64_t ctx;		/* r1 at entry, for tail calls */
	uint64_t rows;		/* rows executed */
	int done;
};

enum vliw_ctl {
	VLIW_FALL,		/* no control taken: next row */
	VLIW_JUMP,		/* ja, or a conditional branch taken */
	VLIW_EXIT,		/* exit or exit K: the program ended */
	VLIW_TAIL,		/* a tail call switched program */
	VLIW_FAULT,		/* the run stopped (res->fault says why) */
};

struct vliw_mem {
	uint8_t lane, write, size;
	uint32_t region, off;	/* the address (mem.h) */
};

/* what one row did */
struct vliw_event {
	uint32_t prog, row;	/* the row executed (absolute) */
	uint8_t lanes;		/* bit l: lane l held an instruction */
	uint8_t nmem;
	struct vliw_mem mem[CC_MAX_LANES];
	cc_regs rd[CC_MAX_LANES], wr[CC_MAX_LANES];	/* registers read/written per lane */
	uint16_t op[CC_MAX_LANES];			/* I_* per lane, CC_NOP empty */
	int32_t helper;		/* helper called, -1 none */
	uint8_t helper_lane;
	uint64_t args[5];	/* its r1..r5 */
	uint8_t ctl;		/* enum vliw_ctl */
	int8_t ctl_lane;	/* lane whose control decided, -1 */
	uint8_t ctl_cond;	/* that control was conditional */
	uint32_t next_row;	/* VLIW_FALL/VLIW_JUMP/VLIW_TAIL: the row that follows */
	uint64_t r0;		/* VLIW_EXIT: the return value */
};

/* decode an image (taking ownership of it) */
int vliw__load(struct image *img, struct vliw **out, char *err, size_t errlen);
void vliw__free(struct vliw *v);
/* the image of obj (made by image__obj_*), or obj compiled with o */
int vliw__open_obj(struct hxdp_obj *obj, const struct engine_opts *o, struct vliw **out,
		   char *err, size_t errlen);

/* start program prog of v on a run whose packet the caller set up; r1 is the context */
int vliw__start(struct vliw_state *s, const struct vliw *v, uint32_t prog,
		struct hxdp_run *run, uint64_t r1);
/* the same for the translated code, which sets the entry registers itself: s->r is
 * left unwritten (the code SAVE()s them before anything reads them) */
int vliw__start_xl(struct vliw_state *s, const struct vliw *v, uint32_t prog,
		   struct hxdp_run *run, uint64_t r1);
/* execute one row; ev may be NULL. Returns 1 while the program runs, 0 when it ended
 * (exit or fault: run->res is final) */
int vliw__step(struct vliw_state *s, struct vliw_event *ev);

/* the rows one run executed, for the sim: what each row's event would say, recorded by
 * the fast path without building events. Per row: the row, its program, how control
 * went (ctl, ctl_lane as in the event), the lanes that took part (ev->lanes: a row that
 * faults stops at its faulting lane), its memory accesses mem[mem ..) up to the next
 * row's, and its helper call (args[args .. +5)). */
struct vliw_trec {
	uint32_t row;
	uint16_t prog;
	uint8_t ctl;		/* enum vliw_ctl */
	int8_t ctl_lane;
	uint8_t lanes;
	int32_t helper;		/* -1: none */
	uint32_t mem, args;
};

struct vliw_trace {
	struct vliw_trec *rec;
	struct vliw_mem *mem;
	uint64_t *args;
	uint32_t n, cap, nmem, memcap, nargs, argscap;
};

/* run the program s was started on to its end, recording every row in t (reused) */
void vliw__trace_run(struct vliw_state *s, struct vliw_trace *t);
void vliw_trace__free(struct vliw_trace *t);

extern const struct engine_ops vliw_engine;

#endif
