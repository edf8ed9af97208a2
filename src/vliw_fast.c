/* vliw_fast.c: the vliw engine's run (engine "vliw"): the image's rows decoded once
 * into micro-ops and executed with direct threading (computed goto), as vm.c does.
 *
 * A row's lanes read their operands at the row's start and commit at its end
 * (vliw.h). Run one after another in lane order they give the same result when
 *  - a lane that reads a register an earlier lane of its row writes reads a copy taken
 *    at the row's start (the row's first micro-ops make the copies, in r[16..31]);
 *  - a row's stores are held and written after its last lane, in lane order, unless
 *    the row has one store and it is the row's last memory access: loads see the
 *    memory of the row's start, and a faulting lane leaves memory as it was;
 *  - control words are evaluated after the lanes, in lane order, on row-start values
 *    (copies where a lane writes them): the first taken one decides, none falls through.
 * Rows with a helper call, an atomic or any instruction not listed here are one "slow"
 * micro-op that runs the row on vliw__step, which also does every row of a segment
 * that could exhaust the budget: rows are counted per straight-line segment, and at
 * every segment start the rows left in the program are checked against the budget.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "image.h"
#include "insn.h"
#include "sem.h"
#include "vliw_int.h"
#include "xdp.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vliw_fast.c assumes a little-endian host"
#endif

#define DEFAULT_BUDGET (1ull << 24)
#define CLOBBER 0xdeadbeefdeadbeefull	/* r1-r5 after a helper call, as vliw.c */
#define TMP CC_NREGS		/* row-start copy of ri: r[TMP + i] */

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- micro-ops ---- */

#define ALU_OPS(X)                                                                      \
	X(ADD, BPF_ADD, 0) X(SUB, BPF_SUB, 0) X(MUL, BPF_MUL, 0) X(DIV, BPF_DIV, 0)       \
	X(SDIV, BPF_DIV, 1) X(MOD, BPF_MOD, 0) X(SMOD, BPF_MOD, 1) X(OR, BPF_OR, 0)       \
	X(AND, BPF_AND, 0) X(XOR, BPF_XOR, 0) X(LSH, BPF_LSH, 0) X(RSH, BPF_RSH, 0)       \
	X(ARSH, BPF_ARSH, 0) X(MOV, BPF_MOV, 0) X(NEG, BPF_NEG, 0)
#define JCC_OPS(X)                                                                      \
	X(JEQ, BPF_JEQ, 0) X(JNE, BPF_JNE, 0) X(JGT, BPF_JGT, 0) X(JGE, BPF_JGE, 0)       \
	X(JLT, BPF_JLT, 0) X(JLE, BPF_JLE, 0) X(JSET, BPF_JSET, 0) X(JSGT, BPF_JSGT, 0)   \
	X(JSGE, BPF_JSGE, 0) X(JSLT, BPF_JSLT, 0) X(JSLE, BPF_JSLE, 0)
/* loads: name, host type, extension, bytes */
#define LD_OPS(X)                                                                       \
	X(LD1, uint8_t, uint64_t, 1) X(LD2, uint16_t, uint64_t, 2)                        \
	X(LD4, uint32_t, uint64_t, 4) X(LD8, uint64_t, uint64_t, 8)                       \
	X(LDS1, int8_t, int64_t, 1) X(LDS2, int16_t, int64_t, 2) X(LDS4, int32_t, int64_t, 4)
#define ST_SIZES(X) X(1) X(2) X(4) X(8) X(6)

enum uop_kind {
#define X4(n, ...) U_##n##64K, U_##n##64X, U_##n##32K, U_##n##32X,
	ALU_OPS(X4)
	JCC_OPS(X4)
#undef X4
#define XL(n, ...) U_##n,
	LD_OPS(XL)
#undef XL
	U_LD6,
#define XS(n) U_STX##n, U_STK##n, U_STXP##n, U_STKP##n, U_COMMIT##n,
	ST_SIZES(XS)
#undef XS
	U_MOVT, U_LDK, U_LE16, U_LE32, U_BE16, U_BE32, U_BE64,
	U_SX8_32, U_SX16_32, U_SX8_64, U_SX16_64, U_SX32_64,
	U_JA, U_EXIT, U_EXIT32, U_EXITK, U_JPKT_GT, U_JPKT_GE, U_JPKT_LT, U_JPKT_LE,
	U_ATOM4, U_ATOM8, U_ATOMNZ4, U_ATOMNZ8,
	U_CALL, U_SLOW, U_STEPWISE, U_ROW,
	U_COUNT
};

