// SPDX-License-Identifier: GPL-2.0
/* malformed for hxdp: an XDP program beside a TC classifier */
#include "common.h"

SEC("xdp")
int b_ok(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int b_classifier(struct __sk_buff *skb)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
