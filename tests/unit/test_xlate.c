/* test_xlate.c: translated images (xlate.c) against the interpreters they replace:
 * for every corpus program (build/progs) on every generated traffic class
 * (build/pcaps) at 1, 4 and 8 lanes, the translated vliw and sim engines give what
 * the interpreted ones give after every packet: action, fault, redirect target, rows,
 * output bytes, map contents and, for the sim, the packet's cycles, stalls and every
 * executed row the timing model saw. Run by tests/suites/45-xlate.sh. */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "t.h"
#include "side.h"
#include "engine.h"
#include "env.h"
#include "maps.h"
#include "obj.h"
#include "pcap.h"
#include "sim.h"
#include "vliw.h"
#include "xdp.h"
#include "xlate.h"


static int same_maps(const struct hxdp_env *a, const struct hxdp_env *b)
{
	if (a->nmaps != b->nmaps)
		return 0;
	for (uint32_t i = 0; i < a->nmaps; i++)
		if (a->maps[i]->values_size != b->maps[i]->values_size ||
		    memcmp(a->maps[i]->values, b->maps[i]->values, a->maps[i]->values_size) ||
		    map__count(a->maps[i]) != map__count(b->maps[i]))
			return 0;
	return 1;
}

static const char *sim_differs(void *a, void *b)
{
	const struct sim_pkt *p = sim__last(a), *q = sim__last(b);
	const struct sim_row *ra, *rb;
	uint32_t na, nb;

	if (p->cycles != q->cycles || p->select != q->select || p->end != q->end ||
	    p->commit != q->commit || p->latency != q->latency ||
	    memcmp(p->stall, q->stall, sizeof(p->stall)))
		return "cycles";
	ra = sim__rows(a, &na);
	rb = sim__rows(b, &nb);
	if (na != nb || memcmp(ra, rb, na * sizeof(*ra)))
		return "timing rows";
	return NULL;
}

/* first difference after a packet (t: translated, i: interpreted), NULL: none */
static const char *differs(const struct side *t, const struct side *i, int sim)
{
	if (t->res.r0 != i->res.r0 || t->res.fault != i->res.fault ||
	    strcmp(t->res.err, i->res.err))
		return "action or fault";
	if (t->res.tgt_kind != i->res.tgt_kind || t->res.tgt_ifindex != i->res.tgt_ifindex ||
	    t->res.tgt_map != i->res.tgt_map || t->res.tgt_key != i->res.tgt_key)
		return "redirect target";
	if (t->res.insns != i->res.insns || t->res.helpers != i->res.helpers ||
	    t->res.prog != i->res.prog)
		return "rows executed";
	if (xdp__out_len(t->x) != xdp__out_len(i->x) ||
	    memcmp(xdp__out(t->x), xdp__out(i->x), xdp__out_len(t->x)))
		return "output bytes";
	if (!same_maps(&t->obj->env, &i->obj->env))
		return "maps";
	return sim ? sim_differs(t->st, i->st) : NULL;
}

/* every packet of pcap through obj translated and interpreted; the mismatches */
static int equiv_one(const char *obj, const char *maps, const char *pcap,
		     const struct engine_ops *eng, int lanes, uint32_t *npk)
{
	struct side t, in;
	struct hxdp_pkts pk = { 0 };
	char err[256];
	int bad = 0, sim = eng == &sim_engine;

	if (pcap__read(pcap, &pk, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		return 1;
	}
	if (side_open(&t, obj, maps, eng, lanes, 0) || side_open(&in, obj, maps, eng, lanes, 1)) {
		bad = 1;
		goto out;
	}
	for (uint32_t i = 0; i < pk.n && bad < 3; i++) {
		const char *what;

		if (side_packet(&t, &pk.pkt[i]) | side_packet(&in, &pk.pkt[i]))
			continue;	/* refused (too short/long) by both */
		(*npk)++;
		if ((what = differs(&t, &in, sim))) {
			fprintf(stderr, "  %s on %s, %s at %d lanes, packet %u: %s differ\n", obj,
				pcap, eng->name, lanes, i + 1, what);
			bad++;
		}
	}
out:
	side_close(&t);
	side_close(&in);
	pcap__free(&pk);
	return bad;
}

/* can this machine translate (a C compiler)? */
static int can_translate(const char *path)
{
	struct engine_opts eo = ENGINE_OPTS_DEFAULT;
	struct hxdp_obj *obj = NULL;
	struct vliw *v = NULL;
	struct xlate *x = NULL;
	char err[256];
	int ok = 0;

	if (!obj__open(path, &obj, err, sizeof(err)) &&
	    !vliw__open_obj(obj, &eo, &v, err, sizeof(err)) && !xlate__open(v, NULL, 0, &x))
		ok = x != NULL;
	xlate__close(x);
	vliw__free(v);
	obj__close(obj);
	return ok;
}

static void corpus(const struct engine_ops *eng)
{
	static const int lanes[] = { 1, 4, 8 };
	glob_t objs, pcaps;
	uint32_t npk = 0, runs = 0;

	/* minutes under ASan: its own suite, not every unit run */
	if (!getenv("HXDP_XLATE_CORPUS"))
		SKIP("the corpus comparison runs in tests/suites/45-xlate.sh");
	if (glob("build/progs/*.o", 0, NULL, &objs))
		SKIP("no build/progs/*.o (make progs)");
	if (!can_translate(objs.gl_pathv[0])) {
		globfree(&objs);
		SKIP("no translation on this machine (a C compiler: cc or $HXDP_CC)");
	}
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
		for (size_t l = 0; l < sizeof(lanes) / sizeof(lanes[0]); l++)
			for (size_t k = 0; k < pcaps.gl_pathc; k++, runs++)
				CHECK(!equiv_one(objs.gl_pathv[i], stat(maps, &sb) ? NULL : maps,
						 pcaps.gl_pathv[k], eng, lanes[l], &npk));
	}
	fprintf(stderr, "  %u runs, %u packets: translated %s == interpreted\n", runs, npk,
		eng->name);
	globfree(&objs);
	globfree(&pcaps);
}

