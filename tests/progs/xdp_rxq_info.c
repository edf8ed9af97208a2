// SPDX-License-Identifier: GPL-2.0
/* xdp_rxq_info: per-receive-queue accounting (like the paper's rxq_info).
 *
 * Reads ingress_ifindex and rx_queue_index from the context, counts packets
 * per RX queue, checks the ifindex against the configured one, and applies
 * the configured action (XDP_DROP, XDP_PASS or XDP_TX; with option SWAP_MAC
 * the MACs are swapped first, as needed for TX).
 */
#include "common.h"

#define MAX_RXQ 64
#define OPT_SWAP_MAC 0x1

struct rxq_config {
	__u32 action;	/* XDP_* verdict */
	__u32 ifindex;	/* expected ingress ifindex, 0 = any */
	__u32 options;
};

struct rxq_stats {
	__u64 processed;
	__u64 issue;	/* queue out of range or unexpected ifindex */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rxq_config);
} rxq_config SEC(".maps");

/* one slot per queue, plus one for out-of-range queue numbers */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_RXQ + 1);
	__type(key, __u32);
	__type(value, struct rxq_stats);
} rxq_stats SEC(".maps");

SEC("xdp")
int xdp_rxq_info(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct rxq_config *cfg;
	struct rxq_stats *st;
	__u32 zero = 0, q = ctx->rx_queue_index;

	cfg = bpf_map_lookup_elem(&rxq_config, &zero);
	if (!cfg)
		return XDP_ABORTED;

	if (q >= MAX_RXQ)
		q = MAX_RXQ;
	st = bpf_map_lookup_elem(&rxq_stats, &q);
	if (!st)
		return XDP_ABORTED;
	st->processed++;
	if (q == MAX_RXQ || (cfg->ifindex && cfg->ifindex != ctx->ingress_ifindex))
		st->issue++;

	if (cfg->action == XDP_TX && (cfg->options & OPT_SWAP_MAC)) {
		if ((void *)(eth + 1) > data_end)
			return XDP_DROP;
		swap_macs(eth);
	}
	return cfg->action;
}

char _license[] SEC("license") = "GPL";
