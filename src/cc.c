/* cc.c: the compiler driver (pass pipeline, per-pass instruction counts), the
 * instruction facts every pass shares, and the import of eBPF into the IR. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"
#include "helpers.h"
#include "image.h"
#include "obj.h"

/* ---- instruction facts ---- */

int cc__form(const struct cc_insn *in)
{
	return in->op == CC_NOP || in->op >= I_COUNT ? -1 : isa_info[in->op].form;
}

int cc__is_jump(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_JA: case F_JA32: case F_JCC_K: case F_JCC_X: case F_JPKT:
		return 1;
	}
	return 0;
}

int cc__is_cond(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_JCC_K: case F_JCC_X: case F_JPKT:
		return 1;
	}
	return 0;
}

int cc__ends_flow(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_JA: case F_JA32: case F_EXIT: case F_EXITK: case F_EXITR:
		return 1;
	}
	return 0;
}

int cc__is_ctl(const struct cc_insn *in)
{
	return cc__is_jump(in) || cc__ends_flow(in);
}

int cc__is_call(const struct cc_insn *in)
{
	return cc__form(in) == F_CALL;
}

int cc__is_load(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_LDX: case F_LDX6: case F_LDXSPEC:
		return 1;
	}
	return 0;
}

int cc__is_store(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_ST: case F_STX: case F_ST6: case F_STX6: case F_ATOMIC: case F_ATOMIC_NZ:
		return 1;
	}
	return 0;
}

int cc__access_size(const struct cc_insn *in)
{
	return isa_access_size(in->op);
}

#define R(n) ((cc_regs)(1u << (n)))
#define ARGS (R(1) | R(2) | R(3) | R(4) | R(5))

static int is_mov(const struct cc_insn *in)
{
	const struct isa_info *f = &isa_info[in->op];

	return (f->form == F_ALU_K || f->form == F_ALU_X) && BPF_OP(f->opc) == BPF_MOV;
}

cc_regs cc__uses(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_ALU_K: return is_mov(in) ? 0 : R(in->dst);
	case F_ALU_X: return is_mov(in) ? R(in->src) : R(in->dst) | R(in->src);
	case F_NEG: case F_END: case F_JCC_K: case F_JPKT: case F_ST: case F_ST6: case F_EXITR:
		return R(in->dst);
	case F_JCC_X: case F_STX: case F_STX6: case F_ATOMIC_NZ:
		return R(in->dst) | R(in->src);
	case F_ATOMIC:
		return R(in->dst) | R(in->src) | (in->imm == BPF_CMPXCHG ? R(0) : 0);
	case F_CALL: return (cc_regs)(((1u << cc__helper_nargs(in->imm)) - 1) << 1);
	case F_CALL_LOCAL: return ARGS | R(CC_FP);
	case F_EXIT: return R(0);
	case F_LDX: case F_LDX6: case F_LDXSPEC: case F_ALU3_K: case F_NEG3:
		return R(in->src);
	case F_ALU3_X: return R(in->src) | R(in->src2);
	}
	return 0;
}

cc_regs cc__defs(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_ALU_K: case F_ALU_X: case F_NEG: case F_END: case F_LDX: case F_LDX6:
	case F_LDXSPEC: case F_ALU3_K: case F_ALU3_X: case F_NEG3: case F_LDK: case F_LDDW:
		return R(in->dst);
	case F_ATOMIC:
		if (in->imm == BPF_CMPXCHG)
			return R(0);
		return (in->imm & BPF_FETCH) ? R(in->src) : 0;
	case F_CALL: case F_CALL_LOCAL:
		return R(0) | ARGS;
	}
	return 0;
}

int cc__alu(const struct cc_insn *in, int *op, int *sgn, int *is64, int *kform)
{
	const struct isa_info *f;

	if (cc__form(in) < 0)
		return -1;
	f = &isa_info[in->op];
	switch (f->form) {
	case F_ALU_K: case F_ALU_X:
		if (BPF_OP(f->opc) == BPF_MOV && f->selv)
			return -1;	/* movsx */
		*op = BPF_OP(f->opc);
		*sgn = f->selv == 1;
		*is64 = BPF_CLASS(f->opc) == BPF_ALU64;
		*kform = f->form == F_ALU_K;
		return 2;
	case F_NEG:
		*op = BPF_NEG;
		*sgn = 0;
		*is64 = BPF_CLASS(f->opc) == BPF_ALU64;
		*kform = 0;
		return 2;
	case F_ALU3_K: case F_ALU3_X: case F_NEG3:
		*op = (f->selv & 0xf) << 4;
		*sgn = !!(f->selv & 0x10);
		*is64 = f->opc == 0xe7 || f->opc == 0xef;
		*kform = f->form == F_ALU3_K;
		return 3;
	}
	return -1;
}

