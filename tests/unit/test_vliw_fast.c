/* the vliw engine's fast path (threaded micro-ops, vliw_fast.c) against its row-by-row
 * step API (vliw__step, the row semantics as written in vliw.c): the same action, fault,
 * rows, output bytes and maps after every packet of every corpus program on all
 * generated traffic, at 1, 4 and 8 lanes */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "env.h"
#include "maps.h"
#include "obj.h"
#include "pcap.h"
#include "t.h"
#include "vliw.h"
#include "xdp.h"

struct vside {
	struct hxdp_obj *obj;
	struct vliw *v;
	struct hxdp_run *run;
	struct hxdp_xdp *x;
	struct hxdp_result res;
	uint32_t prog;
};

static int vside_open(struct vside *s, const char *path, const char *maps, int lanes)
{
	struct engine_opts eo = { .lanes = lanes, .opt = 2 };
	struct hxdp_prog *p;
	char err[256];

	memset(s, 0, sizeof(*s));
	s->run = malloc(sizeof(*s->run));
	s->x = malloc(sizeof(*s->x));
	if (!s->run || !s->x || obj__open(path, &s->obj, err, sizeof(err)) ||
	    (maps && obj__load_maps_json(s->obj, maps, err, sizeof(err))) ||
	    !(p = obj__prog(s->obj, NULL)) || vliw__open_obj(s->obj, &eo, &s->v, err, sizeof(err))) {
		fprintf(stderr, "  %s: %s\n", path, err);
		return -EINVAL;
	}
	s->prog = p->idx;
	run__init(s->run, &s->obj->env);
	return 0;
}

static void vside_close(struct vside *s)
{
	vliw__free(s->v);
	obj__close(s->obj);
	free(s->run);
	free(s->x);
}

/* step: every row through vliw__step; else the engine's run (the fast path) */
static int vside_packet(struct vside *s, const struct hxdp_pkt *pk, int step)
{
	struct vliw_state st;
	uint64_t r1;

	if (xdp__init(s->x, pk->data, pk->len))
		return -EINVAL;
	r1 = run__packet(s->run, s->x, &s->res);
	if (!step) {
		vliw_engine.run(s->v, s->prog, s->run, r1);
		return 0;
	}
	if (vliw__start(&st, s->v, s->prog, s->run, r1)) {
		s->res.r0 = XDP_ABORTED;
		return 0;
	}
	while (vliw__step(&st, NULL) > 0)
		;
	return 0;
}

static const char *vdiffers(const struct vside *a, const struct vside *b)
{
	if (a->res.r0 != b->res.r0 || a->res.fault != b->res.fault ||
	    strcmp(a->res.err, b->res.err))
		return "action or fault";
	if (a->res.insns != b->res.insns || a->res.helpers != b->res.helpers ||
	    a->res.prog != b->res.prog)
		return "rows, helper calls or exit program";
	if (xdp__out_len(a->x) != xdp__out_len(b->x) ||
	    memcmp(xdp__out(a->x), xdp__out(b->x), xdp__out_len(a->x)))
		return "output bytes";
	for (uint32_t i = 0; i < a->obj->env.nmaps; i++)
		if (memcmp(a->obj->env.maps[i]->values, b->obj->env.maps[i]->values,
			   a->obj->env.maps[i]->values_size))
			return "maps";
	return NULL;
}

static int fast_vs_step(const char *obj, const char *maps, const char *pcap, int lanes,
			uint32_t *npk)
{
	struct vside f, s;
	struct hxdp_pkts pk = { 0 };
	char err[256];
	int bad = 0;

	if (pcap__read(pcap, &pk, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		return 1;
	}
	if (vside_open(&f, obj, maps, lanes) || vside_open(&s, obj, maps, lanes)) {
		bad = 1;
		goto out;
	}
	for (uint32_t i = 0; i < pk.n && bad < 3; i++) {
		const char *what;

		if (vside_packet(&f, &pk.pkt[i], 0) | vside_packet(&s, &pk.pkt[i], 1))
			continue;
		(*npk)++;
		if ((what = vdiffers(&f, &s))) {
			fprintf(stderr, "  %s (%d lanes) on %s packet %u: %s differ\n", obj, lanes,
				pcap, i + 1, what);
			bad++;
		}
	}
out:
	vside_close(&f);
	vside_close(&s);
	pcap__free(&pk);
	return bad;
}

TEST(vliw_fast_equals_step)
{
	static const int lanes[] = { 1, 4, 8 };
	glob_t objs;
	uint32_t npk = 0, runs = 0;

	if (glob("build/progs/*.v3.o", 0, NULL, &objs))
		SKIP("no build/progs/*.v3.o (make progs)");
	if (access("build/pcaps/mix.pcap", R_OK)) {
		globfree(&objs);
		SKIP("no build/pcaps/mix.pcap (build/pktgen all build/pcaps)");
	}
	for (size_t i = 0; i < objs.gl_pathc; i++) {
		char maps[512], *dot;
		const char *base = strrchr(objs.gl_pathv[i], '/') + 1;
		struct stat sb;

		snprintf(maps, sizeof(maps), "tests/progs/%s", base);
		if ((dot = strchr(maps + strlen("tests/progs/"), '.')))
			strcpy(dot, ".maps.json");
		for (size_t l = 0; l < sizeof(lanes) / sizeof(lanes[0]); l++, runs++)
			CHECK(!fast_vs_step(objs.gl_pathv[i], stat(maps, &sb) ? NULL : maps,
					    "build/pcaps/mix.pcap", lanes[l], &npk));
	}
	fprintf(stderr, "  %u runs, %u packets: fast path == vliw__step\n", runs, npk);
	globfree(&objs);
}
