// SPDX-License-Identifier: GPL-2.0
/* xdp_tunnel: IP-in-IP encapsulator (like the paper's tx_ip_tunnel).
 *
 * IPv4 TCP/UDP packets whose (destination port, protocol) is in the
 * tunnels map get a new outer IPv4 header (protocol 4): the frame grows by
 * 20 bytes at the front with bpf_xdp_adjust_head, the Ethernet header is
 * rebuilt towards the tunnel next hop, the outer header checksum is computed
 * from scratch, and the frame leaves through the receiving port (XDP_TX).
 * Everything else is passed.
 */
#include "common.h"

struct tnl_key {
	__be16 dport;
	__u8 proto;
	__u8 pad;
};

struct tnl_dest {
	__be32 saddr;		/* outer source (our tunnel endpoint) */
	__be32 daddr;		/* outer destination (remote endpoint) */
	__u8 dmac[ETH_ALEN];	/* next hop towards daddr */
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct tnl_key);
	__type(value, struct tnl_dest);
} tunnels SEC(".maps");

/* encapsulated packets per inner IP protocol */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} encap_cnt SEC(".maps");

SEC("xdp")
int xdp_tunnel(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = data };
	struct tnl_key key = {};
	struct tnl_dest *td;
	struct ethhdr *eth, *old_eth;
	struct iphdr *iph, *outer;
	struct tcphdr *tcph;
	struct udphdr *udph;
	__u16 inner_len;
	__u8 inner_tos;
	__u32 proto;
	__u64 *cnt;

	if (parse_ethhdr(&nh, data_end, &eth) != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	proto = parse_iphdr(&nh, data_end, &iph);
	if (proto == IPPROTO_TCP) {
		if (parse_tcphdr(&nh, data_end, &tcph) < 0)
			return XDP_PASS;
		key.dport = tcph->dest;
	} else if (proto == IPPROTO_UDP) {
		if (parse_udphdr(&nh, data_end, &udph) < 0)
			return XDP_PASS;
		key.dport = udph->dest;
	} else {
		return XDP_PASS;
	}
	key.proto = proto;

	td = bpf_map_lookup_elem(&tunnels, &key);
	if (!td)
		return XDP_PASS;

	/* outer length covers the whole inner datagram */
	inner_len = bpf_ntohs(iph->tot_len);
	inner_tos = iph->tos;
	if (inner_len > 0xffff - sizeof(struct iphdr))
		return XDP_DROP;

	if (bpf_xdp_adjust_head(ctx, 0 - (int)sizeof(struct iphdr)))
		return XDP_DROP;

	/* all packet pointers are stale after adjust_head */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = data + sizeof(*eth);
	old_eth = data + sizeof(*outer);
	if ((void *)(outer + 1) > data_end)
		return XDP_DROP;

	/* new L2 header: old destination (us) becomes the source */
	__builtin_memcpy(eth->h_source, old_eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, td->dmac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

	outer->version = 4;
	outer->ihl = 5;
	outer->tos = inner_tos;
	outer->tot_len = bpf_htons(inner_len + sizeof(*outer));
	outer->id = 0;
	outer->frag_off = bpf_htons(IP_DF);
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->saddr = td->saddr;
	outer->daddr = td->daddr;
	outer->check = iph_csum20(outer);

	cnt = bpf_map_lookup_elem(&encap_cnt, &proto);
	if (cnt)
		*cnt += 1;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
