// SPDX-License-Identifier: GPL-2.0
/*
 * One QEMU boot.  The guest's console comes to us on a pipe (QEMU's
 * stdout) and goes through a struct console: marks found as they pass, the
 * log capped (console.h).  Results never come that way: they come back on
 * a disk.  QEMU's stdin is /dev/null and it has no monitor, so nothing
 * waits on a terminal.
 */
#include "harness/vm/qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/proc.h"
#include "harness/util.h"
#include "harness/vm/protocol.h"

#define MAX_ARGS 48

int qemu_check(char *err, size_t errlen)
{
	if (have_program(QEMU_BIN))
		return 0;
	snprintf(err, errlen, "%s not found: 'mmstall vm' boots kernels with it (apt-get install qemu-system-x86)",
		 QEMU_BIN);
	return -ENOENT;
}

int qemu_version(char *buf, size_t len)
{
	static const char prefix[] = "QEMU emulator version ";
	char *argv[] = { QEMU_BIN, "--version", NULL }, *out = NULL, *nl;
	int ret = proc_capture(argv, NULL, &out, NULL);

	if (ret) {
		free(out);
		return ret < 0 ? ret : -EIO;
	}
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	snprintf(buf, len, "%s", strncmp(out, prefix, sizeof(prefix) - 1) ? out : out + sizeof(prefix) - 1);
	free(out);
	return 0;
}

bool qemu_kvm_usable(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (errno == ENOENT)
		snprintf(why, len, "/dev/kvm missing");
	else
		snprintf(why, len, "/dev/kvm not usable: %s", strerror(errno));
	return false;
}

struct argv_buf {
	char *v[MAX_ARGS + 1];
	int n;
};

static void arg(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n >= MAX_ARGS)
		abort(); /* a programming error: raise MAX_ARGS */
	va_start(ap, fmt);
	a->v[a->n] = xvasprintf(fmt, ap);
	va_end(ap);
	a->n++;
}

/* A path inside a QEMU option list: commas are separators there, ",," is a comma. */
static char *opt_path(const char *path)
{
	char *out = xmalloc(strlen(path) * 2 + 1), *d = out;

	for (; *path; path++) {
		*d++ = *path;
		if (*path == ',')
			*d++ = ',';
	}
	*d = '\0';
	return out;
}

static void drive(struct argv_buf *a, const char *path, const char *id, const char *serial, const char *opts)
{
	char *p = opt_path(path);

	arg(a, "-drive");
	arg(a, "file=%s,format=raw,if=none,id=%s%s", p, id, opts);
	arg(a, "-device");
	arg(a, "virtio-blk-pci,drive=%s,serial=%s", id, serial);
	free(p);
}

static void build_argv(const struct qemu_config *c, struct argv_buf *a)
{
	arg(a, QEMU_BIN);
	/* no default NIC, VGA, floppy...: less to probe at boot under TCG */
	arg(a, "-nodefaults");
	arg(a, "-no-user-config");
	arg(a, "-nographic");
	arg(a, "-monitor");
	arg(a, "none");
	/* the console on our stdout: a pipe mmstall reads (console.h) */
	arg(a, "-serial");
	arg(a, "stdio");
	arg(a, "-no-reboot");
	arg(a, "-m");
	arg(a, "%lluM", (unsigned long long)(c->mem_bytes >> 20));
	arg(a, "-smp");
	arg(a, "%u", c->cpus);
	arg(a, "-accel");
	arg(a, c->kvm ? "kvm" : "tcg,thread=multi");
	if (c->kvm) {
		arg(a, "-cpu");
		arg(a, "host");
	}
	arg(a, "-kernel");
	arg(a, "%s", c->kernel);
	arg(a, "-initrd");
	arg(a, "%s", c->initrd);
	arg(a, "-append");
	arg(a, "%s", c->append);
	/* snapshot=on: the guest's writes go to a throwaway overlay, never the cached image */
	if (c->data_disk)
		drive(a, c->data_disk, "data", GUEST_DISK_DATA, ",snapshot=on");
	if (c->out_disk)
		drive(a, c->out_disk, "out", GUEST_DISK_OUT, "");
	/* readonly=on: the cached tools disk is shared by every run and never written */
	if (c->tools_disk)
		drive(a, c->tools_disk, "tools", GUEST_DISK_TOOLS, ",readonly=on");
	/* entropy from the host: nothing in the guest waits for its pool (kernel.c, guest_helps) */
	if (c->rng) {
		arg(a, "-device");
		arg(a, "virtio-rng-pci");
	}
	a->v[a->n] = NULL;
}

