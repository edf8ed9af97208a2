/* isa_ext.h: the hxdp extended ISA (docs/isa-ext.md "Extended ISA").
 * Forms are numbered after F_HXDP_FIRST; rows are added to ISA_HXDP(X) with
 * VER 0x10 and group G_HXDP, in opcode slots RFC 9669 leaves undefined. They only ever
 * appear in compiled images (lane words), never in programs given to the vm. */
#ifndef HXDP_ISA_EXT_H
#define HXDP_ISA_EXT_H

enum isa_form_hxdp {
	F_ALU3_K = F_HXDP_FIRST, /* dst = src op imm */
	F_ALU3_X,	/* dst = src op r[imm] (the second source register is in imm) */
	F_NEG3,		/* dst = -src */
	F_LDX6,		/* dst = *(u48 *)(src + off), zero-extended */
	F_STX6,		/* *(u48 *)(dst + off) = src */
	F_ST6,		/* *(u48 *)(dst + off) = imm (sign-extended to 48 bits) */
	F_LDXSPEC,	/* speculative load: as F_LDX, but 0 where the access is invalid */
	F_EXITK,	/* exit with r0 = imm */
	F_EXITR,	/* exit with r0 = dst (imm 1: its low 32 bits) */
	F_JPKT,		/* if (dst + imm) CC data_end goto +off; CC in src */
	F_LDK,		/* dst = constant pool[imm] (64-bit constants, map refs) */
	F_ATOMIC_NZ,	/* atomic op (imm) on *(size *)(dst + off) with src, unless dst is 0 */
	F_HXDP_END
};

/* the 3-operand ALU: op is BPF_OP(opcode) >> 4, | 0x10 for the signed div/mod */
#define HXDP_ALU3(X, name, op)                                                          \
	X(name##3_32K, 0xe4, S_OFF, op, #name "3_32", F_ALU3_K, 0x10, G_HXDP)            \
	X(name##3_32X, 0xec, S_OFF, op, #name "3_32", F_ALU3_X, 0x10, G_HXDP)            \
	X(name##3_64K, 0xe7, S_OFF, op, #name "3", F_ALU3_K, 0x10, G_HXDP)               \
	X(name##3_64X, 0xef, S_OFF, op, #name "3", F_ALU3_X, 0x10, G_HXDP)

/* JPKT condition codes (src field) */
enum { JPKT_GT, JPKT_GE, JPKT_LT, JPKT_LE };

#define ISA_HXDP(X)                                                                     \
	HXDP_ALU3(X, ADD, 0x0)                                                          \
	HXDP_ALU3(X, SUB, 0x1)                                                          \
	HXDP_ALU3(X, MUL, 0x2)                                                          \
	HXDP_ALU3(X, DIV, 0x3)                                                          \
	HXDP_ALU3(X, SDIV, 0x13)                                                        \
	HXDP_ALU3(X, OR, 0x4)                                                           \
	HXDP_ALU3(X, AND, 0x5)                                                          \
	HXDP_ALU3(X, LSH, 0x6)                                                          \
	HXDP_ALU3(X, RSH, 0x7)                                                          \
	HXDP_ALU3(X, MOD, 0x9)                                                          \
	HXDP_ALU3(X, SMOD, 0x19)                                                        \
	HXDP_ALU3(X, XOR, 0xa)                                                          \
	HXDP_ALU3(X, ARSH, 0xc)                                                         \
	X(NEG3_32, 0xe4, S_OFF, 0x8, "neg3_32", F_NEG3, 0x10, G_HXDP)                   \
	X(NEG3_64, 0xe7, S_OFF, 0x8, "neg3", F_NEG3, 0x10, G_HXDP)                      \
	X(LDX6, 0x59, S_NONE, 0, "ldx6", F_LDX6, 0x10, G_HXDP)                          \
	X(ST6, 0x5a, S_NONE, 0, "st6", F_ST6, 0x10, G_HXDP)                             \
	X(STX6, 0x5b, S_NONE, 0, "stx6", F_STX6, 0x10, G_HXDP)                          \
	X(LDXSPEC_w, 0xe1, S_NONE, 0, "ldxspecw", F_LDXSPEC, 0x10, G_HXDP)              \
	X(LDXSPEC_h, 0xe9, S_NONE, 0, "ldxspech", F_LDXSPEC, 0x10, G_HXDP)              \
	X(LDXSPEC_b, 0xf1, S_NONE, 0, "ldxspecb", F_LDXSPEC, 0x10, G_HXDP)              \
	X(LDXSPEC_dw, 0xf9, S_NONE, 0, "ldxspecdw", F_LDXSPEC, 0x10, G_HXDP)            \
	X(LDXSPEC_6, 0xd9, S_NONE, 0, "ldxspec6", F_LDXSPEC, 0x10, G_HXDP)              \
	X(EXITK, 0x96, S_NONE, 0, "exitk", F_EXITK, 0x10, G_HXDP)                       \
	X(EXITR, 0x9e, S_NONE, 0, "exitr", F_EXITR, 0x10, G_HXDP)                       \
	X(JPKT_GT, 0xe5, S_SRC, JPKT_GT, "jpktgt", F_JPKT, 0x10, G_HXDP)                \
	X(JPKT_GE, 0xe5, S_SRC, JPKT_GE, "jpktge", F_JPKT, 0x10, G_HXDP)                \
	X(JPKT_LT, 0xe5, S_SRC, JPKT_LT, "jpktlt", F_JPKT, 0x10, G_HXDP)                \
	X(JPKT_LE, 0xe5, S_SRC, JPKT_LE, "jpktle", F_JPKT, 0x10, G_HXDP)                \
	X(LDK, 0x10, S_NONE, 0, "ldk", F_LDK, 0x10, G_HXDP)                             \
	X(ANZadd32, 0xcb, S_IMM, 0x00, "lock nz add32", F_ATOMIC_NZ, 0x10, G_HXDP)      \
	X(ANZor32, 0xcb, S_IMM, 0x40, "lock nz or32", F_ATOMIC_NZ, 0x10, G_HXDP)        \
	X(ANZand32, 0xcb, S_IMM, 0x50, "lock nz and32", F_ATOMIC_NZ, 0x10, G_HXDP)      \
	X(ANZxor32, 0xcb, S_IMM, 0xa0, "lock nz xor32", F_ATOMIC_NZ, 0x10, G_HXDP)      \
	X(ANZadd64, 0xd3, S_IMM, 0x00, "lock nz add", F_ATOMIC_NZ, 0x10, G_HXDP)        \
	X(ANZor64, 0xd3, S_IMM, 0x40, "lock nz or", F_ATOMIC_NZ, 0x10, G_HXDP)          \
	X(ANZand64, 0xd3, S_IMM, 0x50, "lock nz and", F_ATOMIC_NZ, 0x10, G_HXDP)        \
	X(ANZxor64, 0xd3, S_IMM, 0xa0, "lock nz xor", F_ATOMIC_NZ, 0x10, G_HXDP)

#endif
