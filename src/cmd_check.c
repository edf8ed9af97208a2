/* cmd_check.c: hxdp check PROG.o --pcap IN: every packet through the kernel and through
 * hxdp; action, output bytes and map contents must be identical (docs/loader.md) */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli.h"
#include "engine.h"
#include "env.h"
#include "kern.h"
#include "maps.h"
#include "obj.h"
#include "pcap.h"

#define MAX_DIFF_LINES 3	/* per map and packet */
#define MAX_DUMP_BYTES (64 << 20)	/* keys and values of one map, compared per packet */

struct check_opts {
	const char *obj, *pcap, *engine, *prog, *maps;
	int quiet;
	struct engine_opts eo;
};

struct check {
	const struct check_opts *o;
	struct cli *c;
	const struct engine_ops *eng;
	struct hxdp_obj *obj;
	struct hxdp_kern *kern;
	void *st;
	struct hxdp_run *r;
	struct hxdp_xdp *x;
	struct kern_result *kr;
	uint32_t prog;
	uint8_t watch[HXDP_MAX_MAPS];	/* maps the programs can write */
	uint8_t *cmp[HXDP_MAX_MAPS];	/* per value byte: 0xff compared, 0 nondet */
	struct map_dump kd, hd;
	uint64_t mismatches;
	json_object *jlist, *jnondet;	/* -j: collected, printed as one document */
};

#define MAX_JSON_MISMATCHES 1000

static const char *act_str(uint64_t a)
{
	static const char *const n[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					 "XDP_REDIRECT" };

	return a < 5 ? n[a] : "invalid";
}

static void mismatch(struct check *k, uint32_t pkt, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mismatch(struct check *k, uint32_t pkt, const char *fmt, ...)
{
	const char *prog = k->obj->progs[k->prog].name;
	json_object *j;
	char what[512];
	va_list ap;

	k->mismatches++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!k->c->json) {
		if (pkt)
			printf("prog %s packet %u: %s\n", prog, pkt, what);
		else
			printf("prog %s initial maps: %s\n", prog, what);
		return;
	}
	if (json_object_array_length(k->jlist) >= MAX_JSON_MISMATCHES)
		return;
	j = json_object_new_object();
	json_object_object_add(j, "prog", json_object_new_string(prog));
	json_object_object_add(j, "packet", json_object_new_int64(pkt));
	json_object_object_add(j, "what", json_object_new_string(what));
	json_object_array_add(k->jlist, j);
}

/* ---- which maps to watch --------------------------------------------------------- */

static int data_map(const struct hxdp_map *m)
{
	switch (m->type) {
	case BPF_MAP_TYPE_PROG_ARRAY: case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS: case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH: case BPF_MAP_TYPE_XSKMAP: case BPF_MAP_TYPE_CPUMAP:
		return 0;
	}
	return !m->rdonly_prog;
}

/* every value of an outer map (or prog array): an object index */
static void mark_values(struct hxdp_map *m, uint8_t *mark, uint32_t nmark)
{
	uint8_t key[64], next[64], val[64];
	int first = 1;
	uint32_t idx;

	if (m->key_size > sizeof(key) || map__user_value_size(m) > sizeof(val))
		return;
	while (!map__next_key(m, first ? NULL : key, next)) {
		first = 0;
		memcpy(key, next, m->key_size);
		if (map__user_lookup(m, key, val))
			continue;
		memcpy(&idx, val, 4);
		if (idx < nmark)
			mark[idx] = 1;
	}
}

static void watch_maps(struct check *k)
{
	struct hxdp_obj *obj = k->obj;
	uint8_t ref[HXDP_MAX_MAPS] = { 0 };

	for (uint32_t p = 0; p < obj->nprogs; p++)
		for (uint32_t i = 0; i < obj->progs[p].ninsns; i++) {
			const struct bpf_insn *in = &obj->progs[p].insns[i];

			if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    (in->src_reg == BPF_PSEUDO_MAP_FD ||
			     in->src_reg == BPF_PSEUDO_MAP_VALUE) &&
			    (uint32_t)in->imm < obj->nbmaps)
				ref[in->imm] = 1;
		}
	for (uint32_t i = 0; i < obj->nbmaps; i++) {
		uint32_t t = obj->env.maps[i]->type;

		if (ref[i] && (t == BPF_MAP_TYPE_ARRAY_OF_MAPS || t == BPF_MAP_TYPE_HASH_OF_MAPS))
			mark_values(obj->env.maps[i], ref, obj->nbmaps);
	}
	for (uint32_t i = 0; i < obj->nbmaps; i++)
		k->watch[i] = ref[i] && data_map(obj->env.maps[i]);
}

