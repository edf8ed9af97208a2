/* test_dev.c: the device without its socket: feeds, program swap and the carry-over
 * rule, map requests and their errors, requests serialized with packets */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "t.h"
#include "dev.h"
#include "engine.h"
#include "pcap.h"

#define FW "build/progs/xdp_firewall.v3.o"
#define GLOBALS "build/progs/xdp_globals.v3.o"

static int have_vm(void)
{
	return engine__find("vm") != NULL;
}

static struct hxdp_dev *dev_vm(void)
{
	struct dev_opts o = { .name = "unit", .engine = "vm" };
	struct hxdp_dev *d = NULL;
	char err[200];

	if (dev__create(&o, &d, err, sizeof(err)))
		fprintf(stderr, "  dev__create: %s\n", err);
	return d;
}

/* n UDP frames 10.1.0.f -> 192.168.0.1:53 */
static int write_pcap(const char *path, int n)
{
	static const uint8_t hdr[34] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0, 0x45, 0, 0, 50,
		0, 0, 0, 0, 64, 17, 0, 0, 10, 1, 0, 0, 192, 168, 0, 1 };
	struct hxdp_pcap_out *o;
	uint8_t p[64] = { 0 };
	char err[200];

	if (pcap__create(path, &o, err, sizeof(err)))
		return -1;
	memcpy(p, hdr, sizeof(hdr));
	p[35] = 100;
	p[37] = 53;
	p[39] = 30;
	for (int i = 0; i < n; i++) {
		p[29] = (uint8_t)(i % 4);
		pcap__write(o, p, sizeof(p));
	}
	pcap__close(o);
	return 0;
}

TEST(dev_create_refuses_bad_options)
{
	struct dev_opts o = { .name = "", .engine = "vm" };
	struct hxdp_dev *d = NULL;
	char err[200] = "";

	CHECK(dev__create(&o, &d, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "device name") != NULL);
	o.name = "x";
	o.engine = "nosuch";
	CHECK(dev__create(&o, &d, err, sizeof(err)) == -ENOENT);
	CHECK(strstr(err, "unknown or unavailable engine 'nosuch'") != NULL);
}

TEST(dev_feed_without_program_passes)
{
	struct dev_feed_opts fo = { .path = "/tmp/hxdp_unit_dev.pcap", .repeat = 3, .ifindex = 1 };
	struct dev_feed_result r;
	struct hxdp_dev *d;
	struct dev_stats s;
	char err[200];

	if (!have_vm())
		SKIP("no vm engine built in");
	CHECK(write_pcap(fo.path, 5) == 0);
	d = dev_vm();
	if (!d)
		return;
	CHECK(dev__feed(d, &fo, &r, err, sizeof(err)) == 0);
	CHECK_EQ(r.packets, 15);
	CHECK_EQ(r.act[2], 15);
	dev__stats(d, &s);
	CHECK_EQ(s.processed, 15);
	CHECK_EQ(s.noprog, 15);
	fo.path = "/nonexistent.pcap";
	CHECK(dev__feed(d, &fo, &r, err, sizeof(err)) < 0);
	CHECK(strstr(err, "/nonexistent.pcap") != NULL);
	dev__destroy(d);
	unlink("/tmp/hxdp_unit_dev.pcap");
}

static int map_update(struct hxdp_dev *d, const char *name, const void *k, uint32_t kl,
		      const void *v, uint32_t vl, uint64_t flags, char *err)
{
	struct dev_map_req r = { .op = DMAP_UPDATE, .name = name, .key = k, .key_len = kl,
				 .value = v, .value_len = vl, .flags = flags };
	int e = dev__map_op(d, &r);

	strcpy(err, r.err);
	return e;
}

static int map_lookup(struct hxdp_dev *d, const char *name, const void *k, uint32_t kl,
		      void *out, uint32_t ol)
{
	struct dev_map_req r = { .op = DMAP_LOOKUP, .name = name, .key = k, .key_len = kl,
				 .out = out, .out_len = ol };

	return dev__map_op(d, &r);
}

