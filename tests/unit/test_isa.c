/* test_isa.c: the table decodes what it encodes, and nothing is listed twice */
#include "t.h"
#include "insn.h"

TEST(isa_roundtrip)
{
	for (int i = 0; i < I_COUNT; i++) {
		struct bpf_insn in;

		CHECK(isa_encode(i, 1, 2, isa_info[i].sel == S_OFF ? 0 : 3, 7, &in) == 0);
		if (isa_decode(&in) != i)
			fprintf(stderr, "  %s decodes as %d\n", isa_info[i].id, isa_decode(&in));
		CHECK(isa_decode(&in) == i);
	}
}

TEST(isa_unique_mnemonics)
{
	for (int i = 0; i < I_COUNT; i++)
		for (int j = i + 1; j < I_COUNT; j++)
			CHECK(strcmp(isa_info[i].mnem, isa_info[j].mnem) ||
			      isa_info[i].form != isa_info[j].form);
}

TEST(isa_undefined_opcodes)
{
	struct bpf_insn in = { .code = 0xff };

	CHECK(isa_decode(&in) < 0);
	in.code = 0x07; in.off = 1;	/* add64 with a nonzero offset is not defined */
	CHECK(isa_decode(&in) < 0);
}

TEST(isa_access_sizes)
{
	CHECK_EQ(isa_access_size(I_LDX_b), 1);
	CHECK_EQ(isa_access_size(I_STX_dw), 8);
	CHECK_EQ(isa_access_size(I_Acmpxchg32), 4);
	CHECK_EQ(isa_access_size(I_LDX6), 6);
	CHECK_EQ(isa_access_size(I_LDXSPEC_6), 6);
	CHECK_EQ(isa_access_size(I_LDXSPEC_h), 2);
	CHECK_EQ(isa_access_size(I_ANZadd32), 4);
	CHECK_EQ(isa_access_size(I_ANZxor64), 8);
	CHECK_EQ(isa_access_size(I_ADD64_K), 0);
}
