/* test_obj.c: the object loader and the maps json reader, on objects built here from
 * the C files in tests/unit/data and tests/bad (clang at test time) */
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "t.h"
#include "obj.h"
#include "maps.h"

#define TDIR "build/tdata"

/* compile tests/DIR/NAME.c for -mcpu=CPU into build/tdata/NAME.CPU.o; NULL if no clang */
static const char *build(const char *dir, const char *name, const char *cpu)
{
	static char out[256];
	char cmd[1024];

	mkdir("build", 0755);
	mkdir(TDIR, 0755);
	snprintf(out, sizeof(out), TDIR "/%s.%s.o", name, cpu);
	snprintf(cmd, sizeof(cmd), "clang -O2 -g -target bpf -mcpu=%s -Itests/progs -c "
		 "tests/%s/%s.c -o %s 2>/dev/null", cpu, dir, name, out);
	return system(cmd) == 0 ? out : NULL;
}

static struct hxdp_obj *open_ok(const char *path)
{
	struct hxdp_obj *obj = NULL;
	char err[512] = "";

	if (obj__open(path, &obj, err, sizeof(err)))
		fprintf(stderr, "  %s\n", err);
	return obj;
}

static int count_lddw(const struct hxdp_prog *p, int src, int32_t imm)
{
	int n = 0;

	for (uint32_t i = 0; i < p->ninsns; i++)
		if (p->insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && p->insns[i].src_reg == src &&
		    p->insns[i].imm == imm)
			n++;
	return n;
}

TEST(obj_btf_maps)
{
	static const char *const cpus[] = { "v1", "v2", "v3" };

	for (int c = 0; c < 3; c++) {
		const char *path = build("unit/data", "t_btfmaps", cpus[c]);
		struct hxdp_obj *obj;
		struct hxdp_map *m;

		if (!path)
			SKIP("clang -target bpf unavailable");
		obj = open_ok(path);
		CHECK(obj != NULL);
		if (!obj)
			return;
		CHECK_EQ(obj->nprogs, 1);
		CHECK_EQ(obj->nbmaps, 4);
		CHECK_EQ(obj->env.nmaps, 4);
		CHECK(!strcmp(obj->progs[0].name, "t_maps"));
		m = obj__map(obj, "t_hash");
		CHECK(m && m->type == BPF_MAP_TYPE_HASH && m->key_size == 4 &&
		      m->value_size == 4 && m->max_entries == 64);
		m = obj__map(obj, "t_percpu");
		CHECK(m && m->type == BPF_MAP_TYPE_PERCPU_ARRAY && m->ncpus == obj->env.ncpus);
		m = obj__map(obj, "t_lpm_with_a_long_name");
		CHECK(m && m->type == BPF_MAP_TYPE_LPM_TRIE && strlen(m->name) == 15);
		CHECK(m && m->btf_key_id && m->btf_value_id);
		for (int i = 0; i < 4; i++)
			CHECK(count_lddw(&obj->progs[0], BPF_PSEUDO_MAP_FD, i) >= 1);
		obj__close(obj);
	}
}

TEST(obj_global_data)
{
	const char *path = build("unit/data", "t_globals", "v3");
	struct hxdp_obj *obj;
	int data, rodata, bss;
	uint32_t zero = 0;
	uint8_t v[64];

	if (!path)
		SKIP("clang -target bpf unavailable");
	obj = open_ok(path);
	CHECK(obj != NULL);
	if (!obj)
		return;
	data = obj__map_idx(obj, ".data");
	rodata = obj__map_idx(obj, ".rodata");
	bss = obj__map_idx(obj, ".bss");
	CHECK(data >= 0 && rodata >= 0 && bss >= 0);
	if (data < 0 || rodata < 0 || bss < 0)
		goto out;
	CHECK(obj->env.maps[rodata]->rdonly_prog);
	CHECK(!obj->env.maps[data]->rdonly_prog);
	CHECK_EQ(obj->env.maps[data]->value_size, 12);
	CHECK_EQ(map__user_lookup(obj->env.maps[data], &zero, v), 0);
	CHECK_EQ(v[0], 5);			/* t_counter */
	CHECK_EQ(v[8], 0x44);			/* t_second */
	CHECK_EQ(map__user_lookup(obj->env.maps[rodata], &zero, v), 0);
	CHECK_EQ(v[0], XDP_TX);
	/* t_second is loaded through ld_imm64 .data + 8 */
	for (uint32_t i = 0, found = 0; i < obj->progs[0].ninsns; i++) {
		const struct bpf_insn *in = &obj->progs[0].insns[i];

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_MAP_VALUE &&
		    in->imm == data && in[1].imm == 8)
			found = 1;
		if (i + 1 == obj->progs[0].ninsns)
			CHECK(found);
	}
	CHECK(count_lddw(&obj->progs[0], BPF_PSEUDO_MAP_VALUE, bss) >= 1);
	CHECK(count_lddw(&obj->progs[0], BPF_PSEUDO_MAP_FD, data) == 0);
