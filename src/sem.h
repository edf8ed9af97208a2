/* sem.h: eBPF instruction semantics shared by every engine (vm, vliw) and by the
 * compiler's constant folding, so that an operation means one thing everywhere.
 *
 * op is BPF_OP(opcode) (BPF_ADD .. BPF_END); sgn selects SDIV/SMOD (off == 1). With a
 * constant op every function folds to the one expression. */
#ifndef HXDP_SEM_H
#define HXDP_SEM_H
#include <stdint.h>
#include <linux/bpf.h>

static inline uint64_t sem_alu64(int op, int sgn, uint64_t a, uint64_t b)
{
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	/* division by zero: quotient 0, remainder the dividend (kernel and RFC 9669);
	 * signed: x / -1 is -x and x % -1 is 0, so INT_MIN / -1 wraps */
	case BPF_DIV:
		if (!b)
			return 0;
		if (!sgn)
			return a / b;
		return (int64_t)b == -1 ? -a : (uint64_t)((int64_t)a / (int64_t)b);
	case BPF_MOD:
		if (!b)
			return a;
		if (!sgn)
			return a % b;
		return (int64_t)b == -1 ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
	case BPF_OR: return a | b;
	case BPF_AND: return a & b;
	case BPF_XOR: return a ^ b;
	case BPF_LSH: return a << (b & 63);
	case BPF_RSH: return a >> (b & 63);
	case BPF_ARSH: return (uint64_t)((int64_t)a >> (b & 63));
	case BPF_MOV: return b;
	case BPF_NEG: return -a;
	}
	return 0;
}

static inline uint32_t sem_alu32(int op, int sgn, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_DIV:
		if (!b)
			return 0;
		if (!sgn)
			return a / b;
		return (int32_t)b == -1 ? -a : (uint32_t)((int32_t)a / (int32_t)b);
	case BPF_MOD:
		if (!b)
			return a;
		if (!sgn)
			return a % b;
		return (int32_t)b == -1 ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
	case BPF_OR: return a | b;
	case BPF_AND: return a & b;
	case BPF_XOR: return a ^ b;
	case BPF_LSH: return a << (b & 31);
	case BPF_RSH: return a >> (b & 31);
	case BPF_ARSH: return (uint32_t)((int32_t)a >> (b & 31));
	case BPF_MOV: return b;
	case BPF_NEG: return -a;
	}
	return 0;
}

/* ALU result in a 64-bit register: 32-bit operations zero-extend */
static inline uint64_t sem_alu(int op, int sgn, int is64, uint64_t a, uint64_t b)
{
	return is64 ? sem_alu64(op, sgn, a, b) : sem_alu32(op, sgn, (uint32_t)a, (uint32_t)b);
}

/* conditional jumps: op is BPF_OP of a JMP/JMP32 opcode (BPF_JEQ .. BPF_JSLE) */
static inline int sem_jcc64(int op, uint64_t a, uint64_t b)
{
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSET: return (a & b) != 0;
	case BPF_JSGT: return (int64_t)a > (int64_t)b;
	case BPF_JSGE: return (int64_t)a >= (int64_t)b;
	case BPF_JSLT: return (int64_t)a < (int64_t)b;
	case BPF_JSLE: return (int64_t)a <= (int64_t)b;
	}
	return 0;
}

static inline int sem_jcc32(int op, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_JSGT: return (int32_t)a > (int32_t)b;
	case BPF_JSGE: return (int32_t)a >= (int32_t)b;
	case BPF_JSLT: return (int32_t)a < (int32_t)b;
	case BPF_JSLE: return (int32_t)a <= (int32_t)b;
	}
	return sem_jcc64(op, a, b);
}

static inline int sem_jcc(int op, int is64, uint64_t a, uint64_t b)
{
	return is64 ? sem_jcc64(op, a, b) : sem_jcc32(op, (uint32_t)a, (uint32_t)b);
}

/* byte order: to_be (BPF_TO_BE / bswap) swaps on this little-endian model, to_le
 * truncates; width 16, 32 or 64 */
static inline uint64_t sem_end(int swap, int width, uint64_t v)
{
	switch (width) {
	case 16: return swap ? __builtin_bswap16((uint16_t)v) : (uint16_t)v;
	case 32: return swap ? __builtin_bswap32((uint32_t)v) : (uint32_t)v;
	}
	return swap ? __builtin_bswap64(v) : v;
}

/* sign-extending move: bits 8, 16 or 32 of v; is64 keeps the upper half */
static inline uint64_t sem_movsx(int bits, int is64, uint64_t v)
{
	int64_t s = bits == 8 ? (int8_t)v : bits == 16 ? (int16_t)v : (int32_t)v;

	return is64 ? (uint64_t)s : (uint32_t)s;
}

#endif
