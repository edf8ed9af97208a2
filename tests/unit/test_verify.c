/* test_verify.c: the verifier's refusal classes, each checked against the running
 * kernel's verdict on the same program (skipped without bpf()), and every corpus object
 * accepted */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "t.h"
#include "insn.h"
#include "maps.h"
#include "obj.h"
#include "verify.h"

#define MAXI 64

struct vprog {
	struct bpf_insn in[MAXI];
	uint32_t n;
};

static void add(struct vprog *p, int id, int dst, int src, int off, int32_t imm)
{
	isa_encode(id, dst, src, off, imm, &p->in[p->n++]);
}

/* ld_imm64 of map idx (0: array u32 -> u64[2], 1: the same, read-only) */
static void add_map(struct vprog *p, int dst, int idx)
{
	isa_encode(I_LDDW, dst, BPF_PSEUDO_MAP_FD, 0, idx, &p->in[p->n++]);
	memset(&p->in[p->n++], 0, sizeof(struct bpf_insn));
}

/* r7 = data, r8 = data_end (r1 = ctx) */
static void add_pkt(struct vprog *p)
{
	add(p, I_LDX_w, 7, 1, 0, 0);
	add(p, I_LDX_w, 8, 1, 4, 0);
}

static void add_exit(struct vprog *p, int32_t action)
{
	add(p, I_MOV64_K, 0, 0, 0, action);
	add(p, I_EXIT, 0, 0, 0, 0);
}

static int obj_with_maps(const struct vprog *p, struct hxdp_obj **out)
{
	char err[128];
	int e = obj__from_insns(p->in, p->n, out, err, sizeof(err));

	for (int k = 0; !e && k < 2; k++) {
		struct hxdp_map *m = calloc(1, sizeof(*m));

		if (!m)
			return -ENOMEM;
		snprintf(m->name, sizeof(m->name), k ? "ro" : "arr");
		m->type = BPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = 16;
		m->max_entries = 4;
		m->idx = (uint32_t)k;
		m->inner = -1;
		m->rdonly_prog = k;
		m->map_flags = k ? BPF_F_RDONLY_PROG : 0;
		(*out)->env.maps[k] = m;
		(*out)->env.nmaps++;
		e = map__init(m, 1, err, sizeof(err));
	}
	return e;
}

/* 0 accepted, 1 refused, -ENOSYS no bpf() */
static int kernel_verdict(const struct vprog *p)
{
	struct bpf_insn in[MAXI];
	int fd[2] = { -1, -1 }, prog, rc = 1;

	for (int k = 0; k < 2; k++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = k ? BPF_F_RDONLY_PROG : 0);

		fd[k] = bpf_map_create(BPF_MAP_TYPE_ARRAY, k ? "ro" : "arr", 4, 16, 4, &o);
		if (fd[k] < 0) {
			rc = -ENOSYS;
			goto out;
		}
	}
	memcpy(in, p->in, p->n * sizeof(in[0]));
	for (uint32_t i = 0; i < p->n; i++)
		if (insn_is_lddw(&in[i]) && in[i].src_reg == BPF_PSEUDO_MAP_FD &&
		    (uint32_t)in[i].imm < 2)
			in[i].imm = fd[in[i].imm];
	prog = bpf_prog_load(BPF_PROG_TYPE_XDP, "vt", "GPL", in, p->n, NULL);
	if (prog >= 0) {
		close(prog);
		rc = 0;
	} else if (errno == EPERM) {
		rc = -ENOSYS;
	}
out:
	for (int k = 0; k < 2; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	return rc;
}

/* hxdp's verdict must be `refuse` with `want` in the message; the kernel's, kernel_refuses */
static void expect(const struct vprog *p, int refuse, const char *want, int kernel_refuses)
{
	struct hxdp_obj *obj = NULL;
	char err[256] = "";
	int e, k;

	CHECK_EQ(obj_with_maps(p, &obj), 0);
	if (!obj)
		return;
	e = verify__prog(obj, &obj->progs[0], err, sizeof(err));
	obj__close(obj);
	if (!!e != refuse || (want && !strstr(err, want))) {
		fprintf(stderr, "  verifier: %s (wanted %s \"%s\")\n", e ? err : "accepted",
			refuse ? "refusal" : "acceptance", want ? want : "");
		t_failed++;
	}
	k = kernel_verdict(p);
	if (k == -ENOSYS)
		SKIP("bpf() is not available here: the kernel's verdict is unchecked");
	if (k != kernel_refuses) {
		fprintf(stderr, "  kernel %s, expected it to %s\n", k ? "refuses" : "accepts",
			kernel_refuses ? "refuse" : "accept");
		t_failed++;
	}
}

