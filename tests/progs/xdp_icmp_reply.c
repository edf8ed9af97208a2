// SPDX-License-Identifier: GPL-2.0
/* xdp_icmp_reply: answer ICMP echo requests from XDP (in the spirit of the
 * paper's xdp_adjust_tail).
 *
 * Requests are turned into replies in place: MACs and IPs swapped, TTL reset,
 * type 8 -> 0. Replies are capped at REPLY_ICMP_LEN bytes of ICMP message:
 * larger requests are trimmed with bpf_xdp_adjust_tail and their ICMP
 * checksum recomputed with bpf_csum_diff; smaller ones get an incremental
 * checksum update. The IPv4 header checksum is always recomputed with
 * bpf_csum_diff. Then XDP_TX. Everything else is passed.
 */
#include "common.h"

#define REPLY_ICMP_LEN 64	/* 8-byte header + 56 bytes of data (ping default) */
#define REPLY_FRAME_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + REPLY_ICMP_LEN)

enum {
	ICMPR_REPLIED = 0,	/* reply, same size */
	ICMPR_TRIMMED,		/* reply, trimmed */
	ICMPR_PASSED,		/* not an echo request */
	ICMPR_BAD,		/* echo request with inconsistent length */
	ICMPR_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ICMPR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} icmpr_stats SEC(".maps");

static __always_inline int done(__u32 idx, int action)
{
	__u64 *c = bpf_map_lookup_elem(&icmpr_stats, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
	return action;
}

/* Swap addresses, reset TTL and recompute the header checksum. */
static __always_inline void ip_reply(struct iphdr *iph)
{
	__be32 tmp = iph->saddr;
	__s64 sum;

	iph->saddr = iph->daddr;
	iph->daddr = tmp;
	iph->ttl = 64;
	iph->check = 0;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)iph, sizeof(*iph), 0);
	iph->check = csum_fold_helper(sum);
}

SEC("xdp")
int xdp_icmp_reply(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);
	struct icmphdr_echo *icmph = (void *)(iph + 1);
	__u16 tot_len;
	__s64 sum;
	int delta;

	if ((void *)(icmph + 1) > data_end)
		return done(ICMPR_PASSED, XDP_PASS);
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->version != 4 || iph->ihl != 5 ||
	    iph->protocol != IPPROTO_ICMP || (iph->frag_off & bpf_htons(IP_MF | IP_OFFMASK)))
		return done(ICMPR_PASSED, XDP_PASS);
	if (icmph->type != ICMP_ECHO || icmph->code != 0)
		return done(ICMPR_PASSED, XDP_PASS);

	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < sizeof(*iph) + sizeof(*icmph) || (void *)iph + tot_len > data_end)
		return done(ICMPR_BAD, XDP_DROP);

	swap_macs(eth);

	if (tot_len <= sizeof(*iph) + REPLY_ICMP_LEN) {
		/* small request: only the type byte changes */
		icmph->type = ICMP_ECHOREPLY;
		csum_replace2(&icmph->checksum, bpf_htons(ICMP_ECHO << 8),
			      bpf_htons(ICMP_ECHOREPLY << 8));
		ip_reply(iph);
		return done(ICMPR_REPLIED, XDP_TX);
	}

	/* large request: cut the frame (and any padding) to the reply size */
	delta = (int)REPLY_FRAME_LEN - (int)(data_end - data);
	if (bpf_xdp_adjust_tail(ctx, delta))
		return done(ICMPR_BAD, XDP_DROP);

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	iph = data + sizeof(struct ethhdr);
	icmph = (void *)(iph + 1);
	if ((void *)icmph + REPLY_ICMP_LEN > data_end)
		return done(ICMPR_BAD, XDP_DROP);

	iph->tot_len = bpf_htons(sizeof(*iph) + REPLY_ICMP_LEN);
	ip_reply(iph);

	icmph->type = ICMP_ECHOREPLY;
	icmph->checksum = 0;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)icmph, REPLY_ICMP_LEN, 0);
	icmph->checksum = csum_fold_helper(sum);
	return done(ICMPR_TRIMMED, XDP_TX);
}

char _license[] SEC("license") = "GPL";