struct uop {
	const void *lbl;
	int64_t k;			/* immediate, constant */
	const struct uop *tgt;		/* jumps: the target row's first micro-op */
	uint32_t row, trow;		/* absolute row; jumps: the target row */
	int16_t off;			/* memory offset */
	uint8_t d, a, b;		/* written, read registers (r[TMP + i]: copies);
					 * helper call: b bit i-1, ri is a copy */
	uint8_t lane;			/* memory: the lane (its word, for messages) */
	uint8_t n;			/* pending store, its commit: slot; row: lanes */
};

struct fprog {
	uint32_t first, end;		/* rows [first, end) */
	uint32_t *row_uop;		/* row - first -> its first micro-op (end: stepwise) */
};

struct fstream {
	struct uop *u;
	uint32_t nu;
	struct fprog *p;
	uint32_t np;
};

/* st[0] for exec; st[1], with a U_ROW at every row's start, for exec_trace */
struct vliw_fast {
	struct fstream st[2];
};

static void exec(struct vliw_state *s, struct vliw_trace *t, const void *const **labels);
static void exec_trace(struct vliw_state *s, struct vliw_trace *t,
		       const void *const **labels);

/* ---- decode: a lane word as a micro-op ---- */

struct proto {
	int kind;
	uint8_t d, a, b, lane, size;
	int16_t off;
	int64_t k;
	uint32_t trow;
	cc_regs rd, wr;		/* through a, b / d */
	int mem;		/* 1 load, 2 store (or atomic: always held) */
	int atomic;
	int ctl, cond;		/* control word; conditional */
};

#define R(i) ((cc_regs)(1u << (i)))

static int alu_kind(const struct vliw_word *w)
{
	static const struct { int op, sgn; } tab[] = {
#define X(n, op, sgn) { op, sgn },
		ALU_OPS(X)
#undef X
	};

	for (int i = 0; i < (int)(sizeof(tab) / sizeof(tab[0])); i++)
		if (tab[i].op == w->alu_op && tab[i].sgn == w->sgn)
			return 4 * i + (w->is64 ? 0 : 2) + (w->kform ? 0 : 1);
	return -1;
}

static int jcc_kind(const struct vliw_word *w)
{
	static const int tab[] = {
#define X(n, op, sgn) op,
		JCC_OPS(X)
#undef X
	};

	for (int i = 0; i < (int)(sizeof(tab) / sizeof(tab[0])); i++)
		if (tab[i] == w->alu_op)
			return U_JEQ64K + 4 * i + (w->is64 ? 0 : 2) + (w->form == F_JCC_K ? 0 : 1);
	return -1;
}

static int movsx_kind(int op)
{
	switch (op) {
	case I_MOVSX8_32: return U_SX8_32;
	case I_MOVSX16_32: return U_SX16_32;
	case I_MOVSX8_64: return U_SX8_64;
	case I_MOVSX16_64: return U_SX16_64;
	case I_MOVSX32_64: return U_SX32_64;
	}
	return -1;
}

static int alu_proto(const struct vliw_word *w, struct proto *p)
{
	int three = w->form == F_ALU3_K || w->form == F_ALU3_X || w->form == F_NEG3;

	p->kind = alu_kind(w);
	p->d = w->dst;
	p->wr = R(w->dst);
	p->a = three ? w->src : w->dst;
	p->b = three ? w->src2 : w->src;
	p->k = w->k;
	if (w->alu_op != BPF_MOV)
		p->rd |= R(p->a);
	if (!w->kform && w->alu_op != BPF_NEG)
		p->rd |= R(p->b);
	return p->kind < 0 ? -1 : 0;
}

static int end_proto(const struct vliw_word *w, struct proto *p)
{
	int le = w->op == I_LE16 || w->op == I_LE32 || w->op == I_LE64;

	p->d = p->a = w->dst;
	p->rd = p->wr = R(w->dst);
	switch (w->k) {
	case 16: p->kind = le ? U_LE16 : U_BE16; return 0;
	case 32: p->kind = le ? U_LE32 : U_BE32; return 0;
	case 64: if (le) return 1; p->kind = U_BE64; return 0;	/* le64: nothing */
	}
	return -1;
}

