/* cc_schedule.c: list scheduling into rows of N lanes (docs/isa-ext.md "Compiler").
 *
 * Regions are superblocks: a block and the chain of fall-through successors that only
 * it reaches (no jump lands in them). Each region's instructions form one dependence
 * graph: registers (RAW: next row; WAR: same row allowed, reads happen at the row
 * start; WAW: next row), memory (cc_dataflow__mem_conflict), helper calls (one per
 * row), control (every instruction stays at or above the branches that follow it; the
 * branches keep their order, sharing a row in rising lane order, the lane priority of
 * the hardware). At -O2 an instruction may move above a branch (speculation) when it
 * writes nothing live at the branch target and cannot fault or store: loads moved that
 * way become speculative loads, so a packet load hoisted above its bounds check reads 0
 * on a short packet instead of faulting. Rows are filled by critical path (the longest
 * latency chain to the end of the region), and with a cross-lane delay a value is read
 * in the next row only on the lane that produced it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "cc.h"

#define R(n) ((cc_regs)(1u << (n)))
#define LANE_ANY 0xff
#define LANE_CONFLICT 0xfe

struct edge {
	uint32_t to, next;
	uint8_t lat;
};

struct sb {
	struct cc *c;
	uint32_t *id;		/* region instructions, in order */
	uint32_t m;
	struct edge *e;
	uint32_t ne, cap;
	uint32_t *head;		/* first edge out of node */
	uint32_t *npred;	/* unscheduled predecessors */
	uint32_t *est;		/* earliest row */
	uint32_t *height;
	uint32_t *row;		/* row of node, CC_NONE while unscheduled */
	uint8_t *lane;
	int32_t *border;	/* control order, -1 for others */
	/* schedule state */
	uint32_t lastw_row[CC_NREGS];
	uint8_t lastw_lane[CC_NREGS];
};

/* ---- rows ---- */

static int rows_grow(struct cc *c, uint32_t *cap, uint32_t need)
{
	uint32_t L = c->o.lanes, n = *cap ? *cap : 64;
	uint32_t *r;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	r = realloc(c->rows, (size_t)n * L * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = (size_t)*cap * L; i < (size_t)n * L; i++)
		r[i] = CC_NONE;
	c->rows = r;
	*cap = n;
	return 0;
}

/* -O0: one instruction per row, in order */
static int sched_serial(struct cc *c)
{
	uint32_t cap = 0;
	int e = rows_grow(c, &cap, c->n);

	if (e)
		return e;
	for (uint32_t i = 0; i < c->n; i++)
		c->rows[(size_t)i * c->o.lanes] = i;
	for (uint32_t b = 0; b < c->nb; b++)
		c->b[b].row = c->b[b].first;
	c->nrows = c->bound = c->chain = c->n;
	return 0;
}

/* ---- dependence graph ---- */