static void free_argv(struct argv_buf *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

struct run_state {
	const struct qemu_config *c;
	struct console *con;
	int fd;			/* the console pipe */
	bool eof;
	uint64_t sent_deadline;	/* 0 until the results arrived */
};

/* Read the console; once the results are on their disk, QEMU gets a grace period to exit. */
static void run_tick(struct proc_watch *w)
{
	struct run_state *st = w->arg;
	uint64_t now = now_ns();

	if (!st->eof && console_drain(st->con, st->fd, now) <= 0)
		st->eof = true;
	/* silence from the firmware itself: this machine will not boot */
	if (st->c->first_output_ns && !st->con->total && now - st->con->start_ns > st->c->first_output_ns &&
	    (!w->deadline_ns || w->deadline_ns > now))
		w->deadline_ns = now;
	if (!st->sent_deadline && st->c->after_sent_ns && console_saw(st->con, MARK_SENT)) {
		st->sent_deadline = st->con->start_ns + st->con->mark_ns[MARK_SENT] + st->c->after_sent_ns;
		if (!w->deadline_ns || st->sent_deadline < w->deadline_ns)
			w->deadline_ns = st->sent_deadline;
	}
}

/* The console on a pipe we read as it comes (not a file the guest could grow without bound). */
static int console_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	/* room for a burst between two reads; the guest's UART waits when it is full */
	fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	return 0;
}

/*
 * Start QEMU confined to c->pin_cpus: a child inherits the affinity of the
 * thread that forks it, and every thread QEMU creates inherits QEMU's, so
 * the calling thread takes the set for the fork and gets its own back.
 */
static int spawn_pinned(const struct qemu_config *c, const struct proc_child *child, pid_t *pid)
{
	cpu_set_t set, old;
	size_t i;
	int ret;

	if (!c->pin_cpus)
		return proc_spawn(child, pid);
	CPU_ZERO(&set);
	for (i = 0; i < c->nr_pin_cpus; i++)
		CPU_SET(c->pin_cpus[i], &set);
	ret = -pthread_getaffinity_np(pthread_self(), sizeof(old), &old);
	if (!ret)
		ret = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret)
		return ret;
	ret = proc_spawn(child, pid);
	pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
	return ret;
}

int qemu_run(const struct qemu_config *c, struct console *con, struct qemu_outcome *o)
{
	struct argv_buf a = { .n = 0 };
	struct proc_child child = { .in_fd = -1, .tmpdir = c->workdir };
	struct run_state st = { .c = c, .con = con, .fd = -1 };
	struct proc_watch w = { .fd = -1, .tick = run_tick, .arg = &st };
	uint64_t start;
	int logfd = -1, fds[2] = { -1, -1 }, i, ret;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	build_argv(c, &a);
	o->argv = xcalloc(a.n + 1, sizeof(char *));
	for (i = 0; i < a.n; i++)
		o->argv[i] = xstrdup(a.v[i]);
	logfd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0) {
		ret = -errno;
		goto out;
	}
	ret = console_pipe(fds);
	if (ret)
		goto out;
	child.argv = a.v;
	child.out_fd = fds[1];
	child.err_fd = logfd;
	start = now_ns();
	con->start_ns = start;
	ret = spawn_pinned(c, &child, &pid);
	close(fds[1]);
	fds[1] = -1;
	if (ret)
		goto out;
	st.fd = fds[0];
	w.fd = fds[0];
	w.deadline_ns = start + c->timeout_ns;
	if (c->pid_out)
		__atomic_store_n(c->pid_out, (uint64_t)pid, __ATOMIC_RELEASE);
	ret = proc_watch(pid, &w);
	if (c->pid_out)
		__atomic_store_n(c->pid_out, 0, __ATOMIC_RELEASE);
	o->wall_ns = now_ns() - start;
	/* stopped after the results came: QEMU was slow to exit, the run is not lost */
	if (ret == -ETIMEDOUT && console_saw(con, MARK_SENT)) {
		o->stopped_after_sent = true;
		ret = 0;
	}
out:
	if (logfd >= 0)
		close(logfd);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	o->status = ret;
	free_argv(&a);
	return ret < 0 ? ret : 0;
}

void qemu_outcome_free(struct qemu_outcome *o)
{
	size_t i;

	for (i = 0; o->argv && o->argv[i]; i++)
		free(o->argv[i]);
	free(o->argv);
	o->argv = NULL;
}
