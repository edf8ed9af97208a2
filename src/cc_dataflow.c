/* cc_dataflow.c: data flow over the CFG.
 *  - liveness of registers (per block, then per instruction: live after it);
 *  - reaching definitions, as "the one definition that reaches, or many" per register;
 *  - pointer kinds (context, packet, data_end, stack with its offset, map value, map
 *    reference), starting from r1 = ctx and r10 = the frame, following moves and
 *    constant offsets, and the context loads of data/data_end/data_meta;
 *  - memory dependences between two instructions from the kinds of their bases:
 *    stack slots by offset, packet and map values by base definition and offset,
 *    the context (read-only, moved only by helpers that change the packet).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "cc.h"
#include "mem.h"

#define R(n) ((cc_regs)(1u << (n)))
#define SOFF_UNKNOWN INT16_MIN

struct kstate {
	uint8_t kind[CC_NREGS];
	int16_t soff[CC_NREGS];
	uint32_t rdef[CC_NREGS];
};

/* ---- liveness ---- */

static void block_use_def(struct cc *c, struct cc_block *b)
{
	b->use = b->def = 0;
	for (uint32_t i = b->first; i < b->first + b->n; i++) {
		b->use |= cc__uses(&c->v[i]) & ~b->def;
		b->def |= cc__defs(&c->v[i]);
	}
}

static void liveness(struct cc *c)
{
	int changed = 1;

	for (uint32_t b = 0; b < c->nb; b++) {
		block_use_def(c, &c->b[b]);
		c->b[b].live_in = c->b[b].live_out = 0;
	}
	while (changed) {
		changed = 0;
		for (uint32_t b = c->nb; b-- > 0;) {
			struct cc_block *bb = &c->b[b];
			cc_regs out = 0, in;

			for (int s = 0; s < 2; s++)
				if (bb->succ[s] != CC_NONE)
					out |= c->b[bb->succ[s]].live_in;
			in = bb->use | (out & ~bb->def);
			if (in != bb->live_in || out != bb->live_out) {
				bb->live_in = in;
				bb->live_out = out;
				changed = 1;
			}
		}
	}
	for (uint32_t b = 0; b < c->nb; b++) {
		cc_regs live = c->b[b].live_out;

		for (uint32_t i = c->b[b].first + c->b[b].n; i-- > c->b[b].first;) {
			c->live[i] = live;
			live = (live & ~cc__defs(&c->v[i])) | cc__uses(&c->v[i]);
		}
	}
}

/* ---- kinds and reaching definitions ---- */

static int is_ptr(int k)
{
	return k == K_CTX || k == K_PKT || k == K_STACK || k == K_MAPVAL;
}

static void set(struct kstate *s, int r, int kind, int soff, uint32_t def)
{
	s->kind[r] = kind;
	s->soff[r] = kind == K_STACK ? soff : 0;
	s->rdef[r] = def;
}

static int add_off(int soff, int64_t d)
{
	int64_t v = (int64_t)soff + d;

	return soff == SOFF_UNKNOWN || v <= SOFF_UNKNOWN || v > INT16_MAX ? SOFF_UNKNOWN : (int)v;
}

static int ctx_kind(int off, int size)
{
	if (size != 4)
		return K_ANY;
	switch (off) {
	case 0: case 8: return K_PKT;		/* data, data_meta */
	case 4: return K_PKTEND;
	}
	return K_SCALAR;
}

static int call_result(int32_t id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_lookup_percpu_elem:
		return K_MAPVAL;
	}
	return K_SCALAR;
}

