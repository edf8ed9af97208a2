// SPDX-License-Identifier: GPL-2.0
/* oracle test: nondeterministic helpers. n_map stores the clock in a map (checkable
 * with a nondet mask); n_pkt writes a random number into the packet (never checkable):
 * hxdp check must report both without masks, proving it compares what it claims. */
#include "common.h"

struct stamp {
	__u64 packets;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stamp);
} n_stamps SEC(".maps");

SEC("xdp")
int n_map(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct stamp *s = bpf_map_lookup_elem(&n_stamps, &k);

	if (!s)
		return XDP_ABORTED;
	s->packets++;
	s->last_ns = bpf_ktime_get_ns();
	return XDP_PASS;
}

SEC("xdp")
int n_pkt(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;

	if (data + 4 > end)
		return XDP_DROP;
	*(__u32 *)data = bpf_get_prandom_u32();
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
