/* cmd_compile.c: hxdp compile PROG.o: the VLIW image of every program in the object,
 * with per-pass instruction counts and rows */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "cc.h"
#include "cli.h"
#include "image.h"
#include "obj.h"

struct copts {
	const char *path, *prog, *out;
	struct cc_opts o;
	int quiet;
};

struct pstat {
	struct cc_report r;
	uint32_t insns;		/* eBPF */
	double ms;
};

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int parse(int argc, char **argv, struct copts *co)
{
	co->o = (struct cc_opts){ .lanes = 4, .opt = 2, .xdelay = 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (!strcmp(a, "--prog") && i + 1 < argc) {
			co->prog = argv[++i];
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			co->out = argv[++i];
		} else if ((!strcmp(a, "--lanes") || !strcmp(a, "--xdelay")) && i + 1 < argc) {
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 0 || v > CC_MAX_LANES)
				return cli_error("compile: %s '%s': not a number in range", a, argv[i]);
			if (!strcmp(a, "--lanes"))
				co->o.lanes = (int)v;
			else
				co->o.xdelay = (int)v;
		} else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '2' && !a[3]) {
			co->o.opt = a[2] - '0';
		} else if (!strcmp(a, "-q")) {
			co->quiet = 1;
		} else if (a[0] == '-') {
			return cli_error("compile: unknown option '%s'", a);
		} else if (co->path) {
			return cli_error("compile: more than one object ('%s', '%s')", co->path, a);
		} else {
			co->path = a;
		}
	}
	if (!co->path)
		return cli_error("compile: no object given (hxdp compile PROG.o)");
	if (co->o.lanes < 1 || co->o.lanes > CC_MAX_LANES || co->o.xdelay > 1)
		return cli_error("compile: --lanes must be 1..%d and --xdelay 0 or 1",
				 CC_MAX_LANES);
	return 0;
}

static json_object *prog_json(const struct hxdp_prog *p, const struct pstat *ps)
{
	json_object *j = json_object_new_object(), *passes = json_object_new_array();

	json_object_object_add(j, "name", json_object_new_string(p->name));
	json_object_object_add(j, "insns", json_object_new_int(ps->insns));
	for (int k = 0; k < ps->r.nstat; k++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "pass", json_object_new_string(ps->r.stat[k].pass));
		json_object_object_add(e, "insns", json_object_new_int(ps->r.stat[k].insns));
		json_object_array_add(passes, e);
	}
	json_object_object_add(j, "passes", passes);
	json_object_object_add(j, "rows", json_object_new_int(ps->r.rows));
	json_object_object_add(j, "scheduled", json_object_new_int(ps->r.insns));
	json_object_object_add(j, "ipc", json_object_new_double(ps->r.rows ?
		(double)ps->r.insns / ps->r.rows : 0));
	json_object_object_add(j, "bound", json_object_new_int(ps->r.bound));
	json_object_object_add(j, "chain", json_object_new_int(ps->r.chain));
	json_object_object_add(j, "compile_ms", json_object_new_double(ps->ms));
	return j;
}

static void prog_text(const struct hxdp_prog *p, const struct pstat *ps, const struct copts *co)
{
	printf("%s: %u eBPF instructions ->", p->name, ps->insns);
	for (int k = 1; k < ps->r.nstat; k++)
		printf(" %s %u%s", ps->r.stat[k].pass, ps->r.stat[k].insns,
		       k + 1 < ps->r.nstat ? "," : "");
	printf("; %u rows of %d lanes (-O%d, delay %d; bound %u), %.2f ms\n", ps->r.rows,
	       co->o.lanes, co->o.opt, co->o.xdelay, ps->r.bound, ps->ms);
}

static int compile_all(struct hxdp_obj *obj, const struct copts *co, struct image *img,
		       struct pstat *ps)
{
	char err[256];
	int e = image__set_maps(img, obj, err, sizeof(err));

