/* disasm.c: llvm-objdump's BPF syntax, laid out by the table's operand form. Operator
 * symbols are looked up by the table mnemonic's stem ("add32" -> "add" -> "+="). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "asm.h"
#include "insn.h"

static const struct { const char *stem, *op; } ops[] = {
	{ "add", "+=" }, { "sub", "-=" }, { "mul", "*=" }, { "div", "/=" },
	{ "sdiv", "s/=" }, { "mod", "%=" }, { "smod", "s%=" }, { "or", "|=" },
	{ "and", "&=" }, { "lsh", "<<=" }, { "rsh", ">>=" }, { "arsh", "s>>=" },
	{ "xor", "^=" }, { "mov", "=" },
	{ "jeq", "==" }, { "jne", "!=" }, { "jgt", ">" }, { "jge", ">=" },
	{ "jlt", "<" }, { "jle", "<=" }, { "jset", "&" }, { "jsgt", "s>" },
	{ "jsge", "s>=" }, { "jslt", "s<" }, { "jsle", "s<=" },
};

/* the mnemonic without "lock ", "fetch " and a trailing "32" */
static const char *stem(const char *mnem, char *buf, size_t len)
{
	size_t n;

	if (!strncmp(mnem, "lock ", 5))
		mnem += 5;
	if (!strncmp(mnem, "fetch ", 6))
		mnem += 6;
	snprintf(buf, len, "%s", mnem);
	for (char *p = buf; *p; p++)	/* isa.h spells some mnemonics in capitals */
		*p = tolower((unsigned char)*p);
	n = strlen(buf);
	if (n > 2 && !strcmp(buf + n - 2, "32"))
		buf[n - 2] = 0;
	return buf;
}

static const char *op_of(const char *mnem)
{
	char b[32];

	stem(mnem, b, sizeof(b));
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].stem, b))
			return ops[i].op;
	return "?";
}

static const char *size_name(int id, int sign)
{
	static const char *const u[4] = { "u32", "u16", "u8", "u64" };
	static const char *const s[4] = { "s32", "s16", "s8", "s64" };

	return (sign ? s : u)[INSN_SIZE(isa_info[id].opc) >> 3];
}

static void num(char *b, size_t len, int64_t v, int flags)
{
	if (flags & DIS_HEX)
		snprintf(b, len, "%s0x%llx", v < 0 ? "-" : "",
			 (unsigned long long)(v < 0 ? 0 - (uint64_t)v : (uint64_t)v));
	else
		snprintf(b, len, "%lld", (long long)v);
}

/* "(r1 + 4)" / "(r10 - 8)" */
static void memref(char *b, size_t len, int reg, int off, int flags)
{
	char n[24];

	num(n, sizeof(n), off < 0 ? -off : off, flags);
	snprintf(b, len, "r%d %c %s", reg, off < 0 ? '-' : '+', n);
}

static void target(char *b, size_t len, int64_t rel, uint32_t pc, const char *name)
{
	int k = snprintf(b, len, "%s%lld", rel >= 0 ? "+" : "", (long long)rel);

	if (name && k > 0 && (size_t)k < len)
		snprintf(b + k, len - k, " <%s+0x%llx>", name,
			 (unsigned long long)((int64_t)pc + 1 + rel) * 8);
}

static void dis_atomic(int id, const struct bpf_insn *in, int flags, char *buf, size_t len)
{
	const char *mnem = isa_info[id].mnem, *sz = size_name(id, 0);
	char w = INSN_SIZE(isa_info[id].opc) == BPF_DW ? 'r' : 'w', m[40], st[32];
	int is64 = w == 'r';

	memref(m, sizeof(m), in->dst_reg, in->off, flags);
	stem(mnem, st, sizeof(st));
	if (!strcmp(st, "cmpxchg"))
		snprintf(buf, len, "%c0 = %s(%s, %c0, %c%d)", w,
			 is64 ? "cmpxchg_64" : "cmpxchg32_32", m, w, w, in->src_reg);
	else if (!strcmp(st, "xchg"))
		snprintf(buf, len, "%c%d = %s(%s, %c%d)", w, in->src_reg,
			 is64 ? "xchg_64" : "xchg32_32", m, w, in->src_reg);
	else if (strstr(mnem, "fetch "))
		snprintf(buf, len, "%c%d = atomic_fetch_%s((%s *)(%s), %c%d)", w, in->src_reg,
			 st, sz, m, w, in->src_reg);
	else
		snprintf(buf, len, "lock *(%s *)(%s) %s %c%d", sz, m, op_of(mnem), w,
			 in->src_reg);
}

static void dis_alu(int id, const struct bpf_insn *in, int flags, char *buf, size_t len)
{
	const struct isa_info *f = &isa_info[id];
	char w = INSN_CLASS(f->opc) == BPF_ALU ? 'w' : 'r', n[24];

	if (!strncasecmp(f->mnem, "movsx", 5)) {
		snprintf(buf, len, "%c%d = (s%d)%c%d", w, in->dst_reg, f->selv, w, in->src_reg);
		return;
	}
	if (f->form == F_ALU_X) {
		snprintf(buf, len, "%c%d %s %c%d", w, in->dst_reg, op_of(f->mnem), w,
			 in->src_reg);
		return;
	}
	num(n, sizeof(n), in->imm, flags);
	snprintf(buf, len, "%c%d %s %s", w, in->dst_reg, op_of(f->mnem), n);
}