static int edge(struct sb *s, uint32_t from, uint32_t to, int lat)
{
	if (from == to)
		return 0;
	if (s->ne == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 256;
		struct edge *e = realloc(s->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	s->e[s->ne] = (struct edge){ to, s->head[from], (uint8_t)lat };
	s->head[from] = s->ne++;
	s->npred[to]++;
	return 0;
}

static const struct cc_insn *ins(const struct sb *s, uint32_t k)
{
	return &s->c->v[s->id[k]];
}

static int is_barrier(const struct cc_insn *in)
{
	return cc__is_call(in) && in->imm == BPF_FUNC_tail_call;
}

static int is_mem(const struct cc_insn *in)
{
	return cc__is_load(in) || cc__is_store(in) || cc__is_call(in) ||
	       cc__form(in) == F_JPKT;
}

static int writes_mem(const struct cc_insn *in)
{
	return cc__is_store(in) || cc__is_call(in);
}

static int reg_edges(struct sb *s)
{
	int32_t lastdef[CC_NREGS];
	uint32_t *rd = malloc((size_t)CC_NREGS * s->m * sizeof(*rd)), nrd[CC_NREGS] = { 0 };
	int e = 0;

	if (!rd)
		return -ENOMEM;
	for (int r = 0; r < CC_NREGS; r++)
		lastdef[r] = -1;
	for (uint32_t k = 0; k < s->m && !e; k++) {
		cc_regs u = cc__uses(ins(s, k)), d = cc__defs(ins(s, k));

		for (int r = 0; r < CC_NREGS && !e; r++) {
			if ((u & R(r)) && lastdef[r] >= 0)
				e = edge(s, lastdef[r], k, 1);
			if (!(d & R(r)))
				continue;
			if (lastdef[r] >= 0 && !e)
				e = edge(s, lastdef[r], k, 1);
			for (uint32_t j = 0; j < nrd[r] && !e; j++)
				e = edge(s, rd[r * s->m + j], k, 0);
			nrd[r] = 0;
		}
		for (int r = 0; r < CC_NREGS; r++) {
			if (u & R(r))
				rd[r * s->m + nrd[r]++] = k;
			if (d & R(r))
				lastdef[r] = k;
		}
	}
	free(rd);
	return e;
}

static int mem_lat(const struct cc_insn *p, const struct cc_insn *n)
{
	(void)n;
	/* reads happen at the row start, the helper after them, stores at the end */
	if (!writes_mem(p))
		return 0;
	return 1;
}

static int mem_edges(struct sb *s)
{
	uint32_t *mem = malloc(s->m * sizeof(*mem)), nm = 0;
	int e = 0;

	if (!mem)
		return -ENOMEM;
	for (uint32_t k = 0; k < s->m && !e; k++) {
		const struct cc_insn *n = ins(s, k);

		if (!is_mem(n))
			continue;
		for (uint32_t j = 0; j < nm && !e; j++) {
			const struct cc_insn *p = ins(s, mem[j]);

			if (!writes_mem(p) && !writes_mem(n))
				continue;
			if (cc_dataflow__mem_conflict(s->c, s->id[mem[j]], s->id[k]))
				e = edge(s, mem[j], k, mem_lat(p, n));
		}
		mem[nm++] = k;
	}
	free(mem);
	return e;
}

/* may n execute on the paths where branch b (an earlier control) leaves the region? */
static int speculable(const struct sb *s, uint32_t b, uint32_t n)
{
	const struct cc *c = s->c;
	const struct cc_insn *bi = ins(s, b), *ni = ins(s, n);
	uint32_t tgt;

	if (c->o.opt < 2 || is_barrier(bi) || cc__is_ctl(ni) || cc__is_store(ni) ||
	    cc__is_call(ni))
		return 0;
	if (cc__is_load(ni) && ni->op != I_LDX_b && ni->op != I_LDX_h && ni->op != I_LDX_w &&
	    ni->op != I_LDX_dw && ni->op != I_LDX6 && cc__form(ni) != F_LDXSPEC)
		return 0;
	if (!cc__is_jump(bi))
		return 0;
	tgt = bi->tgt;	/* a block */
	return !(cc__defs(ni) & c->b[tgt].live_in);
}

static int ctl_edges(struct sb *s)
{
	uint32_t *br = malloc(s->m * sizeof(*br)), nb = 0, prev = 0;
	int e = 0;

	if (!br)
		return -ENOMEM;
	for (uint32_t k = 0; k < s->m; k++) {
		const struct cc_insn *in = ins(s, k);

		s->border[k] = -1;
		if (cc__is_ctl(in) || is_barrier(in)) {
			if (cc__is_ctl(in))
				s->border[k] = nb;
			br[nb++] = k;
		}
	}
	for (uint32_t j = 0; j < nb && !e; j++) {
		/* everything before a control stays at or above its row */
		for (uint32_t k = j ? br[j - 1] : 0; k < br[j] && !e; k++)
			e = edge(s, k, br[j], 0);
		prev = br[j];
	}
	(void)prev;
	/* below a control, unless it may run speculatively above it */
	for (uint32_t k = 0, j = 0; k < s->m && !e; k++) {
		int32_t last = -1;

		while (j < nb && br[j] < k)
			j++;
		for (int32_t q = (int32_t)j - 1; q >= 0; q--)
			if (!speculable(s, br[q], k)) {
				last = q;
				break;
			}
		if (last >= 0 && !cc__is_ctl(ins(s, k)))
			e = edge(s, br[last], k, 1);
		else if (last >= 0 && is_barrier(ins(s, br[last])))
			e = edge(s, br[last], k, 1);
	}
	free(br);
	return e;
}

static void heights(struct sb *s)
{
	for (uint32_t k = s->m; k-- > 0;) {
		uint32_t h = 0;

		for (uint32_t x = s->head[k]; x != CC_NONE; x = s->e[x].next) {
			uint32_t t = s->e[x].lat + s->height[s->e[x].to];

			if (t > h)
				h = t;
		}
		s->height[k] = h;
	}
}

/* ---- lanes ---- */

struct lane_req {
	uint8_t mask;		/* allowed lanes */
	int32_t order;		/* control order, -1 */
	uint8_t lane;		/* assigned */
};

static int assign(struct lane_req *q, int n, int at, uint8_t used)
{
	if (at == n)
		return 1;
	for (int l = 0; l < 8; l++) {
		int ok = (q[at].mask & (1u << l)) && !(used & (1u << l));

		for (int j = 0; ok && j < at; j++)
			if (q[j].order >= 0 && q[at].order >= 0 &&
			    (q[j].order < q[at].order) != (q[j].lane < l))
				ok = 0;
		if (!ok)
			continue;
		q[at].lane = l;
		if (assign(q, n, at + 1, used | (1u << l)))
			return 1;
	}
	return 0;
}

/* lanes node k may take in row r (per-lane forwarding), 0: none */
static uint8_t lane_mask(const struct sb *s, uint32_t k, uint32_t r)
{
	cc_regs u = cc__uses(ins(s, k));
	uint8_t mask = (uint8_t)((1u << s->c->o.lanes) - 1);

	if (!s->c->o.xdelay)
		return mask;
	for (int x = 0; x < CC_NREGS; x++) {
		if (!(u & R(x)) || s->lastw_row[x] + 1 != r)
			continue;
		if (s->lastw_lane[x] == LANE_CONFLICT)
			return 0;
		mask &= 1u << s->lastw_lane[x];
	}
	return mask;
}

/* ---- the list scheduler ---- */

static void place(struct sb *s, uint32_t k, uint32_t r)
{
	s->row[k] = r;
	for (uint32_t x = s->head[k]; x != CC_NONE; x = s->e[x].next) {
		struct edge *ed = &s->e[x];

		if (s->est[ed->to] < r + ed->lat)
			s->est[ed->to] = r + ed->lat;
		s->npred[ed->to]--;
	}
}

static int better(const struct sb *s, uint32_t a, uint32_t b)
{
	if (s->height[a] != s->height[b])
		return s->height[a] > s->height[b];
	return a < b;
}

/* fill row r; returns nodes placed */
static int fill_row(struct sb *s, uint32_t r, uint32_t *placed_ids)
{
	struct lane_req q[CC_MAX_LANES];
	uint32_t L = s->c->o.lanes;
	int n = 0, call = 0;

	for (;;) {
		int32_t pick = -1;
		struct lane_req t[CC_MAX_LANES];

		if ((uint32_t)n == L)
			break;
		for (uint32_t k = 0; k < s->m; k++) {
			const struct cc_insn *in;
			uint8_t mask;

			if (s->row[k] != CC_NONE || s->npred[k] || s->est[k] > r)
				continue;
			if (pick >= 0 && !better(s, k, pick))
				continue;
			in = ins(s, k);
			if (cc__is_call(in) && call)
				continue;
			if (!(mask = lane_mask(s, k, r)))
				continue;
			memcpy(t, q, sizeof(q));
			t[n] = (struct lane_req){ mask, s->border[k], 0 };
			if (!assign(t, n + 1, 0, 0))
				continue;
			pick = k;
		}
		if (pick < 0)
			break;
		q[n] = (struct lane_req){ lane_mask(s, pick, r), s->border[pick], 0 };
		placed_ids[n++] = pick;
		call |= cc__is_call(ins(s, pick));
		place(s, pick, r);
	}
	if (n && !assign(q, n, 0, 0))
		return -1;	/* cannot happen: every addition was checked */
	for (int j = 0; j < n; j++)
		s->lane[placed_ids[j]] = q[j].lane;
	return n;
}

static void note_writes(struct sb *s, const uint32_t *placed, int n, uint32_t r)
{
	for (int j = 0; j < n; j++) {
		cc_regs d = cc__defs(ins(s, placed[j]));

		for (int x = 0; x < CC_NREGS; x++)
			if (d & R(x)) {
				s->lastw_row[x] = r;
				s->lastw_lane[x] = s->lane[placed[j]];
			}
	}
}

/* registers the rows leading into the region's first row wrote, by lane */
static void entry_writes(struct sb *s, uint32_t head, uint32_t r0, const uint8_t *done,
			 const uint32_t *brow)
{
	struct cc *c = s->c;
	uint32_t L = c->o.lanes;

	for (int x = 0; x < CC_NREGS; x++)
		s->lastw_row[x] = CC_NONE - 2;
	if (!r0)
		return;
	for (uint32_t p = 0; p < c->nb; p++)
	for (int k = 0; k < 2; k++) {
		uint32_t pr;

		if (c->b[p].succ[k] != head)
			continue;
		if (!done[p]) {	/* a back edge: its rows are not known yet */
			for (int x = 0; x < CC_NREGS; x++) {
				s->lastw_row[x] = r0 - 1;
				s->lastw_lane[x] = LANE_CONFLICT;
			}
			return;
		}
		pr = k ? brow[p] : r0 - 1;
		for (uint32_t l = 0; l < L; l++) {
			uint32_t i = c->rows[(size_t)pr * L + l];
			cc_regs d = i == CC_NONE ? 0 : cc__defs(&c->v[i]);

			for (int x = 0; x < CC_NREGS; x++) {
				if (!(d & R(x)))
					continue;
				if (s->lastw_row[x] == r0 - 1 && s->lastw_lane[x] != l)
					s->lastw_lane[x] = LANE_CONFLICT;
				else if (s->lastw_row[x] != r0 - 1)
					s->lastw_lane[x] = l;
				s->lastw_row[x] = r0 - 1;
			}
		}
	}
}

static int sb_alloc(struct sb *s, uint32_t m)
{
	s->m = m;
	s->ne = 0;
	s->head = malloc(m * sizeof(*s->head));
	s->npred = calloc(m, sizeof(*s->npred));
	s->est = calloc(m, sizeof(*s->est));
	s->height = calloc(m, sizeof(*s->height));
	s->row = malloc(m * sizeof(*s->row));
	s->lane = calloc(m, 1);
	s->border = malloc(m * sizeof(*s->border));
	if (!s->head || !s->npred || !s->est || !s->height || !s->row || !s->lane ||
	    !s->border)
		return -ENOMEM;
	for (uint32_t k = 0; k < m; k++)
		s->head[k] = s->row[k] = CC_NONE;
	return 0;
}

static void sb_free(struct sb *s)
{
	free(s->head);
	free(s->npred);
	free(s->est);
	free(s->height);
	free(s->row);
	free(s->lane);
	free(s->border);
	s->head = s->npred = s->est = s->height = s->row = NULL;
	s->lane = NULL;
	s->border = NULL;
}

/* loads placed at or above an earlier control of their region become speculative */
static void mark_spec(struct sb *s)
{
	struct cc *c = s->c;
	uint32_t maxbr = 0;
	int any = 0;

	for (uint32_t k = 0; k < s->m; k++) {
		struct cc_insn *in = &c->v[s->id[k]];
		int kind;

		if (cc__is_ctl(in)) {
			if (!any || s->row[k] > maxbr)
				maxbr = s->row[k];
			any = 1;
			continue;
		}
		if (!any || s->row[k] > maxbr || !cc__is_load(in) || cc__form(in) == F_LDXSPEC)
			continue;
		kind = c->kind[s->id[k]][in->src];
		if (kind == K_CTX || (kind == K_STACK &&
				      c->soff[s->id[k]][in->src] != INT16_MIN))
			continue;
		in->flags |= CC_F_SPEC;
		switch (in->op) {
		case I_LDX_b: in->op = I_LDXSPEC_b; break;
		case I_LDX_h: in->op = I_LDXSPEC_h; break;
		case I_LDX_w: in->op = I_LDXSPEC_w; break;
		case I_LDX_dw: in->op = I_LDXSPEC_dw; break;
		case I_LDX6: in->op = I_LDXSPEC_6; break;
		}
	}
}

static int region(struct sb *s, uint32_t b0, uint32_t b1, uint32_t *nrows, uint32_t *cap,
		  const uint8_t *done, uint32_t *brow)
{
	struct cc *c = s->c;
	uint32_t first = c->b[b0].first, m = c->b[b1].first + c->b[b1].n - first;
	uint32_t r = *nrows, left = m, placed[CC_MAX_LANES];
	int e;

	s->id = malloc(m * sizeof(*s->id));
	if (!s->id)
		return -ENOMEM;
	for (uint32_t k = 0; k < m; k++)
		s->id[k] = first + k;
	e = sb_alloc(s, m);
	if (!e)
		e = reg_edges(s);
	if (!e)
		e = mem_edges(s);
	if (!e)
		e = ctl_edges(s);
	if (!e) {
		uint32_t cp = 0;

		heights(s);
		entry_writes(s, b0, r, done, brow);
		for (uint32_t k = 0; k < m; k++)
			if (s->height[k] + 1 > cp)
				cp = s->height[k] + 1;
		if (cp > c->chain)
			c->chain = cp;
		c->bound += cp > (m + c->o.lanes - 1) / c->o.lanes ? cp :
			    (m + c->o.lanes - 1) / c->o.lanes;
	}
	while (!e && left) {
		int n;

		if ((e = rows_grow(c, cap, r + 1)))
			break;
		n = fill_row(s, r, placed);
		if (n < 0) {
			e = cc__fail(c, CC_NONE, "internal: lane assignment failed");
			break;
		}
		for (int j = 0; j < n; j++)
			c->rows[(size_t)r * c->o.lanes + s->lane[placed[j]]] = s->id[placed[j]];
		note_writes(s, placed, n, r);
		left -= n;
		r++;
		if (r - *nrows > 4 * m + 8) {
			e = cc__fail(c, CC_NONE, "internal: the scheduler made no progress");
			break;
		}
	}
	if (!e) {
		for (uint32_t b = b0; b <= b1; b++) {
			uint32_t last = c->b[b].first + c->b[b].n - 1 - first;

			c->b[b].row = *nrows;
			c->b[b].sb = b0;
			brow[b] = s->row[last];
		}
		mark_spec(s);
		*nrows = r;
	}
	sb_free(s);
	free(s->id);
	s->id = NULL;
	return e;
}

/* the last block of the superblock that starts at b */
static uint32_t sb_end(const struct cc *c, uint32_t b)
{
	while (b + 1 < c->nb && c->b[b].succ[0] == b + 1 && !c->b[b + 1].target &&
	       c->b[b + 1].npred == 1)
		b++;
	return b;
}

static int sched_regions(struct cc *c)
{
	struct sb s = { .c = c };
	uint8_t *done = calloc(c->nb, 1);
	uint32_t *brow = calloc(c->nb, sizeof(*brow)), cap = 0, nrows = 0;
	int e = done && brow ? 0 : -ENOMEM;

	for (uint32_t b = 0; b < c->nb && !e; ) {
		uint32_t end = sb_end(c, b);

		e = region(&s, b, end, &nrows, &cap, done, brow);
		for (uint32_t k = b; k <= end; k++)
			done[k] = 1;
		b = end + 1;
	}
	free(s.e);
	free(done);
	free(brow);
	c->nrows = nrows;
	return e;
}

/* ---- upward code motion into dominators ----
 * An instruction of block J moves to the end of J's immediate dominator D (before its
 * terminator) when its operands hold the same values there (nothing on the paths D->J
 * writes them, D itself does not), its result is dead on every path that leaves D
 * without reaching J and nothing on the way reads or writes its register, and it cannot
 * fault (loads become speculative) or store. At -O1 only into a D that J
 * post-dominates (control-equivalent blocks, the paper's motion); at -O2 also above
 * branches that may leave (speculation). The list scheduler then finds it a free lane
 * in D's rows. */

struct preds {
	uint32_t *start;	/* block -> first index in list, start[nb] the end */
	uint32_t *list;
};

static int preds_build(const struct cc *c, struct preds *p)
{
	uint32_t *fill;

	p->start = calloc(c->nb + 1, sizeof(*p->start));
	p->list = malloc((2 * c->nb + 1) * sizeof(*p->list));
	fill = calloc(c->nb + 1, sizeof(*fill));
	if (!p->start || !p->list || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (uint32_t b = 0; b < c->nb; b++)
		for (int s = 0; s < 2; s++)
			if (c->b[b].succ[s] != CC_NONE && (s == 0 || c->b[b].succ[1] != c->b[b].succ[0]))
				p->start[c->b[b].succ[s] + 1]++;
	for (uint32_t b = 0; b < c->nb; b++)
		p->start[b + 1] += p->start[b];
	for (uint32_t b = 0; b < c->nb; b++)
		for (int s = 0; s < 2; s++) {
			uint32_t t = c->b[b].succ[s];

			if (t != CC_NONE && (s == 0 || c->b[b].succ[1] != c->b[b].succ[0]))
				p->list[p->start[t] + fill[t]++] = b;
		}
	free(fill);
	return 0;
}

static void preds_free(struct preds *p)
{
	free(p->start);
	free(p->list);
}

static void rpo_visit(const struct cc *c, uint32_t b, uint8_t *seen, uint32_t *order,
		      uint32_t *k)
{
	uint32_t *stack = malloc(2 * c->nb * sizeof(*stack)), sp = 0;

	if (!stack)
		return;
	stack[sp++] = b;
	stack[sp++] = 0;
	seen[b] = 1;
	while (sp) {
		uint32_t s = stack[sp - 1], x = stack[sp - 2];

		if (s < 2) {
			uint32_t t = c->b[x].succ[s];

			stack[sp - 1]++;
			if (t != CC_NONE && !seen[t]) {
				seen[t] = 1;
				stack[sp++] = t;
				stack[sp++] = 0;
			}
			continue;
		}
		order[(*k)++] = x;	/* post order */
		sp -= 2;
	}
	free(stack);
}

/* immediate dominators (Cooper, Harvey, Kennedy), CC_NONE for the entry */
static int dominators(const struct cc *c, const struct preds *pr, uint32_t *idom)
{
	uint32_t *post = malloc(c->nb * sizeof(*post)), *pnum = malloc(c->nb * sizeof(*pnum));
	uint8_t *seen = calloc(c->nb, 1);
	uint32_t n = 0;
	int changed = 1;

	if (!post || !pnum || !seen) {
		free(post);
		free(pnum);
		free(seen);
		return -ENOMEM;
	}
	rpo_visit(c, 0, seen, post, &n);
	for (uint32_t b = 0; b < c->nb; b++) {
		idom[b] = CC_NONE;
		pnum[b] = CC_NONE;
	}
	for (uint32_t k = 0; k < n; k++)
		pnum[post[k]] = k;
	idom[0] = 0;
	while (changed) {
		changed = 0;
		for (uint32_t k = n; k-- > 0;) {
			uint32_t b = post[k], nd = CC_NONE;

			if (b == 0)
				continue;
			for (uint32_t q = pr->start[b]; q < pr->start[b + 1]; q++) {
				uint32_t p = pr->list[q];

				if (idom[p] == CC_NONE)
					continue;
				if (nd == CC_NONE) {
					nd = p;
					continue;
				}
				for (uint32_t a = p; a != nd;) {	/* intersect */
					while (pnum[a] < pnum[nd])
						a = idom[a];
					while (pnum[nd] < pnum[a])
						nd = idom[nd];
				}
			}
			if (nd != idom[b]) {
				idom[b] = nd;
				changed = 1;
			}
		}
	}
	idom[0] = CC_NONE;
	free(post);
	free(pnum);
	free(seen);
	return 0;
}

struct between {
	cc_regs defs, uses, exits_live;
	int mem;		/* a store or call on the way */
	int leaves;		/* some path leaves without reaching J */
};

/* blocks on paths from d to j (neither included): fwd reached from d, bwd reaching j */
static uint32_t paths(const struct cc *c, const struct preds *pr, uint32_t d, uint32_t j,
		      uint8_t *fwd, uint8_t *bwd, uint32_t *stack, uint32_t *touched,
		      struct between *w)
{
	uint32_t sp = 0, nt = 0;

	memset(w, 0, sizeof(*w));
	touched[nt++] = d;
	touched[nt++] = j;
	fwd[d] = fwd[j] = 1;
	bwd[d] = bwd[j] = 1;
	/* backward from j first: the blocks that can reach j (usually few) */
	for (uint32_t q = pr->start[j]; q < pr->start[j + 1]; q++)
		if (!bwd[pr->list[q]]) {
			bwd[stack[sp++] = pr->list[q]] = 2;
			touched[nt++] = pr->list[q];
		}
	while (sp) {
		uint32_t b = stack[--sp];

		for (uint32_t q = pr->start[b]; q < pr->start[b + 1]; q++)
			if (!bwd[pr->list[q]]) {
				bwd[stack[sp++] = pr->list[q]] = 2;
				touched[nt++] = pr->list[q];
			}
	}
	/* forward from d, only through blocks that reach j */
	for (int s = 0; s < 2; s++) {
		uint32_t t = c->b[d].succ[s];

		if (t != CC_NONE && !fwd[t] && bwd[t] == 2)
			fwd[stack[sp++] = t] = 2;
	}
	while (sp) {
		uint32_t b = stack[--sp];

		for (int s = 0; s < 2; s++) {
			uint32_t t = c->b[b].succ[s];

			if (t != CC_NONE && !fwd[t] && bwd[t] == 2)
				fwd[stack[sp++] = t] = 2;
		}
	}
	for (uint32_t k = 0; k < nt; k++) {
		uint32_t b = touched[k];
		int on = fwd[b] == 2 && bwd[b] == 2;

		if (k == 1)
			continue;	/* j */

		if (!on && b != d)
			continue;
		if (on)
			for (uint32_t i = c->b[b].first; i < c->b[b].first + c->b[b].n; i++) {
				w->defs |= cc__defs(&c->v[i]);
				w->uses |= cc__uses(&c->v[i]);
				w->mem |= cc__is_store(&c->v[i]) || cc__is_call(&c->v[i]);
			}
		for (int s = 0; s < 2; s++) {
			uint32_t t = c->b[b].succ[s];

			if (t == CC_NONE || t == j || (fwd[t] == 2 && bwd[t] == 2))
				continue;
			w->leaves = 1;
			w->exits_live |= c->b[t].live_in;
		}
		if (b != d && cc__ends_flow(&c->v[c->b[b].first + c->b[b].n - 1]) &&
		    c->b[b].succ[1] == CC_NONE)
			w->leaves = 1;	/* an exit on the way */
	}
	return nt;
}

static void paths_clear(uint8_t *fwd, uint8_t *bwd, const uint32_t *touched, uint32_t nt)
{
	for (uint32_t k = 0; k < nt; k++)
		fwd[touched[k]] = bwd[touched[k]] = 0;
}

/* can j run again without d running again (a loop through j that avoids d)? */
static int reentered(const struct preds *pr, uint32_t d, uint32_t j, const uint8_t *fwd,
		     const uint8_t *bwd)
{
	for (uint32_t q = pr->start[j]; q < pr->start[j + 1]; q++) {
		uint32_t p = pr->list[q];

		if (p != d && !(fwd[p] == 2 && bwd[p] == 2))
			return 1;
	}
	return 0;
}

static int hoistable(const struct cc *c, uint32_t i)
{
	const struct cc_insn *in = &c->v[i];

	if (cc__is_ctl(in) || cc__is_store(in) || cc__is_call(in) || cc__defs(in) & (1u << CC_FP))
		return 0;
	if (cc__is_load(in))
		return in->op == I_LDX_b || in->op == I_LDX_h || in->op == I_LDX_w ||
		       in->op == I_LDX_dw || in->op == I_LDX6 || cc__form(in) == F_LDXSPEC;
	return cc__defs(in) != 0;
}

static void make_spec(struct cc *c, uint32_t i)
{
	struct cc_insn *in = &c->v[i];
	int k = c->kind[i][in->src];

	if (!cc__is_load(in) || k == K_CTX || (k == K_STACK && c->soff[i][in->src] != INT16_MIN))
		return;
	switch (in->op) {
	case I_LDX_b: in->op = I_LDXSPEC_b; break;
	case I_LDX_h: in->op = I_LDXSPEC_h; break;
	case I_LDX_w: in->op = I_LDXSPEC_w; break;
	case I_LDX_dw: in->op = I_LDXSPEC_dw; break;
	case I_LDX6: in->op = I_LDXSPEC_6; break;
	}
}

/* one round of motion; *moved counts what moved. dst[]: where each instruction goes
 * (its block, or the dominator it moves into) */
static int hoist_round(struct cc *c, const struct preds *pr, const uint32_t *idom,
		       uint32_t *dest, int *moved)
{
	uint8_t *fwd = calloc(c->nb, 1), *bwd = calloc(c->nb, 1), *used_d = calloc(c->nb, 1);
	uint32_t *stack = malloc((2 * c->nb + 2) * sizeof(*stack));
	uint32_t *blist = malloc((c->nb + 2) * sizeof(*blist));
	cc_regs touched = 0;
	struct between w;

	if (!fwd || !bwd || !used_d || !stack || !blist) {
		free(fwd);
		free(bwd);
		free(used_d);
		free(stack);
		free(blist);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < c->n; i++)
		dest[i] = c->blk[i];
	for (uint32_t j = 1; j < c->nb; j++) {
		uint32_t d = idom[j], dlast;
		cc_regs ddefs = 0, stay_defs = 0, stay_uses = 0, tuses;
		int stay_mem = 0, skip;
		uint32_t nt;

		if (d == CC_NONE || used_d[d])
			continue;
		dlast = c->b[d].first + c->b[d].n - 1;
		for (uint32_t i = c->b[d].first; i <= dlast; i++)
			ddefs |= cc__defs(&c->v[i]);
		tuses = cc__is_ctl(&c->v[dlast]) ? cc__uses(&c->v[dlast]) : 0;
		nt = paths(c, pr, d, j, fwd, bwd, stack, blist, &w);
		skip = (w.leaves && c->o.opt < 2) || reentered(pr, d, j, fwd, bwd);
		paths_clear(fwd, bwd, blist, nt);
		if (skip)
			continue;
		for (uint32_t i = c->b[j].first; i < c->b[j].first + c->b[j].n; i++) {
			const struct cc_insn *in = &c->v[i];
			cc_regs u = cc__uses(in), df = cc__defs(in);
			int ok = hoistable(c, i) && !(u & (ddefs | w.defs | stay_defs | touched)) &&
				 !(df & (w.defs | w.uses | w.exits_live | tuses | stay_uses |
					 stay_defs | touched)) &&
				 !(cc__is_load(in) && (w.mem || stay_mem));

			if (!ok) {
				stay_defs |= df;
				stay_uses |= u;
				stay_mem |= cc__is_store(in) || cc__is_call(in);
				continue;
			}
			dest[i] = d;
			touched |= u | df;
			used_d[d] = 1;
			if (w.leaves || cc__is_load(in))
				make_spec(c, i);
			(*moved)++;
			break;	/* one per dominator and round */
		}
	}
	free(fwd);
	free(bwd);
	free(used_d);
	free(stack);
	free(blist);
	return 0;
}

/* rebuild the array with moved instructions at the end of their new block (before its
 * terminator); jumps hold block indexes, which stay */
static int relayout(struct cc *c, const uint32_t *dest)
{
	struct cc_insn *v = malloc((c->n ? c->n : 1) * sizeof(*v));
	uint32_t *moved_to = malloc((c->nb + 1) * sizeof(*moved_to)), k = 0;

	if (!v || !moved_to) {
		free(v);
		free(moved_to);
		return -ENOMEM;
	}
	for (uint32_t b = 0; b < c->nb; b++)
		moved_to[b] = CC_NONE;
	for (uint32_t i = 0; i < c->n; i++)	/* at most one per dominator and round */
		if (dest[i] != c->blk[i])
			moved_to[dest[i]] = i;
	for (uint32_t b = 0; b < c->nb; b++) {
		uint32_t first = c->b[b].first, last = first + c->b[b].n - 1, nk = k;
		int term = cc__is_ctl(&c->v[last]);

		for (uint32_t i = first; i <= last - term; i++)
			if (dest[i] == b)
				v[k++] = c->v[i];
		if (moved_to[b] != CC_NONE)
			v[k++] = c->v[moved_to[b]];
		if (term)
			v[k++] = c->v[last];
		c->b[b].first = nk;
		c->b[b].n = k - nk;
	}
	free(c->v);
	free(moved_to);
	c->v = v;
	c->cap = c->n;
	return 0;
}

int cc_schedule__hoist(struct cc *c)
{
	uint32_t *idom = NULL, *dest = NULL;
	struct preds pr = { 0 };
	int e = 0;

	for (int round = 0; round < 16 && !e; round++) {
		int moved = 0;

		free(idom);
		free(dest);
		preds_free(&pr);
		idom = malloc(c->nb * sizeof(*idom));
		dest = malloc(c->n * sizeof(*dest));
		if (!idom || !dest || preds_build(c, &pr)) {
			e = -ENOMEM;
			break;
		}
		if ((e = dominators(c, &pr, idom)) || (e = hoist_round(c, &pr, idom, dest, &moved)))
			break;
		if (!moved)
			break;
		if ((e = relayout(c, dest)) || (e = cc_cfg__build(c)) || (e = cc_dataflow__run(c)))
			break;
	}
	free(idom);
	free(dest);
	preds_free(&pr);
	return e;
}

int cc_schedule__run(struct cc *c)
{
	free(c->rows);
	c->rows = NULL;
	c->nrows = 0;
	if (c->o.opt == 0)
		return sched_serial(c);
	return sched_regions(c);
}
