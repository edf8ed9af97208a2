/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - shared definitions for the hxdp XDP test corpus.
 *
 * Header-parsing helpers (bounds-checked cursor style), checksum helpers and
 * the address plan that tests/gen/pktgen.c emits traffic for.
 *
 * Build (what the top-level Makefile does for every program P.c here):
 *   clang -O2 -g -Wall -target bpf -mcpu=v1 -I tests/progs -c P.c -o P.v1.o
 *   clang -O2 -g -Wall -target bpf -mcpu=v3 -I tests/progs -c P.c -o P.v3.o
 * tests/progs/asm/ holds tiny <asm/...> shims so the kernel UAPI headers
 * resolve without the host's multiarch include directory.
 */
#ifndef HXDP_TESTS_COMMON_H
#define HXDP_TESTS_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif

/* Ethertypes not always present in older UAPI headers. */
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* IPv4 fragment bits (host order, compare after bpf_ntohs). */
#define IP_MF     0x2000
#define IP_DF     0x4000
#define IP_OFFMASK 0x1fff

/* <linux/icmp.h> pulls in libc headers, so define the bits we need. */
struct icmphdr_echo {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO      8

/* 802.1Q / 802.1ad tag as it follows the MAC addresses. */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

/* IPv6 extension header generic prefix and fragment header. */
struct ipv6_opt_hdr_c {
	__u8 nexthdr;
	__u8 hdrlen; /* in 8-byte units, not counting the first 8 */
};
struct frag_hdr_c {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/* ---- address plan shared with tests/gen/pktgen.c -------------------- */
/* IPv4 literal in network byte order (constant-folded by clang). */
#define IP4(a, b, c, d) \
	bpf_htonl(((__u32)(a) << 24) | ((__u32)(b) << 16) | ((__u32)(c) << 8) | (__u32)(d))
/* Firewall inside network 10.0.0.0/8 (also set in xdp_firewall.maps.json). */
/* Load-balancer VIPs: 192.0.2.10 tcp/80, 192.0.2.10 tcp/443, 192.0.2.11 udp/53. */
/* Router prefixes: see xdp_router.maps.json. */

/* ---- cursor-based parsing helpers ------------------------------------ */
struct hdr_cursor {
	void *pos;
};

/* Parse Ethernet plus up to two VLAN tags (802.1Q / QinQ).
 * Returns the inner ethertype (network order) or -1 if truncated. */
static __always_inline int parse_ethhdr_vlan(struct hdr_cursor *nh, void *data_end,
					     struct ethhdr **ethhdr, int *vlans)
{
	struct ethhdr *eth = nh->pos;
	struct vlan_hdr *vlh;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	nh->pos = eth + 1;
	*ethhdr = eth;
	*vlans = 0;
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vlh = nh->pos;
		if ((void *)(vlh + 1) > data_end)
			return -1;
		proto = vlh->h_vlan_encapsulated_proto;
		nh->pos = vlh + 1;
		(*vlans)++;
	}
	return proto;
}

/* Plain Ethernet, no VLAN handling. Returns ethertype or -1. */
static __always_inline int parse_ethhdr(struct hdr_cursor *nh, void *data_end,
					struct ethhdr **ethhdr)
{
	struct ethhdr *eth = nh->pos;

	if ((void *)(eth + 1) > data_end)
		return -1;
	nh->pos = eth + 1;
	*ethhdr = eth;
	return eth->h_proto;
}

/* IPv4 header including options. Returns the L4 protocol, or -1 when the
 * header is truncated or malformed (ihl < 5, version != 4). */
static __always_inline int parse_iphdr(struct hdr_cursor *nh, void *data_end,
				       struct iphdr **iphdr)
{
	struct iphdr *iph = nh->pos;
	int hdrsize;

	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	hdrsize = iph->ihl * 4;
	if (nh->pos + hdrsize > data_end)
		return -1;
	nh->pos += hdrsize;
	*iphdr = iph;
	return iph->protocol;
}

/* Fixed IPv6 header only. Returns nexthdr or -1. */
static __always_inline int parse_ip6hdr(struct hdr_cursor *nh, void *data_end,
					struct ipv6hdr **ip6hdr)
{
	struct ipv6hdr *ip6h = nh->pos;

	if ((void *)(ip6h + 1) > data_end)
		return -1;
	if (ip6h->version != 6)
		return -1;
	nh->pos = ip6h + 1;
	*ip6hdr = ip6h;
	return ip6h->nexthdr;
}

/* UDP header. Returns payload length from the header or -1. */
static __always_inline int parse_udphdr(struct hdr_cursor *nh, void *data_end,
					struct udphdr **udphdr)
{
	struct udphdr *h = nh->pos;
	int len;

	if ((void *)(h + 1) > data_end)
		return -1;
	nh->pos = h + 1;
	*udphdr = h;
	len = bpf_ntohs(h->len) - (int)sizeof(struct udphdr);
	if (len < 0)
		return -1;
	return len;
}

/* TCP header including options. Returns header length or -1. */
static __always_inline int parse_tcphdr(struct hdr_cursor *nh, void *data_end,
					struct tcphdr **tcphdr)
{
	struct tcphdr *h = nh->pos;
	int len;

	if ((void *)(h + 1) > data_end)
		return -1;
	len = h->doff * 4;
	if (len < (int)sizeof(*h))
		return -1;
	if (nh->pos + len > data_end)
		return -1;
	nh->pos += len;
	*tcphdr = h;
	return len;
}

/* ---- checksum helpers ------------------------------------------------- */
static __always_inline __u16 csum_fold_helper(__u64 csum)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		if (csum >> 16)
			csum = (csum & 0xffff) + (csum >> 16);
	}
	return ~csum;
}

/* RFC 1624 incremental update: HC' = ~(~HC + ~m + m'), 16-bit fields. */
static __always_inline void csum_replace2(__sum16 *sum, __be16 old, __be16 new)
{
	__u32 c = (__u16)~(*sum);

	c += (__u16)~old;
	c += new;
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	*sum = ~c;
}

/* Full IPv4 header checksum of a 20-byte header, without helper calls. */
static __always_inline __u16 iph_csum20(struct iphdr *iph)
{
	__u16 *w = (__u16 *)iph;
	__u32 s = 0;
	int i;

	iph->check = 0;
#pragma unroll
	for (i = 0; i < (int)(sizeof(*iph) >> 1); i++)
		s += w[i];
	return csum_fold_helper(s);
}

static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

#endif /* HXDP_TESTS_COMMON_H */
