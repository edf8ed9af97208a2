/* test_asm.c: the conformance-format assembler, and the disassembler against the
 * installed llvm-objdump on every table instruction and on clang-compiled code */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "t.h"
#include "asm.h"
#include "insn.h"

static int asm_ok(const char *text, struct asm_prog *p)
{
	char err[256];
	int e = asm__parse(text, p, err, sizeof(err));

	if (e)
		fprintf(stderr, "  asm: %s\n", err);
	return e == 0;
}

static int insn_is(const struct bpf_insn *in, int id, int dst, int src, int off, int32_t imm)
{
	struct bpf_insn w;

	isa_encode(id, dst, src, off, imm, &w);
	if (!memcmp(&w, in, sizeof(w)))
		return 1;
	fprintf(stderr, "  got code 0x%02x dst %d src %d off %d imm %d, expected %s\n", in->code,
		in->dst_reg, in->src_reg, in->off, in->imm, isa_info[id].id);
	return 0;
}

TEST(asm_encodings)
{
	struct asm_prog p;

	CHECK(asm_ok("mov32 %r0, 1\nadd %r1, %r2\nldxw %r0, [%r1+4]\nstxdw [%r10-8], %r3\n"
		     "stw [%r1], -1\nlock fetch add32 [%r10-4], %r1\nlock cmpxchg [%r2+0], %r3\n"
		     "neg %r4\nbe16 %r5\nswap64 %r6\ncall 7\ncall %r3\ncallx %r4\nldabsh 12\n"
		     "ldindw %r2, 4\nmovsx1664 %r1, %r2\nsdiv32 %r1, -3\nexit", &p));
	CHECK_EQ(p.n, 18);
	if (p.n == 18) {
		CHECK(insn_is(&p.insns[0], I_MOV32_K, 0, 0, 0, 1));
		CHECK(insn_is(&p.insns[1], I_ADD64_X, 1, 2, 0, 0));
		CHECK(insn_is(&p.insns[2], I_LDX_w, 0, 1, 4, 0));
		CHECK(insn_is(&p.insns[3], I_STX_dw, 10, 3, -8, 0));
		CHECK(insn_is(&p.insns[4], I_ST_w, 1, 0, 0, -1));
		CHECK(insn_is(&p.insns[5], I_Afetch_add32, 10, 1, -4, 0));
		CHECK(insn_is(&p.insns[6], I_Acmpxchg64, 2, 3, 0, 0));
		CHECK(insn_is(&p.insns[7], I_NEG64, 4, 0, 0, 0));
		CHECK(insn_is(&p.insns[8], I_BE16, 5, 0, 0, 0));
		CHECK(insn_is(&p.insns[9], I_BSWAP64, 6, 0, 0, 0));
		CHECK(insn_is(&p.insns[10], I_CALL, 0, 0, 0, 7));
		CHECK(insn_is(&p.insns[11], I_CALLX, 3, 0, 0, 0));
		CHECK(insn_is(&p.insns[12], I_CALLX, 4, 0, 0, 0));
		CHECK(insn_is(&p.insns[13], I_LDABS_H, 0, 0, 0, 12));
		CHECK(insn_is(&p.insns[14], I_LDIND_W, 0, 2, 0, 4));
		CHECK(insn_is(&p.insns[15], I_MOVSX16_64, 1, 2, 0, 0));
		CHECK(insn_is(&p.insns[16], I_SDIV32_K, 1, 0, 0, -3));
		CHECK(insn_is(&p.insns[17], I_EXIT, 0, 0, 0, 0));
	}
	asm__free(&p);
}

/* labels count instruction slots (lddw is two); "exit" names the first exit */
TEST(asm_labels)
{
	struct asm_prog p;

	CHECK(asm_ok("top:\njeq %r1, 0, done\nlddw %r0, 0x1122334455667788\nja top\n"
		     "call local f\nja32 done\njne %r1, 1, exit\ndone:\nexit\n"
		     "f: mov %r0, 1 # same line\nexit", &p));
	CHECK_EQ(p.n, 10);
	if (p.n == 10) {
		CHECK_EQ(p.insns[0].off, 6);	/* done: slot 7 */
		CHECK_EQ(p.insns[1].imm, 0x55667788);
		CHECK_EQ(p.insns[2].imm, 0x11223344);
		CHECK_EQ(p.insns[3].off, -4);
		CHECK_EQ(p.insns[4].imm, 3);	/* call local f: slot 8 */
		CHECK_EQ(p.insns[5].imm, 1);
		CHECK_EQ(p.insns[6].off, 0);	/* the first exit, slot 7 */
		CHECK_EQ(p.insns[6].code, isa_info[I_JNE_K].opc);
	}
	asm__free(&p);
}