static void dis_jcc(int id, const struct bpf_insn *in, uint32_t pc, const char *name,
		    int flags, char *buf, size_t len)
{
	const struct isa_info *f = &isa_info[id];
	char w = INSN_CLASS(f->opc) == BPF_JMP ? 'r' : 'w', rhs[24], t[96];

	if (f->form == F_JCC_X)
		snprintf(rhs, sizeof(rhs), "%c%d", w, in->src_reg);
	else
		num(rhs, sizeof(rhs), in->imm, flags);
	target(t, sizeof(t), in->off, pc, name);
	snprintf(buf, len, "if %c%d %s %s goto %s", w, in->dst_reg, op_of(f->mnem), rhs, t);
}

static int dis_lddw(const struct bpf_insn *in, uint32_t left, int flags, char *buf,
		    size_t len)
{
	uint64_t v;
	char n[32];

	if (left < 2) {
		snprintf(buf, len, "<unknown>");
		return -1;
	}
	v = (uint64_t)(uint32_t)in[1].imm << 32 | (uint32_t)in[0].imm;
	if (in->src_reg == BPF_PSEUDO_MAP_FD)
		snprintf(buf, len, "r%d = map[%u] ll", in->dst_reg, (uint32_t)in->imm);
	else if (in->src_reg == BPF_PSEUDO_MAP_VALUE)
		snprintf(buf, len, "r%d = map[%u] + %u ll", in->dst_reg, (uint32_t)in->imm,
			 (uint32_t)in[1].imm);
	else {
		if (flags & DIS_HEX)
			snprintf(n, sizeof(n), "0x%llx", (unsigned long long)v);
		else
			snprintf(n, sizeof(n), "%lld", (long long)v);
		snprintf(buf, len, "r%d = %s ll", in->dst_reg, n);
	}
	return 2;
}

int disasm__insn(const struct bpf_insn *in, uint32_t left, uint32_t pc, const char *name,
		 int flags, char *buf, size_t len)
{
	int id = left ? isa_decode(in) : -1;
	const struct isa_info *f;
	char a[48], b[96];

	if (id < 0 || isa_info[id].group == G_HXDP) {
		snprintf(buf, len, "<unknown>");
		return -1;
	}
	f = &isa_info[id];
	switch (f->form) {
	case F_ALU_K: case F_ALU_X: dis_alu(id, in, flags, buf, len); break;
	case F_NEG:
		snprintf(buf, len, "%c%d = -%c%d", INSN_CLASS(f->opc) == BPF_ALU ? 'w' : 'r',
			 in->dst_reg, INSN_CLASS(f->opc) == BPF_ALU ? 'w' : 'r', in->dst_reg);
		break;
	case F_END: snprintf(buf, len, "r%d = %s r%d", in->dst_reg, f->mnem, in->dst_reg); break;
	case F_JA:
		target(b, sizeof(b), in->off, pc, name);
		snprintf(buf, len, "goto %s", b);
		break;
	case F_JA32:
		target(b, sizeof(b), in->imm, pc, name);
		snprintf(buf, len, "gotol %s", b);
		break;
	case F_JCC_K: case F_JCC_X: dis_jcc(id, in, pc, name, flags, buf, len); break;
	case F_CALL: case F_CALL_LOCAL:
		num(a, sizeof(a), in->imm, flags);
		snprintf(buf, len, "call %s", a);
		break;
	case F_CALLX: snprintf(buf, len, "callx r%d", in->dst_reg); break;
	case F_EXIT: snprintf(buf, len, "exit"); break;
	case F_LDDW: return dis_lddw(in, left, flags, buf, len);
	case F_LDABS:
		num(a, sizeof(a), in->imm, flags);
		snprintf(buf, len, "r0 = *(%s *)skb[%s]", size_name(id, 0), a);
		break;
	case F_LDIND:
		num(a, sizeof(a), in->imm, flags);
		if (in->imm)
			snprintf(buf, len, "r0 = *(%s *)skb[r%d + %s]", size_name(id, 0),
				 in->src_reg, a);
		else
			snprintf(buf, len, "r0 = *(%s *)skb[r%d]", size_name(id, 0), in->src_reg);
		break;
	case F_LDX:
		memref(a, sizeof(a), in->src_reg, in->off, flags);
		snprintf(buf, len, "r%d = *(%s *)(%s)", in->dst_reg,
			 size_name(id, !strncasecmp(f->mnem, "ldxs", 4)), a);
		break;
	case F_ST:
		memref(a, sizeof(a), in->dst_reg, in->off, flags);
		num(b, sizeof(b), in->imm, flags);
		snprintf(buf, len, "*(%s *)(%s) = %s", size_name(id, 0), a, b);
		break;
	case F_STX:
		memref(a, sizeof(a), in->dst_reg, in->off, flags);
		snprintf(buf, len, "*(%s *)(%s) = r%d", size_name(id, 0), a, in->src_reg);
		break;
	case F_ATOMIC: dis_atomic(id, in, flags, buf, len); break;
	default:
		snprintf(buf, len, "<unknown>");
		return -1;
	}
	return 1;
}

void disasm__prog(FILE *out, const char *name, const struct bpf_insn *insns, uint32_t n,
		  int flags)
{
	for (uint32_t pc = 0; pc < n; ) {
		char text[160];
		int k = disasm__insn(&insns[pc], n - pc, pc, name, flags, text, sizeof(text));
		const uint8_t *b = (const uint8_t *)&insns[pc];

		if (k < 0)
			k = 1;
		fprintf(out, "%8u:\t", pc);
		for (int i = 0; i < 8 * k; i++)
			fprintf(out, "%02x%s", b[i], i + 1 < 8 * k ? " " : "");
		fprintf(out, "\t%s\n", text);
		pc += k;
	}
}
