/* cmd_bench.c: hxdp bench: the measuring engine behind `make bench` (scripts/bench.sh).
 *
 *   bench run    the kernel JIT and hxdp's engines side by side over the same packets
 *   bench split  a pcap into one pcap per frame length
 *   bench time   wall time of a command, min and median over runs
 *   bench report results.json, README.md and plot data from the parts (bench_report.c)
 *
 * Two ways of timing, the same on both sides:
 *  - batch (default): each packet is set up once and run `repeat` times back to back
 *    on the same buffer, the batch timed once: BPF_PROG_TEST_RUN with repeat=N (the
 *    kernel's own duration) against CLOCK_MONOTONIC around N engine runs. Exact, but
 *    on this kernel every test run with repeat > 1 re-points the XDP dispatcher
 *    (bpf_prog_change_xdp, two RCU grace periods, ~36 ms), so it suits few packets
 *    of stateless programs (the interpreter benchmark).
 *  - each (--each): every run timed alone on a fresh copy of its packet: test run with
 *    repeat=1 (the kernel's duration of one run) against CLOCK_MONOTONIC around one
 *    engine run; the cost of an empty measurement on each side (the kernel's: a
 *    two-instruction program; ours: two clock reads), measured beside every run, is
 *    subtracted (median of the runs minus median of the empty measurements). Suits
 *    many packets and programs with state or packet rewrites. An engine's entry cost
 *    (the same two-instruction program run through it, as the kernel's empty program
 *    runs through its dispatcher) is measured beside every run too and reported apart
 *    (entry_ns): the kernel's figure has its own subtracted, ours keeps it.
 * A trial's figure for a packet is the median of its runs (--each) or the batch mean;
 * the packet's figure is the median over trials (trials rotate who goes first), and a
 * side's ns per packet the mean over packets. The median trial, not the fastest: the
 * minimum of a difference of two noisy measurements is biased low by the noise of the
 * subtracted one (the kernel's empty measurement, ~50 ns against a figure of ~15), and
 * one disturbed trial in three does not move the median. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "asm.h"
#include "bench.h"
#include "cli.h"
#include "engine.h"
#include "env.h"
#include "insn.h"
#include "kern.h"
#include "obj.h"
#include "pcap.h"

#define MAX_SIDES 4	/* kernel + vm, vliw, sim */
#define MAX_REPEAT 100000
#define MAX_TRIALS 100
/* --each: below this the kernel's figure is within the spread of its empty-measurement
 * cost (about 50 ns on this kind of machine), and a ratio to it would mean nothing */
#define MIN_KERNEL_NS 5.0

/* a kern.c accessor we would rather use; until it exists, the fd is found among ours */
int kern__prog_fd(struct hxdp_kern *k, uint32_t prog) __attribute__((weak));

struct bench_opts {
	const char *obj, *pcap, *maps, *prog, *engines;
	uint32_t repeat, trials, npkts;
	int kernel, each;
};

/* one thing timed: the kernel or an engine, each with its own object (map state) */
struct side {
	char name[16];
	struct hxdp_obj *obj;
	uint32_t prog;
	const struct engine_ops *eng;
	void *st;
	struct hxdp_run *r;
	struct hxdp_xdp *x;
	struct hxdp_kern *k;
	int fd;
	int nopfd;		/* --each: the kernel's empty-measurement program */
	double ovh_sum;		/* --each: empty measurements subtracted (for the report) */
	uint64_t ovh_n;
	/* --each, engines: the empty program through the engine (entry cost) */
	struct hxdp_obj *nobj;
	void *nst;
	struct hxdp_run *nr;
	struct hxdp_xdp *nx;
	double *nsamp, entry_sum;
	uint64_t entry_n;
	char missing[768];
	double *fig;			/* per packet and trial: ns per run (NAN: none) */
	uint32_t trial;			/* the trial running */
	double *samp, *empty;		/* --each: one packet's runs / empty measurements */
	double nspp;			/* mean over packets of their median trial */
	uint64_t insns;			/* executed insns (vm) or rows (vliw, sim), one trial */
	uint64_t runs, faults;
	uint32_t *verdict;		/* last repetition's action per packet */
};


