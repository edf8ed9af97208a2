/* rgen.c: random XDP programs the kernel verifier accepts, built with isa_encode().
 *
 * Register discipline keeps every program verifiable: r6 = ctx, r7 = data, r8 =
 * data_end (reloaded after helpers that move the packet), r10 = fp; r0-r5 and r9 are
 * scratch and always hold initialized scalars between blocks. The packet is checked
 * once for `need` bytes and every access stays below it; the stack slots fp-8..fp-64
 * are initialized in the prologue. Jumps go forward, except the back-edges of loops
 * counted in r9 to a small constant. Blocks: ALU/ALU32 mixes (all ops, K and X, end,
 * movsx, sdiv/smod), JMP/JMP32 skips, packet loads/stores (also at a variable offset
 * with its own check), stack traffic and atomics, map lookups/updates/deletes on the
 * rprog map set, bpf_csum_diff, adjust_head/tail. At exit, scratch registers are
 * stored into the packet and r0 becomes an action in XDP_ABORTED..XDP_TX.
 */
#include <string.h>
#include "insn.h"
#include "rprog.h"

#define MAX_LABELS 256
#define NSCRATCH 7
#define NSLOTS 8
#define RETURN_LABEL 0

struct gen {
	struct rprog *p;
	uint64_t rng;
	uint32_t need;		/* packet bytes proven by the prologue's check */
	int32_t label_at[MAX_LABELS];
	uint32_t nlabels;
	struct { uint32_t insn; int label; } fix[1024];
	uint32_t nfix;
	int in_loop;		/* r9 is the loop counter: not scratch */
	int overflow;
};

static const int scratch[NSCRATCH] = { 0, 1, 2, 3, 4, 5, 9 };

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static uint32_t below(struct gen *g, uint32_t n) { return n ? (uint32_t)(rnd(g) % n) : 0; }
static int chance(struct gen *g, int pct) { return (int)below(g, 100) < pct; }

static int sreg(struct gen *g)
{
	return scratch[below(g, g->in_loop ? NSCRATCH - 1 : NSCRATCH)];
}

static int32_t rimm(struct gen *g)
{
	switch (below(g, 6)) {
	case 0: return (int32_t)below(g, 16);
	case 1: return -(int32_t)below(g, 16);
	case 2: return (int32_t)(1u << below(g, 31));
	case 3: return (int32_t)0x80000000u;
	case 4: return -1;
	}
	return (int32_t)rnd(g);
}

static void emit(struct gen *g, int id, int dst, int src, int off, int32_t imm)
{
	if (g->p->n + 2 >= RPROG_MAX_INSNS) {
		g->overflow = 1;
		return;
	}
	struct bpf_insn *in = &g->p->insn[g->p->n++];

	switch (isa_info[id].form) {	/* reserved fields stay zero, as the kernel wants */
	case F_ALU_K: case F_JCC_K: case F_ST: case F_END: src = 0; break;
	case F_ALU_X: case F_JCC_X: case F_LDX: case F_STX: imm = 0; break;
	case F_NEG: src = 0; imm = 0; break;
	case F_JA: dst = src = 0; imm = 0; break;
	case F_JA32: dst = src = 0; off = 0; break;
	case F_CALL: case F_EXIT: dst = src = 0; off = 0; break;
	}
	isa_encode(id, dst, src, off, imm, in);
}

static void emit_lddw(struct gen *g, int dst, int src, uint64_t v)
{
	if (g->p->n + 3 >= RPROG_MAX_INSNS) {
		g->overflow = 1;
		return;
	}
	isa_encode(I_LDDW, dst, src, 0, (int32_t)v, &g->p->insn[g->p->n++]);
	memset(&g->p->insn[g->p->n], 0, sizeof(struct bpf_insn));
	g->p->insn[g->p->n++].imm = (int32_t)(v >> 32);
}

static int new_label(struct gen *g)
{
	if (g->nlabels >= MAX_LABELS) {
		g->overflow = 1;
		return RETURN_LABEL;
	}
	g->label_at[g->nlabels] = -1;
	return (int)g->nlabels++;
}

static void place(struct gen *g, int l)
{
	g->label_at[l] = (int32_t)g->p->n;
}

/* a forward conditional or unconditional jump to label l */
static void jump(struct gen *g, int id, int dst, int src, int32_t imm, int l)
{
	if (g->nfix >= sizeof(g->fix) / sizeof(g->fix[0])) {
		g->overflow = 1;
		return;
	}
	g->fix[g->nfix].insn = g->p->n;
	g->fix[g->nfix++].label = l;
	emit(g, id, dst, src, 0, imm);
}