static int load_proto(const struct vliw_word *w, struct proto *p)
{
	int sx = w->op == I_LDXS_b || w->op == I_LDXS_h || w->op == I_LDXS_w;

	p->d = w->dst;
	p->wr = R(w->dst);
	p->a = w->src;
	p->rd = R(w->src);
	p->off = w->off;
	p->mem = 1;
	switch (w->size) {
	case 1: p->kind = sx ? U_LDS1 : U_LD1; return 0;
	case 2: p->kind = sx ? U_LDS2 : U_LD2; return 0;
	case 4: p->kind = sx ? U_LDS4 : U_LD4; return 0;
	case 8: p->kind = sx ? -1 : U_LD8; return sx ? -1 : 0;
	case 6: p->kind = U_LD6; return sx ? -1 : 0;
	}
	return -1;
}

/* direct form; the pending form is kind + 2, its commit U_COMMIT##size */
static int store_proto(const struct vliw_word *w, struct proto *p)
{
	int imm = w->form == F_ST || w->form == F_ST6;

	p->a = w->dst;
	p->rd = R(w->dst);
	if (!imm) {
		p->b = w->src;
		p->rd |= R(w->src);
	}
	p->k = w->k;
	p->off = w->off;
	p->mem = 2;
	switch (w->size) {
#define XS(n) case n: p->kind = imm ? U_STK##n : U_STX##n; return 0;
	ST_SIZES(XS)
#undef XS
	}
	return -1;
}

static int ctl_proto(const struct vliw_word *w, struct proto *p)
{
	p->ctl = 1;
	p->trow = w->target;
	p->a = w->dst;
	p->k = w->k;
	switch (w->form) {
	case F_JA:
		p->kind = U_JA;
		return 0;
	case F_EXIT:
		p->kind = U_EXIT;
		p->a = 0;
		p->rd = R(0);
		return 0;
	case F_EXITR:	/* the register (imm 1: its low 32 bits) */
		p->kind = w->k ? U_EXIT32 : U_EXIT;
		p->rd = R(w->dst);
		return 0;
	case F_EXITK:
		p->kind = U_EXITK;
		return 0;
	case F_JCC_K: case F_JCC_X:
		p->cond = 1;
		p->kind = jcc_kind(w);
		p->b = w->src;
		p->rd = R(w->dst) | (w->form == F_JCC_X ? R(w->src) : 0);
		return p->kind < 0 ? -1 : 0;
	case F_JPKT:
		p->cond = 1;
		p->rd = R(w->dst);
		p->kind = w->src == JPKT_GT ? U_JPKT_GT : w->src == JPKT_GE ? U_JPKT_GE :
			  w->src == JPKT_LT ? U_JPKT_LT : U_JPKT_LE;
		return 0;
	}
	return -1;
}

/* the counter updates: add, or, and, xor without fetch (they write no register) */
static int atomic_proto(const struct vliw_word *w, struct proto *p)
{
	int nz = w->form == F_ATOMIC_NZ;

	switch (w->k) {
	case BPF_ADD: case BPF_OR: case BPF_AND: case BPF_XOR:
		break;
	default:
		return -1;
	}
	if (w->size != 4 && w->size != 8)
		return -1;
	p->kind = w->size == 4 ? (nz ? U_ATOMNZ4 : U_ATOM4) : (nz ? U_ATOMNZ8 : U_ATOM8);
	p->a = w->dst;
	p->b = w->src;
	p->rd = R(w->dst) | R(w->src);
	p->k = w->k;
	p->off = w->off;
	p->mem = 2;
	p->atomic = 1;
	return 0;
}

/* 0: p is the word's micro-op; 1: the word does nothing; -1: the row needs vliw__step */
static int word_proto(const struct vliw_word *w, struct proto *p)
{
	memset(p, 0, sizeof(*p));
	if (w->op == CC_NOP)
		return 1;
	p->size = w->size;
	if (movsx_kind(w->op) >= 0) {
		p->kind = movsx_kind(w->op);
		p->d = w->dst;
		p->wr = R(w->dst);
		p->a = w->src;
		p->rd = R(w->src);
		return 0;
	}
	switch (w->form) {
	case F_ALU_K: case F_ALU_X: case F_NEG: case F_ALU3_K: case F_ALU3_X: case F_NEG3:
		return alu_proto(w, p);
	case F_END:
		return end_proto(w, p);
	case F_LDK:
		p->kind = U_LDK;
		p->d = w->dst;
		p->wr = R(w->dst);
		p->k = w->k;
		return 0;
	case F_LDX: case F_LDX6: case F_LDXSPEC:
		return load_proto(w, p);
	case F_ST: case F_STX: case F_ST6: case F_STX6:
		return store_proto(w, p);
	case F_JA: case F_EXIT: case F_EXITR: case F_EXITK: case F_JCC_K: case F_JCC_X:
	case F_JPKT:
		return ctl_proto(w, p);
	case F_ATOMIC: case F_ATOMIC_NZ:
		return atomic_proto(w, p);
	case F_CALL:
		if (w->k == BPF_FUNC_tail_call)
			return -1;	/* switches programs: vliw__step */
		p->kind = U_CALL;
		p->k = w->k;
		p->rd = R(1) | R(2) | R(3) | R(4) | R(5);
		p->wr = p->rd | R(0);
		return 0;
	}
	return -1;	/* atomics, anything else */
}

