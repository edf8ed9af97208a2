/* helpers.c: BPF helper functions with the kernel's semantics (net/core/filter.c,
 * kernel/bpf/helpers.c, kernel/trace/bpf_trace.c), over hxdp addresses. A pointer the
 * verifier would not have accepted faults the run; errors the kernel returns to the
 * program are returned here as well. docs/helpers.md lists what is modelled. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <linux/bpf.h>
#include "helpers.h"
#include "maps.h"
#include "fib.h"

#define ETH_HLEN 14
#define XDP_METALEN_MAX 255	/* type_max(skb_shared_info.meta_len) */
#define XDP_ACTION_MASK 3	/* XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX */
#define NSEC_PER_JIFFY 4000000ull	/* HZ = 250 */
#define TRACE_BUF 1024	/* MAX_BPRINTF_BUF */
#define TRACE_STR 512

typedef uint64_t (*helper_fn)(struct hxdp_run *run, const uint64_t a[5]);

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define COLD __attribute__((noinline, cold))

/* ---- arguments ---------------------------------------------------------------------- */

static uint64_t bad(struct hxdp_run *run, const char *what)
{
	run__fault(run, -EINVAL, "%s", what);
	return 0;
}

static COLD void *not_map(struct hxdp_run *run, uint64_t v, int32_t id)
{
	run__fault(run, -EINVAL, "%s: 0x%llx is not a map", helper__name(id),
		   (unsigned long long)v);
	return NULL;
}

static inline struct hxdp_map *map_arg(struct hxdp_run *run, uint64_t v, int32_t id)
{
	uint32_t r = HXDP_REGION(v), i = r - R_MAPREF;

	if (unlikely(r < R_MAPREF || HXDP_OFF(v) || i >= run->env->nmaps ||
		     !run->env->maps[i]))
		return not_map(run, v, id);
	return run->env->maps[i];
}

static COLD void *not_mem(struct hxdp_run *run, uint64_t v, uint32_t size, int write,
			  const char *h)
{
	run__fault(run, -EFAULT, "%s: %u bytes at 0x%llx are not %s", h, size,
		   (unsigned long long)v, write ? "writable" : "readable");
	return NULL;
}

static inline void *mem_arg(struct hxdp_run *run, uint64_t v, uint32_t size, int write,
			    const char *h)
{
	void *p = mem_xlate(run->reg, v, size, write);

	if (unlikely(!p))
		return not_mem(run, v, size, write, h);
	return p;
}

static struct hxdp_xdp *xdp_arg(struct hxdp_run *run, const char *h)
{
	if (!run->xdp)
		run__fault(run, -EINVAL, "%s: no XDP packet in this run", h);
	return run->xdp;
}

/* the verifier's check_map_func_compatibility, for the map types we model */
static int map_allows(const struct hxdp_map *m, int32_t id)
{
	switch (m->type) {
	case BPF_MAP_TYPE_PROG_ARRAY:
		return id == BPF_FUNC_tail_call;
	case BPF_MAP_TYPE_DEVMAP: case BPF_MAP_TYPE_DEVMAP_HASH: case BPF_MAP_TYPE_XSKMAP:
		return id == BPF_FUNC_redirect_map || id == BPF_FUNC_map_lookup_elem;
	case BPF_MAP_TYPE_CPUMAP:
		return id == BPF_FUNC_redirect_map;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS: case BPF_MAP_TYPE_HASH_OF_MAPS:
		return id == BPF_FUNC_map_lookup_elem;
	default:
		if (id == BPF_FUNC_map_lookup_percpu_elem)
			return m->ncpus > 1 || m->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
			       m->type == BPF_MAP_TYPE_PERCPU_HASH ||
			       m->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
		if (m->rdonly_prog && (id == BPF_FUNC_map_update_elem ||
				       id == BPF_FUNC_map_delete_elem))
			return 0;
		return id != BPF_FUNC_tail_call && id != BPF_FUNC_redirect_map;
	}
}

