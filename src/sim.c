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

struct sim {
	struct vliw *v;
	struct sim_model m;
	struct sim_conf conf;
	struct sim_nic nic;
	struct sim_row *rows;
	uint32_t nrows, cap;
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

/* ---- events to rows ---- */

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

static int first_ctl_lane(const struct vliw_event *ev, uint32_t lanes)
{
	for (uint32_t l = 0; l < lanes; l++)
		if ((ev->lanes >> l & 1) && is_ctl_form(form_of(ev->op[l])))
			return (int)l;
	return -1;
}

static uint8_t row_ctl(const struct vliw_event *ev, uint32_t lanes, uint8_t *exit_r0)
{
	int first = first_ctl_lane(ev, lanes), f;

	*exit_r0 = 0;
	switch (ev->ctl) {
	case VLIW_FALL:
		return SIM_CTL_NONE;
	case VLIW_TAIL:
		return SIM_CTL_SWITCH;
	case VLIW_FAULT:
		return SIM_CTL_EXIT_ID;
	}
	f = ev->ctl_lane >= 0 ? form_of(ev->op[ev->ctl_lane]) : -1;
	if (ev->ctl == VLIW_EXIT) {
		if (f == F_EXIT) {
			*exit_r0 = 1;
			return SIM_CTL_EXIT_ID;
		}
		return f == F_EXITK && first == ev->ctl_lane ? SIM_CTL_EXIT_IF : SIM_CTL_EXIT_ID;
	}
	return f == F_JA && first == ev->ctl_lane ? SIM_CTL_JUMP_IF : SIM_CTL_JUMP_ID;
}

static uint8_t has_cond(const struct vliw_event *ev, uint32_t lanes)
{
	for (uint32_t l = 0; l < lanes; l++) {
		int f = form_of(ev->op[l]);

		if ((ev->lanes >> l & 1) && (f == F_JCC_K || f == F_JCC_X || f == F_JPKT))
			return 1;
	}
	return 0;
}

/* registers the ID stage needs: load/atomic base registers, branch operands */
static uint16_t id_regs(const struct vliw_event *ev, uint32_t lanes)
{
	uint16_t need = 0;

	for (uint32_t l = 0; l < lanes; l++) {
		int f = form_of(ev->op[l]);
		if (!(ev->lanes >> l & 1))
			continue;
		/* branch operands; load bases; an atomic's base and operand (its
		 * read-modify-write starts in ID) */
		if (f == F_JCC_K || f == F_JCC_X || f == F_JPKT || is_load_form(f))
			need |= ev->rd[l];
	}
	return need;
}

static int overlaps(const struct vliw_mem *a, const struct vliw_mem *b)
{
	return a->region == b->region && a->off < b->off + b->size && b->off < a->off + a->size;
}

static int reads_prev_writes(const struct vliw_event *ev, const struct vliw_event *prev)
{
	for (uint32_t i = 0; i < ev->nmem; i++) {
		if (ev->mem[i].write)
			continue;
		for (uint32_t j = 0; j < prev->nmem; j++)
			if (prev->mem[j].write && overlaps(&ev->mem[i], &prev->mem[j]))
				return 1;
	}
	return 0;
}

/* frames [0, n) holding packet bytes [base, end) of the packet as it arrived */
static uint16_t frames_upto(uint32_t base, uint32_t len, uint32_t off, uint32_t size)
{
	uint32_t end = off + size, f;

	if (end <= base)
		return 0;	/* headroom: the scratch area */
	end -= base;
	if (end > len)
		end = len;	/* grown by adjust_tail: never arrives */
	f = sim__frames(end);
	return (uint16_t)(f > 0xffff ? 0xffff : f);
}

static uint16_t pkt_frames(const struct vliw_event *ev, uint32_t base, uint32_t len)
{
	uint16_t n = 0, k;

	for (uint32_t i = 0; i < ev->nmem; i++) {
		if (ev->mem[i].write || ev->mem[i].region != R_PKT)
			continue;
		k = frames_upto(base, len, ev->mem[i].off, ev->mem[i].size);
		if (k > n)
			n = k;
	}
	return n;
}

/* packet bytes a helper reads in IE (csum_diff's buffers) */
static uint16_t helper_frames(const struct vliw_event *ev, uint32_t base, uint32_t len)
{
	uint16_t n = 0, k;

	if (ev->helper != BPF_FUNC_csum_diff)
		return 0;
	for (int i = 0; i < 4; i += 2) {
		if (HXDP_REGION(ev->args[i]) != R_PKT)
			continue;
		k = frames_upto(base, len, HXDP_OFF(ev->args[i]), (uint32_t)ev->args[i + 1]);
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
static int key_dep(const struct hxdp_run *run, const struct vliw_event *ev,
		   const struct vliw_event *prev)
{
	const struct hxdp_map *m = helper_map(run, ev->args[0]);
	struct vliw_mem k = { .size = 8 };

	if (!prev || !m)
		return 0;
	k.region = HXDP_REGION(ev->args[1]);
	k.off = HXDP_OFF(ev->args[1]);
	for (uint32_t j = 0; j < prev->nmem; j++)
		if (prev->mem[j].write && prev->mem[j].region == k.region &&
		    prev->mem[j].off < k.off + m->key_size &&
		    k.off < prev->mem[j].off + prev->mem[j].size)
			return 1;
	return 0;
}

static void to_row(const struct sim *s, const struct hxdp_run *run, const struct vliw_event *ev,
		   const struct vliw_event *prev, uint32_t base, uint32_t len, struct sim_row *r)
{
	uint32_t lanes = s->lanes;
	const struct image_prog *p = &s->v->img->progs[ev->prog];

	memset(r, 0, sizeof(*r));
	r->pc = ev->row - p->first_row;
	r->prog = (uint16_t)ev->prog;
	for (uint32_t l = 0; l < lanes; l++)
		r->wr |= ev->wr[l];
	r->rd_id = id_regs(ev, lanes);
	r->cond = has_cond(ev, lanes);
	r->ctl = row_ctl(ev, lanes, &r->exit_r0);
	r->mem_dep = prev && reads_prev_writes(ev, prev);
	r->helper = (int16_t)ev->helper;
	r->lat = 1;
	if (ev->helper >= 0) {
		r->wr |= 1;
		r->lat = (uint16_t)sim__helper_latency(run, ev->helper, ev->args);
		r->frames_ie = helper_frames(ev, base, len);
		if (is_map_helper(ev->helper)) {
			r->rd_id |= 1u << 2;	/* the key pointer */
			r->mem_dep |= key_dep(run, ev, prev);
		}
	}
	r->frames_id = pkt_frames(ev, base, len);
}

static int push_row(struct sim *s, const struct sim_row *r)
{
	if (s->nrows == s->cap) {
		uint32_t cap = s->cap ? 2 * s->cap : 64;
		void *p = realloc(s->rows, cap * sizeof(*s->rows));

		if (!p)
			return -ENOMEM;
		s->rows = p;
		s->cap = cap;
	}
	s->rows[s->nrows++] = *r;
	return 0;
}

/* run the packet on vliw, keeping one sim_row per executed row */
static int execute(struct sim *s, uint32_t prog, struct hxdp_run *run, uint64_t r1,
		   uint32_t base, uint32_t len)
{
	struct vliw_state vs;
	struct vliw_event ev[2];
	struct sim_row r;
	int more = 1, cur = 0, have_prev = 0;

	s->nrows = 0;
	if (vliw__start(&vs, s->v, prog, run, r1)) {
		run->res->r0 = XDP_ABORTED;
		return 0;
	}
	while (more) {
		more = vliw__step(&vs, &ev[cur]) > 0;
		to_row(s, run, &ev[cur], have_prev ? &ev[cur ^ 1] : NULL, base, len, &r);
		if (!more && r.ctl == SIM_CTL_NONE)
			r.ctl = SIM_CTL_EXIT_ID;
		if (push_row(s, &r))
			return run__fault(run, -ENOMEM, "sim: out of memory");
		have_prev = 1;
		cur ^= 1;
	}
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
	s->lanes = (int)s->v->lanes;
	s->m.early_exit = 1;
	s->conf.early_exit = 1;
	s->trace = o ? o->trace : NULL;
	sim_nic__init(&s->nic);
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
	memset(p, 0, sizeof(*p));
	p->len = len;
	if (x && !run->res->fault && leaves(run->res->r0))
		p->out_len = x->data_end - x->data;
	if (s->conf.rate_mpps > 0)
		p->offered = (uint64_t)(s->npkts * SIM_MHZ / s->conf.rate_mpps);
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
	vliw__free(s->v);
	free(s->rows);
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
	*n = ((struct sim *)st)->nrows;
	return ((struct sim *)st)->rows;
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
