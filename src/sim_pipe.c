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

/* what the cycle loop needs of a row, worked out once as it is fetched and carried
 * from stage to stage with it (phantoms and empty stages: none) */
enum {
	F_DEP = 1 << 0,		/* waits in ID while the row before it is in IE */
	F_FRAMES = 1 << 1,	/* reads packet frames (in ID or in IE) */
	F_LAT = 1 << 2,		/* more than one cycle in IE */
	F_JUMPID = 1 << 3,	/* taken branch resolved in ID */
	F_EXITID = 1 << 4,	/* exit resolved in ID (early exit) */
	F_EXITK = 1 << 5,	/* exit recognized in IF (early exit) */
	F_SWITCH = 1 << 6,	/* tail call: squashes when it leaves IE */
	F_EXIT = 1 << 7,	/* an exit (ends the program at commit, if nothing before) */
	F_OPENS = 1 << 8,	/* the next fetch is a wrong-path row until it resolves */
};

/* the control part of a row's flags, by early exit and control (any byte: none past
 * the last kind) */
static const uint16_t ctl_flags[2][256] = {
	[0] = {
		[SIM_CTL_JUMP_ID] = F_JUMPID | F_OPENS,
		[SIM_CTL_EXIT_IF] = F_EXIT | F_OPENS,
		[SIM_CTL_EXIT_ID] = F_EXIT | F_OPENS,
		[SIM_CTL_SWITCH] = F_SWITCH | F_OPENS,
	},
	[1] = {
		[SIM_CTL_JUMP_ID] = F_JUMPID | F_OPENS,
		[SIM_CTL_EXIT_IF] = F_EXIT | F_EXITK,
		[SIM_CTL_EXIT_ID] = F_EXIT | F_EXITID | F_OPENS,
		[SIM_CTL_SWITCH] = F_SWITCH | F_OPENS,
	},
};

static inline __attribute__((always_inline)) uint32_t
row_flags(const struct sim_row *r, int ee, uint32_t prev_wr)
{
	uint32_t fl = ctl_flags[ee][r->ctl];

	/* a plain exit reads r0 in ID with early exit */
	if ((prev_wr & r->rd_id) || r->mem_dep || (r->exit_r0 && ee && (prev_wr & 1)))
		fl |= F_DEP;
	if (r->lat > 1)
		fl |= F_LAT;
	if (r->frames_id | r->frames_ie)
		fl |= F_FRAMES;
	return fl;
}

/* the pipeline between two cycles: each stage's row (a trace row, EMPTY or PHANTOM)
 * with its flags (none for the negative ones) */
struct pstate {
	int32_t sif, sid, sie, scm;
	uint32_t fif, fid, fie, fcm;
	uint32_t prev_wr;	/* of the last row fetched */
	uint32_t ie_cycles;	/* cycles the IE row has spent there */
	uint32_t next;		/* next trace row to fetch */
	uint32_t npost;
	int phantom;		/* the next fetch is a wrong-path row */
	int id_resolved;	/* the ID row's control has been resolved */
	int ended;		/* fetching stopped: the program's end is known */
	int exit_pending;	/* fetch stopped or phantoms: an exit not yet resolved */
	int last_cause;		/* of the latest hold, for the stages behind it */
	uint64_t t, end, commit;
};

/* phantoms leave every stage; returns whether one left IF */
static inline __attribute__((always_inline)) int squash(struct pstate *q)
{
	int was = q->sif == PHANTOM;

	q->sif = q->sif == PHANTOM ? EMPTY : q->sif;
	q->sid = q->sid == PHANTOM ? EMPTY : q->sid;
	q->sie = q->sie == PHANTOM ? EMPTY : q->sie;
	q->scm = q->scm == PHANTOM ? EMPTY : q->scm;
	q->phantom = 0;
	return was;
}

static inline __attribute__((always_inline)) int finish(struct pstate *q)
{
	q->end = q->t;
	q->ended = 1;
	return squash(q);
}

