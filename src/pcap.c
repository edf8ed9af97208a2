/* pcap.c: pcap files through libpcap */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "pcap.h"

static int pkts_add(struct hxdp_pkts *p, const uint8_t *data, uint32_t len, uint32_t *cap)
{
	if (p->n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 256;
		struct hxdp_pkt *np = realloc(p->pkt, nc * sizeof(*np));

		if (!np)
			return -ENOMEM;
		p->pkt = np;
		*cap = nc;
	}
	p->pkt[p->n].data = malloc(len ? len : 1);
	if (!p->pkt[p->n].data)
		return -ENOMEM;
	memcpy(p->pkt[p->n].data, data, len);
	p->pkt[p->n++].len = len;
	return 0;
}

static int read_all(pcap_t *pc, const char *path, struct hxdp_pkts *out, char *err,
		    size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	uint32_t cap = 0;
	int r, e;

	while ((r = pcap_next_ex(pc, &h, &d)) == 1) {
		if (h->caplen < h->len) {
			snprintf(err, errlen, "%s: packet %u: only %u of its %u bytes captured "
				 "(snap length)", path, out->n + 1, h->caplen, h->len);
			return -EINVAL;
		}
		e = pkts_add(out, d, h->caplen, &cap);
		if (e)
			return e;
	}
	if (r == PCAP_ERROR) {
		snprintf(err, errlen, "%s: packet %u: %s", path, out->n + 1, pcap_geterr(pc));
		return -EINVAL;
	}
	return 0;
}

int pcap__read(const char *path, struct hxdp_pkts *out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc;
	int e;

	memset(out, 0, sizeof(*out));
	pc = pcap_open_offline(path, ebuf);
	if (!pc) {
		if (strstr(ebuf, path))	/* libpcap names the file itself */
			snprintf(err, errlen, "%s", ebuf);
		else
			snprintf(err, errlen, "%s: %s", path, ebuf);
		return -EINVAL;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		snprintf(err, errlen, "%s: link type %s, not Ethernet", path,
			 pcap_datalink_val_to_name(pcap_datalink(pc)) ?: "unknown");
		pcap_close(pc);
		return -EINVAL;
	}
	e = read_all(pc, path, out, err, errlen);
	pcap_close(pc);
	if (e)
		pcap__free(out);
	return e;
}

void pcap__free(struct hxdp_pkts *p)
{
	for (uint32_t i = 0; i < p->n; i++)
		free(p->pkt[i].data);
	free(p->pkt);
	p->pkt = NULL;
	p->n = 0;
}

struct hxdp_pcap_out {
	pcap_t *pc;
	pcap_dumper_t *d;
	uint32_t n;
};

int pcap__create(const char *path, struct hxdp_pcap_out **out, char *err, size_t errlen)
{
	struct hxdp_pcap_out *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o)
		return -ENOMEM;
	o->pc = pcap_open_dead(DLT_EN10MB, 65535);
	o->d = o->pc ? pcap_dump_open(o->pc, path) : NULL;
	if (!o->d) {
		snprintf(err, errlen, "%s: %s", path, o->pc ? pcap_geterr(o->pc) : "libpcap");
		pcap__close(o);
		return -EIO;
	}
	*out = o;
	return 0;
}

int pcap__write(struct hxdp_pcap_out *o, const uint8_t *data, uint32_t len)
{
	/* deterministic timestamps: one microsecond apart */
	struct pcap_pkthdr h = { .caplen = len, .len = len };

	h.ts.tv_sec = o->n / 1000000;
	h.ts.tv_usec = o->n % 1000000;
	o->n++;
	pcap_dump((u_char *)o->d, &h, data);
	return 0;
}

void pcap__close(struct hxdp_pcap_out *o)
{
	if (!o)
		return;
	if (o->d)
		pcap_dump_close(o->d);
	if (o->pc)
		pcap_close(o->pc);
	free(o);
}
