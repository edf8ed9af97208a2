/* mem.h: the address space every engine shares.
 *
 * Programs never see host pointers. An address is (region << 32) | offset; the region
 * table says where each region lives on the host and which offsets are valid. Every
 * load and store goes through mem_xlate(), so nothing a program does reaches memory
 * outside its regions, and addresses are identical in every engine (and in the RTL).
 */
#ifndef HXDP_MEM_H
#define HXDP_MEM_H
#include <stdint.h>
#include <stddef.h>

#define HXDP_STACK_SIZE 512	/* per frame, as the kernel */
#define HXDP_MAX_FRAMES 8	/* MAX_CALL_FRAMES */
#define HXDP_MAX_MAPS 64
#define HXDP_MAX_TAIL_CALLS 33	/* MAX_TAIL_CALL_CNT */

/* the XDP buffer as BPF_PROG_TEST_RUN lays it out (net/bpf/test_run.c) */
#define HXDP_FRAME_SZ 4096
#define HXDP_HEADROOM 256	/* XDP_PACKET_HEADROOM */
#define HXDP_TAILROOM 320	/* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define HXDP_XDP_FRAME 40	/* sizeof(struct xdp_frame), kept below data_meta */
#define HXDP_MAX_PKT (HXDP_FRAME_SZ - HXDP_HEADROOM - HXDP_TAILROOM)

enum hxdp_region_id {
	R_NULL,		/* address 0..: always faults */
	R_CTX,		/* struct xdp_md (or the conformance memory) */
	R_PKT,		/* the packet buffer, offsets into hxdp_xdp.buf */
	R_STACK,	/* HXDP_MAX_FRAMES frames of HXDP_STACK_SIZE */
	R_MAP0,		/* map i's value storage is region R_MAP0 + i */
	R_COUNT = R_MAP0 + HXDP_MAX_MAPS
};

/* map handles (ld_imm64 with BPF_PSEUDO_MAP_FD, map-in-map values) are addresses in
 * regions past R_COUNT: they can be passed to helpers but never dereferenced */
#define R_MAPREF 0x100
#define HXDP_ADDR(region, off) (((uint64_t)(region) << 32) | (uint32_t)(off))
#define HXDP_MAPREF(i) HXDP_ADDR(R_MAPREF + (i), 0)
#define HXDP_REGION(addr) ((uint32_t)((addr) >> 32))
#define HXDP_OFF(addr) ((uint32_t)(addr))

enum { REG_RO = 1, REG_CTX = 2 };

struct hxdp_region {
	uint8_t *base;
	uint32_t lo, hi;	/* valid offsets are [lo, hi) */
	uint32_t flags;		/* REG_* */
};

static inline void *mem_xlate(const struct hxdp_region *reg, uint64_t addr,
			      uint32_t size, int write)
{
	uint32_t id = HXDP_REGION(addr), off = HXDP_OFF(addr);
	const struct hxdp_region *g;

	if (id >= R_COUNT)
		return NULL;
	g = &reg[id];
	if (off < g->lo || (uint64_t)off + size > g->hi)
		return NULL;
	if (write && (g->flags & REG_RO))
		return NULL;
	return g->base + off;
}

#endif
