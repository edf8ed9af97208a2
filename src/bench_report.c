/* bench_report.c: hxdp bench report PARTS OUT. scripts/bench.sh leaves one JSON document
 * per measurement in PARTS (NAME.json, NAME = PROG.KIND.KEY or interp.PROG, meta, ...);
 * a part that could not be measured is {"missing": why}. This turns them into
 * OUT/results.json (machine-readable), OUT/README.md (tables generated from the same
 * data) and PARTS/plot_*.dat for gnuplot. Nothing is estimated: a figure whose part is
 * missing is absent, with the reason listed in "missing". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "bench.h"

#define MAX_NAMES 64
#define MAX_LANES 8
#define MAX_MISSING 64

/* the paper's figures for programs of the same kind (reference-design.md section 4) */
struct paper_prog {
	const char *ours, *theirs;
	int rows4;		/* rows at 4 lanes (issue 5; Katran from figure 8), 0: none */
	double ipc;		/* static IPC, 0: none */
	double mpps;		/* figure 12 (firewall: section 6.53), 0: none */
};

static const struct paper_prog paper[] = {
	{ "xdp_fw_simple", "simple_firewall", 27, 2.66, 6.53 },
	{ "xdp_firewall", "simple_firewall", 27, 2.66, 6.53 },
	{ "xdp_ipcount_drop", "xdp1", 36, 1.70, 11.2 },
	{ "xdp_ipcount_tx", "xdp2", 0, 1.81, 6.8 },
	{ "xdp_router", "router_ipv4", 50, 2.38, 4.0 },
	{ "xdp_tunnel", "tx_ip_tunnel", 100, 2.83, 2.5 },
	{ "xdp_icmp_reply", "xdp_adjust_tail", 0, 2.72, 2.5 },
	{ "xdp_rxq_info", "rxq_info (TX)", 0, 1.76, 9.8 },
	{ "xdp_lb", "Katran", 105, 2.62, 0 },
	{ "xdp_redirect_devmap", "redirect_map", 0, 0, 9.7 },
};

/* firewall latency, figure 11 (round trip at the traffic generator), us */
static const struct { int size; double us; } paper_lat[] = {
	{ 64, 1.2 }, { 256, 1.5 }, { 512, 2.3 }, { 1514, 4.8 },
};

#define TOOL_CLASS "mix"	/* the class tool-speed headlines are quoted on */
/* the stateful firewalls: the paper's size (xdp_fw_simple) and the corpus's full one */
static const char *const firewalls[] = { "xdp_fw_simple", "xdp_firewall" };
#define NFW (sizeof(firewalls) / sizeof(firewalls[0]))
#define PARSER "xdp_parser"

struct names {
	char *v[MAX_NAMES];
	int n;
};

struct rep {
	const char *parts, *out;
	json_object *db;	/* part name -> document */
	struct names progs, classes, sizes;
	json_object *missing;	/* [{id, reason, parts, example}] */
	json_object *res;	/* results.json */
	json_object *targets;
	char *err;
	size_t errlen;
};

/* ---- small JSON helpers ------------------------------------------------------------- */

static json_object *jd(double v)
{
	char buf[32];

	if (!isfinite(v))
		return NULL;
	if (fabs(v) >= 1000)
		snprintf(buf, sizeof(buf), "%.0f", v);
	else
		snprintf(buf, sizeof(buf), "%.4g", v);
	return json_object_new_double_s(v, buf);
}

static void jset(json_object *o, const char *k, json_object *v)
{
	if (v)
		json_object_object_add(o, k, v);
}

static json_object *jget(json_object *o, const char *path)
{
	char buf[640], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && o; t = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, t, &o))
			o = NULL;
	return o;
}

/* a number at path; a distribution object gives its mean (or median) */
static int jnum(json_object *o, const char *path, double *v)
{
	static const char *const centre[] = { "mean", "avg", "median", "p50", "value" };

	o = jget(o, path);
	if (o && json_object_is_type(o, json_type_object))
		for (size_t i = 0; i < sizeof(centre) / sizeof(centre[0]); i++) {
			json_object *c;

			if (json_object_object_get_ex(o, centre[i], &c)) {
				o = c;
				break;
			}
		}
	if (!o || !(json_object_is_type(o, json_type_double) ||
		    json_object_is_type(o, json_type_int)))
		return -ENOENT;
	*v = json_object_get_double(o);
	return 0;
}

/* the first of several candidate keys that holds a number */
static int jnum_any(json_object *o, const char *const *paths, double *v)
{
	for (; *paths; paths++)
		if (!jnum(o, *paths, v))
			return 0;
	return -ENOENT;
}

static json_object *part(struct rep *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_object *part(struct rep *r, const char *fmt, ...)
{
	char name[256];
	json_object *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return json_object_object_get_ex(r->db, name, &o) ? o : NULL;
}

static const char *missing_of(json_object *o)
{
	json_object *m;

	return o && json_object_object_get_ex(o, "missing", &m) ? json_object_get_string(m) :
								      NULL;
}

/* ---- missing reasons: each distinct reason once, referred to by id ---------------- */

/* the same cause on every program is one entry: a leading "hxdp: " and the object's
 * path are left out */
static void reason_key(const char *why, char *key, size_t len)
{
	const char *o = strstr(why, ".o: ");

	if (!strncmp(why, "hxdp: ", 6))
		why += 6;
	if (o && !memchr(why, ' ', o - why))	/* "path/prog.v3.o: what" */
		why = o + 4;
	snprintf(key, len, "%s", why);
}

static const char *missing_add(struct rep *r, const char *name, const char *why)
{
	char key[512], id[16];
	size_t n = json_object_array_length(r->missing);
	json_object *e;

	reason_key(why, key, sizeof(key));
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(r->missing, i), *c;

		if (strcmp(json_object_get_string(jget(m, "reason")), key))
			continue;
		c = jget(m, "parts");
		json_object_set_int(c, json_object_get_int(c) + 1);
		return json_object_get_string(jget(m, "id"));
	}
	snprintf(id, sizeof(id), "M%zu", n + 1);
	e = json_object_new_object();
	json_object_object_add(e, "id", json_object_new_string(id));
	json_object_object_add(e, "reason", json_object_new_string(key));
	json_object_object_add(e, "parts", json_object_new_int(1));
	json_object_object_add(e, "example", json_object_new_string(name));
	json_object_array_add(r->missing, e);
	return json_object_get_string(jget(e, "id"));
}

