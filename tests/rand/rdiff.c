/* rdiff.c: differential testing of random programs against the kernel.
 *
 *   rdiff [--count N] [--seed S] [--engines LIST] [--save DIR] [--no-minimize] [-q]
 *   rdiff --replay FILE...           saved reproducers (tests/regress/NAME.rprog)
 *   rdiff --mutate ...               corrupt each program first: verdicts of both
 *                                    verifiers compared (refusal reasons tallied)
 *   rdiff --no-movsx ...             leave sign-extending moves out (a known open bug)
 *   rdiff --emit-seeds DIR [--count N]  fuzz_vm inputs from generated programs
 *
 * Each program (rgen.c) is loaded into the kernel (programs it refuses are counted and
 * dropped) and run over three packets with BPF_PROG_TEST_RUN; then on every engine
 * configuration of LIST (default: vm, vliw at 1/2/4/8 lanes and -O0..-O3, sim; the
 * ones linked in) from fresh maps. Action, output bytes after each packet and map
 * contents at the end must be identical. A difference is delta-debugged (instructions
 * dropped with jumps fixed up, packets dropped, bytes trimmed) while it persists, and
 * the reproducer saved in DIR. The verifier's verdict is compared with the kernel's on
 * every program. Exit: 0 no mismatch, 1 mismatches, 3 no bpf() here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "asm.h"
#include "engine.h"
#include "env.h"
#include "insn.h"
#include "kern.h"
#include "kload.h"
#include "obj.h"
#include "rprog.h"
#include "verify.h"
#include "xdp.h"

#define NPKT 3
#define RUN_BUDGET (1u << 17)	/* rgen's programs run < 4096 insns x 8 loop rounds */
#define MAX_ENGINES 16

struct ecfg {
	char spec[32];
	const struct engine_ops *ops;
	struct engine_opts o;
};

struct tcase {
	struct bpf_insn insn[RPROG_MAX_INSNS];
	uint32_t n;
	uint8_t pkt[NPKT][RPROG_MAX_PKT + 8];
	uint32_t len[NPKT], npkt;
};

struct stats {
	uint64_t progs, krefused, compared, runs, mismatches, vboth, vrefuse_both,
		 vfalse_refusal, vunsound;
};

struct opts {
	uint64_t count, seed;
	const char *save, *engines, *emit;
	int minimize, quiet, mutate;
	uint32_t gen_flags;
};

static struct classes hxdp_reasons, kernel_reasons;

/* ---- engines ---- */

static int parse_engines(const char *list, struct ecfg *e, int max)
{
	char buf[512], *tok, *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
		char name[16] = "", x = 0;
		int lanes = 4, opt = 2;

		/* NAME:LANES:OPT, ":x" after them: the translated image (xlate.h), ~1 s of
		 * cc per program; without it vliw and sim run interpreted */
		sscanf(tok, "%15[^:]:%d:%d:%c", name, &lanes, &opt, &x);
		e[n].ops = engine__find(name);
		if (!e[n].ops)
			continue;	/* not linked in (yet) */
		snprintf(e[n].spec, sizeof(e[n].spec), "%s", tok);
		e[n].o = (struct engine_opts){ .lanes = lanes, .opt = opt, .interp = x != 'x' };
		n++;
	}
	return n;
}

/* ---- one comparison ---- */

struct kside {
	struct kern_result res[NPKT];
	struct map_dump dump[RMAP_COUNT];
};

static void kside_free(struct kside *k)
{
	for (int m = 0; m < RMAP_COUNT; m++)
		dump__free(&k->dump[m]);
}

/* kernel results of t; -ENOSYS no bpf(), other <0: refused (why in err) */
static int run_kernel(const struct tcase *t, struct kside *ks, char *err, size_t errlen)
{
	struct kload k;
	int e = kload__open(&k, t->insn, t->n, err, errlen);

	memset(ks, 0, sizeof(*ks));
	if (e)
		return e;
	for (uint32_t p = 0; p < t->npkt; p++)
		kload__run(&k, t->pkt[p], t->len[p], &ks->res[p]);
	for (int m = 0; m < RMAP_COUNT && !e; m++)
		e = kload__dump(&k, m, &ks->dump[m]);
	kload__close(&k);
	return e;
}

