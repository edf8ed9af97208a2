// SPDX-License-Identifier: GPL-2.0
/* xdp_stamp: the hot-swap test program. Built twice, -DVERSION=1 and -DVERSION=2: it
 * writes VERSION into byte 60 of the frame first, works over the frame, writes VERSION
 * into byte 63 last and counts the packet in stamps[VERSION]. A packet run partly by
 * one version and partly by the other would carry two different stamps. Both versions
 * declare the same stamps map, so a swap carries its counts over. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef VERSION
#define VERSION 1
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} stamps SEC(".maps");

SEC("xdp")
int xdp_stamp(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;
	__u32 k = VERSION, sum = 0;
	__u64 *c;

	if (data + 64 > end)
		return XDP_DROP;
	data[60] = VERSION;
	for (int i = 0; i < 56; i++)
		sum += data[i] * (i + VERSION);
	data[61] = sum & 0xff;
	data[62] = (sum >> 8) & 0xff;
	c = bpf_map_lookup_elem(&stamps, &k);
	if (c)
		__sync_fetch_and_add(c, 1);
	data[63] = VERSION;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
