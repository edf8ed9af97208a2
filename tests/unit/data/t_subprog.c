// SPDX-License-Identifier: GPL-2.0
/* loader test: bpf-to-bpf calls into .text (static and global), nested, shared by
 * two programs */
#include "common.h"

static __noinline __u32 t_leaf(__u32 x)
{
	return x * 3 + 1;
}

static __noinline __u32 t_mid(__u32 x)
{
	return t_leaf(x) + t_leaf(x + 1);
}

__noinline int t_global_fn(struct xdp_md *ctx)
{
	return ctx ? (int)(ctx->data_end - ctx->data) : 0;
}

SEC("xdp")
int t_sub_a(struct xdp_md *ctx)
{
	__u32 v = t_mid(ctx->rx_queue_index) + t_global_fn(ctx);

	return v & 1 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int t_sub_b(struct xdp_md *ctx)
{
	return t_leaf(ctx->rx_queue_index) == 1 ? XDP_PASS : XDP_ABORTED;
}

char _license[] SEC("license") = "GPL";
