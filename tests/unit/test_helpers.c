/* test_helpers.c: helper semantics, by hand and against BPF_PROG_TEST_RUN */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "t.h"
#include "env.h"
#include "helpers.h"
#include "maps.h"
#include "fib.h"
#include "insn.h"

/* one environment with a few maps, one run over one packet */
struct hx {
	struct hxdp_env env;
	struct hxdp_map maps[6];
	struct hxdp_run run;
	struct hxdp_xdp xdp;
	struct hxdp_result res;
	uint64_t ctx;
};

enum { M_ARR, M_HASH, M_PROGS, M_DEV, M_OUTER, M_PCPU };

static void hx_map(struct hx *h, int i, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	struct hxdp_map *m = &h->maps[i];
	char err[160];

	m->type = type;
	m->key_size = ks;
	m->value_size = vs;
	m->max_entries = max;
	m->idx = (uint32_t)i;
	m->inner = -1;
	if (map__init(m, h->env.ncpus, err, sizeof(err)))
		fprintf(stderr, "  map %d: %s\n", i, err);
	h->env.maps[i] = m;
}

static void hx_packet(struct hx *h, const uint8_t *pkt, uint32_t len)
{
	xdp__init(&h->xdp, pkt, len);
	h->ctx = run__packet(&h->run, &h->xdp, &h->res);
}

static struct hx *hx_new(void)
{
	struct hx *h = calloc(1, sizeof(*h));
	uint8_t pkt[64] = { 0 };

	env__init(&h->env);
	h->env.ncpus = 2;
	hx_map(h, M_ARR, BPF_MAP_TYPE_ARRAY, 4, 8, 4);
	hx_map(h, M_HASH, BPF_MAP_TYPE_HASH, 4, 4, 2);
	hx_map(h, M_PROGS, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
	hx_map(h, M_DEV, BPF_MAP_TYPE_DEVMAP, 4, 4, 4);
	hx_map(h, M_OUTER, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2);
	hx_map(h, M_PCPU, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2);
	h->env.nmaps = 6;
	h->env.nprogs = 3;
	run__init(&h->run, &h->env);
	for (int i = 0; i < 64; i++)
		pkt[i] = (uint8_t)i;
	hx_packet(h, pkt, sizeof(pkt));
	return h;
}

static void hx_free(struct hx *h)
{
	for (int i = 0; i < 6; i++)
		map__free(&h->maps[i]);
	free(h);
}

static uint64_t call(struct hx *h, int32_t id, uint64_t a1, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	uint64_t a[5] = { a1, a2, a3, a4, a5 };

	return helper__call(&h->run, id, a);
}

/* a stack slot holding v, as an address the helpers take */
static uint64_t stk(struct hx *h, int slot, const void *v, uint32_t n)
{
	memcpy(h->run.stack + slot * 64, v, n);
	return HXDP_ADDR(R_STACK, slot * 64);
}

static void clear_fault(struct hx *h)
{
	h->res.fault = 0;
	h->res.err[0] = 0;
}

TEST(helpers_maps)
{
	struct hx *h = hx_new();
	uint32_t k = 2, v = 77, inner = M_HASH;
	uint64_t r;

	r = call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_ARR), stk(h, 0, &k, 4), 0, 0, 0);
	CHECK_EQ(r, HXDP_ADDR(R_MAP0 + M_ARR, 16));
	CHECK_EQ(call(h, BPF_FUNC_map_update_elem, HXDP_MAPREF(M_HASH), stk(h, 0, &k, 4),
		      stk(h, 1, &v, 4), BPF_NOEXIST, 0), 0);
	CHECK_EQ(call(h, BPF_FUNC_map_update_elem, HXDP_MAPREF(M_HASH), stk(h, 0, &k, 4),
		      stk(h, 1, &v, 4), BPF_NOEXIST, 0), (uint64_t)-EEXIST);
	r = call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_HASH), stk(h, 0, &k, 4), 0, 0, 0);
	CHECK_EQ(*(uint32_t *)mem_xlate(h->run.reg, r, 4, 0), 77);
	CHECK_EQ(call(h, BPF_FUNC_map_delete_elem, HXDP_MAPREF(M_HASH), stk(h, 0, &k, 4), 0, 0,
		      0), 0);
	CHECK_EQ(call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_HASH), stk(h, 0, &k, 4), 0, 0,
		      0), 0);
	CHECK_EQ(h->res.fault, 0);
	/* map-in-map: the inner map's handle */
	k = 1;
	CHECK_EQ(map__user_update(&h->maps[M_OUTER], &k, &inner, BPF_ANY), 0);
	CHECK_EQ(call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_OUTER), stk(h, 0, &k, 4), 0, 0,
		      0), HXDP_MAPREF(M_HASH));
	k = 0;
	CHECK_EQ(call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_OUTER), stk(h, 0, &k, 4), 0, 0,
		      0), 0);
	/* per-CPU: the env CPU's slot */
	h->env.cpu = 1;
	CHECK_EQ(call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_PCPU), stk(h, 0, &k, 4), 0, 0,
		      0), HXDP_ADDR(R_MAP0 + M_PCPU, 8));
	CHECK_EQ(call(h, BPF_FUNC_map_lookup_percpu_elem, HXDP_MAPREF(M_PCPU), stk(h, 0, &k, 4),
		      0, 0, 0), HXDP_ADDR(R_MAP0 + M_PCPU, 0));
	CHECK_EQ(call(h, BPF_FUNC_map_lookup_percpu_elem, HXDP_MAPREF(M_PCPU), stk(h, 0, &k, 4),
		      2, 0, 0), 0);
	CHECK_EQ(h->res.fault, 0);
	/* what the verifier would refuse faults */
	call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_PROGS), stk(h, 0, &k, 4), 0, 0, 0);
	CHECK(h->res.fault && strstr(h->res.err, "prog_array"));
	clear_fault(h);
	call(h, BPF_FUNC_map_update_elem, HXDP_MAPREF(M_DEV), stk(h, 0, &k, 4), stk(h, 1, &v, 4),
	     0, 0);
	CHECK(h->res.fault);
	clear_fault(h);
	call(h, BPF_FUNC_map_lookup_elem, HXDP_MAPREF(M_ARR), HXDP_ADDR(R_STACK, 4094), 0, 0, 0);
	CHECK_EQ(h->res.fault, -EFAULT);
	clear_fault(h);
	call(h, BPF_FUNC_map_lookup_elem, HXDP_ADDR(R_MAPREF + 9, 0), stk(h, 0, &k, 4), 0, 0, 0);
	CHECK(h->res.fault && strstr(h->res.err, "not a map"));
	clear_fault(h);
	call(h, 9999, 0, 0, 0, 0, 0);
	CHECK_EQ(h->res.fault, -ENOSYS);
	hx_free(h);
}

