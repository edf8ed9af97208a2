/* xlate.c: images translated to host code (xlate.h).
 *
 * The C emitted for a row follows vliw__step (vliw.c) word for word: lanes in lane
 * order (a faulting lane ends the run, nothing of its row commits), the control that
 * decides is the first taken one in lane order (evaluated on the row's start values),
 * the helper after the lanes and before the commit, stores then registers committed in
 * lane order, the helper's r0 and clobbers last, a tail call after the commit. Rows are
 * counted per block (a run of rows entered only at its first): the block adds its rows
 * on entry, and every way out of a row says how many of them did not run. The budget
 * is checked where a cycle can come back (a program's first row, backward jump
 * targets), for every row that can run before the next check; a run that could exhaust
 * it there is left to the interpreter (XL_BAIL), which stops at the exact row. The sim
 * entry point also writes one struct sim_row per executed row: what
 * the row's words and its control say is computed here, at translation, by the sim's
 * own functions (sim__row_static); what depends on the run (loads that read the last
 * row's writes, packet frames read, the helper's latency) is computed as it runs, the
 * helper's part by sim__row_helper.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helpers.h"
#include "image.h"
#include "insn.h"
#include "maps.h"
#include "vliw.h"
#include "vliw_int.h"
#include "xlate.h"
#include "xlate_rt.h"

_Static_assert(sizeof(struct xl_mem) == sizeof(struct vliw_mem) &&
	       offsetof(struct xl_mem, region) == offsetof(struct vliw_mem, region) &&
	       offsetof(struct xl_mem, off) == offsetof(struct vliw_mem, off),
	       "xl_mem is vliw_mem");
_Static_assert(XL_LANES == CC_MAX_LANES && XL_NREGS == CC_NREGS, "xlate_rt.h sizes");

#define XL_VERSION "hxdp-xlate 2"
#define DEFAULT_BUDGET (1ull << 24)
#define CACHE_MAX 2048		/* translated objects kept (trim) */

typedef int (*xl_entry)(struct xl_ctx *c);

struct xlate {
	void *dl;
	xl_entry run;		/* xl_vliw or xl_sim */
	const struct sim_row *T;	/* sim: its xl_T */
	const struct hxdp_env *env;	/* the maps am and mf describe */
	struct xl_amap *am;
	uint32_t nam;
	struct xl_fast mf[R_COUNT];	/* the map regions' (xl_ctx mf) */
	struct xl_fast none[R_COUNT];	/* for a run of another env: no access passes */
};

/* the headers the generated code includes, as this binary was built (xlate_hdrs.c) */
struct xl_hdr {
	const char *name, *text;
};
extern const char xl_hdr_env[], xl_hdr_mem[], xl_hdr_xdp[], xl_hdr_sem[], xl_hdr_sim[],
	xl_hdr_rt[];
static const struct xl_hdr *hdrs(void)
{
	static const struct xl_hdr h[] = {
		{ "env.h", xl_hdr_env }, { "mem.h", xl_hdr_mem }, { "xdp.h", xl_hdr_xdp },
		{ "sem.h", xl_hdr_sem }, { "sim.h", xl_hdr_sim }, { "xlate_rt.h", xl_hdr_rt },
		{ NULL, NULL },
	};
	return h;
}

/* ---- emitting C ---- */

struct emit {
	FILE *f;
	const struct vliw *v;
	int sim;
	uint32_t prog;
	const struct image_prog *p;
	uint8_t *start;		/* per row of p: a block starts here */
	uint32_t *rem;		/* per row of p: rows of its block after it */
	uint32_t *blen;		/* per row of p (block starts): rows in the block */
	uint8_t *chk;		/* per row of p: the budget is checked here */
	uint32_t *bound;	/* per row of p: rows that can run from it to the next check */
	int16_t *rg;		/* per row of p and register: its region guess */
	uint8_t *pst;		/* per row of p: a row run before it may have stored (sim) */
	uint8_t *pwr;		/* per row of p: a row run after it may read its writes (sim) */
	int pkt_fast;		/* some access goes through the packet's xl_fast (fp_) */
	char acc[64];		/* guessed()'s */
	struct sim_row *tm;	/* sim: the row records' static figures (table T) */
	uint32_t ntm, tmcap;
	int loads;		/* the row being emitted has loads (mem_dep, frames) */
	int32_t call;		/* and calls this helper (its records' T: sim__row_helper_static) */
	int fp_const;		/* no word writes r10: it is always HXDP_FP(0) */
	const struct xl_amap *am;	/* the maps' table as the run will have it (xl_am_) */
	uint32_t nam;
	int err;
};

static const struct vliw_word *word(const struct vliw *v, uint32_t row, uint32_t lane)
{
	return &v->w[(size_t)row * v->lanes + lane];
}

static int is_ctl(const struct vliw_word *w)
{
	return w->form == F_JA || w->form == F_EXIT || w->form == F_EXITK ||
	       w->form == F_EXITR || w->form == F_JCC_K || w->form == F_JCC_X ||
	       w->form == F_JPKT;
}

static int is_cond(const struct vliw_word *w)
{
	return w->form == F_JCC_K || w->form == F_JCC_X || w->form == F_JPKT;
}

static int is_jump(const struct vliw_word *w)
{
	return w->form == F_JA || is_cond(w);
}

static uint8_t row_lanes(const struct vliw *v, uint32_t row)
{
	uint8_t m = 0;

	for (uint32_t l = 0; l < v->lanes; l++)
		if (word(v, row, l)->op != CC_NOP)
			m |= (uint8_t)(1u << l);
	return m;
}

static int in_prog(const struct image_prog *p, uint32_t row)
{
	return row - p->first_row < p->nrows;
}

/* the jump targets of row i of e->p inside it, as row indices of e->p; how many */
static int targets(const struct emit *e, uint32_t i, uint32_t t[CC_MAX_LANES])
{
	int k = 0;

	for (uint32_t l = 0; l < e->v->lanes; l++) {
		const struct vliw_word *w = word(e->v, e->p->first_row + i, l);

		if (w->op != CC_NOP && is_jump(w) && in_prog(e->p, w->target))
			t[k++] = w->target - e->p->first_row;
	}
	return k;
}

/* the rows that can run from row i's start before a check (the next check row, the end
 * of the program or of the run): fall-through assumed possible from every row */
static uint32_t reach(const struct emit *e, uint32_t i, uint32_t n)
{
	uint32_t most = i + 1 < n && !e->chk[i + 1] ? e->bound[i + 1] : 0, t[CC_MAX_LANES];

	for (int k = targets(e, i, t); k-- > 0;)
		if (!e->chk[t[k]] && e->bound[t[k]] > most)
			most = e->bound[t[k]];
	return 1 + most;
}

static int has_store(const struct vliw *v, uint32_t row)
{
	for (uint32_t l = 0; l < v->lanes; l++) {
		const struct vliw_word *w = word(v, row, l);

		if (w->op != CC_NOP && (w->form == F_ST || w->form == F_STX || w->form == F_ST6 ||
					w->form == F_STX6 || w->form == F_ATOMIC ||
					w->form == F_ATOMIC_NZ))
			return 1;
	}
	return 0;
}

/* a row that reads the last row's writes (sim: xl_dep, a helper's key, the interpreter
 * after a bail): loads, atomics, calls */
static int reads_prev(const struct vliw *v, uint32_t row)
{
	for (uint32_t l = 0; l < v->lanes; l++) {
		const struct vliw_word *w = word(v, row, l);

		if (w->op != CC_NOP && (w->form == F_LDX || w->form == F_LDX6 ||
					w->form == F_LDXSPEC || w->form == F_ATOMIC ||
					w->form == F_ATOMIC_NZ || w->form == F_CALL))
			return 1;
	}
	return 0;
}

/* sim: does a row that may run next read row i's writes? (it, a tail call, or a jump
 * out of the program: may be) */
static int writes_read(const struct emit *e, uint32_t i)
{
	const struct image_prog *p = e->p;
	uint32_t row = p->first_row + i, t[CC_MAX_LANES];
	int k = targets(e, i, t);

	if (i + 1 >= p->nrows || reads_prev(e->v, row + 1))
		return 1;
	for (uint32_t l = 0; l < e->v->lanes; l++) {
		const struct vliw_word *w = word(e->v, row, l);

		if (w->op != CC_NOP && (w->form == F_CALL ||
					(is_jump(w) && !in_prog(p, w->target))))
			return 1;
	}
	while (k-- > 0)
		if (reads_prev(e->v, p->first_row + t[k]))
			return 1;
	return 0;
}