static int nop_load(struct side *s);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the median of one packet's runs: a run the scheduler interrupted does not count */
static double median(double *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void keep(struct side *s, uint32_t i, double ns, const struct bench_opts *o)
{
	s->fig[(size_t)i * o->trials + s->trial] = ns;
}

/* packet i's figure: the median of the trials that ran it; NAN if none did */
static double packet_fig(struct side *s, uint32_t i, const struct bench_opts *o)
{
	double *f = &s->fig[(size_t)i * o->trials];
	uint32_t n = 0;

	for (uint32_t t = 0; t < o->trials; t++)
		if (!isnan(f[t]))
			f[n++] = f[t];
	if (!n)
		return NAN;
	qsort(f, n, sizeof(*f), cmp_double);
	return n % 2 ? f[n / 2] : (f[n / 2 - 1] + f[n / 2]) / 2;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- the kernel side ------------------------------------------------------------- */

/* the program's fd among this process's bpf-prog fds, by name (kern.c keeps them) */
static int prog_fd_scan(const char *name)
{
	char path[300], link[64];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int found = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d)) && found < 0) {
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);
		ssize_t n;
		int fd = atoi(de->d_name);

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strcmp(link, "anon_inode:bpf-prog") ||
		    bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		if (!strncmp(info.name, name, sizeof(info.name) - 1))
			found = fd;
	}
	closedir(d);
	return found;
}

static int kernel_open(struct side *s, const struct bench_opts *o)
{
	char err[512];
	int e = kern__open(s->obj, &s->k, err, sizeof(err));

	if (e) {
		snprintf(s->missing, sizeof(s->missing), "kernel: %s", err);
		return e;
	}
	s->fd = kern__prog_fd ? kern__prog_fd(s->k, s->prog) :
				prog_fd_scan(s->obj->progs[s->prog].name);
	if (s->fd < 0) {
		snprintf(s->missing, sizeof(s->missing), "kernel: no fd for program '%s'",
			 s->obj->progs[s->prog].name);
		return -ENOENT;
	}
	return o->each ? nop_load(s) : 0;
}

static int test_run_here(int fd, const uint8_t *pkt, uint32_t len, uint32_t repeat,
			 uint32_t *retval, uint32_t *duration)
{
	static uint8_t out[HXDP_FRAME_SZ];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &t))
		return -errno;
	*retval = t.retval;
	*duration = t.duration;
	return 0;
}

/* the same with the caller's stack moved down by one of PLACES steps: how long the
 * kernel takes for the empty program depends on where libbpf's request sits on our
 * stack (by up to 8 ns of its ~50, not the same for a longer program), and where that
 * is depends on the process (address space randomisation). Run k of a packet uses
 * place k for both programs, so every figure is the median over the places */
#define PLACES 8
__attribute__((noinline)) static int test_run(int fd, const uint8_t *pkt, uint32_t len,
					      uint32_t repeat, uint32_t *retval,
					      uint32_t *duration, uint32_t k)
{
	volatile uint8_t *pad = __builtin_alloca(k % PLACES * 264 + 8);

	pad[0] = 0;
	return test_run_here(fd, pkt, len, repeat, retval, duration);
}

/* the overhead a side's figure had subtracted, for the report: mean over packets */
static void note_ovh(struct side *s, double v)
{
	s->ovh_sum += v;
	s->ovh_n++;
}

