// SPDX-License-Identifier: GPL-2.0
/* xdp_ipcount_drop: count packets per IP protocol, then drop them (the
 * shape of the paper's xdp1 benchmark). Ethernet with up to two VLAN tags;
 * the IPv4 protocol or the IPv6 next header is the counter index, non-IP
 * traffic is counted under index 0. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_cnt SEC(".maps");

SEC("xdp")
int xdp_ipcount_drop(struct xdp_md *ctx)
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
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