TEST(helpers_names)
{
	CHECK(!strcmp(helper__name(BPF_FUNC_map_lookup_elem), "bpf_map_lookup_elem"));
	CHECK(!strcmp(helper__name(BPF_FUNC_xdp_adjust_tail), "bpf_xdp_adjust_tail"));
	CHECK(!strcmp(helper__name(123456), "unknown"));
	CHECK(helper__supported(BPF_FUNC_fib_lookup));
	CHECK(!helper__supported(BPF_FUNC_skb_store_bytes));
	CHECK(!helper__supported(0));
}

TEST(helpers_time_random_cpu)
{
	struct hx *h = hx_new();
	uint64_t t0, t1, r0, r1;

	h->env.ktime_ns = 1000;
	h->env.ktime_step = 10;
	t0 = call(h, BPF_FUNC_ktime_get_ns, 0, 0, 0, 0, 0);
	t1 = call(h, BPF_FUNC_ktime_get_ns, 0, 0, 0, 0, 0);
	CHECK(t0 == 1000 && t1 == 1010);
	h->env.prandom = 42;
	r0 = call(h, BPF_FUNC_get_prandom_u32, 0, 0, 0, 0, 0);
	r1 = call(h, BPF_FUNC_get_prandom_u32, 0, 0, 0, 0, 0);
	h->env.prandom = 42;
	CHECK_EQ(call(h, BPF_FUNC_get_prandom_u32, 0, 0, 0, 0, 0), r0);
	CHECK(r0 != r1 && r0 <= UINT32_MAX);
	h->env.cpu = 1;
	CHECK_EQ(call(h, BPF_FUNC_get_smp_processor_id, 0, 0, 0, 0, 0), 1);
	h->env.ktime_real = 1;
	t0 = call(h, BPF_FUNC_ktime_get_ns, 0, 0, 0, 0, 0);
	CHECK(t0 > 1010);
	hx_free(h);
}

TEST(helpers_tail_call_redirect)
{
	struct hx *h = hx_new();
	uint32_t k = 1, p = 2, dev = 5;

	CHECK_EQ(map__user_update(&h->maps[M_PROGS], &k, &p, BPF_ANY), 0);
	call(h, BPF_FUNC_tail_call, h->ctx, HXDP_MAPREF(M_PROGS), 1, 0, 0);
	CHECK_EQ(h->run.tail_prog, 2);
	CHECK_EQ(h->run.tail_calls, 0);	/* the engine counts a taken tail call */
	h->run.tail_prog = -1;
	call(h, BPF_FUNC_tail_call, h->ctx, HXDP_MAPREF(M_PROGS), 0, 0, 0);	/* empty */
	CHECK(h->run.tail_prog == -1 && h->run.tail_calls == 1);
	call(h, BPF_FUNC_tail_call, h->ctx, HXDP_MAPREF(M_PROGS), 7, 0, 0);	/* range */
	CHECK(h->run.tail_prog == -1 && h->run.tail_calls == 1);
	h->run.tail_calls = HXDP_MAX_TAIL_CALLS;
	call(h, BPF_FUNC_tail_call, h->ctx, HXDP_MAPREF(M_PROGS), 1, 0, 0);
	CHECK_EQ(h->run.tail_prog, -1);
	call(h, BPF_FUNC_tail_call, h->ctx, HXDP_MAPREF(M_ARR), 1, 0, 0);
	CHECK(h->res.fault);
	clear_fault(h);

	CHECK_EQ(call(h, BPF_FUNC_redirect, 3, 0, 0, 0, 0), XDP_REDIRECT);
	CHECK(h->res.tgt_kind == HXDP_TGT_IFINDEX && h->res.tgt_ifindex == 3);
	CHECK_EQ(call(h, BPF_FUNC_redirect, 3, 1, 0, 0, 0), XDP_ABORTED);
	CHECK_EQ(map__user_update(&h->maps[M_DEV], &k, &dev, BPF_ANY), 0);
	CHECK_EQ(call(h, BPF_FUNC_redirect_map, HXDP_MAPREF(M_DEV), 1, 0, 0, 0), XDP_REDIRECT);
	CHECK(h->res.tgt_kind == HXDP_TGT_MAP && h->res.tgt_map == M_DEV && h->res.tgt_key == 1);
	CHECK_EQ(call(h, BPF_FUNC_redirect_map, HXDP_MAPREF(M_DEV), 2, XDP_PASS, 0, 0), XDP_PASS);
	CHECK_EQ(h->res.tgt_kind, HXDP_TGT_NONE);
	CHECK_EQ(call(h, BPF_FUNC_redirect_map, HXDP_MAPREF(M_DEV), 2, BPF_F_BROADCAST, 0, 0),
		 XDP_REDIRECT);
	CHECK_EQ(call(h, BPF_FUNC_redirect_map, HXDP_MAPREF(M_DEV), 1, 1u << 5, 0, 0),
		 XDP_ABORTED);
	call(h, BPF_FUNC_redirect_map, HXDP_MAPREF(M_HASH), 1, 0, 0, 0);
	CHECK(h->res.fault);
	hx_free(h);
}

