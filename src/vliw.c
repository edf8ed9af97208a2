/* vliw.c: the functional VLIW engine (engine "vliw"), row by row (vliw.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "image.h"
#include "insn.h"
#include "obj.h"
#include "sem.h"
#include "vliw.h"
#include "vliw_int.h"
#include "xlate.h"
#include "xdp.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vliw.c assumes a little-endian host"
#endif

#define DEFAULT_BUDGET (1ull << 24)
/* r1-r5 after a helper call: undefined in the ISA; a pattern that makes misuse show */
#define CLOBBER 0xdeadbeefdeadbeefull

/* ---- load ---- */

static void decode(const struct image *img, uint32_t row, uint32_t lane, struct vliw_word *d)
{
	const struct bpf_insn *w = image__word(img, row, lane);
	static const struct bpf_insn zero;
	struct cc_insn in;
	int op, sgn, is64, kform;

	memset(d, 0, sizeof(*d));
	d->op = CC_NOP;
	d->origin = img->origin[(size_t)row * img->lanes + lane];
	if (!memcmp(w, &zero, sizeof(zero)))
		return;
	d->op = isa_decode(w);	/* validated: defined and allowed */
	d->form = isa_info[d->op].form;
	d->dst = w->dst_reg;
	d->src = w->src_reg;
	d->off = w->off;
	d->k = w->imm;
	memset(&in, 0, sizeof(in));
	in.op = d->op;
	in.dst = d->dst;
	in.src = d->src;
	in.imm = w->imm;
	if (d->form == F_ALU3_X)
		in.src2 = d->src2 = (uint8_t)w->imm;
	if (d->form == F_LDK)
		d->k = (int64_t)img->consts[w->imm];
	if (cc__alu(&in, &op, &sgn, &is64, &kform) > 0) {
		d->alu_op = op;
		d->sgn = sgn;
		d->is64 = is64;
		d->kform = kform;
	}
	if (d->form == F_JCC_K || d->form == F_JCC_X) {
		d->alu_op = BPF_OP(w->code);
		d->is64 = BPF_CLASS(w->code) == BPF_JMP;
	}
	if (cc__is_jump(&in))
		d->target = row + 1 + (d->form == F_JA32 ? w->imm : w->off);
	d->size = cc__access_size(&in);
	d->rd = cc__uses(&in);
	d->wr = cc__defs(&in);
}

int vliw__load(struct image *img, struct vliw **out, char *err, size_t errlen)
{
	struct vliw *v = calloc(1, sizeof(*v));
	size_t nw = (size_t)img->nrows * img->lanes;
	int e = image__validate(img, err, errlen);

	*out = NULL;
	if (!v || e) {
		free(v);
		image__free(img);
		return v ? e : -ENOMEM;
	}
	v->img = img;
	v->lanes = img->lanes;
	v->w = calloc(nw ? nw : 1, sizeof(*v->w));
	if (!v->w) {
		vliw__free(v);
		return -ENOMEM;
	}
	for (uint32_t r = 0; r < img->nrows; r++)
		for (uint32_t l = 0; l < img->lanes; l++)
			decode(img, r, l, &v->w[(size_t)r * img->lanes + l]);
	if ((e = vliw_fast__build(v))) {
		vliw__free(v);
		return e;
	}
	*out = v;
	return 0;
}

void vliw__free(struct vliw *v)
{
	if (!v)
		return;
	image__free(v->img);
	vliw_fast__free(v->fast);
	xlate__close(v->xl);
	free(v->w);
	free(v);
}

int vliw__open_obj(struct hxdp_obj *obj, const struct engine_opts *o, struct vliw **out,
		   char *err, size_t errlen)
{
	struct cc_opts co = {
		.lanes = o && o->lanes ? o->lanes : 4,
		.opt = o ? o->opt : 2,
		.xdelay = 0,	/* docs/timing.md: full bypass */
	};
	struct image *img;
	char why[200] = "";
	int e;

	*out = NULL;
	img = image__of_obj(obj, why, sizeof(why));
	if (!img && why[0]) {
		snprintf(err, errlen, "%s: %s", obj->path, why);
		return -EINVAL;
	}
	if (!img && (e = cc__compile_obj(obj, &co, &img, err, errlen)))
		return e;
	if (img->nprogs != obj->nprogs) {
		snprintf(err, errlen, "%s: the image has %u programs, the object %u", obj->path,
			 img->nprogs, obj->nprogs);
		image__free(img);
		return -EINVAL;
	}
	return vliw__load(img, out, err, errlen);
}

