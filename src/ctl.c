/* ctl.c: the device's control socket: listening, one thread per client, requests
 * parsed and checked here and served by dev.c; and the client side the commands use. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>
#include "btf_json.h"
#include "ctl.h"
#include "dev.h"
#include "maps.h"

/* ---- shared helpers ---- */

int ctl__rundir(char *buf, size_t len)
{
	const char *r = getenv("HXDP_RUNDIR");

	return snprintf(buf, len, "%s", r && *r ? r : "/run/hxdp") >= (int)len ? -ENAMETOOLONG : 0;
}

int ctl__sock_path(const char *dev, char *buf, size_t len)
{
	char dir[108];
	struct sockaddr_un sa;

	if (ctl__rundir(dir, sizeof(dir)))
		return -ENAMETOOLONG;
	if (snprintf(buf, len, "%s/%s.sock", dir, dev) >= (int)len ||
	    strlen(buf) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

char *ctl__hex(const void *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	const uint8_t *b = p;

	for (size_t i = 0; s && i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	if (s)
		s[2 * n] = 0;
	return s;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ctl__unhex(const char *s, void *out, size_t max, size_t *n)
{
	size_t len = strlen(s);
	uint8_t *b = out;

	if (len % 2 || len / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		int h = nibble(s[2 * i]), l = nibble(s[2 * i + 1]);

		if (h < 0 || l < 0)
			return -EINVAL;
		b[i] = (uint8_t)(h << 4 | l);
	}
	*n = len / 2;
	return 0;
}

/* ---- server: request handlers ---- */

struct req {
	struct hxdp_dev *d;
	struct json_object *in, *out;
	char err[512];
	int *stop;
};

static int fail(struct req *r, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct req *r, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return e < 0 ? e : -EINVAL;
}

/* typed fields: absent optional fields leave *v alone */
static int get_str(struct req *r, const char *k, const char **v, int need)
{
	struct json_object *o;

	if (!json_object_object_get_ex(r->in, k, &o))
		return need ? fail(r, -EINVAL, "request lacks \"%s\"", k) : 0;
	if (!json_object_is_type(o, json_type_string))
		return fail(r, -EINVAL, "\"%s\" must be a string", k);
	*v = json_object_get_string(o);
	return 0;
}

static int get_u64(struct req *r, const char *k, uint64_t *v)
{
	struct json_object *o;

	if (!json_object_object_get_ex(r->in, k, &o))
		return 0;
	if (!json_object_is_type(o, json_type_int) || json_object_get_int64(o) < 0)
		return fail(r, -EINVAL, "\"%s\" must be a non-negative integer", k);
	*v = json_object_get_uint64(o);
	return 0;
}

static void put_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void put_hex(struct json_object *o, const char *k, const void *p, size_t n)
{
	char *h = ctl__hex(p, n);

	json_object_object_add(o, k, h ? json_object_new_string(h) : NULL);
	free(h);
}

static int h_hello(struct req *r)
{
	put_str(r->out, "dev", dev__name(r->d));
	put_str(r->out, "engine", dev__engine(r->d));
	put_u64(r->out, "pid", (uint64_t)getpid());
	return 0;
}

static int h_stop(struct req *r)
{
	*r->stop = 1;
	return 0;
}

static int h_stats(struct req *r)
{
	static const char *const act[DEV_ACT_MAX] = { "aborted", "drop", "pass", "tx", "redirect" };
	struct json_object *a = json_object_new_object(), *model;
	struct dev_stats s;

	dev__stats(r->d, &s);
	for (int i = 0; i < DEV_ACT_MAX; i++)
		put_u64(a, act[i], s.act[i]);
	json_object_object_add(r->out, "actions", a);
	put_u64(r->out, "rx", s.rx);
	put_u64(r->out, "processed", s.processed);
	put_u64(r->out, "faults", s.faults);
	put_u64(r->out, "invalid", s.invalid);
	put_u64(r->out, "noprog", s.noprog);
	put_u64(r->out, "rx_drops", s.rx_drops);
	put_u64(r->out, "tx_errors", s.tx_errors);
	put_u64(r->out, "insns", s.insns);
	put_u64(r->out, "busy_ns", s.busy_ns);
	put_u64(r->out, "up_ns", s.up_ns);
	put_u64(r->out, "swaps", s.swaps);
	put_u64(r->out, "map_ops", s.map_ops);
	put_str(r->out, "engine", dev__engine(r->d));
	model = json_object_new_object();
	if (dev__engine_report(r->d, model, s.processed ? (double)s.busy_ns / s.processed : -1) == 0)
		json_object_object_add(r->out, "model", model);
	else
		json_object_put(model);
	return 0;
}

static void prog_json(struct json_object *o, const struct dev_prog_info *pi)
{
	struct json_object *ids = json_object_new_array();

	put_u64(o, "id", pi->id);
	put_str(o, "type", "xdp");
	put_str(o, "name", pi->name);
	put_str(o, "path", pi->path);
	put_str(o, "engine", pi->engine);
	put_u64(o, "version", pi->version);
	put_u64(o, "loaded_at", pi->loaded_at);
	put_u64(o, "insns", pi->ninsns);
	put_u64(o, "run_cnt", pi->run_cnt);
	put_u64(o, "run_insns", pi->insns);
	put_u64(o, "maps_carried", pi->carried);
	for (uint32_t i = 0; i < pi->nmaps && i < DEV_MAX_MAPS; i++)
		json_object_array_add(ids, json_object_new_uint64(pi->map_ids[i]));
	json_object_object_add(o, "map_ids", ids);
}

static int h_prog_load(struct req *r)
{
	struct dev_load l = { 0 };
	struct dev_prog_info pi;
	int e;

	if ((e = get_str(r, "path", &l.path, 1)) || (e = get_str(r, "prog", &l.prog, 0)) ||
	    (e = get_str(r, "maps", &l.maps_json, 0)))
		return e;
	e = dev__prog_load(r->d, &l, &pi, r->err, sizeof(r->err));
	if (!e)
		prog_json(r->out, &pi);
	return e;
}

static int h_prog_show(struct req *r)
{
	struct dev_prog_info pi;

	if (dev__prog_info(r->d, &pi))
		return fail(r, -ENOENT, "no program is loaded on %s", dev__name(r->d));
	prog_json(r->out, &pi);
	return 0;
}

static const char *map_type_name(uint32_t t)
{
	const char *n = map__type_name(t);

	return n ? n : "unknown";
}

static void map_json(struct json_object *o, const struct dev_map_info *mi)
{
	put_u64(o, "id", mi->id);
	put_str(o, "type", map_type_name(mi->type));
	put_str(o, "name", mi->name);
	put_u64(o, "flags", mi->map_flags);
	put_u64(o, "bytes_key", mi->key_size);
	put_u64(o, "bytes_value", mi->value_size);
	put_u64(o, "max_entries", mi->max_entries);
	put_u64(o, "bytes_user_value", mi->user_value_size);
	put_u64(o, "frozen", 0);
	if (mi->has_btf) {
		put_u64(o, "btf_key_type_id", mi->btf_key_id);
		put_u64(o, "btf_value_type_id", mi->btf_value_id);
	}
}

static int h_map_show(struct req *r)
{
	struct dev_map_info mi[DEV_MAX_MAPS];
	struct json_object *a = json_object_new_array();
	int n = dev__map_list(r->d, mi, DEV_MAX_MAPS);

	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		map_json(o, &mi[i]);
		json_object_array_add(a, o);
	}
	json_object_object_add(r->out, "maps", a);
	return 0;
}

/* "map": {"id": N} or {"name": "NAME"} */
static int get_map(struct req *r, struct dev_map_req *m)
{
	struct json_object *o, *v;

	if (!json_object_object_get_ex(r->in, "map", &o) || !json_object_is_type(o, json_type_object))
		return fail(r, -EINVAL, "request lacks \"map\": {\"id\": N} or {\"name\": NAME}");
	if (json_object_object_get_ex(o, "id", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > 0 && json_object_get_int64(v) <= UINT32_MAX) {
		m->id = (uint32_t)json_object_get_int64(v);
		return 0;
	}
	if (json_object_object_get_ex(o, "name", &v) && json_object_is_type(v, json_type_string)) {
		m->name = json_object_get_string(v);
		return 0;
	}
	return fail(r, -EINVAL, "\"map\" needs a positive \"id\" or a string \"name\"");
}

static int get_bytes(struct req *r, const char *k, uint8_t *buf, size_t max, uint32_t *n,
		     int need)
{
	const char *s = NULL;
	size_t len;
	int e = get_str(r, k, &s, need);

	if (e || !s)
		return e;
	if (ctl__unhex(s, buf, max, &len))
		return fail(r, -EINVAL, "\"%s\" must be an even number of hex digits, at most %zu bytes",
			    k, max);
	*n = (uint32_t)len;
	return 0;
}

struct found {
	struct json_object *fmt;
};

static struct json_object *formatted(const struct dev_map_info *mi, const void *key,
				     const void *val)
{
	struct json_object *k, *v, *o;

	if (!mi->btf || mi->user_value_size != mi->value_size)
		return NULL;
	k = btf_json__value(mi->btf, mi->btf_key_id, key, mi->key_size);
	v = btf_json__value(mi->btf, mi->btf_value_id, val, mi->value_size);
	if (!k || !v) {
		json_object_put(k);
		json_object_put(v);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "key", k);
	json_object_object_add(o, "value", v);
	return o;
}

static void on_found(void *ctx, const struct dev_map_info *mi, const void *key, const void *val)
{
	((struct found *)ctx)->fmt = formatted(mi, key, val);
}

#define BYTES_MAX 4096

static int map_call(struct req *r, struct dev_map_req *m, uint8_t *key, uint8_t *val,
		    uint8_t *out, struct found *f)
{
	static const char *const what[] = { "lookup", "update", "delete", "getnext" };
	int e;

	m->out = out;
	m->out_len = BYTES_MAX;
	m->found = on_found;
	m->found_ctx = f;
	if ((e = get_map(r, m)) ||
	    (e = get_bytes(r, "key", key, BYTES_MAX, &m->key_len, m->op != DMAP_NEXT)) ||
	    (m->op == DMAP_UPDATE && (e = get_bytes(r, "value", val, BYTES_MAX, &m->value_len, 1))) ||
	    (e = get_u64(r, "flags", &m->flags)))
		return e;
	m->key = m->key_len || m->op != DMAP_NEXT ? key : NULL;
	m->value = val;
	e = dev__map_op(r->d, m);
	if (e && m->err[0])
		return fail(r, e, "%s", m->err);
	if (e)
		return fail(r, e, "%s on map '%s': %s", what[m->op], m->info.name,
			    e == -ENOENT && m->op == DMAP_NEXT ? "no next key" : strerror(-e));
	put_u64(r->out, "map_id", m->info.id);
	return 0;
}

static int h_map_op(struct req *r, enum dev_map_op op)
{
	struct dev_map_req m = { .op = op };
	struct found f = { NULL };
	uint8_t *key = malloc(BYTES_MAX), *val = malloc(BYTES_MAX), *out = malloc(BYTES_MAX);
	int e = key && val && out ? map_call(r, &m, key, val, out, &f) : -ENOMEM;

	if (!e && op == DMAP_LOOKUP) {
		put_hex(r->out, "key", key, m.info.key_size);
		put_hex(r->out, "value", out, m.info.user_value_size);
		if (f.fmt)
			json_object_object_add(r->out, "formatted", f.fmt);
		f.fmt = NULL;
	} else if (!e && op == DMAP_NEXT) {
		if (m.key)
			put_hex(r->out, "key", key, m.info.key_size);
		put_hex(r->out, "next_key", out, m.info.key_size);
	}
	json_object_put(f.fmt);
	free(key);
	free(val);
	free(out);
	return e;
}

static int h_map_lookup(struct req *r) { return h_map_op(r, DMAP_LOOKUP); }
static int h_map_update(struct req *r) { return h_map_op(r, DMAP_UPDATE); }
static int h_map_delete(struct req *r) { return h_map_op(r, DMAP_DELETE); }
static int h_map_getnext(struct req *r) { return h_map_op(r, DMAP_NEXT); }

static int dump_one(void *ctx, const struct dev_map_info *mi, const void *key, const void *val)
{
	struct json_object *a = ctx, *o = json_object_new_object(), *f;

	put_hex(o, "key", key, mi->key_size);
	put_hex(o, "value", val, mi->user_value_size);
	if ((f = formatted(mi, key, val)))
		json_object_object_add(o, "formatted", f);
	json_object_array_add(a, o);
	return 0;
}

static int h_map_dump(struct req *r)
{
	struct dev_map_req m = { 0 };
	struct json_object *a;
	int e = get_map(r, &m);

	if (e)
		return e;
	a = json_object_new_array();
	e = dev__map_dump(r->d, m.id, m.name, dump_one, a, r->err, sizeof(r->err));
	if (e) {
		json_object_put(a);
		return e;
	}
	json_object_object_add(r->out, "entries", a);
	return 0;
}

static int h_feed(struct req *r)
{
	struct dev_feed_opts o = { 0 };
	struct dev_feed_result res;
	uint64_t ifindex = 1;
	int e;

	if ((e = get_str(r, "path", &o.path, 1)) || (e = get_str(r, "capture", &o.capture, 0)) ||
	    (e = get_u64(r, "rate", &o.rate)) || (e = get_u64(r, "repeat", &o.repeat)) ||
	    (e = get_u64(r, "ifindex", &ifindex)))
		return e;
	o.ifindex = (uint32_t)ifindex;
	e = dev__feed(r->d, &o, &res, r->err, sizeof(r->err));
	if (e)
		return e;
	put_u64(r->out, "packets", res.packets);
	put_u64(r->out, "ns", res.ns);
	put_u64(r->out, "aborted", res.act[0]);
	put_u64(r->out, "drop", res.act[1]);
	put_u64(r->out, "pass", res.act[2]);
	put_u64(r->out, "tx", res.act[3]);
	put_u64(r->out, "redirect", res.act[4]);
	put_u64(r->out, "faults", res.faults);
	return 0;
}

static int h_attach(struct req *r)
{
	struct dev_attach_opts o = { 0 };
	struct json_object *v;
	int e;

	if ((e = get_str(r, "iface", &o.iface, 1)) || (e = get_str(r, "tap", &o.tap, 0)) ||
	    (e = get_str(r, "capture", &o.capture, 0)) || (e = get_str(r, "mode", &o.mode, 0)) ||
	    (e = get_str(r, "xdp_mode", &o.xdp_mode, 0)))
		return e;
	if (json_object_object_get_ex(r->in, "no_steal", &v))
		o.no_steal = json_object_get_boolean(v);
	return dev__attach(r->d, &o, r->err, sizeof(r->err));
}

static int h_detach(struct req *r)
{
	const char *iface = NULL;
	int e = get_str(r, "iface", &iface, 1);

	return e ? e : dev__detach(r->d, iface, r->err, sizeof(r->err));
}

static int h_ports(struct req *r)
{
	struct dev_port_info pi[DEV_MAX_PORTS];
	struct json_object *a = json_object_new_array();
	int n = dev__ports(r->d, pi, DEV_MAX_PORTS);

	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		put_str(o, "iface", pi[i].iface);
		put_u64(o, "ifindex", pi[i].ifindex);
		put_str(o, "tap", pi[i].tap);
		put_str(o, "io", pi[i].io);
		put_u64(o, "rx", pi[i].rx);
		put_u64(o, "tx", pi[i].tx);
		put_u64(o, "pass", pi[i].pass);
		put_u64(o, "host_tx", pi[i].host_tx);
		put_u64(o, "errors", pi[i].errors);
		json_object_array_add(a, o);
	}
	json_object_object_add(r->out, "ports", a);
	return 0;
}

static const struct {
	const char *cmd;
	int (*fn)(struct req *r);
} handlers[] = {
	{ "hello", h_hello }, { "stop", h_stop }, { "stats", h_stats },
	{ "prog.load", h_prog_load }, { "prog.show", h_prog_show },
	{ "map.show", h_map_show }, { "map.lookup", h_map_lookup },
	{ "map.update", h_map_update }, { "map.delete", h_map_delete },
	{ "map.getnext", h_map_getnext }, { "map.dump", h_map_dump },
	{ "feed", h_feed }, { "attach", h_attach }, { "detach", h_detach },
	{ "ports", h_ports },
};

static struct json_object *dispatch(struct req *r, const char *line)
{
	enum json_tokener_error je;
	struct json_object *cmd;
	int e = -EINVAL;

	r->out = json_object_new_object();
	r->in = json_tokener_parse_verbose(line, &je);
	if (!r->in)
		fail(r, e, "malformed request: %s", json_tokener_error_desc(je));
	else if (!json_object_is_type(r->in, json_type_object))
		fail(r, e, "malformed request: not a JSON object");
	else if (!json_object_object_get_ex(r->in, "cmd", &cmd) ||
		 !json_object_is_type(cmd, json_type_string))
		fail(r, e, "malformed request: no \"cmd\" string");
	else {
		const char *c = json_object_get_string(cmd);
		size_t i;

		for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
			if (!strcmp(handlers[i].cmd, c))
				break;
		if (i == sizeof(handlers) / sizeof(handlers[0]))
			fail(r, e, "unknown command \"%.40s\"", c);
		else
			e = handlers[i].fn(r);
	}
	if (e) {
		json_object_put(r->out);
		r->out = json_object_new_object();
		json_object_object_add(r->out, "ok", json_object_new_boolean(0));
		put_str(r->out, "error", r->err[0] ? r->err : strerror(-e));
		json_object_object_add(r->out, "errno", json_object_new_int(-e));
	} else {
		json_object_object_add(r->out, "ok", json_object_new_boolean(1));
	}
	json_object_put(r->in);
	return r->out;
}

/* ---- server: connections ---- */

struct server {
	struct hxdp_dev *d;
	int stop_pipe[2];
	int stop;
	atomic_int clients;
	uid_t uid;
};

struct conn {
	struct server *s;
	int fd;
};

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int reply(int fd, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	int e = send_all(fd, s, strlen(s)) || send_all(fd, "\n", 1);

	json_object_put(o);
	return e;
}

static int reply_error(int fd, int e, const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	put_str(o, "error", msg);
	json_object_object_add(o, "errno", json_object_new_int(e));
	return reply(fd, o);
}

static int peer_allowed(struct conn *c, char *why, size_t len)
{
	struct ucred cr;
	socklen_t sl = sizeof(cr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl)) {
		snprintf(why, len, "cannot identify the client: %s", strerror(errno));
		return 0;
	}
	if (cr.uid == c->s->uid || cr.uid == 0)
		return 1;
	snprintf(why, len, "uid %u may not use device %s (owner uid %u)", (unsigned)cr.uid,
		 dev__name(c->s->d), (unsigned)c->s->uid);
	return 0;
}

/* one request per line. A line past CTL_MAX_LINE is refused and skipped up to its
 * newline; a client that vanishes ends the connection. */
static void serve_conn(struct conn *c, char *buf)
{
	size_t have = 0;
	int skipping = 0;

	for (;;) {
		char *nl = memchr(buf, '\n', have);
		ssize_t n;

		if (nl && skipping) {
			skipping = 0;
		} else if (nl) {
			struct req r = { .d = c->s->d, .stop = &c->s->stop };

			*nl = 0;
			if (reply(c->fd, dispatch(&r, buf)))
				return;
			if (c->s->stop) {
				if (write(c->s->stop_pipe[1], "x", 1) != 1)
					return;
				return;
			}
		}
		if (nl) {
			size_t used = (size_t)(nl - buf) + 1;

			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (have == CTL_MAX_LINE) {
			if (!skipping && reply_error(c->fd, EMSGSIZE,
				"malformed request: line longer than 65536 bytes"))
				return;
			skipping = 1;
			have = 0;
		}
		n = recv(c->fd, buf + have, CTL_MAX_LINE - have, 0);
		if (n <= 0)
			return;
		have += (size_t)n;
	}
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	char why[160];
	char *buf = malloc(CTL_MAX_LINE + 1);

	if (!buf)
		reply_error(c->fd, ENOMEM, "out of memory");
	else if (!peer_allowed(c, why, sizeof(why)))
		reply_error(c->fd, EPERM, why);
	else
		serve_conn(c, buf);
	free(buf);
	close(c->fd);
	atomic_fetch_sub(&c->s->clients, 1);
	free(c);
	return NULL;
}

static void accept_one(struct server *s, int lfd)
{
	struct conn *c;
	pthread_t t;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (atomic_fetch_add(&s->clients, 1) >= CTL_MAX_CLIENTS || !(c = malloc(sizeof(*c)))) {
		reply_error(fd, EBUSY, "too many clients");
		close(fd);
		atomic_fetch_sub(&s->clients, 1);
		return;
	}
	*c = (struct conn){ s, fd };
	if (pthread_create(&t, NULL, conn_thread, c)) {
		reply_error(fd, EAGAIN, "cannot start a client thread");
		close(fd);
		free(c);
		atomic_fetch_sub(&s->clients, 1);
		return;
	}
	pthread_detach(t);
}

int ctl__listen(const struct ctl_serve_opts *o, int *lfd, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, e;

	if (strlen(o->path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", o->path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, o->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	old = umask(0177);	/* no window where the socket is wider than 0600 */
	e = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!e && chmod(o->path, o->mode))
		e = -errno;
	if (!e && listen(fd, 64))
		e = -errno;
	if (e) {
		snprintf(err, errlen, "%s: %s", o->path, strerror(-e));
		close(fd);
		return e;
	}
	*lfd = fd;
	return 0;
}

/* 0: stopped and every client gone; 1: clients remain (the device must outlive them,
 * so the caller only stops it); <0: error */
int ctl__serve(struct hxdp_dev *d, int lfd, char *err, size_t errlen)
{
	struct server *s = calloc(1, sizeof(*s));
	struct pollfd pf[3] = { { .fd = lfd, .events = POLLIN } };
	sigset_t ss;

	signal(SIGPIPE, SIG_IGN);
	/* SIGTERM and SIGINT stop the device cleanly; the caller blocked them in every
	 * thread before starting any */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	pf[2] = (struct pollfd){ .fd = signalfd(-1, &ss, SFD_CLOEXEC), .events = POLLIN };
	if (!s || pipe(s->stop_pipe)) {
		snprintf(err, errlen, "cannot serve: %s", strerror(s ? errno : ENOMEM));
		free(s);
		return -EAGAIN;
	}
	s->d = d;
	s->uid = geteuid();
	pf[1] = (struct pollfd){ .fd = s->stop_pipe[0], .events = POLLIN };
	while (!pf[1].revents && !pf[2].revents) {
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -errno;
		}
		if (pf[0].revents & POLLIN)
			accept_one(s, lfd);
	}
	close(lfd);
	if (pf[2].fd >= 0)
		close(pf[2].fd);
	for (int i = 0; i < 100 && atomic_load(&s->clients); i++)
		usleep(10000);
	if (atomic_load(&s->clients))
		return 1;	/* s stays: their threads use it */
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	free(s);
	return 0;
}

/* ---- client ---- */

int ctl__connect(const char *dev, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (ctl__sock_path(dev, sa.sun_path, sizeof(sa.sun_path))) {
		snprintf(err, errlen, "device name '%s' makes a socket path too long", dev);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(err, errlen, "device %s is not running (no %s)", dev, sa.sun_path);
		else
			snprintf(err, errlen, "%s: %s", sa.sun_path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

/* one response per request and nothing after it: read in chunks up to the newline */
static int read_line(int fd, char **out)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap), *nl;

	while (b) {
		ssize_t r;

		if (cap - n < 2048) {
			char *nb = realloc(b, cap * 2);

			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		r = recv(fd, b + n, cap - n - 1, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		b[n] = 0;
		if ((nl = memchr(b + n - r, '\n', (size_t)r))) {
			*nl = 0;
			*out = b;
			return 0;
		}
	}
	free(b);
	return -EPIPE;
}

int ctl__call(int fd, struct json_object *req, struct json_object **resp, char *err,
	      size_t errlen)
{
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	struct json_object *o = NULL, *ok, *v;
	char *line = NULL;
	int e;

	/* a device that refuses the client answers first and closes: read even if the
	 * request could not be sent */
	if (send_all(fd, s, strlen(s)) == 0)
		send_all(fd, "\n", 1);
	json_object_put(req);
	*resp = NULL;
	e = read_line(fd, &line);
	if (e) {
		snprintf(err, errlen, "the device closed the connection");
		return e;
	}
	o = json_tokener_parse(line);
	free(line);
	if (!o || !json_object_object_get_ex(o, "ok", &ok)) {
		json_object_put(o);
		snprintf(err, errlen, "malformed response from the device");
		return -EPROTO;
	}
	if (json_object_get_boolean(ok)) {
		*resp = o;
		return 0;
	}
	snprintf(err, errlen, "%s", json_object_object_get_ex(o, "error", &v) ?
		 json_object_get_string(v) : "request failed");
	e = json_object_object_get_ex(o, "errno", &v) ? -json_object_get_int(v) : -EINVAL;
	json_object_put(o);
	return e ? e : -EINVAL;
}

const char *ctl__take_dev(int *argc, char **argv)
{
	const char *dev = getenv("HXDP_DEV");
	int n = 0;

	if (!dev || !*dev)
		dev = CTL_DEFAULT_DEV;
	for (int i = 0; i < *argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < *argc) {
			dev = argv[++i];
			continue;
		}
		if (!strncmp(argv[i], "--dev=", 6)) {
			dev = argv[i] + 6;
			continue;
		}
		argv[n++] = argv[i];
	}
	*argc = n;
	argv[n] = NULL;
	return dev;
}

int ctl__request(const char *dev, struct json_object *req, struct json_object **resp,
		 char *err, size_t errlen)
{
	int fd = ctl__connect(dev, err, errlen), e;

	if (fd < 0) {
		json_object_put(req);
		return fd;
	}
	e = ctl__call(fd, req, resp, err, errlen);
	close(fd);
	return e;
}

struct json_object *ctl__req(const char *cmd)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	return o;
}
