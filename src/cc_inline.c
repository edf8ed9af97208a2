/* cc_inline.c: bpf-to-bpf calls are inlined. Each call site gets its own copy of the
 * callee (recursively), whose frame is placed below its caller's in the stack region
 * exactly where the vm puts it (HXDP_FP(depth) in env.h): r10-based accesses of a
 * callee at depth k get -k * HXDP_STACK_SIZE added to their offset, and a copy of its
 * frame pointer becomes r10 - k * HXDP_STACK_SIZE. A callee's exit jumps to the
 * instruction after the call.
 *
 * The callee's r6-r9 are its own: where the caller needs its r6-r9 after the call, the
 * callee's are renamed to registers no caller in the chain keeps a live value in
 * (r6-r9 and the target-only r11-r15). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"
#include "env.h"

#define R(n) ((cc_regs)(1u << (n)))
#define SAVED (R(6) | R(7) | R(8) | R(9))

struct inl {
	struct cc *c;
	const struct cc_insn *in;	/* the program as imported */
	uint32_t nin;
	cc_regs *live;			/* live after each imported instruction */
	struct cc_insn *out;
	uint32_t nout, cap;
	uint32_t *fix;			/* out indexes of exits turned into jumps */
	uint32_t nfix, capfix;
};

static int succ_of(const struct cc_insn *v, uint32_t n, uint32_t i, uint32_t s[2])
{
	int k = 0;

	if (cc__is_jump(&v[i]))
		s[k++] = v[i].tgt;
	if (!cc__ends_flow(&v[i]) && i + 1 < n)
		s[k++] = i + 1;
	return k;
}

/* per-instruction liveness of the imported program, calls treated as helpers */
static int liveness(struct inl *x)
{
	int changed = 1;

	x->live = calloc(x->nin, sizeof(*x->live));
	if (!x->live)
		return -ENOMEM;
	while (changed) {
		changed = 0;
		for (uint32_t i = x->nin; i-- > 0;) {
			uint32_t s[2];
			int k = succ_of(x->in, x->nin, i, s);
			cc_regs out = 0, in;

			for (int j = 0; j < k; j++) {
				const struct cc_insn *t = &x->in[s[j]];

				out |= (x->live[s[j]] & ~cc__defs(t)) | cc__uses(t);
			}
			in = out;
			if (in != x->live[i]) {
				x->live[i] = in;
				changed = 1;
			}
		}
	}
	return 0;
}

static struct cc_insn *emit(struct inl *x)
{
	if (x->nout == x->cap) {
		uint32_t cap = x->cap ? x->cap * 2 : 256;
		struct cc_insn *o;

		if (cap > CC_MAX_INSNS) {
			cc__fail(x->c, CC_NONE, "more than %u instructions after inlining",
				 CC_MAX_INSNS);
			return NULL;
		}
		o = realloc(x->out, cap * sizeof(*o));
		if (!o)
			return NULL;
		x->out = o;
		x->cap = cap;
	}
	return &x->out[x->nout++];
}

/* the instructions of the function entered at entry: what its jumps reach */
static int body(struct inl *x, uint32_t entry, uint8_t *in_body)
{
	uint32_t *stack = malloc(x->nin * sizeof(*stack)), sp = 0;

	if (!stack)
		return -ENOMEM;
	in_body[entry] = 1;
	stack[sp++] = entry;
	while (sp) {
		uint32_t i = stack[--sp], s[2];
		int k = succ_of(x->in, x->nin, i, s);

		if (!cc__ends_flow(&x->in[i]) && i + 1 == x->nin) {
			free(stack);
			return cc__fail(x->c, x->in[i].origin, "the program may fall off its end");
		}
		for (int j = 0; j < k; j++)
			if (!in_body[s[j]]) {
				in_body[s[j]] = 1;
				stack[sp++] = s[j];
			}
	}
	free(stack);
	return 0;
}

/* rewrite one instruction of a callee at depth k with register map m */
static int adapt(struct inl *x, struct cc_insn *o, int k, const uint8_t m[CC_NREGS])
{
	int form = cc__form(o), adj = -k * HXDP_STACK_SIZE;
	int base_dst = form == F_ST || form == F_STX || form == F_ATOMIC;
	int base_src = form == F_LDX;
	cc_regs u = cc__uses(o);

	if (k && (u & R(CC_FP))) {
		if ((base_dst && o->dst == CC_FP && !(form != F_ST && o->src == CC_FP)) ||
		    (base_src && o->src == CC_FP)) {
			if (o->off + adj < INT16_MIN)
				return cc__fail(x->c, o->origin, "stack offset out of range");
			o->off += adj;
		} else if (o->op == I_MOV64_X && o->src == CC_FP) {
			o->op = I_ADD3_64K;
			o->imm = adj;
		} else {
			return cc__fail(x->c, o->origin, "this use of r10 in a subprogram is not "
					"supported (only as a base address or copied)");
		}
	}
	if (form == F_ALU3_X)
		o->src2 = m[o->src2];
	o->dst = m[o->dst];
	if (form != F_ALU_K && form != F_ALU3_K && form != F_JCC_K && form != F_LDK &&
	    form != F_ST && form != F_CALL && form != F_EXIT)
		o->src = m[o->src];
	return 0;
}

