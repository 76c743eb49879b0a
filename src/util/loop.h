/* The event loop: one thread, epoll for descriptors, a binary min-heap of
 * timers, and one signalfd for signals.  Everything that happens to the
 * daemon (a datagram, a netlink message, a control command, a timeout, a
 * signal) is a callback from loop_run. */
#ifndef OAKLEY_UTIL_LOOP_H
#define OAKLEY_UTIL_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

typedef void (*loop_fd_fn)(int fd, uint32_t events, void *arg);
typedef void (*loop_timer_fn)(void *arg);
typedef void (*loop_signal_fn)(int signo, void *arg);

/* Embedded in its owner's struct: arming allocates nothing (except when the
 * heap itself must grow).  Initialise with timer_init before first use. */
struct timer {
	uint64_t due_ms; /* loop_now_ms() when it fires */
	size_t heap_idx; /* SIZE_MAX when not armed */
	uint64_t seq;	 /* arming order: equal due times fire first-armed first */
	loop_timer_fn fn;
	void *arg;
};

int loop_new(struct loop **out);
/* Closes the epoll and signal descriptors, not the registered ones.  Armed
 * timers are forgotten (left marked armed: do not reuse them afterwards).
 * Signals stay blocked: one arriving during shutdown must not kill the
 * process with its default action. */
void loop_free(struct loop *l);

/* events: EPOLLIN, EPOLLOUT, ... (level-triggered unless EPOLLET is given).
 * -EEXIST if fd is already registered. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Call before close(fd).  Safe for an unregistered fd and from any callback:
 * an event already collected for fd is not delivered. */
void loop_del_fd(struct loop *l, int fd);

void timer_init(struct timer *t, loop_timer_fn fn, void *arg);
/* Fires once, delay_ms from now.  Re-arming an armed timer moves it.
 * -ENOMEM only when the heap had to grow and could not. */
int timer_arm(struct loop *l, struct timer *t, uint64_t delay_ms);
void timer_cancel(struct loop *l, struct timer *t); /* safe if not armed */
bool timer_armed(const struct timer *t);
/* Milliseconds until t fires (0 if due), or UINT64_MAX if not armed. */
uint64_t timer_remaining_ms(const struct timer *t);

/* Blocks signo (pthread_sigmask: block it before starting any thread) and
 * delivers it through the loop's signalfd.  One handler per signal; adding
 * a signal again replaces its handler. */
int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);

uint64_t loop_now_ms(void); /* CLOCK_MONOTONIC */

/* Runs until loop_stop; returns 0, or -errno if epoll_wait failed.  Each
 * pass runs the timers that are due (in due order; a timer armed during the
 * pass waits for the next one), then waits for and dispatches descriptor
 * events.  Any callback may arm or cancel any timer and add or delete any
 * descriptor, its own included, and may free the timer it was called for. */
int loop_run(struct loop *l);
/* Makes loop_run return after the current callback. */
void loop_stop(struct loop *l);

#endif
