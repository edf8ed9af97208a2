/* cc.h: the hxdp compiler's one IR and its passes (docs/isa-ext.md, "Compiler").
 *
 * A program is a linear array of cc_insn in the target's instruction set (the eBPF
 * rows of isa.h plus the extended rows of isa_ext.h). Passes delete by turning an
 * instruction into CC_NOP; cc_cfg__build compacts the array and (re)builds the basic
 * blocks. Before the CFG exists a jump's tgt is an instruction index; after, a block
 * index. Registers are the target's r0..r15 (CC_NREGS); r0-r10 keep their eBPF roles,
 * r11-r15 exist only in the target and are free for the inliner and the renamer.
 */
#ifndef HXDP_CC_H
#define HXDP_CC_H
#include <stdint.h>
#include <stddef.h>
#include "insn.h"

struct hxdp_obj;
struct hxdp_prog;
struct image;

#define CC_NREGS 16
#define CC_MAX_LANES 8
#define CC_FP 10
#define CC_NOP 0xffff		/* op of a deleted instruction */
#define CC_NONE 0xffffffffu
#define CC_MAX_INSNS (1u << 20)

typedef uint16_t cc_regs;	/* a set of registers, bit i: ri */

enum {
	CC_F_SPEC = 1,		/* hoisted above a branch: executes on paths that skip it */
	CC_F_TARGET = 2,	/* cfg: a jump lands here */
};

struct cc_insn {
	uint16_t op;		/* I_*, or CC_NOP */
	uint8_t dst, src, src2;	/* src2: second source of F_ALU3_X */
	uint8_t flags;		/* CC_F_* */
	int16_t off;
	int32_t imm;
	uint64_t k;		/* F_LDK: the 64-bit value */
	uint32_t tgt;		/* jumps and local calls: instruction, later block */
	uint32_t origin;	/* index of the eBPF instruction it comes from */
};

/* what a register may hold (dataflow pointer kinds, from the context loads) */
enum cc_kind {
	K_UNDEF,		/* no definition reaches */
	K_SCALAR,
	K_CTX,
	K_PKT,			/* data or data_meta plus something */
	K_PKTEND,		/* data_end exactly, as loaded from the context */
	K_STACK,
	K_MAPVAL,		/* map value, or NULL (lookup results) */
	K_MAPREF,
	K_ANY,
};

struct cc_block {
	uint32_t first, n;	/* instructions [first, first + n) */
	uint32_t succ[2];	/* [0] fall-through, [1] jump target; CC_NONE */
	uint32_t npred;
	uint32_t row;		/* schedule: first row of the block's superblock */
	uint32_t sb;		/* schedule: superblock head block */
	int target;		/* some jump lands here */
	cc_regs use, def, live_in, live_out;
};

struct cc_stat {
	const char *pass;
	uint32_t insns;
};

struct cc_opts {
	int lanes;		/* 1..CC_MAX_LANES */
	int opt;		/* 0..2 */
	int xdelay;		/* extra rows before another lane may read a result: 0 or 1 */
};

struct cc {
	struct cc_opts o;
	const struct hxdp_obj *obj;
	const struct hxdp_prog *prog;
	struct cc_insn *v;
	uint32_t n, cap;
	struct cc_block *b;
	uint32_t nb;
	uint32_t *blk;		/* instruction -> block */
	/* dataflow (cc_dataflow__run): per instruction, before it executes */
	cc_regs *live;		/* registers live after the instruction */
	uint8_t (*kind)[CC_NREGS];	/* kinds before the instruction */
	int16_t (*soff)[CC_NREGS];	/* K_STACK: r - r10 when known, INT16_MIN unknown */
	uint32_t (*rdef)[CC_NREGS];	/* the one reaching definition, CC_NONE: the
					 * entry, CC_NONE - 1: several */
	/* schedule: rows of o.lanes slots holding instruction indexes or CC_NONE */
	uint32_t *rows;
	uint32_t nrows;
	uint32_t bound;		/* schedule: rows no schedule of these regions can beat */
	uint32_t chain;		/* schedule: the longest dependence chain of a region */
	struct cc_stat stat[16];
	int nstat;
	uint32_t ninsns_in;	/* eBPF instructions of the program */
	char *err;
	size_t errlen;
};