/* programs some PROG_ARRAY holds run as part of their entry program */
static void tail_targets(struct hxdp_obj *obj, uint8_t *is_target)
{
	for (uint32_t i = 0; i < obj->nbmaps; i++)
		if (obj->env.maps[i]->type == BPF_MAP_TYPE_PROG_ARRAY)
			mark_values(obj->env.maps[i], is_target, obj->nprogs);
}

/* ---- map comparison ------------------------------------------------------------------ */

static int hxdp_dump(struct hxdp_map *m, struct map_dump *d)
{
	uint8_t *key = calloc(2, m->key_size + 8), *next = key + m->key_size + 8;
	uint8_t *val = calloc(1, map__user_value_size(m) + 8);
	int first = 1, e = key && val ? 0 : -ENOMEM;

	d->n = 0;
	d->ksz = m->key_size;
	d->vsz = map__user_value_size(m);
	while (!e && !map__next_key(m, first ? NULL : key, next)) {
		first = 0;
		memcpy(key, next, m->key_size);
		if (map__user_lookup(m, key, val))
			continue;
		e = dump__add(d, key, val);
	}
	free(key);
	free(val);
	return e;
}

static int masked(const struct hxdp_obj *obj, uint32_t map, uint32_t byte)
{
	const struct hxdp_map *m = obj->env.maps[map];
	uint32_t slot = m->ncpus > 1 ? (m->value_size + 7) & ~7u : m->value_size;
	uint32_t off = slot ? byte % slot : byte;

	for (uint32_t i = 0; i < obj->nnondet; i++)
		if (obj->nondet[i].map == map && off >= obj->nondet[i].off &&
		    off < obj->nondet[i].off + obj->nondet[i].len)
			return 1;
	return 0;
}

static void hex(char *s, size_t n, const uint8_t *p, uint32_t len)
{
	size_t k = 0;

	s[0] = 0;
	for (uint32_t i = 0; i < len && k + 4 < n; i++)
		k += snprintf(s + k, n - k, "%02x", p[i]);
}

static int val_differs(const struct check *k, uint32_t map, const uint8_t *a,
		       const uint8_t *b, uint32_t vsz)
{
	for (uint32_t i = 0; i < vsz; i++)
		if (a[i] != b[i] && !masked(k->obj, map, i))
			return (int)i + 1;
	return 0;
}

/* both dumps sorted by key: walk them together. Returns the differences found. */
static int dumps_compare(struct check *k, uint32_t pkt, uint32_t map)
{
	const struct map_dump *a = &k->kd, *b = &k->hd;
	const char *name = k->obj->map_name[map];
	uint32_t i = 0, j = 0;
	int diffs = 0;
	char ks[80];

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : memcmp(dump__key(a, i), dump__key(b, j),
								   a->ksz);
		int at;

		if (c) {
			hex(ks, sizeof(ks), c < 0 ? dump__key(a, i) : dump__key(b, j), a->ksz);
			if (diffs++ < MAX_DIFF_LINES)
				mismatch(k, pkt, "map %s: key %s only in %s", name, ks,
					 c < 0 ? "the kernel" : "hxdp");
			c < 0 ? i++ : j++;
			continue;
		}
		at = val_differs(k, map, dump__val(a, i), dump__val(b, j), a->vsz);
		if (at && diffs++ < MAX_DIFF_LINES) {
			hex(ks, sizeof(ks), dump__key(a, i), a->ksz);
			mismatch(k, pkt, "map %s key %s: value byte %d: kernel 0x%02x, hxdp 0x%02x",
				 name, ks, at - 1, dump__val(a, i)[at - 1], dump__val(b, j)[at - 1]);
		}
		i++;
		j++;
	}
	if (diffs > MAX_DIFF_LINES)
		mismatch(k, pkt, "map %s: %d more differences", name, diffs - MAX_DIFF_LINES);
	return diffs;
}

/* order-independent digest of a dump, nondet bytes left out: equal digests (and
 * counts) spare the sort and walk for the common case of equal maps */
static uint64_t digest(const struct map_dump *d, const uint8_t *cmp)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < d->n; i++) {
		const uint8_t *k = dump__key(d, i), *v = dump__val(d, i);
		uint64_t h = 0xcbf29ce484222325ull;

		for (uint32_t b = 0; b < d->ksz; b++)
			h = (h ^ k[b]) * 0x100000001b3ull;
		for (uint32_t b = 0; b < d->vsz; b++)
			h = (h ^ (v[b] & cmp[b])) * 0x100000001b3ull;
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ull;
		sum += h ^ (h >> 32);
	}
	return sum;
}

