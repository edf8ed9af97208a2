/* fib.c: a small model of the kernel FIB for bpf_fib_lookup (net/core/filter.c
 * bpf_ipv4_fib_lookup, bpf_ipv6_fib_lookup): per-device forwarding, longest-prefix
 * routes in numbered tables, route types, gateways, MTU, neighbours. What is and is not
 * modelled: docs/helpers.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "fib.h"

#define RT_TABLE_MAIN 254
#define DEFAULT_MTU 1500

enum rt_type { RT_UNICAST, RT_BLACKHOLE, RT_UNREACHABLE, RT_PROHIBIT, RT_LOCAL };

struct fib_dev {
	uint32_t ifindex, mtu;
	uint8_t mac[6];
	int noforward;
};

struct fib_route {
	int family;
	uint8_t addr[16], gw[16], src[16];
	uint32_t plen, type, oif, metric, table, mtu;
	int has_gw, has_src;
};

struct fib_neigh {
	int family;
	uint8_t addr[16], mac[6];
	uint32_t ifindex;
};

struct hxdp_fib {
	struct fib_dev *dev;
	struct fib_route *rt;
	struct fib_neigh *nb;
	uint32_t ndev, nrt, nnb;
};

/* ---- parsing ------------------------------------------------------------------------ */

struct parser {
	const char *name;
	int line;
	char *tok[32];
	int ntok, i;
	char *err;
	size_t errlen;
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *next_tok(struct parser *p)
{
	return p->i < p->ntok ? p->tok[p->i++] : NULL;
}

static int parse_u32(struct parser *p, const char *what, uint32_t *v)
{
	const char *s = next_tok(p);
	char *end;
	unsigned long x;

	if (!s)
		return perr(p, "%s needs a number", what);
	errno = 0;
	x = strtoul(s, &end, 0);
	if (*end || errno || x > UINT32_MAX || s[0] == '-')
		return perr(p, "%s '%s' is not a number", what, s);
	*v = (uint32_t)x;
	return 0;
}

static int parse_mac(struct parser *p, uint8_t mac[6])
{
	const char *s = next_tok(p);
	unsigned b[6];
	char c;

	if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
			 &c) != 6)
		return perr(p, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s ? s : "");
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return perr(p, "'%s' is not a MAC address", s);
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_addr(struct parser *p, const char *s, int *family, uint8_t a[16])
{
	memset(a, 0, 16);
	if (s && inet_pton(AF_INET, s, a) == 1)
		*family = AF_INET;
	else if (s && inet_pton(AF_INET6, s, a) == 1)
		*family = AF_INET6;
	else
		return perr(p, "'%s' is not an IPv4 or IPv6 address", s ? s : "");
	return 0;
}

static const struct fib_dev *dev_find(const struct hxdp_fib *f, uint32_t ifindex)
{
	for (uint32_t i = 0; f && i < f->ndev; i++)
		if (f->dev[i].ifindex == ifindex)
			return &f->dev[i];
	return NULL;
}

static int parse_dev(struct parser *p, struct hxdp_fib *f)
{
	struct fib_dev d = { .mtu = DEFAULT_MTU };
	const char *w;
	void *n;
	int e = parse_u32(p, "dev", &d.ifindex);

	if (!e && !d.ifindex)
		return perr(p, "ifindex 0 is not a device");
	if (!e && dev_find(f, d.ifindex))
		return perr(p, "device %u defined twice", d.ifindex);
	while (!e && (w = next_tok(p))) {
		if (!strcmp(w, "mac"))
			e = parse_mac(p, d.mac);
		else if (!strcmp(w, "mtu"))
			e = parse_u32(p, "mtu", &d.mtu);
		else if (!strcmp(w, "noforward"))
			d.noforward = 1;
		else
			e = perr(p, "dev: unknown word '%s'", w);
	}
	if (e)
		return e;
	n = realloc(f->dev, sizeof(*f->dev) * (f->ndev + 1));
	if (!n)
		return -ENOMEM;
	f->dev = n;
	f->dev[f->ndev++] = d;
	return 0;
}

static int parse_prefix(struct parser *p, struct fib_route *r)
{
	const char *s = next_tok(p);
	char buf[64], *slash;
	char *end;
	int e;

	if (s && (!strcmp(s, "default") || !strcmp(s, "default6"))) {
		r->family = s[7] ? AF_INET6 : AF_INET;
		r->plen = 0;
		return 0;
	}
	if (!s || strlen(s) >= sizeof(buf))
		return perr(p, "route needs a PREFIX/LEN");
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	e = parse_addr(p, buf, &r->family, r->addr);
	if (e)
		return e;
	r->plen = r->family == AF_INET ? 32 : 128;
	if (slash) {
		unsigned long l = strtoul(slash + 1, &end, 10);

		if (*end || !slash[1] || l > r->plen)
			return perr(p, "bad prefix length in '%s'", s);
		r->plen = (uint32_t)l;
	}
	return 0;
}

