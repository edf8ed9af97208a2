// SPDX-License-Identifier: GPL-2.0
/* paper 5.2 baseline: swap the MACs and redirect to another port with the
 * bpf_redirect helper (15 Mpps) */
#include "mb.h"

#define OUT_IFINDEX 2

SEC("xdp")
int mb_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + sizeof(struct ethhdr) > data_end)
		return XDP_DROP;
	mb_swap_macs(data);
	return bpf_redirect(OUT_IFINDEX, 0);
}

char _license[] SEC("license") = "GPL";
