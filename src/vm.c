/* vm.c: the reference interpreter (engine "vm").
 *
 * open() decodes every program once into a compact array (kernel/bpf/core.c style):
 * lddw folded into one slot with its 64-bit value and map pseudos resolved to
 * addresses, jump and call targets relative to the slot, K operands pre-extended and
 * shift counts pre-masked. run() dispatches with computed goto, one label per
 * instruction id of isa.h. Instructions are counted per straight-line segment, so the
 * budget costs nothing but a check on taken jumps and calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "env.h"
#include "helpers.h"
#include "insn.h"
#include "sem.h"
#include "xdp.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vm.c assumes a little-endian host (LE/BE conversions)"
#endif

/* the hxdp extended rows only appear in compiled images, never in the vm */
#undef ISA_HXDP
#define ISA_HXDP(X)

enum {
	OP_FALLOFF = I_COUNT,	/* past the last instruction */
	OP_LOOKUP,		/* call bpf_map_lookup_elem: arrays inline */
	OP_COUNT
};

struct vinsn {
	const void *lbl;	/* the interpreter's label for op (direct threading) */
	uint16_t op;		/* I_* or OP_* */
	uint8_t dst, src;
	int32_t off;		/* memory offset, or jump/call target relative to this slot */
	int64_t imm;		/* sign-extended imm, lddw value, masked shift count */
};

struct vprog {
	struct vinsn *code;
	uint32_t *orig;		/* slot -> instruction index in the object, for messages */
	uint32_t n;
};

struct vm {
	uint32_t nprogs;
	struct vprog p[];
};

struct vframe {
	const struct vinsn *ret;
	uint32_t prog;
	uint64_t r6_9[4];
};

#define DEFAULT_BUDGET (1ull << 24)

/* ---- decode ---- */

static int writes_dst(int form)
{
	switch (form) {
	case F_ALU_K: case F_ALU_X: case F_NEG: case F_END: case F_LDDW: case F_LDX:
		return 1;
	}
	return 0;
}

static int bad(char *err, size_t errlen, const struct hxdp_prog *p, uint32_t i,
	       const char *what)
{
	snprintf(err, errlen, "%s: insn %u: %s", p->name[0] ? p->name : "prog", i, what);
	return -EINVAL;
}

/* slot of every instruction index; lddw's second half maps to -1 */
static int map_slots(const struct hxdp_prog *p, int32_t *slot, uint32_t *nslots,
		     char *err, size_t errlen)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < p->ninsns; i++) {
		slot[i] = s++;
		if (insn_is_lddw(&p->insns[i])) {
			if (i + 1 == p->ninsns)
				return bad(err, errlen, p, i, "lddw without its second half");
			slot[++i] = -1;
		}
	}
	slot[p->ninsns] = s;	/* falling off the end lands on OP_FALLOFF */
	*nslots = s;
	return 0;
}

static int target(const struct hxdp_prog *p, const int32_t *slot, uint32_t i, int64_t t,
		  int32_t *rel, char *err, size_t errlen)
{
	if (t < 0 || t > p->ninsns || slot[t] < 0 || (t == p->ninsns))
		return bad(err, errlen, p, i, t >= 0 && t < p->ninsns ?
			   "jump into the middle of lddw" : "jump out of the program");
	*rel = slot[t] - slot[i];
	return 0;
}

static int decode_lddw(const struct hxdp_prog *p, uint32_t i, uint32_t nmaps,
		       struct vinsn *v, char *err, size_t errlen)
{
	const struct bpf_insn *in = &p->insns[i], *hi = in + 1;
	char msg[80];

	if (hi->code || hi->dst_reg || hi->src_reg || hi->off)
		return bad(err, errlen, p, i, "malformed second half of lddw");
	switch (in->src_reg) {
	case 0:
		v->imm = (int64_t)((uint64_t)(uint32_t)hi->imm << 32 | (uint32_t)in->imm);
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_VALUE:
		if ((uint32_t)in->imm >= nmaps) {
			snprintf(msg, sizeof(msg), "map index %u out of range (%u maps)",
				 (uint32_t)in->imm, nmaps);
			return bad(err, errlen, p, i, msg);
		}
		v->imm = in->src_reg == BPF_PSEUDO_MAP_FD ? (int64_t)HXDP_MAPREF(in->imm) :
			 (int64_t)HXDP_ADDR(R_MAP0 + in->imm, hi->imm);
		return 0;
	}
	snprintf(msg, sizeof(msg), "unsupported ld_imm64 pseudo source %u", in->src_reg);
	return bad(err, errlen, p, i, msg);
}

