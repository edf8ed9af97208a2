/* obj.c: XDP objects as clang makes them.
 *
 * libbpf opens the object (never loads it) and gives the programs, the maps with their
 * definitions, BTF and global data images. libbpf 1.1 relocates instructions only at
 * load time, so the relocations themselves are done here from the ELF (.rel<section>,
 * via libelf), the way libbpf does them: map and map-value references, bpf-to-bpf calls
 * (callee functions appended after the program), subprogram addresses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gelf.h>
#include <libelf.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include "obj.h"
#include "maps.h"
#include "helpers.h"
#include "fib.h"
#include "verify.h"

#define INSN_SZ sizeof(struct bpf_insn)
#define R_BPF_64_64 1
#define R_BPF_64_ABS64 2
#define R_BPF_64_ABS32 3
#define R_BPF_64_NODYLD32 4
#define R_BPF_64_32 10

/* ---- libbpf's messages ------------------------------------------------------- */

/* libbpf prints through one process-wide callback without a user pointer: the
 * capture buffer is per thread so concurrent users (tests) do not mix messages */
static __thread char *lb_buf;
static __thread size_t lb_len;

/* the verifier's reason: the last log line before "processed N insns" */
static void lb_verifier(const char *log)
{
	const char *end = strstr(log, "\nprocessed "), *b;
	size_t n = strlen(lb_buf);

	if (!end)
		end = strstr(log, "-- END PROG LOAD LOG --");
	if (!end || strstr(lb_buf, "verifier:"))
		return;
	while (end > log && end[-1] == '\n')
		end--;
	for (b = end; b > log && b[-1] != '\n'; b--)
		;
	if (end > b && n + 16 < lb_len)
		snprintf(lb_buf + n, lb_len - n, " (verifier: %.*s)", (int)(end - b), b);
}

static int lb_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	const char *m;
	size_t n;

	if (level != LIBBPF_WARN || !lb_buf || vasprintf(&msg, fmt, ap) < 0)
		return 0;
	if (lb_buf[0]) {
		if (strstr(msg, "BEGIN PROG LOAD LOG"))	/* verifier logs can be long */
			lb_verifier(msg);
		free(msg);
		return 0;
	}
	m = msg;
	if (!strncmp(m, "libbpf: ", 8))
		m += 8;
	snprintf(lb_buf, lb_len, "%s", m);
	free(msg);
	n = strlen(lb_buf);
	while (n && (lb_buf[n - 1] == '\n' || lb_buf[n - 1] == ' '))
		lb_buf[--n] = 0;
	return 0;
}

void obj__libbpf_capture(char *buf, size_t len)
{
	lb_buf = buf;
	lb_len = len;
	if (buf && len)
		buf[0] = 0;
	libbpf_set_print(lb_print);
}

/* ---- the ELF side -------------------------------------------------------------- */

struct elf_file {
	int fd;
	Elf *elf;
	size_t shstrndx, nsec;
	Elf_Data *syms;		/* .symtab */
	size_t nsyms, strndx;
};

static const char *sec_name(struct elf_file *ef, size_t idx)
{
	Elf_Scn *scn = elf_getscn(ef->elf, idx);
	GElf_Shdr sh;
	const char *n;

	if (!scn || !gelf_getshdr(scn, &sh))
		return NULL;
	n = elf_strptr(ef->elf, ef->shstrndx, sh.sh_name);
	return n;
}

static int sec_hdr(struct elf_file *ef, size_t idx, GElf_Shdr *sh)
{
	Elf_Scn *scn = elf_getscn(ef->elf, idx);

	return scn && gelf_getshdr(scn, sh) ? 0 : -EINVAL;
}

static Elf_Data *sec_data(struct elf_file *ef, size_t idx)
{
	Elf_Scn *scn = elf_getscn(ef->elf, idx);

	return scn ? elf_getdata(scn, NULL) : NULL;
}

static const char *sym_name(struct elf_file *ef, const GElf_Sym *s)
{
	const char *n;

	if (GELF_ST_TYPE(s->st_info) == STT_SECTION)
		return sec_name(ef, s->st_shndx);
	n = elf_strptr(ef->elf, ef->strndx, s->st_name);
	return n ? n : "?";
}

/* every section header and section inside the file */
static int elf_file__bounds(struct elf_file *ef, const char *path, char *err, size_t errlen)
{
	size_t size = 0;
	GElf_Ehdr eh;

	elf_rawfile(ef->elf, &size);
	if (!gelf_getehdr(ef->elf, &eh) || eh.e_machine != EM_BPF) {
		snprintf(err, errlen, "%s: not a BPF ELF object", path);
		return -EINVAL;
	}
	if (eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize > size) {
		snprintf(err, errlen, "%s: truncated ELF: section headers end at %llu, the file "
			 "has %zu bytes", path,
			 (unsigned long long)(eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize),
			 size);
		return -EINVAL;
	}
	for (size_t i = 1; i < ef->nsec; i++) {
		GElf_Shdr sh;

		if (sec_hdr(ef, i, &sh) || (sh.sh_type != SHT_NOBITS &&
					    sh.sh_offset + sh.sh_size > size)) {
			snprintf(err, errlen, "%s: truncated ELF: section %zu ends past the "
				 "file's %zu bytes", path, i, size);
			return -EINVAL;
		}
	}
	return 0;
}

