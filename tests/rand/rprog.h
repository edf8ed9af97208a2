/* rprog.h: random XDP programs for differential testing and fuzzing.
 *
 * Every program runs against the same map set (rprog_maps): an array, a hash and a
 * read-only array, known to the kernel side (kload.c) and the hxdp side (rprog__obj).
 * Map references in the instructions are ld_imm64 BPF_PSEUDO_MAP_FD with imm = map
 * index, as obj.c leaves them after relocation. */
#ifndef HXDP_RPROG_H
#define HXDP_RPROG_H
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

struct hxdp_obj;

struct rprog_map {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
};

enum { RMAP_ARR, RMAP_HASH, RMAP_RO, RMAP_COUNT };
extern const struct rprog_map rprog_maps[RMAP_COUNT];

#define RPROG_MAX_INSNS 4096
#define RPROG_MAX_PKT 1514

enum { RGEN_NO_MOVSX = 1 };	/* rprog.flags: leave a known-broken class out */

struct rprog {
	uint32_t flags;		/* RGEN_*, set by the caller */
	struct bpf_insn insn[RPROG_MAX_INSNS];
	uint32_t n;
	uint8_t pkt[RPROG_MAX_PKT];
	uint32_t pktlen;
};

/* an hxdp object holding the instructions and fresh maps (the read-only map holds
 * bytes 0x11, 0x22, ...) */
int rprog__obj(const struct bpf_insn *in, uint32_t n, struct hxdp_obj **out, char *err,
	       size_t errlen);
/* the read-only map's contents, shared by both sides */
void rprog__ro_value(uint8_t *val, uint32_t len);

struct map_dump;
/* map idx in user layout, sorted (kern.h's dump format); compare two: 0 when equal */
int rprog__dump(struct hxdp_obj *obj, uint32_t idx, struct map_dump *d);
int rprog__dump_cmp(const struct map_dump *a, const struct map_dump *b, char *why,
		    size_t len);

/* a program the kernel verifier should accept, and a packet, both from seed */
void rgen__prog(uint64_t seed, struct rprog *p);

#endif
