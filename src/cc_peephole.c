/* cc_peephole.c: instruction reduction and the extended ISA (paper section 3.1-3.2).
 *  - bounds checks: `if (p + N > data_end) goto L` (every compare of a register with
 *    the current data_end, either side, > >= < <=) becomes jpkt, which compares with the
 *    packet's real end, so it branches exactly as the original on every packet, short
 *    ones included; the data_end load then usually dies;
 *  - offset folding: a base (or jpkt operand, or add) defined as `s + K` is replaced by
 *    s with K folded into the offset, while s still holds its value;
 *  - 3-operand fusion: `mov d, s; op d, x` -> `d = s op x` for every ALU op, 32 and 64
 *    bit, register and immediate;
 *  - parametrized exit: `r0 = K; exit` -> `exit K` (and a jump to a lone exit becomes
 *    that exit);
 *  - zeroing removal: a zero store to stack bytes no path from the entry may have
 *    written, and a zero move to a register no path may have written, are removed: the
 *    hardware self-reset zeroes registers and stack at every program entry;
 *  - wide copies: loads whose values are only stored, covering 2, 4, 6 or 8 contiguous
 *    bytes of one base and stored at the same distance to another, become one load
 *    and one store (ldx6/stx6 for MAC addresses).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"
#include "env.h"

#define R(n) ((cc_regs)(1u << (n)))
#define STACK_BYTES (HXDP_MAX_FRAMES * HXDP_STACK_SIZE)
#define SW (STACK_BYTES / 64)
#define MANY (CC_NONE - 1)

/* ---- bounds checks ---- */

static int jpkt_of(int op, int end_left)
{
	static const int right[] = { [0] = I_JPKT_GT, [1] = I_JPKT_GE, [2] = I_JPKT_LT,
				     [3] = I_JPKT_LE };
	static const int left[] = { [0] = I_JPKT_LT, [1] = I_JPKT_LE, [2] = I_JPKT_GT,
				    [3] = I_JPKT_GE };
	int k;

	switch (op) {
	case I_JGT_X: k = 0; break;
	case I_JGE_X: k = 1; break;
	case I_JLT_X: k = 2; break;
	case I_JLE_X: k = 3; break;
	default: return -1;
	}
	return end_left ? left[k] : right[k];
}

static int bounds_checks(struct cc *c)
{
	int changed = 0;

	for (uint32_t i = 0; i < c->n; i++) {
		struct cc_insn *in = &c->v[i];
		int end_left, id;

		if (cc__form(in) != F_JCC_X)
			continue;
		end_left = c->kind[i][in->dst] == K_PKTEND;
		if (!end_left && c->kind[i][in->src] != K_PKTEND)
			continue;
		if ((id = jpkt_of(in->op, end_left)) < 0)
			continue;
		in->dst = end_left ? in->src : in->dst;
		in->op = id;
		in->src = isa_info[id].selv;
		in->imm = 0;
		changed = 1;
	}
	return changed;
}

/* ---- offset folding ---- */

/* r at i is `s + k` (an add3 whose source still holds its value) */
static int offset_of(const struct cc *c, uint32_t i, int r, int *s, int64_t *k)
{
	uint32_t d = c->rdef[i][r];
	const struct cc_insn *m;

	if (d >= MANY)
		return 0;
	m = &c->v[d];
	if (m->op != I_ADD3_64K || m->src == r || c->rdef[i][m->src] != c->rdef[d][m->src] ||
	    c->rdef[d][m->src] == MANY)
		return 0;
	*s = m->src;
	*k = m->imm;
	return 1;
}

