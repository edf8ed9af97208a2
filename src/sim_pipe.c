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

/* a stage holds a trace row (>= 0), nothing or a phantom: the two negative values */
enum { EMPTY = -1, PHANTOM = -2 };
enum { S_IF, S_ID, S_IE, S_CM, NSTAGE };
enum { MAX_POST = 256 };

/* what the pipeline gives a packet's rows: end and last commit (absolute; commit 0:
 * none), the stalls of its cycles up to the end, the causes of the cycles after it */
struct pipe_out {
	uint64_t end, commit;
	uint32_t stall[SIM_NCAUSE];
	uint32_t npost;
	uint8_t post[MAX_POST];
};

/* control kinds as bit masks (bit ctl) */
#define CTL_BIT(c) (1u << (c))
#define CTL_EXITS (CTL_BIT(SIM_CTL_EXIT_IF) | CTL_BIT(SIM_CTL_EXIT_ID))
/* the next fetch is a wrong-path row until a row of these kinds resolves */
#define CTL_OPENS_EE (CTL_BIT(SIM_CTL_EXIT_ID) | CTL_BIT(SIM_CTL_JUMP_ID) | CTL_BIT(SIM_CTL_SWITCH))
#define CTL_OPENS_NOEE (CTL_OPENS_EE | CTL_BIT(SIM_CTL_EXIT_IF))

static int ctl_is_exit(unsigned ctl)
{
	return ctl < 32 && (CTL_EXITS >> ctl & 1);
}

static void trace_cycle(FILE *f, const struct sim_row *rows, const int32_t st[NSTAGE],
			uint64_t t, uint64_t tag, int draining, int cause)
{
	static const char *const sn[NSTAGE] = { "IF", "ID", "IE", "CM" };

	fprintf(f, "cycle %llu pkt %llu:", (unsigned long long)t, (unsigned long long)tag);
	for (int s = 0; s < NSTAGE; s++) {
		int32_t v = st[s];

		if (v >= 0)
			fprintf(f, " %s=%u:%u", sn[s], rows[v].prog, rows[v].pc);
		else
			fprintf(f, " %s=%s", sn[s], v == PHANTOM ? "squash" : "-");
	}
	if (draining)
		fprintf(f, " (ended: draining)");
	else if (cause >= 0)
		fprintf(f, " [%s]", sim_cause_name[cause]);
	fputc('\n', f);
}

/* phantoms leave every stage; squashed: one left IF */
#define SQUASH() do {							\
	squashed |= sif == PHANTOM;					\
	sif = sif == PHANTOM ? EMPTY : sif;				\
	sid = sid == PHANTOM ? EMPTY : sid;				\
	sie = sie == PHANTOM ? EMPTY : sie;				\
	scm = scm == PHANTOM ? EMPTY : scm;				\
	phantom = 0;							\
} while (0)

#define FINISH() do {							\
	end = t;							\
	ended = 1;							\
	fetch_on = 0;							\
	SQUASH();							\
} while (0)

/* the pipeline cycle by cycle from the first IF t0, packet selected at sel: each cycle
 * evaluates every stage with the state at the cycle's start, then moves the rows. The
 * state lives in locals, with what later checks need of a stage's row kept beside it
 * (this loop is most of the cost of a packet not timed before). */
