/* sim_stats.c: what the sim engine reports (docs/timing.md section 3): cycles per
 * packet, Mpps of the saturated stream, unloaded latency, stalls by cause, per class. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "sim_int.h"

static const char *const act_name[SIM_NACT] = { "aborted", "drop", "pass", "tx",
						 "redirect", "other" };
static const uint32_t size_bound[SIM_NSIZE] = { 64, 128, 256, 512, 1024, 1518, 0 };

void sim_stats__free(struct sim_stats *s)
{
	free(s->pk);
	memset(s, 0, sizeof(*s));
}

static uint32_t size_class(uint32_t len)
{
	for (uint32_t i = 0; i < SIM_NSIZE - 1; i++)
		if (len <= size_bound[i])
			return i;
	return SIM_NSIZE - 1;
}

static uint64_t field(const struct sim_pstat *p, int f)
{
	switch (f) {
	case SIM_F_CYCLES: return p->cycles;
	case SIM_F_ROWS: return p->rows;
	case SIM_F_QUEUE: return p->queue;
	case SIM_F_ALONE: return p->lat_alone;
	}
	return p->lat_stream;
}

static void sum_add(struct sim_sum *m, uint64_t v)
{
	if (!m->n || v < m->min)
		m->min = v;
	if (!m->n || v > m->max)
		m->max = v;
	m->sum += v;
	m->n++;
}

/* the kept sample the next packet goes to, NULL: none; -ENOMEM in *e */
static struct sim_pstat *slot(struct sim_stats *s, int *e)
{
	uint64_t k;

	if (s->nkept < SIM_KEEP) {
		if (s->nkept == s->cap) {
			uint32_t cap = s->cap ? 2 * s->cap : 256;
			void *p = realloc(s->pk, cap * sizeof(*s->pk));

			if (!p) {
				*e = -ENOMEM;
				return NULL;
			}
			s->pk = p;
			s->cap = cap;
		}
		return &s->pk[s->nkept++];
	}
	/* Algorithm R: packet n (from 0) replaces a sample with chance SIM_KEEP / (n + 1) */
	if (!s->rng)
		s->rng = 0x9e3779b97f4a7c15ull;
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	/* rng * (n + 1) / 2^64: uniform in [0, n] like rng % (n + 1), without a division
	 * (tens of cycles, on every packet of a long run) */
	k = (uint64_t)(((unsigned __int128)s->rng * (s->n + 1)) >> 64);
	return k < s->nkept ? &s->pk[k] : NULL;
}

int sim_stats__add(struct sim_stats *s, const struct sim_pkt *stream, uint64_t action)
{
	int err = 0;
	struct sim_pstat *e = slot(s, &err), spare;

	if (err)
		return err;
	if (!e)
		e = &spare;	/* counted, not kept */
	e->cycles = stream->cycles;
	e->rows = stream->rows;
	e->queue = stream->select - stream->arrival;
	e->lat_stream = stream->latency;
	e->lat_alone = stream->latency_alone;
	e->cls = (uint8_t)((action < SIM_NACT - 1 ? action : SIM_NACT - 1) * SIM_NSIZE +
			   size_class(stream->len));
	for (int f = 0; f < SIM_NF; f++) {
		sum_add(&s->all[f], field(e, f));
		sum_add(&s->cls[e->cls][f], field(e, f));
	}
	for (int c = 0; c < SIM_NCAUSE; c++)
		s->stall[c] += stream->stall[c];
	if (++s->n == 1)
		s->first = stream->select;
	s->last = stream->end;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct dist {
	uint64_t min, median, max;
	double mean;
	uint64_t n;
};

/* distribution of field f over the packets of class cls (-1: all): the median of the
 * kept samples, the rest exact */
static struct dist dist_of(const struct sim_stats *s, int cls, int f)
{
	const struct sim_sum *m = cls < 0 ? &s->all[f] : &s->cls[cls][f];
	struct dist d = { .n = m->n };
	uint64_t *v;
	uint32_t k = 0;

	if (!m->n)
		return d;
	d.min = m->min;
	d.max = m->max;
	d.mean = (double)m->sum / m->n;
	v = malloc((s->nkept ? s->nkept : 1) * sizeof(*v));
	if (!v)
		return d;
	for (uint32_t i = 0; i < s->nkept; i++)
		if (cls < 0 || s->pk[i].cls == cls)
			v[k++] = field(&s->pk[i], f);
	if (k) {
		qsort(v, k, sizeof(*v), cmp_u64);
		d.median = v[k / 2];
	}
	free(v);
	return d;
}

#define f_cycles SIM_F_CYCLES
#define f_rows SIM_F_ROWS
#define f_queue SIM_F_QUEUE
#define f_alone SIM_F_ALONE
#define f_stream SIM_F_STREAM

static json_object *jdist(struct dist d, double scale)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "min", json_object_new_double(d.min * scale));
	json_object_object_add(o, "median", json_object_new_double(d.median * scale));
	json_object_object_add(o, "max", json_object_new_double(d.max * scale));
	json_object_object_add(o, "mean", json_object_new_double(d.mean * scale));
	return o;
}

double sim_stats__mpps(const struct sim_stats *s)
{
	return s->n ? s->n * SIM_MHZ / (double)(s->last - s->first + 1) : 0;
}

static void class_name(int cls, char *buf, size_t len)
{
	uint32_t sz = size_bound[cls % SIM_NSIZE];

	if (sz)
		snprintf(buf, len, "%s/%u", act_name[cls / SIM_NSIZE], sz);
	else
		snprintf(buf, len, "%s/jumbo", act_name[cls / SIM_NSIZE]);
}

