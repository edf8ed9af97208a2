// SPDX-License-Identifier: GPL-2.0
/* xdp_drop: drops every packet (the paper's XDP_DROP baseline). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
