/* cc_opt.c: classic clean-ups over the CFG.
 *  - constant propagation (forward, per register: unknown / constant / varying; the
 *    self-reset makes every register but r1, r2 and r10 zero at entry): register
 *    operands that hold a constant become immediates, computations of constants become
 *    moves, conditional jumps on constants are decided, stores of constants become
 *    store-immediate;
 *  - copy propagation: a use of a copy (mov64 a, b) reads b instead while b still
 *    holds the value it had at the copy (same reaching definition);
 *  - store-to-load forwarding on the stack: a load of the slot a store wrote, on every
 *    path, with nothing in between that may overwrite it, reads the stored register (or
 *    immediate) instead, while that register still holds the value;
 *  - dead code: instructions without side effects whose results are dead, stores to
 *    stack bytes nothing reads afterwards (the stack dies at exit), jumps to the next
 *    block.
 * Semantics of every folded operation come from sem.h, as in the engines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"
#include "env.h"
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
	if (form == F_EXITR && is_const(s, in->dst, &a)) {
		if (in->imm)
			a = (uint32_t)a;
		if ((int64_t)a != (int32_t)a)
			return 0;
		*in = (struct cc_insn){ .op = I_EXITK, .imm = (int32_t)a, .origin = in->origin,
					.tgt = CC_NONE };
		return 1;
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

/* ---- stack slots ---- */

#define STACK_BYTES (HXDP_MAX_FRAMES * HXDP_STACK_SIZE)
#define SW (STACK_BYTES / 64)

/* [lo, lo + size) from the region start, for a stack access with a known offset */
static int slot(const struct cc *c, uint32_t i, int base, int *lo)
{
	int64_t o;

	if (c->kind[i][base] != K_STACK || c->soff[i][base] == INT16_MIN)
		return 0;
	o = (int64_t)STACK_BYTES + c->soff[i][base] + c->v[i].off;
	if (o < 0 || o + cc__access_size(&c->v[i]) > STACK_BYTES)
		return 0;
	*lo = (int)o;
	return 1;
}

static int may_point_to_stack(const struct cc *c, uint32_t i, int r)
{
	int k = c->kind[i][r];

	return k == K_STACK || k == K_ANY || k == K_UNDEF;
}

/* the stores (stack, known slot) of the program, and a set of them per block */
struct avail {
	uint32_t *st;		/* instruction of store k */
	uint32_t *idx;		/* instruction -> k, CC_NONE */
	int *lo, *sz;
	uint32_t n, words;
};

static void av_kill(const struct avail *a, uint64_t *set, int lo, int sz)
{
	for (uint32_t k = 0; k < a->n; k++)
		if (a->lo[k] < lo + sz && lo < a->lo[k] + a->sz[k])
			set[k / 64] &= ~(1ull << (k % 64));
}

static void av_transfer(const struct cc *c, const struct avail *a, uint32_t i, uint64_t *set)
{
	const struct cc_insn *in = &c->v[i];
	int lo;

	if (cc__is_store(in)) {
		if (!slot(c, i, in->dst, &lo)) {
			if (may_point_to_stack(c, i, in->dst))
				memset(set, 0, a->words * 8);
			return;
		}
		av_kill(a, set, lo, cc__access_size(in));
		if (a->idx[i] != CC_NONE)
			set[a->idx[i] / 64] |= 1ull << (a->idx[i] % 64);
	} else if (cc__is_call(in) && (cc__helper_mem(in->imm) & HM_WRITE)) {
		memset(set, 0, a->words * 8);
	}
}