static COLD void *refused(struct hxdp_run *run, const struct hxdp_map *m, int32_t id)
{
	run__fault(run, -EINVAL, "%s on %s map '%s' (the verifier refuses it)",
		   helper__name(id), map__type_name(m->type), m->name);
	return NULL;
}

static inline struct hxdp_map *map_for(struct hxdp_run *run, uint64_t v, int32_t id)
{
	struct hxdp_map *m = map_arg(run, v, id);

	if (likely(m) && unlikely(!map_allows(m, id)))
		return refused(run, m, id);
	return m;
}

/* ---- maps --------------------------------------------------------------------------- */

static inline uint64_t value_addr(struct hxdp_run *run, struct hxdp_map *m, int64_t off)
{
	uint32_t inner;

	if (off < 0)
		return 0;
	if (likely(m->type != BPF_MAP_TYPE_ARRAY_OF_MAPS &&
		   m->type != BPF_MAP_TYPE_HASH_OF_MAPS))
		return HXDP_ADDR(R_MAP0 + m->idx, off);
	memcpy(&inner, m->values + off, 4);
	if (inner >= run->env->nmaps || !run->env->maps[inner])
		return bad(run, "map-in-map value is not a map index");
	return HXDP_MAPREF(inner);
}

static uint64_t h_map_lookup_elem(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_map *m = map_for(run, a[0], BPF_FUNC_map_lookup_elem);
	const void *key = m ? mem_arg(run, a[1], m->key_size, 0, "bpf_map_lookup_elem key") : NULL;
	uint32_t cpu = run->env->cpu, i;

	if (!key)
		return 0;
	if (cpu >= m->ncpus) {
		if (m->ncpus > 1)
			return bad(run, "env cpu is beyond the per-CPU map's CPUs");
	} else if (m->array_inline) {
		memcpy(&i, key, 4);
		return value_addr(run, m, map__array_off(m, i, cpu));
	}
	return value_addr(run, m, map__lookup(m, key, cpu));
}

static uint64_t h_map_lookup_percpu_elem(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_map *m = map_for(run, a[0], BPF_FUNC_map_lookup_percpu_elem);
	const void *key = m ? mem_arg(run, a[1], m->key_size, 0, "bpf_map_lookup_percpu_elem key")
			    : NULL;

	if (!key || (uint32_t)a[2] >= m->ncpus)
		return 0;
	return value_addr(run, m, map__lookup(m, key, (uint32_t)a[2]));
}

static uint64_t h_map_update_elem(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_map *m = map_for(run, a[0], BPF_FUNC_map_update_elem);
	const void *key = m ? mem_arg(run, a[1], m->key_size, 0, "bpf_map_update_elem key") : NULL;
	const void *val = key ? mem_arg(run, a[2], m->value_size, 0, "bpf_map_update_elem value")
			      : NULL;

	if (!val)
		return 0;
	return (uint64_t)(int64_t)map__update(m, key, val, a[3], run->env->cpu);
}

static uint64_t h_map_delete_elem(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_map *m = map_for(run, a[0], BPF_FUNC_map_delete_elem);
	const void *key = m ? mem_arg(run, a[1], m->key_size, 0, "bpf_map_delete_elem key") : NULL;

	if (!key)
		return 0;
	return (uint64_t)(int64_t)map__delete(m, key);
}

/* ---- time, random numbers, CPU ------------------------------------------------------ */