static int fold_offsets(struct cc *c)
{
	int changed = 0, s;
	int64_t k;

	for (uint32_t i = 0; i < c->n; i++) {
		struct cc_insn *in = &c->v[i];
		int form = cc__form(in);

		switch (form) {
		case F_LDX: case F_LDX6: case F_LDXSPEC:
			if (offset_of(c, i, in->src, &s, &k) && in->off + k >= INT16_MIN &&
			    in->off + k <= INT16_MAX) {
				in->src = s;
				in->off += k;
				changed = 1;
			}
			break;
		case F_ST: case F_STX: case F_ST6: case F_STX6:
			if (offset_of(c, i, in->dst, &s, &k) && in->off + k >= INT16_MIN &&
			    in->off + k <= INT16_MAX && (form == F_ST || form == F_ST6 ||
							  in->src != in->dst)) {
				in->dst = s;
				in->off += k;
				changed = 1;
			}
			break;
		case F_JPKT:
			if (offset_of(c, i, in->dst, &s, &k) && in->imm + k >= INT32_MIN &&
			    in->imm + k <= INT32_MAX) {
				in->dst = s;
				in->imm += k;
				changed = 1;
			}
			break;
		case F_ALU3_K:
			if (in->op == I_ADD3_64K && offset_of(c, i, in->src, &s, &k) &&
			    in->imm + k >= INT32_MIN && in->imm + k <= INT32_MAX) {
				in->src = s;
				in->imm += k;
				changed = 1;
			}
			break;
		}
	}
	return changed;
}

/* ---- 3-operand fusion ---- */

static int fuse_one(struct cc *c, uint32_t m, uint32_t end)
{
	struct cc_insn *mv = &c->v[m];
	int d = mv->dst, s = mv->src, mv64 = mv->op == I_MOV64_X;

	for (uint32_t j = m + 1; j < end; j++) {
		struct cc_insn *in = &c->v[j];
		int op, sgn, is64, kf, id, form = cc__form(in);

		if (in->op == CC_NOP)
			continue;
		if (!(cc__uses(in) & R(d))) {
			if (cc__defs(in) & (R(s) | R(d)))
				return 0;
			continue;
		}
		if (cc__alu(in, &op, &sgn, &is64, &kf) != 2 || in->dst != d || op == BPF_MOV ||
		    (!mv64 && is64) || (id = cc__alu3_id(op, sgn, is64, kf)) < 0)
			return 0;
		if (form == F_ALU_X)
			in->src2 = in->src == d ? s : in->src;
		in->op = id;
		in->src = s;
		mv->op = CC_NOP;
		return 1;
	}
	return 0;
}

static int fuse3(struct cc *c)
{
	int changed = 0;

	for (uint32_t b = 0; b < c->nb; b++) {
		uint32_t end = c->b[b].first + c->b[b].n;

		for (uint32_t i = c->b[b].first; i < end; i++) {
			struct cc_insn *in = &c->v[i];

			if ((in->op == I_MOV64_X || in->op == I_MOV32_X) && in->dst != in->src)
				changed |= fuse_one(c, i, end);
		}
	}
	return changed;
}

/* ---- parametrized exit ---- */

static int exits(struct cc *c)
{
	int changed = 0;

	for (uint32_t i = 0; i < c->n; i++) {
		struct cc_insn *in = &c->v[i];
		uint32_t d;

		if (in->op == I_JA) {
			const struct cc_block *t = &c->b[in->tgt];

			if (c->v[t->first].op == I_EXIT || c->v[t->first].op == I_EXITK ||
			    c->v[t->first].op == I_EXITR) {
				in->op = c->v[t->first].op;
				in->imm = c->v[t->first].imm;
				in->dst = c->v[t->first].dst;
				in->tgt = CC_NONE;
				changed = 1;
			}
			continue;
		}
		if (in->op != I_EXIT || (d = c->rdef[i][0]) >= MANY)
			continue;
		if (c->v[d].op == I_MOV64_K || (c->v[d].op == I_MOV32_K && c->v[d].imm >= 0)) {
			in->op = I_EXITK;
			in->imm = c->v[d].imm;
			changed = 1;
		} else if ((c->v[d].op == I_MOV64_X || c->v[d].op == I_MOV32_X) &&
			   c->v[d].src != CC_FP &&
			   c->rdef[i][c->v[d].src] == c->rdef[d][c->v[d].src] &&
			   c->rdef[d][c->v[d].src] != MANY) {
			in->op = I_EXITR;	/* exit with the register r0 was copied from */
			in->imm = c->v[d].op == I_MOV32_X;
			in->dst = c->v[d].src;
			changed = 1;
		}
	}
	return changed;
}

