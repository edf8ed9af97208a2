/* Shim: BPF is a 64-bit target. */
#ifndef HXDP_SHIM_ASM_BITSPERLONG_H
#define HXDP_SHIM_ASM_BITSPERLONG_H
#define __BITS_PER_LONG 64
#include <asm-generic/bitsperlong.h>
#endif
