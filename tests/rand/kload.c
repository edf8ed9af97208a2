/* kload.c: the kernel side of differential testing */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "insn.h"
#include "kload.h"
#include "rprog.h"

#define LOG_SZ (1 << 20)

static int make_maps(struct kload *k, char *err, size_t errlen)
{
	uint8_t key[4] = { 0 }, val[8];

	for (int m = 0; m < RMAP_COUNT; m++) {
		const struct rprog_map *d = &rprog_maps[m];
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = d->flags);

		k->map_fd[m] = bpf_map_create(d->type, d->name, d->key_size, d->value_size,
					      d->max_entries, &o);
		if (k->map_fd[m] < 0) {
			int e = -errno;

			snprintf(err, errlen, "map %s: %s", d->name, strerror(-e));
			return e == -EPERM ? -ENOSYS : e;
		}
	}
	rprog__ro_value(val, sizeof(val));
	return bpf_map_update_elem(k->map_fd[RMAP_RO], key, val, BPF_ANY) ? -errno : 0;
}

/* the verifier's reason (the last log line that is not a summary), prefixed with the
 * index of the last instruction the log shows: "insn N: reason" */
static void last_line(const char *log, char *err, size_t errlen)
{
	char reason[256] = "refused (no log)";
	long insn = -1;

	for (const char *p = log; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *end;
		long v = strtol(p, &end, 10);

		if (end > p && *end == ':')
			insn = v;
		else if (n && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
			 strncmp(p, "stack depth", 11) && strncmp(p, "from ", 5) && p[0] != ';')
			snprintf(reason, sizeof(reason), "%.*s", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
	if (insn >= 0)
		snprintf(err, errlen, "insn %ld: %s", insn, reason);
	else
		snprintf(err, errlen, "%s", reason);
}

int kload__open(struct kload *k, const struct bpf_insn *in, uint32_t n, char *err,
		size_t errlen)
{
	struct bpf_insn *ins = malloc(n * sizeof(*ins));
	char *log = calloc(1, LOG_SZ);
	cpu_set_t cpus;
	int e;

	memset(k, 0xff, sizeof(*k));
	if (!ins || !log) {
		free(ins);
		free(log);
		return -ENOMEM;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	if ((e = make_maps(k, err, errlen)))
		goto out;
	memcpy(ins, in, n * sizeof(*ins));
	for (uint32_t i = 0; i < n; i++)
		if (insn_is_lddw(&ins[i]) && ins[i].src_reg == BPF_PSEUDO_MAP_FD &&
		    (uint32_t)ins[i].imm < RMAP_COUNT)
			ins[i].imm = k->map_fd[ins[i].imm];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = LOG_SZ, .log_level = 1);
	k->prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rand", "GPL", ins, n, &o);
	if (k->prog_fd < 0) {
		e = -errno;
		last_line(log, err, errlen);
	}
out:
	free(ins);
	free(log);
	if (e)
		kload__close(k);
	return e;
}

int kload__run(struct kload *k, const uint8_t *pkt, uint32_t len, struct kern_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .data_out = res->out, .data_size_out = sizeof(res->out), .repeat = 1);

	res->err = bpf_prog_test_run_opts(k->prog_fd, &o) ? -errno : 0;
	res->retval = o.retval;
	res->out_len = o.data_size_out;
	return res->err;
}

int kload__dump(struct kload *k, uint32_t m, struct map_dump *d)
{
	uint8_t key[64], next[64], val[256];
	const void *prev = NULL;
	int e;

	memset(d, 0, sizeof(*d));
	d->ksz = rprog_maps[m].key_size;
	d->vsz = rprog_maps[m].value_size;
	while (!bpf_map_get_next_key(k->map_fd[m], prev, next)) {
		memcpy(key, next, d->ksz);
		prev = key;
		if (bpf_map_lookup_elem(k->map_fd[m], key, val))
			continue;
		if ((e = dump__add(d, key, val)))
			return e;
	}
	if (d->n)
		dump__sort(d);
	return 0;
}

void kload__close(struct kload *k)
{
	for (int m = 0; m < 8; m++)
		if (k->map_fd[m] >= 0)
			close(k->map_fd[m]);
	if (k->prog_fd >= 0)
		close(k->prog_fd);
	memset(k, 0xff, sizeof(*k));
}
