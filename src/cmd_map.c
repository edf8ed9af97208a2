/* cmd_map.c: hxdp map show|dump|lookup|update|delete|getnext|batch, bpftool's way */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <json-c/json.h>
#include "cli.h"
#include "ctl.h"

static const char usage[] =
	"map { show | dump | lookup | update | delete | getnext | batch } [--dev NAME]\n"
	"\n"
	"  hxdp map show [MAP]\n"
	"  hxdp map dump MAP\n"
	"  hxdp map lookup MAP key DATA\n"
	"  hxdp map update MAP key DATA value VALUE [any|noexist|exist]\n"
	"  hxdp map delete MAP key DATA\n"
	"  hxdp map getnext MAP [key DATA]\n"
	"  hxdp map batch FILE       one map command per line ('-': stdin), one connection\n"
	"\n"
	"  MAP := id N | name NAME     DATA, VALUE := [hex] BYTE...\n"
	"  Bytes are numbers (0x.., 0.., decimal) or, after 'hex', hex digits.\n"
	"  Maps are those of the program running on the device (--dev NAME, default hxdp0).\n"
	"  -j prints bpftool's JSON shapes; maps with BTF also print \"formatted\".\n";

#define BYTES_MAX 4096
#define ARGS_MAX 4200

struct mctx {
	struct cli *c;
	const char *dev;
	int fd;			/* connection, reused by batch */
	char err[600];
};

/* ---- arguments ---- */

static int is_kw(const char *s)
{
	return !strcmp(s, "key") || !strcmp(s, "value") || !strcmp(s, "any") ||
	       !strcmp(s, "noexist") || !strcmp(s, "exist");
}

static int parse_map(int argc, char **argv, int *i, struct json_object *req)
{
	struct json_object *m;
	char *end;
	unsigned long id;

	if (*i + 1 >= argc)
		return cli_error("expected MAP: id N | name NAME");
	m = json_object_new_object();
	if (!strcmp(argv[*i], "id")) {
		errno = 0;
		id = strtoul(argv[*i + 1], &end, 0);
		if (errno || *end || !id || id > UINT32_MAX) {
			json_object_put(m);
			return cli_error("map id '%s' is not a positive number", argv[*i + 1]);
		}
		json_object_object_add(m, "id", json_object_new_int64((int64_t)id));
	} else if (!strcmp(argv[*i], "name")) {
		json_object_object_add(m, "name", json_object_new_string(argv[*i + 1]));
	} else {
		json_object_put(m);
		return cli_error("expected MAP (id N | name NAME), got '%s'", argv[*i]);
	}
	json_object_object_add(req, "map", m);
	*i += 2;
	return 0;
}

static int parse_bytes(int argc, char **argv, int *i, const char *what, struct json_object *req)
{
	uint8_t buf[BYTES_MAX];
	int n = 0, hex = 0;
	char *h;

	if (*i < argc && !strcmp(argv[*i], "hex")) {
		hex = 1;
		(*i)++;
	}
	for (; *i < argc && !is_kw(argv[*i]); (*i)++) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(argv[*i], &end, hex ? 16 : 0);
		if (errno || *end || !*argv[*i] || v > 255)
			return cli_error("%s byte %d: '%s' is not a byte%s", what, n + 1, argv[*i],
					 hex ? " in hex" : "");
		if (n == BYTES_MAX)
			return cli_error("%s is longer than %d bytes", what, BYTES_MAX);
		buf[n++] = (uint8_t)v;
	}
	if (!n)
		return cli_error("%s has no bytes", what);
	h = ctl__hex(buf, (size_t)n);
	json_object_object_add(req, what, json_object_new_string(h));
	free(h);
	return 0;
}

static int parse_flags(int argc, char **argv, int *i, struct json_object *req)
{
	uint64_t f;

	if (*i >= argc)
		return 0;
	if (!strcmp(argv[*i], "any"))
		f = BPF_ANY;
	else if (!strcmp(argv[*i], "noexist"))
		f = BPF_NOEXIST;
	else if (!strcmp(argv[*i], "exist"))
		f = BPF_EXIST;
	else
		return cli_error("unexpected '%s' (flags are any, noexist, exist)", argv[*i]);
	json_object_object_add(req, "flags", json_object_new_uint64(f));
	(*i)++;
	return 0;
}

