/* sim_pipe.c: the timing core of docs/timing.md. A cycle-stepped model of the
 * Sephirot pipeline (IF, ID, IE, commit) over one packet's executed rows, and of the
 * PIQ/APS around it (select, frame transfer, early start, emission, two buffers).
 * Rows fetched on a wrong path (behind a taken branch resolved in ID, an exit without
 * early exit, a tail call) are "phantoms": they occupy stages and are squashed. */
#include <stdlib.h>
#include <string.h>
#include "sim.h"

const char *const sim_cause_name[SIM_NCAUSE] = {
	[SIM_C_START] = "start", [SIM_C_ROW] = "rows", [SIM_C_DRAIN] = "drain",
	[SIM_C_EARLY_START] = "early_start", [SIM_C_ID_DEP] = "id_dep",
	[SIM_C_HELPER] = "helper", [SIM_C_BRANCH] = "branch", [SIM_C_EXIT] = "exit",
};

enum { EMPTY = -1, PHANTOM = -2 };
enum { S_IF, S_ID, S_IE, S_CM, NSTAGE };

struct pipe {
	const struct sim_row *rows;
	uint32_t n;
	int ee;
	int32_t st[NSTAGE];
	uint32_t ie_cycles;	/* cycles the IE row has spent there */
	uint32_t next;		/* next trace row to fetch */
	int fetch_on, phantom, if_new, id_resolved, exit_seen;
	uint64_t t, sel, end, commit;
	int ended;
	int last_cause;		/* cause of the latest hold, for the stages behind it */
	int if_squashed;	/* a phantom was squashed from IF this cycle */
	int exit_pending;	/* fetch stopped or phantoms: an exit not yet resolved */
	struct sim_pkt *p;
	uint8_t post[256];	/* causes of the cycles after the exit's recognition */
	uint32_t npost;
	FILE *trace;
	uint64_t tag;
};

static int is_real(int32_t s)
{
	return s >= 0;
}

static int ctl_is_exit(int ctl)
{
	return ctl == SIM_CTL_EXIT_IF || ctl == SIM_CTL_EXIT_ID;
}

/* the next fetch is a wrong-path row until this row resolves */
static int opens_phantoms(const struct pipe *q, const struct sim_row *r)
{
	if (ctl_is_exit(r->ctl))
		return !q->ee || r->ctl == SIM_CTL_EXIT_ID;
	return r->ctl == SIM_CTL_JUMP_ID || r->ctl == SIM_CTL_SWITCH;
}

static void fetch(struct pipe *q)
{
	q->if_new = 0;
	if (q->st[S_IF] != EMPTY || !q->fetch_on)
		return;
	if (q->phantom) {
		q->st[S_IF] = PHANTOM;
	} else if (q->next < q->n) {
		const struct sim_row *r = &q->rows[q->next];

		q->st[S_IF] = (int32_t)q->next++;
		q->phantom = opens_phantoms(q, r);
		if (ctl_is_exit(r->ctl) && !q->phantom)
			q->exit_pending = 0;
		else if (ctl_is_exit(r->ctl))
			q->exit_pending = 1;
	} else {
		return;
	}
	q->if_new = 1;
}

static void squash(struct pipe *q)
{
	if (q->st[S_IF] == PHANTOM)
		q->if_squashed = 1;
	for (int s = 0; s < NSTAGE; s++)
		if (q->st[s] == PHANTOM)
			q->st[s] = EMPTY;
	q->phantom = 0;
}

static void finish(struct pipe *q)
{
	q->end = q->t;
	q->ended = 1;
	q->fetch_on = 0;
	squash(q);
}

/* frame k-1 is moved at select+k and readable from the next cycle */
static int frames_ready(const struct pipe *q, uint32_t k)
{
	return !k || q->t >= q->sel + 1 + k;
}

/* ID: can the row there do its work this cycle? */
static int id_ready(struct pipe *q, int *cause)
{
	int32_t i = q->st[S_ID], j = q->st[S_IE];
	const struct sim_row *r;
	uint32_t need;

	if (!is_real(i))
		return 1;
	r = &q->rows[i];
	need = r->rd_id | (q->ee && r->exit_r0 ? 1u : 0u);
	if (is_real(j) && ((q->rows[j].wr & need) || (r->mem_dep && j == i - 1))) {
		*cause = SIM_C_ID_DEP;
		return 0;
	}
	if (!frames_ready(q, r->frames_id)) {
		*cause = SIM_C_EARLY_START;
		return 0;
	}
	return 1;
}

