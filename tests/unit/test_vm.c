/* test_vm.c: the vm engine, instruction class by class, with the values RFC 9669
 * specifies (section numbers in the comments), plus its run-time checks */
#include <dirent.h>
#include <errno.h>
#include "vm_t.h"
#include "insn.h"
#include "maps.h"

struct vcase {
	const char *name, *text;
	uint64_t want;
};

static void run_cases(const struct vcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t got = vmt_r0(c[i].text);

		if (got != c[i].want) {
			fprintf(stderr, "  %s: r0 = 0x%llx, expected 0x%llx\n", c[i].name,
				(unsigned long long)got, (unsigned long long)c[i].want);
			t_failed++;
		}
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 9669 4.1: arithmetic; 32-bit forms zero-extend into the 64-bit register */
TEST(vm_alu_arith)
{
	static const struct vcase c[] = {
		{ "add", "lddw %r0, 0x7fffffffffffffff\nadd %r0, 1\nexit", 0x8000000000000000 },
		{ "add32 wraps", "mov32 %r0, -1\nadd32 %r0, 1\nexit", 0 },
		{ "add32 zext", "lddw %r0, 0xffffffff00000001\nadd32 %r0, 1\nexit", 2 },
		{ "add imm sext", "mov %r0, 0\nadd %r0, -1\nexit", ~0ull },
		{ "sub", "mov %r0, 0\nsub %r0, 1\nexit", ~0ull },
		{ "sub32", "mov %r0, 0\nsub32 %r0, 1\nexit", 0xffffffff },
		{ "sub reg", "mov %r0, 10\nmov %r1, 3\nsub %r0, %r1\nexit", 7 },
		{ "mul", "lddw %r0, 0x100000001\nmul %r0, 3\nexit", 0x300000003 },
		{ "mul32", "lddw %r0, 0x100000001\nmul32 %r0, 3\nexit", 3 },
		{ "mul neg", "mov %r0, 3\nmul %r0, -2\nexit", (uint64_t)-6 },
		{ "div", "mov %r0, 7\nmov %r1, 2\ndiv %r0, %r1\nexit", 3 },
		{ "div imm -1 is unsigned", "mov %r0, 7\ndiv %r0, -1\nexit", 0 },
		{ "div32 uses low halves", "lddw %r0, 0x500000008\nlddw %r1, 0x300000002\n"
		  "div32 %r0, %r1\nexit", 4 },
		{ "mod", "mov %r0, 7\nmod %r0, 3\nexit", 1 },
		{ "mod32", "lddw %r0, 0x100000007\nmod32 %r0, 4\nexit", 3 },
		{ "neg", "mov %r0, 1\nneg %r0\nexit", ~0ull },
		{ "neg32", "mov %r0, 1\nneg32 %r0\nexit", 0xffffffff },
		{ "mov32 zext", "lddw %r1, 0xffffffffffffffff\nmov32 %r0, %r1\nexit", 0xffffffff },
		{ "mov32 imm", "mov32 %r0, -1\nexit", 0xffffffff },
		{ "mov imm sext", "mov %r0, -1\nexit", ~0ull },
	};

	run_cases(c, N(c));
}

/* 4.1: division by zero gives 0; modulo by zero leaves dst (32-bit: its low half) */
TEST(vm_alu_div_by_zero)
{
	static const struct vcase c[] = {
		{ "div64 reg 0", "mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit", 0 },
		{ "div64 imm 0", "mov %r0, 7\ndiv %r0, 0\nexit", 0 },
		{ "div32 reg 0", "mov %r0, 7\nmov %r1, 0\ndiv32 %r0, %r1\nexit", 0 },
		{ "div32 low half 0", "mov %r0, 7\nlddw %r1, 0x100000000\ndiv32 %r0, %r1\nexit", 0 },
		{ "mod64 reg 0", "lddw %r0, 0x100000007\nmov %r1, 0\nmod %r0, %r1\nexit",
		  0x100000007 },
		{ "mod32 reg 0", "lddw %r0, 0x100000007\nmov %r1, 0\nmod32 %r0, %r1\nexit", 7 },
		{ "sdiv64 0", "mov %r0, -7\nmov %r1, 0\nsdiv %r0, %r1\nexit", 0 },
		{ "smod64 0", "mov %r0, -7\nmov %r1, 0\nsmod %r0, %r1\nexit", (uint64_t)-7 },
		{ "smod32 0", "mov %r0, -7\nmov %r1, 0\nsmod32 %r0, %r1\nexit", 0xfffffff9 },
		{ "sdiv32 0", "mov %r0, -7\nsdiv32 %r0, 0\nexit", 0 },
	};

	run_cases(c, N(c));
}

/* 4.1: signed division truncates; INT_MIN / -1 wraps, INT_MIN % -1 is 0 */
TEST(vm_alu_signed_div)
{
	static const struct vcase c[] = {
		{ "sdiv", "mov %r0, -7\nsdiv %r0, 2\nexit", (uint64_t)-3 },
		{ "smod", "mov %r0, -7\nsmod %r0, 2\nexit", (uint64_t)-1 },
		{ "smod pos by neg", "mov %r0, 7\nsmod %r0, -2\nexit", 1 },
		{ "sdiv32", "mov32 %r0, -7\nsdiv32 %r0, 2\nexit", 0xfffffffd },
		{ "sdiv64 min/-1", "lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit",
		  0x8000000000000000 },
		{ "sdiv64 min/-1 reg", "lddw %r0, 0x8000000000000000\nmov %r1, -1\n"
		  "sdiv %r0, %r1\nexit", 0x8000000000000000 },
		{ "smod64 min/-1", "lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit", 0 },
		{ "sdiv32 min/-1", "mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit", 0x80000000 },
		{ "smod32 min/-1", "mov32 %r0, 0x80000000\nmov32 %r1, -1\nsmod32 %r0, %r1\nexit", 0 },
		{ "sdiv32 ignores high", "lddw %r0, 0x1fffffff8\nsdiv32 %r0, 2\nexit", 0xfffffffc },
	};

	run_cases(c, N(c));
}

/* 4.1: shift counts are masked to 6 (64) or 5 (32) bits */
TEST(vm_alu_shifts)
{
	static const struct vcase c[] = {
		{ "lsh", "mov %r0, 1\nlsh %r0, 63\nexit", 0x8000000000000000 },
		{ "lsh reg 65", "mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit", 2 },
		{ "lsh32 reg 33", "mov %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1\nexit", 2 },
		{ "lsh32 zext", "lddw %r0, 0xffffffffffffffff\nlsh32 %r0, 4\nexit", 0xfffffff0 },
		{ "rsh", "lddw %r0, 0x8000000000000000\nrsh %r0, 63\nexit", 1 },
		{ "rsh reg 64", "mov %r0, 8\nmov %r1, 64\nrsh %r0, %r1\nexit", 8 },
		{ "rsh32 high ignored", "lddw %r0, 0xffffffff00000010\nrsh32 %r0, 4\nexit", 1 },
		{ "arsh", "lddw %r0, 0x8000000000000000\narsh %r0, 63\nexit", ~0ull },
		{ "arsh32", "mov32 %r0, 0x80000000\narsh32 %r0, 31\nexit", 0xffffffff },
		{ "arsh32 reg 35", "mov32 %r0, 0x80000000\nmov %r1, 35\narsh32 %r0, %r1\nexit",
		  0xf0000000 },
		{ "arsh reg 127", "mov %r0, -16\nmov %r1, 127\narsh %r0, %r1\nexit", ~0ull },
	};

	run_cases(c, N(c));
}

TEST(vm_alu_bitwise)
{
	static const struct vcase c[] = {
		{ "or", "mov %r0, 0x0f\nor %r0, 0xf0\nexit", 0xff },
		{ "or imm sext", "mov %r0, 0\nor %r0, 0x80000000\nexit", 0xffffffff80000000 },
		{ "or32", "mov %r0, 0\nor32 %r0, 0x80000000\nexit", 0x80000000 },
		{ "and", "mov %r0, -1\nand %r0, 0x0f\nexit", 0x0f },
		{ "and32 zext", "mov %r0, -1\nand32 %r0, -1\nexit", 0xffffffff },
		{ "xor", "mov %r0, 0xff\nxor %r0, 0x0f\nexit", 0xf0 },
		{ "xor32 reg", "lddw %r0, 0xff000000ff\nmov %r1, 1\nxor32 %r0, %r1\nexit", 0xfe },
	};

	run_cases(c, N(c));
}

/* 4.1 MOVSX (v4): sign extension from 8, 16, 32 bits */
TEST(vm_alu_movsx)
{
	static const struct vcase c[] = {
		{ "movsx864", "mov %r1, 0x80\nmovsx864 %r0, %r1\nexit", 0xffffffffffffff80 },
		{ "movsx832", "mov %r1, 0x80\nmovsx832 %r0, %r1\nexit", 0xffffff80 },
		{ "movsx1664", "mov %r1, 0x8000\nmovsx1664 %r0, %r1\nexit", 0xffffffffffff8000 },
		{ "movsx1632", "mov %r1, 0x8000\nmovsx1632 %r0, %r1\nexit", 0xffff8000 },
		{ "movsx3264", "mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit",
		  0xffffffff80000000 },
		{ "movsx864 positive", "mov %r1, 0x17f\nmovsx864 %r0, %r1\nexit", 0x7f },
	};

	run_cases(c, N(c));
}

/* 4.2: byte swaps; LE is a truncation on this little-endian ISA */
TEST(vm_alu_bswap)
{
	static const struct vcase c[] = {
		{ "bswap16", "lddw %r0, 0x0123456789abcdef\nbswap16 %r0\nexit", 0xefcd },
		{ "bswap32", "lddw %r0, 0x0123456789abcdef\nbswap32 %r0\nexit", 0xefcdab89 },
		{ "bswap64", "lddw %r0, 0x0123456789abcdef\nbswap64 %r0\nexit",
		  0xefcdab8967452301 },
		{ "be16", "lddw %r0, 0x0123456789abcdef\nbe16 %r0\nexit", 0xefcd },
		{ "be32", "lddw %r0, 0x0123456789abcdef\nbe32 %r0\nexit", 0xefcdab89 },
		{ "be64", "lddw %r0, 0x0123456789abcdef\nbe64 %r0\nexit", 0xefcdab8967452301 },
		{ "le16", "lddw %r0, 0x0123456789abcdef\nle16 %r0\nexit", 0xcdef },
		{ "le32", "lddw %r0, 0x0123456789abcdef\nle32 %r0\nexit", 0x89abcdef },
		{ "le64", "lddw %r0, 0x0123456789abcdef\nle64 %r0\nexit", 0x0123456789abcdef },
		{ "swap alias", "mov %r0, 0x1122\nswap16 %r0\nexit", 0x2211 },
	};

	run_cases(c, N(c));
}

/* 4.3: jumps; JMP32 compares the low halves, K operands sign-extend to 64 bits */
TEST(vm_jmp)
{
	static const struct vcase c[] = {
		{ "ja", "mov %r0, 1\nja +1\nmov %r0, 2\nexit", 1 },
		{ "ja32", "mov %r0, 1\nja32 L\nmov %r0, 2\nL:\nexit", 1 },
		{ "jeq32 low half", "mov %r0, 0\nlddw %r1, 0x100000000\njeq32 %r1, 0, +1\nexit\n"
		  "mov %r0, 1\nexit", 1 },
		{ "jeq 64 sees high", "mov %r0, 0\nlddw %r1, 0x100000000\njeq %r1, 0, +1\nexit\n"
		  "mov %r0, 1\nexit", 0 },
		{ "jeq imm sext", "mov %r0, 0\nmov32 %r1, -1\njeq %r1, -1, +1\nexit\nmov %r0, 1\n"
		  "exit", 0 },
		{ "jeq32 imm", "mov %r0, 0\nmov32 %r1, -1\njeq32 %r1, -1, +1\nexit\nmov %r0, 1\n"
		  "exit", 1 },
		{ "jsgt32 signed", "mov %r0, 0\nmov32 %r1, -1\njsgt32 %r1, 0, +1\nmov %r0, 1\nexit",
		  1 },
		{ "jgt32 unsigned", "mov %r0, 0\nmov32 %r1, -1\njgt32 %r1, 0, +1\nexit\n"
		  "mov %r0, 1\nexit", 1 },
		{ "jslt", "mov %r0, 0\nmov %r1, -2\nmov %r2, 1\njslt %r1, %r2, +1\nexit\n"
		  "mov %r0, 1\nexit", 1 },
		{ "jset", "mov %r0, 0\nmov %r1, 6\njset %r1, 2, +1\nexit\nmov %r0, 1\nexit", 1 },
		{ "jset32 high bits", "mov %r0, 0\nlddw %r1, 0x100000000\nlddw %r2, 0x100000000\n"
		  "jset32 %r1, %r2, +1\nmov %r0, 1\nexit", 1 },
		{ "jle", "mov %r0, 0\nmov %r1, 5\njle %r1, 5, +1\nexit\nmov %r0, 1\nexit", 1 },
		{ "jsge", "mov %r0, 0\nmov %r1, -5\njsge %r1, -5, +1\nexit\nmov %r0, 1\nexit", 1 },
		{ "backward loop", "mov %r0, 0\nmov %r1, 10\nL:\nadd %r0, 2\nsub %r1, 1\n"
		  "jne %r1, 0, L\nexit", 20 },
	};

	run_cases(c, N(c));
}

/* 4.4/5: loads and stores of every size, sign-extending loads (v4) */
TEST(vm_mem)
{
	static const struct vcase c[] = {
		{ "stdw/ldxdw", "lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nexit", 0x1122334455667788 },
		{ "ldxw", "lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\n"
		  "ldxw %r0, [%r10-8]\nexit", 0x55667788 },
		{ "ldxh", "lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\n"
		  "ldxh %r0, [%r10-6]\nexit", 0x5566 },
		{ "ldxb", "lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\n"
		  "ldxb %r0, [%r10-1]\nexit", 0x11 },
		{ "stw imm", "stdw [%r10-8], -1\nstw [%r10-8], 0x12\nldxdw %r0, [%r10-8]\nexit",
		  0xffffffff00000012 },
		{ "sth/stb", "stdw [%r10-8], 0\nsth [%r10-8], 0x1234\nstb [%r10-6], 0x56\n"
		  "ldxdw %r0, [%r10-8]\nexit", 0x561234 },
		{ "stdw imm sext", "stdw [%r10-8], -2\nldxdw %r0, [%r10-8]\nexit", (uint64_t)-2 },
		{ "stxb truncates", "mov %r1, 0x1ff\nstdw [%r10-8], 0\nstxb [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nexit", 0xff },
		{ "ldxsb", "stb [%r10-1], 0x80\nldxsb %r0, [%r10-1]\nexit", 0xffffffffffffff80 },
		{ "ldxsh", "sth [%r10-2], 0x8000\nldxsh %r0, [%r10-2]\nexit", 0xffffffffffff8000 },
		{ "ldxsw", "stw [%r10-4], 0x80000000\nldxsw %r0, [%r10-4]\nexit",
		  0xffffffff80000000 },
		{ "unaligned", "lddw %r1, 0x1122334455667788\nstxdw [%r10-9], %r1\n"
		  "ldxdw %r0, [%r10-9]\nexit", 0x1122334455667788 },
	};

	run_cases(c, N(c));
}

/* 4.3 atomics, 32 and 64 bits: plain, fetch, xchg, cmpxchg against r0 */
TEST(vm_atomic)
{
	static const struct vcase c[] = {
		{ "add64", "stdw [%r10-8], 5\nmov %r1, 3\nlock add [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nexit", 8 },
		{ "add32 low word only", "stdw [%r10-8], -1\nmov %r1, 1\nlock add32 [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nexit", 0xffffffff00000000 },
		{ "or64", "stdw [%r10-8], 5\nmov %r1, 2\nlock or [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nexit", 7 },
		{ "and32", "stw [%r10-4], 6\nmov %r1, 3\nlock and32 [%r10-4], %r1\n"
		  "ldxw %r0, [%r10-4]\nexit", 2 },
		{ "xor64", "stdw [%r10-8], 5\nmov %r1, 1\nlock xor [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nexit", 4 },
		{ "fetch add returns old", "stdw [%r10-8], 5\nmov %r1, 3\n"
		  "lock fetch add [%r10-8], %r1\nmov %r0, %r1\nexit", 5 },
		{ "fetch add32 zext", "stdw [%r10-8], -1\nlddw %r1, 0xff00000001\n"
		  "lock fetch add32 [%r10-8], %r1\nmov %r0, %r1\nexit", 0xffffffff },
		{ "fetch or", "stdw [%r10-8], 4\nmov %r1, 1\nlock fetch or [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nlsh %r0, 8\nor %r0, %r1\nexit", 0x504 },
		{ "fetch and32", "stw [%r10-4], 6\nmov %r1, 3\nlock fetch and32 [%r10-4], %r1\n"
		  "ldxw %r0, [%r10-4]\nlsh %r0, 8\nor %r0, %r1\nexit", 0x206 },
		{ "fetch xor", "stdw [%r10-8], 6\nmov %r1, 3\nlock fetch xor [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nlsh %r0, 8\nor %r0, %r1\nexit", 0x506 },
		{ "xchg", "stdw [%r10-8], 6\nmov %r1, 9\nlock xchg [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nlsh %r0, 8\nor %r0, %r1\nexit", 0x906 },
		{ "xchg32", "stdw [%r10-8], -1\nmov %r1, 9\nlock xchg32 [%r10-8], %r1\n"
		  "ldxdw %r0, [%r10-8]\nexit", 0xffffffff00000009 },
		{ "cmpxchg hit", "stdw [%r10-8], 6\nmov %r0, 6\nmov %r1, 9\n"
		  "lock cmpxchg [%r10-8], %r1\nldxdw %r1, [%r10-8]\nlsh %r1, 8\nor %r0, %r1\nexit",
		  0x906 },
		{ "cmpxchg miss", "stdw [%r10-8], 6\nmov %r0, 5\nmov %r1, 9\n"
		  "lock cmpxchg [%r10-8], %r1\nldxdw %r1, [%r10-8]\nlsh %r1, 8\nor %r0, %r1\nexit",
		  0x606 },
		/* RFC 9669 and the kernel (tests/regress/cmpxchg32-success-zext.rprog) */
		{ "cmpxchg32 hit zero-extends r0", "stdw [%r10-8], 6\nlddw %r0, 0x500000006\n"
		  "mov %r1, 9\nlock cmpxchg32 [%r10-8], %r1\nldxdw %r1, [%r10-8]\nlsh %r1, 8\n"
		  "or %r0, %r1\nexit", 0x906 },
		{ "cmpxchg32 miss zero-extends", "stdw [%r10-8], 6\nlddw %r0, 0x500000007\n"
		  "mov %r1, 9\nlock cmpxchg32 [%r10-8], %r1\nldxdw %r1, [%r10-8]\nlsh %r1, 8\n"
		  "or %r0, %r1\nexit", 0x606 },
	};

	run_cases(c, N(c));
}

/* 4.3 CALL local: own 512-byte frame, r6-r9 preserved, r0 returned */
TEST(vm_call_local)
{
	static const struct vcase c[] = {
		{ "frames and callee-saved",
		  "mov %r6, 1\nmov %r7, 2\nmov %r8, 3\nmov %r9, 4\nstdw [%r10-8], 5\n"
		  "call local f\nldxdw %r1, [%r10-8]\nadd %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\n"
		  "add %r0, %r9\nadd %r0, %r1\nexit\n"
		  "f:\nmov %r6, 100\nmov %r7, 100\nmov %r8, 100\nmov %r9, 100\n"
		  "stdw [%r10-8], 99\nmov %r0, 1000\nexit", 1015 },
		{ "callee reads caller's stack", "stdw [%r10-8], 42\nmov %r1, %r10\nadd %r1, -8\n"
		  "call local f\nexit\nf:\nldxdw %r0, [%r1]\nexit", 42 },
		{ "nested 7 deep", "mov %r0, 0\ncall local a\nexit\n"
		  "a:\nadd %r0, 1\ncall local b\nexit\nb:\nadd %r0, 1\ncall local c\nexit\n"
		  "c:\nadd %r0, 1\ncall local d\nexit\nd:\nadd %r0, 1\ncall local e\nexit\n"
		  "e:\nadd %r0, 1\ncall local f\nexit\nf:\nadd %r0, 1\ncall local g\nexit\n"
		  "g:\nadd %r0, 1\nexit", 7 },
		{ "r10 per frame", "mov %r1, %r10\ncall local f\nsub %r0, %r1\nexit\n"
		  "f:\nmov %r0, %r10\nexit", (uint64_t)-512 },
	};
	struct hxdp_result res;

	run_cases(c, N(c));
	/* the eighth nested frame is the last one */
	vmt_raw("call local f\nexit\nf:\ncall local f\nexit", NULL, 0, &res);
	CHECK_EQ(res.fault, -E2BIG);
	CHECK_EQ(res.r0, 0);
	CHECK(strstr(res.err, "call frames") != NULL);
}

/* a violation stops the run: r0 = XDP_ABORTED, fault and message set */
TEST(vm_faults)
{
	static const struct { const char *name, *text, *msg; int err; } c[] = {
		{ "null load", "mov %r0, 1\nldxw %r0, [%r1]\nexit", "pc 1: invalid load", -EFAULT },
		{ "stack above r10", "mov %r0, 1\nstdw [%r10+0], 1\nexit", "invalid store",
		  -EFAULT },
		{ "stack below all frames", "mov %r0, 1\nmov %r1, %r10\nsub %r1, 4097\n"
		  "stb [%r1], 1\nexit", "invalid store", -EFAULT },
		{ "misaligned atomic", "mov %r0, 1\nstdw [%r10-16], 0\nmov %r1, 1\n"
		  "lock add [%r10-12], %r1\nexit", "misaligned atomic", -EFAULT },
		{ "map handle deref", "mov %r0, 1\nlddw %r1, 0x10000000000\nldxb %r0, [%r1]\nexit",
		  "invalid load", -EFAULT },
		{ "fall off the end", "mov %r0, 1", "fell off the end", -EFAULT },
		{ "callx bad id", "lddw %r1, 0x100000000\ncallx %r1\nexit", "callx", -EINVAL },
	};

	for (size_t i = 0; i < N(c); i++) {
		struct hxdp_result res;

		vmt_raw(c[i].text, NULL, 0, &res);
		if (res.fault != c[i].err || res.r0 != 0 || !strstr(res.err, c[i].msg)) {
			fprintf(stderr, "  %s: fault %d r0 %llu err '%s'\n", c[i].name, res.fault,
				(unsigned long long)res.r0, res.err);
			t_failed++;
		}
	}
}

TEST(vm_budget_and_count)
{
	struct asm_prog p = vmt_asm("ja -1\nexit");
	const struct bpf_insn *in = p.insns;
	struct hxdp_result res;
	struct vmt t;

	CHECK(vmt_open_insns(&t, &in, &p.n, 1) == 0);
	t.obj.env.budget = 1000;
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.fault, -ELOOP);
	CHECK(t.res.insns >= 1000 && t.res.insns <= 1001);
	CHECK(strstr(t.res.err, "budget") != NULL);
	vmt_close(&t);
	asm__free(&p);

	/* 1 + 10 * 2 + 1 instructions */
	vmt_raw("mov %r1, 10\nL:\nsub %r1, 1\njne %r1, 0, L\nexit", NULL, 0, &res);
	CHECK_EQ(res.insns, 22);
	vmt_raw("mov %r0, 1\ncall local f\nexit\nf:\nmov %r0, 2\nexit", NULL, 0, &res);
	CHECK_EQ(res.insns, 5);
}