TEST(dev_maps_and_swap_carry_over)
{
	struct dev_load l = { .path = FW };
	struct dev_prog_info a, b;
	uint8_t key[4] = { 0, 0x50, 6, 0 }, val[4] = { 1, 0, 0, 0 }, out[8];
	struct hxdp_dev *d;
	char err[200];

	if (!have_vm() || access(FW, R_OK))
		SKIP("needs the vm engine and " FW " (make progs)");
	d = dev_vm();
	if (!d)
		return;
	CHECK(map_update(d, "flows", key, 4, val, 4, 0, err) == -ENOENT);
	CHECK(strstr(err, "no program is loaded") != NULL);
	CHECK(dev__prog_load(d, &l, &a, err, sizeof(err)) == 0);
	CHECK_EQ(a.carried, 0);
	CHECK(map_update(d, "inbound_allow", key, 4, val, 4, 0, err) == 0);
	CHECK(map_update(d, "inbound_allow", key, 4, val, 4, 1 /* noexist */, err) == -EEXIST);
	CHECK(map_update(d, "inbound_allow", key, 3, val, 4, 0, err) == -EINVAL);
	CHECK(strstr(err, "key is 3 bytes, map 'inbound_allow' takes 4") != NULL);
	CHECK(map_update(d, "nosuch", key, 4, val, 4, 0, err) == -ENOENT);
	CHECK(strstr(err, "no map named 'nosuch'") != NULL);
	/* the same program again: every map is compatible and keeps contents and id */
	CHECK(dev__prog_load(d, &l, &b, err, sizeof(err)) == 0);
	CHECK_EQ(b.carried, a.nmaps);
	CHECK_EQ(b.version, a.version + 1);
	CHECK(!memcmp(a.map_ids, b.map_ids, sizeof(a.map_ids[0]) * a.nmaps));
	memset(out, 0, sizeof(out));
	CHECK(map_lookup(d, "inbound_allow", key, 4, out, sizeof(out)) == 0);
	CHECK_EQ(out[0], 1);
	l.path = "/nonexistent.o";
	CHECK(dev__prog_load(d, &l, &b, err, sizeof(err)) < 0);
	CHECK(dev__prog_info(d, &b) == 0);	/* the running program stays */
	CHECK_EQ(b.version, a.version + 1);
	dev__destroy(d);
}

/* libbpf freezes .rodata once loaded: user space can read it, not write it (EPERM, as
 * the kernel's frozen maps), while the .data map next to it stays writable */
TEST(dev_rodata_is_frozen)
{
	struct dev_load l = { .path = GLOBALS };
	struct dev_map_info mi[16];
	struct dev_prog_info a;
	uint8_t key[4] = { 0 }, val[128] = { 0 };
	struct hxdp_dev *d;
	char err[200];
	int n, ro = -1, rw = -1;

	if (!have_vm() || access(GLOBALS, R_OK))
		SKIP("needs the vm engine and " GLOBALS " (make progs)");
	d = dev_vm();
	if (!d)
		return;
	CHECK(dev__prog_load(d, &l, &a, err, sizeof(err)) == 0);
	n = dev__map_list(d, mi, 16);
	for (int i = 0; i < n; i++) {
		if (strstr(mi[i].name, ".rodata"))
			ro = i;
		if (strstr(mi[i].name, ".data"))
			rw = i;
	}
	CHECK(ro >= 0 && rw >= 0);
	if (ro >= 0 && rw >= 0) {
		CHECK(map_lookup(d, mi[ro].name, key, 4, val, sizeof(val)) == 0);
		CHECK(map_update(d, mi[ro].name, key, 4, val, mi[ro].value_size, 0, err) == -EPERM);
		CHECK(strstr(err, "frozen") != NULL);
		CHECK(map_update(d, mi[rw].name, key, 4, val, mi[rw].value_size, 0, err) == 0);
	}
	dev__destroy(d);
}

struct bump {
	struct hxdp_dev *d;
	long n;
	long counter;	/* only touched inside dev__exec */
};

static int bump_fn(struct hxdp_dev *d, void *arg)
{
	struct bump *b = arg;
	long v = b->counter;

	(void)d;
	usleep(0);
	b->counter = v + 1;	/* a lost update if two requests overlapped */
	return 0;
}

static void *bumper(void *arg)
{
	struct bump *b = arg;

	for (long i = 0; i < b->n; i++)
		dev__exec(b->d, bump_fn, b);
	return NULL;
}

TEST(dev_exec_serializes_requests_with_packets)
{
	struct dev_feed_opts fo = { .path = "/tmp/hxdp_unit_dev2.pcap", .repeat = 200 };
	struct dev_feed_result r;
	struct bump b = { .n = 2000 };
	pthread_t t[3];
	char err[200];

	if (!have_vm())
		SKIP("no vm engine built in");
	CHECK(write_pcap(fo.path, 100) == 0);
	b.d = dev_vm();
	if (!b.d)
		return;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, bumper, &b);
	CHECK(dev__feed(b.d, &fo, &r, err, sizeof(err)) == 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(b.counter, 3 * b.n);
	CHECK_EQ(r.packets, 20000);
	dev__destroy(b.d);
	unlink(fo.path);
}
