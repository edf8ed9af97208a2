/* test_vm_kern.c: the vm against the running kernel. Each body computes r0, r7, r8,
 * r9; a wrapper stores them into the packet (data_out) and returns XDP_PASS, and the
 * program runs through BPF_PROG_TEST_RUN and through the vm on the same packet. */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vm_t.h"
#include "insn.h"
#include "xdp.h"

#define PKT_LEN 64

static const char prologue[] =
	"mov %r6, %r1\nmov %r0, 0\nmov %r7, 0\nmov %r8, 0\nmov %r9, 0\n";
static const char epilogue[] =
	"ldxw %r2, [%r6+0]\nldxw %r3, [%r6+4]\nmov %r4, %r2\nadd %r4, 32\n"
	"jgt %r4, %r3, out_\nstxdw [%r2+0], %r0\nstxdw [%r2+8], %r7\n"
	"stxdw [%r2+16], %r8\nstxdw [%r2+24], %r9\nout_:\nmov %r0, 2\nexit\n";

struct kcase {
	const char *name, *body, *subs;
};

/* bodies use r0-r5 and r7-r9, never r6 (the context) */
static const struct kcase cases[] = {
	{ "alu64", "lddw %r1, 0x8765432112345678\nmov %r0, %r1\nadd %r0, 0x7fffffff\n"
	  "mov %r7, %r1\nsub %r7, -5\nmul %r7, %r1\nmov %r8, %r1\nxor %r8, -1\nor %r8, 0x3\n"
	  "and %r8, 0x7ffff0ff\nmov %r9, %r1\nneg %r9\n", NULL },
	{ "alu32", "lddw %r1, 0x8765432112345678\nmov %r0, %r1\nadd32 %r0, 0x7fffffff\n"
	  "mov %r7, %r1\nsub32 %r7, -5\nmul32 %r7, %r1\nmov %r8, %r1\nxor32 %r8, -1\n"
	  "mov32 %r9, %r1\nneg32 %r9\n", NULL },
	{ "div", "lddw %r1, 0x8765432112345678\nmov %r2, 7\nmov %r0, %r1\ndiv %r0, %r2\n"
	  "mov %r7, %r1\ndiv32 %r7, %r2\nmov %r8, %r1\nmod %r8, %r2\nmov %r9, %r1\n"
	  "mod32 %r9, -3\n", NULL },
	{ "div by zero", "lddw %r1, 0x8765432112345678\nmov %r2, 0\nmov %r0, %r1\n"
	  "div %r0, %r2\nmov %r7, %r1\ndiv32 %r7, %r2\nmov %r8, %r1\nmod %r8, %r2\n"
	  "mov %r9, %r1\nmod32 %r9, %r2\n", NULL },
	{ "div32 by high-only", "lddw %r1, 0x8765432112345678\nlddw %r2, 0x100000000\n"
	  "mov %r0, %r1\ndiv32 %r0, %r2\nmov %r7, %r1\nmod32 %r7, %r2\n", NULL },
	{ "shifts", "lddw %r1, 0x8765432112345678\nmov %r2, 67\nmov %r0, %r1\n"
	  "lsh %r0, %r2\nmov %r7, %r1\nrsh32 %r7, %r2\nmov %r8, %r1\narsh %r8, %r2\n"
	  "mov %r9, %r1\narsh32 %r9, %r2\n", NULL },
	{ "shifts imm", "lddw %r1, 0x8765432112345678\nmov %r0, %r1\nlsh32 %r0, 31\n"
	  "mov %r7, %r1\nrsh %r7, 63\nmov %r8, %r1\narsh %r8, 63\nmov %r9, %r1\n"
	  "arsh32 %r9, 31\n", NULL },
	{ "sdiv smod", "lddw %r0, 0x8000000000000000\nmov %r2, -1\nsdiv %r0, %r2\n"
	  "lddw %r7, 0x8000000000000000\nsmod %r7, -1\nmov32 %r8, 0x80000000\n"
	  "sdiv32 %r8, %r2\nmov %r9, -7\nsmod32 %r9, 2\n", NULL },
	{ "sdiv smod signs", "mov %r0, -7\nsdiv %r0, 2\nmov %r7, 7\nsmod %r7, -2\n"
	  "mov %r8, -7\nmov %r2, 0\nsmod %r8, %r2\nmov %r9, -7\nsmod32 %r9, %r2\n", NULL },
	{ "movsx", "lddw %r1, 0x8765432180c0a0f0\nmovsx864 %r0, %r1\nmovsx1632 %r7, %r1\n"
	  "movsx3264 %r8, %r1\nmovsx832 %r9, %r1\nmovsx1664 %r2, %r1\nxor %r9, %r2\n", NULL },
	{ "bswap", "lddw %r1, 0x0123456789abcdef\nmov %r0, %r1\nbswap16 %r0\nmov %r7, %r1\n"
	  "bswap32 %r7\nmov %r8, %r1\nbswap64 %r8\nmov %r9, %r1\nbe16 %r9\nmov %r2, %r1\n"
	  "le32 %r2\nlsh %r9, 32\nor %r9, %r2\n", NULL },
	{ "jmp32", "lddw %r1, 0x1ffffffff\nmov %r0, 0\njeq32 %r1, -1, +1\nmov %r0, 1\n"
	  "mov %r7, 0\njsgt32 %r1, 0, +1\nmov %r7, 1\nmov %r8, 0\njgt %r1, -1, +1\n"
	  "mov %r8, 1\nmov %r9, 0\njset32 %r1, 0x80000000, +1\nmov %r9, 1\n", NULL },
	{ "atomics", "lddw %r1, 0x1111111111111111\nstxdw [%r10-8], %r1\nstxdw [%r10-16], %r1\n"
	  "mov %r2, 0x22\nlock add [%r10-8], %r2\nmov %r3, 0x0f\nlock fetch or32 [%r10-16], %r3\n"
	  "mov %r4, 0x33\nlock fetch xor [%r10-8], %r4\nlddw %r5, 0x1111111111111111\n"
	  "mov %r0, %r5\nmov %r2, 7\nlock cmpxchg [%r10-16], %r2\n"
	  "ldxdw %r7, [%r10-8]\nldxdw %r8, [%r10-16]\nmov %r9, %r3\nlsh %r9, 32\nor %r9, %r4\n", NULL },
	{ "atomics 2", "stdw [%r10-8], 5\nmov %r0, 5\nmov %r1, 9\nlock cmpxchg32 [%r10-8], %r1\n"
	  "mov %r7, 3\nlock xchg [%r10-8], %r7\nmov %r2, 6\nlock fetch and [%r10-8], %r2\n"
	  "ldxdw %r8, [%r10-8]\nmov %r9, %r2\n", NULL },
	{ "calls", "mov %r7, 7\nmov %r8, 8\nstdw [%r10-8], 5\nmov %r1, 40\ncall local f\n"
	  "ldxdw %r9, [%r10-8]\n",
	  "f:\nmov %r7, 100\nmov %r8, 100\nstdw [%r10-8], 99\nmov %r0, %r1\nadd %r0, 2\nexit\n" },
	{ "ldxs", "stdw [%r10-8], -129\nldxsb %r0, [%r10-8]\nldxsh %r7, [%r10-8]\n"
	  "ldxsw %r8, [%r10-8]\nldxb %r9, [%r10-8]\n", NULL },
};