/* one cycle: evaluate every stage with the state at the cycle's start, then move the
 * rows. draining (a constant): the program ended before this cycle, nothing is
 * fetched and the cycle's cause goes to post[]. Two real rows in ID and IE are
 * consecutive trace rows: F_DEP, worked out against the row fetched before, is their
 * hazard. */
static inline __attribute__((always_inline)) void
cycle(struct pstate *q, const struct sim_row *rows, uint32_t n, int ee, uint64_t sel1,
      FILE *trace, uint64_t tag, struct pipe_out *o, const int draining)
{
	int if_new = 0, id_ok = 1, ie_ok = 1, squashed = 0, cause;

	if (!draining && q->sif == EMPTY) {
		if (q->phantom) {
			q->sif = PHANTOM;
			if_new = 1;
		} else if (q->next < n) {
			const struct sim_row *r = &rows[q->next];

			q->fif = row_flags(r, ee, q->prev_wr);
			q->prev_wr = r->wr;
			q->sif = (int32_t)q->next++;
			q->phantom = !!(q->fif & F_OPENS);
			if (q->fif & F_EXIT)
				q->exit_pending = q->phantom;
			if_new = 1;
		}
	}
	if (q->fie & (F_LAT | F_FRAMES)) {
		const struct sim_row *r = &rows[q->sie];

		if (++q->ie_cycles < r->lat) {
			ie_ok = 0;
			q->last_cause = SIM_C_HELPER;
		} else if (r->frames_ie && q->t < sel1 + r->frames_ie) {
			ie_ok = 0;
			q->last_cause = SIM_C_EARLY_START;
		}
	}
	if (q->sid >= 0) {
		int hold = -1;

		if ((q->fid & F_DEP) && q->sie >= 0)
			hold = SIM_C_ID_DEP;
		else if ((q->fid & F_FRAMES) && rows[q->sid].frames_id &&
			 q->t < sel1 + rows[q->sid].frames_id)
			hold = SIM_C_EARLY_START;
		if (hold >= 0) {
			id_ok = 0;
			if (ie_ok)
				q->last_cause = hold;
		} else if ((q->fid & (F_JUMPID | F_EXITID)) && !q->id_resolved) {
			q->id_resolved = 1;
			if (q->fid & F_JUMPID) {
				squashed |= squash(q);
			} else if (!q->ended) {
				q->exit_pending = 0;
				squashed |= finish(q);
			}
		}
	}
	/* an exit in IF ends the program unless an older branch is unresolved */
	if (!draining && (q->fif & F_EXITK) && !q->ended &&
	    (q->sid < 0 || !rows[q->sid].cond || id_ok)) {
		q->end = q->t;
		q->ended = 1;
	}
	if ((q->fie & F_SWITCH) && ie_ok)
		squashed |= squash(q);
	if (q->scm >= 0) {
		q->commit = q->t;
		if ((q->fcm & F_EXIT) && !q->ended)
			squashed |= finish(q);
	}
	if (q->sif >= 0 && if_new)
		cause = SIM_C_ROW;
	else if (squashed)
		cause = q->exit_pending || q->end == q->t ? SIM_C_EXIT : SIM_C_BRANCH;
	else if (q->sif == PHANTOM)
		cause = !id_ok || !ie_ok ? q->last_cause :
			q->exit_pending ? SIM_C_EXIT : SIM_C_BRANCH;
	else if (q->sif >= 0)
		cause = q->last_cause;
	else
		cause = q->exit_pending ? SIM_C_EXIT : q->last_cause;
	/* ended this cycle: end == t, counted */
	if (!draining)
		o->stall[cause]++;
	else if (q->npost < MAX_POST)
		o->post[q->npost++] = (uint8_t)cause;
	if (trace)
		trace_cycle(trace, rows, (const int32_t[NSTAGE]){ q->sif, q->sid, q->sie, q->scm },
			    q->t, tag, draining, cause);
	q->scm = EMPTY;
	q->fcm = 0;
	if (ie_ok) {
		q->scm = q->sie;
		q->fcm = q->fie;
		q->sie = EMPTY;
		q->fie = 0;
		if (id_ok) {
			q->sie = q->sid;
			q->fie = q->fid;
			q->sid = EMPTY;
			q->fid = 0;
			q->ie_cycles = 0;
			q->id_resolved = 0;
		}
	}
	if (q->sid == EMPTY) {
		q->sid = q->sif;
		q->fid = q->fif;
		q->sif = EMPTY;
		q->fif = 0;
	}
	q->t++;
}

