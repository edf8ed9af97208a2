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

/* the first size_bound at or above len: the bounds up to 1024 are 64 << i, so that
 * bucket is the bit length of (len - 1) / 64 */
static uint32_t size_class(uint32_t len)
{
	uint32_t x = len ? (len - 1) >> 6 : 0;

	if (len > 1024)
		return len <= 1518 ? SIM_NSIZE - 2 : SIM_NSIZE - 1;
	return x ? 32 - (uint32_t)__builtin_clz(x) : 0;
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

static void sum_add(struct sim_sum *m, const uint64_t v[SIM_NF])
{
	if (!m->n++)
		for (int f = 0; f < SIM_NF; f++)
			m->min[f] = m->max[f] = v[f];
#pragma GCC unroll 8
	for (int f = 0; f < SIM_NF; f++) {
		if (v[f] < m->min[f])
			m->min[f] = v[f];
		if (v[f] > m->max[f])
			m->max[f] = v[f];
		m->sum[f] += v[f];
	}
}

static void pstat_values(const struct sim_pstat *p, uint64_t v[SIM_NF])
{
	v[SIM_F_CYCLES] = p->cycles;
	v[SIM_F_ROWS] = p->rows;
	v[SIM_F_QUEUE] = p->queue;
	v[SIM_F_ALONE] = p->lat_alone;
	v[SIM_F_STREAM] = p->lat_stream;
}

/* the kept samples into the class sums: from the first packet not kept on */
static void fold(struct sim_stats *s)
{
	uint64_t v[SIM_NF];

	for (uint32_t i = 0; i < s->nkept; i++) {
		pstat_values(&s->pk[i], v);
		sum_add(&s->cls[s->pk[i].cls], v);
	}
	s->summed = 1;
}

static void sum_merge(struct sim_sum *t, uint64_t n, uint64_t min, uint64_t max, uint64_t sum)
{
	if (!t->n || min < t->min[0])
		t->min[0] = min;
	if (!t->n || max > t->max[0])
		t->max[0] = max;
	t->sum[0] += sum;
	t->n += n;
}

/* field f over the packets of class cls (-1: all), in t->min[0], max[0], sum[0] */
static struct sim_sum sum_of(const struct sim_stats *s, int cls, int f)
{
	struct sim_sum t = { 0 };

	if (!s->summed) {
		for (uint32_t i = 0; i < s->nkept; i++) {
			uint64_t v = field(&s->pk[i], f);

			if (cls < 0 || s->pk[i].cls == cls)
				sum_merge(&t, 1, v, v, v);
		}
		return t;
	}
	for (int c = cls < 0 ? 0 : cls; c < (cls < 0 ? SIM_NACT * SIM_NSIZE : cls + 1); c++) {
		const struct sim_sum *m = &s->cls[c];

		if (m->n)
			sum_merge(&t, m->n, m->min[f], m->max[f], m->sum[f]);
	}
	return t;
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
	uint64_t v[SIM_NF] = {
		[SIM_F_CYCLES] = stream->cycles, [SIM_F_ROWS] = stream->rows,
		[SIM_F_QUEUE] = stream->select - stream->arrival,
		[SIM_F_ALONE] = stream->latency_alone, [SIM_F_STREAM] = stream->latency,
	};
	uint8_t cls = (uint8_t)((action < SIM_NACT - 1 ? action : SIM_NACT - 1) * SIM_NSIZE +
				size_class(stream->len));
	int err = 0;
	struct sim_pstat *e;

	if (s->nkept == SIM_KEEP && !s->summed)
		fold(s);
	e = slot(s, &err);
	if (err)
		return err;
	if (e) {	/* kept */
		e->cycles = stream->cycles;
		e->rows = stream->rows;
		e->queue = v[SIM_F_QUEUE];
		e->lat_stream = stream->latency;
		e->lat_alone = stream->latency_alone;
		e->cls = cls;
	}
	if (s->summed)
		sum_add(&s->cls[cls], v);
#pragma GCC unroll 8
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
	struct sim_sum m = sum_of(s, cls, f);
	struct dist d = { .n = m.n };
	uint64_t *v;
	uint32_t k = 0;

	if (!m.n)
		return d;
	d.min = m.min[0];
	d.max = m.max[0];
	d.mean = (double)m.sum[0] / m.n;
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
