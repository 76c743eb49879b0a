/* Unit tests' capture of what is written to stderr (log lines):
 * stderr_capture_start(), then stderr_capture_stop() returns the text.
 * Include after cmocka.h. */
#ifndef OAKLEY_TESTS_STDERR_CAPTURE_H
#define OAKLEY_TESTS_STDERR_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static FILE *stderr_capture_file;
static int saved_stderr = -1;

static inline void stderr_capture_start(void)
{
	stderr_capture_file = tmpfile();
	assert_non_null(stderr_capture_file);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(stderr_capture_file), STDERR_FILENO) >= 0);
}

/* Gives stderr back, if captured: safe as a teardown after a failed test. */
static inline int stderr_capture_restore(void **state)
{
	if (saved_stderr < 0)
		return 0;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	return 0;
}

/* What was written to stderr since stderr_capture_start (the caller frees). */
static inline char *stderr_capture_stop(void)
{
	long len;
	char *out;

	assert_true(saved_stderr >= 0);
	stderr_capture_restore(NULL);
	len = lseek(fileno(stderr_capture_file), 0, SEEK_END);
	assert_true(len >= 0);
	out = calloc(1, (size_t)len + 1);
	assert_non_null(out);
	assert_int_equal(pread(fileno(stderr_capture_file), out, (size_t)len, 0), len);
	fclose(stderr_capture_file);
	return out;
}

#endif