/* 0 same, 1 differs (why says how), <0 the engine could not run it */
static int run_engine(const struct tcase *t, const struct ecfg *c, const struct kside *ks,
		      char *why, size_t len)
{
	struct hxdp_obj *obj = NULL;
	struct hxdp_run *r = malloc(sizeof(*r));
	struct hxdp_xdp *x = malloc(sizeof(*x));
	struct hxdp_result res;
	struct map_dump d;
	void *st = NULL;
	char err[256];
	int rc = 0;

	if (!r || !x || rprog__obj(t->insn, t->n, &obj, err, sizeof(err)) ||
	    c->ops->open(obj, &c->o, &st, err, sizeof(err))) {
		snprintf(why, len, "%s refused the program: %.160s", c->spec, err);
		rc = 1;
		goto out;
	}
	obj->env.budget = RUN_BUDGET;
	run__init(r, &obj->env);
	for (uint32_t p = 0; p < t->npkt && !rc; p++) {
		const struct kern_result *k = &ks->res[p];

		if (k->err || xdp__init(x, t->pkt[p], t->len[p]))
			continue;
		c->ops->run(st, 0, r, run__packet(r, x, &res));
		if (res.fault)
			snprintf(why, len, "packet %u: %s faulted: %s", p, c->spec, res.err);
		else if ((uint32_t)res.r0 != k->retval)	/* test_run's retval is u32 */
			snprintf(why, len, "packet %u: action %llu, kernel %u", p,
				 (unsigned long long)res.r0, k->retval);
		else if (xdp__out_len(x) != k->out_len ||
			 memcmp(xdp__out(x), k->out, k->out_len)) {
			uint32_t b = 0;

			while (b < k->out_len && b < xdp__out_len(x) && xdp__out(x)[b] == k->out[b])
				b++;
			snprintf(why, len, "packet %u: output bytes differ (%u vs kernel %u bytes; "
				 "byte %u: 0x%02x, kernel 0x%02x)", p, xdp__out_len(x), k->out_len, b,
				 b < xdp__out_len(x) ? xdp__out(x)[b] : 0,
				 b < k->out_len ? k->out[b] : 0);
		}
		else
			continue;
		rc = 1;
	}
	for (uint32_t m = 0; m < RMAP_COUNT && !rc; m++) {
		char w[96];

		if (rprog__dump(obj, m, &d))
			continue;
		if (rprog__dump_cmp(&d, &ks->dump[m], w, sizeof(w))) {
			snprintf(why, len, "map %s: %s", rprog_maps[m].name, w);
			rc = 1;
		}
		dump__free(&d);
	}
out:
	if (st)
		c->ops->close(st);
	obj__close(obj);
	free(r);
	free(x);
	return rc;
}

static int verdict(const struct tcase *t, char *err, size_t len);

/* minimization keeps only candidates both verifiers accept: the kernel's alone lets
 * root leak pointers and read uninitialized stack, which differ by design */
static int mismatch(const struct tcase *t, const struct ecfg *c, char *why, size_t len)
{
	struct kside ks;
	char err[256];
	int rc;

	if (verdict(t, err, sizeof(err)))
		return 0;
	if (run_kernel(t, &ks, err, sizeof(err))) {
		kside_free(&ks);
		return 0;
	}
	rc = run_engine(t, c, &ks, why, len) == 1;
	kside_free(&ks);
	return rc;
}

/* ---- delta debugging ---- */

static int jump_field(const struct bpf_insn *in, int id, int32_t *rel)
{
	switch (id < 0 ? -1 : isa_info[id].form) {
	case F_JA: case F_JCC_K: case F_JCC_X: *rel = in->off; return 1;
	case F_JA32: case F_CALL_LOCAL: *rel = in->imm; return 2;
	}
	return 0;
}

static uint32_t moved(uint32_t x, uint32_t k, uint32_t cnt)
{
	return x < k ? x : x >= k + cnt ? x - cnt : k;
}