/* note in entry's "missing" list that what is absent, and why (id) */
static void entry_missing(struct rep *r, json_object *entry, const char *what,
			  const char *name, const char *why)
{
	json_object *l;
	char buf[160];

	if (!json_object_object_get_ex(entry, "missing", &l)) {
		l = json_object_new_array();
		json_object_object_add(entry, "missing", l);
	}
	snprintf(buf, sizeof(buf), "%s (%s)", what, missing_add(r, name, why));
	json_object_array_add(l, json_object_new_string(buf));
}

/* ---- reading the parts -------------------------------------------------------------- */

static void names_add(struct names *s, const char *v, size_t len)
{
	for (int i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && !strncmp(s->v[i], v, len))
			return;
	if (s->n < MAX_NAMES)
		s->v[s->n++] = strndup(v, len);
}

static void names_free(struct names *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_num(const void *a, const void *b)
{
	return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

/* PROG.run.CLASS / PROG.size.SIZE / PROG.compile.LANES name the sets iterated over */
static void classify(struct rep *r, const char *name)
{
	const char *d1 = strchr(name, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;

	if (!d2 || !strncmp(name, "interp.", 7) || !strncmp(name, "compile_time.", 13))
		return;
	names_add(&r->progs, name, d1 - name);
	if (!strncmp(d1, ".run.", 5))
		names_add(&r->classes, d2 + 1, strlen(d2 + 1));
	else if (!strncmp(d1, ".size.", 6))
		names_add(&r->sizes, d2 + 1, strlen(d2 + 1));
}

static int load_parts(struct rep *r)
{
	DIR *d = opendir(r->parts);
	struct dirent *de;
	char path[4096];

	if (!d) {
		snprintf(r->err, r->errlen, "%s: %s", r->parts, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		json_object *o;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", r->parts, de->d_name);
		o = json_object_from_file(path);
		if (!o) {	/* a command that printed something else: say so */
			o = json_object_new_object();
			json_object_object_add(o, "missing",
					       json_object_new_string("output is not one JSON document"));
		}
		de->d_name[n - 5] = 0;
		json_object_object_add(r->db, de->d_name, o);
		classify(r, de->d_name);
	}
	closedir(d);
	qsort(r->progs.v, r->progs.n, sizeof(char *), cmp_str);
	qsort(r->classes.v, r->classes.n, sizeof(char *), cmp_str);
	qsort(r->sizes.v, r->sizes.n, sizeof(char *), cmp_num);
	return 0;
}

/* ---- targets ------------------------------------------------------------------------ */

static void target(struct rep *r, const char *what, int have, double v, const char *cmp,
		   double limit)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "what", json_object_new_string(what));
	json_object_object_add(t, "target", json_object_new_string(cmp));
	jset(t, "limit", jd(limit));
	if (have) {
		int met = cmp[0] == '<' ? v <= limit : v >= limit;

		jset(t, "value", jd(v));
		json_object_object_add(t, "met", json_object_new_boolean(met));
	} else {
		json_object_object_add(t, "missing", json_object_new_string("not measured"));
	}
	json_object_array_add(r->targets, t);
}

/* ---- 1. interpreter speed ----------------------------------------------------------- */

/* NAME_program_over_kernel: the engine's ns per packet less its entry cost (the empty
 * program through it), over the kernel's, whose own empty program is subtracted */
static void program_ratios(json_object *e)
{
	static const char *const eng[] = { "vm", "vliw", "sim" };
	double kns, ns, entry, over;
	char k[64];

	if (jnum(e, "kernel_ns_per_packet", &kns) || kns <= 0)
		return;
	for (size_t i = 0; i < sizeof(eng) / sizeof(eng[0]); i++) {
		snprintf(k, sizeof(k), "%s_over_kernel", eng[i]);
		if (jnum(e, k, &over))
			continue;	/* no ratio (kernel below resolution, or missing) */
		snprintf(k, sizeof(k), "%s_ns_per_packet", eng[i]);
		if (jnum(e, k, &ns))
			continue;
		snprintf(k, sizeof(k), "%s_entry_ns", eng[i]);
		if (jnum(e, k, &entry))
			continue;
		snprintf(k, sizeof(k), "%s_program_over_kernel", eng[i]);
		jset(e, k, jd((ns - entry) / kns));
	}
}

/* one bench-run document's sides as flat figures: kernel_ns_per_packet, vm_..., ... */
static void sides_flat(struct rep *r, const char *name, json_object *doc, json_object *e)
{
	static const char *const sides[] = { "kernel", "vm", "vliw", "sim" };
	char k[64];
	double v;

	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		json_object *s = jget(doc, "sides"), *m;
		const char *why;

		if (!s || !json_object_object_get_ex(s, sides[i], &m))
			continue;
		if ((why = missing_of(m))) {
			entry_missing(r, e, sides[i], name, why);
			continue;
		}
		if (jget(m, "below_resolution"))
			entry_missing(r, e, "ratios", name, "kernel JIT time below 5 ns, within the "
				      "spread of its measurement overhead: no ratio to it");
		snprintf(k, sizeof(k), "%s_ns_per_packet", sides[i]);
		if (!jnum(m, "ns_per_packet", &v))
			jset(e, k, jd(v));
		snprintf(k, sizeof(k), "%s_over_kernel", sides[i]);
		if (!jnum(m, "over_kernel", &v))
			jset(e, k, jd(v));
		if (!jnum(m, "verdict_mismatches", &v) && v > 0) {
			snprintf(k, sizeof(k), "%s_verdict_mismatches", sides[i]);
			jset(e, k, jd(v));
		}
		snprintf(k, sizeof(k), "%s_entry_ns", sides[i]);
		if (!jnum(m, "entry_ns", &v))
			jset(e, k, jd(v));
		if (!strcmp(sides[i], "vm") && !jnum(m, "insns_per_packet", &v))
			jset(e, "insns_per_packet", jd(v));
		if (!strcmp(sides[i], "vliw") && !jnum(m, "rows_per_packet", &v))
			jset(e, "rows_per_packet", jd(v));
		if (!strcmp(sides[i], "vm") && !jnum(m, "ns_per_insn", &v))
			jset(e, "vm_ns_per_insn", jd(v));
		if (!strcmp(sides[i], "kernel") && !jnum(m, "ns_per_insn", &v))
			jset(e, "kernel_ns_per_insn", jd(v));
		if (!strcmp(sides[i], "kernel") && !jnum(m, "overhead_ns", &v))
			jset(e, "kernel_empty_ns", jd(v));
	}
	program_ratios(e);
}

static void interp(struct rep *r)
{
	static const char *const progs[] = { "bench_alu", "bench_parse" };
	json_object *all = json_object_new_object();
	char name[64];

	for (size_t i = 0; i < 2; i++) {
		json_object *e = json_object_new_object(), *doc;
		const char *why;
		double v;

		snprintf(name, sizeof(name), "interp.%s", progs[i]);
		doc = part(r, "%s", name);
		if (!doc)
			entry_missing(r, e, "all", name, "not run (no part)");
		else if ((why = missing_of(doc)))
			entry_missing(r, e, "all", name, why);
		else
			sides_flat(r, name, doc, e);
		if (!jnum(doc, "ebpf_insns", &v))
			jset(e, "ebpf_insns", jd(v));
		snprintf(name, sizeof(name), "interp_each.%s", progs[i]);
		doc = part(r, "%s", name);
		if (doc && !missing_of(doc)) {
			json_object *x = json_object_new_object();

			sides_flat(r, name, doc, x);
			json_object_object_add(e, "per_run_method", x);
		}
		json_object_object_add(all, progs[i], e);
	}
	json_object_object_add(r->res, "interpreter", all);
}

/* ---- 2. per program ------------------------------------------------------------------ */

static const struct paper_prog *paper_of(const char *prog)
{
	for (size_t i = 0; i < sizeof(paper) / sizeof(paper[0]); i++)
		if (!strcmp(paper[i].ours, prog))
			return &paper[i];
	return NULL;
}

static const char *const k_insns[] = { "ebpf_insns", "insns", NULL };
static const char *const k_final[] = { "insns_out", "insns_final", NULL };
static const char *const k_ms[] = { "compile_ms", "time_ms", "ms", NULL };
static const char *const k_chain[] = { "chain", "critical_path", "longest_chain",
				       "bound.chain", "lower_bound.chain", NULL };
static const char *const k_bound[] = { "lower_bound", "bound", "rows_bound",
				       "bound.rows", "lower_bound.rows", NULL };
static const char *const k_ipc[] = { "static_ipc", "ipc", NULL };

/* hxdp compile -j: the top level names the selected program; its figures are in
 * "programs" (one entry per program of the object) */
static json_object *compiled_prog(json_object *doc)
{
	json_object *all = jget(doc, "programs"), *sel = jget(doc, "prog");

	for (size_t i = 0; all && sel && i < json_object_array_length(all); i++) {
		json_object *p = json_object_array_get_idx(all, i), *n = jget(p, "name");

		if (n && !strcmp(json_object_get_string(n), json_object_get_string(sel)))
			return p;
	}
	return doc;
}

/* a figure of the program's entry, else of the document */
static int cnum(json_object *doc, const char *const *keys, double *v)
{
	return jnum_any(compiled_prog(doc), keys, v) && jnum_any(doc, keys, v) ? -ENOENT : 0;
}

/* instructions after the last pass */
static int final_insns(json_object *doc, double *v)
{
	json_object *p = jget(compiled_prog(doc), "passes");
	size_t n = p && json_object_is_type(p, json_type_array) ? json_object_array_length(p) : 0;

	if (!cnum(doc, k_final, v))
		return 0;
	return n ? jnum(json_object_array_get_idx(p, n - 1), "insns", v) : -ENOENT;
}

/* per-pass instruction counts: [{"pass"|"name": P, "insns": N}] or {P: N} */
static json_object *passes_of(json_object *doc)
{
	json_object *p = jget(doc, "passes"), *out = json_object_new_object();

	if (p && json_object_is_type(p, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(p); i++) {
			json_object *e = json_object_array_get_idx(p, i), *n = jget(e, "pass");
			double v;

			if (!n)
				n = jget(e, "name");
			if (n && !jnum(e, "insns", &v))
				jset(out, json_object_get_string(n), jd(v));
		}
	} else if (p && json_object_is_type(p, json_type_object)) {
		json_object_object_foreach(p, k, v)
			if (json_object_is_type(v, json_type_int) ||
			    json_object_is_type(v, json_type_double))
				jset(out, k, jd(json_object_get_double(v)));
	}
	if (!json_object_object_length(out)) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

static void compile_lane(struct rep *r, const char *prog, int l, json_object *c,
			 json_object *lanes)
{
	json_object *doc = part(r, "%s.compile.%d", prog, l), *e = json_object_new_object();
	double rows, fin, chain, bound, ipc;
	char name[128], key[8];
	int hb;
	const char *why;

	snprintf(name, sizeof(name), "%s.compile.%d", prog, l);
	snprintf(key, sizeof(key), "%d", l);
	if (!doc || (why = missing_of(doc)) || jnum(doc, "rows", &rows)) {
		entry_missing(r, c, key, name, !doc ? "not run (no part)" :
				 missing_of(doc) ? missing_of(doc) : "no top-level \"rows\"");
		json_object_put(e);
		return;
	}
	jset(e, "rows", jd(rows));
	if (!final_insns(doc, &fin)) {
		jset(e, "insns", jd(fin));
		if (cnum(doc, k_ipc, &ipc))
			ipc = rows ? fin / rows : NAN;
		jset(e, "static_ipc", jd(ipc));
	}
	if (!cnum(doc, k_ms, &ipc))
		jset(e, "compile_ms", jd(ipc));
	if (!cnum(doc, k_chain, &chain))
		jset(e, "chain", jd(chain));
	hb = !cnum(doc, k_bound, &bound);
	if (!hb && !cnum(doc, k_chain, &chain) && !final_insns(doc, &fin)) {
		bound = fmax(chain, ceil(fin / l));	/* the definition of issue 5 */
		hb = 1;
	}
	if (hb) {
		jset(e, "bound", jd(bound));
		jset(e, "rows_over_bound", jd(bound > 0 ? rows / bound : NAN));
	} else {
		entry_missing(r, e, "bound", name,
			      "hxdp compile -j gives no dependence chain or lower bound on rows");
	}
	json_object_object_add(lanes, key, e);
	if (l == 4) {
		json_object *p = passes_of(compiled_prog(doc));
		double in;

		if (p)
			json_object_object_add(c, "passes", p);
		if (!cnum(doc, k_insns, &in))
			jset(c, "ebpf_insn_slots", jd(in));
	}
}

static void compile_prog(struct rep *r, const char *prog, json_object *pe)
{
	json_object *c = json_object_new_object(), *lanes = json_object_new_object();
	const struct paper_prog *pp = paper_of(prog);
	double rows4;

	for (int l = 1; l <= MAX_LANES; l++)
		compile_lane(r, prog, l, c, lanes);
	json_object_object_add(c, "lanes", lanes);
	if (pp && pp->rows4) {
		jset(c, "paper_rows_4_lanes", jd(pp->rows4));
		if (!jnum(lanes, "4.rows", &rows4))
			jset(c, "rows_over_paper", jd(rows4 / pp->rows4));
	}
	if (pp && pp->ipc)
		jset(c, "paper_static_ipc", jd(pp->ipc));
	json_object_object_add(pe, "compile", c);
}

/* a figure the part should have: copied, or noted missing with the reason */
static void need(struct rep *r, json_object *e, json_object *doc, const char *name,
		 const char *key, const char *tool)
{
	char why[160];
	double v;

	if (!jnum(doc, key, &v)) {
		jset(e, key, jd(v));
		return;
	}
	snprintf(why, sizeof(why), "%s gives no \"%s\"", tool, key);
	entry_missing(r, e, key, name, why);
}

#define SIM_TOOL "hxdp run --engine sim -j"

static void class_entry(struct rep *r, const char *prog, const char *cls, json_object *classes)
{
	json_object *e = json_object_new_object(), *run, *sim;
	char name[160];
	const char *why;

	snprintf(name, sizeof(name), "%s.run.%s", prog, cls);
	run = part(r, "%s", name);
	if (!run || (why = missing_of(run)))
		entry_missing(r, e, "host timing", name, run ? why : "not run (no part)");
	else
		sides_flat(r, name, run, e);
	snprintf(name, sizeof(name), "%s.sim.%s", prog, cls);
	sim = part(r, "%s", name);
	if (!sim || (why = missing_of(sim))) {
		entry_missing(r, e, "simulation", name, sim ? why : "not run (no part)");
	} else {
		need(r, e, sim, name, "cycles_per_packet", SIM_TOOL);
		need(r, e, sim, name, "mpps", SIM_TOOL);
		need(r, e, sim, name, "latency_ns", SIM_TOOL);
	}
	json_object_object_add(classes, cls, e);
}

static void size_entry(struct rep *r, const char *prog, const char *size, json_object *sizes)
{
	json_object *e = json_object_new_object(), *sim;
	char name[160];
	const char *why;

	snprintf(name, sizeof(name), "%s.size.%s", prog, size);
	sim = part(r, "%s", name);
	if (!sim || (why = missing_of(sim))) {
		entry_missing(r, e, "simulation", name, sim ? why : "not run (no part)");
	} else {
		need(r, e, sim, name, "mpps", SIM_TOOL);
		need(r, e, sim, name, "latency_ns", SIM_TOOL);
		need(r, e, sim, name, "cycles_per_packet", SIM_TOOL);
	}
	json_object_object_add(sizes, size, e);
}

/* the batch method on part of the mix, beside the per-run figures */
static void batch_check(struct rep *r, const char *prog, json_object *pe)
{
	char name[160];
	json_object *doc, *e;

	snprintf(name, sizeof(name), "%s.batch.%s", prog, TOOL_CLASS);
	doc = part(r, "%s", name);
	if (!doc)
		return;
	e = json_object_new_object();
	if (missing_of(doc))
		entry_missing(r, e, "all", name, missing_of(doc));
	else
		sides_flat(r, name, doc, e);
	json_object_object_add(pe, "batch_method_" TOOL_CLASS, e);
}

static void programs(struct rep *r)
{
	json_object *all = json_object_new_object();

	for (int i = 0; i < r->progs.n; i++) {
		const char *prog = r->progs.v[i];
		const struct paper_prog *pp = paper_of(prog);
		json_object *pe = json_object_new_object(), *cl = json_object_new_object(),
			    *sz = json_object_new_object();

		if (pp)
			json_object_object_add(pe, "paper_program", json_object_new_string(pp->theirs));
		if (pp && pp->mpps)
			jset(pe, "paper_mpps_64", jd(pp->mpps));
		for (int k = 0; k < r->classes.n; k++) {
			double v;

			if (!jnum(part(r, "%s.run.%s", prog, r->classes.v[k]), "ebpf_insns", &v)) {
				jset(pe, "ebpf_insns", jd(v));
				break;
			}
		}
		compile_prog(r, prog, pe);
		for (int k = 0; k < r->classes.n; k++)
			class_entry(r, prog, r->classes.v[k], cl);
		for (int k = 0; k < r->sizes.n; k++)
			size_entry(r, prog, r->sizes.v[k], sz);
		json_object_object_add(pe, "classes", cl);
		json_object_object_add(pe, "sizes", sz);
		batch_check(r, prog, pe);
		json_object_object_add(all, prog, pe);
	}
	json_object_object_add(r->res, "programs", all);
}

/* ---- 3. compile time ----------------------------------------------------------------- */

static void compile_time(struct rep *r)
{
	json_object *e = json_object_new_object(), *doc = part(r, "compile_time.wall"),
		    *big = part(r, "compile_time.big.1");
	const char *why;
	double v, ms = NAN;

	json_object_object_add(e, "program", json_object_new_string("tests/bench/bench_big.c"));
	if (!jnum(part(r, "meta"), "big_insns", &v))
		jset(e, "ebpf_insns", jd(v));
	for (int i = 2; big && !missing_of(big) && i <= 9; i++) {	/* fastest run */
		json_object *b = part(r, "compile_time.big.%d", i);
		double a, c;

		if (b && !missing_of(b) && !cnum(b, k_ms, &a) && !cnum(big, k_ms, &c) && a < c)
			big = b;
	}
	if (big && !(why = missing_of(big))) {
		if (!jnum(big, "rows", &v))
			jset(e, "rows_4_lanes", jd(v));
		if (!cnum(big, k_ms, &v))
			jset(e, "compiler_ms", jd(ms = v));
	} else {
		entry_missing(r, e, "compile", "compile_time.big.1", big ? why : "not run (no part)");
	}
	if (doc && !(why = missing_of(doc))) {
		if (!jnum(doc, "min_ms", &v)) {
			jset(e, "process_wall_ms_min", jd(v));
			if (!isfinite(ms))
				ms = v;	/* the whole process: an upper bound on the compile */
		}
		if (!jnum(doc, "median_ms", &v))
			jset(e, "process_wall_ms_median", jd(v));
	} else {
		entry_missing(r, e, "wall time", "compile_time.wall", doc ? why : "not run (no part)");
	}
	target(r, "compile time of the ~2,700-insn program, ms", isfinite(ms), ms, "<=", 100);
	json_object_object_add(r->res, "compile_time", e);
}

/* ---- headline targets ------------------------------------------------------------- */

static int prog_num(struct rep *r, const char *prog, const char *path, double *v)
{
	char p[600];

	snprintf(p, sizeof(p), "programs.%s.%s", prog, path);
	return jnum(r->res, p, v);
}

static void targets(struct rep *r)
{
	static const char *const tools[] = { "xdp_fw_simple", "xdp_firewall", PARSER };
	char what[160], p[128];
	double v;
	int have;

	for (size_t i = 0; i < NFW; i++) {
		snprintf(what, sizeof(what), "%s simulated Mpps at 64 B", firewalls[i]);
		have = !prog_num(r, firewalls[i], "sizes.64.mpps", &v);
		target(r, what, have, v, ">=", 7.4);
	}
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		snprintf(p, sizeof(p), "classes.%s.vliw_over_kernel", TOOL_CLASS);
		snprintf(what, sizeof(what), "%s: vliw host ns/pkt over kernel JIT (%s)", tools[i],
			 TOOL_CLASS);
		have = !prog_num(r, tools[i], p, &v);
		target(r, what, have, v, "<=", 3);
		snprintf(p, sizeof(p), "classes.%s.sim_over_kernel", TOOL_CLASS);
		snprintf(what, sizeof(what), "%s: sim host ns/pkt over kernel JIT (%s)", tools[i],
			 TOOL_CLASS);
		have = !prog_num(r, tools[i], p, &v);
		target(r, what, have, v, "<=", 10);
	}
	/* the same less each engine's entry cost, as the kernel's figure is less its own */
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		snprintf(p, sizeof(p), "classes.%s.vliw_program_over_kernel", TOOL_CLASS);
		snprintf(what, sizeof(what), "%s: vliw host ns/pkt less its entry cost, over kernel "
			 "JIT (%s)", tools[i], TOOL_CLASS);
		have = !prog_num(r, tools[i], p, &v);
		target(r, what, have, v, "<=", 3);
		snprintf(p, sizeof(p), "classes.%s.sim_program_over_kernel", TOOL_CLASS);
		snprintf(what, sizeof(what), "%s: sim host ns/pkt less its entry cost, over kernel "
			 "JIT (%s)", tools[i], TOOL_CLASS);
		have = !prog_num(r, tools[i], p, &v);
		target(r, what, have, v, "<=", 10);
	}
	for (size_t i = 0; i < sizeof(paper) / sizeof(paper[0]); i++) {
		if (!paper[i].rows4)
			continue;
		snprintf(what, sizeof(what), "%s rows at 4 lanes over paper's %s (%d)",
			 paper[i].ours, paper[i].theirs, paper[i].rows4);
		have = !prog_num(r, paper[i].ours, "compile.rows_over_paper", &v);
		target(r, what, have, v, "<=", 0.75);
	}
	for (int i = 0; i < r->progs.n; i++) {
		snprintf(what, sizeof(what), "%s rows / lower bound at 4 lanes", r->progs.v[i]);
		have = !prog_num(r, r->progs.v[i], "compile.lanes.4.rows_over_bound", &v);
		target(r, what, have, v, "<=", 1.15);
	}
	json_object_object_add(r->res, "targets", r->targets);
	r->targets = NULL;
}

