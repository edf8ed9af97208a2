/* asm.h: the conformance suite's text format (assembler) and llvm-objdump's syntax
 * (disassembler), both driven by isa.h */
#ifndef HXDP_ASM_H
#define HXDP_ASM_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/bpf.h>

/* a parsed .data file (or bare assembler text: everything is the `-- asm` section) */
struct asm_prog {
	struct bpf_insn *insns;	/* from `-- asm` */
	uint32_t n;
	struct bpf_insn *raw;	/* from `-- raw`, if present */
	uint32_t nraw;
	uint8_t *mem;		/* `-- mem` bytes; NULL when absent or empty */
	uint32_t memlen;
	int has_asm, has_raw, has_result, has_error;
	uint64_t result;	/* `-- result` */
	char error[128];	/* `-- error` text */
};

/* parse text; on error returns -EINVAL with "line N: what" in err */
int asm__parse(const char *text, struct asm_prog *out, char *err, size_t errlen);
int asm__parse_file(const char *path, struct asm_prog *out, char *err, size_t errlen);
void asm__free(struct asm_prog *p);

enum { DIS_HEX = 1 };	/* immediates and offsets in hex (newer llvm-objdump) */

/* one instruction in llvm-objdump syntax: the text after the bytes. name is the symbol
 * jump targets are shown against (<name+0xOFF>), NULL: none. Returns the slots used
 * (2 for lddw), or -1 for an undefined opcode ("<unknown>" is written). */
int disasm__insn(const struct bpf_insn *in, uint32_t left, uint32_t pc, const char *name,
		 int flags, char *buf, size_t len);
/* a whole program as llvm-objdump -d lists it: "  pc:\tbytes\ttext" lines */
void disasm__prog(FILE *out, const char *name, const struct bpf_insn *insns, uint32_t n,
		  int flags);

#endif
