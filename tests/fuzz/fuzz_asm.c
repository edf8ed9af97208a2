/* fuzz_asm.c: the conformance assembler on arbitrary text, and the disassembler on
 * what it made and on the raw bytes as instructions */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asm.h"
#include "fuzz.h"

static void disasm_all(const struct bpf_insn *in, uint32_t n)
{
	char buf[256];

	for (uint32_t pc = 0; pc < n;) {
		int used = disasm__insn(&in[pc], n - pc, pc, pc & 1 ? "f" : NULL,
					pc & 2 ? DIS_HEX : 0, buf, sizeof(buf));

		pc += used > 0 ? (uint32_t)used : 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asm_prog p;
	char err[256];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (!asm__parse(text, &p, err, sizeof(err))) {
		disasm_all(p.insns, p.n);
		disasm_all(p.raw, p.nraw);
		asm__free(&p);
	}
	disasm_all((const struct bpf_insn *)text, (uint32_t)(size / sizeof(struct bpf_insn)));
	free(text);
	return 0;
}
