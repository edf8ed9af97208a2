/* test_cc_inline.c: bpf-to-bpf calls inlined with the callee's frame where the vm
 * puts it, r6-r9 of the caller kept, nested calls, and the CFG (unreachable code,
 * falling off the end) */
#include "cc_t.h"

static const uint8_t pkt[64];

static void same_all(const char *text, uint64_t want)
{
	struct hxdp_obj *o = cct_obj(text);

	for (int opt = 0; o && opt <= 2; opt++)
		for (int lanes = 1; lanes <= 4; lanes += 3) {
			struct image *img = cct_compile(o, lanes, opt, 1);

			CHECK(cct_count(img, I_CALL_LOCAL) == 0);
			if (img)
				CHECK_EQ(cct_same(o, img, pkt, 64), want);
			image__free(img);
		}
	obj__close(o);
}

TEST(cc_inline_frames_and_saved_registers)
{
	same_all("mov %r6, 1\nmov %r7, 2\nmov %r8, 3\nmov %r9, 4\nstdw [%r10-8], 5\n"
		 "call local f\nldxdw %r1, [%r10-8]\nadd %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\n"
		 "add %r0, %r9\nadd %r0, %r1\nexit\n"
		 "f:\nmov %r6, 100\nmov %r7, 100\nmov %r8, 100\nmov %r9, 100\n"
		 "stdw [%r10-8], 99\nmov %r0, 1000\nexit", 1015);
	same_all("stdw [%r10-8], 42\nmov %r1, %r10\nadd %r1, -8\n"
		 "call local f\nexit\nf:\nldxdw %r0, [%r1]\nexit", 42);
	same_all("mov %r1, %r10\ncall local f\nsub %r0, %r1\nexit\n"
		 "f:\nmov %r0, %r10\nexit", (uint64_t)-512);
}

TEST(cc_inline_nested)
{
	same_all("mov %r0, 0\ncall local a\nexit\n"
		 "a:\nadd %r0, 1\ncall local b\nexit\nb:\nadd %r0, 1\ncall local c\nexit\n"
		 "c:\nadd %r0, 1\ncall local d\nexit\nd:\nadd %r0, 1\ncall local e\nexit\n"
		 "e:\nadd %r0, 1\ncall local f\nexit\nf:\nadd %r0, 1\ncall local g\nexit\n"
		 "g:\nadd %r0, 1\nexit", 7);
	/* the same callee twice: two copies, the same frame */
	same_all("ldxw %r6, [%r1+12]\nmov %r1, 3\ncall local f\nmov %r7, %r0\nmov %r1, %r6\n"
		 "call local f\nadd %r0, %r7\nexit\n"
		 "f:\nstxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nmul %r0, 10\nexit", 40);
}

TEST(cc_inline_refusals)
{
	struct hxdp_obj *o = cct_obj("call local f\nexit\nf:\ncall local f\nexit");
	struct cc_opts co = { .lanes = 4, .opt = 2, .xdelay = 1 };
	struct image *img = NULL;
	char err[256] = "";

	CHECK(o && cc__compile_obj(o, &co, &img, err, sizeof(err)) < 0);
	CHECK(strstr(err, "call frames") != NULL);
	obj__close(o);
	o = cct_obj("mov %r0, 1\njeq %r0, 1, +1\nexit\nmov %r0, 2");
	CHECK(o && cc__compile_obj(o, &co, &img, err, sizeof(err)) < 0);
	CHECK(strstr(err, "fall off") != NULL);
	obj__close(o);
	o = cct_obj("ldabsb 3\nexit");
	CHECK(o && cc__compile_obj(o, &co, &img, err, sizeof(err)) < 0);
	CHECK(strstr(err, "insn 0") && strstr(err, "legacy packet access"));
	obj__close(o);
}

TEST(cc_cfg_unreachable)
{
	struct hxdp_obj *o = cct_obj("mov %r0, 2\nja +2\nmov %r0, 5\nexit\nexit");
	struct image *img = cct_compile(o, 4, 0, 1);

	CHECK(cct_row(img, 2) < 0 && cct_row(img, 3) < 0);
	if (img)
		CHECK_EQ(cct_same(o, img, pkt, 64), 2);
	image__free(img);
	obj__close(o);
}