TEST(xlate_corpus_vliw) { corpus(&vliw_engine); }
TEST(xlate_corpus_sim) { corpus(&sim_engine); }

/* a budget the run exhausts: the translated code leaves the block that would cross it
 * to the interpreter, which stops at the exact row (and the sim records those rows) */
static void budget_case(const struct engine_ops *eng, const char *obj, const char *maps,
			const struct hxdp_pkts *pk)
{
	static const uint64_t budgets[] = { 1, 2, 3, 5, 8, 13, 21, 34, 40, 45, 47, 49, 55 };

	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		struct side t, in;
		int bad = 0;

		if (side_open(&t, obj, maps, eng, 4, 0) || side_open(&in, obj, maps, eng, 4, 1)) {
			CHECK(0);
			side_close(&t);
			side_close(&in);
			return;
		}
		t.obj->env.budget = in.obj->env.budget = budgets[b];
		for (uint32_t i = 0; i < pk->n && i < 40 && !bad; i++) {
			const char *what;

			if (side_packet(&t, &pk->pkt[i]) | side_packet(&in, &pk->pkt[i]))
				continue;
			if ((what = differs(&t, &in, eng == &sim_engine))) {
				fprintf(stderr, "  %s, %s, budget %llu, packet %u: %s differ\n", obj,
					eng->name, (unsigned long long)budgets[b], i + 1, what);
				bad = 1;
			}
		}
		CHECK(!bad);
		side_close(&t);
		side_close(&in);
	}
}

typedef void (*parser_case)(const struct engine_ops *eng, const char *obj, const char *maps,
			    const struct hxdp_pkts *pk);

/* fn on the parser and the mix traffic, for the vliw and the sim engines */
static void on_parser(parser_case fn)
{
	const char *obj = "build/progs/xdp_parser.v3.o", *maps = "tests/progs/xdp_parser.maps.json";
	struct hxdp_pkts pk = { 0 };
	char err[256];

	if (pcap__read("build/pcaps/mix.pcap", &pk, err, sizeof(err)))
		SKIP("no build/pcaps/mix.pcap (build/pktgen all build/pcaps)");
	if (!can_translate(obj)) {
		pcap__free(&pk);
		SKIP("no translation on this machine (a C compiler: cc or $HXDP_CC)");
	}
	fn(&vliw_engine, obj, maps, &pk);
	fn(&sim_engine, obj, maps, &pk);
	pcap__free(&pk);
}

TEST(xlate_budget) { on_parser(budget_case); }

/* a run whose stack region is not the run's own, writable stack (the premise of the
 * translated code's stack accesses; run.c never makes one): the translated engines
 * leave the packet to the interpreter from its first row, and give what it gives */
static void entry_case(const struct engine_ops *eng, const char *obj, const char *maps,
		       const struct hxdp_pkts *pk)
{
	struct side t, in;
	int bad = 0;

	if (side_open(&t, obj, maps, eng, 4, 0) || side_open(&in, obj, maps, eng, 4, 1)) {
		CHECK(0);
		goto out;
	}
	for (uint32_t i = 0; i < pk->n && i < 20 && !bad; i++) {
		struct side *s[2] = { &t, &in };
		const char *what;

		for (int k = 0; k < 2; k++) {
			uint64_t r1;

			if (xdp__init(s[k]->x, pk->pkt[i].data, pk->pkt[i].len))
				continue;
			r1 = run__packet(s[k]->run, s[k]->x, &s[k]->res);
			s[k]->run->reg[R_STACK].flags |= REG_RO;
			s[k]->eng->run(s[k]->st, s[k]->prog, s[k]->run, r1);
		}
		if ((what = differs(&t, &in, eng == &sim_engine))) {
			fprintf(stderr, "  %s, %s, read-only stack, packet %u: %s differ\n", obj,
				eng->name, i + 1, what);
			bad = 1;
		}
		bad |= !t.res.fault;	/* the parser stores to its stack: a fault */
	}
	CHECK(!bad);
out:
	side_close(&t);
	side_close(&in);
}

TEST(xlate_entry_bail) { on_parser(entry_case); }
