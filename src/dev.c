/* dev.c: the emulated NIC: a packet queue, the device thread that runs each packet
 * through the loaded program, requests executed between two packets (program swap,
 * user-space map access), pcap feeds. Real interfaces are in dev_port.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include "dev_int.h"
#include "maps.h"
#include "image.h"
#include "obj.h"
#include "pcap.h"

uint64_t dev_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- captures: pcap files the device writes, possibly from several threads ---- */

struct capture *dev_capture_open(const char *path, char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pcap__create(path, &c->out, err, errlen)) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void dev_capture_write(struct capture *c, const uint8_t *p, uint32_t len)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	pcap__write(c->out, p, len);
	pthread_mutex_unlock(&c->mu);
}

void dev_capture_close(struct capture *c)
{
	if (!c)
		return;
	pcap__close(c->out);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* ---- programs ---- */

static void prog_free(struct dev_prog *p, const struct engine_ops *eng)
{
	if (!p)
		return;
	if (p->est)
		eng->close(p->est);
	free(p->run);
	obj__close(p->obj);
	free(p);
}

/* ---- the device thread ---- */

struct dev_feed {
	struct capture *cap;
	atomic_uint_fast64_t processed, act[DEV_ACT_MAX], faults;
};

static struct dev_port *port_by_ifindex(struct hxdp_dev *d, uint32_t ifindex)
{
	for (int i = 0; i < DEV_MAX_PORTS; i++)
		if (d->ports[i].live && d->ports[i].ifindex == ifindex)
			return &d->ports[i];
	return NULL;
}

/* the ifindex a redirect goes to: bpf_redirect's, or the DEVMAP slot's value */
static int redirect_ifindex(struct hxdp_dev *d, const struct hxdp_result *res, uint32_t *out)
{
	struct hxdp_env *env = &d->prog->obj->env;
	uint32_t val[2] = { 0 };
	struct hxdp_map *m;

	if (res->tgt_kind == HXDP_TGT_IFINDEX) {
		*out = res->tgt_ifindex;
		return 0;
	}
	if (res->tgt_kind != HXDP_TGT_MAP || res->tgt_map >= env->nmaps)
		return -EINVAL;
	m = env->maps[res->tgt_map];
	if (m->type != BPF_MAP_TYPE_DEVMAP && m->type != BPF_MAP_TYPE_DEVMAP_HASH)
		return -EOPNOTSUPP;
	if (m->value_size > sizeof(val) || map__user_lookup(m, &res->tgt_key, val))
		return -ENOENT;
	*out = val[0];
	return 0;
}

static void deliver(struct hxdp_dev *d, struct pkt_slot *s, uint32_t act,
		    const struct hxdp_result *res, const uint8_t *p, uint32_t len)
{
	struct dev_port *in = s->port >= 0 ? &d->ports[s->port] : NULL, *out = NULL;
	uint32_t ifindex = 0;
	int e = 0;

	if (in && !in->live)
		return;
	if (act != XDP_TX && act != XDP_REDIRECT && act != XDP_PASS)
		return;
	if (s->feed) {
		dev_capture_write(s->feed->cap, p, len);
		return;
	}
	if (act == XDP_TX)
		out = in;
	else if (act == XDP_REDIRECT && !redirect_ifindex(d, res, &ifindex))
		out = port_by_ifindex(d, ifindex);
	if (act == XDP_PASS)
		e = in && in->tapfd >= 0 ? port_pass(in, p, len) : 0;
	else
		e = out ? port_send(out, p, len) : -ENODEV;
	if (e)
		d->st.tx_errors++;
}

static uint32_t run_prog(struct hxdp_dev *d, struct pkt_slot *s, struct hxdp_result *res)
{
	struct dev_prog *p = d->prog;
	uint64_t r1;
	int e;

	if (xdp__init(&d->x, s->data, s->len)) {
		res->fault = -EINVAL;
		return XDP_ABORTED;
	}
	d->x.ingress_ifindex = s->ifindex;
	r1 = run__packet(p->run, &d->x, res);
	e = d->eng->run(p->est, p->prog_idx, p->run, r1);
	if (e < 0 && !res->fault)
		res->fault = e;
	p->info.run_cnt++;
	p->info.insns += res->insns;
	d->st.insns += res->insns;
	if (res->fault) {
		d->st.faults++;
		return XDP_ABORTED;
	}
	return (uint32_t)res->r0;
}

static void process(struct hxdp_dev *d, struct pkt_slot *s)
{
	struct hxdp_result res = { 0 };
	uint32_t act;

	if (!d->prog) {
		d->st.noprog++;
		act = XDP_PASS;
		deliver(d, s, act, &res, s->data, s->len);
	} else {
		act = run_prog(d, s, &res);
		if (act >= DEV_ACT_MAX) {
			d->st.invalid++;
			act = XDP_DROP;
		}
		deliver(d, s, act, &res, xdp__out(&d->x), xdp__out_len(&d->x));
	}
	d->st.act[act]++;
	d->st.processed++;
	if (s->feed) {
		atomic_fetch_add(&s->feed->act[act], 1);
		if (res.fault)
			atomic_fetch_add(&s->feed->faults, 1);
		atomic_fetch_add(&s->feed->processed, 1);
	}
}

/* wait for packets; returns the number queued, 0 when stopping */
static uint32_t wait_work(struct hxdp_dev *d)
{
	uint32_t n;

	pthread_mutex_lock(&d->mu);
	while (d->head == d->tail && !d->stop) {
		d->sleeping = 1;
		pthread_cond_wait(&d->wake, &d->mu);
		d->sleeping = 0;
	}
	n = d->head - d->tail;
	pthread_mutex_unlock(&d->mu);
	return n;
}

/* a control request wants the device: hand it over between two packets */
static void yield_to_requests(struct hxdp_dev *d)
{
	pthread_mutex_unlock(&d->run_mu);
	pthread_mutex_lock(&d->mu);
	while (atomic_load(&d->waiters))
		pthread_cond_wait(&d->resume, &d->mu);
	pthread_mutex_unlock(&d->mu);
	pthread_mutex_lock(&d->run_mu);
}

static uint32_t run_batch(struct hxdp_dev *d, uint32_t n, int *feed)
{
	uint64_t t;
	uint32_t i;

	pthread_mutex_lock(&d->run_mu);
	t = dev_now_ns();
	for (i = 0; i < n; i++) {
		struct pkt_slot *s = &d->ring[(d->tail + i) % RING_SLOTS];

		process(d, s);
		*feed |= s->feed != NULL;
		if (atomic_load_explicit(&d->waiters, memory_order_relaxed))
			yield_to_requests(d);
	}
	d->st.busy_ns += dev_now_ns() - t;
	pthread_mutex_unlock(&d->run_mu);
	return i;
}

static void *dev_thread(void *arg)
{
	struct hxdp_dev *d = arg;

	for (;;) {
		uint32_t n = wait_work(d);
		int feed = 0;

		if (!n)
			break;	/* stopping, and the queue is drained */
		n = run_batch(d, n > BATCH ? BATCH : n, &feed);
		pthread_mutex_lock(&d->mu);
		d->tail += n;
		pthread_cond_broadcast(&d->space);
		if (feed)
			pthread_cond_broadcast(&d->done);
		pthread_mutex_unlock(&d->mu);
	}
	return NULL;
}

/* fn runs with the device paused between two packets (run_mu held), on the calling
 * thread: an idle device costs no wake-up, a busy one hands over after its packet */
int dev__exec(struct hxdp_dev *d, int (*fn)(struct hxdp_dev *d, void *arg), void *arg)
{
	int ret;

	atomic_fetch_add(&d->waiters, 1);
	pthread_mutex_lock(&d->run_mu);
	ret = fn(d, arg);
	pthread_mutex_unlock(&d->run_mu);
	if (atomic_fetch_sub(&d->waiters, 1) == 1) {
		pthread_mutex_lock(&d->mu);
		pthread_cond_broadcast(&d->resume);
		pthread_mutex_unlock(&d->mu);
	}
	return ret;
}

/* ---- the packet queue ---- */

static struct pkt_slot *slot_take(struct hxdp_dev *d, int wait)
{
	while (d->head - d->tail >= RING_SLOTS) {
		if (!wait || d->stop)
			return NULL;
		pthread_cond_wait(&d->space, &d->mu);
	}
	return &d->ring[d->head % RING_SLOTS];
}

static void slot_push(struct hxdp_dev *d)
{
	d->head++;
	d->rx++;
	if (d->sleeping)
		pthread_cond_signal(&d->wake);
}

int dev_enqueue_port(struct hxdp_dev *d, int port, uint32_t ifindex, const uint8_t *p,
		     uint32_t len)
{
	struct pkt_slot *s;

	if (len > HXDP_MAX_PKT)
		return -EMSGSIZE;
	pthread_mutex_lock(&d->mu);
	s = slot_take(d, 0);
	if (s) {
		*s = (struct pkt_slot){ .port = port, .ifindex = ifindex, .len = len };
		memcpy(s->data, p, len);
		slot_push(d);
	} else {
		d->rx_drops++;
	}
	pthread_mutex_unlock(&d->mu);
	return s ? 0 : -ENOBUFS;
}

/* ---- creation ---- */

static const struct engine_ops *pick_engine(const char *name, char *err, size_t errlen)
{
	static const char *const pref[] = { "sim", "vliw", "vm" };
	const struct engine_ops *e;

	if (name) {
		e = engine__find(name);
		if (!e)
			snprintf(err, errlen, "unknown or unavailable engine '%s' (sim, vliw, vm)",
				 name);
		return e;
	}
	for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++)
		if ((e = engine__find(pref[i])))
			return e;
	snprintf(err, errlen, "no engine is built in");
	return NULL;
}

