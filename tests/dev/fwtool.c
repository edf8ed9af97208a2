/* fwtool: traffic, map operations and offline expectations for the device tests.
 *
 *   fwtool gen OUT.pcap NFLOWS PKTS       UDP flows 10.1.x.y -> 192.168.0.1:53, 64 bytes,
 *                                         PKTS packets per flow, flows interleaved
 *   fwtool ops OUT.txt NUSER              hxdp map batch lines: insert NUSER user flows,
 *                                         delete the odd ones, rewrite every 4th
 *   fwtool reads OUT.txt NFLOWS NUSER N   N lookups spread over traffic and user flows
 *   fwtool check DUMP.json NFLOWS PKTS REPEAT NUSER
 *                                         the final flows map equals the offline state
 *   fwtool torn LOOKUPS.json              every value a lookup saw is consistent
 *   fwtool stamps CAP.pcap                hot swap: each packet stamped by one version
 *   fwtool ethpcap OUT.pcap N             N copies of one 64-byte frame (stamp tests)
 *
 * Traffic flows are created by the firewall (packets from the inside net); user flows
 * (172.16/12, TCP) are written only by hxdp map update/delete, and their values
 * carry an invariant (bytes = packets * 1000, last_seen = packets ^ SALT, flags =
 * packets & 0xffff) that a torn read would break. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <json-c/json.h>

#define FRAME 64
#define SALT 0x5a5a5a5a5a5aull
#define USER_REWRITE 100000u

struct key {
	uint32_t lo, hi;
	uint16_t plo, phi;
	uint8_t proto, pad[3];
} __attribute__((packed));

struct val {
	uint64_t packets, bytes, last_seen;
	uint32_t initiator_lo, tcp_flags;
};

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void traffic_key(uint32_t f, struct key *k)
{
	*k = (struct key){ htonl(0x0a010000u | f), htonl(0xc0a80001u), htons(1000 + f % 50000),
			   htons(53), 17, { 0 } };
}

static void user_key(uint32_t i, struct key *k)
{
	*k = (struct key){ htonl(0xac100000u | i), htonl(0xac1f0001u), htons(7000),
			   htons(8000), 6, { 0 } };
}

static void user_val(uint64_t n, struct val *v)
{
	*v = (struct val){ n, n * 1000, n ^ SALT, 1, (uint32_t)(n & 0xffff) };
}

static void frame(uint32_t f, uint8_t *p)
{
	struct key k;

	traffic_key(f, &k);
	memset(p, 0, FRAME);
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	p[14] = 0x45;
	p[16] = 0;
	p[17] = FRAME - 14;
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &k.lo, 4);
	memcpy(p + 30, &k.hi, 4);
	p[24] = p[25] = 0;
	{
		uint16_t c = htons(csum(p + 14, 20));

		memcpy(p + 24, &c, 2);
	}
	memcpy(p + 34, &k.plo, 2);
	memcpy(p + 36, &k.phi, 2);
	p[38] = 0;
	p[39] = FRAME - 34;
}

static int write_pcap(const char *path, uint32_t n, void (*mk)(uint32_t i, uint8_t *p, void *c),
		      void *ctx)
{
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(pc, path);
	uint8_t p[FRAME];

	if (!d) {
		fprintf(stderr, "fwtool: %s: %s\n", path, pcap_geterr(pc));
		return 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .ts = { i / 1000000, i % 1000000 }, .caplen = FRAME,
					 .len = FRAME };

		mk(i, p, ctx);
		pcap_dump((u_char *)d, &h, p);
	}
	pcap_dump_close(d);
	pcap_close(pc);
	return 0;
}

static void mk_flow(uint32_t i, uint8_t *p, void *ctx)
{
	frame(i % *(uint32_t *)ctx, p);
}

static void mk_eth(uint32_t i, uint8_t *p, void *ctx)
{
	(void)ctx;
	frame(i % 7, p);
}

static void hex(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;

	fprintf(f, "hex");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %02x", b[i]);
}

static int ops(const char *path, uint32_t n)
{
	FILE *f = fopen(path, "w");
	struct key k;
	struct val v;

	if (!f)
		return perror(path), 1;
	for (uint32_t i = 0; i < n; i++) {
		user_key(i, &k);
		user_val(i + 1, &v);
		fprintf(f, "map update name flows key ");
		hex(f, &k, sizeof(k));
		fprintf(f, " value ");
		hex(f, &v, sizeof(v));
		fprintf(f, " noexist\n");
		/* delete the previous odd one, rewrite the previous multiple of 4 */
		if (i && (i - 1) % 2) {
			user_key(i - 1, &k);
			fprintf(f, "map delete name flows key ");
			hex(f, &k, sizeof(k));
			fprintf(f, "\n");
		} else if (i && (i - 1) % 4 == 0) {
			user_key(i - 1, &k);
			user_val(i - 1 + USER_REWRITE, &v);
			fprintf(f, "map update name flows key ");
			hex(f, &k, sizeof(k));
			fprintf(f, " value ");
			hex(f, &v, sizeof(v));
			fprintf(f, " exist\n");
		}
	}
	/* the last one */
	if (n && (n - 1) % 2) {
		user_key(n - 1, &k);
		fprintf(f, "map delete name flows key ");
		hex(f, &k, sizeof(k));
		fprintf(f, "\n");
	} else if (n && (n - 1) % 4 == 0) {
		user_key(n - 1, &k);
		user_val(n - 1 + USER_REWRITE, &v);
		fprintf(f, "map update name flows key ");
		hex(f, &k, sizeof(k));
		fprintf(f, " value ");
		hex(f, &v, sizeof(v));
		fprintf(f, " exist\n");
	}
	return fclose(f) ? 1 : 0;
}

