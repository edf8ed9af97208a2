/* fuzz_pcap.c: the pcap reader on arbitrary bytes as a file; every packet it returns
 * goes into an XDP buffer the way `hxdp run` does */
#include <stdlib.h>
#include <unistd.h>
#include "fuzz.h"
#include "pcap.h"
#include "xdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hxdp_xdp x;
	struct hxdp_pkts pk = { 0 };
	char path[64], err[256];
	int fd = fuzz__memfd(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
	if (!pcap__read(path, &pk, err, sizeof(err))) {
		for (uint32_t i = 0; i < pk.n; i++)
			if (!xdp__init(&x, pk.pkt[i].data, pk.pkt[i].len))
				(void)xdp__out_len(&x);
		pcap__free(&pk);
	}
	close(fd);
	return 0;
}