/* busy: a real row in some stage (the real ones have the sign bit clear) */
static inline __attribute__((always_inline)) int busy(const struct pstate *q)
{
	return (q->sif & q->sid & q->sie & q->scm) >= 0;
}

/* the pipeline cycle by cycle from the first IF t0, packet selected at sel, until the
 * program's end, then while rows older than its exit drain. The state lives in locals
 * (this loop is most of the cost of a packet not timed before). */
static inline __attribute__((always_inline)) void
pipe_cycles(const struct sim_row *rows, uint32_t n, int ee, uint64_t sel, uint64_t t0,
	    FILE *trace, uint64_t tag, struct pipe_out *o)
{
	struct pstate q = {
		.sif = EMPTY, .sid = EMPTY, .sie = EMPTY, .scm = EMPTY,
		.last_cause = SIM_C_ROW, .t = t0,
	};
	uint64_t limit = t0 + 64ull * (n + 4) * 256;
	uint64_t sel1 = sel + 1;	/* frame k-1 is moved at sel + k, readable after */

	ee = !!ee;
	memset(o->stall, 0, sizeof(o->stall));
	while (!q.ended && q.t < limit) {
		cycle(&q, rows, n, ee, sel1, trace, tag, o, 0);
		/* a trace without an exit (cannot happen) */
		if (q.next >= n && q.sif == EMPTY && !q.ended && !busy(&q))
			finish(&q);
	}
	while (q.ended && busy(&q) && q.t < limit)
		cycle(&q, rows, n, ee, sel1, trace, tag, o, 1);
	o->end = q.ended ? q.end : q.t;
	o->commit = q.commit;
	o->npost = q.npost;
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
struct rel {
	uint64_t end, commit;
};

struct outcome {
	struct rel rel;
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
	o->rel.end = end - t0;
	o->rel.commit = commit - t0;
}

/* ---- the memo: the outcome of (rows, early exit, d) computed before ---- */

#define MEMO_SETS 32
#define MEMO_WAYS 8
#define MEMO_MAX_ROWS 1024	/* longer traces are timed every time */
#define MEMO_MAX_D (1ull << 40)	/* and those whose first IF is this far behind */

/* what a packet's rows are compared by: the rows themselves, or the translated sim's
 * records */
struct sig {
	const void *a;
	uint32_t na;		/* bytes */
	int recs;
};

struct memo_ent {
	uint64_t key;		/* memo_key; 0: empty */
	uint8_t *blob;		/* the signature */
	uint32_t na, cap;
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
	struct sim_memo *m = calloc(1, sizeof(struct sim_memo));

	if (m)
		m->last = &m->set[0].e[0];
	return m;
}

void sim_memo__free(struct sim_memo *m)
{
	if (!m)
		return;
	for (int i = 0; i < MEMO_SETS; i++)
		for (int w = 0; w < MEMO_WAYS; w++)
			free(m->set[i].e[w].blob);
	free(m);
}

/* the row count, the early-exit switch, the signature's kind and d in one word,
 * never 0 (d >= 2) */
static uint64_t memo_key(uint32_t n, int ee, int recs, uint64_t d)
{
	return d << 13 | (uint64_t)(recs != 0) << 12 | (uint64_t)(ee != 0) << 11 | n;
}

/* a hash of a few words of the signature (the last, and those at a quarter, half and
 * three quarters) and of the key. It only picks a set and a way: a lookup compares the
 * signature whole (which the hit pays anyway), so that what the sample misses costs a
 * way of the set and a compare, never a wrong answer. */
static uint64_t word_at(const struct sig *g, uint32_t off)
{
	uint64_t w = 0;

	if (g->na < sizeof(w)) {
		memcpy(&w, g->a, g->na);
		return w;
	}
	if (off > g->na - sizeof(w))
		off = g->na - (uint32_t)sizeof(w);
	memcpy(&w, (const char *)g->a + off, sizeof(w));
	return w;
}

static uint64_t memo_hash(const struct sig *g, uint64_t key)
{
	const uint64_t k = 0xff51afd7ed558ccdull;
	uint64_t h = key;

	h = (h ^ word_at(g, g->na)) * k;
	h = (h ^ word_at(g, g->na / 2)) * k;
	h = (h ^ word_at(g, g->na / 4)) * k;
	h = (h ^ word_at(g, g->na / 2 + g->na / 4)) * k;
	return h ^ h >> 29;
}

static inline __attribute__((always_inline)) int sig_equal(const struct memo_ent *e,
							   const struct sig *g)
{
	return e->na == g->na && !memcmp(e->blob, g->a, g->na);
}

static const struct outcome *memo_find(struct sim_memo *m, const struct sig *g, uint64_t key,
				       uint64_t h)
{
	const struct memo_set *s = &m->set[h % MEMO_SETS];

	for (int w = 0; w < MEMO_WAYS; w++) {
		const struct memo_ent *e = &s->e[w];

		if (s->hash[w] == h && e->key == key && sig_equal(e, g)) {
			m->last = e;
			return &e->o;
		}
	}
	return NULL;
}

static void memo_put(struct sim_memo *m, const struct sig *g, uint64_t key, uint64_t h,
		     const struct outcome *o)
{
	struct memo_set *s = &m->set[h % MEMO_SETS];
	uint32_t w = s->victim, need = g->na;
	struct memo_ent *e = &s->e[w];

	if (e->cap < need || !e->blob) {
		uint8_t *b = realloc(e->blob, need ? need : 1);

		if (!b)
			return;	/* not remembered: timed again next time */
		e->blob = b;
		e->cap = need ? need : 1;
	}
	s->victim = (w + 1) % MEMO_WAYS;
	memcpy(e->blob, g->a, g->na);
	e->na = g->na;
	s->hash[w] = h;
	e->key = key;
	e->o = *o;
	m->last = e;
}

void sim__unpack(const struct sim_recs *r, struct sim_row *out)
{
	for (uint32_t i = 0, w = 0; i < r->n && w < r->nw; i++) {
		uint32_t c = r->rec[w++];

		out[i] = r->T[c & 0xffff];
		out[i].mem_dep = (uint8_t)(c >> 16 & 1);
		out[i].frames_id = (uint16_t)(c >> 17 & 0x3fff);
		if ((c & SIM_REC_HELPER) && w < r->nw) {
			uint32_t h = r->rec[w++];

			out[i].lat = (uint16_t)h;
			out[i].frames_ie = (uint16_t)(h >> 16 & 0x7fff);
			out[i].mem_dep |= (uint8_t)(h >> 31);
		}
	}
}

/* a packet's rows: rows, or its records unpacked into room */
struct rows_in {
	const struct sim_row *rows;
	const struct sim_recs *recs;
	struct sim_row *room;
	uint32_t n;
};

/* the outcome of the rows from the first IF t0 after select sel for the memo's key (0:
 * not to be remembered) and hash h: run_pipe's, remembered; stall[] gets its stalls */
static __attribute__((noinline)) struct rel
time_miss(const struct sim_model *m, const struct rows_in *in, const struct sig *g,
	  FILE *trace, uint64_t tag, struct sim_memo *mm, uint64_t sel, uint64_t t0,
	  uint64_t key, uint64_t h, uint32_t stall[SIM_NCAUSE])
{
	const struct sim_row *rows = in->rows;
	struct pipe_out q;
	struct outcome o;

	if (!rows) {
		sim__unpack(in->recs, in->room);
		sim__end_rows(in->room, in->n);
		rows = in->room;
	}
	if (trace)
		run_pipe_traced(rows, in->n, m->early_exit, sel, t0, trace, tag, &q);
	else
		run_pipe(rows, in->n, m->early_exit, sel, t0, &q);
	outcome_of(&q, t0, t0 - sel, &o);
	if (key)
		memo_put(mm, g, key, h, &o);
	memcpy(stall, o.stall, sizeof(o.stall));
	return o.rel;
}

/* the same, the memo's when it has it */
static inline __attribute__((always_inline)) struct rel
time_rows(const struct sim_model *m, const struct rows_in *in, FILE *trace, uint64_t tag,
	  struct sim_memo *mm, uint64_t sel, uint64_t t0, uint32_t stall[SIM_NCAUSE])
{
	uint64_t d = t0 - sel, key = 0, h = 0;
	const struct outcome *hit = NULL;
	struct sig g;

	if (in->rows)
		g = (struct sig){ in->rows, in->n * (uint32_t)sizeof(*in->rows), 0 };
	else
		g = (struct sig){ in->recs->rec, in->recs->nw * 4u, 1 };
	if (mm && !trace && in->n <= MEMO_MAX_ROWS && d < MEMO_MAX_D) {
		key = memo_key(in->n, m->early_exit, g.recs, d);
		/* a stream of one kind of packet hits the same entry */
		if (mm->last->key == key && sig_equal(mm->last, &g)) {
			hit = &mm->last->o;
		} else {
			h = memo_hash(&g, key);
			hit = memo_find(mm, &g, key, h);
		}
	}
	if (!hit)
		return time_miss(m, in, &g, trace, tag, mm, sel, t0, key, h, stall);
	memcpy(stall, hit->stall, sizeof(hit->stall));
	return hit->rel;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* the PIQ's ring of packets holding frames, read once per packet */
struct piq {
	uint32_t head, np, used;
};

/* back-pressure: frame 0 enters when the PIQ has room for the whole packet. Packets
 * leave it in order (their frames are released in order). */
static inline __attribute__((always_inline)) uint64_t
piq_enter(const struct sim_nic *nic, struct piq *q, uint64_t t, uint32_t frames)
{
	while (q->np && nic->pending[q->head].release <= t) {
		q->used -= nic->pending[q->head].frames;
		q->head = (q->head + 1) % SIM_PIQ_FRAMES;
		q->np--;
	}
	while (q->np && (q->used + frames > SIM_PIQ_FRAMES || q->np == SIM_PIQ_FRAMES)) {
		t = max64(t, nic->pending[q->head].release);
		q->used -= nic->pending[q->head].frames;
		q->head = (q->head + 1) % SIM_PIQ_FRAMES;
		q->np--;
	}
	return t;
}

static inline __attribute__((always_inline)) void
piq_hold(struct sim_nic *nic, struct piq *q, uint64_t release, uint32_t frames)
{
	uint32_t i = (q->head + q->np) % SIM_PIQ_FRAMES;

	nic->pending[i].release = release;
	nic->pending[i].frames = frames;
	q->np++;
	q->used += frames;
}

/* sim__time; trace a constant where it is inlined. The NIC's fields are read first
 * (the packet's stall[] could alias them), and what is known before the rows are
 * timed is stored then (fewer values live across the memo's lookup). */
static inline __attribute__((always_inline)) void
time_packet(struct sim_nic *nic, const struct sim_model *m, const struct rows_in *in,
	    struct sim_pkt *p, FILE *trace, uint64_t tag)
{
	uint32_t fin = sim__frames(p->len), fout = sim__frames(p->out_len);
	uint64_t bf0 = nic->buf_free[0], bf1 = nic->buf_free[1];
	uint32_t b = bf0 <= bf1 ? 0 : 1;
	struct piq q = { nic->head, nic->npending, nic->used };
	uint64_t arrival, select, first_if, end, commit, emit_end;
	struct rel rel;

	if (!fin)
		fin = 1;
	arrival = piq_enter(nic, &q, max64(p->offered, nic->in_free), fin);
	select = arrival;
	if (nic->started)
		select = max64(select, max64(nic->end + 1, nic->xfer_free));
	select = max64(select, b ? bf1 : bf0);
	first_if = max64(select + 2, nic->started ? nic->commit : 0);
	if (fout)
		piq_hold(nic, &q, select + fin, fin);
	nic->head = q.head;
	nic->in_free = arrival + fin;
	nic->buf = b;
	nic->started = 1;
	p->arrival = arrival;
	p->select = select;
	p->first_if = first_if;
	p->rows = in->n;
	if (trace)
		fprintf(trace, "cycle %llu pkt %llu: select, %u bytes arrived at %llu\n",
			(unsigned long long)select, (unsigned long long)tag, p->len,
			(unsigned long long)arrival);
	rel = time_rows(m, in, trace, tag, nic->memo, select, first_if, p->stall);
	end = p->first_if + rel.end;
	commit = p->first_if + rel.commit;
	if (fout) {
		emit_end = commit + fout;
		nic->xfer_free = p->select + fin;	/* its last frame moves then */
	} else {
		emit_end = end;
		nic->xfer_free = end + 1;
		piq_hold(nic, &q, max64(end, p->arrival + fin - 1), fin);
	}
	nic->npending = q.np;
	nic->used = q.used;
	nic->buf_free[b] = emit_end + 1;
	nic->end = end;
	nic->commit = commit;
	p->end = end;
	p->commit = commit;
	p->emit_end = emit_end;
	p->cycles = (uint32_t)(end - p->select + 1);
	p->latency = emit_end + 1 - p->arrival;
	/* alone, the packet arrives at its select; nothing after select depends on the
	 * packets before it (the previous one held the core until its last commit - 3) */
	p->latency_alone = emit_end + 1 - p->select;
	if (trace)
		fprintf(trace, "cycle %llu pkt %llu: end, %u cycles, last commit %llu, out at %llu\n",
			(unsigned long long)end, (unsigned long long)tag, p->cycles,
			(unsigned long long)commit, (unsigned long long)emit_end);
}

static __attribute__((noinline)) void
time_traced(struct sim_nic *nic, const struct sim_model *m, const struct rows_in *in,
	    struct sim_pkt *p, FILE *trace, uint64_t tag)
{
	time_packet(nic, m, in, p, trace, tag);
}

static __attribute__((noinline)) void
time_plain(struct sim_nic *nic, const struct sim_model *m, const struct rows_in *in,
	   struct sim_pkt *p)
{
	time_packet(nic, m, in, p, NULL, 0);
}

void sim__time(struct sim_nic *nic, const struct sim_model *m, const struct sim_row *rows,
	       uint32_t n, struct sim_pkt *p, FILE *trace, uint64_t tag)
{
	struct rows_in in = { .rows = rows, .n = n };

	if (trace)
		time_traced(nic, m, &in, p, trace, tag);
	else
		time_plain(nic, m, &in, p);
}

void sim__time_recs(struct sim_nic *nic, const struct sim_model *m, const struct sim_recs *r,
		    struct sim_row *rows, struct sim_pkt *p)
{
	struct rows_in in = { .recs = r, .room = rows, .n = r->n };

	time_plain(nic, m, &in, p);
}
