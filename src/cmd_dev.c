/* cmd_dev.c: hxdp dev start|stop|stats|show|feed|attach|detach: the emulated NIC */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "ctl.h"
#include "dev.h"

static const char usage[] =
	"dev { start | stop | stats | show | feed | attach | detach } [--dev NAME]\n"
	"\n"
	"  hxdp dev start [--dev NAME] [--engine sim|vliw|vm] [--foreground] [--sock-mode OCTAL]\n"
	"      start the emulated NIC NAME (default hxdp0); returns once it is ready\n"
	"  hxdp dev stop [--dev NAME]\n"
	"  hxdp dev stats [--dev NAME]      packets per action, instructions, Mpps, drops\n"
	"  hxdp dev show [--dev NAME]       engine, program, ports\n"
	"  hxdp dev feed --pcap IN [--rate PPS] [--repeat N] [--capture OUT] [--ifindex N]\n"
	"      run every packet of IN through the device; returns when all are processed\n"
	"  hxdp dev attach --iface IF [--tap NAME] [--mode auto|xdp|packet] [--xdp-mode skb|native]\n"
	"                  [--capture OUT] [--no-steal]\n"
	"      packet I/O on interface IF: XDP_TX goes back out of IF, REDIRECT out of the\n"
	"      attached interface the devmap names, PASS into the tap NAME (the host's view)\n"
	"  hxdp dev detach --iface IF\n"
	"\nThe socket is $HXDP_RUNDIR/NAME.sock (default /run/hxdp); see docs/device.md.\n";

static int fail(const char *err, int e)
{
	cli_error("%s", err);
	return e == -ENOENT || e == -ECONNREFUSED || e == -EPIPE ? EXIT_FAIL : EXIT_USAGE;
}

static int request(const char *dev, struct json_object *req, struct json_object **resp)
{
	char err[600];
	int e = ctl__request(dev, req, resp, err, sizeof(err));

	return e ? fail(err, e) : 0;
}

static void print_json(struct cli *c, struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, c->pretty ? JSON_C_TO_STRING_PRETTY
							  : JSON_C_TO_STRING_PLAIN));
}

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

/* ---- start ---- */

struct start_opts {
	const char *engine;
	int foreground;
	mode_t mode;
};

