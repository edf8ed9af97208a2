/* cc_opt.c: classic clean-ups over the CFG.
 *  - constant propagation (forward, per register: unknown / constant / varying; the
 *    self-reset makes every register but r1, r2 and r10 zero at entry): register
 *    operands that hold a constant become immediates, computations of constants become
 *    moves, conditional jumps on constants are decided, stores of constants become
 *    store-immediate;
 *  - copy propagation: a use of a copy (mov64 a, b) reads b instead while b still
 *    holds the value it had at the copy (same reaching definition);
 *  - dead code: instructions without side effects whose results are dead, jumps to
 *    the next block.
 * Semantics of every folded operation come from sem.h, as in the engines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"
#include "sem.h"

#define R(n) ((cc_regs)(1u << (n)))

enum { C_UNK, C_CONST, C_VAR };

struct cval {
	uint8_t st[CC_NREGS];
	uint64_t v[CC_NREGS];
};

static void cv_set(struct cval *s, int r, int st, uint64_t v)
{
	s->st[r] = st;
	s->v[r] = st == C_CONST ? v : 0;
}

static int is_const(const struct cval *s, int r, uint64_t *v)
{
	if (s->st[r] != C_CONST)
		return 0;
	*v = s->v[r];
	return 1;
}

static void cv_transfer(const struct cc_insn *in, struct cval *s)
{
	int op, sgn, is64, kf, form = cc__form(in);
	cc_regs d = cc__defs(in);
	uint64_t a, b;

	if (form == F_LDK || (form == F_ALU_K && (in->op == I_MOV64_K || in->op == I_MOV32_K))) {
		cv_set(s, in->dst, C_CONST, form == F_LDK ? in->k : in->op == I_MOV64_K ?
		       (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
		return;
	}
	if (cc__alu(in, &op, &sgn, &is64, &kf) > 0) {
		int three = form == F_ALU3_K || form == F_ALU3_X || form == F_NEG3;
		int ra = three ? in->src : in->dst, rb = three ? in->src2 : in->src;
		int ka = op == BPF_MOV ? 1 : is_const(s, ra, &a);
		int kb = kf ? (b = (uint64_t)(int64_t)in->imm, 1) :
			 op == BPF_NEG ? (b = 0, 1) : is_const(s, rb, &b);

		if (op == BPF_MOV)
			a = 0;
		if (ka && kb) {
			cv_set(s, in->dst, C_CONST, sem_alu(op, sgn, is64, a, b));
			return;
		}
	}
	for (int r = 0; r < CC_NREGS; r++)
		if (d & R(r))
			cv_set(s, r, C_VAR, 0);
}

static int cv_meet(struct cval *a, const struct cval *b)
{
	int ch = 0;

	for (int r = 0; r < CC_NREGS; r++) {
		int st = a->st[r];

		if (b->st[r] == C_UNK || st == C_VAR)
			continue;
		if (st == C_UNK)
			a->st[r] = b->st[r], a->v[r] = b->v[r], ch = 1;
		else if (b->st[r] == C_VAR || b->v[r] != a->v[r])
			a->st[r] = C_VAR, a->v[r] = 0, ch = 1;
	}
	return ch;
}

static int consts_in(struct cc *c, struct cval *in)
{
	uint8_t *seen = calloc(c->nb, 1);
	int changed = 1;

	if (!seen)
		return -ENOMEM;
	for (int r = 0; r < CC_NREGS; r++)
		cv_set(&in[0], r, r == 1 || r == 2 || r == CC_FP ? C_VAR : C_CONST, 0);
	seen[0] = 1;
	while (changed) {
		changed = 0;
		for (uint32_t b = 0; b < c->nb; b++) {
			struct cval s;

			if (!seen[b])
				continue;
			s = in[b];
			for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++)
				cv_transfer(&c->v[i], &s);
			for (int k = 0; k < 2; k++) {
				uint32_t t = c->b[b].succ[k];

				if (t == CC_NONE)
					continue;
				if (!seen[t]) {
					in[t] = s;
					seen[t] = changed = 1;
				} else {
					changed |= cv_meet(&in[t], &s);
				}
			}
		}
	}
	free(seen);
	return 0;
}

/* the K form of an X instruction */
static int k_form(int id)
{
	const struct isa_info *f = &isa_info[id];
	int want = f->form == F_ALU_X ? F_ALU_K : f->form == F_JCC_X ? F_JCC_K :
		   f->form == F_ALU3_X ? F_ALU3_K : -1;

	if (want < 0)
		return -1;
	for (int i = 0; i < I_COUNT; i++) {
		const struct isa_info *g = &isa_info[i];

		if (g->form == want && (g->opc & ~0x08) == (f->opc & ~0x08) && g->selv == f->selv &&
		    g->sel == f->sel)
			return i;
	}
	return -1;
}

