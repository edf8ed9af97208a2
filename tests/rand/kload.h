/* kload.h: bare instructions with the rprog map set in the running kernel
 * (bpf_prog_load, BPF_PROG_TEST_RUN), for differential testing */
#ifndef HXDP_KLOAD_H
#define HXDP_KLOAD_H
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "kern.h"

struct kload {
	int map_fd[8];
	int prog_fd;
};

/* -ENOSYS: no bpf() here; -EACCES etc.: the verifier refused, its last log line in err */
int kload__open(struct kload *k, const struct bpf_insn *in, uint32_t n, char *err,
		size_t errlen);
int kload__run(struct kload *k, const uint8_t *pkt, uint32_t len, struct kern_result *res);
int kload__dump(struct kload *k, uint32_t map, struct map_dump *d);
void kload__close(struct kload *k);

#endif