TEST(helpers_csum_diff_vectors)
{
	/* results measured on Linux 6.18 (x86-64) */
	const uint8_t w[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	const uint8_t same[4] = { 0x11, 0x11, 0x11, 0x11 };
	const uint8_t five[1] = { 5 };

	CHECK_EQ(helper__csum_diff(NULL, 0, w, 3, 0), 0x77ee);
	CHECK_EQ(helper__csum_diff(NULL, 0, NULL, 0, 0x12345678), 0x68ac);
	CHECK_EQ(helper__csum_diff(NULL, 0, NULL, 0, 0xffffffff), 0xffff);
	CHECK_EQ(helper__csum_diff(same, 4, same, 4, 0), 0xffff);
	CHECK_EQ(helper__csum_diff(five, 1, NULL, 0, 0), 0xfffa);
	CHECK_EQ(helper__csum_diff(NULL, 0, (const uint8_t[8]){ 0 }, 8, 0), 0);
}

static uint8_t *pkt_bytes(struct hx *h)
{
	return h->xdp.buf + h->xdp.data;
}

TEST(helpers_adjust_bounds)
{
	struct hx *h = hx_new();
	uint64_t head = BPF_FUNC_xdp_adjust_head, tail = BPF_FUNC_xdp_adjust_tail;
	uint64_t meta = BPF_FUNC_xdp_adjust_meta;

	/* 64-byte packet at 256: head may move to 40 (xdp_frame), to data_end - 14 */
	CHECK_EQ(call(h, head, h->ctx, (uint32_t)-217, 0, 0, 0), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, head, h->ctx, (uint32_t)-216, 0, 0, 0), 0);
	CHECK_EQ(h->xdp.data, 40);
	CHECK_EQ(call(h, head, h->ctx, 216 + 50, 0, 0, 0), 0);
	CHECK_EQ(h->xdp.data_end - h->xdp.data, 14);
	CHECK_EQ(call(h, head, h->ctx, 1, 0, 0, 0), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, head, h->ctx, (uint32_t)-50, 0, 0, 0), 0);
	CHECK_EQ(pkt_bytes(h)[0], 0);
	/* tail: up to frame end minus tailroom, down to ETH_HLEN, grown bytes zeroed */
	CHECK_EQ(call(h, tail, h->ctx, 3457, 0, 0, 0), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, tail, h->ctx, 3456, 0, 0, 0), 0);
	CHECK_EQ(h->xdp.data_end, HXDP_FRAME_SZ - HXDP_TAILROOM);
	CHECK_EQ(call(h, tail, h->ctx, (uint32_t)-(3456 + 51), 0, 0, 0), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, tail, h->ctx, (uint32_t)-(3456 + 50), 0, 0, 0), 0);
	CHECK_EQ(h->xdp.data_end - h->xdp.data, 14);
	/* meta: 4-byte multiples, at most 255 bytes, not below the xdp_frame */
	hx_packet(h, (uint8_t[64]){ 1, 2, 3 }, 64);
	CHECK_EQ(call(h, meta, h->ctx, (uint32_t)-3, 0, 0, 0), (uint64_t)-EACCES);
	CHECK_EQ(call(h, meta, h->ctx, 4, 0, 0, 0), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, meta, h->ctx, (uint32_t)-220, 0, 0, 0), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, meta, h->ctx, (uint32_t)-216, 0, 0, 0), 0);
	CHECK_EQ(call(h, meta, h->ctx, 216 - 8, 0, 0, 0), 0);
	memset(h->xdp.buf + h->xdp.meta, 0xab, 8);
	CHECK_EQ(call(h, head, h->ctx, 4, 0, 0, 0), 0);	/* metadata moves with data */
	CHECK(h->xdp.data - h->xdp.meta == 8 && h->xdp.buf[h->xdp.meta] == 0xab &&
	      h->xdp.buf[h->xdp.data - 1] == 0xab);
	CHECK_EQ(h->res.fault, 0);
	hx_free(h);
}

