/* cmd_asm.c: hxdp asm (conformance text format -> instruction words) and hxdp disasm
 * (clang .o, raw .bin, assembler text, or a compiled image -> llvm-objdump syntax) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "asm.h"
#include "cli.h"

/* the VLIW image module (image.c) disassembles its own files when it is linked in */
int image__disasm_file(const char *path, FILE *out, int json) __attribute__((weak));

static int write_words(const char *out, const struct bpf_insn *in, uint32_t n)
{
	FILE *f = fopen(out, "wb");

	if (!f)
		return cli_error("%s: %s", out, strerror(errno));
	if (fwrite(in, sizeof(*in), n, f) != n || fclose(f)) {
		if (f)
			fclose(f);
		return cli_error("%s: write failed", out);
	}
	return EXIT_OK;
}

static void print_words(struct cli *c, const struct bpf_insn *in, uint32_t n)
{
	json_object *a = c->json ? json_object_new_array() : NULL;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t w;
		char s[24];

		memcpy(&w, &in[i], sizeof(w));
		snprintf(s, sizeof(s), "0x%016llx", (unsigned long long)w);
		if (a)
			json_object_array_add(a, json_object_new_string(s));
		else
			printf("%s\n", s);
	}
	if (a) {
		printf("%s\n", json_object_to_json_string_ext(a, c->pretty ?
			JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN));
		json_object_put(a);
	}
}

static int do_asm(struct cli *c, int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	struct asm_prog p;
	char err[256];
	int e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o")) {
			if (++i == argc)
				return cli_error("asm: -o needs a file");
			out = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_error("asm: unknown option '%s'", argv[i]);
		} else if (in) {
			return cli_error("asm: one input file only");
		} else {
			in = argv[i];
		}
	}
	if (!in)
		return cli_usage(&cmd_asm);
	if (asm__parse_file(in, &p, err, sizeof(err)))
		return cli_error("%s", err);
	if (!p.n) {
		asm__free(&p);
		return cli_error("%s: no instructions", in);
	}
	e = EXIT_OK;
	if (out)
		e = write_words(out, p.insns, p.n);
	else
		print_words(c, p.insns, p.n);
	asm__free(&p);
	return e;
}

const struct cli_cmd cmd_asm = {
	.name = "asm",
	.fn = do_asm,
	.usage =
	"asm IN.s [-o OUT.bin] [-j]\n"
	"\n"
	"Assemble IN.s, written in the conformance suite's syntax (mov %r0, 1; ldxw %r0,\n"
	"[%r1+4]; jeq %r1, 2, label; lock add [%r10-8], %r1; lddw; call local; labels;\n"
	"# comments); a .data file's -- asm section is used. Writes the raw 8-byte\n"
	"instruction words to OUT.bin, or prints them in hex (-j: a JSON array).\n",
};

/* ---- disasm ---- */

static json_object *prog_json(const char *name, const char *sec, const struct bpf_insn *in,
			      uint32_t n, int flags)
{
	json_object *j = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(j, "name", json_object_new_string(name));
	if (sec)
		json_object_object_add(j, "section", json_object_new_string(sec));
	for (uint32_t pc = 0; pc < n; ) {
		json_object *o = json_object_new_object();
		char text[160];
		int k = disasm__insn(&in[pc], n - pc, pc, name, flags, text, sizeof(text));

		json_object_object_add(o, "pc", json_object_new_int(pc));
		json_object_object_add(o, "text", json_object_new_string(text));
		json_object_array_add(a, o);
		pc += k < 0 ? 1 : k;
	}
	json_object_object_add(j, "insns", a);
	return j;
}

static void show(struct cli *c, json_object *all, const char *name, const char *sec,
		 const struct bpf_insn *in, uint32_t n, int flags)
{
	if (all) {
		json_object_array_add(all, prog_json(name, sec, in, n, flags));
		return;
	}
	if (sec)
		printf("\nDisassembly of section %s:\n", sec);
	printf("\n%016x <%s>:\n", 0, name);
	disasm__prog(stdout, name, in, n, flags);
	(void)c;
}