static void resolve(struct gen *g)
{
	for (uint32_t k = 0; k < g->nfix; k++) {
		struct bpf_insn *in = &g->p->insn[g->fix[k].insn];
		int32_t rel = g->label_at[g->fix[k].label] - (int32_t)g->fix[k].insn - 1;

		if (isa_decode(in) == I_JA32)
			in->imm = rel;
		else
			in->off = (int16_t)rel;
	}
}

/* ---- blocks ---- */

static const int alu_ids[] = {
	I_ADD64_K, I_ADD64_X, I_SUB64_K, I_SUB64_X, I_MUL64_K, I_MUL64_X, I_DIV64_K,
	I_DIV64_X, I_OR64_K, I_OR64_X, I_AND64_K, I_AND64_X, I_LSH64_K, I_LSH64_X,
	I_RSH64_K, I_RSH64_X, I_MOD64_K, I_MOD64_X, I_XOR64_K, I_XOR64_X, I_MOV64_K,
	I_MOV64_X, I_ARSH64_K, I_ARSH64_X, I_SDIV64_K, I_SDIV64_X, I_SMOD64_K, I_SMOD64_X,
	I_ADD32_K, I_ADD32_X, I_SUB32_K, I_SUB32_X, I_MUL32_K, I_MUL32_X, I_DIV32_K,
	I_DIV32_X, I_OR32_K, I_OR32_X, I_AND32_K, I_AND32_X, I_LSH32_K, I_LSH32_X,
	I_RSH32_K, I_RSH32_X, I_MOD32_K, I_MOD32_X, I_XOR32_K, I_XOR32_X, I_MOV32_K,
	I_MOV32_X, I_ARSH32_K, I_ARSH32_X, I_SDIV32_K, I_SDIV32_X, I_SMOD32_K, I_SMOD32_X,
	I_NEG64, I_NEG32, I_MOVSX8_32, I_MOVSX16_32, I_MOVSX8_64, I_MOVSX16_64,
	I_MOVSX32_64, I_LE16, I_LE32, I_LE64, I_BE16, I_BE32, I_BE64, I_BSWAP16,
	I_BSWAP32, I_BSWAP64,
};

static int alu_is_movsx(int id)
{
	return id == I_MOVSX8_32 || id == I_MOVSX16_32 || id == I_MOVSX8_64 ||
	       id == I_MOVSX16_64 || id == I_MOVSX32_64;
}

static int is_shift(int id)
{
	return id == I_LSH64_K || id == I_RSH64_K || id == I_ARSH64_K || id == I_LSH32_K ||
	       id == I_RSH32_K || id == I_ARSH32_K;
}

static int is_divk(int id)
{
	return id == I_DIV64_K || id == I_MOD64_K || id == I_SDIV64_K || id == I_SMOD64_K ||
	       id == I_DIV32_K || id == I_MOD32_K || id == I_SDIV32_K || id == I_SMOD32_K;
}

static void block_alu(struct gen *g)
{
	for (uint32_t k = 1 + below(g, 6); k--;) {
		int id = alu_ids[below(g, sizeof(alu_ids) / sizeof(alu_ids[0]))];
		int32_t imm = rimm(g);

		if ((g->p->flags & RGEN_NO_MOVSX) && isa_info[id].ver == 4 &&
		    isa_info[id].form == F_ALU_X && alu_is_movsx(id))
			id = I_MOV64_X;

		if (is_shift(id))
			imm = (int32_t)below(g, isa_info[id].group == G_BASE64 ? 64 : 32);
		if (is_divk(id) && !imm)
			imm = 7;
		emit(g, id, sreg(g), sreg(g), 0, imm);
	}
	if (chance(g, 20))
		emit_lddw(g, sreg(g), 0, rnd(g));
}

