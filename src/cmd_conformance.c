/* cmd_conformance.c: hxdp conformance DIR|FILE... : the RFC 9669 conformance suite's
 * .data files through an engine (docs/isa.md, "Conformance") */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "asm.h"
#include "cli.h"
#include "engine.h"
#include "env.h"
#include "obj.h"

struct conf {
	struct cli *c;
	const struct engine_ops *eng;
	int verbose;
	unsigned passed, failed;
	json_object *results;
	struct hxdp_run *run;
};

struct outcome {
	int pass;
	char got[64], reason[384];
};

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void report(struct conf *k, const char *file, const struct asm_prog *p,
		   const struct outcome *o)
{
	char want[64] = "";

	if (p && p->has_error)
		snprintf(want, sizeof(want), "error");
	else if (p && p->has_result)
		snprintf(want, sizeof(want), "0x%llx", (unsigned long long)p->result);
	if (o->pass)
		k->passed++;
	else
		k->failed++;
	if (k->results) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "file", json_object_new_string(file));
		json_object_object_add(j, "pass", json_object_new_boolean(o->pass));
		json_object_object_add(j, "expected", json_object_new_string(want));
		json_object_object_add(j, "got", json_object_new_string(o->got));
		if (o->reason[0])
			json_object_object_add(j, "reason", json_object_new_string(o->reason));
		json_object_array_add(k->results, j);
	} else if (!o->pass && o->got[0]) {
		printf("FAIL %s: expected %s, got %s%s%s\n", file, want, o->got,
		       o->reason[0] ? ": " : "", o->reason);
	} else if (!o->pass) {
		printf("FAIL %s: %s\n", file, o->reason);
	} else if (k->verbose) {
		printf("ok %s\n", file);
	}
}

/* the assembler must agree with the suite's own encoding where it gives one */
static int check_raw(const struct asm_prog *p, struct outcome *o)
{
	if (!p->has_asm || !p->has_raw)
		return 0;
	for (uint32_t i = 0; i < p->n || i < p->nraw; i++)
		if (i >= p->n || i >= p->nraw || memcmp(&p->insns[i], &p->raw[i], 8)) {
			snprintf(o->reason, sizeof(o->reason),
				 "assembler output differs from -- raw at instruction %u", i);
			return -1;
		}
	return 0;
}

static void judge(const struct asm_prog *p, const struct hxdp_result *res,
		  struct outcome *o)
{
	if (p->has_error) {
		o->pass = res->fault != 0;
		if (!o->pass)
			snprintf(o->got, sizeof(o->got), "0x%llx", (unsigned long long)res->r0);
		return;
	}
	if (res->fault) {
		snprintf(o->got, sizeof(o->got), "fault");
		snprintf(o->reason, sizeof(o->reason), "%s", res->err);
		return;
	}
	o->pass = !p->has_result || res->r0 == p->result;
	snprintf(o->got, sizeof(o->got), "0x%llx", (unsigned long long)res->r0);
}

static void run_prog(struct conf *k, const char *name, const struct asm_prog *p,
		     struct outcome *o)
{
	struct hxdp_prog prog = { .insns = p->has_asm ? p->insns : p->raw };
	struct hxdp_obj obj = { .progs = &prog, .nprogs = 1 };
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	struct hxdp_result res;
	uint8_t *mem = NULL;
	char err[256] = "";
	void *st = NULL;
	uint64_t r1;

	prog.ninsns = prog.nsub = p->has_asm ? p->n : p->nraw;
	snprintf(prog.name, sizeof(prog.name), "%s", name);
	env__init(&obj.env);
	obj.env.conformance = 1;
	obj.env.nprogs = 1;
	if (k->eng->open(&obj, &eo, &st, err, sizeof(err))) {
		o->pass = p->has_error;
		snprintf(o->reason, sizeof(o->reason), "rejected: %s", err);
		return;
	}
	if (p->memlen && !(mem = malloc(p->memlen))) {
		snprintf(o->reason, sizeof(o->reason), "out of memory");
		k->eng->close(st);
		return;
	}
	if (mem)
		memcpy(mem, p->mem, p->memlen);	/* the program may write its memory */
	run__init(k->run, &obj.env);
	r1 = run__raw(k->run, mem, p->memlen, &res);
	k->eng->run(st, 0, k->run, r1);
	judge(p, &res, o);
	free(mem);
	k->eng->close(st);
}

