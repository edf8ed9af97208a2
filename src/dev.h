/* dev.h: the emulated NIC. One device thread runs every packet through the loaded
 * program; control requests (map access, program swap) run on that thread between two
 * packets, so each packet sees exactly one program version and one consistent state of
 * every map element (docs/device.md, "Concurrency"). */
#ifndef HXDP_DEV_H
#define HXDP_DEV_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

struct hxdp_dev;
struct hxdp_obj;
struct hxdp_map;

#define DEV_NAME_MAX 32
#define DEV_MAX_PORTS 8
#define DEV_MAX_MAPS 64

enum { DEV_ACT_MAX = 5 };	/* XDP_ABORTED .. XDP_REDIRECT */

struct dev_stats {
	uint64_t rx;			/* packets queued (feeds and ports) */
	uint64_t processed;		/* packets that went through the device thread */
	uint64_t act[DEV_ACT_MAX];	/* by the program's action */
	uint64_t faults;		/* runs stopped by a violation (counted as aborted) */
	uint64_t invalid;		/* actions past XDP_REDIRECT (dropped, as the kernel) */
	uint64_t noprog;		/* no program loaded: passed */
	uint64_t rx_drops;		/* a port's packet found the queue full */
	uint64_t tx_errors;		/* TX/REDIRECT/PASS that could not be delivered */
	uint64_t insns;			/* instructions (vm) or VLIW rows (vliw, sim) */
	uint64_t busy_ns;		/* device thread time spent running packets */
	uint64_t up_ns;			/* since start */
	uint64_t swaps;			/* program loads */
	uint64_t map_ops;		/* user-space map requests served */
};

struct dev_opts {
	const char *name;
	const char *engine;	/* NULL: the first of sim, vliw, vm that exists */
};

int dev__create(const struct dev_opts *o, struct hxdp_dev **out, char *err, size_t errlen);
void dev__stop(struct hxdp_dev *d);	/* detach every port, drain the queue, end the thread */
void dev__destroy(struct hxdp_dev *d);	/* stop, then free */
const char *dev__name(const struct hxdp_dev *d);
const char *dev__engine(const struct hxdp_dev *d);
void dev__stats(struct hxdp_dev *d, struct dev_stats *s);

/* run fn(d, arg) on the device thread between two packets; returns what fn returns */
int dev__exec(struct hxdp_dev *d, int (*fn)(struct hxdp_dev *d, void *arg), void *arg);

/* programs: open and prepare outside the device thread, swap between two packets */
struct dev_load {
	const char *path;	/* PROG.o */
	const char *prog;	/* program name in the object, NULL: first */
	const char *maps_json;	/* initial contents of the maps not carried over, or NULL */
};
struct dev_prog_info {
	uint32_t id, version, nmaps, ninsns;
	uint32_t map_ids[DEV_MAX_MAPS];
	char name[64], path[256], engine[16];
	uint64_t loaded_at;	/* CLOCK_REALTIME seconds */
	uint64_t run_cnt, insns;
	uint32_t carried;	/* maps carried over from the previous program */
};
int dev__prog_load(struct hxdp_dev *d, const struct dev_load *l, struct dev_prog_info *info,
		   char *err, size_t errlen);
int dev__prog_info(struct hxdp_dev *d, struct dev_prog_info *info);	/* -ENOENT: none */
/* the engine's own figures (sim: modeled cycles, Mpps, latency; docs/timing.md) for the
 * packets the running program has run, added to j. -ENOENT: no program or no report */
struct json_object;
int dev__engine_report(struct hxdp_dev *d, struct json_object *j, double host_ns);

/* maps of the running program, found by id or name. Every function here runs on the
 * device thread (through dev__exec), so it is atomic with respect to packets. */
struct dev_map_info {
	uint32_t id, type, key_size, value_size, max_entries, map_flags, user_value_size;
	uint32_t btf_key_id, btf_value_id;
	int has_btf, rdonly_prog;
	char name[16];
	const struct btf *btf;	/* valid only on the device thread (callbacks below) */
};
enum dev_map_op { DMAP_LOOKUP, DMAP_UPDATE, DMAP_DELETE, DMAP_NEXT };
struct dev_map_req {
	enum dev_map_op op;
	uint32_t id;		/* 0: by name */
	const char *name;
	const void *key;	/* NEXT: NULL for the first key */
	uint32_t key_len;
	const void *value;	/* UPDATE */
	uint32_t value_len;
	uint64_t flags;
	void *out;		/* LOOKUP: value, NEXT: next key (sized by the map) */
	uint32_t out_len;
	struct dev_map_info info;	/* filled on every call that found the map */
	/* LOOKUP: called on the device thread with the value found (BTF formatting) */
	void (*found)(void *ctx, const struct dev_map_info *mi, const void *key,
		      const void *val);
	void *found_ctx;
	char err[160];
};
int dev__map_op(struct hxdp_dev *d, struct dev_map_req *r);
/* every map's info; returns how many (at most max) */
int dev__map_list(struct hxdp_dev *d, struct dev_map_info *out, int max);
/* map contents in one device-thread visit: cb is called for every element, in key
 * order as map__next_key walks them, with the device paused */
int dev__map_dump(struct hxdp_dev *d, uint32_t id, const char *name,
		  int (*cb)(void *ctx, const struct dev_map_info *mi, const void *key,
			    const void *val),
		  void *ctx, char *err, size_t errlen);

/* packet input from a pcap file; returns once every packet has been processed */
struct dev_feed_opts {
	const char *path;
	const char *capture;	/* write every TX/REDIRECT/PASS output here, or NULL */
	uint64_t rate;		/* packets per second, 0: as fast as the device takes */
	uint64_t repeat;	/* times through the file, 0 and 1: once */
	uint32_t ifindex;	/* ingress_ifindex the program sees */
};
struct dev_feed_result {
	uint64_t packets, act[DEV_ACT_MAX], faults, ns;
};
int dev__feed(struct hxdp_dev *d, const struct dev_feed_opts *o, struct dev_feed_result *r,
	      char *err, size_t errlen);

/* packet I/O on a real interface */
struct dev_attach_opts {
	const char *iface;
	const char *tap;	/* PASS goes into this tap (created if needed), or NULL */
	const char *capture;	/* frames the device sends out of iface */
	const char *mode;	/* "auto" (AF_XDP, else AF_PACKET), "xdp", "packet" */
	const char *xdp_mode;	/* AF_XDP attach: "skb", "native", NULL: libxdp's choice */
	int no_steal;		/* AF_PACKET: leave the host stack its copy of each frame */
};
struct dev_port_info {
	char iface[32], tap[32], io[16];
	uint32_t ifindex;
	uint64_t rx, tx, pass, host_tx, errors;
};
int dev__attach(struct hxdp_dev *d, const struct dev_attach_opts *o, char *err, size_t errlen);
int dev__detach(struct hxdp_dev *d, const char *iface, char *err, size_t errlen);
int dev__ports(struct hxdp_dev *d, struct dev_port_info *out, int max);

#endif