static int ie_done(struct pipe *q, int *cause)
{
	int32_t j = q->st[S_IE];
	const struct sim_row *r;

	if (!is_real(j))
		return 1;
	r = &q->rows[j];
	if (q->ie_cycles < r->lat) {
		*cause = SIM_C_HELPER;
		return 0;
	}
	if (!frames_ready(q, r->frames_ie)) {
		*cause = SIM_C_EARLY_START;
		return 0;
	}
	return 1;
}

static void resolve_id(struct pipe *q)
{
	const struct sim_row *r = &q->rows[q->st[S_ID]];

	if (q->id_resolved)
		return;
	q->id_resolved = 1;
	if (r->ctl == SIM_CTL_JUMP_ID) {
		squash(q);
	} else if (r->ctl == SIM_CTL_EXIT_ID && q->ee && !q->ended) {
		q->exit_pending = 0;
		finish(q);
	}
}

static int cycle_cause(struct pipe *q, int id_ok, int ie_ok, int id_cause, int ie_cause)
{
	int32_t f = q->st[S_IF];

	if (!ie_ok)
		q->last_cause = ie_cause;
	else if (!id_ok)
		q->last_cause = id_cause;
	if (is_real(f) && q->if_new)
		return SIM_C_ROW;
	if (q->if_squashed)
		return q->exit_pending || q->end == q->t ? SIM_C_EXIT : SIM_C_BRANCH;
	if (f == PHANTOM)
		return !id_ok || !ie_ok ? q->last_cause :
		       q->exit_pending ? SIM_C_EXIT : SIM_C_BRANCH;
	if (is_real(f))
		return q->last_cause;
	return q->exit_pending ? SIM_C_EXIT : q->last_cause;
}

static void trace_cycle(struct pipe *q, int cause)
{
	static const char *const sn[NSTAGE] = { "IF", "ID", "IE", "CM" };

	fprintf(q->trace, "cycle %llu pkt %llu:", (unsigned long long)q->t,
		(unsigned long long)q->tag);
	for (int s = 0; s < NSTAGE; s++) {
		int32_t v = q->st[s];

		if (is_real(v))
			fprintf(q->trace, " %s=%u:%u", sn[s], q->rows[v].prog, q->rows[v].pc);
		else
			fprintf(q->trace, " %s=%s", sn[s], v == PHANTOM ? "squash" : "-");
	}
	if (q->ended && q->t > q->end)
		fprintf(q->trace, " (ended: draining)");
	else if (cause >= 0)
		fprintf(q->trace, " [%s]", sim_cause_name[cause]);
	fputc('\n', q->trace);
}

static void advance(struct pipe *q, int id_ok, int ie_ok)
{
	int ie_free, id_free;

	q->st[S_CM] = EMPTY;
	ie_free = ie_ok;
	if (ie_free) {
		q->st[S_CM] = q->st[S_IE];
		q->st[S_IE] = EMPTY;
	}
	id_free = ie_free && id_ok;
	if (id_free) {
		q->st[S_IE] = q->st[S_ID];
		q->st[S_ID] = EMPTY;
		q->ie_cycles = 0;
		q->id_resolved = 0;
	}
	if (q->st[S_ID] == EMPTY) {
		q->st[S_ID] = q->st[S_IF];
		q->st[S_IF] = EMPTY;
	}
}

static int busy(const struct pipe *q)
{
	for (int s = 0; s < NSTAGE; s++)
		if (is_real(q->st[s]))
			return 1;
	return 0;
}