/* the rows whose loads may read the last row's writes (sim: xl_dep): the first (a tail
 * call's row may have stored) and every row after or jumped to from a row with stores;
 * and the rows whose writes a next row may read (pwr: only those keep them) */
static void stored_before(struct emit *e)
{
	const struct image_prog *p = e->p;
	uint32_t n = p->nrows;

	memset(e->pst, 0, n);
	if (n)
		e->pst[0] = 1;
	for (uint32_t r = 0; r < n; r++) {
		uint32_t t[CC_MAX_LANES];

		e->pwr[r] = (uint8_t)writes_read(e, r);
		if (!has_store(e->v, p->first_row + r))
			continue;
		if (r + 1 < n)
			e->pst[r + 1] = 1;
		for (int k = targets(e, r, t); k-- > 0;)
			e->pst[t[k]] = 1;
	}
}

/* blocks (runs of rows entered at their first only) and checks: the program's first
 * row and every target of a backward jump check the budget for all the rows that can
 * run before the next check (bound), so a cycle passes a check and a straight path
 * does not need one */
static void blocks(struct emit *e)
{
	const struct image_prog *p = e->p;
	uint32_t n = p->nrows, last = 0;

	memset(e->start, 0, n);
	memset(e->chk, 0, n);
	if (n)
		e->start[0] = e->chk[0] = 1;
	for (uint32_t r = 0; r < n; r++) {
		uint32_t t[CC_MAX_LANES];

		for (int k = targets(e, r, t); k-- > 0;) {
			e->start[t[k]] = 1;
			if (t[k] <= r)
				e->chk[t[k]] = 1;
		}
	}
	for (uint32_t r = 1; r <= n; r++)
		if (r == n || e->start[r]) {
			for (uint32_t i = last; i < r; i++)
				e->rem[i] = r - 1 - i;
			e->blen[last] = r - last;
			last = r;
		}
	for (uint32_t i = n; i-- > 0;)
		e->bound[i] = reach(e, i, n);
	stored_before(e);
}

/* ---- region guesses: the region each register points into at a row's start, as far
 * as the rows show it (the context and the stack at entry, the packet from the context's
 * data fields, a map's values from its lookup). Only a guess: the access it picks checks
 * the region at run time and falls back to the general one. */

#define G_NONE (-2)	/* not reached yet */
#define G_UNK (-1)

static int g_ptr(int g) { return g >= R_CTX; }

static int g_join(int a, int b)
{
	return a == G_NONE ? b : b == G_NONE || a == b ? a : G_UNK;
}

static int g_const(int64_t k)
{
	uint32_t r = HXDP_REGION((uint64_t)k);

	return (r >= R_PKT && r < R_COUNT) || r >= R_MAPREF ? (int)r : G_UNK;
}

/* what word w writes to its destination, from the row-start guesses g */
static int g_word(const struct vliw_word *w, const int16_t *g)
{
	int a, b;

	switch (w->form) {
	case F_LDX:
		return g[w->src] == R_CTX && w->size == 4 && w->off >= 0 &&
		       run__ctx_is_pkt((uint32_t)w->off) ? R_PKT : G_UNK;
	case F_LDK:
		return g_const(w->k);
	case F_ALU_K: case F_ALU_X:
		a = g[w->dst];
		b = w->kform ? (w->alu_op == BPF_MOV ? g_const(w->k) : G_UNK) : g[w->src];
		break;
	case F_ALU3_K: case F_ALU3_X:
		a = g[w->src];
		b = w->kform ? G_UNK : g[w->src2];
		break;
	default:
		return G_UNK;
	}
	if (!w->is64)
		return G_UNK;
	switch (w->alu_op) {
	case BPF_MOV: return b;
	case BPF_ADD: return g_ptr(a) && !g_ptr(b) ? a : g_ptr(b) && !g_ptr(a) ? b : G_UNK;
	case BPF_SUB: return g_ptr(a) && !g_ptr(b) ? a : G_UNK;
	}
	return G_UNK;
}

/* out: the guesses after row (in: before it) */
static void g_row(const struct emit *e, uint32_t row, const int16_t *in, int16_t *out)
{
	memcpy(out, in, CC_NREGS * sizeof(*out));
	for (uint32_t l = 0; l < e->v->lanes; l++) {
		const struct vliw_word *w = word(e->v, row, l);

		if (w->op == CC_NOP)
			continue;
		for (int r = 0; r < CC_NREGS; r++)
			if (w->wr & (1u << r))
				out[r] = G_UNK;
		if (w->form == F_CALL) {
			if (w->k == BPF_FUNC_map_lookup_elem && in[1] >= R_MAPREF &&
			    in[1] - R_MAPREF < HXDP_MAX_MAPS)
				out[0] = (int16_t)(R_MAP0 + in[1] - R_MAPREF);
		} else if (!is_ctl(w) && (w->wr & (1u << w->dst))) {
			out[w->dst] = (int16_t)g_word(w, in);
		}
	}
}

static int g_flow(int16_t *to, const int16_t *from)
{
	int changed = 0;

	for (int r = 0; r < CC_NREGS; r++) {
		int16_t v = (int16_t)g_join(to[r], from[r]);

		changed |= v != to[r];
		to[r] = v;
	}
	return changed;
}

/* e->rg[row * CC_NREGS + r] for the rows of e->p, to a fixed point */
static void guess_regions(struct emit *e)
{
	const struct image_prog *p = e->p;
	int16_t out[CC_NREGS];
	int changed = 1;

	for (size_t i = 0; i < (size_t)p->nrows * CC_NREGS; i++)
		e->rg[i] = G_NONE;
	for (int r = 0; r < CC_NREGS; r++)
		e->rg[r] = G_UNK;
	if (p->nrows) {
		e->rg[1] = R_CTX;
		e->rg[CC_FP] = R_STACK;
	}
	while (changed) {
		changed = 0;
		for (uint32_t i = 0; i < p->nrows; i++) {
			uint32_t t[CC_MAX_LANES];

			if (e->rg[i * CC_NREGS] == G_NONE)
				continue;	/* not reached (yet) */
			g_row(e, p->first_row + i, &e->rg[i * CC_NREGS], out);
			if (i + 1 < p->nrows)
				changed |= g_flow(&e->rg[(i + 1) * CC_NREGS], out);
			for (int k = targets(e, i, t); k-- > 0;)
				changed |= g_flow(&e->rg[t[k] * CC_NREGS], out);
		}
	}
}

/* the region to try first for an access through register r at row: -1 none */
static int guess_at(const struct emit *e, uint32_t row, int r)
{
	int g = e->rg[(row - e->p->first_row) * CC_NREGS + r];

	return g >= R_PKT && g < R_COUNT ? g : -1;
}

/* the access at a of size bytes in guessed region g, by one compare: the stack's
 * against constants, the packet's through fp_ (made at entry and after every helper
 * call: only helpers move the packet), a map's through mf_[g] (map memory does not
 * move: made at open); else the general check of xl_at */
static const char *guessed(struct emit *e, int g, const char *a, uint32_t size, int write)
{
	if (g == R_STACK && e->fp_const)	/* xl_sat's premise */
		snprintf(e->acc, sizeof(e->acc), "xl_sat(run, %s, %u)", a, size);
	else if (g == R_PKT && (e->pkt_fast = 1))
		snprintf(e->acc, sizeof(e->acc), "xl_fat(&fp_, %s, %d)", a, write);
	else if (g >= R_MAP0)
		snprintf(e->acc, sizeof(e->acc), "xl_fat(&mf_[%d], %s, %d)", g, a, write);
	else
		snprintf(e->acc, sizeof(e->acc), "xl_at(run->reg, %s, %u, %d, %d)", a, size, g,
			 write);
	return e->acc;
}

static void k64(FILE *f, int64_t k)
{
	fprintf(f, "0x%llxull", (unsigned long long)k);
}

/* the sim's record of a row: its static figures with this outcome (an entry of T),
 * what the row's loads and helper found */
