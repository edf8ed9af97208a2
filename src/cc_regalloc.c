/* cc_regalloc.c: register renaming inside the target's 16 registers.
 *
 * Webs: every definition joined with the definitions that reach the same uses (and,
 * for two-operand forms, with the value the instruction reads from its own dst). Webs
 * with a fixed role keep their register: r10, the values at program entry (r1 the
 * context; the others zero by self-reset), helper arguments and results (r0-r5 at a
 * call), r0 at exit, cmpxchg's r0. The other webs are recoloured in program order,
 * each to the free register (not holding an interfering web) that was written least
 * recently: the reuse distance of every register grows, and with it the room the
 * scheduler has before a write-after-read or write-after-write forces a later row.
 * If some web cannot be coloured the program is left as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"

#define R(n) ((cc_regs)(1u << (n)))
#define NOWEB CC_NONE

struct ra {
	struct cc *c;
	uint32_t nd;			/* definitions: 16 entry ones, then the program's */
	uint32_t *def_insn;		/* definition -> instruction (CC_NONE: entry) */
	uint8_t *def_reg;
	uint32_t *first_def;		/* instruction -> its first definition id */
	uint32_t *uf;			/* union-find over definitions */
	uint32_t words;			/* bitset words over definitions */
	uint64_t *regmask;		/* per register: its definitions */
	uint64_t *in;			/* per block: definitions reaching its start */
	uint32_t (*uw)[CC_NREGS];	/* per instruction: a definition of the web each
					 * register read sees, NOWEB */
};

static uint32_t find(uint32_t *uf, uint32_t x)
{
	while (uf[x] != x)
		x = uf[x] = uf[uf[x]];
	return x;
}

static void unite(uint32_t *uf, uint32_t a, uint32_t b)
{
	a = find(uf, a);
	b = find(uf, b);
	if (a != b)
		uf[a < b ? b : a] = a < b ? a : b;
}

static int number_defs(struct ra *a)
{
	struct cc *c = a->c;
	uint32_t n = CC_NREGS;

	for (uint32_t i = 0; i < c->n; i++)
		n += __builtin_popcount(cc__defs(&c->v[i]));
	a->nd = n;
	a->words = (n + 63) / 64;
	a->def_insn = malloc(n * sizeof(*a->def_insn));
	a->def_reg = malloc(n);
	a->uf = malloc(n * sizeof(*a->uf));
	a->first_def = malloc((c->n + 1) * sizeof(*a->first_def));
	a->regmask = calloc((size_t)CC_NREGS * a->words, 8);
	a->in = calloc((size_t)c->nb * a->words, 8);
	if (!a->def_insn || !a->def_reg || !a->uf || !a->first_def || !a->regmask || !a->in)
		return -ENOMEM;
	n = 0;
	for (int r = 0; r < CC_NREGS; r++, n++) {
		a->def_insn[n] = CC_NONE;
		a->def_reg[n] = r;
	}
	for (uint32_t i = 0; i < c->n; i++) {
		cc_regs d = cc__defs(&c->v[i]);

		a->first_def[i] = n;
		for (int r = 0; r < CC_NREGS; r++)
			if (d & R(r)) {
				a->def_insn[n] = i;
				a->def_reg[n++] = r;
			}
	}
	a->first_def[c->n] = n;
	for (uint32_t k = 0; k < a->nd; k++) {
		a->uf[k] = k;
		a->regmask[(size_t)a->def_reg[k] * a->words + k / 64] |= 1ull << (k % 64);
	}
	return 0;
}

static void kill_gen(const struct ra *a, uint32_t i, uint64_t *s)
{
	for (uint32_t k = a->first_def[i]; k < a->first_def[i + 1]; k++) {
		const uint64_t *m = a->regmask + (size_t)a->def_reg[k] * a->words;

		for (uint32_t w = 0; w < a->words; w++)
			s[w] &= ~m[w];
		s[k / 64] |= 1ull << (k % 64);
	}
}

