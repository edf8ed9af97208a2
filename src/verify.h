/* verify.h: safety checking before load, in the spirit of the kernel's verifier.
 *
 * verify__prog explores every path of a program (abstract interpretation with register
 * types: ctx, packet with the range its bounds checks proved, packet end, stack, map
 * value, map pointer, scalar ranges; uninitialized registers and stack; bounded loops
 * by path exploration with state pruning) and refuses what the kernel verifier refuses,
 * with the kernel's reason and the instruction index: "PROG: insn N: what".
 *
 * It is a sound subset, not the kernel's verifier: where its tracking is coarser it
 * refuses programs the kernel accepts (each such case is listed in docs/safety.md),
 * never the other way round. Where hxdp runs a program anyway (the conformance suite,
 * `hxdp run` of a refused program with the check off), safety does not rest on this
 * file: every access of every engine goes through mem_xlate (src/mem.h), and a
 * violation ends that packet with XDP_ABORTED and counts it (hxdp_result.fault).
 */
#ifndef HXDP_VERIFY_H
#define HXDP_VERIFY_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hxdp_obj;
struct hxdp_prog;

#define VERIFY_MAX_INSNS 1000000	/* BPF_COMPLEXITY_LIMIT_INSNS: processed, not size */
#define VERIFY_MAX_PROG 1000000		/* program size (privileged BPF_MAXINSNS) */

struct verify_opts {
	uint64_t max_processed;	/* 0: VERIFY_MAX_INSNS */
	FILE *log;		/* every instruction explored with its register state */
};

struct verify_stats {
	uint64_t processed;	/* instructions symbolically executed */
	uint32_t states;	/* states stored at prune points */
	uint32_t pruned;	/* paths cut because a verified state covered them */
	uint32_t max_stack;	/* deepest combined stack of a call chain, bytes */
};

/* 0: safe. -EINVAL: malformed (bad opcode, jump, lddw); -EACCES: refused by the safety
 * rules; -E2BIG: too large or too complex; -ENOMEM. err: "PROG: insn N: reason". */
int verify__prog(const struct hxdp_obj *obj, const struct hxdp_prog *p, char *err,
		 size_t errlen);
int verify__prog_opts(const struct hxdp_obj *obj, const struct hxdp_prog *p,
		      const struct verify_opts *o, struct verify_stats *st, char *err,
		      size_t errlen);

#endif