static int reads(const char *path, uint32_t nflows, uint32_t nuser, uint32_t n)
{
	FILE *f = fopen(path, "w");
	struct key k;

	if (!f)
		return perror(path), 1;
	for (uint32_t i = 0; i < n; i++) {
		if (i % 2)
			traffic_key(i / 2 % nflows, &k);
		else
			user_key(i / 2 % nuser, &k);
		fprintf(f, "map lookup name flows key ");
		hex(f, &k, sizeof(k));
		fprintf(f, "\n");
	}
	return fclose(f) ? 1 : 0;
}

static int bytes_of(struct json_object *a, void *out, size_t n)
{
	uint8_t *b = out;

	if (!a || !json_object_is_type(a, json_type_array) || json_object_array_length(a) != n)
		return -1;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)strtoul(json_object_get_string(json_object_array_get_idx(a, i)),
					NULL, 16);
	return 0;
}

static int is_user(const struct key *k)
{
	return (ntohl(k->lo) & 0xfff00000u) == 0xac100000u;
}

/* 0: consistent; else what is wrong */
static const char *inconsistent(const struct key *k, const struct val *v)
{
	if (is_user(k)) {
		if (v->bytes != v->packets * 1000 || v->last_seen != (v->packets ^ SALT) ||
		    v->tcp_flags != (v->packets & 0xffff) || v->initiator_lo != 1)
			return "torn user value";
		return NULL;
	}
	if (v->bytes != v->packets * (FRAME - 0) || v->initiator_lo != 1 || v->tcp_flags)
		return "torn traffic value (bytes != packets * 64)";
	return NULL;
}