/* legacy LD_ABS/LD_IND: network byte order; out of bounds ends with r0 = 0 */
TEST(vm_ld_abs_ind)
{
	uint8_t m[8] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	struct hxdp_result res;

	CHECK_EQ(vmt_raw("ldabsh 1\nexit", m, 8, NULL), 0x3456);
	CHECK_EQ(vmt_raw("ldabsw 0\nexit", m, 8, NULL), 0x12345678);
	CHECK_EQ(vmt_raw("ldabsb 7\nexit", m, 8, NULL), 0xf0);
	CHECK_EQ(vmt_raw("ldabsdw 0\nexit", m, 8, NULL), 0x123456789abcdef0);
	CHECK_EQ(vmt_raw("mov %r2, 2\nldindh %r2, 1\nexit", m, 8, NULL), 0x789a);
	CHECK_EQ(vmt_raw("ldabsw 5\nmov %r0, 7\nexit", m, 8, &res), 0);
	CHECK_EQ(res.fault, 0);
	CHECK_EQ(vmt_raw("mov %r2, -1\nldindb %r2, 0\nmov %r0, 7\nexit", m, 8, &res), 0);
	CHECK_EQ(res.fault, 0);
}

/* raw runs: r1 = the memory, r2 = its length; loads outside fault */
TEST(vm_raw_memory)
{
	uint8_t m[4] = { 1, 2, 3, 4 };
	struct hxdp_result res;

	CHECK_EQ(vmt_raw("mov %r0, %r2\nexit", m, 4, NULL), 4);
	CHECK_EQ(vmt_raw("ldxw %r0, [%r1]\nexit", m, 4, NULL), 0x04030201);
	CHECK_EQ(vmt_raw("stb [%r1+3], 9\nmov %r0, 0\nexit", m, 4, NULL), 0);
	CHECK_EQ(m[3], 9);
	vmt_raw("ldxw %r0, [%r1+1]\nexit", m, 4, &res);
	CHECK_EQ(res.fault, -EFAULT);
	CHECK_EQ(vmt_raw("mov %r0, %r1\nor %r0, %r2\nexit", NULL, 0, NULL), 0);
}