static uint64_t clock_ns(struct hxdp_run *run, clockid_t id)
{
	struct hxdp_env *e = run->env;
	struct timespec ts;
	uint64_t t;

	if (e->ktime_real) {
		clock_gettime(id, &ts);
		return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	t = e->ktime_ns;
	e->ktime_ns += e->ktime_step;
	return t;
}

static uint64_t h_ktime_get_ns(struct hxdp_run *run, const uint64_t a[5])
{
	(void)a;
	return clock_ns(run, CLOCK_MONOTONIC);
}

static uint64_t h_ktime_get_boot_ns(struct hxdp_run *run, const uint64_t a[5])
{
	(void)a;
	return clock_ns(run, CLOCK_BOOTTIME);
}

static uint64_t h_ktime_get_coarse_ns(struct hxdp_run *run, const uint64_t a[5])
{
	(void)a;
	return clock_ns(run, CLOCK_MONOTONIC_COARSE);
}

static uint64_t h_ktime_get_tai_ns(struct hxdp_run *run, const uint64_t a[5])
{
	(void)a;
	return clock_ns(run, CLOCK_TAI);
}

static uint64_t h_jiffies64(struct hxdp_run *run, const uint64_t a[5])
{
	(void)a;
	return clock_ns(run, CLOCK_MONOTONIC) / NSEC_PER_JIFFY;
}

static uint64_t h_get_prandom_u32(struct hxdp_run *run, const uint64_t a[5])
{
	uint64_t x = run->env->prandom ? run->env->prandom : 0x9e3779b97f4a7c15ull;
	uint32_t r;

	(void)a;
	if (run->env->prandom_real && getrandom(&r, sizeof(r), 0) == sizeof(r))
		return r;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	run->env->prandom = x;
	return (uint32_t)(x >> 32);
}

static uint64_t h_get_smp_processor_id(struct hxdp_run *run, const uint64_t a[5])
{
	(void)a;
	return run->env->cpu;
}

static uint64_t h_get_numa_node_id(struct hxdp_run *run, const uint64_t a[5])
{
	(void)run;
	(void)a;
	return 0;
}

/* ---- control flow: tail calls, redirects -------------------------------------------- */

/* the interpreter's JMP_TAIL_CALL: the count is spent before the slot is read */
static uint64_t h_tail_call(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_map *m = map_for(run, a[1], BPF_FUNC_tail_call);
	uint32_t idx = (uint32_t)a[2], prog;
	int64_t off;

	if (!m || idx >= m->max_entries || run->tail_calls >= HXDP_MAX_TAIL_CALLS)
		return 0;
	off = map__lookup(m, &idx, 0);
	if (off < 0) {
		run->tail_calls++;	/* the engine counts the successful ones */
		return 0;
	}
	memcpy(&prog, m->values + off, 4);
	run->tail_prog = (int32_t)prog;
	return 0;
}

static void target_clear(struct hxdp_run *run)
{
	run->res->tgt_kind = HXDP_TGT_NONE;
	run->res->tgt_ifindex = run->res->tgt_map = run->res->tgt_key = 0;
}

static uint64_t h_redirect(struct hxdp_run *run, const uint64_t a[5])
{
	if (a[1])
		return XDP_ABORTED;	/* bpf_xdp_redirect takes no flags */
	target_clear(run);
	run->res->tgt_kind = HXDP_TGT_IFINDEX;
	run->res->tgt_ifindex = (uint32_t)a[0];
	return XDP_REDIRECT;
}

/* __bpf_xdp_redirect_map: the low flag bits are the action when the key is missing */
static uint64_t h_redirect_map(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_map *m = map_for(run, a[0], BPF_FUNC_redirect_map);
	uint64_t flags = a[2], mask = XDP_ACTION_MASK;
	uint32_t key = (uint32_t)a[1];

	if (!m)
		return 0;
	if (m->type == BPF_MAP_TYPE_DEVMAP || m->type == BPF_MAP_TYPE_DEVMAP_HASH)
		mask |= BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
	if (flags & ~mask)
		return XDP_ABORTED;
	if (map__lookup(m, &key, 0) < 0 && !(flags & BPF_F_BROADCAST)) {
		target_clear(run);
		return flags & XDP_ACTION_MASK;
	}
	target_clear(run);
	run->res->tgt_kind = HXDP_TGT_MAP;
	run->res->tgt_map = m->idx;
	run->res->tgt_key = key;
	return XDP_REDIRECT;
}

/* ---- checksums ---------------------------------------------------------------------- */

static uint64_t add_carry64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static uint32_t from64to32(uint64_t x)
{
	x = (x & 0xffffffffu) + (x >> 32);
	x = (x & 0xffffffffu) + (x >> 32);
	return (uint32_t)x;
}

/* x86-64 csum_partial: 64-bit little-endian words, the tail zero-padded */
static uint32_t csum_partial(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint64_t acc = sum, w;
	uint32_t w4;
	uint16_t w2;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);	/* a little-endian host (vm.c checks) */
		acc = add_carry64(acc, w);
	}
	if (len) {
		w = 0;
		if (len & 4) {
			memcpy(&w4, p + (len & 3), 4);
			w = w4;
		}
		if (len & 2) {
			memcpy(&w2, p + (len & 1), 2);
			w = w << 16 | w2;
		}
		if (len & 1)
			w = w << 8 | p[0];
		acc = add_carry64(acc, w);
	}
	return from64to32(acc);
}