static int fits(uint64_t v, int is64)
{
	return is64 ? (int64_t)v == (int32_t)v : 1;
}

static int st_form(int stx)
{
	switch (stx) {
	case I_STX_b: return I_ST_b;
	case I_STX_h: return I_ST_h;
	case I_STX_w: return I_ST_w;
	case I_STX_dw: return I_ST_dw;
	case I_STX6: return I_ST6;
	}
	return -1;
}

/* does a store-immediate of (int32_t)v write the bytes a store of v would? */
static int imm_stores(uint64_t v, int size)
{
	int64_t x = (int32_t)v;

	switch (size) {
	case 8: return (int64_t)v == x;
	case 6: return ((uint64_t)x & 0xffffffffffffull) == (v & 0xffffffffffffull);
	}
	return 1;	/* 1, 2, 4 bytes: the low bits */
}

/* rewrite i with the constants known before it; 1 if changed */
static int fold(struct cc *c, uint32_t i, const struct cval *s)
{
	struct cc_insn *in = &c->v[i];
	int form = cc__form(in), op, sgn, is64, kf, k;
	uint64_t a, b;

	if (form == F_JCC_K || form == F_JCC_X) {
		is64 = BPF_CLASS(isa_info[in->op].opc) == BPF_JMP;
		if (is_const(s, in->dst, &a) &&
		    (form == F_JCC_K ? (b = (uint64_t)(int64_t)in->imm, 1) : is_const(s, in->src, &b))) {
			if (sem_jcc(BPF_OP(isa_info[in->op].opc), is64, a, b)) {
				in->op = I_JA;
				in->dst = in->src = 0;
				in->imm = 0;
			} else {
				in->op = CC_NOP;
			}
			return 1;
		}
		if (form == F_JCC_X && is_const(s, in->src, &b) && fits(b, is64) &&
		    (k = k_form(in->op)) >= 0) {
			in->op = k;
			in->imm = (int32_t)b;
			in->src = 0;
			return 1;
		}
		return 0;
	}
	if ((form == F_STX || form == F_STX6) && is_const(s, in->src, &b) &&
	    imm_stores(b, cc__access_size(in)) && (k = st_form(in->op)) >= 0) {
		in->op = k;
		in->imm = (int32_t)b;
		in->src = 0;
		return 1;
	}
	if (cc__alu(in, &op, &sgn, &is64, &kf) < 0 || op == BPF_END)
		return 0;
	{
		struct cval t = *s;

		cv_transfer(in, &t);
		if (t.st[in->dst] == C_CONST && !(in->op == I_MOV64_K || in->op == I_MOV32_K)) {
			uint64_t v = t.v[in->dst];

			if ((int64_t)v == (int32_t)v) {
				*in = (struct cc_insn){ .op = I_MOV64_K, .dst = in->dst,
							.imm = (int32_t)v, .origin = in->origin };
			} else if (v == (uint32_t)v) {
				*in = (struct cc_insn){ .op = I_MOV32_K, .dst = in->dst,
							.imm = (int32_t)v, .origin = in->origin };
			} else {
				*in = (struct cc_insn){ .op = I_LDK, .dst = in->dst, .k = v,
							.origin = in->origin };
			}
			return 1;
		}
	}
	if (!kf && op != BPF_NEG && op != BPF_MOV) {
		int three = form == F_ALU3_X, rb = three ? in->src2 : in->src;

		if (is_const(s, rb, &b) && fits(b, is64) && (k = k_form(in->op)) >= 0) {
			in->op = k;
			in->imm = (int32_t)b;
			if (!three)
				in->src = 0;
			return 1;
		}
	}
	return 0;
}

