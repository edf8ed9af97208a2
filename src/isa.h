/* isa.h: the one table of every instruction hxdp knows.
 *
 * X(ID, OPC, SEL, SELV, MNEM, FORM, VER, GROUP)
 *   ID    enum suffix (I_ID)
 *   OPC   the 8-bit opcode byte
 *   SEL   which further field tells instructions sharing OPC apart:
 *         S_NONE, S_OFF (off == SELV), S_IMM (imm == SELV), S_SRC (src_reg == SELV)
 *   MNEM  mnemonic of the conformance-suite assembler (ubpf/bpf_conformance syntax)
 *   FORM  operand form, shared by assembler, disassembler and validator (F_*)
 *   VER   first ISA version that has it: 1..4 (RFC 9669 "cpu v1..v4"), 0x10 for hxdp
 *   GROUP RFC 9669 conformance group (G_*), G_HXDP for the extended ISA
 *
 * The hxdp extended instructions (group G_HXDP) are specified in docs/isa.md; they use
 * opcode slots that RFC 9669 leaves undefined and appear only in compiled images.
 * Include this file with X defined; it undefines X at the end.
 */

/* ALU and ALU64 with register (X) and immediate (K) source */
#define ISA_ALU(X, op, name, str, sel, selv, ver, g32, g64)                            \
	X(name##32_K, 0x04 | (op), sel, selv, str "32", F_ALU_K, ver, g32)              \
	X(name##32_X, 0x0c | (op), sel, selv, str "32", F_ALU_X, ver, g32)              \
	X(name##64_K, 0x07 | (op), sel, selv, str, F_ALU_K, ver, g64)                    \
	X(name##64_X, 0x0f | (op), sel, selv, str, F_ALU_X, ver, g64)

/* conditional jumps, 64-bit (JMP) and 32-bit (JMP32) compares */
#define ISA_JCC(X, op, name, str, ver)                                                  \
	X(name##_K, 0x05 | (op), S_NONE, 0, str, F_JCC_K, ver, G_BASE64)                 \
	X(name##_X, 0x0d | (op), S_NONE, 0, str, F_JCC_X, ver, G_BASE64)                 \
	X(name##32_K, 0x06 | (op), S_NONE, 0, str "32", F_JCC_K, 2, G_BASE32)            \
	X(name##32_X, 0x0e | (op), S_NONE, 0, str "32", F_JCC_X, 2, G_BASE32)

/* atomic read-modify-write on 32 (W) and 64 (DW) bit words; SELV is the imm op */
#define ISA_ATOMIC(X, imm, name, str, ver)                                               \
	X(A##name##32, 0xc3, S_IMM, imm, "lock " str "32", F_ATOMIC, ver, G_ATOMIC32)    \
	X(A##name##64, 0xdb, S_IMM, imm, "lock " str, F_ATOMIC, ver, G_ATOMIC64)

#define ISA_MEM(X, sz, name)                                                            \
	X(LDX_##name, 0x61 | (sz), S_NONE, 0, "ldx" #name, F_LDX, 1, G_BASE32)           \
	X(ST_##name, 0x62 | (sz), S_NONE, 0, "st" #name, F_ST, 1, G_BASE32)              \
	X(STX_##name, 0x63 | (sz), S_NONE, 0, "stx" #name, F_STX, 1, G_BASE32)

#define ISA_TABLE(X)                                                                     \
	ISA_ALU(X, 0x00, ADD, "add", S_OFF, 0, 1, G_BASE32, G_BASE64)                          \
	ISA_ALU(X, 0x10, SUB, "sub", S_OFF, 0, 1, G_BASE32, G_BASE64)                          \
	ISA_ALU(X, 0x20, MUL, "mul", S_OFF, 0, 1, G_DIVMUL32, G_DIVMUL64)                      \
	ISA_ALU(X, 0x30, DIV, "div", S_OFF, 0, 1, G_DIVMUL32, G_DIVMUL64)                      \
	ISA_ALU(X, 0x30, SDIV, "sdiv", S_OFF, 1, 4, G_DIVMUL32, G_DIVMUL64)                     \
	ISA_ALU(X, 0x40, OR, "or", S_OFF, 0, 1, G_BASE32, G_BASE64)                           \
	ISA_ALU(X, 0x50, AND, "and", S_OFF, 0, 1, G_BASE32, G_BASE64)                          \
	ISA_ALU(X, 0x60, LSH, "lsh", S_OFF, 0, 1, G_BASE32, G_BASE64)                          \
	ISA_ALU(X, 0x70, RSH, "rsh", S_OFF, 0, 1, G_BASE32, G_BASE64)                          \
	ISA_ALU(X, 0x90, MOD, "mod", S_OFF, 0, 1, G_DIVMUL32, G_DIVMUL64)                      \
	ISA_ALU(X, 0x90, SMOD, "smod", S_OFF, 1, 4, G_DIVMUL32, G_DIVMUL64)                     \
	ISA_ALU(X, 0xa0, XOR, "xor", S_OFF, 0, 1, G_BASE32, G_BASE64)                          \
	ISA_ALU(X, 0xb0, MOV, "mov", S_OFF, 0, 1, G_BASE32, G_BASE64)                          \
	ISA_ALU(X, 0xc0, ARSH, "arsh", S_OFF, 0, 1, G_BASE32, G_BASE64)                         \
	X(NEG32, 0x84, S_NONE, 0, "neg32", F_NEG, 1, G_BASE32)                          \
	X(NEG64, 0x87, S_NONE, 0, "neg", F_NEG, 1, G_BASE64)                            \
	X(MOVSX8_32, 0xbc, S_OFF, 8, "movsx832", F_ALU_X, 4, G_BASE32)                  \
	X(MOVSX16_32, 0xbc, S_OFF, 16, "movsx1632", F_ALU_X, 4, G_BASE32)               \
	X(MOVSX8_64, 0xbf, S_OFF, 8, "movsx864", F_ALU_X, 4, G_BASE64)                  \
	X(MOVSX16_64, 0xbf, S_OFF, 16, "movsx1664", F_ALU_X, 4, G_BASE64)               \
	X(MOVSX32_64, 0xbf, S_OFF, 32, "movsx3264", F_ALU_X, 4, G_BASE64)               \
	X(LE16, 0xd4, S_IMM, 16, "le16", F_END, 1, G_BASE32)                            \
	X(LE32, 0xd4, S_IMM, 32, "le32", F_END, 1, G_BASE32)                            \
	X(LE64, 0xd4, S_IMM, 64, "le64", F_END, 1, G_BASE64)                            \
	X(BE16, 0xdc, S_IMM, 16, "be16", F_END, 1, G_BASE32)                            \
	X(BE32, 0xdc, S_IMM, 32, "be32", F_END, 1, G_BASE32)                            \
	X(BE64, 0xdc, S_IMM, 64, "be64", F_END, 1, G_BASE64)                            \
	X(BSWAP16, 0xd7, S_IMM, 16, "bswap16", F_END, 4, G_BASE32)                      \
	X(BSWAP32, 0xd7, S_IMM, 32, "bswap32", F_END, 4, G_BASE32)                      \
	X(BSWAP64, 0xd7, S_IMM, 64, "bswap64", F_END, 4, G_BASE64)                      \
	X(JA, 0x05, S_NONE, 0, "ja", F_JA, 1, G_BASE32)                                 \
	X(JA32, 0x06, S_NONE, 0, "ja32", F_JA32, 4, G_BASE32)                           \
	ISA_JCC(X, 0x10, JEQ, "jeq", 1)                                                        \
	ISA_JCC(X, 0x20, JGT, "jgt", 1)                                                        \
	ISA_JCC(X, 0x30, JGE, "jge", 1)                                                        \
	ISA_JCC(X, 0x40, JSET, "jset", 1)                                                       \
	ISA_JCC(X, 0x50, JNE, "jne", 1)                                                        \
	ISA_JCC(X, 0x60, JSGT, "jsgt", 1)                                                       \
	ISA_JCC(X, 0x70, JSGE, "jsge", 1)                                                       \
	ISA_JCC(X, 0xa0, JLT, "jlt", 2)                                                        \
	ISA_JCC(X, 0xb0, JLE, "jle", 2)                                                        \
	ISA_JCC(X, 0xc0, JSLT, "jslt", 2)                                                       \
	ISA_JCC(X, 0xd0, JSLE, "jsle", 2)                                                       \
	X(CALL, 0x85, S_SRC, 0, "call", F_CALL, 1, G_BASE32)                            \
	X(CALL_LOCAL, 0x85, S_SRC, 1, "call local", F_CALL_LOCAL, 1, G_BASE32)          \
	X(CALLX, 0x8d, S_NONE, 0, "callx", F_CALLX, 1, G_NONSTD)                        \
	X(EXIT, 0x95, S_NONE, 0, "exit", F_EXIT, 1, G_BASE32)                           \
	X(LDDW, 0x18, S_NONE, 0, "lddw", F_LDDW, 1, G_BASE64)                           \
	X(LDABS_W, 0x20, S_NONE, 0, "ldabsw", F_LDABS, 1, G_PACKET)                     \
	X(LDABS_H, 0x28, S_NONE, 0, "ldabsh", F_LDABS, 1, G_PACKET)                     \
	X(LDABS_B, 0x30, S_NONE, 0, "ldabsb", F_LDABS, 1, G_PACKET)                     \
	X(LDABS_DW, 0x38, S_NONE, 0, "ldabsdw", F_LDABS, 1, G_PACKET)                   \
	X(LDIND_W, 0x40, S_NONE, 0, "ldindw", F_LDIND, 1, G_PACKET)                     \
	X(LDIND_H, 0x48, S_NONE, 0, "ldindh", F_LDIND, 1, G_PACKET)                     \
	X(LDIND_B, 0x50, S_NONE, 0, "ldindb", F_LDIND, 1, G_PACKET)                     \
	X(LDIND_DW, 0x58, S_NONE, 0, "ldinddw", F_LDIND, 1, G_PACKET)                   \
	ISA_MEM(X, 0x00, w)                                                              \
	ISA_MEM(X, 0x08, h)                                                              \
	ISA_MEM(X, 0x10, b)                                                              \
	ISA_MEM(X, 0x18, dw)                                                             \
	X(LDXS_w, 0x81, S_NONE, 0, "ldxsw", F_LDX, 4, G_BASE64)                         \
	X(LDXS_h, 0x89, S_NONE, 0, "ldxsh", F_LDX, 4, G_BASE64)                         \
	X(LDXS_b, 0x91, S_NONE, 0, "ldxsb", F_LDX, 4, G_BASE64)                         \
	ISA_ATOMIC(X, 0x00, add, "add", 1)                                                     \
	ISA_ATOMIC(X, 0x40, or, "or", 3)                                                      \
	ISA_ATOMIC(X, 0x50, and, "and", 3)                                                     \
	ISA_ATOMIC(X, 0xa0, xor, "xor", 3)                                                     \
	ISA_ATOMIC(X, 0x01, fetch_add, "fetch add", 3)                                               \
	ISA_ATOMIC(X, 0x41, fetch_or, "fetch or", 3)                                                \
	ISA_ATOMIC(X, 0x51, fetch_and, "fetch and", 3)                                               \
	ISA_ATOMIC(X, 0xa1, fetch_xor, "fetch xor", 3)                                               \
	ISA_ATOMIC(X, 0xe1, xchg, "xchg", 3)                                                    \
	ISA_ATOMIC(X, 0xf1, cmpxchg, "cmpxchg", 3)                                                 \
	ISA_HXDP(X)

/* hxdp extensions (docs/isa.md, "Extended ISA"): filled in by the compiler work */
#ifndef ISA_HXDP
#define ISA_HXDP(X)
#endif
