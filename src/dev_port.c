/* dev_port.c: the device's ports on real interfaces. A port is a wire (the interface,
 * read and written through an AF_PACKET socket) and optionally a tap: the host's view
 * of the NIC. Frames from the wire go through the program; PASS writes them into the
 * tap, so the host stack receives them there; what the host sends into the tap goes
 * out of the wire unchanged (the NIC's transmit path does not run XDP).
 *
 * AF_PACKET sees a frame before the host stack does but cannot take it away, so by
 * default a tc ingress filter (a two-instruction SCHED_CLS program returning
 * TC_ACT_SHOT) hides wire frames from the host: only what the program PASSes reaches
 * it, through the tap. Taps run ahead of tc ingress, so the socket still sees them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/virtio_net.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dev_int.h"

#define FRAME_MAX 65536

/* complete a checksum the sender left to offload (CHECKSUM_PARTIAL on a veth) */
static void csum_complete(uint8_t *p, uint32_t len, const struct virtio_net_hdr *vh)
{
	uint32_t start = vh->csum_start, off = vh->csum_offset, sum = 0;
	uint16_t c;

	if (start + off + 2 > len)
		return;
	/* the field holds the pseudo-header sum already */
	for (uint32_t i = start; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	p[start + off] = c >> 8;
	p[start + off + 1] = c & 0xff;
}

static void wire_rx(struct hxdp_dev *d, struct dev_port *pt, int idx, uint8_t *buf)
{
	struct virtio_net_hdr *vh = (void *)buf;
	ssize_t n = recv(pt->fd, buf, FRAME_MAX + sizeof(*vh), MSG_DONTWAIT);
	uint8_t *p = buf + sizeof(*vh);
	uint32_t len;

	if (n < (ssize_t)sizeof(*vh))
		return;
	len = (uint32_t)(n - sizeof(*vh));
	atomic_fetch_add(&pt->rx, 1);
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		atomic_fetch_add(&pt->errors, 1);	/* bigger than any XDP frame */
		return;
	}
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		csum_complete(p, len, vh);
	dev_enqueue_port(d, idx, pt->ifindex, p, len);
}

static int wire_write(struct dev_port *pt, const uint8_t *p, uint32_t len)
{
	struct virtio_net_hdr vh = { 0 };
	struct iovec iov[2] = { { &vh, sizeof(vh) }, { (void *)p, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	int e = pt->xsk ? xsk_send(pt, p, len)
			: sendmsg(pt->fd, &mh, MSG_DONTWAIT) < 0 ? -errno : 0;

	if (e) {
		atomic_fetch_add(&pt->errors, 1);
		return e;
	}
	dev_capture_write(pt->cap, p, len);
	return 0;
}

static void tap_rx(struct dev_port *pt, uint8_t *buf)
{
	ssize_t n = read(pt->tapfd, buf, FRAME_MAX);

	if (n <= 0)
		return;
	if (!wire_write(pt, buf, (uint32_t)n))
		atomic_fetch_add(&pt->host_tx, 1);
}

struct port_arg {
	struct hxdp_dev *d;
	int idx;
};

static void *port_thread(void *arg)
{
	struct port_arg pa = *(struct port_arg *)arg;
	struct dev_port *pt = &pa.d->ports[pa.idx];
	uint8_t *buf = malloc(FRAME_MAX + sizeof(struct virtio_net_hdr));
	struct pollfd pf[3] = {
		{ .fd = pt->stopfd[0], .events = POLLIN },
		{ .fd = pt->xsk ? xsk_fd(pt) : pt->fd, .events = POLLIN },
		{ .fd = pt->tapfd, .events = POLLIN },
	};

	free(arg);
	while (buf && poll(pf, pt->tapfd >= 0 ? 3 : 2, -1) >= 0 && !pf[0].revents) {
		if (pf[1].revents && pt->xsk)
			xsk_rx(pa.d, pt, pa.idx);
		else if (pf[1].revents)
			wire_rx(pa.d, pt, pa.idx, buf);
		if (pt->tapfd >= 0 && pf[2].revents)
			tap_rx(pt, buf);
	}
	free(buf);
	return NULL;
}

int port_send(struct dev_port *pt, const uint8_t *p, uint32_t len)
{
	int e = wire_write(pt, p, len);

	if (!e)
		atomic_fetch_add(&pt->tx, 1);
	return e;
}

int port_pass(struct dev_port *pt, const uint8_t *p, uint32_t len)
{
	if (write(pt->tapfd, p, len) != (ssize_t)len) {
		atomic_fetch_add(&pt->errors, 1);
		return -EIO;
	}
	atomic_fetch_add(&pt->pass, 1);
	return 0;
}

static int wire_open(struct dev_port *pt, char *err, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)pt->ifindex };
	struct packet_mreq mr = { .mr_ifindex = (int)pt->ifindex, .mr_type = PACKET_MR_PROMISC };
	int one = 1;

	pt->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (pt->fd < 0 ||
	    setsockopt(pt->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    setsockopt(pt->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) ||
	    bind(pt->fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(pt->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		snprintf(err, errlen, "%s: AF_PACKET socket: %s", pt->iface, strerror(errno));
		return -errno;
	}
	return 0;
}

static int tap_open(struct dev_port *pt, const char *name, char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int s;

	if (strlen(name) >= IF_NAMESIZE) {
		snprintf(err, errlen, "tap name '%s' is too long", name);
		return -EINVAL;
	}
	pt->tapfd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (pt->tapfd < 0 || ioctl(pt->tapfd, TUNSETIFF, &ifr)) {
		snprintf(err, errlen, "tap %s: %s", name, strerror(errno));
		return -errno;
	}
	snprintf(pt->tap, sizeof(pt->tap), "%s", ifr.ifr_name);
	/* bring it up: the host configures addresses on it */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
	return 0;
}

/* tc ingress drop: r0 = TC_ACT_SHOT; exit */
static int steal_attach(struct dev_port *pt, char *err, size_t errlen)
{
	const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = TC_ACT_SHOT },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)pt->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x4858, .priority = 1);
	int e;

	pt->tc_prog_fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "hxdp_steal", "GPL", prog, 2,
				       NULL);
	if (pt->tc_prog_fd < 0) {
		snprintf(err, errlen, "%s: cannot load the tc ingress drop: %s (use --no-steal)",
			 pt->iface, strerror(-pt->tc_prog_fd));
		return pt->tc_prog_fd;
	}
	e = bpf_tc_hook_create(&hook);
	pt->tc_created = e == 0;
	opts.prog_fd = pt->tc_prog_fd;
	if ((e && e != -EEXIST) || (e = bpf_tc_attach(&hook, &opts))) {
		snprintf(err, errlen, "%s: cannot attach the tc ingress drop: %s (use --no-steal)",
			 pt->iface, strerror(-e));
		return e;
	}
	pt->steal = 1;
	return 0;
}