int dev__create(const struct dev_opts *o, struct hxdp_dev **out, char *err, size_t errlen)
{
	struct hxdp_dev *d;

	if (!o->name || !*o->name || strlen(o->name) >= DEV_NAME_MAX) {
		snprintf(err, errlen, "device name must be 1..%d characters", DEV_NAME_MAX - 1);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d || !(d->ring = calloc(RING_SLOTS, sizeof(*d->ring)))) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(d->name, sizeof(d->name), "%s", o->name);
	d->eng = pick_engine(o->engine, err, errlen);
	if (!d->eng) {
		free(d->ring);
		free(d);
		return -ENOENT;
	}
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->wake, NULL);
	pthread_cond_init(&d->space, NULL);
	pthread_cond_init(&d->done, NULL);
	pthread_cond_init(&d->resume, NULL);
	pthread_mutex_init(&d->run_mu, NULL);
	d->next_prog_id = d->next_map_id = 1;
	d->t0 = dev_now_ns();
	if (pthread_create(&d->thr, NULL, dev_thread, d)) {
		snprintf(err, errlen, "cannot start the device thread");
		free(d->ring);
		free(d);
		return -EAGAIN;
	}
	*out = d;
	return 0;
}

void dev__stop(struct hxdp_dev *d)
{
	for (int i = 0; i < DEV_MAX_PORTS; i++) {
		char err[8];

		if (d->ports[i].used == 1)
			dev__detach(d, d->ports[i].iface, err, sizeof(err));
	}
	pthread_mutex_lock(&d->mu);
	if (d->stop) {
		pthread_mutex_unlock(&d->mu);
		return;
	}
	d->stop = 1;
	pthread_cond_broadcast(&d->wake);
	pthread_cond_broadcast(&d->space);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thr, NULL);
}