/* the conformance suite's hook: helper 5 returns r1 and stops the program on 0 */
TEST(vm_conformance_hook)
{
	CHECK_EQ(vmt_raw_env("mov %r1, 0\ncall 5\nmov %r0, 2\nexit", NULL, 0, 1, NULL), 0);
	CHECK_EQ(vmt_raw_env("mov %r1, 3\ncall 5\nadd %r0, 2\nexit", NULL, 0, 1, NULL), 5);
	CHECK_EQ(vmt_raw_env("mov %r1, -1\nmov %r2, 5\ncall %r2\nmov %r0, 2\nexit", NULL, 0, 1,
			     NULL), 2);
	CHECK_EQ(vmt_raw_env("mov %r1, 0\nmov %r2, 5\ncallx %r2\nmov %r0, 2\nexit", NULL, 0, 1,
			     NULL), 0);
}

static int open_err(const struct bpf_insn *in, uint32_t n, const char *msg)
{
	struct vmt t;
	int e = vmt_open_insns(&t, &in, &n, 1);

	if (!e || !strstr(t.err, msg)) {
		fprintf(stderr, "  expected open error '%s', got %d '%s'\n", msg, e, t.err);
		t_failed++;
	}
	vmt_close(&t);
	return e;
}

/* what the decoder refuses, with the instruction named */
TEST(vm_decode_errors)
{
	struct bpf_insn in[4] = { 0 };

	isa_encode(I_JA, 0, 0, 5, 0, &in[0]);
	isa_encode(I_EXIT, 0, 0, 0, 0, &in[1]);
	open_err(in, 2, "insn 0: jump out of the program");
	isa_encode(I_JA, 0, 0, 1, 0, &in[0]);
	isa_encode(I_LDDW, 1, 0, 0, 0, &in[1]);
	open_err(in, 4, "insn 0: jump into the middle of lddw");
	open_err(&in[1], 1, "lddw without its second half");
	in[0] = (struct bpf_insn){ .code = 0xff };
	isa_encode(I_EXIT, 0, 0, 0, 0, &in[1]);
	open_err(in, 2, "insn 0: unknown opcode 0xff");
	isa_encode(I_MOV64_K, 10, 0, 0, 1, &in[0]);
	open_err(in, 2, "r10 is read-only");
	isa_encode(I_LDDW, 1, BPF_PSEUDO_MAP_FD, 0, 3, &in[0]);
	in[1] = (struct bpf_insn){ 0 };
	isa_encode(I_EXIT, 0, 0, 0, 0, &in[2]);
	open_err(in, 3, "map index 3 out of range");
	isa_encode(I_CALL_LOCAL, 0, 0, 0, 7, &in[0]);
	open_err(in, 2, "jump out of the program");
	open_err(in, 0, "empty program");
}