out:
	obj__close(obj);
}

/* every bpf-to-bpf call lands inside the program and on a function start */
static void check_calls(const struct hxdp_prog *p, uint32_t *ncalls)
{
	*ncalls = 0;
	for (uint32_t i = 0; i < p->ninsns; i++) {
		const struct bpf_insn *in = &p->insns[i];
		int64_t t = (int64_t)i + in->imm + 1;

		if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != BPF_PSEUDO_CALL)
			continue;
		(*ncalls)++;
		CHECK(t >= p->nsub && t < p->ninsns);
		/* the callee's first instruction follows an exit (functions are appended) */
		if (t > 0 && t < p->ninsns)
			CHECK_EQ(p->insns[t - 1].code, BPF_JMP | BPF_EXIT);
	}
}

TEST(obj_subprograms)
{
	static const char *const cpus[] = { "v1", "v3" };

	for (int c = 0; c < 2; c++) {
		const char *path = build("unit/data", "t_subprog", cpus[c]);
		struct hxdp_prog *a, *b;
		struct hxdp_obj *obj;
		uint32_t na, nb;

		if (!path)
			SKIP("clang -target bpf unavailable");
		obj = open_ok(path);
		CHECK(obj != NULL);
		if (!obj)
			return;
		CHECK_EQ(obj->nprogs, 2);
		a = obj__prog(obj, "t_sub_a");
		b = obj__prog(obj, "t_sub_b");
		CHECK(a && b);
		if (a && b) {
			CHECK(a->ninsns > a->nsub);
			CHECK(b->ninsns > b->nsub);
			check_calls(a, &na);
			check_calls(b, &nb);
			CHECK(na >= 3);	/* t_mid, t_global_fn, t_leaf twice */
			CHECK(nb >= 1);
			CHECK(b->ninsns < a->ninsns);	/* only t_leaf appended to b */
		}
		obj__close(obj);
	}
}

TEST(obj_several_programs)
{
	const char *path = build("unit/data", "t_multi", "v2");
	static const char *const names[] = { "t_first", "t_second", "t_third", "t_frags" };
	struct hxdp_obj *obj;

	if (!path)
		SKIP("clang -target bpf unavailable");
	obj = open_ok(path);
	CHECK(obj != NULL);
	if (!obj)
		return;
	CHECK_EQ(obj->nprogs, 4);
	CHECK_EQ(obj->env.nprogs, 4);
	for (int i = 0; i < 4; i++) {
		struct hxdp_prog *p = obj__prog(obj, names[i]);

		CHECK(p != NULL);
		if (p)
			CHECK_EQ(p->idx, obj__prog_idx(obj, names[i]));
	}
	CHECK(obj__prog(obj, NULL) == &obj->progs[0]);
	CHECK(obj__prog(obj, "nope") == NULL);
	obj__close(obj);
}

TEST(obj_map_in_map)
{
	const char *path = build("unit/data", "t_mapinmap", "v3");
	struct hxdp_obj *obj;
	struct hxdp_map *outer;
	char err[512] = "";
	uint32_t zero = 0, v = 99;

	if (!path)
		SKIP("clang -target bpf unavailable");
	obj = open_ok(path);
	CHECK(obj != NULL);
	if (!obj)
		return;
	outer = obj__map(obj, "t_outer");
	CHECK(outer != NULL);
	CHECK_EQ(obj->nbmaps, 2);
	CHECK_EQ(obj->env.nmaps, 3);	/* the inner template follows libbpf's maps */
	if (outer) {
		CHECK_EQ(outer->inner, 2);
		CHECK_EQ(obj__load_maps_json(obj, "tests/unit/data/t_mapinmap.maps.json", err,
					     sizeof(err)), 0);
		CHECK_EQ(map__user_lookup(outer, &zero, &v), 0);
		CHECK_EQ(v, (uint32_t)obj__map_idx(obj, "t_in0"));
	}
	obj__close(obj);
}

/* one line, naming the problem, and a negative return */
static void bad(const char *path, const char *want)
{
	struct hxdp_obj *obj = (void *)1;
	char err[512] = "";
	int e;

	if (!path)
		return;
	e = obj__open(path, &obj, err, sizeof(err));
	CHECK(e < 0);
	CHECK(obj == NULL);
	CHECK(err[0] && !strchr(err, '\n'));
	if (!strstr(err, want)) {
		t_failed++;
		fprintf(stderr, "  %s: error '%s' does not say '%s'\n", path, err, want);
	}
}