static void kernel_trial(struct side *s, const struct hxdp_pkts *pk, const struct bench_opts *o)
{
	uint32_t rv = UINT32_MAX, d = 0, dn = 0, k = 0, n = o->each ? o->repeat : 1;

	s->runs = 0;
	for (uint32_t i = 0; i < pk->n; i++) {
		const uint8_t *data = pk->pkt[i].data;
		uint32_t len = pk->pkt[i].len;

		if (len < 14 || len > HXDP_MAX_PKT)
			continue;	/* refused by test_run and by xdp__init alike */
		for (k = 0; k < n; k++) {
			/* --each: an empty measurement beside every run, so that a drift of
			 * the overhead (load, frequency) cancels */
			if ((o->each && test_run(s->nopfd, data, len, 1, &rv, &dn, k)) ||
			    test_run(s->fd, data, len, o->each ? 1 : o->repeat, &rv, &d, k)) {
				s->faults++;
				rv = UINT32_MAX;
				break;
			}
			s->samp[k] = d;
			s->empty[k] = dn;
		}
		s->verdict[i] = rv;
		if (rv == UINT32_MAX)
			continue;
		if (o->each) {
			double e = median(s->empty, k);

			keep(s, i, median(s->samp, k) - e, o);
			note_ovh(s, e);
		} else {
			keep(s, i, d, o);
		}
		s->runs += o->repeat;
	}
}

#define NOP_ASM "mov %r0, 2\nexit\n"

/* the kernel's empty measurement: `mov r0, 2; exit` run once */
static int nop_load(struct side *s)
{
	struct asm_prog a = { 0 };
	char err[256];
	int e = asm__parse(NOP_ASM, &a, err, sizeof(err));

	if (!e) {
		s->nopfd = bpf_prog_load(BPF_PROG_TYPE_XDP, "hxdp_bench_nop", "GPL", a.insns, a.n,
					 NULL);
		e = s->nopfd < 0 ? -errno : 0;
	}
	if (e)
		snprintf(s->missing, sizeof(s->missing), "kernel: empty-measurement program: %s",
			 strerror(-e));
	asm__free(&a);
	return e;
}

/* ---- the engine sides -------------------------------------------------------------- */

static int engine_open(struct side *s)
{
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	char err[512];

	s->eng = engine__find(s->name);
	if (!s->eng) {
		snprintf(s->missing, sizeof(s->missing), "engine %s is not built in", s->name);
		return -ENOENT;
	}
	if (s->eng->open(s->obj, &eo, &s->st, err, sizeof(err))) {
		s->st = NULL;
		snprintf(s->missing, sizeof(s->missing), "engine %s: %s", s->name, err);
		return -EINVAL;
	}
	s->r = malloc(sizeof(*s->r));
	s->x = malloc(sizeof(*s->x));
	if (!s->r || !s->x) {
		snprintf(s->missing, sizeof(s->missing), "out of memory");
		return -ENOMEM;
	}
	run__init(s->r, &s->obj->env);
	return 0;
}

/* the empty program through the engine; without it entry_ns is not reported */
static void engine_open_nop(struct side *s, uint32_t repeat)
{
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	struct asm_prog a = { 0 };
	char err[256];

	if (!asm__parse(NOP_ASM, &a, err, sizeof(err)) &&
	    !obj__from_insns(a.insns, a.n, &s->nobj, err, sizeof(err)) &&
	    !s->eng->open(s->nobj, &eo, &s->nst, err, sizeof(err)) &&
	    (s->nr = malloc(sizeof(*s->nr))) && (s->nx = malloc(sizeof(*s->nx))) &&
	    (s->nsamp = calloc(repeat, sizeof(*s->nsamp))))
		run__init(s->nr, &s->nobj->env);
	else
		s->nsamp = NULL;
	asm__free(&a);
}

/* --each: one run of packet i timed alone, beside an empty measurement (two clock
 * reads); the packet is set up afresh outside the timed region */
static void engine_each(struct side *s, const struct hxdp_pkt *p, uint32_t k,
			struct hxdp_result *res)
{
	uint64_t r1, t0, t1;

	if (k)
		xdp__init(s->x, p->data, p->len);
	r1 = run__packet(s->r, s->x, res);
	t0 = now_ns();
	t1 = now_ns();
	s->empty[k] = (double)(t1 - t0);
	t0 = now_ns();
	s->eng->run(s->st, s->prog, s->r, r1);
	s->samp[k] = (double)(now_ns() - t0);
	if (s->nsamp && !xdp__init(s->nx, p->data, p->len)) {
		struct hxdp_result nres;

		r1 = run__packet(s->nr, s->nx, &nres);
		t0 = now_ns();
		s->eng->run(s->nst, 0, s->nr, r1);
		s->nsamp[k] = (double)(now_ns() - t0);
	}
}