/* ld_imm64 pseudos: a map handle, and map values addressed as region R_MAP0 + i */
TEST(vm_map_pseudos)
{
	uint8_t vals[16] = { 0 }, ro[8] = { 7 };
	struct hxdp_map m = { .values = vals, .values_size = 16, .idx = 0 };
	struct hxdp_map r = { .values = ro, .values_size = 8, .idx = 1, .rdonly_prog = 1 };
	struct bpf_insn in[8] = { 0 };
	uint32_t n = 6;
	struct vmt t;

	/* r1 = &map0.value[8]; *(u32 *)r1 = 0x55; r0 = map1 handle; exit */
	isa_encode(I_LDDW, 1, BPF_PSEUDO_MAP_VALUE, 0, 0, &in[0]);
	in[1].imm = 8;
	isa_encode(I_ST_w, 1, 0, 0, 0x55, &in[2]);
	isa_encode(I_LDDW, 0, BPF_PSEUDO_MAP_FD, 0, 1, &in[3]);
	isa_encode(I_EXIT, 0, 0, 0, 0, &in[5]);
	open_err(in, n, "map index 0 out of range (0 maps)");
	/* with the maps in the env */
	memset(&t, 0, sizeof(t));
	env__init(&t.obj.env);
	t.obj.env.maps[0] = &m;
	t.obj.env.maps[1] = &r;
	t.obj.env.nmaps = 2;
	t.prog[0] = (struct hxdp_prog){ .insns = in, .ninsns = n, .nsub = n };
	t.obj.progs = t.prog;
	t.obj.nprogs = 1;
	t.run = calloc(1, sizeof(*t.run));
	CHECK(vmt_reopen(&t) == 0);
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.fault, 0);
	CHECK_EQ(t.res.r0, HXDP_MAPREF(1));
	CHECK_EQ(vals[8], 0x55);
	vmt_close(&t);

	/* a read-only map (.rodata) can be read but not written */
	in[0].imm = 1;
	in[1].imm = 0;
	t.run = calloc(1, sizeof(*t.run));
	CHECK(vmt_reopen(&t) == 0);
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.fault, -EFAULT);
	CHECK_EQ(ro[0], 7);
	vmt_close(&t);
}