TEST(verify_packet_unchecked)
{
	struct vprog p = { .n = 0 };

	add_pkt(&p);
	add(&p, I_LDX_b, 0, 7, 12, 0);
	add_exit(&p, 2);
	expect(&p, 1, "insn 2: invalid access to packet", 1);
}

TEST(verify_packet_checked)
{
	struct vprog p = { .n = 0 };

	add_pkt(&p);
	add(&p, I_MOV64_X, 1, 7, 0, 0);
	add(&p, I_ADD64_K, 1, 0, 0, 14);
	add(&p, I_JGT_X, 1, 8, 1, 0);
	add(&p, I_LDX_h, 0, 7, 12, 0);
	add_exit(&p, 2);
	expect(&p, 0, NULL, 0);
}

TEST(verify_packet_past_check)
{
	struct vprog p = { .n = 0 };

	add_pkt(&p);
	add(&p, I_MOV64_X, 1, 7, 0, 0);
	add(&p, I_ADD64_K, 1, 0, 0, 14);
	add(&p, I_JGT_X, 1, 8, 1, 0);
	add(&p, I_LDX_w, 0, 7, 12, 0);	/* bytes 12..15 of a 14-byte check */
	add_exit(&p, 2);
	expect(&p, 1, "invalid access to packet, off=12 size=4", 1);
}

TEST(verify_loop_bounded)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_K, 0, 0, 0, 0);
	add(&p, I_ADD64_K, 0, 0, 0, 1);
	add(&p, I_JLT_K, 0, 0, -2, 10);
	add_exit(&p, 2);
	expect(&p, 0, NULL, 0);
}

TEST(verify_loop_infinite)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_K, 0, 0, 0, 0);
	add(&p, I_JEQ_K, 0, 0, -1, 0);
	add_exit(&p, 2);
	expect(&p, 1, "infinite loop detected at insn 1", 1);
}

TEST(verify_loop_unbounded)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_K, 0, 0, 0, 0);
	add(&p, I_ADD64_K, 0, 0, 0, 1);
	add(&p, I_JNE_K, 0, 0, -2, 0);	/* 2^64 iterations */
	add_exit(&p, 2);
	expect(&p, 1, "too large", 1);
}

TEST(verify_uninit_register)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_X, 0, 2, 0, 0);
	add(&p, I_EXIT, 0, 0, 0, 0);
	expect(&p, 1, "insn 0: R2 !read_ok", 1);
}

TEST(verify_uninit_r0_at_exit)
{
	struct vprog p = { .n = 0 };

	add(&p, I_EXIT, 0, 0, 0, 0);
	expect(&p, 1, "R0 !read_ok", 1);
}

/* the kernel lets root read uninitialized stack (allow_uninit_stack); hxdp does not:
 * its stack is zeroed, the kernel's is not, so results would differ */
TEST(verify_uninit_stack)
{
	struct vprog p = { .n = 0 };

	add(&p, I_LDX_dw, 0, 10, -8, 0);
	add(&p, I_AND64_K, 0, 0, 0, 3);
	add(&p, I_EXIT, 0, 0, 0, 0);
	expect(&p, 1, "invalid read from stack off -8+0 size 8", 0);
}

