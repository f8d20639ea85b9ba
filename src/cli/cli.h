/* cli.h - shared pieces of the vxscope subcommands: exit codes, input loop, common options. */
#ifndef VXS_CLI_CLI_H
#define VXS_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/pipeline.h"

/* Exit statuses (documented in docs/vxscope.1 and the README). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,    /* bad command line or configuration */
	EXIT_INPUT = 2,    /* an input could not be opened or is damaged: output covers what was
	                      readable */
	EXIT_OUTPUT = 3,   /* an output could not be written (disk full, permission, ...) */
	EXIT_INTERNAL = 4, /* out of memory or another internal failure */
};

/* Result of reading every input through a pipeline. */
#define INPUT_MAX_PROBLEMS 8
struct input_result {
	uint64_t frames;
	int status;            /* EXIT_OK or EXIT_INPUT */
	unsigned damaged_files;
	char problems[INPUT_MAX_PROBLEMS][384]; /* what could not be read, for reports */
	unsigned nproblems;
};

/* Read each file in turn into pl (frame numbers continue across files); damage and open
 * failures are reported on stderr naming the file, offset and reason, and reading goes on
 * with the next file.  `progress` draws a bar on stderr when it is a terminal. */
void cli_read_inputs(char *const *files, int nfiles, struct pipeline *pl, bool progress,
		     struct input_result *res);

/* Options every reading command takes: --vxlan-port P, --geneve-port P, --sessions FILE.
 * Returns 1 when opt was one of them (applied to cfg), 0 when not, -1 on a bad value
 * (message printed). */
int cli_decode_option(int opt, const char *arg, struct decode_cfg *cfg);
#define CLI_OPT_VXLAN_PORT 0x1001
#define CLI_OPT_GENEVE_PORT 0x1002
#define CLI_OPT_SESSIONS 0x1003
#define CLI_DECODE_LONGOPTS                                                                        \
	{"vxlan-port", required_argument, 0, CLI_OPT_VXLAN_PORT},                                  \
	{"sessions", required_argument, 0, CLI_OPT_SESSIONS},                                      \
	{                                                                                          \
		"geneve-port", required_argument, 0, CLI_OPT_GENEVE_PORT                           \
	}

/* --sessions FILE (handled by cli_decode_option, repeatable: files merge): the AWS mirroring
 * model (describe-traffic-mirror-* JSON and the host map, docs/aws-model.md) that attributes
 * VXLAN sessions to AWS sessions by VNI and outer source.  NULL when not given; otherwise
 * valid (cli_read_inputs hands it to the pipeline's session table) until exit. */
struct aws_config;
const struct aws_config *cli_aws_sessions(void);

/* Flow options: --max-flows N, --tcp-idle S, --idle S, --active-timeout S, --no-dedup,
 * --dedup-window MS, --dedup-same-session.  1 handled, 0 not one of them, -1 bad value
 * (message printed). */
int cli_table_option(int opt, const char *arg, struct pipeline_cfg *cfg);
#define CLI_OPT_MAX_FLOWS 0x2001
#define CLI_OPT_TCP_IDLE 0x2002
#define CLI_OPT_IDLE 0x2003
#define CLI_OPT_ACTIVE 0x2004
#define CLI_OPT_NO_DEDUP 0x2005
#define CLI_OPT_DEDUP_WINDOW 0x2006
#define CLI_OPT_DEDUP_SAME 0x2007
#define CLI_TABLE_LONGOPTS                                                                         \
	{"max-flows", required_argument, 0, CLI_OPT_MAX_FLOWS},                                    \
	{"tcp-idle", required_argument, 0, CLI_OPT_TCP_IDLE},                                      \
	{"idle", required_argument, 0, CLI_OPT_IDLE},                                              \
	{"active-timeout", required_argument, 0, CLI_OPT_ACTIVE},                                  \
	{"no-dedup", no_argument, 0, CLI_OPT_NO_DEDUP},                                            \
	{"dedup-window", required_argument, 0, CLI_OPT_DEDUP_WINDOW},                              \
	{                                                                                          \
		"dedup-same-session", no_argument, 0, CLI_OPT_DEDUP_SAME                           \
	}

/* Either of the above: 1 handled, 0 not one of them, -1 bad value (message printed). */
int cli_common_option(int opt, const char *arg, struct pipeline_cfg *cfg);

/* Parse an unsigned number in [min, max]; false (message printed naming `what`) if not. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *out);

int cmd_decap(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_flowlogs(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_filter(int argc, char **argv); /* cmd_filter.c: own exit codes, see there */
int cmd_mirror(int argc, char **argv);
int cmd_qos(int argc, char **argv);
int cmd_target(int argc, char **argv);

#endif
