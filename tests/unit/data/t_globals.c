// SPDX-License-Identifier: GPL-2.0
/* loader test: global data in .data, .rodata and .bss */
#include "common.h"

volatile const __u32 t_ro_action = XDP_TX;	/* .rodata */
__u64 t_counter = 5;				/* .data */
__u32 t_seen[4];				/* .bss */
__u32 t_second = 0x11223344;			/* .data, not at offset 0 */

SEC("xdp")
int t_globals(struct xdp_md *ctx)
{
	t_counter++;
	t_seen[ctx->rx_queue_index & 3] += t_second & 0xff;
	return t_ro_action;
}

char _license[] SEC("license") = "GPL";
