/* test_sim.c: the sim engine on the paper's microbenchmarks (tests/sim/mb_*.c), cycles
 * counted by the model (docs/timing.md section 4), and sim == vliw on every packet */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "t.h"
#include "side.h"
#include "engine.h"
#include "env.h"
#include "image.h"
#include "insn.h"
#include "maps.h"
#include "obj.h"
#include "pcap.h"
#include "sim.h"
#include "vliw.h"
#include "xdp.h"

#define SIM_BUILD "build/sim"

/* compile tests/sim/NAME.c with -D defs into build/sim/NAME-TAG.o */
static int mb_build(const char *name, const char *defs, const char *tag, char *out, size_t len)
{
	char cmd[512];

	mkdir("build", 0755);
	mkdir(SIM_BUILD, 0755);
	snprintf(out, len, SIM_BUILD "/%s%s.o", name, tag);
	snprintf(cmd, sizeof(cmd),
		 "${CLANG:-clang} -O2 -g -target bpf -mcpu=v3 -Itests/progs %s -c "
		 "tests/sim/%s.c -o %s 2>&1", defs, name, out);
	return system(cmd) ? -EIO : 0;
}

/* a UDP/IPv4 frame of len bytes */
static void mk_frame(uint8_t *p, uint32_t len)
{
	static const uint8_t hdr[42] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 192, 0, 2, 1,
		0x30, 0x39, 0, 53, 0, 8, 0, 0,
	};

	memset(p, 0xa5, len);
	memcpy(p, hdr, sizeof(hdr));
	p[16] = (uint8_t)((len - 14) >> 8);
	p[17] = (uint8_t)(len - 14);
}

struct mb_run {
	double mpps, cycles;	/* saturated Mpps, median cycles per packet */
	uint64_t action;
};

/* npk packets of len bytes through the sim engine, back to back */
static int mb_run(const char *path, int early_exit, uint32_t len, int npk, struct mb_run *r)
{
	struct hxdp_obj *obj = NULL;
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	struct sim_conf sc = { .early_exit = early_exit };
	struct hxdp_run *run = malloc(sizeof(*run));
	struct hxdp_xdp *x = malloc(sizeof(*x));
	struct hxdp_result res;
	uint8_t frame[1600];
	char err[256];
	void *st = NULL;
	json_object *j = json_object_new_object(), *v;
	int e = -EINVAL;

	if (!run || !x || obj__open(path, &obj, err, sizeof(err)) ||
	    sim_engine.open(obj, &eo, &st, err, sizeof(err))) {
		fprintf(stderr, "  %s: %s\n", path, err);
		goto out;
	}
	sim__configure(st, &sc);
	run__init(run, &obj->env);
	mk_frame(frame, len);
	for (int i = 0; i < npk; i++) {
		xdp__init(x, frame, len);
		sim_engine.run(st, 0, run, run__packet(run, x, &res));
		r->action = res.r0;
	}
	sim__report_json(st, j, -1);
	r->mpps = json_object_get_double(json_object_object_get(j, "mpps"));
	json_object_object_get_ex(j, "cycles_per_packet", &v);
	r->cycles = json_object_get_double(json_object_object_get(v, "median"));
	e = 0;
out:
	json_object_put(j);
	if (st)
		sim_engine.close(st);
	obj__close(obj);
	free(run);
	free(x);
	return e;
}

static int within(double model, double paper, double tol)
{
	double d = (model - paper) / paper;

	fprintf(stderr, "  paper %.2f Mpps, model %.2f Mpps (%+.1f%%)\n", paper, model, 100 * d);
	return d <= tol && d >= -tol;
}

/* ---- hand-scheduled images: the rows the paper's compiler emits for each benchmark ---- */

struct lw {
	int on, id, dst, src, off;
	int64_t imm;	/* ldk: the constant */
	int tgt;	/* jumps: absolute row */
};
#define W(i, d, s, o, k) { 1, I_##i, d, s, o, k, -1 }
#define J(i, d, s, k, t) { 1, I_##i, d, s, 0, k, t }
#define LDK(d, k) { 1, I_LDK, d, 0, 0, (int64_t)(k), -1 }
#define MAXR 8