static int forward_one(struct cc *c, const struct avail *a, uint32_t i, const uint64_t *set)
{
	struct cc_insn *in = &c->v[i];
	int lo, sz = cc__access_size(in);

	if (in->op != I_LDX_dw && in->op != I_LDX_w && in->op != I_LDX_h && in->op != I_LDX_b)
		return 0;
	if (!slot(c, i, in->src, &lo))
		return 0;
	for (uint32_t k = 0; k < a->n; k++) {
		const struct cc_insn *st = &c->v[a->st[k]];
		uint64_t mask = sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1;

		if (!(set[k / 64] & (1ull << (k % 64))) || a->lo[k] != lo || a->sz[k] != sz)
			continue;
		if (cc__form(st) == F_ST) {
			int64_t v = sz == 8 ? (int64_t)st->imm : (int64_t)((uint64_t)(int64_t)st->imm & mask);

			*in = (struct cc_insn){ .op = (int64_t)(int32_t)v == v ? I_MOV64_K : I_MOV32_K,
						.dst = in->dst, .imm = (int32_t)v, .origin = in->origin };
			return 1;
		}
		if (cc__form(st) != F_STX || sz < 4 || c->rdef[i][st->src] != c->rdef[a->st[k]][st->src] ||
		    c->rdef[i][st->src] == CC_NONE - 1)
			return 0;
		*in = (struct cc_insn){ .op = sz == 8 ? I_MOV64_X : I_MOV32_X, .dst = in->dst,
					.src = st->src, .origin = in->origin };
		return 1;
	}
	return 0;
}

static int forward(struct cc *c, int *changed)
{
	struct avail a = { 0 };
	uint64_t *in = NULL, *s = NULL;
	uint8_t *seen = NULL;
	int e = -ENOMEM, ch = 1, lo;

	a.idx = malloc(c->n * sizeof(*a.idx));
	a.st = malloc(c->n * sizeof(*a.st));
	a.lo = malloc(c->n * sizeof(*a.lo));
	a.sz = malloc(c->n * sizeof(*a.sz));
	if (!a.idx || !a.st || !a.lo || !a.sz)
		goto out;
	for (uint32_t i = 0; i < c->n; i++) {
		a.idx[i] = CC_NONE;
		if ((cc__form(&c->v[i]) == F_ST || cc__form(&c->v[i]) == F_STX) &&
		    slot(c, i, c->v[i].dst, &lo)) {
			a.idx[i] = a.n;
			a.st[a.n] = i;
			a.lo[a.n] = lo;
			a.sz[a.n++] = cc__access_size(&c->v[i]);
		}
	}
	e = 0;
	if (!a.n)
		goto out;
	a.words = (a.n + 63) / 64;
	in = calloc((size_t)c->nb * a.words, 8);
	s = calloc(a.words, 8);
	seen = calloc(c->nb, 1);
	e = in && s && seen ? 0 : -ENOMEM;
	if (e)
		goto out;
	seen[0] = 1;
	while (ch) {
		ch = 0;
		for (uint32_t b = 0; b < c->nb; b++) {
			if (!seen[b])
				continue;
			memcpy(s, in + (size_t)b * a.words, a.words * 8);
			for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++)
				av_transfer(c, &a, i, s);
			for (int k = 0; k < 2; k++) {
				uint32_t t = c->b[b].succ[k];
				uint64_t *ti;

				if (t == CC_NONE)
					continue;
				ti = in + (size_t)t * a.words;
				if (!seen[t]) {
					memcpy(ti, s, a.words * 8);
					seen[t] = ch = 1;
					continue;
				}
				for (uint32_t w = 0; w < a.words; w++)
					if (ti[w] & ~s[w]) {
						ti[w] &= s[w];
						ch = 1;
					}
			}
		}
	}
	for (uint32_t b = 0; b < c->nb; b++) {
		memcpy(s, in + (size_t)b * a.words, a.words * 8);
		for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++) {
			*changed |= forward_one(c, &a, i, s);
			av_transfer(c, &a, i, s);
		}
	}
out:
	free(a.idx);
	free(a.st);
	free(a.lo);
	free(a.sz);
	free(in);
	free(s);
	free(seen);
	return e;
}

/* stores to stack bytes that no path reads afterwards */
struct sbytes {
	uint64_t w[SW];
};