static inline __attribute__((always_inline)) void
pipe_cycles(const struct sim_row *rows, uint32_t n, int ee, uint64_t sel, uint64_t t0,
	    FILE *trace, uint64_t tag, struct pipe_out *o)
{
	int32_t sif = EMPTY, sid = EMPTY, sie = EMPTY, scm = EMPTY;
	uint32_t ie_cycles = 0, next = 0, npost = 0;
	uint32_t opens = ee ? CTL_OPENS_EE : CTL_OPENS_NOEE;
	int fetch_on = 1, phantom = 0, id_resolved = 0, ended = 0;
	int exit_pending = 0;	/* fetch stopped or phantoms: an exit not yet resolved */
	int last_cause = SIM_C_ROW;	/* of the latest hold, for the stages behind it */
	int if_exitk = 0;	/* IF holds a row whose exit is recognized there */
	int cm_exit = 0;	/* CM holds an exit row */
	uint64_t t = t0, end = 0, commit = 0, limit = t0 + 64ull * (n + 4) * 256;
	uint64_t sel1 = sel + 1;	/* frame k-1 is moved at sel + k, readable after */
	int squashed;

	memset(o->stall, 0, sizeof(o->stall));
	/* busy: a real row in some stage (the real ones have the sign bit clear) */
	while ((!ended || (sif & sid & sie & scm) >= 0) && t < limit) {
		int if_new = 0, id_ok = 1, ie_ok = 1, ie_ctl = SIM_CTL_NONE, cause;
		uint32_t ie_wr = 0;

		squashed = 0;
		if (sif == EMPTY && fetch_on) {
			if (phantom) {
				sif = PHANTOM;
				if_new = 1;
			} else if (next < n) {
				unsigned ctl = rows[next].ctl;

				sif = (int32_t)next++;
				phantom = ctl < 32 && (opens >> ctl & 1);
				if (ctl_is_exit(ctl))
					exit_pending = phantom;
				if_exitk = ee && ctl == SIM_CTL_EXIT_IF;
				if_new = 1;
			}
		}
		if (sie >= 0) {
			const struct sim_row *r = &rows[sie];

			ie_wr = r->wr;
			ie_ctl = r->ctl;
			if (++ie_cycles < r->lat) {
				ie_ok = 0;
				last_cause = SIM_C_HELPER;
			} else if (r->frames_ie && t < sel1 + r->frames_ie) {
				ie_ok = 0;
				last_cause = SIM_C_EARLY_START;
			}
		}
		if (sid >= 0) {
			const struct sim_row *r = &rows[sid];
			uint32_t need = r->rd_id | (ee && r->exit_r0 ? 1u : 0u);
			int hold = -1;

			if ((ie_wr & need) || (r->mem_dep && sie >= 0 && sie == sid - 1))
				hold = SIM_C_ID_DEP;
			else if (r->frames_id && t < sel1 + r->frames_id)
				hold = SIM_C_EARLY_START;
			if (hold >= 0) {
				id_ok = 0;
				if (ie_ok)
					last_cause = hold;
			} else if (!id_resolved) {
				id_resolved = 1;
				if (r->ctl == SIM_CTL_JUMP_ID) {
					SQUASH();
				} else if (r->ctl == SIM_CTL_EXIT_ID && ee && !ended) {
					exit_pending = 0;
					FINISH();
				}
			}
			/* an exit in IF ends the program unless this branch is unresolved */
			if (if_exitk && !ended && (!r->cond || id_ok)) {
				end = t;
				ended = 1;
				fetch_on = 0;
			}
		} else if (if_exitk && !ended) {
			end = t;
			ended = 1;
			fetch_on = 0;
		}
		if (ie_ok && ie_ctl == SIM_CTL_SWITCH)
			SQUASH();
		if (scm >= 0) {
			commit = t;
			if (cm_exit && !ended)
				FINISH();
		}
		if (sif >= 0 && if_new)
			cause = SIM_C_ROW;
		else if (squashed)
			cause = exit_pending || end == t ? SIM_C_EXIT : SIM_C_BRANCH;
		else if (sif == PHANTOM)
			cause = !id_ok || !ie_ok ? last_cause :
				exit_pending ? SIM_C_EXIT : SIM_C_BRANCH;
		else if (sif >= 0)
			cause = last_cause;
		else
			cause = exit_pending ? SIM_C_EXIT : last_cause;
		if (!ended || end == t)
			o->stall[cause]++;
		else if (npost < MAX_POST)
			o->post[npost++] = (uint8_t)cause;
		if (trace)
			trace_cycle(trace, rows, (const int32_t[NSTAGE]){ sif, sid, sie, scm }, t,
				    tag, ended && t > end, cause);
		scm = EMPTY;
		if (ie_ok) {
			scm = sie;
			cm_exit = sie >= 0 && ctl_is_exit((unsigned)ie_ctl);
			sie = EMPTY;
			if (id_ok) {
				sie = sid;
				sid = EMPTY;
				ie_cycles = 0;
				id_resolved = 0;
			}
		}
		if (sid == EMPTY) {
			sid = sif;
			sif = EMPTY;
			if_exitk = 0;
		}
		t++;
		/* a trace without an exit (cannot happen) */
		if (!ended && (sif & sid & sie & scm) < 0 &&
		    (!fetch_on || (next >= n && sif == EMPTY)))
			FINISH();
	}
	if (!ended)
		end = t;
	o->end = end;
	o->commit = commit;
	o->npost = npost;
}

static __attribute__((noinline)) void run_pipe(const struct sim_row *rows, uint32_t n,
					       int ee, uint64_t sel, uint64_t t0,
					       struct pipe_out *o)
{
	pipe_cycles(rows, n, ee, sel, t0, NULL, 0, o);
}

static __attribute__((noinline)) void run_pipe_traced(const struct sim_row *rows, uint32_t n,
						      int ee, uint64_t sel, uint64_t t0,
						      FILE *trace, uint64_t tag,
						      struct pipe_out *o)
{
	pipe_cycles(rows, n, ee, sel, t0, trace, tag, o);
}

void sim_nic__init(struct sim_nic *nic)
{
	memset(nic, 0, sizeof(*nic));
}

/* what a packet's rows give it, from its first IF: its end and last commit (its end
 * when nothing commits), its stalls by cause (start and drain included). A function of
 * the rows, the early-exit switch and d, how far the first IF is behind the select. */
