/* sim.c: the engine "sim": the vliw engine's rows with the timing of docs/timing.md.
 *
 * Each packet runs on vliw__step (so its action, bytes and maps are the vliw engine's);
 * every row's event becomes a struct sim_row (what the pipeline needs: registers read
 * in ID, registers written, packet frames touched, helper latency, how control
 * resolved), and the timing core (sim_pipe.c) times the packet twice: in the stream
 * (after the packets run before it) and alone on an idle core (unloaded latency). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "engine.h"
#include "image.h"
#include "insn.h"
#include "maps.h"
#include "sim.h"
#include "sim_int.h"
#include "vliw.h"
#include "vliw_int.h"
#include "xlate.h"
#include "xlate_rt.h"

struct sim {
	struct vliw *v;
	struct sim_model m;
	struct sim_conf conf;
	struct sim_nic nic;
	struct sim_row *rows;
	uint32_t nrows, cap;
	/* the translated run's records (sim.h) of the packet run last, when packed */
	uint32_t *rec;
	struct sim_recs recs;
	int packed;
	struct vliw_trace tr;		/* the rows of the packet run last */
	struct xlate *xl;		/* the translated image, NULL: interpreted */
	struct xl_ctx xc;
	struct sim_stats stats;
	struct sim_pkt last;
	FILE *trace;
	uint64_t npkts;
	int lanes;
};

/* ---- helper latencies (docs/timing.md 2.4) ---- */

static const struct hxdp_map *helper_map(const struct hxdp_run *run, uint64_t ref)
{
	uint32_t i = HXDP_REGION(ref) - R_MAPREF;

	if (HXDP_REGION(ref) < R_MAPREF || i >= run->env->nmaps)
		return NULL;
	return run->env->maps[i];
}

static int is_hash(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* one more cycle per 32 bytes of key past the first 32 */
static uint32_t key_extra(const struct hxdp_map *m)
{
	return m && m->key_size > SIM_FRAME ? (m->key_size - 1) / SIM_FRAME : 0;
}

static uint32_t map_latency(int32_t id, const struct hxdp_map *m)
{
	if (!m)
		return 1;
	if (m->type == BPF_MAP_TYPE_LPM_TRIE)
		return 1 + (m->key_size > 4 ? m->key_size - 4 : 0);
	if (!is_hash(m->type))
		return 1;
	return (id == BPF_FUNC_map_lookup_elem ? 1 : 2) + key_extra(m);
}

uint32_t sim__helper_latency(const struct hxdp_run *run, int32_t id, const uint64_t a[5])
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem:
		return map_latency(id, helper_map(run, a[0]));
	case BPF_FUNC_redirect:
	case BPF_FUNC_redirect_map:
		return 2;
	case BPF_FUNC_csum_diff: {
		uint64_t n = (a[1] & 0xffffffff) + (a[3] & 0xffffffff);

		return n > SIM_FRAME ? (uint32_t)((n + SIM_FRAME - 1) / SIM_FRAME) : 1;
	}
	case BPF_FUNC_fib_lookup:
		return 8;
	}
	return 1;
}

/* ---- executed rows to timing rows ---- */

/* what a row's words say for the timing, over the lanes that took part */
struct sim_fig {
	uint16_t wr;		/* registers written */
	uint16_t rd_id;		/* registers read in ID */
	uint8_t cond;		/* a conditional branch */
	uint8_t lanes;		/* the row's lanes (the figure is for all of them) */
	int8_t first_ctl;	/* first control lane, -1 */
};

static int form_of(uint16_t op)
{
	return op < I_COUNT ? isa_info[op].form : -1;
}

static int is_ctl_form(int f)
{
	return f == F_JA || f == F_EXIT || f == F_EXITK || f == F_JCC_K || f == F_JCC_X ||
	       f == F_JPKT;
}

static int is_load_form(int f)
{
	return f == F_LDX || f == F_LDX6 || f == F_LDXSPEC || f == F_ATOMIC;
}

static const struct vliw_word *word(const struct vliw *v, uint32_t row, uint32_t lane)
{
	return &v->w[(size_t)row * v->lanes + lane];
}

static struct sim_fig row_fig(const struct vliw *v, uint32_t row, uint8_t lanes)
{
	struct sim_fig g = { .lanes = lanes, .first_ctl = -1 };

