/* test_cc_schedule.c: the scheduler never puts two instructions in rows that break a
 * dependence: one test per Bernstein condition (read-after-write, write-after-write,
 * and write-after-read, which may share a row because every lane reads at the row
 * start), memory aliasing, helper calls (one per row, r0-r5 clobbered), and branches
 * (lane priority). Every program also runs on the vm and the image, same r0. */
#include "cc_t.h"

static const uint8_t pkt[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6,
				 0x08, 0x00, 0x45 };

static void levels(const char *text, void (*check)(const struct image *img))
{
	struct hxdp_obj *o = cct_obj(text);

	for (int opt = 1; o && opt <= 2; opt++)
		for (int lanes = 1; lanes <= 8; lanes++)
			for (int xd = 0; xd <= 1; xd++) {
				struct image *img = cct_compile(o, lanes, opt, xd);

				if (!img)
					continue;
				if (check && opt == 1)
					check(img);
				cct_same(o, img, pkt, sizeof(pkt));
				image__free(img);
			}
	obj__close(o);
}

/* O1 ∩ I2: r2 is written by 0 and read by 2 */
static const char raw_text[] =
	"ldxw %r2, [%r1+16]\n"		/* 0 */
	"ldxw %r3, [%r1+12]\n"		/* 1 */
	"add %r3, %r2\n"		/* 2 */
	"mov %r0, %r3\n"		/* 3 */
	"exit";

static void raw_check(const struct image *img)
{
	CHECK(cct_row(img, 0) >= 0 && cct_row(img, 0) < cct_row(img, 2));
	CHECK(cct_row(img, 1) < cct_row(img, 2));
}

TEST(cc_sched_raw)
{
	levels(raw_text, raw_check);
}

/* O1 ∩ O2: r3 is written by 0 and by 2 (both values are stored) */
static const char waw_text[] =
	"ldxw %r3, [%r1+12]\n"		/* 0 */
	"stxw [%r10-4], %r3\n"		/* 1 */
	"ldxw %r3, [%r1+16]\n"		/* 2 */
	"stxw [%r10-8], %r3\n"		/* 3 */
	"ldxw %r0, [%r10-4]\n"		/* 4 */
	"ldxw %r4, [%r10-8]\n"		/* 5 */
	"add %r0, %r4\n"		/* 6 */
	"exit";

static void waw_check(const struct image *img)
{
	CHECK(cct_row(img, 0) < cct_row(img, 2));
	CHECK(cct_row(img, 1) <= cct_row(img, 2));	/* the read of the first value */
}

TEST(cc_sched_waw)
{
	levels(waw_text, waw_check);
}

/* I1 ∩ O2: 1 reads r3, 2 overwrites it; same row is fine (reads at the row start),
 * an earlier row is not */
static const char war_text[] =
	"ldxw %r3, [%r1+12]\n"		/* 0 */
	"mov %r0, %r3\n"		/* 1 */
	"ldxw %r3, [%r1+16]\n"		/* 2 */
	"add %r0, %r3\n"		/* 3 */
	"exit";

static void war_check(const struct image *img)
{
	CHECK(cct_row(img, 1) <= cct_row(img, 2));
	CHECK(cct_row(img, 2) < cct_row(img, 3));
}

TEST(cc_sched_war)
{
	levels(war_text, war_check);
}

/* a load of a stack slot after a store to it: never the same row, never above */
static const char alias_text[] =
	"ldxw %r2, [%r1+12]\n"		/* 0 */
	"stxw [%r10-8], %r2\n"		/* 1 */
	"ldxw %r3, [%r10-6]\n"		/* 2: overlaps bytes -6..-5 */
	"ldxw %r4, [%r10-16]\n"		/* 3: disjoint */
	"mov %r0, %r3\n"		/* 4 */
	"add %r0, %r4\n"		/* 5 */
	"exit";

static void alias_check(const struct image *img)
{
	CHECK(cct_row(img, 1) < cct_row(img, 2));
}

TEST(cc_sched_memory_alias)
{
	levels(alias_text, alias_check);
}

/* a call writes r0 and clobbers r1-r5: a later write of r1 (next call's argument) and
 * a read of r0 come in later rows; two calls never share a row */
static const char call_text[] =
	"mov %r6, %r1\n"		/* 0 */
	"call 7\n"			/* 1: get_prandom_u32 */
	"mov %r1, %r6\n"		/* 2: writes r1, clobbered by 1 */
	"mov %r2, 0\n"			/* 3: writes r2, clobbered by 1 */
	"mov %r7, %r0\n"		/* 4: reads r0 */
	"call 44\n"			/* 5: xdp_adjust_head(ctx, 0) */
	"add %r0, %r7\n"		/* 6 */
	"exit";

static void call_check(const struct image *img)
{
	CHECK(cct_row(img, 1) < cct_row(img, 2));
	CHECK(cct_row(img, 1) < cct_row(img, 3));
	CHECK(cct_row(img, 1) < cct_row(img, 4));
	CHECK(cct_row(img, 1) != cct_row(img, 5));
}

TEST(cc_sched_helper_clobbers)
{
	levels(call_text, call_check);
}

/* branches keep their order in one row by lane: lane priority */
static const char br_text[] =
	"ldxw %r2, [%r1+12]\n"		/* 0: ifindex (1 on test_run's loopback) */
	"ldxw %r3, [%r1+16]\n"		/* 1: rx queue 0 */
	"jeq %r2, 1, +3\n"		/* 2: taken */
	"jeq %r3, 0, +4\n"		/* 3: would be taken too */
	"mov %r0, 2\n"
	"exit\n"
	"mov %r0, 3\n"			/* 6 */
	"exit\n"
	"mov %r0, 1\n"			/* 8 */
	"exit";

static void br_check(const struct image *img)
{
	CHECK(cct_row(img, 2) <= cct_row(img, 3));
}

TEST(cc_sched_branch_priority)
{
	levels(br_text, br_check);
}

/* code motion never takes an instruction out of a loop it belongs to: the loop header
 * runs again without its dominator running again */
TEST(cc_sched_motion_loop)
{
	static const uint8_t pkt[64];
	struct hxdp_obj *o = cct_obj(
		"mov %r6, 0\n"
		"mov %r7, 0\n"
		"ldxw %r9, [%r1+12]\n"
		"mov %r8, %r6\n"		/* 3: loop header */
		"mul %r8, 3\n"
		"add %r7, %r8\n"
		"add %r6, 1\n"
		"jne %r6, 5, -5\n"
		"mov %r0, %r7\n"
		"add %r0, %r9\n"
		"exit");

	for (int opt = 0; o && opt <= 2; opt++)
		for (int lanes = 1; lanes <= 8; lanes += 7) {
			struct image *img = cct_compile(o, lanes, opt, 0);

			if (img)
				CHECK_EQ(cct_same(o, img, pkt, sizeof(pkt)), 31);
			image__free(img);
		}
	obj__close(o);
}
