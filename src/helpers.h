/* helpers.h: BPF helper functions with kernel semantics, shared by every engine.
 * What each helper models, and where it differs from the kernel: docs/helpers.md. */
#ifndef HXDP_HELPERS_H
#define HXDP_HELPERS_H
#include <stdint.h>
#include <string.h>
#include "env.h"
#include "maps.h"

/* call helper id with r1..r5 in a[0..4]; returns r0. A bad argument faults the run
 * (run->res->fault set; the engine stops with XDP_ABORTED), as does an unsupported id.
 * bpf_tail_call: on success sets run->tail_prog and the engine switches program and
 * counts the call in run->tail_calls; a call that finds the slot empty spends one count
 * here (as the kernel does) and returns 0, as does any failed tail call (the kernel
 * leaves r0 undefined then: the verifier treats it as unknown). */
uint64_t helper__call(struct hxdp_run *run, int32_t id, const uint64_t a[5]);
int helper__supported(int32_t id);
const char *helper__name(int32_t id);	/* "bpf_map_lookup_elem", "unknown" */

/* bpf_map_lookup_elem(a[0], a[1]) on an ARRAY or PERCPU_ARRAY map (m->array_inline)
 * with a readable key: r0 as helper__call returns it, without the call (the kernel's
 * JIT inlines array lookups so). Returns 0 when it does not apply: call helper__call
 * then. Counting the call in run->res->helpers is the caller's. */
static inline int helper__lookup_inline(struct hxdp_run *run, const uint64_t a[5],
					uint64_t *r0)
{
	uint32_t r = HXDP_REGION(a[0]), i = r - R_MAPREF, cpu = run->env->cpu, key;
	const struct hxdp_map *m;
	const void *k;
	int64_t off;

	if (r < R_MAPREF || HXDP_OFF(a[0]) || i >= run->env->nmaps ||
	    !(m = run->env->maps[i]) || !m->array_inline || cpu >= m->ncpus ||
	    !(k = mem_xlate(run->reg, a[1], 4, 0)))
		return 0;
	memcpy(&key, k, 4);
	off = map__array_off(m, key, cpu);
	*r0 = off < 0 ? 0 : HXDP_ADDR(R_MAP0 + m->idx, off);
	return 1;
}

/* bpf_csum_diff's arithmetic (net/core/filter.c with the x86-64 csum_partial) */
uint16_t helper__csum_diff(const uint8_t *from, uint32_t from_size, const uint8_t *to,
			   uint32_t to_size, uint32_t seed);

#endif