void dev__destroy(struct hxdp_dev *d)
{
	if (!d)
		return;
	dev__stop(d);
	prog_free(d->prog, d->eng);
	free(d->ring);
	free(d);
}

const char *dev__name(const struct hxdp_dev *d) { return d->name; }
const char *dev__engine(const struct hxdp_dev *d) { return d->eng->name; }

static int stats_get(struct hxdp_dev *d, void *arg)
{
	struct dev_stats *s = arg;

	*s = d->st;
	s->up_ns = dev_now_ns() - d->t0;
	return 0;
}

void dev__stats(struct hxdp_dev *d, struct dev_stats *s)
{
	dev__exec(d, stats_get, s);
	pthread_mutex_lock(&d->mu);
	s->rx = d->rx;	/* written by producers under mu */
	s->rx_drops = d->rx_drops;
	pthread_mutex_unlock(&d->mu);
}

/* ---- program load and swap ---- */

/* a map keeps its contents and id across a swap when the new program declares a map
 * with the same name, type, key/value sizes, max_entries and flags, that is neither a
 * program's global data (.data/.bss/.rodata: the new program's own values win), nor a
 * PROG_ARRAY (its values are the old object's programs), nor map-in-map. */
static int map_carriable(const struct hxdp_map *a, const struct hxdp_map *b)
{
	return !strcmp(a->name, b->name) && a->type == b->type &&
	       a->key_size == b->key_size && a->value_size == b->value_size &&
	       a->max_entries == b->max_entries && a->map_flags == b->map_flags &&
	       a->ncpus == b->ncpus && !strchr(a->name, '.') && !a->rdonly_prog &&
	       a->type != BPF_MAP_TYPE_PROG_ARRAY && a->inner < 0 && b->inner < 0 &&
	       a->type != BPF_MAP_TYPE_ARRAY_OF_MAPS && a->type != BPF_MAP_TYPE_HASH_OF_MAPS;
}

