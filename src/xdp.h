/* xdp.h: one packet, its xdp_md, and what a program run made of it */
#ifndef HXDP_XDP_H
#define HXDP_XDP_H
#include <stdint.h>
#include "mem.h"

struct hxdp_xdp {
	uint8_t buf[HXDP_FRAME_SZ];
	uint32_t meta, data, data_end;	/* offsets into buf (region R_PKT) */
	uint32_t ingress_ifindex, rx_queue_index, egress_ifindex;
};

/* fill buf with a packet the way test_run does: headroom, no metadata */
int xdp__init(struct hxdp_xdp *x, const uint8_t *pkt, uint32_t len);
/* output bytes: [meta, data_end), as test_run's data_out */
static inline uint32_t xdp__out_len(const struct hxdp_xdp *x) { return x->data_end - x->meta; }
static inline const uint8_t *xdp__out(const struct hxdp_xdp *x) { return x->buf + x->meta; }

enum { HXDP_TGT_NONE, HXDP_TGT_IFINDEX, HXDP_TGT_MAP };

struct hxdp_result {
	uint64_t r0;		/* return value; XDP_ABORTED (0) on a fault */
	int fault;		/* 0, or -errno of a run-time violation (err says what) */
	uint32_t tgt_kind;	/* redirect target set by redirect/redirect_map */
	uint32_t tgt_ifindex;	/* HXDP_TGT_IFINDEX */
	uint32_t tgt_map, tgt_key;	/* HXDP_TGT_MAP */
	uint32_t prog;		/* program that exited (after tail calls) */
	uint64_t insns;		/* instructions (vm) or rows (vliw, sim) executed */
	uint64_t helpers;	/* helper calls made */
	char err[160];
};

#endif