static json_object *jclasses(const struct sim_stats *s)
{
	json_object *a = json_object_new_array();
	char name[32];

	for (int c = 0; c < SIM_NACT * SIM_NSIZE; c++) {
		struct dist cy = dist_of(s, c, f_cycles);
		json_object *o;

		if (!cy.n)
			continue;
		o = json_object_new_object();
		class_name(c, name, sizeof(name));
		json_object_object_add(o, "class", json_object_new_string(name));
		json_object_object_add(o, "packets", json_object_new_int64(cy.n));
		json_object_object_add(o, "cycles_per_packet", jdist(cy, 1));
		json_object_object_add(o, "mpps", json_object_new_double(SIM_MHZ / cy.mean));
		json_object_object_add(o, "latency_ns",
				       jdist(dist_of(s, c, f_alone), SIM_NS_PER_CYCLE));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *jstalls(const struct sim_stats *s)
{
	json_object *o = json_object_new_object();

	for (int c = 0; c < SIM_NCAUSE; c++)
		json_object_object_add(o, sim_cause_name[c], json_object_new_int64(s->stall[c]));
	return o;
}

int sim_stats__json(const struct sim_stats *s, const struct sim_info *info,
		    json_object *j, double host_ns)
{
	json_object *sim = json_object_new_object(), *st = json_object_new_object();

	json_object_object_add(j, "mpps", json_object_new_double(sim_stats__mpps(s)));
	json_object_object_add(j, "cycles_per_packet", jdist(dist_of(s, -1, f_cycles), 1));
	json_object_object_add(j, "latency_ns",
			       jdist(dist_of(s, -1, f_alone), SIM_NS_PER_CYCLE));
	if (host_ns >= 0)
		json_object_object_add(j, "host_ns_per_packet", json_object_new_double(host_ns));
	json_object_object_add(sim, "clock_mhz", json_object_new_double(SIM_MHZ));
	json_object_object_add(sim, "lanes", json_object_new_int(info->lanes));
	json_object_object_add(sim, "early_exit", json_object_new_boolean(info->early_exit));
	json_object_object_add(sim, "packets", json_object_new_int64(s->n));
	json_object_object_add(sim, "rows_per_packet", jdist(dist_of(s, -1, f_rows), 1));
	json_object_object_add(sim, "cycles", json_object_new_int64(s->n ? s->last - s->first + 1 : 0));
	json_object_object_add(sim, "cycles_by_cause", jstalls(s));
	if (info->rate_mpps > 0)
		json_object_object_add(st, "offered_mpps", json_object_new_double(info->rate_mpps));
	else
		json_object_object_add(st, "offered", json_object_new_string("back-to-back"));
	json_object_object_add(st, "queueing_cycles", jdist(dist_of(s, -1, f_queue), 1));
	json_object_object_add(st, "latency_ns", jdist(dist_of(s, -1, f_stream), SIM_NS_PER_CYCLE));
	json_object_object_add(sim, "stream", st);
	json_object_object_add(sim, "classes", jclasses(s));
	json_object_object_add(j, "sim", sim);
	return 0;
}

static void print_dist(FILE *f, const char *what, struct dist d, double scale, const char *unit)
{
	fprintf(f, "  %-18s min %.1f  median %.1f  max %.1f  mean %.2f%s\n", what,
		d.min * scale, d.median * scale, d.max * scale, d.mean * scale, unit);
}

void sim_stats__text(const struct sim_stats *s, const struct sim_info *info, FILE *f)
{
	uint64_t total = 0;
	char name[32];

	fprintf(f, "sim: %llu packets, %d lanes, early exit %s, %.2f MHz\n",
		(unsigned long long)s->n, info->lanes,
		info->early_exit ? "on" : "off", SIM_MHZ);
	fprintf(f, "  %-18s %.2f\n", "Mpps (saturated)", sim_stats__mpps(s));
	print_dist(f, "cycles/packet", dist_of(s, -1, f_cycles), 1, "");
	print_dist(f, "rows/packet", dist_of(s, -1, f_rows), 1, "");
	print_dist(f, "latency (alone)", dist_of(s, -1, f_alone), SIM_NS_PER_CYCLE, " ns");
	print_dist(f, "latency (stream)", dist_of(s, -1, f_stream), SIM_NS_PER_CYCLE, " ns");
	for (int c = 0; c < SIM_NCAUSE; c++)
		total += s->stall[c];
	fprintf(f, "  cycles by cause:");
	for (int c = 0; c < SIM_NCAUSE; c++)
		if (s->stall[c])
			fprintf(f, " %s %.1f%%", sim_cause_name[c], 100.0 * s->stall[c] / total);
	fputc('\n', f);
	for (int c = 0; c < SIM_NACT * SIM_NSIZE; c++) {
		struct dist d = dist_of(s, c, f_cycles), l;

		if (!d.n)
			continue;
		l = dist_of(s, c, f_alone);
		class_name(c, name, sizeof(name));
		fprintf(f, "  class %-14s %6llu pkts  cycles %llu/%llu/%llu  %.2f Mpps  latency %.0f ns\n",
			name, (unsigned long long)d.n, (unsigned long long)d.min, (unsigned long long)d.median,
			(unsigned long long)d.max, SIM_MHZ / d.mean, l.median * SIM_NS_PER_CYCLE);
	}
}
