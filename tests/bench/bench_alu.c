// SPDX-License-Identifier: GPL-2.0
/* bench_alu: straight-line ALU work for the interpreter benchmark (issue 3). Four
 * 64-bit states seeded from the packet go through 64 rounds of xorshift/multiply
 * mixing: ~1,700 ALU instructions, no branches, no memory after the seed loads, and
 * nothing clang can fold because every input comes from the packet. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ROUND(a, b, c, d)                                                               \
	do {                                                                            \
		a ^= a << 13; a ^= a >> 7; a += b;                                      \
		b ^= b << 17; b *= 0x2545f491; b -= c;                                  \
		c ^= c >> 11; c |= d << 3; c ^= d;                                      \
		d += a >> 29; d = (d << 9) | (d >> 55); d &= ~(__u64)0x7f;             \
	} while (0)
#define R4(a, b, c, d) ROUND(a, b, c, d); ROUND(b, c, d, a); ROUND(c, d, a, b); ROUND(d, a, b, c)
#define R16(a, b, c, d) R4(a, b, c, d); R4(a, b, c, d); R4(a, b, c, d); R4(a, b, c, d)

SEC("xdp")
int bench_alu(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 *w = data;
	__u64 a, b, c, d;

	if ((void *)(w + 4) > end)
		return XDP_PASS;
	a = w[0];
	b = w[1];
	c = w[2];
	d = w[3];
	R16(a, b, c, d);
	R16(a, b, c, d);
	R16(a, b, c, d);
	R16(a, b, c, d);
	return ((a ^ b ^ c ^ d) & 1) ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