static void engine_trial(struct side *s, const struct hxdp_pkts *pk, const struct bench_opts *o)
{
	struct hxdp_result res;

	s->runs = 0;
	s->insns = 0;
	for (uint32_t i = 0; i < pk->n; i++) {
		uint64_t t0 = 0;

		if (xdp__init(s->x, pk->pkt[i].data, pk->pkt[i].len))
			continue;
		t0 = now_ns();
		for (uint32_t k = 0; k < o->repeat; k++) {
			if (o->each)
				engine_each(s, &pk->pkt[i], k, &res);
			else
				s->eng->run(s->st, s->prog, s->r, run__packet(s->r, s->x, &res));
			s->insns += res.insns;
			s->faults += res.fault != 0;
		}
		if (o->each) {
			double e = median(s->empty, o->repeat);

			keep(s, i, median(s->samp, o->repeat) - e, o);
			note_ovh(s, e);
			if (s->nsamp) {
				s->entry_sum += median(s->nsamp, o->repeat) - e;
				s->entry_n++;
			}
		} else {
			keep(s, i, (double)(now_ns() - t0) / o->repeat, o);
		}
		s->runs += o->repeat;
		s->verdict[i] = (uint32_t)res.r0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- run ---------------------------------------------------------------------------- */

static int side_open(struct side *s, const struct bench_opts *o, uint32_t npkts)
{
	char err[512];
	struct hxdp_prog *p;
	int e;

	s->fd = -1;
	s->nopfd = -1;
	s->verdict = calloc(npkts + 1, sizeof(*s->verdict));
	s->fig = calloc((size_t)(npkts + 1) * o->trials, sizeof(*s->fig));
	s->samp = calloc(o->repeat, sizeof(*s->samp));
	s->empty = calloc(o->repeat, sizeof(*s->empty));
	if (!s->verdict || !s->fig || !s->samp || !s->empty) {
		snprintf(s->missing, sizeof(s->missing), "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < (size_t)npkts * o->trials; i++)
		s->fig[i] = NAN;
	if (obj__open(o->obj, &s->obj, err, sizeof(err)) ||
	    (o->maps && obj__load_maps_json(s->obj, o->maps, err, sizeof(err)))) {
		snprintf(s->missing, sizeof(s->missing), "%s", err);
		return -EINVAL;
	}
	p = obj__prog(s->obj, o->prog);
	if (!p) {
		snprintf(s->missing, sizeof(s->missing), "%s: no XDP program '%s'", o->obj,
			 o->prog ? o->prog : "");
		return -ENOENT;
	}
	s->prog = p->idx;
	if (!strcmp(s->name, "kernel"))
		return kernel_open(s, o);
	if ((e = engine_open(s)))
		return e;
	if (o->each)
		engine_open_nop(s, o->repeat);
	return 0;
}

static void side_close(struct side *s)
{
	if (s->st)
		s->eng->close(s->st);
	kern__close(s->k);
	if (s->obj)
		obj__close(s->obj);
	free(s->r);
	free(s->x);
	free(s->verdict);
	free(s->fig);
	free(s->samp);
	free(s->empty);
	if (s->nopfd >= 0)
		close(s->nopfd);
	if (s->nst)
		s->eng->close(s->nst);
	if (s->nobj)
		obj__close(s->nobj);
	free(s->nr);
	free(s->nx);
	free(s->nsamp);
}

static void trials(struct side *sd, int n, const struct hxdp_pkts *pk, const struct bench_opts *o)
{
	for (uint32_t t = 0; t < o->trials; t++)
		for (int i = 0; i < n; i++) {
			struct side *s = &sd[(i + t) % n];	/* rotate who goes first */

			if (s->missing[0])
				continue;
			s->trial = t;
			if (s->k)
				kernel_trial(s, pk, o);
			else
				engine_trial(s, pk, o);
		}
	for (int i = 0; i < n; i++) {
		double sum = 0;
		uint32_t np = 0;

		for (uint32_t k = 0; k < pk->n; k++) {
			double f = packet_fig(&sd[i], k, o);

			if (!isnan(f)) {
				sum += f;
				np++;
			}
		}
		sd[i].nspp = np ? sum / np : 0;
	}
}

static double per_run(const struct side *s, double v)
{
	return s->runs ? v / s->runs : 0;
}

static json_object *side_json(const struct side *s, const struct side *kern,
			      const struct side *vm, uint32_t npkts)
{
	json_object *j = json_object_new_object();
	uint32_t mism = 0;

	if (s->missing[0]) {
		json_object_object_add(j, "missing", json_object_new_string(s->missing));
		return j;
	}
	json_object_object_add(j, "ns_per_packet", json_object_new_double(s->nspp));
	json_object_object_add(j, "runs", json_object_new_int64(s->runs));
	json_object_object_add(j, "faults", json_object_new_int64(s->faults));
	if (s->ovh_n)
		json_object_object_add(j, "overhead_ns",
				       json_object_new_double(s->ovh_sum / s->ovh_n));
	if (s->entry_n)
		json_object_object_add(j, "entry_ns",
				       json_object_new_double(s->entry_sum / s->entry_n));
	if (s->k && s->ovh_n && s->nspp < MIN_KERNEL_NS)
		json_object_object_add(j, "below_resolution", json_object_new_boolean(1));
	if (s->k && vm && !vm->missing[0] && vm->insns)
		json_object_object_add(j, "ns_per_insn",
				       json_object_new_double(s->nspp / per_run(vm, vm->insns)));
	if (!s->k) {
		int rows = strcmp(s->name, "vm") != 0;

		json_object_object_add(j, rows ? "rows_per_packet" : "insns_per_packet",
				       json_object_new_double(per_run(s, s->insns)));
		if (!rows && s->insns)
			json_object_object_add(j, "ns_per_insn",
					       json_object_new_double(s->nspp / per_run(s, s->insns)));
	}
	if (s != kern && kern && !kern->missing[0]) {
		for (uint32_t i = 0; i < npkts; i++)
			mism += s->verdict[i] != kern->verdict[i];
		json_object_object_add(j, "verdict_mismatches", json_object_new_int(mism));
		if (kern->nspp > 0 && !(kern->ovh_n && kern->nspp < MIN_KERNEL_NS))
			json_object_object_add(j, "over_kernel",
					       json_object_new_double(s->nspp / kern->nspp));
	}
	return j;
}

/* static eBPF instructions of the program and its subprograms, ld_imm64 counted once */
static uint32_t static_insns(const struct hxdp_prog *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->ninsns; i++, n++)
		if (insn_is_lddw(&p->insns[i]))
			i++;
	return n;
}

static void run_report(struct cli *c, const struct bench_opts *o, struct side *sd, int n,
		       const struct hxdp_pkts *pk)
{
	json_object *j = json_object_new_object(), *e = json_object_new_object();
	const struct side *kern = NULL, *vm = NULL;

	for (int i = 0; i < n; i++) {
		if (!strcmp(sd[i].name, "kernel"))
			kern = &sd[i];
		if (!strcmp(sd[i].name, "vm"))
			vm = &sd[i];
	}
	json_object_object_add(j, "object", json_object_new_string(o->obj));
	json_object_object_add(j, "prog", json_object_new_string(sd[0].obj->progs[sd[0].prog].name));
	json_object_object_add(j, "ebpf_insns",
			       json_object_new_int(static_insns(&sd[0].obj->progs[sd[0].prog])));
	json_object_object_add(j, "pcap", json_object_new_string(o->pcap));
	json_object_object_add(j, "packets", json_object_new_int(pk->n));
	json_object_object_add(j, "mode", json_object_new_string(o->each ? "each" : "batch"));
	json_object_object_add(j, "repeat", json_object_new_int(o->repeat));
	json_object_object_add(j, "trials", json_object_new_int(o->trials));
	for (int i = 0; i < n; i++)
		json_object_object_add(e, sd[i].name, side_json(&sd[i], kern, vm, pk->n));
	json_object_object_add(j, "sides", e);
	if (c->json) {
		puts(json_object_to_json_string_ext(j, c->pretty ? JSON_C_TO_STRING_PRETTY :
						       JSON_C_TO_STRING_PLAIN));
	} else {
		printf("%s over %s: %u packets x %u repeat, median of %u trials\n", o->obj, o->pcap,
		       pk->n, o->repeat, o->trials);
		for (int i = 0; i < n; i++) {
			if (sd[i].missing[0])
				printf("  %-7s missing: %s\n", sd[i].name, sd[i].missing);
			else
				printf("  %-7s %10.1f ns/packet%s", sd[i].name,
				       sd[i].nspp, &sd[i] != kern && kern && kern->nspp > 0 ? "" : "\n");
			if (!sd[i].missing[0] && &sd[i] != kern && kern && kern->nspp > 0)
				printf("  %6.2fx kernel\n", sd[i].nspp / kern->nspp);
		}
	}
	json_object_put(j);
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);

	if (!*s || *end || x < lo || x > hi)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int run_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "pcap", required_argument, NULL, 'i' }, { "maps", required_argument, NULL, 'm' },
		{ "prog", required_argument, NULL, 'P' }, { "engines", required_argument, NULL, 'e' },
		{ "repeat", required_argument, NULL, 'r' }, { "trials", required_argument, NULL, 't' },
		{ "no-kernel", no_argument, NULL, 'K' }, { "each", no_argument, NULL, 'E' },
		{ "packets", required_argument, NULL, 'n' }, { 0 }
	};
	int c;

	*o = (struct bench_opts){ .engines = "vm,vliw,sim", .repeat = 16, .trials = 3, .kernel = 1 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'i': o->pcap = optarg; break;
		case 'm': o->maps = optarg; break;
		case 'P': o->prog = optarg; break;
		case 'e': o->engines = optarg; break;
		case 'K': o->kernel = 0; break;
		case 'E': o->each = 1; break;
		case 'n':
			if (parse_u32(optarg, 1, UINT32_MAX, &o->npkts))
				return cli_error("--packets: '%s' is not a count", optarg);
			break;
		case 'r':
			if (parse_u32(optarg, 1, MAX_REPEAT, &o->repeat))
				return cli_error("--repeat: '%s' is not 1..%d", optarg, MAX_REPEAT);
			break;
		case 't':
			if (parse_u32(optarg, 1, MAX_TRIALS, &o->trials))
				return cli_error("--trials: '%s' is not 1..%d", optarg, MAX_TRIALS);
			break;
		default: return cli_usage(&cmd_bench);
		}
	}
	if (optind != argc - 1 || !o->pcap)
		return cli_usage(&cmd_bench);
	o->obj = argv[optind];
	return EXIT_OK;
}

