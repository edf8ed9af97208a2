// SPDX-License-Identifier: GPL-2.0
/* xdp_globals: global variables instead of explicit maps.
 *
 * libbpf turns each data section into a one-entry ARRAY map:
 *   .rodata  const volatile config (settable before load) and a static
 *            lookup table, read-only for the program
 *   .data    initialized variables, read and written
 *   .bss     zero-initialized counters and arrays, read and written
 * Verdict: frames shorter than min_len are dropped, IPv4 with a DSCP
 * listed in dscp_action is dropped or sent back (TX), the rest passed.
 */
#include "common.h"

/* .rodata: load-time configuration */
const volatile __u32 min_len = 60;
const volatile __u8 tx_dscp = 46;	/* EF: bounce back */
/* .rodata: constant table, traffic class (0-3) of each DSCP value.
 * (64 bytes: small power-of-two tables would land in .rodata.cst8/16.) */
static const __u8 dscp_class[64] = {
	[0 ... 7] = 0,		/* best effort, CS0 */
	[8 ... 23] = 1,		/* CS1-CS2, AF1x-AF2x */
	[24 ... 39] = 2,	/* CS3-CS4, AF3x-AF4x */
	[40 ... 63] = 3,	/* CS5-CS7, EF */
};

/* .data: initialized, mutated per packet */
__u32 lcg_state = 0x2545f491;	/* deterministic per-packet sequence */
__u8 drop_dscp = 8;		/* CS1 "scavenger": drop */
char tag[8] = "hxdp-gl";

/* .bss: zero-initialized */
__u64 pkts_total;
__u64 bytes_total;
__u64 class_pkts[4];
__u32 last_len;
__u32 max_len;

SEC("xdp")
int xdp_globals(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	__u32 len = data_end - data;
	__u8 dscp;

	pkts_total++;
	bytes_total += len;
	last_len = len;
	if (len > max_len)
		max_len = len;
	/* per-packet LCG step: state only, never a verdict input */
	lcg_state = lcg_state * 1103515245 + 12345;
	tag[7] = (char)('0' + (pkts_total & 7));

	if (len < min_len)
		return XDP_DROP;
	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	dscp = iph->tos >> 2;
	class_pkts[dscp_class[dscp] & 3]++;
	if (dscp == drop_dscp)
		return XDP_DROP;
	if (dscp == tx_dscp) {
		swap_macs(eth);
		return XDP_TX;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