static void steal_detach(struct dev_port *pt)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)pt->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x4858, .priority = 1);

	if (pt->steal)
		bpf_tc_detach(&hook, &opts);
	if (pt->tc_created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	if (pt->tc_prog_fd > 0)
		close(pt->tc_prog_fd);
	pt->steal = pt->tc_created = 0;
	pt->tc_prog_fd = -1;
}

/* AF_XDP when asked or when it works ("auto"), else AF_PACKET */
static int io_open(struct dev_port *pt, const struct dev_attach_opts *o, char *err,
		   size_t errlen)
{
	const char *mode = o->mode ? o->mode : "auto";
	char xerr[256];
	int e;

	if (strcmp(mode, "auto") && strcmp(mode, "packet") && strcmp(mode, "xdp")) {
		snprintf(err, errlen, "I/O mode '%s' is not auto, xdp or packet", mode);
		return -EINVAL;
	}
	if (strcmp(mode, "packet")) {
		e = xsk_open(pt, o->xdp_mode, xerr, sizeof(xerr));
		if (!e) {
			pt->io = "af_xdp";
			return 0;
		}
		if (!strcmp(mode, "xdp")) {
			snprintf(err, errlen, "%s: %s", pt->iface, xerr);
			return e;
		}
		fprintf(stderr, "hxdp: %s: %s; falling back to AF_PACKET\n", pt->iface, xerr);
	}
	pt->io = "af_packet";
	if ((e = wire_open(pt, err, errlen)))
		return e;
	return o->no_steal ? 0 : steal_attach(pt, err, errlen);
}

static int port_setup(struct dev_port *pt, const struct dev_attach_opts *o, char *err,
		      size_t errlen)
{
	int e;

	pt->ifindex = if_nametoindex(o->iface);
	if (!pt->ifindex) {
		snprintf(err, errlen, "no interface named '%s'", o->iface);
		return -ENODEV;
	}
	if ((e = io_open(pt, o, err, errlen)))
		return e;
	if (o->tap && (e = tap_open(pt, o->tap, err, errlen)))
		return e;
	if (o->capture && !(pt->cap = dev_capture_open(o->capture, err, errlen)))
		return -EINVAL;
	if (pipe2(pt->stopfd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int port_open(struct hxdp_dev *d, struct dev_port *pt, const struct dev_attach_opts *o,
	      char *err, size_t errlen)
{
	struct port_arg *pa = malloc(sizeof(*pa));
	int e;

	*pt = (struct dev_port){ .used = -1, .fd = -1, .tapfd = -1, .stopfd = { -1, -1 },
				 .tc_prog_fd = -1 };
	snprintf(pt->iface, sizeof(pt->iface), "%s", o->iface);
	e = pa ? port_setup(pt, o, err, errlen) : -ENOMEM;
	if (!e) {
		*pa = (struct port_arg){ d, (int)(pt - d->ports) };
		if (pthread_create(&pt->thr, NULL, port_thread, pa)) {
			snprintf(err, errlen, "cannot start the port thread");
			e = -EAGAIN;
		}
	}
	if (e) {
		free(pa);
		port_close(pt);
		pt->used = -1;
	}
	return e;
}

void port_close(struct dev_port *pt)
{
	if (pt->stopfd[1] >= 0) {
		if (write(pt->stopfd[1], "x", 1) == 1 && pt->thr)
			pthread_join(pt->thr, NULL);
		close(pt->stopfd[0]);
		close(pt->stopfd[1]);
	}
	steal_detach(pt);
	xsk_close(pt);
	if (pt->fd >= 0)
		close(pt->fd);
	if (pt->tapfd >= 0)
		close(pt->tapfd);
	dev_capture_close(pt->cap);
	pt->fd = pt->tapfd = pt->stopfd[0] = pt->stopfd[1] = -1;
	pt->cap = NULL;
	pt->thr = 0;
}
