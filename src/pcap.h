/* pcap.h: packets from and to pcap files (libpcap), Ethernet link type only */
#ifndef HXDP_PCAP_H
#define HXDP_PCAP_H
#include <stdint.h>
#include <stddef.h>

struct hxdp_pkt {
	uint8_t *data;
	uint32_t len;
};

struct hxdp_pkts {
	struct hxdp_pkt *pkt;
	uint32_t n;
};

/* every packet of path; a truncated or malformed file is one error naming the packet
 * number (1-based, as wireshark counts) */
int pcap__read(const char *path, struct hxdp_pkts *out, char *err, size_t errlen);
void pcap__free(struct hxdp_pkts *p);

struct hxdp_pcap_out;
int pcap__create(const char *path, struct hxdp_pcap_out **out, char *err, size_t errlen);
int pcap__write(struct hxdp_pcap_out *o, const uint8_t *data, uint32_t len);
void pcap__close(struct hxdp_pcap_out *o);

#endif