/* every function inside its section (libbpf 1.1 adds offset and size unchecked, and
 * looks at symbol 0 too) */
static int elf_file__funcs_ok(struct elf_file *ef, const char *path, char *err,
			      size_t errlen)
{
	for (size_t i = 0; i < ef->nsyms; i++) {
		GElf_Shdr sh;
		GElf_Sym s;

		if (!gelf_getsym(ef->syms, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
		    s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE)
			continue;
		if (s.st_shndx >= ef->nsec || sec_hdr(ef, s.st_shndx, &sh) ||
		    s.st_value > sh.sh_size || s.st_size > sh.sh_size - s.st_value) {
			snprintf(err, errlen, "%s: function '%s' lies outside its section",
				 path, sym_name(ef, &s));
			return -EINVAL;
		}
	}
	return 0;
}

static int elf_file__open(struct elf_file *ef, const char *path, char *err, size_t errlen)
{
	memset(ef, 0, sizeof(*ef));
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	elf_version(EV_CURRENT);
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF ||
	    elf_getshdrstrndx(ef->elf, &ef->shstrndx) || elf_getshdrnum(ef->elf, &ef->nsec)) {
		int le = elf_errno();

		if (le)
			snprintf(err, errlen, "%s: not a valid ELF file (%s)", path, elf_errmsg(le));
		else
			snprintf(err, errlen, "%s: not a valid ELF file (no ELF header)", path);
		return -EINVAL;
	}
	if (elf_file__bounds(ef, path, err, errlen))
		return -EINVAL;
	for (size_t i = 1; i < ef->nsec; i++) {
		GElf_Shdr sh;

		if (sec_hdr(ef, i, &sh)) {
			snprintf(err, errlen, "%s: ELF section %zu: bad header", path, i);
			return -EINVAL;
		}
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		ef->syms = sec_data(ef, i);
		if (!ef->syms || !sh.sh_entsize) {
			snprintf(err, errlen, "%s: ELF symbol table truncated", path);
			return -EINVAL;
		}
		ef->nsyms = ef->syms->d_size / sh.sh_entsize;
		ef->strndx = sh.sh_link;
	}
	if (!ef->syms) {
		snprintf(err, errlen, "%s: ELF has no symbol table", path);
		return -EINVAL;
	}
	return elf_file__funcs_ok(ef, path, err, errlen);
}

static void elf_file__close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd > 0)
		close(ef->fd);
}

/* the function symbol of section shndx that holds instruction idx */
static int func_at(struct elf_file *ef, size_t shndx, uint32_t idx, GElf_Sym *out)
{
	for (size_t i = 1; i < ef->nsyms; i++) {
		GElf_Sym s;

		if (!gelf_getsym(ef->syms, i, &s) || s.st_shndx != shndx ||
		    GELF_ST_TYPE(s.st_info) != STT_FUNC)
			continue;
		if (s.st_value <= (uint64_t)idx * INSN_SZ &&
		    (uint64_t)idx * INSN_SZ < s.st_value + s.st_size) {
			*out = s;
			return 0;
		}
	}
	return -ENOENT;
}

static int func_named(struct elf_file *ef, const char *sec, const char *name, GElf_Sym *out)
{
	for (size_t i = 1; i < ef->nsyms; i++) {
		GElf_Sym s;
		const char *sn;

		if (!gelf_getsym(ef->syms, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC)
			continue;
		sn = sec_name(ef, s.st_shndx);
		if (sn && !strcmp(sn, sec) && !strcmp(sym_name(ef, &s), name)) {
			*out = s;
			return 0;
		}
	}
	return -ENOENT;
}

/* the SHT_REL section that applies to section shndx, NULL if none */
static Elf_Data *rel_for(struct elf_file *ef, size_t shndx, size_t *nrel)
{
	for (size_t i = 1; i < ef->nsec; i++) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (sec_hdr(ef, i, &sh) || sh.sh_type != SHT_REL || sh.sh_info != shndx)
			continue;
		d = sec_data(ef, i);
		*nrel = d && sh.sh_entsize ? d->d_size / sh.sh_entsize : 0;
		return d;
	}
	*nrel = 0;
	return NULL;
}

/* ---- relocation of one program ------------------------------------------------- */

struct placed {
	size_t shndx;
	uint32_t start, len;	/* in instructions, within the section */
	uint32_t pos;		/* in the program */
};

struct build {
	struct hxdp_obj *obj;
	struct elf_file *ef;
	struct hxdp_prog *prog;
	struct bpf_insn *insns;
	uint32_t n, cap;
	struct placed *fn;
	uint32_t nfn, capfn;
	char *err;
	size_t errlen;
};