TEST(obj_refuses_bad_objects)
{
	const char *p = build("bad", "b_helper", "v3");

	if (!p)
		SKIP("clang -target bpf unavailable");
	bad(p, "helper 9999 is not supported");
	bad(build("bad", "b_maptype", "v3"), "map 'b_stacks': type stack_trace");
	bad(build("bad", "b_tc", "v3"), "prog 'b_classifier' in section 'tc' is not XDP");
	bad(build("bad", "b_core", "v3"), "CO-RE relocation is not supported");
	bad(build("unit/data", "t_legacy", "v3"), "legacy map definitions");
	bad("tests/unit/data/nonexistent.o", "No such file");
	bad("tests/unit/data/t_btfmaps.c", "not a valid ELF file");
}

TEST(obj_from_insns)
{
	struct bpf_insn prog[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct hxdp_obj *obj;
	char err[128];

	CHECK_EQ(obj__from_insns(prog, 2, &obj, err, sizeof(err)), 0);
	CHECK_EQ(obj->nprogs, 1);
	CHECK_EQ(obj->progs[0].ninsns, 2);
	CHECK(!memcmp(obj->progs[0].insns, prog, sizeof(prog)));
	obj__close(obj);
	CHECK(obj__from_insns(prog, 0, &obj, err, sizeof(err)) < 0);
}

static int json_err(struct hxdp_obj *obj, const char *text, char *err, size_t len)
{
	char path[] = "/tmp/hxdp-mj-XXXXXX";
	int fd = mkstemp(path), e;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	err[0] = 0;
	e = obj__load_maps_json(obj, path, err, len);
	unlink(path);
	return e;
}

TEST(maps_json)
{
	const char *path = build("unit/data", "t_btfmaps", "v3");
	struct hxdp_obj *obj;
	uint8_t v[4096];
	uint32_t one = 1;
	char err[512];

	if (!path)
		SKIP("clang -target bpf unavailable");
	obj = open_ok(path);
	CHECK(obj != NULL);
	if (!obj)
		return;
	CHECK_EQ(obj__load_maps_json(obj, "tests/unit/data/t_btfmaps.maps.json", err,
				     sizeof(err)), 0);
	/* a per-CPU value given for one CPU is every CPU's */
	CHECK_EQ(map__user_lookup(obj__map(obj, "t_percpu"), &one, v), 0);
	for (uint32_t c = 0; c < obj->env.ncpus; c++)
		CHECK_EQ(v[c * 8], 5);
	CHECK(json_err(obj, "{\"maps\":[{\"name\":\"t_hash\",\"entries\":[{\"key\":\"01\","
		       "\"value\":\"00 00 00 00\"}]}]}", err, sizeof(err)) < 0);
	CHECK(strstr(err, "map 't_hash' entry 0: key must be 4 hex bytes") != NULL);
	CHECK(json_err(obj, "{\"maps\":[{\"name\":\"nope\"}]}", err, sizeof(err)) < 0);
	CHECK(strstr(err, "no map 'nope'") != NULL);
	CHECK(json_err(obj, "{\"maps\":[{\"name\":\"t_hash\",\"entries\":[{\"key\":\"01 00 00 00\","
		       "\"value\":\"zz\"}]}]}", err, sizeof(err)) < 0);
	CHECK(strstr(err, "entry 0: value is not hex") != NULL);
	CHECK(json_err(obj, "{\"maps\":[], \"nondet\":[{\"map\":\"t_hash\",\"offset\":2,"
		       "\"len\":4}]}", err, sizeof(err)) < 0);
	CHECK(strstr(err, "nondet[0]") != NULL);
	CHECK(json_err(obj, "{\"maps\": [", err, sizeof(err)) < 0);
	CHECK(err[0] && !strchr(err, '\n'));
	CHECK_EQ(json_err(obj, "{\"maps\":[], \"nondet\":[{\"map\":\"t_array\",\"offset\":0,"
			  "\"len\":8,\"why\":\"t\"}]}", err, sizeof(err)), 0);
	CHECK_EQ(obj->nnondet, 1);
	obj__close(obj);
}

TEST(obj_static_slots)
{
	const char *path = build("unit/data", "t_slots", "v3");
	struct hxdp_obj *obj;
	uint32_t k, v;

	if (!path)
		SKIP("clang -target bpf unavailable");
	obj = open_ok(path);
	CHECK(obj != NULL);
	if (!obj)
		return;
	k = 1;
	CHECK_EQ(map__user_lookup(obj__map(obj, "t_outer"), &k, &v), 0);
	CHECK_EQ(v, obj__map_idx(obj, "t_in_b"));
	k = 3;
	CHECK_EQ(map__user_lookup(obj__map(obj, "t_outer"), &k, &v), 0);
	CHECK_EQ(v, obj__map_idx(obj, "t_in_a"));
	k = 0;
	CHECK(map__user_lookup(obj__map(obj, "t_outer"), &k, &v) < 0);
	k = 2;
	CHECK_EQ(map__user_lookup(obj__map(obj, "t_jmp"), &k, &v), 0);
	CHECK_EQ(v, obj__prog_idx(obj, "t_target"));
	obj__close(obj);
}
