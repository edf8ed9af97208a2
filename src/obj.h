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

struct hxdp_obj {
	char path[256];
	struct bpf_object *bobj;	/* libbpf's view, for BTF and the kernel oracle */
	struct hxdp_env env;
	struct hxdp_prog *progs;
	uint32_t nprogs;
};

/* open path; every problem is one message in err naming section and instruction */
int obj__open(const char *path, struct hxdp_obj **out, char *err, size_t errlen);
void obj__close(struct hxdp_obj *obj);
struct hxdp_prog *obj__prog(struct hxdp_obj *obj, const char *name);	/* NULL: first */
struct hxdp_map *obj__map(struct hxdp_obj *obj, const char *name);
/* program from a bare instruction array (assembler output, conformance) */
int obj__from_insns(const struct bpf_insn *insns, uint32_t n, struct hxdp_obj **out,
		    char *err, size_t errlen);
/* initial map contents (format: docs/maps-json.md) */
int obj__load_maps_json(struct hxdp_obj *obj, const char *path, char *err, size_t errlen);

#endif
