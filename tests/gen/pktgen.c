/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pktgen - deterministic test-traffic generator for the hxdp test corpus.
 *
 *   pktgen [--seed N] [--count N] CLASS OUT.pcap
 *   pktgen [--seed N] [--count N] all DIR        (DIR/CLASS.pcap for every class)
 *   pktgen --list
 *
 * Output is a pcap (DLT_EN10MB) with fixed timestamps. The same seed, count
 * and class always give byte-identical files: the generator has its own
 * PRNG (xorshift64*) and no other source of variation.
 *
 * The address plan matches tests/progs/ *.maps.json:
 *   firewall inside network     10.0.0.0/8 (inbound tcp/22 and udp/53 allowed)
 *   router prefixes             10.0.0.0/8, 10.1.0.0/16, 10.1.2.0/24,
 *                               10.1.2.128/32, 192.0.2.0/24, 198.51.100.0/24,
 *                               203.0.113.0/25 (slot with no device)
 *   load-balancer VIPs          192.0.2.10 tcp/80 and tcp/443,
 *                               192.0.2.11 udp/53, 192.0.2.12 tcp/80 (no backends)
 *   tunnel services             tcp/80, tcp/443, udp/53
 *   special ports               tcp/23 and udp/69 (tail-call drop), udp/7 (echo),
 *                               udp/9 (discard), 135-139/445 (blocked)
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -Werror -o build/pktgen tests/gen/pktgen.c -lpcap
 */
#define _DEFAULT_SOURCE /* u_char and friends for <pcap/pcap.h> */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>

#define MAX_FRAME 1514
#define MIN_FRAME 60
#define BUF_SIZE 8192		/* room for a whole datagram before fragmenting */
#define NSESS 8			/* concurrently active flows per generator */
#define FRAGQ 16		/* queued frames (fragments) per generator */
#define DEFAULT_COUNT 200

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

#define P_HOPOPTS 0
#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ROUTING 43
#define P_FRAGMENT 44
#define P_GRE 47
#define P_AH 51
#define P_ICMPV6 58
#define P_NONE 59
#define P_DSTOPTS 60

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* ------------------------------------------------------------------ */
/* PRNG                                                                 */

struct rng {
	uint64_t s;
};

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = splitmix64(seed);
	if (r->s == 0)
		r->s = 0x853c49e6748fea9bULL;
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* uniform-ish in [0, n) */
static uint32_t rnd(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)((rng_next(r) >> 32) % n) : 0;
}

/* inclusive range */
static uint32_t rnd_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rnd(r, hi - lo + 1);
}

/* true with probability pct/100 */
static int chance(struct rng *r, uint32_t pct)
{
	return rnd(r, 100) < pct;
}

static void rnd_bytes(struct rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next(r) >> 56);
}