/* one cycle: evaluate every stage with the state at the cycle's start, then move */
static void step(struct pipe *q)
{
	int id_cause = 0, ie_cause = 0, id_ok, ie_ok, cause = -1;
	int32_t f;

	q->if_squashed = 0;
	fetch(q);
	f = q->st[S_IF];
	if (is_real(q->st[S_IE]))
		q->ie_cycles++;
	ie_ok = ie_done(q, &ie_cause);
	id_ok = id_ready(q, &id_cause);
	if (id_ok && is_real(q->st[S_ID]))
		resolve_id(q);
	/* an exit in IF ends the program unless an older branch is still unresolved */
	if (is_real(f) && q->ee && q->rows[f].ctl == SIM_CTL_EXIT_IF && !q->ended &&
	    !q->exit_seen && (!is_real(q->st[S_ID]) || !q->rows[q->st[S_ID]].cond || id_ok)) {
		q->exit_seen = 1;
		q->end = q->t;
		q->ended = 1;
		q->fetch_on = 0;
	}
	if (ie_ok && is_real(q->st[S_IE]) && q->rows[q->st[S_IE]].ctl == SIM_CTL_SWITCH)
		squash(q);
	if (is_real(q->st[S_CM])) {
		const struct sim_row *r = &q->rows[q->st[S_CM]];

		q->commit = q->t;
		if (ctl_is_exit(r->ctl) && !q->ended)
			finish(q);
	}
	if (!q->ended || q->end == q->t) {
		cause = cycle_cause(q, id_ok, ie_ok, id_cause, ie_cause);
		q->p->stall[cause]++;
	} else if (q->npost < sizeof(q->post)) {
		cause = cycle_cause(q, id_ok, ie_ok, id_cause, ie_cause);
		q->post[q->npost++] = (uint8_t)cause;
	}
	if (q->trace)
		trace_cycle(q, cause);
	advance(q, id_ok, ie_ok);
	q->t++;
}

static void run_pipe(struct pipe *q)
{
	uint64_t limit = q->t + 64ull * (q->n + 4) * 256;

	while ((!q->ended || busy(q)) && q->t < limit) {
		step(q);
		if (!q->ended && !q->fetch_on && !busy(q))
			finish(q);	/* a trace without an exit (cannot happen) */
		if (!q->ended && q->next >= q->n && q->st[S_IF] == EMPTY && !busy(q))
			finish(q);
	}
	if (!q->ended)
		finish(q);
}

void sim_nic__init(struct sim_nic *nic)
{
	memset(nic, 0, sizeof(*nic));
}

/* ---- the memo: what run_pipe computed for (rows, early exit, first IF - select) ---- */

#define MEMO_SETS 32
#define MEMO_WAYS 8
#define MEMO_MAX_ROWS 1024	/* longer traces are timed every time */

struct memo_ent {
	struct sim_row *rows;	/* NULL: empty */
	uint32_t cap;		/* rows allocated */
	uint32_t n, npost, stall[SIM_NCAUSE];
	uint64_t hash, d, end, commit;	/* end, commit: from the first IF */
	int ee, committed;
	uint8_t post[256];
};

struct sim_memo {
	struct memo_ent e[MEMO_SETS][MEMO_WAYS];
	uint8_t victim[MEMO_SETS];	/* round robin */
};

struct sim_memo *sim_memo__new(void)
{
	return calloc(1, sizeof(struct sim_memo));
}

void sim_memo__free(struct sim_memo *m)
{
	if (!m)
		return;
	for (int i = 0; i < MEMO_SETS; i++)
		for (int w = 0; w < MEMO_WAYS; w++)
			free(m->e[i][w].rows);
	free(m);
}

/* a hash of a sample of the rows (the first words of every fourth from the last: pc,
 * program, registers written), of their count and of d. It only picks a set: a lookup
 * compares the rows whole (memcmp, which the hit pays anyway), so that rows the sample
 * misses cost a way of the set, never a wrong answer. */
static uint64_t memo_hash(const struct sim_row *rows, uint32_t n, int ee, uint64_t d)
{
	const uint64_t k = 0xff51afd7ed558ccdull;
	uint64_t h0 = n ^ d << 32 ^ (uint64_t)ee << 63, h1 = 0x9e3779b97f4a7c15ull, w0, w1;
	uint32_t i = n;

	for (; i >= 8; i -= 8) {
		memcpy(&w0, &rows[i - 1], sizeof(w0));
		memcpy(&w1, &rows[i - 5], sizeof(w1));
		h0 = (h0 ^ w0) * k;
		h1 = (h1 ^ w1) * k;
	}
	if (i) {
		memcpy(&w0, &rows[i - 1], sizeof(w0));
		h0 = (h0 ^ w0) * k;
	}
	w0 = h0 ^ (h1 >> 29 | h1 << 35);
	return w0 ^ w0 >> 31;
}

