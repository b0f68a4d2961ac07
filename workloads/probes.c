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

/* --- the probes setting: NAME[:INTERVAL[:THREADS]],... --- */

void probe_plan_describe(char *buf, size_t len)
{
	char lo[32], hi[32];
	size_t n;
	int i;

	fmt_ns(lo, sizeof(lo), (double)PROBE_INTERVAL_MIN_NS);
	fmt_ns(hi, sizeof(hi), (double)PROBE_INTERVAL_MAX_NS);
	n = snprintf(buf, len, "NAME[:INTERVAL[:THREADS]],... with NAME one of");
	for (i = 0; i < probe_count && n < len; i++)
		n += snprintf(buf + n, len - n, " %s", probe_list[i].name);
	if (n < len)
		snprintf(buf + n, len - n, ", INTERVAL from %s to %s, THREADS from 1 to %d", lo, hi,
			 MAX_PROBE_THREADS);
}

/* One entry, tok (NUL-terminated, no comma); writes plan[] on success. */
static int parse_entry(const char *tok, uint64_t def_ns, struct probe_plan *plan, bool *listed, char *err,
		       size_t errlen)
{
	char name[SCENARIO_STR], accepted[512];
	const char *f1 = strchr(tok, ':'), *f2 = f1 ? strchr(f1 + 1, ':') : NULL;
	uint64_t interval = def_ns, threads = 1;
	int i;

	probe_plan_describe(accepted, sizeof(accepted));
	if (!*tok) {
		snprintf(err, errlen, "empty entry in --probes: expected %s", accepted);
		return -EINVAL;
	}
	if (f2 && strchr(f2 + 1, ':')) {
		snprintf(err, errlen, "--probes entry '%s' has more than three fields: expected %s", tok, accepted);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(f1 ? f1 - tok : (ptrdiff_t)strlen(tok)), tok);
	for (i = 0; i < probe_count; i++)
		if (!strcmp(probe_list[i].name, name))
			break;
	if (i == probe_count) {
		snprintf(err, errlen, "unknown probe '%s' in --probes entry '%s': expected %s", name, tok, accepted);
		return -EINVAL;
	}
	if (listed[i]) {
		snprintf(err, errlen, "probe '%s' is listed twice in --probes (entry '%s'): give each probe once, "
			 "as NAME[:INTERVAL[:THREADS]]", name, tok);
		return -EINVAL;
	}
	if (f1 && f1[1] && f1[1] != ':') {
		char val[SCENARIO_STR];
		int ret;

		snprintf(val, sizeof(val), "%.*s", (int)(f2 ? f2 - f1 - 1 : (ptrdiff_t)strlen(f1 + 1)), f1 + 1);
		ret = parse_duration_ns(val, &interval);
		if (ret || interval < PROBE_INTERVAL_MIN_NS || interval > PROBE_INTERVAL_MAX_NS) {
			char lo[32], hi[32];

			fmt_ns(lo, sizeof(lo), (double)PROBE_INTERVAL_MIN_NS);
			fmt_ns(hi, sizeof(hi), (double)PROBE_INTERVAL_MAX_NS);
			snprintf(err, errlen, "invalid interval '%s' in --probes entry '%s': expected a duration from "
				 "%s to %s (e.g. 2ms), as NAME[:INTERVAL[:THREADS]]", val, tok, lo, hi);
			return -EINVAL;
		}
	}
	if (f2 && parse_u64_range(f2 + 1, 1, MAX_PROBE_THREADS, &threads)) {
		snprintf(err, errlen, "invalid thread count '%s' in --probes entry '%s': expected a whole number "
			 "from 1 to %d, as NAME[:INTERVAL[:THREADS]]", f2 + 1, tok, MAX_PROBE_THREADS);
		return -EINVAL;
	}
	plan[i] = (struct probe_plan){ .on = true, .interval_ns = interval, .threads = (unsigned int)threads };
	listed[i] = true;
	return 0;
}

int probe_plan_parse(const char *spec, uint64_t default_interval_ns, struct probe_plan *plan, char *err,
		     size_t errlen)
{
	bool listed[MAX_PROBES] = { false };
	char buf[SCENARIO_STR];
	const char *p = spec;
	int i, ret;

	for (i = 0; i < probe_count; i++)
		plan[i] = (struct probe_plan){ .on = probe_list[i].control, .interval_ns = default_interval_ns,
					       .threads = 1 };
	if (!*spec)
		return 0;
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n >= sizeof(buf)) {
			snprintf(err, errlen, "--probes entry '%.40s...' is too long", p);
			return -EINVAL;
		}
		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		ret = parse_entry(buf, default_interval_ns, plan, listed, err, errlen);
		if (ret)
			return ret;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

