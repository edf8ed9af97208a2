// SPDX-License-Identifier: GPL-2.0
/* bench_big: a ~2,700-instruction program for the compile-time benchmark (issue 5).
 * A long unrolled parser/counter chain: after one bounds check, STEPS payload bytes
 * are each classified against a per-position constant, with branches, ALU chains and
 * eight counters kept in registers and on the stack, then folded into the verdict. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#ifndef STEPS
#define STEPS 180
#endif
#define SPAN 192	/* payload bytes checked once, >= STEPS */

SEC("xdp")
int bench_big(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	volatile __u32 cnt[8] = { 0 };
	__u8 *p = data + sizeof(struct ethhdr);
	__u32 acc = 0x811c9dc5, hits = 0;

	if ((void *)(p + SPAN) > end)
		return XDP_PASS;
#pragma clang loop unroll(full)
	for (int i = 0; i < STEPS; i++) {
		__u32 b = p[i];

		if (b == ((i * 37 + 11) & 0xff)) {
			cnt[i & 7] += i;
			hits++;
		} else if (b > 0x80) {
			acc = (acc ^ b) * 0x01000193;
		} else {
			acc += (b << (i & 7)) ^ hits;
		}
	}
	for (int i = 0; i < 8; i++)
		acc ^= cnt[i];
	return (acc & 1) ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
