// SPDX-License-Identifier: GPL-2.0
/* malformed: calls helper 9999, which no kernel has */
#include "common.h"

static long (*bogus_helper)(void) = (void *)9999;

SEC("xdp")
int b_helper(struct xdp_md *ctx)
{
	return bogus_helper() ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
