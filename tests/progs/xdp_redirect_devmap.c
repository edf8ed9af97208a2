// SPDX-License-Identifier: GPL-2.0
/* xdp_redirect_devmap: forward every frame to another port through device
 * maps (the paper's redirect_map). IPv4 and other traffic use slot 0 of a
 * DEVMAP (independent of the ingress port); IPv6 uses a DEVMAP_HASH keyed by
 * the egress ifindex. Counts per-ethertype-class forwards in an ARRAY. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32); /* egress ifindex */
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);   /* ifindex */
	__type(value, __u32); /* egress ifindex */
} tx_port_v6 SEC(".maps");

/* which ifindex the IPv6 path uses as DEVMAP_HASH key */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} v6_egress SEC(".maps");

/* 0: v4/other redirected, 1: v6 redirected, 2: runt dropped */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} redir_stats SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&redir_stats, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("xdp")
int xdp_redirect_devmap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 zero = 0, *ifx;

	if ((void *)(eth + 1) > data_end) {
		count(2);
		return XDP_DROP;
	}

	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ifx = bpf_map_lookup_elem(&v6_egress, &zero);
		if (ifx && *ifx) {
			count(1);
			/* unknown key falls back to XDP_PASS */
			return bpf_redirect_map(&tx_port_v6, *ifx, XDP_PASS);
		}
	}

	count(0);
	/* empty slot falls back to XDP_DROP */
	return bpf_redirect_map(&tx_port, 0, XDP_DROP);
}

char _license[] SEC("license") = "GPL";
