/* dis_sample.c: varied code for the disassembler test (compared with llvm-objdump) */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __attribute__((noinline)) __u64 mix(__u64 a, __u32 b)
{
	__s64 s = (__s64)a >> (b & 63);

	return (a * 31 + b) ^ (__u64)s ^ (a / (b | 1)) ^ (a % 7) ^ __builtin_bswap32(b);
}

SEC("xdp")
int dis_sample(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	unsigned char *p = data;
	__u32 key = 0, sum = 0;
	__u64 *c;

	if (p + 16 > (unsigned char *)end)
		return XDP_DROP;
	for (int i = 0; i < 16; i++)
		sum += p[i] << (i & 7);
	if ((__s32)sum < -5)
		sum = -sum;
	c = bpf_map_lookup_elem(&counts, &key);
	if (c) {
		__sync_fetch_and_add(c, 1);
		__sync_fetch_and_or(c, sum);
		__sync_fetch_and_xor((__u32 *)c, 3);
		*c = __sync_val_compare_and_swap(c, 5, mix(*c, sum));
	}
	*(__u16 *)p = __builtin_bswap16(*(__u16 *)p);
	return sum & 1 ? XDP_PASS : XDP_TX;
}

char _license[] SEC("license") = "GPL";
