// SPDX-License-Identifier: GPL-2.0
/* xdp_csum_loop: helper-heavy program built around bpf_csum_diff.
 *
 *  - verifies the IPv4 header checksum n_rounds times (load-time constant,
 *    default 10; the paper measured 1/10/20/30/40 helper calls per packet),
 *  - sums the first bytes after the IPv4 header in 32-byte chunks, chaining
 *    the running sum through bpf_csum_diff's seed argument (a real,
 *    not-unrolled loop with a packet pointer that advances),
 *  - records the result and bounces good packets back (MAC swap, XDP_TX).
 * Bad header checksums are dropped; non-IPv4 or IP options are passed.
 */
#include "common.h"

#define MAX_ROUNDS	40
#define CHUNK		32
#define MAX_CHUNKS	16

const volatile __u32 n_rounds = 10;

struct csum_result {
	__u64 packets;
	__u64 bad_hdr;
	__u32 last_payload_sum;	/* folded, of the last good packet */
	__u32 last_chunks;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct csum_result);
} csum_res SEC(".maps");

SEC("xdp")
int xdp_csum_loop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct csum_result *res;
	__u32 zero = 0, i, chunks = 0, rounds = n_rounds;
	__s64 hsum = 0, psum = 0;
	void *p;

	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->version != 4 || iph->ihl != 5)
		return XDP_PASS;
	res = bpf_map_lookup_elem(&csum_res, &zero);
	if (!res)
		return XDP_ABORTED;

	/* same header, n_rounds helper calls: all must fold to zero */
	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	for (i = 0; i < MAX_ROUNDS; i++) {
		if (i >= rounds)
			break;
		hsum = bpf_csum_diff(NULL, 0, (__be32 *)iph, sizeof(*iph), 0);
		if (csum_fold_helper(hsum) != 0) {
			__sync_fetch_and_add(&res->bad_hdr, 1);
			return XDP_DROP;
		}
	}

	/* chained payload checksum over whole 32-byte chunks */
	p = iph + 1;
#pragma clang loop unroll(disable)
	for (i = 0; i < MAX_CHUNKS; i++) {
		if (p + CHUNK > data_end)
			break;
		psum = bpf_csum_diff(NULL, 0, p, CHUNK, psum);
		p += CHUNK;
		chunks++;
	}

	__sync_fetch_and_add(&res->packets, 1);
	res->last_payload_sum = csum_fold_helper(psum);
	res->last_chunks = chunks;

	swap_macs(eth);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
