/* cmd_run.c: hxdp run PROG.o --pcap IN: every packet through an engine */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "cli.h"
#include "engine.h"
#include "env.h"
#include "obj.h"
#include "pcap.h"

#define NACT 5	/* XDP_ABORTED .. XDP_REDIRECT */
#define MAX_FAULT_MSGS 5

static const char *const act_name[NACT] = { "aborted", "drop", "pass", "tx", "redirect" };

struct run_opts {
	const char *obj, *pcap, *engine, *prog, *maps, *out;
	struct engine_opts eo;
};

struct run_stats {
	uint64_t pkts, act[NACT], invalid, faults, refused, out_pkts, ns, insns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option lo[] = {
		{ "pcap", required_argument, NULL, 'i' }, { "engine", required_argument, NULL, 'e' },
		{ "prog", required_argument, NULL, 'P' }, { "maps", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' }, ENGINE_LONGOPTS, { 0 }
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
		case 'o': o->out = optarg; break;
		default: return -EINVAL;
		}
	}
	if (optind != argc - 1 || !o->pcap)
		return -EINVAL;
	o->obj = argv[optind];
	return 0;
}

/* the packets that leave XDP alive go to --out: TX, PASS and REDIRECT */
static int leaves(uint64_t act)
{
	return act == XDP_TX || act == XDP_PASS || act == XDP_REDIRECT;
}

static int one_packet(const struct engine_ops *eng, void *st, uint32_t prog,
		      struct hxdp_run *r, const struct hxdp_pkt *p, uint32_t num,
		      struct run_stats *s, struct hxdp_pcap_out *out, struct hxdp_xdp *x)
{
	struct hxdp_result res;
	uint64_t r1, t0;

	s->pkts++;
	if (xdp__init(x, p->data, p->len)) {
		s->refused++;	/* the kernel's test_run refuses it too (EINVAL) */
		return 0;
	}
	r1 = run__packet(r, x, &res);
	t0 = now_ns();
	eng->run(st, prog, r, r1);
	s->ns += now_ns() - t0;
	s->insns += res.insns;
	if (res.fault) {
		if (s->faults++ < MAX_FAULT_MSGS)
			fprintf(stderr, "hxdp: packet %u: fault: %s\n", num, res.err);
	}
	if (res.r0 < NACT)
		s->act[res.r0]++;
	else
		s->invalid++;
	if (out && leaves(res.r0) && !res.fault) {
		pcap__write(out, xdp__out(x) + (x->data - x->meta), x->data_end - x->data);
		s->out_pkts++;
	}
	return 0;
}

