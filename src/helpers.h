/* helpers.h: BPF helper functions with kernel semantics, shared by every engine.
 * What each helper models, and where it differs from the kernel: docs/helpers.md. */
#ifndef HXDP_HELPERS_H
#define HXDP_HELPERS_H
#include <stdint.h>
#include "env.h"

/* call helper id with r1..r5 in a[0..4]; returns r0. A bad argument faults the run
 * (run->res->fault set; the engine stops with XDP_ABORTED), as does an unsupported id.
 * bpf_tail_call: on success sets run->tail_prog and the engine switches program and
 * counts the call in run->tail_calls; a call that finds the slot empty spends one count
 * here (as the kernel does) and returns 0, as does any failed tail call (the kernel
 * leaves r0 undefined then: the verifier treats it as unknown). */
uint64_t helper__call(struct hxdp_run *run, int32_t id, const uint64_t a[5]);
int helper__supported(int32_t id);
const char *helper__name(int32_t id);	/* "bpf_map_lookup_elem", "unknown" */

/* bpf_csum_diff's arithmetic (net/core/filter.c with the x86-64 csum_partial) */
uint16_t helper__csum_diff(const uint8_t *from, uint32_t from_size, const uint8_t *to,
			   uint32_t to_size, uint32_t seed);

#endif
