// SPDX-License-Identifier: GPL-2.0
/* The scenario driver; see driver.h. */
#include "workloads/driver.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cg.h"
#include "cgroup/sample.h"
#include "harness/proc.h"
#include "harness/result.h"
#include "harness/util.h"
#include "workloads/datafile.h"
#include "workloads/fio.h"
#include "workloads/scenario.h"
#include "workloads/shared.h"
#include "workloads/throttle.h"
#include "workloads/workers.h"

#define CHECKPOINT_NS (10 * NSEC_PER_SEC)
#define READY_TIMEOUT_NS (60 * NSEC_PER_SEC)
#define LO_STOP_MIN_NS (100 * NSEC_PER_MSEC)	/* lo checks its stop flag between touches */
#define KILL_WAIT_NS (30 * NSEC_PER_SEC)	/* after SIGKILL: a task in D state exits when its I/O ends */
#define START_LEAD_NS (50 * NSEC_PER_MSEC)	/* 'go' to t0: every worker is waiting on its schedule */

/* Phases whose durations the result's "timings" records. */
enum phase { PH_SETUP, PH_BASELINE, PH_WARMUP, PH_WINDOW, PH_DRAIN, PH_TEARDOWN, PH_NR };
static const char *const phase_keys[PH_NR] = { "setup_s", "device_baseline_s", "warmup_s", "window_s", "drain_s",
					       "teardown_s" };

struct run_ctx {
	const struct driver_opts *o;
	const struct scenario *sc;
	struct cg_session cg;
	struct throttle_run tp;
	struct run_shared *sh;
	pid_t lo_pid, hi_pid;
	int lo_fd, hi_fd;	/* pidfds (-1: none, or a kernel without pidfd_open) */
	int hi_status;		/* hi's wait status once reaped, -1 before */
	char lo_file[PATH_MAX + 16], hi_file[PATH_MAX + 16], swap_file[PATH_MAX + 16];
	bool swap_on;
	struct cg_sample lo_start, lo_end, hi_start, hi_end;
	bool sampled_start, sampled_end;
	struct fio_run fio;	/* device baseline, background I/O */
	json_t *root;
	uint64_t next_note, next_checkpoint;
	double phase_s[PH_NR];
	bool phase_done[PH_NR];
	char *err;
	size_t errlen;
};

static double secs(uint64_t ns)
{
	return (double)(ns / NSEC_PER_MSEC) / 1e3;
}

static void phase_add(struct run_ctx *r, enum phase p, uint64_t start_ns, uint64_t end_ns)
{
	r->phase_s[p] += end_ns > start_ns ? secs(end_ns - start_ns) : 0;
	r->phase_done[p] = true;
}

/* Seconds per phase of the guest's (or host's) run; null for a phase never reached. */
static json_t *timings_json(const struct run_ctx *r)
{
	json_t *o = json_object();
	int p;

	for (p = 0; p < PH_NR; p++)
		json_object_set_new(o, phase_keys[p],
				    r->phase_done[p] ? json_real(round(r->phase_s[p] * 1e3) / 1e3) : json_null());
	return o;
}

/* ---- children: born in their group, waited on by condition ---- */

static int lo_child(void *arg)
{
	struct run_ctx *r = arg;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return lo_main(r->sc, r->lo_file, r->sh);
}

