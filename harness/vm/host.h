/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Child processes of 'mmstall vm' (QEMU, apt-get, cpio, mkfs.ext4...) and
 * what happens to them on SIGINT/SIGTERM/SIGHUP.
 *
 * Every child is started in its own process group (so a terminal's ^C
 * reaches only us and we decide the order of shutdown) with
 * PR_SET_PDEATHSIG (so not even a SIGKILL of mmstall leaves one behind).
 * The signal handler only records the signal and forwards SIGTERM to the
 * registered children; the code then unwinds normally with -EINTR and
 * removes its temporary files on the way out.
 *
 * Also here: vm_error (the one message of a failure) and file helpers.
 */
#ifndef MMSTALL_VM_HOST_H
#define MMSTALL_VM_HOST_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The reason a vm function failed, for the caller to print (msg_err) and
 * to put in the failed variant's result file: one message, said once.
 */
extern char vm_error[1024];
void vm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The signal that asked us to stop, 0 if none. */
extern volatile sig_atomic_t vm_stop_signal;

void vm_signals_install(void);
void vm_signals_restore(void);

struct vm_child {
	char *const *argv;
	const char *cwd;	/* NULL: ours */
	int in_fd;		/* -1: /dev/null */
	int out_fd;		/* -1: /dev/null, -2: inherit */
	int err_fd;		/* -1: /dev/null, -2: inherit */
	const char *tmpdir;	/* NULL: inherit $TMPDIR */
};

/* Start a child; its pid is registered for signal forwarding. */
int vm_spawn(const struct vm_child *c, pid_t *pid_out);

/*
 * Poll a child until it exits.  Returns its exit status (128 + signal if
 * killed), -ETIMEDOUT after deadline_ns (CLOCK_MONOTONIC, 0: none) or
 * -EINTR on a stop signal; in both error cases the child has been
 * terminated (SIGTERM, then SIGKILL after a grace period) and reaped.
 * tick, if set, is called about every 50 ms (e.g. to watch a console log).
 */
int vm_wait(pid_t pid, uint64_t deadline_ns, void (*tick)(void *), void *arg);

/* Spawn and wait; stdout/stderr as in struct vm_child.  Exit status or -errno. */
int vm_run(char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd);

/*
 * Run and capture stdout and stderr (NUL-terminated, caller frees; either
 * pointer may be NULL to discard).  Exit status or -errno.
 */
int vm_run_capture(char *const argv[], const char *cwd, char **out, char **err);

/* The last line of a text (for error messages), trimmed; static buffer. */
const char *vm_last_line(const char *s);

/* Files. */

/* snprintf for paths: -ENAMETOOLONG instead of a silently cut path. */
int vm_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 64-bit FNV-1a of a file's contents, folded into *h (cache identities). */
int vm_hash_file(const char *path, uint64_t *h);
void vm_hash_str(const char *s, uint64_t *h);
#define VM_HASH_INIT 0xcbf29ce484222325ULL

/* Copy src to dst (created, mode 0644 or 0755 if exec); appends if append. */
int vm_copy_file(const char *src, const char *dst, bool exec, bool append);

/*
 * A private temporary directory "<base>/mmstall-vm.<pid>.XXXXXX"; stale
 * ones of dead processes (killed with SIGKILL) are removed first.
 */
int vm_workdir_create(const char *base, char *out, size_t len);

/*
 * Remove what a SIGKILLed mmstall left in dir: temporary entries whose
 * name carries the pid of a process that no longer exists.
 */
void vm_sweep_stale(const char *dir);

#endif