TEST(helpers_load_store_bytes)
{
	struct hx *h = hx_new();
	uint8_t v[4] = { 9, 9, 9, 9 };

	CHECK_EQ(call(h, BPF_FUNC_xdp_load_bytes, h->ctx, 10, HXDP_ADDR(R_STACK, 0), 4, 0), 0);
	CHECK(h->run.stack[0] == 10 && h->run.stack[3] == 13);
	CHECK_EQ(call(h, BPF_FUNC_xdp_load_bytes, h->ctx, 61, HXDP_ADDR(R_STACK, 0), 4, 0),
		 (uint64_t)-EINVAL);
	CHECK_EQ(call(h, BPF_FUNC_xdp_load_bytes, h->ctx, 0x10000, HXDP_ADDR(R_STACK, 0), 4, 0),
		 (uint64_t)-EFAULT);
	CHECK_EQ(call(h, BPF_FUNC_xdp_store_bytes, h->ctx, 60, stk(h, 1, v, 4), 4, 0), 0);
	CHECK_EQ(pkt_bytes(h)[63], 9);
	CHECK_EQ(call(h, BPF_FUNC_xdp_get_buff_len, h->ctx, 0, 0, 0, 0), 64);
	CHECK_EQ(h->res.fault, 0);
	call(h, BPF_FUNC_xdp_load_bytes, h->ctx, 0, HXDP_ADDR(R_CTX, 0), 4, 0);
	CHECK(h->res.fault);
	hx_free(h);
}

TEST(helpers_trace_printk)
{
	struct hx *h = hx_new();
	char *out = NULL;
	size_t len = 0;
	const char fmt[] = "n=%d u=%u x=%08x %%";
	const char fmt2[] = "%lld %llx %5s|";
	const char bad1[] = "%d %d %d %d", bad2[] = "%q", bad3[] = "%n";
	uint64_t s, ip;
	uint32_t ipv = htonl(0x0a000001);

	h->env.trace = open_memstream(&out, &len);
	s = stk(h, 2, "hey", 4);
	ip = stk(h, 3, &ipv, 4);
	CHECK_EQ(call(h, BPF_FUNC_trace_printk, stk(h, 0, fmt, sizeof(fmt)), sizeof(fmt),
		      (uint32_t)-5, 3000000000u, 0xbeef), strlen("n=-5 u=3000000000 x=0000beef %"));
	CHECK_EQ(call(h, BPF_FUNC_trace_printk, stk(h, 0, fmt2, sizeof(fmt2)), sizeof(fmt2),
		      (uint64_t)-2, 0x1122334455ull, s), strlen("-2 1122334455   hey|"));
	CHECK_EQ(call(h, BPF_FUNC_trace_printk, stk(h, 0, bad1, sizeof(bad1)), sizeof(bad1), 1,
		      2, 3), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, BPF_FUNC_trace_printk, stk(h, 0, bad2, sizeof(bad2)), sizeof(bad2), 1,
		      2, 3), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, BPF_FUNC_trace_printk, stk(h, 0, bad3, sizeof(bad3)), sizeof(bad3), 1,
		      2, 3), (uint64_t)-EINVAL);
	CHECK_EQ(call(h, BPF_FUNC_trace_printk, stk(h, 0, "ab", 2), 2, 0, 0, 0),
		 (uint64_t)-EINVAL);	/* no NUL within the size */
	(void)ip;
	fclose(h->env.trace);
	h->env.trace = NULL;
	CHECK(out && strstr(out, "n=-5 u=3000000000 x=0000beef %\n"));
	CHECK(out && strstr(out, "-2 1122334455   hey|"));
	free(out);
	/* with every conversion in one line: %s and %pI4 read program memory */
	out = NULL;
	h->env.trace = open_memstream(&out, &len);
	{
		const char f3[] = "%s %pI4 %c";

		CHECK_EQ(call(h, BPF_FUNC_trace_printk, stk(h, 0, f3, sizeof(f3)), sizeof(f3), s,
			      ip, 'z'), strlen("hey 10.0.0.1 z"));
	}
	fclose(h->env.trace);
	h->env.trace = NULL;
	CHECK(out && !strcmp(out, "hey 10.0.0.1 z\n"));
	free(out);
	CHECK_EQ(h->res.fault, 0);
	hx_free(h);
}

static const char fib_text[] =
	"# test table\n"
	"dev 2 mac 02:00:00:00:00:02 mtu 1500\n"
	"dev 3 mac 02:00:00:00:00:03 mtu 9000\n"
	"dev 4 noforward\n"
	"route 10.0.0.0/8 via 192.168.1.1 dev 2 metric 5\n"
	"route 10.1.0.0/16 dev 3\n"
	"route 10.2.0.0/16 blackhole\n"
	"route 10.3.0.0/16 unreachable\n"
	"route 10.4.0.0/16 prohibit\n"
	"route 10.9.0.0/16 dev 3 table 100\n"
	"route fd00::/8 via fe80::1 dev 2\n"
	"neigh 192.168.1.1 lladdr 02:00:00:00:00:aa dev 2\n"
	"neigh 10.1.2.3 lladdr 02:00:00:00:00:bb dev 3\n"
	"neigh fe80::1 lladdr 02:00:00:00:00:cc dev 2\n";

static struct bpf_fib_lookup fib4(uint32_t ifindex, uint32_t dst, uint16_t tot_len)
{
	struct bpf_fib_lookup p = { .family = AF_INET, .ifindex = ifindex };

	p.ipv4_dst = htonl(dst);
	p.tot_len = tot_len;
	return p;
}

