// SPDX-License-Identifier: GPL-2.0
/* xdp_txswap: swap source and destination MAC and bounce the frame back out
 * of the receiving port (the paper's XDP_TX baseline). Runts are dropped. */
#include "common.h"

SEC("xdp")
int xdp_txswap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;

	swap_macs(eth);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