/* ---- one row ---- */

struct pend_reg {
	uint8_t reg;
	uint64_t val;
};

struct pend_st {
	void *p;
	uint8_t size;
	uint64_t val;
};

struct row_ctx {
	struct vliw_state *s;
	struct vliw_event *ev;
	struct pend_reg reg[2 * CC_MAX_LANES + 6];
	struct pend_st st[CC_MAX_LANES];
	int nreg, nst;
};

static void set_reg(struct row_ctx *x, int reg, uint64_t v)
{
	x->reg[x->nreg++] = (struct pend_reg){ reg, v };
}

static void note_mem(struct row_ctx *x, uint32_t lane, uint64_t addr, int size, int write)
{
	struct vliw_event *ev = x->ev;

	if (ev && ev->nmem < CC_MAX_LANES)
		ev->mem[ev->nmem++] = (struct vliw_mem){ lane, write, size, HXDP_REGION(addr),
							 HXDP_OFF(addr) };
}

static int fault_at(struct row_ctx *x, const struct vliw_word *w, uint64_t addr,
		    const char *what)
{
	return run__fault(x->s->run, -EFAULT, "row %u (insn %d): invalid %s of %d bytes at "
			  "0x%llx", x->s->row, (int)w->origin, what, w->size,
			  (unsigned long long)addr);
}

static int is_ctx(const struct hxdp_run *run, uint64_t addr)
{
	uint32_t id = HXDP_REGION(addr);

	return id < R_COUNT && (run->reg[id].flags & REG_CTX);
}

static uint64_t get_le(const uint8_t *p, int size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);
	return v;
}

static int load(struct row_ctx *x, uint32_t lane, const struct vliw_word *w)
{
	struct hxdp_run *run = x->s->run;
	uint64_t addr = x->s->r[w->src] + w->off, v = 0;
	int spec = w->form == F_LDXSPEC;
	void *p;

	note_mem(x, lane, addr, w->size, 0);
	if (is_ctx(run, addr)) {
		if (run__ctx_load(run, HXDP_OFF(addr), w->size, &v) && !spec)
			return fault_at(x, w, addr, "load");
	} else if ((p = mem_xlate(run->reg, addr, w->size, 0))) {
		v = get_le(p, w->size);
		switch (w->op) {	/* the sign-extending loads */
		case I_LDXS_b: v = (uint64_t)(int64_t)(int8_t)v; break;
		case I_LDXS_h: v = (uint64_t)(int64_t)(int16_t)v; break;
		case I_LDXS_w: v = (uint64_t)(int64_t)(int32_t)v; break;
		}
	} else if (!spec) {
		return fault_at(x, w, addr, "load");
	}
	set_reg(x, w->dst, v);
	return 0;
}

static int store(struct row_ctx *x, uint32_t lane, const struct vliw_word *w)
{
	const uint64_t *r = x->s->r;
	uint64_t addr = r[w->dst] + w->off;
	void *p = mem_xlate(x->s->run->reg, addr, w->size, 1);

	note_mem(x, lane, addr, w->size, 1);
	if (!p)
		return fault_at(x, w, addr, "store");
	vliw__stack_dirty(x->s->run, addr);
	x->st[x->nst++] = (struct pend_st){ p, w->size,
		w->form == F_ST || w->form == F_ST6 ? (uint64_t)w->k : r[w->src] };
	return 0;
}

static int atomic(struct row_ctx *x, uint32_t lane, const struct vliw_word *w)
{
	const uint64_t *r = x->s->r;
	uint64_t addr = r[w->dst] + w->off, old, nw, s = r[w->src];
	int op = (int)w->k & ~BPF_FETCH;
	void *p = (addr & (w->size - 1)) ? NULL : mem_xlate(x->s->run->reg, addr, w->size, 1);

	note_mem(x, lane, addr, w->size, 1);
	if (!p)
		return fault_at(x, w, addr, addr & (w->size - 1) ? "misaligned atomic" : "atomic");
	vliw__stack_dirty(x->s->run, addr);
	old = get_le(p, w->size);
	if (w->k == BPF_CMPXCHG) {
		uint64_t r0 = w->size == 4 ? (uint32_t)r[0] : r[0];

		nw = old == r0 ? s : old;
		set_reg(x, 0, old);	/* zero-extended, as the kernel and RFC 9669 */
	} else {
		nw = w->k == BPF_XCHG ? s : op == BPF_ADD ? old + s : op == BPF_OR ? old | s :
		     op == BPF_AND ? old & s : old ^ s;
		if (w->k & BPF_FETCH)
			set_reg(x, w->src, old);
	}
	x->st[x->nst++] = (struct pend_st){ p, w->size, nw };
	return 0;
}