struct mb_img {
	const char *name;
	uint32_t nrows;
	struct lw rows[MAXR][4];
};

static int encode(struct image *img, uint32_t row, uint32_t lane, const struct lw *w)
{
	int32_t imm = (int32_t)w->imm;
	int off = w->off;

	if (w->id == I_LDK)
		imm = (int32_t)image__add_const(img, (uint64_t)w->imm);
	if (w->id == I_CALL && image__add_helper(img, imm) < 0)
		return -ENOMEM;
	if (w->tgt >= 0)
		off = w->tgt - (int)row - 1;
	return isa_encode(w->id, w->dst, w->src, off, imm, image__word(img, row, lane));
}

/* the image of m (maps from maps_obj, may be NULL) as an object the engines open */
static int mb_image(const struct mb_img *m, struct hxdp_obj *maps_obj, struct hxdp_obj **out)
{
	struct image *img = image__new(4, 0, 2);
	char err[256] = "";
	int e = -ENOMEM;

	if (!img || image__add_rows(img, m->nrows) < 0)
		goto out;
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint32_t l = 0; l < 4; l++)
			if (m->rows[r][l].on && (e = encode(img, r, l, &m->rows[r][l])))
				goto out;
	if ((e = image__add_prog(img, m->name, "xdp", 0, 0, m->nrows, 0)) ||
	    (maps_obj && (e = image__set_maps(img, maps_obj, err, sizeof(err)))))
		goto out;
	/* image__to_buf passes NULL to memcpy for empty sections (UBSan): give them storage */
	if (!img->consts)
		img->consts = calloc(1, sizeof(*img->consts));
	if (!img->helpers)
		img->helpers = calloc(1, sizeof(*img->helpers));
	if (!img->data)
		img->data = calloc(1, 8);
	if ((e = image__validate(img, err, sizeof(err))) ||
	    (e = image__obj_from(img, out, err, sizeof(err))))
		fprintf(stderr, "  %s: %s\n", m->name, err);
out:
	image__free(img);
	return e;
}

#define DROP_ROW(r) { W(EXITK, 0, 0, 0, XDP_DROP) }

/* exit DROP: one row, the exit recognized in IF */
static const struct mb_img img_drop = { "drop", 1, { { W(EXITK, 0, 0, 0, XDP_DROP) } } };
/* without the parametrized exit (which early exit needs): r0 = DROP; exit */
static const struct mb_img img_drop_r0 = { "drop_r0", 2, {
	{ W(MOV64_K, 0, 0, 0, XDP_DROP) },
	{ W(EXIT, 0, 0, 0, 0) },
} };
/* data = ctx->data; bounds check (jpkt, its own row: no speculation); two 6-byte loads;
 * two 6-byte stores beside exit TX */
#define TX_LOAD W(LDX_w, 6, 1, 0, 0)
#define TX_CHECK J(JPKT_GT, 6, JPKT_GT, 14, 4)
#define TX_SWAP1 W(LDX6, 3, 6, 0, 0), W(LDX6, 4, 6, 6, 0)
#define TX_SWAP2 W(STX6, 6, 4, 0, 0), W(STX6, 6, 3, 6, 0)
static const struct mb_img img_tx = { "tx", 5, {
	{ TX_LOAD }, { TX_CHECK }, { TX_SWAP1 }, { TX_SWAP2, W(EXITK, 0, 0, 0, XDP_TX) },
	{ W(EXITK, 0, 0, 0, XDP_DROP) },
} };
/* the same with bpf_redirect(2, 0): arguments beside the context load, the call beside
 * the loads, the plain exit (r0: the helper's result) beside the stores */
static const struct mb_img img_redirect = { "redirect", 5, {
	{ TX_LOAD, W(MOV64_K, 1, 0, 0, 2), W(MOV64_K, 2, 0, 0, 0) },
	{ TX_CHECK },
	{ W(LDX6, 7, 6, 0, 0), W(LDX6, 8, 6, 6, 0), W(CALL, 0, 0, 0, BPF_FUNC_redirect) },
	{ W(STX6, 6, 8, 0, 0), W(STX6, 6, 7, 6, 0), W(EXIT, 0, 0, 0, 0) },
	{ W(EXITK, 0, 0, 0, XDP_DROP) },
} };
/* TX with one bpf_csum_diff(NULL, 0, fp - 8, 4, 0) beside the bounds check (r2, r5 are
 * zero after the self-reset) */
