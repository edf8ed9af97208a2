// SPDX-License-Identifier: GPL-2.0
/* loader test: BTF-defined maps of several types, one program using them */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} t_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} t_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} t_percpu SEC(".maps");

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__type(key, struct lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} t_lpm_with_a_long_name SEC(".maps");

SEC("xdp")
int t_maps(struct xdp_md *ctx)
{
	__u32 k = 1, v = 7;
	struct lpm_key lk = { 32, ctx->ingress_ifindex };
	__u64 *a = bpf_map_lookup_elem(&t_array, &k);
	__u32 *p = bpf_map_lookup_elem(&t_percpu, &k);

	if (a)
		*a += 1;
	if (p)
		*p += 1;
	bpf_map_update_elem(&t_hash, &k, &v, BPF_ANY);
	return bpf_map_lookup_elem(&t_lpm_with_a_long_name, &lk) ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
