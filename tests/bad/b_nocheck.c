// SPDX-License-Identifier: GPL-2.0
/* refused by the kernel's verifier: reads the packet without a bounds check */
#include "common.h"

SEC("xdp")
int b_nocheck(struct xdp_md *ctx)
{
	struct ethhdr *eth = (void *)(long)ctx->data;

	return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
