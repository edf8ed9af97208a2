/* verify.c: safety checking before load (verify.h; rules and deviations: docs/safety.md).
 *
 * Two passes, as the kernel's: check_cfg (opcodes, reserved fields, lddw pairs, jump
 * targets, subprograms, reachability), then do_check: depth-first exploration of every
 * path with an abstract state per instruction. States are stored at prune points
 * (jump targets, after branches and calls); a path is cut when a fully explored stored
 * state covers it, and refused as an infinite loop when it returns to an ancestor state
 * unchanged. Loops are bounded the kernel's way: by exploring them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "insn.h"
#include "maps.h"
#include "mem.h"
#include "obj.h"
#include "verify.h"

#undef ISA_HXDP
#define ISA_HXDP(X)

#define NREGS 11
#define NSLOTS (HXDP_STACK_SIZE / 8)
#define MAX_SUBPROGS 256
#define MAX_PENDING 8192	/* BPF_COMPLEXITY_LIMIT_JMP_SEQ */
#define MAX_STATES_PER_INSN 256
#define MAX_STATES 8192
#define MAX_VAR_OFF (1ull << 29)	/* BPF_MAX_VAR_OFF */
#define MAX_PACKET_OFF 0xffff
#define U32MAX 0xffffffffull

enum vtype {
	T_NOT_INIT, T_SCALAR, T_CTX, T_PKT, T_PKT_META, T_PKT_END, T_STACK,
	T_MAP_VALUE, T_MAP_VALUE_OR_NULL, T_MAP_PTR, T_MAP_PTR_OR_NULL,
};

static const char *const type_name[] = {
	[T_NOT_INIT] = "?", [T_SCALAR] = "scalar", [T_CTX] = "ctx", [T_PKT] = "pkt",
	[T_PKT_META] = "pkt_meta", [T_PKT_END] = "pkt_end", [T_STACK] = "fp",
	[T_MAP_VALUE] = "map_value", [T_MAP_VALUE_OR_NULL] = "map_value_or_null",
	[T_MAP_PTR] = "map_ptr", [T_MAP_PTR_OR_NULL] = "map_ptr_or_null",
};

/* scalars: value in [umin, umax]. pointers: base + off + var, var in [umin, umax] */
struct vreg {
	uint8_t type;
	uint8_t frame;		/* T_STACK: whose frame */
	uint16_t map;		/* T_MAP_*: map index */
	int32_t off;
	uint32_t id;		/* T_PKT*: shared variable part; *_OR_NULL: null-check group */
	uint32_t range;		/* T_PKT*: bytes proven readable from base + var */
	uint8_t taint;		/* T_SCALAR made from addresses: TAINT_* */
	uint64_t umin, umax;
};

enum { S_INVALID, S_MISC, S_SPILL };

/* scalars computed from pointers. Addresses differ between hxdp and the kernel, so a
 * value that depends on them may not reach anything observable. TAINT_PKT: the low 32
 * bits of one packet address (w3 = w2 where r2 is data_end); minus another packet
 * address it is a length again, as clang computes data_end - data in 32 bits. */
enum { TAINT_NONE, TAINT_PKT, TAINT_ADDR };

/* in the order a state comparison reads it */
struct vframe {
	int32_t callsite;		/* insn of the call that made this frame, -1 */
	uint32_t subprog;
	struct vreg r[NREGS];
	uint8_t slot[HXDP_STACK_SIZE];	/* per byte: S_*; offset 0 is fp-512 */
	struct vreg spill[NSLOTS];
};

struct vstate {
	uint32_t nframes;
	struct vframe f[];
};

/* flow of register r used at an insn: the registers at each prune point (by pidx)
 * it derives from; only stored states, which sit at prune points, look at it */
struct vflows {
	uint16_t *r[NREGS];
	/* the deepest stored state (depth, serial) of the last path that marked flow r:
	 * it and all above it have it already, while it is on the current path */
	uint32_t depth[NREGS], serial[NREGS];
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	uint64_t data[];
};

/* what a state comparison looks at first, kept beside the stored state so that most
 * stored states are refused without reading them: the last frame's callsite, and per
 * register of the last frame one byte, its type (with its taint if a scalar) */
struct vsum {
	uint64_t reg[2];	/* byte r % 8 of reg[r / 8] */
	uint64_t init[2];	/* 0xff where the register is not T_NOT_INIT */
	int32_t callsite;
	uint32_t nframes;
};

/* a stored state, allocated with its state (st points right after it); branches
 * counts the paths below it still being explored */
struct vcp {
	struct vcp *parent, *next;
	uint32_t insn, branches;
	uint32_t pidx;		/* e->pidx[insn] */
	uint32_t serial;	/* which stored state, 1.. (blocks are reused); its registers
				 * whose scalar range a path below decided on: prec[serial] */
	uint32_t depth;		/* stored states from the first on its path to it, 1.. */
	struct vsum sum;
	struct vstate *st;
};

struct vpend {
	struct vstate *st;
	uint32_t insn;
	struct vcp *parent;
};

struct venv {
	const struct hxdp_obj *obj;
	const struct hxdp_prog *p;
	const struct bpf_insn *in;
	uint32_t n;
	int16_t *id;		/* I_* per insn, -1 for lddw's second slot */
	uint8_t *prune;
	uint16_t *live;		/* registers read before written from each insn on */
	uint16_t *use, *def;	/* registers each insn reads and writes */
	uint32_t *predoff, *pred;	/* predecessors of insn i: pred[predoff[i]..predoff[i+1]) */
	uint32_t (*succ)[2];	/* successors of insn i, n where there is none */
	uint8_t *isjcc;
	uint32_t *work;		/* the backward dataflows' worklist (a ring) */
	uint8_t *inwork;
	uint32_t *touched, ntouched;	/* insns a backward dataflow made nonzero */
	uint16_t *seed;		/* registers a helper call, store or call at the insn uses */
	uint32_t *pidx, nprune;	/* index of each prune point among them */
	uint16_t *scratch;	/* a flow over all insns, zero between uses */
	struct vflows **flow;	/* per insn, the flows of its registers (flow_of) */
	struct chunk *arena;	/* zeroed memory of the flows, freed at the end */
	uint16_t *sub;		/* subprogram of each insn */
	uint32_t substart[MAX_SUBPROGS + 1], nsub;
	uint32_t depth[MAX_SUBPROGS];
	struct vcp **cps;
	uint32_t ncps, *ncp_at;
	struct vpend *pend;	/* grown by doubling up to MAX_PENDING */
	uint32_t npend, pend_cap;
	struct vstate *cur;	/* room for HXDP_MAX_FRAMES */
	void *spare[HXDP_MAX_FRAMES + 1];	/* freed states by frames, to reuse */
	void *spare_cp[HXDP_MAX_FRAMES + 1];	/* freed stored states by frames */
	struct vcp *parent;
	struct vcp **path;	/* path[1..parent->depth]: parent's chain, by depth */
	uint32_t *pser;		/* and their serials */
	uint32_t path_cap, serial, serial_cap;
	/* by serial, dense for mark_precise's walk up the path: precise registers, and
	 * the prune point index of a state with one frame (NOFLOW: more frames) */
	uint16_t *prec;
	uint32_t *pflow;
	uint64_t processed, limit;
	FILE *log;
	uint32_t idgen, pruned;
	int oom;		/* a flow could not be allocated */
	char *err;
	size_t errlen;
};

