// SPDX-License-Identifier: GPL-2.0
/* xdp_lb: L4 load balancer in the style of Katran.
 *
 *  1. (daddr, dport, proto) selects a VIP in a HASH map; other traffic passes.
 *  2. Known connections are found in an LRU_HASH flow table (5-tuple ->
 *     backend index, last-seen time). TCP SYNs and unknown flows pick a
 *     backend from the VIP's consistent-hash ring (64 slots per VIP in one
 *     ARRAY) and are inserted.
 *  3. The backend index is resolved in a per-VIP inner ARRAY reached through
 *     an ARRAY_OF_MAPS (map-in-map).
 *  4. The packet is IP-in-IP encapsulated towards the backend
 *     (bpf_xdp_adjust_head(-20), outer checksum with bpf_csum_diff) and sent
 *     back out with XDP_TX towards the gateway MAC.
 * The stored last-seen time is written but never steers control flow.
 */
#include "common.h"

#define MAX_VIPS	4
#define RING_SIZE	64	/* slots per VIP, power of two */
#define MAX_BACKENDS	16	/* per VIP */

#define VIP_F_HASH_NO_SPORT 0x1	/* hash on source address only */

struct vip_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct vip_meta {
	__u32 vip_id;	/* index into ring and vip_backends */
	__u32 flags;
};

struct lb_flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct lb_flow {
	__u32 backend;		/* index into the VIP's backend pool */
	__u32 vip_id;
	__u64 last_seen;	/* bpf_ktime_get_ns(), nondeterministic */
};

struct lb_config {
	__be32 src_addr;	/* outer source address */
	__u8 gw_mac[ETH_ALEN];	/* next hop for encapsulated packets */
	__u8 pad[2];
};

struct vip_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 drops;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct vip_key);
	__type(value, struct vip_meta);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_flow);
} conn_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_VIPS * RING_SIZE);
	__type(key, __u32);
	__type(value, __u32);	/* backend index */
} ring SEC(".maps");

/* inner map shape: one pool of backend addresses per VIP. The value is a
 * scalar on purpose: clang 14 emits only a BTF forward declaration for a
 * struct used as an inner-map value, which libbpf then rejects. */
struct backend_pool {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, __be32);	/* backend address, 0 = slot unused */
};

struct backend_pool pool_vip0 SEC(".maps");
struct backend_pool pool_vip1 SEC(".maps");
struct backend_pool pool_vip2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MAX_VIPS);
	__type(key, __u32);
	__array(values, struct backend_pool);
} vip_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_config);
} lb_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_VIPS);
	__type(key, __u32);
	__type(value, struct vip_stats);
} lb_stats SEC(".maps");

/* murmur3 finalizer: cheap, well-mixed, deterministic */
static __always_inline __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static __always_inline __u32 flow_hash(const struct lb_flow_key *k, __u32 flags)
{
	__u32 ports = ((__u32)bpf_ntohs(k->sport) << 16) | bpf_ntohs(k->dport);

	if (flags & VIP_F_HASH_NO_SPORT)
		ports &= 0xffff;
	return mix32(bpf_ntohl(k->saddr) ^ mix32(ports ^ ((__u32)k->proto << 24)));
}

static __always_inline int drop(struct vip_stats *vs)
{
	if (vs)
		__sync_fetch_and_add(&vs->drops, 1);
	return XDP_DROP;
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = data };
	struct vip_key vk = {};
	struct lb_flow_key fk = {};
	struct lb_flow *fl, nfl = {};
	struct vip_meta *vm;
	struct vip_stats *vs;
	struct lb_config *cfg;
	__be32 *be;
	struct ethhdr *eth, *old_eth;
	struct iphdr *iph, *outer;
	struct tcphdr *tcph;
	struct udphdr *udph;
	void *pool;
	__u32 vip_id, bidx, slot, zero = 0;
	__u16 inner_len;
	__u8 inner_tos;
	__be32 backend_addr;
	__s64 sum;
	int proto, is_syn = 0;

	if (parse_ethhdr(&nh, data_end, &eth) != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	proto = parse_iphdr(&nh, data_end, &iph);
	if (proto < 0)
		return XDP_PASS;
	/* fragments cannot be hashed on ports */
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFMASK))
		return XDP_PASS;

	if (proto == IPPROTO_TCP) {
		if (parse_tcphdr(&nh, data_end, &tcph) < 0)
			return XDP_PASS;
		fk.sport = tcph->source;
		fk.dport = tcph->dest;
		is_syn = tcph->syn && !tcph->ack;
	} else if (proto == IPPROTO_UDP) {
		if (parse_udphdr(&nh, data_end, &udph) < 0)
			return XDP_PASS;
		fk.sport = udph->source;
		fk.dport = udph->dest;
	} else {
		return XDP_PASS;
	}
	fk.saddr = iph->saddr;
	fk.daddr = iph->daddr;
	fk.proto = proto;

	vk.addr = iph->daddr;
	vk.port = fk.dport;
	vk.proto = proto;
	vm = bpf_map_lookup_elem(&vips, &vk);
	if (!vm)
		return XDP_PASS;
	vip_id = vm->vip_id;
	if (vip_id >= MAX_VIPS)
		return XDP_DROP;
	vs = bpf_map_lookup_elem(&lb_stats, &vip_id);

	fl = is_syn ? NULL : bpf_map_lookup_elem(&conn_table, &fk);
	if (fl && fl->vip_id == vip_id) {
		bidx = fl->backend;
		fl->last_seen = bpf_ktime_get_ns();
	} else {
		/* new connection: consult the consistent-hash ring */
		slot = vip_id * RING_SIZE + (flow_hash(&fk, vm->flags) & (RING_SIZE - 1));
		__u32 *rb = bpf_map_lookup_elem(&ring, &slot);

		if (!rb)
			return drop(vs);
		bidx = *rb;
		nfl.backend = bidx;
		nfl.vip_id = vip_id;
		nfl.last_seen = bpf_ktime_get_ns();
		bpf_map_update_elem(&conn_table, &fk, &nfl, BPF_ANY);
		if (vs)
			__sync_fetch_and_add(&vs->new_flows, 1);
	}

	pool = bpf_map_lookup_elem(&vip_backends, &vip_id);
	if (!pool)
		return drop(vs);
	be = bpf_map_lookup_elem(pool, &bidx);
	if (!be || !*be)
		return drop(vs);
	backend_addr = *be;

	cfg = bpf_map_lookup_elem(&lb_config, &zero);
	if (!cfg)
		return drop(vs);

	inner_len = bpf_ntohs(iph->tot_len);
	inner_tos = iph->tos;
	if (inner_len > 0xffff - sizeof(struct iphdr))
		return drop(vs);

	if (bpf_xdp_adjust_head(ctx, 0 - (int)sizeof(struct iphdr)))
		return drop(vs);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = data + sizeof(*eth);
	old_eth = data + sizeof(*outer);
	if ((void *)(outer + 1) > data_end)
		return drop(vs);

	__builtin_memcpy(eth->h_source, old_eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, cfg->gw_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

	outer->version = 4;
	outer->ihl = 5;
	outer->tos = inner_tos;
	outer->tot_len = bpf_htons(inner_len + sizeof(*outer));
	outer->id = 0;
	outer->frag_off = 0;
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = cfg->src_addr;
	outer->daddr = backend_addr;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)outer, sizeof(*outer), 0);
	outer->check = csum_fold_helper(sum);

	if (vs) {
		__sync_fetch_and_add(&vs->packets, 1);
		__sync_fetch_and_add(&vs->bytes, inner_len);
	}
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
