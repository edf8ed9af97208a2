/* engine.h: the engines (vm, vliw, sim) behind one interface */
#ifndef HXDP_ENGINE_H
#define HXDP_ENGINE_H
#include <stdint.h>
#include <stddef.h>
#include "obj.h"

struct hxdp_engine;
struct json_object;

struct engine_opts {
	int lanes;	/* vliw/sim: VLIW lanes (default 4) */
	int opt;	/* compiler -O level (default 2) */
	FILE *trace;	/* sim: per-cycle trace */
	const char *fib;	/* bpf_fib_lookup's table (docs/helpers.md), NULL: none */
	int interp;	/* vliw/sim: the interpreter, not the translated image (xlate.h) */
};

#define ENGINE_OPTS_DEFAULT { .lanes = 4, .opt = 2 }

/* what every command that runs programs accepts, for getopt_long: */
#define ENGINE_SHORTOPTS "O:"
#define ENGINE_LONGOPTS                                                                  \
	{ "lanes", required_argument, NULL, 'L' }, { "trace", required_argument, NULL, 'T' }, \
	{ "fib", required_argument, NULL, 'F' }, { "interp", no_argument, NULL, 'I' }
#define ENGINE_USAGE "[--lanes N] [-O0|-O1|-O2] [--trace FILE] [--fib FILE] [--interp]"
/* option c with arg: 1 taken, 0 not an engine option, -EINVAL bad (message printed) */
int engine__opt(struct engine_opts *o, int c, const char *arg);
/* after the object is open: what the options give its environment (the FIB) */
int engine__env(const struct engine_opts *o, struct hxdp_obj *obj, char *err, size_t errlen);
void engine__opts_free(struct engine_opts *o);

struct engine_ops {
	const char *name;
	int (*open)(struct hxdp_obj *obj, const struct engine_opts *o, void **st,
		    char *err, size_t errlen);
	/* run program prog over one packet; the run state is set up by the caller */
	int (*run)(void *st, uint32_t prog, struct hxdp_run *run, uint64_t r1);
	void (*close)(void *st);
	/* optional: the engine's own figures for the packets run so far (sim: throughput,
	 * cycles, latency; docs/timing.md). j != NULL: add them to that JSON object (with
	 * host_ns, the caller's host ns per packet, when >= 0); else print text to f. */
	void (*report)(void *st, struct json_object *j, FILE *f, double host_ns);
};

const struct engine_ops *engine__find(const char *name);	/* NULL: unknown */

/* the engines register here (vm.c, vliw.c, sim.c) */
extern const struct engine_ops vm_engine __attribute__((weak));

#endif