static int const_prop(struct cc *c, int *changed)
{
	struct cval *in = calloc(c->nb, sizeof(*in));
	int e = in ? consts_in(c, in) : -ENOMEM;

	for (uint32_t b = 0; !e && b < c->nb; b++) {
		struct cval s = in[b];

		for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++) {
			*changed |= fold(c, i, &s);
			if (c->v[i].op != CC_NOP)
				cv_transfer(&c->v[i], &s);
		}
	}
	free(in);
	return e;
}

/* ---- copies ---- */

static int copy_of(const struct cc *c, uint32_t i, int r, int *src)
{
	uint32_t d = c->rdef[i][r];
	const struct cc_insn *m;

	if (d >= CC_NONE - 1)
		return 0;
	m = &c->v[d];
	if (m->op != I_MOV64_X || m->dst != r || m->src == r)
		return 0;
	if (c->rdef[i][m->src] != c->rdef[d][m->src] || c->rdef[d][m->src] == CC_NONE - 1)
		return 0;
	*src = m->src;
	return 1;
}

static int copy_prop(struct cc *c)
{
	int changed = 0, s;

	for (uint32_t i = 0; i < c->n; i++) {
		struct cc_insn *in = &c->v[i];
		int form = cc__form(in);

		switch (form) {
		case F_ALU_X:	/* the source operand (dst is read and written) */
		case F_JCC_X: case F_STX: case F_STX6: case F_ALU3_X:
			if (form == F_ALU3_X && copy_of(c, i, in->src2, &s)) {
				in->src2 = s;
				changed = 1;
			}
			if (copy_of(c, i, in->src, &s)) {
				in->src = s;
				changed = 1;
			}
			if ((form == F_JCC_X || form == F_STX || form == F_STX6) &&
			    copy_of(c, i, in->dst, &s)) {
				in->dst = s;
				changed = 1;
			}
			break;
		case F_LDX: case F_LDX6: case F_LDXSPEC: case F_ALU3_K: case F_NEG3:
			if (copy_of(c, i, in->src, &s)) {
				in->src = s;
				changed = 1;
			}
			break;
		case F_ST: case F_ST6: case F_JCC_K: case F_JPKT:
			if (copy_of(c, i, in->dst, &s)) {
				in->dst = s;
				changed = 1;
			}
			break;
		}
	}
	return changed;
}

/* ---- dead code ---- */

static int has_effect(const struct cc_insn *in)
{
	return cc__is_store(in) || cc__is_call(in) || cc__is_ctl(in);
}

static int dead_code(struct cc *c)
{
	int changed = 0;

	for (uint32_t i = 0; i < c->n; i++) {
		struct cc_insn *in = &c->v[i];

		if (in->op == CC_NOP || has_effect(in))
			continue;
		if (!(cc__defs(in) & c->live[i])) {
			in->op = CC_NOP;
			changed = 1;
		}
	}
	/* jumps to where control goes anyway */
	for (uint32_t b = 0; b + 1 < c->nb; b++) {
		struct cc_insn *in = &c->v[c->b[b].first + c->b[b].n - 1];

		if (cc__is_jump(in) && in->tgt == b + 1) {
			in->op = CC_NOP;
			changed = 1;
		}
	}
	return changed;
}

int cc_opt__run(struct cc *c)
{
	int e = 0;

	for (int round = 0; round < 4; round++) {
		int changed = 0;

		if ((e = const_prop(c, &changed)) || (e = cc_cfg__build(c)) ||
		    (e = cc_dataflow__run(c)))
			return e;
		changed |= copy_prop(c);
		if ((e = cc_dataflow__run(c)))
			return e;
		changed |= dead_code(c);
		if ((e = cc_cfg__build(c)) || (e = cc_dataflow__run(c)))
			return e;
		if (!changed)
			break;
	}
	return e;
}
