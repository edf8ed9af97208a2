// SPDX-License-Identifier: GPL-2.0
/* malformed for hxdp: a map type it does not model */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8);
	__uint(key_size, 4);
	__uint(value_size, 64);
} b_stacks SEC(".maps");

SEC("xdp")
int b_maptype(struct xdp_md *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&b_stacks, &k) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
