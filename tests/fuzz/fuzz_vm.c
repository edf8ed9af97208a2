/* fuzz_vm.c: random bytecode through the verifier, the vm, and the compiler + vliw
 * engine when it is linked in.
 *
 * Input: [flags][len lo][len hi][packet: len bytes][instructions...]. flags picks the
 * vliw lane count (bits 0-1: 1, 2, 4, 8) and -O level (bits 2-3). The vliw engine runs
 * its interpreter (--interp): translating each input to C and compiling it would cost
 * far more than the run.
 * Oracles (abort, so libFuzzer keeps the input):
 *  - a program the verifier accepts never faults on memory in the vm (soundness);
 *  - a program the verifier accepts gives the same action, packet and maps on the vm
 *    and on the vliw engine (unverified programs may read uninitialized registers or
 *    fault at different points after optimization: no oracle for them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "env.h"
#include "fuzz.h"
#include "kern.h"
#include "obj.h"
#include "rprog.h"
#include "verify.h"
#include "xdp.h"

#define BUDGET 4096
#define VERIFY_LIMIT 20000

struct side {
	struct hxdp_obj *obj;
	const struct engine_ops *eng;
	void *st;
	struct hxdp_run run;
	struct hxdp_xdp x;
	struct hxdp_result res;
};

static int side_run(struct side *s, const struct engine_opts *eo, const uint8_t *pkt,
		    uint32_t len)
{
	char err[256];
	uint64_t r1;

	if (s->eng->open(s->obj, eo, &s->st, err, sizeof(err))) {
		s->st = NULL;
		return -1;
	}
	s->obj->env.budget = BUDGET;
	run__init(&s->run, &s->obj->env);
	xdp__init(&s->x, pkt, len);
	r1 = run__packet(&s->run, &s->x, &s->res);
	s->eng->run(s->st, 0, &s->run, r1);
	return 0;
}

static void side_close(struct side *s)
{
	if (s->st)
		s->eng->close(s->st);
	obj__close(s->obj);
}

static void compare(struct side *a, struct side *b)
{
	struct map_dump da, db;
	char why[96];

	if (a->res.fault)
		return;
	if (a->res.r0 != b->res.r0 || xdp__out_len(&a->x) != xdp__out_len(&b->x) ||
	    memcmp(xdp__out(&a->x), xdp__out(&b->x), xdp__out_len(&a->x))) {
		fprintf(stderr, "vm and %s differ: r0 %llu vs %llu (%s)\n", b->eng->name,
			(unsigned long long)a->res.r0, (unsigned long long)b->res.r0, b->res.err);
		abort();
	}
	for (uint32_t m = 0; m < a->obj->env.nmaps; m++) {
		if (rprog__dump(a->obj, m, &da) || rprog__dump(b->obj, m, &db))
			abort();
		if (rprog__dump_cmp(&da, &db, why, sizeof(why))) {
			fprintf(stderr, "vm and %s differ in map %u: %s\n", b->eng->name, m, why);
			abort();
		}
		dump__free(&da);
		dump__free(&db);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int lanes[4] = { 1, 2, 4, 8 };
	struct side *a, *b;
	struct engine_opts eo;
	uint32_t len, n;
	char err[256];
	int ok;

	if (size < 3 + 14)
		return 0;
	len = data[1] | (uint32_t)data[2] << 8;
	len = len < 14 ? 14 : len > RPROG_MAX_PKT ? RPROG_MAX_PKT : len;
	if (len > size - 3)
		len = (uint32_t)(size - 3);
	n = (uint32_t)((size - 3 - len) / sizeof(struct bpf_insn));
	if (len < 14 || !n || n > RPROG_MAX_INSNS)
		return 0;
	eo = (struct engine_opts){ .lanes = lanes[data[0] & 3], .opt = (data[0] >> 2) & 3,
				  .interp = 1 };
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (!a || !b || rprog__obj((const struct bpf_insn *)(data + 3 + len), n, &a->obj, err,
				   sizeof(err))) {
		free(a);
		free(b);
		return 0;
	}
	ok = !verify__prog_opts(a->obj, &a->obj->progs[0],
				&(struct verify_opts){ .max_processed = VERIFY_LIMIT }, NULL,
				err, sizeof(err));
	a->eng = engine__find("vm");
	if (!side_run(a, &eo, data + 3, len)) {
		if (ok && a->res.fault && a->res.fault != -ELOOP) {
			fprintf(stderr, "verifier accepted a program that faulted: %s\n",
				a->res.err);
			abort();
		}
		b->eng = ok ? engine__find("vliw") : NULL;
		if (b->eng && !rprog__obj((const struct bpf_insn *)(data + 3 + len), n, &b->obj,
					  err, sizeof(err)) &&
		    !side_run(b, &eo, data + 3, len))
			compare(a, b);
	}
	side_close(a);
	if (b->eng && b->obj)
		side_close(b);
	free(a);
	free(b);
	return 0;
}