static void report(struct cli *c, const struct run_opts *o, const char *prog,
		   const struct run_stats *s, const struct engine_ops *eng, void *st)
{
	uint64_t ran = s->pkts - s->refused;
	double nspp = ran ? (double)s->ns / ran : 0;

	if (c->json) {
		json_object *j = json_object_new_object(), *a = json_object_new_object();

		json_object_object_add(j, "object", json_object_new_string(o->obj));
		json_object_object_add(j, "prog", json_object_new_string(prog));
		json_object_object_add(j, "engine", json_object_new_string(o->engine));
		json_object_object_add(j, "packets", json_object_new_int64(s->pkts));
		for (int i = 0; i < NACT; i++)
			json_object_object_add(a, act_name[i], json_object_new_int64(s->act[i]));
		json_object_object_add(a, "invalid", json_object_new_int64(s->invalid));
		json_object_object_add(j, "actions", a);
		json_object_object_add(j, "faults", json_object_new_int64(s->faults));
		json_object_object_add(j, "refused", json_object_new_int64(s->refused));
		json_object_object_add(j, "insns", json_object_new_int64(s->insns));
		json_object_object_add(j, "host_ns_per_packet", json_object_new_double(nspp));
		if (o->out)
			json_object_object_add(j, "out_packets", json_object_new_int64(s->out_pkts));
		if (eng->report)
			eng->report(st, j, NULL, nspp);
		puts(json_object_to_json_string_ext(j, c->pretty ? JSON_C_TO_STRING_PRETTY :
						       JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
		return;
	}
	printf("%s prog %s engine %s: %llu packets\n", o->obj, prog, o->engine,
	       (unsigned long long)s->pkts);
	for (int i = 0; i < NACT; i++)
		printf("  %-9s %llu\n", act_name[i], (unsigned long long)s->act[i]);
	if (s->invalid)
		printf("  %-9s %llu\n", "invalid", (unsigned long long)s->invalid);
	printf("  faults    %llu\n  refused   %llu (shorter than 14 or longer than %d bytes)\n",
	       (unsigned long long)s->faults, (unsigned long long)s->refused, HXDP_MAX_PKT);
	if (o->out)
		printf("  written   %llu to %s\n", (unsigned long long)s->out_pkts, o->out);
	printf("  host_ns_per_packet %.1f\n", nspp);
	if (eng->report)
		eng->report(st, NULL, stdout, nspp);
}

struct run_ctx {
	struct hxdp_obj *obj;
	struct hxdp_pkts pkts;
	struct hxdp_pcap_out *out;
	void *st;
	struct hxdp_run *r;
	struct hxdp_xdp *x;
};

static int setup(struct run_ctx *k, const struct run_opts *o, const struct engine_ops **eng)
{
	char err[512];
	int e;

	*eng = engine__find(o->engine);
	if (!*eng)
		return cli_error("unknown engine '%s'", o->engine);
	if ((e = obj__open_any(o->obj, &k->obj, err, sizeof(err))) ||
	    (e = engine__env(&o->eo, k->obj, err, sizeof(err))) ||
	    (o->maps && (e = obj__load_maps_json(k->obj, o->maps, err, sizeof(err)))) ||
	    (e = pcap__read(o->pcap, &k->pkts, err, sizeof(err))) ||
	    (o->out && (e = pcap__create(o->out, &k->out, err, sizeof(err)))))
		return cli_error("%s", err);
	if (o->prog && !obj__prog(k->obj, o->prog))
		return cli_error("%s: no XDP program '%s'", o->obj, o->prog);
	if ((*eng)->open(k->obj, &o->eo, &k->st, err, sizeof(err)))
		return cli_error("engine %s: %s", o->engine, err);
	k->r = malloc(sizeof(*k->r));
	k->x = malloc(sizeof(*k->x));
	if (!k->r || !k->x)
		return cli_error("out of memory");
	run__init(k->r, &k->obj->env);
	return EXIT_OK;
}

static int do_run(struct cli *c, int argc, char **argv)
{
	struct run_opts o = { .eo = ENGINE_OPTS_DEFAULT };
	struct run_ctx k = { 0 };
	const struct engine_ops *eng = NULL;
	struct run_stats s = { 0 };
	struct hxdp_prog *p;
	int rc;

	if (parse(argc, argv, &o))
		return cli_usage(&cmd_run);
	rc = setup(&k, &o, &eng);
	if (rc == EXIT_OK) {
		p = obj__prog(k.obj, o.prog);
		for (uint32_t i = 0; i < k.pkts.n; i++)
			one_packet(eng, k.st, p->idx, k.r, &k.pkts.pkt[i], i + 1, &s, k.out, k.x);
		report(c, &o, p->name, &s, eng, k.st);
		rc = s.faults ? EXIT_FAIL : EXIT_OK;
	}
	if (k.st)
		eng->close(k.st);
	free(k.r);
	free(k.x);
	pcap__close(k.out);
	pcap__free(&k.pkts);
	obj__close(k.obj);
	engine__opts_free(&o.eo);
	return rc;
}

const struct cli_cmd cmd_run = {
	.name = "run",
	.fn = do_run,
	.usage =
	"run PROG.o|IMAGE --pcap IN.pcap [--engine vm|vliw|sim] [--prog NAME] [--maps INIT.json]\n"
	"    [--out OUT.pcap] " ENGINE_USAGE " [-j]\n"
	"\n"
	"Runs every packet of IN.pcap through program NAME (default: the object's first XDP\n"
	"program) on the engine, with the maps' initial contents from INIT.json\n"
	"(docs/maps-json.md). Prints packets per XDP action, faults (the first few with\n"
	"their message; a fault ends the packet as XDP_ABORTED), and host_ns_per_packet:\n"
	"the engine's own time per packet, loading excluded. --out writes the packets that\n"
	"leave XDP (TX, PASS, REDIRECT) as the program left them, [data, data_end).\n"
	"Packets shorter than 14 bytes or longer than the frame allows are refused, as\n"
	"BPF_PROG_TEST_RUN refuses them. Exit 1 if any packet faulted.\n"
	"\n"
	"vliw and sim compile an object on the fly (--lanes, -O as 'hxdp compile') or run a\n"
	"compiled IMAGE. sim also reports what the hardware would do: mpps, cycles_per_packet,\n"
	"latency_ns (docs/timing.md); --trace FILE writes its per-cycle trace. --fib FILE is\n"
	"the table bpf_fib_lookup consults (docs/helpers.md).\n",
};
