// SPDX-License-Identifier: GPL-2.0
/* xdp_subprog: BPF-to-BPF calls.
 *
 * The parse is split into real (noinline) functions, several levels deep:
 *   xdp_subprog -> classify -> parse_ipv4 -> parse_ports -> port_hash
 *               -> port_policy (global function, verified on its own)
 *               -> echo_reply  -> swap_eth
 * Static subprograms take packet, stack and map-value pointers; the global
 * one takes scalars only. Verdict: blocked ports dropped, UDP echo (port 7)
 * answered with XDP_TX, everything else passed. Results are counted per
 * class and per port bucket.
 */
#include "common.h"

enum pkt_class {
	CLS_OTHER = 0,
	CLS_TCP,
	CLS_UDP,
	CLS_BLOCKED,
	CLS_ECHO,
	CLS_BAD,
	CLS_MAX,
};

enum {
	POLICY_PASS = 0,
	POLICY_BLOCK = 1,
	POLICY_ECHO = 2,
};

struct pkt_info {
	__u32 l4_proto;
	__u16 sport;	/* host order */
	__u16 dport;
	__u32 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CLS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} class_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} bucket_cnt SEC(".maps");

/* level 4: pure arithmetic on scalars */
static __noinline __u32 port_hash(__u32 sport, __u32 dport)
{
	__u32 h = (sport * 31) ^ (dport * 17);

	return (h ^ (h >> 4)) & 15;
}

/* level 3: read the port pair behind the IP header */
static __noinline int parse_ports(void *l4, void *data_end, struct pkt_info *pi)
{
	struct udphdr *uh = l4;	/* ports sit at the same offsets for TCP */

	if ((void *)(uh + 1) > data_end)
		return -1;
	pi->sport = bpf_ntohs(uh->source);
	pi->dport = bpf_ntohs(uh->dest);
	pi->bucket = port_hash(pi->sport, pi->dport);
	return 0;
}

/* level 2: IPv4 header, then ports for TCP/UDP */
static __noinline int parse_ipv4(void *l3, void *data_end, struct pkt_info *pi)
{
	struct iphdr *iph = l3;
	__u32 hlen;

	if ((void *)(iph + 1) > data_end)
		return -1;
	hlen = iph->ihl * 4;
	if (hlen < sizeof(*iph))
		return -1;
	pi->l4_proto = iph->protocol;
	if (iph->frag_off & bpf_htons(IP_OFFMASK))
		return 0;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return 0;
	return parse_ports(l3 + hlen, data_end, pi);
}

/* level 1: Ethernet, returns the class before policy */
static __noinline int classify(struct xdp_md *ctx, struct pkt_info *pi)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return CLS_BAD;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return CLS_OTHER;
	if (parse_ipv4(eth + 1, data_end, pi) < 0)
		return CLS_BAD;
	if (pi->l4_proto == IPPROTO_TCP)
		return CLS_TCP;
	if (pi->l4_proto == IPPROTO_UDP)
		return CLS_UDP;
	return CLS_OTHER;
}

/* Global function: verified independently, scalar arguments only. */
__noinline int port_policy(__u32 proto, __u32 dport)
{
	/* NetBIOS and SMB never come in */
	if ((dport >= 135 && dport <= 139) || dport == 445)
		return POLICY_BLOCK;
	if (proto == IPPROTO_UDP && dport == 7)
		return POLICY_ECHO;
	return POLICY_PASS;
}

static __noinline void swap_eth(struct ethhdr *eth)
{
	swap_macs(eth);
}

/* UDP echo: swap L2, L3 and L4 endpoints (checksums are unchanged by swaps) */
static __noinline int echo_reply(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *uh;
	__be32 a;
	__be16 p;

	if ((void *)(iph + 1) > data_end || iph->ihl != 5)
		return XDP_PASS;
	uh = (void *)(iph + 1);
	if ((void *)(uh + 1) > data_end)
		return XDP_PASS;
	swap_eth(eth);
	a = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = a;
	p = uh->source;
	uh->source = uh->dest;
	uh->dest = p;
	return XDP_TX;
}

static __noinline void count(void *map, __u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(map, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("xdp")
int xdp_subprog(struct xdp_md *ctx)
{
	struct pkt_info pi = {};
	int cls, pol, action = XDP_PASS;

	cls = classify(ctx, &pi);
	if (cls == CLS_TCP || cls == CLS_UDP) {
		count(&bucket_cnt, pi.bucket);
		pol = port_policy(pi.l4_proto, pi.dport);
		if (pol == POLICY_BLOCK) {
			cls = CLS_BLOCKED;
			action = XDP_DROP;
		} else if (pol == POLICY_ECHO) {
			action = echo_reply(ctx);
			if (action == XDP_TX)
				cls = CLS_ECHO;
		}
	} else if (cls == CLS_BAD) {
		action = XDP_DROP;
	}
	count(&class_cnt, cls);
	return action;
}

char _license[] SEC("license") = "GPL";