static void srow(struct emit *e, uint32_t row, uint8_t lanes, int ctl, int ctl_lane,
		 int helper)
{
	if (!e->sim)
		return;
	if (e->ntm > 0xffff) {	/* a record's k (sim.h) */
		e->err = -E2BIG;
		return;
	}
	if (e->ntm == e->tmcap) {
		uint32_t cap = e->tmcap ? 2 * e->tmcap : 256;
		void *p = realloc(e->tm, cap * sizeof(*e->tm));

		if (!p) {
			e->err = -ENOMEM;
			return;
		}
		e->tm = p;
		e->tmcap = cap;
	}
	sim__row_static(e->v, e->prog, row, lanes, ctl, ctl_lane, &e->tm[e->ntm]);
	if (helper)
		sim__row_helper_static(e->call, &e->tm[e->ntm]);
	fprintf(e->f, "\t\tSROW%s(%u, %d);\n", helper ? "H" : "", e->ntm++, e->loads);
}

static void emit_table(FILE *f, const struct sim_row *t, uint32_t n)
{
	fprintf(f, "__attribute__((visibility(\"default\"))) const struct sim_row xl_T[%u] = {\n",
		n ? n : 1);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "\t{ .pc = %u, .prog = %u, .wr = %u, .rd_id = %u, .ctl = %u, "
			".mem_dep = %u, .exit_r0 = %u, .cond = %u, .lat = %u, .helper = %d, "
			".frames_id = %u, .frames_ie = %u },\n", t[i].pc, t[i].prog, t[i].wr,
			t[i].rd_id, t[i].ctl, t[i].mem_dep, t[i].exit_r0, t[i].cond, t[i].lat,
			t[i].helper, t[i].frames_id, t[i].frames_ie);
	fprintf(f, "};\n\n");
}

/* leaving row at a fault: rows counted, the run finished */
static void fault_exit(struct emit *e, uint32_t row, uint32_t lane, int helper)
{
	uint8_t lanes = row_lanes(e->v, row);

	if (lane < 8)
		lanes &= (uint8_t)((2u << lane) - 1);
	srow(e, row, lanes, VLIW_FAULT, -1, helper);
	fprintf(e->f, "\t\tFIN(%d, 0, n - %u);\n", VLIW_FAULT, e->rem[row - e->p->first_row]);
}

/* an access at r10 + off of size bytes that needs no check: its stack offset, or -1
 * (run.c: region R_STACK is the run's stack, [0, sizeof), writable; stack_is_run
 * checks this before the code is entered) */
static int64_t fp_off(const struct emit *e, int base, int16_t off, uint32_t size)
{
	int64_t o = (int64_t)HXDP_OFF(HXDP_FP(0)) + off;

	if (!e->fp_const || base != CC_FP || o < 0 ||
	    o + size > (int64_t)(HXDP_MAX_FRAMES * HXDP_STACK_SIZE))
		return -1;
	return o;
}

/* the array map of the table whose lookup the call at row is expected to make: its
 * index, or -1 */
static int guess_map(const struct emit *e, uint32_t row)
{
	int g = e->rg[(row - e->p->first_row) * CC_NREGS + 1];
	uint32_t i = (uint32_t)(g - R_MAPREF);

	return g >= R_MAPREF && i < e->nam && e->am[i].ok ? (int)i : -1;
}

/* a 4-byte load through a register guessed to hold the context (sign-extending loads
 * and offsets past the xdp_md left to the general path) */
static int ctx_field(const struct emit *e, uint32_t row, const struct vliw_word *w)
{
	return e->rg[(row - e->p->first_row) * CC_NREGS + w->src] == R_CTX &&
	       w->op == I_LDX_w && w->off >= 0 && (size_t)w->off < sizeof(struct xdp_md);
}

static void emit_load(struct emit *e, uint32_t row, uint32_t l, const struct vliw_word *w)
{
	FILE *f = e->f;
	const char *ext = w->op == I_LDXS_b ? "(int8_t)" : w->op == I_LDXS_h ? "(int16_t)" :
			  w->op == I_LDXS_w ? "(int32_t)" : "";
	const char *ty = w->size == 1 ? "uint8_t" : w->size == 2 ? "uint16_t" :
			 w->size == 4 ? "uint32_t" : "uint64_t";
	char a[16];
	int g;

	fprintf(f, "\tuint64_t v%u, a%u = r%u + (uint64_t)(int64_t)%d;\n", l, l, w->src, w->off);
	if (e->sim && e->pst[row - e->p->first_row])
		fprintf(f, "\tMEMDEP(a%u, %u);\n", l, w->size);
	/* sim: the packet bytes it reads (FEND), known to be none on the stack and in
	 * the guessed region when that is not the packet */
	if (ctx_field(e, row, w)) {
		/* run__ctx_read at a constant offset (its checks fold), for the address the
		 * guess expects */
		fprintf(f, "\tif (__builtin_expect(a%u == 0x%llxull &&\n"
			"\t\t\t     (run->reg[R_CTX].flags & REG_CTX) &&\n"
			"\t\t\t     !run__ctx_read(run, %d, 4, &v%u), 1))\n\t\t;\n\telse\n",
			l, (unsigned long long)HXDP_ADDR(R_CTX, w->off), w->off, l);
	}
	if (fp_off(e, w->src, w->off, w->size) >= 0) {
		fprintf(f, "\t{\n\t\tconst uint8_t *p_ = run->stack + %lld;\n",
			(long long)fp_off(e, w->src, w->off, w->size));
	} else if ((g = guess_at(e, row, w->src)) >= 0) {
		snprintf(a, sizeof(a), "a%u", l);
		fprintf(f, "\t{\n\t\tconst uint8_t *p_ = %s;\n"
			"\t\tif (__builtin_expect(!p_, 0)) {\n\t\t\tp_ = xl_ld(run->reg, a%u, %u);\n",
			guessed(e, g, a, w->size, 0), l, w->size);
		if (e->sim)
			fprintf(f, "\t\t\tFEND(a%u, %u);\n", l, w->size);
		fprintf(f, "\t\t}\n");
		if (e->sim && g == R_PKT)
			fprintf(f, "\t\telse\n\t\t\tFEND_PKT(a%u, %u);\n", l, w->size);
	} else {
		fprintf(f, "\t{\n\t\tconst uint8_t *p_ = xl_ld(run->reg, a%u, %u);\n", l,
			w->size);
		if (e->sim)
			fprintf(f, "\t\tFEND(a%u, %u);\n", l, w->size);
	}
	fprintf(f, "\t\tif (__builtin_expect(p_ != NULL, 1)) {\n");
	if (w->size == 6)
		fprintf(f, "\t\t\tv%u = 0;\n\t\t\tmemcpy(&v%u, p_, 6);\n", l, l);
	else
		fprintf(f, "\t\t\t%s t_;\n\t\t\tmemcpy(&t_, p_, %u);\n"
			"\t\t\tv%u = (uint64_t)(int64_t)%s t_;\n", ty, w->size, l, ext);
	fprintf(f, "\t\t} else if ((HXDP_REGION(a%u) != R_CTX || (run->reg[R_CTX].flags & REG_CTX) == 0 ||\n"
		"\t\t\t    run__ctx_read(run, HXDP_OFF(a%u), %u, &v%u)) &&\n"
		"\t\t\t   c->ops->load_slow(c, %u, %u, a%u, &v%u)) {\n", l, l, w->size, l, row, l, l, l);
	fault_exit(e, row, l, 0);
	fprintf(f, "\t\t}\n\t}\n");
}