struct outcome {
	uint64_t end, commit;
	uint32_t stall[SIM_NCAUSE];
};

/* the cycles after the exit count while rows older than it still run: the packet holds
 * the core until three cycles before its last commit (the next first IF is not before) */
static void outcome_of(const struct pipe_out *q, uint64_t t0, uint64_t d, struct outcome *o)
{
	uint64_t commit = q->commit > q->end ? q->commit : q->end, end = q->end;

	memcpy(o->stall, q->stall, sizeof(o->stall));
	o->stall[SIM_C_START] += 2;
	o->stall[SIM_C_DRAIN] += (uint32_t)(d - 2);
	for (uint32_t i = 0; i < q->npost && end + 3 < commit; i++) {
		o->stall[q->post[i]]++;
		end++;
	}
	if (end + 3 < commit) {
		o->stall[SIM_C_DRAIN] += (uint32_t)(commit - 3 - end);
		end = commit - 3;
	}
	o->end = end - t0;
	o->commit = commit - t0;
}

/* ---- the memo: the outcome of (rows, early exit, d) computed before ---- */

#define MEMO_SETS 32
#define MEMO_WAYS 8
#define MEMO_MAX_ROWS 1024	/* longer traces are timed every time */

struct memo_ent {
	struct sim_row *rows;	/* NULL: empty */
	uint32_t cap;		/* rows allocated */
	uint32_t n;
	uint64_t d;
	int ee;
	struct outcome o;
};

struct memo_set {
	uint64_t hash[MEMO_WAYS];	/* each way's, read first */
	struct memo_ent e[MEMO_WAYS];
	uint32_t victim;	/* round robin */
};

struct sim_memo {
	const struct memo_ent *last;	/* the last found or put: tried first */
	struct memo_set set[MEMO_SETS];
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
			free(m->set[i].e[w].rows);
	free(m);
}

/* a hash of a few words of a few rows (the last, and those at a quarter, half and
 * three quarters: pc, program, registers written, control, helper, frames), of their
 * count and of d. It only picks a set and a way: a lookup compares the rows whole
 * (memcmp, which the hit pays anyway), so that rows the sample misses cost a way of
 * the set and a compare, never a wrong answer. */
static uint64_t word_at(const struct sim_row *r, size_t off)
{
	uint64_t w;

	memcpy(&w, (const char *)r + off, sizeof(w));
	return w;
}

static uint64_t memo_hash(const struct sim_row *rows, uint32_t n, int ee, uint64_t d)
{
	const uint64_t k = 0xff51afd7ed558ccdull;
	uint64_t h = n ^ d << 32 ^ (uint64_t)ee << 63;

	if (n) {
		const struct sim_row *last = &rows[n - 1];

		h = (h ^ word_at(last, 0)) * k;
		h = (h ^ word_at(last, sizeof(*last) - 8)) * k;
		h = (h ^ word_at(&rows[n / 2], 0)) * k;
		h = (h ^ word_at(&rows[n / 4], sizeof(*last) - 8)) * k;
		h = (h ^ word_at(&rows[n / 2 + n / 4], 2)) * k;
	}
	return h ^ h >> 29;
}

static int memo_is(const struct memo_ent *e, const struct sim_row *rows, uint32_t n, int ee,
		   uint64_t d)
{
	return e->rows && e->n == n && e->ee == ee && e->d == d &&
	       !memcmp(e->rows, rows, n * sizeof(*rows));
}

static const struct outcome *memo_find(struct sim_memo *m, const struct sim_row *rows,
				       uint32_t n, int ee, uint64_t d, uint64_t h)
{
	const struct memo_set *s = &m->set[h % MEMO_SETS];

	for (int w = 0; w < MEMO_WAYS; w++) {
		const struct memo_ent *e = &s->e[w];

		if (s->hash[w] == h && memo_is(e, rows, n, ee, d)) {
			m->last = e;
			return &e->o;
		}
	}
	return NULL;
}

static void memo_put(struct sim_memo *m, const struct sim_row *rows, uint32_t n, int ee,
		     uint64_t d, uint64_t h, const struct outcome *o)
{
	struct memo_set *s = &m->set[h % MEMO_SETS];
	uint32_t w = s->victim;
	struct memo_ent *e = &s->e[w];

	if (e->cap < n || !e->rows) {
		struct sim_row *r = realloc(e->rows, (n ? n : 1) * sizeof(*r));

		if (!r)
			return;	/* not remembered: timed again next time */
		e->rows = r;
		e->cap = n ? n : 1;
	}
	s->victim = (w + 1) % MEMO_WAYS;
	memcpy(e->rows, rows, n * sizeof(*rows));
	s->hash[w] = h;
	e->n = n;
	e->ee = ee;
	e->d = d;
	e->o = *o;
	m->last = e;
}