bool probe_selected(const char *list, int idx)
{
	struct probe_plan plan[MAX_PROBES];
	char err[8];

	if (probe_list[idx].control)
		return true;
	return !probe_plan_parse(list, 0, plan, err, sizeof(err)) && plan[idx].on;
}

int probe_control_index(void)
{
	int i;

	for (i = 0; i < probe_count; i++)
		if (probe_list[i].control)
			return i;
	return -1;
}

/* --- the driver loop: one or more threads per probe, each on a fixed schedule --- */

struct probe_thread {
	pthread_t tid;
	const struct probe_ops *ops;
	struct probe_record *rec;	/* this thread's own: one writer per record */
	void *state;
	uint64_t interval_ns;
	uint64_t phase_ns;		/* thread j of n starts j/n of a period after t0 */
	uint32_t thread;
	struct run_shared *sh;
};

/*
 * Sample k of a thread is due at t0 + phase + k * interval.  A sample that
 * starts late (because the previous one blocked) is still charged from its
 * due time: a stalled probe cannot hide its stall by taking fewer samples
 * (coordinated omission, as in wrk2 and HdrHistogram).  Both that corrected
 * latency and the plain service time of the operation are recorded, and
 * the slowest samples keep their times; all of it after the timed section.
 */
static void *probe_fn(void *arg)
{
	struct probe_thread *pt = arg;
	struct run_shared *sh = pt->sh;
	uint64_t k;

	while (!shared_load(&sh->go) && !shared_load(&sh->stop))
		usleep(1000);
	for (k = 0; !shared_load(&sh->stop); k++) {
		uint64_t due = sh->t0_ns + pt->phase_ns + k * pt->interval_ns, start, end;
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
		slowest_add(&pt->rec->slowest, due, end - due, end - start, pt->thread);
	}
	return NULL;
}

static int start_probe_thread(struct probe_thread *pt, const struct probe_env *env, char *err, size_t errlen)
{
	const struct probe_ops *ops = pt->ops;
	char why[200];

	hist_init(&pt->rec->corrected);
	hist_init(&pt->rec->service);
	slowest_init(&pt->rec->slowest);
	if (ops->setup(env, &pt->state, why, sizeof(why))) {
		snprintf(err, errlen, "hi: probe %s (thread %u): %s", ops->name, pt->thread, why);
		return -1;
	}
	if (pthread_create(&pt->tid, NULL, probe_fn, pt)) {
		ops->teardown(pt->state);
		snprintf(err, errlen, "hi: cannot start probe thread %s (thread %u)", ops->name, pt->thread);
		return -1;
	}
	return 0;
}

/* Start every thread of every selected probe; returns how many run (an error is in sh->hi_error). */
static int start_probes(const struct scenario *sc, const char *hi_file, struct run_shared *sh,
			struct probe_thread *pt)
{
	struct probe_plan plan[MAX_PROBES];
	unsigned int t;
	int i, n = 0;

	if (probe_plan_parse(sc->probes, sc->probe_interval_ns, plan, sh->hi_error, sizeof(sh->hi_error)))
		return 0;
	for (i = 0; i < probe_count; i++) {
		for (t = 0; plan[i].on && t < plan[i].threads; t++) {
			struct probe_env env = { .lo_pid = sh->lo_pid, .hi_file = hi_file,
						 .hi_file_size = sc->hi_file_size, .seed = sc->seed, .idx = i,
						 .thread = (int)t };

			pt[n] = (struct probe_thread){ .ops = &probe_list[i], .rec = &sh->probes[i][t],
						       .interval_ns = plan[i].interval_ns,
						       .phase_ns = plan[i].interval_ns * t / plan[i].threads,
						       .thread = t, .sh = sh };
			if (start_probe_thread(&pt[n], &env, sh->hi_error, sizeof(sh->hi_error)))
				return n;
			n++;
		}
	}
	return n;
}

int hi_main(const struct scenario *sc, const char *hi_file, struct run_shared *sh)
{
	struct probe_thread pt[MAX_PROBES * MAX_PROBE_THREADS];
	int i, n;

	prctl(PR_SET_NAME, "mmstall-hi");
	/* Wake up on time: the default 50 us timer slack would blur short probes. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	n = start_probes(sc, hi_file, sh, pt);
	if (sh->hi_error[0])
		shared_store(&sh->stop, 1);
	shared_store(&sh->hi_ready, 1);
	for (i = 0; i < n; i++) {
		pthread_join(pt[i].tid, NULL);
		pt[i].ops->teardown(pt[i].state);
	}
	return sh->hi_error[0] ? EXIT_FAIL : EXIT_OK;
}