static void emit_store(struct emit *e, uint32_t row, uint32_t l, const struct vliw_word *w)
{
	FILE *f = e->f;
	int imm = w->form == F_ST || w->form == F_ST6, g;
	char a[16];

	fprintf(f, "\tuint64_t a%u = r%u + (uint64_t)(int64_t)%d, w%u = ", l, w->dst, w->off, l);
	if (imm)
		k64(f, w->k);
	else
		fprintf(f, "r%u", w->src);
	fprintf(f, ";\n");
	if (e->sim && e->pwr[row - e->p->first_row])
		fprintf(f, "\tMEMWR(%u, a%u, %u);\n", l, l, w->size);
	if (fp_off(e, w->dst, w->off, w->size) >= 0) {
		fprintf(f, "\tvoid *p%u = run->stack + %lld;\n", l,
			(long long)fp_off(e, w->dst, w->off, w->size));
	} else if ((g = guess_at(e, row, w->dst)) >= 0) {
		/* the guess: faults and stack_lo are the general path's */
		snprintf(a, sizeof(a), "a%u", l);
		fprintf(f, "\tvoid *p%u = %s;\n"
			"\tif (__builtin_expect(!p%u, 0)) {\n"
			"\t\tp%u = mem_xlate(run->reg, a%u, %u, 1);\n"
			"\t\tif (__builtin_expect(!p%u, 0)) {\n"
			"\t\t\tc->ops->mem_fault(c, %u, %u, a%u, %d);\n",
			l, guessed(e, g, a, w->size, 1), l, l, l, w->size, l, row, l, l, XL_STORE);
		fault_exit(e, row, l, 0);
		fprintf(f, "\t\t}\n\t\trun__stack_dirty(run, a%u);\n\t}\n", l);
		if (g == R_STACK)
			fprintf(f, "\telse\n\t\trun__stack_dirty(run, a%u);\n", l);
		return;
	} else {
		fprintf(f, "\tvoid *p%u = mem_xlate(run->reg, a%u, %u, 1);\n", l, l, w->size);
	}
	fprintf(f, "\tif (__builtin_expect(!p%u, 0)) {\n\t\tc->ops->mem_fault(c, %u, %u, a%u, %d);\n",
		l, row, l, l, XL_STORE);
	fault_exit(e, row, l, 0);
	fprintf(f, "\t}\n\trun__stack_dirty(run, a%u);\n", l);
}

/* vliw.c atomic(): the new value held like a store; fetch forms set v<l> (register
 * g<l>) */
static void emit_atomic(struct emit *e, uint32_t row, uint32_t l, const struct vliw_word *w)
{
	FILE *f = e->f;
	int op = (int)w->k & ~BPF_FETCH;

	fprintf(f, "\tuint64_t a%u = 0, w%u = 0, v%u = 0;\n\tvoid *p%u = NULL;\n", l, l, l, l);
	if (w->form == F_ATOMIC_NZ)
		fprintf(f, "\tif (r%u) {\n", w->dst);
	else
		fprintf(f, "\t{\n");
	fprintf(f, "\t\ta%u = r%u + (uint64_t)(int64_t)%d;\n", l, w->dst, w->off);
	fprintf(f, "\t\tp%u = (a%u & %u) ? NULL : mem_xlate(run->reg, a%u, %u, 1);\n", l, l,
		w->size - 1, l, w->size);
	if (e->sim && e->pwr[row - e->p->first_row])
		fprintf(f, "\t\tMEMWR(%u, a%u, %u);\n", l, l, w->size);
	fprintf(f, "\t\tif (__builtin_expect(!p%u, 0)) {\n\t\tc->ops->mem_fault(c, %u, %u, a%u, %d);\n",
		l, row, l, l, XL_ATOMIC);
	fault_exit(e, row, l, 0);
	fprintf(f, "\t\t}\n\t\trun__stack_dirty(run, a%u);\n", l);
	fprintf(f, "\t\tuint64_t o_ = 0, s_ = r%u;\n\t\tmemcpy(&o_, p%u, %u);\n", w->src, l,
		w->size);
	if (w->k == BPF_CMPXCHG) {
		fprintf(f, "\t\tw%u = o_ == %sr0 ? s_ : o_;\n\t\tv%u = o_;\n", l,
			w->size == 4 ? "(uint32_t)" : "", l);
	} else {
		if (w->k == BPF_XCHG)
			fprintf(f, "\t\tw%u = s_;\n", l);
		else
			fprintf(f, "\t\tw%u = o_ %s s_;\n", l, op == BPF_ADD ? "+" : op == BPF_OR ?
				"|" : op == BPF_AND ? "&" : "^");
		fprintf(f, "\t\tv%u = o_;\n", l);
	}
	fprintf(f, "\t}\n");
}

static const char *reg_or_k(char *buf, size_t n, int kform, int reg, int64_t k)
{
	if (kform)
		snprintf(buf, n, "(uint64_t)0x%llxull", (unsigned long long)k);
	else
		snprintf(buf, n, "r%d", reg);
	return buf;
}

/* the lane's register result in v<l>; 0: it writes none */
static int emit_alu(struct emit *e, uint32_t l, const struct vliw_word *w)
{
	FILE *f = e->f;
	char b[64];

	if (w->op == I_MOVSX8_32 || w->op == I_MOVSX16_32 || w->op == I_MOVSX8_64 ||
	    w->op == I_MOVSX16_64 || w->op == I_MOVSX32_64) {
		fprintf(f, "\tuint64_t v%u = sem_movsx(%d, %d, r%u);\n", l, isa_info[w->op].selv,
			BPF_CLASS(isa_info[w->op].opc) == BPF_ALU64, w->src);
		return 1;
	}
	switch (w->form) {
	case F_ALU_K: case F_ALU_X: case F_NEG:
		fprintf(f, "\tuint64_t v%u = sem_alu(%d, %d, %d, r%u, %s);\n", l, w->alu_op, w->sgn,
			w->is64, w->dst, reg_or_k(b, sizeof(b), w->kform, w->src, w->k));
		return 1;
	case F_ALU3_K: case F_ALU3_X: case F_NEG3:
		fprintf(f, "\tuint64_t v%u = sem_alu(%d, %d, %d, r%u, %s);\n", l, w->alu_op, w->sgn,
			w->is64, w->src, reg_or_k(b, sizeof(b), w->kform, w->src2, w->k));
		return 1;
	case F_END:
		fprintf(f, "\tuint64_t v%u = sem_end(%d, %d, r%u);\n", l,
			w->op != I_LE16 && w->op != I_LE32 && w->op != I_LE64, (int)w->k, w->dst);
		return 1;
	case F_LDK:
		fprintf(f, "\tuint64_t v%u = ", l);
		k64(f, w->k);
		fprintf(f, ";\n");
		return 1;
	}
	return 0;
}

/* the condition of a control word on row-start registers (vliw.c taken()) */
static void cond_expr(FILE *f, const struct vliw_word *w)
{
	static const char *const pk[] = { ">", ">=", "<", "<=" };
	char b[64];

	switch (w->form) {
	case F_JCC_K: case F_JCC_X:
		fprintf(f, "sem_jcc(%d, %d, r%u, %s)", w->alu_op, w->is64, w->dst,
			reg_or_k(b, sizeof(b), w->form == F_JCC_K, w->src, w->k));
		return;
	case F_JPKT:
		fprintf(f, "(r%u + (uint64_t)0x%llxull %s de_)", w->dst,
			(unsigned long long)w->k, pk[w->src & 3]);
		return;
	}
	fprintf(f, "1");
}

static void emit_helper(struct emit *e, uint32_t row, const struct vliw_word *w, int conf)
{
	FILE *f = e->f;
	int32_t id = (int32_t)w->k;
	const char *args = "uint64_t ha[5] = { r1, r2, r3, r4, r5 };";

	e->call = id;
	fprintf(f, "\tuint64_t hv = 0;\n\tint conf = 0;\n");
	if (e->sim)
		fprintf(f, "\tuint32_t hw = 0;\n");
	if (conf) {	/* the conformance suite's unwind hook (vliw.c helper()) */
		fprintf(f, "\tif (run->env && run->env->conformance) {\n\t\t%s\n\t\tconf = 1;\n",
			args);
		if (e->sim)
			fprintf(f, "\t\tSYNC();\n\t\thw = c->shelper(c, %d, ha);\n", id);
		fprintf(f, "\t\thv = ha[0];\n\t\tif (!hv) {\n");
		srow(e, row, row_lanes(e->v, row), VLIW_EXIT, -1, 1);
		fprintf(f, "\t\tFIN(%d, 0, n - %u);\n\t\t}\n\t} else {\n", VLIW_EXIT,
			e->rem[row - e->p->first_row]);
	} else {
		fprintf(f, "\t{\n");
	}
	fprintf(f, "\t\trun->res->helpers++;\n");
	/* an array lookup done in place writes no memory: no stack_lo to lower; the
	 * arguments go to memory only for the call */
	if (id == BPF_FUNC_map_lookup_elem) {
		int g = guess_at(e, row, 2), m = guess_map(e, row);

		fprintf(f, "\t\tif (!xl_alookup");
		if (m >= 0)
			fprintf(f, "_at(c, run, %d, &xl_am_[%d], ", m, m);
		else
			fprintf(f, "(c, run, ");
		fprintf(f, "r1, r2, %s, &hv, %s, %s)) {\n", g >= 0 ? guessed(e, g, "r2", 4, 0) : "NULL",
			e->sim ? "&hw" : "NULL", e->sim ? "prev_, np_" : "NULL, 0");
	} else
		fprintf(f, "\t\t{\n");
	fprintf(f, "\t\t%s\n", args);
	for (int i = 0; i < 5; i++)
		fprintf(f, "\t\trun__stack_dirty(run, ha[%d]);\n", i);
	/* helpers move the packet (run__pkt_moved) */
	fprintf(f, "\t\t\thv = c->ops->helper(run, %d, ha);\n\t\t\tPKT_MOVED();\n", id);
	if (e->sim)
		fprintf(f, "\t\t\tSYNC();\n\t\t\thw = c->shelper(c, %d, ha);\n", id);
	fprintf(f, "\t\tif (__builtin_expect(run->res->fault != 0, 0)) {\n");
	fault_exit(e, row, 8, 1);
	fprintf(f, "\t\t}\n\t\t}\n\t}\n");
}

