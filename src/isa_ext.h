/* isa_ext.h: the hxdp extended ISA (docs/isa.md "Extended ISA").
 * Forms are numbered after F_HXDP_FIRST; rows are added to ISA_HXDP(X) with
 * VER 0x10 and group G_HXDP, in opcode slots RFC 9669 leaves undefined. */
#ifndef HXDP_ISA_EXT_H
#define HXDP_ISA_EXT_H
#endif