static int kern_prog(const struct bpf_insn *in, uint32_t n, int *fd, char *log, size_t len)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = len);

	*fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "vmt", "GPL", in, n, &o);
	return *fd < 0 ? -errno : 0;
}

/* bpf() with a trivial program: -errno if this process cannot load XDP programs */
static int kern_available(void)
{
	struct bpf_insn in[2];
	char log[256];
	int fd, e;

	isa_encode(I_MOV64_K, 0, 0, 0, 2, &in[0]);
	isa_encode(I_EXIT, 0, 0, 0, 0, &in[1]);
	e = kern_prog(in, 2, &fd, log, sizeof(log));
	if (!e)
		close(fd);
	return e;
}

static void cross_check(const struct kcase *c, struct hxdp_xdp *x, char *log, size_t len)
{
	char text[4096];
	struct asm_prog p;
	struct vmt t;
	const struct bpf_insn *in;
	uint8_t pkt[PKT_LEN], out[PKT_LEN + 64];
	int fd;

	snprintf(text, sizeof(text), "%s%s%s%s", prologue, c->body, epilogue,
		 c->subs ? c->subs : "");
	p = vmt_asm(text);
	in = p.insns;
	for (int i = 0; i < PKT_LEN; i++)
		pkt[i] = 0xa0 + i;
	if (kern_prog(p.insns, p.n, &fd, log, len)) {
		fprintf(stderr, "  %s: kernel refused the program: %.300s\n", c->name, log);
		t_failed++;
		asm__free(&p);
		return;
	}
	LIBBPF_OPTS(bpf_test_run_opts, r, .data_in = pkt, .data_size_in = PKT_LEN,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	CHECK(bpf_prog_test_run_opts(fd, &r) == 0);
	close(fd);
	CHECK(vmt_open_insns(&t, &in, &p.n, 1) == 0);
	CHECK(xdp__init(x, pkt, PKT_LEN) == 0);
	run__init(t.run, &t.obj.env);
	vm_engine.run(t.st, 0, t.run, run__packet(t.run, x, &t.res));
	if (t.res.fault || t.res.r0 != r.retval || xdp__out_len(x) != r.data_size_out ||
	    memcmp(xdp__out(x), out, r.data_size_out)) {
		fprintf(stderr, "  %s: vm r0 %llu (%s) kernel %u\n", c->name,
			(unsigned long long)t.res.r0, t.res.err, r.retval);
		for (int k = 0; k < 4; k++) {
			uint64_t a, b;

			memcpy(&a, xdp__out(x) + 8 * k, 8);
			memcpy(&b, out + 8 * k, 8);
			fprintf(stderr, "    r%d: vm 0x%016llx kernel 0x%016llx\n",
				k ? 6 + k : 0, (unsigned long long)a, (unsigned long long)b);
		}
		t_failed++;
	}
	vmt_close(&t);
	asm__free(&p);
}

TEST(vm_kernel_cross_check)
{
	struct hxdp_xdp *x;
	char *log;
	int e = kern_available();

	if (e)
		SKIP(e == -EPERM ? "bpf(): not permitted" : "bpf(): XDP programs unavailable");
	x = malloc(sizeof(*x));
	log = malloc(1 << 16);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cross_check(&cases[i], x, log, 1 << 16);
	free(log);
	free(x);
}

/* the xdp_md fields test_run gives a packet, and the buffer's layout */
TEST(vm_kernel_xdp_md)
{
	static const struct kcase c = {
		"xdp_md", "ldxw %r0, [%r6+12]\nldxw %r7, [%r6+16]\nldxw %r2, [%r6+0]\n"
		"ldxw %r3, [%r6+8]\nmov %r8, %r2\nsub %r8, %r3\nldxw %r3, [%r6+4]\n"
		"mov %r9, %r3\nsub %r9, %r2\n", NULL
	};
	struct hxdp_xdp *x;
	char *log;
	int e = kern_available();

	if (e)
		SKIP(e == -EPERM ? "bpf(): not permitted" : "bpf(): XDP programs unavailable");
	x = malloc(sizeof(*x));
	log = malloc(1 << 16);
	cross_check(&c, x, log, 1 << 16);
	free(log);
	free(x);
}