static const struct mb_img img_csum1 = { "csum1", 5, {
	{ TX_LOAD, W(MOV64_K, 1, 0, 0, 0), W(ADD3_64K, 3, 10, 0, -8), W(MOV64_K, 4, 0, 0, 4) },
	{ TX_CHECK, W(CALL, 0, 0, 0, BPF_FUNC_csum_diff) },
	{ TX_SWAP1 }, { TX_SWAP2, W(EXITK, 0, 0, 0, XDP_TX) },
	{ W(EXITK, 0, 0, 0, XDP_DROP) },
} };
/* TX with one hash-map lookup of a key on the stack (zeroed by the self-reset) */
static const struct mb_img img_map = { "map", 5, {
	{ TX_LOAD, LDK(1, HXDP_MAPREF(0)), W(ADD3_64K, 2, 10, 0, -16) },
	{ TX_CHECK, W(CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem) },
	{ TX_SWAP1 }, { TX_SWAP2, W(EXITK, 0, 0, 0, XDP_TX) },
	{ W(EXITK, 0, 0, 0, XDP_DROP) },
} };

struct img_run {
	double cycles, mpps;
	uint64_t action;
	struct sim_row rows[MAXR];	/* the last packet's executed rows */
	uint32_t nrows;
};

/* 200 64-byte packets through the image on the sim engine */
static int img_run(const struct mb_img *m, struct hxdp_obj *maps_obj, int ee,
		   struct img_run *r)
{
	struct hxdp_obj *obj = NULL;
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	struct sim_conf sc = { .early_exit = ee };
	struct hxdp_run *run = malloc(sizeof(*run));
	struct hxdp_xdp *x = malloc(sizeof(*x));
	struct hxdp_result res;
	uint8_t frame[64];
	char err[256] = "";
	void *st = NULL;
	json_object *j = json_object_new_object(), *v;
	int e = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (!run || !x || mb_image(m, maps_obj, &obj) ||
	    sim_engine.open(obj, &eo, &st, err, sizeof(err))) {
		fprintf(stderr, "  %s: %s\n", m->name, err);
		goto out;
	}
	sim__configure(st, &sc);
	run__init(run, &obj->env);
	mk_frame(frame, sizeof(frame));
	for (int i = 0; i < 200; i++) {
		xdp__init(x, frame, sizeof(frame));
		sim_engine.run(st, 0, run, run__packet(run, x, &res));
		r->action = res.r0;
		if (res.fault)
			fprintf(stderr, "  %s: fault: %s\n", m->name, res.err);
	}
	sim__report_json(st, j, -1);
	r->mpps = json_object_get_double(json_object_object_get(j, "mpps"));
	json_object_object_get_ex(j, "cycles_per_packet", &v);
	r->cycles = json_object_get_double(json_object_object_get(v, "median"));
	memcpy(r->rows, sim__rows(st, &r->nrows), sizeof(r->rows));
	e = r->nrows <= MAXR ? 0 : -E2BIG;
out:
	json_object_put(j);
	if (st)
		sim_engine.close(st);
	obj__close(obj);
	free(run);
	free(x);
	return e;
}

static void calib_img(const struct mb_img *m, int ee, double paper, uint64_t action)
{
	struct img_run r;

	CHECK(!img_run(m, NULL, ee, &r));
	CHECK_EQ(r.action, action);
	fprintf(stderr, "  %s: %.1f cycles/packet\n", m->name, r.cycles);
	CHECK(within(r.mpps, paper, 0.05));
}

TEST(sim_calib_drop_early_exit) { calib_img(&img_drop, 1, 52, XDP_DROP); }
TEST(sim_calib_drop_no_early_exit) { calib_img(&img_drop_r0, 0, 22, XDP_DROP); }
TEST(sim_calib_tx) { calib_img(&img_tx, 1, 22.5, XDP_TX); }
TEST(sim_calib_redirect) { calib_img(&img_redirect, 1, 15, XDP_REDIRECT); }