static int vfail(struct venv *e, int code, uint32_t i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int vfail(struct venv *e, int code, uint32_t i, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(e->err, e->errlen, "%s: insn %u: %s", e->p->name[0] ? e->p->name : "prog",
		 i, msg);
	return code;
}

static const struct hxdp_map *vmap(const struct venv *e, uint32_t idx)
{
	return idx < e->obj->env.nmaps ? e->obj->env.maps[idx] : NULL;
}

/* ---- instruction classes from isa.h ---- */

enum aop {
	A_ADD, A_SUB, A_MUL, A_DIV, A_SDIV, A_OR, A_AND, A_LSH, A_RSH, A_MOD, A_SMOD,
	A_XOR, A_MOV, A_ARSH, A_NEG, A_MOVSX, A_END, A_BAD
};

#define ALU4(n) case I_##n##32_K: case I_##n##32_X: case I_##n##64_K: case I_##n##64_X
static int alu_op(int id)
{
	switch (id) {
	ALU4(ADD): return A_ADD;
	ALU4(SUB): return A_SUB;
	ALU4(MUL): return A_MUL;
	ALU4(DIV): return A_DIV;
	ALU4(SDIV): return A_SDIV;
	ALU4(OR): return A_OR;
	ALU4(AND): return A_AND;
	ALU4(LSH): return A_LSH;
	ALU4(RSH): return A_RSH;
	ALU4(MOD): return A_MOD;
	ALU4(SMOD): return A_SMOD;
	ALU4(XOR): return A_XOR;
	ALU4(MOV): return A_MOV;
	ALU4(ARSH): return A_ARSH;
	case I_NEG32: case I_NEG64: return A_NEG;
	case I_MOVSX8_32: case I_MOVSX16_32: case I_MOVSX8_64: case I_MOVSX16_64:
	case I_MOVSX32_64: return A_MOVSX;
	}
	return isa_info[id].form == F_END ? A_END : A_BAD;
}

enum cop { C_EQ, C_NE, C_GT, C_GE, C_LT, C_LE, C_SGT, C_SGE, C_SLT, C_SLE, C_SET, C_BAD };

#define JCC4(n) case I_##n##_K: case I_##n##_X: case I_##n##32_K: case I_##n##32_X
static int jcc_op(int id)
{
	switch (id) {
	JCC4(JEQ): return C_EQ;
	JCC4(JNE): return C_NE;
	JCC4(JGT): return C_GT;
	JCC4(JGE): return C_GE;
	JCC4(JLT): return C_LT;
	JCC4(JLE): return C_LE;
	JCC4(JSGT): return C_SGT;
	JCC4(JSGE): return C_SGE;
	JCC4(JSLT): return C_SLT;
	JCC4(JSLE): return C_SLE;
	JCC4(JSET): return C_SET;
	}
	return C_BAD;
}

static int is64(int id)
{
	int g = isa_info[id].group;

	return g == G_BASE64 || g == G_DIVMUL64 || g == G_ATOMIC64;
}

static int is_jcc(int form) { return form == F_JCC_K || form == F_JCC_X; }

/* ---- pass 1: structure (check_cfg) ---- */

static int64_t jump_target(const struct bpf_insn *in, int id, uint32_t i)
{
	switch (isa_info[id].form) {
	case F_JA: case F_JCC_K: case F_JCC_X: return (int64_t)i + 1 + in->off;
	case F_JA32: case F_CALL_LOCAL: return (int64_t)i + 1 + in->imm;
	}
	return -1;
}

static int check_reserved(struct venv *e, uint32_t i, int id)
{
	const struct bpf_insn *in = &e->in[i];
	const struct isa_info *f = &isa_info[id];
	int src0 = 0, off0 = 0, imm0 = 0;

	switch (f->form) {
	case F_ALU_K: src0 = 1; break;
	case F_ALU_X: imm0 = 1; break;
	case F_NEG: src0 = off0 = imm0 = 1; break;
	case F_END: src0 = off0 = 1; break;
	case F_JA: src0 = imm0 = 1; break;
	case F_JA32: src0 = off0 = 1; break;
	case F_JCC_K: src0 = 1; break;
	case F_JCC_X: imm0 = 1; break;
	case F_CALL: case F_CALL_LOCAL: off0 = 1; break;
	case F_EXIT: src0 = off0 = imm0 = 1; break;
	case F_LDX: imm0 = 1; break;
	case F_ST: src0 = 1; break;
	case F_STX: imm0 = 1; break;
	}
	if (f->sel == S_OFF)
		off0 = 0;
	if (f->sel == S_IMM)
		imm0 = 0;
	if (f->sel == S_SRC)
		src0 = 0;
	if ((src0 && in->src_reg) || (off0 && in->off) || (imm0 && in->imm) ||
	    ((f->form == F_CALL || f->form == F_CALL_LOCAL || f->form == F_EXIT ||
	      f->form == F_JA || f->form == F_JA32) && in->dst_reg))
		return vfail(e, -EINVAL, i, "%s uses reserved fields", f->mnem);
	return 0;
}

struct hproto;
static const struct hproto *proto_find(int32_t id);

/* every engine refuses a write to r10 when it decodes the program, reached or not */
static int writes_r10(const struct bpf_insn *in, int id)
{
	switch (isa_info[id].form) {
	case F_ALU_K: case F_ALU_X: case F_NEG: case F_END: case F_LDX:
		return in->dst_reg == BPF_REG_10;
	case F_ATOMIC:
		return in->src_reg == BPF_REG_10 && (in->imm & BPF_FETCH);
	}
	return 0;
}

/* constant operands the kernel refuses outright */
static int check_alu_imm(struct venv *e, uint32_t i, int id)
{
	const struct bpf_insn *in = &e->in[i];
	int op = alu_op(id);

	if (isa_info[id].form != F_ALU_K)
		return 0;
	if ((op == A_DIV || op == A_MOD || op == A_SDIV || op == A_SMOD) && !in->imm)
		return vfail(e, -EINVAL, i, "div by zero");
	if ((op == A_LSH || op == A_RSH || op == A_ARSH) &&
	    (in->imm < 0 || in->imm >= (is64(id) ? 64 : 32)))
		return vfail(e, -EINVAL, i, "invalid shift %d", in->imm);
	return 0;
}

static int check_insn(struct venv *e, uint32_t i)
{
	const struct bpf_insn *in = &e->in[i];
	int id = isa_decode(in);

	if (id < 0 || isa_info[id].group == G_HXDP)
		return vfail(e, -EINVAL, i, "unknown opcode %02x", in->code);
	if (isa_info[id].form == F_LDABS || isa_info[id].form == F_LDIND)
		return vfail(e, -EINVAL, i,
			     "BPF_LD_[ABS|IND] instructions not allowed for this program type");
	if (isa_info[id].form == F_CALLX)
		return vfail(e, -EINVAL, i, "unknown opcode %02x", in->code);
	if (in->dst_reg >= NREGS || in->src_reg >= NREGS)
		return vfail(e, -EINVAL, i, "R%d is invalid",
			     in->dst_reg >= NREGS ? in->dst_reg : in->src_reg);
	e->id[i] = (int16_t)id;
	if (isa_info[id].form == F_LDDW) {
		const struct bpf_insn *hi = in + 1;

		if (i + 1 >= e->n || hi->code || hi->dst_reg || hi->src_reg || hi->off)
			return vfail(e, -EINVAL, i, "invalid bpf_ld_imm64 insn");
		if (in->off)
			return vfail(e, -EINVAL, i, "BPF_LD_IMM64 uses reserved fields");
		if (in->src_reg != 0 && in->src_reg != BPF_PSEUDO_MAP_FD &&
		    in->src_reg != BPF_PSEUDO_MAP_VALUE)
			return vfail(e, -EINVAL, i, "unsupported ld_imm64 pseudo source %d",
				     in->src_reg);
		if (in->src_reg == BPF_PSEUDO_MAP_FD && hi->imm)
			return vfail(e, -EINVAL, i, "unrecognized bpf_ld_imm64 insn");
		if (in->src_reg && !vmap(e, (uint32_t)in->imm))
			return vfail(e, -EINVAL, i, "map index %u out of range (%u maps)",
				     (uint32_t)in->imm, e->obj->env.nmaps);
		e->id[i + 1] = -1;
		return in->dst_reg == BPF_REG_10 ?
		       vfail(e, -EACCES, i, "frame pointer is read only") : 0;
	}
	if (writes_r10(in, id))
		return vfail(e, -EACCES, i, "frame pointer is read only");
	if (isa_info[id].form == F_CALL && !proto_find(in->imm))	/* engines link every call */
		return vfail(e, -EINVAL, i, "invalid func unknown#%d", in->imm);
	return check_reserved(e, i, id) ?: check_alu_imm(e, i, id);
}

static int add_subprog(struct venv *e, uint32_t i, int64_t t)
{
	if (t < 0 || t >= e->n)
		return vfail(e, -EINVAL, i, "function call to insn %lld out of range",
			     (long long)t);
	for (uint32_t k = 0; k < e->nsub; k++)
		if (e->substart[k] == t)
			return 0;
	if (e->nsub >= MAX_SUBPROGS)
		return vfail(e, -E2BIG, i, "too many subprograms");
	e->substart[e->nsub++] = (uint32_t)t;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int find_subprogs(struct venv *e)
{
	int err;

	e->substart[0] = 0;
	e->nsub = 1;
	for (uint32_t i = 0; i < e->n; i++)
		if (e->id[i] >= 0 && isa_info[e->id[i]].form == F_CALL_LOCAL &&
		    (err = add_subprog(e, i, jump_target(&e->in[i], e->id[i], i))))
			return err;
	qsort(e->substart, e->nsub, sizeof(e->substart[0]), cmp_u32);
	e->substart[e->nsub] = e->n;
	for (uint32_t k = 0; k < e->nsub; k++) {
		uint32_t last = e->substart[k + 1] - 1;
		int id = e->id[last];

		for (uint32_t i = e->substart[k]; i <= last; i++)
			e->sub[i] = (uint16_t)k;
		if (id < 0 || (isa_info[id].form != F_EXIT && isa_info[id].form != F_JA &&
			       isa_info[id].form != F_JA32))
			return vfail(e, -EINVAL, last, "last insn is not an exit or jmp");
	}
	return 0;
}

static int check_jumps(struct venv *e)
{
	for (uint32_t i = 0; i < e->n; i++) {
		int id = e->id[i], form;
		int64_t t;

		if (id < 0)
			continue;
		form = isa_info[id].form;
		if (form != F_JA && form != F_JA32 && !is_jcc(form))
			continue;
		t = jump_target(&e->in[i], id, i);
		if (t < 0 || t >= e->n || e->sub[t] != e->sub[i])
			return vfail(e, -EINVAL, i, "jump out of range from insn %u to %lld", i,
				     (long long)t);
		if (e->id[t] < 0)
			return vfail(e, -EINVAL, i, "jump into the middle of ldimm64 insn %lld",
				     (long long)t - 1);
		e->prune[t] = 1;
		if (is_jcc(form) && i + 1 < e->n)
			e->prune[i + 1] = 1;
	}
	return 0;
}

/* every instruction reachable from the entry through jumps and calls */
static int check_reachable(struct venv *e)
{
	uint8_t *seen = calloc(e->n, 1);
	uint32_t *stk = malloc(e->n * sizeof(*stk)), sp = 0;
	int err = 0;

	if (!seen || !stk) {
		free(seen);
		free(stk);
		return -ENOMEM;
	}
	seen[0] = 1;
	stk[sp++] = 0;
	while (sp) {
		uint32_t i = stk[--sp], next[2];
		int id = e->id[i], form = isa_info[id].form, nn = 0;

		if (form != F_EXIT && form != F_JA && form != F_JA32)
			next[nn++] = i + (form == F_LDDW ? 2 : 1);
		if (form == F_JA || form == F_JA32 || is_jcc(form) || form == F_CALL_LOCAL)
			next[nn++] = (uint32_t)jump_target(&e->in[i], id, i);
		for (int k = 0; k < nn; k++)
			if (next[k] < e->n && !seen[next[k]]) {
				seen[next[k]] = 1;
				stk[sp++] = next[k];
			}
	}
	for (uint32_t i = 0; i < e->n && !err; i++)
		if (!seen[i] && e->id[i] >= 0)
			err = vfail(e, -EINVAL, i, "unreachable insn %u", i);
	free(seen);
	free(stk);
	return err;
}

static int check_cfg(struct venv *e)
{
	int err = 0;

	if (!e->n)
		return vfail(e, -EINVAL, 0, "empty program");
	if (e->n > VERIFY_MAX_PROG)
		return vfail(e, -E2BIG, 0, "program of %u insns is too large (limit %d)",
			     e->n, VERIFY_MAX_PROG);
	for (uint32_t i = 0; i < e->n && !err; i++) {
		if (e->id[i] == -1 && i)
			continue;
		err = check_insn(e, i);
	}
	if (!err)
		err = find_subprogs(e);
	if (!err)
		err = check_jumps(e);
	if (!err)
		err = check_reachable(e);
	for (uint32_t i = 0; i < e->n && !err; i++)
		if (e->id[i] >= 0 && isa_info[e->id[i]].form == F_CALL_LOCAL && i + 1 < e->n)
			e->prune[i + 1] = 1;
	return err;
}

/* ---- register liveness (backward dataflow; prune points ignore dead registers) ---- */

#define RB(r) (1u << (r))
#define ARGS (RB(1) | RB(2) | RB(3) | RB(4) | RB(5))
#define CLOBBER (RB(0) | ARGS)

static int helper_nargs(int32_t id);

static void use_def(const struct venv *e, uint32_t i, uint16_t *use, uint16_t *def)
{
	const struct bpf_insn *in = &e->in[i];
	int id = e->id[i], form = isa_info[id].form, op = alu_op(id);
	uint16_t d = (uint16_t)RB(in->dst_reg), sr = (uint16_t)RB(in->src_reg);

	*use = *def = 0;
	switch (form) {
	case F_ALU_K: case F_NEG: case F_END:
		*use = op == A_MOV ? 0 : d; *def = d; break;
	case F_ALU_X:
		*use = (uint16_t)(sr | (op == A_MOV || op == A_MOVSX ? 0 : d)); *def = d; break;
	case F_LDDW: *def = d; break;
	case F_LDX: *use = sr; *def = d; break;
	case F_ST: *use = d; break;
	case F_STX: *use = (uint16_t)(d | sr); break;
	case F_ATOMIC:
		*use = (uint16_t)(d | sr | (in->imm == BPF_CMPXCHG ? RB(0) : 0));
		*def = in->imm == BPF_CMPXCHG ? RB(0) : in->imm & BPF_FETCH ? sr : 0;
		break;
	case F_JCC_K: *use = d; break;
	case F_JCC_X: *use = (uint16_t)(d | sr); break;
	case F_CALL:
		*use = (uint16_t)((RB(helper_nargs(in->imm) + 1) - 1) & ARGS); *def = CLOBBER; break;
	case F_CALL_LOCAL: *use = ARGS; *def = CLOBBER; break;
	case F_EXIT: *use = RB(0); break;
	}
}

/* the successors of insn i within its subprogram (a call's is the insn after it) */
static int succs(const struct venv *e, uint32_t i, uint32_t s[2])
{
	int id = e->id[i], form = isa_info[id].form, k = 0;

	if (form != F_EXIT && form != F_JA && form != F_JA32)
		s[k++] = i + (form == F_LDDW ? 2 : 1);
	if (form == F_JA || form == F_JA32 || is_jcc(form))
		s[k++] = (uint32_t)jump_target(&e->in[i], id, i);
	return k;
}

/* use/def per insn and the predecessor lists (CSR) the backward dataflows walk */
static int fill_dataflow(struct venv *e)
{
	uint32_t n = e->n, s[2];

	e->use = calloc(n + 1, sizeof(*e->use));
	e->def = calloc(n + 1, sizeof(*e->def));
	e->predoff = calloc(n + 2, sizeof(*e->predoff));
	e->work = malloc((n + 1) * sizeof(*e->work));
	e->inwork = calloc(n + 1, 1);
	e->succ = malloc((n + 1) * sizeof(*e->succ));
	e->isjcc = calloc(n + 1, 1);
	e->touched = malloc((n + 1) * sizeof(*e->touched));
	e->pidx = calloc(n + 1, sizeof(*e->pidx));
	e->scratch = calloc(n + 1, sizeof(*e->scratch));
	if (!e->use || !e->def || !e->predoff || !e->work || !e->inwork || !e->succ ||
	    !e->isjcc || !e->touched || !e->pidx || !e->scratch)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		if (e->prune[i])
			e->pidx[i] = e->nprune++;
		e->succ[i][0] = e->succ[i][1] = n;
		if (e->id[i] < 0)
			continue;
		use_def(e, i, &e->use[i], &e->def[i]);
		e->isjcc[i] = (uint8_t)is_jcc(isa_info[e->id[i]].form);
		for (int k = succs(e, i, s); k-- > 0;) {
			e->succ[i][k] = s[k];
			e->predoff[s[k] + 1]++;
		}
	}
	for (uint32_t i = 0; i <= n; i++)
		e->predoff[i + 1] += e->predoff[i];
	if (!(e->pred = malloc((e->predoff[n + 1] + 1) * sizeof(*e->pred))))
		return -ENOMEM;
	uint32_t *fill = calloc(n + 1, sizeof(*fill));

	if (!fill)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		if (e->id[i] >= 0)
			for (int k = succs(e, i, s); k-- > 0;)
				e->pred[e->predoff[s[k]] + fill[s[k]]++] = i;
	free(fill);
	return 0;
}

/* in over i's successors (in[n] is 0) */
static uint16_t succ_union(const struct venv *e, uint32_t i, const uint16_t *in)
{
	return in[e->succ[i][0]] | in[e->succ[i][1]];
}

/* in[i] = xfer(i, union of in over i's successors) to a fixed point, from a worklist
 * holding the insns to start with; xfer grows with its argument. The insns it makes
 * nonzero are listed in touched. */
typedef uint16_t (*xfer_fn)(const struct venv *e, uint32_t i, uint16_t out, uint32_t j,
			    uint16_t mask);

static void backward(struct venv *e, uint16_t *in, uint32_t nwork, xfer_fn xfer, uint32_t j,
		     uint16_t mask)
{
	uint32_t head = 0, tail = nwork, cap = e->n + 1;

	e->ntouched = 0;
	while (nwork) {
		uint32_t i = e->work[head];
		uint16_t v;

		if (++head == cap)
			head = 0;
		nwork--;
		e->inwork[i] = 0;
		v = xfer(e, i, succ_union(e, i, in), j, mask);
		if (v == in[i])
			continue;
		if (!in[i])
			e->touched[e->ntouched++] = i;
		in[i] = v;
		for (uint32_t k = e->predoff[i]; k < e->predoff[i + 1]; k++) {
			uint32_t p = e->pred[k];

			if (!e->inwork[p]) {
				e->inwork[p] = 1;
				e->work[tail] = p;
				if (++tail == cap)
					tail = 0;
				nwork++;
			}
		}
	}
}

static uint16_t live_xfer(const struct venv *e, uint32_t i, uint16_t out, uint32_t j,
			  uint16_t mask)
{
	(void)j, (void)mask;
	return (uint16_t)(e->use[i] | (out & ~e->def[i]));
}

static int compute_liveness(struct venv *e)
{
	uint32_t nwork = 0;

	e->live = calloc(e->n + 1, sizeof(*e->live));
	if (!e->live)
		return -ENOMEM;
	for (uint32_t i = e->n; i-- > 0;)
		if (e->id[i] >= 0) {
			e->work[nwork++] = i;
			e->inwork[i] = 1;
		}
	backward(e, e->live, nwork, live_xfer, 0, 0);
	return 0;
}

/* ---- precision (the kernel's precise scalars) ----
 * A scalar's range matters only where the exploration decides something with it: a
 * branch that goes one way only, pointer arithmetic, a helper argument, a value stored
 * to the stack (it may be read back as it was). Such a use marks, in every stored state on the
 * current path, the registers the used one was computed from (flow: a backward
 * dataflow from that use, a superset of what this path did). A prune compares the
 * scalars a stored state has marked by range and the others by type alone (the
 * kernel's regsafe), so counters that differ path by path do not multiply the states. */

static void seed_static(struct venv *e)
{
	for (uint32_t i = 0; i < e->n; i++) {
		int id = e->id[i];

		if (id < 0)
			continue;
		switch (isa_info[id].form) {
		case F_CALL: case F_CALL_LOCAL: case F_ATOMIC: e->seed[i] = e->use[i]; break;
		}
	}
}

/* what computes the used value, or refines it with it */
static uint16_t flow_xfer(const struct venv *e, uint32_t i, uint16_t out, uint32_t j,
			  uint16_t mask)
{
	uint16_t use = e->use[i], def = e->def[i];
	uint16_t v = (uint16_t)((i == j ? mask : 0) | (out & ~def));

	if ((out & def) || (e->isjcc[i] && (out & use)))
		v |= use;
	return v;
}

/* zeroed memory for the rest of the verification */
static void *arena_alloc(struct venv *e, size_t bytes)
{
	struct chunk *c = e->arena;
	size_t words = (bytes + 7) / 8;

	if (!c || c->cap - c->used < words) {
		size_t cap = words > 8192 ? words : 8192;

		if (!(c = calloc(1, sizeof(*c) + cap * 8)))
			return NULL;
		c->cap = cap;
		c->next = e->arena;
		e->arena = c;
	}
	c->used += words;
	return &c->data[c->used - words];
}

/* the flow over all insns in scratch, kept at the prune points */
static void flow_fill(struct venv *e, uint16_t *out, uint32_t j, uint16_t mask)
{
	e->work[0] = j;
	e->inwork[j] = 1;
	backward(e, e->scratch, 1, flow_xfer, j, mask);
	for (uint32_t k = 0; k < e->ntouched; k++) {
		uint32_t i = e->touched[k];

		if (e->prune[i])
			out[e->pidx[i]] = e->scratch[i];
		e->scratch[i] = 0;
	}
}

static const uint16_t *flow_of(struct venv *e, uint32_t j, int r)
{
	struct vflows **f = &e->flow[j];
	uint16_t **fr;

	if (!*f && !(*f = arena_alloc(e, sizeof(**f))))
		return NULL;
	fr = &(*f)->r[r];
	if (!*fr && (*fr = arena_alloc(e, (e->nprune + 1) * sizeof(**fr))))
		flow_fill(e, *fr, j, (uint16_t)RB(r));
	return *fr;
}

/* the stored states of this path that had one frame: which of their registers the
 * use of mask at insn j derives from. Any other state compares every scalar by range. */
#define NOFLOW UINT32_MAX

static int mark_precise(struct venv *e, uint32_t j, uint16_t mask)
{
	uint32_t top = e->parent ? e->parent->depth : 0;
	const uint16_t *f;

	for (int r = 0; r < NREGS; r++) {
		if (!(mask & RB(r)))
			continue;
		if (e->cur->nframes > 1 || !(f = flow_of(e, j, r))) {
			for (uint32_t d = top; d; d--)
				e->prec[e->pser[d]] = 0xffff;	/* across frames: all of them */
			return e->cur->nframes > 1 ? 0 : -ENOMEM;
		}
		if (!top)
			continue;

		struct vflows *v = e->flow[j];
		uint32_t stop = v->depth[r];

		if (!stop || stop > top || e->pser[stop] != v->serial[r])
			stop = 0;	/* marked on another path: all the way up */
		for (uint32_t d = top; d > stop; d--) {
			uint32_t sn = e->pser[d];

			if (e->pflow[sn] != NOFLOW)
				e->prec[sn] |= f[e->pflow[sn]];
		}
		v->depth[r] = top;
		v->serial[r] = e->pser[top];
	}
	return 0;
}

static void need_seed(struct venv *e, uint32_t i, int r)
{
	if (e->cur->f[e->cur->nframes - 1].r[r].type == T_SCALAR && mark_precise(e, i, (uint16_t)RB(r)))
		e->oom = 1;
}

/* ---- scalars ---- */

static void sc_set(struct vreg *r, uint64_t lo, uint64_t hi)
{
	*r = (struct vreg){ .type = T_SCALAR, .umin = lo, .umax = hi };
}

static void sc_unknown(struct vreg *r) { sc_set(r, 0, UINT64_MAX); }
static void sc_const(struct vreg *r, uint64_t v) { sc_set(r, v, v); }
static int sc_is_const(const struct vreg *r)
{
	return r->type == T_SCALAR && r->umin == r->umax;
}

static uint64_t size_max(int bytes)
{
	return bytes >= 8 ? UINT64_MAX : (1ull << (8 * bytes)) - 1;
}

static uint64_t fill_ones(uint64_t v)
{
	v |= v >> 1; v |= v >> 2; v |= v >> 4; v |= v >> 8; v |= v >> 16; v |= v >> 32;
	return v;
}

static uint64_t bswap(uint64_t v, int bits)
{
	switch (bits) {
	case 16: return __builtin_bswap16((uint16_t)v);
	case 32: return __builtin_bswap32((uint32_t)v);
	}
	return __builtin_bswap64(v);
}

/* exact result of one ALU op on constants (the ISA's semantics, RFC 9669) */
static uint64_t alu_const(int id, uint64_t a, uint64_t b)
{
	int w = is64(id), op = alu_op(id);
	uint64_t m = w ? UINT64_MAX : U32MAX, sh = w ? 63 : 31, r;

	if (!w) {
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	switch (op) {
	case A_ADD: r = a + b; break;
	case A_SUB: r = a - b; break;
	case A_MUL: r = a * b; break;
	case A_DIV: r = b ? a / b : 0; break;
	case A_MOD: r = b ? a % b : a; break;
	case A_SDIV:
		if (!b) r = 0;
		else if (w) r = (b == UINT64_MAX) ? -a : (uint64_t)((int64_t)a / (int64_t)b);
		else r = ((uint32_t)b == U32MAX) ? -a : (uint64_t)(uint32_t)((int32_t)a / (int32_t)b);
		break;
	case A_SMOD:
		if (!b) r = a;
		else if (w) r = (b == UINT64_MAX) ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
		else r = ((uint32_t)b == U32MAX) ? 0 : (uint64_t)(uint32_t)((int32_t)a % (int32_t)b);
		break;
	case A_OR: r = a | b; break;
	case A_AND: r = a & b; break;
	case A_XOR: r = a ^ b; break;
	case A_LSH: r = a << (b & sh); break;
	case A_RSH: r = a >> (b & sh); break;
	case A_ARSH:
		r = w ? (uint64_t)((int64_t)a >> (b & sh)) :
			(uint64_t)(uint32_t)((int32_t)a >> (b & sh));
		break;
	case A_MOV: r = b; break;
	case A_NEG: r = -a; break;
	default: r = 0;
	}
	return r & m;
}

static uint64_t movsx_const(int id, uint64_t v)
{
	switch (id) {
	case I_MOVSX8_32: return (uint32_t)(int32_t)(int8_t)v;
	case I_MOVSX16_32: return (uint32_t)(int32_t)(int16_t)v;
	case I_MOVSX8_64: return (uint64_t)(int64_t)(int8_t)v;
	case I_MOVSX16_64: return (uint64_t)(int64_t)(int16_t)v;
	}
	return (uint64_t)(int64_t)(int32_t)v;
}

static uint64_t end_const(int id, uint64_t v)
{
	int bits = isa_info[id].selv;

	switch (id) {
	case I_LE16: case I_LE32: case I_LE64:
		return bits == 64 ? v : v & size_max(bits / 8);
	}
	return bswap(v, bits);
}

/* range of a op b for non-constant scalars (64-bit semantics); unknown when unsure */
static void alu_range(int op, struct vreg *d, const struct vreg *s)
{
	uint64_t lo = 0, hi = UINT64_MAX;

	switch (op) {
	case A_ADD:
		if (d->umax + s->umax >= d->umax)
			lo = d->umin + s->umin, hi = d->umax + s->umax;
		break;
	case A_SUB:
		if (d->umin >= s->umax)
			lo = d->umin - s->umax, hi = d->umax - s->umin;
		break;
	case A_MUL:
		if (d->umax <= U32MAX && s->umax <= U32MAX)
			lo = d->umin * s->umin, hi = d->umax * s->umax;
		break;
	case A_AND: hi = d->umax < s->umax ? d->umax : s->umax; break;
	case A_OR: case A_XOR:
		hi = fill_ones(d->umax | s->umax);
		if (op == A_OR)
			lo = d->umin > s->umin ? d->umin : s->umin;
		break;
	case A_DIV:
		if (sc_is_const(s) && s->umin)
			lo = d->umin / s->umin, hi = d->umax / s->umin;
		else
			hi = d->umax;
		break;
	case A_MOD:
		hi = d->umax;
		if (sc_is_const(s) && s->umin && s->umin - 1 < hi)
			hi = s->umin - 1;
		break;
	case A_RSH:
		if (sc_is_const(s) && s->umin < 64)
			lo = d->umin >> s->umin, hi = d->umax >> s->umin;
		else
			hi = d->umax;
		break;
	case A_ARSH:
		if (sc_is_const(s) && s->umin < 64 && d->umax <= INT64_MAX)
			lo = d->umin >> s->umin, hi = d->umax >> s->umin;
		break;
	case A_LSH:
		if (sc_is_const(s) && s->umin < 64 && (d->umax << s->umin) >> s->umin == d->umax)
			lo = d->umin << s->umin, hi = d->umax << s->umin;
		break;
	}
	sc_set(d, lo, hi);
}

static void scalar_alu(int id, struct vreg *d, const struct vreg *s)
{
	int op = alu_op(id), w = is64(id);
	struct vreg a = *d, b = *s;

	if (op == A_MOV) {
		if (w)
			*d = *s;
		else
			sc_set(d, s->umax <= U32MAX ? s->umin : 0,
			       s->umax <= U32MAX ? s->umax : U32MAX);
		return;
	}
	if ((op == A_LSH || op == A_RSH || op == A_ARSH) && sc_is_const(&b) &&
	    b.umin >= (w ? 64u : 32u)) {
		sc_set(d, 0, w ? UINT64_MAX : U32MAX);	/* as the kernel: a shift this far is unknown */
		return;
	}
	if (op == A_DIV || op == A_MOD || op == A_SDIV || op == A_SMOD) {
		sc_set(d, 0, w ? UINT64_MAX : U32MAX);	/* the kernel does not track them */
		return;
	}
	if (sc_is_const(&a) && sc_is_const(&b)) {
		sc_const(d, alu_const(id, a.umin, b.umin));
		return;
	}
	if (!w) {
		if (a.umax > U32MAX) sc_set(&a, 0, U32MAX);
		if (b.umax > U32MAX) sc_set(&b, 0, U32MAX);
		if ((op == A_LSH || op == A_RSH || op == A_ARSH) && sc_is_const(&b))
			b.umin = b.umax = b.umin & 31;
	} else if ((op == A_LSH || op == A_RSH || op == A_ARSH) && sc_is_const(&b)) {
		b.umin = b.umax = b.umin & 63;
	}
	alu_range(op, &a, &b);
	if (!w && a.umax > U32MAX)
		sc_set(&a, 0, U32MAX);
	*d = a;
}

/* ---- state ---- */

static size_t state_size(uint32_t nframes)
{
	return sizeof(struct vstate) + nframes * sizeof(struct vframe);
}

/* freed blocks are kept for reuse on a list per number of frames, linked through
 * their first bytes */
static void *spare_get(void **list, size_t size)
{
	void *b = *list;

	if (!b)
		return malloc(size);
	memcpy(list, b, sizeof(b));
	return b;
}

static void spare_put(void **list, void *b)
{
	memcpy(b, list, sizeof(b));
	*list = b;
}

static void spare_free(void **list)
{
	for (void *b = *list, *nx; b; b = nx) {
		memcpy(&nx, b, sizeof(nx));
		free(b);
	}
	*list = NULL;
}

static struct vstate *state_dup(struct venv *e, const struct vstate *s)
{
	struct vstate *c = spare_get(&e->spare[s->nframes], state_size(s->nframes));

	if (c)
		memcpy(c, s, state_size(s->nframes));
	return c;
}

static void state_free(struct venv *e, struct vstate *s)
{
	spare_put(&e->spare[s->nframes], s);
}

static struct vframe *cur_frame(struct venv *e)
{
	return &e->cur->f[e->cur->nframes - 1];
}

static void frame_init(struct vframe *f, uint32_t frameno, int32_t callsite, uint32_t sub)
{
	memset(f, 0, sizeof(*f));
	f->r[BPF_REG_10] = (struct vreg){ .type = T_STACK, .frame = (uint8_t)frameno };
	f->callsite = callsite;
	f->subprog = sub;
}

/* ids name which registers share a variable part or a null check; two states agree
 * when their ids correspond one to one (the kernel's check_ids) */
#define IDMAP_MAX 128

struct idmap {
	uint32_t n, old[IDMAP_MAX], cur[IDMAP_MAX];
};

static int ids_match(struct idmap *m, uint32_t o, uint32_t c)
{
	if (!o || !c)
		return o == c;
	for (uint32_t k = 0; k < m->n; k++)
		if (m->old[k] == o || m->cur[k] == c)
			return m->old[k] == o && m->cur[k] == c;
	if (m->n == IDMAP_MAX)
		return 0;
	m->old[m->n] = o;
	m->cur[m->n++] = c;
	return 1;
}

static int reg_equal(const struct vreg *a, const struct vreg *b, struct idmap *m)
{
	return a->type == b->type && a->frame == b->frame && a->map == b->map &&
	       a->off == b->off && ids_match(m, a->id, b->id) && a->range == b->range &&
	       a->umin == b->umin && a->umax == b->umax && a->taint == b->taint;
}

/* old was verified safe; is every concrete state of cur one of old's? */
static int reg_covers(const struct vreg *old, const struct vreg *cur, struct idmap *m,
		      int precise)
{
	if (old->type == T_NOT_INIT)
		return 1;	/* the old path never read it (that would have failed) */
	if (old->type != cur->type)
		return 0;
	if (old->type == T_SCALAR && old->taint != cur->taint)
		return 0;
	if (old->type == T_SCALAR)
		return !precise || (old->umin <= cur->umin && cur->umax <= old->umax);
	return old->frame == cur->frame && old->map == cur->map && old->off == cur->off &&
	       ids_match(m, old->id, cur->id) && old->range <= cur->range &&
	       old->umin <= cur->umin && cur->umax <= old->umax;
}

static int reg_cmp(const struct vreg *o, const struct vreg *c, struct idmap *m, int exact,
		   int precise)
{
	return exact ? reg_equal(o, c, m) : reg_covers(o, c, m, precise);
}

/* precise: the registers whose scalar ranges must be covered (need) */
static int frame_cmp(const struct vframe *o, const struct vframe *c, uint16_t live,
		     uint16_t precise, struct idmap *m, int exact)
{
	if (o->callsite != c->callsite)
		return 0;
	for (int r = 0; r < NREGS; r++)
		if ((live & RB(r)) &&
		    !reg_cmp(&o->r[r], &c->r[r], m, exact, !!(precise & RB(r))))
			return 0;
	for (int b = 0; b < HXDP_STACK_SIZE; b++) {
		/* a whole 8-byte slot alike and not a spill: nothing to look at in it */
		if (b % 8 == 0 && o->slot[b] != S_SPILL && !memcmp(&o->slot[b], &c->slot[b], 8)) {
			b += 7;
			continue;
		}
		if (o->slot[b] == c->slot[b] && (o->slot[b] != S_SPILL || b % 8))
			continue;
		if (exact && o->slot[b] != c->slot[b])
			return 0;
		if (o->slot[b] == S_INVALID)
			continue;
		if (o->slot[b] == S_MISC && c->slot[b] == S_SPILL &&
		    c->spill[b / 8].type == T_SCALAR)
			continue;
		if (o->slot[b] != c->slot[b] ||
		    !reg_cmp(&o->spill[b / 8], &c->spill[b / 8], m, exact, 1))
			return 0;
	}
	return 1;
}

/* registers live in frame k of c at insn i: callers resume after their call, where
 * r0-r5 are written by it. precise: of a state with one frame, the scalars compared by
 * range (mark_precise) */
static int state_cmp(const struct venv *e, uint32_t i, const struct vstate *o,
		     const struct vstate *c, int exact, uint16_t precise)
{
	struct idmap m = { 0 };

	if (o->nframes > 1)
		precise = 0xffff;

	if (o->nframes != c->nframes)
		return 0;
	for (uint32_t k = 0; k < o->nframes; k++) {
		uint16_t live = k + 1 == c->nframes ? e->live[i] :
				(uint16_t)(e->live[c->f[k + 1].callsite + 1] & ~CLOBBER);

		if (!frame_cmp(&o->f[k], &c->f[k], (uint16_t)(live | RB(10)), precise, &m,
			       exact))
			return 0;
	}
	return 1;
}

static void state_sum(const struct vstate *s, struct vsum *m)
{
	const struct vframe *f = &s->f[s->nframes - 1];

	*m = (struct vsum){ .callsite = f->callsite, .nframes = s->nframes };
	for (int r = 0; r < NREGS; r++) {
		const struct vreg *v = &f->r[r];
		uint64_t b = v->type | (v->type == T_SCALAR ? (uint64_t)v->taint << 4 : 0);

		m->reg[r / 8] |= b << (8 * (r % 8));
		if (v->type != T_NOT_INIT)
			m->init[r / 8] |= 0xffull << (8 * (r % 8));
	}
}

/* the bytes of vsum.reg of the registers live at insn i in the last frame */
static void sum_live(const struct venv *e, uint32_t i, uint64_t live[2])
{
	uint16_t l = (uint16_t)(e->live[i] | RB(10));

	live[0] = live[1] = 0;
	for (int r = 0; r < NREGS; r++)
		if (l & RB(r))
			live[r / 8] |= 0xffull << (8 * (r % 8));
}

/* 0 when state_cmp of o against c fails whatever exact and precise are: frames or
 * last callsite differ, or a live register of o's last frame that o initialized has
 * another type or taint in c (reg_covers and reg_equal both refuse it) */
static int sum_may_match(const struct vsum *o, const struct vsum *c, const uint64_t live[2])
{
	return o->nframes == c->nframes && o->callsite == c->callsite &&
	       !(((o->reg[0] ^ c->reg[0]) & o->init[0] & live[0]) |
		 ((o->reg[1] ^ c->reg[1]) & o->init[1] & live[1]));
}

/* apply fn to every register and spilled register of the state */
static void for_each_reg(struct vstate *s, void (*fn)(struct vreg *r, const void *arg),
			 const void *arg)
{
	for (uint32_t k = 0; k < s->nframes; k++) {
		struct vframe *f = &s->f[k];

		for (int r = 0; r < NREGS; r++)
			fn(&f->r[r], arg);
		for (int q = 0; q < NSLOTS; q++)
			if (f->slot[q * 8] == S_SPILL)
				fn(&f->spill[q], arg);
	}
}

/* ---- exploration bookkeeping ---- */

static void path_done(struct venv *e)
{
	for (struct vcp *c = e->parent; c; c = c->parent)
		if (--c->branches)
			break;
}

/* st (from state_dup) is the pending path's, or freed on failure */
static int push_branch(struct venv *e, uint32_t insn, struct vstate *st)
{
	if (e->npend >= MAX_PENDING) {
		state_free(e, st);
		return vfail(e, -E2BIG, insn, "the sequence of %d jumps is too complex",
			     MAX_PENDING);
	}
	if (e->npend == e->pend_cap) {
		uint32_t cap = e->pend_cap ? 2 * e->pend_cap : 64;
		struct vpend *p = realloc(e->pend, cap * sizeof(*p));

		if (!p) {
			state_free(e, st);
			return -ENOMEM;
		}
		e->pend = p;
		e->pend_cap = cap;
	}
	e->pend[e->npend++] = (struct vpend){ st, insn, e->parent };
	if (e->parent)
		e->parent->branches++;
	return 0;
}

static int is_ancestor(const struct venv *e, const struct vcp *c)
{
	return e->parent && c->depth <= e->parent->depth && e->path[c->depth] == c;
}

/* continue below p: path[] is the old parent's chain up to its depth, so the walk up
 * from p stops where the two chains meet */
static void set_parent(struct venv *e, struct vcp *p)
{
	uint32_t old = e->parent ? e->parent->depth : 0;

	for (struct vcp *q = p; q && !(q->depth <= old && e->path[q->depth] == q); q = q->parent) {
		e->path[q->depth] = q;
		e->pser[q->depth] = q->serial;
	}
	e->parent = p;
}

/* make room at insn i: drop its oldest fully explored state. Nothing follows the
 * parent pointer of a finished state, so it can go. */
static int evict_one(struct venv *e, uint32_t i)
{
	struct vcp **pp, **victim = NULL;

	for (pp = &e->cps[i]; *pp; pp = &(*pp)->next)
		if (!(*pp)->branches)
			victim = pp;
	if (!victim)
		return 0;
	struct vcp *c = *victim;

	*victim = c->next;
	spare_put(&e->spare_cp[c->sum.nframes], c);
	e->ncp_at[i]--;
	e->ncps--;
	return 1;
}

/* room in path/pser for a stored state at depth and in prec/pflow for one more serial */
static int room(struct venv *e, uint32_t depth)
{
	if (depth >= e->path_cap) {
		uint32_t cap = 2 * depth;
		struct vcp **p = realloc(e->path, cap * sizeof(*p));
		uint32_t *s = p ? realloc(e->pser, cap * sizeof(*s)) : NULL;

		if (p)
			e->path = p;
		if (!s)
			return -ENOMEM;
		e->pser = s;
		e->path_cap = cap;
	}
	if (e->serial + 1 >= e->serial_cap) {
		uint32_t cap = 2 * (e->serial + 1);
		uint16_t *pr = realloc(e->prec, cap * sizeof(*pr));
		uint32_t *pf = pr ? realloc(e->pflow, cap * sizeof(*pf)) : NULL;

		if (pr)
			e->prec = pr;
		if (!pf)
			return -ENOMEM;
		e->pflow = pf;
		e->serial_cap = cap;
	}
	return 0;
}

/* at a prune point: 1 cut the path, 0 go on, <0 refuse */
static int prune_point(struct venv *e, uint32_t i)
{
	struct vcp *c;
	struct vsum cur;
	uint64_t live[2];

	state_sum(e->cur, &cur);
	sum_live(e, i, live);
	for (c = e->cps[i]; c; c = c->next) {
		if (!sum_may_match(&c->sum, &cur, live))
			continue;
		if (!c->branches && state_cmp(e, i, c->st, e->cur, 0, e->prec[c->serial])) {
			e->pruned++;	/* what decided below c decides below this path too */
			return mark_precise(e, i, e->prec[c->serial]) ?: 1;
		}
		if (c->branches && is_ancestor(e, c) && state_cmp(e, i, c->st, e->cur, 1, 0xffff))
			return vfail(e, -EACCES, i, "infinite loop detected at insn %u", i);
	}
	if ((e->ncp_at[i] >= MAX_STATES_PER_INSN || e->ncps >= MAX_STATES) &&
	    !evict_one(e, i))
		return 0;
	if (room(e, e->parent ? e->parent->depth + 1 : 1))
		return -ENOMEM;
	c = spare_get(&e->spare_cp[cur.nframes], sizeof(*c) + state_size(cur.nframes));
	if (!c)
		return -ENOMEM;
	*c = (struct vcp){ .st = (struct vstate *)(c + 1) };
	memcpy(c->st, e->cur, state_size(cur.nframes));
	c->insn = i;
	c->pidx = e->pidx[i];
	c->serial = ++e->serial;
	c->sum = cur;
	c->branches = 1;
	c->parent = e->parent;
	c->depth = e->parent ? e->parent->depth + 1 : 1;
	c->next = e->cps[i];
	e->cps[i] = c;
	e->ncp_at[i]++;
	e->ncps++;
	e->path[c->depth] = c;
	e->pser[c->depth] = c->serial;
	e->prec[c->serial] = 0;
	e->pflow[c->serial] = cur.nframes == 1 ? c->pidx : NOFLOW;
	e->parent = c;
	return 0;
}

/* ---- register reads and writes ---- */

static int reg_read(struct venv *e, uint32_t i, int r)
{
	if (cur_frame(e)->r[r].type == T_NOT_INIT)
		return vfail(e, -EACCES, i, "R%d !read_ok", r);
	return 0;
}

static int reg_writable(struct venv *e, uint32_t i, int r)
{
	if (r == BPF_REG_10)
		return vfail(e, -EACCES, i, "frame pointer is read only");
	return 0;
}

static int tainted(struct venv *e, uint32_t i, int r, const char *where)
{
	const struct vreg *v = &cur_frame(e)->r[r];

	if (v->type == T_SCALAR && v->taint)
		return vfail(e, -EACCES, i, "R%d leaks addr %s", r, where);
	return 0;
}

static int is_pkt(int t) { return t == T_PKT || t == T_PKT_META; }
static int is_ptr(int t) { return t != T_SCALAR && t != T_NOT_INIT; }

/* ---- memory ---- */

struct access {
	int reg;		/* pointer register */
	int32_t off;		/* insn offset */
	uint32_t size;
	int write;
	int64_t lo, hi;		/* out: accessed bytes relative to the region */
};

static int check_pkt(struct venv *e, uint32_t i, const struct vreg *p, struct access *a)
{
	int64_t off = (int64_t)a->off + p->off;

	if (p->umin > MAX_PACKET_OFF || p->umax > MAX_PACKET_OFF)
		return vfail(e, -EACCES, i, "R%d unbounded memory access, make sure to bounds "
			     "check any such access", a->reg);
	if (off < 0 || off + a->size > p->range)
		return vfail(e, -EACCES, i, "invalid access to packet, off=%lld size=%u, "
			     "R%d(id=%u,off=%d,r=%u)", (long long)off, a->size, a->reg, p->id,
			     p->off, p->range);
	return 0;
}

static int check_map_value(struct venv *e, uint32_t i, const struct vreg *p,
			   struct access *a)
{
	const struct hxdp_map *m = vmap(e, p->map);
	int64_t lo = (int64_t)a->off + p->off + (int64_t)p->umin;
	int64_t hi = (int64_t)a->off + p->off + (int64_t)p->umax + a->size;

	if (!m)
		return vfail(e, -EINVAL, i, "R%d map %u does not exist", a->reg, p->map);
	if (p->umax > MAX_VAR_OFF)
		return vfail(e, -EACCES, i, "R%d unbounded memory access, make sure to bounds "
			     "check any such access", a->reg);
	if (lo < 0)
		return vfail(e, -EACCES, i, "R%d min value is outside of the allowed memory "
			     "range", a->reg);
	if (hi > m->value_size)
		return vfail(e, -EACCES, i, "invalid access to map value, value_size=%u "
			     "off=%lld size=%u", m->value_size, (long long)(hi - a->size),
			     a->size);
	if (a->write && m->rdonly_prog)
		return vfail(e, -EACCES, i, "write into map forbidden, value_size=%u off=%lld "
			     "size=%u", m->value_size, (long long)lo, a->size);
	a->lo = lo;
	a->hi = hi;
	return 0;
}

static int check_stack(struct venv *e, uint32_t i, const struct vreg *p, struct access *a)
{
	int64_t off = (int64_t)a->off + p->off;

	if (p->umin || p->umax)
		return vfail(e, -EACCES, i, "variable stack access var_off=(0x%llx; 0x%llx) "
			     "is not supported", (unsigned long long)p->umin,
			     (unsigned long long)p->umax);
	if (off < -HXDP_STACK_SIZE || off + a->size > 0 || !a->size)
		return vfail(e, -EACCES, i, "invalid stack off=%lld size=%u", (long long)off,
			     a->size);
	if (off % a->size)
		return vfail(e, -EACCES, i, "misaligned stack access off %d+%d size %u",
			     p->off, a->off, a->size);
	a->lo = off + HXDP_STACK_SIZE;
	a->hi = a->lo + a->size;
	return 0;
}

static void note_depth(struct venv *e, const struct vreg *p, int64_t lo)
{
	uint32_t d = (uint32_t)(HXDP_STACK_SIZE - lo), sub = e->cur->f[p->frame].subprog;

	if (d > e->depth[sub])
		e->depth[sub] = d;
}

/* bytes [lo, hi) of a stack frame become MISC (their spills are gone) */
static void stack_clobber(struct vframe *f, int64_t lo, int64_t hi)
{
	for (int64_t b = lo & ~7; b < hi; b += 8)
		if (f->slot[b] == S_SPILL)
			memset(&f->slot[b], S_MISC, 8);
	memset(&f->slot[lo], S_MISC, (size_t)(hi - lo));
}

static int stack_readable(struct venv *e, uint32_t i, const struct vframe *f, int64_t lo,
			  int64_t hi)
{
	for (int64_t b = lo; b < hi; b++)
		if (f->slot[b] == S_INVALID)
			return vfail(e, -EACCES, i, "invalid read from stack off %lld+%lld size "
				     "%lld", (long long)(lo - HXDP_STACK_SIZE), (long long)(b - lo),
				     (long long)(hi - lo));
	return 0;
}

static int stack_load(struct venv *e, uint32_t i, struct vframe *f, struct access *a,
		      struct vreg *out)
{
	int64_t q = a->lo / 8;
	int err = stack_readable(e, i, f, a->lo, a->hi);

	if (err)
		return err;
	if (f->slot[a->lo] == S_SPILL) {
		const struct vreg *s = &f->spill[q];

		if (a->size == 8) {
			*out = *s;
			return 0;
		}
		if (s->type != T_SCALAR || s->taint)
			return vfail(e, -EACCES, i, "invalid size of register fill");
	}
	sc_set(out, 0, size_max((int)a->size));
	return 0;
}

static int stack_store(struct venv *e, uint32_t i, struct vframe *f, struct access *a,
		       const struct vreg *val)
{
	if (val && is_ptr(val->type) && a->size != 8)
		return vfail(e, -EACCES, i, "invalid size of register spill");
	stack_clobber(f, a->lo, a->hi);
	if (val && a->size == 8) {
		memset(&f->slot[a->lo], S_SPILL, 8);
		f->spill[a->lo / 8] = *val;
	}
	return 0;
}

static int ctx_load(struct venv *e, uint32_t i, const struct vreg *p, struct access *a,
		    struct vreg *out)
{
	int64_t off = a->off;

	if (p->off || p->umax)
		return vfail(e, -EACCES, i, "dereference of modified ctx ptr R%d off=%d "
			     "disallowed", a->reg, p->off);
	if (a->write || off < 0 || off >= (int64_t)sizeof(struct xdp_md) || a->size != 4 ||
	    off % 4 || (off == offsetof(struct xdp_md, egress_ifindex) &&
			!strstr(e->p->sec, "devmap")))
		return vfail(e, -EACCES, i, "invalid bpf_context access off=%lld size=%u",
			     (long long)off, a->size);
	switch (off) {
	case offsetof(struct xdp_md, data):
		*out = (struct vreg){ .type = T_PKT };
		break;
	case offsetof(struct xdp_md, data_meta):
		*out = (struct vreg){ .type = T_PKT_META };
		break;
	case offsetof(struct xdp_md, data_end):
		*out = (struct vreg){ .type = T_PKT_END };
		break;
	default:
		sc_set(out, 0, U32MAX);
	}
	return 0;
}

/* a constant load from a frozen read-only map (.rodata) is known, as the kernel knows
 * it (bpf_map_is_rdonly: BPF_F_RDONLY_PROG and frozen, user space can no longer write) */
static void rodata_load(struct venv *e, const struct vreg *p, struct access *a,
			struct vreg *out)
{
	const struct hxdp_map *m = vmap(e, p->map);
	uint64_t v = 0;

	if (!m->frozen || m->type != BPF_MAP_TYPE_ARRAY || p->umin != p->umax ||
	    !m->values || (uint64_t)a->hi > m->values_size)
		return;
	memcpy(&v, m->values + a->lo, a->size);
	sc_const(out, v);
}

/* load or store through register a->reg; out: the loaded value (NULL for stores),
 * val: the stored register (NULL for ST and atomics' own checks) */
static int mem_access(struct venv *e, uint32_t i, struct access *a, struct vreg *out,
		      const struct vreg *val)
{
	struct vframe *f = cur_frame(e);
	struct vreg p = f->r[a->reg];
	int err = 0;

	if (val && is_ptr(val->type) && p.type != T_STACK)
		return vfail(e, -EACCES, i, "R%d leaks addr into %s", a->reg,
			     p.type == T_MAP_VALUE ? "map" : "mem");
	switch (p.type) {
	case T_CTX:
		return ctx_load(e, i, &p, a, out ? out : &(struct vreg){ 0 });
	case T_PKT: case T_PKT_META:
		if ((err = check_pkt(e, i, &p, a)))
			return err;
		if (out)
			sc_set(out, 0, size_max((int)a->size));
		return 0;
	case T_MAP_VALUE:
		if ((err = check_map_value(e, i, &p, a)))
			return err;
		if (out) {
			sc_set(out, 0, size_max((int)a->size));
			rodata_load(e, &p, a, out);
		}
		return 0;
	case T_STACK:
		if ((err = check_stack(e, i, &p, a)))
			return err;
		note_depth(e, &p, a->lo);
		f = &e->cur->f[p.frame];
		return out ? stack_load(e, i, f, a, out) : stack_store(e, i, f, a, val);
	}
	return vfail(e, -EACCES, i, "R%d invalid mem access '%s'", a->reg,
		     p.type == T_NOT_INIT ? "?" : type_name[p.type]);
}

static int do_ldx(struct venv *e, uint32_t i, int id)
{
	const struct bpf_insn *in = &e->in[i];
	struct access a = { .reg = in->src_reg, .off = in->off,
			    .size = (uint32_t)isa_access_size(id) };
	struct vreg v;
	int err;

	if ((err = reg_read(e, i, in->src_reg)) || (err = reg_writable(e, i, in->dst_reg)) ||
	    (err = mem_access(e, i, &a, &v, NULL)))
		return err;
	if (isa_info[id].ver == 4 && v.type == T_SCALAR && !sc_is_const(&v))
		sc_unknown(&v);	/* sign-extending loads */
	else if (isa_info[id].ver == 4)
		sc_const(&v, movsx_const(a.size == 1 ? I_MOVSX8_64 : a.size == 2 ?
					 I_MOVSX16_64 : I_MOVSX32_64, v.umin));
	cur_frame(e)->r[in->dst_reg] = v;
	return 0;
}

static int do_store(struct venv *e, uint32_t i, int id)
{
	const struct bpf_insn *in = &e->in[i];
	struct access a = { .reg = in->dst_reg, .off = in->off, .write = 1,
			    .size = (uint32_t)isa_access_size(id) };
	struct vreg imm;
	int err;

	if ((err = reg_read(e, i, in->dst_reg)))
		return err;
	if (isa_info[id].form == F_STX) {
		if ((err = reg_read(e, i, in->src_reg)))
			return err;
		imm = cur_frame(e)->r[in->src_reg];
		if (cur_frame(e)->r[in->dst_reg].type == T_STACK)
			need_seed(e, i, in->src_reg);
		if (imm.type == T_SCALAR && imm.taint &&
		    (cur_frame(e)->r[in->dst_reg].type != T_STACK || a.size != 8))
			return tainted(e, i, in->src_reg, "into mem");
	} else {
		sc_const(&imm, (uint64_t)(int64_t)in->imm);
	}
	if (imm.type == T_SCALAR && a.size < 8)
		sc_unknown(&imm);	/* a part of it: the slot is only initialized */
	if (cur_frame(e)->r[in->dst_reg].type == T_CTX)
		return vfail(e, -EACCES, i, "BPF_ST stores into R%d ctx is not allowed",
			     in->dst_reg);
	return mem_access(e, i, &a, NULL, imm.type == T_SCALAR && a.size < 8 ? NULL : &imm);
}

static int do_atomic(struct venv *e, uint32_t i, int id)
{
	const struct bpf_insn *in = &e->in[i];
	struct access a = { .reg = in->dst_reg, .off = in->off, .write = 1,
			    .size = (uint32_t)isa_access_size(id) };
	struct vframe *f = cur_frame(e);
	int t, fetch = in->imm & BPF_FETCH, err;
	struct vreg old;

	if ((err = reg_read(e, i, in->src_reg)) || (err = reg_read(e, i, in->dst_reg)))
		return err;
	if (in->imm == BPF_CMPXCHG && (err = reg_read(e, i, BPF_REG_0)))
		return err;
	t = f->r[in->dst_reg].type;
	if (t != T_STACK && t != T_MAP_VALUE)
		return vfail(e, -EACCES, i, "BPF_ATOMIC stores into R%d %s is not allowed",
			     in->dst_reg, type_name[t]);
	if (f->r[in->src_reg].type != T_SCALAR || f->r[in->src_reg].taint)
		return vfail(e, -EACCES, i, "R%d leaks addr into mem", in->src_reg);
	/* atomics are always strictly aligned (the kernel's strict_alignment_once) */
	if (f->r[in->dst_reg].umax || (f->r[in->dst_reg].off + in->off) % (int)a.size)
		return vfail(e, -EACCES, i, "misaligned %s access off %d+%d size %u",
			     t == T_STACK ? "stack" : "value", f->r[in->dst_reg].off, in->off,
			     a.size);
	a.write = 0;
	if ((err = mem_access(e, i, &a, &old, NULL)))
		return err;
	if (old.type != T_SCALAR)
		return vfail(e, -EACCES, i, "atomic on a spilled pointer is not allowed");
	a.write = 1;
	if ((err = mem_access(e, i, &a, NULL, NULL)))
		return err;
	if (in->imm == BPF_CMPXCHG)
		sc_set(&cur_frame(e)->r[BPF_REG_0], 0, size_max((int)a.size));
	else if (fetch)
		sc_set(&cur_frame(e)->r[in->src_reg], 0, size_max((int)a.size));
	return 0;
}

/* ---- ALU ---- */

static int ptr_alu(struct venv *e, uint32_t i, int id, struct vreg *d, const struct vreg *s,
		   int dreg)
{
	int op = alu_op(id);
	struct vreg p = *d, k = *s;

	if (!is64(id) && op == A_SUB) {
		sc_set(d, 0, U32MAX);	/* allowed with CAP_PERFMON: a meaningless scalar */
		return 0;
	}
	need_seed(e, i, dreg);
	if (isa_info[id].form == F_ALU_X)
		need_seed(e, i, e->in[i].src_reg);
	if (!is64(id))
		return vfail(e, -EACCES, i, "R%d 32-bit pointer arithmetic prohibited", dreg);
	if (is_ptr(d->type) && is_ptr(s->type)) {
		if (op == A_SUB) {	/* allowed with CAP_PERFMON: an unknown scalar */
			sc_unknown(d);
			return 0;
		}
		return vfail(e, -EACCES, i, "R%d pointer %s pointer prohibited", dreg,
			     op == A_SUB ? "-=" : "op");
	}
	if (!is_ptr(p.type)) {		/* scalar += pointer */
		if (op != A_ADD)
			return vfail(e, -EACCES, i, "R%d tried to subtract pointer from scalar",
				     dreg);
		p = *s;
		k = *d;
	}
	if (op != A_ADD && op != A_SUB)
		return vfail(e, -EACCES, i, "R%d pointer arithmetic with %s operator "
			     "prohibited", dreg, isa_info[id].mnem);
	if (p.type == T_PKT_END || p.type == T_MAP_PTR || p.type == T_MAP_PTR_OR_NULL ||
	    p.type == T_MAP_VALUE_OR_NULL)
		return vfail(e, -EACCES, i, "R%d pointer arithmetic on %s prohibited", dreg,
			     type_name[p.type]);
	if (sc_is_const(&k)) {
		int64_t v = op == A_ADD ? (int64_t)k.umin : -(int64_t)k.umin;
		int64_t off = (int64_t)p.off + v;

		if (v < -(int64_t)MAX_VAR_OFF || v > (int64_t)MAX_VAR_OFF ||
		    off < -(int64_t)MAX_VAR_OFF || off > (int64_t)MAX_VAR_OFF)
			return vfail(e, -EACCES, i, "value %lld makes %s pointer be out of "
				     "bounds", (long long)v, type_name[p.type]);
		p.off = (int32_t)off;
		*d = p;
		return 0;
	}
	if (op == A_SUB)
		return vfail(e, -EACCES, i, "R%d subtraction of a variable from a %s pointer "
			     "is not supported", dreg, type_name[p.type]);
	if (k.umax > MAX_VAR_OFF || p.umax + k.umax > MAX_VAR_OFF)
		return vfail(e, -EACCES, i, "R%d unbounded variable offset on %s pointer "
			     "(umax %llu)", dreg, type_name[p.type],
			     (unsigned long long)k.umax);
	p.umin += k.umin;
	p.umax += k.umax;
	if (is_pkt(p.type)) {
		p.id = ++e->idgen;
		p.range = 0;
	}
	*d = p;
	return 0;
}

static int do_alu_value(struct venv *e, uint32_t i, int id);

static int pkt_family(int t) { return is_pkt(t) || t == T_PKT_END; }

static int taint_of(const struct vreg *r)
{
	if (is_ptr(r->type))
		return pkt_family(r->type) ? TAINT_PKT : TAINT_ADDR;
	return r->taint;
}

/* the taint of a scalar result of d op s */
static int taint_result(int id, const struct vreg *d, const struct vreg *s)
{
	int op = alu_op(id), td = taint_of(d), ts = taint_of(s);

	if (op == A_MOV)
		return ts;
	if (op == A_SUB && !is64(id) && td == TAINT_PKT && ts == TAINT_PKT)
		return TAINT_NONE;
	if (op == A_SUB && is64(id) && pkt_family(d->type) && pkt_family(s->type))
		return TAINT_NONE;
	if (op == A_MOVSX)
		return ts ? TAINT_ADDR : TAINT_NONE;
	return td || ts ? TAINT_ADDR : TAINT_NONE;
}

static int do_alu(struct venv *e, uint32_t i, int id)
{
	const struct bpf_insn *in = &e->in[i];
	struct vframe *f = cur_frame(e);
	struct vreg s, *d = &f->r[in->dst_reg];
	int t, err;

	if (isa_info[id].form == F_ALU_X)
		s = f->r[in->src_reg];
	else
		sc_const(&s, 0);
	t = taint_result(id, d, &s);
	if (is_ptr(d->type) && s.type == T_SCALAR && s.taint && alu_op(id) != A_MOV)
		return vfail(e, -EACCES, i, "R%d pointer arithmetic with an address-derived "
			     "value prohibited", in->src_reg);
	if ((err = do_alu_value(e, i, id)))
		return err;
	if (d->type == T_SCALAR)
		d->taint = (uint8_t)t;
	return 0;
}

static int do_alu_value(struct venv *e, uint32_t i, int id)
{
	const struct bpf_insn *in = &e->in[i];
	struct vframe *f = cur_frame(e);
	int op = alu_op(id), form = isa_info[id].form, err;
	struct vreg *d = &f->r[in->dst_reg], s;

	if ((err = reg_writable(e, i, in->dst_reg)))
		return err;
	if (form == F_ALU_X) {
		if ((err = reg_read(e, i, in->src_reg)))
			return err;
		s = f->r[in->src_reg];
	} else {
		sc_const(&s, is64(id) || op == A_END ? (uint64_t)(int64_t)in->imm :
			     (uint32_t)in->imm);
	}
	if (op != A_MOV && op != A_MOVSX && (err = reg_read(e, i, in->dst_reg)))
		return err;
	if (op == A_MOV && is64(id)) {
		*d = s;
		return 0;
	}
	if (op == A_MOV) {
		if (is_ptr(s.type))
			sc_set(d, 0, U32MAX);	/* partial copy of a pointer */
		else
			scalar_alu(id, d, &s);
		return 0;
	}
	if (op == A_MOVSX || op == A_END || op == A_NEG) {
		struct vreg *v = op == A_MOVSX ? &s : d;

		if (is_ptr(v->type))
			return vfail(e, -EACCES, i, "R%d %s on pointer prohibited", in->dst_reg,
				     isa_info[id].mnem);
		if (sc_is_const(v))
			sc_const(d, op == A_MOVSX ? movsx_const(id, v->umin) : op == A_END ?
				 end_const(id, v->umin) : alu_const(id, v->umin, 0));
		else if (op == A_END && isa_info[id].selv < 64)
			sc_set(d, 0, size_max(isa_info[id].selv / 8));
		else if (op == A_END && id == I_LE64)
			;
		else
			sc_set(d, 0, is64(id) ? UINT64_MAX : U32MAX);
		return 0;
	}
	if (is_ptr(d->type) || is_ptr(s.type))
		return ptr_alu(e, i, id, d, &s, in->dst_reg);
	scalar_alu(id, d, &s);
	return 0;
}

/* ---- conditional jumps ---- */

static int cop_neg(int op)
{
	static const int neg[] = { C_NE, C_EQ, C_LE, C_LT, C_GE, C_GT, C_SLE, C_SLT, C_SGE,
				   C_SGT, C_BAD };
	return neg[op];
}

static int cop_unsigned(int op)
{
	return op >= C_SGT && op <= C_SLE ? op - C_SGT + C_GT : op;
}

static int cmp_const(int op, uint64_t a, uint64_t b, int w)
{
	int64_t sa = w ? (int64_t)a : (int32_t)a, sb = w ? (int64_t)b : (int32_t)b;

	if (!w)
		a = (uint32_t)a, b = (uint32_t)b;
	switch (op) {
	case C_EQ: return a == b;
	case C_NE: return a != b;
	case C_GT: return a > b;
	case C_GE: return a >= b;
	case C_LT: return a < b;
	case C_LE: return a <= b;
	case C_SGT: return sa > sb;
	case C_SGE: return sa >= sb;
	case C_SLT: return sa < sb;
	case C_SLE: return sa <= sb;
	}
	return (a & b) != 0;
}

/* can ranges be compared as unsigned 64-bit numbers for this op and width? */
static int ranges_plain(int op, const struct vreg *a, const struct vreg *b, int w)
{
	uint64_t lim = op >= C_SGT && op <= C_SLE ? (w ? INT64_MAX : INT32_MAX) :
		       (w ? UINT64_MAX : U32MAX);

	return op != C_SET && a->umax <= lim && b->umax <= lim;
}

/* 1 always, 0 never, -1 unknown */
static int branch_taken(int op, const struct vreg *a, const struct vreg *b, int w)
{
	if (sc_is_const(a) && sc_is_const(b))
		return cmp_const(op, a->umin, b->umin, w);
	if (!ranges_plain(op, a, b, w))
		return -1;
	switch (cop_unsigned(op)) {
	case C_EQ: return a->umax < b->umin || b->umax < a->umin ? 0 : -1;
	case C_NE: return a->umax < b->umin || b->umax < a->umin ? 1 : -1;
	case C_GT: return a->umin > b->umax ? 1 : a->umax <= b->umin ? 0 : -1;
	case C_GE: return a->umin >= b->umax ? 1 : a->umax < b->umin ? 0 : -1;
	case C_LT: return a->umax < b->umin ? 1 : a->umin >= b->umax ? 0 : -1;
	case C_LE: return a->umax <= b->umin ? 1 : a->umin > b->umax ? 0 : -1;
	}
	return -1;
}

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* narrow a and b to "a op b" holding; 0 if that is impossible */
static int refine(int op, struct vreg *a, struct vreg *b, int w)
{
	if (!ranges_plain(op, a, b, w))
		return 1;
	switch (cop_unsigned(op)) {
	case C_EQ:
		a->umin = b->umin = max64(a->umin, b->umin);
		a->umax = b->umax = min64(a->umax, b->umax);
		break;
	case C_NE:
		if (sc_is_const(b) && a->umin == b->umin && a->umin < a->umax) a->umin++;
		else if (sc_is_const(b) && a->umax == b->umin && a->umax > a->umin) a->umax--;
		if (sc_is_const(a) && b->umin == a->umin && b->umin < b->umax) b->umin++;
		else if (sc_is_const(a) && b->umax == a->umin && b->umax > b->umin) b->umax--;
		break;
	case C_GT:
		if (b->umin == UINT64_MAX || !a->umax)
			return 0;
		a->umin = max64(a->umin, b->umin + 1);
		b->umax = min64(b->umax, a->umax - 1);
		break;
	case C_GE:
		a->umin = max64(a->umin, b->umin);
		b->umax = min64(b->umax, a->umax);
		break;
	case C_LT:
		return refine(C_GT, b, a, 1);
	case C_LE:
		return refine(C_GE, b, a, 1);
	}
	return a->umin <= a->umax && b->umin <= b->umax;
}

struct pkt_mark { int type; uint32_t id, range; };

static void mark_range(struct vreg *r, const void *arg)
{
	const struct pkt_mark *m = arg;

	if (r->type == m->type && r->id == m->id && r->range < m->range)
		r->range = m->range;
}

/* "p <= end" holds (p's bytes [base+var, base+var+off) are in the packet) */
static void pkt_good(struct vstate *s, const struct vreg *p)
{
	struct pkt_mark m = { p->type, p->id, (uint32_t)p->off };

	if (p->off < 0 || p->umax + (uint64_t)p->off > MAX_PACKET_OFF)
		return;
	for_each_reg(s, mark_range, &m);
}

/* a is a packet pointer compared with b, its end: which branch proves a <= end? */
static int pkt_cmp(int op, const struct vreg *a, const struct vreg *b, int *good_if)
{
	if (!(a->type == T_PKT && b->type == T_PKT_END) &&
	    !(a->type == T_PKT_META && b->type == T_PKT && !b->off && !b->umax))
		return 0;
	switch (op) {
	case C_GT: *good_if = 0; return 1;	/* a > end false: a <= end */
	case C_GE: *good_if = 0; return 1;	/* a >= end false: a < end */
	case C_LT: case C_LE: *good_if = 1; return 1;
	}
	return 0;
}

static int swap_cop(int op)
{
	static const int sw[] = { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, C_SLT, C_SLE, C_SGT,
				  C_SGE, C_SET };
	return sw[op];
}

struct null_mark { uint32_t id; int is_null; };

static void mark_null(struct vreg *r, const void *arg)
{
	const struct null_mark *m = arg;

	if ((r->type != T_MAP_VALUE_OR_NULL && r->type != T_MAP_PTR_OR_NULL) || r->id != m->id)
		return;
	if (m->is_null)
		sc_const(r, 0);
	else
		r->type = r->type == T_MAP_VALUE_OR_NULL ? T_MAP_VALUE : T_MAP_PTR;
}

/* pointer comparisons: null checks and packet bounds; returns taken (1/0) or -1 */
static int ptr_branch(struct venv *e, int op, int w, struct vreg *a, struct vreg *b,
		      struct vstate *yes, struct vstate *no)
{
	int good_if;

	if (b->type == T_SCALAR && sc_is_const(b) && !b->umin && w &&
	    (op == C_EQ || op == C_NE)) {
		if (a->type == T_MAP_VALUE_OR_NULL || a->type == T_MAP_PTR_OR_NULL) {
			struct null_mark isnull = { a->id, 1 }, notnull = { a->id, 0 };

			for_each_reg(op == C_EQ ? yes : no, mark_null, &isnull);
			for_each_reg(op == C_EQ ? no : yes, mark_null, &notnull);
			return -1;
		}
		if (a->type == T_MAP_VALUE || a->type == T_MAP_PTR)
			return op == C_NE;
		return -1;
	}
	if (!w)
		return -1;
	if (pkt_cmp(op, a, b, &good_if))
		pkt_good(good_if ? yes : no, a);
	else if (pkt_cmp(swap_cop(op), b, a, &good_if))
		pkt_good(good_if ? yes : no, b);
	(void)e;
	return -1;
}

static void put_back(struct vframe *f, const struct bpf_insn *in, int form,
		     const struct vreg *a, const struct vreg *b)
{
	f->r[in->dst_reg] = *a;
	if (form == F_JCC_X)
		f->r[in->src_reg] = *b;
}

#define PATH_END UINT32_MAX

/* both directions possible: the taken one is pushed with its refined ranges */
static int jcc_split(struct venv *e, uint32_t i, int id, int op, int w,
		     const struct vreg *a, const struct vreg *b, uint32_t tgt, uint32_t *next)
{
	const struct bpf_insn *in = &e->in[i];
	int form = isa_info[id].form, yes, no, err;
	struct vreg ta = *a, tb = *b, fa = *a, fb = *b;
	struct vstate *t;

	yes = op == C_SET ? 1 : refine(op, &ta, &tb, w);
	no = op == C_SET ? 1 : refine(cop_neg(op), &fa, &fb, w);
	if (!yes || !no) {	/* decided by the ranges after all */
		need_seed(e, i, in->dst_reg);
		if (form == F_JCC_X)
			need_seed(e, i, in->src_reg);
	}
	if (yes && no) {
		t = state_dup(e, e->cur);
		if (!t)
			return -ENOMEM;
		put_back(&t->f[t->nframes - 1], in, form, &ta, &tb);
		err = push_branch(e, tgt, t);
		if (err)
			return err;
	}
	if (no) {
		put_back(cur_frame(e), in, form, &fa, &fb);
		*next = i + 1;
	} else if (yes) {
		put_back(cur_frame(e), in, form, &ta, &tb);
		*next = tgt;
	} else {
		*next = PATH_END;
	}
	return 0;
}

/* comparisons whose outcome does not depend on where objects are: null checks and
 * packet pointers against each other (the unprivileged kernel allows only these) */
static int ptr_cmp_ok(const struct vreg *a, const struct vreg *b, int w)
{
	const struct vreg *p = is_ptr(a->type) ? a : b, *q = p == a ? b : a;

	if (!w)
		return 0;
	if (q->type == T_SCALAR)
		return sc_is_const(q) && !q->umin;
	return pkt_family(p->type) && pkt_family(q->type);
}

/* returns the next insn, or -1 when the path ended (both directions dead) */
static int do_jcc(struct venv *e, uint32_t i, int id, uint32_t *next)
{
	const struct bpf_insn *in = &e->in[i];
	int op = jcc_op(id), w = is64(id), taken, err;
	struct vframe *f = cur_frame(e);
	struct vreg a, b;
	struct vstate *other;
	uint32_t tgt = (uint32_t)(i + 1 + in->off);

	if ((err = reg_read(e, i, in->dst_reg)))
		return err;
	if (isa_info[id].form == F_JCC_X && (err = reg_read(e, i, in->src_reg)))
		return err;
	a = f->r[in->dst_reg];
	if (isa_info[id].form == F_JCC_X)
		b = f->r[in->src_reg];
	else
		sc_const(&b, w ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
	if ((err = tainted(e, i, in->dst_reg, "in a comparison")) ||
	    (isa_info[id].form == F_JCC_X && (err = tainted(e, i, in->src_reg, "in a comparison"))))
		return err;
	if ((is_ptr(a.type) || is_ptr(b.type)) && !ptr_cmp_ok(&a, &b, w))
		return vfail(e, -EACCES, i, "R%d pointer comparison prohibited",
			     is_ptr(a.type) ? in->dst_reg : in->src_reg);
	if (is_ptr(a.type) || is_ptr(b.type) || branch_taken(op, &a, &b, w) >= 0) {
		need_seed(e, i, in->dst_reg);
		if (isa_info[id].form == F_JCC_X)
			need_seed(e, i, in->src_reg);
	}
	if (is_ptr(a.type) || is_ptr(b.type)) {
		other = state_dup(e, e->cur);
		if (!other)
			return -ENOMEM;
		taken = is_ptr(a.type) ? ptr_branch(e, op, w, &a, &b, other, e->cur) :
			ptr_branch(e, swap_cop(op), w, &b, &a, other, e->cur);
		if (taken < 0)
			err = push_branch(e, tgt, other);
		else
			state_free(e, other);
		*next = taken == 1 ? tgt : i + 1;
		return err;
	}
	taken = branch_taken(op, &a, &b, w);
	if (taken >= 0) {
		*next = taken ? tgt : i + 1;
		return 0;
	}
	return jcc_split(e, i, id, op, w, &a, &b, tgt, next);
}

/* ---- helper calls ---- */

enum argk { K_NONE, K_ANY, K_MAP, K_KEY, K_VALUE, K_UVALUE, K_CTX, K_MEM, K_MEM_NULL,
	    K_UMEM, K_SZ, K_SZ0 };
enum retk { RET_INT, RET_VOID, RET_MAPVAL };

struct hproto {
	int32_t id;
	const char *name;
	uint8_t ret, pkt_changes;
	uint8_t arg[5];
};

/* the helpers an XDP program may call (kernel's xdp_func_proto), with argument types */
static const struct hproto protos[] = {
	{ BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem", RET_MAPVAL, 0, { K_MAP, K_KEY } },
	{ BPF_FUNC_map_update_elem, "bpf_map_update_elem", RET_INT, 0,
	  { K_MAP, K_KEY, K_VALUE, K_ANY } },
	{ BPF_FUNC_map_delete_elem, "bpf_map_delete_elem", RET_INT, 0, { K_MAP, K_KEY } },
	{ BPF_FUNC_map_push_elem, "bpf_map_push_elem", RET_INT, 0, { K_MAP, K_VALUE, K_ANY } },
	{ BPF_FUNC_map_pop_elem, "bpf_map_pop_elem", RET_INT, 0, { K_MAP, K_UVALUE } },
	{ BPF_FUNC_map_peek_elem, "bpf_map_peek_elem", RET_INT, 0, { K_MAP, K_UVALUE } },
	{ BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem", RET_MAPVAL, 0,
	  { K_MAP, K_KEY, K_ANY } },
	{ BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns", RET_INT, 0, { 0 } },
	{ BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns", RET_INT, 0, { 0 } },
	{ BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", RET_INT, 0, { 0 } },
	{ BPF_FUNC_jiffies64, "bpf_jiffies64", RET_INT, 0, { 0 } },
	{ BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", RET_INT, 0, { 0 } },
	{ BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id", RET_INT, 0, { 0 } },
	{ BPF_FUNC_get_numa_node_id, "bpf_get_numa_node_id", RET_INT, 0, { 0 } },
	{ BPF_FUNC_trace_printk, "bpf_trace_printk", RET_INT, 0,
	  { K_MEM, K_SZ, K_ANY, K_ANY, K_ANY } },
	{ BPF_FUNC_tail_call, "bpf_tail_call", RET_VOID, 0, { K_CTX, K_MAP, K_ANY } },
	{ BPF_FUNC_redirect, "bpf_redirect", RET_INT, 0, { K_ANY, K_ANY } },
	{ BPF_FUNC_redirect_map, "bpf_redirect_map", RET_INT, 0, { K_MAP, K_ANY, K_ANY } },
	{ BPF_FUNC_xdp_adjust_head, "bpf_xdp_adjust_head", RET_INT, 1, { K_CTX, K_ANY } },
	{ BPF_FUNC_xdp_adjust_meta, "bpf_xdp_adjust_meta", RET_INT, 1, { K_CTX, K_ANY } },
	{ BPF_FUNC_xdp_adjust_tail, "bpf_xdp_adjust_tail", RET_INT, 1, { K_CTX, K_ANY } },
	{ BPF_FUNC_xdp_get_buff_len, "bpf_xdp_get_buff_len", RET_INT, 0, { K_CTX } },
	{ BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes", RET_INT, 0,
	  { K_CTX, K_ANY, K_UMEM, K_SZ } },
	{ BPF_FUNC_xdp_store_bytes, "bpf_xdp_store_bytes", RET_INT, 0,
	  { K_CTX, K_ANY, K_MEM, K_SZ } },
	{ BPF_FUNC_csum_diff, "bpf_csum_diff", RET_INT, 0,
	  { K_MEM_NULL, K_SZ0, K_MEM_NULL, K_SZ0, K_ANY } },
	{ BPF_FUNC_fib_lookup, "bpf_fib_lookup", RET_INT, 0, { K_CTX, K_MEM, K_SZ, K_ANY } },
};

static const struct hproto *proto_find(int32_t id)
{
	for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++)
		if (protos[k].id == id)
			return &protos[k];
	return NULL;
}

static int helper_nargs(int32_t id)
{
	const struct hproto *h = proto_find(id);
	int n = 0;

	if (!h)
		return 5;
	while (n < 5 && h->arg[n])
		n++;
	return n;
}

static int is_fd_map(uint32_t t)
{
	return t == BPF_MAP_TYPE_PROG_ARRAY || t == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       t == BPF_MAP_TYPE_HASH_OF_MAPS || t == BPF_MAP_TYPE_DEVMAP ||
	       t == BPF_MAP_TYPE_DEVMAP_HASH || t == BPF_MAP_TYPE_CPUMAP ||
	       t == BPF_MAP_TYPE_XSKMAP;
}

/* check_map_func_compatibility, both directions */
static int map_func_ok(uint32_t t, int32_t f)
{
	int redir = t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH ||
		    t == BPF_MAP_TYPE_CPUMAP || t == BPF_MAP_TYPE_XSKMAP;
	int queue = t == BPF_MAP_TYPE_QUEUE || t == BPF_MAP_TYPE_STACK;
	int percpu = t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
		     t == BPF_MAP_TYPE_LRU_PERCPU_HASH;

	switch (f) {
	case BPF_FUNC_tail_call: return t == BPF_MAP_TYPE_PROG_ARRAY;
	case BPF_FUNC_redirect_map: return redir;
	case BPF_FUNC_map_push_elem: case BPF_FUNC_map_pop_elem: case BPF_FUNC_map_peek_elem:
		return queue;
	case BPF_FUNC_map_lookup_percpu_elem: return percpu;
	case BPF_FUNC_map_lookup_elem:
		return !queue && t != BPF_MAP_TYPE_PROG_ARRAY && t != BPF_MAP_TYPE_CPUMAP &&
		       t != BPF_MAP_TYPE_RINGBUF;
	case BPF_FUNC_map_update_elem: case BPF_FUNC_map_delete_elem:
		return !queue && !is_fd_map(t) && t != BPF_MAP_TYPE_RINGBUF;
	}
	return 1;
}

/* the memory a helper argument points at: [ptr, ptr + size) */
static int helper_mem(struct venv *e, uint32_t i, int regno, uint64_t size, int write)
{
	struct vframe *f = cur_frame(e);
	const struct vreg *p = &f->r[regno];
	struct access a = { .reg = regno, .size = (uint32_t)size, .write = write };
	int64_t off = p->off;
	struct vframe *sf;
	int err;

	if (size > MAX_VAR_OFF)
		return vfail(e, -EACCES, i, "R%d unbounded memory access", regno + 1);
	switch (p->type) {
	case T_PKT: case T_PKT_META:
		return size ? check_pkt(e, i, p, &a) : 0;
	case T_MAP_VALUE:
		return size ? check_map_value(e, i, p, &a) : 0;
	case T_STACK:
		if (p->umin || p->umax || off < -HXDP_STACK_SIZE || off + (int64_t)size > 0)
			return vfail(e, -EACCES, i, "invalid indirect access to stack R%d off=%lld "
				     "size=%llu", regno, (long long)off, (unsigned long long)size);
		if (!size)
			return 0;
		sf = &e->cur->f[p->frame];
		a.lo = off + HXDP_STACK_SIZE;
		note_depth(e, p, a.lo);
		if (write) {
			stack_clobber(sf, a.lo, a.lo + (int64_t)size);
			return 0;
		}
		err = stack_readable(e, i, sf, a.lo, a.lo + (int64_t)size);
		for (int64_t b = a.lo & ~7; !err && b < a.lo + (int64_t)size; b += 8)
			if (sf->slot[b] == S_SPILL && (is_ptr(sf->spill[b / 8].type) ||
						       sf->spill[b / 8].taint))
				err = vfail(e, -EACCES, i, "R%d leaks addr: a pointer spilled at "
					    "fp%lld is passed to a helper as data", regno,
					    (long long)(b - HXDP_STACK_SIZE));
		return err;
	}
	return vfail(e, -EACCES, i, "R%d type=%s expected=fp, pkt, pkt_meta, map_value", regno,
		     p->type == T_NOT_INIT ? "?" : type_name[p->type]);
}

static int helper_size(struct venv *e, uint32_t i, int regno, int kind, uint64_t *size)
{
	const struct vreg *s = &cur_frame(e)->r[regno];

	if (s->type != T_SCALAR)
		return vfail(e, -EACCES, i, "R%d type=%s expected=scalar", regno,
			     type_name[s->type]);
	if (!s->umin && kind == K_SZ)
		return vfail(e, -EACCES, i, "R%d invalid zero-sized read: u64=[%llu,%llu]",
			     regno, (unsigned long long)s->umin, (unsigned long long)s->umax);
	if (s->umax > MAX_VAR_OFF)
		return vfail(e, -EACCES, i, "R%d unbounded memory access, use 'var &= const' "
			     "or 'if (var < const)'", regno);
	*size = s->umax;
	return 0;
}

static int helper_arg(struct venv *e, uint32_t i, const struct hproto *h, int k,
		      const struct hxdp_map **m)
{
	struct vframe *f = cur_frame(e);
	const struct vreg *r = &f->r[k + 1];
	uint64_t size = 0;
	int kind = h->arg[k], err;

	switch (kind) {
	case K_MAP:
		if (r->type != T_MAP_PTR)
			return vfail(e, -EACCES, i, "R%d type=%s expected=map_ptr", k + 1,
				     type_name[r->type]);
		*m = vmap(e, r->map);
		if (!*m)
			return vfail(e, -EINVAL, i, "R%d map %u does not exist", k + 1, r->map);
		if (!map_func_ok((*m)->type, h->id))
			return vfail(e, -EINVAL, i, "cannot pass map_type %u into func %s#%d",
				     (*m)->type, h->name, h->id);
		if ((*m)->rdonly_prog && (h->id == BPF_FUNC_map_update_elem ||
		    h->id == BPF_FUNC_map_delete_elem || h->id == BPF_FUNC_map_push_elem ||
		    h->id == BPF_FUNC_map_pop_elem))
			return vfail(e, -EACCES, i, "write into map forbidden");
		return 0;
	case K_CTX:
		if (r->type != T_CTX || r->off || r->umax)
			return vfail(e, -EACCES, i, "R%d type=%s expected=ctx", k + 1,
				     r->type == T_CTX ? "modified ctx" : type_name[r->type]);
		return 0;
	case K_KEY: case K_VALUE: case K_UVALUE:
		if (!*m)
			return vfail(e, -EACCES, i, "invalid map_ptr to access map->key");
		return helper_mem(e, i, k + 1, kind == K_KEY ? (*m)->key_size :
				  (*m)->value_size, kind == K_UVALUE);
	case K_MEM_NULL:	/* NULL only with a size of zero */
		if (sc_is_const(r) && !r->umin) {
			const struct vreg *sz = &f->r[k + 2];

			if (sz->type == T_SCALAR && !sz->taint && !sz->umax)
				return 0;
			return vfail(e, -EACCES, i, "R%d type=scalar expected=fp, pkt, pkt_meta, "
				     "map_value (NULL with a size that may be nonzero)", k + 1);
		}
		/* fall through */
	case K_MEM: case K_UMEM:
		if ((err = helper_size(e, i, k + 2, h->arg[k + 1], &size)))
			return err;
		return helper_mem(e, i, k + 1, size, kind == K_UMEM);
	}
	return 0;
}

static void clear_pkt(struct vreg *r, const void *arg)
{
	(void)arg;
	if (is_pkt(r->type) || r->type == T_PKT_END)
		sc_unknown(r);
}

static int do_call(struct venv *e, uint32_t i)
{
	const struct hproto *h = proto_find(e->in[i].imm);
	const struct hxdp_map *m = NULL;
	struct vframe *f = cur_frame(e);
	struct vreg *r0 = &f->r[BPF_REG_0];
	int err;

	if (!h)
		return vfail(e, -EINVAL, i, "invalid func unknown#%d", e->in[i].imm);
	for (int k = 0; k < 5 && h->arg[k]; k++)
		if ((err = reg_read(e, i, k + 1)) ||
		    (err = tainted(e, i, k + 1, "into helper function")))
			return err;
	for (int k = 0; k < 5 && h->arg[k]; k++)
		if ((err = helper_arg(e, i, h, k, &m)))
			return err;
	if (h->pkt_changes)
		for_each_reg(e->cur, clear_pkt, NULL);
	for (int r = BPF_REG_1; r <= BPF_REG_5; r++)
		f->r[r] = (struct vreg){ .type = T_NOT_INIT };
	if (h->ret == RET_VOID) {
		*r0 = (struct vreg){ .type = T_NOT_INIT };
	} else if (h->ret == RET_INT) {
		sc_unknown(r0);
	} else if (m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		   m->type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		if (m->inner < 0)
			return vfail(e, -EINVAL, i, "map-in-map '%s' has no inner map", m->name);
		*r0 = (struct vreg){ .type = T_MAP_PTR_OR_NULL, .map = (uint16_t)m->inner,
				     .id = ++e->idgen };
	} else {
		*r0 = (struct vreg){ .type = T_MAP_VALUE_OR_NULL, .map = (uint16_t)m->idx,
				     .id = ++e->idgen };
		for (uint32_t k = 0; k < e->obj->env.nmaps; k++)
			if (e->obj->env.maps[k] == m)
				r0->map = (uint16_t)k;
	}
	return 0;
}

static int do_call_local(struct venv *e, uint32_t i, uint32_t *next)
{
	struct vstate *s = e->cur;
	uint32_t t = (uint32_t)(i + 1 + e->in[i].imm);
	struct vframe *caller = cur_frame(e), *callee;

	if (s->nframes >= HXDP_MAX_FRAMES)
		return vfail(e, -E2BIG, i, "the call stack of %u frames is too deep",
			     s->nframes + 1);
	callee = &s->f[s->nframes];
	frame_init(callee, s->nframes, (int32_t)i, e->sub[t]);
	for (int r = BPF_REG_1; r <= BPF_REG_5; r++)
		callee->r[r] = caller->r[r];
	s->nframes++;
	*next = t;
	return 0;
}

static int do_exit(struct venv *e, uint32_t i, uint32_t *next)
{
	struct vstate *s = e->cur;
	struct vframe *f = cur_frame(e), *caller;
	int err;

	if (s->nframes == 1) {
		if ((err = reg_read(e, i, BPF_REG_0)))
			return err;
		if (f->r[0].type != T_SCALAR || f->r[0].taint)
			return vfail(e, -EACCES, i, "R0 leaks addr as return value");
		*next = PATH_END;
		return 0;
	}
	if (f->r[0].type == T_STACK && f->r[0].frame == s->nframes - 1)
		return vfail(e, -EACCES, i, "cannot return stack pointer to the caller");
	caller = &s->f[s->nframes - 2];
	caller->r[0] = f->r[0];
	for (int r = BPF_REG_1; r <= BPF_REG_5; r++)
		caller->r[r] = (struct vreg){ .type = T_NOT_INIT };
	*next = (uint32_t)f->callsite + 1;
	s->nframes--;
	return 0;
}

static int do_lddw(struct venv *e, uint32_t i)
{
	const struct bpf_insn *in = &e->in[i];
	struct vreg *d = &cur_frame(e)->r[in->dst_reg];
	const struct hxdp_map *m = vmap(e, (uint32_t)in->imm);
	int err;

	if ((err = reg_writable(e, i, in->dst_reg)))
		return err;
	switch (in->src_reg) {
	case 0:
		sc_const(d, (uint64_t)(uint32_t)in[1].imm << 32 | (uint32_t)in->imm);
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_VALUE:
		if (!m)
			return vfail(e, -EINVAL, i, "map index %u out of range (%u maps)",
				     (uint32_t)in->imm, e->obj->env.nmaps);
		if (in->src_reg == BPF_PSEUDO_MAP_FD) {
			*d = (struct vreg){ .type = T_MAP_PTR, .map = (uint16_t)in->imm };
			return 0;
		}
		if ((uint32_t)in[1].imm >= m->value_size)
			return vfail(e, -EACCES, i, "invalid access to map value pointer, "
				     "value_size=%u off=%u", m->value_size, (uint32_t)in[1].imm);
		*d = (struct vreg){ .type = T_MAP_VALUE, .map = (uint16_t)in->imm,
				    .off = in[1].imm };
		return 0;
	}
	return vfail(e, -EINVAL, i, "unsupported ld_imm64 pseudo source %d", in->src_reg);
}

static int step(struct venv *e, uint32_t i, uint32_t *next)
{
	int id = e->id[i], form = isa_info[id].form;

	*next = i + 1;
	switch (form) {
	case F_ALU_K: case F_ALU_X: case F_NEG: case F_END: return do_alu(e, i, id);
	case F_LDDW: *next = i + 2; return do_lddw(e, i);
	case F_LDX: return do_ldx(e, i, id);
	case F_ST: case F_STX: return do_store(e, i, id);
	case F_ATOMIC: return do_atomic(e, i, id);
	case F_JA: *next = (uint32_t)(i + 1 + e->in[i].off); return 0;
	case F_JA32: *next = (uint32_t)(i + 1 + e->in[i].imm); return 0;
	case F_JCC_K: case F_JCC_X: return do_jcc(e, i, id, next);
	case F_CALL: return do_call(e, i);
	case F_CALL_LOCAL: return do_call_local(e, i, next);
	case F_EXIT: return do_exit(e, i, next);
	}
	return vfail(e, -EINVAL, i, "unknown opcode %02x", e->in[i].code);
}

/* ---- driver ---- */

static int next_path(struct venv *e, uint32_t *i)
{
	struct vpend pd;

	path_done(e);
	if (!e->npend)
		return 0;
	pd = e->pend[--e->npend];
	memcpy(e->cur, pd.st, state_size(pd.st->nframes));
	state_free(e, pd.st);
	set_parent(e, pd.parent);
	*i = pd.insn;
	return 1;
}

static void log_reg(FILE *f, int r, const struct vreg *v)
{
	if (v->type == T_NOT_INIT)
		return;
	fprintf(f, " r%d=%s", r, type_name[v->type]);
	if (v->type == T_SCALAR && v->umin == v->umax)
		fprintf(f, "(%llu)", (unsigned long long)v->umin);
	else if (v->type == T_SCALAR)
		fprintf(f, "(%llu..%llu)", (unsigned long long)v->umin,
			(unsigned long long)v->umax);
	else
		fprintf(f, "(off=%d,id=%u,r=%u,var=%llu..%llu,m=%u,fr=%u)", v->off, v->id, v->range,
			(unsigned long long)v->umin, (unsigned long long)v->umax, v->map, v->frame);
}

static void log_state(struct venv *e, uint32_t i)
{
	struct vframe *f = cur_frame(e);

	fprintf(e->log, "%u: frame %u:", i, e->cur->nframes - 1);
	for (int r = 0; r < NREGS; r++)
		log_reg(e->log, r, &f->r[r]);
	fprintf(e->log, "\n");
}

static int explore(struct venv *e)
{
	uint32_t i = 0, next;
	int err;

	frame_init(&e->cur->f[0], 0, -1, 0);
	e->cur->nframes = 1;
	e->cur->f[0].r[BPF_REG_1] = (struct vreg){ .type = T_CTX };
	for (;;) {
		if (++e->processed > e->limit)
			return vfail(e, -E2BIG, i, "BPF program is too large. Processed %llu insn",
				     (unsigned long long)e->processed - 1);
		if (e->prune[i] && (err = prune_point(e, i))) {
			if (err < 0)
				return err;
			if (!next_path(e, &i))
				return 0;
			continue;
		}
		if (e->log)
			log_state(e, i);
		if (e->seed[i] && (err = mark_precise(e, i, e->seed[i])))
			return err;
		if ((err = step(e, i, &next)))
			return err;
		if (e->oom)
			return -ENOMEM;
		if (next == PATH_END) {
			if (!next_path(e, &i))
				return 0;
			continue;
		}
		i = next;
	}
}

static uint32_t round32(uint32_t v) { return (v ? v + 31 : 32) & ~31u; }

/* deepest combined stack along static call chains (check_max_stack_depth) */
static uint32_t chain_depth(const struct venv *e, uint32_t sub, int level)
{
	uint32_t best = 0;

	if (level >= HXDP_MAX_FRAMES)
		return 0;
	for (uint32_t i = e->substart[sub]; i < e->substart[sub + 1]; i++) {
		if (e->id[i] < 0 || isa_info[e->id[i]].form != F_CALL_LOCAL)
			continue;
		uint32_t d = chain_depth(e, e->sub[i + 1 + e->in[i].imm], level + 1);

		if (d > best)
			best = d;
	}
	return round32(e->depth[sub]) + best;
}

static void venv_free(struct venv *e)
{
	for (uint32_t i = 0; e->cps && i < e->n; i++)
		for (struct vcp *c = e->cps[i], *nx; c; c = nx) {
			nx = c->next;
			free(c);
		}
	for (uint32_t k = 0; k < e->npend; k++)
		free(e->pend[k].st);
	for (int k = 0; k <= HXDP_MAX_FRAMES; k++) {
		spare_free(&e->spare[k]);
		spare_free(&e->spare_cp[k]);
	}
	free(e->cps);
	free(e->path);
	free(e->pser);
	free(e->prec);
	free(e->pflow);
	free(e->ncp_at);
	free(e->pend);
	free(e->cur);
	free(e->id);
	free(e->prune);
	free(e->live);
	free(e->use);
	free(e->def);
	free(e->predoff);
	free(e->pred);
	free(e->work);
	free(e->inwork);
	free(e->seed);
	free(e->succ);
	free(e->isjcc);
	free(e->touched);
	free(e->pidx);
	free(e->scratch);
	free(e->flow);
	for (struct chunk *c = e->arena, *nx; c; c = nx) {
		nx = c->next;
		free(c);
	}
	free(e->sub);
}

static int venv_alloc(struct venv *e)
{
	uint32_t n = e->n + 1;

	e->id = calloc(n, sizeof(*e->id));
	e->prune = calloc(n, 1);
	e->sub = calloc(n, sizeof(*e->sub));
	e->cps = calloc(n, sizeof(*e->cps));
	e->ncp_at = calloc(n, sizeof(*e->ncp_at));
	e->cur = malloc(state_size(HXDP_MAX_FRAMES));
	e->seed = calloc(n, sizeof(*e->seed));
	e->flow = calloc(n, sizeof(*e->flow));
	return e->id && e->prune && e->sub && e->cps && e->ncp_at && e->cur && e->seed &&
	       e->flow ? 0 : -ENOMEM;
}

int verify__prog_opts(const struct hxdp_obj *obj, const struct hxdp_prog *p,
		      const struct verify_opts *o, struct verify_stats *st, char *err,
		      size_t errlen)
{
	struct venv e = { .obj = obj, .p = p, .in = p->insns, .n = p->ninsns, .err = err,
			  .errlen = errlen };
	int rc;

	e.limit = o && o->max_processed ? o->max_processed : VERIFY_MAX_INSNS;
	e.log = o ? o->log : NULL;
	if (errlen)
		err[0] = 0;
	if (e.n > VERIFY_MAX_PROG)
		return check_cfg(&e);
	rc = venv_alloc(&e);
	if (!rc)
		rc = check_cfg(&e);
	if (!rc)
		rc = fill_dataflow(&e);
	if (!rc)
		rc = compute_liveness(&e);
	if (!rc)
		seed_static(&e);
	if (!rc)
		rc = explore(&e);
	if (!rc) {
		uint32_t d = chain_depth(&e, 0, 0);

		if (st)
			st->max_stack = d;
		if (d > HXDP_STACK_SIZE)
			rc = vfail(&e, -EACCES, 0, "combined stack size of the call chain is %u. "
				   "Too large", d);
	}
	if (rc == -ENOMEM && errlen)
		snprintf(err, errlen, "%s: out of memory verifying", p->name);
	if (st) {
		st->processed = e.processed;
		st->states = e.ncps;
		st->pruned = e.pruned;
	}
	venv_free(&e);
	return rc;
}

int verify__prog(const struct hxdp_obj *obj, const struct hxdp_prog *p, char *err,
		 size_t errlen)
{
	return verify__prog_opts(obj, p, NULL, NULL, err, errlen);
}