static int reaching(struct ra *a)
{
	struct cc *c = a->c;
	uint64_t *s = malloc(a->words * 8);
	uint8_t *seen = calloc(c->nb, 1);
	int changed = 1;

	if (!s || !seen) {
		free(s);
		free(seen);
		return -ENOMEM;
	}
	for (int r = 0; r < CC_NREGS; r++)
		a->in[r / 64] |= 1ull << (r % 64);	/* the entry definitions */
	seen[0] = 1;
	while (changed) {
		changed = 0;
		for (uint32_t b = 0; b < c->nb; b++) {
			if (!seen[b])
				continue;
			memcpy(s, a->in + (size_t)b * a->words, a->words * 8);
			for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++)
				kill_gen(a, i, s);
			for (int k = 0; k < 2; k++) {
				uint32_t t = c->b[b].succ[k];
				uint64_t *ti;

				if (t == CC_NONE)
					continue;
				ti = a->in + (size_t)t * a->words;
				seen[t] = 1;
				for (uint32_t w = 0; w < a->words; w++)
					if (s[w] & ~ti[w]) {
						ti[w] |= s[w];
						changed = 1;
					}
			}
		}
	}
	free(seen);
	free(s);
	return 0;
}

/* the web a read of register r sees, with s the definitions reaching the read */
static uint32_t read_web(struct ra *a, const uint64_t *s, int r)
{
	const uint64_t *m = a->regmask + (size_t)r * a->words;
	uint32_t first = NOWEB;

	for (uint32_t w = 0; w < a->words; w++) {
		uint64_t x = s[w] & m[w];

		while (x) {
			uint32_t k = w * 64 + __builtin_ctzll(x);

			x &= x - 1;
			if (first == NOWEB)
				first = k;
			else
				unite(a->uf, first, k);
		}
	}
	return first;
}

/* the register fields an instruction reads or writes through (0 dst, 1 src, 2 src2);
 * what it reads otherwise (call arguments, exit's r0, cmpxchg's r0) is fixed */
static cc_regs field_regs(const struct cc_insn *in)
{
	switch (cc__form(in)) {
	case F_CALL: case F_EXIT: case F_EXITK: case F_JA: case F_LDK:
		return in->op == I_LDK ? R(in->dst) : 0;
	case F_ALU_K: case F_NEG: case F_END: case F_JCC_K: case F_ST: case F_ST6: case F_JPKT:
	case F_EXITR:
		return R(in->dst);
	case F_ALU3_X:
		return R(in->dst) | R(in->src) | R(in->src2);
	case F_ATOMIC: case F_ATOMIC_NZ:
		return R(in->dst) | R(in->src);
	}
	return R(in->dst) | R(in->src);
}

static cc_regs fixed_regs(const struct cc_insn *in)
{
	cc_regs f = (cc__uses(in) | cc__defs(in)) & ~field_regs(in);

	if (cc__form(in) == F_ATOMIC && in->imm == BPF_CMPXCHG)
		f |= R(0);
	return f | ((cc__uses(in) | cc__defs(in)) & R(CC_FP));
}

/* walk every instruction with the definitions reaching it: uw[i][r] the web read */
static int webs(struct ra *a)
{
	struct cc *c = a->c;
	uint64_t *s = malloc(a->words * 8);

	if (!s)
		return -ENOMEM;
	for (uint32_t b = 0; b < c->nb; b++) {
		memcpy(s, a->in + (size_t)b * a->words, a->words * 8);
		for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++) {
			const struct cc_insn *in = &c->v[i];
			cc_regs u = cc__uses(in);

			for (int r = 0; r < CC_NREGS; r++)
				a->uw[i][r] = u & R(r) ? read_web(a, s, r) : NOWEB;
			/* two-operand forms (and atomic fetch) write the register they read */
			for (uint32_t k = a->first_def[i]; k < a->first_def[i + 1]; k++) {
				int r = a->def_reg[k], tie = 0;

				switch (cc__form(in)) {
				case F_ALU_K: case F_ALU_X: case F_NEG: case F_END:
					tie = r == in->dst && (u & R(r));
					break;
				case F_ATOMIC:
					tie = r == in->src;
					break;
				}
				if (tie && a->uw[i][r] != NOWEB)
					unite(a->uf, a->uw[i][r], k);
			}
			kill_gen(a, i, s);
		}
	}
	free(s);
	return 0;
}