static int hi_child(void *arg)
{
	struct run_ctx *r = arg;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return hi_main(r->sc, r->hi_file, r->sh);
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Has the child exited (reaped then, *pid cleared)? */
static bool gone(pid_t *pid, int *fd, int *status)
{
	int st = -1;
	pid_t w;

	if (*pid <= 0)
		return true;
	w = waitpid(*pid, &st, WNOHANG);
	if (w == 0)
		return false;
	if (status)
		*status = w == *pid ? st : -1;
	*pid = 0;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return true;
}

/* Sleep until a child of fds exits or deadline passes (or a signal): poll on pidfds, no fixed sleep. */
static void wait_children(const int *fds, int n, uint64_t deadline_ns)
{
	struct pollfd p[2];
	uint64_t now = now_ns();
	int i, k = 0, ms;

	if (deadline_ns <= now)
		return;
	ms = (int)((deadline_ns - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
	for (i = 0; i < n && k < 2; i++)
		if (fds[i] >= 0)
			p[k++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	if (k)
		poll(p, k, ms);
	else
		usleep(ms < 5 ? ms * 1000 : 5000);	/* no pidfd_open (pre-5.3): poll waitpid */
}

/* Wait for a child to exit until deadline_ns; true when it did (reaped). */
static bool wait_exit(pid_t *pid, int *fd, uint64_t deadline_ns, int *status)
{
	while (!gone(pid, fd, status)) {
		if (now_ns() >= deadline_ns)
			return false;
		wait_children(fd, 1, deadline_ns);
	}
	return true;
}

static void kill_and_reap(pid_t *pid, int *fd)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	if (!wait_exit(pid, fd, now_ns() + KILL_WAIT_NS, NULL))
		msg_warn("pid %d did not exit within %llu s of SIGKILL", (int)*pid,
			 (unsigned long long)(KILL_WAIT_NS / NSEC_PER_SEC));
}

static int start_child(struct run_ctx *r, const struct cg_group *g, int (*fn)(void *), pid_t *pid, int *fd)
{
	pid_t p = cg_run_nowait(g->path, fn, r);

	if (p < 0) {
		snprintf(r->err, r->errlen, "cannot start a process in cgroup %s: %s", g->path, strerror((int)-p));
		return (int)p;
	}
	*pid = p;
	*fd = pidfd_of(p);
	return 0;
}

/* Wait for a flag set by a worker (a futex on the shared page); false on timeout, signal or its death. */
static bool wait_flag(struct run_ctx *r, int *flag, pid_t *pid, int *fd, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;

	while (!shared_load(flag)) {
		if (proc_stop_signal || now_ns() > deadline || gone(pid, fd, NULL))
			return false;
		/* woken at once by the flag; its death is checked every 100 ms */
		shared_wait(flag, 0, 100 * NSEC_PER_MSEC);
	}
	(void)r;
	return true;
}

/* ---- the result's measured sections ---- */

/* The K slowest samples of a probe, by due time: seconds into the measured window, latencies, thread. */
static json_t *slowest_json(const struct run_ctx *r, struct slowest *sl)
{
	json_t *a = json_array();
	uint32_t k;

	slowest_sort_by_time(sl);
	for (k = 0; k < sl->n; k++) {
		const struct slow_sample *x = &sl->s[k];
		/* to the microsecond: a timeline needs no more, and the file stays short */
		uint64_t us = x->due_ns >= r->sh->measure_start_ns ? (x->due_ns - r->sh->measure_start_ns) / 1000 : 0;

		json_array_append_new(a, json_pack("{s:f,s:I,s:I,s:i}", "t_s", (double)us / 1e6, "corrected_ns",
						   (json_int_t)x->corrected_ns, "service_ns",
						   (json_int_t)x->service_ns, "thread", (int)x->thread));
	}
	return a;
}

static json_t *probe_json(const struct run_ctx *r, int i, struct probe_record *rec, const struct probe_plan *plan,
			  uint64_t ctl_p99)
{
	const struct probe_ops *ops = probe_list[i];
	uint64_t p99 = hist_percentile(&rec->corrected, 99.0);
	bool ratio_ok = ctl_p99 && rec->corrected.count >= hist_samples_needed(99.0);
	struct probe_lock lock = probe_lock_on(ops, &r->o->kernel);
	json_t *p = json_object();
	char what[512];

	probe_what(ops, &r->o->kernel, what, sizeof(what));
	json_object_set_new(p, "what", json_string(what));
	json_object_set_new(p, "mmap_lock_of", json_string(lock.of));
	json_object_set_new(p, "control", json_boolean(ops->control));
	json_object_set_new(p, "interval_ns", json_integer((json_int_t)plan->interval_ns));
	json_object_set_new(p, "threads", json_integer((json_int_t)plan->threads));
	json_object_set_new(p, "errors", json_integer((json_int_t)rec->errors));
	json_object_set_new(p, "first_error", rec->errors ? json_string(strerror(rec->first_errno)) : json_null());
	json_object_set_new(p, "late_samples", json_integer((json_int_t)rec->late));
	json_object_set_new(p, "censored",
			    json_pack("{s:I,s:o}", "count", (json_int_t)rec->censored, "min_ns",
				      rec->censored ? json_integer((json_int_t)rec->censored_min_ns) : json_null()));
	json_object_set_new(p, "p99_ratio_to_control", ratio_ok ? json_real((double)p99 / (double)ctl_p99) : json_null());
	json_object_set_new(p, "corrected", hist_to_json(&rec->corrected));
	json_object_set_new(p, "service", hist_to_json(&rec->service));
	json_object_set_new(p, "slowest", slowest_json(r, &rec->slowest));
	return p;
}

/* Each probe's threads merged into one record per probe. */
static json_t *probes_json(const struct run_ctx *r)
{
	int ctl = probe_control_index(), i;
	struct probe_plan plan[MAX_PROBES];
	struct probe_record *rec;
	uint64_t ctl_p99 = 0;
	json_t *o = json_object();
	char err[512];
	unsigned int t;

	if (probe_plan_parse(r->sc->probes, r->sc->probe_interval_ns, plan, err, sizeof(err)))
		return o;	/* cannot happen: the settings were validated */
	rec = xcalloc(probe_count, sizeof(*rec));
	for (i = 0; i < probe_count; i++) {
		hist_init(&rec[i].corrected);
		hist_init(&rec[i].service);
		for (t = 0; plan[i].on && t < plan[i].threads; t++)
			probe_record_merge(&rec[i], &r->sh->probes[i][t]);
	}
	if (ctl >= 0 && rec[ctl].corrected.count >= hist_samples_needed(99.0))
		ctl_p99 = hist_percentile(&rec[ctl].corrected, 99.0);
	for (i = 0; i < probe_count; i++)
		if (plan[i].on)
			json_object_set_new(o, probe_list[i]->name, probe_json(r, i, &rec[i], &plan[i], ctl_p99));
	free(rec);
	return o;
}

static json_t *lo_json(const struct run_ctx *r)
{
	const struct scenario *sc = r->sc;
	const struct run_shared *sh = r->sh;
	uint64_t touches = 0, ops = 0, i;
	struct hist faults, writers;

	hist_init(&faults);
	hist_init(&writers);
	for (i = 0; i < sc->faulters && sc->fault_mode != FAULT_NONE; i++) {
		hist_merge(&faults, &sh->faults[i]);
		touches += sh->touches[i];
	}
	for (i = 0; i < sc->writers && sc->writer != WRITER_NONE; i++) {
		hist_merge(&writers, &sh->writer[i]);
		ops += sh->writer_ops[i];
	}
	return json_pack("{s:s,s:I,s:o,s:s,s:I,s:o,s:I,s:o}", "fault_mode", fault_mode_names[sc->fault_mode],
			 "touches", (json_int_t)touches, "touch", hist_to_json(&faults), "writer",
			 writer_names[sc->writer], "writer_ops", (json_int_t)ops, "writer_op", hist_to_json(&writers),
			 "writer_errors", (json_int_t)sh->writer_errors, "writer_first_error",
			 sh->writer_errors ? json_string(strerror(sh->writer_first_errno)) : json_null());
}

static json_t *cgroups_json(const struct run_ctx *r)
{
	json_t *o = json_object(), *lo, *hi;

	if (!r->sampled_start || !r->sampled_end)
		return o;
	lo = cg_sample_delta_json(&r->lo_start, &r->lo_end, r->tp.device);
	hi = cg_sample_delta_json(&r->hi_start, &r->hi_end, r->tp.device);
	json_object_set_new(lo, "path", json_string(r->cg.lo.path));
	json_object_set_new(lo, "memory_max_bytes", json_integer((json_int_t)r->sc->lo_memory_max));
	json_object_set_new(hi, "path", json_string(r->cg.hi.path));
	json_object_set_new(o, "lo", lo);
	json_object_set_new(o, "hi", hi);
	return o;
}

/* Fill the measured sections; callable mid-run for a checkpoint. */
static void fill_measurements(struct run_ctx *r)
{
	json_object_set_new(r->root, "probes", probes_json(r));
	json_object_set_new(r->root, "lo", lo_json(r));
	json_object_set_new(r->root, "cgroups", cgroups_json(r));
	json_object_set_new(r->root, "fio", fio_run_json(&r->fio));
	json_object_set_new(r->root, "timings", timings_json(r));
}

static int save(struct run_ctx *r, char *err, size_t errlen)
{
	int ret = result_save(r->o->output, r->root);

	if (ret)
		snprintf(err, errlen, "cannot write result %s: %s%s", r->o->output, strerror(-ret),
			 ret == -ENOSPC ? " (disk full: nothing was written, the old file is intact)" : "");
	return ret;
}

/* ---- the phases ---- */

int driver_preflight(const struct scenario *sc, char *mount, size_t mlen, char *err, size_t errlen)
{
	char fio[PATH_MAX];
	int ret;

	if (geteuid() != 0) {
		snprintf(err, errlen, "mmstall run needs root: it creates cgroups, sets I/O throttles and drops page "
			 "cache (run it with sudo, or use 'mmstall vm' to run in a guest)");
		return -EPERM;
	}
	if (cg_find_mount(mount, mlen)) {
		snprintf(err, errlen, "no cgroup2 file system is mounted (see /proc/self/mountinfo); mount one with "
			 "'mount -t cgroup2 none /sys/fs/cgroup', or use 'mmstall vm'");
		return -ENODEV;
	}
	ret = cg_check_controllers(mount, throttle_controllers(sc), err, errlen);
	if (ret)
		return ret;
	if (fio_required(sc) && fio_find(fio, sizeof(fio))) {
		snprintf(err, errlen, "fio not found in PATH, but the scenario needs it (%s%s%s%s%s): install it "
			 "(apt-get install fio), or set device-baseline=off and no fio-lo/fio-hi",
			 sc->fio_lo[0] ? "fio-lo " : "", sc->fio_lo, sc->fio_hi[0] ? " fio-hi " : "", sc->fio_hi,
			 sc->device_baseline == BASELINE_ON ? " device-baseline on" : "");
		return -ENOENT;
	}
	return 0;
}

static int setup(struct run_ctx *r)
{
	const struct driver_opts *o = r->o;
	const struct scenario *sc = r->sc;
	char val[32];
	int ret;

	ret = mkdir_p(o->data_dir, 0755);
	if (ret) {
		snprintf(r->err, r->errlen, "cannot create data directory %s: %s", o->data_dir, strerror(-ret));
		return ret;
	}
	ret = throttle_run_init(&r->tp, sc, o->data_dir, r->err, r->errlen);
	if (ret)
		return ret;
	snprintf(r->lo_file, sizeof(r->lo_file), "%s/lo.dat", o->data_dir);
	snprintf(r->hi_file, sizeof(r->hi_file), "%s/hi.dat", o->data_dir);
	snprintf(r->swap_file, sizeof(r->swap_file), "%s/swap.img", o->data_dir);
	if ((ret = datafile_ensure(r->lo_file, sc->file_size, sc->seed, r->err, r->errlen)) ||
	    (ret = datafile_ensure(r->hi_file, sc->hi_file_size, sc->seed + 1, r->err, r->errlen)))
		return ret;
	datafile_evict(r->lo_file);
	datafile_evict(r->hi_file);
	if (sc->swap_size) {
		ret = swapfile_on(r->swap_file, sc->swap_size, r->err, r->errlen);
		if (ret)
			return ret;
		r->swap_on = true;
	}
	cg_reap_stale(o->cgroup_mount);
	cg_session_init(&r->cg, o->cgroup_mount);
	snprintf(val, sizeof(val), "%" PRIu64, sc->lo_memory_max);
	cg_group_set(&r->cg.lo, "memory", "memory.max", val);
	if (sc->lo_memory_high) {
		snprintf(val, sizeof(val), "%" PRIu64, sc->lo_memory_high);
		cg_group_set(&r->cg.lo, "memory", "memory.high", val);
	}
	return cg_session_create(&r->cg, throttle_controllers(sc), r->err, r->errlen);
}

/* Before lo and hi start: the device's read latency with nothing else running. */
static int run_baseline(struct run_ctx *r)
{
	uint64_t t = now_ns();
	int ret = fio_run_baseline(&r->fio, &proc_stop_signal, r->err, r->errlen);

	phase_add(r, PH_BASELINE, t, now_ns());
	return ret;
}

/* After lo has filled its memory: a throttle would make the fill crawl. */
static int apply_throttle(struct run_ctx *r)
{
	int ret = throttle_apply(r->sc, &r->cg, &r->tp, r->err, r->errlen);

	if (!ret)
		msg_info("cgroups %s/{lo,hi}; throttle %s %s", r->cg.subtree_path, r->tp.kind->name,
			 r->tp.group ? r->tp.value : "");
	return ret;
}

static int start_workers(struct run_ctx *r)
{
	struct run_shared *sh;
	int ret;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		snprintf(r->err, r->errlen, "cannot map the %zu bytes shared with the workers: %s", sizeof(*sh),
			 strerror(errno));
		return -ENOMEM;
	}
	r->sh = sh;
	ret = start_child(r, &r->cg.lo, lo_child, &r->lo_pid, &r->lo_fd);
	if (ret)
		return ret;
	sh->lo_pid = r->lo_pid;
	if (!wait_flag(r, &sh->lo_ready, &r->lo_pid, &r->lo_fd, READY_TIMEOUT_NS) || sh->lo_error[0]) {
		if (proc_stop_signal)
			return -EINTR;
		snprintf(r->err, r->errlen, "the low-priority workload did not start: %s",
			 sh->lo_error[0] ? sh->lo_error : "no answer");
		return -ECHILD;
	}
	ret = apply_throttle(r);
	if (ret)
		return ret;
	ret = start_child(r, &r->cg.hi, hi_child, &r->hi_pid, &r->hi_fd);
	if (ret)
		return ret;
	if (!wait_flag(r, &sh->hi_ready, &r->hi_pid, &r->hi_fd, READY_TIMEOUT_NS) || sh->hi_error[0]) {
		if (proc_stop_signal)
			return -EINTR;
		snprintf(r->err, r->errlen, "the probes did not start: %s", sh->hi_error[0] ? sh->hi_error : "no answer");
		return -ECHILD;
	}
	return 0;
}

/*
 * After lo and hi are ready, before the warm-up: the warm-up absorbs fio's
 * start-up, and fio runs until just after the measurement (measure() starts
 * START_LEAD_NS from now).
 */
static int start_fio(struct run_ctx *r)
{
	uint64_t runtime = START_LEAD_NS + r->sc->warmup_ns + r->sc->duration_ns;
	int ret = fio_run_start(&r->fio, FIO_LO, runtime, r->cg.lo.path, r->err, r->errlen);

	if (!ret)
		ret = fio_run_start(&r->fio, FIO_HI, runtime, r->cg.hi.path, r->err, r->errlen);
	return ret;
}

static void progress(struct run_ctx *r, uint64_t now)
{
	struct run_shared *sh = r->sh;
	const char *phase = now < sh->measure_start_ns ? "warm-up" : "measuring";
	uint64_t total = sh->measure_end_ns - sh->t0_ns;
	uint64_t elapsed = now > sh->t0_ns ? now - sh->t0_ns : 0;
	int ctl = probe_control_index();
	uint64_t touches = 0, i;

	for (i = 0; i < r->sc->faulters && i < MAX_FAULTERS; i++)
		touches += sh->touches[i];
	msg_info("%s: %" PRIu64 "/%" PRIu64 " s, %s samples %" PRIu64 ", lo page touches so far %" PRIu64, phase,
		 (uint64_t)(elapsed / NSEC_PER_SEC), (uint64_t)(total / NSEC_PER_SEC), probe_list[ctl]->name,
		 sh->probes[ctl][0].corrected.count, touches);
}

/* hi ended with an error or a signal: what it said, or how it ended. */
static int probes_died(struct run_ctx *r)
{
	int st = r->hi_status;

	if (r->sh->hi_error[0])
		snprintf(r->err, r->errlen, "%s", r->sh->hi_error);
	else if (st > 0 && WIFSIGNALED(st))
		snprintf(r->err, r->errlen, "the probes (hi) were killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(r->err, r->errlen, "the probes (hi) exited with status %d", st > 0 ? WEXITSTATUS(st) : -1);
	return -ECHILD;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * Sleep until t, woken by a signal or a worker's death (pidfds), and for
 * progress lines, checkpoints and a look at the background fio jobs.
 */
static int wait_until(struct run_ctx *r, uint64_t t)
{
	char err[2048];
	uint64_t now;

	while ((now = now_ns()) < t) {
		int fds[2] = { r->lo_fd, r->hi_fd };
		uint64_t wake = min_u64(t, min_u64(r->next_note, r->next_checkpoint));

		if (proc_stop_signal)
			return -EINTR;
		/* hi ends by itself at most one probe period before the end: reap it, or its pidfd stays ready */
		if (r->hi_pid > 0 && gone(&r->hi_pid, &r->hi_fd, &r->hi_status) && r->hi_status)
			return probes_died(r);
		if (shared_load(&r->sh->stop) || gone(&r->lo_pid, &r->lo_fd, NULL)) {
			snprintf(r->err, r->errlen, "%s", r->sh->lo_error[0] ? r->sh->lo_error
					 : "the low-priority workload died before the end of the run");
			return -ECHILD;
		}
		if (fio_run_check(&r->fio, err, sizeof(err))) {
			/* the load asked for is gone: what follows would not measure it */
			snprintf(r->err, r->errlen, "%s", err);
			return -EIO;
		}
		if (now >= r->next_note) {
			if (r->next_note)
				progress(r, now);
			r->next_note = now + 5 * NSEC_PER_SEC;
		}
		if (now >= r->next_checkpoint) {
			/* a crash mid-run still leaves a "running" result with data so far */
			if (r->next_checkpoint) {
				fill_measurements(r);
				save(r, err, sizeof(err));
			}
			r->next_checkpoint = now + CHECKPOINT_NS;
		}
		/* background fio has no pidfd here: look at it every 100 ms while it runs */
		if (r->fio.bg[FIO_LO].pid > 0 || r->fio.bg[FIO_HI].pid > 0)
			wake = min_u64(wake, now + 100 * NSEC_PER_MSEC);
		wait_children(fds, 2, wake);
	}
	return 0;
}

/*
 * The end of the window: background fio stops, the probes finish their
 * last samples by themselves or are killed DRIVER_DRAIN_GRACE_NS after the
 * end, their unfinished samples censored; then lo is told to stop.
 */
static int drain(struct run_ctx *r)
{
	struct run_shared *sh = r->sh;
	uint64_t t = now_ns(), censored, stop;

	fio_run_stop(&r->fio, &proc_stop_signal);
	if (!wait_exit(&r->hi_pid, &r->hi_fd, sh->measure_end_ns + DRIVER_DRAIN_GRACE_NS, &r->hi_status)) {
		stop = now_ns();
		kill_and_reap(&r->hi_pid, &r->hi_fd);
		censored = probes_censor(r->sc, sh, stop);
		msg_warn("probes did not finish within %.1f s of the end; killed, %" PRIu64 " unfinished sample%s "
			 "counted as censored (with the time they had waited)",
			 (double)DRIVER_DRAIN_GRACE_NS / 1e9, censored, censored == 1 ? "" : "s");
	} else if (r->hi_status) {
		return probes_died(r);
	}
	/* lo shares the same grace (a faulter stuck under the throttle does not see the flag) */
	shared_store(&sh->stop, 1);
	if (!wait_exit(&r->lo_pid, &r->lo_fd, max_u64(now_ns() + LO_STOP_MIN_NS, sh->measure_end_ns + DRIVER_DRAIN_GRACE_NS),
		       NULL))
		kill_and_reap(&r->lo_pid, &r->lo_fd);
	phase_add(r, PH_DRAIN, t > sh->measure_end_ns ? sh->measure_end_ns : t, now_ns());
	return proc_stop_signal ? -EINTR : 0;
}

static int measure(struct run_ctx *r)
{
	const struct scenario *sc = r->sc;
	struct run_shared *sh = r->sh;
	int ret;

	sh->t0_ns = now_ns() + START_LEAD_NS;
	sh->measure_start_ns = sh->t0_ns + sc->warmup_ns;
	sh->measure_end_ns = sh->measure_start_ns + sc->duration_ns;
	shared_store(&sh->go, 1);
	msg_info(RUN_MEASURE_START_MARK " warm-up %.1f s, then measuring %.1f s", sc->warmup_ns / 1e9,
		 sc->duration_ns / 1e9);

	ret = wait_until(r, sh->measure_start_ns);
	phase_add(r, PH_WARMUP, sh->t0_ns, now_ns());
	if (ret)
		return ret;
	cg_sample_take(r->cg.lo.path, &r->lo_start);
	cg_sample_take(r->cg.hi.path, &r->hi_start);
	r->sampled_start = true;
	ret = wait_until(r, sh->measure_end_ns);
	phase_add(r, PH_WINDOW, sh->measure_start_ns, now_ns());
	if (ret)
		return ret;
	cg_sample_take(r->cg.lo.path, &r->lo_end);
	cg_sample_take(r->cg.hi.path, &r->hi_end);
	r->sampled_end = true;
	return drain(r);
}

static void teardown(struct run_ctx *r)
{
	uint64_t t = now_ns();

	if (r->sh)
		shared_store(&r->sh->stop, 1);
	if (r->hi_pid > 0)
		kill(r->hi_pid, SIGKILL);
	if (r->lo_pid > 0)
		kill(r->lo_pid, SIGKILL);
	/* throttle off first: a killed O_DIRECT job must drain its I/O before it exits */
	if (!r->o->disposable)
		throttle_lift(r->sc, &r->cg, &r->tp);
	fio_run_end(&r->fio);
	kill_and_reap(&r->hi_pid, &r->hi_fd);
	kill_and_reap(&r->lo_pid, &r->lo_fd);
	if (!r->o->disposable)
		cg_session_destroy(&r->cg);
	if (r->swap_on && !r->o->disposable)
		swapfile_off(r->swap_file);
	r->swap_on = false;
	cg_sample_free(&r->lo_start);
	cg_sample_free(&r->lo_end);
	cg_sample_free(&r->hi_start);
	cg_sample_free(&r->hi_end);
	phase_add(r, PH_TEARDOWN, t, now_ns());
}

static int run_steps(struct run_ctx *r)
{
	char lo_path[PATH_MAX + 16];
	uint64_t t = now_ns();
	int ret;

	snprintf(lo_path, sizeof(lo_path), "%s/lo.dat", r->o->data_dir);
	ret = fio_run_init(&r->fio, r->sc, r->o->data_dir, lo_path, r->err, r->errlen);
	if (!ret)
		ret = setup(r);
	phase_add(r, PH_SETUP, t, now_ns());
	if (!ret)
		ret = save(r, r->err, r->errlen);
	if (!ret)
		ret = run_baseline(r);
	t = now_ns();
	if (!ret)
		ret = start_workers(r);
	json_object_set_new(r->root, "throttle", throttle_to_json(&r->tp));
	if (!ret)
		ret = start_fio(r);
	/* lo, the throttle, hi and the background jobs are setup too: all but the measurement */
	phase_add(r, PH_SETUP, t, now_ns() + START_LEAD_NS);
	if (!ret)
		ret = measure(r);
	return ret;
}

int driver_run(const struct driver_opts *o, json_t *root, char *err, size_t errlen)
{
	struct run_ctx r = { .o = o, .sc = o->sc, .root = root, .lo_fd = -1, .hi_fd = -1, .hi_status = -1,
			     .err = err, .errlen = errlen };
	char saveerr[1024];
	int ret;

	err[0] = '\0';
	json_object_set_new(root, "scenario", scenario_to_json(o->sc));
	json_object_set_new(root, "histogram",
			    json_pack("{s:s,s:s,s:i,s:f}", "type", "log-linear", "unit", "ns", "sub_bucket_bits",
				      HIST_BITS, "relative_error_bound", HIST_REL_ERROR));
	ret = run_steps(&r);
	if (ret == -EINTR || (ret && proc_stop_signal))
		snprintf(err, errlen, "interrupted by signal %d (%s)", (int)proc_stop_signal,
			 strsignal(proc_stop_signal));
	else if (ret && r.sh && (r.sh->lo_error[0] || r.sh->hi_error[0]))
		snprintf(err, errlen, "%s", r.sh->lo_error[0] ? r.sh->lo_error : r.sh->hi_error);
	else if (ret && !err[0])
		snprintf(err, errlen, "%s", strerror(-ret));
	if (r.sh)
		fill_measurements(&r);
	teardown(&r);
	json_object_set_new(root, "fio", fio_run_json(&r.fio));
	json_object_set_new(root, "timings", timings_json(&r));
	result_finish(root, ret ? "failed" : "ok", ret ? err : NULL);
	if (save(&r, saveerr, sizeof(saveerr)) && !ret) {
		snprintf(err, errlen, "%s", saveerr);
		ret = -EIO;
	}
	if (r.sh)
		munmap(r.sh, sizeof(*r.sh));
	fio_run_free(&r.fio);
	if (!ret && proc_stop_signal)
		ret = -EINTR;
	return ret;
}
