/* model.c: the C side of the co-simulation: hxdp's own image reader, maps, maps.json
 * loader and the sim engine (the cycle model), behind a small API the Verilator
 * harness (cosim.cpp) calls. Also the hardware check: what the RTL does not implement
 * is refused here with the reason (hw__check). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "engine.h"
#include "env.h"
#include "helpers.h"
#include "image.h"
#include "insn.h"
#include "maps.h"
#include "obj.h"
#include "sim.h"
#include "xdp.h"
#include "model.h"

struct cosim_model {
	struct hxdp_obj *obj;
	struct image *img;
	void *st;
	struct hxdp_run run;
	struct hxdp_xdp x;
	uint32_t prog;
};

static int hw_map_type(uint32_t t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH;
}

static int hw_helper(int32_t id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem: case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem: case BPF_FUNC_ktime_get_ns:
	case BPF_FUNC_get_prandom_u32: case BPF_FUNC_get_smp_processor_id:
	case BPF_FUNC_redirect: case BPF_FUNC_redirect_map: case BPF_FUNC_csum_diff:
	case BPF_FUNC_xdp_adjust_head: case BPF_FUNC_xdp_adjust_tail:
	case BPF_FUNC_xdp_adjust_meta:
		return 1;
	}
	return 0;
}

int hw__check(const struct image *img, const struct hw_caps *caps, char *why, size_t n)
{
	if (img->nprogs != 1)
		return snprintf(why, n, "%u programs: tail calls are left to software",
				img->nprogs), -ENOTSUP;
	if (img->nrows > caps->imem_rows || img->lanes != caps->lanes)
		return snprintf(why, n, "%u rows of %u lanes do not fit %u rows of %u lanes",
				img->nrows, img->lanes, caps->imem_rows, caps->lanes), -ENOTSUP;
	if (img->nconsts > caps->nconsts || img->nmaps > caps->nmaps)
		return snprintf(why, n, "%u constants / %u maps: the hardware holds %u / %u",
				img->nconsts, img->nmaps, caps->nconsts, caps->nmaps), -ENOTSUP;
	for (uint32_t i = 0; i < img->nmaps; i++) {
		const struct image_map *m = &img->maps[i];

		if (!hw_map_type(m->type))
			return snprintf(why, n, "map '%s': %s maps are left to software", m->name,
					map__type_name(m->type)), -ENOTSUP;
		if (m->key_size > 32 || m->value_size > 64)
			return snprintf(why, n, "map '%s': key %u / value %u bytes (hardware: 32 / 64)",
					m->name, m->key_size, m->value_size), -ENOTSUP;
	}
	for (uint32_t i = 0; i < img->nhelpers; i++)
		if (!hw_helper(img->helpers[i]))
			return snprintf(why, n, "helper %s is left to software",
					helper__name(img->helpers[i])), -ENOTSUP;
	for (uint64_t w = 0; w < (uint64_t)img->nrows * img->lanes; w++) {
		int id = isa_decode(&img->words[w]);
		int op = id >= 0 ? isa_info[id].opc : 0;
		int alu = (op & 7) == BPF_ALU || (op & 7) == BPF_ALU64 || op == 0xe4 ||
			  op == 0xe7 || op == 0xec || op == 0xef;

		if (!caps->has_div && id >= 0 && alu && isa_info[id].form != F_END &&
		    (isa_info[id].form == F_ALU3_K || isa_info[id].form == F_ALU3_X ?
		     (isa_info[id].selv & 0xf) == 3 || (isa_info[id].selv & 0xf) == 9 :
		     BPF_OP(op) == BPF_DIV || BPF_OP(op) == BPF_MOD))
			return snprintf(why, n, "row %llu: division (this build has no divider)",
					(unsigned long long)(w / img->lanes)), -ENOTSUP;
	}
	return 0;
}

int model__open(const char *img_path, const char *maps_json, struct cosim_model **out,
		char *err, size_t n)
{
	struct cosim_model *m = calloc(1, sizeof(*m));
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	struct hxdp_prog *p;
	int e;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	if ((e = image__obj_open(img_path, &m->obj, err, n)) ||
	    (maps_json && (e = obj__load_maps_json(m->obj, maps_json, err, n)))) {
		model__close(m);
		return e;
	}
	m->img = image__of_obj(m->obj, err, n);
	if (!m->img) {
		model__close(m);
		return -EINVAL;
	}
	eo.lanes = (int)m->img->lanes;
	if ((e = sim_engine.open(m->obj, &eo, &m->st, err, n))) {
		m->st = NULL;
		model__close(m);
		return e;
	}
	p = obj__prog(m->obj, NULL);
	m->prog = p->idx;
	run__init(&m->run, &m->obj->env);
	*out = m;
	return 0;
}

void model__close(struct cosim_model *m)
{
	if (!m)
		return;
	if (m->st)
		sim_engine.close(m->st);
	image__free(m->img);
	obj__close(m->obj);
	free(m);
}

const struct image *model__image(const struct cosim_model *m)
{
	return m->img;
}

uint32_t model__entry_row(const struct cosim_model *m)
{
	for (uint32_t i = 0; i < m->img->nprogs; i++)
		if (m->img->progs[i].idx == m->prog)
			return m->img->progs[i].first_row;
	return 0;
}

struct hxdp_map *model__map(struct cosim_model *m, uint32_t i)
{
	return i < m->obj->env.nmaps ? m->obj->env.maps[i] : NULL;
}

struct hxdp_env *model__env(struct cosim_model *m)
{
	return &m->obj->env;
}

int model__run(struct cosim_model *m, const uint8_t *pkt, uint32_t len, struct model_res *r)
{
	struct hxdp_result res;
	uint64_t r1;

	memset(r, 0, sizeof(*r));
	if (xdp__init(&m->x, pkt, len))
		return -EINVAL;
	r1 = run__packet(&m->run, &m->x, &res);
	sim_engine.run(m->st, m->prog, &m->run, r1);
	r->action = res.r0;
	r->fault = res.fault;
	r->out = m->x.buf + m->x.data;
	r->out_len = m->x.data_end - m->x.data;
	r->cycles = sim__last(m->st)->cycles;
	r->tgt_kind = res.tgt_kind;
	r->tgt_a = res.tgt_kind == HXDP_TGT_IFINDEX ? res.tgt_ifindex : res.tgt_map;
	r->tgt_b = res.tgt_kind == HXDP_TGT_MAP ? res.tgt_key : 0;
	snprintf(r->err, sizeof(r->err), "%s", res.err);
	return 0;
}

int model__is_hash(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_DEVMAP_HASH;
}

/* the RTL's entries of map i (hash: key||value pairs; arrays: the value region) against
 * the model's; 0 equal, else why names the first difference */