TEST(helpers_fib)
{
	struct hxdp_fib *f = NULL;
	struct bpf_fib_lookup p;
	char err[200];

	CHECK_EQ(fib__parse(fib_text, "t.fib", &f, err, sizeof(err)), 0);
	p = fib4(2, 0x0a050505, 100);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_SUCCESS);
	CHECK(p.ifindex == 2 && p.ipv4_dst == htonl(0xc0a80101) && p.dmac[5] == 0xaa &&
	      p.smac[5] == 0x02 && p.mtu_result == 1500 && p.rt_metric == 5);
	p = fib4(2, 0x0a010203, 100);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_SUCCESS);
	CHECK(p.ifindex == 3 && p.ipv4_dst == htonl(0x0a010203) && p.dmac[5] == 0xbb);
	p = fib4(2, 0x0a010204, 100);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_NO_NEIGH);
	p = fib4(2, 0x0a010204, 100);
	CHECK_EQ(fib__lookup(f, &p, BPF_FIB_LOOKUP_SKIP_NEIGH), BPF_FIB_LKUP_RET_SUCCESS);
	p = fib4(2, 0x0a050505, 1600);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_FRAG_NEEDED);
	CHECK_EQ(p.mtu_result, 1500);
	p = fib4(2, 0x0a020000, 0);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_BLACKHOLE);
	p = fib4(2, 0x0a030000, 0);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_UNREACHABLE);
	p = fib4(2, 0x0a040000, 0);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_PROHIBIT);
	p = fib4(2, 0x0b000000, 0);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	p = fib4(4, 0x0a050505, 0);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_FWD_DISABLED);
	p = fib4(7, 0x0a050505, 0);
	CHECK_EQ(fib__lookup(f, &p, 0), -ENODEV);
	p = fib4(2, 0x0a090101, 0);
	p.tbid = 100;
	CHECK_EQ(fib__lookup(f, &p, BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID),
		 BPF_FIB_LKUP_RET_NO_NEIGH);
	p = fib4(2, 0x0a050505, 0);
	CHECK_EQ(fib__lookup(f, &p, 1u << 7), -EINVAL);
	p.family = 99;
	CHECK_EQ(fib__lookup(f, &p, 0), -EAFNOSUPPORT);
	memset(&p, 0, sizeof(p));
	p.family = AF_INET6;
	p.ifindex = 2;
	inet_pton(AF_INET6, "fd00::5", p.ipv6_dst);
	CHECK_EQ(fib__lookup(f, &p, 0), BPF_FIB_LKUP_RET_SUCCESS);
	CHECK(p.dmac[5] == 0xcc && ((uint8_t *)p.ipv6_dst)[0] == 0xfe);
	fib__free(f);

	CHECK_EQ(fib__parse("dev 2\nroute 10.0.0.0/33 dev 2\n", "bad.fib", &f, err,
			    sizeof(err)), -EINVAL);
	CHECK(strstr(err, "bad.fib:2:") != NULL);
	CHECK_EQ(fib__parse("route 10.0.0.0/8 dev 5\n", "bad.fib", &f, err, sizeof(err)),
		 -EINVAL);
	CHECK(strstr(err, "device 5") != NULL);
	CHECK_EQ(fib__parse("frobnicate\n", "bad.fib", &f, err, sizeof(err)), -EINVAL);
}

TEST(helpers_fib_lookup_call)
{
	struct hx *h = hx_new();
	struct bpf_fib_lookup p = fib4(2, 0x0a050505, 100);
	uint64_t a;

	CHECK_EQ(fib__parse(fib_text, "t.fib", &h->env.fib, (char[200]){ 0 }, 200), 0);
	a = stk(h, 0, &p, sizeof(p));
	CHECK_EQ(call(h, BPF_FUNC_fib_lookup, h->ctx, a, sizeof(p), 0, 0), 0);
	memcpy(&p, h->run.stack, sizeof(p));
	CHECK_EQ(p.ifindex, 2);
	CHECK_EQ(call(h, BPF_FUNC_fib_lookup, h->ctx, a, sizeof(p) - 4, 0, 0), (uint64_t)-EINVAL);
	fib__free(h->env.fib);
	h->env.fib = NULL;
	hx_free(h);
}

/* ---- against the kernel ------------------------------------------------------------ */

struct prog {
	struct bpf_insn in[64];
	int n;
};

static void emit(struct prog *p, int id, int dst, int src, int off, int32_t imm)
{
	if (isa_encode(id, dst, src, off, imm, &p->in[p->n]) == 0)
		p->n++;
}

static int prog_load(const struct prog *p)
{
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log));
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "hxdp_t", "GPL", p->in, (size_t)p->n, &o);

	if (fd < 0)
		fprintf(stderr, "  prog load: %s\n%s", strerror(-fd), log);
	return fd;
}

/* run fd over pkt; output bytes into out (8 KiB) */
static int prog_run(int fd, const uint8_t *pkt, uint32_t len, uint32_t *ret, uint8_t *out,
		    uint32_t *outlen)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .data_out = out, .data_size_out = 8192, .repeat = 1);
	int e = bpf_prog_test_run_opts(fd, &o);

	*ret = o.retval;
	*outlen = o.data_size_out;
	return e;
}