/* tests/asm, every .data file: hand-written programs in the conformance format; an -- error
 * test must fault with a message containing its text */
static void asm_file(const char *path)
{
	struct asm_prog p;
	const struct bpf_insn *in;
	uint32_t n;
	uint8_t mem[256];
	struct vmt t;
	char err[256];

	if (asm__parse_file(path, &p, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		t_failed++;
		return;
	}
	in = p.has_asm ? p.insns : p.raw;
	n = p.has_asm ? p.n : p.nraw;
	if (p.memlen > sizeof(mem) || vmt_open_insns(&t, &in, &n, 1)) {
		fprintf(stderr, "  %s: %s\n", path, t.err);
		t_failed++;
		vmt_close(&t);
		asm__free(&p);
		return;
	}
	memcpy(mem, p.mem ? p.mem : mem, p.memlen);
	t.obj.env.conformance = 1;
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, p.memlen ? mem : NULL, p.memlen, &t.res));
	if (p.has_error ? !t.res.fault || !strstr(t.res.err, p.error) :
	    t.res.fault || t.res.r0 != p.result) {
		fprintf(stderr, "  %s: r0 0x%llx fault %d '%s'\n", path,
			(unsigned long long)t.res.r0, t.res.fault, t.res.err);
		t_failed++;
	}
	vmt_close(&t);
	asm__free(&p);
}