static int fail(struct build *b, uint32_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct build *b, uint32_t pos, const char *fmt, ...)
{
	int k = snprintf(b->err, b->errlen, "%s: prog '%s' (section '%s') insn %u: ",
			 b->obj->path, b->prog->name, b->prog->sec, pos);
	va_list ap;

	if (k < 0 || (size_t)k >= b->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(b->err + k, b->errlen - k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* append the function of section shndx holding instruction idx (once); returns its
 * program position of idx, or negative */
static int64_t place(struct build *b, size_t shndx, int64_t idx, uint32_t from)
{
	GElf_Shdr sh;
	GElf_Sym fs;
	Elf_Data *d;
	uint32_t start, len;

	if (sec_hdr(b->ef, shndx, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
		return fail(b, from, "call into section %zu, which holds no code", shndx);
	if (idx < 0 || (uint64_t)idx >= sh.sh_size / INSN_SZ)
		return fail(b, from, "call target %lld outside section '%s'", (long long)idx,
			    sec_name(b->ef, shndx));
	for (uint32_t i = 0; i < b->nfn; i++) {
		struct placed *p = &b->fn[i];

		if (p->shndx == shndx && idx >= p->start && idx < p->start + p->len)
			return p->pos + (idx - p->start);
	}
	if (func_at(b->ef, shndx, idx, &fs))
		return fail(b, from, "call target %lld in section '%s' is not in a function",
			    (long long)idx, sec_name(b->ef, shndx));
	start = fs.st_value / INSN_SZ;
	len = fs.st_size / INSN_SZ;
	d = sec_data(b->ef, shndx);
	if (!d || d->d_size < (start + (uint64_t)len) * INSN_SZ || fs.st_value % INSN_SZ)
		return fail(b, from, "function '%s' outside section '%s'", sym_name(b->ef, &fs),
			    sec_name(b->ef, shndx));
	if (b->n + len > b->cap) {
		uint32_t cap = (b->n + len) * 2;
		struct bpf_insn *ni = realloc(b->insns, cap * INSN_SZ);

		if (!ni)
			return -ENOMEM;
		b->insns = ni;
		b->cap = cap;
	}
	if (b->nfn == b->capfn) {
		uint32_t cap = b->capfn ? b->capfn * 2 : 8;
		struct placed *nf = realloc(b->fn, cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		b->fn = nf;
		b->capfn = cap;
	}
	memcpy(b->insns + b->n, (uint8_t *)d->d_buf + start * INSN_SZ, len * INSN_SZ);
	b->fn[b->nfn++] = (struct placed){ shndx, start, len, b->n };
	b->n += len;
	return b->fn[b->nfn - 1].pos + (idx - start);
}

static int is_lddw(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static int is_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL);
}

static int map_of_section(struct build *b, const char *secname)
{
	return obj__map_idx(b->obj, secname);
}

static int is_data_sec(const char *n)
{
	return !strncmp(n, ".data", 5) || !strncmp(n, ".rodata", 7) || !strncmp(n, ".bss", 4);
}

/* ld_imm64 relocated against symbol s */
static int reloc_lddw(struct build *b, uint32_t pos, const GElf_Sym *s)
{
	struct bpf_insn *in = &b->insns[pos];
	const char *sn = sym_name(b->ef, s), *secn;
	GElf_Shdr sh;
	int64_t t;
	int m;

	if (s->st_shndx == SHN_UNDEF)
		return fail(b, pos, "relocation against extern '%s' is not supported", sn);
	if (s->st_shndx >= b->ef->nsec || sec_hdr(b->ef, s->st_shndx, &sh))
		return fail(b, pos, "relocation against '%s' in unknown section %u", sn,
			    s->st_shndx);
	secn = sec_name(b->ef, s->st_shndx);
	if (!secn)
		secn = "?";
	if (!strcmp(secn, ".maps") || !strcmp(secn, "maps")) {
		m = obj__map_idx(b->obj, sn);
		if (m < 0)
			return fail(b, pos, "relocation against unknown map '%s'", sn);
		in[0].src_reg = BPF_PSEUDO_MAP_FD;
		in[0].imm = m;
		in[1].imm = 0;
		return 0;
	}
	if (sh.sh_flags & SHF_EXECINSTR) {
		t = place(b, s->st_shndx, ((int64_t)s->st_value + in[0].imm) / (int64_t)INSN_SZ,
			  pos);
		if (t < 0)
			return (int)t;
		in = &b->insns[pos];	/* place() may move the array */
		in[0].src_reg = BPF_PSEUDO_FUNC;
		in[0].imm = (int32_t)(t - pos - 1);
		return 0;
	}
	if (is_data_sec(secn)) {
		uint64_t off = (uint64_t)s->st_value + (int64_t)in[0].imm;

		m = map_of_section(b, secn);
		if (m < 0)
			return fail(b, pos, "relocation against '%s': section '%s' has no map",
				    sn, secn);
		if (off >= b->obj->env.maps[m]->value_size)
			return fail(b, pos, "relocation against '%s' at offset %llu past the "
				    "end of '%s' (%u bytes)", sn, (unsigned long long)off, secn,
				    b->obj->env.maps[m]->value_size);
		in[0].src_reg = BPF_PSEUDO_MAP_VALUE;
		in[0].imm = m;
		in[1].imm = (int32_t)off;
		return 0;
	}
	return fail(b, pos, "relocation against '%s' in section '%s' is not supported", sn,
		    secn);
}

static int reloc_call(struct build *b, uint32_t pos, const GElf_Sym *s)
{
	struct bpf_insn *in = &b->insns[pos];
	GElf_Shdr sh;
	int64_t t;

	if (in->src_reg != BPF_PSEUDO_CALL)
		return fail(b, pos, "relocation on a helper call");
	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= b->ef->nsec ||
	    sec_hdr(b->ef, s->st_shndx, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
		return fail(b, pos, "call relocated against '%s', which is not code",
			    sym_name(b->ef, s));
	if (s->st_value % INSN_SZ)
		return fail(b, pos, "call into the middle of an instruction");
	t = place(b, s->st_shndx, (int64_t)(s->st_value / INSN_SZ) + in->imm + 1, pos);
	if (t < 0)
		return (int)t;
	b->insns[pos].imm = (int32_t)(t - pos - 1);
	return 0;
}

static int reloc_one(struct build *b, uint32_t pos, const GElf_Rel *r)
{
	uint32_t type = GELF_R_TYPE(r->r_info), si = GELF_R_SYM(r->r_info);
	struct bpf_insn *in = &b->insns[pos];
	GElf_Sym s;

	if (si == 0 || si >= b->ef->nsyms || !gelf_getsym(b->ef->syms, si, &s))
		return fail(b, pos, "relocation against unknown symbol %u", si);
	if (type != R_BPF_64_64 && type != R_BPF_64_32)
		return fail(b, pos, "relocation of type %u against '%s' is not supported",
			    type, sym_name(b->ef, &s));
	if (is_call(in))
		return reloc_call(b, pos, &s);
	if (is_lddw(in))
		return reloc_lddw(b, pos, &s);
	return fail(b, pos, "relocation against '%s' on an instruction that is neither "
		    "ld_imm64 nor call (opcode 0x%02x)", sym_name(b->ef, &s), in->code);
}

/* an instruction no relocation touches */
static int fix_plain(struct build *b, uint32_t pos, const struct placed *f, uint32_t j)
{
	struct bpf_insn *in = &b->insns[pos];
	int64_t t;

	if (is_call(in) && in->src_reg == BPF_PSEUDO_CALL) {
		t = place(b, f->shndx, (int64_t)j + in->imm + 1, pos);
		if (t < 0)
			return (int)t;
		b->insns[pos].imm = (int32_t)(t - pos - 1);
	} else if (is_call(in) && in->src_reg == 0) {
		if (!helper__supported(in->imm))
			return fail(b, pos, "helper %d is not supported", in->imm);
	} else if (is_call(in)) {
		return fail(b, pos, "call with src_reg %u is not supported", in->src_reg);
	} else if (is_lddw(in) && in->src_reg) {
		return fail(b, pos, "ld_imm64 with src_reg %u and no relocation", in->src_reg);
	}
	return 0;
}

/* which relocation (index + 1) applies to each instruction of function f; 0: none */
static int rel_index(struct build *b, const struct placed *f, Elf_Data *rel, size_t nrel,
		     uint32_t *at)
{
	GElf_Shdr sh;

	sec_hdr(b->ef, f->shndx, &sh);
	for (size_t i = 0; i < nrel; i++) {
		GElf_Rel r;
		uint64_t j;

		if (!gelf_getrel(rel, i, &r))
			return fail(b, f->pos, "relocation %zu of section '%s' unreadable", i,
				    sec_name(b->ef, f->shndx));
		if (r.r_offset % INSN_SZ || r.r_offset >= sh.sh_size)
			return fail(b, f->pos, "relocation %zu of section '%s': offset %llu out "
				    "of range", i, sec_name(b->ef, f->shndx),
				    (unsigned long long)r.r_offset);
		j = r.r_offset / INSN_SZ;
		if (j < f->start || j >= f->start + f->len)
			continue;
		if (at[j - f->start])
			return fail(b, f->pos + (uint32_t)(j - f->start),
				    "two relocations on one instruction");
		at[j - f->start] = (uint32_t)i + 1;
	}
	return 0;
}

/* relocate placed function k (which may place more functions after it) */
static int reloc_func(struct build *b, uint32_t k)
{
	struct placed f = b->fn[k];
	size_t nrel;
	Elf_Data *rel = rel_for(b->ef, f.shndx, &nrel);
	uint32_t *at = calloc(f.len + 1, sizeof(*at));
	int err = at ? rel_index(b, &f, rel, nrel, at) : -ENOMEM;

	for (uint32_t j = f.start; !err && j < f.start + f.len; j++) {
		uint32_t pos = f.pos + (j - f.start);
		GElf_Rel r;

		if (is_lddw(&b->insns[pos]) && j + 1 >= f.start + f.len) {
			err = fail(b, pos, "ld_imm64 without its second half");
			break;
		}
		if (at[j - f.start] && gelf_getrel(rel, at[j - f.start] - 1, &r))
			err = reloc_one(b, pos, &r);
		else
			err = fix_plain(b, pos, &f, j);
		if (is_lddw(&b->insns[pos]))
			j++;
	}
	free(at);
	return err;
}

static int prog_build(struct hxdp_obj *obj, struct elf_file *ef, struct hxdp_prog *p,
		      char *err, size_t errlen)
{
	struct build b = { .obj = obj, .ef = ef, .prog = p, .err = err, .errlen = errlen };
	GElf_Sym fs;
	size_t shndx;
	int64_t t;
	int e = 0;

	if (func_named(ef, p->sec, p->name, &fs)) {
		snprintf(err, errlen, "%s: prog '%s': no function symbol in section '%s'",
			 obj->path, p->name, p->sec);
		return -EINVAL;
	}
	shndx = fs.st_shndx;
	t = place(&b, shndx, fs.st_value / INSN_SZ, 0);
	if (t < 0)
		e = (int)t;
	p->nsub = b.n;
	for (uint32_t k = 0; !e && k < b.nfn; k++)
		e = reloc_func(&b, k);
	free(b.fn);
	if (e) {
		free(b.insns);
		return e;
	}
	p->insns = b.insns;
	p->ninsns = b.n;
	return 0;
}

/* ---- BTF sanity: libbpf 1.1 follows type ids unchecked; a corrupt .BTF must be an
 * error, not a crash inside bpf_object__open ---------------------------------------- */

static int btf_type_ok(const struct btf *btf, const struct btf_type *t, uint32_t n)
{
	const struct btf_member *m;
	const struct btf_param *p;
	const struct btf_var_secinfo *v;

	if (!btf__name_by_offset(btf, t->name_off))
		return 0;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_FWD: case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM64:
		return 1;
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		return t->type < n;
	case BTF_KIND_ARRAY:
		return btf_array(t)->type < n && btf_array(t)->index_type < n;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		m = btf_members(t);
		for (int i = 0; i < btf_vlen(t); i++)
			if (m[i].type >= n || !btf__name_by_offset(btf, m[i].name_off))
				return 0;
		return 1;
	case BTF_KIND_FUNC_PROTO:
		p = btf_params(t);
		for (int i = 0; i < btf_vlen(t); i++)
			if (p[i].type >= n)
				return 0;
		return t->type < n;
	case BTF_KIND_DATASEC:
		v = btf_var_secinfos(t);
		for (int i = 0; i < btf_vlen(t); i++)
			if (v[i].type >= n || !v[i].type)
				return 0;
		return 1;
	}
	return 0;
}

static int btf_check(struct elf_file *ef, const char *path, char *err, size_t errlen)
{
	Elf_Data *d = NULL;
	struct btf *btf;
	uint32_t n;
	long e;

	for (size_t i = 1; i < ef->nsec && !d; i++) {
		const char *sn = sec_name(ef, i);

		if (sn && !strcmp(sn, ".BTF"))
			d = sec_data(ef, i);
	}
	if (!d)
		return 0;
	if (!d->d_buf || d->d_size < sizeof(struct btf_header)) {
		snprintf(err, errlen, "%s: .BTF is empty or truncated (%zu bytes)", path,
			 d->d_buf ? d->d_size : 0);
		return -EINVAL;
	}
	btf = btf__new(d->d_buf, d->d_size);
	e = libbpf_get_error(btf);
	if (e) {
		snprintf(err, errlen, "%s: .BTF is corrupt (%s)", path, strerror((int)-e));
		return -EINVAL;
	}
	n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++)
		if (!btf_type_ok(btf, btf__type_by_id(btf, id), n)) {
			snprintf(err, errlen, "%s: .BTF type %u is corrupt", path, id);
			btf__free(btf);
			return -EINVAL;
		}
	btf__free(btf);
	return 0;
}

/* ---- CO-RE relocations: refused (.BTF.ext core_relo section) -------------------- */

struct btf_ext_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len, line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;
};

static int core_refuse(struct hxdp_obj *obj, struct elf_file *ef, char *err, size_t errlen)
{
	struct btf_ext_hdr h = { 0 };
	const struct btf *btf = bpf_object__btf(obj->bobj);
	const uint8_t *p, *end;
	Elf_Data *d = NULL;
	uint32_t rec;

	for (size_t i = 1; i < ef->nsec && !d; i++) {
		const char *n = sec_name(ef, i);

		if (n && !strcmp(n, ".BTF.ext"))
			d = sec_data(ef, i);
	}
	if (!d || d->d_size < 8)
		return 0;
	memcpy(&h, d->d_buf, d->d_size < sizeof(h) ? d->d_size : sizeof(h));
	if (h.hdr_len < sizeof(h) || !h.core_relo_len)
		return 0;
	p = (const uint8_t *)d->d_buf + h.hdr_len + h.core_relo_off;
	end = p + h.core_relo_len;
	if (end > (const uint8_t *)d->d_buf + d->d_size || h.core_relo_len < 12) {
		snprintf(err, errlen, "%s: .BTF.ext: CO-RE relocation section truncated",
			 obj->path);
		return -EINVAL;
	}
	memcpy(&rec, p, 4);
	for (p += 4; p + 8 <= end;) {
		uint32_t name_off, num, insn_off;
		const char *sn;

		memcpy(&name_off, p, 4);
		memcpy(&num, p + 4, 4);
		if (!num || p + 8 + 4 > end) {
			p += 8;
			continue;
		}
		memcpy(&insn_off, p + 8, 4);
		sn = btf ? btf__name_by_offset(btf, name_off) : NULL;
		snprintf(err, errlen, "%s: section '%s' insn %u: CO-RE relocation is not "
			 "supported (%u in this section)", obj->path, sn ? sn : "?",
			 insn_off / (uint32_t)INSN_SZ, num);
		return -ENOTSUP;
	}
	(void)rec;
	return 0;
}

/* ---- maps -------------------------------------------------------------------------- */

int obj__map_idx(struct hxdp_obj *obj, const char *name)
{
	struct bpf_map *want = NULL, *m;
	int i = 0;

	if (obj->bobj)
		want = bpf_object__find_map_by_name(obj->bobj, name);
	if (want) {
		bpf_object__for_each_map(m, obj->bobj) {
			if (m == want)
				return i;
			i++;
		}
	}
	for (uint32_t k = 0; k < obj->env.nmaps; k++)
		if (!strcmp(obj->map_name[k], name) || !strcmp(obj->env.maps[k]->name, name))
			return k;
	return -ENOENT;
}

struct hxdp_map *obj__map(struct hxdp_obj *obj, const char *name)
{
	int i = obj__map_idx(obj, name);

	return i < 0 ? NULL : obj->env.maps[i];
}

static int map_add(struct hxdp_obj *obj, struct bpf_map *bm, const char *name, char *err,
		   size_t errlen)
{
	uint32_t type = bpf_map__type(bm), i = obj->env.nmaps;
	struct hxdp_map *m;
	char why[160] = "";
	int e;

	if (i >= HXDP_MAX_MAPS) {
		snprintf(err, errlen, "%s: map '%s': more than %d maps", obj->path, name,
			 HXDP_MAX_MAPS);
		return -E2BIG;
	}
	if (!map__type_supported(type)) {
		const char *tn = libbpf_bpf_map_type_str(type);

		snprintf(err, errlen, "%s: map '%s': type %s (%u) is not supported", obj->path,
			 name, tn ? tn : "unknown", type);
		return -ENOTSUP;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(obj->map_name[i], sizeof(obj->map_name[i]), "%s", name);
	m->type = type;
	m->key_size = bpf_map__key_size(bm);
	m->value_size = bpf_map__value_size(bm);
	m->max_entries = bpf_map__max_entries(bm);
	m->map_flags = bpf_map__map_flags(bm);
	m->idx = i;
	m->inner = -1;
	m->rdonly_prog = !!(m->map_flags & BPF_F_RDONLY_PROG);
	/* libbpf freezes its read-only internal maps once populated (bpf_map_freeze) */
	m->frozen = m->rdonly_prog && bpf_map__is_internal(bm);
	m->btf = bpf_object__btf(obj->bobj);
	m->btf_key_id = bpf_map__btf_key_type_id(bm);
	m->btf_value_id = bpf_map__btf_value_type_id(bm);
	obj->env.maps[i] = m;
	obj->env.nmaps++;
	e = map__init(m, obj->env.ncpus, why, sizeof(why));
	if (e) {
		snprintf(err, errlen, "%s: map '%s': %s", obj->path, name,
			 why[0] ? why : strerror(-e));
		return e;
	}
	return 0;
}

static int map_initial(struct hxdp_obj *obj, struct bpf_map *bm, struct hxdp_map *m,
		       char *err, size_t errlen)
{
	size_t sz = 0;
	const void *img = bpf_map__initial_value(bm, &sz);
	uint32_t zero = 0;
	int e;

	if (!img || !bpf_map__is_internal(bm))
		return 0;
	if (sz != m->value_size || m->key_size != 4) {
		snprintf(err, errlen, "%s: map '%s': initial image of %zu bytes for values of "
			 "%u", obj->path, m->name, sz, m->value_size);
		return -EINVAL;
	}
	e = map__user_update(m, &zero, img, BPF_ANY);
	if (e)
		snprintf(err, errlen, "%s: map '%s': initial image: %s", obj->path, m->name,
			 strerror(-e));
	return e;
}

static int maps_create(struct hxdp_obj *obj, char *err, size_t errlen)
{
	struct bpf_map *bm, *in;
	uint32_t k = 0;
	int e;

	bpf_object__for_each_map(bm, obj->bobj) {
		e = map_add(obj, bm, bpf_map__name(bm), err, errlen);
		if (!e)
			e = map_initial(obj, bm, obj->env.maps[k], err, errlen);
		if (e)
			return e;
		k++;
	}
	obj->nbmaps = k;
	k = 0;
	bpf_object__for_each_map(bm, obj->bobj) {
		in = bpf_map__inner_map(bm);
		if (in) {
			e = map_add(obj, in, bpf_map__name(in), err, errlen);
			if (e)
				return e;
			obj->env.maps[k]->inner = (int32_t)obj->env.nmaps - 1;
		}
		k++;
	}
	return 0;
}

/* ---- static slots of map-in-map and prog arrays (.values = { ... } in .maps) ---- */

/* byte offset of the "values" member in the definition of map variable name */
static int values_offset(const struct btf *btf, const char *name)
{
	int id = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_VAR) : -1;
	const struct btf_type *t;
	const struct btf_member *mb;

	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_struct(t))
		return -EINVAL;
	mb = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, mb[i].name_off), "values"))
			return (int)(btf_member_bit_offset(t, i) / 8);
	return -ENOENT;
}