static uint64_t data_end(struct hxdp_run *run)
{
	uint64_t v;

	if (!run__ctx_load(run, offsetof(struct xdp_md, data_end), 4, &v))
		return v;
	return HXDP_ADDR(R_PKT, run->reg[R_PKT].hi);
}

/* condition of a conditional control word (row-start registers) */
static int taken(struct row_ctx *x, const struct vliw_word *w)
{
	const uint64_t *r = x->s->r;
	uint64_t a, end;

	switch (w->form) {
	case F_JCC_K: return sem_jcc(w->alu_op, w->is64, r[w->dst], (uint64_t)w->k);
	case F_JCC_X: return sem_jcc(w->alu_op, w->is64, r[w->dst], r[w->src]);
	case F_JPKT:
		a = r[w->dst] + (uint64_t)w->k;
		end = data_end(x->s->run);
		switch (w->src) {
		case JPKT_GT: return a > end;
		case JPKT_GE: return a >= end;
		case JPKT_LT: return a < end;
		default: return a <= end;
		}
	}
	return 1;
}

static int lane_exec(struct row_ctx *x, uint32_t lane, const struct vliw_word *w)
{
	const uint64_t *r = x->s->r;

	/* sign-extending moves share F_ALU_X with mov: before the ALU forms */
	if (w->op == I_MOVSX8_32 || w->op == I_MOVSX16_32 || w->op == I_MOVSX8_64 ||
	    w->op == I_MOVSX16_64 || w->op == I_MOVSX32_64) {
		set_reg(x, w->dst, sem_movsx(isa_info[w->op].selv, BPF_CLASS(isa_info[w->op].opc)
					     == BPF_ALU64, r[w->src]));
		return 0;
	}
	switch (w->form) {
	case F_ALU_K: case F_ALU_X: case F_NEG:
		set_reg(x, w->dst, sem_alu(w->alu_op, w->sgn, w->is64, r[w->dst],
					   w->kform ? (uint64_t)w->k : r[w->src]));
		return 0;
	case F_ALU3_K: case F_ALU3_X: case F_NEG3:
		set_reg(x, w->dst, sem_alu(w->alu_op, w->sgn, w->is64, r[w->src],
					   w->kform ? (uint64_t)w->k : r[w->src2]));
		return 0;
	case F_END:
		set_reg(x, w->dst, sem_end(w->op != I_LE16 && w->op != I_LE32 && w->op != I_LE64,
					   (int)w->k, r[w->dst]));
		return 0;
	case F_LDK:
		set_reg(x, w->dst, (uint64_t)w->k);
		return 0;
	case F_LDX: case F_LDX6: case F_LDXSPEC:
		return load(x, lane, w);
	case F_ST: case F_STX: case F_ST6: case F_STX6:
		return store(x, lane, w);
	case F_ATOMIC:
		return atomic(x, lane, w);
	case F_ATOMIC_NZ:	/* the guarded counter update: nothing through NULL */
		return r[w->dst] ? atomic(x, lane, w) : 0;
	}
	return 0;
}

/* the helper of the row; 1: the run ends here (fault, conformance unwind) */
static int helper(struct row_ctx *x, uint32_t lane, const struct vliw_word *w)
{
	struct vliw_state *s = x->s;
	struct hxdp_run *run = s->run;
	int32_t id = (int32_t)w->k;
	uint64_t a[5], r0;

	memcpy(a, &s->r[1], sizeof(a));
	if (x->ev) {
		x->ev->helper = id;
		x->ev->helper_lane = lane;
		memcpy(x->ev->args, a, sizeof(a));
	}
	if (id == 5 && run->env && run->env->conformance) {
		set_reg(x, 0, a[0]);
		return !a[0];
	}
	run->res->helpers++;
	for (int i = 0; i < 5; i++)	/* helpers write at or above the pointers given */
		vliw__stack_dirty(run, a[i]);
	r0 = helper__call(run, id, a);
	if (run->res->fault)
		return 1;
	set_reg(x, 0, r0);
	for (int i = 1; i <= 5; i++)
		set_reg(x, i, CLOBBER);
	return 0;
}