static void emit_row(struct emit *e, uint32_t row)
{
	const struct vliw *v = e->v;
	const struct image_prog *p = e->p;
	uint32_t ri = row - p->first_row, rem = e->rem[ri];
	uint8_t lanes = row_lanes(v, row);
	int call = -1, ctl[CC_MAX_LANES], nctl = 0, regw[CC_MAX_LANES] = { 0 }, st[CC_MAX_LANES];
	int nst = 0, tail;
	FILE *f = e->f;

	e->loads = 0;
	for (uint32_t l = 0; l < v->lanes; l++) {
		const struct vliw_word *w = word(v, row, l);

		e->loads |= w->op != CC_NOP && (w->form == F_LDX || w->form == F_LDX6 ||
						 w->form == F_LDXSPEC);
	}
	fprintf(f, "R%u:\n", row);
	if (e->chk[ri]) {
		fprintf(f, "\tif (__builtin_expect(n + %u > budget, 0))\n\t\tBAIL(%u, n);\n",
			e->bound[ri], row);
		if (e->sim)
			fprintf(f, "\tif (__builtin_expect(ns + %u > c->scap, 0)) {\n"
				"\t\tKEEP_NS();\n\t\tif (c->sgrow(c, ns + %u))\n"
				"\t\t\tBAIL(%u, n);\n\t\tsrows = c->srec;\n\t}\n",
				2 * e->bound[ri], 2 * e->bound[ri], row);	/* 2: a helper's word */
	}
	if (e->start[ri])
		fprintf(f, "\tn += %u;\n", e->blen[ri]);
	fprintf(f, "{\n");
	if (e->sim)
		fprintf(f, "\tint md = 0;\n\tuint32_t fe = 0, nw = 0;\n"
			"\t(void)md; (void)fe; (void)nw;\n");
	/* control: the first taken one in lane order, on the row's start values */
	for (uint32_t l = 0; l < v->lanes; l++) {
		const struct vliw_word *w = word(v, row, l);

		if (w->op == CC_NOP || w->form == F_CALL || !is_ctl(w))
			continue;
		ctl[nctl++] = (int)l;
		if (!is_cond(w))
			break;
	}
	if (nctl) {
		fprintf(f, "\tint ct = ");
		for (int i = 0; i < nctl; i++) {
			const struct vliw_word *w = word(v, row, (uint32_t)ctl[i]);

			if (!is_cond(w)) {
				fprintf(f, "%d", ctl[i]);
				break;
			}
			cond_expr(f, w);
			fprintf(f, " ? %d : ", ctl[i]);
			if (i == nctl - 1)
				fprintf(f, "-1");
		}
		fprintf(f, ";\n");
		for (int i = 0; i < nctl; i++) {
			const struct vliw_word *w = word(v, row, (uint32_t)ctl[i]);

			if (w->form == F_EXIT)
				fprintf(f, "\tuint64_t x%d = r0;\n", ctl[i]);
			else if (w->form == F_EXITR)
				fprintf(f, "\tuint64_t x%d = %sr%u;\n", ctl[i], w->k ? "(uint32_t)" : "",
					w->dst);
		}
	}
	for (uint32_t l = 0; l < v->lanes; l++) {
		const struct vliw_word *w = word(v, row, l);

		if (w->op == CC_NOP || is_ctl(w))
			continue;
		switch (w->form) {
		case F_CALL:
			call = (int)l;
			break;
		case F_LDX: case F_LDX6: case F_LDXSPEC:
			emit_load(e, row, l, w);
			regw[l] = 1;
			break;
		case F_ST: case F_STX: case F_ST6: case F_STX6:
			emit_store(e, row, l, w);
			st[nst++] = (int)l;
			break;
		case F_ATOMIC: case F_ATOMIC_NZ:
			emit_atomic(e, row, l, w);
			st[nst++] = (int)l;
			regw[l] = w->k == BPF_CMPXCHG ? 2 : (w->k & BPF_FETCH) ? 3 : 0;
			break;
		default:
			regw[l] = emit_alu(e, l, w);
		}
	}
	if (call >= 0)
		emit_helper(e, row, word(v, row, (uint32_t)call), word(v, row, (uint32_t)call)->k == 5);
	/* commit: stores, then registers, in lane order; the helper's last */
	for (int i = 0; i < nst; i++) {
		const struct vliw_word *w = word(v, row, (uint32_t)st[i]);

		if (w->form == F_ATOMIC_NZ)
			fprintf(f, "\tif (p%d)\n\t", st[i]);
		fprintf(f, "\tmemcpy(p%d, &w%d, %u);\n", st[i], st[i], w->size);
	}
	for (uint32_t l = 0; l < v->lanes; l++) {
		const struct vliw_word *w = word(v, row, l);

		if (regw[l] == 1)
			fprintf(f, "\tr%u = v%u;\n", w->dst, l);
		else if (regw[l] == 2)	/* cmpxchg: r0 = old (when it ran) */
			fprintf(f, "\tif (p%u)\n\t\tr0 = v%u;\n", l, l);
		else if (regw[l] == 3)
			fprintf(f, "\tif (p%u)\n\t\tr%u = v%u;\n", l, w->src, l);
	}
	if (call >= 0)
		fprintf(f, "\tr0 = hv;\n\tif (!conf)\n\t\tr1 = r2 = r3 = r4 = r5 = XL_CLOBBER;\n");
	if (e->sim && e->pwr[ri])	/* this row's writes, for the next row */
		fprintf(f, nst ? "\tPREV();\n" : "\tnp_ = 0;\n");
	tail = call >= 0 && word(v, row, (uint32_t)call)->k == BPF_FUNC_tail_call;
	if (tail) {
		fprintf(f, "\tif (run->tail_prog >= 0) {\n\t\tSAVE();\n\t\tc->rows = n - %u;\n"
			"\t\tint np = c->ops->tail(c);\n\t\tif (np < 0) {\n", rem);
		srow(e, row, lanes, VLIW_FAULT, -1, 1);
		fprintf(f, "\t\tKEEP_NS();\n\t\treturn XL_ENDED;\n\t\t}\n");
		srow(e, row, lanes, VLIW_TAIL, -1, 1);
		fprintf(f, "\t\tLOAD();\n\t\tPKT_MOVED();\n"
			"\t\tn = c->rows;\n\t\tprog = (uint32_t)np;\n"
			"\t\tgoto dispatch;\n\t}\n");
	}
	for (int i = 0; i < nctl; i++) {
		const struct vliw_word *w = word(v, row, (uint32_t)ctl[i]);

		fprintf(f, "\tif (ct == %d) {\n", ctl[i]);
		switch (w->form) {
		case F_EXIT: case F_EXITR:
			srow(e, row, lanes, VLIW_EXIT, ctl[i], call >= 0);
			fprintf(f, "\t\tFIN(%d, x%d, n - %u);\n", VLIW_EXIT, ctl[i], rem);
			break;
		case F_EXITK:
			srow(e, row, lanes, VLIW_EXIT, ctl[i], call >= 0);
			fprintf(f, "\t\tFIN(%d, ", VLIW_EXIT);
			k64(f, w->k);
			fprintf(f, ", n - %u);\n", rem);
			break;
		default:
			srow(e, row, lanes, VLIW_JUMP, ctl[i], call >= 0);
			if (in_prog(p, w->target))
				fprintf(f, "\t\tn -= %u;\n\t\tgoto R%u;\n", rem, w->target);
			else
				fprintf(f, "\t\tBAIL(%u, n - %u);\n", w->target, rem);
		}
		fprintf(f, "\t}\n");
	}
	srow(e, row, lanes, VLIW_FALL, -1, call >= 0);
	if (!in_prog(p, row + 1))
		fprintf(f, "\tBAIL(%u, n - %u);\n", row + 1, rem);
	fprintf(f, "}\n");
}