static int map_copy(struct hxdp_map *to, struct hxdp_map *from)
{
	uint32_t vs = map__user_value_size(from);
	uint8_t *k = malloc(from->key_size + 1), *nk = malloc(from->key_size + 1);
	uint8_t *v = malloc(vs + 1);
	int e = k && nk && v ? 0 : -ENOMEM, first = 1;

	if (!e)
		map__clear(to);
	while (!e) {
		e = map__next_key(from, first ? NULL : k, nk);
		if (e)
			break;
		first = 0;
		memcpy(k, nk, from->key_size);
		if (!map__user_lookup(from, k, v))
			e = map__user_update(to, k, v, BPF_ANY);
	}
	free(k);
	free(nk);
	free(v);
	return e == -ENOENT ? 0 : e;
}

static struct hxdp_map *old_map(struct dev_prog *old, const struct hxdp_map *m, uint32_t *id)
{
	struct hxdp_env *env;

	if (!old)
		return NULL;
	env = &old->obj->env;
	for (uint32_t i = 0; i < env->nmaps; i++)
		if (env->maps[i] && map_carriable(env->maps[i], m)) {
			*id = old->map_id[i];
			return env->maps[i];
		}
	return NULL;
}

struct swap {
	struct dev_prog *np, *old;
	int err;
	char msg[160];
};

static int swap_fn(struct hxdp_dev *d, void *arg)
{
	struct swap *sw = arg;
	struct dev_prog *np = sw->np;
	struct hxdp_env *env = &np->obj->env;

	np->info.carried = 0;
	for (uint32_t i = 0; i < env->nmaps; i++) {
		struct hxdp_map *m = env->maps[i], *om;
		uint32_t id = 0;

		if (!m)
			continue;
		om = old_map(d->prog, m, &id);
		if (om && map_copy(m, om) == 0) {
			np->map_id[i] = id;
			np->info.carried++;
		} else {
			np->map_id[i] = d->next_map_id++;
		}
		np->info.map_ids[i] = np->map_id[i];
	}
	np->info.nmaps = env->nmaps;
	np->info.id = d->next_prog_id++;
	np->info.version = ++d->version;
	sw->old = d->prog;
	d->prog = np;
	d->st.swaps++;
	return 0;
}

