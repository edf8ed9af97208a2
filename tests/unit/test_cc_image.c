/* test_cc_image.c: the image format round-trips; validation rejects every broken row
 * constraint with a message naming the row; the vliw engine's row semantics (reads at
 * the row start, lane priority of branches, one helper per row) */
#include "cc_t.h"

static struct image *hand(uint32_t lanes, uint32_t xdelay, uint32_t rows)
{
	struct image *img = image__new(lanes, xdelay, 0);

	image__add_rows(img, rows);
	image__add_prog(img, "p", "xdp", 0, 0, rows, 0);
	return img;
}

static void put(struct image *img, uint32_t row, uint32_t lane, int id, int dst, int src,
		int off, int32_t imm)
{
	CHECK(isa_encode(id, dst, src, off, imm, image__word(img, row, lane)) == 0);
}

static int invalid(const struct image *img, const char *want)
{
	char err[256] = "";
	int e = image__validate(img, err, sizeof(err));

	if (e && want && !strstr(err, want))
		fprintf(stderr, "  message '%s' lacks '%s'\n", err, want);
	return e && (!want || strstr(err, want));
}

TEST(cc_image_validate)
{
	struct image *img = hand(4, 1, 2);

	put(img, 0, 0, I_MOV64_K, 2, 0, 0, 1);
	put(img, 1, 0, I_EXITK, 0, 0, 0, 2);
	CHECK(!invalid(img, NULL));
	/* two lanes write r2 */
	put(img, 0, 1, I_MOV64_K, 2, 0, 0, 3);
	CHECK(invalid(img, "written by two lanes"));
	memset(image__word(img, 0, 1), 0, 8);
	/* r2 read on lane 1 the row after lane 0 wrote it: cross-lane delay */
	put(img, 1, 1, I_MOV64_X, 3, 2, 0, 0);
	CHECK(invalid(img, "cross-lane"));
	img->xdelay = 0;
	CHECK(!invalid(img, NULL));
	img->xdelay = 1;
	memset(image__word(img, 1, 1), 0, 8);
	/* a helper's clobber of r1 and another write of r1 in its row */
	image__add_helper(img, 7);
	put(img, 0, 2, I_CALL, 0, 0, 0, 7);
	put(img, 0, 3, I_MOV64_K, 1, 0, 0, 3);
	CHECK(invalid(img, "written by two lanes"));
	memset(image__word(img, 0, 3), 0, 8);
	/* two helper calls in one row */
	put(img, 0, 3, I_CALL, 0, 0, 0, 7);
	CHECK(invalid(img, "more than one helper"));
	memset(image__word(img, 0, 3), 0, 8);
	/* a helper outside the list */
	put(img, 0, 2, I_CALL, 0, 0, 0, 5);
	CHECK(invalid(img, "not in the helper list"));
	memset(image__word(img, 0, 2), 0, 8);
	/* a jump out of the program; r10 written; the last row falling through */
	put(img, 0, 3, I_JA, 0, 0, 5, 0);
	CHECK(invalid(img, "jump out"));
	memset(image__word(img, 0, 3), 0, 8);
	put(img, 0, 3, I_MOV64_K, 10, 0, 0, 0);
	CHECK(invalid(img, "writes r10"));
	memset(image__word(img, 0, 3), 0, 8);
	memset(image__word(img, 1, 0), 0, 8);
	CHECK(invalid(img, "fall off"));
	put(img, 1, 0, I_EXITK, 0, 0, 0, 2);
	/* no eBPF-only forms */
	put(img, 0, 3, I_LDDW, 1, 0, 0, 0);
	CHECK(invalid(img, "no place in an image"));
	memset(image__word(img, 0, 3), 0, 8);
	CHECK(!invalid(img, NULL));
	image__free(img);
}

TEST(cc_image_roundtrip)
{
	struct hxdp_obj *o = cct_obj("ldxw %r2, [%r1+12]\nlddw %r3, 0x123456789\n"
				     "add %r2, %r3\nmov %r0, %r2\nexit");
	struct image *img = cct_compile(o, 3, 2, 1), *back, *bad = NULL;
	uint8_t *b, *b2;
	size_t n, n2;
	char err[256];

	CHECK(img && image__to_buf(img, &b, &n) == 0);
	if (!img)
		return;
	CHECK(n % 8 == 0);
	CHECK(image__from_buf(b, n, &back, err, sizeof(err)) == 0);
	CHECK(image__to_buf(back, &b2, &n2) == 0);
	CHECK(n == n2 && !memcmp(b, b2, n));
	/* truncation and a bad magic are one error each */
	CHECK(image__from_buf(b, n - 9, &bad, err, sizeof(err)) < 0 && strstr(err, "truncated"));
	b[0] = 'X';
	CHECK(image__from_buf(b, n, &bad, err, sizeof(err)) < 0 && strstr(err, "magic"));
	image__free(img);
	free(b);
	free(b2);
	image__free(back);
	obj__close(o);
}