/* t without instructions [k, k+cnt), jumps retargeted; 0 if that would split lddw */
static int drop_insns(const struct tcase *t, uint32_t k, uint32_t cnt, struct tcase *out)
{
	if (k + cnt > t->n || cnt >= t->n || (k && insn_is_lddw(&t->insn[k - 1]) &&
	    !(k >= 2 && insn_is_lddw(&t->insn[k - 2]))) ||
	    insn_is_lddw(&t->insn[k + cnt - 1]))
		return 0;
	*out = *t;
	out->n = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		struct bpf_insn in = t->insn[i];
		int32_t rel;
		int f = jump_field(&in, isa_decode(&in), &rel);

		if (i >= k && i < k + cnt)
			continue;
		if (f && i + 1 + (int64_t)rel >= 0) {
			int64_t nrel = (int64_t)moved((uint32_t)(i + 1 + rel), k, cnt) -
				       moved(i, k, cnt) - 1;

			if (f == 1)
				in.off = (int16_t)nrel;
			else
				in.imm = (int32_t)nrel;
		}
		out->insn[out->n++] = in;
	}
	return 1;
}

static void minimize(struct tcase *t, const struct ecfg *c)
{
	static struct tcase cand;	/* large: not on the stack */
	char why[256];

	for (uint32_t p = 0; p < t->npkt && t->npkt > 1;) {	/* fewer packets */
		cand = *t;
		memmove(&cand.pkt[p], &cand.pkt[p + 1], (t->npkt - p - 1) * sizeof(cand.pkt[0]));
		memmove(&cand.len[p], &cand.len[p + 1], (t->npkt - p - 1) * sizeof(cand.len[0]));
		cand.npkt--;
		if (mismatch(&cand, c, why, sizeof(why)))
			*t = cand;
		else
			p++;
	}
	for (uint32_t chunk = t->n / 2; chunk >= 1; chunk /= 2)	/* fewer instructions */
		for (uint32_t k = 0; k + chunk <= t->n;) {
			if (drop_insns(t, k, chunk, &cand) && mismatch(&cand, c, why, sizeof(why)))
				*t = cand;
			else
				k++;
		}
	for (uint32_t p = 0; p < t->npkt; p++)		/* shorter packets */
		while (t->len[p] > 14) {
			cand = *t;
			cand.len[p] = t->len[p] - 1 < 14 ? 14 : t->len[p] - 1;
			if (!mismatch(&cand, c, why, sizeof(why)))
				break;
			*t = cand;
		}
}

/* ---- reproducers ---- */

static void hex(FILE *f, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static int save_case(const char *dir, const char *name, const struct tcase *t,
		     const char *engine, const char *why)
{
	char path[512], text[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.rprog", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# hxdp random-program reproducer (tests/rand/rdiff.c; replay: rdiff --replay)\n"
		"# %s\nengine %s\n", why, engine);
	for (uint32_t i = 0; i < t->n; i++) {
		disasm__insn(&t->insn[i], t->n - i, i, NULL, 0, text, sizeof(text));
		fprintf(f, "insn ");
		hex(f, (const uint8_t *)&t->insn[i], sizeof(t->insn[i]));
		fprintf(f, "  # %u: %s\n", i, text);
	}
	for (uint32_t p = 0; p < t->npkt; p++) {
		fprintf(f, "pkt ");
		hex(f, t->pkt[p], t->len[p]);
		fprintf(f, "\n");
	}
	fclose(f);
	printf("saved %s\n", path);
	return 0;
}

static int unhex(const char *s, uint8_t *out, uint32_t max, uint32_t *n)
{
	*n = 0;
	while (s[0] && s[1] && s[0] != ' ' && s[0] != '\n' && *n < max) {
		unsigned v;

		if (sscanf(s, "%2x", &v) != 1)
			return -EINVAL;
		out[(*n)++] = (uint8_t)v;
		s += 2;
	}
	return 0;
}

static int load_case(const char *path, struct tcase *t, char *engine, size_t elen)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	int lineno = 0;
	uint32_t n;

	if (!f)
		return -errno;
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strncmp(line, "engine ", 7)) {
			snprintf(engine, elen, "%.60s", line + 7);
			engine[strcspn(engine, "\n")] = 0;
		} else if (!strncmp(line, "insn ", 5) && t->n < RPROG_MAX_INSNS) {
			if (unhex(line + 5, (uint8_t *)&t->insn[t->n], 8, &n) || n != 8)
				goto bad;
			t->n++;
		} else if (!strncmp(line, "pkt ", 4) && t->npkt < NPKT) {
			if (unhex(line + 4, t->pkt[t->npkt], RPROG_MAX_PKT, &t->len[t->npkt]))
				goto bad;
			t->npkt++;
		}
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, "rdiff: %s:%d: malformed line\n", path, lineno);
	fclose(f);
	return -EINVAL;
}

