/* vm_t.h: running assembler text on the vm engine, for the vm unit tests */
#ifndef HXDP_VM_T_H
#define HXDP_VM_T_H
#include <stdlib.h>
#include "t.h"
#include "asm.h"
#include "engine.h"
#include "env.h"
#include "obj.h"

struct vmt {
	struct hxdp_obj obj;
	struct hxdp_prog prog[4];
	struct hxdp_run *run;
	struct hxdp_result res;
	void *st;
	char err[256];
};

/* an object of n programs given as bare instructions; env defaults, conformance off */
static inline int vmt_open_insns(struct vmt *t, const struct bpf_insn *const *in,
				 const uint32_t *n, uint32_t nprogs)
{
	struct engine_opts eo = { .lanes = 4, .opt = 2 };

	memset(t, 0, sizeof(*t));
	env__init(&t->obj.env);
	for (uint32_t i = 0; i < nprogs; i++) {
		t->prog[i].insns = (struct bpf_insn *)in[i];
		t->prog[i].ninsns = t->prog[i].nsub = n[i];
		t->prog[i].idx = i;
		snprintf(t->prog[i].name, sizeof(t->prog[i].name), "p%u", i);
	}
	t->obj.progs = t->prog;
	t->obj.nprogs = t->obj.env.nprogs = nprogs;
	t->run = calloc(1, sizeof(*t->run));
	return vm_engine.open(&t->obj, &eo, &t->st, t->err, sizeof(t->err));
}

/* decode again after the test changed t->obj (maps, programs) */
static inline int vmt_reopen(struct vmt *t)
{
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	int e;

	if (t->st)
		vm_engine.close(t->st);
	t->st = NULL;
	e = vm_engine.open(&t->obj, &eo, &t->st, t->err, sizeof(t->err));
	if (e)
		fprintf(stderr, "  open: %s\n", t->err);
	return e;
}

static inline void vmt_close(struct vmt *t)
{
	if (t->st)
		vm_engine.close(t->st);
	free(t->run);
	t->st = NULL;
	t->run = NULL;
}

/* assemble text; the caller frees the result */
static inline struct asm_prog vmt_asm(const char *text)
{
	struct asm_prog p;
	char err[256];

	if (asm__parse(text, &p, err, sizeof(err))) {
		fprintf(stderr, "  asm: %s\n", err);
		t_failed++;
	}
	return p;
}

/* run text once over raw memory (conformance style); returns r0, res in t->res */
static inline uint64_t vmt_raw_env(const char *text, uint8_t *mem, uint32_t len,
				   int conformance, struct hxdp_result *res)
{
	struct asm_prog p = vmt_asm(text);
	const struct bpf_insn *in = p.insns;
	struct vmt t;
	uint64_t r0 = ~0ull;

	if (vmt_open_insns(&t, &in, &p.n, 1)) {
		fprintf(stderr, "  open: %s\n", t.err);
		t_failed++;
	} else {
		t.obj.env.conformance = conformance;
		run__init(t.run, &t.obj.env);
		vm_engine.run(t.st, 0, t.run, run__raw(t.run, mem, len, &t.res));
		r0 = t.res.r0;
		if (res)
			*res = t.res;
	}
	vmt_close(&t);
	asm__free(&p);
	return r0;
}

static inline uint64_t vmt_raw(const char *text, uint8_t *mem, uint32_t len,
			       struct hxdp_result *res)
{
	return vmt_raw_env(text, mem, len, 0, res);
}

/* run text on no memory; a fault fails the test */
static inline uint64_t vmt_r0(const char *text)
{
	struct hxdp_result res;
	uint64_t r0 = vmt_raw(text, NULL, 0, &res);

	if (res.fault) {
		fprintf(stderr, "  fault: %s\n", res.err);
		t_failed++;
	}
	return r0;
}

#endif