int model__map_check(struct cosim_model *m, uint32_t i, const uint8_t *vals, uint32_t vsize,
		     const uint8_t *kv, uint32_t nkv, char *why, size_t n)
{
	struct hxdp_map *mp = model__map(m, i);
	uint32_t ks = mp->key_size, vs = mp->value_size;

	if (!model__is_hash(mp->type)) {
		uint32_t sz = mp->values_size < vsize ? mp->values_size : vsize;

		if (getenv("COSIM_DEBUG"))
			for (uint32_t b = 0; b < sz; b++)
				if (vals[b] != mp->values[b])
					fprintf(stderr, "map %s byte %u: model %02x rtl %02x\n",
						mp->name, b, mp->values[b], vals[b]);
		for (uint32_t b = 0; b < sz; b++)
			if (vals[b] != mp->values[b])
				return snprintf(why, n, "map %s: value byte %u: model %02x, rtl %02x",
						mp->name, b, mp->values[b], vals[b]), 1;
		return 0;
	}
	if (map__count(mp) != nkv)
		return snprintf(why, n, "map %s: model %u entries, rtl %u", mp->name,
				map__count(mp), nkv), 1;
	for (uint32_t e = 0; e < nkv; e++) {
		const uint8_t *k = kv + (size_t)e * (ks + vs);
		int64_t off = map__lookup(mp, k, 0);

		if (off < 0)
			return snprintf(why, n, "map %s: rtl key %u not in the model", mp->name, e), 1;
		if (memcmp(mp->values + off, k + ks, vs))
			return snprintf(why, n, "map %s: entry %u value differs", mp->name, e), 1;
	}
	return 0;
}
