/* systemd's readiness protocol (sd_notify(3)), without libsystemd: one
 * datagram of "KEY=VALUE\n" lines to the AF_UNIX socket named in
 * $NOTIFY_SOCKET (a path, or an abstract name when it starts with '@').
 * oakleyd sends READY=1 once its sockets are bound and the configuration
 * is loaded, RELOADING=1 / READY=1 around a reload, STOPPING=1 on its way
 * out.  The socket is opened per message: under oakleyd's seccomp filter
 * socket(2) is allowed for AF_UNIX (syslog's /dev/log needs it too). */
#ifndef OAKLEY_UTIL_SDNOTIFY_H
#define OAKLEY_UTIL_SDNOTIFY_H

/* STATE sent as one datagram.  1: sent; 0: not run by systemd (no
 * NOTIFY_SOCKET); -errno otherwise (a bad name, the socket refused it). */
int sd_notify_send(const char *state);

/* printf-style; a message longer than 1 KiB is cut. */
int sd_notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
