/* Log lines on stderr: the prefix, the whole message and one newline, for
 * a short line (built in one buffer) and for one longer than the buffer
 * (written in pieces, still whole); levels above the maximum are dropped. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "stderr_capture.h"
#include "util/log.h"

/* Runs fn with stderr sent to a temporary file; returns what it wrote. */
static char *captured(void (*fn)(void))
{
	stderr_capture_start();
	fn();
	return stderr_capture_stop();
}

static void assert_line(const char *line, const char *level, const char *msg)
{
	regex_t re;
	char pat[128];

	snprintf(pat, sizeof(pat), "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} oakleyd %s: ", level);
	assert_int_equal(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, line, 0, NULL, 0), 0);
	regfree(&re);
	snprintf(pat, sizeof(pat), " oakleyd %s: ", level);
	assert_non_null(strstr(line, pat));
	assert_string_equal(strstr(line, pat) + strlen(pat), msg);
}

static void log_two(void)
{
	log_setup(true, LOG_LVL_INFO);
	log_info("#%d %s: established", 7, "site");
	log_debug("not shown");
	log_err("failed: %s", "why");
}

static void test_short_lines(void **state)
{
	char *out = captured(log_two), *second;

	second = strchr(out, '\n');
	assert_non_null(second);
	*second++ = 0;
	assert_line(out, "info", "#7 site: established");
	assert_non_null(strchr(second, '\n'));
	*strchr(second, '\n') = 0;
	assert_line(second, "error", "failed: why");
	assert_string_equal(second + strlen(second) + 1, "");
	free(out);
}

static char long_msg[5000];

static void log_long(void)
{
	log_setup(true, LOG_LVL_INFO);
	log_warn("%s", long_msg);
}

static void test_long_line_whole(void **state)
{
	char *out, *nl;

	memset(long_msg, 'x', sizeof(long_msg) - 2);
	long_msg[sizeof(long_msg) - 2] = 'y';
	out = captured(log_long);
	nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, "");
	*nl = 0;
	assert_line(out, "warning", long_msg);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_lines),
		cmocka_unit_test(test_long_line_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
