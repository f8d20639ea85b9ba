/* main.c - the vxscope command: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef VXSCOPE_VERSION
#define VXSCOPE_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fputs("usage: vxscope COMMAND [OPTIONS] ...\n"
	      "\n"
	      "Traffic-mirroring analysis: decapsulate VXLAN/GENEVE/GRE/ERSPAN mirror traffic, keep\n"
	      "sessions apart, and say what is wrong with the packets.\n"
	      "\n"
	      "commands:\n"
	      "  analyze FILE...        TCP health and findings report (text, --json)\n"
	      "  flows FILE...          flow table per mirror session (text, --json lines)\n"
	      "  flowlogs FILE...       VPC Flow Logs records (default v2 or --log-format)\n"
	      "  decap FILE... -o OUT   the inner frames as pcap or pcapng, one interface per session\n"
	      "  mirror --config F...   software AWS Traffic Mirroring source (VXLAN to targets)\n"
	      "  filter check|explain   validate AWS mirror filters/sessions; explain a capture\n"
	      "  qos plan [FILE...]     a Linux tc script (HTB, DSCP filters, MSS clamp) from the\n"
	      "                         traffic classes and rate limits a capture shows\n"
	      "  target                 live mirror target: receive, archive, flow logs, health\n"
	      "  version                print the version\n"
	      "\n"
	      "'vxscope COMMAND --help' describes each command.  Exit status: 0 ok, 1 usage,\n"
	      "2 input unreadable or damaged (output covers what was readable), 3 output write\n"
	      "failure, 4 internal error.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("vxscope %s\n", VXSCOPE_VERSION);
		return EXIT_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"decap", cmd_decap},
		{"flows", cmd_flows},
		{"flowlogs", cmd_flowlogs},
		{"analyze", cmd_analyze},
		{"filter", cmd_filter},
		{"mirror", cmd_mirror},
		{"qos", cmd_qos},
		{"target", cmd_target},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vxscope: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
