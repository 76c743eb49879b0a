/* The seccomp filter of the unprivileged daemon: the system calls of its
 * event loop (sockets, netlink, the control socket, timers, memory) and of
 * its crypto worker threads (started under the filter: clone for threads
 * only), and nothing that opens files, executes, traces or changes credentials.
 *
 * libseccomp (Debian's libseccomp-dev) builds the BPF: it keeps the
 * syscall-number tables of every architecture and the checks of the audit
 * architecture, which hand-written BPF gets wrong easily.
 *
 * A system call outside the list stops the daemon: SIGSYS, whose handler
 * names the call on stderr and exits with 159 (128 + SIGSYS).  Carrying on
 * with EPERM would leave a daemon in a state nobody tested, and a call that
 * is missing from the list should be found by the tests, loudly, not hide.
 * unlink(2) alone fails with EACCES instead: the control socket's removal
 * at exit is the helper's job, the daemon's own attempt may fail quietly. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "priv/priv.h"

static const int allowed[] = {
	/* the event loop, sockets, netlink, the control socket, logging */
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(readv),
	SCMP_SYS(writev),
	SCMP_SYS(close),
	SCMP_SYS(sendto),
	SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg),
	SCMP_SYS(recvmmsg), /* kernel/: a batch's acks */
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(accept4),
	SCMP_SYS(fcntl),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),
	SCMP_SYS(getsockname),
	SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt),
	SCMP_SYS(connect),
	/* time, randomness, memory, threads' locks */
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom),
	SCMP_SYS(futex),
	SCMP_SYS(brk),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	/* the crypto workers, started under the filter: what a new thread
	 * does (clone itself is checked in add_rules) and their eventfd */
	SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),
	SCMP_SYS(eventfd2),
	/* signals (signalfd's mask), the helper's end, exit */
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(wait4),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	/* what status shows */
	SCMP_SYS(getpid),
	SCMP_SYS(getuid),
	SCMP_SYS(getgid),
	SCMP_SYS(capget),
#ifdef __SANITIZE_ADDRESS__
	/* ASan's reports (symbolized from /proc/self/exe) and LeakSanitizer at
	 * exit, which clones a thread that ptraces the others. */
	SCMP_SYS(openat),
	SCMP_SYS(open),
	SCMP_SYS(getdents),
	SCMP_SYS(getdents64),
	SCMP_SYS(readlink),
	SCMP_SYS(readlinkat),
	SCMP_SYS(pread64),
	SCMP_SYS(clone),
	SCMP_SYS(clone3),
	SCMP_SYS(ptrace),
	SCMP_SYS(prctl),
	SCMP_SYS(sched_yield),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigaction),
	SCMP_SYS(gettid),
	SCMP_SYS(tgkill),
	SCMP_SYS(sched_getaffinity),
	SCMP_SYS(mprotect),
	SCMP_SYS(mmap),
	SCMP_SYS(process_vm_readv),
	SCMP_SYS(kill),
	SCMP_SYS(getppid),
	SCMP_SYS(setrlimit),
	SCMP_SYS(getrlimit),
	SCMP_SYS(prlimit64),
	SCMP_SYS(dup),
	SCMP_SYS(dup2),
	SCMP_SYS(dup3),
	SCMP_SYS(pipe),
	SCMP_SYS(pipe2),
	SCMP_SYS(uname),
	SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(ioctl),
#endif
};

static void put_num(char *s, size_t *n, long v)
{
	char d[24];
	int i = 0;

	do
		d[i++] = (char)('0' + v % 10);
	while ((v /= 10) && i < (int)sizeof(d));
	while (i)
		s[(*n)++] = d[--i];
}

/* Async-signal-safe: write(2) and _exit(2) only. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char head[] = "oakleyd: seccomp: system call ";
	static const char tail[] = " is not allowed; exiting\n";
	char msg[128];
	size_t n = sizeof(head) - 1;

	memcpy(msg, head, n);
	put_num(msg, &n, si->si_syscall);
	memcpy(msg + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	if (write(STDERR_FILENO, msg, n) < 0)
		_exit(128 + SIGSYS);
	_exit(128 + SIGSYS);
}

/* A thread's first malloc gives it an arena of its own; freeing enough
 * of it makes glibc shrink that arena's heap, and the first shrink reads
 * /proc/sys/vm/overcommit_memory (openat, once per process).  A crypto
 * worker under the filter would be killed for it, at random under load:
 * the freeing is done here, before. */
static void *arena_churn(void *arg)
{
	enum { CHUNKS = 128, CHUNK = 16 * 1024 };
	void *p[CHUNKS];
	int i;

	for (i = 0; i < CHUNKS; i++)
		p[i] = malloc(CHUNK);
	for (i = CHUNKS - 1; i >= 0; i--)
		free(p[i]);
	return arg;
}

/* What would open files or load code lazily, done while it still can.
 * glibc's first pthread_create installs its own signal handlers (setxid,
 * cancellation): the thread started and joined here does that, so the
 * crypto workers started under the filter need no rt_sigaction; and it
 * shrinks its arena (arena_churn). */
static void preload(void)
{
	unsigned char b;
	pthread_t t;

	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	RAND_bytes(&b, 1);
	tzset();
	if (!pthread_create(&t, NULL, arena_churn, NULL))
		pthread_join(t, NULL);
}

/* clone's flags are its first argument on x86-64, arm64 and most others;
 * s390 swaps the first two (the kernel's CLONE_BACKWARDS2). */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG SCMP_A1
#else
#define CLONE_FLAGS_ARG SCMP_A0
#endif

static int add_rules(scmp_filter_ctx ctx)
{
	unsigned i;
	int err = 0;

	for (i = 0; !err && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
#ifndef __SANITIZE_ADDRESS__
	/* Memory, but never executable: no code can be brought in. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* Threads, never processes: clone's flags must hold CLONE_THREAD.
	 * clone3 passes them in memory, which a filter cannot read: ENOSYS
	 * makes glibc fall back to clone. */
	if (!err)
		err = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			CLONE_FLAGS_ARG(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
#endif
	/* A crypto worker makes itself SCHED_BATCH (job_pool_set_batch), and
	 * no other policy: not a way to raise a priority. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_setscheduler), 1,
				       SCMP_A1(SCMP_CMP_EQ, SCHED_BATCH, 0));
	/* Only Unix sockets: syslog reconnecting to /dev/log. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(unlink), 0);
	return err;
}

int priv_seccomp(char *why, size_t whylen)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	scmp_filter_ctx ctx;
	int err;

	preload();
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(why, whylen, "cannot load the seccomp filter: sigaction: %s",
			 strerror(errno));
		return -errno;
	}
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(why, whylen, "cannot load the seccomp filter: out of memory");
		return -ENOMEM;
	}
	/* The kernel logs a refused call too (audit type 1326), even one made
	 * with SIGSYS blocked, which then kills without our handler. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (!err)
		err = add_rules(ctx);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err) {
		snprintf(why, whylen, "cannot load the seccomp filter: %s", strerror(-err));
		return err;
	}
	priv_state_set_seccomp();
	return 0;
}