static int kern_ok(void)
{
	struct prog p = { .n = 0 };
	int fd;

	emit(&p, I_MOV64_K, 0, 0, 0, XDP_PASS);
	emit(&p, I_EXIT, 0, 0, 0, 0);
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "hxdp_t", "GPL", p.in, (size_t)p.n, NULL);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* r0 = csum_diff(pkt + 4, fs, pkt + 4 + fs, ts, seed = *(u32 *)pkt) */
static int csum_prog(uint32_t fs, uint32_t ts)
{
	struct prog p = { .n = 0 };

	emit(&p, I_LDX_w, 2, 1, 0, 0);		/* data */
	emit(&p, I_LDX_w, 3, 1, 4, 0);		/* data_end */
	emit(&p, I_MOV64_X, 4, 2, 0, 0);
	emit(&p, I_ADD64_K, 4, 0, 0, (int32_t)(4 + fs + ts));
	emit(&p, I_JGT_X, 4, 3, 9, 0);
	emit(&p, I_LDX_w, 5, 2, 0, 0);
	emit(&p, I_MOV64_X, 1, 2, 0, 0);
	emit(&p, I_ADD64_K, 1, 0, 0, 4);
	emit(&p, I_MOV64_X, 3, 2, 0, 0);
	emit(&p, I_ADD64_K, 3, 0, 0, (int32_t)(4 + fs));
	emit(&p, I_MOV64_K, 2, 0, 0, (int32_t)fs);
	emit(&p, I_MOV64_K, 4, 0, 0, (int32_t)ts);
	emit(&p, I_CALL, 0, 0, 0, BPF_FUNC_csum_diff);
	emit(&p, I_EXIT, 0, 0, 0, 0);
	emit(&p, I_MOV64_K, 0, 0, 0, 0xdead);
	emit(&p, I_EXIT, 0, 0, 0, 0);
	return prog_load(&p);
}

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(uint8_t *b, uint32_t n, uint64_t *rng, int pattern)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = pattern == 0 ? (uint8_t)xs(rng) : pattern == 1 ? 0xff : 0;
}

TEST(helpers_csum_diff_kernel)
{
	static const uint32_t sizes[][2] = { { 0, 4 }, { 4, 0 }, { 4, 4 }, { 0, 0 }, { 8, 8 },
		{ 20, 20 }, { 0, 3 }, { 5, 0 }, { 7, 13 }, { 40, 40 }, { 80, 4 }, { 0, 100 },
		{ 512, 0 }, { 256, 256 }, { 600, 4 }, { 1, 1 } };
	uint8_t pkt[1400], out[8192];
	uint64_t rng = 7;
	int cases = 0, bad = 0;

	if (!kern_ok())
		SKIP("bpf() unavailable (need root and a BPF-enabled kernel)");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t fs = sizes[i][0], ts = sizes[i][1], ret, outlen, seed;
		int fd = csum_prog(fs, ts);

		CHECK(fd >= 0);
		if (fd < 0)
			continue;
		for (int k = 0; k < 40; k++) {
			uint32_t len = 14 + 4 + fs + ts;

			fill(pkt, sizeof(pkt), &rng, k < 30 ? 0 : k < 35 ? 1 : 2);
			if (k % 7 == 0)
				memset(pkt, k % 2 ? 0xff : 0, 4);	/* seed edge cases */
			CHECK_EQ(prog_run(fd, pkt, len, &ret, out, &outlen), 0);
			memcpy(&seed, pkt, 4);
			cases++;
			if (ret != helper__csum_diff(pkt + 4, fs, pkt + 4 + fs, ts, seed)) {
				if (bad++ < 5)
					fprintf(stderr, "  csum_diff(%u, %u) case %d: kernel 0x%x, "
						"hxdp 0x%x\n", fs, ts, k, ret,
						helper__csum_diff(pkt + 4, fs, pkt + 4 + fs, ts, seed));
			}
		}
		close(fd);
	}
	printf("  csum_diff vs kernel: %d cases, %d mismatches\n", cases, bad);
	CHECK_EQ(bad, 0);
}

/* r0 = (adjust_meta(m) & 0xff) << 8 | (op(arg) & 0xff) */
static int adjust_prog(int32_t m, int op, int32_t arg)
{
	struct prog p = { .n = 0 };

	emit(&p, I_MOV64_X, 6, 1, 0, 0);
	emit(&p, I_MOV64_K, 2, 0, 0, m);
	emit(&p, I_CALL, 0, 0, 0, BPF_FUNC_xdp_adjust_meta);
	emit(&p, I_MOV64_X, 7, 0, 0, 0);
	emit(&p, I_MOV64_X, 1, 6, 0, 0);
	emit(&p, I_MOV64_K, 2, 0, 0, arg);
	emit(&p, I_CALL, 0, 0, 0, op);
	emit(&p, I_AND64_K, 7, 0, 0, 0xff);
	emit(&p, I_LSH64_K, 7, 0, 0, 8);
	emit(&p, I_AND64_K, 0, 0, 0, 0xff);
	emit(&p, I_OR64_X, 0, 7, 0, 0);
	emit(&p, I_EXIT, 0, 0, 0, 0);
	return prog_load(&p);
}

static int adjust_hxdp(struct hx *h, const uint8_t *pkt, uint32_t len, int32_t m, int op,
		       int32_t arg, uint32_t *ret)
{
	uint64_t r1, r2;

	hx_packet(h, pkt, len);
	r1 = call(h, BPF_FUNC_xdp_adjust_meta, h->ctx, (uint32_t)m, 0, 0, 0);
	r2 = call(h, op, h->ctx, (uint32_t)arg, 0, 0, 0);
	*ret = (uint32_t)((r1 & 0xff) << 8 | (r2 & 0xff));
	return h->res.fault;
}