static const char prelude[] =
	"#include \"xlate_rt.h\"\n"
	"#define SAVE() (c->r[0] = r0, c->r[1] = r1, c->r[2] = r2, c->r[3] = r3, "
	"c->r[4] = r4, c->r[5] = r5, c->r[6] = r6, c->r[7] = r7, c->r[8] = r8, "
	"c->r[9] = r9, c->r[10] = r10, c->r[11] = r11, c->r[12] = r12, c->r[13] = r13, "
	"c->r[14] = r14, c->r[15] = r15)\n"
	"#define LOAD() (r0 = c->r[0], r1 = c->r[1], r2 = c->r[2], r3 = c->r[3], "
	"r4 = c->r[4], r5 = c->r[5], r6 = c->r[6], r7 = c->r[7], r8 = c->r[8], "
	"r9 = c->r[9], r10 = c->r[10], r11 = c->r[11], r12 = c->r[12], r13 = c->r[13], "
	"r14 = c->r[14], r15 = c->r[15])\n"
	"#define BAIL(row_, rows_) do { SAVE(); SYNC(); c->row = (row_); c->rows = (rows_); "
	"c->prog = prog; KEEP_NS(); return XL_BAIL; } while (0)\n"
	"#define FIN(ctl_, r0_, rows_) do { KEEP_NS(); "
	"run__end(run, (ctl_) == VLIW_EXIT_, (r0_), (rows_), prog); return XL_ENDED; } while (0)\n";

/* KEEP_NS: the sim's record count for the host; the vliw run keeps none */
static const char prelude_vliw[] =
	"#define SYNC() ((void)0)\n#define KEEP_NS() ((void)0)\n";

static const char prelude_sim[] =
	"#define KEEP_NS() (c->ns = ns)\n"
	/* a row's record; with loads, the packet frames they need: those up to fe, the
	 * furthest packet byte read (0: none) */
	"#define SROW(k_, ld_) (srows[ns++] = (ld_) ? "
	"sim__rec((k_), md, sim__frames_upto(c->base, c->len, fe, 0)) : (k_))\n"
	"#define SROWH(k_, ld_) (SROW((k_) | SIM_REC_HELPER, ld_), srows[ns++] = hw, c->nhelp++)\n"
	"#define MEMDEP(a_, sz_) (md |= xl_dep(prev_, np_, (a_), (sz_)))\n"
	/* the furthest packet byte the row's loads read, as an offset (fe) */
	"#define FEND_PKT(a_, sz_) do { uint32_t e_ = HXDP_OFF(a_) + (sz_); "
	"fe = e_ > fe ? e_ : fe; } while (0)\n"
	"#define FEND(a_, sz_) do { if (HXDP_REGION(a_) == R_PKT) FEND_PKT(a_, sz_); } "
	"while (0)\n"
	"#define MEMWR(l_, a_, sz_) (next_[nw++] = (struct xl_mem){ (l_), 1, (sz_), "
	"HXDP_REGION(a_), HXDP_OFF(a_) })\n"
	"#define PREV() do { struct xl_mem *t_ = prev_; prev_ = next_; next_ = t_; np_ = nw; } "
	"while (0)\n"
	/* the last row's writes live in locals; the host reads them at a bail or a helper */
	"#define SYNC() (c->prev = prev_, c->next = next_, c->nprev = np_)\n";

/* the rows of every program, into a string (their guesses name the xl_fast they use) */
static int emit_rows(struct emit *e, char **rows, size_t *len)
{
	const struct vliw *v = e->v;
	FILE *f = e->f;

	if (!(e->f = open_memstream(rows, len)))
		return -ENOMEM;
	for (uint32_t i = 0; i < v->img->nprogs; i++) {
		e->prog = i;
		e->p = &v->img->progs[i];
		blocks(e);
		guess_regions(e);
		for (uint32_t r = 0; r < e->p->nrows; r++)
			emit_row(e, e->p->first_row + r);
	}
	if (fclose(e->f))
		e->err = -ENOMEM;
	e->f = f;
	return e->err;
}

static void emit_fn(struct emit *e, const char *name)
{
	const struct vliw *v = e->v;
	FILE *f = e->f;
	char *rows = NULL;
	size_t len = 0;

	if (emit_rows(e, &rows, &len)) {
		free(rows);
		return;
	}
	fprintf(f, "%s", e->sim ? prelude_sim : prelude_vliw);
	/* after a helper call (adjust_head, adjust_tail move the packet) or a tail call:
	 * the packet's end for bounds checks (F_JPKT) and its xl_fast */
	fprintf(f, "#define PKT_MOVED() (de_ = xl_data_end(run)%s)\n",
		e->pkt_fast ? ", xl_fast_init(run, R_PKT, &fp_)" : "");
	/* flatten: every inline piece (sem.h, mem.h, xlate_rt.h) inlined into the rows */
	fprintf(f, "__attribute__((visibility(\"default\"), flatten)) int %s(struct xl_ctx *c)\n{\n"
		"\tstruct hxdp_run *run = c->run;\n\tuint64_t n = 0, budget = c->budget;\n"
		"\tuint32_t prog = c->prog, ns = 0;\n", name);
	if (e->sim)
		fprintf(f, "\tuint32_t *srows = c->srec;\n"
			"\tstruct xl_mem *prev_ = c->prev, *next_ = c->next;\n"
			"\tuint32_t np_ = 0;\n");
	fprintf(f, "\tuint64_t r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, "
		"r15;\n\tuint64_t de_;\n");
	fprintf(f, "\tconst struct xl_fast *mf_ = c->mf;\n");
	if (e->pkt_fast)
		fprintf(f, "\tstruct xl_fast fp_;\n");
	/* the run always enters at a program's first row, no row run yet (n, ns and np_
	 * 0: no rows, records or last row's writes) and the entry values of vliw.c
	 * reset() (tail calls LOAD() theirs): constants the compiler can use */
	fprintf(f, "\n\t(void)ns;\n\t(void)de_;\n\t(void)mf_;\n"
		"\tr0 = 0, r1 = c->r1, r2 = run->r2, r3 = r4 = r5 = r6 = r7 = r8 = r9 = 0;\n"
		"\tr10 = HXDP_FP(0), r11 = r12 = r13 = r14 = r15 = 0;\n\tPKT_MOVED();\n");
	fprintf(f, "dispatch:\n\tswitch (prog) {\n");
	for (uint32_t i = 0; i < v->img->nprogs; i++)
		if (v->img->progs[i].nrows)
			fprintf(f, "\tcase %u: goto R%u;\n", i, v->img->progs[i].first_row);
	fprintf(f, "\t}\n\tBAIL(XL_ENTRY, n);\n");
	fwrite(rows, 1, len, f);
	free(rows);
	fprintf(f, "}\n\n");
}

/* the table of the maps whose lookups the rows do themselves, as constants */
static void emit_amaps(FILE *f, const struct xl_amap *am, uint32_t n)
{
	fprintf(f, "static const struct xl_amap xl_am_[%u] = {\n", n ? n : 1);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "\t{ %u, %u, %u, %u, %u, %u, 0x%xu },\n", am[i].ok, am[i].percpu,
			am[i].max_entries, am[i].ncpus, am[i].elem_size, am[i].region, am[i].hw);
	fprintf(f, "};\n\n");
}