	for (uint32_t l = 0; l < v->lanes; l++) {
		const struct vliw_word *w;
		int f;

		if (!(lanes >> l & 1))
			continue;
		w = word(v, row, l);
		f = form_of(w->op);
		g.wr |= w->wr;
		if (is_ctl_form(f) && g.first_ctl < 0)
			g.first_ctl = (int8_t)l;
		/* branch operands; load bases; an atomic's base and operand (its
		 * read-modify-write starts in ID) */
		if (f == F_JCC_K || f == F_JCC_X || f == F_JPKT)
			g.cond = 1;
		if (f == F_JCC_K || f == F_JCC_X || f == F_JPKT || is_load_form(f))
			g.rd_id |= w->rd;
	}
	return g;
}

static uint8_t row_ctl(const struct vliw *v, const struct vliw_trec *t, int first,
		       uint8_t *exit_r0)
{
	int f;

	*exit_r0 = 0;
	switch (t->ctl) {
	case VLIW_FALL:
		return SIM_CTL_NONE;
	case VLIW_TAIL:
		return SIM_CTL_SWITCH;
	case VLIW_FAULT:
		return SIM_CTL_EXIT_ID;
	}
	f = t->ctl_lane >= 0 ? form_of(word(v, t->row, (uint32_t)t->ctl_lane)->op) : -1;
	if (t->ctl == VLIW_EXIT) {
		if (f == F_EXIT) {
			*exit_r0 = 1;
			return SIM_CTL_EXIT_ID;
		}
		return f == F_EXITK && first == t->ctl_lane ? SIM_CTL_EXIT_IF : SIM_CTL_EXIT_ID;
	}
	return f == F_JA && first == t->ctl_lane ? SIM_CTL_JUMP_IF : SIM_CTL_JUMP_ID;
}

/* the memory accesses of one executed row */
struct sim_acc {
	const struct vliw_mem *m;
	uint32_t n;
};

static struct sim_acc acc_of(const struct vliw_trace *tr, uint32_t i)
{
	uint32_t end = i + 1 < tr->n ? tr->rec[i + 1].mem : tr->nmem;

	return (struct sim_acc){ &tr->mem[tr->rec[i].mem], end - tr->rec[i].mem };
}

static int overlaps(const struct vliw_mem *a, const struct vliw_mem *b)
{
	return sim__overlaps(a->region, a->off, a->size, b->region, b->off, b->size);
}

static int reads_prev_writes(struct sim_acc cur, struct sim_acc prev)
{
	for (uint32_t i = 0; i < cur.n; i++) {
		if (cur.m[i].write)
			continue;
		for (uint32_t j = 0; j < prev.n; j++)
			if (prev.m[j].write && overlaps(&cur.m[i], &prev.m[j]))
				return 1;
	}
	return 0;
}

static uint16_t frames_upto(uint32_t base, uint32_t len, uint32_t off, uint32_t size)
{
	return sim__frames_upto(base, len, off, size);
}

static uint16_t pkt_frames(struct sim_acc a, uint32_t base, uint32_t len)
{
	uint16_t n = 0, k;

	for (uint32_t i = 0; i < a.n; i++) {
		if (a.m[i].write || a.m[i].region != R_PKT)
			continue;
		k = frames_upto(base, len, a.m[i].off, a.m[i].size);
		if (k > n)
			n = k;
	}
	return n;
}

/* packet bytes a helper reads in IE (csum_diff's buffers) */
static uint16_t helper_frames(int32_t helper, const uint64_t *args, uint32_t base,
			      uint32_t len)
{
	uint16_t n = 0, k;

	if (helper != BPF_FUNC_csum_diff)
		return 0;
	for (int i = 0; i < 4; i += 2) {
		if (HXDP_REGION(args[i]) != R_PKT)
			continue;
		k = frames_upto(base, len, HXDP_OFF(args[i]), (uint32_t)args[i + 1]);
		if (k > n)
			n = k;
	}
	return n;
}

static int is_map_helper(int32_t id)
{
	return id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_map_update_elem ||
	       id == BPF_FUNC_map_delete_elem;
}

