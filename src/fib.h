/* fib.h: the forwarding table bpf_fib_lookup consults: devices, routes, neighbours,
 * loaded from a text file (format: docs/helpers.md "FIB table") */
#ifndef HXDP_FIB_H
#define HXDP_FIB_H
#include <stdint.h>
#include <stddef.h>
#include <linux/bpf.h>

#define HXDP_FIB_LOOKUP_MARK (1U << 5)	/* BPF_FIB_LOOKUP_MARK (6.10), newer than our uapi */
#define HXDP_FIB_LOOKUP_MASK 0x3fU

struct hxdp_fib;

/* parse text (name is used in messages "name:line: ..."); -EINVAL with err set */
int fib__parse(const char *text, const char *name, struct hxdp_fib **out, char *err,
	       size_t errlen);
int fib__load(const char *path, struct hxdp_fib **out, char *err, size_t errlen);
void fib__free(struct hxdp_fib *f);

/* the kernel's bpf_ipv4_fib_lookup/bpf_ipv6_fib_lookup over f (NULL: an empty table):
 * returns BPF_FIB_LKUP_RET_* or a negative errno, and updates p as the kernel does */
int fib__lookup(const struct hxdp_fib *f, struct bpf_fib_lookup *p, uint32_t flags);

#endif
