// SPDX-License-Identifier: GPL-2.0
/* The scenario driver; see driver.h. */
#include "workloads/driver.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
#include "workloads/tracefs.h"
#include "workloads/workers.h"

#define CHECKPOINT_NS (10 * NSEC_PER_SEC)
#define READY_TIMEOUT_NS (60 * NSEC_PER_SEC)
#define LO_STOP_MIN_NS (100 * NSEC_PER_MSEC)	/* lo checks its stop flag between touches */
#define KILL_WAIT_NS (30 * NSEC_PER_SEC)	/* after SIGKILL: a task in D state exits when its I/O ends */
#define START_LEAD_NS (50 * NSEC_PER_MSEC)	/* 'go' to t0: every worker is waiting on its schedule */

struct run_ctx {
	const struct driver_opts *o;
	const struct scenario *sc;
	struct cg_session cg;
	struct throttle_run tp;
	struct run_shared *sh;
	struct proc_kid lo, hi;	/* hi.status: its wait status once reaped, -1 before */
	char lo_file[PATH_MAX + 16], hi_file[PATH_MAX + 16], swap_file[PATH_MAX + 16];
	bool swap_on;
	struct cg_sample lo_start, lo_end, hi_start, hi_end;
	bool sampled_start, sampled_end;
	struct fio_run fio;	/* device baseline, background I/O */
	struct attrib_collect *ac;	/* stall attribution (attribute on) */
	json_t *root;
	uint64_t next_note, next_checkpoint;
	struct result_timings timings;	/* seconds per phase */
	char *err;
	size_t errlen;
};

static double secs(uint64_t ns)
{
	return (double)(ns / NSEC_PER_MSEC) / 1e3;
}

