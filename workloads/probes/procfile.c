// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<lo>/FILE readers: maps, smaps_rollup, cmdline, environ, status,
 * stat.  Which lock each takes: docs/kernel-notes.md "Paths that
 * sleep under the lock".
 */
#include "workloads/probes/procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/probes.h"

struct proc_reader {
	char path[64];
	char *buf;
	size_t cap;
};

int procfile_read(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, cap)) > 0)
		;
	close(fd);
	return n < 0 ? -errno : 0;
}

static int proc_setup(const struct probe_env *env, void **state, const char *file, char *err, size_t errlen)
{
	struct proc_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	snprintf(r->path, sizeof(r->path), "/proc/%d/%s", (int)env->lo_pid, file);
	r->cap = 1 << 16;
	r->buf = malloc(r->cap);
	if (!r->buf || access(r->path, R_OK)) {
		snprintf(err, errlen, "cannot read %s: %s", r->path, strerror(errno));
		free(r->buf);
		free(r);
		return -errno;
	}
	*state = r;
	return 0;
}

static int proc_sample(void *state)
{
	struct proc_reader *r = state;

	return procfile_read(r->path, r->buf, r->cap);
}

static void proc_teardown(void *state)
{
	struct proc_reader *r = state;

	free(r->buf);
	free(r);
}

#define PROC_PROBE_SETUP(file)                                                                    \
	static int setup_##file(const struct probe_env *env, void **state, char *err, size_t errlen) \
	{                                                                                         \
		return proc_setup(env, state, #file, err, errlen);                                \
	}
PROC_PROBE_SETUP(maps)
PROC_PROBE_SETUP(smaps_rollup)
PROC_PROBE_SETUP(cmdline)
PROC_PROBE_SETUP(environ)
PROC_PROBE_SETUP(status)
PROC_PROBE_SETUP(stat)

/* Since v6.17 (5631da56c9a8) maps is read under per-VMA locks and RCU. */
static struct probe_lock maps_lock_on(const struct probe_kernel *k)
{
	if (k && k->per_vma_maps == 1)
		return (struct probe_lock){ "none", "per-VMA lock, RCU (no mmap_lock wait)" };
	if (k && k->per_vma_maps == 0)
		return (struct probe_lock){ "lo", "mmap_read_lock_killable of lo's mm" };
	return (struct probe_lock){ "lo", "mmap_read_lock_killable of lo's mm before 6.17; per-VMA lock, RCU "
					  "(no mmap_lock wait) from 6.17" };
}

const struct probe_ops probe_maps = {
	.name = "maps",
	.op = "read all of /proc/<lo>/maps",
	.lock = { "lo", "mmap_read_lock_killable of lo's mm" },
	.lock_on = maps_lock_on,
	.setup = setup_maps,
	.sample = proc_sample,
	.teardown = proc_teardown,
};

const struct probe_ops probe_smaps_rollup = {
	.name = "smaps_rollup",
	.op = "read /proc/<lo>/smaps_rollup",
	/*
	 * Not a default probe: walking every page table of lo's large mapping
	 * under the lock makes each read slow by itself (a p50 of 55 ms under
	 * TCG against status's 3 ms), so its index is high without a stall, and
	 * as a long reader it delays lo's writer and with it the other probes.
	 */
	.lock = { "lo", "mmap_read_lock of lo's mm, walks every page table of every VMA" },
	.setup = setup_smaps_rollup,
	.sample = proc_sample,
	.teardown = proc_teardown,
};

const struct probe_ops probe_cmdline = {
	.name = "cmdline",
	.op = "read /proc/<lo>/cmdline",
	.lock = { "lo", "access_remote_vm under lo's mmap_lock" },
	.setup = setup_cmdline,
	.sample = proc_sample,
	.teardown = proc_teardown,
};

const struct probe_ops probe_environ = {
	.name = "environ",
	.op = "read /proc/<lo>/environ",
	.lock = { "lo", "access_remote_vm under lo's mmap_lock" },
	.setup = setup_environ,
	.sample = proc_sample,
	.teardown = proc_teardown,
};

const struct probe_ops probe_status = {
	.name = "status",
	.op = "read /proc/<lo>/status",
	.lock = { "none", "no mmap_lock: the noise floor" },
	.control = true,
	.setup = setup_status,
	.sample = proc_sample,
	.teardown = proc_teardown,
};

const struct probe_ops probe_stat = {
	.name = "stat",
	.op = "read /proc/<lo>/stat",
	.lock = { "none", "no mmap_lock" },
	.setup = setup_stat,
	.sample = proc_sample,
	.teardown = proc_teardown,
};
