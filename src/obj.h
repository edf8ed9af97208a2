/* obj.h: XDP objects as clang makes them, opened with libbpf (never loaded here) */
#ifndef HXDP_OBJ_H
#define HXDP_OBJ_H
#include <stdint.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "env.h"

struct bpf_object;

/* A program after relocation: self-contained instructions (its .text subprograms
 * appended, calls are BPF_PSEUDO_CALL with relative imm as the kernel gets them),
 * ld_imm64 map references rewritten to src BPF_PSEUDO_MAP_FD with imm = map index, and
 * map-value references (global data) to BPF_PSEUDO_MAP_VALUE with imm = map index and
 * the next slot's imm = offset. */
struct hxdp_prog {
	char name[64];
	char sec[64];
	uint32_t idx;		/* index in obj->progs (PROG_ARRAY values) */
	struct bpf_insn *insns;
	uint32_t ninsns;
	uint32_t nsub;		/* instructions of the program itself, subprograms after */
};

/* bytes of a map's values that nondeterministic helpers write (ktime): left out of
 * kernel comparisons (docs/loader.md), applied to every CPU's slot */
struct hxdp_nondet {
	uint32_t map, off, len;
	char why[96];
};

#define HXDP_MAX_NONDET 32

struct hxdp_obj {
	char path[256];
	struct bpf_object *bobj;	/* libbpf's view, for BTF and the kernel oracle */
	struct hxdp_env env;
	struct hxdp_prog *progs;
	uint32_t nprogs;
	uint32_t nbmaps;	/* env.maps[0..nbmaps) are libbpf's maps, in its order;
				 * map-in-map inner templates follow */
	char map_name[HXDP_MAX_MAPS][64];	/* full names (hxdp_map.name is cut to 15) */
	struct hxdp_nondet nondet[HXDP_MAX_NONDET];
	uint32_t nnondet;
};

/* open path; every problem is one message in err naming section and instruction */
int obj__open(const char *path, struct hxdp_obj **out, char *err, size_t errlen);
void obj__close(struct hxdp_obj *obj);
/* path is a compiled image (docs/isa-ext.md; maps from its configuration) or an object */
int obj__open_any(const char *path, struct hxdp_obj **out, char *err, size_t errlen);
struct hxdp_prog *obj__prog(struct hxdp_obj *obj, const char *name);	/* NULL: first */
struct hxdp_map *obj__map(struct hxdp_obj *obj, const char *name);
/* program from a bare instruction array (assembler output, conformance) */
int obj__from_insns(const struct bpf_insn *insns, uint32_t n, struct hxdp_obj **out,
		    char *err, size_t errlen);
int obj__map_idx(struct hxdp_obj *obj, const char *name);	/* -ENOENT */
int obj__prog_idx(struct hxdp_obj *obj, const char *name);	/* -ENOENT */
/* route libbpf's messages: the first warning goes to buf (NULL: all discarded) */
void obj__libbpf_capture(char *buf, size_t len);
/* initial map contents (format: docs/maps-json.md) */
int obj__load_maps_json(struct hxdp_obj *obj, const char *path, char *err, size_t errlen);

#endif