static int route_word(struct parser *p, struct fib_route *r, const char *w)
{
	static const char *const types[] = { "unicast", "blackhole", "unreachable",
					     "prohibit", "local" };
	int fam;

	for (uint32_t t = 0; t < 5; t++)
		if (!strcmp(w, types[t])) {
			r->type = t;
			return 0;
		}
	if (!strcmp(w, "via")) {
		r->has_gw = 1;
		if (parse_addr(p, next_tok(p), &fam, r->gw))
			return -EINVAL;
		return fam == r->family ? 0 : perr(p, "gateway of another address family");
	}
	if (!strcmp(w, "src")) {
		r->has_src = 1;
		if (parse_addr(p, next_tok(p), &fam, r->src))
			return -EINVAL;
		return fam == r->family ? 0 : perr(p, "src of another address family");
	}
	if (!strcmp(w, "dev"))
		return parse_u32(p, "dev", &r->oif);
	if (!strcmp(w, "metric"))
		return parse_u32(p, "metric", &r->metric);
	if (!strcmp(w, "table"))
		return parse_u32(p, "table", &r->table);
	if (!strcmp(w, "mtu"))
		return parse_u32(p, "mtu", &r->mtu);
	return perr(p, "route: unknown word '%s'", w);
}

static int parse_route(struct parser *p, struct hxdp_fib *f)
{
	struct fib_route r = { .table = RT_TABLE_MAIN };
	const char *w;
	void *n;
	int e = parse_prefix(p, &r);

	while (!e && (w = next_tok(p)))
		e = route_word(p, &r, w);
	if (e)
		return e;
	if (r.type == RT_UNICAST && !r.oif)
		return perr(p, "a unicast route needs 'dev IFINDEX'");
	if (r.oif && !dev_find(f, r.oif))
		return perr(p, "route through device %u, which no 'dev' line defines", r.oif);
	n = realloc(f->rt, sizeof(*f->rt) * (f->nrt + 1));
	if (!n)
		return -ENOMEM;
	f->rt = n;
	f->rt[f->nrt++] = r;
	return 0;
}

static int parse_neigh(struct parser *p, struct hxdp_fib *f)
{
	struct fib_neigh nb = { 0 };
	int e = parse_addr(p, next_tok(p), &nb.family, nb.addr), mac = 0;
	const char *w;
	void *n;

	while (!e && (w = next_tok(p))) {
		if (!strcmp(w, "lladdr")) {
			e = parse_mac(p, nb.mac);
			mac = 1;
		} else if (!strcmp(w, "dev")) {
			e = parse_u32(p, "dev", &nb.ifindex);
		} else {
			e = perr(p, "neigh: unknown word '%s'", w);
		}
	}
	if (e)
		return e;
	if (!mac || !nb.ifindex)
		return perr(p, "neigh needs 'lladdr MAC' and 'dev IFINDEX'");
	if (!dev_find(f, nb.ifindex))
		return perr(p, "neighbour on device %u, which no 'dev' line defines", nb.ifindex);
	n = realloc(f->nb, sizeof(*f->nb) * (f->nnb + 1));
	if (!n)
		return -ENOMEM;
	f->nb = n;
	f->nb[f->nnb++] = nb;
	return 0;
}