/* a map helper reads and hashes its key in ID: does the previous row write the key? */
static int key_dep(const struct hxdp_run *run, const uint64_t *args, const struct sim_acc *prev)
{
	const struct hxdp_map *m = helper_map(run, args[0]);
	struct vliw_mem k = { .size = 8 };

	if (!prev || !m)
		return 0;
	k.region = HXDP_REGION(args[1]);
	k.off = HXDP_OFF(args[1]);
	for (uint32_t j = 0; j < prev->n; j++)
		if (prev->m[j].write && prev->m[j].region == k.region &&
		    prev->m[j].off < k.off + m->key_size &&
		    k.off < prev->m[j].off + prev->m[j].size)
			return 1;
	return 0;
}

void sim__row_static(const struct vliw *v, uint32_t prog, uint32_t row, uint8_t lanes,
		     int ctl, int ctl_lane, struct sim_row *r)
{
	const struct image_prog *p = &v->img->progs[prog];
	struct vliw_trec t = { .row = row, .prog = (uint16_t)prog, .ctl = (uint8_t)ctl,
			       .ctl_lane = (int8_t)ctl_lane, .lanes = lanes };
	struct sim_fig g = row_fig(v, row, row < v->img->nrows ? lanes : 0);

	memset(r, 0, sizeof(*r));
	r->pc = row - p->first_row;
	r->prog = (uint16_t)prog;
	r->wr = g.wr;
	r->rd_id = g.rd_id;
	r->cond = g.cond;
	r->ctl = row_ctl(v, &t, g.first_ctl, &r->exit_r0);
	r->helper = -1;
	r->lat = 1;
}

void sim__row_helper_static(int32_t id, struct sim_row *r)
{
	r->helper = (int16_t)id;
	r->wr |= 1;
	if (is_map_helper(id))
		r->rd_id |= 1u << 2;	/* the key pointer */
}

void sim__row_helper(const struct hxdp_run *run, int32_t id, const uint64_t a[5],
		     const struct vliw_mem *prev, uint32_t nprev, uint32_t base, uint32_t len,
		     struct sim_row *r)
{
	struct sim_acc pa = { prev, nprev };

	sim__row_helper_static(id, r);
	r->lat = (uint16_t)sim__helper_latency(run, id, a);
	r->frames_ie = helper_frames(id, a, base, len);
	if (is_map_helper(id))
		r->mem_dep |= key_dep(run, a, prev ? &pa : NULL);
}

/* executed row i of the trace as the timing core sees it */
static void to_row(const struct sim *s, const struct hxdp_run *run, uint32_t i, uint32_t base,
		   uint32_t len, struct sim_row *r)
{
	const struct vliw_trace *tr = &s->tr;
	const struct vliw_trec *t = &tr->rec[i];
	struct sim_acc cur = acc_of(tr, i), prev = { 0 };

	if (i)
		prev = acc_of(tr, i - 1);
	sim__row_static(s->v, t->prog, t->row, t->lanes, t->ctl, t->ctl_lane, r);
	r->mem_dep = i && reads_prev_writes(cur, prev);
	if (t->helper >= 0)
		sim__row_helper(run, t->helper, &tr->args[t->args], i ? prev.m : NULL,
				i ? prev.n : 0, base, len, r);
	r->frames_id = pkt_frames(cur, base, len);
}

static int rows_room(struct sim *s, uint32_t need)
{
	uint32_t cap = s->cap ? s->cap : 64;
	void *p;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(s->rows, cap * sizeof(*s->rows));
	if (!p)
		return -ENOMEM;
	s->rows = p;
	if (s->xl) {
		if (!(p = realloc(s->rec, cap * sizeof(*s->rec))))
			return -ENOMEM;
		s->rec = p;
	}
	s->cap = cap;
	return 0;
}

/* the translated run's callbacks (xlate_rt.h) */
static int xl_grow(struct xl_ctx *c, uint32_t need)
{
	struct sim *s = c->owner;

	if (rows_room(s, need))
		return run__fault(c->run, -ENOMEM, "sim: out of memory");
	c->srec = s->rec;
	c->scap = s->cap;
	return 0;
}

/* a record's frames_id (14 bits) and a helper word's frames_ie (15) hold any packet's */
_Static_assert(HXDP_FRAME_SZ / SIM_FRAME < 0x3fff, "packet frames fit a sim record");

