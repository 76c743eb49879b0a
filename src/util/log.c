#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

static bool log_stderr = true;
static enum log_level log_max = LOG_LVL_INFO;

void log_setup(bool to_stderr, enum log_level max)
{
	log_stderr = to_stderr;
	log_max = max;
	if (!to_stderr)
		openlog("oakleyd", LOG_PID, LOG_DAEMON);
}

enum log_level log_max_level(void)
{
	return log_max;
}

/* One line to stderr in one write: stderr is unbuffered, and three writes
 * a line were a seventh of the event loop's time at a high setup rate.  A
 * line longer than the buffer goes out in pieces, whole. */
static void __attribute__((format(printf, 2, 0)))
log_stderr_line(const char *tag, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char when[32], line[2048];
	va_list again;
	int n, m;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ld oakleyd %s: ", when, ts.tv_nsec / 1000000, tag);
	va_copy(again, ap);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m >= 0 && (size_t)n + (size_t)m + 1 < sizeof(line)) {
		line[n + m] = '\n';
		fwrite(line, 1, (size_t)n + (size_t)m + 1, stderr);
	} else {
		fwrite(line, 1, (size_t)n, stderr);
		vfprintf(stderr, fmt, again);
		fputc('\n', stderr);
	}
	va_end(again);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	static const char *const tag[] = {"error", "warning", "info", "debug"};
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	if (log_stderr)
		log_stderr_line(tag[lvl], fmt, ap);
	else
		vsyslog(prio[lvl], fmt, ap);
	va_end(ap);
}

const char *log_hex(const void *p, unsigned len)
{
	static char out[129];
	const unsigned char *b = p;
	unsigned i;

	if (len > 64)
		len = 64;
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * len] = 0;
	return out;
}
