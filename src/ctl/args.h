/* oakleyctl's command line, checked before anything is sent to oakleyd:
 *   oakleyctl [-c SOCKET] [--json] COMMAND [ARGS]
 * Options may come before or after the command word.  Anything the command
 * does not take is refused (exit 1, with usage), never passed on. */
#ifndef OAKLEY_CTL_ARGS_H
#define OAKLEY_CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CTL_SOCKET_DEFAULT "/run/oakley/oakleyd.sock"
/* Connections brought up at a time by one "up" of several names: each is
 * one control connection, answered when both phases are up or failed. */
#define CTL_UP_PARALLEL	    64
#define CTL_UP_PARALLEL_MAX 200 /* oakleyd serves 256 control clients */
#define CTL_LINE_LEN	    512 /* a command line to oakleyd, as ctl.c reads it */

/* Exit codes, as the usage text says. */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1, /* refused or failed, also a bad command line */
	CTL_EXIT_UNREACHABLE = 2,
};

enum ctl_cmd {
	CTL_CMD_HELP,
	CTL_CMD_UP, /* names[0..nnames) */
	CTL_CMD_UP_STDIN,
	CTL_CMD_DOWN,
	CTL_CMD_STATUS,
	CTL_CMD_LIST,
	CTL_CMD_CERTS,
	CTL_CMD_RELOAD,
	CTL_CMD_VERSION,
	CTL_CMD_CAPTURE,
};

struct ctl_args {
	enum ctl_cmd cmd;
	const char *path;
	bool json;
	int parallel;
	char **names; /* up: into argv */
	int nnames;
	/* What goes to oakleyd for every command but up, version and help. */
	char line[CTL_LINE_LEN];
};

/* 0, or -EINVAL with why (for "oakleyctl: WHY" before the usage). */
int ctl_args_parse(int argc, char **argv, struct ctl_args *a, char *why, size_t whylen);
void ctl_usage(FILE *f);
/* s as a JSON string, quotes and escapes included. */
void ctl_json_fputs(const char *s, FILE *f);

#endif