/* cycles per packet at saturation of a row trace on 64-byte packets */
static double trace_cycles(const struct sim_row *rows, uint32_t n)
{
	struct sim_nic nic;
	struct sim_model m = { .early_exit = 1 };
	struct sim_pkt p;
	uint64_t first = 0;

	sim_nic__init(&nic);
	for (int i = 0; i < 50; i++) {
		memset(&p, 0, sizeof(p));
		p.len = p.out_len = 64;
		sim__time(&nic, &m, rows, n, &p, NULL, i);
		if (i == 9)
			first = p.select;
	}
	return (double)(p.select - first) / 40;
}

/* the paper's loop of n checksum calls: the csum1 image's trace with its call row
 * repeated, one call per row with the arguments kept (docs/timing.md section 4: our
 * ISA clobbers r1-r5 at a call, so a compiled loop needs more rows per call) */
static void calib_csum(int n, double paper)
{
	struct img_run r;
	struct sim_row t[MAXR + 64];
	uint32_t k = 0;
	double cyc;

	if (img_run(&img_csum1, NULL, 1, &r)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(r.action, XDP_TX);
	for (uint32_t i = 0; i < r.nrows; i++) {
		t[k++] = r.rows[i];
		if (r.rows[i].helper == BPF_FUNC_csum_diff)
			for (int c = 1; c < n; c++) {
				t[k] = r.rows[i];
				t[k].cond = 0;
				t[k].rd_id = 0;
				t[k++].ctl = SIM_CTL_NONE;
			}
	}
	cyc = trace_cycles(t, k);
	fprintf(stderr, "  %d calls: %.1f cycles/packet\n", n, cyc);
	CHECK(within(SIM_MHZ / cyc, paper, 0.05));
}

TEST(sim_calib_csum_1) { calib_csum(1, 22.4); }
TEST(sim_calib_csum_10) { calib_csum(10, 9.8); }
TEST(sim_calib_csum_20) { calib_csum(20, 6.1); }
TEST(sim_calib_csum_30) { calib_csum(30, 4.3); }
TEST(sim_calib_csum_40) { calib_csum(40, 3.4); }

/* a hash-map lookup costs the same for 1..16-byte keys (and about 22.4 Mpps) */
TEST(sim_calib_map_keys)
{
	static const int keys[] = { 1, 2, 4, 8, 16 };
	double first = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char defs[32], tag[16], path[256], err[256];
		struct hxdp_obj *maps = NULL;
		struct img_run r;

		snprintf(defs, sizeof(defs), "-DKEYSZ=%d", keys[i]);
		snprintf(tag, sizeof(tag), "-k%d", keys[i]);
		if (mb_build("mb_map", defs, tag, path, sizeof(path)))
			SKIP("clang -target bpf failed");
		if (obj__open(path, &maps, err, sizeof(err))) {
			fprintf(stderr, "  %s: %s\n", path, err);
			CHECK(0);
			return;
		}
		CHECK(!img_run(&img_map, maps, 1, &r));
		obj__close(maps);
		CHECK_EQ(r.action, XDP_TX);
		fprintf(stderr, "  %d-byte key: %.1f cycles/packet\n", keys[i], r.cycles);
		CHECK(within(r.mpps, 22.4, 0.05));
		if (!i)
			first = r.cycles;
		CHECK(r.cycles == first);
	}
}

/* the microbenchmarks in C through our own compiler: right action, figures reported */
static void compiled(const char *name, const char *defs, const char *tag, uint64_t action)
{
	char path[256];
	struct mb_run r;

	if (mb_build(name, defs, tag, path, sizeof(path)))
		SKIP("clang -target bpf failed");
	CHECK(!mb_run(path, 1, 64, 50, &r));
	CHECK_EQ(r.action, action);
	fprintf(stderr, "  %s%s compiled by hxdp: %.1f cycles/packet, %.2f Mpps\n", name, tag,
		r.cycles, r.mpps);
}