static int check(const char *path, uint32_t nflows, uint64_t pkts, uint64_t rep, uint32_t nuser)
{
	struct json_object *a = json_object_from_file(path);
	uint8_t *seen_t = calloc(nflows, 1), *seen_u = calloc(nuser, 1);
	uint32_t nt = 0, nu = 0, want_u = 0, bad = 0;

	if (!a || !json_object_is_type(a, json_type_array))
		return fprintf(stderr, "fwtool: %s: not a JSON array\n", path), 1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct key k;
		struct val v;
		uint32_t idx;

		if (bytes_of(json_object_object_get(e, "key"), &k, sizeof(k)) ||
		    bytes_of(json_object_object_get(e, "value"), &v, sizeof(v)))
			return fprintf(stderr, "fwtool: entry %zu: bad shape\n", i), 1;
		if (is_user(&k)) {
			struct val w;

			idx = ntohl(k.lo) & 0xfffff;
			user_val(idx % 4 == 0 ? idx + USER_REWRITE : idx + 1, &w);
			if (idx >= nuser || idx % 2 || seen_u[idx] || memcmp(&v, &w, sizeof(v))) {
				if (bad++ < 5)
					fprintf(stderr, "fwtool: user flow %u: unexpected (packets %llu)\n",
						idx, (unsigned long long)v.packets);
				continue;
			}
			seen_u[idx] = 1;
			nu++;
		} else {
			idx = ntohl(k.lo) & 0xffff;
			if (idx >= nflows || seen_t[idx] || v.packets != pkts * rep ||
			    inconsistent(&k, &v)) {
				if (bad++ < 5)
					fprintf(stderr, "fwtool: traffic flow %u: packets %llu bytes %llu,"
						" expected %llu\n", idx, (unsigned long long)v.packets,
						(unsigned long long)v.bytes,
						(unsigned long long)(pkts * rep));
				continue;
			}
			seen_t[idx] = 1;
			nt++;
		}
	}
	for (uint32_t i = 0; i < nuser; i += 2)
		want_u++;
	printf("flows: %u/%u traffic flows exact, %u/%u user flows exact, %u unexpected\n", nt,
	       nflows, nu, want_u, bad);
	json_object_put(a);
	free(seen_t);
	free(seen_u);
	return nt == nflows && nu == want_u && !bad ? 0 : 1;
}

/* one JSON object per line, as `hxdp -j map batch` prints lookups */
static int torn(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned long n = 0, bad = 0;

	if (!f)
		return perror(path), 1;
	while (getline(&line, &cap, f) > 0) {
		struct json_object *o = json_tokener_parse(line);
		struct key k;
		struct val v;
		const char *why;

		if (o && !bytes_of(json_object_object_get(o, "key"), &k, sizeof(k)) &&
		    !bytes_of(json_object_object_get(o, "value"), &v, sizeof(v))) {
			n++;
			if ((why = inconsistent(&k, &v)) && bad++ < 5)
				fprintf(stderr, "fwtool: lookup %lu: %s\n", n, why);
		}
		json_object_put(o);
	}
	free(line);
	fclose(f);
	printf("lookups: %lu values read, %lu inconsistent\n", n, bad);
	return n && !bad ? 0 : 1;
}

static int stamps(const char *path)
{
	char e[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, e);
	struct pcap_pkthdr *h;
	const u_char *p;
	unsigned long n = 0, v[3] = { 0 }, mixed = 0, changes = 0;
	int last = 0;

	if (!pc)
		return fprintf(stderr, "fwtool: %s\n", e), 1;
	while (pcap_next_ex(pc, &h, &p) == 1) {
		n++;
		if (h->caplen < FRAME || p[60] != p[63] || p[60] < 1 || p[60] > 2) {
			if (mixed++ < 5)
				fprintf(stderr, "fwtool: packet %lu: stamps %u/%u\n", n,
					h->caplen >= FRAME ? p[60] : 0, h->caplen >= FRAME ? p[63] : 0);
			continue;
		}
		v[p[60]]++;
		changes += last && last != p[60];
		last = p[60];
	}
	pcap_close(pc);
	printf("%lu %lu %lu %lu %lu\n", n, v[1], v[2], mixed, changes);
	return mixed ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint32_t n;

	if (argc == 5 && !strcmp(argv[1], "gen")) {
		n = (uint32_t)atoi(argv[3]);
		return write_pcap(argv[2], n * (uint32_t)atoi(argv[4]), mk_flow, &n);
	}
	if (argc == 4 && !strcmp(argv[1], "ops"))
		return ops(argv[2], (uint32_t)atoi(argv[3]));
	if (argc == 6 && !strcmp(argv[1], "reads"))
		return reads(argv[2], (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]),
			     (uint32_t)atoi(argv[5]));
	if (argc == 7 && !strcmp(argv[1], "check"))
		return check(argv[2], (uint32_t)atoi(argv[3]), strtoull(argv[4], NULL, 0),
			     strtoull(argv[5], NULL, 0), (uint32_t)atoi(argv[6]));
	if (argc == 3 && !strcmp(argv[1], "torn"))
		return torn(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "stamps"))
		return stamps(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "ethpcap"))
		return write_pcap(argv[2], (uint32_t)atoi(argv[3]), mk_eth, NULL);
	fprintf(stderr, "usage: see the comment at the top of tests/dev/fwtool.c\n");
	return 2;
}
