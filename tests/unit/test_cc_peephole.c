/* test_cc_peephole.c: bounds checks become jpkt and branch exactly as the original,
 * including on a packet one byte too short; 3-operand fusion; exit K; zeroing removal
 * (and its limits); 6-byte copies */
#include "cc_t.h"

static uint8_t pkt[128];

/* if (data + 15 > data_end) drop: every spelling of the compare */
static const char *const checks[] = {
	"jgt %r4, %r3, +2\n",	/* p + N >  end: drop */
	"jlt %r3, %r4, +2\n",	/* end <  p + N: drop */
	"jge %r4, %r3, +2\n",	/* p + N >= end: drop when not strictly inside */
	"jle %r3, %r4, +2\n",
};

static void bounds(const char *cmp, int strict)
{
	char text[512];
	struct hxdp_obj *o;

	snprintf(text, sizeof(text),
		 "ldxw %%r2, [%%r1+0]\n"
		 "ldxw %%r3, [%%r1+4]\n"
		 "mov %%r4, %%r2\n"
		 "add %%r4, 15\n"
		 "%s"
		 "mov %%r0, 2\n"
		 "exit\n"
		 "mov %%r0, 1\n"
		 "exit", cmp);
	o = cct_obj(text);
	for (int lanes = 1; o && lanes <= 8; lanes++) {
		struct image *img = cct_compile(o, lanes, 2, 1);

		if (!img)
			continue;
		CHECK(cct_count(img, I_JPKT_GT) + cct_count(img, I_JPKT_GE) +
		      cct_count(img, I_JPKT_LT) + cct_count(img, I_JPKT_LE) == 1);
		CHECK(cct_count(img, I_LDX_w) == 1);	/* data_end is not loaded any more */
		/* 14 bytes: one byte too short, dropped as the original does */
		CHECK_EQ(cct_same(o, img, pkt, 14), 1);
		CHECK_EQ(cct_same(o, img, pkt, 15), strict ? 2 : 1);
		CHECK_EQ(cct_same(o, img, pkt, 16), 2);
		image__free(img);
	}
	obj__close(o);
}

TEST(cc_peephole_bounds_check)
{
	bounds(checks[0], 1);
	bounds(checks[1], 1);
	bounds(checks[2], 0);
	bounds(checks[3], 0);
}

/* after bpf_xdp_adjust_tail the old data_end is stale: the compare stays as it is */
TEST(cc_peephole_bounds_after_adjust)
{
	struct hxdp_obj *o = cct_obj(
		"mov %r6, %r1\n"
		"ldxw %r7, [%r1+4]\n"		/* data_end before */
		"mov %r2, -4\n"
		"call 65\n"			/* xdp_adjust_tail(ctx, -4) */
		"ldxw %r2, [%r6+0]\n"
		"mov %r4, %r2\n"
		"add %r4, 12\n"
		"jgt %r4, %r7, +2\n"		/* old end: not a bounds check of the packet */
		"mov %r0, 2\n"
		"exit\n"
		"mov %r0, 1\n"
		"exit");
	struct image *img = cct_compile(o, 4, 2, 1);

	CHECK(cct_count(img, I_JPKT_GT) == 0);
	if (img) {
		CHECK_EQ(cct_same(o, img, pkt, 14), 2);
		CHECK_EQ(cct_same(o, img, pkt, 15), 2);
	}
	image__free(img);
	obj__close(o);
}

TEST(cc_peephole_fuse3)
{
	struct hxdp_obj *o = cct_obj(
		"ldxw %r2, [%r1+12]\n"
		"mov %r3, %r2\n"
		"add %r3, 7\n"
		"mov %r4, %r2\n"
		"lsh %r4, %r3\n"
		"mov32 %r5, %r2\n"
		"xor32 %r5, %r5\n"
		"mov %r0, %r4\n"
		"add %r0, %r3\n"
		"add %r0, %r5\n"
		"exit");
	struct image *img = cct_compile(o, 4, 1, 0);

	CHECK(cct_count(img, I_ADD3_64K) >= 1);
	CHECK(cct_count(img, I_LSH3_64X) == 1);
	CHECK(cct_count(img, I_MOV64_X) <= 1);
	if (img)
		cct_same(o, img, pkt, 64);
	image__free(img);
	obj__close(o);
}

TEST(cc_peephole_exitk)
{
	struct hxdp_obj *o = cct_obj(
		"ldxw %r2, [%r1+12]\n"
		"mov %r0, 1\n"
		"jeq %r2, 1, +2\n"
		"mov %r0, 3\n"
		"ja +1\n"
		"mov %r0, 2\n"
		"exit");
	struct image *img = cct_compile(o, 4, 2, 1);

	CHECK(cct_count(img, I_EXITK) == 2);
	CHECK(cct_count(img, I_EXIT) == 0);
	if (img)
		CHECK_EQ(cct_same(o, img, pkt, 64), 2);
	image__free(img);
	obj__close(o);
}