	for (uint32_t i = 0; !e && i < obj->nprogs; i++) {
		double t0 = now_ms();

		e = cc__compile(obj, i, &co->o, img, &ps[i].r, err, sizeof(err));
		ps[i].ms = now_ms() - t0;
		ps[i].insns = obj->progs[i].ninsns;
	}
	if (!e && (e = image__validate(img, err, sizeof(err))))
		fprintf(stderr, "hxdp: internal error: invalid image: %s\n", err);
	else if (e)
		return cli_error("%s: %s", co->path, err);
	return e ? EXIT_INTERNAL : 0;
}

static int run(struct cli *c, const struct copts *co)
{
	struct hxdp_obj *obj;
	struct image *img;
	struct pstat *ps;
	char err[256];
	int sel = 0, rc;

	if (obj__open(co->path, &obj, err, sizeof(err)))
		return cli_error("%s", err);
	if (co->prog && (sel = obj__prog_idx(obj, co->prog)) < 0) {
		obj__close(obj);
		return cli_error("%s: no program '%s'", co->path, co->prog);
	}
	img = image__new(co->o.lanes, co->o.xdelay, co->o.opt);
	ps = calloc(obj->nprogs, sizeof(*ps));
	rc = img && ps ? compile_all(obj, co, img, ps) : EXIT_INTERNAL;
	if (!rc && co->out && image__write(img, co->out, err, sizeof(err)))
		rc = cli_error("%s", err);
	if (!rc && c->json) {
		json_object *j = json_object_new_object(), *all = json_object_new_array();

		json_object_object_add(j, "file", json_object_new_string(co->path));
		json_object_object_add(j, "prog", json_object_new_string(obj->progs[sel].name));
		json_object_object_add(j, "lanes", json_object_new_int(co->o.lanes));
		json_object_object_add(j, "opt", json_object_new_int(co->o.opt));
		json_object_object_add(j, "xdelay", json_object_new_int(co->o.xdelay));
		json_object_object_add(j, "insns", json_object_new_int(ps[sel].insns));
		json_object_object_add(j, "rows", json_object_new_int(ps[sel].r.rows));
		for (uint32_t i = 0; i < obj->nprogs; i++)
			json_object_array_add(all, prog_json(&obj->progs[i], &ps[i]));
		json_object_object_add(j, "programs", all);
		json_object_object_add(j, "image", co->out ? json_object_new_string(co->out) :
				       NULL);
		printf("%s\n", json_object_to_json_string_ext(j, c->pretty ?
				JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	} else if (!rc && !co->quiet) {
		for (uint32_t i = 0; i < obj->nprogs; i++)
			if (!co->prog || (int)i == sel)
				prog_text(&obj->progs[i], &ps[i], co);
		if (co->out)
			printf("image: %s (%u rows)\n", co->out, img->nrows);
	}
	free(ps);
	image__free(img);
	obj__close(obj);
	return rc;
}

static int do_compile(struct cli *c, int argc, char **argv)
{
	struct copts co = { 0 };
	int e = parse(argc, argv, &co);

	return e ? e : run(c, &co);
}

const struct cli_cmd cmd_compile = {
	.name = "compile",
	.fn = do_compile,
	.usage =
	"compile PROG.o [--prog NAME] [--lanes N] [-O0|-O1|-O2] [--xdelay 0|1] [-o IMAGE] [-j]\n"
	"\n"
	"Compile every XDP program of PROG.o into one VLIW image for the hXDP soft CPU\n"
	"(docs/isa-ext.md): N lanes (1..8, default 4), optimization level (default -O2),\n"
	"cross-lane result delay in rows (default 1: a result feeds the next row only on its\n"
	"own lane). Prints each program's instruction count after every pass and its rows;\n"
	"--prog NAME reports that program only (the image still holds every program, for\n"
	"tail calls). -o writes the image ('hxdp disasm IMAGE', 'hxdp run IMAGE'). -j: one\n"
	"JSON document; its top-level 'rows' is the rows of the selected program.\n",
};
