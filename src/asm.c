/* asm.c: assembler for the conformance suite's text format (ubpf/bpf_conformance
 * syntax). Mnemonics and operand forms come from isa_info[]; the only names here are
 * the suite's aliases of table mnemonics. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "asm.h"
#include "insn.h"

#define MAX_LINE 512
#define MAX_NAME 64

/* the suite spells bswapN as swapN, and calls through a register as call %rN */
static const struct { const char *alias, *mnem; } aliases[] = {
	{ "swap16", "bswap16" }, { "swap32", "bswap32" }, { "swap64", "bswap64" },
};

struct label { char name[MAX_NAME]; uint32_t slot; };
struct fixup { char name[MAX_NAME]; uint32_t at; int line; int in_imm; };

struct asm_state {
	struct bpf_insn *insns;
	uint32_t n, cap;
	struct label *labels;
	uint32_t nlabels;
	struct fixup *fix;
	uint32_t nfix;
	int line;
	int64_t first_exit;	/* slot of the first exit, -1 none */
	char *err;
	size_t errlen;
};

static int fail(struct asm_state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct asm_state *s, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(s->err, s->errlen, "line %d: ", s->line);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < s->errlen)
		vsnprintf(s->err + k, s->errlen - k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *trim(char *p)
{
	char *e;

	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = 0;
	return p;
}

static int is_ident(const char *p)
{
	if (!*p || !(isalpha((unsigned char)*p) || *p == '_' || *p == '.'))
		return 0;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			return 0;
	return 1;
}

/* ---- operands ---- */

static int parse_reg(struct asm_state *s, const char *p, int *r)
{
	const char *q = *p == '%' ? p + 1 : p;
	char *e;
	long v;

	if (*q != 'r')
		return fail(s, "expected a register, got '%s'", p);
	v = strtol(q + 1, &e, 10);
	if (e == q + 1 || *e || v < 0 || v > 10)
		return fail(s, "bad register '%s'", p);
	*r = v;
	return 0;
}

static int is_reg(const char *p)
{
	if (*p == '%')
		p++;
	return p[0] == 'r' && isdigit((unsigned char)p[1]);
}

static int parse_int(struct asm_state *s, const char *p, int64_t lo, int64_t hi, int64_t *v)
{
	const char *q = p;
	int neg = 0;
	char *e;
	uint64_t u;

	if (*q == '+' || *q == '-')
		neg = *q++ == '-';
	if (!isdigit((unsigned char)*q))
		return fail(s, "expected a number, got '%s'", p);
	errno = 0;
	u = strtoull(q, &e, 0);
	if (*e || errno)
		return fail(s, "bad number '%s'", p);
	if (neg && u > (uint64_t)INT64_MAX + 1)
		return fail(s, "number '%s' out of range", p);
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	/* unsigned spellings of negative values (0xffffffff for -1) are fine */
	if (!neg && hi == INT32_MAX && u <= UINT32_MAX)
		*v = (int32_t)(uint32_t)u;
	else if (!neg && hi == INT64_MAX)
		return 0;
	if (*v < lo || *v > hi)
		return fail(s, "number '%s' out of range", p);
	return 0;
}

static int parse_imm32(struct asm_state *s, const char *p, int32_t *imm)
{
	int64_t v;

	if (parse_int(s, p, INT32_MIN, INT32_MAX, &v))
		return -EINVAL;
	*imm = (int32_t)v;
	return 0;
}

/* [%rN], [%rN+off], [%rN-off] */
static int parse_mem(struct asm_state *s, const char *p, int *reg, int *off)
{
	char buf[MAX_LINE], *q, *sign;
	int64_t v = 0;
	size_t n = strlen(p);

	if (n < 3 || p[0] != '[' || p[n - 1] != ']' || n >= sizeof(buf))
		return fail(s, "expected a memory operand [%%rN+off], got '%s'", p);
	memcpy(buf, p + 1, n - 2);
	buf[n - 2] = 0;
	sign = strpbrk(buf, "+-");
	if (sign) {
		if (parse_int(s, trim(sign), INT16_MIN, INT16_MAX, &v))
			return -EINVAL;
		*sign = 0;
	}
	q = trim(buf);
	*off = v;
	return parse_reg(s, q, reg);
}

/* room for element n of an array that grows by doubling (capacity 8, 16, 32, ...):
 * p itself while there is room, else p reallocated (NULL: out of memory, p kept) */
static void *grow(void *p, uint32_t n, size_t elem)
{
	if (n && (n < 8 || (n & (n - 1))))
		return p;
	return realloc(p, (n ? 2 * (size_t)n : 8) * elem);
}

static int add_fixup(struct asm_state *s, const char *name, int in_imm)
{
	struct fixup *f = grow(s->fix, s->nfix, sizeof(*f));

	if (!f)
		return fail(s, "out of memory");
	s->fix = f;
	f = &f[s->nfix++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->at = s->n;
	f->line = s->line;
	f->in_imm = in_imm;
	return 0;
}

/* +N, -N, N or a label: a jump offset, into off (or imm for ja32/call local) */
static int parse_target(struct asm_state *s, const char *p, int in_imm, int *off,
			int32_t *imm)
{
	int64_t v;

	if (is_ident(p))
		return add_fixup(s, p, in_imm);
	if (parse_int(s, p, in_imm ? INT32_MIN : INT16_MIN, in_imm ? INT32_MAX : INT16_MAX,
		      &v))
		return -EINVAL;
	if (in_imm)
		*imm = v;
	else
		*off = v;
	return 0;
}

/* ---- instructions ---- */

static int emit(struct asm_state *s, const struct bpf_insn *in)
{
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 64;
		struct bpf_insn *p = realloc(s->insns, cap * sizeof(*p));

		if (!p)
			return fail(s, "out of memory");
		s->insns = p;
		s->cap = cap;
	}
	s->insns[s->n++] = *in;
	return 0;
}

static int split_operands(char *p, char **ops, int max)
{
	int n = 0;

	if (!*p)
		return 0;
	for (;;) {
		char *c = strchr(p, ',');

		if (n == max)
			return -1;
		if (c)
			*c = 0;
		ops[n++] = trim(p);
		if (!c)
			return n;
		p = c + 1;
	}
}

static const char *form_syntax(int form)
{
	switch (form) {
	case F_ALU_K: case F_ALU_X: return "%rD, %rS|imm";
	case F_NEG: case F_END: case F_CALLX: return "%rD";
	case F_JA: case F_JA32: case F_CALL_LOCAL: return "+off|label";
	case F_JCC_K: case F_JCC_X: return "%rD, %rS|imm, +off|label";
	case F_CALL: return "imm|%rN";
	case F_EXIT: return "(no operands)";
	case F_LDDW: return "%rD, imm64";
	case F_LDABS: return "imm";
	case F_LDIND: return "%rS, imm";
	case F_LDX: return "%rD, [%rS+off]";
	case F_ST: return "[%rD+off], imm";
	case F_STX: case F_ATOMIC: return "[%rD+off], %rS";
	}
	return "?";
}

/* the form's K variant takes an immediate where the X variant takes a register */
static int pick_form(const char *mnem, int form, const char *op)
{
	int reg = op && is_reg(op);

	if (form == F_ALU_K || form == F_ALU_X)
		return reg ? F_ALU_X : F_ALU_K;
	if (form == F_JCC_K || form == F_JCC_X)
		return reg ? F_JCC_X : F_JCC_K;
	if (form == F_CALL && reg)
		return F_CALLX;
	(void)mnem;
	return form;
}

static int asm_lddw(struct asm_state *s, int id, char **ops)
{
	struct bpf_insn in[2] = { 0 };
	int dst = 0;
	int64_t v;

	if (parse_reg(s, ops[0], &dst) || parse_int(s, ops[1], INT64_MIN, INT64_MAX, &v))
		return -EINVAL;
	isa_encode(id, dst, 0, 0, (int32_t)(uint32_t)v, &in[0]);
	in[1].imm = (int32_t)(uint32_t)((uint64_t)v >> 32);
	return emit(s, &in[0]) || emit(s, &in[1]) ? -ENOMEM : 0;
}

static int asm_operands(struct asm_state *s, int id, char **ops)
{
	int dst = 0, src = 0, off = 0, e = 0;
	int32_t imm = 0;
	struct bpf_insn in;

	switch (isa_info[id].form) {
	case F_ALU_K: e = parse_reg(s, ops[0], &dst) || parse_imm32(s, ops[1], &imm); break;
	case F_ALU_X: e = parse_reg(s, ops[0], &dst) || parse_reg(s, ops[1], &src); break;
	case F_NEG: case F_END: case F_CALLX: e = parse_reg(s, ops[0], &dst); break;
	case F_JA: e = parse_target(s, ops[0], 0, &off, &imm); break;
	case F_JA32: case F_CALL_LOCAL: e = parse_target(s, ops[0], 1, &off, &imm); break;
	case F_JCC_K:
		e = parse_reg(s, ops[0], &dst) || parse_imm32(s, ops[1], &imm) ||
		    parse_target(s, ops[2], 0, &off, &imm);
		break;
	case F_JCC_X:
		e = parse_reg(s, ops[0], &dst) || parse_reg(s, ops[1], &src) ||
		    parse_target(s, ops[2], 0, &off, &imm);
		break;
	case F_CALL: case F_LDABS: e = parse_imm32(s, ops[0], &imm); break;
	case F_EXIT: break;
	case F_LDDW: return asm_lddw(s, id, ops);
	case F_LDIND: e = parse_reg(s, ops[0], &src) || parse_imm32(s, ops[1], &imm); break;
	case F_LDX: e = parse_reg(s, ops[0], &dst) || parse_mem(s, ops[1], &src, &off); break;
	case F_ST: e = parse_mem(s, ops[0], &dst, &off) || parse_imm32(s, ops[1], &imm); break;
	case F_STX: case F_ATOMIC:
		e = parse_mem(s, ops[0], &dst, &off) || parse_reg(s, ops[1], &src);
		break;
	default: return fail(s, "'%s' cannot be assembled", isa_info[id].mnem);
	}
	if (e)
		return -EINVAL;
	if (isa_encode(id, dst, src, off, imm, &in))
		return fail(s, "operands out of range");
	return emit(s, &in);
}

static int nops(int form)
{
	switch (form) {
	case F_EXIT: return 0;
	case F_NEG: case F_END: case F_CALLX: case F_JA: case F_JA32: case F_CALL_LOCAL:
	case F_CALL: case F_LDABS: return 1;
	case F_JCC_K: case F_JCC_X: return 3;
	}
	return 2;
}

/* table mnemonics are matched without regard to case (isa.h spells some in capitals) */
static int lookup(const char *mnem, int form)
{
	int c = tolower((unsigned char)mnem[0]);

	for (int i = 0; i < I_COUNT; i++)
		if (tolower((unsigned char)isa_info[i].mnem[0]) == c &&
		    !strcasecmp(isa_info[i].mnem, mnem) && (form < 0 || isa_info[i].form == form))
			return i;
	return -1;
}

static int form_id(int form)
{
	for (int i = 0; i < I_COUNT; i++)
		if (isa_info[i].form == form)
			return i;
	return -1;
}

/* the longest run of leading words (up to 3) that is a mnemonic of the table */
static int find_mnem(const char *line, char *mnem, size_t len, const char **rest)
{
	for (int words = 3; words >= 1; words--) {
		const char *p = line;
		size_t n;

		for (int w = 0; w < words; w++) {
			while (*p && !isspace((unsigned char)*p))
				p++;
			if (w + 1 < words) {
				if (!*p)
					break;
				while (isspace((unsigned char)*p))
					p++;
			}
		}
		n = p - line;
		if (n >= len)
			continue;
		memcpy(mnem, line, n);
		mnem[n] = 0;
		for (size_t k = 0; k < sizeof(aliases) / sizeof(aliases[0]); k++)
			if (!strcmp(mnem, aliases[k].alias))
				snprintf(mnem, len, "%s", aliases[k].mnem);
		if (lookup(mnem, -1) >= 0) {
			*rest = p;
			return 0;
		}
	}
	return -1;
}

static int asm_insn(struct asm_state *s, char *line)
{
	char mnem[MAX_NAME], rest[MAX_LINE], *ops[4];
	const char *r;
	int id, form, n;

	if (find_mnem(line, mnem, sizeof(mnem), &r)) {
		char *sp = strpbrk(line, " \t");

		if (sp)
			*sp = 0;
		return fail(s, "unknown instruction '%s'", line);
	}
	snprintf(rest, sizeof(rest), "%s", r);
	n = split_operands(trim(rest), ops, 4);
	id = lookup(mnem, -1);
	form = pick_form(mnem, isa_info[id].form, n > 1 ? ops[1] : n > 0 ? ops[0] : NULL);
	if (form == F_CALLX)
		id = form_id(F_CALLX);
	else
		id = lookup(mnem, form);
	if (id < 0 || isa_info[id].group == G_HXDP)
		return fail(s, "'%s' has no form with these operands", mnem);
	if (n != nops(form))
		return fail(s, "'%s' takes %s", mnem, form_syntax(form));
	if (form == F_EXIT && s->first_exit < 0)
		s->first_exit = s->n;
	return asm_operands(s, id, ops);
}

static int add_label(struct asm_state *s, const char *name)
{
	struct label *l;

	if (!is_ident(name))
		return fail(s, "bad label '%s'", name);
	for (uint32_t i = 0; i < s->nlabels; i++)
		if (!strcmp(s->labels[i].name, name))
			return fail(s, "label '%s' defined twice", name);
	if (strlen(name) >= MAX_NAME)
		return fail(s, "label '%s' too long", name);
	l = grow(s->labels, s->nlabels, sizeof(*l));
	if (!l)
		return fail(s, "out of memory");
	s->labels = l;
	l = &l[s->nlabels++];
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->slot = s->n;
	return 0;
}

static int asm_line(struct asm_state *s, char *line)
{
	char *c = strchr(line, '#'), *colon;

	if (c)
		*c = 0;
	line = trim(line);
	colon = strchr(line, ':');
	if (colon && !strchr(line, '[')) {
		*colon = 0;
		if (add_label(s, trim(line)))
			return -EINVAL;
		line = trim(colon + 1);
	}
	return *line ? asm_insn(s, line) : 0;
}

static int resolve(struct asm_state *s)
{
	for (uint32_t i = 0; i < s->nfix; i++) {
		struct fixup *f = &s->fix[i];
		int64_t rel;
		uint32_t k;

		s->line = f->line;
		for (k = 0; k < s->nlabels && strcmp(s->labels[k].name, f->name); k++)
			;
		/* as the suite's assembler: "exit" names the first exit unless defined */
		if (k == s->nlabels && !strcmp(f->name, "exit") && s->first_exit >= 0)
			rel = s->first_exit - f->at - 1;
		else if (k == s->nlabels)
			return fail(s, "undefined label '%s'", f->name);
		else
			rel = (int64_t)s->labels[k].slot - f->at - 1;
		if (f->in_imm)
			s->insns[f->at].imm = rel;
		else if (rel < INT16_MIN || rel > INT16_MAX)
			return fail(s, "label '%s' out of jump range", f->name);
		else
			s->insns[f->at].off = rel;
	}
	return 0;
}

/* ---- sections ---- */

static int parse_hex_bytes(struct asm_state *s, const char *p, struct asm_prog *out)
{
	while (*p) {
		char *e;
		unsigned long v;
		uint8_t *m;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		v = strtoul(p, &e, 16);
		if (e == p || e - p > 2 || (*e && !isspace((unsigned char)*e)))
			return fail(s, "bad byte in -- mem");
		m = grow(out->mem, out->memlen, 1);
		if (!m)
			return fail(s, "out of memory");
		out->mem = m;
		out->mem[out->memlen++] = v;
		p = e;
	}
	return 0;
}

static int parse_raw(struct asm_state *s, const char *p, struct asm_prog *out)
{
	char *e;
	uint64_t w;
	struct bpf_insn *in;

	if (!*p)
		return 0;
	errno = 0;
	w = strtoull(p, &e, 16);
	if (e == p || *trim(e) || errno)
		return fail(s, "bad instruction word in -- raw");
	in = grow(out->raw, out->nraw, sizeof(*in));
	if (!in)
		return fail(s, "out of memory");
	out->raw = in;
	memcpy(&out->raw[out->nraw++], &w, sizeof(w));
	return 0;
}

static int parse_result(struct asm_state *s, const char *p, struct asm_prog *out)
{
	char *e;

	if (!*p)
		return 0;
	if (out->has_result)
		return fail(s, "more than one value in -- result");
	errno = 0;
	out->result = strtoull(p, &e, 0);
	if (e == p || *e || errno)
		return fail(s, "bad value '%s' in -- result", p);
	out->has_result = 1;
	return 0;
}

enum sec { SEC_ASM, SEC_MEM, SEC_RESULT, SEC_ERROR, SEC_RAW, SEC_OTHER };

static int section(struct asm_state *s, const char *name, struct asm_prog *out)
{
	static const char *const names[] = { "asm", "mem", "result", "error", "raw" };

	for (int i = 0; i < SEC_OTHER; i++)
		if (!strcmp(name, names[i])) {
			if (i == SEC_ASM) out->has_asm = 1;
			if (i == SEC_RAW) out->has_raw = 1;
			if (i == SEC_ERROR) out->has_error = 1;
			return i;
		}
	(void)s;
	return SEC_OTHER;	/* -- c, -- no register offset, ...: information only */
}

static int parse_line(struct asm_state *s, enum sec sec, char *line, struct asm_prog *out)
{
	char *t = trim(line);

	switch (sec) {
	case SEC_ASM: return asm_line(s, line);
	case SEC_MEM: return parse_hex_bytes(s, t, out);
	case SEC_RESULT: return parse_result(s, t, out);
	case SEC_RAW: return parse_raw(s, t, out);
	case SEC_ERROR:
		if (*t && !out->error[0])
			snprintf(out->error, sizeof(out->error), "%s", t);
		return 0;
	default: return 0;
	}
}

static int parse_text(struct asm_state *s, const char *text, struct asm_prog *out)
{
	int sections = strncmp(text, "-- ", 3) == 0 || strstr(text, "\n-- ") != NULL;
	enum sec sec = sections ? SEC_OTHER : SEC_ASM;

	if (!sections)
		out->has_asm = 1;
	for (const char *p = text; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[MAX_LINE];

		s->line++;
		if (n >= sizeof(line))
			return fail(s, "line too long");
		memcpy(line, p, n);
		line[n] = 0;
		p += n + (nl != NULL);
		if (sections && !strncmp(line, "-- ", 3)) {
			sec = section(s, trim(line + 3), out);
			continue;
		}
		if (sec != SEC_ASM && sec != SEC_OTHER && line[0] == '#')
			continue;
		if (parse_line(s, sec, line, out))
			return -EINVAL;
	}
	return resolve(s);
}

int asm__parse(const char *text, struct asm_prog *out, char *err, size_t errlen)
{
	struct asm_state s = { .err = err, .errlen = errlen, .first_exit = -1 };
	int e;

	memset(out, 0, sizeof(*out));
	e = parse_text(&s, text, out);
	free(s.labels);
	free(s.fix);
	out->insns = s.insns;
	out->n = s.n;
	if (e)
		asm__free(out);
	return e;
}

int asm__parse_file(const char *path, struct asm_prog *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;
	int e;

	memset(out, 0, sizeof(*out));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(text = malloc(len + 1))) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot read", path);
		return -EIO;
	}
	if (fread(text, 1, len, f) != (size_t)len) {
		free(text);
		fclose(f);
		snprintf(err, errlen, "%s: cannot read", path);
		return -EIO;
	}
	fclose(f);
	text[len] = 0;
	if (memchr(text, 0, len)) {
		free(text);
		snprintf(err, errlen, "%s: not a text file", path);
		return -EINVAL;
	}
	e = asm__parse(text, out, err, errlen);
	free(text);
	if (e) {	/* prefix the path: "FILE: line N: what" */
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: %s", path, tmp);
	}
	return e;
}

void asm__free(struct asm_prog *p)
{
	free(p->insns);
	free(p->raw);
	free(p->mem);
	memset(p, 0, sizeof(*p));
}