int cc__alu3_id(int op, int sgn, int is64, int kform)
{
	int form = op == BPF_NEG ? F_NEG3 : kform ? F_ALU3_K : F_ALU3_X;
	int32_t selv = (op >> 4) | (sgn ? 0x10 : 0);

	if (op == BPF_MOV || op == BPF_END)
		return -1;
	for (int i = 0; i < I_COUNT; i++) {
		const struct isa_info *f = &isa_info[i];

		if (f->form == form && f->selv == selv &&
		    (f->opc == 0xe7 || f->opc == 0xef) == !!is64)
			return i;
	}
	return -1;
}

int cc__changes_pkt(int32_t helper)
{
	switch (helper) {
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
	case BPF_FUNC_xdp_store_bytes:
		return 1;
	}
	return 0;
}

int cc__helper_nargs(int32_t helper)
{
	switch (helper) {
	case BPF_FUNC_ktime_get_ns: case BPF_FUNC_get_prandom_u32:
	case BPF_FUNC_get_smp_processor_id: case BPF_FUNC_ktime_get_boot_ns:
		return 0;
	case BPF_FUNC_map_lookup_elem: case BPF_FUNC_map_delete_elem: case BPF_FUNC_redirect:
	case BPF_FUNC_xdp_adjust_head: case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
		return 2;
	case BPF_FUNC_tail_call: case BPF_FUNC_redirect_map:
	case BPF_FUNC_map_lookup_percpu_elem:
		return 3;
	case BPF_FUNC_map_update_elem: case BPF_FUNC_fib_lookup:
	case BPF_FUNC_xdp_load_bytes: case BPF_FUNC_xdp_store_bytes:
		return 4;
	}
	return 5;
}

int cc__helper_mem(int32_t helper)
{
	switch (helper) {
	case BPF_FUNC_ktime_get_ns: case BPF_FUNC_get_prandom_u32:
	case BPF_FUNC_get_smp_processor_id: case BPF_FUNC_ktime_get_boot_ns:
	case BPF_FUNC_redirect: case BPF_FUNC_redirect_map: case BPF_FUNC_tail_call:
		return 0;
	case BPF_FUNC_map_lookup_elem: case BPF_FUNC_map_lookup_percpu_elem:
	case BPF_FUNC_csum_diff:
		return HM_READ;
	case BPF_FUNC_map_update_elem: case BPF_FUNC_map_delete_elem:
		return HM_READ | HM_MAPVAL;
	case BPF_FUNC_xdp_adjust_head: case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
		return HM_PKT;
	case BPF_FUNC_fib_lookup:
		return HM_READ | HM_WRITE;
	}
	return HM_ALL;
}

/* ---- bookkeeping ---- */

int cc__fail(struct cc *c, uint32_t i, const char *fmt, ...)
{
	char m[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (i == CC_NONE)
		snprintf(c->err, c->errlen, "%s: %s", c->prog->name, m);
	else
		snprintf(c->err, c->errlen, "%s: insn %u: %s", c->prog->name, i, m);
	return -EINVAL;
}

int cc__reserve(struct cc *c, uint32_t n)
{
	struct cc_insn *v;
	uint32_t cap = c->cap ? c->cap : 64;

	if (n <= c->cap)
		return 0;
	if (n > CC_MAX_INSNS)
		return cc__fail(c, CC_NONE, "more than %u instructions after inlining",
				CC_MAX_INSNS);
	while (cap < n)
		cap *= 2;
	v = realloc(c->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->v = v;
	c->cap = cap;
	return 0;
}

uint32_t cc__count(const struct cc *c)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < c->n; i++)
		k += c->v[i].op != CC_NOP;
	return k;
}

