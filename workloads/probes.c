// SPDX-License-Identifier: GPL-2.0
#include "workloads/probes.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness/util.h"
#include "workloads/shared.h"
#include "workloads/workers.h"

/* --- /proc/<lo>/FILE readers: what ps, top and health checkers do --- */

struct proc_reader {
	char path[64];
	char *buf;
	size_t cap;
};

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

/* open + read to EOF + close: the whole of what one ps invocation does per file. */
static int proc_sample(void *state)
{
	struct proc_reader *r = state;
	ssize_t n;
	int fd;

	fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, r->buf, r->cap)) > 0)
		;
	close(fd);
	return n < 0 ? -errno : 0;
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

/* --- mmap + touch + munmap in hi's own address space --- */

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

/* --- mprotect() in hi's own address space: hi's mmap_lock for write --- */

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

static void nop_teardown(void *state)
{
	(void)state;
}

/* --- hi's own I/O: small random O_DIRECT reads through io_uring --- */

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
	p->rng = rng_seed(env->seed, 0x10);
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

const struct probe_ops probe_list[] = {
	{ "maps", "read all of /proc/<lo>/maps (mmap_read_lock_killable of lo's mm)", "lo", false,
	  setup_maps, NULL, proc_sample, proc_teardown },
	{ "smaps_rollup", "read /proc/<lo>/smaps_rollup (mmap_read_lock of lo's mm, walks every VMA)", "lo", false,
	  setup_smaps_rollup, NULL, proc_sample, proc_teardown },
	{ "cmdline", "read /proc/<lo>/cmdline (access_remote_vm under lo's mmap_lock)", "lo", false,
	  setup_cmdline, NULL, proc_sample, proc_teardown },
	{ "environ", "read /proc/<lo>/environ (access_remote_vm under lo's mmap_lock)", "lo", false,
	  setup_environ, NULL, proc_sample, proc_teardown },
	{ "status", "read /proc/<lo>/status (no mmap_lock: the noise floor)", "none", true,
	  setup_status, NULL, proc_sample, proc_teardown },
	{ "stat", "read /proc/<lo>/stat (no mmap_lock)", "none", false,
	  setup_stat, NULL, proc_sample, proc_teardown },
	{ "mmap", "mmap()+touch+munmap() of one page in hi's own mm", "hi", false,
	  mmap_setup, NULL, mmap_sample, nop_teardown },
	{ "mprotect", "mprotect() of a VMA of hi's own (hi's mmap_lock for write)", "hi", false,
	  mprotect_setup, NULL, mprotect_sample, mprotect_teardown },
	{ "io", "4 KiB random O_DIRECT read of hi's own file through io_uring", "none", false,
	  io_setup, io_prepare, io_sample, io_teardown },
};
const int probe_count = ARRAY_SIZE(probe_list);
_Static_assert(ARRAY_SIZE(probe_list) <= MAX_PROBES, "raise MAX_PROBES in shared.h");

bool probe_selected(const char *list, int idx)
{
	size_t n = strlen(probe_list[idx].name);
	const char *p = list;

	if (probe_list[idx].control)
		return true;
	while ((p = strstr(p, probe_list[idx].name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

int probe_control_index(void)
{
	int i;

	for (i = 0; i < probe_count; i++)
		if (probe_list[i].control)
			return i;
	return -1;
}

/* --- the driver loop: one thread per probe, fixed schedule --- */

struct probe_thread {
	pthread_t tid;
	const struct probe_ops *ops;
	struct probe_record *rec;
	void *state;
	uint64_t interval_ns;
	struct run_shared *sh;
	bool running;
};

/*
 * Sample k is due at t0 + k * interval.  A sample that starts late (because
 * the previous one blocked) is still charged from its due time: a stalled
 * probe cannot hide its stall by taking fewer samples (coordinated omission,
 * as in wrk2 and HdrHistogram).  Both that corrected latency and the plain
 * service time of the operation are recorded.
 */
static void *probe_fn(void *arg)
{
	struct probe_thread *pt = arg;
	struct run_shared *sh = pt->sh;
	uint64_t k;

	while (!shared_load(&sh->go) && !shared_load(&sh->stop))
		usleep(1000);
	for (k = 0; !shared_load(&sh->stop); k++) {
		uint64_t due = sh->t0_ns + k * pt->interval_ns, start, end;
		int ret;

		if (due >= sh->measure_end_ns)
			break;
		if (pt->ops->prepare)
			pt->ops->prepare(pt->state);
		start = now_ns();
		if (start < due) {
			sleep_until_ns(due);
			start = now_ns();
		} else if (start >= due + pt->interval_ns) {
			pt->rec->late += shared_in_window(sh, due);
		}
		ret = pt->ops->sample(pt->state);
		end = now_ns();
		if (!shared_in_window(sh, due))
			continue;
		if (ret) {
			/* a failed operation is not a latency: count it apart */
			if (!pt->rec->errors++)
				pt->rec->first_errno = -ret;
			continue;
		}
		hist_record(&pt->rec->corrected, end - due);
		hist_record(&pt->rec->service, end - start);
	}
	return NULL;
}

int hi_main(const struct scenario *sc, const char *hi_file, struct run_shared *sh)
{
	struct probe_thread pt[MAX_PROBES] = { 0 };
	int i;

	prctl(PR_SET_NAME, "mmstall-hi");
	/* Wake up on time: the default 50 us timer slack would blur short probes. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (i = 0; i < probe_count; i++) {
		if (!probe_selected(sc->probes, i))
			continue;
		struct probe_env env = { .lo_pid = sh->lo_pid, .hi_file = hi_file,
					 .hi_file_size = sc->hi_file_size, .seed = sc->seed, .idx = i };
		char err[200];

		hist_init(&sh->probes[i].corrected);
		hist_init(&sh->probes[i].service);
		pt[i] = (struct probe_thread){ .ops = &probe_list[i], .rec = &sh->probes[i],
					       .interval_ns = sc->probe_interval_ns, .sh = sh };
		if (probe_list[i].setup(&env, &pt[i].state, err, sizeof(err))) {
			snprintf(sh->hi_error, sizeof(sh->hi_error), "hi: probe %s: %s", probe_list[i].name, err);
			break;
		}
		if (pthread_create(&pt[i].tid, NULL, probe_fn, &pt[i])) {
			probe_list[i].teardown(pt[i].state);
			snprintf(sh->hi_error, sizeof(sh->hi_error), "hi: cannot start probe thread %s",
				 probe_list[i].name);
			break;
		}
		pt[i].running = true;
	}
	if (sh->hi_error[0])
		shared_store(&sh->stop, 1);
	shared_store(&sh->hi_ready, 1);
	for (i = 0; i < probe_count; i++) {
		if (!pt[i].running)
			continue;
		pthread_join(pt[i].tid, NULL);
		probe_list[i].teardown(pt[i].state);
	}
	return sh->hi_error[0] ? EXIT_FAIL : EXIT_OK;
}
