// SPDX-License-Identifier: GPL-2.0
/* paper 5.2 baseline: XDP_DROP (52 Mpps with early exit, 22 without) */
#include "mb.h"

SEC("xdp")
int mb_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