/* A phase of the run took [start_ns, end_ns] (a phase never reached stays null in the result). */
static void phase_add(struct run_ctx *r, enum result_phase p, uint64_t start_ns, uint64_t end_ns)
{
	r->timings.s[p] += end_ns > start_ns ? secs(end_ns - start_ns) : 0;
	r->timings.known[p] = true;
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

/* SIGKILL and reap; a child that outlives KILL_WAIT_NS is left (and said so). */
static void kill_and_reap(struct proc_kid *k)
{
	pid_t pid = k->pid;

	if (!proc_kid_kill(k, false, KILL_WAIT_NS))
		msg_warn("pid %d did not exit within %llu s of SIGKILL", (int)pid,
			 (unsigned long long)(KILL_WAIT_NS / NSEC_PER_SEC));
}

static int start_child(struct run_ctx *r, const struct cg_group *g, int (*fn)(void *), struct proc_kid *k)
{
	pid_t p = cg_run_nowait(g->path, fn, r);

	if (p < 0) {
		snprintf(r->err, r->errlen, "cannot start a process in cgroup %s: %s", g->path, strerror((int)-p));
		return (int)p;
	}
	proc_kid_set(k, p);
	return 0;
}

/* Wait for a flag set by a worker (a futex on the shared page); false on timeout, signal or its death. */
static bool wait_flag(struct run_ctx *r, int *flag, struct proc_kid *k, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;

	while (!shared_load(flag)) {
		if (proc_stop_signal || now_ns() > deadline || proc_kid_gone(k))
			return false;
		/* woken at once by the flag; its death is checked every 100 ms */
		shared_wait(flag, 0, 100 * NSEC_PER_MSEC);
	}
	(void)r;
	return true;
}

/* ---- the result's measured sections ---- */

/* Each probe's threads merged into one record per probe, in the probe table's order. */
static void record_probes(struct run_ctx *r)
{
	struct result_probe_in in[MAX_PROBES];
	struct probe_plan plan[MAX_PROBES];
	struct probe_record *rec;
	char err[512], what[MAX_PROBES][512], first_error[MAX_PROBES][128];
	size_t n = 0;
	unsigned int t;
	int i;

	/* a failure cannot happen (the settings were validated): no probes then */
	if (probe_plan_parse(r->sc->probes, r->sc->probe_interval_ns, plan, err, sizeof(err)))
		memset(plan, 0, sizeof(plan));
	rec = xcalloc(probe_count, sizeof(*rec));
	for (i = 0; i < probe_count; i++) {
		const struct probe_ops *ops = probe_list[i];

		if (!plan[i].on)
			continue;
		hist_init(&rec[i].corrected);
		hist_init(&rec[i].service);
		for (t = 0; t < plan[i].threads; t++)
			probe_record_merge(&rec[i], &r->sh->probes[i][t]);
		probe_what(ops, &r->o->kernel, what[n], sizeof(what[n]));
		/* a copy each: strerror() may reuse its buffer */
		snprintf(first_error[n], sizeof(first_error[n]), "%s", strerror(rec[i].first_errno));
		in[n] = (struct result_probe_in){
			.name = ops->name,
			.what = what[n],
			.mmap_lock_of = probe_lock_on(ops, &r->o->kernel).of,
			.control = ops->control,
			.interval_ns = plan[i].interval_ns,
			.threads = plan[i].threads,
			.errors = rec[i].errors,
			.first_error = rec[i].errors ? first_error[n] : NULL,
			.late_samples = rec[i].late,
			.censored = rec[i].censored,
			.censored_min_ns = rec[i].censored_min_ns,
			.corrected = &rec[i].corrected,
			.service = &rec[i].service,
			.slowest = &rec[i].slowest,
		};
		n++;
	}
	result_set_probes(r->root, in, n, r->sh->measure_start_ns);
	free(rec);
}

static void record_lo(struct run_ctx *r)
{
	const struct scenario *sc = r->sc;
	const struct run_shared *sh = r->sh;
	struct hist *faults = xmalloc(sizeof(*faults)), *writers = xmalloc(sizeof(*writers));
	struct result_lo_in lo = {
		.fault_mode = fault_mode_names[sc->fault_mode],
		.writer = writer_names[sc->writer],
		.touch = faults,
		.writer_op = writers,
		.writer_errors = sh->writer_errors,
		.writer_first_error = sh->writer_errors ? strerror(sh->writer_first_errno) : NULL,
	};
	uint64_t i;

	hist_init(faults);
	hist_init(writers);
	for (i = 0; i < sc->faulters && sc->fault_mode != FAULT_NONE; i++) {
		hist_merge(faults, &sh->faults[i]);
		lo.touches += sh->touches[i];
	}
	for (i = 0; i < sc->writers && sc->writer != WRITER_NONE; i++) {
		hist_merge(writers, &sh->writer[i]);
		lo.writer_ops += sh->writer_ops[i];
	}
	result_set_lo(r->root, &lo);
	free(faults);
	free(writers);
}

/* lo's and hi's stats over the window; {} when the window was never sampled. */
static void record_cgroups(struct run_ctx *r)
{
	struct result_cgroup lo, hi;

	if (!r->sampled_start || !r->sampled_end) {
		result_set_cgroups(r->root, NULL, NULL);
		return;
	}
	cg_sample_delta(&r->lo_start, &r->lo_end, r->tp.device, &lo);
	cg_sample_delta(&r->hi_start, &r->hi_end, r->tp.device, &hi);
	lo.path = r->cg.lo.path;
	lo.has_memory_max = true;
	lo.memory_max_bytes = r->sc->lo_memory_max;
	hi.path = r->cg.hi.path;
	result_set_cgroups(r->root, &lo, &hi);
	cg_delta_free(&lo);
	cg_delta_free(&hi);
}

static void record_fio(struct run_ctx *r)
{
	struct result_fio f;

	fio_run_result(&r->fio, &f);
	result_set_fio(r->root, &f);
}

static void record_throttle(struct run_ctx *r)
{
	struct result_throttle t;

	throttle_result(&r->tp, &t);
	result_set_throttle(r->root, &t);
}

/* Fill the measured sections; callable mid-run for a checkpoint. */
static void fill_measurements(struct run_ctx *r)
{
	record_probes(r);
	record_lo(r);
	record_cgroups(r);
	record_fio(r);
	result_set_timings(r->root, &r->timings);
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

	phase_add(r, RESULT_PH_BASELINE, t, now_ns());
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
	ret = start_child(r, &r->cg.lo, lo_child, &r->lo);
	if (ret)
		return ret;
	sh->lo_pid = r->lo.pid;
	if (!wait_flag(r, &sh->lo_ready, &r->lo, READY_TIMEOUT_NS) || sh->lo_error[0]) {
		if (proc_stop_signal)
			return -EINTR;
		snprintf(r->err, r->errlen, "the low-priority workload did not start: %s",
			 sh->lo_error[0] ? sh->lo_error : "no answer");
		return -ECHILD;
	}
	ret = apply_throttle(r);
	if (ret)
		return ret;
	ret = start_child(r, &r->cg.hi, hi_child, &r->hi);
	if (ret)
		return ret;
	if (!wait_flag(r, &sh->hi_ready, &r->hi, READY_TIMEOUT_NS) || sh->hi_error[0]) {
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
	int st = r->hi.status;

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
		struct proc_kid *kids[2] = { &r->lo, &r->hi };
		uint64_t wake = min_u64(t, min_u64(r->next_note, r->next_checkpoint));

		if (proc_stop_signal)
			return -EINTR;
		/* hi ends by itself at most one probe period before the end: reap it, or its pidfd stays ready */
		if (r->hi.pid > 0 && proc_kid_gone(&r->hi) && r->hi.status)
			return probes_died(r);
		if (shared_load(&r->sh->stop) || proc_kid_gone(&r->lo)) {
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
		if (r->fio.bg[FIO_LO].kid.pid > 0 || r->fio.bg[FIO_HI].kid.pid > 0)
			wake = min_u64(wake, now + 100 * NSEC_PER_MSEC);
		proc_kid_pause(kids, 2, wake);
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
	if (!proc_kid_reap(&r->hi, sh->measure_end_ns + DRIVER_DRAIN_GRACE_NS)) {
		stop = now_ns();
		kill_and_reap(&r->hi);
		censored = probes_censor(r->sc, sh, stop);
		msg_warn("probes did not finish within %.1f s of the end; killed, %" PRIu64 " unfinished sample%s "
			 "counted as censored (with the time they had waited)",
			 (double)DRIVER_DRAIN_GRACE_NS / 1e9, censored, censored == 1 ? "" : "s");
	} else if (r->hi.status) {
		return probes_died(r);
	}
	/* lo shares the same grace (a faulter stuck under the throttle does not see the flag) */
	shared_store(&sh->stop, 1);
	if (!proc_kid_reap(&r->lo, max_u64(now_ns() + LO_STOP_MIN_NS, sh->measure_end_ns + DRIVER_DRAIN_GRACE_NS)))
		kill_and_reap(&r->lo);
	phase_add(r, RESULT_PH_DRAIN, t > sh->measure_end_ns ? sh->measure_end_ns : t, now_ns());
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
	phase_add(r, RESULT_PH_WARMUP, sh->t0_ns, now_ns());
	if (ret)
		return ret;
	cg_sample_take(r->cg.lo.path, &r->lo_start);
	cg_sample_take(r->cg.hi.path, &r->hi_start);
	r->sampled_start = true;
	ret = wait_until(r, sh->measure_end_ns);
	phase_add(r, RESULT_PH_WINDOW, sh->measure_start_ns, now_ns());
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
	if (r->hi.pid > 0)
		kill(r->hi.pid, SIGKILL);
	if (r->lo.pid > 0)
		kill(r->lo.pid, SIGKILL);
	/* throttle off first: a killed O_DIRECT job must drain its I/O before it exits */
	if (!r->o->disposable)
		throttle_lift(r->sc, &r->cg, &r->tp);
	fio_run_end(&r->fio);
	kill_and_reap(&r->hi);
	kill_and_reap(&r->lo);
	if (!r->o->disposable)
		cg_session_destroy(&r->cg);
	if (r->swap_on && !r->o->disposable)
		swapfile_off(r->swap_file);
	r->swap_on = false;
	attrib_collect_free(r->ac);
	r->ac = NULL;
	cg_sample_free(&r->lo_start);
	cg_sample_free(&r->lo_end);
	cg_sample_free(&r->hi_start);
	cg_sample_free(&r->hi_end);
	phase_add(r, RESULT_PH_TEARDOWN, t, now_ns());
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
	/*
	 * Attribution's events are enabled now, on a quiet machine, recording
	 * off: enabling a tracepoint patches kernel text, which under TCG can
	 * crash a vCPU running that code (workloads/tracefs.h).
	 */
	if (!ret && r->sc->attribute) {
		struct attrib_collect_opts ao = {
			.lo_cgroup = r->cg.lo.path, .cgroup_mount = r->cg.mount,
			.traced_ns = r->sc->warmup_ns + r->sc->duration_ns + DRIVER_DRAIN_GRACE_NS + NSEC_PER_SEC,
			.min_ns = r->sc->attribute_min_ns, .disposable = r->o->disposable,
		};

		ret = attrib_collect_prepare(&r->ac, &ao, r->err, r->errlen);
	}
	phase_add(r, RESULT_PH_SETUP, t, now_ns());
	if (!ret)
		ret = save(r, r->err, r->errlen);
	if (!ret)
		ret = run_baseline(r);
	t = now_ns();
	if (!ret)
		ret = start_workers(r);
	if (!ret && r->ac)
		ret = attrib_collect_start(r->ac, r->lo.pid, r->hi.pid);
	record_throttle(r);
	if (!ret)
		ret = start_fio(r);
	/* lo, the throttle, hi and the background jobs are setup too: all but the measurement */
	phase_add(r, RESULT_PH_SETUP, t, now_ns() + START_LEAD_NS);
	if (!ret)
		ret = measure(r);
	/* the trace is read after the probes' drain: their late waits are in it */
	if (!ret && r->ac)
		result_set_attribution(r->root, attrib_collect_json(r->ac, r->sh->measure_start_ns,
								     r->sh->measure_end_ns));
	else if (ret && r->sc->attribute && !r->ac)
		result_set_attribution(r->root, attrib_collect_failed_json(r->err[0] ? r->err : strerror(-ret),
									     r->sc->attribute_min_ns));
	return ret;
}

int driver_run(const struct driver_opts *o, json_t *root, char *err, size_t errlen)
{
	struct run_ctx r = { .o = o, .sc = o->sc, .root = root, .lo = PROC_KID_NONE, .hi = PROC_KID_NONE,
			     .err = err, .errlen = errlen };
	struct result_setting *settings;
	size_t nr_settings;
	char saveerr[1024];
	int ret;

	err[0] = '\0';
	settings = scenario_settings(o->sc, &nr_settings);
	result_set_scenario(root, settings, nr_settings);
	free(settings);
	result_set_histogram(root);
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
	record_fio(&r);
	result_set_timings(root, &r.timings);
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
