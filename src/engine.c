/* engine.c: the engine registry, and the options every engine-running command takes */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "engine.h"
#include "fib.h"

extern const struct engine_ops vliw_engine __attribute__((weak));
extern const struct engine_ops sim_engine __attribute__((weak));

const struct engine_ops *engine__find(const char *name)
{
	const struct engine_ops *all[] = { &vm_engine, &vliw_engine, &sim_engine };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] && !strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

static int number(const char *arg, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int engine__opt(struct engine_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'L':
		if (number(arg, 1, 8, &o->lanes))
			return cli_error("--lanes %s: expected 1..8", arg), -EINVAL;
		return 1;
	case 'O':
		if (number(arg, 0, 2, &o->opt))
			return cli_error("-O%s: expected -O0, -O1 or -O2", arg), -EINVAL;
		return 1;
	case 'T':
		if (o->trace && o->trace != stdout)
			fclose(o->trace);
		o->trace = strcmp(arg, "-") ? fopen(arg, "w") : stdout;
		if (!o->trace)
			return cli_error("--trace %s: %s", arg, strerror(errno)), -EINVAL;
		return 1;
	case 'F':
		o->fib = arg;
		return 1;
	case 'I':
		o->interp = 1;
		return 1;
	}
	return 0;
}

int engine__env(const struct engine_opts *o, struct hxdp_obj *obj, char *err, size_t errlen)
{
	if (!o->fib)
		return 0;
	fib__free(obj->env.fib);
	obj->env.fib = NULL;
	return fib__load(o->fib, &obj->env.fib, err, errlen);
}

void engine__opts_free(struct engine_opts *o)
{
	if (o->trace && o->trace != stdout)
		fclose(o->trace);
	o->trace = NULL;
}
