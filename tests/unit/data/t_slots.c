// SPDX-License-Identifier: GPL-2.0
/* loader test: prog array and map-in-map slots initialised statically in .maps */
#include "common.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner t_in_a SEC(".maps"), t_in_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} t_outer SEC(".maps") = {
	.values = { [1] = &t_in_b, [3] = &t_in_a },
};

int t_target(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} t_jmp SEC(".maps") = {
	.values = { [2] = (void *)&t_target },
};

SEC("xdp")
int t_target(struct xdp_md *ctx)
{
	__u32 k = 1, z = 0, *v;
	void *in = bpf_map_lookup_elem(&t_outer, &k);

	if (!in)
		return XDP_ABORTED;
	v = bpf_map_lookup_elem(in, &z);
	if (v)
		*v += 1;
	return XDP_TX;
}

SEC("xdp")
int t_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &t_jmp, 2);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
