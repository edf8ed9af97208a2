/* side.h: one engine over one object, packet by packet, for the tests that compare
 * two engines on the corpus (test_sim.c, test_xlate.c) */
#ifndef HXDP_TEST_SIDE_H
#define HXDP_TEST_SIDE_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "env.h"
#include "obj.h"
#include "pcap.h"
#include "xdp.h"

struct side {
	struct hxdp_obj *obj;
	const struct engine_ops *eng;
	void *st;
	struct hxdp_run *run;
	struct hxdp_xdp *x;
	struct hxdp_result res;
	uint32_t prog;
};

static inline int side_open(struct side *s, const char *path, const char *maps,
			    const struct engine_ops *eng, int lanes, int interp)
{
	struct engine_opts eo = { .lanes = lanes, .opt = 2, .interp = interp };
	char err[256];
	struct hxdp_prog *p;

	memset(s, 0, sizeof(*s));
	s->eng = eng;
	s->run = malloc(sizeof(*s->run));
	s->x = malloc(sizeof(*s->x));
	if (!s->run || !s->x || obj__open(path, &s->obj, err, sizeof(err)) ||
	    (maps && obj__load_maps_json(s->obj, maps, err, sizeof(err))) ||
	    !(p = obj__prog(s->obj, NULL)) || eng->open(s->obj, &eo, &s->st, err, sizeof(err))) {
		fprintf(stderr, "  %s (%s): %s\n", path, eng->name, err);
		return -EINVAL;
	}
	s->prog = p->idx;
	run__init(s->run, &s->obj->env);
	return 0;
}

static inline void side_close(struct side *s)
{
	if (s->st)
		s->eng->close(s->st);
	obj__close(s->obj);
	free(s->run);
	free(s->x);
}

static inline int side_packet(struct side *s, const struct hxdp_pkt *pk)
{
	if (xdp__init(s->x, pk->data, pk->len))
		return -EINVAL;
	s->eng->run(s->st, s->prog, s->run, run__packet(s->run, s->x, &s->res));
	return 0;
}
#endif