TEST(vm_asm_files)
{
	DIR *d = opendir("tests/asm");
	struct dirent *e;
	int n = 0;

	if (!d)
		SKIP("tests/asm not found (run from the repository root)");
	while ((e = readdir(d))) {
		char path[300];
		size_t l = strlen(e->d_name);

		if (l < 6 || strcmp(e->d_name + l - 5, ".data"))
			continue;
		snprintf(path, sizeof(path), "tests/asm/%s", e->d_name);
		asm_file(path);
		n++;
	}
	closedir(d);
	CHECK(n >= 10);
}

/* bpf-to-helper calls and tail calls, with maps.c and helpers.c */
static void emit(struct bpf_insn *in, uint32_t *n, int id, int dst, int src, int off,
		 int32_t imm)
{
	isa_encode(id, dst, src, off, imm, &in[(*n)++]);
	if (id == I_LDDW)
		in[(*n)++] = (struct bpf_insn){ 0 };
}

/* r1 = ctx; tail call slot `slot` of map 0; on failure r0 = 99 */
static uint32_t tail_prog(struct bpf_insn *in, int32_t slot)
{
	uint32_t n = 0;

	emit(in, &n, I_LDDW, 2, BPF_PSEUDO_MAP_FD, 0, 0);
	emit(in, &n, I_MOV64_K, 3, 0, 0, slot);
	emit(in, &n, I_CALL, 0, 0, 0, BPF_FUNC_tail_call);
	emit(in, &n, I_MOV64_K, 0, 0, 0, 99);
	emit(in, &n, I_EXIT, 0, 0, 0, 0);
	return n;
}

