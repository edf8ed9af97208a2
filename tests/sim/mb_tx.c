// SPDX-License-Identifier: GPL-2.0
/* paper 5.2 baseline: swap the MACs and send back, XDP_TX (22.5 Mpps) */
#include "mb.h"

SEC("xdp")
int mb_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + sizeof(struct ethhdr) > data_end)
		return XDP_DROP;
	mb_swap_macs(data);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