static int emit_all(const struct vliw *v, const struct xl_amap *am, uint32_t nam, int sim,
		    char **src, size_t *len)
{
	struct emit e = { .v = v, .sim = sim, .am = am, .nam = nam };
	char *body = NULL;
	size_t blen = 0;
	uint32_t most = 1;
	FILE *f = NULL;
	int err = 0;

	for (uint32_t i = 0; i < v->img->nprogs; i++)
		if (v->img->progs[i].nrows > most)
			most = v->img->progs[i].nrows;
	e.fp_const = 1;
	for (size_t i = 0; i < (size_t)v->img->nrows * v->lanes; i++)
		if (v->w[i].op != CC_NOP && (v->w[i].wr & (1u << CC_FP)))
			e.fp_const = 0;
	e.start = malloc(most);
	e.rem = malloc(most * sizeof(*e.rem));
	e.blen = malloc(most * sizeof(*e.blen));
	e.chk = malloc(most);
	e.bound = malloc(most * sizeof(*e.bound));
	e.rg = malloc(most * CC_NREGS * sizeof(*e.rg));
	e.pst = malloc(most);
	e.pwr = malloc(most);
	e.f = open_memstream(&body, &blen);
	if (!e.start || !e.rem || !e.blen || !e.chk || !e.bound || !e.rg || !e.pst || !e.pwr ||
	    !e.f) {
		err = -ENOMEM;
	} else {
		emit_fn(&e, sim ? "xl_sim" : "xl_vliw");
		err = e.err;
	}
	if (e.f && fclose(e.f))
		err = -ENOMEM;
	/* the table the function's rows copy from, then the function */
	if (!err && !(f = open_memstream(src, len)))
		err = -ENOMEM;
	if (f) {
		fprintf(f, "/* %s: %u rows x %u lanes */\n#define VLIW_EXIT_ %d\n%s", XL_VERSION,
			v->img->nrows, v->lanes, VLIW_EXIT, prelude);
		if (sim)
			emit_table(f, e.tm, e.ntm);
		emit_amaps(f, am, nam);
		fwrite(body, 1, blen, f);
		if (fclose(f))
			err = -ENOMEM;
	}
	free(body);
	free(e.tm);
	free(e.start);
	free(e.rem);
	free(e.blen);
	free(e.chk);
	free(e.bound);
	free(e.rg);
	free(e.pst);
	free(e.pwr);
	return err;
}

/* ---- compiling and the cache ---- */

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
	return h;
}

static const char *compiler(void)
{
	const char *cc = getenv("HXDP_CC");

	return cc && *cc ? cc : "cc";
}

int xlate__cache_dir(char *buf, size_t len)
{
	const char *d = getenv("HXDP_CACHE"), *x = getenv("XDG_CACHE_HOME"),
		   *h = getenv("HOME");
	int n;

	if (d && *d)
		n = snprintf(buf, len, "%s/xlate", d);
	else if (x && *x)
		n = snprintf(buf, len, "%s/hxdp/xlate", x);
	else if (h && *h)
		n = snprintf(buf, len, "%s/.cache/hxdp/xlate", h);
	else
		n = snprintf(buf, len, "/tmp/hxdp-%u/xlate", (unsigned)getuid());
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int mkdirs(const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0755) && errno != EEXIST ? -errno : 0;
}

/* dir/name into buf (PATH_MAX-sized): -ENAMETOOLONG when it does not fit */
static int join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int write_file(const char *dir, const char *name, const char *text, size_t n)
{
	char path[PATH_MAX];
	FILE *f;
	int e = join(path, sizeof(path), dir, name);

	if (e)
		return e;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fwrite(text, 1, n, f) != n)
		e = -EIO;
	if (fclose(f) && !e)
		e = -EIO;
	return e;
}

/* cc the source in dir into dir/x.so; the compiler's first line of complaint in why */
static int compile(const char *dir, char *why, size_t wlen)
{
	char src[PATH_MAX], so[PATH_MAX], log[PATH_MAX];
	const char *cc = compiler();
	pid_t pid;
	int st, fd;

	if (join(src, sizeof(src), dir, "x.c") || join(so, sizeof(so), dir, "x.so") ||
	    join(log, sizeof(log), dir, "cc.log"))
		return -ENAMETOOLONG;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp(cc, cc, "-O2", "-fPIC", "-shared", "-std=gnu11", "-w",
		       "-fno-strict-aliasing", "-fvisibility=hidden", "-I", dir, "-o", so, src,
		       (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(why, wlen, "no C compiler '%s'", cc);
	} else {
		FILE *f = fopen(log, "r");
		char line[200] = "";

		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = 0;
			fclose(f);
		}
		line[strcspn(line, "\n")] = 0;
		snprintf(why, wlen, "'%s' failed: %s", cc, line[0] ? line : "no message");
	}
	return -EINVAL;
}

static void rmtree(const char *dir)
{
	static const char *const files[] = { "x.c", "x.so", "cc.log", "env.h", "mem.h",
					     "xdp.h", "sem.h", "sim.h", "xlate_rt.h" };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!join(p, sizeof(p), dir, files[i]))
			unlink(p);
	rmdir(dir);
}

struct cached {
	struct timespec t;
	char name[48];
};

static int older(const void *a, const void *b)
{
	const struct timespec *x = &((const struct cached *)a)->t, *y = &((const struct cached *)b)->t;

	return x->tv_sec != y->tv_sec ? (x->tv_sec < y->tv_sec ? -1 : 1) :
	       x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* at most CACHE_MAX objects: past it, the least recently used go down to 3/4 of it
 * (a test run translates thousands of random programs). Best effort: another process
 * may be trimming too. */
static void trim(const char *dir)
{
	struct cached *c = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);
	char p[PATH_MAX];

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		struct stat st;

		if (len < 4 || len >= sizeof(c->name) || strcmp(d->d_name + len - 3, ".so") ||
		    join(p, sizeof(p), dir, d->d_name) || stat(p, &st))
			continue;
		if (n == cap) {
			struct cached *g = realloc(c, (cap = cap ? 2 * cap : 256) * sizeof(*c));

			if (!g)
				break;
			c = g;
		}
		c[n].t = st.st_mtim;
		memcpy(c[n++].name, d->d_name, len + 1);
	}
	closedir(dp);
	if (n > CACHE_MAX) {
		qsort(c, n, sizeof(*c), older);
		for (size_t i = 0; i < n - CACHE_MAX * 3 / 4; i++)
			if (!join(p, sizeof(p), dir, c[i].name))
				unlink(p);
	}
	free(c);
}

/* the shared object for src: from the cache, or compiled into it */
static int build(const char *src, size_t len, char *so, size_t solen, char *why, size_t wlen)
{
	char dir[512], tmp[PATH_MAX], out[PATH_MAX];
	uint64_t h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
	const char *cc = compiler();
	int e;

	for (const struct xl_hdr *h = hdrs(); h->name; h++) {
		h1 = fnv(fnv(h1, h->name, strlen(h->name)), h->text, strlen(h->text));
		h2 = fnv(fnv(h2, h->text, strlen(h->text)), h->name, strlen(h->name));
	}
	h1 = fnv(fnv(h1, cc, strlen(cc)), src, len);
	h2 = fnv(fnv(h2, src, len), cc, strlen(cc));
	if ((e = xlate__cache_dir(dir, sizeof(dir))) || (e = mkdirs(dir))) {
		snprintf(why, wlen, "cache directory %.200s: %s", dir, strerror(-e));
		return e;
	}
	snprintf(so, solen, "%s/%016llx%016llx.so", dir, (unsigned long long)h1,
		 (unsigned long long)h2);
	if (!access(so, R_OK)) {
		utimensat(AT_FDCWD, so, NULL, 0);	/* used: the last to go (trim) */
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp.XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		e = -errno;
		snprintf(why, wlen, "%.200s: %s", tmp, strerror(-e));
		return e;
	}
	e = write_file(tmp, "x.c", src, len);
	for (const struct xl_hdr *h = hdrs(); h->name && !e; h++)
		e = write_file(tmp, h->name, h->text, strlen(h->text));
	if (e)
		snprintf(why, wlen, "%.200s: %s", tmp, strerror(-e));
	else if (!(e = compile(tmp, why, wlen))) {
		if ((e = join(out, sizeof(out), tmp, "x.so")) || rename(out, so)) {
			/* rename: atomic, another process may race us */
			e = e ? e : -errno;
			snprintf(why, wlen, "%.200s: %s", so, strerror(-e));
		}
	}
	if (!getenv("HXDP_XLATE_KEEP"))	/* debugging: keep the source and log */
		rmtree(tmp);
	if (!e)
		trim(dir);
	return e;
}

/* one note per process: every engine opened after a failure would say the same */
static atomic_int noted;