/* ------------------------------------------------------------------ */
/* byte helpers and checksums                                           */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint16_t csum_fin(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ------------------------------------------------------------------ */
/* packet description and builder                                       */

struct addr {
	uint8_t b[16];	/* IPv4 uses b[0..3] */
};

struct pkt {
	uint8_t d[BUF_SIZE];
	size_t len;
	/* layer offsets recorded by the builder (for the truncated class) */
	size_t l3, l4, pay;
};

struct l2spec {
	uint8_t dst[6], src[6];
	int nvlan;
	uint16_t tpid[2], tci[2];
	uint16_t ethertype;	/* used when there is no IP layer */
};

struct l3spec {
	int v6;
	struct addr src, dst;
	uint8_t tos, ttl;
	uint16_t id;		/* v4 id */
	uint16_t frag;		/* v4 flags+offset field, host order */
	uint8_t opts[40];
	size_t optlen;		/* multiple of 4 */
	uint32_t flowlabel;
	/* IPv6 extension headers, in order */
	int next_ext;
	uint8_t ext[8];
	uint8_t ext_len[8];	/* bytes, multiple of 8 */
	uint16_t frag6_off;	/* in 8-byte units */
	int frag6_more;
	uint32_t frag6_id;
};

struct l4spec {
	uint8_t proto;		/* P_TCP, P_UDP, P_ICMP, P_ICMPV6, other */
	int raw;		/* no L4 header (non-first fragment) */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	size_t topt;		/* TCP option bytes, multiple of 4, <= 40 */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	int udp_nocsum;
};

static size_t l2_len(const struct l2spec *l2)
{
	return 14 + 4 * (size_t)l2->nvlan;
}

static size_t l3_len(const struct l3spec *l3)
{
	size_t n;
	int i;

	if (!l3->v6)
		return 20 + l3->optlen;
	n = 40;
	for (i = 0; i < l3->next_ext; i++)
		n += l3->ext_len[i];
	return n;
}

static size_t l4_len(const struct l4spec *l4)
{
	if (l4->raw)
		return 0;
	switch (l4->proto) {
	case P_TCP:
		return 20 + l4->topt;
	case P_UDP:
	case P_ICMP:
	case P_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

static size_t hdrs_len(const struct l2spec *l2, const struct l3spec *l3, const struct l4spec *l4)
{
	return l2_len(l2) + l3_len(l3) + l4_len(l4);
}

/* Fill IPv6 extension header bodies (PadN options / zeroed fields). */
static size_t put_ext6(const struct l3spec *l3, int i, uint8_t next, uint8_t *p)
{
	size_t len = l3->ext_len[i];

	memset(p, 0, len);
	p[0] = next;
	switch (l3->ext[i]) {
	case P_FRAGMENT:
		p[1] = 0;
		put16(p + 2, (uint16_t)(l3->frag6_off << 3 | (l3->frag6_more ? 1 : 0)));
		put32(p + 4, l3->frag6_id);
		break;
	case P_AH:
		/* length in 4-octet units minus 2; SPI and sequence number */
		p[1] = (uint8_t)(len / 4 - 2);
		put32(p + 4, 0x1000 + (uint32_t)i);
		put32(p + 8, 1);
		break;
	case P_ROUTING:
		p[1] = (uint8_t)(len / 8 - 1);
		p[2] = 0;	/* routing type 0 (deprecated, but parseable) */
		p[3] = 0;	/* segments left: 0, destination is final */
		break;
	default:		/* hop-by-hop, destination options */
		p[1] = (uint8_t)(len / 8 - 1);
		/* one PadN option covering the rest */
		p[2] = 1;
		p[3] = (uint8_t)(len - 4);
		break;
	}
	return len;
}

/* Pseudo-header checksum start for TCP/UDP/ICMPv6. */
static uint32_t pseudo_sum(const struct l3spec *l3, uint8_t proto, size_t l4total)
{
	uint8_t ph[40];
	uint32_t s;

	if (!l3->v6) {
		memcpy(ph, l3->src.b, 4);
		memcpy(ph + 4, l3->dst.b, 4);
		ph[8] = 0;
		ph[9] = proto;
		put16(ph + 10, (uint16_t)l4total);
		return csum_add(0, ph, 12);
	}
	memcpy(ph, l3->src.b, 16);
	memcpy(ph + 16, l3->dst.b, 16);
	put32(ph + 32, (uint32_t)l4total);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	s = csum_add(0, ph, 40);
	return s;
}

/* Payload pattern: a mix of counters and PRNG bytes, looks like data. */
static void fill_payload(struct rng *r, uint8_t *p, size_t n)
{
	size_t i;

	if (chance(r, 50)) {
		rnd_bytes(r, p, n);
		return;
	}
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(0x20 + (i % 0x5f));
}

/*
 * Build one packet (or a whole datagram when frame_len > MAX_FRAME for the
 * fragment path). frame_len is the wanted length before Ethernet padding;
 * the payload takes up whatever the headers leave. Lengths and checksums
 * are filled in; frames are zero-padded to MIN_FRAME unless nopad.
 */
static void build(struct rng *r, const struct l2spec *l2, const struct l3spec *l3,
		  const struct l4spec *l4, size_t frame_len, int nopad, struct pkt *out)
{
	size_t hl = hdrs_len(l2, l3, l4), pl, off, l4total, i;
	uint8_t *d = out->d;
	uint8_t l4proto = l4->proto;
	uint8_t next;

	if (frame_len < hl)
		frame_len = hl;
	if (frame_len > BUF_SIZE)
		frame_len = BUF_SIZE;
	pl = frame_len - hl;
	memset(d, 0, frame_len < MIN_FRAME ? MIN_FRAME : frame_len);

	/* L2 */
	memcpy(d, l2->dst, 6);
	memcpy(d + 6, l2->src, 6);
	off = 12;
	for (i = 0; i < (size_t)l2->nvlan; i++) {
		put16(d + off, l2->tpid[i]);
		put16(d + off + 2, l2->tci[i]);
		off += 4;
	}
	put16(d + off, l3->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	off += 2;
	out->l3 = off;

	/* L3 */
	l4total = l4_len(l4) + pl;
	if (!l3->v6) {
		size_t ihl = 20 + l3->optlen;

		d[off] = (uint8_t)(0x40 | (ihl / 4));
		d[off + 1] = l3->tos;
		put16(d + off + 2, (uint16_t)(ihl + l4total));
		put16(d + off + 4, l3->id);
		put16(d + off + 6, l3->frag);
		d[off + 8] = l3->ttl;
		d[off + 9] = l4proto;
		memcpy(d + off + 12, l3->src.b, 4);
		memcpy(d + off + 16, l3->dst.b, 4);
		memcpy(d + off + 20, l3->opts, l3->optlen);
		put16(d + off + 10, csum_fin(csum_add(0, d + off, ihl)));
		off += ihl;
	} else {
		size_t exts = l3_len(l3) - 40;
		int e;

		put32(d + off, 0x60000000u | (uint32_t)l3->tos << 20 | (l3->flowlabel & 0xfffff));
		put16(d + off + 4, (uint16_t)(exts + l4total));
		d[off + 6] = l3->next_ext ? l3->ext[0] : l4proto;
		d[off + 7] = l3->ttl;
		memcpy(d + off + 8, l3->src.b, 16);
		memcpy(d + off + 24, l3->dst.b, 16);
		off += 40;
		for (e = 0; e < l3->next_ext; e++) {
			next = (e + 1 < l3->next_ext) ? l3->ext[e + 1] : l4proto;
			off += put_ext6(l3, e, next, d + off);
		}
	}
	out->l4 = off;

	/* L4 header, payload, checksum */
	out->pay = off + l4_len(l4);
	fill_payload(r, d + out->pay, pl);
	if (!l4->raw) {
		uint8_t *h = d + off;
		uint32_t s;

		switch (l4proto) {
		case P_TCP:
			put16(h, l4->sport);
			put16(h + 2, l4->dport);
			put32(h + 4, l4->seq);
			put32(h + 8, l4->ack);
			h[12] = (uint8_t)(((20 + l4->topt) / 4) << 4);
			h[13] = l4->flags;
			put16(h + 14, l4->win);
			put16(h + 18, 0);
			/* options: MSS, window scale, timestamps, SACK-permitted */
			if (l4->topt) {
				uint8_t o[40];

				memset(o, 1, sizeof(o));	/* NOP fill */
				o[0] = 2; o[1] = 4; put16(o + 2, 1460);
				if (l4->topt >= 8) {
					o[4] = 1; o[5] = 3; o[6] = 3; o[7] = 7;
				}
				if (l4->topt >= 20) {
					o[8] = 1; o[9] = 1; o[10] = 8; o[11] = 10;
					put32(o + 12, l4->seq ^ 0x5a5a5a5au);
					put32(o + 16, l4->ack);
				}
				if (l4->topt >= 24) {
					o[20] = 1; o[21] = 1; o[22] = 4; o[23] = 2;
				}
				memcpy(h + 20, o, l4->topt);
			}
			s = pseudo_sum(l3, P_TCP, l4total);
			put16(h + 16, csum_fin(csum_add(s, h, l4total)));
			break;
		case P_UDP:
			put16(h, l4->sport);
			put16(h + 2, l4->dport);
			put16(h + 4, (uint16_t)l4total);
			if (!(l4->udp_nocsum && !l3->v6)) {
				uint16_t c;

				s = pseudo_sum(l3, P_UDP, l4total);
				c = csum_fin(csum_add(s, h, l4total));
				put16(h + 6, c ? c : 0xffff);
			}
			break;
		case P_ICMP:
		case P_ICMPV6:
			h[0] = l4->icmp_type;
			h[1] = l4->icmp_code;
			put16(h + 4, l4->icmp_id);
			put16(h + 6, l4->icmp_seq);
			s = l4proto == P_ICMPV6 ? pseudo_sum(l3, P_ICMPV6, l4total) : 0;
			put16(h + 2, csum_fin(csum_add(s, h, l4total)));
			break;
		default:
			break;
		}
	}
	out->len = frame_len;
	if (!nopad && out->len < MIN_FRAME)
		out->len = MIN_FRAME;
}

/* Recompute the IPv4 header checksum in place (after tampering). */
static void fix_ip4_csum(struct pkt *p)
{
	uint8_t *ip = p->d + p->l3;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	if (ihl < 20 || p->l3 + ihl > p->len)
		ihl = 20;
	if (p->l3 + ihl > p->len)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, csum_fin(csum_add(0, ip, ihl)));
}

/* ------------------------------------------------------------------ */
/* address plan                                                         */

static void a4(struct addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->b[0] = x;
	a->b[1] = y;
	a->b[2] = z;
	a->b[3] = w;
}

static void a6(struct addr *a, uint16_t g0, uint16_t g1, uint16_t g2, uint64_t low)
{
	int i;

	memset(a, 0, sizeof(*a));
	put16(a->b, g0);
	put16(a->b + 2, g1);
	put16(a->b + 4, g2);
	for (i = 0; i < 8; i++)
		a->b[8 + i] = (uint8_t)(low >> (56 - 8 * i));
}

/* x.y.z.w with y, z, w drawn in that order from inclusive ranges
 * (separate statements: argument evaluation order is unspecified in C) */
static void a4_rand(struct rng *r, struct addr *a, uint8_t x, uint8_t ylo, uint8_t yhi,
		    uint8_t zlo, uint8_t zhi, uint8_t wlo, uint8_t whi)
{
	uint8_t y = (uint8_t)rnd_range(r, ylo, yhi);
	uint8_t z = (uint8_t)rnd_range(r, zlo, zhi);
	uint8_t w = (uint8_t)rnd_range(r, wlo, whi);

	a4(a, x, y, z, w);
}

/* hosts inside 10.0.0.0/8, spread over the router's prefixes */
static void inside4(struct rng *r, struct addr *a)
{
	switch (rnd(r, 5)) {
	case 0:
		a4(a, 10, 1, 2, (uint8_t)rnd_range(r, 1, 254));	/* /24 */
		break;
	case 1:
		a4(a, 10, 1, 2, 128);				/* /32 */
		break;
	case 2:
		a4_rand(r, a, 10, 1, 1, 3, 250, 1, 254);
		break;
	default:
		a4_rand(r, a, 10, 2, 250, 0, 255, 1, 254);
		break;
	}
}

/* outside hosts: routed, unrouted and dead-slot prefixes */
static void outside4(struct rng *r, struct addr *a)
{
	switch (rnd(r, 6)) {
	case 0:
	case 1:
		a4(a, 198, 51, 100, (uint8_t)rnd_range(r, 1, 254));
		break;
	case 2:
		a4(a, 203, 0, 113, (uint8_t)rnd_range(r, 1, 254));
		break;
	case 3:
		a4(a, 192, 0, 2, (uint8_t)rnd_range(r, 20, 254));
		break;
	case 4:
		a4_rand(r, a, 172, 16, 31, 0, 255, 1, 254);
		break;
	default:
		a4_rand(r, a, 198, 18, 19, 0, 255, 1, 254);
		break;
	}
}

static void inside6(struct rng *r, struct addr *a)
{
	uint16_t net = (uint16_t)rnd_range(r, 1, 4);

	a6(a, 0x2001, 0x0db8, net, 0x1000 + rnd(r, 4096));
}

static void outside6(struct rng *r, struct addr *a)
{
	uint16_t net = (uint16_t)(0xff00 + rnd(r, 256));

	a6(a, 0x2001, 0x0db8, net, rng_next(r) & 0xffffffffffffULL);
}

static void host_mac(struct rng *r, uint8_t *m)
{
	m[0] = 0x02;
	m[1] = 0x00;
	m[2] = 0x5e;
	rnd_bytes(r, m + 3, 3);
}

static const uint8_t nic_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static uint16_t ephemeral(struct rng *r)
{
	return (uint16_t)rnd_range(r, 32768, 60999);
}

/* well-known ports the corpus reacts to, plus noise */
static uint16_t service_port_tcp(struct rng *r)
{
	static const uint16_t p[] = { 80, 443, 22, 25, 23, 445, 139, 8080, 3389, 993 };

	return chance(r, 80) ? p[rnd(r, sizeof(p) / sizeof(p[0]))] : (uint16_t)rnd_range(r, 1, 65535);
}

static uint16_t service_port_udp(struct rng *r)
{
	static const uint16_t p[] = { 53, 53, 123, 7, 9, 69, 137, 161, 514, 4789 };

	return chance(r, 80) ? p[rnd(r, sizeof(p) / sizeof(p[0]))] : (uint16_t)rnd_range(r, 1, 65535);
}

/* ------------------------------------------------------------------ */
/* flows (sessions)                                                     */

enum sess_kind {
	SK_TCP,		/* handshake, data, FIN or RST */
	SK_TCP_SCAN,	/* unanswered SYNs */
	SK_UDP,		/* request/response exchanges */
	SK_UDP_ONEWAY,	/* unanswered datagrams */
	SK_ECHO,	/* ICMP / ICMPv6 echo request, maybe replies */
};

struct endpoint {
	struct addr a;
	uint16_t port;
	uint8_t mac[6];
	uint8_t ttl;
	uint16_t ipid;
	uint32_t seq;
};

struct sess {
	int live;
	enum sess_kind kind;
	int v6;
	int step, nsteps;
	int rst_end;		/* TCP: close with RST instead of FIN */
	int replies;		/* echo: requests get answered */
	size_t topt;		/* TCP options on SYN / SYN-ACK */
	size_t req_len, resp_len;	/* typical frame sizes */
	uint8_t tos;
	struct endpoint c, s;
	uint16_t echo_id, echo_seq;
	struct l2spec l2;	/* VLAN tags (MACs are per direction) */
};

/* IPv4 scenario: who talks to whom, chosen for the corpus's paths. */
static void scenario4(struct rng *r, struct sess *s, int udp)
{
	uint32_t pick = rnd(r, 100);

	s->c.port = ephemeral(r);
	if (pick < 35) {			/* inside -> outside (firewall creates flow) */
		inside4(r, &s->c.a);
		outside4(r, &s->s.a);
		s->s.port = udp ? service_port_udp(r) : service_port_tcp(r);
	} else if (pick < 50) {			/* outside -> inside, unknown: dropped */
		outside4(r, &s->c.a);
		inside4(r, &s->s.a);
		s->s.port = udp ? service_port_udp(r) : service_port_tcp(r);
		if (s->s.port == 22 || s->s.port == 53)
			s->s.port = 2222;
		s->kind = udp ? SK_UDP_ONEWAY : SK_TCP_SCAN;
	} else if (pick < 60) {			/* outside -> inside, allowed service */
		outside4(r, &s->c.a);
		inside4(r, &s->s.a);
		s->s.port = udp ? 53 : 22;
	} else if (pick < 85) {			/* load-balancer VIPs */
		if (chance(r, 50))
			a4_rand(r, &s->c.a, 198, 18, 19, 0, 255, 1, 254);
		else
			outside4(r, &s->c.a);
		if (udp) {
			a4(&s->s.a, 192, 0, 2, 11);
			s->s.port = 53;
		} else {
			uint32_t v = rnd(r, 10);

			a4(&s->s.a, 192, 0, 2, v < 8 ? 10 : 12);
			s->s.port = v < 5 ? 80 : v < 8 ? 443 : 80;
		}
	} else {				/* router corner cases */
		outside4(r, &s->c.a);
		switch (rnd(r, 4)) {
		case 0:
			a4(&s->s.a, 10, 1, 2, (uint8_t)rnd_range(r, 1, 254));
			break;
		case 1:
			a4(&s->s.a, 203, 0, 113, (uint8_t)rnd_range(r, 1, 127));
			break;
		case 2:
			a4(&s->s.a, 203, 0, 113, (uint8_t)rnd_range(r, 128, 254));
			break;
		default:
			a4_rand(r, &s->s.a, 100, 64, 127, 0, 255, 1, 1);
			break;
		}
		s->s.port = udp ? service_port_udp(r) : service_port_tcp(r);
		/* TTLs at the edge: 0, 1 and 2 hops left */
		s->c.ttl = (uint8_t)rnd(r, 4);
	}
}

static void scenario6(struct rng *r, struct sess *s, int udp)
{
	s->c.port = ephemeral(r);
	if (chance(r, 60)) {
		inside6(r, &s->c.a);
		outside6(r, &s->s.a);
	} else {
		outside6(r, &s->c.a);
		inside6(r, &s->s.a);
	}
	s->s.port = udp ? service_port_udp(r) : service_port_tcp(r);
	if (chance(r, 10))
		s->c.ttl = (uint8_t)rnd(r, 3);
}

static size_t frame_size(struct rng *r, int small)
{
	static const size_t common[] = { 60, 64, 66, 74, 98, 128, 590, 1514 };

	if (small)
		return rnd_range(r, 60, 200);
	if (chance(r, 40))
		return common[rnd(r, sizeof(common) / sizeof(common[0]))];
	return rnd_range(r, 60, MAX_FRAME);
}

static void sess_init(struct rng *r, struct sess *s, enum sess_kind kind, int v6, int nvlan)
{
	int udp = kind == SK_UDP || kind == SK_UDP_ONEWAY;
	int i;

	memset(s, 0, sizeof(*s));
	s->live = 1;
	s->kind = kind;
	s->v6 = v6;
	host_mac(r, s->c.mac);
	host_mac(r, s->s.mac);
	s->c.ttl = (uint8_t)(chance(r, 50) ? rnd_range(r, 50, 64) : rnd_range(r, 110, 128));
	s->s.ttl = (uint8_t)(chance(r, 50) ? rnd_range(r, 50, 64) : rnd_range(r, 240, 255));
	s->c.ipid = (uint16_t)rnd(r, 65536);
	s->s.ipid = (uint16_t)rnd(r, 65536);
	s->c.seq = (uint32_t)rng_next(r);
	s->s.seq = (uint32_t)rng_next(r);
	s->tos = chance(r, 80) ? 0 : (uint8_t)(rnd(r, 64) << 2);
	if (kind == SK_ECHO) {
		if (v6) {
			if (chance(r, 60)) {
				inside6(r, &s->c.a);
				outside6(r, &s->s.a);
			} else {
				outside6(r, &s->c.a);
				inside6(r, &s->s.a);
			}
		} else if (chance(r, 50)) {
			inside4(r, &s->c.a);
			outside4(r, &s->s.a);
		} else {
			outside4(r, &s->c.a);
			if (chance(r, 50))
				inside4(r, &s->s.a);
			else
				a4(&s->s.a, 192, 0, 2, (uint8_t)rnd_range(r, 1, 12));
		}
		s->echo_id = (uint16_t)rnd(r, 65536);
		s->echo_seq = (uint16_t)rnd_range(r, 1, 5);
		s->replies = chance(r, 50);
		s->nsteps = (int)rnd_range(r, 1, 4) * (s->replies ? 2 : 1);
		/* ping-like 98-byte frames, tiny ones and big ones */
		switch (rnd(r, 4)) {
		case 0:
			s->req_len = 98 + (v6 ? 20 : 0);
			break;
		case 1:
			s->req_len = rnd_range(r, 60, 97);
			break;
		default:
			s->req_len = rnd_range(r, 99, MAX_FRAME);
			break;
		}
	} else {
		if (v6)
			scenario6(r, s, udp);
		else
			scenario4(r, s, udp);
		kind = s->kind;
		switch (kind) {
		case SK_TCP:
			s->topt = chance(r, 70) ? (chance(r, 50) ? 20 : 8) : 0;
			s->rst_end = chance(r, 20);
			s->nsteps = 3 + 2 * (int)rnd_range(r, 0, 3) + (s->rst_end ? 1 : 3);
			break;
		case SK_TCP_SCAN:
			s->topt = chance(r, 50) ? 4 : 0;
			s->nsteps = (int)rnd_range(r, 1, 3);
			break;
		case SK_UDP:
			s->nsteps = 2 * (int)rnd_range(r, 1, 3);
			break;
		default:
			s->nsteps = (int)rnd_range(r, 1, 3);
			break;
		}
		s->req_len = frame_size(r, 1);
		s->resp_len = frame_size(r, 0);
	}
	s->l2.nvlan = nvlan;
	for (i = 0; i < nvlan; i++) {
		uint32_t pcp;

		/* QinQ: outer 802.1ad (sometimes legacy 0x8100), inner 802.1Q */
		s->l2.tpid[i] = (i == 0 && nvlan == 2 && chance(r, 75)) ? ETHERTYPE_QINQ : ETHERTYPE_VLAN;
		pcp = rnd(r, 8);
		s->l2.tci[i] = (uint16_t)(pcp << 13 | rnd_range(r, 1, 4094));
	}
}

/* Produce the next packet of a session; clears s->live after the last. */
static void sess_next(struct rng *r, struct sess *s, struct pkt *out)
{
	struct l2spec l2 = s->l2;
	struct l3spec l3;
	struct l4spec l4;
	struct endpoint *from, *to;
	int fwd = 1, st = s->step;
	size_t len = s->req_len, hl;

	memset(&l3, 0, sizeof(l3));
	memset(&l4, 0, sizeof(l4));

	switch (s->kind) {
	case SK_TCP: {
		int data_steps = s->nsteps - 3 - (s->rst_end ? 1 : 3);

		l4.proto = P_TCP;
		l4.win = 65535;
		if (st == 0) {
			l4.flags = TH_SYN;
			l4.topt = s->topt;
			len = 0;
		} else if (st == 1) {
			fwd = 0;
			l4.flags = TH_SYN | TH_ACK;
			l4.topt = s->topt;
			len = 0;
		} else if (st == 2) {
			l4.flags = TH_ACK;
			len = 0;
		} else if (st < 3 + data_steps) {
			fwd = ((st - 3) % 2) == 0;
			l4.flags = TH_ACK | TH_PSH;
			len = fwd ? s->req_len : s->resp_len;
		} else if (s->rst_end) {
			fwd = chance(r, 50);
			l4.flags = TH_RST | TH_ACK;
			len = 0;
		} else {
			int k = st - 3 - data_steps;	/* 0: FIN, 1: FIN-ACK, 2: ACK */

			fwd = k != 1;
			l4.flags = k == 2 ? TH_ACK : TH_FIN | TH_ACK;
			len = 0;
		}
		break;
	}
	case SK_TCP_SCAN:
		l4.proto = P_TCP;
		l4.flags = TH_SYN;
		l4.win = 1024;
		l4.topt = s->topt;
		len = 0;
		break;
	case SK_UDP:
		l4.proto = P_UDP;
		fwd = (st % 2) == 0;
		len = fwd ? s->req_len : s->resp_len;
		l4.udp_nocsum = !s->v6 && chance(r, 10);
		break;
	case SK_UDP_ONEWAY:
		l4.proto = P_UDP;
		l4.udp_nocsum = !s->v6 && chance(r, 10);
		break;
	case SK_ECHO:
		l4.proto = s->v6 ? P_ICMPV6 : P_ICMP;
		fwd = !s->replies || (st % 2) == 0;
		if (fwd)
			l4.icmp_type = s->v6 ? 128 : 8;
		else
			l4.icmp_type = s->v6 ? 129 : 0;
		l4.icmp_id = s->echo_id;
		l4.icmp_seq = s->echo_seq;
		if (!s->replies || !fwd)
			s->echo_seq++;
		break;
	}

	from = fwd ? &s->c : &s->s;
	to = fwd ? &s->s : &s->c;
	memcpy(l2.src, from->mac, 6);
	memcpy(l2.dst, nic_mac, 6);
	l3.v6 = s->v6;
	l3.src = from->a;
	l3.dst = to->a;
	l3.ttl = from->ttl;
	l3.tos = s->tos;
	l3.id = from->ipid++;
	l3.frag = chance(r, 50) ? 0x4000 : 0;	/* DF on half of them */
	l3.flowlabel = (uint32_t)(s->c.port ^ s->s.port) & 0xfffff;
	if (l4.proto == P_TCP || l4.proto == P_UDP) {
		l4.sport = from->port;
		l4.dport = to->port;
	}
	if (l4.proto == P_TCP) {
		l4.seq = from->seq;
		l4.ack = (l4.flags & TH_ACK) ? to->seq : 0;
	}

	hl = hdrs_len(&l2, &l3, &l4);
	if (len < hl)
		len = hl;
	build(r, &l2, &l3, &l4, len, 0, out);

	/* advance TCP sequence numbers by what was sent (padding excluded) */
	if (l4.proto == P_TCP && s->kind == SK_TCP) {
		uint32_t adv = (uint32_t)(len - hl);

		if (l4.flags & (TH_SYN | TH_FIN))
			adv += 1;
		from->seq += adv;
	}
	s->step++;
	if (s->step >= s->nsteps)
		s->live = 0;
}

/* ------------------------------------------------------------------ */
/* classes                                                              */

enum cls {
	C_IPV4_TCP,
	C_IPV4_UDP,
	C_IPV4_ICMP,
	C_IPV4_OPTIONS,
	C_IPV4_FRAG,
	C_IPV6_TCP,
	C_IPV6_UDP,
	C_IPV6_ICMP,
	C_IPV6_EXT,
	C_VLAN,
	C_TRUNCATED,
	C_BADLEN,
	C_RANDOM,
	C_MIX,
	C_SIZES,
	C_COUNT,
};

static const char *const cls_names[C_COUNT] = {
	"ipv4_tcp", "ipv4_udp", "ipv4_icmp", "ipv4_options", "ipv4_frag",
	"ipv6_tcp", "ipv6_udp", "ipv6_icmp", "ipv6_ext", "vlan",
	"truncated", "badlen", "random", "mix", "sizes",
};

struct gen {
	enum cls cls;
	struct rng r;
	uint64_t n;			/* packets produced */
	struct sess sess[NSESS];
	struct pkt q[FRAGQ];		/* pending frames (fragments) */
	int qhead, qlen;
	struct pkt dg;			/* scratch: datagram being fragmented */
	struct gen *sub[C_COUNT];	/* mix: one generator per class */
};

static void gen_init(struct gen *g, enum cls c, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->cls = c;
	/* each class gets its own stream from the same seed */
	rng_seed(&g->r, seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(c + 1)));
}

static void next_packet(struct gen *g, struct pkt *out);

/* pick a live session or start one with the given parameters */
static struct sess *sess_pick(struct gen *g, enum sess_kind kind, int v6, int nvlan)
{
	struct sess *s = &g->sess[rnd(&g->r, NSESS)];

	if (!s->live)
		sess_init(&g->r, s, kind, v6, nvlan);
	return s;
}

static void gen_sessions(struct gen *g, struct pkt *out, int v6, int udp, int icmp)
{
	struct rng *r = &g->r;
	enum sess_kind k = icmp ? SK_ECHO : udp ? SK_UDP : SK_TCP;

	sess_next(r, sess_pick(g, k, v6, 0), out);
}

/* Random but well-formed IPv4 options filling optlen bytes. */
static void ip4_options(struct rng *r, struct l3spec *l3)
{
	size_t n = 4 * rnd_range(r, 1, 10), o = 0;
	uint8_t *p = l3->opts;

	memset(p, 0, sizeof(l3->opts));
	l3->optlen = n;
	while (o < n) {
		size_t room = n - o;
		uint32_t t = rnd(r, 5);

		if (t == 0 && room >= 4) {		/* router alert */
			p[o] = 148; p[o + 1] = 4; p[o + 2] = 0; p[o + 3] = 0;
			o += 4;
		} else if (t == 1 && room >= 7) {	/* record route, one free slot */
			size_t len = room >= 11 ? 11 : 7;

			p[o] = 7; p[o + 1] = (uint8_t)len; p[o + 2] = 4;
			memset(p + o + 3, 0, len - 3);
			o += len;
		} else if (t == 2 && room >= 12) {	/* timestamp, two slots */
			p[o] = 68; p[o + 1] = 12; p[o + 2] = 5; p[o + 3] = 0;
			put32(p + o + 4, (uint32_t)rnd(r, 86400000));
			put32(p + o + 8, 0);
			o += 12;
		} else if (t == 3) {			/* NOP */
			p[o++] = 1;
		} else {				/* end of list, zero padding */
			p[o++] = 0;
			while (o < n)
				p[o++] = 0;
		}
	}
}

static void gen_options(struct gen *g, struct pkt *out)
{
	struct rng *r = &g->r;
	struct sess tmp;
	struct l2spec l2;
	struct l3spec l3;
	struct l4spec l4;
	uint32_t k = rnd(r, 3);

	/* reuse the flow plan for addresses and ports */
	sess_init(r, &tmp, k == 2 ? SK_ECHO : k == 1 ? SK_UDP : SK_TCP, 0, 0);
	memset(&l2, 0, sizeof(l2));
	memset(&l3, 0, sizeof(l3));
	memset(&l4, 0, sizeof(l4));
	memcpy(l2.dst, nic_mac, 6);
	memcpy(l2.src, tmp.c.mac, 6);
	l3.src = tmp.c.a;
	l3.dst = tmp.s.a;
	l3.ttl = tmp.c.ttl;
	l3.id = tmp.c.ipid;
	ip4_options(r, &l3);
	if (k == 2) {
		l4.proto = P_ICMP;
		l4.icmp_type = 8;
		l4.icmp_id = tmp.echo_id;
		l4.icmp_seq = 1;
	} else {
		l4.proto = k == 1 ? P_UDP : P_TCP;
		l4.sport = tmp.c.port;
		l4.dport = tmp.s.port;
		l4.flags = chance(r, 50) ? TH_SYN : TH_ACK | TH_PSH;
		l4.seq = tmp.c.seq;
		l4.win = 8192;
		l4.topt = chance(r, 30) ? 8 : 0;
	}
	build(r, &l2, &l3, &l4, frame_size(r, 0), 0, out);
}

/* Split one IPv4 datagram into fragments and queue them. */
static void gen_frag(struct gen *g, struct pkt *out)
{
	struct rng *r = &g->r;
	struct pkt *dg = &g->dg;
	struct sess tmp;
	struct l2spec l2;
	struct l3spec l3;
	struct l4spec l4;
	size_t total, mtu, hl, payload, off, chunk;
	uint32_t k;
	int nfr = 0, reverse;

	if (g->qlen == 0) {
		k = rnd(r, 3);
		sess_init(r, &tmp, k == 2 ? SK_ECHO : k == 1 ? SK_UDP : SK_TCP, 0, 0);
		memset(&l2, 0, sizeof(l2));
		memset(&l3, 0, sizeof(l3));
		memset(&l4, 0, sizeof(l4));
		memcpy(l2.dst, nic_mac, 6);
		memcpy(l2.src, tmp.c.mac, 6);
		l3.src = tmp.c.a;
		l3.dst = tmp.s.a;
		l3.ttl = tmp.c.ttl;
		l3.id = (uint16_t)rnd(r, 65536);
		if (chance(r, 15))
			ip4_options(r, &l3);
		if (k == 2) {
			l4.proto = P_ICMP;
			l4.icmp_type = 8;
			l4.icmp_id = tmp.echo_id;
			l4.icmp_seq = 1;
		} else {
			l4.proto = k == 1 ? P_UDP : P_TCP;
			l4.sport = tmp.c.port;
			l4.dport = tmp.s.port;
			l4.flags = TH_ACK | TH_PSH;
			l4.seq = tmp.c.seq;
			l4.ack = tmp.s.seq;
			l4.win = 512;
		}
		total = rnd_range(r, 120, 4000);	/* frame size of the whole datagram */
		build(r, &l2, &l3, &l4, total, 1, dg);

		hl = dg->l4 - dg->l3;			/* IP header incl. options */
		payload = dg->len - dg->l4;
		mtu = chance(r, 50) ? 1500 : 8 * rnd_range(r, 8, 180) + hl;
		if (mtu > 1500)
			mtu = 1500;
		chunk = ((mtu - hl) / 8) * 8;
		/* never more fragments than the queue holds */
		if (chunk * FRAGQ < payload)
			chunk = ((payload / FRAGQ) / 8 + 1) * 8;
		reverse = chance(r, 15);
		for (off = 0; off < payload && nfr < FRAGQ; off += chunk, nfr++) {
			size_t n = payload - off < chunk ? payload - off : chunk;
			int more = off + n < payload;
			int slot = reverse ? FRAGQ - 1 - nfr : nfr;
			struct pkt *f = &g->q[slot];
			uint8_t *ip;

			memcpy(f->d, dg->d, dg->l4);
			memcpy(f->d + dg->l4, dg->d + dg->l4 + off, n);
			f->len = dg->l4 + n;
			f->l3 = dg->l3;
			f->l4 = dg->l4;
			f->pay = dg->l4;
			ip = f->d + f->l3;
			put16(ip + 2, (uint16_t)(hl + n));
			put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
			fix_ip4_csum(f);
			if (f->len < MIN_FRAME) {
				memset(f->d + f->len, 0, MIN_FRAME - f->len);
				f->len = MIN_FRAME;
			}
		}
		g->qhead = reverse ? FRAGQ - nfr : 0;
		g->qlen = nfr;
	}
	*out = g->q[g->qhead];
	g->qhead++;
	g->qlen--;
}

static void gen_ext6(struct gen *g, struct pkt *out)
{
	struct rng *r = &g->r;
	static const uint8_t order[] = { P_HOPOPTS, P_DSTOPTS, P_ROUTING, P_FRAGMENT, P_AH, P_DSTOPTS };
	struct sess tmp;
	struct l2spec l2;
	struct l3spec l3;
	struct l4spec l4;
	size_t i;
	uint32_t k = rnd(r, 4);

	sess_init(r, &tmp, k == 2 ? SK_ECHO : k == 1 ? SK_UDP : SK_TCP, 1, 0);
	memset(&l2, 0, sizeof(l2));
	memset(&l3, 0, sizeof(l3));
	memset(&l4, 0, sizeof(l4));
	memcpy(l2.dst, nic_mac, 6);
	memcpy(l2.src, tmp.c.mac, 6);
	l3.v6 = 1;
	l3.src = tmp.c.a;
	l3.dst = tmp.s.a;
	l3.ttl = tmp.c.ttl ? tmp.c.ttl : 64;

	/* a random subsequence of the RFC 8200 order, at least one header */
	while (l3.next_ext == 0) {
		for (i = 0; i < sizeof(order); i++) {
			if (!chance(r, 40))
				continue;
			l3.ext[l3.next_ext] = order[i];
			if (order[i] == P_FRAGMENT)
				l3.ext_len[l3.next_ext] = 8;
			else if (order[i] == P_AH)
				l3.ext_len[l3.next_ext] = (uint8_t)(8 * rnd_range(r, 2, 4));
			else
				l3.ext_len[l3.next_ext] = (uint8_t)(8 * rnd_range(r, 1, 4));
			l3.next_ext++;
		}
	}
	/* occasionally a chain longer than parsers walk (9 headers) */
	if (chance(r, 5)) {
		l3.next_ext = 8;
		for (i = 0; i < 8; i++) {
			l3.ext[i] = i == 0 ? P_HOPOPTS : P_DSTOPTS;
			l3.ext_len[i] = 8;
		}
	}
	l3.frag6_id = (uint32_t)rng_next(r);
	for (i = 0; i < (size_t)l3.next_ext; i++) {
		if (l3.ext[i] != P_FRAGMENT)
			continue;
		switch (rnd(r, 3)) {
		case 0:		/* atomic fragment */
			break;
		case 1:		/* first fragment */
			l3.frag6_more = 1;
			break;
		default:	/* later fragment: no L4 header in it */
			l3.frag6_off = (uint16_t)rnd_range(r, 1, 180);
			l3.frag6_more = chance(r, 50);
			l4.raw = 1;
			break;
		}
	}
	if (k == 3) {
		l4.proto = P_NONE;
	} else if (k == 2) {
		l4.proto = P_ICMPV6;
		l4.icmp_type = 128;
		l4.icmp_id = tmp.echo_id;
		l4.icmp_seq = 1;
	} else {
		l4.proto = k == 1 ? P_UDP : P_TCP;
		l4.sport = tmp.c.port;
		l4.dport = tmp.s.port;
		l4.flags = TH_SYN;
		l4.seq = tmp.c.seq;
		l4.win = 4096;
	}
	build(r, &l2, &l3, &l4, frame_size(r, 0), 0, out);
}

static void gen_vlan(struct gen *g, struct pkt *out)
{
	struct rng *r = &g->r;
	int nvlan = chance(r, 50) ? 1 : 2;
	int v6 = chance(r, 35);
	uint32_t k = rnd(r, 10);
	enum sess_kind kind = k < 5 ? SK_TCP : k < 8 ? SK_UDP : SK_ECHO;
	struct sess *s = &g->sess[rnd(r, NSESS)];

	if (!s->live)
		sess_init(r, s, kind, v6, nvlan);
	sess_next(r, s, out);
}

/* A valid packet from a random base class, cut inside one of its layers. */
static void gen_truncated(struct gen *g, struct pkt *out)
{
	struct rng *r = &g->r;
	static const enum cls base[] = {
		C_IPV4_TCP, C_IPV4_UDP, C_IPV4_ICMP, C_IPV4_OPTIONS,
		C_IPV6_TCP, C_IPV6_UDP, C_IPV6_ICMP, C_IPV6_EXT, C_VLAN,
	};
	enum cls c = base[rnd(r, sizeof(base) / sizeof(base[0]))];
	size_t lo, hi, cut;
	uint8_t *ip;

	if (!g->sub[c]) {
		g->sub[c] = malloc(sizeof(struct gen));
		if (!g->sub[c]) {
			perror("malloc");
			exit(1);
		}
		gen_init(g->sub[c], c, g->r.s);
	}
	next_packet(g->sub[c], out);

	/* cut inside VLAN tags, L3 header, L4 header or payload */
	switch (rnd(r, 4)) {
	case 0:
		lo = 14;
		hi = out->l3;
		break;
	case 1:
		lo = out->l3;
		hi = out->l4;
		break;
	case 2:
		lo = out->l4;
		hi = out->pay;
		break;
	default:
		lo = out->pay;
		hi = out->len;
		/* padded frames: cut into the real payload */
		ip = out->d + out->l3;
		if ((ip[0] >> 4) == 4 && out->l3 + get16(ip + 2) < hi)
			hi = out->l3 + get16(ip + 2);
		break;
	}
	if (hi <= lo) {
		lo = out->l3;
		hi = out->pay > out->l3 ? out->pay : out->l3 + 1;
	}
	if (lo < 14)
		lo = 14;
	cut = lo + rnd(r, (uint32_t)(hi - lo));
	if (cut < 14)
		cut = 14;
	if (cut < out->len)
		out->len = cut;
}

/* A valid packet with one length field (or version, checksum) made wrong. */
static void gen_badlen(struct gen *g, struct pkt *out)
{
	struct rng *r = &g->r;
	uint8_t *ip, *l4;
	size_t avail;
	uint32_t what = rnd(r, 12);
	int v6 = what >= 9;

	struct sess tmp;

	/* first packet of a fresh flow of the right protocol */
	sess_init(r, &tmp, what == 6 || what == 7 || v6 ? SK_UDP : SK_TCP, v6, 0);
	sess_next(r, &tmp, out);
	if (what == 3 && chance(r, 50))
		gen_options(g, out);	/* tot_len < ihl*4 on a header with options */
	ip = out->d + out->l3;
	l4 = out->d + out->l4;
	avail = out->len - out->l3;

	switch (what) {
	case 0:		/* total length beyond the frame */
		put16(ip + 2, (uint16_t)(avail + rnd_range(r, 1, 400)));
		fix_ip4_csum(out);
		break;
	case 1:		/* total length shorter than the IPv4 header */
		put16(ip + 2, (uint16_t)rnd(r, 20));
		fix_ip4_csum(out);
		break;
	case 2:		/* ihl < 5 */
		ip[0] = (uint8_t)(0x40 | rnd(r, 5));
		fix_ip4_csum(out);
		break;
	case 3:		/* total length < ihl*4 */
		put16(ip + 2, (uint16_t)((ip[0] & 0xf) * 4 - 4));
		fix_ip4_csum(out);
		break;
	case 4:		/* TCP data offset < 5 */
		if (ip[9] == P_TCP)
			l4[12] = (uint8_t)((rnd(r, 5) << 4) | (l4[12] & 0xf));
		break;
	case 5:		/* TCP data offset past the frame */
		if (ip[9] == P_TCP)
			l4[12] = 0xf0;
		if (out->len > out->l4 + 40)
			out->len = out->l4 + 20 + rnd(r, 20);
		put16(ip + 2, (uint16_t)(out->len - out->l3));
		fix_ip4_csum(out);
		break;
	case 6:		/* UDP length < 8 */
		if (ip[9] == P_UDP)
			put16(l4 + 4, (uint16_t)rnd(r, 8));
		break;
	case 7:		/* UDP length past the frame */
		if (ip[9] == P_UDP)
			put16(l4 + 4, (uint16_t)(out->len - out->l4 + rnd_range(r, 1, 300)));
		break;
	case 8:		/* bad IPv4 header checksum (lengths fine) */
		ip[10] ^= (uint8_t)rnd_range(r, 1, 255);
		break;
	case 9:		/* IPv6 payload length beyond the frame */
		put16(ip + 4, (uint16_t)(avail - 40 + rnd_range(r, 1, 500)));
		break;
	case 10:	/* wrong IP version nibble under an IPv6 ethertype */
		ip[0] = (uint8_t)((chance(r, 50) ? 4 : 5) << 4 | (ip[0] & 0xf));
		break;
	default:	/* IPv6 payload length zero (not a jumbogram) with data */
		put16(ip + 4, 0);
		break;
	}
}

static void gen_random(struct gen *g, struct pkt *out)
{
	struct rng *r = &g->r;
	static const uint16_t types[] = { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN,
					  ETHERTYPE_QINQ, ETHERTYPE_ARP };
	size_t len = rnd_range(r, 14, MAX_FRAME);
	uint32_t k = rnd(r, 3);

	if (chance(r, 50))
		len = rnd_range(r, 14, 128);
	rnd_bytes(r, out->d, len);
	out->len = len;
	out->l3 = 14;
	out->l4 = out->pay = len;
	if (k >= 1)	/* plausible ethertype, random rest */
		put16(out->d + 12, types[rnd(r, sizeof(types) / sizeof(types[0]))]);
	if (k == 2 && len >= 15) {
		/* plausible IP first byte too */
		if (get16(out->d + 12) == ETHERTYPE_IPV4)
			out->d[14] = (uint8_t)(0x40 | rnd_range(r, 5, 15));
		else if (get16(out->d + 12) == ETHERTYPE_IPV6)
			out->d[14] = (uint8_t)(0x60 | (out->d[14] & 0xf));
	}
}

static void gen_sizes(struct gen *g, struct pkt *out)
{
	static const size_t sizes[] = { 64, 128, 256, 512, 1024, 1514 };
	struct rng *r = &g->r;
	size_t size = sizes[g->n % 6];
	uint32_t variant = (uint32_t)(g->n / 6) % 6;
	struct sess s;
	struct l2spec l2;
	struct l3spec l3;
	struct l4spec l4;
	enum sess_kind k = variant == 0 || variant == 3 || variant == 5 ? SK_UDP
			   : variant == 2 ? SK_ECHO : SK_TCP;

	sess_init(r, &s, k, variant == 3 || variant == 4, variant == 5 ? 1 : 0);
	memset(&l2, 0, sizeof(l2));
	memset(&l3, 0, sizeof(l3));
	memset(&l4, 0, sizeof(l4));
	l2 = s.l2;
	memcpy(l2.dst, nic_mac, 6);
	memcpy(l2.src, s.c.mac, 6);
	l3.v6 = s.v6;
	l3.src = s.c.a;
	l3.dst = s.s.a;
	l3.ttl = 64;
	l3.id = s.c.ipid;
	if (k == SK_ECHO) {
		l4.proto = P_ICMP;
		l4.icmp_type = 8;
		l4.icmp_id = s.echo_id;
		l4.icmp_seq = (uint16_t)g->n;
	} else {
		l4.proto = k == SK_UDP ? P_UDP : P_TCP;
		l4.sport = s.c.port;
		l4.dport = s.s.port;
		l4.flags = TH_ACK | TH_PSH;
		l4.seq = s.c.seq;
		l4.ack = s.s.seq;
		l4.win = 4096;
	}
	build(r, &l2, &l3, &l4, size, 0, out);
}

static void gen_mix(struct gen *g, struct pkt *out)
{
	/* weights per class (sum 100); mix itself and sizes excluded */
	static const struct { enum cls c; uint32_t w; } wt[] = {
		{ C_IPV4_TCP, 24 }, { C_IPV4_UDP, 14 }, { C_IPV4_ICMP, 8 },
		{ C_IPV4_OPTIONS, 4 }, { C_IPV4_FRAG, 5 }, { C_IPV6_TCP, 10 },
		{ C_IPV6_UDP, 8 }, { C_IPV6_ICMP, 4 }, { C_IPV6_EXT, 5 },
		{ C_VLAN, 8 }, { C_TRUNCATED, 4 }, { C_BADLEN, 4 }, { C_RANDOM, 2 },
	};
	uint32_t x = rnd(&g->r, 100), acc = 0;
	enum cls c = C_IPV4_TCP;
	size_t i;

	for (i = 0; i < sizeof(wt) / sizeof(wt[0]); i++) {
		acc += wt[i].w;
		if (x < acc) {
			c = wt[i].c;
			break;
		}
	}
	if (!g->sub[c]) {
		g->sub[c] = malloc(sizeof(struct gen));
		if (!g->sub[c]) {
			perror("malloc");
			exit(1);
		}
		gen_init(g->sub[c], c, g->r.s ^ (uint64_t)c);
	}
	next_packet(g->sub[c], out);
}

static void next_packet(struct gen *g, struct pkt *out)
{
	switch (g->cls) {
	case C_IPV4_TCP:
		gen_sessions(g, out, 0, 0, 0);
		break;
	case C_IPV4_UDP:
		gen_sessions(g, out, 0, 1, 0);
		break;
	case C_IPV4_ICMP:
		gen_sessions(g, out, 0, 0, 1);
		break;
	case C_IPV4_OPTIONS:
		gen_options(g, out);
		break;
	case C_IPV4_FRAG:
		gen_frag(g, out);
		break;
	case C_IPV6_TCP:
		gen_sessions(g, out, 1, 0, 0);
		break;
	case C_IPV6_UDP:
		gen_sessions(g, out, 1, 1, 0);
		break;
	case C_IPV6_ICMP:
		gen_sessions(g, out, 1, 0, 1);
		break;
	case C_IPV6_EXT:
		gen_ext6(g, out);
		break;
	case C_VLAN:
		gen_vlan(g, out);
		break;
	case C_TRUNCATED:
		gen_truncated(g, out);
		break;
	case C_BADLEN:
		gen_badlen(g, out);
		break;
	case C_RANDOM:
		gen_random(g, out);
		break;
	case C_MIX:
		gen_mix(g, out);
		break;
	case C_SIZES:
	case C_COUNT:
		gen_sizes(g, out);
		break;
	}
	if (out->len > MAX_FRAME)
		out->len = MAX_FRAME;
	g->n++;
}

static void gen_free(struct gen *g)
{
	int i;

	for (i = 0; i < C_COUNT; i++) {
		if (g->sub[i]) {
			gen_free(g->sub[i]);
			free(g->sub[i]);
			g->sub[i] = NULL;
		}
	}
}

/* ------------------------------------------------------------------ */
/* output                                                               */

static int write_class(enum cls c, uint64_t seed, uint64_t count, const char *path)
{
	struct gen *g;
	struct pkt *p;
	pcap_t *pd;
	pcap_dumper_t *dump;
	struct pcap_pkthdr h;
	uint64_t i;

	pd = pcap_open_dead(DLT_EN10MB, 65535);
	if (!pd) {
		fprintf(stderr, "pktgen: pcap_open_dead failed\n");
		return -1;
	}
	dump = pcap_dump_open(pd, path);
	if (!dump) {
		fprintf(stderr, "pktgen: %s: %s\n", path, pcap_geterr(pd));
		pcap_close(pd);
		return -1;
	}
	g = malloc(sizeof(*g));
	p = malloc(sizeof(*p));
	if (!g || !p) {
		perror("malloc");
		exit(1);
	}
	gen_init(g, c, seed);
	for (i = 0; i < count; i++) {
		memset(p, 0, sizeof(*p));
		next_packet(g, p);
		/* fixed clock: 2023-11-14 22:13:20 UTC, one packet every 10 us */
		h.ts.tv_sec = (time_t)(1700000000 + (i * 10) / 1000000);
		h.ts.tv_usec = (suseconds_t)((i * 10) % 1000000);
		h.caplen = (bpf_u_int32)p->len;
		h.len = (bpf_u_int32)p->len;
		pcap_dump((u_char *)dump, &h, p->d);
	}
	gen_free(g);
	free(g);
	free(p);
	pcap_dump_close(dump);
	pcap_close(pd);
	return 0;
}

static void usage(FILE *f)
{
	int i;

	fprintf(f, "usage: pktgen [--seed N] [--count N] CLASS OUT.pcap\n"
		   "       pktgen [--seed N] [--count N] all DIR\n"
		   "       pktgen --list\n"
		   "classes:");
	for (i = 0; i < C_COUNT; i++)
		fprintf(f, " %s", cls_names[i]);
	fprintf(f, "\ndefaults: --seed 1 --count %d\n", DEFAULT_COUNT);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *s == '\0' || *end != '\0' || *s == '-' ? -1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, count = DEFAULT_COUNT;
	const char *cls = NULL, *out = NULL;
	char path[4096];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			if (parse_u64(argv[++i], &seed)) {
				fprintf(stderr, "pktgen: bad seed '%s'\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			if (parse_u64(argv[++i], &count) || count > 10000000) {
				fprintf(stderr, "pktgen: bad count '%s'\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--list")) {
			for (i = 0; i < C_COUNT; i++)
				printf("%s\n", cls_names[i]);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!cls) {
			cls = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!cls || !out) {
		usage(stderr);
		return 2;
	}

	if (!strcmp(cls, "all")) {
		if (mkdir(out, 0755) && errno != EEXIST) {
			fprintf(stderr, "pktgen: mkdir %s: %s\n", out, strerror(errno));
			return 1;
		}
		for (i = 0; i < C_COUNT; i++) {
			if (snprintf(path, sizeof(path), "%s/%s.pcap", out, cls_names[i]) >= (int)sizeof(path)) {
				fprintf(stderr, "pktgen: path too long\n");
				return 1;
			}
			if (write_class((enum cls)i, seed, count, path))
				return 1;
		}
		return 0;
	}
	for (i = 0; i < C_COUNT; i++) {
		if (!strcmp(cls, cls_names[i]))
			return write_class((enum cls)i, seed, count, out) ? 1 : 0;
	}
	fprintf(stderr, "pktgen: unknown class '%s'\n", cls);
	usage(stderr);
	return 2;
}