/* the sides: kernel first, then each engine named in --engines */
static int sides_name(const struct bench_opts *o, struct side *sd)
{
	char buf[128], *save = NULL;
	int n = 0;

	if (o->kernel)
		strcpy(sd[n++].name, "kernel");
	snprintf(buf, sizeof(buf), "%s", o->engines);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == MAX_SIDES || strlen(t) >= sizeof(sd->name))
			return cli_error("--engines: too many or unknown engine '%s'", t);
		strcpy(sd[n++].name, t);
	}
	return n ? n : -cli_error("nothing to measure");
}

static int do_run(struct cli *c, int argc, char **argv)
{
	struct bench_opts o;
	struct side sd[MAX_SIDES] = { 0 };
	struct hxdp_pkts pk = { 0 };
	char err[512];
	uint32_t total;
	int n, rc = run_parse(argc, argv, &o);

	if (rc)
		return rc;
	n = sides_name(&o, sd);
	if (n < 0)
		return -n;
	if (pcap__read(o.pcap, &pk, err, sizeof(err)))
		return cli_error("%s", err);
	total = pk.n;
	if (o.npkts && o.npkts < pk.n)
		pk.n = o.npkts;
	for (int i = 0; i < n; i++)
		side_open(&sd[i], &o, pk.n);
	/* the object itself is bad: one error, not a document of missing sides */
	for (int i = 0; i < n && rc == EXIT_OK; i++)
		if (!sd[i].obj || (sd[i].missing[0] && !strncmp(sd[i].missing, o.obj, strlen(o.obj))))
			rc = cli_error("%s", sd[i].missing);
	if (rc == EXIT_OK) {
		trials(sd, n, &pk, &o);
		run_report(c, &o, sd, n, &pk);
	}
	for (int i = 0; i < n; i++)
		side_close(&sd[i]);
	pk.n = total;
	pcap__free(&pk);
	return rc;
}