static int prog_prepare(struct hxdp_dev *d, const struct dev_load *l, struct dev_prog **out,
			char *err, size_t errlen)
{
	struct dev_prog *p = calloc(1, sizeof(*p));
	struct engine_opts eo = { .lanes = 4, .opt = 2 };
	struct hxdp_prog *hp;
	int e;

	if (!p || !(p->run = malloc(sizeof(*p->run)))) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = obj__open_any(l->path, &p->obj, err, errlen);
	if (!e && l->maps_json)
		e = obj__load_maps_json(p->obj, l->maps_json, err, errlen);
	if (!e && !(hp = obj__prog(p->obj, l->prog))) {
		snprintf(err, errlen, "%s: no XDP program%s%s", l->path,
			 l->prog ? " named " : "", l->prog ? l->prog : "");
		e = -ENOENT;
	}
	if (!e)
		e = d->eng->open(p->obj, &eo, &p->est, err, errlen);
	if (e) {
		prog_free(p, d->eng);
		return e < 0 ? e : -EINVAL;
	}
	p->obj->env.ktime_real = 1;	/* a live device: real time and randomness */
	p->obj->env.prandom_real = 1;
	p->prog_idx = hp->idx;
	run__init(p->run, &p->obj->env);
	snprintf(p->info.name, sizeof(p->info.name), "%s", hp->name);
	snprintf(p->info.path, sizeof(p->info.path), "%s", l->path);
	snprintf(p->info.engine, sizeof(p->info.engine), "%s", d->eng->name);
	p->info.ninsns = hp->ninsns;
	p->info.loaded_at = (uint64_t)time(NULL);
	*out = p;
	return 0;
}

int dev__prog_load(struct hxdp_dev *d, const struct dev_load *l, struct dev_prog_info *info,
		   char *err, size_t errlen)
{
	struct swap sw = { 0 };
	int e = prog_prepare(d, l, &sw.np, err, errlen);

	if (e)
		return e;
	dev__exec(d, swap_fn, &sw);
	if (info)
		*info = sw.np->info;
	prog_free(sw.old, d->eng);
	return 0;
}

static int info_fn(struct hxdp_dev *d, void *arg)
{
	if (!d->prog)
		return -ENOENT;
	*(struct dev_prog_info *)arg = d->prog->info;
	return 0;
}

int dev__prog_info(struct hxdp_dev *d, struct dev_prog_info *info)
{
	return dev__exec(d, info_fn, info);
}

/* ---- maps ---- */

static struct hxdp_map *map_find(struct hxdp_dev *d, uint32_t id, const char *name,
				 uint32_t *idp, char *err, size_t errlen)
{
	struct hxdp_env *env;

	if (!d->prog) {
		snprintf(err, errlen, "no program is loaded on %s, so it has no maps", d->name);
		return NULL;
	}
	env = &d->prog->obj->env;
	for (uint32_t i = 0; i < env->nmaps; i++) {
		struct hxdp_map *m = env->maps[i];

		if (m && (id ? d->prog->map_id[i] == id : !strcmp(m->name, name ? name : ""))) {
			*idp = d->prog->map_id[i];
			return m;
		}
	}
	if (id)
		snprintf(err, errlen, "no map with id %u on %s", id, d->name);
	else
		snprintf(err, errlen, "no map named '%s' on %s", name ? name : "", d->name);
	return NULL;
}

static void map_info(const struct hxdp_map *m, uint32_t id, struct dev_map_info *mi)
{
	*mi = (struct dev_map_info){
		.id = id, .type = m->type, .key_size = m->key_size,
		.value_size = m->value_size, .max_entries = m->max_entries,
		.map_flags = m->map_flags, .user_value_size = map__user_value_size(m),
		.btf_key_id = m->btf_key_id, .btf_value_id = m->btf_value_id,
		.has_btf = m->btf != NULL, .rdonly_prog = m->rdonly_prog,
		.btf = m->btf,
	};
	snprintf(mi->name, sizeof(mi->name), "%s", m->name);
}

