// SPDX-License-Identifier: GPL-2.0
/* hi's own I/O: small random O_DIRECT reads through io_uring. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/probes.h"
#include "workloads/shared.h"

struct io_probe {
	struct io_uring ring;
	int fd;
	void *buf;
	uint64_t blocks;
	uint64_t rng;
	uint64_t next_off;
};

static int io_setup(const struct probe_env *env, void **state, char *err, size_t errlen)
{
	struct io_probe *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->fd = open(env->hi_file, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (p->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "io probe: cannot open %s with O_DIRECT: %s", env->hi_file, strerror(errno));
		free(p);
		return ret;
	}
	ret = io_uring_queue_init(4, &p->ring, 0);
	if (ret < 0) {
		snprintf(err, errlen, "io probe: io_uring_queue_init failed: %s (io_uring disabled?)",
			 strerror(-ret));
		close(p->fd);
		free(p);
		return ret;
	}
	if (posix_memalign(&p->buf, 4096, 4096)) {
		io_uring_queue_exit(&p->ring);
		close(p->fd);
		free(p);
		return -ENOMEM;
	}
	p->blocks = env->hi_file_size / 4096;
	/* thread 0 keeps the single-thread stream: same seed, same offsets as before */
	p->rng = rng_seed(env->seed, 0x10 + ((uint64_t)env->thread << 8));
	*state = p;
	return 0;
}

static void io_prepare(void *state)
{
	struct io_probe *p = state;

	p->next_off = (rng_next(&p->rng) % p->blocks) * 4096;
}

static int io_sample(void *state)
{
	struct io_probe *p = state;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&p->ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, p->fd, p->buf, 4096, p->next_off);
	ret = io_uring_submit(&p->ring);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(&p->ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res < 0 ? cqe->res : 0;
	io_uring_cqe_seen(&p->ring, cqe);
	return ret;
}

static void io_teardown(void *state)
{
	struct io_probe *p = state;

	io_uring_queue_exit(&p->ring);
	close(p->fd);
	free(p->buf);
	free(p);
}

const struct probe_ops probe_io = {
	.name = "io",
	.op = "4 KiB random O_DIRECT read of hi's own file through io_uring",
	.lock = { "none", NULL },
	.needs = (const char *const[]){ "io_uring", NULL },
	.setup = io_setup,
	.prepare = io_prepare,
	.sample = io_sample,
	.teardown = io_teardown,
};
