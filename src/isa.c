/* isa.c: decoder and encoder generated from isa.h */
#include <string.h>
#include "insn.h"

const struct isa_info isa_info[I_COUNT] = {
#define X(id, opc, sel, selv, mnem, form, ver, group) \
	[I_##id] = { #id, mnem, opc, sel, form, ver, group, selv },
#include "isa_x.h"
};

static const char *const group_names[G_COUNT] = {
	[G_BASE32] = "base32", [G_BASE64] = "base64",
	[G_ATOMIC32] = "atomic32", [G_ATOMIC64] = "atomic64",
	[G_DIVMUL32] = "divmul32", [G_DIVMUL64] = "divmul64",
	[G_PACKET] = "packet", [G_NONSTD] = "nonstandard", [G_HXDP] = "hxdp",
};

const char *isa_group_name(int group)
{
	return group >= 0 && group < G_COUNT ? group_names[group] : "?";
}

static int selmatch(const struct isa_info *f, const struct bpf_insn *in)
{
	switch (f->sel) {
	case S_OFF: return in->off == f->selv;
	case S_IMM: return in->imm == f->selv;
	case S_SRC: return in->src_reg == f->selv;
	default: return 1;
	}
}

int isa_decode(const struct bpf_insn *in)
{
	for (int i = 0; i < I_COUNT; i++)
		if (isa_info[i].opc == in->code && selmatch(&isa_info[i], in))
			return i;
	return -1;
}

int isa_encode(int id, int dst, int src, int off, int32_t imm, struct bpf_insn *out)
{
	const struct isa_info *f;

	if (id < 0 || id >= I_COUNT || dst < 0 || dst > 15 || src < 0 || src > 15 ||
	    off < INT16_MIN || off > INT16_MAX)
		return -1;
	f = &isa_info[id];
	memset(out, 0, sizeof(*out));
	out->code = f->opc;
	out->dst_reg = dst;
	out->src_reg = src;
	out->off = off;
	out->imm = imm;
	switch (f->sel) {
	case S_OFF: out->off = f->selv; break;
	case S_IMM: out->imm = f->selv; break;
	case S_SRC: out->src_reg = f->selv; break;
	}
	return 0;
}

int isa_lookup(const char *mnem, int form)
{
	for (int i = 0; i < I_COUNT; i++)
		if (!strcmp(isa_info[i].mnem, mnem) && (form < 0 || isa_info[i].form == form))
			return i;
	return -1;
}

int insn_is_lddw(const struct bpf_insn *in)
{
	return in->code == isa_info[I_LDDW].opc;
}

int isa_access_size(int id)
{
	static const uint8_t bytes[4] = { 4, 2, 1, 8 };	/* W H B DW */

	if (id < 0 || id >= I_COUNT)
		return 0;
	switch (isa_info[id].form) {
	case F_LDX: case F_ST: case F_STX: case F_ATOMIC: case F_LDABS: case F_LDIND:
		return bytes[INSN_SIZE(isa_info[id].opc) >> 3];
	case F_LDX6: case F_ST6: case F_STX6:
		return 6;
	case F_LDXSPEC:	/* the size field, but 0xd9 (DW slot) is the 6-byte one */
		return id == I_LDXSPEC_6 ? 6 : bytes[INSN_SIZE(isa_info[id].opc) >> 3];
	case F_ATOMIC_NZ:	/* 0xcb is the 32-bit form, 0xd3 the 64-bit one */
		return isa_info[id].opc == isa_info[I_ANZadd64].opc ? 8 : 4;
	}
	return 0;
}