/* ---- guarded counters ----
 * `if (p == NULL) goto L; lock *(p + off) += v; L:` (a map value looked up and counted)
 * becomes `lock nz *(p + off) += v`, which does nothing when p is 0: one branch and its
 * row less per counter. What else the guarded block computes must be dead at L. */

static int nz_form(int id)
{
	switch (id) {
	case I_Aadd32: return I_ANZadd32;
	case I_Aor32: return I_ANZor32;
	case I_Aand32: return I_ANZand32;
	case I_Axor32: return I_ANZxor32;
	case I_Aadd64: return I_ANZadd64;
	case I_Aor64: return I_ANZor64;
	case I_Aand64: return I_ANZand64;
	case I_Axor64: return I_ANZxor64;
	}
	return -1;
}

static int guard_one(struct cc *c, uint32_t b)
{
	const struct cc_block *f = &c->b[b + 1];
	struct cc_insn *br = &c->v[c->b[b].first + c->b[b].n - 1];
	struct cc_insn *last = &c->v[f->first + f->n - 1];
	uint32_t l = br->tgt, end = f->first + f->n;
	cc_regs defs = 0;
	int ja = last->op == I_JA, x = br->dst, n = 0;

	if (br->op != I_JEQ_K || br->imm || f->npred != 1 || f->target || l == b + 1)
		return 0;
	if (ja ? last->tgt != l : (f->succ[0] != l || cc__is_ctl(last)))
		return 0;
	for (uint32_t i = f->first; i < end - ja; i++) {
		const struct cc_insn *in = &c->v[i];

		if (nz_form(in->op) >= 0 && in->dst == x && !(defs & R(x))) {
			n++;
			continue;
		}
		if (cc__is_store(in) || cc__is_call(in) || cc__is_ctl(in) || cc__is_load(in))
			return 0;
		defs |= cc__defs(in);
	}
	if (!n || (defs & c->b[l].live_in))
		return 0;
	br->op = CC_NOP;
	for (uint32_t i = f->first; i < end - ja; i++)
		if (nz_form(c->v[i].op) >= 0)
			c->v[i].op = nz_form(c->v[i].op);
	if (ja && l == b + 2)
		last->op = CC_NOP;
	return 1;
}

/* the same through a shared counter block: `if (p == NULL) goto L; goto T` with T
 * `v = K; lock *(p + off) += v` falling to L: the `goto T` becomes a guarded copy of T
 * and `goto L`. ins[] gets what follows the copy's first instruction; returns where to
 * insert it, 0 for no change. */
static uint32_t guard_shared(struct cc *c, uint32_t b, struct cc_insn *ins, uint32_t *n)
{
	const struct cc_block *f = &c->b[b + 1], *t;
	struct cc_insn *br = &c->v[c->b[b].first + c->b[b].n - 1], *fj = &c->v[f->first];
	uint32_t l = br->tgt, atomics = 0;
	cc_regs defs = 0;
	int x = br->dst;

	if (br->op != I_JEQ_K || br->imm || f->npred != 1 || f->target || f->n != 1 ||
	    fj->op != I_JA)
		return 0;
	t = &c->b[fj->tgt];
	if (t->succ[0] != l || t->succ[1] != CC_NONE || t->n > 4 || fj->tgt == b + 1)
		return 0;
	for (uint32_t i = t->first; i < t->first + t->n; i++) {
		const struct cc_insn *in = &c->v[i];

		if (nz_form(in->op) >= 0 && in->dst == x && !(defs & R(x))) {
			atomics++;
			continue;
		}
		if (in->op == CC_NOP)
			continue;
		if (cc__is_store(in) || cc__is_call(in) || cc__is_ctl(in) || cc__is_load(in))
			return 0;
		defs |= cc__defs(in);
	}
	if (!atomics || (defs & c->b[l].live_in))
		return 0;
	*n = 0;
	for (uint32_t i = t->first; i < t->first + t->n; i++) {
		struct cc_insn in = c->v[i];

		if (in.op == CC_NOP)
			continue;
		if (nz_form(in.op) >= 0)
			in.op = nz_form(in.op);
		if (*n == 0 && fj->op == I_JA)
			*fj = in;	/* the first one in the jump's place */
		else
			ins[(*n)++] = in;
	}
	ins[(*n)++] = (struct cc_insn){ .op = I_JA, .tgt = c->b[l].first, .origin = fj->origin };
	br->op = CC_NOP;
	return f->first + 1;
}