/* ---- decode: rows ---- */

struct builder {
	struct uop *u;
	int *kind;
	uint32_t n, cap;
	int err, trace;
	struct uop spare;	/* written instead once out of memory */
};

static struct uop *emit(struct builder *b, int kind, uint32_t row)
{
	if (b->n == b->cap && !b->err) {
		uint32_t cap = b->cap ? 2 * b->cap : 256;
		void *u = realloc(b->u, cap * sizeof(*b->u)), *k = NULL;

		if (u) {
			b->u = u;
			k = realloc(b->kind, cap * sizeof(*b->kind));
		}
		if (k) {
			b->kind = k;
			b->cap = cap;
		} else {
			b->err = -ENOMEM;
		}
	}
	if (b->err)
		return &b->spare;
	b->kind[b->n] = kind;
	memset(&b->u[b->n], 0, sizeof(b->u[0]));
	b->u[b->n].row = row;
	return &b->u[b->n++];
}

static struct uop *last(struct builder *b)
{
	return b->err ? &b->spare : &b->u[b->n - 1];
}

static int is_jump(int kind)
{
	return kind == U_JA || (kind >= U_JEQ64K && kind <= U_JSLE32X) ||
	       (kind >= U_JPKT_GT && kind <= U_JPKT_LE);
}

static void put(struct builder *b, const struct proto *p, int kind, uint32_t row,
		cc_regs ren)
{
	struct uop *u = emit(b, kind, row);

	u->k = p->k;
	u->trow = p->trow;
	u->off = p->off;
	u->d = p->d;
	u->a = (uint8_t)(p->a + (ren & R(p->a) ? TMP : 0));
	u->b = (uint8_t)(p->b + (ren & R(p->b) ? TMP : 0));
	u->lane = p->lane;
}

static void build_row(struct builder *b, const struct vliw *v, uint32_t row)
{
	struct proto p[CC_MAX_LANES];
	cc_regs before = 0, all = 0, copy = 0, ren[CC_MAX_LANES];
	int n = 0, nmem = 0, nst = 0, slot = 0, call = -1, e, held[CC_MAX_LANES];

	if (b->trace) {
		uint8_t lanes = 0;

		for (uint32_t l = 0; l < v->lanes; l++)
			if (v->w[(size_t)row * v->lanes + l].op != CC_NOP)
				lanes |= (uint8_t)(1u << l);
		emit(b, U_ROW, row)->n = lanes;
	}
	for (uint32_t l = 0; l < v->lanes; l++) {
		e = word_proto(&v->w[(size_t)row * v->lanes + l], &p[n]);
		if (e < 0) {
			emit(b, U_SLOW, row);
			return;
		}
		if (e)
			continue;
		p[n].lane = (uint8_t)l;
		nmem += p[n].mem != 0;
		nst += p[n].mem == 2;
		all |= p[n].ctl ? 0 : p[n].wr;
		if (p[n].kind == U_CALL)
			call = n;
		n++;
	}
	/* the helper runs after the lanes, before the row's stores commit: it reads the
	 * row-start r1-r5 and memory, and its r0 and clobbers come last */
	if (call >= 0)
		nst = -1;	/* every store held */
	for (int i = 0; i < n; i++) {
		if (i == call)
			continue;
		ren[i] = p[i].rd & (p[i].ctl ? all : before);
		copy |= ren[i];
		before |= p[i].ctl ? 0 : p[i].wr;
	}
	if (call >= 0) {
		ren[call] = p[call].rd & before;	/* before: every lane's writes */
		copy |= ren[call];
		p[call].b = (uint8_t)(ren[call] >> 1);
		ren[call] = 0;
	}
	for (int i = 0; i < CC_NREGS; i++) {
		if (copy & R(i)) {
			struct proto c = { .d = TMP + i, .a = i };

			put(b, &c, U_MOVT, row, 0);
		}
	}
	for (int i = 0, m = 0; i < n; i++) {
		if (p[i].ctl || i == call)
			continue;
		m += p[i].mem != 0;
		/* direct: the row's one store, after every other memory access */
		if (p[i].atomic) {
			put(b, &p[i], p[i].kind, row, ren[i]);
			held[slot] = p[i].kind == U_ATOM4 || p[i].kind == U_ATOMNZ4 ? U_COMMIT4 :
				     U_COMMIT8;
			last(b)->n = (uint8_t)slot++;
		} else if (p[i].mem == 2 && !(nst == 1 && m == nmem)) {
			put(b, &p[i], p[i].kind + 2, row, ren[i]);
			held[slot] = p[i].kind + ((p[i].kind - U_STX1) % 5 ? 3 : 4);
			last(b)->n = (uint8_t)slot++;
		} else {
			put(b, &p[i], p[i].kind, row, ren[i]);
		}
	}
	if (call >= 0)
		put(b, &p[call], U_CALL, row, 0);
	for (int i = 0; i < slot; i++) {	/* in lane order */
		struct proto c = { 0 };

		put(b, &c, held[i], row, 0);
		last(b)->n = (uint8_t)i;
	}
	for (int i = 0; i < n; i++) {
		if (!p[i].ctl)
			continue;
		put(b, &p[i], p[i].kind, row, ren[i]);
		if (!p[i].cond)
			break;	/* the lanes behind it can never decide */
	}
}