/* ---- sim: the engine's own report over one pass ----------------------------------- */

/* every packet once, in order, through an engine with a report hook (the sim engine's
 * throughput, cycles and latency); the same figures `hxdp run --engine sim -j` gives */
static int do_sim(struct cli *c, int argc, char **argv)
{
	struct bench_opts o;
	struct side s = { .name = "sim" };
	struct hxdp_pkts pk = { 0 };
	struct hxdp_result res;
	char err[512];
	int rc = run_parse(argc, argv, &o);
	json_object *j;

	if (rc)
		return rc;
	o.repeat = 1;
	if (pcap__read(o.pcap, &pk, err, sizeof(err)))
		return cli_error("%s", err);
	if (side_open(&s, &o, pk.n))
		rc = cli_error("%s", s.missing);
	else if (!s.eng->report)
		rc = cli_error("engine %s has no report", s.name);
	for (uint32_t i = 0; rc == EXIT_OK && i < pk.n; i++) {
		if (xdp__init(s.x, pk.pkt[i].data, pk.pkt[i].len))
			continue;
		s.eng->run(s.st, s.prog, s.r, run__packet(s.r, s.x, &res));
	}
	if (rc == EXIT_OK) {
		j = json_object_new_object();
		json_object_object_add(j, "object", json_object_new_string(o.obj));
		json_object_object_add(j, "pcap", json_object_new_string(o.pcap));
		json_object_object_add(j, "packets", json_object_new_int(pk.n));
		s.eng->report(s.st, c->json ? j : NULL, stdout, -1);
		if (c->json)
			puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	}
	side_close(&s);
	pcap__free(&pk);
	return rc;
}