static int decode_one(const struct hxdp_prog *p, const int32_t *slot, uint32_t i,
		      uint32_t nmaps, struct vinsn *v, char *err, size_t errlen)
{
	const struct bpf_insn *in = &p->insns[i];
	int id = isa_decode(in), form;
	char msg[96];

	if (id < 0 || isa_info[id].group == G_HXDP) {
		snprintf(msg, sizeof(msg), "%s opcode 0x%02x (src %u off %d imm %d)",
			 id < 0 ? "unknown" : "extended-ISA", in->code, in->src_reg, in->off,
			 in->imm);
		return bad(err, errlen, p, i, msg);
	}
	form = isa_info[id].form;
	if (in->dst_reg > 10 || (in->src_reg > 10 && form != F_LDDW))
		return bad(err, errlen, p, i, "register number out of range");
	if (in->dst_reg == 10 && writes_dst(form))
		return bad(err, errlen, p, i, "r10 is read-only");
	if (form == F_ATOMIC && in->src_reg == 10 && (in->imm & BPF_FETCH))
		return bad(err, errlen, p, i, "r10 is read-only");
	v->op = id;
	v->dst = in->dst_reg;
	v->src = in->src_reg;
	v->off = in->off;
	v->imm = in->imm;
	switch (form) {
	case F_ALU_K:
		if (id == I_LSH32_K || id == I_RSH32_K || id == I_ARSH32_K)
			v->imm &= 31;
		else if (id == I_LSH64_K || id == I_RSH64_K || id == I_ARSH64_K)
			v->imm &= 63;
		return 0;
	case F_LDDW:
		return decode_lddw(p, i, nmaps, v, err, errlen);
	case F_JA: case F_JCC_K: case F_JCC_X:
		return target(p, slot, i, (int64_t)i + 1 + in->off, &v->off, err, errlen);
	case F_JA32: case F_CALL_LOCAL:
		return target(p, slot, i, (int64_t)i + 1 + in->imm, &v->off, err, errlen);
	}
	if (id == I_CALL && in->imm == BPF_FUNC_map_lookup_elem)
		v->op = OP_LOOKUP;
	return 0;
}

static int decode_prog(const struct hxdp_prog *p, uint32_t nmaps, struct vprog *vp,
		       char *err, size_t errlen)
{
	int32_t *slot = calloc(p->ninsns + 1, sizeof(*slot));
	uint32_t n = 0;
	int e;

	if (!slot)
		return -ENOMEM;
	if (!p->ninsns) {
		free(slot);
		return bad(err, errlen, p, 0, "empty program");
	}
	e = map_slots(p, slot, &n, err, errlen);
	vp->code = e ? NULL : calloc(n + 1, sizeof(*vp->code));
	vp->orig = e ? NULL : calloc(n + 1, sizeof(*vp->orig));
	if (!e && (!vp->code || !vp->orig))
		e = -ENOMEM;
	for (uint32_t i = 0; !e && i < p->ninsns; i++) {
		if (slot[i] < 0)
			continue;
		vp->orig[slot[i]] = i;
		e = decode_one(p, slot, i, nmaps, &vp->code[slot[i]], err, errlen);
	}
	if (!e) {
		vp->code[n].op = OP_FALLOFF;
		vp->orig[n] = p->ninsns;
		vp->n = n;
	}
	free(slot);
	return e;
}

#ifdef __clang__
#define NOCLONE __attribute__((noinline))
#else
#define NOCLONE __attribute__((noinline, noclone))
#endif

/* one copy of the interpreter only: label addresses from one call are used by others */
static int vm_exec(const struct vm *vm, uint32_t prog, struct hxdp_run *run, uint64_t r1,
		   const void *const **labels) NOCLONE;

/* point every slot at its label, once the program is decoded */
static void thread_prog(struct vprog *vp)
{
	const void *const *L;

	vm_exec(NULL, 0, NULL, 0, &L);
	for (uint32_t i = 0; i <= vp->n; i++)
		vp->code[i].lbl = L[vp->code[i].op];
}

static void vm_close(void *st)
{
	struct vm *vm = st;

	if (!vm)
		return;
	for (uint32_t i = 0; i < vm->nprogs; i++) {
		free(vm->p[i].code);
		free(vm->p[i].orig);
	}
	free(vm);
}