static int map_sizes_ok(struct dev_map_req *r)
{
	struct dev_map_info *mi = &r->info;

	if (r->key && r->key_len != mi->key_size) {
		snprintf(r->err, sizeof(r->err), "key is %u bytes, map '%s' takes %u",
			 r->key_len, mi->name, mi->key_size);
		return 0;
	}
	if (r->op == DMAP_UPDATE && r->value_len != mi->user_value_size) {
		snprintf(r->err, sizeof(r->err), "value is %u bytes, map '%s' takes %u",
			 r->value_len, mi->name, mi->user_value_size);
		return 0;
	}
	if ((r->op == DMAP_LOOKUP && r->out_len < mi->user_value_size) ||
	    (r->op == DMAP_NEXT && r->out_len < mi->key_size)) {
		snprintf(r->err, sizeof(r->err), "output buffer too small");
		return 0;
	}
	return 1;
}

static int map_op_fn(struct hxdp_dev *d, void *arg)
{
	struct dev_map_req *r = arg;
	struct hxdp_map *m = map_find(d, r->id, r->name, &r->info.id, r->err, sizeof(r->err));

	if (!m)
		return -ENOENT;
	map_info(m, r->info.id, &r->info);
	if (!map_sizes_ok(r))
		return -EINVAL;
	if (!r->key && r->op != DMAP_NEXT) {
		snprintf(r->err, sizeof(r->err), "a key is required");
		return -EINVAL;
	}
	d->st.map_ops++;
	switch (r->op) {
	case DMAP_LOOKUP:
		if (map__user_lookup(m, r->key, r->out))
			return -ENOENT;
		if (r->found)
			r->found(r->found_ctx, &r->info, r->key, r->out);
		return 0;
	case DMAP_UPDATE: case DMAP_DELETE:
		if (m->frozen) {	/* the kernel: EPERM once frozen */
			snprintf(r->err, sizeof(r->err), "map %s is frozen (read-only to user space)",
				 m->name);
			return -EPERM;
		}
		return r->op == DMAP_UPDATE ? map__user_update(m, r->key, r->value, r->flags) :
		       map__delete(m, r->key);
	case DMAP_NEXT:
		return map__next_key(m, r->key, r->out);
	}
	return -EINVAL;
}

int dev__map_op(struct hxdp_dev *d, struct dev_map_req *r)
{
	r->err[0] = 0;
	return dev__exec(d, map_op_fn, r);
}

struct map_list {
	struct dev_map_info *out;
	int max;
};

static int map_list_fn(struct hxdp_dev *d, void *arg)
{
	struct map_list *ml = arg;
	struct hxdp_env *env;
	int n = 0;

	if (!d->prog)
		return 0;
	env = &d->prog->obj->env;
	for (uint32_t i = 0; i < env->nmaps && n < ml->max; i++)
		if (env->maps[i])
			map_info(env->maps[i], d->prog->map_id[i], &ml->out[n++]);
	return n;
}

int dev__map_list(struct hxdp_dev *d, struct dev_map_info *out, int max)
{
	struct map_list ml = { out, max };

	return dev__exec(d, map_list_fn, &ml);
}

struct map_dump {
	uint32_t id;
	const char *name;
	int (*cb)(void *ctx, const struct dev_map_info *mi, const void *key, const void *val);
	void *ctx;
	char *err;
	size_t errlen;
};

static int map_dump_fn(struct hxdp_dev *d, void *arg)
{
	struct map_dump *md = arg;
	struct dev_map_info mi;
	uint32_t id;
	struct hxdp_map *m = map_find(d, md->id, md->name, &id, md->err, md->errlen);
	uint8_t *k, *nk, *v;
	int e = 0, first = 1;

	if (!m)
		return -ENOENT;
	map_info(m, id, &mi);
	k = malloc(mi.key_size + 1);
	nk = malloc(mi.key_size + 1);
	v = malloc(mi.user_value_size + 1);
	while (k && nk && v && !e) {
		e = map__next_key(m, first ? NULL : k, nk);
		if (e)
			break;
		first = 0;
		memcpy(k, nk, mi.key_size);
		/* array-like maps: every index exists; skip what lookup refuses (devmap holes) */
		if (map__user_lookup(m, k, v) == 0)
			e = md->cb(md->ctx, &mi, k, v);
	}
	free(k);
	free(nk);
	free(v);
	return e == -ENOENT ? 0 : e;
}

