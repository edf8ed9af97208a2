/* Shim: no arch-specific byte swaps for BPF. */
#ifndef HXDP_SHIM_ASM_SWAB_H
#define HXDP_SHIM_ASM_SWAB_H
#include <asm-generic/swab.h>
#endif
