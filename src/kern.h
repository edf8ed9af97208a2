/* kern.h: the kernel oracle. The same object is loaded into the running kernel with
 * libbpf, its maps get hxdp's initial contents, and each packet runs once through
 * BPF_PROG_TEST_RUN on CPU 0. */
#ifndef HXDP_KERN_H
#define HXDP_KERN_H
#include <stdint.h>
#include <stddef.h>
#include "obj.h"

struct hxdp_kern;

struct kern_result {
	int err;		/* 0, or -errno of BPF_PROG_TEST_RUN (-EINVAL: packet refused) */
	uint32_t retval;	/* the XDP action */
	uint32_t out_len;	/* data_out: [data_meta, data_end) after the run */
	uint8_t out[HXDP_FRAME_SZ];
};

/* a map's contents in user (bpf(2)) layout: n records of key then value, in the
 * order the map gave them (dump__sort: by key bytes) */
struct map_dump {
	uint32_t ksz, vsz, n;
	size_t cap;	/* bytes */
	uint8_t *rec;
};

/* load obj's file into the kernel with obj's current map contents (maps json applied).
 * -ENOSYS: bpf() is unavailable here (err says why); other errors: load failed. Pins
 * the calling thread to CPU 0 and sets obj->env.cpu to it. */
int kern__open(struct hxdp_obj *obj, struct hxdp_kern **out, char *err, size_t errlen);
int kern__run(struct hxdp_kern *k, uint32_t prog, const uint8_t *pkt, uint32_t len,
	      struct kern_result *res);
/* map idx (obj order) in the kernel now, unsorted; fd values (prog array, map-in-map) are
 * translated back to hxdp indexes */
int kern__dump(struct hxdp_kern *k, uint32_t idx, struct map_dump *d);
void kern__close(struct hxdp_kern *k);

/* dump helpers shared with hxdp's side */
int dump__add(struct map_dump *d, const void *key, const void *val);
void dump__sort(struct map_dump *d);
void dump__free(struct map_dump *d);
static inline uint8_t *dump__key(const struct map_dump *d, uint32_t i)
{
	return d->rec + (size_t)i * (d->ksz + d->vsz);
}
static inline uint8_t *dump__val(const struct map_dump *d, uint32_t i)
{
	return dump__key(d, i) + d->ksz;
}
/* fd-valued maps: values are object indexes, not data */
int kern__fd_map(uint32_t type);

#endif