/* the .maps variable holding byte off of the section */
static int map_sym_at(struct elf_file *ef, size_t shndx, uint64_t off, GElf_Sym *out)
{
	for (size_t i = 1; i < ef->nsyms; i++) {
		GElf_Sym s;

		if (gelf_getsym(ef->syms, i, &s) && s.st_shndx == shndx &&
		    GELF_ST_TYPE(s.st_info) == STT_OBJECT && s.st_value <= off &&
		    off < s.st_value + s.st_size) {
			*out = s;
			return 0;
		}
	}
	return -ENOENT;
}

static int slot_one(struct hxdp_obj *obj, struct elf_file *ef, size_t shndx,
		    const GElf_Rel *r, char *err, size_t errlen)
{
	const struct btf *btf = bpf_object__btf(obj->bobj);
	uint32_t si = GELF_R_SYM(r->r_info), slot, val;
	const char *mname, *tname;
	GElf_Sym ms, ts;
	int moff, m, v;

	if (map_sym_at(ef, shndx, r->r_offset, &ms) || si >= ef->nsyms ||
	    !gelf_getsym(ef->syms, si, &ts)) {
		snprintf(err, errlen, "%s: .maps: relocation at offset %llu outside any map",
			 obj->path, (unsigned long long)r->r_offset);
		return -EINVAL;
	}
	mname = sym_name(ef, &ms);
	tname = sym_name(ef, &ts);
	moff = values_offset(btf, mname);
	m = obj__map_idx(obj, mname);
	v = ts.st_shndx == shndx ? obj__map_idx(obj, tname) : obj__prog_idx(obj, tname);
	if (moff < 0 || m < 0 || v < 0 || r->r_offset < ms.st_value + moff ||
	    (r->r_offset - ms.st_value - moff) % 8) {
		snprintf(err, errlen, "%s: map '%s': bad static slot for '%s'", obj->path, mname,
			 tname);
		return -EINVAL;
	}
	slot = (uint32_t)((r->r_offset - ms.st_value - moff) / 8);
	val = (uint32_t)v;
	v = map__user_update(obj->env.maps[m], &slot, &val, BPF_ANY);
	if (v)
		snprintf(err, errlen, "%s: map '%s' slot %u = '%s': %s", obj->path, mname, slot,
			 tname, strerror(-v));
	return v;
}

