// SPDX-License-Identifier: GPL-2.0
/* cc_big: a long unrolled parse (about 2,700 eBPF instructions) for the compiler's
 * compile-time benchmark: every step is a bounds check, a byte load, a branch and some
 * arithmetic, with a map update every few steps. */
#include <linux/bpf.h>

#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

static long (*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} big_cnt SEC(".maps");

SEC("xdp")
int cc_big(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u64 acc = 0, x = 7;

#pragma unroll
	for (int i = 0; i < 128; i++) {
		unsigned char *p = data + i;

		if (p + 2 > end)
			break;
		if (p[0] & 1)
			acc += (__u64)p[1] * 3 + x;
		else
			acc ^= ((__u64)p[1] << 2) | x;
		x = x * 5 + (acc >> 3);
		if ((i & 7) == 7) {
			__u32 k = acc & 15;
			__u64 *c = (__u64 *)bpf_map_lookup_elem(&big_cnt, &k);

			if (c)
				*c += x;
		}
	}
	return acc & 1 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
