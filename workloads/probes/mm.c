// SPDX-License-Identifier: GPL-2.0
/* hi's own address space: mmap+touch+munmap, and mprotect (hi's mmap_lock for write). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "workloads/probes.h"

static int mmap_setup(const struct probe_env *env, void **state, char *err, size_t errlen)
{
	(void)env;
	(void)err;
	(void)errlen;
	*state = NULL;
	return 0;
}

static int mmap_sample(void *state)
{
	volatile char *p;

	(void)state;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	p[0] = 1;
	return munmap((void *)p, 4096) ? -errno : 0;
}

static void nop_teardown(void *state)
{
	(void)state;
}

const struct probe_ops probe_mmap = {
	.name = "mmap",
	.op = "mmap()+touch+munmap() of one page in hi's own mm",
	.lock = { "hi", NULL },	/* the op names it: hi's own mmap_lock, for write */
	.setup = mmap_setup,
	.sample = mmap_sample,
	.teardown = nop_teardown,
};

struct mprotect_probe {
	void *vma;
	int k;
};

static int mprotect_setup(const struct probe_env *env, void **state, char *err, size_t errlen)
{
	struct mprotect_probe *p = calloc(1, sizeof(*p));

	(void)env;
	if (!p)
		return -ENOMEM;
	p->vma = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->vma == MAP_FAILED) {
		snprintf(err, errlen, "mprotect probe: mmap failed: %s", strerror(errno));
		free(p);
		return -ENOMEM;
	}
	*state = p;
	return 0;
}

static int mprotect_sample(void *state)
{
	struct mprotect_probe *p = state;

	return mprotect(p->vma, 2 * 4096, ++p->k & 1 ? PROT_READ : PROT_READ | PROT_WRITE) ? -errno : 0;
}

static void mprotect_teardown(void *state)
{
	struct mprotect_probe *p = state;

	munmap(p->vma, 2 * 4096);
	free(p);
}

const struct probe_ops probe_mprotect = {
	.name = "mprotect",
	.op = "mprotect() of a VMA of hi's own",
	.lock = { "hi", "hi's mmap_lock for write" },
	.setup = mprotect_setup,
	.sample = mprotect_sample,
	.teardown = mprotect_teardown,
};