static const int jcc_ids[] = {
	I_JEQ_K, I_JEQ_X, I_JGT_K, I_JGT_X, I_JGE_K, I_JGE_X, I_JSET_K, I_JSET_X, I_JNE_K,
	I_JNE_X, I_JSGT_K, I_JSGT_X, I_JSGE_K, I_JSGE_X, I_JLT_K, I_JLT_X, I_JLE_K, I_JLE_X,
	I_JSLT_K, I_JSLT_X, I_JSLE_K, I_JSLE_X, I_JEQ32_K, I_JEQ32_X, I_JGT32_K, I_JGT32_X,
	I_JGE32_K, I_JGE32_X, I_JSET32_K, I_JSET32_X, I_JNE32_K, I_JNE32_X, I_JSGT32_K,
	I_JSGT32_X, I_JSGE32_K, I_JSGE32_X, I_JLT32_K, I_JLT32_X, I_JLE32_K, I_JLE32_X,
	I_JSLT32_K, I_JSLT32_X, I_JSLE32_K, I_JSLE32_X,
};

static void block(struct gen *g, int depth);

static void block_if(struct gen *g, int depth)
{
	int l = new_label(g), id = jcc_ids[below(g, sizeof(jcc_ids) / sizeof(jcc_ids[0]))];

	jump(g, id, sreg(g), sreg(g), rimm(g), l);
	block(g, depth + 1);
	if (chance(g, 30)) {		/* else branch */
		int end = new_label(g);

		jump(g, chance(g, 50) ? I_JA : I_JA32, 0, 0, 0, end);
		place(g, l);
		block(g, depth + 1);
		place(g, end);
		return;
	}
	place(g, l);
}

static int pkt_size_id(struct gen *g, int *size, int load)
{
	static const int ld[] = { I_LDX_b, I_LDX_h, I_LDX_w, I_LDX_dw, I_LDXS_b, I_LDXS_h,
				  I_LDXS_w };
	static const int st[] = { I_STX_b, I_STX_h, I_STX_w, I_STX_dw, I_ST_b, I_ST_h, I_ST_w,
				  I_ST_dw };
	int id = load ? ld[below(g, 7)] : st[below(g, 8)];

	*size = isa_access_size(id);
	return id;
}

static void block_pkt(struct gen *g)
{
	int size, load = chance(g, 60), id = pkt_size_id(g, &size, load);
	int off = (int)below(g, g->need - (uint32_t)size + 1);

	if (load)
		emit(g, id, sreg(g), 7, off, 0);
	else
		emit(g, id, 7, sreg(g), off, rimm(g));
}

/* r1 = pkt[a] & 31; r2 = data + r1; check r2 + 4 <= end; r3 = *(u32 *)r2 */
static void block_pkt_var(struct gen *g)
{
	int skip = new_label(g), size, id = pkt_size_id(g, &size, chance(g, 50));
	int r = sreg(g), q = r == 1 ? 2 : 1;

	if (r == 9 || q == 9)
		return;
	emit(g, I_LDX_b, r, 7, (int)below(g, g->need), 0);
	emit(g, I_AND64_K, r, 0, 0, 31);
	emit(g, I_MOV64_X, q, 7, 0, 0);
	emit(g, I_ADD64_X, q, r, 0, 0);
	emit(g, I_MOV64_X, r, q, 0, 0);
	emit(g, I_ADD64_K, r, 0, 0, size);
	jump(g, I_JGT_X, r, 8, 0, skip);
	if (isa_info[id].form == F_LDX)
		emit(g, id, r, q, 0, 0);
	else
		emit(g, id, q, r == 0 ? 3 : 0, 0, rimm(g));
	place(g, skip);
	emit(g, I_MOV64_K, q, 0, 0, rimm(g));	/* no pointer stays in scratch */
	emit(g, I_MOV64_K, r, 0, 0, rimm(g));
}

static void block_stack(struct gen *g)
{
	static const int atomics[] = { I_Aadd64, I_Aor64, I_Aand64, I_Axor64, I_Afetch_add64,
				       I_Afetch_or64, I_Afetch_and64, I_Afetch_xor64, I_Axchg64,
				       I_Acmpxchg64, I_Aadd32, I_Afetch_add32, I_Axchg32,
				       I_Acmpxchg32 };
	int slot = -8 * (1 + (int)below(g, NSLOTS)), size;

	switch (below(g, 3)) {
	case 0: {
		int id = pkt_size_id(g, &size, 0);

		emit(g, id, 10, sreg(g), slot + (int)(below(g, 8 / size) * size), rimm(g));
		break;
	}
	case 1: {
		int id = pkt_size_id(g, &size, 1);

		emit(g, id, sreg(g), 10, slot + (int)(below(g, 8 / size) * size), 0);
		break;
	}
	default: {
		int id = atomics[below(g, sizeof(atomics) / sizeof(atomics[0]))];

		emit(g, id, 10, sreg(g), slot + (isa_access_size(id) == 4 ? 4 * (int)below(g, 2) : 0),
		     0);
		/* the kernel's x86 JIT leaves r0's upper half after a succeeding cmpxchg32
		 * when the verifier elides the zero-extension (a read reached only through a
		 * pruned path): make it explicit so both sides agree */
		if (id == I_Acmpxchg32)
			emit(g, I_MOV32_X, 0, 0, 0, 0);
	}
	}
}