/* a row that swaps two registers: both lanes read before either writes */
TEST(cc_vliw_row_reads_at_start)
{
	struct hxdp_obj *o = cct_obj("exit");
	struct image *img = hand(2, 0, 4);
	static const uint8_t pkt[14];
	struct hxdp_result res;

	put(img, 0, 0, I_MOV64_K, 2, 0, 0, 5);
	put(img, 0, 1, I_MOV64_K, 3, 0, 0, 7);
	put(img, 1, 0, I_MOV64_X, 2, 3, 0, 0);
	put(img, 1, 1, I_MOV64_X, 3, 2, 0, 0);
	put(img, 2, 0, I_MOV64_X, 0, 2, 0, 0);
	put(img, 2, 1, I_MUL64_K, 3, 0, 0, 10);
	put(img, 3, 0, I_ADD64_X, 0, 3, 0, 0);
	put(img, 3, 1, I_EXIT, 0, 0, 0, 0);	/* reads r0 at the start of row 3 */
	CHECK(!invalid(img, NULL));
	CHECK_EQ(cct_run(o, img, pkt, 14, &res, NULL, NULL), 7);
	image__free(img);
	obj__close(o);
}

/* two taken branches in one row: the lower lane decides */
TEST(cc_vliw_lane_priority)
{
	struct hxdp_obj *o = cct_obj("exit");
	struct image *img = hand(3, 0, 4);
	static const uint8_t pkt[14];
	struct hxdp_result res;

	put(img, 0, 0, I_JNE_K, 1, 0, 1, 0);	/* r1 (ctx) != 0: taken, to row 2 */
	put(img, 0, 1, I_JA, 0, 0, 2, 0);	/* also taken, to row 3 */
	put(img, 0, 2, I_MOV64_K, 6, 0, 0, 9);	/* executes whatever the branches do */
	put(img, 1, 0, I_EXITK, 0, 0, 0, 1);
	put(img, 2, 0, I_MOV64_X, 0, 6, 0, 0);
	put(img, 2, 1, I_JA, 0, 0, 0, 0);
	put(img, 3, 0, I_EXIT, 0, 0, 0, 0);
	CHECK(!invalid(img, NULL));
	CHECK_EQ(cct_run(o, img, pkt, 14, &res, NULL, NULL), 9);
	/* swap the lanes: now the ja decides */
	memset(image__word(img, 0, 0), 0, 16);
	put(img, 0, 0, I_JA, 0, 0, 2, 0);
	put(img, 0, 1, I_JNE_K, 1, 0, 1, 0);
	put(img, 3, 0, I_EXITK, 0, 0, 0, 4);
	CHECK_EQ(cct_run(o, img, pkt, 14, &res, NULL, NULL), 4);
	image__free(img);
	obj__close(o);
}

/* the row-step API reports what a row did */
TEST(cc_vliw_step_events)
{
	struct hxdp_obj *o = cct_obj("ldxw %r2, [%r1+0]\nldxb %r0, [%r2+12]\nexit");
	struct image *img = cct_compile(o, 4, 0, 1);
	struct hxdp_run *run = calloc(1, sizeof(*run));
	struct hxdp_xdp *x = calloc(1, sizeof(*x));
	static const uint8_t pkt[20] = { [12] = 0x42 };
	struct hxdp_result res;
	struct vliw_event ev;
	struct vliw_state s;
	struct vliw *v;
	char err[128];
	int n = 0;

	CHECK(img && vliw__load(img, &v, err, sizeof(err)) == 0);
	if (!img)
		goto out;
	xdp__init(x, pkt, sizeof(pkt));
	run__init(run, &o->env);
	CHECK(vliw__start(&s, v, 0, run, run__packet(run, x, &res)) == 0);
	while (vliw__step(&s, &ev) > 0) {
		if (n == 1) {
			CHECK_EQ(ev.nmem, 1);
			CHECK_EQ(ev.mem[0].region, R_PKT);
			CHECK_EQ(ev.mem[0].off, HXDP_HEADROOM + 12);
			CHECK(!ev.mem[0].write && ev.mem[0].size == 1);
		}
		n++;
	}
	CHECK_EQ(ev.ctl, VLIW_EXIT);
	CHECK_EQ(res.r0, 0x42);
	CHECK_EQ(res.insns, 3);
	vliw__free(v);
out:
	free(run);
	free(x);
	obj__close(o);
}