TEST(asm_sections)
{
	struct asm_prog p;
	static const char text[] =
		"# header comment\n-- asm\nmov %r0, 1\nexit\n-- mem\naa bb\n 0c\n"
		"-- raw\n0x00000001000000b7\n0x0000000000000095\n-- result\n0x1\n"
		"-- c\nint x = 3: not parsed;\n-- no register offset\ncall instruction\n";

	CHECK(asm_ok(text, &p));
	CHECK(p.has_asm && p.has_raw && p.has_result && !p.has_error);
	CHECK_EQ(p.n, 2);
	CHECK_EQ(p.nraw, 2);
	CHECK(p.n == 2 && p.nraw == 2 && !memcmp(p.insns, p.raw, 16));
	CHECK_EQ(p.memlen, 3);
	CHECK(p.memlen == 3 && p.mem[0] == 0xaa && p.mem[2] == 0x0c);
	CHECK_EQ(p.result, 1);
	asm__free(&p);
	CHECK(asm_ok("-- asm\nexit\n-- error\nsomething failed\n", &p));
	CHECK(p.has_error && !strcmp(p.error, "something failed"));
	asm__free(&p);
}

/* one message, naming the line */
TEST(asm_errors)
{
	static const struct { const char *text, *msg; } c[] = {
		{ "mov %r0, 1\nfrob %r1\nexit", "line 2: unknown instruction 'frob'" },
		{ "mov %r11, 1", "line 1: bad register '%r11'" },
		{ "ja nowhere\nexit", "line 1: undefined label 'nowhere'" },
		{ "mov %r0", "line 1: 'mov' takes %rD, %rS|imm" },
		{ "exit %r0", "line 1: 'exit' takes (no operands)" },
		{ "mov %r0, 0x100000000", "line 1: number '0x100000000' out of range" },
		{ "ldxw %r0, %r1", "line 1: expected a memory operand" },
		{ "ldxw %r0, [%r1+70000]", "number '+70000' out of range" },
		{ "a:\na:\nexit", "line 2: label 'a' defined twice" },
		{ "\n\nmov %r0, zz", "line 3: expected a number, got 'zz'" },
		{ "-- asm\nexit\n-- mem\nzz\n", "line 4: bad byte in -- mem" },
		{ "-- asm\nexit\n-- result\n12x\n", "line 4: bad value '12x' in -- result" },
		{ "lock frob [%r10-8], %r1", "unknown instruction 'lock'" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct asm_prog p;
		char err[256] = "";

		if (asm__parse(c[i].text, &p, err, sizeof(err)) != -EINVAL ||
		    !strstr(err, c[i].msg)) {
			fprintf(stderr, "  '%s': got '%s', expected '%s'\n", c[i].text, err,
				c[i].msg);
			t_failed++;
		}
		CHECK(p.insns == NULL);
	}
}

/* every table instruction disassembles to something, and the assembler reads the
 * conformance mnemonics it was built from */
TEST(disasm_every_insn)
{
	for (int i = 0; i < I_COUNT; i++) {
		struct bpf_insn in[2] = { 0 };
		char buf[160];

		if (isa_info[i].group == G_HXDP)
			continue;
		isa_encode(i, 1, 2, isa_info[i].sel == S_OFF ? 0 : 3, 7, &in[0]);
		if (disasm__insn(in, 2, 0, NULL, 0, buf, sizeof(buf)) < 1 || strchr(buf, '?')) {
			fprintf(stderr, "  %s: '%s'\n", isa_info[i].id, buf);
			t_failed++;
		}
	}
}

/* ---- against llvm-objdump ---- */

static int have(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* compare our text with each "pc:\tbytes\ttext" line llvm-objdump prints; filter(id)
 * says which instructions to compare. Returns lines compared. */
static int objdump_compare(const char *obj, const char *mattr, int (*filter)(int id))
{
	char cmd[512], line[512];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "llvm-objdump -d %s %s 2>/dev/null", mattr, obj);
	if (!(f = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL, *e;
		struct bpf_insn in[2] = { 0 };
		uint8_t *b = (uint8_t *)in;
		char mine[160];
		int nb = 0, id;

		if (!t2)
			continue;
		for (char *p = t1 + 1; p < t2 && nb < 16; p += 3)
			b[nb++] = strtoul(p, NULL, 16);
		t2++;
		t2[strcspn(t2, "\n")] = 0;
		e = strrchr(t2, '<');	/* a jump target's symbol: " <LBB0_4>" */
		if (e && e > t2 && e[-1] == ' ' && t2[strlen(t2) - 1] == '>' && e[1] != '<' &&
		    e[1] != '=' && e[1] != ' ')
			e[-1] = 0;
		id = isa_decode(in);
		if (!strcmp(t2, "<unknown>") || id < 0 || !filter(id))
			continue;
		disasm__insn(in, nb / 8, 0, NULL, 0, mine, sizeof(mine));
		n++;
		if (strcmp(mine, t2)) {
			fprintf(stderr, "  %s: llvm-objdump '%s', hxdp '%s'\n", isa_info[id].id,
				t2, mine);
			t_failed++;
		}
	}
	pclose(f);
	return n;
}

/* llvm-objdump 14 predates ISA v4 (it shows sdiv as div, movsx as mov), prints 32-bit
 * atomics with r registers unless +alu32 is given, and reads callx's register from imm
 * (hxdp, like later LLVM, uses dst) */
static int plain(int id)
{
	return id != I_CALLX && isa_info[id].ver < 4 && !(isa_info[id].form == F_ATOMIC &&
				  INSN_SIZE(isa_info[id].opc) != BPF_DW);
}

static int atomic32(int id)
{
	return isa_info[id].form == F_ATOMIC && INSN_SIZE(isa_info[id].opc) != BPF_DW;
}

/* fields llvm-objdump accepts: unused ones zero, as the kernel requires */
static void encode_clean(int id, struct bpf_insn *in)
{
	int f = isa_info[id].form, dst = 1, src = 2, off = -3, imm = f == F_ALU_K ? -7 : 7;

	if (f == F_ALU_K || f == F_JCC_K || f == F_ST || f == F_NEG || f == F_END ||
	    f == F_LDABS || f == F_LDDW || f == F_EXIT || f == F_JA32 || f == F_CALL ||
	    f == F_CALL_LOCAL || f == F_CALLX)
		src = 0;
	if (f == F_EXIT || f == F_CALL || f == F_JA || f == F_JA32 || f == F_CALL_LOCAL ||
	    f == F_LDABS || f == F_LDIND)
		dst = 0;
	if (f == F_ALU_K || f == F_ALU_X || f == F_NEG || f == F_END || f == F_LDDW ||
	    f == F_LDABS || f == F_LDIND || f == F_EXIT || f == F_JA32 || f == F_CALL ||
	    f == F_CALL_LOCAL || f == F_CALLX)
		off = 0;
	if (f == F_ALU_X || f == F_CALLX || f == F_EXIT || f == F_JA || f == F_LDIND)
		imm = 0;
	if (f == F_CALL_LOCAL)
		imm = -1;
	isa_encode(id, dst, src, off, imm, in);
}

static int build_all_insns(const char *dir, char *obj, size_t len)
{
	char src[256], cmd[768];
	FILE *f;

	snprintf(src, sizeof(src), "%s/all.s", dir);
	snprintf(obj, len, "%s/all.o", dir);
	if (!(f = fopen(src, "w")))
		return -1;
	fprintf(f, "\t.text\n\t.globl f\nf:\n");
	for (int i = 0; i < I_COUNT; i++) {
		struct bpf_insn in;
		uint64_t w;

		if (isa_info[i].group == G_HXDP)
			continue;
		encode_clean(i, &in);
		memcpy(&w, &in, 8);
		fprintf(f, "\t.quad 0x%016llx\n", (unsigned long long)w);
		if (i == I_LDDW)
			fprintf(f, "\t.quad 0x%016llx\n", 0x8000000100000000ull);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target bpf -c -o %s %s 2>&1", obj, src);
	return system(cmd);
}

TEST(disasm_vs_llvm_objdump)
{
	char dir[] = "/tmp/hxdp-disasm-XXXXXX", obj[300], cmd[1024];
	int n;

	if (!have("clang") || !have("llvm-objdump"))
		SKIP("clang or llvm-objdump not installed");
	if (!mkdtemp(dir))
		SKIP("no temporary directory");
	/* every table instruction, as raw words */
	CHECK(build_all_insns(dir, obj, sizeof(obj)) == 0);
	n = objdump_compare(obj, "", plain);
	CHECK(n > 100);
	CHECK(objdump_compare(obj, "--mattr=+alu32", atomic32) >= 8);
	/* clang-compiled code: loops, calls, atomics, maps, byte swaps */
	snprintf(obj, sizeof(obj), "%s/ds.o", dir);
	snprintf(cmd, sizeof(cmd), "clang -O2 -target bpf -mcpu=v3 -Itests/progs -c -o %s "
		 "tests/unit/data/dis_sample.c 2>&1", obj);
	if (system(cmd) == 0)
		CHECK(objdump_compare(obj, "", plain) > 50);
	else
		CHECK(!"clang failed on tests/unit/data/dis_sample.c");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}