static int parse_start(int argc, char **argv, struct start_opts *o)
{
	static const struct option lo[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "sock-mode", required_argument, NULL, 'm' }, { 0 }
	};
	char *end;
	int c;

	o->mode = 0600;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'e': o->engine = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'm':
			o->mode = (mode_t)strtoul(optarg, &end, 8);
			if (*end || o->mode > 0777)
				return cli_error("--sock-mode '%s' is not an octal mode", optarg);
			break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_error("dev start: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* a socket file nobody answers on is left from a device that died: remove it */
static int check_free(const char *dev, const char *path)
{
	char err[300];
	int fd = ctl__connect(dev, err, sizeof(err));

	if (fd >= 0) {
		close(fd);
		return cli_error("device %s is already running (%s)", dev, path);
	}
	if (fd == -ECONNREFUSED)
		unlink(path);
	return 0;
}

static void report(int fd, const char *msg)
{
	if (fd >= 0) {
		if (write(fd, msg, strlen(msg)) < 0)
			return;
		close(fd);
	}
}

static void daemon_stdio(const char *dev)
{
	char dir[200], log[300];
	int fd = open("/dev/null", O_RDWR);

	ctl__rundir(dir, sizeof(dir));
	snprintf(log, sizeof(log), "%s/%s.log", dir, dev);
	if (fd >= 0)
		dup2(fd, 0);
	if (fd >= 0 && fd > 2)
		close(fd);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

/* the device process: returns its exit code */
static int run_device(const char *dev, const char *path, const struct start_opts *so, int ready)
{
	struct dev_opts o = { .name = dev, .engine = so->engine };
	struct ctl_serve_opts co = { .path = path, .mode = so->mode, .ready_fd = ready };
	struct hxdp_dev *d = NULL;
	char err[512], msg[700];
	sigset_t ss;
	int lfd, e;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);	/* ctl__serve takes them via signalfd */
	e = ctl__listen(&co, &lfd, err, sizeof(err));
	if (!e && (e = dev__create(&o, &d, err, sizeof(err))))
		close(lfd);
	if (e) {
		snprintf(msg, sizeof(msg), "%s\n", err);
		report(ready, msg);
		if (ready < 0)
			cli_error("%s", err);
		return EXIT_FAIL;
	}
	snprintf(msg, sizeof(msg), "ok %s %d\n", dev__engine(d), (int)getpid());
	report(ready, msg);
	if (ready < 0)
		printf("device %s ready: engine %s, socket %s, pid %d\n", dev, dev__engine(d), path,
		       (int)getpid());
	fflush(stdout);
	e = ctl__serve(d, lfd, err, sizeof(err));
	if (e < 0)
		fprintf(stderr, "hxdp: %s\n", err);
	dev__stop(d);
	if (e == 0)
		dev__destroy(d);
	unlink(path);
	fprintf(stderr, "device %s stopped\n", dev);
	return e < 0 ? EXIT_FAIL : EXIT_OK;
}

static int start_daemon(const char *dev, const char *path, const struct start_opts *so)
{
	char buf[700] = "";
	int p[2];
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return cli_error("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_error("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		setsid();
		daemon_stdio(dev);
		_exit(run_device(dev, path, so, p[1]));
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = 0;
	if (strncmp(buf, "ok ", 3)) {
		buf[strcspn(buf, "\n")] = 0;
		return cli_error("device %s did not start: %s", dev, *buf ? buf : "it exited");
	}
	buf[strcspn(buf, "\n")] = 0;
	printf("device %s ready: engine %s, socket %s\n", dev, buf + 3, path);
	return EXIT_OK;
}

static int cmd_start(const char *dev, int argc, char **argv)
{
	struct start_opts so = { 0 };
	char path[200], dir[200];
	int e = parse_start(argc, argv, &so);

	if (e)
		return e;
	if (ctl__sock_path(dev, path, sizeof(path)) || ctl__rundir(dir, sizeof(dir)))
		return cli_error("device name '%s' makes a socket path too long", dev);
	if (strchr(dev, '/') || !*dev || strlen(dev) >= DEV_NAME_MAX)
		return cli_error("device name '%s' must be 1..%d characters without '/'", dev,
				 DEV_NAME_MAX - 1);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return cli_error("cannot create %s: %s", dir, strerror(errno));
	if ((e = check_free(dev, path)))
		return e;
	return so.foreground ? run_device(dev, path, &so, -1) : start_daemon(dev, path, &so);
}

/* ---- stop, stats, show ---- */

static int cmd_stop(struct cli *c, const char *dev)
{
	struct json_object *r;
	char err[300], path[200];
	int fd = ctl__connect(dev, err, sizeof(err)), e;

	if (fd < 0)
		return fail(err, fd);
	e = ctl__call(fd, ctl__req("stop"), &r, err, sizeof(err));
	if (e) {
		close(fd);
		return fail(err, e);
	}
	json_object_put(r);
	/* the device closes the connection when it exits */
	while (read(fd, err, sizeof(err)) > 0)
		;
	close(fd);
	ctl__sock_path(dev, path, sizeof(path));
	for (int i = 0; i < 200 && !access(path, F_OK); i++)
		usleep(10000);
	if (c->json)
		puts("null");
	return EXIT_OK;
}

static void print_stats(struct json_object *r)
{
	static const char *const act[] = { "aborted", "drop", "pass", "tx", "redirect" };
	struct json_object *a = NULL, *m;
	uint64_t busy = jget(r, "busy_ns"), up = jget(r, "up_ns"), pk = jget(r, "processed");

	json_object_object_get_ex(r, "actions", &a);
	printf("engine %s  rx %llu  processed %llu\n", jstr(r, "engine"),
	       (unsigned long long)jget(r, "rx"), (unsigned long long)pk);
	for (size_t i = 0; i < 5; i++)
		printf("  %-9s %llu\n", act[i], (unsigned long long)jget(a, act[i]));
	printf("  faults    %llu (counted in aborted)\n  invalid   %llu (counted in drop)\n"
	       "  noprog    %llu (passed, no program loaded)\n  rx_drops  %llu\n"
	       "  tx_errors %llu\n", (unsigned long long)jget(r, "faults"),
	       (unsigned long long)jget(r, "invalid"), (unsigned long long)jget(r, "noprog"),
	       (unsigned long long)jget(r, "rx_drops"), (unsigned long long)jget(r, "tx_errors"));
	printf("insns %llu (%.1f per packet)  busy %.3f s of %.3f s  %.3f Mpps while busy\n"
	       "swaps %llu  map_ops %llu\n", (unsigned long long)jget(r, "insns"),
	       pk ? (double)jget(r, "insns") / (double)pk : 0.0, busy / 1e9, up / 1e9,
	       busy ? pk * 1e3 / (double)busy : 0.0, (unsigned long long)jget(r, "swaps"),
	       (unsigned long long)jget(r, "map_ops"));
	if (json_object_object_get_ex(r, "model", &m)) {
		printf("model (%s, packets since the program was loaded):\n", jstr(r, "engine"));
		json_object_object_foreach(m, k, v)
			printf("  %-24s %s\n", k, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
}

static int cmd_stats(struct cli *c, const char *dev)
{
	struct json_object *r;
	int e = request(dev, ctl__req("stats"), &r);

	if (e)
		return e;
	json_object_object_del(r, "ok");
	if (c->json) {
		uint64_t busy = jget(r, "busy_ns");

		json_object_object_add(r, "mpps", json_object_new_double(
			busy ? jget(r, "processed") * 1e3 / (double)busy : 0.0));
		print_json(c, r);
	} else {
		print_stats(r);
	}
	json_object_put(r);
	return EXIT_OK;
}

static int cmd_show(struct cli *c, const char *dev)
{
	struct json_object *h, *p = NULL, *ports, *a, *out;
	char err[300];
	int e = request(dev, ctl__req("hello"), &h);

	if (e)
		return e;
	if ((e = request(dev, ctl__req("ports"), &ports))) {
		json_object_put(h);
		return e;
	}
	ctl__request(dev, ctl__req("prog.show"), &p, err, sizeof(err));
	json_object_object_get_ex(ports, "ports", &a);
	if (c->json) {
		out = json_object_new_object();
		json_object_object_add(out, "dev", json_object_get(json_object_object_get(h, "dev")));
		json_object_object_add(out, "engine", json_object_get(json_object_object_get(h, "engine")));
		json_object_object_add(out, "pid", json_object_get(json_object_object_get(h, "pid")));
		json_object_object_add(out, "prog", p ? json_object_get(json_object_object_get(p, "id")) : NULL);
		json_object_object_add(out, "ports", json_object_get(a));
		print_json(c, out);
		json_object_put(out);
	} else {
		printf("%s: engine %s pid %llu prog %s\n", jstr(h, "dev"), jstr(h, "engine"),
		       (unsigned long long)jget(h, "pid"), p ? jstr(p, "name") : "(none)");
		for (size_t i = 0; a && i < json_object_array_length(a); i++) {
			struct json_object *o = json_object_array_get_idx(a, i);

			printf("  port %s (ifindex %llu, %s) tap %s: rx %llu tx %llu pass %llu "
			       "host_tx %llu errors %llu\n", jstr(o, "iface"),
			       (unsigned long long)jget(o, "ifindex"), jstr(o, "io"),
			       *jstr(o, "tap") ? jstr(o, "tap") : "-", (unsigned long long)jget(o, "rx"),
			       (unsigned long long)jget(o, "tx"), (unsigned long long)jget(o, "pass"),
			       (unsigned long long)jget(o, "host_tx"), (unsigned long long)jget(o, "errors"));
		}
	}
	json_object_put(h);
	json_object_put(p);
	json_object_put(ports);
	return EXIT_OK;
}

/* ---- feed, attach, detach ---- */

static int add_path(struct json_object *req, const char *k, const char *path, int must_exist)
{
	char abs[PATH_MAX];

	if (must_exist && !realpath(path, abs))
		return cli_error("%s: %s", path, strerror(errno));
	if (!must_exist) {
		/* the device writes it: make it absolute from here */
		if (path[0] == '/')
			snprintf(abs, sizeof(abs), "%s", path);
		else if (!getcwd(abs, sizeof(abs)) ||
			 strlen(abs) + strlen(path) + 2 > sizeof(abs))
			return cli_error("%s: path too long", path);
		else
			strcat(strcat(abs, "/"), path);
	}
	json_object_object_add(req, k, json_object_new_string(abs));
	return 0;
}

static int add_num(struct json_object *req, const char *k, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !*s || s[0] == '-')
		return cli_error("--%s '%s' is not a number", k, s);
	json_object_object_add(req, k, json_object_new_uint64(v));
	return 0;
}

static int cmd_feed(struct cli *c, const char *dev, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pcap", required_argument, NULL, 'i' }, { "rate", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' }, { "capture", required_argument, NULL, 'o' },
		{ "ifindex", required_argument, NULL, 'x' }, { 0 }
	};
	struct json_object *req = ctl__req("feed"), *r;
	int ch, e = 0, have = 0;

	while (!e && (ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'i': e = add_path(req, "path", optarg, 1); have = 1; break;
		case 'r': e = add_num(req, "rate", optarg); break;
		case 'n': e = add_num(req, "repeat", optarg); break;
		case 'o': e = add_path(req, "capture", optarg, 0); break;
		case 'x': e = add_num(req, "ifindex", optarg); break;
		default: e = EXIT_USAGE;
		}
	}
	if (!e && (!have || optind != argc))
		e = cli_error("usage: hxdp dev feed --pcap IN [--rate PPS] [--repeat N] [--capture OUT]");
	if (e) {
		json_object_put(req);
		return e;
	}
	if ((e = request(dev, req, &r)))
		return e;
	json_object_object_del(r, "ok");
	if (c->json)
		print_json(c, r);
	else
		printf("fed %llu packets in %.3f s: aborted %llu drop %llu pass %llu tx %llu "
		       "redirect %llu\n", (unsigned long long)jget(r, "packets"),
		       jget(r, "ns") / 1e9, (unsigned long long)jget(r, "aborted"),
		       (unsigned long long)jget(r, "drop"), (unsigned long long)jget(r, "pass"),
		       (unsigned long long)jget(r, "tx"), (unsigned long long)jget(r, "redirect"));
	json_object_put(r);
	return EXIT_OK;
}

static int cmd_attach(struct cli *c, const char *dev, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iface", required_argument, NULL, 'i' }, { "tap", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' }, { "xdp-mode", required_argument, NULL, 'x' },
		{ "capture", required_argument, NULL, 'o' }, { "no-steal", no_argument, NULL, 's' },
		{ 0 }
	};
	struct json_object *req = ctl__req("attach"), *r;
	const char *iface = NULL;
	int ch, e = 0;

	while (!e && (ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		const char *k = ch == 'i' ? "iface" : ch == 't' ? "tap" : ch == 'm' ? "mode"
			      : ch == 'x' ? "xdp_mode" : NULL;

		if (ch == 'i')
			iface = optarg;
		if (k)
			json_object_object_add(req, k, json_object_new_string(optarg));
		else if (ch == 'o')
			e = add_path(req, "capture", optarg, 0);
		else if (ch == 's')
			json_object_object_add(req, "no_steal", json_object_new_boolean(1));
		else
			e = EXIT_USAGE;
	}
	if (!e && (!iface || optind != argc))
		e = cli_error("usage: hxdp dev attach --iface IF [--tap NAME] [--capture OUT]");
	if (e) {
		json_object_put(req);
		return e;
	}
	if ((e = request(dev, req, &r)))
		return e;
	json_object_put(r);
	if (c->json)
		puts("null");
	return EXIT_OK;
}

static int cmd_detach(struct cli *c, const char *dev, int argc, char **argv)
{
	struct json_object *req, *r;
	int e;

	if (argc != 3 || strcmp(argv[1], "--iface"))
		return cli_error("usage: hxdp dev detach --iface IF");
	req = ctl__req("detach");
	json_object_object_add(req, "iface", json_object_new_string(argv[2]));
	if ((e = request(dev, req, &r)))
		return e;
	json_object_put(r);
	if (c->json)
		puts("null");
	return EXIT_OK;
}

static int dev_main(struct cli *c, int argc, char **argv)
{
	const char *dev = ctl__take_dev(&argc, argv), *verb = argc > 1 ? argv[1] : NULL;

	if (!verb)
		return cli_usage(&cmd_dev);
	argc--;
	argv++;
	optind = 1;
	if (!strcmp(verb, "start"))
		return cmd_start(dev, argc, argv);
	if (argc > 1 && (!strcmp(verb, "stop") || !strcmp(verb, "stats") || !strcmp(verb, "show")))
		return cli_error("dev %s: unexpected argument '%s'", verb, argv[1]);
	if (!strcmp(verb, "stop"))
		return cmd_stop(c, dev);
	if (!strcmp(verb, "stats"))
		return cmd_stats(c, dev);
	if (!strcmp(verb, "show"))
		return cmd_show(c, dev);
	if (!strcmp(verb, "feed"))
		return cmd_feed(c, dev, argc, argv);
	if (!strcmp(verb, "attach"))
		return cmd_attach(c, dev, argc, argv);
	if (!strcmp(verb, "detach"))
		return cmd_detach(c, dev, argc, argv);
	return cli_error("dev: unknown verb '%s' (start, stop, stats, show, feed, attach, detach)",
			 verb);
}

const struct cli_cmd cmd_dev = { "dev", dev_main, usage };
