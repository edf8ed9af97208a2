/* helpers.h: BPF helper functions with kernel semantics, shared by every engine */
#ifndef HXDP_HELPERS_H
#define HXDP_HELPERS_H
#include <stdint.h>
#include "env.h"

/* call helper id with r1..r5 in a[0..4]; returns r0. A bad argument faults the run
 * (run->res->fault set; the engine stops with XDP_ABORTED). bpf_tail_call sets
 * run->tail_prog on success and the engine switches program (r0 is left unchanged on
 * failure, as the kernel's tail call leaves it). */
uint64_t helper__call(struct hxdp_run *run, int32_t id, const uint64_t a[5]);
int helper__supported(int32_t id);
const char *helper__name(int32_t id);

#endif