static void mark_bytes(struct sbytes *l, int lo, int n, int on)
{
	for (int b = lo; b < lo + n; b++) {
		if (on)
			l->w[b / 64] |= 1ull << (b % 64);
		else
			l->w[b / 64] &= ~(1ull << (b % 64));
	}
}

static int any_bytes(const struct sbytes *l, int lo, int n)
{
	for (int b = lo; b < lo + n; b++)
		if (l->w[b / 64] & (1ull << (b % 64)))
			return 1;
	return 0;
}

/* backward over i; returns 1 if i is a store to dead bytes */
static int sl_transfer(const struct cc *c, uint32_t i, struct sbytes *l)
{
	const struct cc_insn *in = &c->v[i];
	int lo, n = cc__access_size(in);

	if (cc__form(in) == F_EXIT || cc__form(in) == F_EXITK || cc__form(in) == F_EXITR) {
		memset(l, 0, sizeof(*l));
		return 0;
	}
	if (cc__is_call(in)) {
		if (in->imm == BPF_FUNC_tail_call) {
			memset(l, 0, sizeof(*l));	/* the next program starts from zero */
			return 0;
		}
		if (cc__helper_mem(in->imm) & (HM_READ | HM_WRITE))
			memset(l, 0xff, sizeof(*l));
		return 0;
	}
	if (cc__is_load(in) || cc__form(in) == F_ATOMIC || cc__form(in) == F_ATOMIC_NZ) {
		int base = cc__is_load(in) ? in->src : in->dst;

		if (slot(c, i, base, &lo))
			mark_bytes(l, lo, n, 1);
		else if (may_point_to_stack(c, i, base))
			memset(l, 0xff, sizeof(*l));
		return 0;
	}
	if (cc__is_store(in) && slot(c, i, in->dst, &lo)) {
		if (!any_bytes(l, lo, n))
			return 1;
		mark_bytes(l, lo, n, 0);
	}
	return 0;
}

static int dead_stores(struct cc *c, int *changed)
{
	struct sbytes *out = calloc(c->nb, sizeof(*out)), l;
	int ch = 1;

	if (!out)
		return -ENOMEM;
	while (ch) {
		ch = 0;
		for (uint32_t b = c->nb; b-- > 0;) {
			struct sbytes o = { 0 };

			for (int k = 0; k < 2; k++) {
				uint32_t t = c->b[b].succ[k];

				if (t == CC_NONE)
					continue;
				l = out[t];
				for (uint32_t i = c->b[t].first + c->b[t].n; i-- > c->b[t].first;)
					sl_transfer(c, i, &l);
				for (int w = 0; w < SW; w++)
					o.w[w] |= l.w[w];
			}
			if (memcmp(&o, &out[b], sizeof(o))) {
				out[b] = o;
				ch = 1;
			}
		}
	}
	for (uint32_t b = 0; b < c->nb; b++) {
		l = out[b];
		for (uint32_t i = c->b[b].first + c->b[b].n; i-- > c->b[b].first;)
			if (sl_transfer(c, i, &l)) {
				c->v[i].op = CC_NOP;
				*changed = 1;
			}
	}
	free(out);
	return 0;
}

int cc_opt__run(struct cc *c)
{
	int e = 0;

	for (int round = 0; round < 4; round++) {
		int changed = 0;

		if ((e = const_prop(c, &changed)) || (e = cc_cfg__build(c)) ||
		    (e = cc_dataflow__run(c)))
			return e;
		if ((e = forward(c, &changed)) || (e = cc_dataflow__run(c)))
			return e;
		changed |= copy_prop(c);
		if ((e = cc_dataflow__run(c)))
			return e;
		changed |= dead_code(c);
		if ((e = dead_stores(c, &changed)))
			return e;
		if ((e = cc_cfg__build(c)) || (e = cc_dataflow__run(c)))
			return e;
		if (!changed)
			break;
	}
	return e;
}
