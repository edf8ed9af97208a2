/* test_dev_ctl.c: the control side's pure parts: hex coding, socket paths, --dev,
 * BTF-formatted values */
#include <errno.h>
#include <stdlib.h>
#include <bpf/btf.h>
#include <json-c/json.h>
#include "t.h"
#include "btf_json.h"
#include "ctl.h"

TEST(ctl_hex_roundtrip_and_errors)
{
	uint8_t in[5] = { 0x0a, 0, 0xff, 0x10, 0x7f }, out[8];
	char *h = ctl__hex(in, sizeof(in));
	size_t n = 0;

	CHECK(h && !strcmp(h, "0a00ff107f"));
	CHECK(ctl__unhex(h, out, sizeof(out), &n) == 0);
	CHECK_EQ(n, 5);
	CHECK(!memcmp(in, out, 5));
	CHECK(ctl__unhex("0A0b", out, sizeof(out), &n) == 0 && out[0] == 10 && out[1] == 11);
	CHECK(ctl__unhex("abc", out, sizeof(out), &n) == -EINVAL);	/* odd */
	CHECK(ctl__unhex("zz", out, sizeof(out), &n) == -EINVAL);
	CHECK(ctl__unhex("000000000000000000", out, sizeof(out), &n) == -EINVAL);	/* 9 > 8 */
	free(h);
}

TEST(ctl_paths_and_dev_argument)
{
	char p[108], *argv[] = { "map", "--dev", "nic1", "dump", "--dev=nic2", "id", "3", NULL };
	int argc = 7;

	setenv("HXDP_RUNDIR", "/tmp/rd", 1);
	CHECK(ctl__sock_path("nic0", p, sizeof(p)) == 0 && !strcmp(p, "/tmp/rd/nic0.sock"));
	unsetenv("HXDP_RUNDIR");
	CHECK(ctl__sock_path("nic0", p, sizeof(p)) == 0 && !strcmp(p, "/run/hxdp/nic0.sock"));
	memset(p, 'x', 100);
	p[100] = 0;
	{
		char q[200];

		CHECK(ctl__sock_path(p, q, sizeof(q)) == -ENAMETOOLONG);
	}
	CHECK(!strcmp(ctl__take_dev(&argc, argv), "nic2"));
	CHECK_EQ(argc, 4);
	CHECK(!strcmp(argv[1], "dump") && !strcmp(argv[2], "id") && argv[4] == NULL);
}

TEST(btf_json_formats_like_bpftool)
{
	struct btf *b = btf__new_empty();
	int u32, s16, ch, arr, st, en, bl;
	struct {
		uint32_t a;
		int16_t s;
		char name[6];
		uint32_t e;
		uint8_t flag;
	} __attribute__((packed)) v = { 7, -2, "eth0", 1, 1 };
	struct json_object *o;
	const char *s;

	u32 = btf__add_int(b, "unsigned int", 4, 0);
	s16 = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
	ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	bl = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	arr = btf__add_array(b, u32, ch, 6);
	en = btf__add_enum(b, "color", 4);
	btf__add_enum_value(b, "RED", 0);
	btf__add_enum_value(b, "GREEN", 1);
	st = btf__add_struct(b, "val", sizeof(v));
	btf__add_field(b, "a", u32, 0, 0);
	btf__add_field(b, "s", s16, 32, 0);
	btf__add_field(b, "name", arr, 48, 0);
	btf__add_field(b, "e", en, 96, 0);
	btf__add_field(b, "flag", bl, 128, 0);
	CHECK(st > 0);
	o = btf_json__value(b, (uint32_t)st, &v, sizeof(v));
	s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "";
	CHECK(!strcmp(s, "{\"a\":7,\"s\":-2,\"name\":\"eth0\",\"e\":\"GREEN\",\"flag\":true}"));
	if (strcmp(s, "{\"a\":7,\"s\":-2,\"name\":\"eth0\",\"e\":\"GREEN\",\"flag\":true}"))
		fprintf(stderr, "  got %s\n", s);
	json_object_put(o);
	CHECK(btf_json__value(b, (uint32_t)st, &v, 3) == NULL);	/* too short */
	CHECK(btf_json__value(NULL, 1, &v, sizeof(v)) == NULL);
	btf__free(b);
}