static int guard_atomics(struct cc *c)
{
	int changed = 0, e;

	for (uint32_t b = 0; b + 1 < c->nb; b++)
		changed |= guard_one(c, b);
	for (uint32_t b = 0; b + 1 < c->nb; b++) {
		struct cc_insn ins[5];
		uint32_t n = 0, at = guard_shared(c, b, ins, &n);

		if (!at)
			continue;
		/* the copies' jump holds an instruction index: insert in instruction terms */
		if ((e = cc_cfg__insert(c, at, ins, n)) || (e = cc_dataflow__run(c)))
			return e;
		changed = 1;
		b = 0;	/* the blocks were rebuilt */
	}
	return changed;
}

/* ---- zeroing removal ---- */

struct written {
	uint64_t stack[SW];	/* bit o: stack byte o (from the region start) may be written */
	cc_regs regs;		/* registers that may be written */
};

static int helper_writes_mem(int32_t id)
{
	return (cc__helper_mem(id) & HM_WRITE) != 0;
}

/* the stack bytes [lo, hi) from the region start an access covers, 0: unknown */
static int stack_range(const struct cc *c, uint32_t i, int base, int size, int *lo)
{
	const struct cc_insn *in = &c->v[i];
	int64_t o;

	if (c->kind[i][base] != K_STACK || c->soff[i][base] == INT16_MIN)
		return 0;
	o = (int64_t)STACK_BYTES + c->soff[i][base] + in->off;
	if (o < 0 || o + size > STACK_BYTES)
		return 0;
	*lo = (int)o;
	return 1;
}

static void mark(struct written *w, int lo, int n)
{
	for (int b = lo; b < lo + n; b++)
		w->stack[b / 64] |= 1ull << (b % 64);
}

static int marked(const struct written *w, int lo, int n)
{
	for (int b = lo; b < lo + n; b++)
		if (w->stack[b / 64] & (1ull << (b % 64)))
			return 1;
	return 0;
}

static void w_transfer(const struct cc *c, uint32_t i, struct written *w)
{
	const struct cc_insn *in = &c->v[i];
	int lo;

	w->regs |= cc__defs(in);
	if (cc__is_store(in)) {
		if (stack_range(c, i, in->dst, cc__access_size(in), &lo))
			mark(w, lo, cc__access_size(in));
		else if (c->kind[i][in->dst] == K_STACK || c->kind[i][in->dst] == K_ANY)
			memset(w->stack, 0xff, sizeof(w->stack));
	} else if (cc__is_call(in) && helper_writes_mem(in->imm)) {
		memset(w->stack, 0xff, sizeof(w->stack));
	}
}

static int zeroing(struct cc *c)
{
	struct written *in = calloc(c->nb, sizeof(*in)), s;
	uint8_t *seen = calloc(c->nb, 1);
	int changed = 1, removed = 0;

	if (!in || !seen) {
		free(in);
		free(seen);
		return -ENOMEM;
	}
	in[0].regs = R(1) | R(2) | R(CC_FP);
	seen[0] = 1;
	while (changed) {
		changed = 0;
		for (uint32_t b = 0; b < c->nb; b++) {
			if (!seen[b])
				continue;
			s = in[b];
			for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++)
				w_transfer(c, i, &s);
			for (int k = 0; k < 2; k++) {
				uint32_t t = c->b[b].succ[k];
				struct written u;

				if (t == CC_NONE)
					continue;
				u = in[t];
				for (int x = 0; x < SW; x++)
					u.stack[x] |= s.stack[x];
				u.regs |= s.regs;
				if (!seen[t] || memcmp(&u, &in[t], sizeof(u))) {
					in[t] = u;
					seen[t] = changed = 1;
				}
			}
		}
	}
	for (uint32_t b = 0; b < c->nb; b++) {
		s = in[b];
		for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++) {
			struct cc_insn *x = &c->v[i];
			int lo, f = cc__form(x);

			if ((f == F_ST || f == F_ST6) && !x->imm &&
			    stack_range(c, i, x->dst, cc__access_size(x), &lo) &&
			    !marked(&s, lo, cc__access_size(x))) {
				x->op = CC_NOP;
				removed = 1;
				continue;
			}
			if ((x->op == I_MOV64_K || x->op == I_MOV32_K) && !x->imm &&
			    !(s.regs & R(x->dst))) {
				x->op = CC_NOP;
				removed = 1;
				continue;
			}
			w_transfer(c, i, &s);
		}
	}
	free(in);
	free(seen);
	return removed;
}

