/* dev_xsk.c: AF_XDP I/O for a port, straight on the kernel's interface (if_xdp.h):
 * a UMEM, its fill and completion rings, an RX and a TX ring on queue 0, an XSKMAP
 * with the socket, and a five-instruction XDP program on the interface that redirects
 * every frame of queue 0 to the socket (others go to the stack, XDP_PASS).
 * Frames [0, NRX) of the UMEM cycle through fill/RX, frames [NRX, NFRAMES) through
 * TX/completion; TX is serialized by a mutex (device thread and port thread send). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dev_int.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define FRAME 4096u
#define NFRAMES 1024u
#define NRX 512u
#define RING 512u

struct ring {
	uint32_t *prod, *cons, mask, size;
	void *desc;
	void *map;
	size_t map_len;
};

struct xsk {
	int fd, map_fd, prog_fd;
	uint32_t ifindex, xdp_flags;
	uint8_t *umem;
	struct ring fill, comp, rx, tx;
	uint32_t tx_free[NFRAMES - NRX], ntx_free;
	pthread_mutex_t tx_mu;
};

static uint32_t load_acq(uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void store_rel(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

static int ring_map(int fd, struct ring *r, const struct xdp_ring_offset *o, size_t dsize,
		    off_t pgoff)
{
	r->map_len = o->desc + RING * dsize;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		      pgoff);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->prod = (uint32_t *)((uint8_t *)r->map + o->producer);
	r->cons = (uint32_t *)((uint8_t *)r->map + o->consumer);
	r->desc = (uint8_t *)r->map + o->desc;
	r->mask = RING - 1;
	r->size = RING;
	return 0;
}

static int rings_setup(struct xsk *x)
{
	struct xdp_umem_reg mr = { .addr = (uintptr_t)x->umem, .len = (uint64_t)FRAME * NFRAMES,
				   .chunk_size = FRAME };
	struct xdp_mmap_offsets off;
	socklen_t ol = sizeof(off);
	int n = RING, e;

	if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n)) ||
	    getsockopt(x->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol))
		return -errno;
	if ((e = ring_map(x->fd, &x->fill, &off.fr, sizeof(uint64_t), XDP_UMEM_PGOFF_FILL_RING)) ||
	    (e = ring_map(x->fd, &x->comp, &off.cr, sizeof(uint64_t),
			  XDP_UMEM_PGOFF_COMPLETION_RING)) ||
	    (e = ring_map(x->fd, &x->rx, &off.rx, sizeof(struct xdp_desc), XDP_PGOFF_RX_RING)) ||
	    (e = ring_map(x->fd, &x->tx, &off.tx, sizeof(struct xdp_desc), XDP_PGOFF_TX_RING)))
		return e;
	/* every RX frame starts in the fill ring */
	for (uint32_t i = 0; i < NRX && i < RING; i++)
		((uint64_t *)x->fill.desc)[i] = (uint64_t)i * FRAME;
	store_rel(x->fill.prod, NRX < RING ? NRX : RING);
	for (uint32_t i = NRX; i < NFRAMES; i++)
		x->tx_free[x->ntx_free++] = i;
	return 0;
}

