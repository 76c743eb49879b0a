/* Logging: to stderr in the foreground (-d), to syslog otherwise.
 * Lines about an SA name it and its connection: "#12 site-a: ...". */
#ifndef OAKLEY_UTIL_LOG_H
#define OAKLEY_UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_setup(bool to_stderr, enum log_level max);
enum log_level log_max_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Hex of a short byte string into a static buffer, for debug lines only
 * (never for keys). */
const char *log_hex(const void *p, unsigned len);

#endif