/* what compiling one program gave */
struct cc_report {
	struct cc_stat stat[16];	/* instructions after each pass */
	int nstat;
	uint32_t rows;
	uint32_t bound;		/* sum over regions of max(critical path, insns / lanes) */
	uint32_t chain;		/* the longest dependence chain of one region */
	uint32_t insns;		/* instructions scheduled */
};

/* cc.c: the driver */
int cc__compile(const struct hxdp_obj *obj, uint32_t prog, const struct cc_opts *o,
		struct image *img, struct cc_report *rep, char *err, size_t errlen);
/* compile every program of obj into a new image */
int cc__compile_obj(const struct hxdp_obj *obj, const struct cc_opts *o, struct image **out,
		    char *err, size_t errlen);
int cc__fail(struct cc *c, uint32_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cc__reserve(struct cc *c, uint32_t n);
void cc__free(struct cc *c);
void cc__stat(struct cc *c, const char *pass);
uint32_t cc__count(const struct cc *c);

/* instruction facts (cc.c), all derived from isa_info[] */
int cc__form(const struct cc_insn *in);
int cc__is_jump(const struct cc_insn *in);	/* conditional or not, tgt valid */
int cc__is_cond(const struct cc_insn *in);
int cc__is_ctl(const struct cc_insn *in);	/* jumps, exits */
int cc__ends_flow(const struct cc_insn *in);	/* no fall-through: ja, exit */
int cc__is_call(const struct cc_insn *in);
int cc__is_load(const struct cc_insn *in);
int cc__is_store(const struct cc_insn *in);	/* st, stx, atomics */
int cc__access_size(const struct cc_insn *in);
cc_regs cc__uses(const struct cc_insn *in);
cc_regs cc__defs(const struct cc_insn *in);
/* ALU description: BPF_OP code, signedness, 64-bit, K operand; -1 if not ALU */
int cc__alu(const struct cc_insn *in, int *op, int *sgn, int *is64, int *kform);
int cc__alu3_id(int op, int sgn, int is64, int kform);	/* I_* of a 3-operand form */
int cc__changes_pkt(int32_t helper);	/* the helper moves the packet (data_end) */
int cc__helper_nargs(int32_t helper);	/* arguments it reads (r1..rN) */
/* what a helper does to memory the program sees */
enum {
	HM_READ = 1,		/* reads through its pointer arguments */
	HM_WRITE = 2,		/* writes through its pointer arguments */
	HM_MAPVAL = 4,		/* changes map values (update, delete) */
	HM_PKT = 8,		/* moves or rewrites the packet (data, data_end, bytes) */
	HM_ALL = 15,
};
int cc__helper_mem(int32_t helper);

/* the passes */
int cc_import__run(struct cc *c);	/* eBPF -> IR (cc.c) */
int cc_inline__run(struct cc *c);
int cc_cfg__build(struct cc *c);
/* insert n instructions before instruction at (their jumps hold instruction indexes of
 * the array before the insertion); jumps that landed on at still land on it. Rebuilds
 * the CFG. */
int cc_cfg__insert(struct cc *c, uint32_t at, const struct cc_insn *ins, uint32_t n);
int cc_dataflow__run(struct cc *c);
int cc_peephole__run(struct cc *c);
int cc_opt__run(struct cc *c);
int cc_regalloc__run(struct cc *c);
int cc_schedule__hoist(struct cc *c);	/* code motion into dominators */
int cc_schedule__run(struct cc *c);
int cc_encode__run(struct cc *c, struct image *img);

/* cc_dataflow.c: memory dependence between two instructions of one region, from the
 * kinds and stack offsets known before each (1: may conflict) */
int cc_dataflow__mem_conflict(const struct cc *c, uint32_t a, uint32_t b);

#endif