static void commit(struct row_ctx *x)
{
	for (int i = 0; i < x->nst; i++)
		memcpy(x->st[i].p, &x->st[i].val, x->st[i].size);
	for (int i = 0; i < x->nreg; i++)
		x->s->r[x->reg[i].reg] = x->reg[i].val;
}

typedef uint64_t u64_pair __attribute__((vector_size(16), aligned(8)));

/* self-reset: registers (unless the translated code sets them: regs 0) and the whole
 * stack region are zero at every entry; only what may have been written since the last
 * clear needs clearing (env.h). Plain stores: a memset becomes a rep stos, whose
 * start-up costs more than the whole of a short program's run */
static void reset(struct vliw_state *s, uint32_t prog, uint64_t r1, int regs)
{
	struct hxdp_run *run = s->run;

	if (regs) {
#pragma GCC unroll 8
		for (int i = 0; i < CC_NREGS; i += 2)
			*(volatile u64_pair *)&s->r[i] = (u64_pair){ 0, 0 };
		s->r[1] = r1;
		s->r[2] = run->r2;
		s->r[CC_FP] = HXDP_FP(0);
	}
	run__stack_clear(run);
	s->prog = prog;
	s->row = s->v->img->progs[prog].first_row;
}

static int start(struct vliw_state *s, const struct vliw *v, uint32_t prog,
		 struct hxdp_run *run, uint64_t r1, int regs)
{
	s->v = v;
	s->run = run;
	s->ctx = r1;
	s->prog = 0;
	s->row = 0;
	s->rows = 0;
	s->done = 0;
	if (prog >= v->img->nprogs) {
		memset(s->r, 0, sizeof(s->r));
		s->done = 1;
		return run__fault(run, -EINVAL, "no program %u (%u programs)", prog,
				  v->img->nprogs);
	}
	reset(s, prog, r1, regs);
	return 0;
}

int vliw__start(struct vliw_state *s, const struct vliw *v, uint32_t prog,
		struct hxdp_run *run, uint64_t r1)
{
	return start(s, v, prog, run, r1, 1);
}

int vliw__start_xl(struct vliw_state *s, const struct vliw *v, uint32_t prog,
		   struct hxdp_run *run, uint64_t r1)
{
	return start(s, v, prog, run, r1, 0);
}

static int finish(struct vliw_state *s, struct vliw_event *ev, int ctl, uint64_t r0)
{
	s->done = 1;
	if (ev) {
		ev->ctl = ctl;
		if (ctl == VLIW_EXIT && !s->run->res->fault)
			ev->r0 = r0;
	}
	run__end(s->run, ctl == VLIW_EXIT, r0, s->rows, s->prog);
	return 0;
}

static int tail_call(struct vliw_state *s, struct vliw_event *ev)
{
	struct hxdp_run *run = s->run;
	int32_t t = run->tail_prog;

	run->tail_prog = -1;
	if ((uint32_t)t >= s->v->img->nprogs) {
		run__fault(run, -EINVAL, "tail call to program %d of %u", t, s->v->img->nprogs);
		return finish(s, ev, VLIW_FAULT, 0);
	}
	run->tail_calls++;
	reset(s, (uint32_t)t, s->ctx, 1);
	if (ev) {
		ev->ctl = VLIW_TAIL;
		ev->next_row = s->row;
	}
	return 1;
}