static const uint8_t *cmp_mask(struct check *k, uint32_t map)
{
	uint32_t vsz = map__user_value_size(k->obj->env.maps[map]);

	if (!k->cmp[map]) {
		k->cmp[map] = malloc(vsz ? vsz : 1);
		for (uint32_t b = 0; k->cmp[map] && b < vsz; b++)
			k->cmp[map][b] = masked(k->obj, map, b) ? 0 : 0xff;
	}
	return k->cmp[map];
}

/* after a difference hxdp continues from the kernel's contents, so one divergence is
 * reported once and not again for every later packet */
static void resync(struct check *k, uint32_t map)
{
	struct hxdp_map *m = k->obj->env.maps[map];

	if (kern__fd_map(m->type))
		return;
	map__clear(m);
	for (uint32_t i = 0; i < k->kd.n; i++)
		map__user_update(m, dump__key(&k->kd, i), dump__val(&k->kd, i), BPF_ANY);
}

static int maps_compare(struct check *k, uint32_t pkt)
{
	char err[64];
	int e;

	for (uint32_t i = 0; i < k->obj->nbmaps; i++) {
		if ((pkt && !k->watch[i]) || k->obj->env.maps[i]->type == BPF_MAP_TYPE_XSKMAP)
			continue;	/* XSKMAP: sockets only, the kernel has no user lookup */
		e = kern__dump(k->kern, i, &k->kd);
		if (!e)
			e = hxdp_dump(k->obj->env.maps[i], &k->hd);
		if (e) {
			snprintf(err, sizeof(err), "%s", strerror(-e));
			mismatch(k, pkt, "map %s: cannot dump: %s", k->obj->map_name[i], err);
			continue;
		}
		if (!cmp_mask(k, i))
			return -ENOMEM;
		if (k->kd.n == k->hd.n && digest(&k->kd, k->cmp[i]) == digest(&k->hd, k->cmp[i]))
			continue;
		dump__sort(&k->kd);
		dump__sort(&k->hd);
		if (dumps_compare(k, pkt, i))
			resync(k, i);
	}
	return 0;
}

/* ---- one packet ------------------------------------------------------------------------ */

static void out_compare(struct check *k, uint32_t pkt)
{
	const uint8_t *h = xdp__out(k->x), *kb = k->kr->out;
	uint32_t hl = xdp__out_len(k->x), kl = k->kr->out_len, n = hl < kl ? hl : kl, i;

	for (i = 0; i < n && h[i] == kb[i]; i++)
		;
	if (i == n && hl == kl)
		return;
	if (i < n)
		mismatch(k, pkt, "output (%u bytes kernel, %u hxdp): first difference at byte "
			 "%u: kernel 0x%02x, hxdp 0x%02x", kl, hl, i, kb[i], h[i]);
	else
		mismatch(k, pkt, "output: kernel %u bytes, hxdp %u (equal up to %u)", kl, hl, n);
}

