/* The event loop.  Descriptors live in a table indexed by fd; each epoll
 * registration carries the fd and a generation number, so an event collected
 * for an fd that a callback has since deleted (or deleted and re-added) is
 * dropped instead of reaching the wrong owner.  Timers are a binary min-heap
 * ordered by (due time, arming order). */
#include "util/loop.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#define LOOP_EVENTS 64

struct fdreg {
	loop_fd_fn fn; /* NULL: slot unused */
	void *arg;
	uint32_t gen;
};

struct sigreg {
	loop_signal_fn fn;
	void *arg;
};

struct loop {
	int epfd;
	int sigfd;
	bool stop;
	uint32_t gen;
	struct fdreg *fds;
	size_t nfds; /* slots in fds */
	struct timer **heap;
	size_t nheap, capheap;
	uint64_t seq;
	sigset_t sigmask;
	struct sigreg sig[_NSIG];
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int loop_new(struct loop **out)
{
	struct loop *l;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = -errno;

		free(l);
		return err;
	}
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	close(l->epfd);
	free(l->fds);
	free(l->heap);
	free(l);
}

/* ---- descriptors ---- */

static struct fdreg *fd_slot(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].fn)
		return NULL;
	return &l->fds[fd];
}

static int fd_table_grow(struct loop *l, int fd)
{
	size_t n = l->nfds ? l->nfds : 64;
	struct fdreg *fds;

	while (n <= (size_t)fd)
		n *= 2;
	fds = realloc(l->fds, n * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	memset(fds + l->nfds, 0, (n - l->nfds) * sizeof(*fds));
	l->fds = fds;
	l->nfds = n;
	return 0;
}

static uint64_t fd_token(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg)
{
	struct epoll_event ev = {.events = events};
	int err;

	if (fd < 0 || !fn)
		return -EINVAL;
	if (fd_slot(l, fd))
		return -EEXIST;
	if ((size_t)fd >= l->nfds) {
		err = fd_table_grow(l, fd);
		if (err)
			return err;
	}
	l->gen++;
	ev.data.u64 = fd_token(fd, l->gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->fds[fd] = (struct fdreg){.fn = fn, .arg = arg, .gen = l->gen};
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct fdreg *r = fd_slot(l, fd);
	struct epoll_event ev = {.events = events};

	if (!r)
		return -ENOENT;
	ev.data.u64 = fd_token(fd, r->gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct fdreg *r = fd_slot(l, fd);

	if (!r)
		return;
	/* Fails only if the owner already closed fd, which removed it anyway. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(r, 0, sizeof(*r));
}

static void dispatch_fd(struct loop *l, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct fdreg *r = fd_slot(l, fd);

	if (!r || r->gen != gen)
		return; /* deleted by an earlier callback of this batch */
	r->fn(fd, ev->events, r->arg);
}

/* ---- timers ---- */

void timer_init(struct timer *t, loop_timer_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->heap_idx = SIZE_MAX;
	t->fn = fn;
	t->arg = arg;
}

bool timer_armed(const struct timer *t)
{
	return t->heap_idx != SIZE_MAX;
}

uint64_t timer_remaining_ms(const struct timer *t)
{
	uint64_t now;

	if (!timer_armed(t))
		return UINT64_MAX;
	now = loop_now_ms();
	return t->due_ms > now ? t->due_ms - now : 0;
}

static bool timer_before(const struct timer *a, const struct timer *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_set(struct loop *l, size_t i, struct timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];

	while (i > 0 && timer_before(t, l->heap[(i - 1) / 2])) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];
	size_t c;

	while ((c = 2 * i + 1) < l->nheap) {
		if (c + 1 < l->nheap && timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!timer_before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

/* Restores the heap after the timer at i changed or was replaced. */
static void heap_fix(struct loop *l, size_t i)
{
	if (i > 0 && timer_before(l->heap[i], l->heap[(i - 1) / 2]))
		heap_up(l, i);
	else
		heap_down(l, i);
}

static int heap_grow(struct loop *l)
{
	size_t cap = l->capheap ? 2 * l->capheap : 16;
	struct timer **h;

	h = realloc(l->heap, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	l->heap = h;
	l->capheap = cap;
	return 0;
}

int timer_arm(struct loop *l, struct timer *t, uint64_t delay_ms)
{
	uint64_t now = loop_now_ms();
	int err;

	if (!timer_armed(t) && l->nheap == l->capheap) {
		err = heap_grow(l);
		if (err)
			return err;
	}
	t->due_ms = delay_ms > UINT64_MAX - now ? UINT64_MAX : now + delay_ms;
	t->seq = l->seq++;
	if (timer_armed(t)) {
		heap_fix(l, t->heap_idx);
	} else {
		heap_set(l, l->nheap++, t);
		heap_up(l, t->heap_idx);
	}
	return 0;
}

void timer_cancel(struct loop *l, struct timer *t)
{
	size_t i = t->heap_idx;
	struct timer *last;

	if (i == SIZE_MAX)
		return;
	t->heap_idx = SIZE_MAX;
	last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	heap_set(l, i, last);
	heap_fix(l, i);
}

/* Runs the timers due now.  A timer armed by one of these callbacks has a
 * later seq than any timer due at the start, so it waits for the next pass:
 * a timer that re-arms itself with delay 0 cannot starve the descriptors. */
static void run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms(), first_new = l->seq;
	struct timer *t;

	while (!l->stop && l->nheap > 0) {
		t = l->heap[0];
		if (t->due_ms > now || t->seq >= first_new)
			break;
		timer_cancel(l, t);
		t->fn(t->arg);
	}
}

static int next_timeout(struct loop *l)
{
	uint64_t now, due;

	if (l->nheap == 0)
		return -1;
	now = loop_now_ms();
	due = l->heap[0]->due_ms;
	if (due <= now)
		return 0;
	return due - now > INT_MAX ? INT_MAX : (int)(due - now);
}

/* ---- signals ---- */

static void on_signalfd(int fd, uint32_t events, void *arg)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;
	struct sigreg *s;

	while (!l->stop && read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo >= _NSIG)
			continue;
		s = &l->sig[si.ssi_signo];
		if (s->fn)
			s->fn((int)si.ssi_signo, s->arg);
	}
}

int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
	sigset_t one;
	int fd, err;

	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL || signo == SIGSTOP || !fn)
		return -EINVAL;
	sigemptyset(&one);
	sigaddset(&one, signo);
	err = pthread_sigmask(SIG_BLOCK, &one, NULL);
	if (err)
		return -err;
	sigaddset(&l->sigmask, signo);
	fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (l->sigfd < 0) {
		err = loop_add_fd(l, fd, EPOLLIN, on_signalfd, l);
		if (err) {
			close(fd);
			goto out;
		}
		l->sigfd = fd;
	}
	l->sig[signo] = (struct sigreg){.fn = fn, .arg = arg};
out:
	if (err && !l->sig[signo].fn)
		sigdelset(&l->sigmask, signo);
	return err;
}

/* ---- running ---- */

int loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_EVENTS];
	int i, n, err = 0;

	while (!l->stop) {
		run_timers(l);
		if (l->stop)
			break;
		n = epoll_wait(l->epfd, ev, LOOP_EVENTS, next_timeout(l));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		for (i = 0; i < n && !l->stop; i++)
			dispatch_fd(l, &ev[i]);
	}
	l->stop = false;
	return err;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
