/* run.c: the run state every engine shares: regions of one run, the xdp_md as the
 * kernel rewrites its loads, faults, the packet buffer as BPF_PROG_TEST_RUN lays it
 * out, and the environment's defaults. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <linux/bpf.h>
#include "env.h"
#include "maps.h"
#include "xdp.h"

#define DEFAULT_BUDGET (1ull << 24)
#define KTIME_START 1000000000ull	/* 1 s: deterministic clock, docs/helpers.md */
#define KTIME_STEP 1000ull
#define PRANDOM_SEED 0x2545f4914f6cdd1dull
#define LO_IFINDEX 1	/* test_run's packets arrive on the loopback device */

void env__init(struct hxdp_env *env)
{
	memset(env, 0, sizeof(*env));
	env->ktime_ns = KTIME_START;
	env->ktime_step = KTIME_STEP;
	env->prandom = PRANDOM_SEED;
	env->cpu = 0;
	env->ncpus = 1;
	env->budget = DEFAULT_BUDGET;
}

void run__init(struct hxdp_run *r, struct hxdp_env *env)
{
	memset(r, 0, sizeof(*r));
	r->env = env;
	r->tail_prog = -1;
	for (uint32_t i = 0; env && i < env->nmaps && i < HXDP_MAX_MAPS; i++) {
		struct hxdp_map *m = env->maps[i];

		if (!m)
			continue;
		r->reg[R_MAP0 + i] = (struct hxdp_region){
			.base = m->values, .lo = 0, .hi = m->values_size,
			.flags = m->rdonly_prog ? REG_RO : 0,
		};
	}
	r->reg[R_STACK] = (struct hxdp_region){ .base = r->stack, .hi = sizeof(r->stack) };
}

static void run__start(struct hxdp_run *r, struct hxdp_result *res)
{
	memset(res, 0, sizeof(*res));
	r->res = res;
	r->budget = r->env && r->env->budget ? r->env->budget : DEFAULT_BUDGET;
	r->tail_prog = -1;
	r->tail_calls = 0;
	r->r2 = 0;
	r->reg[R_STACK] = (struct hxdp_region){ .base = r->stack, .hi = sizeof(r->stack) };
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

void run__pkt_moved(struct hxdp_run *r)
{
	struct hxdp_xdp *x = r->xdp;

	r->reg[R_PKT] = (struct hxdp_region){ .base = x->buf, .lo = x->meta, .hi = x->data_end };
	put32(r->ctx + offsetof(struct xdp_md, data), x->data);
	put32(r->ctx + offsetof(struct xdp_md, data_end), x->data_end);
	put32(r->ctx + offsetof(struct xdp_md, data_meta), x->meta);
	put32(r->ctx + offsetof(struct xdp_md, ingress_ifindex), x->ingress_ifindex);
	put32(r->ctx + offsetof(struct xdp_md, rx_queue_index), x->rx_queue_index);
	put32(r->ctx + offsetof(struct xdp_md, egress_ifindex), x->egress_ifindex);
}

uint64_t run__packet(struct hxdp_run *r, struct hxdp_xdp *x, struct hxdp_result *res)
{
	run__start(r, res);
	r->xdp = x;
	memset(r->ctx, 0, sizeof(r->ctx));
	r->reg[R_CTX] = (struct hxdp_region){
		.base = r->ctx, .hi = sizeof(struct xdp_md), .flags = REG_CTX | REG_RO,
	};
	run__pkt_moved(r);
	return HXDP_ADDR(R_CTX, 0);
}

uint64_t run__raw(struct hxdp_run *r, uint8_t *mem, uint32_t len, struct hxdp_result *res)
{
	run__start(r, res);
	r->xdp = NULL;
	r->reg[R_CTX] = (struct hxdp_region){ 0 };
	r->reg[R_PKT] = (struct hxdp_region){ .base = mem, .hi = mem ? len : 0 };
	r->r2 = mem ? len : 0;
	return mem && len ? HXDP_ADDR(R_PKT, 0) : 0;
}

/* the kernel's xdp_md rewrite (xdp_convert_ctx_access): only aligned 4-byte loads */
int run__ctx_load(struct hxdp_run *r, uint32_t off, uint32_t size, uint64_t *val)
{
	return run__ctx_read(r, off, size, val);
}

int run__fault(struct hxdp_run *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (!r->res || r->res->fault)	/* the first fault is the one to report */
		return err;
	r->res->fault = err;
	r->res->r0 = XDP_ABORTED;
	va_start(ap, fmt);
	vsnprintf(r->res->err, sizeof(r->res->err), fmt, ap);
	va_end(ap);
	return err;
}

/* net/bpf/test_run.c: zeroed buffer, XDP_PACKET_HEADROOM, no metadata, loopback rxq */
int xdp__init(struct hxdp_xdp *x, const uint8_t *pkt, uint32_t len)
{
	if (len < 14 || len > HXDP_MAX_PKT)	/* ETH_HLEN .. one page less room */
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	memcpy(x->buf + HXDP_HEADROOM, pkt, len);
	x->meta = x->data = HXDP_HEADROOM;
	x->data_end = HXDP_HEADROOM + len;
	x->ingress_ifindex = LO_IFINDEX;
	return 0;
}
