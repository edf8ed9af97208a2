/* fuzz_util.c: helpers shared by the harnesses */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cli.h"
#include "fuzz.h"

int fuzz__memfd(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("hxdp-fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* library files that print command-line errors link without main.c */
__attribute__((weak)) int cli_error(const char *fmt, ...)
{
	(void)fmt;
	return EXIT_USAGE;
}

__attribute__((weak)) int cli_usage(const struct cli_cmd *cmd)
{
	(void)cmd;
	return EXIT_USAGE;
}