int vliw__step(struct vliw_state *s, struct vliw_event *ev)
{
	const struct vliw *v = s->v;
	const struct vliw_word *row = &v->w[(size_t)s->row * v->lanes];
	const struct image_prog *p = &v->img->progs[s->prog];
	struct hxdp_run *run = s->run;
	uint64_t budget = run->budget ? run->budget : DEFAULT_BUDGET;
	struct row_ctx x;	/* not zeroed whole: only nreg and nst entries are read */
	uint64_t r0 = s->r[0];	/* a plain exit reads r0 at the start of its row */
	uint64_t rstart[CC_NREGS];
	int call = -1, ctl = -1, e = 0;

	x.s = s;
	x.ev = ev;
	x.nreg = x.nst = 0;
	if (s->done)
		return 0;
	if (ev) {
		memset(ev, 0, sizeof(*ev));
		ev->prog = s->prog;
		ev->row = s->row;
		ev->helper = -1;
		ev->ctl_lane = -1;
	}
	if (s->row < p->first_row || s->row >= p->first_row + p->nrows) {
		run__fault(run, -EFAULT, "row %u: outside program '%s'", s->row, p->name);
		return finish(s, ev, VLIW_FAULT, 0);
	}
	if (s->rows >= budget) {
		run__fault(run, -ELOOP, "row %u: budget of %llu rows exhausted", s->row,
			   (unsigned long long)budget);
		return finish(s, ev, VLIW_FAULT, 0);
	}
	s->rows++;
	memcpy(rstart, s->r, sizeof(rstart));
	for (uint32_t l = 0; l < v->lanes && !e; l++) {
		const struct vliw_word *w = &row[l];

		if (ev) {
			ev->op[l] = w->op;
			ev->rd[l] = w->rd;
			ev->wr[l] = w->wr;
			if (w->op != CC_NOP)
				ev->lanes |= 1u << l;
		}
		if (w->op == CC_NOP)
			continue;
		if (w->form == F_CALL)
			call = l;
		else if (ctl < 0 && (w->form == F_JA || w->form == F_EXIT || w->form == F_EXITK ||
				     w->form == F_EXITR ||
				     ((w->form == F_JCC_K || w->form == F_JCC_X ||
				       w->form == F_JPKT) && taken(&x, w))))
			ctl = l;
		else
			e = lane_exec(&x, l, w);
	}
	if (e)
		return finish(s, ev, VLIW_FAULT, 0);
	if (call >= 0 && helper(&x, call, &row[call]))
		return finish(s, ev, run->res->fault ? VLIW_FAULT : VLIW_EXIT, 0);
	commit(&x);
	if (call >= 0 && row[call].k == BPF_FUNC_tail_call && run->tail_prog >= 0)
		return tail_call(s, ev);
	if (ctl < 0) {
		s->row++;
		if (ev)
			ev->next_row = s->row;
		return 1;
	}
	if (ev) {
		ev->ctl_lane = ctl;
		ev->ctl_cond = row[ctl].form != F_JA && row[ctl].form != F_EXIT &&
			       row[ctl].form != F_EXITK && row[ctl].form != F_EXITR;
	}
	switch (row[ctl].form) {
	case F_EXIT:
		return finish(s, ev, VLIW_EXIT, r0);
	case F_EXITK:
		return finish(s, ev, VLIW_EXIT, (uint64_t)row[ctl].k);
	case F_EXITR:	/* the register as the row started */
		return finish(s, ev, VLIW_EXIT, row[ctl].k ? (uint32_t)rstart[row[ctl].dst] :
			      rstart[row[ctl].dst]);
	}
	s->row = row[ctl].target;
	if (ev) {
		ev->ctl = VLIW_JUMP;
		ev->next_row = s->row;
	}
	return 1;
}

/* ---- the engine ---- */

static int vliw_open(struct hxdp_obj *obj, const struct engine_opts *o, void **st,
		     char *err, size_t errlen)
{
	struct vliw *v;
	int e = vliw__open_obj(obj, o, &v, err, errlen);

	if (!e && !(o && o->interp) && (e = xlate__open(v, &obj->env, 0, &v->xl))) {
		snprintf(err, errlen, "%s: translation: %s", obj->path, strerror(-e));
		vliw__free(v);
		return e;
	}
	*st = e ? NULL : v;
	return e;
}

static int vliw_run(void *st, uint32_t prog, struct hxdp_run *run, uint64_t r1)
{
	const struct vliw *v = st;
	struct vliw_state s;

	if (v->xl && prog < v->img->nprogs) {
		xlate__run(v->xl, v, prog, run, r1);
		return run->res->fault;
	}
	if (vliw__start(&s, v, prog, run, r1)) {
		run->res->r0 = XDP_ABORTED;
		return run->res->fault;
	}
	vliw_fast__run(&s);
	return run->res->fault;
}

int vliw__finish(struct vliw_state *s, struct vliw_event *ev, int ctl, uint64_t r0)
{
	return finish(s, ev, ctl, r0);
}

int vliw__tail(struct vliw_state *s)
{
	return tail_call(s, NULL);
}

static void vliw_close(void *st)
{
	vliw__free(st);
}

const struct engine_ops vliw_engine = {
	.name = "vliw",
	.open = vliw_open,
	.run = vliw_run,
	.close = vliw_close,
};
