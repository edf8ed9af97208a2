// SPDX-License-Identifier: GPL-2.0
/* bench_parse: a packet-parsing loop for the interpreter benchmark (issue 3). After the
 * Ethernet header the payload is walked as 8-byte records (type byte, flags byte,
 * 16-bit length, 32-bit value) until the packet ends, at most 190 records (1514-byte
 * frames): a bounds check, loads, a classification by type and counters every step. The
 * loop stays a loop (unrolling disabled), so instructions executed grow with the
 * packet size. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#define MAX_RECORDS 190

struct rec {
	__u8 type, flags;
	__u16 len;
	__u32 val;
};

SEC("xdp")
int bench_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct rec *r = data + sizeof(struct ethhdr);
	__u32 sum = 0, big = 0, odd = 0, zero = 0;
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < MAX_RECORDS; i++) {
		if ((void *)(r + 1) > end)
			break;
		if (r->type == 0)
			zero++;
		else if (r->type & 1)
			odd += r->flags;
		else if (r->len > 0x4000)
			big++;
		sum += r->val ^ r->len;
		r++;
	}
	if (zero > odd + big)
		return XDP_PASS;
	return (sum & 1) ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