static uint32_t csum_add(uint32_t a, uint32_t b)
{
	a += b;
	return a + (a < b);
}

static uint16_t csum_from32to16(uint32_t s)
{
	s += (s >> 16) | (s << 16);
	return (uint16_t)(s >> 16);
}

uint16_t helper__csum_diff(const uint8_t *from, uint32_t from_size, const uint8_t *to,
			   uint32_t to_size, uint32_t seed)
{
	uint32_t r = seed;

	if (from_size && to_size)
		r = csum_add(csum_partial(to, to_size, seed), ~csum_partial(from, from_size, 0));
	else if (to_size)
		r = csum_partial(to, to_size, seed);
	else if (from_size)
		r = ~csum_partial(from, from_size, ~seed);
	return csum_from32to16(r);
}

static uint64_t h_csum_diff(struct hxdp_run *run, const uint64_t a[5])
{
	uint32_t fs = (uint32_t)a[1], ts = (uint32_t)a[3];
	const uint8_t *from = NULL, *to = NULL;

	if (fs && !(from = mem_arg(run, a[0], fs, 0, "bpf_csum_diff from")))
		return 0;
	if (ts && !(to = mem_arg(run, a[2], ts, 0, "bpf_csum_diff to")))
		return 0;
	return helper__csum_diff(from, fs, to, ts, (uint32_t)a[4]);
}

/* ---- the packet --------------------------------------------------------------------- */

static uint64_t moved(struct hxdp_run *run)
{
	run__pkt_moved(run);
	return 0;
}

static uint64_t h_xdp_adjust_head(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_xdp *x = xdp_arg(run, "bpf_xdp_adjust_head");
	int64_t off = (int32_t)a[1], data, metalen;

	if (!x)
		return 0;
	metalen = x->data - x->meta;
	data = x->data + off;
	if (data < HXDP_XDP_FRAME + metalen || data > (int64_t)x->data_end - ETH_HLEN)
		return (uint64_t)-EINVAL;
	if (metalen)
		memmove(x->buf + x->meta + off, x->buf + x->meta, metalen);
	x->meta = (uint32_t)(x->meta + off);
	x->data = (uint32_t)data;
	return moved(run);
}

static uint64_t h_xdp_adjust_tail(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_xdp *x = xdp_arg(run, "bpf_xdp_adjust_tail");
	int64_t off = (int32_t)a[1], end;

	if (!x)
		return 0;
	end = x->data_end + off;
	if (end > HXDP_FRAME_SZ - HXDP_TAILROOM || end < (int64_t)x->data + ETH_HLEN)
		return (uint64_t)-EINVAL;
	if (off > 0)
		memset(x->buf + x->data_end, 0, off);	/* grown tail reads as zeroes */
	x->data_end = (uint32_t)end;
	return moved(run);
}