static void note(const char *why)
{
	if (!atomic_exchange(&noted, 1))
		fprintf(stderr, "hxdp: translation unavailable (%s): running the interpreter\n",
			why);
}

/* the array maps of env whose lookups the rows may do themselves (xl_alookup) */
static int amap_build(struct xlate *x, struct hxdp_env *env)
{
	struct hxdp_run *run;

	x->env = env;
	if (!env || !env->nmaps)
		return 0;
	x->am = calloc(env->nmaps, sizeof(*x->am));
	run = malloc(sizeof(*run));
	if (!x->am || !run) {
		free(run);
		return -ENOMEM;
	}
	run__init(run, env);
	for (uint32_t i = 0; i < env->nmaps; i++) {
		const struct hxdp_map *m = env->maps[i];
		struct xl_amap *a = &x->am[i];
		uint64_t args[5] = { HXDP_MAPREF(i) };

		if (!m || m->key_size != 4 || !((m->type == BPF_MAP_TYPE_ARRAY && m->ncpus == 1) ||
						 m->type == BPF_MAP_TYPE_PERCPU_ARRAY))
			continue;
		*a = (struct xl_amap){ .ok = 1, .percpu = m->type == BPF_MAP_TYPE_PERCPU_ARRAY,
				       .max_entries = m->max_entries, .ncpus = m->ncpus,
				       .elem_size = m->elem_size, .region = R_MAP0 + m->idx };
		struct sim_row hs = { 0 };

		sim__row_helper(run, BPF_FUNC_map_lookup_elem, args, NULL, 0, 0, 0, &hs);
		a->hw = sim__rec_helper(&hs);
	}
	for (uint32_t g = R_MAP0; g < R_COUNT; g++)
		xl_fast_init(run, g, &x->mf[g]);
	x->nam = env->nmaps;
	free(run);
	return 0;
}

int xlate__open(const struct vliw *v, struct hxdp_env *env, int sim, struct xlate **out)
{
	struct xlate *x = calloc(1, sizeof(*x));
	char so[PATH_MAX], why[300] = "";
	char *src = NULL;
	size_t len = 0;
	int e;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	if ((e = amap_build(x, env)) ||
	    (e = emit_all(v, x->am, x->nam, sim, &src, &len))) {
		free(src);
		xlate__close(x);
		if (e != -E2BIG)
			return e;
		note("more than 65,536 row outcomes for the sim's records");
		return 0;
	}
	e = build(src, len, so, sizeof(so), why, sizeof(why));
	free(src);
	if (!e && (x->dl = dlopen(so, RTLD_NOW | RTLD_LOCAL))) {
		x->run = (xl_entry)dlsym(x->dl, sim ? "xl_sim" : "xl_vliw");
		x->T = sim ? dlsym(x->dl, "xl_T") : NULL;
	}
	if (!x->run || (sim && !x->T)) {
		if (!e)
			snprintf(why, sizeof(why), "%s", x->dl ? "entry point missing" : dlerror());
		note(why);
		xlate__close(x);
		return 0;
	}
	*out = x;
	return 0;
}

const struct sim_row *xlate__sim_table(const struct xlate *x)
{
	return x->T;
}

void xlate__close(struct xlate *x)
{
	if (!x)
		return;
	if (x->dl)
		dlclose(x->dl);
	free(x->am);
	free(x);
}

/* ---- the host side of a run ---- */

/* behind c->host: the image, and the interpreter's state once a tail call or a bail
 * needs one (the vliw run makes it in st only then; the sim's is given) */
struct xl_host {
	const struct vliw *v;
	uint64_t r1;
	struct vliw_state *s;
	struct vliw_state st;	/* its r[] is c->r from the start (SAVE, LOAD) */
};

/* the interpreter's state at c's program, row and rows */
static struct vliw_state *state(struct xl_ctx *c)
{
	struct xl_host *h = c->host;

	if (!h->s) {
		h->s = &h->st;
		h->st.v = h->v;
		h->st.run = c->run;
		h->st.ctx = h->r1;
		h->st.done = 0;
		h->st.prog = c->prog;
	}
	h->s->row = c->row == XL_ENTRY ? h->v->img->progs[c->prog].first_row : c->row;
	h->s->rows = c->rows;
	return h->s;
}

static void mem_fault(struct xl_ctx *c, uint32_t row, uint32_t lane, uint64_t addr, int what)
{
	const struct vliw_word *w = word(((struct xl_host *)c->host)->v, row, lane);
	const char *s = what == XL_LOAD ? "load" : what == XL_STORE ? "store" :
			addr & (w->size - 1) ? "misaligned atomic" : "atomic";

	run__fault(c->run, -EFAULT, "row %u (insn %d): invalid %s of %d bytes at 0x%llx", row,
		   (int)w->origin, s, w->size, (unsigned long long)addr);
}

/* vliw.c load() for what xl_ld leaves: the context, speculative loads, faults */
static int load_slow(struct xl_ctx *c, uint32_t row, uint32_t lane, uint64_t addr,
		     uint64_t *out)
{
	if (!vliw__load_slow(c->run, word(((struct xl_host *)c->host)->v, row, lane), addr, out))
		return 0;
	mem_fault(c, row, lane, addr, XL_LOAD);
	return -1;
}

/* the premise of fp_off and xl_sat: region R_STACK is the run's stack, whole and
 * writable (run.c makes it so at every packet) */
static int stack_is_run(const struct hxdp_run *run)
{
	const struct hxdp_region *g = &run->reg[R_STACK];

	return g->base == run->stack && !g->lo && g->hi == sizeof(run->stack) &&
	       !(g->flags & REG_RO);
}

/* the translated code is not entered: the interpreter runs the packet, from the
 * entry's registers (vliw.c reset()) */
static int entry_bail(struct xl_ctx *c)
{
	memset(c->r, 0, XL_NREGS * sizeof(*c->r));
	c->r[1] = c->r1;
	c->r[2] = c->run->r2;
	c->r[CC_FP] = HXDP_FP(0);
	c->row = XL_ENTRY;
	c->rows = 0;
	return XL_BAIL;
}

/* the code SAVE()d the registers and set c->rows; it LOAD()s the new program's */
static int tail(struct xl_ctx *c)
{
	struct vliw_state *s = state(c);

	if (!vliw__tail(s))
		return -1;
	return (int)s->prog;
}

static const struct xl_ops ops = {
	.load_slow = load_slow, .mem_fault = mem_fault, .helper = helper__call, .tail = tail,
};

static void ctx_init(const struct xlate *x, struct xl_ctx *c, struct xl_host *h,
		     struct hxdp_run *run, uint32_t prog, uint64_t r1)
{
	c->run = run;
	c->host = h;
	c->r = h->s ? h->s->r : h->st.r;
	c->r1 = r1;
	c->prog = prog;
	c->row = XL_ENTRY;
	c->rows = 0;
	c->budget = run->budget ? run->budget : DEFAULT_BUDGET;
	c->ops = &ops;
	c->am = x->am;
	c->nam = run->env == x->env ? x->nam : 0;
	c->mf = run->env == x->env ? x->mf : x->none;
}

void xlate__run(const struct xlate *x, const struct vliw *v, uint32_t prog,
		struct hxdp_run *run, uint64_t r1)
{
	struct xl_host h;	/* not zeroed: st is written before it is read */
	struct xl_ctx c;
	struct vliw_state *s;

	h.v = v;
	h.r1 = r1;
	h.s = NULL;
	run__stack_clear(run);
	ctx_init(x, &c, &h, run, prog, r1);
	if ((stack_is_run(run) ? x->run(&c) : entry_bail(&c)) != XL_BAIL)
		return;	/* XL_ENDED: the code gave the result (run__end) */
	s = state(&c);
	s->prog = c.prog;
	while (vliw__step(s, NULL) > 0)
		;
}

int xlate__sim_run(const struct xlate *x, struct vliw_state *s, struct xl_ctx *c)
{
	struct xl_host h;

	if (s->done)
		return 0;
	h.v = s->v;
	h.r1 = s->ctx;
	h.s = s;
	ctx_init(x, c, &h, s->run, s->prog, s->ctx);
	c->prev = c->mb[0];
	c->next = c->mb[1];
	c->nprev = 0;
	if ((stack_is_run(s->run) ? x->run(c) : entry_bail(c)) != XL_BAIL)
		return 0;
	state(c)->prog = c->prog;
	return 1;
}
