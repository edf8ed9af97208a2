/* cli.h: the hxdp command line, bpftool-style: hxdp OBJECT VERB ... */
#ifndef HXDP_CLI_H
#define HXDP_CLI_H
#include <stdio.h>

/* exit codes scripts can trust */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* ran, found failures or mismatches */
	EXIT_USAGE = 2,		/* bad arguments or bad input (one message on stderr) */
	EXIT_NOBPF = 3,		/* needs bpf() and cannot have it: skipped */
	EXIT_INTERNAL = 4,
};

struct cli {
	int json;		/* -j: one JSON document on stdout */
	int pretty;		/* -p: pretty JSON */
	const char *argv0;
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);	/* argv[0] is the command */
	const char *usage;	/* one line per form, then a blank line and the long help */
};

/* each command lives in its own cmd_*.c and is listed in main.c */
#define CLI_CMDS(X)                                                                     \
	X(conformance) X(asm) X(disasm) X(run) X(check) X(compile) X(prog) X(map) X(dev)   \
	X(bench) X(selftest)
#define X(n) extern const struct cli_cmd cmd_##n __attribute__((weak));
CLI_CMDS(X)
#undef X

int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* EXIT_USAGE */
int cli_usage(const struct cli_cmd *cmd);
#endif
