/* test_cc_dataflow.c: liveness, pointer kinds from the context, stack offsets and the
 * memory dependences they give */
#include "cc_t.h"

static int analyse(const char *text, struct cc *c, struct hxdp_obj **o)
{
	static char err[256];

	*o = cct_obj(text);
	memset(c, 0, sizeof(*c));
	if (!*o)
		return -1;
	c->o = (struct cc_opts){ .lanes = 4, .opt = 2, .xdelay = 1 };
	c->obj = *o;
	c->prog = &(*o)->progs[0];
	c->err = err;
	c->errlen = sizeof(err);
	if (cc_import__run(c) || cc_inline__run(c) || cc_cfg__build(c) || cc_dataflow__run(c)) {
		fprintf(stderr, "  %s\n", err);
		return -1;
	}
	return 0;
}

TEST(cc_dataflow_kinds_and_memory)
{
	struct hxdp_obj *o;
	struct cc c;

	if (analyse("ldxw %r2, [%r1+0]\n"	/* 0: data */
		    "ldxw %r3, [%r1+4]\n"	/* 1: data_end */
		    "mov %r4, %r10\n"		/* 2 */
		    "add %r4, -16\n"		/* 3 */
		    "stxdw [%r4+0], %r2\n"	/* 4: stack -16..-9 */
		    "stxw [%r10-8], %r3\n"	/* 5: stack -8..-5 */
		    "ldxw %r5, [%r10-12]\n"	/* 6: overlaps 4 */
		    "ldxb %r6, [%r2+0]\n"	/* 7: packet */
		    "stb [%r2+1], 0\n"		/* 8: packet, next byte */
		    "ldxb %r7, [%r2+1]\n"	/* 9: packet, same byte as 8 */
		    "mov %r0, 2\n"
		    "exit", &c, &o) == 0) {
		CHECK_EQ(c.kind[2][2], K_PKT);
		CHECK_EQ(c.kind[2][3], K_PKTEND);
		CHECK_EQ(c.kind[4][4], K_STACK);
		CHECK_EQ(c.soff[4][4], -16);
		CHECK(!cc_dataflow__mem_conflict(&c, 4, 5));	/* disjoint slots */
		CHECK(cc_dataflow__mem_conflict(&c, 4, 6));	/* overlapping */
		CHECK(!cc_dataflow__mem_conflict(&c, 5, 7));	/* stack vs packet */
		CHECK(!cc_dataflow__mem_conflict(&c, 7, 8));	/* different bytes */
		CHECK(cc_dataflow__mem_conflict(&c, 8, 9));	/* the same byte */
		CHECK(!(c.live[9] & (1u << 7)));		/* r7 is never read */
		CHECK(c.live[1] & (1u << 3));
	}
	cc__free(&c);
	obj__close(o);
}

TEST(cc_dataflow_calls)
{
	struct hxdp_obj *o;
	struct cc c;

	if (analyse("ldxw %r6, [%r1+0]\n"	/* 0 */
		    "ldxw %r7, [%r1+4]\n"	/* 1 */
		    "stdw [%r10-8], 0\n"	/* 2 */
		    "mov %r2, -4\n"		/* 3 */
		    "call 65\n"			/* 4: adjust_tail */
		    "ldxw %r8, [%r1+4]\n"	/* 5: ctx after the move */
		    "mov %r0, 2\n"
		    "exit", &c, &o) == 0) {
		CHECK(cc_dataflow__mem_conflict(&c, 2, 4));	/* helpers touch memory */
		CHECK(cc_dataflow__mem_conflict(&c, 4, 5));	/* it moved data_end */
		CHECK(!cc_dataflow__mem_conflict(&c, 1, 2));	/* ctx is read-only */
		CHECK(c.kind[5][7] != K_PKTEND);		/* stale after the move */
		CHECK_EQ(c.kind[5][6], K_ANY);
	}
	cc__free(&c);
	obj__close(o);
}
