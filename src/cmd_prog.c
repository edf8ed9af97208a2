/* cmd_prog.c: hxdp prog load|show: the program running on a device */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "cli.h"
#include "ctl.h"

static const char usage[] =
	"prog { load | show } [--dev NAME]\n"
	"\n"
	"  hxdp prog load PROG.o [--prog NAME] [--maps FILE.json] [--dev NAME]\n"
	"      swap the device's program between two packets: no restart, no packet lost;\n"
	"      maps the new program declares compatibly keep their contents and ids\n"
	"      (same name, type, key/value size, max_entries, flags; docs/device.md);\n"
	"      --maps fills the others (docs/maps-json.md)\n"
	"  hxdp prog show [--dev NAME]\n";

static uint64_t jget(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static void print_prog(struct json_object *p)
{
	struct json_object *ids = NULL;
	time_t t = (time_t)jget(p, "loaded_at");
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	printf("%llu: xdp  name %s  engine %s  version %llu\n", (unsigned long long)jget(p, "id"),
	       jstr(p, "name"), jstr(p, "engine"), (unsigned long long)jget(p, "version"));
	printf("\tloaded_at %s  from %s\n", when, jstr(p, "path"));
	printf("\txlated %llu insns  run_cnt %llu  run_insns %llu\n",
	       (unsigned long long)jget(p, "insns"), (unsigned long long)jget(p, "run_cnt"),
	       (unsigned long long)jget(p, "run_insns"));
	json_object_object_get_ex(p, "map_ids", &ids);
	printf("\tmap_ids ");
	for (size_t i = 0; ids && i < json_object_array_length(ids); i++)
		printf("%s%llu", i ? "," : "",
		       (unsigned long long)json_object_get_uint64(json_object_array_get_idx(ids, i)));
	printf("\n");
}

static int call(const char *dev, struct json_object *req, struct json_object **r)
{
	char err[600];
	int e = ctl__request(dev, req, r, err, sizeof(err));

	if (e)
		cli_error("%s", err);
	return e ? (e == -ENOENT && strstr(err, "not running") ? EXIT_FAIL : EXIT_USAGE) : 0;
}

static int prog_load(struct cli *c, const char *dev, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "prog", required_argument, NULL, 'P' }, { "maps", required_argument, NULL, 'm' },
		{ 0 }
	};
	struct json_object *req, *r;
	char abs[PATH_MAX], mabs[PATH_MAX];
	const char *prog = NULL, *maps = NULL;
	int ch, e;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'P')
			prog = optarg;
		else if (ch == 'm')
			maps = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc - 1)
		return cli_error("usage: hxdp prog load PROG.o [--prog NAME] [--maps FILE.json]");
	if (!realpath(argv[optind], abs))
		return cli_error("%s: %s", argv[optind], strerror(errno));
	if (maps && !realpath(maps, mabs))
		return cli_error("%s: %s", maps, strerror(errno));
	req = ctl__req("prog.load");
	json_object_object_add(req, "path", json_object_new_string(abs));
	if (prog)
		json_object_object_add(req, "prog", json_object_new_string(prog));
	if (maps)
		json_object_object_add(req, "maps", json_object_new_string(mabs));
	if ((e = call(dev, req, &r)))
		return e;
	json_object_object_del(r, "ok");
	if (c->json)
		puts(json_object_to_json_string_ext(r, c->pretty ? JSON_C_TO_STRING_PRETTY
								  : JSON_C_TO_STRING_PLAIN));
	else
		printf("loaded %s on %s: prog id %llu, version %llu, %zu maps, %llu carried over\n",
		       jstr(r, "name"), dev, (unsigned long long)jget(r, "id"),
		       (unsigned long long)jget(r, "version"),
		       json_object_array_length(json_object_object_get(r, "map_ids")),
		       (unsigned long long)jget(r, "maps_carried"));
	json_object_put(r);
	return EXIT_OK;
}

static int prog_show(struct cli *c, const char *dev, int argc, char **argv)
{
	struct json_object *r, *a;
	char err[600];
	int e;

	if (argc > 1)
		return cli_error("prog show: unexpected argument '%s'", argv[1]);
	e = ctl__request(dev, ctl__req("prog.show"), &r, err, sizeof(err));
	if (e == -ENOENT && !strstr(err, "not running")) {
		/* no program: bpftool prints nothing (an empty array with -j) */
		if (c->json)
			puts("[]");
		return EXIT_OK;
	}
	if (e)
		return cli_error("%s", err), EXIT_FAIL;
	json_object_object_del(r, "ok");
	if (c->json) {
		a = json_object_new_array();
		json_object_array_add(a, json_object_get(r));
		puts(json_object_to_json_string_ext(a, c->pretty ? JSON_C_TO_STRING_PRETTY
								  : JSON_C_TO_STRING_PLAIN));
		json_object_put(a);
	} else {
		print_prog(r);
	}
	json_object_put(r);
	return EXIT_OK;
}

static int prog_main(struct cli *c, int argc, char **argv)
{
	const char *dev = ctl__take_dev(&argc, argv), *verb = argc > 1 ? argv[1] : NULL;

	if (!verb)
		return cli_usage(&cmd_prog);
	argc--;
	argv++;
	optind = 1;
	if (!strcmp(verb, "load"))
		return prog_load(c, dev, argc, argv);
	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		return prog_show(c, dev, argc, argv);
	return cli_error("prog: unknown verb '%s' (load, show)", verb);
}

const struct cli_cmd cmd_prog = { "prog", prog_main, usage };
