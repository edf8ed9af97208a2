/* Shim: generic POSIX types. */
#ifndef HXDP_SHIM_ASM_POSIX_TYPES_H
#define HXDP_SHIM_ASM_POSIX_TYPES_H
#include <asm-generic/posix_types.h>
#endif
