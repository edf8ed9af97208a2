// SPDX-License-Identifier: GPL-2.0
/* xdp_parser: full header parser.
 *
 * Ethernet, 802.1Q and QinQ (0x88a8), IPv4 with options and fragments, IPv6
 * with an extension-header chain (hop-by-hop, routing, fragment, destination
 * options, AH; bounded loop), then TCP, UDP, ICMP and ICMPv6. Non-first
 * fragments stop at L3; the UDP length check is skipped for fragments.
 * Every layer seen bumps a per-CPU counter. Malformed packets (truncated
 * headers, bad lengths, ihl < 5, doff < 5, ...) are dropped, the rest passed.
 */
#include "common.h"

enum parser_counter {
	CNT_ETH = 0,
	CNT_VLAN,	/* exactly one tag */
	CNT_QINQ,	/* two tags */
	CNT_IPV4,
	CNT_IPV4_OPTS,	/* ihl > 5 */
	CNT_IPV4_FRAG,	/* MF set or offset != 0 */
	CNT_IPV6,
	CNT_IPV6_EXT,	/* at least one extension header */
	CNT_TCP,
	CNT_UDP,
	CNT_ICMP,
	CNT_ICMPV6,
	CNT_OTHER_L3,	/* not IP: passed */
	CNT_OTHER_L4,	/* IP, unknown L4: passed */
	CNT_MALFORMED,	/* dropped */
	CNT_MAX,
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, struct counter);
} parser_stats SEC(".maps");

#define IPV6_MAX_EXT 8

static __always_inline void bump(__u32 idx, __u64 bytes)
{
	struct counter *c = bpf_map_lookup_elem(&parser_stats, &idx);

	/* per-CPU value: no atomics needed */
	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* Walk IPv6 extension headers. Returns the upper-layer protocol, or -1 if
 * the chain is truncated, too long or a non-first fragment hides L4. */
static __always_inline int skip_ip6hdrext(struct hdr_cursor *nh, void *data_end,
					  __u8 next, int *nexts, int *frag)
{
	struct ipv6_opt_hdr_c *hdr;
	struct frag_hdr_c *fh;
	int i;

	*nexts = 0;
	for (i = 0; i < IPV6_MAX_EXT; i++) {
		hdr = nh->pos;
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			/* length in 8-octet units, excluding the first 8 */
			if ((void *)(hdr + 1) > data_end ||
			    nh->pos + (hdr->hdrlen + 1) * 8 > data_end)
				return -1;
			next = hdr->nexthdr;
			nh->pos += (hdr->hdrlen + 1) * 8;
			break;
		case IPPROTO_AH:
			/* length in 4-octet units, minus 2 */
			if ((void *)(hdr + 1) > data_end ||
			    nh->pos + (hdr->hdrlen + 2) * 4 > data_end)
				return -1;
			next = hdr->nexthdr;
			nh->pos += (hdr->hdrlen + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			fh = nh->pos;
			if ((void *)(fh + 1) > data_end)
				return -1;
			next = fh->nexthdr;
			nh->pos = fh + 1;
			/* M flag or offset: part of a fragmented datagram */
			if (fh->frag_off & bpf_htons(0xfff9))
				*frag = 1;
			/* offset != 0: no upper-layer header in this fragment */
			if (fh->frag_off & bpf_htons(0xfff8))
				return IPPROTO_NONE;
			break;
		default:
			return next;
		}
		(*nexts)++;
	}
	/* chain longer than we are willing to walk */
	return -1;
}

SEC("xdp")
int xdp_parser(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct hdr_cursor nh = { .pos = data };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct ipv6hdr *ip6h;
	struct tcphdr *tcph;
	struct udphdr *udph;
	struct icmphdr_echo *icmph;
	struct icmp6hdr *icmp6h;
	int eth_type, ip_type, vlans, nexts, frag = 0;
	void *l3;

	eth_type = parse_ethhdr_vlan(&nh, data_end, &eth, &vlans);
	if (eth_type < 0)
		goto malformed;
	bump(CNT_ETH, bytes);
	if (vlans == 1)
		bump(CNT_VLAN, bytes);
	else if (vlans == 2)
		bump(CNT_QINQ, bytes);

	l3 = nh.pos;
	if (eth_type == bpf_htons(ETH_P_IP)) {
		ip_type = parse_iphdr(&nh, data_end, &iph);
		if (ip_type < 0)
			goto malformed;
		/* total length must cover the header and fit in the frame */
		if (bpf_ntohs(iph->tot_len) < iph->ihl * 4 ||
		    l3 + bpf_ntohs(iph->tot_len) > data_end)
			goto malformed;
		bump(CNT_IPV4, bytes);
		if (iph->ihl > 5)
			bump(CNT_IPV4_OPTS, bytes);
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFMASK)) {
			frag = 1;
			bump(CNT_IPV4_FRAG, bytes);
			/* later fragments carry no L4 header */
			if (iph->frag_off & bpf_htons(IP_OFFMASK))
				return XDP_PASS;
		}
	} else if (eth_type == bpf_htons(ETH_P_IPV6)) {
		ip_type = parse_ip6hdr(&nh, data_end, &ip6h);
		if (ip_type < 0)
			goto malformed;
		if (nh.pos + bpf_ntohs(ip6h->payload_len) > data_end)
			goto malformed;
		bump(CNT_IPV6, bytes);
		ip_type = skip_ip6hdrext(&nh, data_end, ip_type, &nexts, &frag);
		if (ip_type < 0)
			goto malformed;
		if (nexts > 0)
			bump(CNT_IPV6_EXT, bytes);
	} else {
		bump(CNT_OTHER_L3, bytes);
		return XDP_PASS;
	}

	switch (ip_type) {
	case IPPROTO_TCP:
		if (parse_tcphdr(&nh, data_end, &tcph) < 0)
			goto malformed;
		bump(CNT_TCP, bytes);
		break;
	case IPPROTO_UDP:
		if (parse_udphdr(&nh, data_end, &udph) < 0)
			goto malformed;
		/* UDP length may not run past the frame (unless fragmented) */
		if (!frag && (void *)udph + bpf_ntohs(udph->len) > data_end)
			goto malformed;
		bump(CNT_UDP, bytes);
		break;
	case IPPROTO_ICMP:
		icmph = nh.pos;
		if ((void *)(icmph + 1) > data_end)
			goto malformed;
		bump(CNT_ICMP, bytes);
		break;
	case IPPROTO_ICMPV6:
		icmp6h = nh.pos;
		if ((void *)icmp6h + 4 > data_end)
			goto malformed;
		bump(CNT_ICMPV6, bytes);
		break;
	default:
		bump(CNT_OTHER_L4, bytes);
		break;
	}
	return XDP_PASS;

malformed:
	bump(CNT_MALFORMED, bytes);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