static int build_prog(struct builder *b, const struct vliw *v, const struct image_prog *ip,
		      struct fprog *fp)
{
	fp->first = ip->first_row;
	fp->end = ip->first_row + ip->nrows;
	fp->row_uop = calloc(ip->nrows + 1, sizeof(*fp->row_uop));
	if (!fp->row_uop)
		return -ENOMEM;
	for (uint32_t r = fp->first; r < fp->end; r++) {
		fp->row_uop[r - fp->first] = b->n;
		build_row(b, v, r);
	}
	fp->row_uop[ip->nrows] = b->n;
	emit(b, U_STEPWISE, fp->end);	/* falling off the end */
	return b->err;
}

/* jumps: targets as pointers; a target outside the program gets a stepwise micro-op
 * of its own (vliw__step reports it) */
static int link_jumps(struct builder *b, struct fstream *f)
{
	uint32_t n = b->n, *tgt = calloc(n ? n : 1, sizeof(*tgt));
	uint32_t pi = 0;

	if (!tgt)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct fprog *fp;

		while (pi + 1 < f->np && i >= f->p[pi + 1].row_uop[0])
			pi++;
		fp = &f->p[pi];
		if (!is_jump(b->kind[i]))
			continue;
		if (b->u[i].trow - fp->first < fp->end - fp->first) {
			tgt[i] = fp->row_uop[b->u[i].trow - fp->first];
		} else {
			tgt[i] = b->n;
			emit(b, U_STEPWISE, b->u[i].trow);
		}
	}
	for (uint32_t i = 0; i < n && !b->err; i++)
		if (is_jump(b->kind[i]))
			b->u[i].tgt = &b->u[tgt[i]];
	free(tgt);
	return b->err;
}

static int build_stream(struct fstream *f, const struct vliw *v, int trace)
{
	struct builder b = { .trace = trace };
	const void *const *L;
	int e = 0;

	f->np = v->img->nprogs;
	f->p = calloc(f->np ? f->np : 1, sizeof(*f->p));
	if (!f->p)
		return -ENOMEM;
	for (uint32_t i = 0; i < f->np && !e; i++)
		e = build_prog(&b, v, &v->img->progs[i], &f->p[i]);
	if (!e)
		e = link_jumps(&b, f);
	if (!e) {
		if (trace)
			exec_trace(NULL, NULL, &L);
		else
			exec(NULL, NULL, &L);
		for (uint32_t i = 0; i < b.n; i++)
			b.u[i].lbl = L[b.kind[i]];
	}
	free(b.kind);
	f->u = b.u;
	f->nu = b.n;
	return e;
}

int vliw_fast__build(struct vliw *v)
{
	struct vliw_fast *f = calloc(1, sizeof(*f));
	int e;

	v->fast = f;
	if (!f)
		return -ENOMEM;
	e = build_stream(&f->st[0], v, 0);
	return e ? e : build_stream(&f->st[1], v, 1);
}