static uint32_t xl_helper(struct xl_ctx *c, int32_t id, const uint64_t a[5])
{
	struct sim_row r = { 0 };

	sim__row_helper(c->run, id, a, (const struct vliw_mem *)c->prev, c->nprev, c->base,
			c->len, &r);
	return sim__rec_helper(&r);
}

/* the rows after the translated code left the run: on vliw__step, each row's event
 * as to_row sees a trace record (prev: the writes of the row before) */
static int stepwise(struct sim *s, struct vliw_state *vs, struct hxdp_run *run,
		    uint32_t base, uint32_t len)
{
	struct vliw_mem prev[CC_MAX_LANES];
	struct vliw_event ev;
	uint32_t nprev = s->xc.nprev;
	int more = 1;

	memcpy(prev, s->xc.prev, nprev * sizeof(prev[0]));
	while (more) {
		struct sim_acc cur, pa = { prev, nprev };
		struct sim_row *r;

		if (rows_room(s, s->nrows + 1)) {
			run__fault(run, -ENOMEM, "sim: out of memory");
			vliw__finish(vs, NULL, VLIW_FAULT, 0);
			return 0;
		}
		more = vliw__step(vs, &ev) > 0;
		cur = (struct sim_acc){ ev.mem, ev.nmem };
		r = &s->rows[s->nrows++];
		sim__row_static(s->v, ev.prog, ev.row, ev.lanes, ev.ctl, ev.ctl_lane, r);
		r->mem_dep = (s->nrows > 1) && reads_prev_writes(cur, pa);
		if (ev.helper >= 0)
			sim__row_helper(run, ev.helper, ev.args, s->nrows > 1 ? prev : NULL,
					s->nrows > 1 ? nprev : 0, base, len, r);
		r->frames_id = pkt_frames(cur, base, len);
		nprev = 0;
		for (uint32_t i = 0; i < ev.nmem; i++)
			if (ev.mem[i].write)
				prev[nprev++] = ev.mem[i];
	}
	return 0;
}

static int execute_xl(struct sim *s, struct vliw_state *vs, struct hxdp_run *run,
		      uint32_t base, uint32_t len)
{
	struct xl_ctx *c = &s->xc;

	c->srec = s->rec;
	c->scap = s->cap;
	c->ns = 0;
	c->nhelp = 0;
	c->base = base;
	c->len = len;
	s->packed = !xlate__sim_run(s->xl, vs, c);
	s->nrows = c->ns - c->nhelp;
	s->recs = (struct sim_recs){ s->recs.T, s->rec, s->nrows, c->ns };
	if (s->packed)
		return 0;
	sim__unpack(&s->recs, s->rows);
	return stepwise(s, vs, run, base, len);
}

/* run the packet on vliw, keeping one sim_row per executed row */
static int execute(struct sim *s, uint32_t prog, struct hxdp_run *run, uint64_t r1,
		   uint32_t base, uint32_t len)
{
	struct vliw_state vs;

	s->nrows = 0;
	s->packed = 0;
	if ((s->xl ? vliw__start_xl : vliw__start)(&vs, s->v, prog, run, r1)) {
		run->res->r0 = XDP_ABORTED;
		return 0;
	}
	if (s->xl) {
		execute_xl(s, &vs, run, base, len);
		if (s->packed)
			return 0;
	} else {
		vliw__trace_run(&vs, &s->tr);
		if (rows_room(s, s->tr.n))
			return run__fault(run, -ENOMEM, "sim: out of memory");
		for (uint32_t i = 0; i < s->tr.n; i++)
			to_row(s, run, i, base, len, &s->rows[i]);
		s->nrows = s->tr.n;
	}
	sim__end_rows(s->rows, s->nrows);
	return 0;
}

static int leaves(uint64_t act)
{
	return act == XDP_TX || act == XDP_PASS || act == XDP_REDIRECT;
}

/* ---- the engine ---- */

