// SPDX-License-Identifier: GPL-2.0
/* loader test: several XDP programs, modern and legacy section names */
#include "common.h"

SEC("xdp")
int t_first(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp/second")
int t_second(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp_legacy")
int t_third(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp.frags")
int t_frags(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
