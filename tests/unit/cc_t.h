/* cc_t.h: compiling assembler text with the hxdp compiler and running the image on
 * the vliw engine beside the vm, for the compiler's unit tests */
#ifndef HXDP_CC_T_H
#define HXDP_CC_T_H
#include <stdlib.h>
#include "t.h"
#include "asm.h"
#include "cc.h"
#include "engine.h"
#include "env.h"
#include "image.h"
#include "obj.h"
#include "vliw.h"
#include "xdp.h"

/* an object of one program from assembler text (NULL and a failure on error) */
static inline struct hxdp_obj *cct_obj(const char *text)
{
	struct hxdp_obj *o = NULL;
	struct asm_prog p;
	char err[256];

	if (asm__parse(text, &p, err, sizeof(err))) {
		fprintf(stderr, "  asm: %s\n", err);
		t_failed++;
		return NULL;
	}
	if (obj__from_insns(p.insns, p.n, &o, err, sizeof(err))) {
		fprintf(stderr, "  obj: %s\n", err);
		t_failed++;
	}
	asm__free(&p);
	return o;
}

static inline struct image *cct_compile(struct hxdp_obj *o, int lanes, int opt, int xdelay)
{
	struct cc_opts co = { .lanes = lanes, .opt = opt, .xdelay = xdelay };
	struct image *img = NULL;
	char err[256];

	if (!o)
		return NULL;
	if (cc__compile_obj(o, &co, &img, err, sizeof(err))) {
		fprintf(stderr, "  compile: %s\n", err);
		t_failed++;
	}
	return img;
}

/* the row holding the word compiled from eBPF instruction origin, -1 none */
static inline int cct_row(const struct image *img, uint32_t origin)
{
	for (uint32_t r = 0; img && r < img->nrows; r++)
		for (uint32_t l = 0; l < img->lanes; l++)
			if (img->origin[(size_t)r * img->lanes + l] == origin &&
			    isa_decode(image__word(img, r, l)) >= 0)
				return (int)r;
	return -1;
}

/* how many words of the image decode as instruction id */
static inline int cct_count(const struct image *img, int id)
{
	int n = 0;

	for (size_t w = 0; img && w < (size_t)img->nrows * img->lanes; w++) {
		static const struct bpf_insn zero;

		if (memcmp(&img->words[w], &zero, sizeof(zero)) && isa_decode(&img->words[w]) == id)
			n++;
	}
	return n;
}

static inline struct image *cct_copy(const struct image *img)
{
	struct image *c = NULL;
	uint8_t *b;
	size_t n;
	char err[128];

	if (image__to_buf(img, &b, &n))
		return NULL;
	if (image__from_buf(b, n, &c, err, sizeof(err)))
		fprintf(stderr, "  copy: %s\n", err);
	free(b);
	return c;
}

/* run the image (vliw) or the object (vm, img NULL) over one packet */
static inline uint64_t cct_run(struct hxdp_obj *o, const struct image *img, const uint8_t *pkt,
			       uint32_t len, struct hxdp_result *res, uint8_t *out,
			       uint32_t *outlen)
{
	struct hxdp_run *run = calloc(1, sizeof(*run));
	struct hxdp_xdp *x = calloc(1, sizeof(*x));
	uint64_t r1, r0 = ~0ull;
	char err[256];

	if (!run || !x || xdp__init(x, pkt, len)) {
		t_failed++;
		goto out;
	}
	run__init(run, &o->env);
	r1 = run__packet(run, x, res);
	if (img) {
		struct vliw *v;
		struct vliw_state s;

		if (vliw__load(cct_copy(img), &v, err, sizeof(err))) {
			fprintf(stderr, "  load: %s\n", err);
			t_failed++;
			goto out;
		}
		if (!vliw__start(&s, v, 0, run, r1))
			while (vliw__step(&s, NULL) > 0)
				;
		vliw__free(v);
	} else {
		void *st;
		struct engine_opts eo = { .lanes = 4, .opt = 2 };

		if (vm_engine.open(o, &eo, &st, err, sizeof(err))) {
			fprintf(stderr, "  vm: %s\n", err);
			t_failed++;
			goto out;
		}
		vm_engine.run(st, 0, run, r1);
		vm_engine.close(st);
	}
	r0 = res->r0;
	if (out) {
		*outlen = xdp__out_len(x);
		memcpy(out, xdp__out(x), *outlen);
	}
out:
	free(run);
	free(x);
	return r0;
}

/* the vm and the image agree on r0 for this packet; returns r0 */
static inline uint64_t cct_same(struct hxdp_obj *o, const struct image *img,
				const uint8_t *pkt, uint32_t len)
{
	static uint8_t oa[HXDP_FRAME_SZ], ob[HXDP_FRAME_SZ];
	struct hxdp_result a, b;
	uint32_t la = 0, lb = 0;
	uint64_t kt = o->env.ktime_ns, pr = o->env.prandom;
	uint64_t ra = cct_run(o, NULL, pkt, len, &a, oa, &la), rb;

	o->env.ktime_ns = kt;	/* the same helper sources for both */
	o->env.prandom = pr;
	rb = cct_run(o, img, pkt, len, &b, ob, &lb);

	if (ra != rb || a.fault || b.fault || la != lb || memcmp(oa, ob, la)) {
		fprintf(stderr, "  vm r0 %llu (%s), vliw r0 %llu (%s), packet of %u bytes%s\n",
			(unsigned long long)ra, a.err, (unsigned long long)rb, b.err, len,
			la != lb || memcmp(oa, ob, la) ? ", output differs" : "");
		t_failed++;
	}
	return rb;
}

#endif