/* ---- the loop ---- */

static void make_case(uint64_t seed, uint32_t flags, struct tcase *t)
{
	static struct rprog p;
	uint64_t s = seed;

	p.flags = flags;
	rgen__prog(seed, &p);
	memcpy(t->insn, p.insn, p.n * sizeof(p.insn[0]));
	t->n = p.n;
	t->npkt = NPKT;
	for (int k = 0; k < NPKT; k++) {
		memcpy(t->pkt[k], p.pkt, p.pktlen);
		t->len[k] = p.pktlen;
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		if (k == 1)
			t->pkt[k][(s >> 33) % p.pktlen] ^= (uint8_t)(s >> 20) | 1;
		if (k == 2)
			t->len[k] = 14 + (uint32_t)((s >> 33) % (p.pktlen - 13));
	}
}

/* 1-3 random corruptions: a register, an offset, an immediate, an opcode, a jump
 * distance, or a dropped instruction. Most make programs the kernel refuses. */
static void mutate(uint64_t seed, struct tcase *t)
{
	static struct tcase c;
	uint64_t s = seed * 0xd1342543de82ef95ull + 7;

	for (int k = 1 + (int)((s >> 60) % 3); k-- && t->n > 2;) {
		uint32_t i, r;
		struct bpf_insn *in;
		int id;

		s = s * 6364136223846793005ull + 1442695040888963407ull;
		i = (uint32_t)((s >> 33) % t->n);
		r = (uint32_t)(s >> 20);
		in = &t->insn[i];
		switch ((s >> 8) % 7) {
		case 0: in->dst_reg = r % 11; break;
		case 1: in->src_reg = r % 11; break;
		case 2: in->off = (int16_t)(in->off + (int)(r % 17) - 8); break;
		case 3: in->imm = (r & 1) ? (int32_t)(in->imm + (int)(r % 9) - 4) : (int32_t)r; break;
		case 4:
			id = (int)(r % I_COUNT);
			if (isa_info[id].group != G_HXDP && !insn_is_lddw(in) && id != I_LDDW)
				isa_encode(id, in->dst_reg, in->src_reg, in->off, in->imm, in);
			break;
		case 5: in->off = (int16_t)(in->off + (int)(r % 7) - 3); break;
		default:
			if (drop_insns(t, i, 1, &c))
				*t = c;
		}
	}
}

static const char *reason_class(const char *err, char *buf, size_t len)
{
	const char *p = strstr(err, ": insn ");
	size_t n = 0;

	p = p ? strchr(p + 7, ':') : err;
	p = p ? p + 2 : err;
	for (; *p && n + 1 < len; p++)	/* numbers and register names folded */
		if (!(*p >= '0' && *p <= '9') && !(n && buf[n - 1] == 'R' && *p == 'R'))
			buf[n++] = *p;
	buf[n] = 0;
	return buf;
}

#define MAX_CLASSES 64
struct classes {
	char name[MAX_CLASSES][80];
	uint64_t n[MAX_CLASSES];
	int count;
};

static void class_add(struct classes *c, const char *err)
{
	char buf[80];
	int k;

	reason_class(err, buf, sizeof(buf));
	for (k = 0; k < c->count; k++)
		if (!strcmp(c->name[k], buf))
			break;
	if (k == c->count) {
		if (c->count == MAX_CLASSES)
			return;
		snprintf(c->name[c->count++], sizeof(c->name[0]), "%s", buf);
	}
	c->n[k]++;
}

static int verdict(const struct tcase *t, char *err, size_t len)
{
	struct hxdp_obj *obj;
	int e = rprog__obj(t->insn, t->n, &obj, err, len);

	if (e)
		return e;
	e = verify__prog_opts(obj, &obj->progs[0], &(struct verify_opts){
		.log = getenv("RDIFF_VLOG") ? stderr : NULL }, NULL, err, len);
	obj__close(obj);
	return e;
}