static void pin(struct ra *a, uint8_t *pinned)
{
	struct cc *c = a->c;

	for (uint32_t k = 0; k < CC_NREGS; k++)
		pinned[find(a->uf, k)] = 1;	/* values from the entry */
	for (uint32_t k = CC_NREGS; k < a->nd; k++)
		if (fixed_regs(&c->v[a->def_insn[k]]) & R(a->def_reg[k]))
			pinned[find(a->uf, k)] = 1;
	for (uint32_t i = 0; i < c->n; i++) {
		cc_regs f = fixed_regs(&c->v[i]);

		for (int r = 0; r < CC_NREGS; r++)
			if ((f & R(r)) && a->uw[i][r] != NOWEB)
				pinned[find(a->uf, a->uw[i][r])] = 1;
	}
}

struct graph {
	uint32_t nw;		/* webs */
	uint32_t *id;		/* root definition -> web index */
	uint32_t words;
	uint64_t *adj;		/* nw x nw bits */
};

static void interfere(struct graph *g, uint32_t x, uint32_t y)
{
	if (x == y)
		return;
	g->adj[(size_t)x * g->words + y / 64] |= 1ull << (y % 64);
	g->adj[(size_t)y * g->words + x / 64] |= 1ull << (x % 64);
}

static uint32_t web_of(const struct ra *a, const struct graph *g, uint32_t def)
{
	return g->id[find(a->uf, def)];
}

/* backward over i; with g->adj set, definitions interfere with what is live after */
static void live_step(const struct ra *a, struct graph *g, uint32_t i, uint64_t *live,
		      int edges)
{
	for (uint32_t k = a->first_def[i]; edges && k < a->first_def[i + 1]; k++) {
		uint32_t w = web_of(a, g, k);

		for (uint32_t x = 0; x < g->words; x++) {
			uint64_t m = live[x];

			while (m) {
				interfere(g, w, x * 64 + __builtin_ctzll(m));
				m &= m - 1;
			}
		}
	}
	for (uint32_t k = a->first_def[i]; k < a->first_def[i + 1]; k++) {
		uint32_t w = web_of(a, g, k);

		live[w / 64] &= ~(1ull << (w % 64));
	}
	for (int r = 0; r < CC_NREGS; r++)
		if (a->uw[i][r] != NOWEB) {
			uint32_t w = web_of(a, g, a->uw[i][r]);

			live[w / 64] |= 1ull << (w % 64);
		}
}

static int graph_build(struct ra *a, struct graph *g)
{
	struct cc *c = a->c;
	uint64_t *in, *live;
	int changed = 1;

	g->id = malloc(a->nd * sizeof(*g->id));
	if (!g->id)
		return -ENOMEM;
	g->nw = 0;
	for (uint32_t k = 0; k < a->nd; k++)
		if (find(a->uf, k) == k)
			g->id[k] = g->nw++;
	g->words = (g->nw + 63) / 64;
	g->adj = calloc((size_t)g->nw * g->words, 8);
	in = calloc((size_t)c->nb * g->words, 8);
	live = malloc(g->words * 8);
	if (!g->adj || !in || !live) {
		free(in);
		free(live);
		return -ENOMEM;
	}
	for (int pass = 0; pass < 2; pass++) {	/* liveness to a fixpoint, then edges */
		changed = 1;
		while (changed) {
			changed = 0;
			for (uint32_t b = c->nb; b-- > 0;) {
				memset(live, 0, g->words * 8);
				for (int s = 0; s < 2; s++) {
					uint32_t t = c->b[b].succ[s];

					if (t != CC_NONE)
						for (uint32_t x = 0; x < g->words; x++)
							live[x] |= in[(size_t)t * g->words + x];
				}
				for (uint32_t i = c->b[b].first + c->b[b].n; i-- > c->b[b].first;)
					live_step(a, g, i, live, pass);
				if (memcmp(live, in + (size_t)b * g->words, g->words * 8)) {
					memcpy(in + (size_t)b * g->words, live, g->words * 8);
					changed = 1;
				}
			}
			if (pass)
				break;
		}
	}
	/* the entry values are all live together at the start */
	for (int r = 0; r < CC_NREGS; r++)
		for (int q = 0; q < CC_NREGS; q++)
			interfere(g, web_of(a, g, r), web_of(a, g, q));
	free(in);
	free(live);
	return 0;
}