TEST(sim_compiled_drop) { compiled("mb_drop", "", "", XDP_DROP); }
TEST(sim_compiled_tx) { compiled("mb_tx", "", "", XDP_TX); }
TEST(sim_compiled_redirect) { compiled("mb_redirect", "", "", XDP_REDIRECT); }
TEST(sim_compiled_csum_10) { compiled("mb_csum", "-DNCALLS=10", "-10", XDP_TX); }
TEST(sim_compiled_map_16) { compiled("mb_map", "-DKEYSZ=16", "-k16", XDP_TX); }

/* ---- sim == vliw on the corpus: action, output bytes, maps after every packet ---- */


static int same_maps(const struct hxdp_env *a, const struct hxdp_env *b)
{
	if (a->nmaps != b->nmaps)
		return 0;
	for (uint32_t i = 0; i < a->nmaps; i++)
		if (a->maps[i]->values_size != b->maps[i]->values_size ||
		    memcmp(a->maps[i]->values, b->maps[i]->values, a->maps[i]->values_size))
			return 0;
	return 1;
}

/* first difference between the two sides after a packet, NULL: none */
static const char *differs(const struct side *v, const struct side *s)
{
	if (v->res.r0 != s->res.r0 || !v->res.fault != !s->res.fault)
		return "action";
	if (v->res.tgt_kind != s->res.tgt_kind || v->res.tgt_ifindex != s->res.tgt_ifindex ||
	    v->res.tgt_map != s->res.tgt_map || v->res.tgt_key != s->res.tgt_key)
		return "redirect target";
	if (v->res.insns != s->res.insns)
		return "rows executed";
	if (xdp__out_len(v->x) != xdp__out_len(s->x) ||
	    memcmp(xdp__out(v->x), xdp__out(s->x), xdp__out_len(v->x)))
		return "output bytes";
	if (!same_maps(&v->obj->env, &s->obj->env))
		return "maps";
	return NULL;
}

/* every packet of pcap through obj on both engines; returns the mismatches */
static int equiv_one(const char *obj, const char *maps, const char *pcap, uint32_t *npk)
{
	struct side v, s;
	struct hxdp_pkts pk = { 0 };
	char err[256];
	int bad = 0;

	if (pcap__read(pcap, &pk, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		return 1;
	}
	if (side_open(&v, obj, maps, &vliw_engine, 4, 0) ||
	    side_open(&s, obj, maps, &sim_engine, 4, 0)) {
		bad = 1;
		goto out;
	}
	for (uint32_t i = 0; i < pk.n && bad < 3; i++) {
		const char *what;

		if (side_packet(&v, &pk.pkt[i]) | side_packet(&s, &pk.pkt[i]))
			continue;	/* refused (too short/long) by both */
		(*npk)++;
		if ((what = differs(&v, &s))) {
			fprintf(stderr, "  %s on %s packet %u: %s differ\n", obj, pcap, i + 1, what);
			bad++;
		}
	}
out:
	side_close(&v);
	side_close(&s);
	pcap__free(&pk);
	return bad;
}

/* the corpus programs (build/progs) on the generator's traffic (build/pcaps); both are
 * made by `make` and tests/suites/50-sim.sh */
TEST(sim_equiv_corpus)
{
	glob_t objs, pcaps;
	uint32_t npk = 0, runs = 0;

	if (glob("build/progs/*.o", 0, NULL, &objs))
		SKIP("no build/progs/*.o (make progs)");
	if (glob("build/pcaps/*.pcap", 0, NULL, &pcaps)) {
		globfree(&objs);
		SKIP("no build/pcaps/*.pcap (build/pktgen all build/pcaps)");
	}
	for (size_t i = 0; i < objs.gl_pathc; i++) {
		char maps[512], *dot;
		const char *base = strrchr(objs.gl_pathv[i], '/') + 1;
		struct stat sb;

		snprintf(maps, sizeof(maps), "tests/progs/%s", base);
		if ((dot = strchr(maps + strlen("tests/progs/"), '.')))
			strcpy(dot, ".maps.json");
		for (size_t k = 0; k < pcaps.gl_pathc; k++, runs++)
			CHECK(!equiv_one(objs.gl_pathv[i], stat(maps, &sb) ? NULL : maps,
					 pcaps.gl_pathv[k], &npk));
	}
	fprintf(stderr, "  %u runs, %u packets: sim == vliw\n", runs, npk);
	globfree(&objs);
	globfree(&pcaps);
}
