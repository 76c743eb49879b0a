/* oakleyctl's command line (ctl/args.h): options anywhere, every command's
 * arguments checked here, the line for oakleyd built once. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/args.h"

void ctl_usage(FILE *f)
{
	fprintf(f,
		"usage: oakleyctl [-c SOCKET] [--json] COMMAND [ARGS]\n"
		"  up NAME... | up - [-p N]  bring connections up; waits for both phases\n"
		"                            (-: names from stdin; -p: at most N at a time,\n"
		"                            default %d, up to %d)\n"
		"  down NAME                 delete its SAs and tell the peer\n"
		"  status [NAME]             ISAKMP and IPsec SAs, all or one connection's\n"
		"  status --summary          counts by state\n"
		"  list                      configured connections only\n"
		"  certs                     certificates, CAs and CRLs\n"
		"  reload                    re-read the configuration and secrets\n"
		"  capture on [FILE] | off   decrypted ISAKMP to FILE (.pcap), or stop\n"
		"  version                   oakleyctl's and oakleyd's versions\n"
		"  help | -h                 this text\n"
		"options (before or after the command):\n"
		"  -c SOCKET  oakleyd's control socket (default %s)\n"
		"  --json     one JSON object per command, with \"ok\" and the data;\n"
		"             errors as {\"ok\":false,\"error\":\"...\"}\n"
		"exit codes: 0 ok; 1 refused or failed (also an unknown command or\n"
		"  argument); 2 cannot reach oakleyd (no socket, refused, no permission)\n",
		CTL_UP_PARALLEL, CTL_UP_PARALLEL_MAX, CTL_SOCKET_DEFAULT);
}

void ctl_json_fputs(const char *s, FILE *f)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int refuse(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A connection name as ipsec.conf spells one: no blanks or controls (a
 * newline would end the command to oakleyd), not an option. */
