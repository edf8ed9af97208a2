/* test_cc_opt.c: constant and copy propagation, dead code, and the whole -O levels
 * agreeing with the vm */
#include "cc_t.h"

static const uint8_t pkt[64];

TEST(cc_opt_constants)
{
	struct hxdp_obj *o = cct_obj(
		"mov %r2, 5\n"
		"mov %r3, %r2\n"
		"add %r3, 3\n"
		"lsh %r3, %r2\n"
		"jgt %r3, 100, +2\n"
		"mov %r0, 1\n"
		"exit\n"
		"mov %r0, %r3\n"
		"exit");
	struct image *img = cct_compile(o, 4, 1, 1);

	/* everything folds: one row, exit 256 */
	CHECK(img && img->nrows == 1);
	CHECK(cct_count(img, I_EXITK) == 1);
	if (img)
		CHECK_EQ(cct_same(o, img, pkt, 64), 256);
	image__free(img);
	obj__close(o);
}

TEST(cc_opt_copies_and_dead_code)
{
	struct hxdp_obj *o = cct_obj(
		"ldxw %r2, [%r1+12]\n"
		"mov %r6, %r2\n"		/* copy: uses of r6 read r2 */
		"ldxw %r7, [%r1+16]\n"		/* dead */
		"mov %r0, %r6\n"
		"add %r0, %r6\n"
		"exit");
	struct image *img = cct_compile(o, 1, 1, 1);

	CHECK(cct_row(img, 1) < 0);	/* the copy is gone */
	CHECK(cct_row(img, 2) < 0);	/* the dead load is gone */
	if (img)
		CHECK_EQ(cct_same(o, img, pkt, 64), 2);
	image__free(img);
	obj__close(o);
}

/* division by zero and signed cases fold as the engines compute them (sem.h) */
TEST(cc_opt_fold_semantics)
{
	static const char *const t[] = {
		"mov %r2, 0\nmov %r0, 7\ndiv %r0, %r2\nexit",
		"mov %r2, 0\nmov %r0, 7\nmod %r0, %r2\nexit",
		"mov32 %r0, -1\nmov %r2, 3\nlsh32 %r0, %r2\nexit",
		"mov %r0, -8\narsh %r0, 1\nexit",
		"mov %r2, -1\nmov %r0, 0\njgt %r2, 5, +1\nexit\nmov %r0, 9\nexit",
		"mov32 %r2, -1\nmov %r0, 0\njsgt32 %r2, 0, +1\nexit\nmov %r0, 9\nexit",
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hxdp_obj *o = cct_obj(t[i]);

		for (int opt = 0; opt <= 2; opt++) {
			struct image *img = cct_compile(o, 2, opt, 1);

			if (img)
				cct_same(o, img, pkt, 64);
			image__free(img);
		}
		obj__close(o);
	}
}