TEST(helpers_adjust_kernel)
{
	static const int32_t metas[] = { 0, -4, -32, -36, -216, -220, 4, -3 };
	static const int32_t args[] = { -256, -217, -216, -100, -40, -1, 0, 1, 14, 46, 47, 50,
		1000, 3456, 3457, -60 };
	static const uint32_t lens[] = { 14, 60, 61, 300, 1500 };
	uint8_t pkt[1500], out[8192];
	struct hx *h;
	int cases = 0, bad = 0;
	uint64_t rng = 3;

	if (!kern_ok())
		SKIP("bpf() unavailable (need root and a BPF-enabled kernel)");
	h = hx_new();
	fill(pkt, sizeof(pkt), &rng, 0);
	for (size_t mi = 0; mi < sizeof(metas) / sizeof(metas[0]); mi++)
		for (size_t ai = 0; ai < sizeof(args) / sizeof(args[0]); ai++)
			for (int op = 0; op < 2; op++) {
				int id = op ? BPF_FUNC_xdp_adjust_tail : BPF_FUNC_xdp_adjust_head;
				int fd = adjust_prog(metas[mi], id, args[ai]);

				CHECK(fd >= 0);
				if (fd < 0)
					continue;
				for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
					uint32_t kret, hret, outlen;

					CHECK_EQ(prog_run(fd, pkt, lens[li], &kret, out, &outlen), 0);
					CHECK_EQ(adjust_hxdp(h, pkt, lens[li], metas[mi], id, args[ai],
							     &hret), 0);
					cases++;
					if (kret != hret || outlen != xdp__out_len(&h->xdp) ||
					    memcmp(out, xdp__out(&h->xdp), outlen)) {
						if (bad++ < 5)
							fprintf(stderr, "  meta %d %s %d len %u: kernel "
								"0x%x/%u, hxdp 0x%x/%u\n", metas[mi],
								op ? "tail" : "head", args[ai], lens[li],
								kret, outlen, hret,
								xdp__out_len(&h->xdp));
					}
				}
				close(fd);
			}
	printf("  adjust_meta/head/tail vs kernel: %d cases, %d mismatches\n", cases, bad);
	CHECK_EQ(bad, 0);
	hx_free(h);
}

/* redirect flags and the default action of redirect_map on a missing devmap key */
static int redirect_prog(int map_fd, int id, uint32_t key, int32_t flags)
{
	struct prog p = { .n = 0 };

	if (id == BPF_FUNC_redirect_map) {
		emit(&p, I_LDDW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd);
		p.in[p.n++] = (struct bpf_insn){ 0 };
	} else {
		emit(&p, I_MOV64_K, 1, 0, 0, (int32_t)key);
	}
	emit(&p, I_MOV64_K, 2, 0, 0, id == BPF_FUNC_redirect_map ? (int32_t)key : flags);
	emit(&p, I_MOV64_K, 3, 0, 0, flags);
	emit(&p, I_CALL, 0, 0, 0, id);
	emit(&p, I_EXIT, 0, 0, 0, 0);
	return prog_load(&p);
}

TEST(helpers_redirect_kernel)
{
	static const int32_t flags[] = { 0, 1, 2, 3, 4, 8, 16, 24, 32, 8 | 2 };
	uint8_t pkt[64] = { 0 }, out[8192];
	uint32_t k = 1, lo = 1, kret, hret, outlen;
	int cases = 0, bad = 0, mfd;
	struct hx *h;

	if (!kern_ok())
		SKIP("bpf() unavailable (need root and a BPF-enabled kernel)");
	h = hx_new();
	mfd = bpf_map_create(BPF_MAP_TYPE_DEVMAP, NULL, 4, 4, 4, NULL);
	CHECK(mfd >= 0);
	CHECK_EQ(bpf_map_update_elem(mfd, &k, &lo, 0), 0);
	CHECK_EQ(map__user_update(&h->maps[M_DEV], &k, &lo, 0), 0);
	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
		for (uint32_t key = 0; key < 3; key++)
			for (int r = 0; r < 2; r++) {
				int id = r ? BPF_FUNC_redirect_map : BPF_FUNC_redirect;
				int fd = redirect_prog(mfd, id, key, flags[f]);

				if (fd < 0) {
					bad++;
					continue;
				}
				CHECK_EQ(prog_run(fd, pkt, sizeof(pkt), &kret, out, &outlen), 0);
				close(fd);
				hx_packet(h, pkt, sizeof(pkt));
				hret = (uint32_t)(r ? call(h, id, HXDP_MAPREF(M_DEV), key,
							   (uint32_t)flags[f], 0, 0)
						    : call(h, id, key, (uint32_t)flags[f], 0, 0, 0));
				cases++;
				if (kret != hret && bad++ < 5)
					fprintf(stderr, "  %s key %u flags 0x%x: kernel %u, hxdp %u\n",
						helper__name(id), key, flags[f], kret, hret);
			}
	close(mfd);
	printf("  redirect/redirect_map vs kernel: %d cases, %d mismatches\n", cases, bad);
	CHECK_EQ(bad, 0);
	hx_free(h);
}

/* trace_printk's return value (the formatted length) for formats with constant args;
 * the string sits at r10 - 64, a 16-byte scratch (a string, an address) at r10 - 96 */