/* ---- split -------------------------------------------------------------------------- */

#define MAX_LENGTHS 64

static int do_split(int argc, char **argv)
{
	struct hxdp_pkts pk = { 0 };
	struct hxdp_pcap_out *out[MAX_LENGTHS] = { 0 };
	uint32_t len[MAX_LENGTHS], nlen = 0;
	char err[512], path[4096];
	int rc = EXIT_OK;

	if (argc != 3)
		return cli_usage(&cmd_bench);
	if (pcap__read(argv[1], &pk, err, sizeof(err)))
		return cli_error("%s", err);
	for (uint32_t i = 0; i < pk.n && rc == EXIT_OK; i++) {
		uint32_t k = 0;

		while (k < nlen && len[k] != pk.pkt[i].len)
			k++;
		if (k == nlen) {
			if (nlen == MAX_LENGTHS) {
				rc = cli_error("%s: more than %d frame lengths", argv[1], MAX_LENGTHS);
				break;
			}
			len[nlen++] = pk.pkt[i].len;
			snprintf(path, sizeof(path), "%s/%u.pcap", argv[2], pk.pkt[i].len);
			if (pcap__create(path, &out[k], err, sizeof(err))) {
				rc = cli_error("%s", err);
				break;
			}
		}
		pcap__write(out[k], pk.pkt[i].data, pk.pkt[i].len);
	}
	for (uint32_t k = 0; k < nlen; k++)
		pcap__close(out[k]);
	pcap__free(&pk);
	return rc;
}

/* ---- time --------------------------------------------------------------------------- */

/* one run of sh -c cmd with stdout discarded; -1: it failed */
static int64_t time_once(const char *cmd)
{
	uint64_t t0 = now_ns();
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return (int64_t)(now_ns() - t0);
}

