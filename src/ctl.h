/* ctl.h: the device's control socket. A Unix stream socket, one JSON object per line
 * each way: a request {"cmd": ..., ...} gets one response {"ok": true, ...} or
 * {"ok": false, "error": "...", "errno": N}. Protocol: docs/device.md. */
#ifndef HXDP_CTL_H
#define HXDP_CTL_H
#include <stddef.h>
#include <sys/types.h>

struct hxdp_dev;
struct json_object;

#define CTL_MAX_LINE (64 * 1024)	/* longest request line */
#define CTL_MAX_CLIENTS 64
#define CTL_DEFAULT_DEV "hxdp0"

/* $HXDP_RUNDIR/NAME.sock, else /run/hxdp/NAME.sock */
int ctl__rundir(char *buf, size_t len);
int ctl__sock_path(const char *dev, char *buf, size_t len);

struct ctl_serve_opts {
	const char *path;	/* socket path */
	mode_t mode;		/* socket permissions (0600) */
	int ready_fd;		/* written "ok\n" once listening, then closed; -1: none */
};
/* bind; then serve until a "stop" request or SIGTERM/SIGINT. Returns 0 when every
 * client has gone, 1 when some remain (the device must outlive them), <0 on error */
int ctl__listen(const struct ctl_serve_opts *o, int *lfd, char *err, size_t errlen);
int ctl__serve(struct hxdp_dev *d, int lfd, char *err, size_t errlen);

/* client side */
int ctl__connect(const char *dev, char *err, size_t errlen);
/* send req (consumed), read one response. ok: 0 and *resp; error: -errno with the
 * device's message in err (*resp NULL) */
int ctl__call(int fd, struct json_object *req, struct json_object **resp, char *err,
	      size_t errlen);

/* hex helpers shared by the server and the commands: "0a00..." <-> bytes */
char *ctl__hex(const void *p, size_t n);	/* malloc'd */
int ctl__unhex(const char *s, void *out, size_t max, size_t *n);

/* command-line side: take "--dev NAME" out of argv (default $HXDP_DEV, else hxdp0) */
const char *ctl__take_dev(int *argc, char **argv);
struct json_object *ctl__req(const char *cmd);	/* {"cmd": cmd} */
/* connect, send req (consumed), read the response, close */
int ctl__request(const char *dev, struct json_object *req, struct json_object **resp,
		 char *err, size_t errlen);

#endif