/* the request for map VERB ARGS; NULL after printing the error */
static struct json_object *build(const char *verb, int argc, char **argv, int *code)
{
	static const char *const verbs[][2] = {
		{ "show", "map.show" }, { "list", "map.show" }, { "dump", "map.dump" },
		{ "lookup", "map.lookup" }, { "update", "map.update" }, { "delete", "map.delete" },
		{ "getnext", "map.getnext" },
	};
	struct json_object *req = NULL;
	int i = 0, e = 0;

	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]) && !req; k++)
		if (!strcmp(verb, verbs[k][0]))
			req = ctl__req(verbs[k][1]);
	if (!req) {
		*code = cli_error("map: unknown verb '%s' (show, dump, lookup, update, delete, "
				  "getnext, batch)", verb);
		return NULL;
	}
	if (strcmp(verb, "show") && strcmp(verb, "list"))
		e = parse_map(argc, argv, &i, req);
	else if (argc)
		e = parse_map(argc, argv, &i, req);
	if (!e && i < argc && !strcmp(argv[i], "key") && strcmp(verb, "dump")) {
		i++;
		e = parse_bytes(argc, argv, &i, "key", req);
	} else if (!e && (!strcmp(verb, "lookup") || !strcmp(verb, "update") ||
			  !strcmp(verb, "delete"))) {
		e = cli_error("map %s: expected 'key DATA'", verb);
	}
	if (!e && !strcmp(verb, "update")) {
		if (i < argc && !strcmp(argv[i], "value")) {
			i++;
			e = parse_bytes(argc, argv, &i, "value", req);
		} else {
			e = cli_error("map update: expected 'value VALUE'");
		}
		if (!e)
			e = parse_flags(argc, argv, &i, req);
	}
	if (!e && i < argc)
		e = cli_error("map %s: unexpected argument '%s'", verb, argv[i]);
	if (e) {
		json_object_put(req);
		*code = e;
		return NULL;
	}
	return req;
}

/* ---- output ---- */

static struct json_object *hex_array(const char *hex)
{
	struct json_object *a = json_object_new_array();
	char b[5];

	for (size_t i = 0; hex && hex[i] && hex[i + 1]; i += 2) {
		snprintf(b, sizeof(b), "0x%c%c", hex[i], hex[i + 1]);
		json_object_array_add(a, json_object_new_string(b));
	}
	return a;
}

static void print_hex(const char *label, const char *hex)
{
	printf("%s:", label);
	for (size_t i = 0; hex && hex[i] && hex[i + 1]; i += 2)
		printf("%s%c%c", i && i % 32 == 0 ? "\n" : " ", hex[i], hex[i + 1]);
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static void out_json(struct cli *c, struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, c->pretty ? JSON_C_TO_STRING_PRETTY
							  : JSON_C_TO_STRING_PLAIN));
}

/* bpftool's element shape: {"key": ["0x..", ...], "value": [...], "formatted": {...}} */
static struct json_object *element(struct json_object *e, const char *vk)
{
	struct json_object *o = json_object_new_object(), *f;

	json_object_object_add(o, "key", hex_array(jstr(e, "key")));
	json_object_object_add(o, vk, hex_array(jstr(e, vk)));
	if (json_object_object_get_ex(e, "formatted", &f))
		json_object_object_add(o, "formatted", json_object_get(f));
	return o;
}

static void print_element(struct json_object *e)
{
	struct json_object *f;

	if (json_object_object_get_ex(e, "formatted", &f)) {
		puts(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED));
		return;
	}
	print_hex("key", jstr(e, "key"));
	printf("  ");
	print_hex("value", jstr(e, "value"));
	printf("\n");
}

static void print_map(struct json_object *m)
{
	struct json_object *v;

	printf("%s: %s  name %s  flags 0x%s\n", jstr(m, "id"), jstr(m, "type"), jstr(m, "name"),
	       json_object_object_get_ex(m, "flags", &v) ? json_object_get_string(v) : "0");
	printf("\tkey %sB  value %sB  max_entries %s\n", jstr(m, "bytes_key"),
	       jstr(m, "bytes_value"), jstr(m, "max_entries"));
}

static int show_out(struct mctx *m, struct json_object *req, struct json_object *r)
{
	struct json_object *maps = json_object_object_get(r, "maps"), *sel, *v, *a;
	int by_id = json_object_object_get_ex(req, "map", &sel) &&
		    json_object_object_get_ex(sel, "id", &v);
	const char *want = by_id ? json_object_get_string(v) : jstr(sel, "name");
	int found = 0;

	a = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(maps); i++) {
		struct json_object *o = json_object_array_get_idx(maps, i);

		if (sel && strcmp(jstr(o, by_id ? "id" : "name"), want ? want : ""))
			continue;
		found++;
		json_object_object_del(o, "bytes_user_value");
		json_object_array_add(a, json_object_get(o));
	}
	if (sel && !found) {
		json_object_put(a);
		return cli_error("no map %s %s on %s", by_id ? "id" : "name", want, m->dev);
	}
	if (m->c->json)
		out_json(m->c, sel ? json_object_array_get_idx(a, 0) : a);
	else
		for (size_t i = 0; i < json_object_array_length(a); i++)
			print_map(json_object_array_get_idx(a, i));
	json_object_put(a);
	return EXIT_OK;
}