static int slots_init(struct hxdp_obj *obj, struct elf_file *ef, char *err, size_t errlen)
{
	for (size_t i = 1; i < ef->nsec; i++) {
		const char *n = sec_name(ef, i);
		Elf_Data *rel;
		size_t nrel;

		if (!n || strcmp(n, ".maps") || !(rel = rel_for(ef, i, &nrel)))
			continue;
		for (size_t k = 0; k < nrel; k++) {
			GElf_Rel r;
			int e;

			if (!gelf_getrel(rel, k, &r))
				return -EINVAL;
			e = slot_one(obj, ef, i, &r, err, errlen);
			if (e)
				return e;
		}
	}
	return 0;
}

/* ---- programs ------------------------------------------------------------------------ */

int obj__prog_idx(struct hxdp_obj *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nprogs; i++)
		if (!strcmp(obj->progs[i].name, name))
			return i;
	return -ENOENT;
}

struct hxdp_prog *obj__prog(struct hxdp_obj *obj, const char *name)
{
	int i;

	if (!name)
		return obj->nprogs ? &obj->progs[0] : NULL;
	i = obj__prog_idx(obj, name);
	return i < 0 ? NULL : &obj->progs[i];
}

static int is_xdp(struct bpf_program *bp)
{
	return bpf_program__type(bp) == BPF_PROG_TYPE_XDP ||
	       !strncmp(bpf_program__section_name(bp), "xdp", 3);
}