static int one(const struct opts *o, uint64_t seed, struct ecfg *ec, int nec, struct stats *s)
{
	static struct tcase t;
	struct kside ks;
	char kerr[256], verr[256], why[256], name[96];
	int e, v;

	make_case(seed, o->gen_flags, &t);
	if (o->mutate)
		mutate(seed, &t);
	s->progs++;
	e = run_kernel(&t, &ks, kerr, sizeof(kerr));
	if (e == -ENOSYS) {
		kside_free(&ks);
		return -ENOSYS;
	}
	v = verdict(&t, verr, sizeof(verr));
	if (v)
		class_add(&hxdp_reasons, verr);
	if (e)
		class_add(&kernel_reasons, kerr);
	if (!e && !v)
		s->vboth++;
	else if (e && v)
		s->vrefuse_both++;
	else if (!e && v && s->vfalse_refusal++ < 20)
		printf("verifier refuses what the kernel accepts: seed %llu: %s\n",
		       (unsigned long long)seed, verr);
	else if (e && !v) {
		s->vunsound++;
		printf("UNSOUND: kernel refuses (%s), verifier accepts: seed %llu\n", kerr,
		       (unsigned long long)seed);
		snprintf(name, sizeof(name), "verify-%llu", (unsigned long long)seed);
		save_case(o->save, name, &t, "verify", kerr);
	}
	if (e || v) {		/* hxdp loads only what its verifier accepts */
		if (e && s->krefused++ < 5 && !o->quiet)
			printf("kernel refuses seed %llu: %s\n", (unsigned long long)seed, kerr);
		kside_free(&ks);
		return 0;
	}
	s->compared++;
	for (int c = 0; c < nec; c++) {
		s->runs++;
		if (run_engine(&t, &ec[c], &ks, why, sizeof(why)) != 1)
			continue;
		s->mismatches++;
		printf("MISMATCH seed %llu engine %s: %s\n", (unsigned long long)seed,
		       ec[c].spec, why);
		if (o->minimize) {
			static struct tcase m;

			m = t;
			minimize(&m, &ec[c]);
			mismatch(&m, &ec[c], why, sizeof(why));
			printf("  minimized to %u insns, %u packets: %s\n", m.n, m.npkt, why);
			snprintf(name, sizeof(name), "rand-%llu-%s", (unsigned long long)seed,
				 ec[c].spec);
			for (char *p = name; *p; p++)
				if (*p == ':')
					*p = '_';
			save_case(o->save, name, &m, ec[c].spec, why);
		}
	}
	kside_free(&ks);
	return 0;
}

static int emit_seeds(const struct opts *o)
{
	static struct rprog p;
	char path[512];

	for (uint64_t i = 0; i < o->count; i++) {
		uint8_t hdr[3];
		FILE *f;

		rgen__prog(o->seed + i, &p);
		hdr[0] = (uint8_t)i;
		hdr[1] = (uint8_t)p.pktlen;
		hdr[2] = (uint8_t)(p.pktlen >> 8);
		snprintf(path, sizeof(path), "%s/rand-%llu", o->emit,
			 (unsigned long long)(o->seed + i));
		if (!(f = fopen(path, "wb")))
			return 2;
		fwrite(hdr, 1, 3, f);
		fwrite(p.pkt, 1, p.pktlen, f);
		fwrite(p.insn, sizeof(p.insn[0]), p.n, f);
		fclose(f);
	}
	return 0;
}

static int replay(const struct opts *o, int argc, char **argv)
{
	static struct tcase t;
	int fail = 0, pass = 0, skip = 0;

	for (int a = 0; a < argc; a++) {
		struct ecfg ec[MAX_ENGINES];
		char engine[64] = "vm", why[256] = "", kerr[256];
		struct kside ks;
		int nec, e;

		if (load_case(argv[a], &t, engine, sizeof(engine))) {
			printf("FAIL %s: unreadable\n", argv[a]);
			fail++;
			continue;
		}
		if (!strcmp(engine, "verify")) {
			e = run_kernel(&t, &ks, kerr, sizeof(kerr));
			kside_free(&ks);
			if (e == -ENOSYS) {
				printf("skip %s: no bpf() here\n", argv[a]);
				skip++;
			} else if (!!e != !!verdict(&t, why, sizeof(why))) {
				printf("FAIL %s: kernel %s, verifier %s\n", argv[a],
				       e ? "refuses" : "accepts", why[0] ? why : "accepts");
				fail++;
			} else {
				printf("ok %s\n", argv[a]);
				pass++;
			}
			continue;
		}
		nec = parse_engines(engine, ec, MAX_ENGINES);
		if (!nec) {
			printf("skip %s: engine %s is not linked in\n", argv[a], engine);
			skip++;
			continue;
		}
		e = run_kernel(&t, &ks, kerr, sizeof(kerr));
		if (e) {
			printf(e == -ENOSYS ? "skip %s: no bpf() here\n" :
			       "FAIL %s: the kernel refuses it\n", argv[a]);
			e == -ENOSYS ? skip++ : fail++;
		} else if (run_engine(&t, &ec[0], &ks, why, sizeof(why)) == 1) {
			printf("FAIL %s: %s\n", argv[a], why);
			fail++;
		} else {
			printf("ok %s\n", argv[a]);
			pass++;
		}
		kside_free(&ks);
	}
	printf("%d passed, %d failed, %d skipped\n", pass, fail, skip);
	(void)o;
	return fail ? 1 : 0;
}

