/* insn.h: instruction identities derived from isa.h */
#ifndef HXDP_INSN_H
#define HXDP_INSN_H
#include <stdint.h>
#include <linux/bpf.h>

enum isa_sel { S_NONE, S_OFF, S_IMM, S_SRC };

enum isa_form {
	F_ALU_K,      /* dst op= imm */
	F_ALU_X,      /* dst op= src */
	F_NEG,        /* dst = -dst */
	F_END,        /* dst = byteswap(dst), width in imm */
	F_JA,         /* pc += off */
	F_JA32,       /* pc += imm */
	F_JCC_K,      /* if dst cc imm goto pc+off */
	F_JCC_X,      /* if dst cc src goto pc+off */
	F_CALL,       /* helper imm */
	F_CALL_LOCAL, /* bpf-to-bpf call, pc += imm */
	F_CALLX,      /* helper whose id is in dst (non-standard, conformance only) */
	F_EXIT,
	F_LDDW,       /* two slots: dst = imm64; src selects a pseudo (map, map value) */
	F_LDABS,      /* r0 = packet[imm] (legacy) */
	F_LDIND,      /* r0 = packet[src + imm] (legacy) */
	F_LDX,        /* dst = *(size *)(src + off) */
	F_ST,         /* *(size *)(dst + off) = imm */
	F_STX,        /* *(size *)(dst + off) = src */
	F_ATOMIC,     /* atomic op on *(size *)(dst + off) with src; op in imm */
	F_HXDP_FIRST, /* extended-ISA forms follow (docs/isa.md) */
};

enum isa_group {
	G_BASE32, G_BASE64, G_ATOMIC32, G_ATOMIC64, G_DIVMUL32, G_DIVMUL64,
	G_PACKET, G_NONSTD, G_HXDP, G_COUNT
};

#include "isa_ext.h"	/* extended forms and ISA_HXDP rows */

enum insn_id {
#define X(id, opc, sel, selv, mnem, form, ver, group) I_##id,
#include "isa_x.h"
	I_COUNT
};

struct isa_info {
	const char *id;
	const char *mnem;
	uint8_t opc, sel, form, ver, group;
	int32_t selv;
};

extern const struct isa_info isa_info[I_COUNT];

/* classic field access on an opcode byte */
#define INSN_CLASS(opc) ((opc) & 0x07)
#define INSN_SIZE(opc) ((opc) & 0x18)	/* W H B DW, for LD/LDX/ST/STX */

int isa_decode(const struct bpf_insn *in);	/* I_* or -1 */
int isa_encode(int id, int dst, int src, int off, int32_t imm, struct bpf_insn *out);
int isa_lookup(const char *mnem, int form);	/* I_* by mnemonic (and form if >= 0), -1 */
int insn_is_lddw(const struct bpf_insn *in);
int isa_access_size(int id);	/* bytes moved by a load/store/atomic, 0 otherwise */
const char *isa_group_name(int group);

#endif
