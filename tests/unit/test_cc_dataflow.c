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

	if (analyse("mov %r9, %r1\n"		/* 0 */
		    "ldxw %r6, [%r1+0]\n"	/* 1 */
		    "ldxw %r7, [%r1+4]\n"	/* 2 */
		    "stdw [%r10-8], 0\n"	/* 3 */
		    "mov %r1, %r10\n"		/* 4 */
		    "add %r1, -8\n"		/* 5 */
		    "mov %r2, 8\n"		/* 6 */
		    "mov %r3, 0\n"		/* 7 */
		    "mov %r4, 0\n"		/* 8 */
		    "mov %r5, 0\n"		/* 9 */
		    "call 28\n"			/* 10: csum_diff reads the stack */
		    "mov %r1, %r9\n"		/* 11 */
		    "mov %r2, -4\n"		/* 12 */
		    "call 65\n"			/* 13: adjust_tail moves the packet */
		    "ldxw %r8, [%r9+4]\n"	/* 14: ctx after the move */
		    "mov %r0, 2\n"
		    "exit", &c, &o) == 0) {
		CHECK(cc_dataflow__mem_conflict(&c, 3, 10));	/* it reads the slot */
		CHECK(!cc_dataflow__mem_conflict(&c, 3, 13));	/* the stack is not its */
		CHECK(cc_dataflow__mem_conflict(&c, 10, 13));	/* helpers keep their order */
		CHECK(cc_dataflow__mem_conflict(&c, 13, 14));	/* it moved data_end */
		CHECK(!cc_dataflow__mem_conflict(&c, 2, 3));	/* ctx is read-only */
		CHECK(c.kind[14][7] != K_PKTEND);		/* stale after the move */
		CHECK_EQ(c.kind[14][6], K_ANY);
	}
	cc__free(&c);
	obj__close(o);
}