static int dump_out(struct mctx *m, struct json_object *r)
{
	struct json_object *es = json_object_object_get(r, "entries"), *a;
	size_t n = json_object_array_length(es);

	if (m->c->json) {
		a = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, element(json_object_array_get_idx(es, i), "value"));
		out_json(m->c, a);
		json_object_put(a);
		return EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		print_element(json_object_array_get_idx(es, i));
	printf("Found %zu element%s\n", n, n == 1 ? "" : "s");
	return EXIT_OK;
}

static int output(struct mctx *m, const char *verb, struct json_object *req,
		  struct json_object *r)
{
	struct json_object *o;

	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		return show_out(m, req, r);
	if (!strcmp(verb, "dump"))
		return dump_out(m, r);
	if (!strcmp(verb, "lookup")) {
		if (m->c->json) {
			o = element(r, "value");
			out_json(m->c, o);
			json_object_put(o);
		} else {
			print_element(r);
		}
	} else if (!strcmp(verb, "getnext")) {
		if (m->c->json) {
			o = json_object_new_object();
			if (jstr(r, "key"))
				json_object_object_add(o, "key", hex_array(jstr(r, "key")));
			json_object_object_add(o, "next_key", hex_array(jstr(r, "next_key")));
			out_json(m->c, o);
			json_object_put(o);
		} else {
			if (jstr(r, "key")) {
				print_hex("key", jstr(r, "key"));
				printf("\n");
			} else {
				printf("key: None\n");
			}
			print_hex("next key", jstr(r, "next_key"));
			printf("\n");
		}
	} else if (m->c->json) {
		puts("null");	/* update, delete: as bpftool -j */
	}
	return EXIT_OK;
}

/* ---- running ---- */

static int run_one(struct mctx *m, const char *verb, int argc, char **argv)
{
	struct json_object *req, *r, *copy;
	int code = EXIT_USAGE, e;

	req = build(verb, argc, argv, &code);
	if (!req)
		return code;
	if (m->fd < 0 && (m->fd = ctl__connect(m->dev, m->err, sizeof(m->err))) < 0) {
		json_object_put(req);
		m->fd = -1;
		cli_error("%s", m->err);
		return EXIT_FAIL;
	}
	copy = json_object_get(req);
	e = ctl__call(m->fd, req, &r, m->err, sizeof(m->err));
	if (e) {
		json_object_put(copy);
		cli_error("%s", m->err);
		if (e == -EPIPE || e == -EPROTO) {
			close(m->fd);
			m->fd = -1;
		}
		return EXIT_FAIL;
	}
	code = output(m, verb, copy, r);
	json_object_put(copy);
	json_object_put(r);
	return code;
}

static int split(char *line, char **argv, int max)
{
	int n = 0;

	for (char *t = strtok(line, " \t\r\n"); t; t = strtok(NULL, " \t\r\n")) {
		if (t[0] == '#')
			break;
		if (n == max)
			return -1;
		argv[n++] = t;
	}
	return n;
}

static int run_batch(struct mctx *m, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, **av = malloc(ARGS_MAX * sizeof(*av));
	size_t cap = 0;
	long lineno = 0, fails = 0, ok = 0;

	if (!f || !av) {
		free(av);
		return cli_error("%s: %s", path, strerror(errno));
	}
	while (getline(&line, &cap, f) > 0) {
		int n = split(line, av, ARGS_MAX), k = 0;

		lineno++;
		if (n > 0 && !strcmp(av[0], "map"))
			k = 1;
		if (n < 0 || n - k < 1) {
			if (n < 0)
				cli_error("%s:%ld: too many words", path, lineno), fails++;
			continue;
		}
		if (run_one(m, av[k], n - k - 1, av + k + 1)) {
			fprintf(stderr, "hxdp: at %s:%ld\n", path, lineno);
			fails++;
		} else {
			ok++;
		}
	}
	free(line);
	free(av);
	if (f != stdin)
		fclose(f);
	if (!m->c->json)
		fprintf(stderr, "batch: %ld commands, %ld failed\n", ok + fails, fails);
	return fails ? EXIT_FAIL : EXIT_OK;
}

static int map_main(struct cli *c, int argc, char **argv)
{
	struct mctx m = { .c = c, .fd = -1 };
	int e;

	m.dev = ctl__take_dev(&argc, argv);
	if (argc < 2)
		return cli_usage(&cmd_map);
	if (!strcmp(argv[1], "batch")) {
		if (argc != 3)
			return cli_error("usage: hxdp map batch FILE");
		e = run_batch(&m, argv[2]);
	} else {
		e = run_one(&m, argv[1], argc - 2, argv + 2);
	}
	if (m.fd >= 0)
		close(m.fd);
	return e;
}

const struct cli_cmd cmd_map = { "map", map_main, usage };