/* ---- wide copies ----
 * Byte-wise copies (clang's memcpy of unaligned headers, MAC addresses) become one
 * ldx/stx of 2, 4, 6 or 8 bytes: pairs of a load whose value only one store of the same
 * size uses, from one base to another at a fixed distance, covering contiguous bytes. */

struct cpair {
	uint32_t l, s;		/* load, store */
	int lo, size;		/* load offset, bytes */
};

/* the store of the load's value, if that is all the value is for */
static int load_store(const struct cc *c, uint32_t l, uint32_t end, uint32_t *st)
{
	const struct cc_insn *ld = &c->v[l];

	if (ld->op != I_LDX_b && ld->op != I_LDX_h && ld->op != I_LDX_w && ld->op != I_LDX_dw)
		return 0;
	for (uint32_t j = l + 1; j < end; j++) {
		const struct cc_insn *in = &c->v[j];

		if (in->op == CC_NOP)
			continue;
		if (!(cc__uses(in) & R(ld->dst))) {
			if (cc__defs(in) & R(ld->dst))
				return 0;
			continue;
		}
		if (cc__form(in) != F_STX || in->src != ld->dst || in->dst == ld->dst ||
		    cc__access_size(in) != cc__access_size(ld) || (c->live[j] & R(ld->dst)))
			return 0;
		*st = j;
		return 1;
	}
	return 0;
}

static int member(const uint32_t *m, int n, uint32_t i)
{
	for (int k = 0; k < n; k++)
		if (m[k] == i)
			return 1;
	return 0;
}

/* can the pairs p[0..n) become one load at the first load and one store at the last
 * store, through register v? */
static int wide_ok(const struct cc *c, const struct cpair *p, int n, int v, uint32_t fl,
		   uint32_t ls)
{
	const struct cc_insn *l0 = &c->v[p[0].l], *s0 = &c->v[p[0].s];
	uint32_t mem[16];
	int nm = 0;

	for (int k = 0; k < n; k++) {
		mem[nm++] = p[k].l;
		mem[nm++] = p[k].s;
	}
	if (c->live[ls] & R(v))
		return 0;
	for (uint32_t j = fl + 1; j <= ls; j++) {
		const struct cc_insn *in = &c->v[j];

		if (in->op == CC_NOP || member(mem, nm, j))
			continue;
		if ((cc__uses(in) | cc__defs(in)) & R(v))
			return 0;
		if (cc__defs(in) & (R(l0->src) | R(s0->dst)))
			return 0;
	}
	/* loads move up to fl, stores down to ls: nothing they pass may conflict */
	for (int k = 0; k < n; k++) {
		for (uint32_t j = fl; j < p[k].l; j++)
			if (c->v[j].op != CC_NOP && j != p[k].l &&
			    (cc__is_store(&c->v[j]) || cc__is_call(&c->v[j])) &&
			    cc_dataflow__mem_conflict(c, j, p[k].l))
				return 0;
		for (uint32_t j = p[k].s + 1; j <= ls; j++)
			if (c->v[j].op != CC_NOP && (cc__is_load(&c->v[j]) || cc__is_store(&c->v[j]) ||
						      cc__is_call(&c->v[j])) &&
			    cc_dataflow__mem_conflict(c, p[k].s, j))
				return 0;
	}
	return 1;
}

