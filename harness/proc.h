/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Child processes (QEMU, apt-get, cpio, mkfs.ext4, make, git...) and what
 * happens to them on SIGINT/SIGTERM/SIGHUP: the one process runner and the
 * one signal regime of mmstall.
 *
 * Every child is started in its own process group (so a terminal's ^C
 * reaches only us and we decide the order of shutdown) with
 * PR_SET_PDEATHSIG (so not even a SIGKILL of mmstall leaves one behind).
 * The signal handler only records the signal and forwards SIGTERM to the
 * registered children (SIGKILL on a second signal); the code then unwinds
 * normally with -EINTR and removes its temporary files on the way out.
 */
#ifndef MMSTALL_PROC_H
#define MMSTALL_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The signal that asked us to stop, 0 if none. */
extern volatile sig_atomic_t proc_stop_signal;

/* Catch SIGINT, SIGTERM and SIGHUP (no SA_RESTART); restore saves what was there. */
void proc_signals_install(void);
void proc_signals_restore(void);

struct proc_child {
	char *const *argv;
	const char *cwd;	/* NULL: ours */
	int in_fd;		/* -1: /dev/null */
	int out_fd;		/* -1: /dev/null, -2: inherit */
	int err_fd;		/* -1: /dev/null, -2: inherit */
	const char *tmpdir;	/* NULL: inherit $TMPDIR */
};

/* Start a child; its pid is registered for signal forwarding.  -errno when exec fails. */
int proc_spawn(const struct proc_child *c, pid_t *pid_out);

/*
 * Poll a child until it exits.  Returns its exit status (128 + signal if
 * killed), -ETIMEDOUT after deadline_ns (CLOCK_MONOTONIC, 0: none) or
 * -EINTR on a stop signal; in both error cases the child has been
 * terminated (SIGTERM, then SIGKILL after a grace period) and reaped.
 * tick, if set, is called about every 50 ms (e.g. for a progress line).
 */
int proc_wait(pid_t pid, uint64_t deadline_ns, void (*tick)(void *), void *arg);

/*
 * proc_wait() with more to do meanwhile: tick is called as soon as fd (a
 * pipe from the child, -1: none) is readable, at least every 50 ms, and
 * once more after the child exited; it may move deadline_ns (e.g. closer,
 * once the child has done what was wanted).  The child's exit is noticed
 * at once (a pidfd), not at the next poll.  Returns as proc_wait().
 */
struct proc_watch {
	uint64_t deadline_ns;	/* CLOCK_MONOTONIC, 0: none */
	int fd;
	void (*tick)(struct proc_watch *w);
	void *arg;
};
int proc_watch(pid_t pid, struct proc_watch *w);

/* Spawn and wait; fds as in struct proc_child.  Exit status or -errno. */
int proc_run(char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd);

/*
 * Run and capture stdout and stderr (NUL-terminated, caller frees; either
 * pointer may be NULL to discard).  Exit status or -errno.
 */
int proc_capture(char *const argv[], const char *cwd, char **out, char **err);

#endif