static uint64_t h_xdp_adjust_meta(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_xdp *x = xdp_arg(run, "bpf_xdp_adjust_meta");
	int64_t off = (int32_t)a[1], meta, metalen;

	if (!x)
		return 0;
	meta = x->meta + off;
	if (meta < HXDP_XDP_FRAME || meta > x->data)
		return (uint64_t)-EINVAL;
	metalen = x->data - meta;
	if ((metalen & 3) || metalen > XDP_METALEN_MAX)
		return (uint64_t)-EACCES;
	x->meta = (uint32_t)meta;
	return moved(run);
}

static uint64_t h_xdp_get_buff_len(struct hxdp_run *run, const uint64_t a[5])
{
	struct hxdp_xdp *x = xdp_arg(run, "bpf_xdp_get_buff_len");

	(void)a;
	return x ? x->data_end - x->data : 0;
}

/* bpf_xdp_pointer's checks for a linear buffer */
static int xdp_range(const struct hxdp_xdp *x, uint32_t off, uint32_t len)
{
	if (off > 0xffff || len > 0xffff)
		return -EFAULT;
	if ((uint64_t)off + len > x->data_end - x->data)
		return -EINVAL;
	return 0;
}

static uint64_t xdp_bytes(struct hxdp_run *run, const uint64_t a[5], int store)
{
	const char *h = store ? "bpf_xdp_store_bytes" : "bpf_xdp_load_bytes";
	struct hxdp_xdp *x = xdp_arg(run, h);
	uint32_t off = (uint32_t)a[1], len = (uint32_t)a[3];
	uint8_t *buf;
	int e;

	if (!x)
		return 0;
	if (!len)
		return bad(run, store ? "bpf_xdp_store_bytes: zero length" :
					"bpf_xdp_load_bytes: zero length");
	buf = mem_arg(run, a[2], len, !store, h);
	if (!buf)
		return 0;
	e = xdp_range(x, off, len);
	if (e)
		return (uint64_t)(int64_t)e;
	if (store)
		memmove(x->buf + x->data + off, buf, len);
	else
		memmove(buf, x->buf + x->data + off, len);
	return 0;
}

static uint64_t h_xdp_load_bytes(struct hxdp_run *run, const uint64_t a[5])
{
	return xdp_bytes(run, a, 0);
}

static uint64_t h_xdp_store_bytes(struct hxdp_run *run, const uint64_t a[5])
{
	return xdp_bytes(run, a, 1);
}

static uint64_t h_fib_lookup(struct hxdp_run *run, const uint64_t a[5])
{
	int32_t plen = (int32_t)a[2];
	struct bpf_fib_lookup p;
	uint8_t *mem;
	int r;

	if (plen <= 0)
		return bad(run, "bpf_fib_lookup: params size must be positive");
	mem = mem_arg(run, a[1], (uint32_t)plen, 1, "bpf_fib_lookup params");
	if (!mem)
		return 0;
	if ((uint32_t)plen < sizeof(p))
		return (uint64_t)-EINVAL;
	memcpy(&p, mem, sizeof(p));
	r = fib__lookup(run->env->fib, &p, (uint32_t)a[3]);
	memcpy(mem, &p, sizeof(p));
	return (uint64_t)(int64_t)r;
}

/* ---- trace_printk ------------------------------------------------------------------- */

struct tp {
	struct hxdp_run *run;
	char out[TRACE_BUF];
	size_t n;
	int narg;
	const uint64_t *args;
};

static void tp_put(struct tp *t, const char *s, size_t len)
{
	if (t->n + len >= sizeof(t->out))
		len = sizeof(t->out) - 1 - t->n;
	memcpy(t->out + t->n, s, len);
	t->n += len;
	t->out[t->n] = 0;
}

/* a string argument of %s: bytes up to NUL from the program's memory, "" if unreadable */
static void tp_str(struct tp *t, uint64_t addr, char *buf, size_t cap)
{
	size_t i = 0;

	for (; i + 1 < cap; i++) {
		const char *c = mem_xlate(t->run->reg, addr + i, 1, 0);

		if (!c || !*c)
			break;
		buf[i] = *c;
	}
	buf[i] = 0;
	if (i + 1 < cap && !mem_xlate(t->run->reg, addr + i, 1, 0))
		buf[0] = 0;
}