static struct memo_ent *memo_find(struct sim_memo *m, const struct sim_row *rows,
				  uint32_t n, int ee, uint64_t d, uint64_t h)
{
	struct memo_ent *set = m->e[h % MEMO_SETS];

	for (int w = 0; w < MEMO_WAYS; w++) {
		struct memo_ent *e = &set[w];

		if (e->hash == h && e->rows && e->n == n && e->ee == ee && e->d == d &&
		    !memcmp(e->rows, rows, n * sizeof(*rows)))
			return e;
	}
	return NULL;
}

static void memo_put(struct sim_memo *m, const struct pipe *q, uint64_t h, uint64_t t0,
		     const uint32_t *stall0)
{
	uint32_t set = (uint32_t)(h % MEMO_SETS);
	struct memo_ent *e = &m->e[set][m->victim[set]];

	if (e->cap < q->n || !e->rows) {
		struct sim_row *rows = realloc(e->rows, (q->n ? q->n : 1) * sizeof(*rows));

		if (!rows)
			return;	/* not remembered: timed again next time */
		e->rows = rows;
		e->cap = q->n ? q->n : 1;
	}
	m->victim[set] = (uint8_t)((m->victim[set] + 1) % MEMO_WAYS);
	memcpy(e->rows, q->rows, q->n * sizeof(*q->rows));
	e->hash = h;
	e->n = q->n;
	e->ee = q->ee;
	e->d = t0 - q->sel;
	e->end = q->end - t0;
	e->committed = q->commit != 0;
	e->commit = q->commit ? q->commit - t0 : 0;
	for (int c = 0; c < SIM_NCAUSE; c++)
		e->stall[c] = q->p->stall[c] - stall0[c];
	e->npost = q->npost;
	memcpy(e->post, q->post, q->npost);
}

/* what the pipeline gives a packet's rows: end and last commit (absolute; commit 0:
 * none), stalls added to the packet's, the causes of the cycles after the exit */
struct timing {
	uint64_t end, commit;
	uint32_t npost;
	const uint8_t *post;	/* the pipe's, or the memo's (read before it changes) */
};

static void pipe_init(struct pipe *q, const struct sim_model *m, const struct sim_row *rows,
		      uint32_t n, struct sim_pkt *p, FILE *trace, uint64_t tag);

/* run_pipe from first IF t0 (select sel), or what it gave for the same rows before */
static void time_rows(struct pipe *q, const struct sim_model *m, const struct sim_row *rows,
		      uint32_t n, struct sim_pkt *p, FILE *trace, uint64_t tag,
		      struct sim_memo *mm, uint64_t sel, uint64_t t0, struct timing *out)
{
	uint32_t stall0[SIM_NCAUSE];
	uint64_t d = t0 - sel, h = 0;
	int memo = mm && !trace && n <= MEMO_MAX_ROWS;
	struct memo_ent *e;

