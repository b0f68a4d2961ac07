// SPDX-License-Identifier: GPL-2.0
/*
 * One QEMU boot.  The guest's console goes to a file (never parsed for
 * results: those come back on a disk), QEMU's stdin is /dev/null and it
 * has no monitor, so nothing waits on a terminal.  The only thing we read
 * from the console while it runs is the "run start" mark, for the progress
 * line and the boot time.
 */
#include "harness/vm/qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"
#include "harness/vm/host.h"

#define MAX_ARGS 48

int qemu_check(void)
{
	if (have_program(QEMU_BIN))
		return 0;
	vm_err("%s not found: 'mmstall vm' boots kernels with it (apt-get install qemu-system-x86)", QEMU_BIN);
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
	if (vasprintf(&a->v[a->n], fmt, ap) < 0)
		abort();
	va_end(ap);
	a->n++;
}

/* A path inside a QEMU option list: commas are separators there, ",," is a comma. */
static char *opt_path(const char *path)
{
	char *out = malloc(strlen(path) * 2 + 1), *d = out;

	if (!out)
		abort();
	for (; *path; path++) {
		*d++ = *path;
		if (*path == ',')
			*d++ = ',';
	}
	*d = '\0';
	return out;
}

static void drive(struct argv_buf *a, const char *path, const char *id, const char *opts)
{
	char *p = opt_path(path);

	arg(a, "-drive");
	arg(a, "file=%s,format=raw,if=none,id=%s%s", p, id, opts);
	arg(a, "-device");
	arg(a, "virtio-blk-pci,drive=%s,serial=mmstall-%s", id, id);
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
	arg(a, "-serial");
	arg(a, "file:%s", c->console);
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
		drive(a, c->data_disk, "data", ",snapshot=on");
	if (c->out_disk)
		drive(a, c->out_disk, "out", "");
	/* readonly=on: the cached tools disk is shared by every run and never written */
	if (c->tools_disk)
		drive(a, c->tools_disk, "tools", ",readonly=on");
	a->v[a->n] = NULL;
}

/* Watches the growing console file for the mark. */
struct watch {
	const struct qemu_config *c;
	uint64_t start_ns, mark_ns;
	off_t off;
	char tail[128];
	size_t tail_len;
};

static void watch_tick(void *arg)
{
	struct watch *w = arg;
	size_t ml = strlen(w->c->mark);
	char buf[8192 + sizeof(w->tail)];
	ssize_t n;
	int fd;

	if (w->mark_ns || ml >= sizeof(w->tail))
		return;
	fd = open(w->c->console, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	memcpy(buf, w->tail, w->tail_len);
	while ((n = pread(fd, buf + w->tail_len, 8192, w->off)) > 0) {
		size_t len = w->tail_len + n;

		w->off += n;
		if (memmem(buf, len, w->c->mark, ml)) {
			w->mark_ns = now_ns() - w->start_ns;
			if (w->c->say_mark)
				msg_info("[%s] running (booted in %.1f s)", w->c->label, w->mark_ns / 1e9);
			break;
		}
		/* keep the end: the mark may straddle two reads */
		w->tail_len = len < ml ? len : ml;
		memmove(buf, buf + len - w->tail_len, w->tail_len);
	}
	memcpy(w->tail, buf, w->tail_len);
	close(fd);
}

int qemu_run(const struct qemu_config *c, struct qemu_outcome *o)
{
	struct watch w = { .c = c };
	struct argv_buf a = { .n = 0 };
	struct proc_child child = { .in_fd = -1, .tmpdir = c->workdir };
	pid_t pid;
	int logfd, i, ret;

	memset(o, 0, sizeof(*o));
	build_argv(c, &a);
	o->argv = json_array();
	for (i = 0; i < a.n; i++)
		json_array_append_new(o->argv, json_string(a.v[i]));
	logfd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0) {
		ret = -errno;
		goto out;
	}
	child.argv = a.v;
	child.out_fd = logfd;
	child.err_fd = logfd;
	w.start_ns = now_ns();
	ret = proc_spawn(&child, &pid);
	close(logfd);
	if (ret)
		goto out;
	ret = proc_wait(pid, w.start_ns + c->timeout_ns, c->mark ? watch_tick : NULL, &w);
	o->wall_ns = now_ns() - w.start_ns;
	if (c->mark)
		watch_tick(&w);
	o->mark_ns = w.mark_ns;
out:
	o->status = ret;
	for (i = 0; i < a.n; i++)
		free(a.v[i]);
	return ret < 0 ? ret : 0;
}

/* Keep printable text; drop the terminal escapes SeaBIOS and the kernel emit. */
static void clean_text(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '\033') {
			s++;
			if (*s == '[')
				while (s[1] && !((s[1] >= '@' && s[1] <= '~')))
					s++;
			if (*s && s[1])
				s++;
			continue;
		}
		if (*s == '\n' || *s == '\t' || (unsigned char)*s >= ' ')
			*d++ = *s;
	}
	*d = '\0';
}

char *qemu_console_tail(const char *path, int n)
{
	char *text = NULL, *p;
	size_t len;
	int lines = 0;

	if (read_file(path, &text, &len))
		return strdup("(no console output)");
	clean_text(text);
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	for (p = text + len; p > text; p--)
		if (p[-1] == '\n' && ++lines >= n)
			break;
	if (!*p) {
		free(text);
		return strdup("(no console output)");
	}
	memmove(text, p, strlen(p) + 1);
	return text;
}

char *qemu_console_line(const char *path, const char *needle)
{
	char *text = NULL, *hit, *next, *line = NULL;

	if (read_file(path, &text, NULL))
		return NULL;
	clean_text(text);
	for (hit = strstr(text, needle); hit && (next = strstr(hit + 1, needle)); hit = next)
		;
	if (hit) {
		while (hit > text && hit[-1] != '\n')
			hit--;
		line = strndup(hit, strchrnul(hit, '\n') - hit);
	}
	free(text);
	return line;
}