void cc__stat(struct cc *c, const char *pass)
{
	if (c->nstat < (int)(sizeof(c->stat) / sizeof(c->stat[0])))
		c->stat[c->nstat++] = (struct cc_stat){ pass, cc__count(c) };
}

void cc__free(struct cc *c)
{
	free(c->v);
	free(c->b);
	free(c->blk);
	free(c->live);
	free(c->kind);
	free(c->soff);
	free(c->rdef);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

/* ---- import: eBPF -> IR ---- */

static int import_lddw(struct cc *c, uint32_t i, struct cc_insn *out)
{
	const struct bpf_insn *in = &c->prog->insns[i], *hi = in + 1;
	uint32_t nmaps = c->obj->env.nmaps;

	if (i + 1 >= c->prog->ninsns || hi->code || hi->dst_reg || hi->src_reg || hi->off)
		return cc__fail(c, i, "malformed lddw");
	switch (in->src_reg) {
	case 0:
		out->k = (uint64_t)(uint32_t)hi->imm << 32 | (uint32_t)in->imm;
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_VALUE:
		if ((uint32_t)in->imm >= nmaps)
			return cc__fail(c, i, "map index %u out of range (%u maps)",
					(uint32_t)in->imm, nmaps);
		out->k = in->src_reg == BPF_PSEUDO_MAP_FD ? HXDP_MAPREF(in->imm) :
			 HXDP_ADDR(R_MAP0 + in->imm, hi->imm);
		return 0;
	}
	return cc__fail(c, i, "lddw with pseudo source %u is not supported", in->src_reg);
}

static int import_one(struct cc *c, uint32_t i, const int32_t *slot, struct cc_insn *out)
{
	const struct bpf_insn *in = &c->prog->insns[i];
	int id = isa_decode(in), form;
	int64_t t;

	memset(out, 0, sizeof(*out));
	if (id < 0 || isa_info[id].group == G_HXDP)
		return cc__fail(c, i, "unknown opcode 0x%02x", in->code);
	form = isa_info[id].form;
	switch (form) {
	case F_CALLX:
		return cc__fail(c, i, "callx (helper id in a register) is not supported");
	case F_LDABS: case F_LDIND:
		return cc__fail(c, i, "legacy packet access (%s) is not allowed in XDP",
				isa_info[id].mnem);
	}
	if (in->dst_reg > 10 || (in->src_reg > 10 && form != F_LDDW))
		return cc__fail(c, i, "register number out of range");
	out->op = id;
	out->dst = in->dst_reg;
	out->src = form == F_LDDW ? 0 : in->src_reg;
	out->off = in->off;
	out->imm = in->imm;
	out->origin = i;
	out->tgt = CC_NONE;
	if (cc__defs(out) & R(CC_FP) && form != F_CALL_LOCAL)
		return cc__fail(c, i, "r10 is read-only");
	if (form == F_CALL && !helper__supported(in->imm))
		return cc__fail(c, i, "helper %d (%s) is not supported", in->imm,
				helper__name(in->imm));
	if (form == F_LDDW) {
		out->op = I_LDK;
		return import_lddw(c, i, out);
	}
	if (form != F_JA && form != F_JA32 && form != F_JCC_K && form != F_JCC_X &&
	    form != F_CALL_LOCAL)
		return 0;
	t = (int64_t)i + 1 + (form == F_JA32 || form == F_CALL_LOCAL ? in->imm : in->off);
	if (t < 0 || t >= c->prog->ninsns || slot[t] < 0)
		return cc__fail(c, i, t >= 0 && t < c->prog->ninsns ?
				"jump into the middle of lddw" : "jump out of the program");
	if (form == F_JA32) {	/* one jump form in the IR */
		out->op = I_JA;
		out->off = 0;
	}
	out->tgt = slot[t];
	return 0;
}

int cc_import__run(struct cc *c)
{
	const struct hxdp_prog *p = c->prog;
	int32_t *slot = calloc(p->ninsns + 1, sizeof(*slot));
	uint32_t n = 0;
	int e = 0;

	if (!slot)
		return -ENOMEM;
	if (!p->ninsns) {
		free(slot);
		return cc__fail(c, CC_NONE, "empty program");
	}
	for (uint32_t i = 0; i < p->ninsns; i++) {
		slot[i] = n++;
		if (insn_is_lddw(&p->insns[i]) && i + 1 < p->ninsns)
			slot[++i] = -1;
	}
	e = cc__reserve(c, n);
	for (uint32_t i = 0; !e && i < p->ninsns; i++)
		if (slot[i] >= 0)
			e = import_one(c, i, slot, &c->v[slot[i]]);
	c->n = e ? 0 : n;
	c->ninsns_in = p->ninsns;
	free(slot);
	return e;
}

/* ---- the driver ---- */

static int pipeline(struct cc *c)
{
	int e;

	if ((e = cc_import__run(c)))
		return e;
	cc__stat(c, "ebpf");
	if ((e = cc_inline__run(c)) || (e = cc_cfg__build(c)))
		return e;
	cc__stat(c, "inline");
	if (c->o.opt >= 1) {
		for (int round = 0; round < 2; round++) {
			if ((e = cc_dataflow__run(c)) || (e = cc_peephole__run(c)) ||
			    (e = cc_cfg__build(c)))
				return e;
			if (!round)
				cc__stat(c, "peephole");
			if ((e = cc_dataflow__run(c)) || (e = cc_opt__run(c)) ||
			    (e = cc_cfg__build(c)))
				return e;
			if (!round)
				cc__stat(c, "opt");
		}
		cc__stat(c, "opt2");
	}
	if (c->o.opt >= 2) {
		if ((e = cc_dataflow__run(c)) || (e = cc_regalloc__run(c)) ||
		    (e = cc_cfg__build(c)))
			return e;
		cc__stat(c, "regalloc");
	}
	if ((e = cc_dataflow__run(c)))
		return e;
	if (c->o.opt >= 1) {
		if ((e = cc_schedule__hoist(c)) || (e = cc_cfg__build(c)) ||
		    (e = cc_dataflow__run(c)))
			return e;
		cc__stat(c, "motion");
	}
	if ((e = cc_schedule__run(c)))
		return e;
	cc__stat(c, "schedule");
	return 0;
}

int cc__compile(const struct hxdp_obj *obj, uint32_t prog, const struct cc_opts *o,
		struct image *img, struct cc_report *rep, char *err, size_t errlen)
{
	struct cc c = { .o = *o, .obj = obj, .err = err, .errlen = errlen };
	int e;

	if (prog >= obj->nprogs) {
		snprintf(err, errlen, "no program %u", prog);
		return -EINVAL;
	}
	c.prog = &obj->progs[prog];
	if (o->lanes < 1 || o->lanes > CC_MAX_LANES || o->opt < 0 || o->opt > 2 ||
	    o->xdelay < 0 || o->xdelay > 1) {
		snprintf(err, errlen, "lanes %d (1..%d), -O%d (0..2), delay %d (0..1): out of range",
			 o->lanes, CC_MAX_LANES, o->opt, o->xdelay);
		return -EINVAL;
	}
	e = pipeline(&c);
	if (!e)
		e = cc_encode__run(&c, img);
	if (e == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", c.prog->name);
	if (rep) {
		memcpy(rep->stat, c.stat, c.nstat * sizeof(*rep->stat));
		rep->nstat = c.nstat;
		rep->rows = c.nrows;
		rep->bound = c.bound;
		rep->chain = c.chain;
		rep->insns = cc__count(&c);
	}
	cc__free(&c);
	return e;
}

int cc__compile_obj(const struct hxdp_obj *obj, const struct cc_opts *o, struct image **out,
		    char *err, size_t errlen)
{
	struct image *img = image__new(o->lanes, o->xdelay, o->opt);
	char why[200];
	int e;

	*out = NULL;
	if (!img)
		return -ENOMEM;
	e = image__set_maps(img, obj, err, errlen);
	for (uint32_t i = 0; !e && i < obj->nprogs; i++)
		e = cc__compile(obj, i, o, img, NULL, err, errlen);
	if (!e && (e = image__validate(img, why, sizeof(why))))
		snprintf(err, errlen, "internal: the compiled image is invalid: %s", why);
	if (e) {
		image__free(img);
		return e;
	}
	*out = img;
	return 0;
}
