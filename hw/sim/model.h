/* model.h: the C model side of the RTL co-simulation (model.c) and the hardware check */
#ifndef HXDP_HW_MODEL_H
#define HXDP_HW_MODEL_H
#include <stdint.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

struct image;
struct hxdp_map;
struct hxdp_env;
struct cosim_model;

/* what an RTL build holds (hw/rtl parameters) */
struct hw_caps {
	uint32_t lanes, imem_rows, nconsts, nmaps;
	int has_div;
};

/* 0 when img runs on the hardware, else -ENOTSUP and why names what is left to
 * software (map types, helpers, tail calls, division, atomics, sizes) */
int hw__check(const struct image *img, const struct hw_caps *caps, char *why, size_t n);

struct model_res {
	uint64_t action;
	int fault;
	const uint8_t *out;
	uint32_t out_len, cycles;
	uint32_t tgt_kind, tgt_a, tgt_b;
	char err[160];
};

int model__open(const char *img, const char *maps_json, struct cosim_model **m, char *err,
		size_t n);
void model__close(struct cosim_model *m);
const struct image *model__image(const struct cosim_model *m);
uint32_t model__entry_row(const struct cosim_model *m);
struct hxdp_map *model__map(struct cosim_model *m, uint32_t i);
struct hxdp_env *model__env(struct cosim_model *m);
int model__is_hash(uint32_t type);
/* one packet through `hxdp run --engine sim`'s path; -EINVAL: refused (as test_run) */
int model__run(struct cosim_model *m, const uint8_t *pkt, uint32_t len, struct model_res *r);
int model__map_check(struct cosim_model *m, uint32_t i, const uint8_t *vals, uint32_t vsize,
		     const uint8_t *kv, uint32_t nkv, char *why, size_t n);

#ifdef __cplusplus
}
#endif
#endif