static void reinit_args(struct gen *g)
{
	for (int r = 1; r <= 5; r++)
		emit(g, I_MOV64_K, r, 0, 0, rimm(g));
}

static void map_ref(struct gen *g, int dst, int map)
{
	emit_lddw(g, dst, BPF_PSEUDO_MAP_FD, 0);
	g->p->insn[g->p->n - 2].imm = map;
}

/* key in fp-72 (8 bytes); value in fp-88 (16 bytes) */
static void block_map(struct gen *g)
{
	int map = (int)below(g, RMAP_COUNT), skip = new_label(g);
	int helper = map == RMAP_HASH ? (int)below(g, 3) : 0;	/* lookup, update, delete */

	emit(g, I_ST_dw, 10, 0, -72, (int32_t)below(g, map == RMAP_ARR ? 10 : 6));
	if (chance(g, 30))
		emit(g, I_STX_w, 10, sreg(g), -72, 0);
	if (helper == 1)	/* before r1-r3 hold pointers: only scalars reach the map */
		emit(g, I_STX_dw, 10, sreg(g), -88, 0);
	map_ref(g, 1, map);
	emit(g, I_MOV64_X, 2, 10, 0, 0);
	emit(g, I_ADD64_K, 2, 0, 0, -72);
	if (helper == 1) {
		emit(g, I_MOV64_X, 3, 10, 0, 0);
		emit(g, I_ADD64_K, 3, 0, 0, -88);
		emit(g, I_MOV64_K, 4, 0, 0, (int32_t)below(g, 3));
	}
	emit(g, I_CALL, 0, 0, 0, helper == 0 ? BPF_FUNC_map_lookup_elem :
	     helper == 1 ? BPF_FUNC_map_update_elem : BPF_FUNC_map_delete_elem);
	reinit_args(g);
	if (helper)
		return;
	jump(g, I_JEQ_K, 0, 0, 0, skip);
	emit(g, I_MOV64_X, 3, 0, 0, 0);
	emit(g, I_MOV64_K, 0, 0, 0, rimm(g));
	for (uint32_t k = 1 + below(g, 3); k--;) {
		int vsz = (int)rprog_maps[map].value_size, size, load = map == RMAP_RO ||
			  chance(g, 50);
		int id = pkt_size_id(g, &size, load), r = sreg(g);

		if (r == 3)
			r = 4;
		if (load)
			emit(g, id, r, 3, (int)below(g, (uint32_t)(vsz - size) / (uint32_t)size + 1) * size, 0);
		else if (chance(g, 30))
			emit(g, size == 4 ? I_Aadd32 : I_Aadd64, 3, r, size == 4 ? 0 : vsz - 8, 0);
		else
			emit(g, id, 3, r, (int)below(g, (uint32_t)(vsz - size + 1)), rimm(g));
	}
	place(g, skip);
	emit(g, I_MOV64_K, 3, 0, 0, rimm(g));
	emit(g, I_MOV64_K, 0, 0, 0, rimm(g));
}

static void block_csum(struct gen *g)
{
	emit(g, I_MOV64_X, 5, sreg(g), 0, 0);
	emit(g, I_MOV64_X, 1, 7, 0, 0);
	emit(g, I_MOV64_K, 2, 0, 0, 4 * (int32_t)(1 + below(g, g->need / 4)));
	emit(g, I_MOV64_K, 3, 0, 0, 0);
	emit(g, I_MOV64_K, 4, 0, 0, 0);
	emit(g, I_CALL, 0, 0, 0, BPF_FUNC_csum_diff);
	reinit_args(g);
}