int dev__map_dump(struct hxdp_dev *d, uint32_t id, const char *name,
		  int (*cb)(void *ctx, const struct dev_map_info *mi, const void *key,
			    const void *val),
		  void *ctx, char *err, size_t errlen)
{
	struct map_dump md = { id, name, cb, ctx, err, errlen };

	return dev__exec(d, map_dump_fn, &md);
}


/* ---- pcap feeds ---- */

static void pace(uint64_t t0, uint64_t sent, uint64_t rate)
{
	uint64_t due = t0 + sent * 1000000000ull / rate, now = dev_now_ns();
	struct timespec ts;

	if (due <= now + 1000000)	/* sleep in steps of 1 ms: the device takes bursts */
		return;
	ts.tv_sec = (due - now) / 1000000000ull;
	ts.tv_nsec = (due - now) % 1000000000ull;
	nanosleep(&ts, NULL);
}

static int feed_push(struct hxdp_dev *d, struct dev_feed *f, uint32_t ifindex,
		     const uint8_t *p, uint32_t len)
{
	struct pkt_slot *s;

	pthread_mutex_lock(&d->mu);
	s = slot_take(d, 1);
	if (s) {
		*s = (struct pkt_slot){ .feed = f, .port = -1, .ifindex = ifindex, .len = len };
		memcpy(s->data, p, len);
		slot_push(d);
	}
	pthread_mutex_unlock(&d->mu);
	return s ? 0 : -ESHUTDOWN;
}

static int feed_pkts(struct hxdp_dev *d, struct dev_feed *f, const struct dev_feed_opts *o,
		     const struct hxdp_pkts *pk, uint64_t *sent, uint64_t t0, char *err,
		     size_t errlen)
{
	for (uint32_t i = 0; i < pk->n; i++) {
		if (o->rate)
			pace(t0, *sent, o->rate);
		if (feed_push(d, f, o->ifindex, pk->pkt[i].data, pk->pkt[i].len)) {
			snprintf(err, errlen, "device %s stopped during the feed", d->name);
			return -ESHUTDOWN;
		}
		(*sent)++;
	}
	return 0;
}

static int feed_check(const struct dev_feed_opts *o, const struct hxdp_pkts *pk, char *err,
		      size_t errlen)
{
	for (uint32_t i = 0; i < pk->n; i++)
		if (pk->pkt[i].len > HXDP_MAX_PKT || pk->pkt[i].len < 14) {
			snprintf(err, errlen, "%s: packet %u is %u bytes (an XDP frame is 14..%u)",
				 o->path, i + 1, pk->pkt[i].len, HXDP_MAX_PKT);
			return -EINVAL;
		}
	return 0;
}

int dev__feed(struct hxdp_dev *d, const struct dev_feed_opts *o, struct dev_feed_result *res,
	      char *err, size_t errlen)
{
	struct dev_feed f = { 0 };
	struct hxdp_pkts pk = { 0 };
	uint64_t sent = 0, t0 = dev_now_ns();
	int e = pcap__read(o->path, &pk, err, errlen);

	if (!e)
		e = feed_check(o, &pk, err, errlen);
	if (!e && o->capture && !(f.cap = dev_capture_open(o->capture, err, errlen)))
		e = -EINVAL;
	for (uint64_t i = 0; i < (o->repeat ? o->repeat : 1) && !e; i++)
		e = feed_pkts(d, &f, o, &pk, &sent, t0, err, errlen);
	pthread_mutex_lock(&d->mu);
	while (atomic_load(&f.processed) < sent)
		pthread_cond_wait(&d->done, &d->mu);
	pthread_mutex_unlock(&d->mu);
	dev_capture_close(f.cap);
	pcap__free(&pk);
	if (res) {
		*res = (struct dev_feed_result){ .packets = sent, .faults = f.faults,
						 .ns = dev_now_ns() - t0 };
		for (int a = 0; a < DEV_ACT_MAX; a++)
			res->act[a] = f.act[a];
	}
	return e;
}

