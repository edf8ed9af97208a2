/* cli.c: what every command shares: one error line, usage */
#include <stdarg.h>
#include <stdio.h>
#include "cli.h"

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hxdp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_usage(const struct cli_cmd *cmd)
{
	fprintf(stderr, "%s", cmd->usage);
	return EXIT_USAGE;
}