static int progs_create(struct hxdp_obj *obj, struct elf_file *ef, char *err, size_t errlen)
{
	struct bpf_program *bp;
	uint32_t n = 0;
	int e;

	bpf_object__for_each_program(bp, obj->bobj) {
		if (!is_xdp(bp)) {
			const char *tn = libbpf_bpf_prog_type_str(bpf_program__type(bp));

			snprintf(err, errlen, "%s: prog '%s' in section '%s' is not XDP (type %s)",
				 obj->path, bpf_program__name(bp), bpf_program__section_name(bp),
				 tn ? tn : "unknown");
			return -ENOTSUP;
		}
		n++;
	}
	if (!n) {
		snprintf(err, errlen, "%s: no XDP program in the object", obj->path);
		return -ENOENT;
	}
	obj->progs = calloc(n, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;
	bpf_object__for_each_program(bp, obj->bobj) {
		struct hxdp_prog *p = &obj->progs[obj->nprogs];

		snprintf(p->name, sizeof(p->name), "%s", bpf_program__name(bp));
		snprintf(p->sec, sizeof(p->sec), "%s", bpf_program__section_name(bp));
		p->idx = obj->nprogs++;
		e = prog_build(obj, ef, p, err, errlen);
		if (e)
			return e;
	}
	obj->env.nprogs = obj->nprogs;
	return 0;
}

/* ---- open / close ------------------------------------------------------------------- */

static struct hxdp_obj *obj_new(const char *path)
{
	struct hxdp_obj *obj = calloc(1, sizeof(*obj));
	int ncpus;

	if (!obj)
		return NULL;
	snprintf(obj->path, sizeof(obj->path), "%s", path);
	env__init(&obj->env);
	/* per-CPU maps hold as many slots as the kernel's, so dumps compare */
	ncpus = libbpf_num_possible_cpus();
	obj->env.ncpus = ncpus > 0 ? (uint32_t)ncpus : 1;
	return obj;
}

static int bobj_open(struct hxdp_obj *obj, char *err, size_t errlen)
{
	char msg[256];
	long e;

	obj__libbpf_capture(msg, sizeof(msg));
	obj->bobj = bpf_object__open_file(obj->path, NULL);
	e = libbpf_get_error(obj->bobj);
	obj__libbpf_capture(NULL, 0);
	if (!e)
		return 0;
	obj->bobj = NULL;
	snprintf(err, errlen, "%s: libbpf cannot open it: %s", obj->path,
		 msg[0] ? msg : strerror((int)-e));
	return (int)e;
}

int obj__open(const char *path, struct hxdp_obj **out, char *err, size_t errlen)
{
	struct hxdp_obj *obj = obj_new(path);
	struct elf_file ef;
	int e;

	*out = NULL;
	if (!obj)
		return -ENOMEM;
	e = elf_file__open(&ef, path, err, errlen);
	if (!e) {
		char msg[256];

		obj__libbpf_capture(msg, sizeof(msg));	/* btf__new may warn */
		e = btf_check(&ef, path, err, errlen);
		obj__libbpf_capture(NULL, 0);
	}
	if (!e)
		e = bobj_open(obj, err, errlen);
	if (!e)
		e = core_refuse(obj, &ef, err, errlen);
	if (!e)
		e = maps_create(obj, err, errlen);
	if (!e)
		e = progs_create(obj, &ef, err, errlen);
	if (!e)
		e = slots_init(obj, &ef, err, errlen);
	/* refuse what the kernel's verifier refuses, with its reason (docs/safety.md) */
	for (uint32_t i = 0; !e && i < obj->nprogs; i++)
		e = verify__prog(obj, &obj->progs[i], err, errlen);
	elf_file__close(&ef);
	if (e) {
		obj__close(obj);
		return e;
	}
	*out = obj;
	return 0;
}

int obj__from_insns(const struct bpf_insn *insns, uint32_t n, struct hxdp_obj **out,
		    char *err, size_t errlen)
{
	struct hxdp_obj *obj = obj_new("(instructions)");

	*out = NULL;
	if (!obj)
		return -ENOMEM;
	if (!n) {
		snprintf(err, errlen, "no instructions");
		obj__close(obj);
		return -EINVAL;
	}
	obj->progs = calloc(1, sizeof(*obj->progs));
	if (obj->progs)
		obj->progs[0].insns = malloc(n * INSN_SZ);
	if (!obj->progs || !obj->progs[0].insns) {
		obj__close(obj);
		return -ENOMEM;
	}
	memcpy(obj->progs[0].insns, insns, n * INSN_SZ);
	snprintf(obj->progs[0].name, sizeof(obj->progs[0].name), "prog");
	snprintf(obj->progs[0].sec, sizeof(obj->progs[0].sec), "xdp");
	obj->progs[0].ninsns = obj->progs[0].nsub = n;
	obj->nprogs = obj->env.nprogs = 1;
	*out = obj;
	return 0;
}

void obj__close(struct hxdp_obj *obj)
{
	if (!obj)
		return;
	for (uint32_t i = 0; i < obj->env.nmaps; i++) {
		map__free(obj->env.maps[i]);
		free(obj->env.maps[i]);
		obj->env.maps[i] = NULL;
	}
	obj->env.nmaps = 0;
	fib__free(obj->env.fib);
	for (uint32_t i = 0; i < obj->nprogs; i++)
		free(obj->progs[i].insns);
	free(obj->progs);
	if (obj->bobj)
		bpf_object__close(obj->bobj);
	free(obj);
}
