// SPDX-License-Identifier: GPL-2.0
/*
 * ps: one sample is what procps 'ps -o pid,rss,args' reads for one process,
 * /proc/<lo>/stat, status and cmdline, each opened, read to the end and
 * closed, in that order: the user-visible operation of the seed's report
 * ("ps hangs").  stat and status take no mmap_lock; cmdline reads lo's
 * memory with access_remote_vm under lo's mmap_lock, on every kernel so far.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/probes.h"
#include "workloads/probes/procfile.h"

static const char *const files[] = { "stat", "status", "cmdline" };

struct ps_probe {
	char path[3][64];
	char buf[1 << 16];
};

static int ps_setup(const struct probe_env *env, void **state, char *err, size_t errlen)
{
	struct ps_probe *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < 3; i++) {
		snprintf(p->path[i], sizeof(p->path[i]), "/proc/%d/%s", (int)env->lo_pid, files[i]);
		if (access(p->path[i], R_OK)) {
			snprintf(err, errlen, "cannot read %s: %s", p->path[i], strerror(errno));
			free(p);
			return -errno;
		}
	}
	*state = p;
	return 0;
}

static int ps_sample(void *state)
{
	struct ps_probe *p = state;
	int i, ret;

	for (i = 0; i < 3; i++)
		if ((ret = procfile_read(p->path[i], p->buf, sizeof(p->buf))))
			return ret;
	return 0;
}

static void ps_teardown(void *state)
{
	free(state);
}

const struct probe_ops probe_ps = {
	.name = "ps",
	.op = "what 'ps -o pid,rss,args' reads of lo: /proc/<lo>/stat, status and cmdline",
	.lock = { "lo", "cmdline: access_remote_vm under lo's mmap_lock" },
	.setup = ps_setup,
	.sample = ps_sample,
	.teardown = ps_teardown,
};
