// SPDX-License-Identifier: GPL-2.0
/* xdp_meta: metadata area in front of the packet (bpf_xdp_adjust_meta).
 *
 * The program reserves 8 bytes of metadata, writes a classification mark
 * and a flow hash there (as an XDP program would for a later TC program or
 * AF_XDP consumer), then reads the mark back to pick the verdict: UDP to
 * the discard port (9) is dropped, everything else passed with its
 * metadata. Marks are counted per value.
 */
#include "common.h"

struct meta {
	__u32 mark;
	__u32 hash;
};

enum {
	MARK_OTHER = 1,
	MARK_TCP = 2,
	MARK_UDP = 3,
	MARK_ICMP = 4,
	MARK_DISCARD = 5,
	MARK_MAX = 8,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MARK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} mark_cnt SEC(".maps");

static __always_inline __u32 mix(__u32 a, __u32 b)
{
	__u32 h = a * 0x9e3779b1 ^ b;

	return h ^ (h >> 15);
}

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	void *data, *data_end, *data_meta;
	struct meta *m;
	struct ethhdr *eth;
	struct iphdr *iph;
	struct udphdr *uh;
	__u32 mark = MARK_OTHER, hash = 0, key;
	__u64 *c;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta)))
		return XDP_PASS;

	/* reload everything after the adjust */
	data_meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	m = data_meta;
	if ((void *)(m + 1) > data)
		return XDP_ABORTED;

	eth = data;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IP)) {
		hash = mix(bpf_ntohl(iph->saddr), bpf_ntohl(iph->daddr));
		if (iph->protocol == IPPROTO_TCP) {
			mark = MARK_TCP;
		} else if (iph->protocol == IPPROTO_ICMP) {
			mark = MARK_ICMP;
		} else if (iph->protocol == IPPROTO_UDP) {
			mark = MARK_UDP;
			uh = (void *)iph + iph->ihl * 4;
			if ((void *)(uh + 1) <= data_end && uh->dest == bpf_htons(9))
				mark = MARK_DISCARD;
		}
	}
	m->mark = mark;
	m->hash = hash;

	/* consumer side: decide from the metadata alone */
	key = m->mark;
	if (key >= MARK_MAX)
		return XDP_ABORTED;
	c = bpf_map_lookup_elem(&mark_cnt, &key);
	if (c)
		__sync_fetch_and_add(c, 1);
	return m->mark == MARK_DISCARD ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
