/* mkbad.c: malformed objects from a good one, for the loader tests.
 * Usage: mkbad GOOD.o OUTDIR. Writes trunc_hdr.o, trunc_half.o, garbage.o (ELF magic,
 * then deterministic junk), reloc_sym.o (a program relocation against symbol 65535) and
 * reloc_off.o (a program relocation at an offset past its section) and btf_name.o (the
 * first BTF type names a string past the string section), and flip_00.o .. flip_63.o:
 * 1 to 8 bytes anywhere replaced (deterministic), which must load or be refused, never
 * crash. */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		return 1;
	}
	return fclose(f) != 0;
}

/* the first relocation entry of a section that relocates code */
static Elf64_Rel *first_code_rel(uint8_t *img, size_t n)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh;

	if (n < sizeof(*eh) || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > n)
		return NULL;
	sh = (Elf64_Shdr *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_REL && sh[i].sh_info < eh->e_shnum &&
		    (sh[sh[i].sh_info].sh_flags & SHF_EXECINSTR) && sh[i].sh_size)
			return (Elf64_Rel *)(img + sh[i].sh_offset);
	return NULL;
}

/* the first type record of .BTF */
static uint32_t *first_btf_type(uint8_t *img, size_t n)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + eh->e_shoff);
	const char *names = (const char *)img + sh[eh->e_shstrndx].sh_offset;
	uint32_t *h;

	for (int i = 0; i < eh->e_shnum; i++) {
		if (strcmp(names + sh[i].sh_name, ".BTF") || sh[i].sh_offset + 24 > n)
			continue;
		h = (uint32_t *)(img + sh[i].sh_offset);	/* magic, hdr_len, type_off */
		return (uint32_t *)(img + sh[i].sh_offset + h[1] + h[2]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint8_t *img, *bad;
	uint32_t x = 2463534242u;
	Elf64_Rel *r;
	FILE *f;
	long n;
	int e = 0;

	if (argc != 3 || !(f = fopen(argv[1], "rb")))
		return fprintf(stderr, "usage: mkbad GOOD.o OUTDIR\n"), 2;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	img = malloc(n);
	bad = malloc(n);
	if (!img || !bad || fread(img, 1, n, f) != (size_t)n)
		return fprintf(stderr, "mkbad: cannot read %s\n", argv[1]), 2;
	fclose(f);
	e |= put(argv[2], "trunc_hdr.o", img, 40);
	e |= put(argv[2], "trunc_half.o", img, n / 2);
	memcpy(bad, img, 16);
	for (long i = 16; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		bad[i] = (uint8_t)x;
	}
	e |= put(argv[2], "garbage.o", bad, n);
	memcpy(bad, img, n);
	r = first_code_rel(bad, n);
	if (!r)
		return fprintf(stderr, "mkbad: %s has no code relocation\n", argv[1]), 2;
	r->r_info = ELF64_R_INFO(65535, ELF64_R_TYPE(r->r_info));
	e |= put(argv[2], "reloc_sym.o", bad, n);
	memcpy(bad, img, n);
	r = first_code_rel(bad, n);
	r->r_offset = 0x100000;
	e |= put(argv[2], "reloc_off.o", bad, n);
	memcpy(bad, img, n);
	if (!first_btf_type(bad, n))
		return fprintf(stderr, "mkbad: %s has no .BTF\n", argv[1]), 2;
	first_btf_type(bad, n)[0] = 0x7ffffff0;
	e |= put(argv[2], "btf_name.o", bad, n);
	for (int f = 0; f < 64; f++) {
		char name[32];

		memcpy(bad, img, n);
		for (int k = 0; k <= f % 8; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			bad[x % n] = (uint8_t)(x >> 8);
		}
		snprintf(name, sizeof(name), "flip_%02d.o", f);
		e |= put(argv[2], name, bad, n);
	}
	free(img);
	free(bad);
	return e;
}