void vliw_fast__free(struct vliw_fast *f)
{
	if (!f)
		return;
	for (int k = 0; k < 2; k++) {
		for (uint32_t i = 0; i < f->st[k].np; i++)
			if (f->st[k].p)
				free(f->st[k].p[i].row_uop);
		free(f->st[k].p);
		free(f->st[k].u);
	}
	free(f);
}

/* ---- the trace of a run (vliw.h) ---- */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, (size_t)c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static __attribute__((noinline)) int trace_grow(struct vliw_trace *t)
{
	return grow((void **)&t->rec, &t->cap, t->n + 1, sizeof(*t->rec)) ||
	       grow((void **)&t->mem, &t->memcap, t->nmem + CC_MAX_LANES, sizeof(*t->mem)) ||
	       grow((void **)&t->args, &t->argscap, t->nargs + 5, sizeof(*t->args));
}

/* room for one more row: its record, CC_MAX_LANES accesses, 5 helper arguments */
static inline int vliw_trace__room(struct vliw_trace *t)
{
	if (likely(t->n < t->cap && t->nmem + CC_MAX_LANES <= t->memcap &&
		   t->nargs + 5 <= t->argscap))
		return 0;
	return trace_grow(t);
}

/* a row vliw__step ran (its event): a new record, or the one its U_ROW began */
static void vliw_trace__event(struct vliw_trace *t, const struct vliw_event *ev, int add)
{
	struct vliw_trec *rec = add ? &t->rec[t->n++] : &t->rec[t->n - 1];

	if (!add)
		t->nmem = rec->mem;
	*rec = (struct vliw_trec){ .row = ev->row, .prog = (uint16_t)ev->prog, .ctl = ev->ctl,
				   .ctl_lane = ev->ctl_lane, .lanes = ev->lanes,
				   .mem = t->nmem, .helper = ev->helper };
	memcpy(&t->mem[t->nmem], ev->mem, ev->nmem * sizeof(ev->mem[0]));
	t->nmem += ev->nmem;
	if (ev->helper >= 0) {
		rec->args = t->nargs;
		memcpy(&t->args[t->nargs], ev->args, sizeof(ev->args));
		t->nargs += 5;
	}
}

void vliw_trace__free(struct vliw_trace *t)
{
	free(t->rec);
	free(t->mem);
	free(t->args);
	memset(t, 0, sizeof(*t));
}

/* ---- slow paths, out of the dispatch loop ---- */

static const struct vliw_word *word_of(const struct vliw_state *s, const struct uop *u)
{
	return &s->v->w[(size_t)u->row * s->v->lanes + u->lane];
}

static __attribute__((noinline, cold)) void
mem_fault(struct vliw_state *s, const struct uop *u, uint64_t addr, const char *what)
{
	const struct vliw_word *w = word_of(s, u);

	run__fault(s->run, -EFAULT, "row %u (insn %d): invalid %s of %d bytes at 0x%llx",
		   u->row, (int)w->origin, what, w->size, (unsigned long long)addr);
}

/* a load the fast path could not do: the context, a speculative load, a fault */
static __attribute__((noinline)) int load_slow(struct vliw_state *s, const struct uop *u,
					       uint64_t addr, uint64_t *out)
{
	if (!vliw__load_slow(s->run, word_of(s, u), addr, out))
		return 0;
	mem_fault(s, u, addr, "load");
	return -1;
}

static inline uint64_t data_end(const struct hxdp_run *run)
{
	uint32_t v;

	if (!run->xdp)
		return HXDP_ADDR(R_PKT, run->reg[R_PKT].hi);
	memcpy(&v, run->ctx + offsetof(struct xdp_md, data_end), sizeof(v));
	return HXDP_ADDR(R_PKT, v);
}

/* ---- the interpreter ---- */

#ifdef __clang__
#define NOCLONE __attribute__((noinline))
#else
#define NOCLONE __attribute__((noinline, noclone))
#endif

#define TRACE 0
#define EXEC exec
#include "vliw_exec.h"
#undef EXEC
#undef TRACE
#define TRACE 1
#define EXEC exec_trace
#include "vliw_exec.h"
#undef EXEC
#undef TRACE

void vliw_fast__run(struct vliw_state *s)
{
	exec(s, NULL, NULL);
}

void vliw__trace_run(struct vliw_state *s, struct vliw_trace *t)
{
	t->n = t->nmem = t->nargs = 0;
	exec_trace(s, t, NULL);
}