/* ---- plot data ---------------------------------------------------------------------- */

/* columns: x, then one per program that has a value somewhere */
static int plot(struct rep *r, const char *file, const char *xname, const char *const *xs,
		int nx, const char *fmt)
{
	char path[4096], p[256];
	int use[MAX_NAMES] = { 0 }, any = 0;
	double v;
	FILE *f;

	for (int i = 0; i < r->progs.n; i++)
		for (int x = 0; x < nx; x++) {
			snprintf(p, sizeof(p), fmt, xs[x]);
			if (!prog_num(r, r->progs.v[i], p, &v))
				use[i] = any = 1;
		}
	snprintf(path, sizeof(path), "%s/%s", r->parts, file);
	if (!any) {
		remove(path);
		return 0;
	}
	f = fopen(path, "w");
	if (!f) {
		snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%s", xname);
	for (int i = 0; i < r->progs.n; i++)
		if (use[i])
			fprintf(f, " %s", r->progs.v[i]);
	fputc('\n', f);
	for (int x = 0; x < nx; x++) {
		fprintf(f, "%s", xs[x]);
		snprintf(p, sizeof(p), fmt, xs[x]);
		for (int i = 0; i < r->progs.n; i++)
			if (use[i]) {
				if (prog_num(r, r->progs.v[i], p, &v))
					fprintf(f, " -");
				else
					fprintf(f, " %g", v);
			}
		fputc('\n', f);
	}
	fclose(f);
	return 0;
}

static int plots(struct rep *r)
{
	static const char *const lanes[] = { "1", "2", "3", "4", "5", "6", "7", "8" };

	if (plot(r, "plot_tput.dat", "size", (const char *const *)r->sizes.v, r->sizes.n,
		 "sizes.%s.mpps"))
		return -EIO;
	return plot(r, "plot_rows.dat", "lanes", lanes, MAX_LANES, "compile.lanes.%s.rows");
}

/* ---- README ------------------------------------------------------------------------- */

/* every table is generated from results.json's own figures (r->res), so the two agree */

static void cell(FILE *f, json_object *o, const char *path, const char *fmt)
{
	double v;

	if (jnum(o, path, &v))
		fprintf(f, " - |");
	else {
		fputc(' ', f);
		fprintf(f, fmt, v);
		fprintf(f, " |");
	}
}

static json_object *prog_obj(struct rep *r, const char *prog)
{
	char p[160];

	snprintf(p, sizeof(p), "programs.%s", prog);
	return jget(r->res, p);
}

static void md_intro(struct rep *r, FILE *f)
{
	json_object *m = jget(r->res, "meta");
	double v;

	fprintf(f, "# hxdp benchmarks\n\n"
		"Generated by `make bench` (scripts/bench.sh, `hxdp bench`) from "
		"[results.json](results.json); do not edit, regenerate.\n\n");
	if (m)
		fprintf(f, "Run %s on %s, Linux %s, commit %s (%s s%s).\n\n",
			json_object_get_string(jget(m, "date")), json_object_get_string(jget(m, "cpu")),
			json_object_get_string(jget(m, "kernel")),
			json_object_get_string(jget(m, "commit")),
			json_object_get_string(jget(m, "seconds")),
			!jnum(m, "quick", &v) && v ? ", QUICK smoke run: timings are not meaningful" : "");
	fprintf(f,
		"How host time is measured: the kernel side is the object loaded with libbpf "
		"and run by BPF_PROG_TEST_RUN, which reports its own duration; each hxdp engine "
		"runs the same packets in the same process on the same CPU, timed with "
		"CLOCK_MONOTONIC. Corpus figures time every run alone on a fresh copy of its "
		"packet (test run with repeat=1) beside an empty measurement on each side (a "
		"two-instruction program in the kernel, two clock reads for us); a packet's "
		"figure is the median of its runs minus the median of the empty measurements, "
		"median over the trials (a minimum would be biased low by the noise of the "
		"subtracted measurement). The kernel's runs move libbpf's request to one of 8 "
		"places on the stack in turn: the empty program's cost depends on that place by "
		"up to 8 ns, and which place a process gets is random. On this kernel a test "
		"run with repeat > 1 re-points the XDP dispatcher "
		"(~36 ms per call), too slow for thousands of packets. The kernel's empty "
		"program runs through its dispatcher and JIT prologue, so its figure excludes "
		"its own entry cost; ours includes the engine's (run set-up, register and "
		"stack reset, result). That entry cost is measured beside every run too, the "
		"same two-instruction program through the engine, and the targets show the "
		"ratios both ways (\"less its entry cost\"). The interpreter benchmark "
		"uses repeat=N as well, as a cross-check. Only ratios from one run are meant to "
		"be quoted; absolute nanoseconds depend on this machine and its load. Simulated "
		"figures (rows, cycles, Mpps, latency) come from the sim engine's cycle model "
		"(docs/timing.md), not from host time. `-` means not measured: the reason is in "
		"[Missing](#missing).\n\n");
}

static void md_targets(struct rep *r, FILE *f)
{
	json_object *t = jget(r->res, "targets");

	fprintf(f, "## Targets\n\n| what | value | target | met |\n|---|---|---|---|\n");
	for (size_t i = 0; t && i < json_object_array_length(t); i++) {
		json_object *e = json_object_array_get_idx(t, i), *met = jget(e, "met");

		fprintf(f, "| %s |", json_object_get_string(jget(e, "what")));
		cell(f, e, "value", "%.3g");
		fprintf(f, " %s %s | %s |\n", json_object_get_string(jget(e, "target")),
			json_object_get_string(jget(e, "limit")),
			met ? (json_object_get_boolean(met) ? "yes" : "**no**") : "missing");
	}
	fputc('\n', f);
}

static void md_interp_row(FILE *f, json_object *e)
{
	cell(f, e, "insns_per_packet", "%.0f");
	cell(f, e, "vm_ns_per_insn", "%.3f");
	cell(f, e, "kernel_ns_per_insn", "%.3f");
	cell(f, e, "vm_over_kernel", "**%.2fx**");
	cell(f, e, "vliw_over_kernel", "%.2fx");
	cell(f, e, "sim_over_kernel", "%.2fx");
	fputc('\n', f);
}

static void md_interp(struct rep *r, FILE *f)
{
	json_object *all = jget(r->res, "interpreter");

	fprintf(f, "## 1. Interpreter speed (issue 3)\n\n"
		"`tests/bench/bench_alu.c` (straight-line ALU, ~1,700 instructions) and "
		"`tests/bench/bench_parse.c` (a loop over the packet in 8-byte records) over the "
		"`sizes` traffic (64..1514-byte frames). ns per instruction = ns per packet / eBPF "
		"instructions the vm executed per packet; the kernel JIT runs the same "
		"instructions.\n\n"
		"| program | insns/packet | vm ns/insn | kernel JIT ns/insn | **vm / kernel** | "
		"vliw / kernel | sim / kernel |\n|---|---|---|---|---|---|---|\n");
	json_object_object_foreach(all, name, e) {
		json_object *x = jget(e, "per_run_method");

		fprintf(f, "| %s |", name);
		md_interp_row(f, e);
		if (x) {
			fprintf(f, "| %s, per-run method |", name);
			md_interp_row(f, x);
		}
	}
	fprintf(f, "\nThe first row of each program is BPF_PROG_TEST_RUN with repeat (12 "
		"packets, two of each size); the per-run row times every run alone over all "
		"200 packets with the cost of an empty measurement subtracted on each side, "
		"the method used for the corpus below: the two should agree.\n\n");
}

static void md_compile(struct rep *r, FILE *f)
{
	struct names pass = { 0 };

	fprintf(f, "## 2. Compiler (issue 5)\n\n"
		"Rows of `hxdp compile -O2` per lane count; static IPC = instructions after "
		"optimization / rows; bound = the compiler's lower bound on rows at 4 lanes: "
		"the sum over its scheduling regions (superblocks) of max(longest dependence "
		"chain, instructions / lanes), so no schedule of those regions can beat it "
		"(results.json also has `chain`, the longest chain of one region). Paper rows (4 lanes) for programs of the same kind: "
		"firewall 27 (beside both xdp_fw_simple, the paper's firewall at its size, and the "
		"corpus's fuller xdp_firewall), xdp1 36, router 50, tunnel 100 (issue 5), Katran "
		"105 (figure 8).\n\n"
		"| program | eBPF insns | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | IPC@4 | bound@4 | "
		"rows/bound | paper rows | ours/paper | paper IPC |\n"
		"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < r->progs.n; i++) {
		json_object *c = jget(prog_obj(r, r->progs.v[i]), "compile"), *p;
		char k[32];

		fprintf(f, "| %s |", r->progs.v[i]);
		cell(f, prog_obj(r, r->progs.v[i]), "ebpf_insns", "%.0f");
		for (int l = 1; l <= MAX_LANES; l++) {
			snprintf(k, sizeof(k), "lanes.%d.rows", l);
			cell(f, c, k, "%.0f");
		}
		cell(f, c, "lanes.4.static_ipc", "%.2f");
		cell(f, c, "lanes.4.bound", "%.0f");
		cell(f, c, "lanes.4.rows_over_bound", "%.2f");
		cell(f, c, "paper_rows_4_lanes", "%.0f");
		cell(f, c, "rows_over_paper", "%.2f");
		cell(f, c, "paper_static_ipc", "%.2f");
		fputc('\n', f);
		if ((p = jget(c, "passes"))) {
			json_object_object_foreach(p, pn, pv) {
				(void)pv;
				names_add(&pass, pn, strlen(pn));
			}
		}
	}
	if (pass.n) {
		fprintf(f, "\nInstructions after each pass (4 lanes):\n\n| program |");
		for (int k = 0; k < pass.n; k++)
			fprintf(f, " %s |", pass.v[k]);
		fprintf(f, "\n|---|");
		for (int k = 0; k < pass.n; k++)
			fprintf(f, "---|");
		fputc('\n', f);
		for (int i = 0; i < r->progs.n; i++) {
			json_object *p = jget(prog_obj(r, r->progs.v[i]), "compile.passes");

			fprintf(f, "| %s |", r->progs.v[i]);
			for (int k = 0; k < pass.n; k++) {
				json_object *v = p ? jget(p, pass.v[k]) : NULL;

				fprintf(f, " %s |", v ? json_object_get_string(v) : "-");
			}
			fputc('\n', f);
		}
	}
	names_free(&pass);
	fputc('\n', f);
}

static void md_sizes(struct rep *r, FILE *f, const char *what, const char *field,
		     const char *fmt, int paper_col)
{
	char k[64];

	fprintf(f, "%s\n\n| program |", what);
	for (int s = 0; s < r->sizes.n; s++)
		fprintf(f, " %s B |", r->sizes.v[s]);
	fprintf(f, "%s\n|---|", paper_col ? " paper (64 B) |" : "");
	for (int s = 0; s < r->sizes.n + paper_col; s++)
		fprintf(f, "---|");
	fputc('\n', f);
	for (int i = 0; i < r->progs.n; i++) {
		json_object *p = prog_obj(r, r->progs.v[i]);

		fprintf(f, "| %s |", r->progs.v[i]);
		for (int s = 0; s < r->sizes.n; s++) {
			snprintf(k, sizeof(k), "sizes.%s.%s", r->sizes.v[s], field);
			cell(f, p, k, fmt);
		}
		if (paper_col)
			cell(f, p, "paper_mpps_64", "%.3g");
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void md_sim(struct rep *r, FILE *f)
{
	char k[64];

	fprintf(f, "## 3. Simulated NIC (issue 6)\n\n"
		"sim engine, 4 lanes, frames of one size offered back to back (`sizes` traffic "
		"split by length). Mpps is the saturated stream's; cycles per packet and "
		"latency are means over the packets. Latency is a packet's alone on an idle NIC "
		"(docs/timing.md section 3): from its first frame entering the input queue to "
		"its last frame emitted, or to the program's end for a drop; the hXDP core "
		"only, without the MACs, 10 GbE serialization and generator that the paper's "
		"round trip includes.\n\n");
	md_sizes(r, f, "Throughput, Mpps:", "mpps", "%.3g", 1);
	md_sizes(r, f, "Latency, ns:", "latency_ns", "%.0f", 0);
	md_sizes(r, f, "Cycles per packet:", "cycles_per_packet", "%.1f", 0);
	fprintf(f, "Stateful firewall latency beside the paper's figure 11 (a round trip at "
		"the traffic generator, dominated by what our figure leaves out: at 10 Gb/s a "
		"1514-byte frame alone takes 1.2 us to serialize):\n\n| frame |");
	for (size_t w = 0; w < NFW; w++)
		fprintf(f, " %s, ns |", firewalls[w]);
	fprintf(f, " paper, ns |\n|---|");
	for (size_t w = 0; w <= NFW; w++)
		fprintf(f, "---|");
	fputc('\n', f);
	for (size_t i = 0; i < sizeof(paper_lat) / sizeof(paper_lat[0]); i++) {
		fprintf(f, "| %d B |", paper_lat[i].size);
		snprintf(k, sizeof(k), "sizes.%d.latency_ns", paper_lat[i].size);
		for (size_t w = 0; w < NFW; w++)
			cell(f, prog_obj(r, firewalls[w]), k, "%.0f");
		fprintf(f, " %.0f |\n", paper_lat[i].us * 1000);
	}
	fputc('\n', f);
}

static void md_class_row(FILE *f, const char *label, json_object *e)
{
	fprintf(f, "| %s |", label);
	cell(f, e, "kernel_ns_per_packet", "%.1f");
	cell(f, e, "vm_ns_per_packet", "%.1f");
	cell(f, e, "vliw_ns_per_packet", "%.1f");
	cell(f, e, "sim_ns_per_packet", "%.1f");
	cell(f, e, "vm_over_kernel", "%.2fx");
	cell(f, e, "vliw_over_kernel", "%.2fx");
	cell(f, e, "sim_over_kernel", "%.2fx");
	cell(f, e, "insns_per_packet", "%.1f");
	cell(f, e, "rows_per_packet", "%.1f");
	cell(f, e, "cycles_per_packet", "%.1f");
	cell(f, e, "mpps", "%.3g");
	cell(f, e, "latency_ns", "%.0f");
	cell(f, e, "kernel_empty_ns", "%.1f");
	fputc('\n', f);
}

static const char class_hdr[] =
	"| %s | kernel JIT ns/pkt | vm ns/pkt | vliw ns/pkt | sim ns/pkt | vm/k | vliw/k | "
	"sim/k | insns/pkt | rows/pkt | cycles/pkt | Mpps | latency ns | kernel empty ns |\n"
	"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

static void md_tool(struct rep *r, FILE *f)
{
	static const char *const detail[] = { "xdp_fw_simple", "xdp_firewall", PARSER };
	char k[160];

	fprintf(f, "## 4. Per program and traffic class: host speed and simulated figures\n\n"
		"Host ns per packet of the kernel JIT and of hxdp's engines (how fast the tool "
		"is), ratios to the kernel, eBPF instructions (vm) and rows (vliw) executed per "
		"packet, simulated cycles, Mpps and latency, on the `%s` traffic class; every "
		"class of every program is in results.json. vm is the interpreter; vliw and sim "
		"run the image translated to host code (src/xlate.c: C compiled by cc, loaded "
		"once per image; the sim's code also records every row's timing), the way they "
		"run by default. kernel empty ns: the kernel's empty test run, subtracted from "
		"its figure; it rises with the machine's load, so it tells a disturbed run "
		"(every figure slower, ours more than the kernel's) from a quiet one.\n\n",
		TOOL_CLASS);
	fprintf(f, class_hdr, "program");
	for (int i = 0; i < r->progs.n; i++) {
		snprintf(k, sizeof(k), "programs.%s.classes.%s", r->progs.v[i], TOOL_CLASS);
		md_class_row(f, r->progs.v[i], jget(r->res, k));
	}
	for (size_t d = 0; d < sizeof(detail) / sizeof(detail[0]); d++) {
		json_object *cl = jget(prog_obj(r, detail[d]), "classes");

		if (!cl)
			continue;
		fprintf(f, "\n%s, every class:\n\n", detail[d]);
		fprintf(f, class_hdr, "class");
		json_object_object_foreach(cl, cn, ce)
			md_class_row(f, cn, ce);
		if ((cl = jget(prog_obj(r, detail[d]), "batch_method_" TOOL_CLASS)))
			md_class_row(f, TOOL_CLASS " (batch method, 24 packets)", cl);
	}
	fputc('\n', f);
}

static void md_compile_time(struct rep *r, FILE *f)
{
	json_object *c = jget(r->res, "compile_time");

	fprintf(f, "## 5. Compile time\n\n`tests/bench/bench_big.c`, a long unrolled "
		"parser/counter chain, compiled for 4 lanes at -O2. The process wall time "
		"(min of 5) includes opening the object; the compiler's own time is shown when "
		"`hxdp compile -j` reports it.\n\n"
		"| eBPF insns | rows | compiler ms | process wall ms (min) | median |\n"
		"|---|---|---|---|---|\n|");
	cell(f, c, "ebpf_insns", "%.0f");
	cell(f, c, "rows_4_lanes", "%.0f");
	cell(f, c, "compiler_ms", "%.2f");
	cell(f, c, "process_wall_ms_min", "%.2f");
	cell(f, c, "process_wall_ms_median", "%.2f");
	fprintf(f, "\n\n");
}

static void md_plots_missing(struct rep *r, FILE *f)
{
	json_object *m = jget(r->res, "missing");
	size_t n = m ? json_object_array_length(m) : 0;

	fprintf(f, "## Plots\n\n![throughput vs packet size](throughput.png)\n\n"
		"![rows vs lanes](rows_lanes.png)\n\n"
		"(A plot is absent when none of its figures could be measured.)\n\n"
		"## Missing\n\n");
	if (!n) {
		fprintf(f, "Nothing: every figure was measured.\n");
		return;
	}
	fprintf(f, "| id | reason | parts | e.g. |\n|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(m, i);

		fprintf(f, "| %s | %s | %d | %s |\n", json_object_get_string(jget(e, "id")),
			json_object_get_string(jget(e, "reason")),
			json_object_get_int(jget(e, "parts")),
			json_object_get_string(jget(e, "example")));
	}
}

static int readme(struct rep *r)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/README.md", r->out);
	f = fopen(path, "w");
	if (!f) {
		snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	md_intro(r, f);
	md_targets(r, f);
	md_interp(r, f);
	md_compile(r, f);
	md_sim(r, f);
	md_tool(r, f);
	md_compile_time(r, f);
	md_plots_missing(r, f);
	return fclose(f) ? -errno : 0;
}

/* ---- driver ------------------------------------------------------------------------- */

/* indented like json-c's pretty printer, but an object or array holding only scalars
 * stays on one line: results.json is committed, and one class is one line of diff */
static int flat(json_object *o)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			json_object *v = json_object_array_get_idx(o, i);

			if (json_object_is_type(v, json_type_object) ||
			    json_object_is_type(v, json_type_array))
				return 0;
		}
		return 1;
	}
	json_object_object_foreach(o, k, v) {
		(void)k;
		if (json_object_is_type(v, json_type_object) ||
		    (json_object_is_type(v, json_type_array) && !flat(v)))
			return 0;
	}
	return 1;
}

