// SPDX-License-Identifier: GPL-2.0
/* xdp_ipcount_tx: count packets per IP protocol, swap the MACs and send the
 * frame back out (the shape of the paper's xdp2 benchmark). Frames too short
 * for their IP header are dropped. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_cnt SEC(".maps");

SEC("xdp")
int xdp_ipcount_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = data };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct ipv6hdr *ip6h;
	__u32 proto = 0;
	__u64 *cnt;
	int type, vlans;

	type = parse_ethhdr_vlan(&nh, data_end, &eth, &vlans);
	if (type < 0)
		return XDP_DROP;
	if (type == bpf_htons(ETH_P_IP)) {
		iph = nh.pos;
		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		proto = iph->protocol;
	} else if (type == bpf_htons(ETH_P_IPV6)) {
		ip6h = nh.pos;
		if ((void *)(ip6h + 1) > data_end)
			return XDP_DROP;
		proto = ip6h->nexthdr;
	}

	cnt = bpf_map_lookup_elem(&proto_cnt, &proto);
	if (cnt)
		*cnt += 1;
	swap_macs(eth);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