static void check_packet(struct check *k, const struct hxdp_pkt *p, uint32_t num)
{
	struct hxdp_result res;
	int refused = xdp__init(k->x, p->data, p->len);
	uint64_t r1;

	kern__run(k->kern, k->prog, p->data, p->len, k->kr);
	if (k->kr->err || refused) {
		if (!k->kr->err || !refused)
			mismatch(k, num, "%u bytes: kernel %s, hxdp %s", p->len,
				 k->kr->err ? strerror(-k->kr->err) : "ran it",
				 refused ? "refused it" : "ran it");
		return;
	}
	r1 = run__packet(k->r, k->x, &res);
	k->eng->run(k->st, k->prog, k->r, r1);
	if (res.fault)
		mismatch(k, num, "hxdp fault: %s", res.err);
	if (res.r0 != k->kr->retval)
		mismatch(k, num, "action: kernel %s (%u), hxdp %s (%llu)", act_str(k->kr->retval),
			 k->kr->retval, act_str(res.r0), (unsigned long long)res.r0);
	out_compare(k, num);
	maps_compare(k, num);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int open_all(struct check *k, const char *prog, int *nobpf)
{
	const struct check_opts *o = k->o;
	char err[512];
	int e;

	if ((e = obj__open(o->obj, &k->obj, err, sizeof(err))) ||
	    (e = engine__env(&o->eo, k->obj, err, sizeof(err))) ||
	    (o->maps && (e = obj__load_maps_json(k->obj, o->maps, err, sizeof(err)))))
		return cli_error("%s", err);
	for (uint32_t i = 0; i < k->obj->nbmaps; i++) {
		const struct hxdp_map *m = k->obj->env.maps[i];
		uint64_t sz = (uint64_t)m->max_entries * (m->key_size + map__user_value_size(m));

		if (sz > MAX_DUMP_BYTES)
			return cli_error("%s: map '%s': %u entries of %u+%u bytes, more than check "
					 "compares (%d MiB)", o->obj, k->obj->map_name[i],
					 m->max_entries, m->key_size, map__user_value_size(m),
					 MAX_DUMP_BYTES >> 20);
	}
	if (prog) {
		e = obj__prog_idx(k->obj, prog);
		if (e < 0)
			return cli_error("%s: no XDP program '%s'", o->obj, prog);
		k->prog = (uint32_t)e;
	}
	e = kern__open(k->obj, &k->kern, err, sizeof(err));
	if (e == -ENOSYS)
		*nobpf = 1;
	if (e)
		return cli_error("%s", err);
	if (k->eng->open(k->obj, &o->eo, &k->st, err, sizeof(err)))
		return cli_error("engine %s: %s", o->engine, err);
	k->r = malloc(sizeof(*k->r));
	k->x = malloc(sizeof(*k->x));
	k->kr = malloc(sizeof(*k->kr));
	if (!k->r || !k->x || !k->kr)
		return cli_error("out of memory");
	run__init(k->r, &k->obj->env);
	watch_maps(k);
	return EXIT_OK;
}

static void close_all(struct check *k)
{
	if (k->st)
		k->eng->close(k->st);
	k->st = NULL;
	kern__close(k->kern);
	k->kern = NULL;
	obj__close(k->obj);
	k->obj = NULL;
	free(k->r);
	free(k->x);
	free(k->kr);
	k->r = NULL;
	k->x = NULL;
	k->kr = NULL;
	dump__free(&k->kd);
	dump__free(&k->hd);
	for (uint32_t i = 0; i < HXDP_MAX_MAPS; i++) {
		free(k->cmp[i]);
		k->cmp[i] = NULL;
	}
}

static void nondet_list(struct check *k)
{
	for (uint32_t i = 0; i < k->obj->nnondet; i++) {
		const struct hxdp_nondet *n = &k->obj->nondet[i];

		if (k->c->json) {
			json_object *j = json_object_new_object();

			json_object_object_add(j, "map", json_object_new_string(
						       k->obj->map_name[n->map]));
			json_object_object_add(j, "offset", json_object_new_int64(n->off));
			json_object_object_add(j, "len", json_object_new_int64(n->len));
			json_object_object_add(j, "why", json_object_new_string(n->why));
			json_object_array_add(k->jnondet, j);
			continue;
		}
		printf("nondet: map %s bytes %u..%u not compared (%s)\n",
		       k->obj->map_name[n->map], n->off, n->off + n->len - 1, n->why);
	}
}

/* one entry program over every packet, from fresh maps on both sides */
static int check_prog(struct check *k, const char *prog, const struct hxdp_pkts *pk,
		      int first, int *nobpf)
{
	int rc = open_all(k, prog, nobpf);

	if (rc == EXIT_OK) {
		if (first)
			nondet_list(k);
		maps_compare(k, 0);
		for (uint32_t i = 0; i < pk->n; i++)
			check_packet(k, &pk->pkt[i], i + 1);
	}
	close_all(k);
	return rc;
}

/* the programs to check: --prog, or every program no PROG_ARRAY holds */
static int entry_progs(struct check *k, char (**names)[64], uint32_t *n)
{
	uint8_t target[256] = { 0 };
	char err[512];
	int e;

	*n = 0;
	if ((e = obj__open(k->o->obj, &k->obj, err, sizeof(err))) ||
	    (k->o->maps && (e = obj__load_maps_json(k->obj, k->o->maps, err, sizeof(err))))) {
		obj__close(k->obj);
		k->obj = NULL;
		return cli_error("%s", err);
	}
	tail_targets(k->obj, target);
	*names = calloc(k->obj->nprogs, sizeof(**names));
	for (uint32_t i = 0; *names && i < k->obj->nprogs; i++)
		if (i >= sizeof(target) || !target[i])
			snprintf((*names)[(*n)++], 64, "%s", k->obj->progs[i].name);
	obj__close(k->obj);
	k->obj = NULL;
	return *names ? EXIT_OK : cli_error("out of memory");
}

static int parse(int argc, char **argv, struct check_opts *o)
{
	static const struct option lo[] = {
		{ "pcap", required_argument, NULL, 'i' }, { "engine", required_argument, NULL, 'e' },
		{ "prog", required_argument, NULL, 'P' }, { "maps", required_argument, NULL, 'm' },
		ENGINE_LONGOPTS, { 0 }
	};
	int c, e;

	o->engine = "vm";
	while ((c = getopt_long(argc, argv, ENGINE_SHORTOPTS, lo, NULL)) != -1) {
		if ((e = engine__opt(&o->eo, c, optarg)) < 0)
			return e;
		if (e)
			continue;
		switch (c) {
		case 'i': o->pcap = optarg; break;
		case 'e': o->engine = optarg; break;
		case 'P': o->prog = optarg; break;
		case 'm': o->maps = optarg; break;
		default: return -EINVAL;
		}
	}
	if (optind != argc - 1 || !o->pcap)
		return -EINVAL;
	o->obj = argv[optind];
	return 0;
}

static void summary(struct check *k, uint32_t nprogs, uint64_t pkts)
{
	if (k->c->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "object", json_object_new_string(k->o->obj));
		json_object_object_add(j, "pcap", json_object_new_string(k->o->pcap));
		json_object_object_add(j, "programs", json_object_new_int64(nprogs));
		json_object_object_add(j, "packets", json_object_new_int64(pkts));
		json_object_object_add(j, "mismatches", json_object_new_int64(k->mismatches));
		json_object_object_add(j, "nondet", json_object_get(k->jnondet));
		json_object_object_add(j, "mismatch_list", json_object_get(k->jlist));
		puts(json_object_to_json_string_ext(j, k->c->pretty ? JSON_C_TO_STRING_PRETTY :
						       JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
		return;
	}
	printf("%llu packets, %llu mismatches\n", (unsigned long long)pkts,
	       (unsigned long long)k->mismatches);
}

static int do_check(struct cli *c, int argc, char **argv)
{
	struct check_opts o = { .eo = ENGINE_OPTS_DEFAULT };
	struct check k = { .o = &o, .c = c };
	struct hxdp_pkts pk = { 0 };
	char (*names)[64] = NULL, err[512];
	uint32_t n = 0;
	int rc, nobpf = 0;

	if (parse(argc, argv, &o))
		return cli_usage(&cmd_check);
	k.eng = engine__find(o.engine);
	if (!k.eng)
		return cli_error("unknown engine '%s'", o.engine);
	if (pcap__read(o.pcap, &pk, err, sizeof(err)))
		return cli_error("%s", err);
	k.jlist = json_object_new_array();
	k.jnondet = json_object_new_array();
	if (o.prog) {
		names = calloc(1, sizeof(*names));
		rc = names ? EXIT_OK : EXIT_INTERNAL;
		if (names)
			snprintf(names[n++], 64, "%s", o.prog);
	} else {
		rc = entry_progs(&k, &names, &n);
	}
	for (uint32_t i = 0; rc == EXIT_OK && i < n; i++)
		rc = check_prog(&k, names[i], &pk, i == 0, &nobpf);
	if (rc == EXIT_OK) {
		summary(&k, n, (uint64_t)pk.n * n);
		rc = k.mismatches ? EXIT_FAIL : EXIT_OK;
	}
	free(names);
	pcap__free(&pk);
	json_object_put(k.jlist);
	json_object_put(k.jnondet);
	engine__opts_free(&o.eo);
	return nobpf ? EXIT_NOBPF : rc;
}

const struct cli_cmd cmd_check = {
	.name = "check",
	.fn = do_check,
	.usage =
	"check PROG.o --pcap IN.pcap [--engine vm|vliw|sim] [--prog NAME] [--maps INIT.json]\n"
	"    " ENGINE_USAGE "\n"
	"\n"
	"Loads the object into the running kernel too and runs every packet through\n"
	"BPF_PROG_TEST_RUN (on CPU 0) and through hxdp, both starting from the same map\n"
	"contents (INIT.json, docs/maps-json.md). Compares the XDP action, the output\n"
	"bytes [data_meta, data_end) and, after every packet, the contents of every map the\n"
	"programs can write (all maps once before the first packet), except the bytes the\n"
	"\"nondet\" masks of INIT.json exclude. Without --prog every XDP program of the\n"
	"object is checked, each from fresh maps, except tail-call targets (programs a\n"
	"PROG_ARRAY holds), which run as part of their entry program. Prints each mismatch\n"
	"and a final line 'N packets, N mismatches' (docs/loader.md).\n"
	"vliw and sim compile the object with --lanes and -O (as 'hxdp compile'). --fib gives\n"
	"hxdp's bpf_fib_lookup a table; the kernel uses its own, so they must agree.\n"
	"Exit 0: no mismatch, 1: mismatches, 2: bad input, 3: bpf() unavailable.\n",
};