static void transfer(const struct cc *c, uint32_t i, struct kstate *s)
{
	const struct cc_insn *in = &c->v[i];
	int op, sgn, is64, kf, form = cc__form(in), d = in->dst;
	cc_regs defs = cc__defs(in);

	switch (form) {
	case F_LDX: case F_LDX6: case F_LDXSPEC:
		set(s, d, s->kind[in->src] == K_CTX ? ctx_kind(in->off, cc__access_size(in)) :
		    K_ANY, 0, i);
		return;
	case F_LDK: {
		uint32_t reg = HXDP_REGION(in->k);

		set(s, d, reg >= R_MAPREF ? K_MAPREF : reg >= R_MAP0 && reg < R_COUNT ?
		    K_MAPVAL : K_SCALAR, 0, i);
		return;
	}
	case F_CALL:
		for (int r = 1; r <= 5; r++)
			set(s, r, K_UNDEF, 0, i);
		if (cc__changes_pkt(in->imm))
			for (int r = 0; r < CC_NREGS; r++)
				if (s->kind[r] == K_PKTEND || s->kind[r] == K_PKT)
					s->kind[r] = K_ANY;	/* stale after the move */
		set(s, 0, call_result(in->imm), 0, i);
		return;
	}
	if (cc__alu(in, &op, &sgn, &is64, &kf) > 0) {
		int three = form == F_ALU3_K || form == F_ALU3_X || form == F_NEG3;
		int a = three ? in->src : d, b = three ? in->src2 : in->src;
		int ka = s->kind[a], kb = kf ? K_SCALAR : s->kind[b];

		if (op == BPF_MOV && is64 && !kf && !three) {
			set(s, d, s->kind[in->src], s->soff[in->src], i);
			return;
		}
		if (is64 && (op == BPF_ADD || op == BPF_SUB) && is_ptr(ka) &&
		    (kf || kb == K_SCALAR)) {
			int soff = kf ? add_off(s->soff[a], op == BPF_ADD ? (int64_t)in->imm :
						-(int64_t)in->imm) : SOFF_UNKNOWN;

			set(s, d, ka, soff, i);
			return;
		}
		if (is64 && op == BPF_ADD && !kf && is_ptr(kb) && ka == K_SCALAR) {
			set(s, d, kb, SOFF_UNKNOWN, i);
			return;
		}
		set(s, d, is_ptr(ka) || is_ptr(kb) || ka == K_ANY || kb == K_ANY ||
		    ka == K_PKTEND || kb == K_PKTEND ? (is64 ? K_ANY : K_SCALAR) : K_SCALAR, 0, i);
		return;
	}
	for (int r = 0; r < CC_NREGS; r++)
		if (defs & R(r))
			set(s, r, K_SCALAR, 0, i);
}

static int meet(struct kstate *a, const struct kstate *b)
{
	int changed = 0;

	for (int r = 0; r < CC_NREGS; r++) {
		int k = a->kind[r], soff = a->soff[r];
		uint32_t d = a->rdef[r];

		if (k == K_UNDEF) {
			k = b->kind[r];
			soff = b->soff[r];
		} else if (b->kind[r] != K_UNDEF && b->kind[r] != k) {
			k = K_ANY;
		} else if (k == K_STACK && b->soff[r] != soff) {
			soff = SOFF_UNKNOWN;
		}
		if (d != b->rdef[r])
			d = CC_NONE - 1;	/* many */
		if (k != a->kind[r] || soff != a->soff[r] || d != a->rdef[r])
			changed = 1;
		a->kind[r] = k;
		a->soff[r] = soff;
		a->rdef[r] = d;
	}
	return changed;
}

static int kinds(struct cc *c)
{
	struct kstate *in = calloc(c->nb, sizeof(*in)), s;
	uint8_t *seen = calloc(c->nb, 1);
	int changed = 1;

	if (!in || !seen) {
		free(in);
		free(seen);
		return -ENOMEM;
	}
	for (int r = 0; r < CC_NREGS; r++)
		in[0].rdef[r] = CC_NONE;	/* the entry: no definition */
	in[0].kind[1] = K_CTX;
	in[0].kind[CC_FP] = K_STACK;
	seen[0] = 1;
	while (changed) {
		changed = 0;
		for (uint32_t b = 0; b < c->nb; b++) {
			if (!seen[b])
				continue;
			s = in[b];
			for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++)
				transfer(c, i, &s);
			for (int k = 0; k < 2; k++) {
				uint32_t t = c->b[b].succ[k];

				if (t == CC_NONE)
					continue;
				if (!seen[t]) {
					in[t] = s;
					seen[t] = 1;
					changed = 1;
				} else {
					changed |= meet(&in[t], &s);
				}
			}
		}
	}
	for (uint32_t b = 0; b < c->nb; b++) {
		s = in[b];
		for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++) {
			memcpy(c->kind[i], s.kind, sizeof(s.kind));
			memcpy(c->soff[i], s.soff, sizeof(s.soff));
			memcpy(c->rdef[i], s.rdef, sizeof(s.rdef));
			transfer(c, i, &s);
		}
	}
	free(in);
	free(seen);
	return 0;
}

int cc_dataflow__run(struct cc *c)
{
	free(c->live);
	free(c->kind);
	free(c->soff);
	free(c->rdef);
	c->live = calloc(c->n, sizeof(*c->live));
	c->kind = calloc(c->n, sizeof(*c->kind));
	c->soff = calloc(c->n, sizeof(*c->soff));
	c->rdef = calloc(c->n, sizeof(*c->rdef));
	if (!c->live || !c->kind || !c->soff || !c->rdef)
		return -ENOMEM;
	liveness(c);
	return kinds(c);
}

/* ---- memory dependences ---- */

enum { M_NONE, M_READ, M_WRITE, M_RW };

