/* oakleyctl's command line (ctl/args.c), as a table: argv in, the command,
 * the line sent to oakleyd and the exit code out.  Anything a command does
 * not take is refused (exit 1), never passed on to oakleyd. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/args.h"

#define MAXARGS 8

struct row {
	const char *argv[MAXARGS]; /* after "oakleyctl" */
	int rc;			   /* 0, or 1 (refused) as main exits */
	enum ctl_cmd cmd;
	const char *line; /* to oakleyd, when rc is 0 */
	bool json;
	const char *why; /* a part of it, when refused */
};

/* clang-format off */
static const struct row rows[] = {
	/* status, NAME, --json before or after the command word */
	{.argv = {"status"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status"},
	{.argv = {"status", "site"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status site"},
	{.argv = {"--json", "status"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status --json", .json = true},
	{.argv = {"status", "--json"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status --json", .json = true},
	{.argv = {"status", "site", "--json"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status --json site", .json = true},
	{.argv = {"status", "--summary"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status --summary"},
	{.argv = {"--summary", "status", "--json"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status --summary --json", .json = true},
	{.argv = {"status", "a", "b"}, .rc = 1, .cmd = CTL_CMD_STATUS, .why = "one NAME at most"},
	{.argv = {"status", "--summary", "site"}, .rc = 1, .cmd = CTL_CMD_STATUS, .why = "takes no NAME"},
	{.argv = {"status", "--all"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "unknown option '--all'"},
	{.argv = {"status", "a b"}, .rc = 1, .cmd = CTL_CMD_STATUS, .why = "not a connection name"},
	{.argv = {"status", "a\nreload"}, .rc = 1, .cmd = CTL_CMD_STATUS, .why = "not a connection name"},
	/* the commands without arguments */
	{.argv = {"list"}, .rc = 0, .cmd = CTL_CMD_LIST, .line = "list"},
	{.argv = {"list", "--json"}, .rc = 0, .cmd = CTL_CMD_LIST, .line = "list --json", .json = true},
	{.argv = {"list", "site"}, .rc = 1, .cmd = CTL_CMD_LIST, .why = "list takes no arguments"},
	{.argv = {"certs"}, .rc = 0, .cmd = CTL_CMD_CERTS, .line = "certs"},
	{.argv = {"--json", "certs"}, .rc = 0, .cmd = CTL_CMD_CERTS, .line = "certs --json", .json = true},
	{.argv = {"certs", "x"}, .rc = 1, .cmd = CTL_CMD_CERTS, .why = "certs takes no arguments"},
	{.argv = {"reload"}, .rc = 0, .cmd = CTL_CMD_RELOAD, .line = "reload"},
	{.argv = {"reload", "--json"}, .rc = 0, .cmd = CTL_CMD_RELOAD, .line = "reload", .json = true},
	{.argv = {"reload", "now"}, .rc = 1, .cmd = CTL_CMD_RELOAD, .why = "reload takes no arguments"},
	{.argv = {"version"}, .rc = 0, .cmd = CTL_CMD_VERSION, .line = "version"},
	{.argv = {"version", "--json"}, .rc = 0, .cmd = CTL_CMD_VERSION, .line = "version", .json = true},
	{.argv = {"version", "2"}, .rc = 1, .cmd = CTL_CMD_VERSION, .why = "version takes no arguments"},
	/* down and up */
	{.argv = {"down", "site"}, .rc = 0, .cmd = CTL_CMD_DOWN, .line = "down site"},
	{.argv = {"down", "site", "--json"}, .rc = 0, .cmd = CTL_CMD_DOWN, .line = "down site", .json = true},
	{.argv = {"down"}, .rc = 1, .cmd = CTL_CMD_DOWN, .why = "down takes one NAME"},
	{.argv = {"down", "a", "b"}, .rc = 1, .cmd = CTL_CMD_DOWN, .why = "down takes one NAME"},
	{.argv = {"up", "site"}, .rc = 0, .cmd = CTL_CMD_UP},
	{.argv = {"up", "a", "b", "--json"}, .rc = 0, .cmd = CTL_CMD_UP, .json = true},
	{.argv = {"up", "-"}, .rc = 0, .cmd = CTL_CMD_UP_STDIN},
	{.argv = {"up", "-", "-p", "8"}, .rc = 0, .cmd = CTL_CMD_UP_STDIN},
	{.argv = {"-p", "8", "up", "a"}, .rc = 0, .cmd = CTL_CMD_UP},
	{.argv = {"up"}, .rc = 1, .cmd = CTL_CMD_UP, .why = "up takes NAME... or -"},
	{.argv = {"up", "a", "-"}, .rc = 1, .cmd = CTL_CMD_UP, .why = "'-' is not a connection name"},
	{.argv = {"up", "a", "-p", "0"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "-p takes 1 to 200"},
	{.argv = {"up", "a", "-p", "201"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "-p takes 1 to 200"},
	{.argv = {"up", "a", "-p", "8x"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "-p takes 1 to 200"},
	{.argv = {"up", "a", "-p"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "-p takes 1 to 200"},
	{.argv = {"status", "-p", "8"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "-p is for up"},
	{.argv = {"list", "--summary"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "--summary is for status"},
	/* capture */
	{.argv = {"capture", "off"}, .rc = 0, .cmd = CTL_CMD_CAPTURE, .line = "capture off"},
	{.argv = {"capture", "on"}, .rc = 0, .cmd = CTL_CMD_CAPTURE, .line = "capture on"},
	{.argv = {"capture", "on", "/tmp/x.pcap"}, .rc = 0, .cmd = CTL_CMD_CAPTURE, .line = "capture on /tmp/x.pcap"},
	{.argv = {"capture", "maybe"}, .rc = 1, .cmd = CTL_CMD_CAPTURE, .why = "capture takes on [FILE] or off"},
	{.argv = {"capture", "off", "x"}, .rc = 1, .cmd = CTL_CMD_CAPTURE, .why = "capture takes"},
	/* help, unknown words, -c */
	{.argv = {"-h"}, .rc = 0, .cmd = CTL_CMD_HELP},
	{.argv = {"--help"}, .rc = 0, .cmd = CTL_CMD_HELP},
	{.argv = {"help"}, .rc = 0, .cmd = CTL_CMD_HELP, .line = "help"},
	{.argv = {"help", "me"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "help takes no arguments"},
	{.argv = {NULL}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "no command"},
	{.argv = {"--json"}, .rc = 1, .cmd = CTL_CMD_HELP, .json = true, .why = "no command"},
	{.argv = {"stauts"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "unknown command 'stauts'"},
	{.argv = {"-x", "status"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "unknown option '-x'"},
	{.argv = {"-c"}, .rc = 1, .cmd = CTL_CMD_HELP, .why = "-c takes"},
	{.argv = {"-c", "/tmp/s", "status"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status"},
	{.argv = {"status", "-c/tmp/s"}, .rc = 0, .cmd = CTL_CMD_STATUS, .line = "status"},
	{.argv = {"--", "status", "-x"}, .rc = 1, .cmd = CTL_CMD_STATUS, .why = "not a connection name"},
};
/* clang-format on */

static void test_table(void **state)
{
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char *argv[MAXARGS + 2] = {"oakleyctl"}, why[256] = "";
		struct ctl_args a;
		int argc = 1, rc;

		while (r->argv[argc - 1])
			argv[argc] = (char *)r->argv[argc - 1], argc++;
		rc = ctl_args_parse(argc, argv, &a, why, sizeof(why)) ? CTL_EXIT_FAILED : 0;
		print_message("row %u: %s ... -> %d %s\n", i, argv[1] ? argv[1] : "", rc, why);
		assert_int_equal(rc, r->rc);
		assert_int_equal(a.cmd, r->cmd);
		assert_int_equal(a.json, r->json);
		if (r->why)
			assert_non_null(strstr(why, r->why));
		if (!rc && r->line)
			assert_string_equal(a.line, r->line);
	}
}

/* What up, -c and -p leave for main. */
static void test_up_names(void **state)
{
	char *argv[] = {"oakleyctl", "up", "a", "-c", "/tmp/s", "b", "-p5", "c", NULL};
	struct ctl_args a;
	char why[128];

	assert_int_equal(ctl_args_parse(8, argv, &a, why, sizeof(why)), 0);
	assert_int_equal(a.cmd, CTL_CMD_UP);
	assert_int_equal(a.nnames, 3);
	assert_string_equal(a.names[0], "a");
	assert_string_equal(a.names[1], "b");
	assert_string_equal(a.names[2], "c");
	assert_string_equal(a.path, "/tmp/s");
	assert_int_equal(a.parallel, 5);
}

static void test_defaults(void **state)
{
	char *argv[] = {"oakleyctl", "status", NULL};
	struct ctl_args a;
	char why[128];

	assert_int_equal(ctl_args_parse(2, argv, &a, why, sizeof(why)), 0);
	assert_string_equal(a.path, CTL_SOCKET_DEFAULT);
	assert_int_equal(a.parallel, CTL_UP_PARALLEL);
}

/* A name too long for one line to oakleyd is refused here, not cut. */
static void test_long_name(void **state)
{
	char name[CTL_LINE_LEN + 8], *argv[] = {"oakleyctl", "down", name, NULL};
	struct ctl_args a;
	char why[128];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	assert_int_equal(ctl_args_parse(3, argv, &a, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "too long"));
	argv[1] = "up";
	assert_int_equal(ctl_args_parse(3, argv, &a, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_up_names),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
