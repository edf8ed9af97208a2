/* Minimal <asm/types.h> for -target bpf builds that lack the host's
 * multiarch include dir (/usr/include/<triple>/asm). BPF is a 64-bit
 * target, so the generic definitions apply. */
#ifndef HXDP_SHIM_ASM_TYPES_H
#define HXDP_SHIM_ASM_TYPES_H
#include <asm-generic/types.h>
#endif