static int vm_open(struct hxdp_obj *obj, const struct engine_opts *o, void **st,
		   char *err, size_t errlen)
{
	struct vm *vm = calloc(1, sizeof(*vm) + obj->nprogs * sizeof(vm->p[0]));
	int e = 0;

	(void)o;
	if (!vm)
		return -ENOMEM;
	vm->nprogs = obj->nprogs;
	for (uint32_t i = 0; i < obj->nprogs && !e; i++)
		if (!(e = decode_prog(&obj->progs[i], obj->env.nmaps, &vm->p[i], err, errlen)))
			thread_prog(&vm->p[i]);
	if (e) {
		if (e == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		vm_close(vm);
		return e;
	}
	*st = vm;
	return 0;
}

/* ---- slow paths, out of the dispatch loop ---- */

static __attribute__((noinline, cold)) int
mem_fault(struct hxdp_run *run, const struct vm *vm, uint32_t prog, const struct vinsn *pc,
	  uint64_t addr, const char *what)
{
	const struct vprog *vp = &vm->p[prog];

	return run__fault(run, -EFAULT, "pc %u: invalid %s of %d bytes at 0x%llx",
			  vp->orig[pc - vp->code], what, isa_access_size(pc->op),
			  (unsigned long long)addr);
}

/* LD_ABS/LD_IND: network-order read of the packet data */
static __attribute__((noinline)) int ld_packet(struct hxdp_run *run, int64_t off,
					       int size, uint64_t *val)
{
	const struct hxdp_region *g = &run->reg[R_PKT];
	uint32_t lo = run->xdp ? run->xdp->data : g->lo;
	uint32_t hi = run->xdp ? run->xdp->data_end : g->hi;
	const uint8_t *b;
	uint64_t v = 0;

	if (!g->base || off < 0 || (uint64_t)off + size > hi - lo)
		return -1;
	b = g->base + lo + off;
	for (int i = 0; i < size; i++)
		v = v << 8 | b[i];
	*val = v;
	return 0;
}

static inline int is_ctx(const struct hxdp_run *run, uint64_t addr)
{
	uint32_t id = HXDP_REGION(addr);

	return id < R_COUNT && (run->reg[id].flags & REG_CTX);
}

/* mem_xlate for a load, also NULL for the context (its loads take the xdp_md rewrite):
 * one look at the region */
static inline void *load_xlate(const struct hxdp_run *run, uint64_t addr, uint32_t size)
{
	uint32_t id = HXDP_REGION(addr), off = HXDP_OFF(addr);
	const struct hxdp_region *g;

	if (id >= R_COUNT)
		return NULL;
	g = &run->reg[id];
	if (off < g->lo || (uint64_t)off + size > g->hi || (g->flags & REG_CTX))
		return NULL;
	return g->base + off;
}

/* ---- the interpreter ---- */

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static int vm_exec(const struct vm *vm, uint32_t prog, struct hxdp_run *run, uint64_t r1,
		   const void *const **labels)
{
	static const void *const L[OP_COUNT] = {
#define X(id, ...) [I_##id] = &&L_##id,
		ISA_TABLE(X)
#undef X
		[OP_FALLOFF] = &&L_FALLOFF,
		[OP_LOOKUP] = &&L_LOOKUP,
	};
	struct vframe frames[HXDP_MAX_FRAMES];
	const struct vinsn *pc, *seg;
	uint64_t r[11], n = 0, budget;
	uint64_t ctx = r1, v = 0;
	unsigned depth = 0;
	int32_t hid;
	void *p;

	if (labels) {
		*labels = L;
		return 0;
	}
	budget = run->budget ? run->budget : DEFAULT_BUDGET;
	if (prog >= vm->nprogs)
		return run__fault(run, -EINVAL, "no program %u (%u programs)", prog,
				  vm->nprogs);
	/* element by element: a memset here costs more than a short program */
	r[0] = r[3] = r[4] = r[5] = r[6] = r[7] = r[8] = r[9] = 0;
	r[1] = r1;
	r[2] = run->r2;
	r[10] = HXDP_FP(0);
	pc = seg = vm->p[prog].code;
	goto *pc->lbl;

#define DST r[pc->dst]
#define SRC r[pc->src]
#define IMM pc->imm
#define NEXT goto *(++pc)->lbl
#define ACCOUNT (n += pc - seg + 1)
#define JUMP do { ACCOUNT; if (unlikely(n >= budget)) goto out_budget;                  \
		  pc = seg = pc + pc->off; goto *pc->lbl; } while (0)
#define LBL(id) L_##id:

#define ALU(id, op, sgn)                                                                \
	LBL(id##64_X) DST = sem_alu64(op, sgn, DST, SRC); NEXT;                          \
	LBL(id##64_K) DST = sem_alu64(op, sgn, DST, (uint64_t)IMM); NEXT;                \
	LBL(id##32_X) DST = sem_alu32(op, sgn, (uint32_t)DST, (uint32_t)SRC); NEXT;      \
	LBL(id##32_K) DST = sem_alu32(op, sgn, (uint32_t)DST, (uint32_t)IMM); NEXT;
	ALU(ADD, BPF_ADD, 0)
	ALU(SUB, BPF_SUB, 0)
	ALU(MUL, BPF_MUL, 0)
	ALU(DIV, BPF_DIV, 0)
	ALU(MOD, BPF_MOD, 0)
	ALU(SDIV, BPF_DIV, 1)
	ALU(SMOD, BPF_MOD, 1)
	ALU(OR, BPF_OR, 0)
	ALU(AND, BPF_AND, 0)
	ALU(XOR, BPF_XOR, 0)
	ALU(MOV, BPF_MOV, 0)
	ALU(LSH, BPF_LSH, 0)
	ALU(RSH, BPF_RSH, 0)
	ALU(ARSH, BPF_ARSH, 0)
	LBL(NEG64) DST = sem_alu64(BPF_NEG, 0, DST, 0); NEXT;
	LBL(NEG32) DST = sem_alu32(BPF_NEG, 0, (uint32_t)DST, 0); NEXT;
	LBL(MOVSX8_32) DST = sem_movsx(8, 0, SRC); NEXT;
	LBL(MOVSX16_32) DST = sem_movsx(16, 0, SRC); NEXT;
	LBL(MOVSX8_64) DST = sem_movsx(8, 1, SRC); NEXT;
	LBL(MOVSX16_64) DST = sem_movsx(16, 1, SRC); NEXT;
	LBL(MOVSX32_64) DST = sem_movsx(32, 1, SRC); NEXT;
	LBL(LE16) DST = sem_end(0, 16, DST); NEXT;
	LBL(LE32) DST = sem_end(0, 32, DST); NEXT;
	LBL(LE64) NEXT;
	LBL(BE16) LBL(BSWAP16) DST = sem_end(1, 16, DST); NEXT;
	LBL(BE32) LBL(BSWAP32) DST = sem_end(1, 32, DST); NEXT;
	LBL(BE64) LBL(BSWAP64) DST = sem_end(1, 64, DST); NEXT;
	LBL(LDDW) DST = (uint64_t)IMM; NEXT;

	LBL(JA) LBL(JA32) JUMP;
#define JCC(id, op)                                                                     \
	LBL(id##_X) if (sem_jcc64(op, DST, SRC)) JUMP; NEXT;                             \
	LBL(id##_K) if (sem_jcc64(op, DST, (uint64_t)IMM)) JUMP; NEXT;                   \
	LBL(id##32_X) if (sem_jcc32(op, (uint32_t)DST, (uint32_t)SRC)) JUMP; NEXT;       \
	LBL(id##32_K) if (sem_jcc32(op, (uint32_t)DST, (uint32_t)IMM)) JUMP; NEXT;
	JCC(JEQ, BPF_JEQ)
	JCC(JNE, BPF_JNE)
	JCC(JGT, BPF_JGT)
	JCC(JGE, BPF_JGE)
	JCC(JLT, BPF_JLT)
	JCC(JLE, BPF_JLE)
	JCC(JSET, BPF_JSET)
	JCC(JSGT, BPF_JSGT)
	JCC(JSGE, BPF_JSGE)
	JCC(JSLT, BPF_JSLT)
	JCC(JSLE, BPF_JSLE)

	/* loads and stores; a context load takes the xdp_md rewrite path */
#define LDX(id, T, EXT)                                                                 \
	LBL(id) v = SRC + pc->off;                                                       \
	if (likely((p = load_xlate(run, v, sizeof(T))) != NULL)) {                       \
		T t_; memcpy(&t_, p, sizeof(T)); DST = (uint64_t)(EXT)t_; NEXT;            \
	}                                                                                \
	if (is_ctx(run, v) && run__ctx_load(run, HXDP_OFF(v), sizeof(T), &v) == 0) {     \
		DST = v; NEXT;                                                            \
	}                                                                                \
	goto out_load;
	LDX(LDX_b, uint8_t, uint64_t)
	LDX(LDX_h, uint16_t, uint64_t)
	LDX(LDX_w, uint32_t, uint64_t)
	LDX(LDX_dw, uint64_t, uint64_t)
	LDX(LDXS_b, int8_t, int64_t)
	LDX(LDXS_h, int16_t, int64_t)
	LDX(LDXS_w, int32_t, int64_t)
#define STORE(id, T, val)                                                               \
	LBL(id) v = DST + pc->off;                                                       \
	if (unlikely(!(p = mem_xlate(run->reg, v, sizeof(T), 1)))) goto out_store;      \
	{ T t_ = (T)(val); memcpy(p, &t_, sizeof(T)); } NEXT;
	STORE(ST_b, uint8_t, IMM)
	STORE(ST_h, uint16_t, IMM)
	STORE(ST_w, uint32_t, IMM)
	STORE(ST_dw, uint64_t, IMM)
	STORE(STX_b, uint8_t, SRC)
	STORE(STX_h, uint16_t, SRC)
	STORE(STX_w, uint32_t, SRC)
	STORE(STX_dw, uint64_t, SRC)

	/* atomics: aligned, writable memory; fetch forms return the old value in src */
#define ATOMIC(id, T, newval, fetch)                                                    \
	LBL(id) v = DST + pc->off;                                                       \
	if (unlikely((v & (sizeof(T) - 1)) || !(p = mem_xlate(run->reg, v, sizeof(T), 1)))) \
		goto out_atomic;                                                          \
	{ T old_, new_; memcpy(&old_, p, sizeof(T)); new_ = (T)(newval);                 \
	  memcpy(p, &new_, sizeof(T)); if (fetch) SRC = old_; } NEXT;
#define ATOMIC2(name, newval, fetch)                                                    \
	ATOMIC(A##name##32, uint32_t, newval, fetch)                                     \
	ATOMIC(A##name##64, uint64_t, newval, fetch)
	ATOMIC2(add, old_ + SRC, 0)
	ATOMIC2(or, old_ | SRC, 0)
	ATOMIC2(and, old_ & SRC, 0)
	ATOMIC2(xor, old_ ^ SRC, 0)
	ATOMIC2(fetch_add, old_ + SRC, 1)
	ATOMIC2(fetch_or, old_ | SRC, 1)
	ATOMIC2(fetch_and, old_ & SRC, 1)
	ATOMIC2(fetch_xor, old_ ^ SRC, 1)
	ATOMIC2(xchg, SRC, 1)
	/* cmpxchg: compare with r0 (its low half for 32 bits), old value into r0 */
#define CMPXCHG(id, T)                                                                  \
	LBL(id) v = DST + pc->off;                                                       \
	if (unlikely((v & (sizeof(T) - 1)) || !(p = mem_xlate(run->reg, v, sizeof(T), 1)))) \
		goto out_atomic;                                                          \
	{ T old_, new_ = (T)SRC; memcpy(&old_, p, sizeof(T));                            \
	  if (old_ == (T)r[0]) memcpy(p, &new_, sizeof(T));                              \
	  r[0] = old_; } NEXT;
	CMPXCHG(Acmpxchg32, uint32_t)
	CMPXCHG(Acmpxchg64, uint64_t)

	/* legacy packet access: out of bounds ends the program with r0 = 0 */
#define LDPKT(id, size, offexpr)                                                        \
	LBL(id) if (ld_packet(run, offexpr, size, &v)) goto out_pkt; r[0] = v; NEXT;
	LDPKT(LDABS_B, 1, (int32_t)IMM)
	LDPKT(LDABS_H, 2, (int32_t)IMM)
	LDPKT(LDABS_W, 4, (int32_t)IMM)
	LDPKT(LDABS_DW, 8, (int32_t)IMM)
	LDPKT(LDIND_B, 1, (int32_t)((uint32_t)SRC + (uint32_t)IMM))
	LDPKT(LDIND_H, 2, (int32_t)((uint32_t)SRC + (uint32_t)IMM))
	LDPKT(LDIND_W, 4, (int32_t)((uint32_t)SRC + (uint32_t)IMM))
	LDPKT(LDIND_DW, 8, (int32_t)((uint32_t)SRC + (uint32_t)IMM))

	LBL(CALLX)
	if ((int64_t)DST != (int32_t)DST)
		goto out_callx;
	hid = (int32_t)DST;
	goto helper;
	LBL(LOOKUP)
	if (likely(helper__lookup_inline(run, &r[1], &r[0]))) {
		run->res->helpers++;
		NEXT;
	}
	hid = BPF_FUNC_map_lookup_elem;
	goto helper;
	LBL(CALL)
	hid = (int32_t)IMM;
helper:
	if (unlikely(hid == 5 && run->env && run->env->conformance)) {
		/* the conformance suite's unwind hook: returns r1; 0 stops the program */
		r[0] = r[1];
		if (!r[0])
			goto out_exit0;
		NEXT;
	}
	run->res->helpers++;
	r[0] = helper__call(run, hid, &r[1]);	/* r1..r5 */
	if (unlikely(run->res->fault))
		goto out_fault;
	if (unlikely(hid == BPF_FUNC_tail_call && run->tail_prog >= 0))
		goto tail_call;
	NEXT;

	LBL(CALL_LOCAL)
	if (unlikely(depth + 1 >= HXDP_MAX_FRAMES))
		goto out_depth;
	ACCOUNT;
	frames[depth].ret = pc + 1;
	frames[depth].prog = prog;
	memcpy(frames[depth].r6_9, &r[6], sizeof(frames[depth].r6_9));
	depth++;
	r[10] = HXDP_FP(depth);
	pc = seg = pc + pc->off;
	goto *pc->lbl;

	LBL(EXIT)
	if (depth) {
		ACCOUNT;
		if (unlikely(n >= budget))
			goto out_budget;
		depth--;
		pc = seg = frames[depth].ret;
		prog = frames[depth].prog;
		memcpy(&r[6], frames[depth].r6_9, sizeof(frames[depth].r6_9));
		r[10] = HXDP_FP(depth);
		goto *pc->lbl;
	}
	ACCOUNT;
	run->res->r0 = r[0];
	goto done;

tail_call:
	/* the target replaces the running program in the current frame */
	if ((uint32_t)run->tail_prog >= vm->nprogs) {
		run__fault(run, -EINVAL, "tail call to program %d of %u", run->tail_prog,
			   vm->nprogs);
		goto out_fault;
	}
	ACCOUNT;
	prog = run->tail_prog;
	run->tail_prog = -1;
	run->tail_calls++;
	r[1] = ctx;
	pc = seg = vm->p[prog].code;
	goto *pc->lbl;

	LBL(FALLOFF)
	run__fault(run, -EFAULT, "pc %u: fell off the end of the program",
		   vm->p[prog].orig[pc - vm->p[prog].code]);
	pc--;
	goto out_fault;
out_load:
	mem_fault(run, vm, prog, pc, v, "load");
	goto out_fault;
out_store:
	mem_fault(run, vm, prog, pc, v, "store");
	goto out_fault;
out_atomic:
	mem_fault(run, vm, prog, pc, v, v & (isa_access_size(pc->op) - 1) ?
		  "misaligned atomic" : "atomic");
	goto out_fault;
out_callx:
	run__fault(run, -EINVAL, "pc %u: callx with helper id 0x%llx",
		   vm->p[prog].orig[pc - vm->p[prog].code], (unsigned long long)DST);
	goto out_fault;
out_depth:
	run__fault(run, -E2BIG, "pc %u: more than %d call frames",
		   vm->p[prog].orig[pc - vm->p[prog].code], HXDP_MAX_FRAMES);
	goto out_fault;
out_budget:
	run__fault(run, -ELOOP, "pc %u: instruction budget of %llu exhausted",
		   vm->p[prog].orig[pc - vm->p[prog].code], (unsigned long long)budget);
	goto done;
out_pkt:
out_exit0:
	ACCOUNT;
	run->res->r0 = 0;
	goto done;
out_fault:
	ACCOUNT;
	run->res->r0 = 0;	/* XDP_ABORTED */
done:
	run->res->insns = n;
	run->res->prog = prog;
	return run->res->fault;
}

static int vm_run(void *st, uint32_t prog, struct hxdp_run *run, uint64_t r1)
{
	return vm_exec(st, prog, run, r1, NULL);
}

const struct engine_ops vm_engine = {
	.name = "vm",
	.open = vm_open,
	.run = vm_run,
	.close = vm_close,
};