static int printk_prog(const char *fmt, uint32_t size, const uint64_t args[3], int ptr)
{
	struct prog p = { .n = 0 };
	uint64_t scratch[2] = { 0x2e2e2e2e006f6f66ull /* "foo" */, 0 };
	uint8_t buf[64] = { 0 };

	memcpy(buf, fmt, size);
	memcpy(&scratch[1], (uint8_t[4]){ 10, 0, 0, 1 }, 4);
	for (int i = 0; i < 8; i++) {
		uint64_t w;

		memcpy(&w, buf + 8 * i, 8);
		emit(&p, I_LDDW, 1, 0, 0, (int32_t)w);
		p.in[p.n++] = (struct bpf_insn){ .imm = (int32_t)(w >> 32) };
		emit(&p, I_STX_dw, 10, 1, -64 + 8 * i, 0);
	}
	for (int i = 0; i < 2; i++) {
		emit(&p, I_LDDW, 1, 0, 0, (int32_t)scratch[i]);
		p.in[p.n++] = (struct bpf_insn){ .imm = (int32_t)(scratch[i] >> 32) };
		emit(&p, I_STX_dw, 10, 1, -96 + 8 * i, 0);
	}
	for (int i = 0; i < 3; i++) {
		if (ptr & (1 << i)) {
			emit(&p, I_MOV64_X, 3 + i, 10, 0, 0);
			emit(&p, I_ADD64_K, 3 + i, 0, 0, (int32_t)args[i]);
		} else {
			emit(&p, I_LDDW, 3 + i, 0, 0, (int32_t)args[i]);
			p.in[p.n++] = (struct bpf_insn){ .imm = (int32_t)(args[i] >> 32) };
		}
	}
	emit(&p, I_MOV64_X, 1, 10, 0, 0);
	emit(&p, I_ADD64_K, 1, 0, 0, -64);
	emit(&p, I_MOV64_K, 2, 0, 0, (int32_t)size);
	emit(&p, I_CALL, 0, 0, 0, BPF_FUNC_trace_printk);
	emit(&p, I_EXIT, 0, 0, 0, 0);
	return prog_load(&p);
}

TEST(helpers_trace_printk_kernel)
{
	static const struct {
		const char *fmt;
		uint64_t a[3];
		int ptr;	/* args that are stack offsets from r10 */
	} cases[] = {
		{ "%d", { (uint64_t)-5 }, 0 },
		{ "%5d|%-5u|%x", { 42, 7, 0xbeef }, 0 },
		{ "%lld %llx %lu", { (uint64_t)-1, 0x1234567890ull, 99 }, 0 },
		{ "%i %X %08x", { 0x80000000u, 0xabcdef, 0x12 }, 0 },
		{ "abc%%def %u", { 3000000000u }, 0 },
		{ "%c%c%c", { 'x', 'y', 'z' }, 0 },
		{ "%s|%5s|", { (uint64_t)-96, (uint64_t)-96 }, 3 },
		{ "ip %pI4 %pi4", { (uint64_t)-88, (uint64_t)-88 }, 3 },
		{ "%pI6 %pi6", { (uint64_t)-96, (uint64_t)-96 }, 3 },
		{ "%d %d %d %d", { 1, 2, 3 }, 0 },
		{ "%q", { 1 }, 0 },
		{ "%ld %li", { (uint64_t)-7, 8 }, 0 },
		{ "no conversions\n", { 0 }, 0 },
		{ "%+d % d %05d", { 5, 6, 7 }, 0 },
		{ "%lx%llu", { 0xffffffffffull, 12 }, 0 },
	};
	uint8_t pkt[64] = { 0 }, out[8192];
	int n = 0, bad = 0;
	struct hx *h;

	if (!kern_ok())
		SKIP("bpf() unavailable (need root and a BPF-enabled kernel)");
	h = hx_new();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t size = (uint32_t)strlen(cases[i].fmt) + 1, kret, outlen;
		uint64_t a[3], hret, frame = HXDP_FP(0);
		int fd = printk_prog(cases[i].fmt, size, cases[i].a, cases[i].ptr);

		if (fd < 0) {
			bad++;
			continue;
		}
		CHECK_EQ(prog_run(fd, pkt, sizeof(pkt), &kret, out, &outlen), 0);
		close(fd);
		/* the same memory on our stack: string at fp - 64, scratch at fp - 96 */
		memcpy(mem_xlate(h->run.reg, frame - 64, size, 1), cases[i].fmt, size);
		memcpy(mem_xlate(h->run.reg, frame - 96, 8, 1), "foo\0....", 8);
		memcpy(mem_xlate(h->run.reg, frame - 88, 8, 1), (uint8_t[8]){ 10, 0, 0, 1 }, 8);
		for (int k = 0; k < 3; k++)
			a[k] = cases[i].ptr & (1 << k) ? frame + cases[i].a[k] : cases[i].a[k];
		hret = call(h, BPF_FUNC_trace_printk, frame - 64, size, a[0], a[1], a[2]);
		n++;
		if ((uint32_t)hret != kret && bad++ < 5)
			fprintf(stderr, "  trace_printk \"%s\": kernel %d, hxdp %d\n", cases[i].fmt,
				(int)kret, (int)hret);
	}
	printf("  trace_printk vs kernel: %d formats, %d mismatches\n", n, bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(h->res.fault, 0);
	hx_free(h);
}
