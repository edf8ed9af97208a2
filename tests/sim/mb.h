/* mb.h: shared bits of the calibration microbenchmarks (docs/timing.md section 4) */
#ifndef HXDP_MB_H
#define HXDP_MB_H
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

/* swap source and destination MAC as the Linux samples do (u16 moves; the hxdp
 * compiler may fuse each triple into one 6-byte load or store) */
static __always_inline void mb_swap_macs(void *data)
{
	unsigned short *p = data;
	unsigned short dst[3];

	dst[0] = p[0];
	dst[1] = p[1];
	dst[2] = p[2];
	p[0] = p[3];
	p[1] = p[4];
	p[2] = p[5];
	p[3] = dst[0];
	p[4] = dst[1];
	p[5] = dst[2];
}
#endif