static int dis_elf(struct cli *c, json_object *all, const char *path, int flags)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	long e = libbpf_get_error(o);

	if (!o || e)
		return cli_error("%s: cannot open BPF object: %s", path,
				 strerror(e ? (int)-e : errno));
	bpf_object__for_each_program(p, o)
		show(c, all, bpf_program__name(p), bpf_program__section_name(p),
		     bpf_program__insns(p), bpf_program__insn_cnt(p), flags);
	bpf_object__close(o);
	return EXIT_OK;
}

static int dis_text(struct cli *c, json_object *all, const char *path, int flags)
{
	struct asm_prog p;
	char err[256];

	if (asm__parse_file(path, &p, err, sizeof(err)))
		return cli_error("%s", err);
	show(c, all, "prog", NULL, p.has_asm ? p.insns : p.raw, p.has_asm ? p.n : p.nraw,
	     flags);
	asm__free(&p);
	return EXIT_OK;
}

static int dis_raw(struct cli *c, json_object *all, const char *path, const uint8_t *b,
		   long len, int flags)
{
	if (len % 8)
		return cli_error("%s: %ld bytes is not a whole number of instructions", path,
				 len);
	show(c, all, "prog", NULL, (const struct bpf_insn *)b, len / 8, flags);
	return EXIT_OK;
}

static int read_all(const char *path, uint8_t **buf, long *len)
{
	FILE *f = fopen(path, "rb");

	*buf = NULL;
	if (!f)
		return cli_error("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (*len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(*buf = malloc(*len + 1)) || fread(*buf, 1, *len, f) != (size_t)*len) {
		fclose(f);
		free(*buf);
		return cli_error("%s: cannot read", path);
	}
	fclose(f);
	return 0;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static int dis_file(struct cli *c, json_object *all, const char *path, int flags)
{
	uint8_t *b;
	long len = 0;
	int e;

	if ((e = read_all(path, &b, &len)))
		return e;
	if (len >= 4 && !memcmp(b, "\177ELF", 4))
		e = dis_elf(c, all, path, flags);
	else if (len >= 4 && !memcmp(b, "HXDP", 4))
		e = image__disasm_file ? image__disasm_file(path, stdout, c->json) :
			cli_error("%s: images not supported in this build", path);
	else if (has_suffix(path, ".s") || has_suffix(path, ".data"))
		e = dis_text(c, all, path, flags);
	else
		e = dis_raw(c, all, path, b, len, flags);
	free(b);
	return e;
}

static int do_disasm(struct cli *c, int argc, char **argv)
{
	json_object *all = c->json ? json_object_new_array() : NULL;
	int flags = 0, files = 0, e = EXIT_OK;

	for (int i = 1; i < argc && !e; i++) {
		if (!strcmp(argv[i], "--hex")) {
			flags |= DIS_HEX;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			e = cli_error("disasm: unknown option '%s'", argv[i]);
		}
	}
	for (int i = 1; i < argc && !e; i++)
		if (argv[i][0] != '-') {
			files++;
			e = dis_file(c, all, argv[i], flags);
		}
	if (!e && !files)
		e = cli_usage(&cmd_disasm);
	if (all && !e)
		printf("%s\n", json_object_to_json_string_ext(all, c->pretty ?
			JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN));
	json_object_put(all);
	return e;
}

const struct cli_cmd cmd_disasm = {
	.name = "disasm",
	.fn = do_disasm,
	.usage =
	"disasm FILE... [--hex] [-j]\n"
	"\n"
	"Disassemble in llvm-objdump's syntax: a clang BPF object (every program, its\n"
	"section's instructions as compiled), a raw .bin of 8-byte instruction words,\n"
	"assembler text (.s, .data) or a compiled hxdp image. --hex prints immediates and\n"
	"offsets in hex (newer llvm-objdump); the default matches llvm-objdump 14.\n",
};