TEST(verify_helper_map_arg)
{
	struct vprog p = { .n = 0 };

	add(&p, I_ST_dw, 10, 0, -8, 0);
	add(&p, I_MOV64_K, 1, 0, 0, 5);		/* not a map */
	add(&p, I_MOV64_X, 2, 10, 0, 0);
	add(&p, I_ADD64_K, 2, 0, 0, -8);
	add(&p, I_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	add_exit(&p, 2);
	expect(&p, 1, "R1 type=scalar expected=map_ptr", 1);
}

TEST(verify_helper_key_uninit)
{
	struct vprog p = { .n = 0 };

	add_map(&p, 1, 0);
	add(&p, I_MOV64_X, 2, 10, 0, 0);
	add(&p, I_ADD64_K, 2, 0, 0, -8);
	add(&p, I_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	add_exit(&p, 2);
	expect(&p, 1, "invalid read from stack", 0);	/* root may, as above */
}

TEST(verify_helper_unknown)
{
	struct vprog p = { .n = 0 };

	add(&p, I_CALL, 0, 0, 0, 100000);
	add_exit(&p, 2);
	expect(&p, 1, "invalid func unknown#100000", 1);
}

TEST(verify_null_deref)
{
	struct vprog p = { .n = 0 };

	add(&p, I_ST_dw, 10, 0, -8, 0);
	add_map(&p, 1, 0);
	add(&p, I_MOV64_X, 2, 10, 0, 0);
	add(&p, I_ADD64_K, 2, 0, 0, -8);
	add(&p, I_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	add(&p, I_LDX_dw, 0, 0, 0, 0);		/* no null check */
	add_exit(&p, 2);
	expect(&p, 1, "R0 invalid mem access 'map_value_or_null'", 1);
}

static void lookup_checked(struct vprog *p, int map)
{
	add(p, I_ST_dw, 10, 0, -8, 0);
	add_map(p, 1, map);
	add(p, I_MOV64_X, 2, 10, 0, 0);
	add(p, I_ADD64_K, 2, 0, 0, -8);
	add(p, I_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	add(p, I_JEQ_K, 0, 0, 1, 0);
}

TEST(verify_map_value_ok)
{
	struct vprog p = { .n = 0 };

	lookup_checked(&p, 0);
	add(&p, I_ST_dw, 0, 0, 8, 7);
	add_exit(&p, 2);
	expect(&p, 0, NULL, 0);
}

TEST(verify_map_value_oob)
{
	struct vprog p = { .n = 0 };

	lookup_checked(&p, 0);
	add(&p, I_ST_dw, 0, 0, 12, 7);		/* bytes 12..19 of 16 */
	add_exit(&p, 2);
	expect(&p, 1, "invalid access to map value, value_size=16 off=12 size=8", 1);
}

TEST(verify_readonly_map_write)
{
	struct vprog p = { .n = 0 };

	lookup_checked(&p, 1);
	add(&p, I_ST_dw, 0, 0, 0, 7);
	add_exit(&p, 2);
	expect(&p, 1, "write into map forbidden", 1);
}

TEST(verify_readonly_map_read)
{
	struct vprog p = { .n = 0 };

	lookup_checked(&p, 1);
	add(&p, I_LDX_dw, 3, 0, 0, 0);
	add_exit(&p, 2);
	expect(&p, 0, NULL, 0);
}

TEST(verify_jump_out)
{
	struct vprog p = { .n = 0 };

	add(&p, I_JA, 0, 0, 5, 0);
	add_exit(&p, 2);
	expect(&p, 1, "jump out of range from insn 0 to 6", 1);
}

TEST(verify_lddw_split)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_K, 0, 0, 0, 0);
	add(&p, I_JEQ_K, 0, 0, 1, 0);		/* into the second slot */
	add_map(&p, 1, 0);
	add_exit(&p, 2);
	expect(&p, 1, "jump into the middle of ldimm64 insn 2", 1);
}

TEST(verify_lddw_truncated)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_K, 0, 0, 0, 2);
	add(&p, I_EXIT, 0, 0, 0, 0);
	isa_encode(I_LDDW, 1, 0, 0, 1, &p.in[p.n++]);	/* last slot: no second half */
	expect(&p, 1, "invalid bpf_ld_imm64 insn", 1);
}

TEST(verify_unknown_opcode)
{
	struct vprog p = { .n = 0 };

	p.in[p.n++] = (struct bpf_insn){ .code = 0xff };
	add_exit(&p, 2);
	expect(&p, 1, "insn 0: unknown opcode ff", 1);
}

TEST(verify_legacy_ld_abs)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_X, 6, 1, 0, 0);
	add(&p, I_LDABS_B, 0, 0, 0, 12);
	add_exit(&p, 2);
	expect(&p, 1, "BPF_LD_[ABS|IND] instructions not allowed", 1);
}

TEST(verify_frame_pointer_write)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_K, 10, 0, 0, 0);
	add_exit(&p, 2);
	expect(&p, 1, "frame pointer is read only", 1);
}

TEST(verify_ctx_write)
{
	struct vprog p = { .n = 0 };

	add(&p, I_ST_w, 1, 0, 0, 0);
	add_exit(&p, 2);
	expect(&p, 1, "ctx", 1);
}