	if (memo) {
		h = memo_hash(rows, n, m->early_exit, d);
		if ((e = memo_find(mm, rows, n, m->early_exit, d, h))) {
			out->end = t0 + e->end;
			out->commit = e->committed ? t0 + e->commit : 0;
#pragma GCC unroll 8
			for (int c = 0; c < SIM_NCAUSE; c++)
				p->stall[c] += e->stall[c];
			out->npost = e->npost;
			out->post = e->post;
			return;
		}
	}
	pipe_init(q, m, rows, n, p, trace, tag);
	q->sel = sel;
	q->t = t0;
	memcpy(stall0, p->stall, sizeof(stall0));
	run_pipe(q);
	if (memo)
		memo_put(mm, q, h, t0, stall0);
	out->end = q->end;
	out->commit = q->commit;
	out->npost = q->npost;
	out->post = q->post;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void piq_pop(struct sim_nic *nic)
{
	nic->used -= nic->pending[nic->head].frames;
	nic->head = (nic->head + 1) % SIM_PIQ_FRAMES;
	nic->npending--;
}

/* back-pressure: frame 0 enters when the PIQ has room for the whole packet. Packets
 * leave it in order (their frames are released in order). */
static uint64_t piq_enter(struct sim_nic *nic, uint64_t t, uint32_t frames)
{
	while (nic->npending && nic->pending[nic->head].release <= t)
		piq_pop(nic);
	while (nic->npending && (nic->used + frames > SIM_PIQ_FRAMES ||
				 nic->npending == SIM_PIQ_FRAMES)) {
		t = max64(t, nic->pending[nic->head].release);
		piq_pop(nic);
	}
	return t;
}

static void piq_hold(struct sim_nic *nic, uint64_t release, uint32_t frames)
{
	uint32_t i = (nic->head + nic->npending) % SIM_PIQ_FRAMES;

	nic->pending[i].release = release;
	nic->pending[i].frames = frames;
	nic->npending++;
	nic->used += frames;
}

/* everything but post[] (only its first npost entries are read): zeroing it whole
 * costs more than timing a short packet */
static void pipe_init(struct pipe *q, const struct sim_model *m, const struct sim_row *rows,
		      uint32_t n, struct sim_pkt *p, FILE *trace, uint64_t tag)
{
	q->rows = rows;
	q->n = n;
	q->ee = m->early_exit;
	for (int s = 0; s < NSTAGE; s++)
		q->st[s] = EMPTY;
	q->ie_cycles = q->next = 0;
	q->fetch_on = 1;
	q->phantom = q->if_new = q->id_resolved = q->exit_seen = 0;
	q->t = q->sel = q->end = q->commit = 0;
	q->ended = 0;
	q->last_cause = SIM_C_ROW;
	q->if_squashed = q->exit_pending = 0;
	q->p = p;
	q->npost = 0;
	q->trace = trace;
	q->tag = tag;
}

void sim__time(struct sim_nic *nic, const struct sim_model *m, const struct sim_row *rows,
	       uint32_t n, struct sim_pkt *p, FILE *trace, uint64_t tag)
{
	uint32_t fin = sim__frames(p->len), fout = sim__frames(p->out_len);
	uint32_t b = nic->buf_free[0] <= nic->buf_free[1] ? 0 : 1;
	struct timing tm;
	struct pipe q;

	if (!fin)
		fin = 1;
	memset(p->stall, 0, sizeof(p->stall));
	p->arrival = piq_enter(nic, max64(p->offered, nic->in_free), fin);
	p->select = p->arrival;
	if (nic->started)
		p->select = max64(p->select, max64(nic->end + 1, nic->xfer_free));
	p->select = max64(p->select, nic->buf_free[b]);
	p->first_if = max64(p->select + 2, nic->started ? nic->commit : 0);
	p->stall[SIM_C_START] = 2;
	p->stall[SIM_C_DRAIN] = (uint32_t)(p->first_if - p->select - 2);
	if (trace)
		fprintf(trace, "cycle %llu pkt %llu: select, %u bytes arrived at %llu\n",
			(unsigned long long)p->select, (unsigned long long)tag, p->len,
			(unsigned long long)p->arrival);
	time_rows(&q, m, rows, n, p, trace, tag, nic->memo, p->select, p->first_if, &tm);
	p->commit = max64(tm.commit, tm.end);
	/* rows older than the exit still running: the packet holds the core until three
	 * cycles before its last commit (the next first IF is not before it) */
	p->end = tm.end;
	for (uint32_t i = 0; i < tm.npost && p->end + 3 < p->commit; i++) {
		p->stall[tm.post[i]]++;
		p->end++;
	}
	if (p->end + 3 < p->commit) {
		p->stall[SIM_C_DRAIN] += (uint32_t)(p->commit - 3 - p->end);
		p->end = p->commit - 3;
	}
	p->cycles = (uint32_t)(p->end - p->select + 1);
	p->rows = n;
	if (fout) {
		p->emit_end = p->commit + fout;
		nic->buf_free[b] = p->emit_end + 1;
		nic->xfer_free = p->select + fin;	/* its last frame moves then */
		piq_hold(nic, p->select + fin, fin);
	} else {
		p->emit_end = p->end;
		nic->buf_free[b] = p->end + 1;
		nic->xfer_free = p->end + 1;
		piq_hold(nic, max64(p->end, p->arrival + fin - 1), fin);
	}
	p->latency = p->emit_end + 1 - p->arrival;
	/* alone, the packet arrives at its select; nothing after select depends on the
	 * packets before it (the previous one held the core until its last commit - 3) */
	p->latency_alone = p->emit_end + 1 - p->select;
	nic->end = p->end;
	nic->commit = p->commit;
	nic->in_free = p->arrival + fin;
	nic->buf = b;
	nic->started = 1;
	if (trace)
		fprintf(trace, "cycle %llu pkt %llu: end, %u cycles, last commit %llu, out at %llu\n",
			(unsigned long long)p->end, (unsigned long long)tag, p->cycles,
			(unsigned long long)p->commit, (unsigned long long)p->emit_end);
}
