/* dev_int.h: the device's insides, shared by dev.c (queue, thread, programs, maps,
 * feeds) and dev_port.c (real interfaces). Not an interface for anyone else. */
#ifndef HXDP_DEV_INT_H
#define HXDP_DEV_INT_H
#include <pthread.h>
#include <stdatomic.h>
#include <net/if.h>
#include "dev.h"
#include "engine.h"
#include "env.h"
#include "xdp.h"

#define RING_SLOTS 1024u	/* packets queued for the device thread */
#define BATCH 32u		/* packets the device thread takes per lock */

struct dev_feed;

struct pkt_slot {
	struct dev_feed *feed;	/* NULL: from a port */
	int port;		/* port index, -1 for a feed */
	uint32_t ifindex;	/* ingress_ifindex */
	uint32_t len;
	uint8_t data[HXDP_MAX_PKT];
};

struct dev_prog {
	struct hxdp_obj *obj;
	void *est;		/* engine state */
	uint32_t prog_idx;
	struct hxdp_run *run;
	struct dev_prog_info info;
	uint32_t map_id[HXDP_MAX_MAPS];	/* id of env map i */
};

struct capture {
	pthread_mutex_t mu;
	struct hxdp_pcap_out *out;
};

struct dev_port {
	int used;		/* 1 attached, -1 reserved (opening or closing), under dev->mu */
	int live;		/* the device thread may send to it (device thread only) */
	char iface[IF_NAMESIZE], tap[IF_NAMESIZE];
	const char *io;		/* "af_xdp" or "af_packet" */
	struct xsk *xsk;	/* AF_XDP (dev_xsk.c), NULL: AF_PACKET */
	uint32_t ifindex;
	int fd;			/* AF_PACKET socket (with a virtio_net_hdr per frame) */
	int tapfd;		/* -1: no tap */
	int stopfd[2];		/* pipe waking the port thread to stop */
	int steal;		/* a tc ingress drop hides wire frames from the host */
	int tc_created;		/* we created the clsact qdisc */
	int tc_prog_fd;
	pthread_t thr;
	struct capture *cap;
	atomic_uint_fast64_t rx, tx, pass, host_tx, errors;
};

struct hxdp_dev {
	char name[DEV_NAME_MAX];
	const struct engine_ops *eng;
	pthread_t thr;
	pthread_mutex_t mu;	/* ring indexes, ports table */
	pthread_mutex_t run_mu;	/* held while a packet runs or a request uses the device */
	pthread_cond_t wake;	/* device thread: work arrived */
	pthread_cond_t space;	/* feeders: the ring has room */
	pthread_cond_t done;	/* feeds: progress */
	pthread_cond_t resume;	/* device thread: no request waits any more */
	struct pkt_slot *ring;
	uint32_t head, tail;	/* head - tail slots are queued */
	int sleeping, stop;
	uint64_t rx, rx_drops;	/* under mu */
	atomic_int waiters;	/* requests waiting for run_mu */
	/* device state: touched only with run_mu held */
	struct dev_prog *prog;
	struct hxdp_xdp x;
	struct dev_stats st;
	uint64_t t0;
	uint32_t next_prog_id, next_map_id, version;
	struct dev_port ports[DEV_MAX_PORTS];
};

uint64_t dev_now_ns(void);
void dev_capture_write(struct capture *c, const uint8_t *p, uint32_t len);
struct capture *dev_capture_open(const char *path, char *err, size_t errlen);
void dev_capture_close(struct capture *c);

/* dev_port.c */
int port_open(struct hxdp_dev *d, struct dev_port *pt, const struct dev_attach_opts *o,
	      char *err, size_t errlen);
void port_close(struct dev_port *pt);
int port_send(struct dev_port *pt, const uint8_t *p, uint32_t len);	/* out the wire */
int port_pass(struct dev_port *pt, const uint8_t *p, uint32_t len);	/* into the tap */
/* queue one received frame for the device thread; -ENOBUFS when the ring is full */
int dev_enqueue_port(struct hxdp_dev *d, int port, uint32_t ifindex, const uint8_t *p,
		     uint32_t len);

/* dev_xsk.c */
int xsk_open(struct dev_port *pt, const char *xdp_mode, char *err, size_t errlen);
void xsk_close(struct dev_port *pt);
int xsk_fd(const struct dev_port *pt);
void xsk_rx(struct hxdp_dev *d, struct dev_port *pt, int idx);
int xsk_send(struct dev_port *pt, const uint8_t *p, uint32_t len);

#endif