TEST(vm_tail_calls)
{
	struct bpf_insn p0[8], p1[2], p2[8];
	const struct bpf_insn *in[3] = { p0, p1, p2 };
	uint32_t n[3], k, v;
	struct hxdp_map m = { .type = BPF_MAP_TYPE_PROG_ARRAY, .key_size = 4,
			      .value_size = 4, .max_entries = 4, .inner = -1 };
	char err[160];
	struct vmt t;

	CHECK(map__init(&m, 1, err, sizeof(err)) == 0);
	n[0] = tail_prog(p0, 1);
	isa_encode(I_MOV64_K, 0, 0, 0, 7, &p1[0]);
	isa_encode(I_EXIT, 0, 0, 0, 0, &p1[1]);
	n[1] = 2;
	n[2] = tail_prog(p2, 2);	/* calls itself until the limit */
	k = 1, v = 1;
	CHECK(map__user_update(&m, &k, &v, BPF_ANY) == 0);
	k = 2, v = 2;
	CHECK(map__user_update(&m, &k, &v, BPF_ANY) == 0);
	CHECK(vmt_open_insns(&t, in, n, 0) == 0);	/* decode after the maps exist */
	t.obj.env.maps[0] = &m;
	t.obj.env.nmaps = 1;
	t.obj.nprogs = t.obj.env.nprogs = 3;
	for (int i = 0; i < 3; i++)
		t.prog[i] = (struct hxdp_prog){ .insns = (struct bpf_insn *)in[i], .ninsns = n[i],
						.nsub = n[i], .idx = i };
	CHECK(vmt_reopen(&t) == 0);
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.fault, 0);
	CHECK_EQ(t.res.r0, 7);
	CHECK_EQ(t.res.prog, 1);
	CHECK_EQ(t.run->tail_calls, 1);
	CHECK_EQ(t.res.insns, 3 + 2);
	/* an empty slot: the call returns and the program goes on */
	p0[2].imm = 3;
	CHECK(vmt_reopen(&t) == 0);
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.r0, 99);
	CHECK_EQ(t.res.prog, 0);
	/* MAX_TAIL_CALL_CNT: the 34th call fails */
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 2, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.r0, 99);
	CHECK_EQ(t.run->tail_calls, HXDP_MAX_TAIL_CALLS);
	vmt_close(&t);
	map__free(&m);
}