static int parse_line(struct parser *p, struct hxdp_fib *f, char *s)
{
	char *save = NULL, *t, *hash = strchr(s, '#');
	const char *w;

	if (hash)
		*hash = 0;
	p->ntok = p->i = 0;
	for (t = strtok_r(s, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (p->ntok == 32)
			return perr(p, "too many words");
		p->tok[p->ntok++] = t;
	}
	w = next_tok(p);
	if (!w)
		return 0;
	if (!strcmp(w, "dev"))
		return parse_dev(p, f);
	if (!strcmp(w, "route"))
		return parse_route(p, f);
	if (!strcmp(w, "neigh"))
		return parse_neigh(p, f);
	return perr(p, "unknown statement '%s' (dev, route, neigh)", w);
}

int fib__parse(const char *text, const char *name, struct hxdp_fib **out, char *err,
	       size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	struct hxdp_fib *f = calloc(1, sizeof(*f));
	char *copy = strdup(text), *line, *save = NULL;
	int e = f && copy ? 0 : -ENOMEM;

	/* strtok_r would merge empty lines and break the numbering: walk by hand */
	for (line = copy; !e && line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		p.line++;
		e = parse_line(&p, f, line);
	}
	free(copy);
	if (e) {
		if (e == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		fib__free(f);
		return e;
	}
	*out = f;
	return 0;
}

int fib__load(const char *path, struct hxdp_fib **out, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	int e;

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	{
		FILE *mem = open_memstream(&text, &len);
		char buf[4096];
		size_t n;

		while (mem && (n = fread(buf, 1, sizeof(buf), fp)) > 0)
			fwrite(buf, 1, n, mem);
		if (mem)
			fclose(mem);
	}
	fclose(fp);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	e = fib__parse(text, path, out, err, errlen);
	free(text);
	return e;
}

void fib__free(struct hxdp_fib *f)
{
	if (!f)
		return;
	free(f->dev);
	free(f->rt);
	free(f->nb);
	free(f);
}

/* ---- lookup ------------------------------------------------------------------------- */

static int prefix_match(const uint8_t *a, const uint8_t *b, uint32_t plen)
{
	uint32_t bytes = plen / 8, rest = plen % 8;

	if (memcmp(a, b, bytes))
		return 0;
	return !rest || !((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

/* longest prefix, then lowest metric, in one table */
static const struct fib_route *route_find(const struct hxdp_fib *f, int family,
					  const uint8_t *dst, uint32_t table)
{
	const struct fib_route *best = NULL;

	for (uint32_t i = 0; f && i < f->nrt; i++) {
		const struct fib_route *r = &f->rt[i];

		if (r->family != family || r->table != table || !prefix_match(r->addr, dst, r->plen))
			continue;
		if (!best || r->plen > best->plen ||
		    (r->plen == best->plen && r->metric < best->metric))
			best = r;
	}
	return best;
}

static const struct fib_neigh *neigh_find(const struct hxdp_fib *f, int family,
					  const uint8_t *addr, uint32_t ifindex)
{
	uint32_t n = family == AF_INET ? 4 : 16;

	for (uint32_t i = 0; f && i < f->nnb; i++)
		if (f->nb[i].family == family && f->nb[i].ifindex == ifindex &&
		    !memcmp(f->nb[i].addr, addr, n))
			return &f->nb[i];
	return NULL;
}

static int type_result(uint32_t type)
{
	switch (type) {
	case RT_UNICAST: return BPF_FIB_LKUP_RET_SUCCESS;
	case RT_BLACKHOLE: return BPF_FIB_LKUP_RET_BLACKHOLE;
	case RT_UNREACHABLE: return BPF_FIB_LKUP_RET_UNREACHABLE;
	case RT_PROHIBIT: return BPF_FIB_LKUP_RET_PROHIBIT;
	default: return BPF_FIB_LKUP_RET_NOT_FWDED;
	}
}

static int fib_family(const struct hxdp_fib *f, struct bpf_fib_lookup *p, uint32_t flags,
		      int family)
{
	uint32_t alen = family == AF_INET ? 4 : 16, table = RT_TABLE_MAIN, mtu;
	uint8_t *dst = family == AF_INET ? (uint8_t *)&p->ipv4_dst : (uint8_t *)p->ipv6_dst;
	uint8_t *src = family == AF_INET ? (uint8_t *)&p->ipv4_src : (uint8_t *)p->ipv6_src;
	const struct fib_dev *in = dev_find(f, p->ifindex), *out;
	const struct fib_route *r;
	const struct fib_neigh *nb;
	int res;

	if (!in)
		return -ENODEV;
	if (in->noforward)
		return BPF_FIB_LKUP_RET_FWD_DISABLED;
	if ((flags & BPF_FIB_LOOKUP_DIRECT) && (flags & BPF_FIB_LOOKUP_TBID)) {
		table = p->tbid;
		p->tbid = 0;
	}
	r = route_find(f, family, dst, table);
	if (!r)
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	res = type_result(r->type);
	if (res)
		return res;
	out = dev_find(f, r->oif);
	mtu = r->mtu ? r->mtu : out->mtu;
	if (p->tot_len > mtu) {
		p->mtu_result = (uint16_t)mtu;
		return BPF_FIB_LKUP_RET_FRAG_NEEDED;
	}
	p->rt_metric = r->metric;
	p->ifindex = out->ifindex;
	if (flags & BPF_FIB_LOOKUP_SRC) {
		if (!r->has_src && family == AF_INET6)
			return BPF_FIB_LKUP_RET_NO_SRC_ADDR;
		memcpy(src, r->src, alen);	/* IPv4 without a src: 0.0.0.0 */
	}
	if (r->has_gw)
		memcpy(dst, r->gw, alen);
	if (!(flags & BPF_FIB_LOOKUP_SKIP_NEIGH)) {
		nb = neigh_find(f, family, dst, out->ifindex);
		if (!nb)
			return BPF_FIB_LKUP_RET_NO_NEIGH;
		memcpy(p->dmac, nb->mac, 6);
	}
	memcpy(p->smac, out->mac, 6);
	p->h_vlan_TCI = 0;
	p->h_vlan_proto = 0;
	p->mtu_result = (uint16_t)mtu;
	return BPF_FIB_LKUP_RET_SUCCESS;
}

int fib__lookup(const struct hxdp_fib *f, struct bpf_fib_lookup *p, uint32_t flags)
{
	if (flags & ~HXDP_FIB_LOOKUP_MASK)
		return -EINVAL;
	if (p->family != AF_INET && p->family != AF_INET6)
		return -EAFNOSUPPORT;
	return fib_family(f, p, flags, p->family);
}