/* colour the webs in order of their first definition; -1 if some web cannot be */
static int colour(struct ra *a, const struct graph *g, const uint8_t *pinned, uint8_t *col)
{
	struct cc *c = a->c;
	uint32_t last[CC_NREGS] = { 0 };
	uint8_t *done = calloc(g->nw, 1);
	int e = 0;

	if (!done)
		return -ENOMEM;
	for (uint32_t k = 0; k < a->nd; k++) {	/* fixed webs first: they are not free */
		uint32_t w = web_of(a, g, k);

		if (pinned[find(a->uf, k)] && !done[w]) {
			col[w] = a->def_reg[k];
			done[w] = 1;
		}
	}
	for (uint32_t k = CC_NREGS; k < a->nd && !e; k++) {
		uint32_t w = web_of(a, g, k), pos = a->def_insn[k] + 1;
		int best = -1;

		if (done[w]) {
			last[col[w]] = pos;
			continue;
		}
		cc_regs busy = R(CC_FP);

		for (uint32_t x = 0; x < g->words; x++) {
			uint64_t m = g->adj[(size_t)w * g->words + x];

			while (m) {
				uint32_t y = x * 64 + __builtin_ctzll(m);

				m &= m - 1;
				if (done[y])
					busy |= R(col[y]);
			}
		}
		/* helper argument and result registers only when no other is free: their
		 * fixed webs come back at every call */
		for (int tier = 0; tier < 2 && best < 0; tier++)
			for (int r = 0; r < CC_NREGS; r++) {
				int args = r <= 5;

				if (args == !tier || (busy & R(r)))
					continue;
				if (best < 0 || last[r] < last[best])
					best = r;
			}
		if (best < 0) {
			e = -1;
			break;
		}
		col[w] = best;
		done[w] = 1;
		last[best] = pos;
	}
	(void)c;
	free(done);
	return e;
}

static void rewrite(struct ra *a, const struct graph *g, const uint8_t *col)
{
	struct cc *c = a->c;

	for (uint32_t i = 0; i < c->n; i++) {
		struct cc_insn *in = &c->v[i];
		cc_regs fr = field_regs(in), d = cc__defs(in);
		int nd = in->dst, ns = in->src, n2 = in->src2;

		for (uint32_t k = a->first_def[i]; k < a->first_def[i + 1]; k++) {
			int r = a->def_reg[k];

			if (!(fr & R(r)))
				continue;
			if (r == in->dst)
				nd = col[web_of(a, g, k)];
			if (cc__form(in) == F_ATOMIC && r == in->src)
				ns = col[web_of(a, g, k)];
		}
		if ((fr & R(in->dst)) && !(d & R(in->dst)) && a->uw[i][in->dst] != NOWEB)
			nd = col[web_of(a, g, a->uw[i][in->dst])];
		if ((fr & R(in->src)) && cc__form(in) != F_ALU_K && a->uw[i][in->src] != NOWEB &&
		    !(cc__form(in) == F_ATOMIC && (d & R(in->src))))
			ns = col[web_of(a, g, a->uw[i][in->src])];
		if (cc__form(in) == F_ALU3_X && a->uw[i][in->src2] != NOWEB)
			n2 = col[web_of(a, g, a->uw[i][in->src2])];
		in->dst = nd;
		in->src = ns;
		in->src2 = n2;
	}
}

int cc_regalloc__run(struct cc *c)
{
	struct ra a = { .c = c };
	struct graph g = { 0 };
	uint8_t *pinned = NULL, *col = NULL;
	int e = number_defs(&a);

	if (!e)
		e = reaching(&a);
	if (!e) {
		a.uw = malloc(c->n * sizeof(*a.uw));
		e = a.uw ? webs(&a) : -ENOMEM;
	}
	if (!e) {
		pinned = calloc(a.nd, 1);
		e = pinned ? 0 : -ENOMEM;
	}
	if (!e) {
		pin(&a, pinned);
		e = graph_build(&a, &g);
	}
	if (!e) {
		col = calloc(g.nw ? g.nw : 1, 1);
		e = col ? colour(&a, &g, pinned, col) : -ENOMEM;
		if (e == -1)
			e = 0;	/* not enough registers: keep the program as it is */
		else if (!e)
			rewrite(&a, &g, col);
	}
	free(a.def_insn);
	free(a.def_reg);
	free(a.uf);
	free(a.first_def);
	free(a.regmask);
	free(a.in);
	free(a.uw);
	free(g.id);
	free(g.adj);
	free(pinned);
	free(col);
	return e;
}
