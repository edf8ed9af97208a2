// SPDX-License-Identifier: GPL-2.0
/* xdp_loadstore: packet access through helpers instead of direct pointers.
 *
 * A DSCP re-marker: the Ethernet and IPv4 headers are copied to the stack
 * with bpf_xdp_load_bytes, the TOS byte is rewritten from a per-protocol
 * policy map (incremental checksum update) and the header is written back
 * with bpf_xdp_store_bytes. It also records bpf_xdp_get_buff_len() in a size
 * histogram and reads the frame's last 4 bytes at a variable offset.
 * Verdict: XDP_PASS, or XDP_DROP when a helper refuses the access.
 */
#include "common.h"

struct dscp_policy {
	__u8 enabled;
	__u8 dscp;	/* new DSCP (6 bits) */
	__u8 pad[2];
};

enum {
	LS_SEEN = 0,
	LS_REMARKED,
	LS_NON_IP,
	LS_TRAILER_XOR,	/* XOR of every frame's last 4 bytes */
	LS_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);	/* indexed by IP protocol */
	__type(key, __u32);
	__type(value, struct dscp_policy);
} dscp_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ls_stats SEC(".maps");

/* buckets: <128, <256, <512, <1024, >=1024 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} len_hist SEC(".maps");

static __always_inline void add(void *map, __u32 idx, __u64 v)
{
	__u64 *c = bpf_map_lookup_elem(map, &idx);

	if (c)
		__sync_fetch_and_add(c, v);
}

SEC("xdp")
int xdp_loadstore(struct xdp_md *ctx)
{
	struct ethhdr eth;
	struct iphdr iph;
	struct dscp_policy *pol;
	__u32 len, bucket, proto, trailer;
	__be16 old_word, new_word;
	__u8 tos;

	len = bpf_xdp_get_buff_len(ctx);
	bucket = len < 128 ? 0 : len < 256 ? 1 : len < 512 ? 2 : len < 1024 ? 3 : 4;
	add(&len_hist, bucket, 1);
	add(&ls_stats, LS_SEEN, 1);

	/* variable offset: the last 4 bytes of the frame */
	if (len >= 4 && len <= 0xffff &&
	    bpf_xdp_load_bytes(ctx, len - 4, &trailer, sizeof(trailer)) == 0) {
		__u32 idx = LS_TRAILER_XOR;
		__u64 *x = bpf_map_lookup_elem(&ls_stats, &idx);

		if (x)
			*x ^= trailer;
	}

	if (bpf_xdp_load_bytes(ctx, 0, &eth, sizeof(eth)))
		return XDP_DROP;
	if (eth.h_proto != bpf_htons(ETH_P_IP) ||
	    bpf_xdp_load_bytes(ctx, sizeof(eth), &iph, sizeof(iph)) || iph.version != 4) {
		add(&ls_stats, LS_NON_IP, 1);
		return XDP_PASS;
	}

	proto = iph.protocol;
	pol = bpf_map_lookup_elem(&dscp_policy, &proto);
	if (!pol || !pol->enabled)
		return XDP_PASS;
	tos = (pol->dscp << 2) | (iph.tos & 3);	/* keep ECN bits */
	if (tos == iph.tos)
		return XDP_PASS;

	/* TOS shares a checksum word with version/ihl */
	old_word = *(__be16 *)&iph;
	iph.tos = tos;
	new_word = *(__be16 *)&iph;
	csum_replace2(&iph.check, old_word, new_word);

	if (bpf_xdp_store_bytes(ctx, sizeof(eth), &iph, sizeof(iph)))
		return XDP_DROP;
	add(&ls_stats, LS_REMARKED, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