/* ---- ports (the I/O itself is in dev_port.c) ---- */

static int port_live_fn(struct hxdp_dev *d, void *arg)
{
	(void)d;
	((struct dev_port *)arg)->live = 1;
	return 0;
}

int dev__attach(struct hxdp_dev *d, const struct dev_attach_opts *o, char *err, size_t errlen)
{
	struct dev_port *pt = NULL;
	int e;

	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < DEV_MAX_PORTS; i++) {
		if (d->ports[i].used && !strcmp(d->ports[i].iface, o->iface)) {
			pthread_mutex_unlock(&d->mu);
			snprintf(err, errlen, "%s is already attached to %s", o->iface, d->name);
			return -EEXIST;
		}
		if (!d->ports[i].used && !pt)
			pt = &d->ports[i];
	}
	if (pt) {
		pt->used = -1;	/* reserved while it opens */
		snprintf(pt->iface, sizeof(pt->iface), "%s", o->iface);
	}
	pthread_mutex_unlock(&d->mu);
	if (!pt) {
		snprintf(err, errlen, "%s has %d ports attached already", d->name, DEV_MAX_PORTS);
		return -ENOSPC;
	}
	e = port_open(d, pt, o, err, errlen);
	if (!e)
		dev__exec(d, port_live_fn, pt);
	pthread_mutex_lock(&d->mu);
	pt->used = e ? 0 : 1;
	pthread_mutex_unlock(&d->mu);
	return e;
}

static int port_dead_fn(struct hxdp_dev *d, void *arg)
{
	(void)d;
	((struct dev_port *)arg)->live = 0;
	return 0;
}

int dev__detach(struct hxdp_dev *d, const char *iface, char *err, size_t errlen)
{
	struct dev_port *pt = NULL;

	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < DEV_MAX_PORTS && !pt; i++)
		if (d->ports[i].used == 1 && !strcmp(d->ports[i].iface, iface))
			pt = &d->ports[i];
	if (pt)
		pt->used = -1;
	pthread_mutex_unlock(&d->mu);
	if (!pt) {
		snprintf(err, errlen, "%s is not attached to %s", iface, d->name);
		return -ENOENT;
	}
	/* after this the device thread no longer sends to the port */
	if (dev__exec(d, port_dead_fn, pt) == -ESHUTDOWN)
		pt->live = 0;
	port_close(pt);
	pthread_mutex_lock(&d->mu);
	pt->used = 0;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

int dev__ports(struct hxdp_dev *d, struct dev_port_info *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < DEV_MAX_PORTS && n < max; i++) {
		struct dev_port *pt = &d->ports[i];

		if (pt->used != 1)
			continue;
		out[n] = (struct dev_port_info){
			.ifindex = pt->ifindex, .rx = pt->rx, .tx = pt->tx, .pass = pt->pass,
			.host_tx = pt->host_tx, .errors = pt->errors,
		};
		snprintf(out[n].iface, sizeof(out[n].iface), "%s", pt->iface);
		snprintf(out[n].tap, sizeof(out[n].tap), "%s", pt->tap);
		snprintf(out[n].io, sizeof(out[n].io), "%s", pt->io);
		n++;
	}
	pthread_mutex_unlock(&d->mu);
	return n;
}

struct report {
	struct json_object *j;
	double host_ns;
};

static int report_fn(struct hxdp_dev *d, void *arg)
{
	struct report *r = arg;

	if (!d->prog || !d->eng->report)
		return -ENOENT;
	d->eng->report(d->prog->est, r->j, NULL, r->host_ns);
	return 0;
}

int dev__engine_report(struct hxdp_dev *d, struct json_object *j, double host_ns)
{
	struct report r = { j, host_ns };

	return dev__exec(d, report_fn, &r);
}
