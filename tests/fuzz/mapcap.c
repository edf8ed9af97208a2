/* mapcap.c: linked with -Wl,--wrap=map__init into the harnesses whose input
 * declares maps (obj, image, and ctl through prog.load). A map gets at most FUZZ_MAP_BYTES of values (fewer
 * entries than declared), so an input that asks for 2^32 entries neither spends its
 * execution zeroing a gigabyte nor ends the run out of memory; the loaders' code paths
 * are the same at any size. */
#include <errno.h>
#include <stdio.h>
#include "maps.h"

#define FUZZ_MAP_BYTES (64u * 1024)

int __real_map__init(struct hxdp_map *m, uint32_t ncpus, char *err, size_t errlen);
int __wrap_map__init(struct hxdp_map *m, uint32_t ncpus, char *err, size_t errlen);

int __wrap_map__init(struct hxdp_map *m, uint32_t ncpus, char *err, size_t errlen)
{
	uint64_t slot = ((uint64_t)m->value_size + 7) / 8 * 8 * (ncpus ? ncpus : 1);

	if (slot > FUZZ_MAP_BYTES / 2) {
		snprintf(err, errlen, "map of %u-byte values: larger than the fuzz harness "
			 "creates", m->value_size);
		return -E2BIG;
	}
	if (slot && m->max_entries > FUZZ_MAP_BYTES / slot - 1)
		m->max_entries = (uint32_t)(FUZZ_MAP_BYTES / slot - 1);
	return __real_map__init(m, ncpus, err, errlen);
}
