// SPDX-License-Identifier: GPL-2.0
/* xdp_firewall: simple stateful IPv4 firewall (the paper's simple_firewall).
 *
 * Flows are identified by a bidirectional 5-tuple key: the two endpoints are
 * put in canonical order so both directions of a connection hit the same
 * entry in a HASH map. A packet from the inside network (fw_config) creates
 * its flow; a packet from outside passes only if its flow exists or its
 * destination service is listed in inbound_allow. A TCP RST removes the
 * flow. Non-first fragments pass only from inside. Non-IPv4 traffic is
 * passed, malformed IPv4 dropped.
 */
#include "common.h"

struct flow_key {
	__be32 addr_lo;	/* the "smaller" endpoint */
	__be32 addr_hi;
	__be16 port_lo;
	__be16 port_hi;
	__u8 proto;
	__u8 pad[3];
};

struct flow_state {
	__u64 packets;
	__u64 bytes;
	__u64 last_seen;	/* bpf_ktime_get_ns(), informational only */
	__u32 initiator_lo;	/* 1 if the lo endpoint opened the flow */
	__u32 tcp_flags;	/* OR of all TCP flags seen */
};

struct fw_config {
	__be32 inside_net;
	__be32 inside_mask;
};

struct svc_key {
	__be16 port;
	__u8 proto;
	__u8 pad;
};

enum fw_counter {
	FW_NEW_INSIDE = 0,	/* flow created from inside */
	FW_ESTABLISHED,		/* packet of a known flow */
	FW_NEW_INBOUND,		/* flow created by an allowed inbound service */
	FW_DROP_UNKNOWN,	/* outside packet of unknown flow */
	FW_PASS_NON_IP,		/* not IPv4 / not TCP-UDP-ICMP */
	FW_DROP_MALFORMED,
	FW_RST_CLOSED,		/* flow removed by RST */
	FW_PASS_FRAG,		/* non-first fragment from inside */
	FW_CNT_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct flow_key);
	__type(value, struct flow_state);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_config);
} fw_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct svc_key);
	__type(value, __u32);	/* unused flag */
} inbound_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fw_stats SEC(".maps");

static __always_inline void fw_count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&fw_stats, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
}

/* Order endpoints so (saddr,sport) and (daddr,dport) swap to the same key.
 * Returns 1 if the packet's source is the lo endpoint. */
static __always_inline int make_key(struct flow_key *k, __be32 saddr, __be32 daddr,
				    __be16 sport, __be16 dport, __u8 proto)
{
	int src_lo = bpf_ntohl(saddr) < bpf_ntohl(daddr) ||
		     (saddr == daddr && bpf_ntohs(sport) <= bpf_ntohs(dport));

	k->proto = proto;
	if (src_lo) {
		k->addr_lo = saddr;
		k->addr_hi = daddr;
		k->port_lo = sport;
		k->port_hi = dport;
	} else {
		k->addr_lo = daddr;
		k->addr_hi = saddr;
		k->port_lo = dport;
		k->port_hi = sport;
	}
	return src_lo;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = { .pos = data };
	struct flow_key key = {};
	struct flow_state *st, init = {};
	struct fw_config *cfg;
	struct svc_key svc = {};
	struct ethhdr *eth;
	struct iphdr *iph;
	struct tcphdr *tcph = NULL;
	struct udphdr *udph;
	struct icmphdr_echo *icmph;
	__be16 sport, dport;
	__u32 zero = 0;
	__u64 len = data_end - data;
	int proto, src_lo, inside;

	if (parse_ethhdr(&nh, data_end, &eth) != bpf_htons(ETH_P_IP)) {
		fw_count(FW_PASS_NON_IP);
		return XDP_PASS;
	}
	proto = parse_iphdr(&nh, data_end, &iph);
	if (proto < 0) {
		fw_count(FW_DROP_MALFORMED);
		return XDP_DROP;
	}

	cfg = bpf_map_lookup_elem(&fw_config, &zero);
	if (!cfg)
		return XDP_ABORTED;
	inside = (iph->saddr & cfg->inside_mask) == cfg->inside_net;

	/* later fragments carry no ports: only the inside may send them */
	if (iph->frag_off & bpf_htons(IP_OFFMASK)) {
		if (inside) {
			fw_count(FW_PASS_FRAG);
			return XDP_PASS;
		}
		fw_count(FW_DROP_UNKNOWN);
		return XDP_DROP;
	}

	switch (proto) {
	case IPPROTO_TCP:
		if (parse_tcphdr(&nh, data_end, &tcph) < 0)
			goto malformed;
		sport = tcph->source;
		dport = tcph->dest;
		break;
	case IPPROTO_UDP:
		if (parse_udphdr(&nh, data_end, &udph) < 0)
			goto malformed;
		sport = udph->source;
		dport = udph->dest;
		break;
	case IPPROTO_ICMP:
		icmph = nh.pos;
		if ((void *)(icmph + 1) > data_end)
			goto malformed;
		/* echo id identifies the "connection"; other ICMP passes */
		if (icmph->type != ICMP_ECHO && icmph->type != ICMP_ECHOREPLY) {
			fw_count(FW_PASS_NON_IP);
			return XDP_PASS;
		}
		sport = icmph->id;
		dport = icmph->id;
		break;
	default:
		fw_count(FW_PASS_NON_IP);
		return XDP_PASS;
	}

	src_lo = make_key(&key, iph->saddr, iph->daddr, sport, dport, proto);

	st = bpf_map_lookup_elem(&flows, &key);
	if (st) {
		/* direct writes into the map value */
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, len);
		st->last_seen = bpf_ktime_get_ns();
		if (tcph) {
			st->tcp_flags |= ((__u8 *)tcph)[13];
			if (tcph->rst) {
				bpf_map_delete_elem(&flows, &key);
				fw_count(FW_RST_CLOSED);
			}
		}
		fw_count(FW_ESTABLISHED);
		return XDP_PASS;
	}

	if (!inside) {
		svc.port = dport;
		svc.proto = proto;
		if (!bpf_map_lookup_elem(&inbound_allow, &svc)) {
			fw_count(FW_DROP_UNKNOWN);
			return XDP_DROP;
		}
	}
	/* a lone RST does not open a flow */
	if (tcph && tcph->rst) {
		fw_count(inside ? FW_NEW_INSIDE : FW_NEW_INBOUND);
		return XDP_PASS;
	}

	init.packets = 1;
	init.bytes = len;
	init.last_seen = bpf_ktime_get_ns();
	init.initiator_lo = src_lo;
	init.tcp_flags = tcph ? ((__u8 *)tcph)[13] : 0;
	bpf_map_update_elem(&flows, &key, &init, BPF_NOEXIST);
	fw_count(inside ? FW_NEW_INSIDE : FW_NEW_INBOUND);
	return XDP_PASS;

malformed:
	fw_count(FW_DROP_MALFORMED);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