static int wide_one(struct cc *c, struct cpair *p, int n)
{
	static const int lds[9] = { [2] = I_LDX_h, [4] = I_LDX_w, [6] = I_LDX6, [8] = I_LDX_dw };
	static const int sts[9] = { [2] = I_STX_h, [4] = I_STX_w, [6] = I_STX6, [8] = I_STX_dw };
	uint32_t fl = CC_NONE, ls = 0;
	int bytes = 0, v;

	for (int k = 0; k < n; k++) {
		bytes += p[k].size;
		if (p[k].l < fl)
			fl = p[k].l;
		if (p[k].s > ls)
			ls = p[k].s;
	}
	if (bytes > 8 || !lds[bytes])
		return 0;
	v = c->v[fl].dst;
	if (!wide_ok(c, p, n, v, fl, ls))
		return 0;
	{
		struct cc_insn ld = c->v[p[0].l], st = c->v[p[0].s];

		for (int k = 0; k < n; k++)
			c->v[p[k].l].op = c->v[p[k].s].op = CC_NOP;
		c->v[fl] = (struct cc_insn){ .op = lds[bytes], .dst = v, .src = ld.src,
					     .off = ld.off, .origin = ld.origin, .tgt = CC_NONE };
		c->v[ls] = (struct cc_insn){ .op = sts[bytes], .dst = st.dst, .src = v,
					     .off = st.off, .origin = st.origin, .tgt = CC_NONE };
	}
	return 1;
}

static int by_offset(const void *a, const void *b)
{
	return ((const struct cpair *)a)->lo - ((const struct cpair *)b)->lo;
}

/* pairs of block b with the same bases and distance as pair q */
static int group(const struct cc *c, uint32_t first, uint32_t end, const struct cpair *q,
		 struct cpair *g)
{
	const struct cc_insn *ql = &c->v[q->l], *qs = &c->v[q->s];
	int n = 0;

	for (uint32_t i = first; i < end && n < 8; i++) {
		const struct cc_insn *l = &c->v[i], *st;
		uint32_t s;

		if (!load_store(c, i, end, &s))
			continue;
		st = &c->v[s];
		if (l->src != ql->src || c->rdef[i][l->src] != c->rdef[q->l][ql->src] ||
		    st->dst != qs->dst || c->rdef[s][st->dst] != c->rdef[q->s][qs->dst] ||
		    st->off - l->off != qs->off - ql->off || c->rdef[i][l->src] == MANY ||
		    c->rdef[s][st->dst] == MANY)
			continue;
		g[n++] = (struct cpair){ i, s, l->off, cc__access_size(l) };
	}
	qsort(g, n, sizeof(*g), by_offset);
	return n;
}

static int wide_copies(struct cc *c)
{
	int changed = 0;

	for (uint32_t b = 0; b < c->nb; b++) {
		uint32_t first = c->b[b].first, end = first + c->b[b].n;

		for (uint32_t i = first; i < end; i++) {
			struct cpair q, g[8];
			int n, k;
			uint32_t s;

			if (!load_store(c, i, end, &s))
				continue;
			q = (struct cpair){ i, s, c->v[i].off, cc__access_size(&c->v[i]) };
			n = group(c, first, end, &q, g);
			/* the longest contiguous run from each start, 8 bytes at most */
			for (k = 0; k < n; k++) {
				int len = 1, bytes = g[k].size, best = 0;

				while (k + len < n && g[k + len].lo == g[k].lo + bytes &&
				       bytes + g[k + len].size <= 8)
					bytes += g[k + len++].size;
				for (; len >= 2 && !best; len--) {
					int t = 0;

					for (int x = 0; x < len; x++)
						t += g[k + x].size;
					if ((t == 2 || t == 4 || t == 6 || t == 8) && wide_one(c, g + k, len))
						best = len;
				}
				if (best) {
					changed = 1;
					break;	/* indexes moved: rescan this block */
				}
			}
			if (changed)
				break;
		}
	}
	return changed;
}

int cc_peephole__run(struct cc *c)
{
	int e;

	bounds_checks(c);
	fold_offsets(c);
	fuse3(c);
	exits(c);
	guard_atomics(c);
	if ((e = cc_cfg__build(c)) || (e = cc_dataflow__run(c)))
		return e;
	if ((e = zeroing(c)) < 0)
		return e;
	if ((e = cc_cfg__build(c)) || (e = cc_dataflow__run(c)))
		return e;
	for (int round = 0; round < 64 && wide_copies(c); round++)
		if ((e = cc_cfg__build(c)) || (e = cc_dataflow__run(c)))
			return e;
	return 0;
}
