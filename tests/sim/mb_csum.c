// SPDX-License-Identifier: GPL-2.0
/* paper 5.2 helpers: a TX program that calls the checksum helper NCALLS times
 * (1/10/20/30/40 calls: 22.4/9.8/6.1/4.3/3.4 Mpps). Each call folds 4 bytes of
 * the packet into the running sum, so no call can be dropped. */
#include "mb.h"

#ifndef NCALLS
#define NCALLS 1
#endif

SEC("xdp")
int mb_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__s64 sum = 0;

	if (data + sizeof(struct ethhdr) > data_end)
		return XDP_DROP;
#pragma clang loop unroll(full)
	for (int i = 0; i < NCALLS; i++)
		sum = bpf_csum_diff(0, 0, data, 4, sum);
	if (sum == 1)	/* never for an Ethernet frame: keeps the sum alive */
		return XDP_PASS;
	mb_swap_macs(data);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
