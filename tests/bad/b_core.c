// SPDX-License-Identifier: GPL-2.0
/* malformed for hxdp: a CO-RE field relocation */
#include "common.h"

struct b_md {
	__u32 data;
	__u32 data_end;
} __attribute__((preserve_access_index));

SEC("xdp")
int b_core(struct xdp_md *ctx)
{
	struct b_md *m = (void *)ctx;

	return m->data_end - m->data > 100 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