/* r0 = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS) */
static int prog_load(struct xsk *x)
{
	struct bpf_insn p[] = {
		{ .code = BPF_LDX | BPF_W | BPF_MEM, .dst_reg = 2, .src_reg = 1, .off = 16 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD,
		  .imm = x->map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	x->prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "hxdp_xsk", "GPL", p, 6, NULL);
	return x->prog_fd < 0 ? x->prog_fd : 0;
}

static int xsk_setup(struct xsk *x, const char *mode, char *err, size_t errlen)
{
	struct sockaddr_xdp sa = { .sxdp_family = AF_XDP, .sxdp_ifindex = x->ifindex,
				   .sxdp_queue_id = 0 };
	const char *step = "socket(AF_XDP)";
	int e = 0, key = 0;

	x->xdp_flags = XDP_FLAGS_UPDATE_IF_NOEXIST;
	if (mode && !strcmp(mode, "skb"))
		x->xdp_flags |= XDP_FLAGS_SKB_MODE;
	else if (mode && !strcmp(mode, "native"))
		x->xdp_flags |= XDP_FLAGS_DRV_MODE;
	else if (mode && strcmp(mode, "auto")) {
		snprintf(err, errlen, "--xdp-mode '%s' is not skb, native or auto", mode);
		return -EINVAL;
	}
	x->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		e = -errno;
	if (!e && !(step = "UMEM", x->umem = mmap(NULL, (size_t)FRAME * NFRAMES,
						   PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
		    x->umem != MAP_FAILED))
		e = -errno;
	if (!e)
		step = "rings", e = rings_setup(x);
	if (!e && (step = "bind", bind(x->fd, (struct sockaddr *)&sa, sizeof(sa))))
		e = -errno;
	if (!e && (step = "XSKMAP", x->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "hxdp_xsks",
							     4, 4, 1, NULL)) < 0)
		e = x->map_fd;
	if (!e && (e = bpf_map_update_elem(x->map_fd, &key, &x->fd, 0)))
		step = "XSKMAP update";
	if (!e && (step = "XDP program", e = prog_load(x)) == 0 &&
	    (e = bpf_xdp_attach((int)x->ifindex, x->prog_fd, x->xdp_flags, NULL)))
		step = "XDP attach";
	if (e) {
		if (x->umem == MAP_FAILED)
			x->umem = NULL;
		snprintf(err, errlen, "AF_XDP on ifindex %u: %s: %s", x->ifindex, step,
			 strerror(e < 0 ? -e : e));
	}
	return e < 0 ? e : -e;
}

void xsk_close(struct dev_port *pt)
{
	struct xsk *x = pt->xsk;

	if (!x)
		return;
	if (x->prog_fd >= 0) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = x->prog_fd);

		bpf_xdp_detach((int)x->ifindex, x->xdp_flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, &o);
		close(x->prog_fd);
	}
	if (x->map_fd >= 0)
		close(x->map_fd);
	if (x->fd >= 0)
		close(x->fd);
	for (struct ring *r = &x->fill; r <= &x->tx; r++)
		if (r->map)
			munmap(r->map, r->map_len);
	if (x->umem)
		munmap(x->umem, (size_t)FRAME * NFRAMES);
	pthread_mutex_destroy(&x->tx_mu);
	free(x);
	pt->xsk = NULL;
}

int xsk_open(struct dev_port *pt, const char *mode, char *err, size_t errlen)
{
	struct xsk *x = calloc(1, sizeof(*x));
	int e;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*x = (struct xsk){ .fd = -1, .map_fd = -1, .prog_fd = -1, .ifindex = pt->ifindex };
	pthread_mutex_init(&x->tx_mu, NULL);
	pt->xsk = x;
	e = xsk_setup(x, mode, err, errlen);
	if (e)
		xsk_close(pt);
	return e;
}

int xsk_fd(const struct dev_port *pt)
{
	return pt->xsk ? pt->xsk->fd : -1;
}

/* take what the RX ring holds, give the frames back to the fill ring */
void xsk_rx(struct hxdp_dev *d, struct dev_port *pt, int idx)
{
	struct xsk *x = pt->xsk;
	uint32_t prod = load_acq(x->rx.prod), cons = *x->rx.cons, fprod = *x->fill.prod;

	for (; cons != prod; cons++, fprod++) {
		struct xdp_desc *dsc = &((struct xdp_desc *)x->rx.desc)[cons & x->rx.mask];
		uint64_t base = dsc->addr & ~(uint64_t)(FRAME - 1);

		atomic_fetch_add(&pt->rx, 1);
		if (dsc->addr + dsc->len <= (uint64_t)FRAME * NFRAMES)
			dev_enqueue_port(d, idx, pt->ifindex, x->umem + dsc->addr, dsc->len);
		((uint64_t *)x->fill.desc)[fprod & x->fill.mask] = base;
	}
	store_rel(x->rx.cons, cons);
	store_rel(x->fill.prod, fprod);
}

static void tx_reclaim(struct xsk *x)
{
	uint32_t prod = load_acq(x->comp.prod), cons = *x->comp.cons;

	for (; cons != prod; cons++)
		x->tx_free[x->ntx_free++] =
			(uint32_t)(((uint64_t *)x->comp.desc)[cons & x->comp.mask] / FRAME);
	store_rel(x->comp.cons, cons);
}

int xsk_send(struct dev_port *pt, const uint8_t *p, uint32_t len)
{
	struct xsk *x = pt->xsk;
	struct xdp_desc *dsc;
	uint32_t prod, f;

	if (len > FRAME)
		return -EMSGSIZE;
	pthread_mutex_lock(&x->tx_mu);
	tx_reclaim(x);
	prod = *x->tx.prod;
	if (!x->ntx_free || prod - load_acq(x->tx.cons) >= x->tx.size) {
		pthread_mutex_unlock(&x->tx_mu);
		return -ENOBUFS;
	}
	f = x->tx_free[--x->ntx_free];
	memcpy(x->umem + (uint64_t)f * FRAME, p, len);
	dsc = &((struct xdp_desc *)x->tx.desc)[prod & x->tx.mask];
	dsc->addr = (uint64_t)f * FRAME;
	dsc->len = len;
	dsc->options = 0;
	store_rel(x->tx.prod, prod + 1);
	sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);	/* kick: copy mode transmits now */
	pthread_mutex_unlock(&x->tx_mu);
	return 0;
}
