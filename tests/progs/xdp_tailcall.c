// SPDX-License-Identifier: GPL-2.0
/* xdp_tailcall: a parser split into a chain of tail calls.
 *
 *   xdp_tailcall (entry, L2) --[0]--> xdp_tc_ipv4 --+
 *                            --[1]--> xdp_tc_ipv6 --+--[2]--> xdp_tc_l4 --[3]--> (empty)
 *
 * Stages hand over header offsets through a per-CPU scratch map. Slot 3 of
 * the PROG_ARRAY is left empty on purpose: the tail call fails and the
 * caller continues after it. xdp_tc_l4 drops telnet (tcp/23) and tftp
 * (udp/69); everything else is passed.
 * The entry program is "xdp_tailcall"; the others are only reached through
 * jmp_table.
 */
#include "common.h"

enum {
	JMP_IPV4 = 0,
	JMP_IPV6 = 1,
	JMP_L4 = 2,
	JMP_VERDICT = 3,	/* intentionally empty */
	JMP_MAX = 8,
};

enum {
	ST_ENTRY = 0,
	ST_IPV4,
	ST_IPV6,
	ST_L4,
	ST_TAIL_MISS,	/* a tail call fell through */
	ST_DROP,
	ST_MAX,
};

struct pkt_state {
	__u32 l3_off;
	__u32 l4_off;
	__u32 l4_proto;
	__u32 depth;	/* stages visited */
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, JMP_MAX);
	__type(key, __u32);
	__type(value, __u32);
} jmp_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt_state);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tc_stats SEC(".maps");

#define MAX_L3_OFF (sizeof(struct ethhdr) + 2 * sizeof(struct vlan_hdr))
#define MAX_L4_OFF (MAX_L3_OFF + 60)

static __always_inline void stat(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&tc_stats, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline struct pkt_state *state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

SEC("xdp")
int xdp_tailcall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = data };
	struct pkt_state *ps = state();
	struct ethhdr *eth;
	int proto, vlans;

	if (!ps)
		return XDP_ABORTED;
	stat(ST_ENTRY);
	proto = parse_ethhdr_vlan(&nh, data_end, &eth, &vlans);
	ps->l3_off = nh.pos - data;
	ps->l4_off = 0;
	ps->l4_proto = 0;
	ps->depth = 1;

	if (proto == bpf_htons(ETH_P_IP))
		bpf_tail_call(ctx, &jmp_table, JMP_IPV4);
	else if (proto == bpf_htons(ETH_P_IPV6))
		bpf_tail_call(ctx, &jmp_table, JMP_IPV6);
	else
		return XDP_PASS;

	stat(ST_TAIL_MISS);
	return XDP_PASS;
}

SEC("xdp")
int xdp_tc_ipv4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *ps = state();
	struct hdr_cursor nh;
	struct iphdr *iph;
	__u32 off;
	int proto;

	if (!ps)
		return XDP_ABORTED;
	stat(ST_IPV4);
	off = ps->l3_off;
	if (off > MAX_L3_OFF)
		return XDP_ABORTED;
	nh.pos = data + off;
	proto = parse_iphdr(&nh, data_end, &iph);
	if (proto < 0 || iph->ttl == 0) {
		stat(ST_DROP);
		return XDP_DROP;
	}
	/* non-first fragments have no L4 header */
	if (iph->frag_off & bpf_htons(IP_OFFMASK))
		return XDP_PASS;
	ps->l4_off = nh.pos - data;
	ps->l4_proto = proto;
	ps->depth++;
	bpf_tail_call(ctx, &jmp_table, JMP_L4);
	stat(ST_TAIL_MISS);
	return XDP_PASS;
}

SEC("xdp")
int xdp_tc_ipv6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *ps = state();
	struct hdr_cursor nh;
	struct ipv6hdr *ip6h;
	__u32 off;
	int proto;

	if (!ps)
		return XDP_ABORTED;
	stat(ST_IPV6);
	off = ps->l3_off;
	if (off > MAX_L3_OFF)
		return XDP_ABORTED;
	nh.pos = data + off;
	proto = parse_ip6hdr(&nh, data_end, &ip6h);
	if (proto < 0 || ip6h->hop_limit == 0) {
		stat(ST_DROP);
		return XDP_DROP;
	}
	/* extension headers are not walked here: L4 stage ignores them */
	ps->l4_off = nh.pos - data;
	ps->l4_proto = proto;
	ps->depth++;
	bpf_tail_call(ctx, &jmp_table, JMP_L4);
	stat(ST_TAIL_MISS);
	return XDP_PASS;
}

SEC("xdp")
int xdp_tc_l4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *ps = state();
	struct tcphdr *tcph;
	struct udphdr *udph;
	__u32 off;

	if (!ps)
		return XDP_ABORTED;
	stat(ST_L4);
	off = ps->l4_off;
	if (off > MAX_L4_OFF)
		return XDP_ABORTED;
	ps->depth++;

	if (ps->l4_proto == IPPROTO_TCP) {
		tcph = data + off;
		if ((void *)(tcph + 1) > data_end)
			goto drop;
		if (tcph->dest == bpf_htons(23))
			goto drop;
	} else if (ps->l4_proto == IPPROTO_UDP) {
		udph = data + off;
		if ((void *)(udph + 1) > data_end)
			goto drop;
		if (udph->dest == bpf_htons(69))
			goto drop;
	}

	/* slot 3 is empty: this falls through */
	bpf_tail_call(ctx, &jmp_table, JMP_VERDICT);
	stat(ST_TAIL_MISS);
	return XDP_PASS;
drop:
	stat(ST_DROP);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