static int do_time(struct cli *c, int argc, char **argv)
{
	uint32_t runs = 5;
	uint64_t t[100];
	json_object *j;

	if (argc == 4 && !strcmp(argv[1], "--runs")) {
		if (parse_u32(argv[2], 1, 100, &runs))
			return cli_error("--runs: '%s' is not 1..100", argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2)
		return cli_usage(&cmd_bench);
	for (uint32_t i = 0; i < runs; i++) {
		int64_t ns = time_once(argv[1]);

		if (ns < 0)
			return cli_error("bench time: '%s' failed (run %u)", argv[1], i + 1);
		t[i] = (uint64_t)ns;
	}
	qsort(t, runs, sizeof(t[0]), cmp_u64);
	if (!c->json) {
		printf("%.2f ms min, %.2f ms median over %u runs\n", t[0] / 1e6,
		       t[runs / 2] / 1e6, runs);
		return EXIT_OK;
	}
	j = json_object_new_object();
	json_object_object_add(j, "command", json_object_new_string(argv[1]));
	json_object_object_add(j, "runs", json_object_new_int(runs));
	json_object_object_add(j, "min_ms", json_object_new_double(t[0] / 1e6));
	json_object_object_add(j, "median_ms", json_object_new_double(t[runs / 2] / 1e6));
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	return EXIT_OK;
}

/* ---- dispatch ----------------------------------------------------------------------- */

static int do_report(int argc, char **argv)
{
	char err[512];

	if (argc != 3)
		return cli_usage(&cmd_bench);
	if (bench__report(argv[1], argv[2], err, sizeof(err)))
		return cli_error("%s", err);
	return EXIT_OK;
}

static int do_bench(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(&cmd_bench);
	if (!strcmp(argv[1], "run"))
		return do_run(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "sim"))
		return do_sim(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "split"))
		return do_split(argc - 1, argv + 1);
	if (!strcmp(argv[1], "time"))
		return do_time(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return do_report(argc - 1, argv + 1);
	return cli_error("bench: unknown subcommand '%s'", argv[1]);
}

const struct cli_cmd cmd_bench = {
	.name = "bench",
	.fn = do_bench,
	.usage =
	"bench run PROG.o --pcap IN [--maps INIT.json] [--prog NAME] [--engines vm,vliw,sim]\n"
	"          [--repeat N] [--trials N] [--packets N] [--each] [--no-kernel]\n"
	"bench sim PROG.o --pcap IN [--maps INIT.json] [--prog NAME]\n"
	"bench split IN.pcap DIR\n"
	"bench time [--runs N] 'COMMAND'\n"
	"bench report PARTS_DIR OUT_DIR\n"
	"\n"
	"The measuring engine of `make bench` (scripts/bench.sh; results in bench/).\n"
	"run: the kernel JIT (BPF_PROG_TEST_RUN, repeat=N, its own duration) and each engine\n"
	"  (CLOCK_MONOTONIC) over the same packets (the first --packets N), each packet run\n"
	"  N times back to back on one buffer and the batch timed once; --each: every run\n"
	"  on a fresh copy of its packet and timed alone, the measured cost of an empty\n"
	"  measurement subtracted on each side, and each engine's entry cost (a\n"
	"  two-instruction program through it, entry_ns) measured beside. Best of the\n"
	"  trials; ns per packet, ns per eBPF instruction (vm counts them), rows per packet\n"
	"  (vliw, sim), engine/kernel ratios and verdict mismatches against the kernel. A\n"
	"  side that cannot run says why (\"missing\").\n"
	"sim: every packet once through the sim engine, then its report (Mpps, cycles,\n"
	"  latency), as `hxdp run --engine sim -j` gives them.\n"
	"split: DIR/LEN.pcap for every frame length in IN.pcap.\n"
	"time: wall time of `sh -c COMMAND` (stdout discarded), min and median.\n"
	"report: results.json, README.md and plot data in OUT_DIR from the JSON parts\n"
	"  scripts/bench.sh wrote in PARTS_DIR.\n",
};
