// SPDX-License-Identifier: GPL-2.0
/* loader test: map-in-map with an inner template */
#include "common.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner t_in0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} t_outer SEC(".maps");

SEC("xdp")
int t_mim(struct xdp_md *ctx)
{
	__u32 k = 0, *v;
	void *in = bpf_map_lookup_elem(&t_outer, &k);

	if (!in)
		return XDP_ABORTED;
	v = bpf_map_lookup_elem(in, &k);
	return v ? *v & 3 : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