static const char *const default_engines =
	"vm,vliw:1:0,vliw:2:1,vliw:4:2,vliw:8:2,vliw:4:0,sim:4:2,vliw:4:2:x";

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "seed", required_argument, NULL, 's' },
		{ "engines", required_argument, NULL, 'e' }, { "save", required_argument, NULL, 'o' },
		{ "no-minimize", no_argument, NULL, 'M' }, { "replay", no_argument, NULL, 'r' },
		{ "emit-seeds", required_argument, NULL, 'E' }, { "mutate", no_argument, NULL, 'm' },
		{ "no-movsx", no_argument, NULL, 'X' },
		{ 0 }
	};
	struct opts o = { .count = 100, .seed = 1, .save = "tests/regress",
			  .engines = default_engines, .minimize = 1 };
	struct ecfg ec[MAX_ENGINES];
	struct stats s = { 0 };
	int c, nec, do_replay = 0;
	time_t t0 = time(NULL);

	while ((c = getopt_long(argc, argv, "q", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o.count = strtoull(optarg, NULL, 0); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'e': o.engines = optarg; break;
		case 'o': o.save = optarg; break;
		case 'M': o.minimize = 0; break;
		case 'r': do_replay = 1; break;
		case 'E': o.emit = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'm': o.mutate = 1; break;
		case 'X': o.gen_flags |= RGEN_NO_MOVSX; break;
		default: return 2;
		}
	}
	obj__libbpf_capture(NULL, 0);
	if (o.emit)
		return emit_seeds(&o);
	if (do_replay)
		return replay(&o, argc - optind, argv + optind);
	nec = parse_engines(o.engines, ec, MAX_ENGINES);
	printf("engines:");
	for (int k = 0; k < nec; k++)
		printf(" %s", ec[k].spec);
	printf("\n");
	for (uint64_t i = 0; i < o.count; i++)
		if (one(&o, o.seed + i, ec, nec, &s) == -ENOSYS) {
			printf("skip rand: bpf() is not available here (BPF_PROG_LOAD refused)\n");
			return 3;
		}
	printf("rand: %llu programs (seeds %llu..%llu) in %llds: %llu refused by the kernel, "
	       "%llu compared on %d engine configs (%llu runs), %llu mismatches\n",
	       (unsigned long long)s.progs, (unsigned long long)o.seed,
	       (unsigned long long)(o.seed + o.count - 1), (long long)(time(NULL) - t0),
	       (unsigned long long)s.krefused, (unsigned long long)s.compared, nec,
	       (unsigned long long)s.runs, (unsigned long long)s.mismatches);
	printf("verifier vs kernel: both accept %llu, both refuse %llu, only hxdp refuses %llu, "
	       "only the kernel refuses %llu (unsound)\n", (unsigned long long)s.vboth,
	       (unsigned long long)s.vrefuse_both, (unsigned long long)s.vfalse_refusal,
	       (unsigned long long)s.vunsound);
	for (int k = 0; k < hxdp_reasons.count && !o.quiet; k++)
		printf("  hxdp refused %llu: %s\n", (unsigned long long)hxdp_reasons.n[k],
		       hxdp_reasons.name[k]);
	for (int k = 0; k < kernel_reasons.count && !o.quiet; k++)
		printf("  kernel refused %llu: %s\n", (unsigned long long)kernel_reasons.n[k],
		       kernel_reasons.name[k]);
	return s.mismatches || s.vunsound ? 1 : 0;
}