TEST(cc_peephole_zeroing)
{
	/* zeroing a stack slot nothing wrote, and a register nothing wrote: removed */
	struct hxdp_obj *o = cct_obj(
		"stdw [%r10-8], 0\n"
		"stw [%r10-12], 0\n"
		"mov %r3, 0\n"
		"ldxdw %r0, [%r10-8]\n"
		"ldxw %r4, [%r10-12]\n"
		"add %r0, %r4\n"
		"add %r0, %r3\n"
		"exit");
	struct image *img = cct_compile(o, 4, 1, 0);

	CHECK(cct_count(img, I_ST_dw) == 0 && cct_count(img, I_ST_w) == 0);
	CHECK(cct_count(img, I_MOV64_K) == 0);
	if (img)
		CHECK_EQ(cct_same(o, img, pkt, 64), 0);
	image__free(img);
	obj__close(o);
	/* a slot written before (here in a loop's earlier iteration) keeps its zero store */
	o = cct_obj(
		"ldxw %r2, [%r1+12]\n"
		"stdw [%r10-8], 5\n"
		"mov %r6, 0\n"
		"ldxdw %r3, [%r10-8]\n"		/* 3: loop */
		"add %r6, %r3\n"
		"stdw [%r10-8], 0\n"		/* kept: 5 was there */
		"add %r2, -1\n"
		"jne %r2, 0, -5\n"
		"mov %r0, %r6\n"
		"exit");
	img = cct_compile(o, 4, 2, 1);
	CHECK(cct_count(img, I_ST_dw) == 2);
	if (img)
		CHECK_EQ(cct_same(o, img, pkt, 64), 5);
	image__free(img);
	obj__close(o);
}

TEST(cc_peephole_copy6)
{
	/* eth->h_source copied to h_dest: 4 + 2 bytes -> ldx6/stx6 */
	struct hxdp_obj *o = cct_obj(
		"ldxw %r2, [%r1+0]\n"
		"ldxw %r3, [%r1+4]\n"
		"mov %r4, %r2\n"
		"add %r4, 14\n"
		"jgt %r4, %r3, +6\n"
		"ldxw %r5, [%r2+6]\n"
		"ldxh %r6, [%r2+10]\n"
		"stxw [%r2+0], %r5\n"
		"stxh [%r2+4], %r6\n"
		"mov %r0, 3\n"
		"exit\n"
		"mov %r0, 1\n"
		"exit");
	struct image *img = cct_compile(o, 4, 2, 1);

	CHECK(cct_count(img, I_LDX6) + cct_count(img, I_LDXSPEC_6) == 1);
	CHECK(cct_count(img, I_STX6) == 1);
	for (int i = 0; i < 64; i++)
		pkt[i] = i;
	if (img)
		CHECK_EQ(cct_same(o, img, pkt, 64), 3);	/* action and output bytes */
	memset(pkt, 0, sizeof(pkt));
	image__free(img);
	obj__close(o);
}

/* `if (p == NULL) skip; lock *p += v` becomes the guarded atomic, on both paths */
static void guarded(const char *pick, uint64_t want)
{
	char text[512];
	struct hxdp_obj *o;

	snprintf(text, sizeof(text),
		 "ldxw %%r2, [%%r1+12]\n"	/* ifindex: 1 on test_run's loopback */
		 "mov %%r6, 0\n"
		 "%s"				/* jump over the pointer or not */
		 "mov %%r6, %%r10\n"
		 "add %%r6, -8\n"
		 "jeq %%r6, 0, +2\n"
		 "mov %%r3, 5\n"
		 "lock add [%%r6+0], %%r3\n"
		 "ldxdw %%r0, [%%r10-8]\n"
		 "exit", pick);
	o = cct_obj(text);
	for (int opt = 1; o && opt <= 2; opt++) {
		struct image *img = cct_compile(o, 4, opt, 0);

		CHECK(cct_count(img, I_ANZadd64) == 1 && cct_count(img, I_Aadd64) == 0);
		if (img)
			CHECK_EQ(cct_same(o, img, pkt, 64), want);
		image__free(img);
	}
	obj__close(o);
}

TEST(cc_peephole_guarded_atomic)
{
	guarded("jne %r2, 1, +2\n", 5);	/* p is the stack slot: counted */
	guarded("jeq %r2, 1, +2\n", 0);	/* p is NULL: nothing happens, nothing faults */
}

/* the counter block shared by two routes: the `goto T` route gets a guarded copy */
static void guarded_shared(const char *pick, uint64_t want)
{
	char text[512];
	struct hxdp_obj *o;

	snprintf(text, sizeof(text),
		 "ldxw %%r2, [%%r1+12]\n"
		 "mov %%r6, 0\n"
		 "%s"
		 "mov %%r6, %%r10\n"
		 "add %%r6, -8\n"
		 "ldxw %%r7, [%%r1+16]\n"	/* rx queue 0 */
		 "jne %%r7, 0, +3\n"		/* the other route into T (not taken) */
		 "jeq %%r6, 0, +4\n"
		 "ja +1\n"
		 "exit\n"
		 "mov %%r3, 5\n"			/* T */
		 "lock add [%%r6+0], %%r3\n"
		 "ldxdw %%r0, [%%r10-8]\n"	/* L */
		 "exit", pick);
	o = cct_obj(text);
	for (int opt = 1; o && opt <= 2; opt++) {
		struct image *img = cct_compile(o, 4, opt, 0);

		CHECK(cct_count(img, I_ANZadd64) >= 1);
		if (img)
			CHECK_EQ(cct_same(o, img, pkt, 64), want);
		image__free(img);
	}
	obj__close(o);
}

TEST(cc_peephole_guarded_shared)
{
	guarded_shared("jne %r2, 1, +2\n", 5);
	guarded_shared("jeq %r2, 1, +2\n", 0);
}
