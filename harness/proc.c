// SPDX-License-Identifier: GPL-2.0
/*
 * Child processes and stop signals; see proc.h for the rules.  The point:
 * no QEMU, apt-get, mkfs or make outlives us, whatever way we end.
 */
#include "harness/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/util.h"

#define MAX_CHILDREN 8
#define KILL_GRACE_NS (5 * NSEC_PER_SEC)
#define POLL_MAX_NS (50 * NSEC_PER_MSEC)

volatile sig_atomic_t proc_stop_signal;

static volatile pid_t children[MAX_CHILDREN];
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction saved[ARRAY_SIZE(stop_signals)];

static void term_group(pid_t pid, int sig)
{
	/* the child may not have reached setpgid() yet: signal both */
	kill(-pid, sig);
	kill(pid, sig);
}

static void on_stop(int sig)
{
	int again = proc_stop_signal != 0;
	size_t i;

	proc_stop_signal = sig;
	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			term_group(children[i], again ? SIGKILL : SIGTERM);
}

void proc_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	size_t i;

	/* no SA_RESTART: blocking calls return EINTR and we notice */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &sa, &saved[i]);
}

void proc_signals_restore(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &saved[i], NULL);
}

static void child_register(pid_t pid)
{
	size_t i;

	for (i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] <= 0) {
			children[i] = pid;
			return;
		}
	}
}

static void child_forget(pid_t pid)
{
	size_t i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

static void child_fd(int fd, int target, int mode)
{
	if (fd == -2)
		return;
	if (fd == -1) {
		fd = open("/dev/null", mode);
		if (fd < 0)
			_exit(127);
	}
	if (fd != target && dup2(fd, target) < 0)
		_exit(127);
}

static __attribute__((noreturn)) void child_exec(const struct proc_child *c, pid_t parent, int errpipe)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	size_t i;
	int e;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	child_fd(c->in_fd, STDIN_FILENO, O_RDONLY);
	child_fd(c->out_fd, STDOUT_FILENO, O_WRONLY);
	child_fd(c->err_fd, STDERR_FILENO, O_WRONLY);
	if (c->tmpdir)
		setenv("TMPDIR", c->tmpdir, 1);
	if (c->cwd && chdir(c->cwd) < 0) {
		e = errno;
	} else {
		execvp(c->argv[0], c->argv);
		e = errno;
	}
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

int proc_spawn(const struct proc_child *c, pid_t *pid_out)
{
	pid_t parent = getpid(), pid;
	int pfd[2], e = 0;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		e = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return e;
	}
	if (pid == 0)
		child_exec(c, parent, pfd[1]);
	child_register(pid);
	close(pfd[1]);
	/* the pipe closes on exec; data means exec (or chdir) failed */
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		child_forget(pid);
		return -e;
	}
	*pid_out = pid;
	return 0;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* A pidfd becomes readable when the child exits: no polling for short children. */
int proc_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Sleep until the child may have exited, w->fd is readable, a signal
 * came, or ns passed.  *fd_hup is set when w->fd hung up (the writer
 * closed it): it is not watched any more.
 */