static bool name_ok(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

static int parallel_arg(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < 1 || v > CTL_UP_PARALLEL_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

struct opts {
	bool help, summary, parallel;
};

/* Options out of argv; the words left are moved to argv[1..*npos]. */
static int take_options(int argc, char **argv, struct ctl_args *a, struct opts *o, int *npos,
			char *why, size_t whylen)
{
	bool words_only = false;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (words_only || w[0] != '-' || !w[1]) {
			argv[1 + n++] = argv[i];
		} else if (!strcmp(w, "--")) {
			words_only = true;
		} else if (!strcmp(w, "--json")) {
			a->json = true;
		} else if (!strcmp(w, "--summary")) {
			o->summary = true;
		} else if (!strcmp(w, "-h") || !strcmp(w, "--help")) {
			o->help = true;
		} else if (!strncmp(w, "-c", 2)) {
			a->path = w[2] ? w + 2 : argv[++i];
			if (!a->path || !*a->path)
				return refuse(why, whylen, "-c takes the control socket's path");
		} else if (!strncmp(w, "-p", 2)) {
			if (parallel_arg(w[2] ? w + 2 : argv[++i], &a->parallel))
				return refuse(why, whylen, "-p takes 1 to %d", CTL_UP_PARALLEL_MAX);
			o->parallel = true;
		} else {
			return refuse(why, whylen, "unknown option '%s'", w);
		}
	}
	*npos = n;
	return 0;
}

static int line(struct ctl_args *a, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int line(struct ctl_args *a, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(a->line, sizeof(a->line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->line))
		return refuse(why, whylen, "command too long");
	return 0;
}

static int parse_up(struct ctl_args *a, char **args, int n, char *why, size_t whylen)
{
	int i;

	a->cmd = CTL_CMD_UP;
	if (n < 1)
		return refuse(why, whylen, "up takes NAME... or -");
	if (n == 1 && !strcmp(args[0], "-")) {
		a->cmd = CTL_CMD_UP_STDIN;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!name_ok(args[i]))
			return refuse(why, whylen, "'%s' is not a connection name", args[i]);
		if (strlen(args[i]) + 4 >= CTL_LINE_LEN)
			return refuse(why, whylen, "'%.64s...': name too long", args[i]);
	}
	a->names = args;
	a->nnames = n;
	return 0;
}

static int parse_status(struct ctl_args *a, char **args, int n, bool summary, char *why,
			size_t whylen)
{
	const char *json = a->json ? " --json" : "";

	a->cmd = CTL_CMD_STATUS;
	if (n > 1)
		return refuse(why, whylen, "status takes one NAME at most");
	if (n && summary)
		return refuse(why, whylen,
			      "status --summary counts every connection; it takes no NAME");
	if (n && !name_ok(args[0]))
		return refuse(why, whylen, "'%s' is not a connection name", args[0]);
	if (summary)
		return line(a, why, whylen, "status --summary%s", json);
	return line(a, why, whylen, "status%s%s%s", json, n ? " " : "", n ? args[0] : "");
}

static int parse_capture(struct ctl_args *a, char **args, int n, char *why, size_t whylen)
{
	a->cmd = CTL_CMD_CAPTURE;
	if (n == 1 && !strcmp(args[0], "off"))
		return line(a, why, whylen, "capture off");
	if (n == 1 && !strcmp(args[0], "on"))
		return line(a, why, whylen, "capture on");
	if (n == 2 && !strcmp(args[0], "on") && !strchr(args[1], '\n'))
		return line(a, why, whylen, "capture on %s", args[1]);
	return refuse(why, whylen, "capture takes on [FILE] or off");
}

/* The commands without arguments: their line to oakleyd. */
static const struct {
	const char *word;
	enum ctl_cmd cmd;
	bool json; /* oakleyd answers --json itself */
} bare[] = {
	{"list", CTL_CMD_LIST, true},	   {"certs", CTL_CMD_CERTS, true},
	{"reload", CTL_CMD_RELOAD, false}, {"version", CTL_CMD_VERSION, false},
	{"help", CTL_CMD_HELP, false},
};

static int parse_command(struct ctl_args *a, char **args, int n, const struct opts *o, char *why,
			 size_t whylen)
{
	const char *cmd = args[0];
	unsigned i;

	args++;
	n--;
	if (o->parallel && strcmp(cmd, "up"))
		return refuse(why, whylen, "-p is for up");
	if (o->summary && strcmp(cmd, "status"))
		return refuse(why, whylen, "--summary is for status");
	if (!strcmp(cmd, "up"))
		return parse_up(a, args, n, why, whylen);
	if (!strcmp(cmd, "status"))
		return parse_status(a, args, n, o->summary, why, whylen);
	if (!strcmp(cmd, "capture"))
		return parse_capture(a, args, n, why, whylen);
	if (!strcmp(cmd, "down")) {
		a->cmd = CTL_CMD_DOWN;
		if (n != 1 || !name_ok(args[0]))
			return refuse(why, whylen, "down takes one NAME");
		return line(a, why, whylen, "down %s", args[0]);
	}
	for (i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		if (strcmp(cmd, bare[i].word))
			continue;
		a->cmd = bare[i].cmd;
		if (n)
			return refuse(why, whylen, "%s takes no arguments ('%s')", cmd, args[0]);
		return line(a, why, whylen, "%s%s", cmd, bare[i].json && a->json ? " --json" : "");
	}
	return refuse(why, whylen, "unknown command '%s'", cmd);
}

int ctl_args_parse(int argc, char **argv, struct ctl_args *a, char *why, size_t whylen)
{
	struct opts o = {0};
	int npos = 0, err;

	memset(a, 0, sizeof(*a));
	a->path = CTL_SOCKET_DEFAULT;
	a->parallel = CTL_UP_PARALLEL;
	a->cmd = CTL_CMD_HELP;
	err = take_options(argc, argv, a, &o, &npos, why, whylen);
	if (err)
		return err;
	if (o.help)
		return 0;
	if (!npos)
		return refuse(why, whylen, "no command");
	return parse_command(a, argv + 1, npos, &o, why, whylen);
}