/* %pI4 1.2.3.4, %pi4 001.002.003.004, %pI6 0001:...:0008, %pi6 32 hex digits */
static void tp_ip(char *buf, size_t cap, const uint8_t *ip, char kind, char fam)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; fam == '4' && i < 4; i++)
		n += snprintf(buf + n, cap - n, kind == 'I' ? "%s%u" : "%s%03u", i ? "." : "",
			      ip[i]);
	for (int i = 0; fam == '6' && i < 16; i += 2)
		n += snprintf(buf + n, cap - n, "%s%02x%02x", i && kind == 'I' ? ":" : "", ip[i],
			      ip[i + 1]);
}

/* %p and its forms */
static int tp_ptr(struct tp *t, const char **f, uint64_t v, char *buf, size_t cap)
{
	const char *s = *f;
	const uint8_t *ip;

	if ((s[1] == 'i' || s[1] == 'I') && (s[2] == '4' || s[2] == '6')) {
		ip = mem_xlate(t->run->reg, v, s[2] == '4' ? 4 : 16, 0);
		*f += 2;
		if (!ip)
			return -EINVAL;
		tp_ip(buf, cap, ip, s[1], s[2]);
		return 0;
	}
	if (s[1] == 'x' || s[1] == 'K' || s[1] == 'B')
		*f += 1;
	else if ((s[1] == 'k' || s[1] == 'u') && s[2] == 's') {
		*f += 2;
		tp_str(t, v, buf, cap);
		return 0;
	}
	snprintf(buf, cap, "0x%llx", (unsigned long long)v);
	return 0;
}

/* one conversion at *f (just past '%'); returns -EINVAL for what the kernel refuses */
static int tp_conv(struct tp *t, const char **f)
{
	char spec[16] = "%", buf[TRACE_STR];
	size_t sl = 1;
	const char *s = *f;
	int lcount = 0;
	uint64_t v;

	while (*s == '0' || *s == '+' || *s == '-' || *s == ' ')
		if (sl < 6)
			spec[sl++] = *s++;
		else
			s++;
	while (*s >= '0' && *s <= '9')
		if (sl < 9)
			spec[sl++] = *s++;
		else
			s++;
	if (t->narg >= 3)
		return -EINVAL;
	v = t->args[t->narg++];
	if (*s == 'p') {
		if (tp_ptr(t, &s, v, buf, sizeof(buf)))
			return -EINVAL;
	} else if (*s == 's') {
		tp_str(t, v, buf, sizeof(buf));
	} else if (*s == 'c') {
		buf[0] = (char)v;
		buf[1] = 0;
	} else {
		while (*s == 'l' && lcount < 2)
			s++, lcount++;
		if (!strchr("diuxX", *s) || !*s)
			return -EINVAL;
		memcpy(spec + sl, "ll", 2);
		spec[sl + 2] = *s;
		spec[sl + 3] = 0;
		if (!lcount)
			v = *s == 'd' || *s == 'i' ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
		snprintf(buf, sizeof(buf), spec, (long long)v);
		*f = s + 1;
		tp_put(t, buf, strlen(buf));
		return 0;
	}
	if (*s != 'p' || spec[1]) {
		/* width and flags apply to strings and characters too */
		char w[TRACE_STR + 16];

		memcpy(spec + sl, "s", 2);
		snprintf(w, sizeof(w), spec, buf);
		tp_put(t, w, strlen(w));
	} else {
		tp_put(t, buf, strlen(buf));
	}
	*f = s + 1;
	return 0;
}

