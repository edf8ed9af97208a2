// SPDX-License-Identifier: GPL-2.0
/* xdp_pass: the smallest possible XDP program, every packet goes up the stack. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