static void one_file(struct conf *k, const char *path)
{
	struct asm_prog p;
	struct outcome o = { 0 };
	char err[256];

	if (asm__parse_file(path, &p, err, sizeof(err))) {
		snprintf(o.reason, sizeof(o.reason), "%s", err);
		report(k, path, NULL, &o);
		return;
	}
	if (!p.has_asm && !p.has_raw)
		snprintf(o.reason, sizeof(o.reason), "no -- asm or -- raw section");
	else if (!p.has_result && !p.has_error)
		snprintf(o.reason, sizeof(o.reason), "no -- result or -- error section");
	else if (!check_raw(&p, &o))
		run_prog(k, base(path), &p, &o);
	report(k, path, &p, &o);
	asm__free(&p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int one_dir(struct conf *k, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d)
		return cli_error("%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char **nn;

		if (l < 6 || strcmp(e->d_name + l - 5, ".data"))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (nn)
			names = nn;
		if (!nn || !(nn[n] = malloc(strlen(dir) + l + 2))) {
			closedir(d);
			return cli_error("out of memory");
		}
		sprintf(nn[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		one_file(k, names[i]);
		free(names[i]);
	}
	free(names);
	if (!n)
		return cli_error("%s: no .data files", dir);
	return 0;
}

static int parse_args(struct conf *k, int argc, char **argv, const char **engine)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--engine") || !strcmp(argv[i], "-e")) {
			if (++i == argc)
				return cli_error("--engine needs a name");
			*engine = argv[i];
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			k->verbose = 1;
		} else if (argv[i][0] == '-') {
			return cli_error("conformance: unknown option '%s'", argv[i]);
		} else {
			argv[++n] = argv[i];
		}
	}
	return n;
}

static int finish(struct conf *k)
{
	if (k->results) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "passed", json_object_new_int(k->passed));
		json_object_object_add(j, "failed", json_object_new_int(k->failed));
		json_object_object_add(j, "results", k->results);
		printf("%s\n", json_object_to_json_string_ext(j, k->c->pretty ?
			JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	} else {
		printf("%u passed, %u failed\n", k->passed, k->failed);
	}
	return k->failed ? EXIT_FAIL : EXIT_OK;
}

static int do_conformance(struct cli *c, int argc, char **argv)
{
	struct conf k = { .c = c };
	const char *engine = "vm";
	int n = parse_args(&k, argc, argv, &engine), e = 0;
	struct stat sb;

	if (n < 0 || n > argc)
		return EXIT_USAGE;
	if (!n)
		return cli_usage(&cmd_conformance);
	if (!(k.eng = engine__find(engine)))
		return cli_error("unknown engine '%s'", engine);
	if (!(k.run = malloc(sizeof(*k.run))))
		return cli_error("out of memory");
	if (c->json)
		k.results = json_object_new_array();
	for (int i = 1; i <= n && !e; i++) {
		if (stat(argv[i], &sb))
			e = cli_error("%s: %s", argv[i], strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			e = one_dir(&k, argv[i]);
		else
			one_file(&k, argv[i]);
	}
	free(k.run);
	if (e) {
		json_object_put(k.results);
		return e;
	}
	return finish(&k);
}

const struct cli_cmd cmd_conformance = {
	.name = "conformance",
	.fn = do_conformance,
	.usage =
	"conformance DIR|FILE... [--engine vm] [-v] [-j]\n"
	"\n"
	"Run the eBPF conformance suite's .data files (RFC 9669; format in the suite's\n"
	"README): each program is assembled (and checked against its -- raw words), run\n"
	"on the engine with r1 = its -- mem bytes and r2 = their length (0, 0 without),\n"
	"and r0 compared with -- result; -- error tests pass when the program is\n"
	"rejected or faults. Helper 5 is the suite's unwind hook (docs/isa.md).\n"
	"Prints one line per failure (-v: per test) and 'N passed, N failed'.\n"
	"Exit 1 if any test failed.\n",
};
