/* test_vm_xdp.c: the vm over an XDP packet: the xdp_md as the kernel rewrites it, the
 * packet region, and the test_run buffer layout */
#include <errno.h>
#include "vm_t.h"
#include "xdp.h"

/* run text over a 64-byte packet of bytes 0..63; returns r0, the run's packet in *x */
static uint64_t xdp_run(const char *text, struct hxdp_xdp *x, struct hxdp_result *res)
{
	struct asm_prog p = vmt_asm(text);
	const struct bpf_insn *in = p.insns;
	uint8_t pkt[64];
	struct vmt t;
	uint64_t r0 = ~0ull;

	for (int i = 0; i < 64; i++)
		pkt[i] = i;
	CHECK(xdp__init(x, pkt, sizeof(pkt)) == 0);
	if (vmt_open_insns(&t, &in, &p.n, 1) == 0) {
		run__init(t.run, &t.obj.env);
		vm_engine.run(t.st, 0, t.run, run__packet(t.run, x, &t.res));
		r0 = t.res.r0;
		*res = t.res;
	} else {
		fprintf(stderr, "  open: %s\n", t.err);
		t_failed++;
	}
	vmt_close(&t);
	asm__free(&p);
	return r0;
}

TEST(vm_xdp_ctx)
{
	struct hxdp_xdp *x = malloc(sizeof(*x));
	struct hxdp_result res;

	CHECK_EQ(xdp_run("ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r0, %r3\nsub %r0, %r2\n"
			 "exit", x, &res), 64);
	CHECK_EQ(xdp_run("ldxw %r2, [%r1+0]\nldxw %r3, [%r1+8]\nmov %r0, %r3\nsub %r0, %r2\n"
			 "exit", x, &res), 0);	/* data_meta == data */
	CHECK_EQ(xdp_run("ldxw %r0, [%r1+12]\nexit", x, &res), 1);	/* lo */
	CHECK_EQ(xdp_run("ldxw %r0, [%r1+16]\nexit", x, &res), 0);
	CHECK_EQ(xdp_run("ldxw %r2, [%r1+0]\nldxb %r0, [%r2+5]\nexit", x, &res), 5);
	CHECK_EQ(xdp_run("ldxw %r2, [%r1+0]\nldxh %r0, [%r2+62]\nexit", x, &res), 0x3f3e);
	CHECK_EQ(res.fault, 0);
	/* what the verifier refuses faults here */
	xdp_run("ldxdw %r0, [%r1+0]\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	xdp_run("ldxh %r0, [%r1+0]\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	xdp_run("ldxw %r0, [%r1+2]\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	xdp_run("ldxw %r0, [%r1+24]\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	xdp_run("stw [%r1+0], 0\nmov %r0, 2\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	CHECK_EQ(res.r0, 0);
	xdp_run("mov %r0, 1\nlock add [%r1+0], %r0\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	free(x);
}

TEST(vm_xdp_packet)
{
	struct hxdp_xdp *x = malloc(sizeof(*x));
	struct hxdp_result res;

	/* past data_end, and the headroom below data_meta, are out of reach */
	xdp_run("ldxw %r2, [%r1+0]\nldxb %r0, [%r2+64]\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	CHECK(strstr(res.err, "pc 1: invalid load of 1 bytes") != NULL);
	xdp_run("ldxw %r2, [%r1+0]\nldxb %r0, [%r2-1]\nexit", x, &res);
	CHECK_EQ(res.fault, -EFAULT);
	/* stores reach the output */
	CHECK_EQ(xdp_run("ldxw %r2, [%r1+0]\nstw [%r2+0], 0x11223344\nmov %r0, 3\nexit", x,
			 &res), 3);
	CHECK_EQ(xdp__out_len(x), 64);
	CHECK_EQ(xdp__out(x)[0], 0x44);
	CHECK_EQ(xdp__out(x)[3], 0x11);
	CHECK_EQ(xdp__out(x)[4], 4);
	free(x);
}

TEST(vm_xdp_init)
{
	struct hxdp_xdp *x = malloc(sizeof(*x));
	uint8_t pkt[HXDP_MAX_PKT + 1] = { 0 };

	CHECK_EQ(xdp__init(x, pkt, 13), -EINVAL);
	CHECK_EQ(xdp__init(x, pkt, HXDP_MAX_PKT + 1), -EINVAL);
	CHECK_EQ(xdp__init(x, pkt, HXDP_MAX_PKT), 0);
	CHECK_EQ(xdp__init(x, pkt, 14), 0);
	CHECK_EQ(x->data, HXDP_HEADROOM);
	CHECK_EQ(x->meta, HXDP_HEADROOM);
	CHECK_EQ(x->data_end, HXDP_HEADROOM + 14);
	CHECK_EQ(x->ingress_ifindex, 1);
	free(x);
}