static void print_json(FILE *f, json_object *o, int depth)
{
	int first = 1;

	if (!(json_object_is_type(o, json_type_object) ||
	      json_object_is_type(o, json_type_array)) || flat(o)) {
		fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE), f);
		return;
	}
	if (json_object_is_type(o, json_type_array)) {
		fputs("[", f);
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			fprintf(f, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
			print_json(f, json_object_array_get_idx(o, i), depth + 1);
		}
		fprintf(f, "\n%*s]", 2 * depth, "");
		return;
	}
	fputs("{", f);
	json_object_object_foreach(o, k, v) {
		fprintf(f, "%s\n%*s\"%s\": ", first ? "" : ",", 2 * (depth + 1), "", k);
		print_json(f, v, depth + 1);
		first = 0;
	}
	fprintf(f, "\n%*s}", 2 * depth, "");
}

static int write_json(struct rep *r)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.json", r->out);
	f = fopen(path, "w");
	if (!f) {
		snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	print_json(f, r->res, 0);
	fputc('\n', f);
	if (fclose(f)) {
		snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int bench__report(const char *parts, const char *out, char *err, size_t errlen)
{
	struct rep r = { .parts = parts, .out = out, .err = err, .errlen = errlen };
	json_object *meta;
	int e;

	r.db = json_object_new_object();
	r.res = json_object_new_object();
	r.missing = json_object_new_array();
	r.targets = json_object_new_array();
	e = load_parts(&r);
	if (!e) {
		json_object_object_add(r.res, "about", json_object_new_string(
			"make bench (scripts/bench.sh, hxdp bench); bench/README.md explains every "
			"figure. Ratios are measured side by side in one run; absolute times depend "
			"on this machine."));
		meta = part(&r, "meta");
		if (meta)
			json_object_object_add(r.res, "meta", json_object_get(meta));
		interp(&r);
		programs(&r);
		compile_time(&r);
		targets(&r);
		json_object_object_add(r.res, "missing", json_object_get(r.missing));
		e = write_json(&r);
	}
	if (!e)
		e = plots(&r);
	if (!e)
		e = readme(&r);
	json_object_put(r.db);
	json_object_put(r.res);
	json_object_put(r.missing);
	json_object_put(r.targets);
	names_free(&r.progs);
	names_free(&r.classes);
	names_free(&r.sizes);
	return e;
}
