/* Shim: pick the byte order clang targets (bpfel or bpfeb). */
#ifndef HXDP_SHIM_ASM_BYTEORDER_H
#define HXDP_SHIM_ASM_BYTEORDER_H
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#include <linux/byteorder/big_endian.h>
#else
#include <linux/byteorder/little_endian.h>
#endif
#endif
