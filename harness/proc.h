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


/*
 * Children we start and reap ourselves: cg_run_nowait()'s lo, hi and fio,
 * which run our own code or must be born in a cgroup, so proc_spawn()
 * neither starts nor registers them.  A pidfd (Linux 5.3+) lets the
 * parent sleep until one exits instead of polling waitpid().
 */
struct proc_kid {
	pid_t pid;	/* 0: none, or reaped */
	int pidfd;	/* -1: none (no pidfd_open, or it failed) */
	int status;	/* wait status once reaped; -1 before (or waitpid failed) */
};
#define PROC_KID_NONE { .pid = 0, .pidfd = -1, .status = -1 }

/* A pidfd of pid (readable once it exits), -1 with errno if none. */
int proc_pidfd(pid_t pid);

/* k now holds the child pid (just started): its pidfd, no status yet. */
void proc_kid_set(struct proc_kid *k, pid_t pid);

/* Has it exited?  Then it is reaped: status set, pid 0, pidfd closed.  True with no child. */
bool proc_kid_gone(struct proc_kid *k);

/*
 * Sleep until one of the n children exits, deadline_ns (CLOCK_MONOTONIC)
 * passes or a signal arrives.  Reaped ones (pid 0) are skipped; without a
 * pidfd for each running one it naps at most 5 ms, to be called again.
 */
void proc_kid_pause(struct proc_kid *const *ks, int n, uint64_t deadline_ns);

/* Wait until it exits, at most until deadline_ns (signals do not end the wait); true when reaped. */
bool proc_kid_reap(struct proc_kid *k, uint64_t deadline_ns);

/*
 * SIGKILL it (with group: its process group, kill(-pid)) and reap it,
 * waiting at most timeout_ns; false when it outlived that (a task in D
 * state exits when its I/O ends) and k still holds it.  timeout_ns 0: a
 * blocking waitpid(), ended also by a signal, after which k forgets it.
 * True with no child.
 */
bool proc_kid_kill(struct proc_kid *k, bool group, uint64_t timeout_ns);

#endif
