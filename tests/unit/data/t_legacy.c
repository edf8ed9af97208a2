// SPDX-License-Identifier: GPL-2.0
/* loader test: a legacy "maps" section definition (libbpf 1.x refuses these) */
#include "common.h"

struct bpf_map_def_legacy {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct bpf_map_def_legacy t_old SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1,
};

SEC("xdp")
int t_legacy(struct xdp_md *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&t_old, &k) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
