// SPDX-License-Identifier: GPL-2.0
/* xdp_redirect_ifindex: redirect with bpf_redirect(ifindex) instead of a map.
 * The egress ifindex is a load-time constant in .rodata (default 1, "lo").
 * MACs are rewritten first, as a real L2 forwarder would. */
#include "common.h"

const volatile __u32 egress_ifindex = 1;
const volatile __u8 egress_dmac[ETH_ALEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

SEC("xdp")
int xdp_redirect_ifindex(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	int i;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;

	/* old destination becomes the source, configured next hop the dest */
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
#pragma unroll
	for (i = 0; i < ETH_ALEN; i++)
		eth->h_dest[i] = egress_dmac[i];

	return bpf_redirect(egress_ifindex, 0);
}

char _license[] SEC("license") = "GPL";