static void pause_for(int pidfd, int fd, uint64_t ns, bool *fd_hup)
{
	struct pollfd p[2];
	nfds_t n = 0;
	int ret;

	if (pidfd >= 0)
		p[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (fd >= 0)
		p[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (!n) {
		struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };

		nanosleep(&ts, NULL);
		return;
	}
	ret = poll(p, n, (int)((ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC));
	if (ret > 0 && fd >= 0 && (p[n - 1].revents & (POLLHUP | POLLERR)) && !(p[n - 1].revents & POLLIN))
		*fd_hup = true;
}

int proc_watch(pid_t pid, struct proc_watch *w)
{
	uint64_t term_at = 0, pause = NSEC_PER_MSEC, now, wait;
	int pidfd = proc_pidfd(pid), fd = w->fd, status, ret;
	bool timed_out = false, hup = false;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		now = now_ns();
		if (r == pid) {
			ret = exit_code(status);
			break;
		}
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (!term_at && (proc_stop_signal || (w->deadline_ns && now > w->deadline_ns))) {
			timed_out = !proc_stop_signal;
			term_group(pid, SIGTERM);
			term_at = now;
		} else if (term_at && now - term_at > KILL_GRACE_NS) {
			term_group(pid, SIGKILL);
		}
		if (w->tick)
			w->tick(w);
		if (hup)
			fd = -1;
		/* short children (cpio, dpkg) return fast; long ones are polled gently */
		wait = pidfd >= 0 || fd >= 0 ? POLL_MAX_NS : pause;
		if (!term_at && w->deadline_ns && w->deadline_ns > now && w->deadline_ns - now < wait)
			wait = w->deadline_ns - now;
		pause_for(pidfd, fd, wait, &hup);
		pause = pause * 2 > POLL_MAX_NS ? POLL_MAX_NS : pause * 2;
	}
	if (pidfd >= 0)
		close(pidfd);
	if (w->tick)
		w->tick(w);	/* what the child wrote last */
	child_forget(pid);
	if (proc_stop_signal)
		return -EINTR;
	if (timed_out)
		return -ETIMEDOUT;
	return ret;
}

struct tick_adapter {
	void (*tick)(void *);
	void *arg;
};

static void adapt_tick(struct proc_watch *w)
{
	struct tick_adapter *a = w->arg;

	a->tick(a->arg);
}

int proc_wait(pid_t pid, uint64_t deadline_ns, void (*tick)(void *), void *arg)
{
	struct tick_adapter a = { tick, arg };
	struct proc_watch w = { .deadline_ns = deadline_ns, .fd = -1, .tick = tick ? adapt_tick : NULL, .arg = &a };

	return proc_watch(pid, &w);
}

int proc_run(char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd)
{
	struct proc_child c = {
		.argv = argv, .cwd = cwd, .in_fd = in_fd, .out_fd = out_fd, .err_fd = err_fd,
	};
	pid_t pid;
	int ret;

	if (proc_stop_signal)
		return -EINTR;
	ret = proc_spawn(&c, &pid);
	if (ret)
		return ret;
	return proc_wait(pid, 0, NULL, NULL);
}

/* Read a whole memfd from the start into a NUL-terminated string. */
static int slurp_fd(int fd, char **out)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf;
	ssize_t n;

	if (size < 0)
		return -errno;
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, size, 0);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int proc_capture(char *const argv[], const char *cwd, char **out, char **err)
{
	int ofd, efd, ret, r2;

	/* memfds, not pipes: no deadlock on chatty children, no reader loop */
	ofd = memfd_create("mmstall-out", MFD_CLOEXEC);
	efd = memfd_create("mmstall-err", MFD_CLOEXEC);
	if (ofd < 0 || efd < 0) {
		ret = -errno;
		goto out;
	}
	ret = proc_run(argv, cwd, -1, ofd, efd);
	if (ret >= 0 && out && (r2 = slurp_fd(ofd, out)))
		ret = r2;
	if (ret >= 0 && err && (r2 = slurp_fd(efd, err))) {
		if (out) {
			free(*out);
			*out = NULL;
		}
		ret = r2;
	}
out:
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	return ret;
}

/* ---- children reaped by their parent (cg_run_nowait()) ---- */

#define KID_NAP_NS (5 * NSEC_PER_MSEC)	/* without pidfds: how often to look */

void proc_kid_set(struct proc_kid *k, pid_t pid)
{
	k->pid = pid;
	k->pidfd = proc_pidfd(pid);
	k->status = -1;
}

static void kid_done(struct proc_kid *k, int status)
{
	k->status = status;
	k->pid = 0;
	if (k->pidfd >= 0)
		close(k->pidfd);
	k->pidfd = -1;
}

bool proc_kid_gone(struct proc_kid *k)
{
	int st = -1;
	pid_t w;

	if (k->pid <= 0)
		return true;
	w = waitpid(k->pid, &st, WNOHANG);
	if (w == 0)
		return false;
	kid_done(k, w == k->pid ? st : -1);
	return true;
}

void proc_kid_pause(struct proc_kid *const *ks, int n, uint64_t deadline_ns)
{
	struct pollfd p[8];
	uint64_t now = now_ns(), left;
	int i, k = 0, running = 0;

	if (deadline_ns <= now)
		return;
	left = deadline_ns - now;
	for (i = 0; i < n; i++) {
		if (ks[i]->pid <= 0)
			continue;
		running++;
		if (ks[i]->pidfd >= 0 && k < (int)ARRAY_SIZE(p))
			p[k++] = (struct pollfd){ .fd = ks[i]->pidfd, .events = POLLIN };
	}
	if (k && k == running) {
		poll(p, k, (int)((left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC));
	} else {
		/* a child without a pidfd (pre-5.3 kernel): look again soon */
		uint64_t ns = left < KID_NAP_NS ? left : KID_NAP_NS;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ns };

		nanosleep(&ts, NULL);
	}
}

bool proc_kid_reap(struct proc_kid *k, uint64_t deadline_ns)
{
	while (!proc_kid_gone(k)) {
		if (now_ns() >= deadline_ns)
			return false;
		proc_kid_pause(&k, 1, deadline_ns);
	}
	return true;
}

bool proc_kid_kill(struct proc_kid *k, bool group, uint64_t timeout_ns)
{
	pid_t w;
	int st;

	if (k->pid <= 0)
		return true;
	kill(group ? -k->pid : k->pid, SIGKILL);
	if (timeout_ns)
		return proc_kid_reap(k, now_ns() + timeout_ns);
	w = waitpid(k->pid, &st, 0);
	if (w != k->pid) {
		kid_done(k, -1);	/* a signal interrupted the wait: forgotten */
		return false;
	}
	kid_done(k, st);
	return true;
}