static int fix_push(struct inl *x, uint32_t i)
{
	if (x->nfix == x->capfix) {
		uint32_t cap = x->capfix ? x->capfix * 2 : 64, *f = realloc(x->fix, cap * 4);

		if (!f)
			return -ENOMEM;
		x->fix = f;
		x->capfix = cap;
	}
	x->fix[x->nfix++] = i;
	return 0;
}

static int expand(struct inl *x, uint32_t entry, int k, const uint8_t m[CC_NREGS],
		  cc_regs prot);

/* a call at imported index i of the function mapped by m at depth k */
static int call(struct inl *x, uint32_t i, int k, const uint8_t m[CC_NREGS], cc_regs prot)
{
	uint8_t cm[CC_NREGS];
	cc_regs keep = prot, used = 0, taken;
	uint32_t fix0 = x->nfix, cont;
	int e;

	if (k + 1 >= HXDP_MAX_FRAMES)
		return cc__fail(x->c, x->in[i].origin, "more than %d call frames",
				HXDP_MAX_FRAMES);
	for (int r = 6; r <= 9; r++)
		if (x->live[i] & R(r))
			keep |= R(m[r]);
	for (int r = 0; r < CC_NREGS; r++)
		cm[r] = r;
	taken = keep | R(0) | R(1) | R(2) | R(3) | R(4) | R(5) | R(CC_FP);
	for (int r = 6; r <= 9; r++) {
		int p = r;

		if (taken & R(p)) {
			for (p = 11; p < CC_NREGS && (taken & R(p)); p++)
				;
			if (p == CC_NREGS)
				for (p = 6; p <= 9 && (taken & R(p)); p++)
					;
			if (p > 9 && p < 11)
				p = CC_NREGS;
		}
		if (p >= CC_NREGS)
			return cc__fail(x->c, x->in[i].origin, "too many registers live across "
					"nested bpf-to-bpf calls to inline them");
		cm[r] = p;
		taken |= R(p);
		used |= R(p);
	}
	(void)used;
	if ((e = expand(x, x->in[i].tgt, k + 1, cm, keep)))
		return e;
	cont = x->nout;
	for (uint32_t f = fix0; f < x->nfix; f++) {
		x->out[x->fix[f]].tgt = cont;
		x->out[x->fix[f]].flags |= CC_F_TARGET;
	}
	x->nfix = fix0;
	return 0;
}

static int expand(struct inl *x, uint32_t entry, int k, const uint8_t m[CC_NREGS],
		  cc_regs prot)
{
	uint8_t *in_body = calloc(x->nin, 1);
	uint32_t *at = malloc(x->nin * sizeof(*at)), first = x->nout;
	int e = in_body && at ? body(x, entry, in_body) : -ENOMEM;
	struct cc_insn *o;

	for (uint32_t i = 0; !e && i < x->nin; i++) {
		if (!in_body[i])
			continue;
		if (x->nout == first && i != entry) {	/* the entry is not first in layout */
			if (!(o = emit(x))) {
				e = -ENOMEM;
				break;
			}
			*o = (struct cc_insn){ .op = I_JA, .tgt = entry, .origin = x->in[entry].origin };
		}
		at[i] = x->nout;
		if (cc__form(&x->in[i]) == F_CALL_LOCAL) {
			e = call(x, i, k, m, prot);
			continue;
		}
		if (!(o = emit(x))) {
			e = -ENOMEM;
			break;
		}
		*o = x->in[i];
		if (k && cc__form(o) == F_EXIT) {
			*o = (struct cc_insn){ .op = I_JA, .tgt = CC_NONE, .origin = o->origin };
			e = fix_push(x, x->nout - 1);
			continue;
		}
		e = adapt(x, o, k, m);
	}
	/* jumps of this copy: imported index -> out index (exits were patched to CC_NONE) */
	for (uint32_t j = first; !e && j < x->nout; j++) {
		struct cc_insn *w = &x->out[j];

		if (!cc__is_jump(w) || w->tgt == CC_NONE || (w->flags & CC_F_TARGET))
			continue;
		if (w->tgt < x->nin && in_body[w->tgt]) {
			w->tgt = at[w->tgt];
			w->flags |= CC_F_TARGET;	/* marks "resolved" until the end */
		}
	}
	free(in_body);
	free(at);
	return e;
}

int cc_inline__run(struct cc *c)
{
	struct inl x = { .c = c, .in = c->v, .nin = c->n };
	uint8_t m[CC_NREGS];
	int calls = 0, e;

	for (uint32_t i = 0; i < c->n; i++)
		calls |= cc__form(&c->v[i]) == F_CALL_LOCAL;
	if (!calls)
		return 0;
	for (int r = 0; r < CC_NREGS; r++)
		m[r] = r;
	e = liveness(&x);
	if (!e)
		e = expand(&x, 0, 0, m, 0);
	for (uint32_t j = 0; j < x.nout; j++)
		x.out[j].flags &= ~CC_F_TARGET;
	free(x.live);
	free(x.fix);
	if (e) {
		free(x.out);
		return e;
	}
	free(c->v);
	c->v = x.out;
	c->n = x.nout;
	c->cap = x.cap;
	return 0;
}