/* the outcome of rows from the first IF t0 after select sel: the memo's, or run_pipe's
 * (then remembered). o is filled, or pointed at the memo's. */
static const struct outcome *time_rows(const struct sim_model *m, const struct sim_row *rows,
				       uint32_t n, FILE *trace, uint64_t tag,
				       struct sim_memo *mm, uint64_t sel, uint64_t t0,
				       struct outcome *o)
{
	uint64_t d = t0 - sel, h = 0;
	int memo = mm && !trace && n <= MEMO_MAX_ROWS;
	const struct outcome *hit;
	struct pipe_out q;

	if (memo) {
		/* a stream of one kind of packet hits the same entry */
		if (mm->last && memo_is(mm->last, rows, n, m->early_exit, d))
			return &mm->last->o;
		h = memo_hash(rows, n, m->early_exit, d);
		if ((hit = memo_find(mm, rows, n, m->early_exit, d, h)))
			return hit;
	}
	if (trace)
		run_pipe_traced(rows, n, m->early_exit, sel, t0, trace, tag, &q);
	else
		run_pipe(rows, n, m->early_exit, sel, t0, &q);
	outcome_of(&q, t0, d, o);
	if (memo)
		memo_put(mm, rows, n, m->early_exit, d, h, o);
	return o;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* back-pressure: frame 0 enters when the PIQ has room for the whole packet. Packets
 * leave it in order (their frames are released in order). */
static uint64_t piq_enter(struct sim_nic *nic, uint64_t t, uint32_t frames)
{
	uint32_t head = nic->head, np = nic->npending, used = nic->used;

	while (np && nic->pending[head].release <= t) {
		used -= nic->pending[head].frames;
		head = (head + 1) % SIM_PIQ_FRAMES;
		np--;
	}
	while (np && (used + frames > SIM_PIQ_FRAMES || np == SIM_PIQ_FRAMES)) {
		t = max64(t, nic->pending[head].release);
		used -= nic->pending[head].frames;
		head = (head + 1) % SIM_PIQ_FRAMES;
		np--;
	}
	nic->head = head;
	nic->npending = np;
	nic->used = used;
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

void sim__time(struct sim_nic *nic, const struct sim_model *m, const struct sim_row *rows,
	       uint32_t n, struct sim_pkt *p, FILE *trace, uint64_t tag)
{
	uint32_t fin = sim__frames(p->len), fout = sim__frames(p->out_len);
	uint32_t b = nic->buf_free[0] <= nic->buf_free[1] ? 0 : 1;
	uint64_t arrival, select, first_if, end, commit, emit_end;
	const struct outcome *o;
	struct outcome mine;

	if (!fin)
		fin = 1;
	arrival = piq_enter(nic, max64(p->offered, nic->in_free), fin);
	select = arrival;
	if (nic->started)
		select = max64(select, max64(nic->end + 1, nic->xfer_free));
	select = max64(select, nic->buf_free[b]);
	first_if = max64(select + 2, nic->started ? nic->commit : 0);
	if (trace)
		fprintf(trace, "cycle %llu pkt %llu: select, %u bytes arrived at %llu\n",
			(unsigned long long)select, (unsigned long long)tag, p->len,
			(unsigned long long)arrival);
	o = time_rows(m, rows, n, trace, tag, nic->memo, select, first_if, &mine);
	end = first_if + o->end;
	commit = first_if + o->commit;
	memcpy(p->stall, o->stall, sizeof(p->stall));
	if (fout) {
		emit_end = commit + fout;
		nic->buf_free[b] = emit_end + 1;
		nic->xfer_free = select + fin;	/* its last frame moves then */
		piq_hold(nic, select + fin, fin);
	} else {
		emit_end = end;
		nic->buf_free[b] = end + 1;
		nic->xfer_free = end + 1;
		piq_hold(nic, max64(end, arrival + fin - 1), fin);
	}
	p->arrival = arrival;
	p->select = select;
	p->first_if = first_if;
	p->end = end;
	p->commit = commit;
	p->emit_end = emit_end;
	p->cycles = (uint32_t)(end - select + 1);
	p->rows = n;
	p->latency = emit_end + 1 - arrival;
	/* alone, the packet arrives at its select; nothing after select depends on the
	 * packets before it (the previous one held the core until its last commit - 3) */
	p->latency_alone = emit_end + 1 - select;
	nic->end = end;
	nic->commit = commit;
	nic->in_free = arrival + fin;
	nic->buf = b;
	nic->started = 1;
	if (trace)
		fprintf(trace, "cycle %llu pkt %llu: end, %u cycles, last commit %llu, out at %llu\n",
			(unsigned long long)end, (unsigned long long)tag, p->cycles,
			(unsigned long long)commit, (unsigned long long)emit_end);
}