static int tp_format(struct tp *t, const char *fmt)
{
	for (const char *f = fmt; *f;) {
		unsigned char c = (unsigned char)*f;

		if (c > 127 || (c < 32 && !strchr("\t\n\v\f\r", c)))
			return -EINVAL;
		if (c != '%') {
			tp_put(t, f++, 1);
			continue;
		}
		if (f[1] == '%') {
			tp_put(t, "%", 1);
			f += 2;
			continue;
		}
		f++;
		if (tp_conv(t, &f))
			return -EINVAL;
	}
	return 0;
}

static uint64_t h_trace_printk(struct hxdp_run *run, const uint64_t a[5])
{
	uint32_t size = (uint32_t)a[1];
	struct tp t = { .run = run, .args = a + 2 };
	const char *fmt;

	if (!size)
		return bad(run, "bpf_trace_printk: zero format size");
	fmt = mem_arg(run, a[0], size, 0, "bpf_trace_printk fmt");
	if (!fmt)
		return 0;
	if (!memchr(fmt, 0, size) || tp_format(&t, fmt))
		return (uint64_t)-EINVAL;
	if (run->env->trace) {
		fputs(t.out, run->env->trace);
		if (!t.n || t.out[t.n - 1] != '\n')
			fputc('\n', run->env->trace);
	}
	return t.n;
}

/* ---- the table ---------------------------------------------------------------------- */

static const helper_fn helpers[__BPF_FUNC_MAX_ID] = {
	[BPF_FUNC_map_lookup_elem] = h_map_lookup_elem,
	[BPF_FUNC_map_update_elem] = h_map_update_elem,
	[BPF_FUNC_map_delete_elem] = h_map_delete_elem,
	[BPF_FUNC_ktime_get_ns] = h_ktime_get_ns,
	[BPF_FUNC_trace_printk] = h_trace_printk,
	[BPF_FUNC_get_prandom_u32] = h_get_prandom_u32,
	[BPF_FUNC_get_smp_processor_id] = h_get_smp_processor_id,
	[BPF_FUNC_tail_call] = h_tail_call,
	[BPF_FUNC_redirect] = h_redirect,
	[BPF_FUNC_csum_diff] = h_csum_diff,
	[BPF_FUNC_get_numa_node_id] = h_get_numa_node_id,
	[BPF_FUNC_xdp_adjust_head] = h_xdp_adjust_head,
	[BPF_FUNC_redirect_map] = h_redirect_map,
	[BPF_FUNC_xdp_adjust_meta] = h_xdp_adjust_meta,
	[BPF_FUNC_xdp_adjust_tail] = h_xdp_adjust_tail,
	[BPF_FUNC_fib_lookup] = h_fib_lookup,
	[BPF_FUNC_jiffies64] = h_jiffies64,
	[BPF_FUNC_ktime_get_boot_ns] = h_ktime_get_boot_ns,
	[BPF_FUNC_ktime_get_coarse_ns] = h_ktime_get_coarse_ns,
	[BPF_FUNC_xdp_get_buff_len] = h_xdp_get_buff_len,
	[BPF_FUNC_xdp_load_bytes] = h_xdp_load_bytes,
	[BPF_FUNC_xdp_store_bytes] = h_xdp_store_bytes,
	[BPF_FUNC_map_lookup_percpu_elem] = h_map_lookup_percpu_elem,
	[BPF_FUNC_ktime_get_tai_ns] = h_ktime_get_tai_ns,
};

#define HELPER_NAME(x, ...) "bpf_" #x
static const char *const names[] = { __BPF_FUNC_MAPPER(HELPER_NAME) };
#undef HELPER_NAME

int helper__supported(int32_t id)
{
	return id > 0 && id < __BPF_FUNC_MAX_ID && helpers[id];
}

const char *helper__name(int32_t id)
{
	if (id <= 0 || (size_t)id >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[id];
}

uint64_t helper__call(struct hxdp_run *run, int32_t id, const uint64_t a[5])
{
	if (!helper__supported(id)) {
		run__fault(run, -ENOSYS, "helper %d (%s) is not supported", id, helper__name(id));
		return 0;
	}
	return helpers[id](run, a);
}