static int sim_open(struct hxdp_obj *obj, const struct engine_opts *o, void **st,
		    char *err, size_t errlen)
{
	struct sim *s = calloc(1, sizeof(*s));
	int e;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = vliw__open_obj(obj, o, &s->v, err, errlen);
	if (e) {
		free(s);
		return e;
	}
	if (s->v->img->nrows > SIM_IMEM_ROWS) {
		snprintf(err, errlen, "%s: %u rows do not fit the instruction memory (%u rows)",
			 obj->path, s->v->img->nrows, SIM_IMEM_ROWS);
		vliw__free(s->v);
		free(s);
		return -E2BIG;
	}
	if (!(o && (o->interp || o->trace)) && (e = xlate__open(s->v, &obj->env, 1, &s->xl))) {
		snprintf(err, errlen, "%s: translation: %s", obj->path, strerror(-e));
		vliw__free(s->v);
		free(s);
		return e;
	}
	s->recs.T = s->xl ? xlate__sim_table(s->xl) : NULL;
	s->xc.owner = s;
	s->xc.sgrow = xl_grow;
	s->xc.shelper = xl_helper;
	s->lanes = (int)s->v->lanes;
	s->m.early_exit = 1;
	s->conf.early_exit = 1;
	s->trace = o ? o->trace : NULL;
	sim_nic__init(&s->nic);
	s->nic.memo = sim_memo__new();	/* NULL: every packet timed in full */
	*st = s;
	return 0;
}

void sim__configure(void *st, const struct sim_conf *c)
{
	struct sim *s = st;

	s->conf = *c;
	s->m.early_exit = c->early_exit;
}

static int sim_run(void *st, uint32_t prog, struct hxdp_run *run, uint64_t r1)
{
	struct sim *s = st;
	struct hxdp_xdp *x = run->xdp;
	uint32_t base = x ? x->data : 0, len = x ? x->data_end - x->data : 64;
	struct sim_pkt *p = &s->last;
	int e = execute(s, prog, run, r1, base, len);

	if (e)
		return e;
	/* the inputs; sim__time sets every other field */
	p->len = len;
	p->out_len = x && !run->res->fault && leaves(run->res->r0) ? x->data_end - x->data : 0;
	p->offered = s->conf.rate_mpps > 0 ? (uint64_t)(s->npkts * SIM_MHZ / s->conf.rate_mpps) : 0;
	if (s->packed)
		sim__time_recs(&s->nic, &s->m, &s->recs, s->rows, p);
	else
		sim__time(&s->nic, &s->m, s->rows, s->nrows, p, s->trace, s->npkts);
	s->npkts++;
	if (sim_stats__add(&s->stats, p, run->res->r0))
		return run__fault(run, -ENOMEM, "sim: out of memory");
	return run->res->fault;
}

static void sim_close(void *st)
{
	struct sim *s = st;

	if (!s)
		return;
	xlate__close(s->xl);
	vliw__free(s->v);
	vliw_trace__free(&s->tr);
	sim_memo__free(s->nic.memo);
	free(s->rows);
	free(s->rec);
	sim_stats__free(&s->stats);
	free(s);
}

static struct sim_info info_of(const struct sim *s)
{
	return (struct sim_info){ .lanes = s->lanes, .early_exit = s->m.early_exit,
				  .rate_mpps = s->conf.rate_mpps };
}

int sim__report_json(void *st, struct json_object *j, double host_ns_per_packet)
{
	struct sim *s = st;
	struct sim_info i = info_of(s);

	return sim_stats__json(&s->stats, &i, j, host_ns_per_packet);
}

void sim__report_text(void *st, FILE *f)
{
	struct sim *s = st;
	struct sim_info i = info_of(s);

	sim_stats__text(&s->stats, &i, f);
}

const struct sim_pkt *sim__last(void *st)
{
	return &((struct sim *)st)->last;
}

const struct sim_row *sim__rows(void *st, uint32_t *n)
{
	struct sim *s = st;

	if (s->packed) {
		sim__unpack(&s->recs, s->rows);
		sim__end_rows(s->rows, s->nrows);
	}
	*n = s->nrows;
	return s->rows;
}

static void sim_report(void *st, struct json_object *j, FILE *f, double host_ns)
{
	if (j)
		sim__report_json(st, j, host_ns);
	else
		sim__report_text(st, f);
}

const struct engine_ops sim_engine = {
	.name = "sim",
	.open = sim_open,
	.run = sim_run,
	.close = sim_close,
	.report = sim_report,
};