TEST(verify_stack_oob)
{
	struct vprog p = { .n = 0 };

	add(&p, I_ST_dw, 10, 0, -520, 0);
	add_exit(&p, 2);
	expect(&p, 1, "invalid stack off=-520 size=8", 1);
}

TEST(verify_div_by_zero_imm)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_K, 0, 0, 0, 4);
	add(&p, I_DIV64_K, 0, 0, 0, 0);
	add(&p, I_EXIT, 0, 0, 0, 0);
	expect(&p, 1, "div by zero", 1);
}

/* root may return an address (the action is then garbage); hxdp refuses */
TEST(verify_return_pointer)
{
	struct vprog p = { .n = 0 };

	add(&p, I_MOV64_X, 0, 10, 0, 0);
	add(&p, I_EXIT, 0, 0, 0, 0);
	expect(&p, 1, "R0 leaks addr as return value", 0);
}

/* root may store pointers into maps; hxdp's addresses are not the kernel's */
TEST(verify_pointer_leak_into_map)
{
	struct vprog p = { .n = 0 };

	lookup_checked(&p, 0);
	add(&p, I_STX_dw, 0, 10, 0, 0);
	add_exit(&p, 2);
	expect(&p, 1, "R0 leaks addr into map", 0);
}

TEST(verify_helper_size_unbounded)
{
	struct vprog p = { .n = 0 };

	add_pkt(&p);
	add(&p, I_MOV64_X, 1, 7, 0, 0);
	add(&p, I_ADD64_K, 1, 0, 0, 8);
	add(&p, I_JGT_X, 1, 8, 8, 0);
	add(&p, I_LDX_w, 2, 7, 0, 0);		/* size from the packet */
	add(&p, I_MOV64_X, 1, 7, 0, 0);
	add(&p, I_MOV64_K, 3, 0, 0, 0);
	add(&p, I_MOV64_K, 4, 0, 0, 0);
	add(&p, I_MOV64_K, 5, 0, 0, 0);
	add(&p, I_CALL, 0, 0, 0, BPF_FUNC_csum_diff);
	add_exit(&p, 2);
	add_exit(&p, 1);
	expect(&p, 1, "R2", 1);
}

TEST(verify_packet_variable_offset)
{
	struct vprog p = { .n = 0 };

	add_pkt(&p);
	add(&p, I_MOV64_X, 1, 7, 0, 0);
	add(&p, I_ADD64_K, 1, 0, 0, 1);
	add(&p, I_JGT_X, 1, 8, 9, 0);
	add(&p, I_LDX_b, 2, 7, 0, 0);
	add(&p, I_AND64_K, 2, 0, 0, 63);
	add(&p, I_ADD64_X, 2, 7, 0, 0);		/* data + (pkt[0] & 63) */
	add(&p, I_MOV64_X, 3, 2, 0, 0);
	add(&p, I_ADD64_K, 3, 0, 0, 4);
	add(&p, I_JGT_X, 3, 8, 3, 0);
	add(&p, I_LDX_w, 0, 2, 0, 0);
	add(&p, I_AND64_K, 0, 0, 0, 1);
	add(&p, I_EXIT, 0, 0, 0, 0);
	add_exit(&p, 1);
	expect(&p, 0, NULL, 0);
}

TEST(verify_corpus_accepted)
{
	glob_t g;
	char err[512];

	if (glob("build/progs/*.o", 0, NULL, &g))
		SKIP("build/progs has no objects (make progs)");
	obj__libbpf_capture(NULL, 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		struct hxdp_obj *obj;

		if (obj__open(g.gl_pathv[k], &obj, err, sizeof(err)))
			continue;	/* the loader's own tests cover this */
		for (uint32_t i = 0; i < obj->nprogs; i++)
			if (verify__prog(obj, &obj->progs[i], err, sizeof(err))) {
				fprintf(stderr, "  %s: %s\n", g.gl_pathv[k], err);
				t_failed++;
			}
		obj__close(obj);
	}
	globfree(&g);
}

TEST(verify_atomic_misaligned)
{
	struct vprog p = { .n = 0 };

	lookup_checked(&p, 0);
	add(&p, I_MOV64_K, 1, 0, 0, 1);
	add(&p, I_Aadd64, 0, 1, 3, 0);		/* lock *(u64 *)(r0 + 3) += r1 */
	add_exit(&p, 2);
	expect(&p, 1, "misaligned value access off 0+3 size 8", 1);
}
