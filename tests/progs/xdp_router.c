// SPDX-License-Identifier: GPL-2.0
/* xdp_router: IPv4 LPM router (the paper's router_ipv4).
 *
 * Longest-prefix match of the destination in an LPM_TRIE gives an egress
 * slot and next-hop MAC. The router rewrites both MACs, decrements the TTL
 * with an RFC 1624 incremental checksum update and redirects through a
 * DEVMAP. Packets it cannot route (no route, TTL <= 1, IP options, not
 * IPv4) go to the stack; an empty DEVMAP slot drops the frame.
 */
#include "common.h"

struct lpm_v4_key {
	__u32 prefixlen;
	__be32 addr;
};

struct route {
	__u32 port;		/* DEVMAP slot */
	__u8 dmac[ETH_ALEN];	/* next hop */
	__u8 smac[ETH_ALEN];	/* our MAC on that port */
};

struct port_stats {
	__u64 packets;
	__u64 bytes;
};

enum {
	RT_NO_ROUTE = 0,
	RT_TTL_EXCEEDED,
	RT_NOT_ROUTABLE,	/* non-IPv4, options, fragments of bad headers */
	RT_MISC_MAX,
};

#define RT_PORTS 4

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct lpm_v4_key);
	__type(value, struct route);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, RT_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RT_PORTS);
	__type(key, __u32);
	__type(value, struct port_stats);
} port_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RT_MISC_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rt_misc SEC(".maps");

static __always_inline int misc(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&rt_misc, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_router(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);
	struct lpm_v4_key key;
	struct route *rt;
	struct port_stats *ps;
	__be16 old_word, *ttl_word;
	__u32 port;

	if ((void *)(iph + 1) > data_end)
		return misc(RT_NOT_ROUTABLE);
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->version != 4 || iph->ihl != 5)
		return misc(RT_NOT_ROUTABLE);
	if (iph->ttl <= 1)
		return misc(RT_TTL_EXCEEDED);

	key.prefixlen = 32;
	key.addr = iph->daddr;
	rt = bpf_map_lookup_elem(&routes, &key);
	if (!rt)
		return misc(RT_NO_ROUTE);
	port = rt->port;

	/* TTL and protocol share one 16-bit checksum word */
	ttl_word = (__be16 *)&iph->ttl;
	old_word = *ttl_word;
	iph->ttl--;
	csum_replace2(&iph->check, old_word, *ttl_word);

	__builtin_memcpy(eth->h_dest, rt->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, rt->smac, ETH_ALEN);

	ps = bpf_map_lookup_elem(&port_stats, &port);
	if (ps) {
		__sync_fetch_and_add(&ps->packets, 1);
		__sync_fetch_and_add(&ps->bytes, data_end - data);
	}
	return bpf_redirect_map(&tx_ports, port, XDP_DROP);
}

char _license[] SEC("license") = "GPL";