struct acc {
	int rw;			/* M_* */
	int cls;		/* K_STACK, K_PKT, K_MAPVAL, K_CTX, K_ANY */
	int base;		/* base register */
	uint32_t def;		/* its reaching definition */
	int64_t lo, hi;		/* byte range relative to the base (stack: to r10) */
	int known;		/* lo/hi are meaningful */
};

static int access_of(const struct cc *c, uint32_t i, struct acc *a)
{
	const struct cc_insn *in = &c->v[i];
	int form = cc__form(in), base, size = cc__access_size(in);

	memset(a, 0, sizeof(*a));
	if (cc__is_load(in)) {
		a->rw = M_READ;
		base = in->src;
	} else if (cc__is_store(in)) {
		a->rw = form == F_ATOMIC || form == F_ATOMIC_NZ ? M_RW : M_WRITE;
		base = in->dst;
	} else {
		return 0;
	}
	a->base = base;
	a->cls = c->kind[i][base];
	a->def = c->rdef[i][base];
	a->lo = in->off;
	a->hi = (int64_t)in->off + size;
	a->known = 1;
	if (a->cls == K_STACK) {
		if (c->soff[i][base] == SOFF_UNKNOWN)
			a->known = 0;
		a->lo += c->soff[i][base];
		a->hi += c->soff[i][base];
	} else if (a->cls != K_PKT && a->cls != K_MAPVAL && a->cls != K_CTX) {
		a->cls = K_ANY;
		a->known = 0;
	} else if (a->def >= CC_NONE - 1) {
		a->known = 0;	/* no single definition: offsets cannot be compared */
	}
	return 1;
}

static int overlap(const struct acc *a, const struct acc *b)
{
	return a->lo < b->hi && b->lo < a->hi;
}

/* the memory classes a call's pointer arguments may reach (K_ANY: any) */
static uint32_t arg_classes(const struct cc *c, uint32_t i)
{
	int n = cc__helper_nargs(c->v[i].imm);
	uint32_t m = 0;

	for (int r = 1; r <= n; r++) {
		int k = c->kind[i][r];

		if (k == K_ANY || k == K_UNDEF)
			return 1u << K_ANY;
		if (k == K_STACK || k == K_PKT || k == K_MAPVAL || k == K_CTX)
			m |= 1u << k;
	}
	return m;
}

/* does call i conflict with the access a (of instruction j)? */
static int call_conflict(const struct cc *c, uint32_t i, const struct acc *a)
{
	int hm = cc__helper_mem(c->v[i].imm);
	uint32_t args = hm & (HM_READ | HM_WRITE) ? arg_classes(c, i) : 0;
	uint32_t cls = 1u << a->cls;

	if (a->cls == K_CTX)
		return (hm & HM_PKT) != 0;	/* data, data_end move */
	if (a->cls == K_ANY)
		return hm != 0;
	if ((hm & HM_PKT) && a->cls == K_PKT)
		return 1;
	if ((hm & HM_MAPVAL) && a->cls == K_MAPVAL)
		return 1;
	if (args & (1u << K_ANY))
		args = ~0u;
	if ((hm & HM_WRITE) && (args & cls))
		return 1;	/* it writes what a reads or writes */
	if ((hm & HM_READ) && a->rw != M_READ && (args & cls))
		return 1;	/* a writes what it reads */
	return 0;
}

int cc_dataflow__mem_conflict(const struct cc *c, uint32_t i, uint32_t j)
{
	const struct cc_insn *x = &c->v[i], *y = &c->v[j];
	struct acc a, b;
	int ma, mb;

	if (cc__is_call(x) || cc__is_call(y)) {
		uint32_t ci = cc__is_call(x) ? i : j, oi = ci == i ? j : i;
		const struct cc_insn *o = &c->v[oi];

		if (cc__is_call(o))
			return 1;	/* helpers stay in order */
		if (cc__form(o) == F_JPKT)
			return (cc__helper_mem(c->v[ci].imm) & HM_PKT) != 0;
		if (!access_of(c, oi, &a))
			return 0;
		return call_conflict(c, ci, &a);
	}
	/* jpkt reads data_end, which only helpers move */
	ma = access_of(c, i, &a);
	mb = access_of(c, j, &b);
	if (!ma || !mb || (a.rw == M_READ && b.rw == M_READ))
		return 0;
	if (a.cls == K_CTX || b.cls == K_CTX)
		return 0;	/* read-only: stores never reach it */
	if (a.cls == K_ANY || b.cls == K_ANY)
		return 1;
	if (a.cls != b.cls)
		return 0;
	if (!a.known || !b.known)
		return 1;
	if (a.cls == K_STACK)
		return overlap(&a, &b);
	return a.base == b.base && a.def == b.def ? overlap(&a, &b) : 1;
}
