/* main.c: hxdp command dispatch */
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include "cli.h"

static const struct cli_cmd *const cmds[] = {
#define X(n) &cmd_##n,
	CLI_CMDS(X)
#undef X
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int help(FILE *f)
{
	fprintf(f,
		"Usage: hxdp [-j] [-p] COMMAND ARGS...\n"
		"Run Linux XDP programs on a model of the hXDP FPGA NIC.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i]) {
			const char *u = cmds[i]->usage, *nl = strchr(u, '\n');
			fprintf(f, "  %.*s\n", nl ? (int)(nl - u) : (int)strlen(u), u);
		}
	fprintf(f, "\nOptions:\n  -j  JSON output\n  -p  pretty JSON (implies -j)\n"
		"\n'hxdp COMMAND --help' explains a command.\n"
		"Exit codes: 0 ok, 1 failures found, 2 bad usage or input, 3 needs bpf() "
		"(skipped), 4 internal error.\n");
	return f == stdout ? EXIT_OK : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct cli c = { .argv0 = argv[0] };
	int i = 1, n = 1;

	/* -j and -p may appear anywhere, as with bpftool */
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-j") || !strcmp(argv[a], "--json"))
			c.json = 1;
		else if (!strcmp(argv[a], "-p") || !strcmp(argv[a], "--pretty"))
			c.json = c.pretty = 1;
		else
			argv[n++] = argv[a];
	}
	argc = n;
	argv[argc] = NULL;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return help(stdout);
		else
			return cli_error("unknown option '%s' (try --help)", argv[i]);
	}
	if (i == argc)
		return help(stderr);
	for (size_t k = 0; k < NCMDS; k++) {
		if (!cmds[k] || strcmp(cmds[k]->name, argv[i]))
			continue;
		for (int a = i + 1; a < argc; a++)
			if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
				fputs(cmds[k]->usage, stdout);
				return EXIT_OK;
			}
		optind = 1;
		return cmds[k]->fn(&c, argc - i, argv + i);
	}
	return cli_error("unknown command '%s' (try --help)", argv[i]);
}
