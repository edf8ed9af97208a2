/* vliw_exec.h: the interpreter of vliw_fast.c, included there twice: as exec (TRACE 0)
 * and as exec_trace (TRACE 1), which also records every row it runs (vliw_trace) for
 * the sim. EXEC names the function. Not a header to include anywhere else. */
static NOCLONE void EXEC(struct vliw_state *s, struct vliw_trace *t, const void *const **labels)
{
	static const void *const L[U_COUNT] = {
#define X4(n, ...) [U_##n##64K] = &&L_##n##64K, [U_##n##64X] = &&L_##n##64X,             \
		   [U_##n##32K] = &&L_##n##32K, [U_##n##32X] = &&L_##n##32X,
		ALU_OPS(X4)
		JCC_OPS(X4)
#undef X4
#define XL(n, ...) [U_##n] = &&L_##n,
		LD_OPS(XL)
#undef XL
		[U_LD6] = &&L_LD6,
#define XS(n) [U_STX##n] = &&L_STX##n, [U_STK##n] = &&L_STK##n, [U_STXP##n] = &&L_STX##n##P, \
	      [U_STKP##n] = &&L_STK##n##P, [U_COMMIT##n] = &&L_COMMIT##n,
		ST_SIZES(XS)
#undef XS
		[U_MOVT] = &&L_MOVT, [U_LDK] = &&L_LDK, [U_LE16] = &&L_LE16,
		[U_LE32] = &&L_LE32, [U_BE16] = &&L_BE16, [U_BE32] = &&L_BE32,
		[U_BE64] = &&L_BE64, [U_SX8_32] = &&L_SX8_32, [U_SX16_32] = &&L_SX16_32,
		[U_SX8_64] = &&L_SX8_64, [U_SX16_64] = &&L_SX16_64, [U_SX32_64] = &&L_SX32_64,
		[U_JA] = &&L_JA, [U_EXIT] = &&L_EXIT, [U_EXIT32] = &&L_EXIT32,
		[U_EXITK] = &&L_EXITK, [U_JPKT_GT] = &&L_JPKT_GT, [U_JPKT_GE] = &&L_JPKT_GE,
		[U_JPKT_LT] = &&L_JPKT_LT, [U_JPKT_LE] = &&L_JPKT_LE, [U_CALL] = &&L_CALL,
		[U_SLOW] = &&L_SLOW, [U_STEPWISE] = &&L_STEPWISE, [U_ROW] = &&L_ROW,
		[U_ATOM4] = &&L_ATOM4, [U_ATOM8] = &&L_ATOM8, [U_ATOMNZ4] = &&L_ATOMNZ4,
		[U_ATOMNZ8] = &&L_ATOMNZ8,
	};
	const struct fstream *f;
	const struct fprog *fp;
	const struct uop *u;
	struct hxdp_run *run;
	const struct hxdp_region *reg;
	uint64_t r[2 * CC_NREGS], n, budget, addr, val, a[5];
	void *pp[CC_MAX_LANES];
	uint64_t pv[CC_MAX_LANES], sink;
	uint32_t seg, prog;
	void *p;
#if TRACE
	struct vliw_event ev;
#endif

	(void)t;
	if (labels) {
		*labels = L;
		return;
	}
	f = &s->v->fast->st[TRACE];
	run = s->run;
	reg = run->reg;
	budget = run->budget ? run->budget : DEFAULT_BUDGET;
	memcpy(r, s->r, sizeof(s->r));
	n = s->rows;
enter:
	/* a segment starts at s->row with n rows run before it */
	fp = &f->p[s->prog];
	seg = s->row;
	if (unlikely(seg - fp->first >= fp->end - fp->first || n + (fp->end - seg) > budget))
		goto stepwise;
	u = f->u + fp->row_uop[seg - fp->first];
	goto *u->lbl;

#define NEXT do { u++; goto *u->lbl; } while (0)
#define ROWS (n + (u->row - seg) + 1)	/* rows run, this one included */
#define LBL(id) L_##id:
#if TRACE
#define REC (&t->rec[t->n - 1])
#define T_MEM(wr, sz) (t->mem[t->nmem++] = (struct vliw_mem){ u->lane, wr, sz,             \
			HXDP_REGION(addr), HXDP_OFF(addr) })
#define T_CTL(c, l) (REC->ctl = (c), REC->ctl_lane = (int8_t)(l))
#define T_FAULT(l) (REC->ctl = VLIW_FAULT, REC->lanes &= (uint8_t)((2u << (l)) - 1))
#else
#define T_MEM(wr, sz) ((void)0)
#define T_CTL(c, l) ((void)0)
#define T_FAULT(l) ((void)0)
#endif

	/* traced streams only: a row starts */
	LBL(ROW)
#if TRACE
	if (unlikely(vliw_trace__room(t))) {
		run__fault(run, -ENOMEM, "vliw: trace: out of memory");
		s->rows = ROWS - 1;
		vliw__finish(s, NULL, VLIW_FAULT, 0);
		return;
	}
	t->rec[t->n++] = (struct vliw_trec){ .row = u->row, .prog = s->prog, .ctl = VLIW_FALL,
					     .ctl_lane = -1, .lanes = u->n, .mem = t->nmem,
					     .helper = -1 };
#endif
	NEXT;

#define ALU(name, op, sgn)                                                              \
	LBL(name##64K) r[u->d] = sem_alu64(op, sgn, r[u->a], (uint64_t)u->k); NEXT;      \
	LBL(name##64X) r[u->d] = sem_alu64(op, sgn, r[u->a], r[u->b]); NEXT;             \
	LBL(name##32K) r[u->d] = sem_alu32(op, sgn, (uint32_t)r[u->a], (uint32_t)u->k); NEXT; \
	LBL(name##32X) r[u->d] = sem_alu32(op, sgn, (uint32_t)r[u->a], (uint32_t)r[u->b]); NEXT;
	ALU_OPS(ALU)
#undef ALU
	LBL(MOVT) r[u->d] = r[u->a]; NEXT;
	LBL(LDK) r[u->d] = (uint64_t)u->k; NEXT;
	LBL(LE16) r[u->d] = sem_end(0, 16, r[u->a]); NEXT;
	LBL(LE32) r[u->d] = sem_end(0, 32, r[u->a]); NEXT;
	LBL(BE16) r[u->d] = sem_end(1, 16, r[u->a]); NEXT;
	LBL(BE32) r[u->d] = sem_end(1, 32, r[u->a]); NEXT;
	LBL(BE64) r[u->d] = sem_end(1, 64, r[u->a]); NEXT;
	LBL(SX8_32) r[u->d] = sem_movsx(8, 0, r[u->a]); NEXT;
	LBL(SX16_32) r[u->d] = sem_movsx(16, 0, r[u->a]); NEXT;
	LBL(SX8_64) r[u->d] = sem_movsx(8, 1, r[u->a]); NEXT;
	LBL(SX16_64) r[u->d] = sem_movsx(16, 1, r[u->a]); NEXT;
	LBL(SX32_64) r[u->d] = sem_movsx(32, 1, r[u->a]); NEXT;

	/* loads: a region that is not the context, in bounds; anything else slow */
#define LOAD(name, T, EXT, SZ)                                                          \
	LBL(name) addr = r[u->a] + u->off;                                               \
	T_MEM(0, SZ);                                                                    \
	{                                                                                \
		uint32_t id_ = HXDP_REGION(addr), o_ = HXDP_OFF(addr);                   \
		if (likely(id_ < R_COUNT && !(reg[id_].flags & REG_CTX) &&               \
			   o_ >= reg[id_].lo && (uint64_t)o_ + SZ <= reg[id_].hi)) {     \
			T t_;                                                            \
			memcpy(&t_, reg[id_].base + o_, SZ);                             \
			r[u->d] = (uint64_t)(EXT)t_;                                     \
			NEXT;                                                            \
		}                                                                        \
	}                                                                                \
	goto load_slow;
	LD_OPS(LOAD)
	LOAD(LD6, uint64_t, uint64_t, 6)
#undef LOAD
load_slow:
	if (load_slow(s, u, addr, &val)) {
		T_FAULT(u->lane);
		goto fault;
	}
	r[u->d] = val;
	NEXT;

	/* stores: direct, or held in slot u->n until the row's commit */
#define STORE(name, SZ, VAL)                                                            \
	LBL(name) addr = r[u->a] + u->off;                                               \
	T_MEM(1, SZ);                                                                    \
	if (unlikely(!(p = mem_xlate(reg, addr, SZ, 1))))                                \
		goto store_fault;                                                        \
	vliw__stack_dirty(run, addr);                                                    \
	val = (VAL);                                                                     \
	memcpy(p, &val, SZ);                                                             \
	NEXT;                                                                            \
	LBL(name##P) addr = r[u->a] + u->off;                                            \
	T_MEM(1, SZ);                                                                    \
	if (unlikely(!(pp[u->n] = mem_xlate(reg, addr, SZ, 1))))                         \
		goto store_fault;                                                        \
	vliw__stack_dirty(run, addr);                                                    \
	pv[u->n] = (VAL);                                                                \
	NEXT;
#define XS(sz) STORE(STX##sz, sz, r[u->b]) STORE(STK##sz, sz, (uint64_t)u->k)            \
	LBL(COMMIT##sz) memcpy(pp[u->n], &pv[u->n], sz); NEXT;
	ST_SIZES(XS)
#undef XS
#undef STORE

	/* counter updates: read now, the new value held (slot u->n) like a store */
#define ATOM(name, T, NZ)                                                               \
	LBL(name)                                                                        \
	if (NZ && !r[u->a]) {	/* nothing through NULL */                             \
		pp[u->n] = &sink;                                                        \
		NEXT;                                                                    \
	}                                                                                \
	addr = r[u->a] + u->off;                                                         \
	T_MEM(1, sizeof(T));                                                             \
	if (unlikely((addr & (sizeof(T) - 1)) ||                                         \
		     !(pp[u->n] = mem_xlate(reg, addr, sizeof(T), 1))))                  \
		goto atomic_fault;                                                       \
	vliw__stack_dirty(run, addr);                                                    \
	{                                                                                \
		T old_, s_ = (T)r[u->b];                                                 \
		memcpy(&old_, pp[u->n], sizeof(T));                                      \
		pv[u->n] = u->k == BPF_ADD ? (T)(old_ + s_) : u->k == BPF_OR ? old_ | s_ :  \
			   u->k == BPF_AND ? old_ & s_ : old_ ^ s_;                       \
	}                                                                                \
	NEXT;
	ATOM(ATOM4, uint32_t, 0)
	ATOM(ATOM8, uint64_t, 0)
	ATOM(ATOMNZ4, uint32_t, 1)
	ATOM(ATOMNZ8, uint64_t, 1)
#undef ATOM

	/* control, after the row's lanes */
	LBL(JA) goto take;
#define JCC(name, op, sgn_)                                                             \
	LBL(name##64K) if (sem_jcc64(op, r[u->a], (uint64_t)u->k)) goto take; NEXT;      \
	LBL(name##64X) if (sem_jcc64(op, r[u->a], r[u->b])) goto take; NEXT;             \
	LBL(name##32K) if (sem_jcc32(op, (uint32_t)r[u->a], (uint32_t)u->k)) goto take; NEXT; \
	LBL(name##32X) if (sem_jcc32(op, (uint32_t)r[u->a], (uint32_t)r[u->b])) goto take; NEXT;
	JCC_OPS(JCC)
#undef JCC
	LBL(JPKT_GT) if (r[u->a] + (uint64_t)u->k > data_end(run)) goto take; NEXT;
	LBL(JPKT_GE) if (r[u->a] + (uint64_t)u->k >= data_end(run)) goto take; NEXT;
	LBL(JPKT_LT) if (r[u->a] + (uint64_t)u->k < data_end(run)) goto take; NEXT;
	LBL(JPKT_LE) if (r[u->a] + (uint64_t)u->k <= data_end(run)) goto take; NEXT;
take:
	T_CTL(VLIW_JUMP, u->lane);
	n = ROWS;
	seg = u->trow;
	if (unlikely(n + (fp->end - seg) > budget))
		goto stepwise;
	u = u->tgt;
	goto *u->lbl;

	LBL(EXIT) val = r[u->a]; goto exit;
	LBL(EXIT32) val = (uint32_t)r[u->a]; goto exit;
	LBL(EXITK) val = (uint64_t)u->k; goto exit;
exit:
	T_CTL(VLIW_EXIT, u->lane);
	s->rows = ROWS;
	s->row = u->row;
	vliw__finish(s, NULL, VLIW_EXIT, val);
	return;

	/* the row's helper: r1-r5 as the row started */
	LBL(CALL)
	for (int i = 0; i < 5; i++)
		a[i] = r[1 + i + (u->b >> i & 1 ? TMP : 0)];
#if TRACE
	REC->helper = (int32_t)u->k;
	REC->args = t->nargs;
	memcpy(&t->args[t->nargs], a, sizeof(a));
	t->nargs += 5;
#endif
	if (unlikely(u->k == 5 && run->env && run->env->conformance)) {
		/* the conformance suite's unwind hook: r0 = r1; 0 ends the program */
		r[0] = val = a[0];
		if (!val) {
			T_CTL(VLIW_EXIT, -1);
			s->rows = ROWS;
			vliw__finish(s, NULL, VLIW_EXIT, 0);
			return;
		}
		NEXT;
	}
	for (int i = 0; i < 5; i++)	/* helpers write at or above the pointers given */
		vliw__stack_dirty(run, a[i]);
	run->res->helpers++;
	val = helper__call(run, (int32_t)u->k, a);
	if (unlikely(run->res->fault)) {
		T_CTL(VLIW_FAULT, -1);
		goto fault;
	}
	r[0] = val;
	for (int i = 1; i <= 5; i++)
		r[i] = CLOBBER;
	NEXT;

	/* a row vliw__step runs (it counts the row itself) */
	LBL(SLOW)
	s->rows = ROWS - 1;
	s->row = u->row;
	prog = s->prog;
	memcpy(s->r, r, sizeof(s->r));
#if TRACE
	if (vliw__step(s, &ev) <= 0) {
		vliw_trace__event(t, &ev, 0);
		return;
	}
	vliw_trace__event(t, &ev, 0);
#else
	if (vliw__step(s, NULL) <= 0)
		return;
#endif
	memcpy(r, s->r, sizeof(s->r));
	if (s->prog == prog && s->row == u->row + 1)
		NEXT;	/* fell through */
	n = s->rows;
	goto enter;

	/* from row u->row on, row by row (falling off the program, a jump out of it) */
	LBL(STEPWISE)
	n = ROWS - 1;
	seg = u->row;
stepwise:
	s->rows = n;
	s->row = seg;
	memcpy(s->r, r, sizeof(s->r));
#if TRACE
	for (int more = 1; more;) {
		if (vliw_trace__room(t)) {
			run__fault(run, -ENOMEM, "vliw: trace: out of memory");
			vliw__finish(s, NULL, VLIW_FAULT, 0);
			return;
		}
		more = vliw__step(s, &ev) > 0;
		vliw_trace__event(t, &ev, 1);
	}
#else
	while (vliw__step(s, NULL) > 0)
		;
#endif
	return;

atomic_fault:
	mem_fault(s, u, addr, addr & (word_of(s, u)->size - 1) ? "misaligned atomic" : "atomic");
	T_FAULT(u->lane);
	goto fault;
store_fault:
	mem_fault(s, u, addr, "store");
	T_FAULT(u->lane);
fault:
	s->rows = ROWS;
	s->row = u->row;
	vliw__finish(s, NULL, VLIW_FAULT, 0);
}
#undef NEXT
#undef ROWS
#undef LBL
#undef REC
#undef T_MEM
#undef T_CTL
#undef T_FAULT
