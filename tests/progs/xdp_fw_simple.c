// SPDX-License-Identifier: GPL-2.0
/* xdp_fw_simple: the paper's "simple firewall", sized like it (about 70 eBPF
 * instructions). IPv4 TCP/UDP flows are keyed by their 5-tuple; a packet from
 * the inside network records its flow and the reverse direction, a packet from
 * outside passes only when its flow is known. Everything else is passed. The
 * benchmarks compare its rows and Mpps with the paper's figures. */
#include "common.h"

struct fw_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u32 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fw_key);
	__type(value, __u64);
} fw_flows SEC(".maps");

SEC("xdp")
int xdp_fw_simple(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *l4 = (void *)(ip + 1);	/* ports sit where UDP has them */
	struct fw_key key = {};
	__u64 *seen, one = 1;

	if ((void *)(l4 + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return XDP_PASS;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	key.proto = ip->protocol;
	if ((ip->saddr & IP4(255, 0, 0, 0)) == IP4(10, 0, 0, 0)) {
		/* inside -> outside: remember the flow as seen from outside */
		key.saddr = ip->daddr;
		key.daddr = ip->saddr;
		key.sport = l4->dest;
		key.dport = l4->source;
		bpf_map_update_elem(&fw_flows, &key, &one, BPF_ANY);
		return XDP_TX;
	}
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = l4->source;
	key.dport = l4->dest;
	seen = bpf_map_lookup_elem(&fw_flows, &key);
	if (!seen)
		return XDP_DROP;
	__sync_fetch_and_add(seen, 1);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
