/* fuzz_ctl.c: the control-socket protocol. A device (vm engine, the firewall loaded)
 * serves a socket in a temporary directory; each input is sent as request lines,
 * pipelined (all sent at once, the server sees them split wherever recv splits them),
 * and every response read. One connection serves every input (reopened if the server
 * drops it): a thread and a connection per input, or a round trip per line, cost more
 * than the requests.
 *
 * Requests that act outside the process are filtered (the same JSON parse the server
 * does): "stop", "attach" and "detach", and "prog.load"/"feed" of a path outside
 * build/ and tests/. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>
#include "ctl.h"
#include "dev.h"
#include "fuzz.h"

struct server {
	struct hxdp_dev *d;
	char path[108];
	int lfd;
	int fd;		/* the harness's connection, -1: none */
	pthread_t t;
};

static struct server srv;	/* one device for the whole fuzzing process */

static void *serve(void *arg)
{
	struct server *s = arg;
	char err[256];

	ctl__serve(s->d, s->lfd, err, sizeof(err));
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dev_opts o = { .name = "fuzz", .engine = "vm" };
	struct dev_load l = { .path = "build/progs/xdp_firewall.v3.o",
			      .maps_json = "tests/progs/xdp_firewall.maps.json" };
	struct dev_prog_info pi;
	char dir[] = "/tmp/hxdp-fuzz-ctl.XXXXXX", err[256];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir) || dev__create(&o, &srv.d, err, sizeof(err))) {
		fprintf(stderr, "fuzz_ctl: no device: %s\n", err);
		exit(1);
	}
	if (dev__prog_load(srv.d, &l, &pi, err, sizeof(err)))
		fprintf(stderr, "fuzz_ctl: no program (%s); fuzzing without one\n", err);
	snprintf(srv.path, sizeof(srv.path), "%s/fuzz.sock", dir);
	srv.fd = -1;
	if (ctl__listen(&(struct ctl_serve_opts){ .path = srv.path, .mode = 0600,
						 .ready_fd = -1 }, &srv.lfd, err, sizeof(err)) ||
	    pthread_create(&srv.t, NULL, serve, &srv)) {
		fprintf(stderr, "fuzz_ctl: cannot serve: %s\n", err);
		exit(1);
	}
	return 0;
}

static int path_ok(struct json_object *req)
{
	struct json_object *p;
	const char *s;

	if (!json_object_object_get_ex(req, "path", &p))
		return 1;
	s = json_object_get_string(p);
	return s && !strstr(s, "..") && (!strncmp(s, "build/", 6) || !strncmp(s, "tests/", 6));
}

static int allowed(const char *line)
{
	struct json_object *req = json_tokener_parse(line), *cmd;
	const char *c;
	int ok = 1;

	if (req && json_object_is_type(req, json_type_object) &&
	    json_object_object_get_ex(req, "cmd", &cmd) &&
	    (c = json_object_get_string(cmd))) {
		if (!strcmp(c, "stop") || !strcmp(c, "attach") || !strcmp(c, "detach"))
			ok = 0;
		if (!strcmp(c, "prog.load") || !strcmp(c, "feed"))
			ok = path_ok(req);
		if (json_object_object_get_ex(req, "capture", NULL) ||
		    json_object_object_get_ex(req, "repeat", NULL) ||
		    json_object_object_get_ex(req, "rate", NULL))
			ok = 0;
	}
	json_object_put(req);
	return ok;
}

static int connect_srv(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* the n bytes of reqs (nreq lines, each ending in a newline) sent at once, as a client
 * may pipeline them, and nreq responses read: reading while sending, so that neither
 * side's buffer fills up while the other waits. -1: the connection is gone */
static int exchange(int fd, const char *reqs, size_t n, uint32_t nreq)
{
	char buf[4096];
	size_t sent = 0;

	while (sent < n || nreq) {
		struct pollfd p = { .fd = fd, .events = (short)(POLLIN | (sent < n ? POLLOUT : 0)) };
		ssize_t k;

		if (poll(&p, 1, -1) < 0)
			return -1;
		if (p.revents & POLLIN) {
			if ((k = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) <= 0)
				return -1;
			for (char *q = buf; (q = memchr(q, '\n', (size_t)(buf + k - q))); q++)
				nreq--;
		} else if (p.revents & POLLOUT) {
			if ((k = send(fd, reqs + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0)
				return -1;
			sent += (size_t)k;
		} else {
			return -1;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *reqs = malloc(size + 1), *line, *save = NULL;
	size_t n = 0;
	uint32_t nreq = 0;

	if (!text || !reqs) {
		free(text);
		free(reqs);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = 0;
	if (strlen(text) != size || (srv.fd < 0 && (srv.fd = connect_srv()) < 0)) {
		free(text);
		free(reqs);
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (allowed(line)) {
			size_t k = strlen(line);

			memcpy(reqs + n, line, k);
			reqs[n + k] = '\n';
			n += k + 1;
			nreq++;
		}
	if (nreq && exchange(srv.fd, reqs, n, nreq)) {
		close(srv.fd);
		srv.fd = -1;
	}
	free(text);
	free(reqs);
	return 0;
}