/* r9 counts to a small constant; the body is straight-line or forward jumps */
static void block_loop(struct gen *g, int depth)
{
	uint32_t top;

	if (g->in_loop)
		return;
	g->in_loop = 1;
	emit(g, I_MOV64_K, 9, 0, 0, 0);
	top = g->p->n;
	block_alu(g);
	if (chance(g, 50))
		block_pkt(g);
	if (chance(g, 40))
		block_if(g, depth + 3);
	emit(g, I_ADD64_K, 9, 0, 0, 1);
	emit(g, chance(g, 50) ? I_JLT_K : I_JLT32_K, 9, 0,
	     (int)top - (int)g->p->n - 1, (int32_t)(2 + below(g, 6)));
	g->in_loop = 0;
}

static void check_packet(struct gen *g)
{
	emit(g, I_LDX_w, 7, 6, 0, 0);
	emit(g, I_LDX_w, 8, 6, 4, 0);
	emit(g, I_MOV64_X, 1, 7, 0, 0);
	emit(g, I_ADD64_K, 1, 0, 0, (int32_t)g->need);
	jump(g, I_JGT_X, 1, 8, 0, RETURN_LABEL);
	emit(g, I_MOV64_K, 1, 0, 0, rimm(g));
}

/* move the packet, then prove `need` bytes again (the old pointers are gone) */
static void block_adjust(struct gen *g)
{
	int32_t d = (int32_t)(below(g, 3) * 4) - 4;

	emit(g, I_MOV64_X, 1, 6, 0, 0);
	emit(g, I_MOV64_K, 2, 0, 0, d);
	emit(g, I_CALL, 0, 0, 0, chance(g, 50) ? BPF_FUNC_xdp_adjust_head :
	     BPF_FUNC_xdp_adjust_tail);
	reinit_args(g);
	check_packet(g);
}

static void block(struct gen *g, int depth)
{
	for (uint32_t k = 1 + below(g, depth ? 3 : 8); k-- && !g->overflow;) {
		switch (below(g, depth > 2 ? 4 : 11)) {
		case 0: case 1: block_alu(g); break;
		case 2: block_pkt(g); break;
		case 3: block_stack(g); break;
		case 4: block_if(g, depth); break;
		case 5: block_map(g); break;
		case 6: block_pkt_var(g); break;
		case 7: block_loop(g, depth); break;
		case 8: if (!g->in_loop && chance(g, 40)) block_csum(g); break;
		case 9: if (!g->in_loop && !depth && chance(g, 30)) block_adjust(g); break;
		default: block_if(g, depth);
		}
	}
}

static void prologue(struct gen *g)
{
	emit(g, I_MOV64_X, 6, 1, 0, 0);
	for (int k = 0; k < NSCRATCH; k++)
		emit(g, I_MOV64_K, scratch[k], 0, 0, rimm(g));
	for (int s = 1; s <= NSLOTS; s++)
		emit(g, I_STX_dw, 10, scratch[below(g, NSCRATCH)], -8 * s, 0);
	check_packet(g);
}

static void epilogue(struct gen *g)
{
	uint32_t nst = g->need / 8 < NSCRATCH ? g->need / 8 : NSCRATCH;

	for (uint32_t k = 0; k < nst; k++)
		emit(g, I_STX_dw, 7, scratch[k], (int)(8 * k), 0);
	emit(g, I_AND64_K, 0, 0, 0, 3);
	emit(g, I_EXIT, 0, 0, 0, 0);
	place(g, RETURN_LABEL);
	emit(g, I_MOV64_K, 0, 0, 0, (int32_t)below(g, 4));
	emit(g, I_EXIT, 0, 0, 0, 0);
}

static void gen_packet(struct gen *g)
{
	struct rprog *p = g->p;

	p->pktlen = chance(g, 10) ? 14 + below(g, 50) : 60 + below(g, 200);
	for (uint32_t i = 0; i < p->pktlen; i++)
		p->pkt[i] = chance(g, 30) ? 0 : (uint8_t)rnd(g);
}

void rgen__prog(uint64_t seed, struct rprog *p)
{
	struct gen g = { .p = p, .rng = seed * 0x9e3779b97f4a7c15ull + 1 };

	for (int k = 0; k < 4; k++)
		rnd(&g);
	p->n = 0;
	g.nlabels = 1;
	g.label_at[RETURN_LABEL] = -1;
	g.need = 16 + 8 * below(&g, 6);
	prologue(&g);
	block(&g, 0);
	if (g.overflow) {	/* too long: keep the prologue only */
		p->n = 0;
		g.nfix = 0;
		g.nlabels = 1;
		g.overflow = 0;
		prologue(&g);
	}
	epilogue(&g);
	resolve(&g);
	gen_packet(&g);
}