TEST(vm_helper_calls)
{
	struct hxdp_map m = { .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
			      .max_entries = 2, .inner = -1 };
	struct bpf_insn p[32];
	const struct bpf_insn *in = p;
	uint32_t n = 0;
	char err[160];
	struct vmt t;

	CHECK(map__init(&m, 1, err, sizeof(err)) == 0);
	/* key 1 on the stack; v = lookup(map, &key); *v += 5 (atomic); return *v + ktime */
	emit(p, &n, I_ST_w, 10, 0, -4, 1);
	emit(p, &n, I_LDDW, 1, BPF_PSEUDO_MAP_FD, 0, 0);
	emit(p, &n, I_MOV64_X, 2, 10, 0, 0);
	emit(p, &n, I_ADD64_K, 2, 0, 0, -4);
	emit(p, &n, I_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	emit(p, &n, I_JNE_K, 0, 0, 2, 0);
	emit(p, &n, I_MOV64_K, 0, 0, 0, 1);
	emit(p, &n, I_EXIT, 0, 0, 0, 0);
	emit(p, &n, I_MOV64_K, 1, 0, 0, 5);
	emit(p, &n, I_Aadd64, 0, 1, 0, 0);
	emit(p, &n, I_LDX_dw, 6, 0, 0, 0);
	emit(p, &n, I_CALL, 0, 0, 0, BPF_FUNC_ktime_get_ns);
	emit(p, &n, I_ADD64_X, 0, 6, 0, 0);
	emit(p, &n, I_EXIT, 0, 0, 0, 0);
	CHECK(vmt_open_insns(&t, &in, &n, 0) == 0);
	t.obj.env.maps[0] = &m;
	t.obj.env.nmaps = 1;
	t.obj.nprogs = 1;
	t.prog[0] = (struct hxdp_prog){ .insns = p, .ninsns = n, .nsub = n };
	CHECK(vmt_reopen(&t) == 0);
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.fault, 0);
	CHECK_EQ(t.res.r0, 5 + t.obj.env.ktime_ns - t.obj.env.ktime_step);
	CHECK_EQ(t.res.helpers, 2);
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK_EQ(t.res.r0, 10 + t.obj.env.ktime_ns - t.obj.env.ktime_step);
	/* a helper's argument check faults the run */
	p[4].imm = BPF_FUNC_map_update_elem;	/* r3 (value) is no pointer */
	CHECK(vmt_reopen(&t) == 0);
	t.run->reg[R_STACK].base = t.run->stack;
	vm_engine.run(t.st, 0, t.run, run__raw(t.run, NULL, 0, &t.res));
	CHECK(t.res.fault != 0);
	CHECK_EQ(t.res.r0, 0);
	vmt_close(&t);
	map__free(&m);
}
