// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall run: the scenario on the live kernel.
 *
 * The controller (this process) stays outside the scenario's cgroups.  It
 * creates the subtree, forks the low-priority workload into lo and the
 * probes into hi (each child waits on a pipe until it has been attached, so
 * nothing it does is charged elsewhere), starts both on one schedule,
 * samples the groups' stats at the start and end of the measured window,
 * and writes the result.  Every exit path -- success, error, SIGINT,
 * SIGTERM -- goes through teardown(): children killed, groups removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cg.h"
#include "cgroup/sample.h"
#include "cgroup/throttle.h"
#include "harness/cmds.h"
#include "harness/kconfig.h"
#include "harness/proc.h"
#include "harness/report.h"
#include "harness/result.h"
#include "harness/util.h"
#include "workloads/datafile.h"
#include "workloads/fio.h"
#include "workloads/probes.h"
#include "workloads/scenario.h"
#include "workloads/shared.h"
#include "workloads/tracefs.h"
#include "workloads/workers.h"

#define CHECKPOINT_NS (10 * NSEC_PER_SEC)
#define READY_TIMEOUT_NS (60 * NSEC_PER_SEC)
#define DRAIN_TIMEOUT_NS (30 * NSEC_PER_SEC)

struct run_opts {
	struct scenario sc;
	char data_dir[PATH_MAX];
	char output[PATH_MAX];
	char kernel_config[PATH_MAX];
	char label[64];
	bool disposable;	/* --disposable: leave kernel state at exit */
};

struct run_ctx {
	struct run_opts *o;
	struct cg_session cg;
	struct throttle_plan tp;
	struct run_shared *sh;
	pid_t lo_pid, hi_pid;
	char lo_file[PATH_MAX + 16], hi_file[PATH_MAX + 16], swap_file[PATH_MAX + 16];
	bool swap_on;
	struct cg_sample lo_start, lo_end, hi_start, hi_end;
	bool sampled_start, sampled_end;
	struct fio_run fio;	/* device baseline, background I/O */
	struct attrib_collect *ac;	/* attribute on */
	json_t *root;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall run [OPTIONS]\n"
		"\n"
		"Run a scenario on the live kernel (needs root and cgroup2 with the io and\n"
		"memory controllers).  Writes one JSON result and prints a table.\n"
		"\n"
		"Options:\n"
		"  --data-dir DIR        where lo.dat and hi.dat live (made if missing; must be on a\n"
		"                        block device: throttles act on disks) [/var/tmp/mmstall]\n"
		"  --output FILE         result file [results/<timestamp>-<label>/result.json]\n"
		"  --label NAME          name of this run in reports [run]\n"
		"  --kernel-config FILE  kernel .config to record [/proc/config.gz or /boot/config-$(uname -r)]\n"
		"  --disposable          the machine is thrown away after the run ('mmstall vm'\n"
		"                        guests): at exit kill the workloads but leave throttles,\n"
		"                        cgroups and swap in place.  Undoing them flips kernel\n"
		"                        static keys (cpu.max, io.latency), and under TCG text\n"
		"                        patching can crash the guest; never use it on a machine\n"
		"                        you keep\n"
		"  -v, --verbose         more messages\n"
		"  -h, --help            this text\n");
	scenario_cli_help(f);
	fprintf(f, "\n");
	scenario_print_help(f);
	fprintf(f, "\nExit status: 0 success, 1 the run failed, 2 bad input or environment, 130/143 interrupted.\n");
}

enum { OPT_DATA_DIR = 1000, OPT_OUTPUT, OPT_LABEL, OPT_KCONFIG, OPT_DISPOSABLE };

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option own[] = {
		{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "kernel-config", required_argument, NULL, OPT_KCONFIG },
		{ "disposable", no_argument, NULL, OPT_DISPOSABLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
	};
	struct option *longopts = scenario_longopts(own, ARRAY_SIZE(own));
	struct scenario_cli cli = { 0 };
	char err[1024];
	int c, ret = 0;

	if (!longopts)
		return -ENOMEM;
	snprintf(o->data_dir, sizeof(o->data_dir), "/var/tmp/mmstall");
	snprintf(o->label, sizeof(o->label), "run");
	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA_DIR:
			snprintf(o->data_dir, sizeof(o->data_dir), "%s", optarg);
			break;
		case OPT_OUTPUT:
			snprintf(o->output, sizeof(o->output), "%s", optarg);
			break;
		case OPT_LABEL:
			snprintf(o->label, sizeof(o->label), "%s", optarg);
			break;
		case OPT_KCONFIG:
			snprintf(o->kernel_config, sizeof(o->kernel_config), "%s", optarg);
			break;
		case OPT_DISPOSABLE:
			o->disposable = true;
			break;
		case 'v':
			mm_verbose++;
			break;
		case 'h':
			usage(stdout);
			ret = 1;
			break;
		default:
			if (scenario_cli_is_opt(c)) {
				ret = scenario_cli_record(&cli, c, optarg, err, sizeof(err));
				if (ret)
					msg_err("%s", err);
				break;
			}
			fprintf(stderr, "Try 'mmstall run --help'.\n");
			ret = -EINVAL;
		}
	}
	free(longopts);
	if (!ret && optind < argc) {
		msg_err("unexpected argument '%s' (settings are given as --KEY VALUE; see 'mmstall run --help')",
			argv[optind]);
		ret = -EINVAL;
	}
	if (!ret && scenario_cli_finish(&cli, &o->sc, err, sizeof(err))) {
		msg_err("%s", err);
		ret = -EINVAL;
	}
	return ret;
}

/* Make sure the result can be written before spending minutes measuring. */
static int prepare_output(struct run_opts *o)
{
	char dir[PATH_MAX], probe[PATH_MAX + 32], stamp[32];
	char *slash;
	int ret, fd;

	if (!o->output[0]) {
		stamp_now(stamp, sizeof(stamp));
		snprintf(o->output, sizeof(o->output), "results/%s-%s/result.json", stamp, o->label);
	}
	snprintf(dir, sizeof(dir), "%s", o->output);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	ret = mkdir_p(dir, 0755);
	if (ret) {
		msg_err("cannot create results directory %s: %s", dir, strerror(-ret));
		return ret;
	}
	snprintf(probe, sizeof(probe), "%s/.mmstall-write-test.%d", dir, getpid());
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		ret = -errno;
		msg_err("results directory %s is not writable: %s", dir, strerror(errno));
		return ret;
	}
	close(fd);
	unlink(probe);
	return 0;
}

static int preflight(struct run_opts *o, char *mount, size_t mlen)
{
	const char *const *needed = throttle_controllers(&o->sc);
	char err[2048];
	int ret;

	if (geteuid() != 0) {
		msg_err("mmstall run needs root: it creates cgroups, sets I/O throttles and drops page "
			"cache (run it with sudo, or use 'mmstall vm' to run in a guest)");
		return -EPERM;
	}
	ret = cg_find_mount(mount, mlen);
	if (ret) {
		msg_err("no cgroup2 file system is mounted (see /proc/self/mountinfo); mount one with "
			"'mount -t cgroup2 none /sys/fs/cgroup', or use 'mmstall vm'");
		return -ENODEV;
	}
	ret = cg_check_controllers(mount, needed, err, sizeof(err));
	if (ret) {
		msg_err("%s", err);
		return ret;
	}
	return 0;
}

/* "always [madvise] never" -> "madvise" */
static json_t *thp_mode(void)
{
	char *s, *b, *e;
	json_t *v = json_null();

	if (read_file("/sys/kernel/mm/transparent_hugepage/enabled", &s, NULL))
		return v;
	b = strchr(s, '[');
	e = b ? strchr(b, ']') : NULL;
	if (b && e)
		v = json_stringn(b + 1, e - b - 1);
	free(s);
	return v;
}

static json_t *kernel_json(const struct run_opts *o)
{
	json_t *k = json_object();
	struct kconfig *kc = NULL;
	struct utsname u;
	char src[PATH_MAX];
	int ret;

	uname(&u);
	json_object_set_new(k, "release", json_string(u.release));
	json_object_set_new(k, "version", json_string(u.version));
	json_object_set_new(k, "machine", json_string(u.machine));
	json_object_set_new(k, "transparent_hugepage", thp_mode());
	if (o->kernel_config[0]) {
		snprintf(src, sizeof(src), "%s", o->kernel_config);
		ret = kconfig_load_file(src, &kc);
	} else {
		ret = kconfig_load_running(&kc, src, sizeof(src));
	}
	json_object_set_new(k, "config_source", ret ? json_null() : json_string(src));
	json_object_set_new(k, "config", ret ? json_null() : kconfig_relevant_json(kc));
	if (ret)
		msg_warn("no kernel config found (%s); the result will not list config options",
			 o->kernel_config[0] ? o->kernel_config : "/proc/config.gz, /boot/config-<release>");
	kconfig_free(kc);
	return k;
}

static json_t *machine_json(void)
{
	char host[256] = "";
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	gethostname(host, sizeof(host) - 1);
	return json_pack("{s:s,s:i,s:I}", "hostname", host, "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN),
			 "memory_bytes", (json_int_t)pages * psz);
}

static pid_t spawn(struct run_ctx *r, const struct cg_group *g, int (*fn)(struct run_ctx *))
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[1]);
		/* Wait until the parent has moved us into the group. */
		if (read(pfd[0], &c, 1) != 1)
			_exit(EXIT_FAIL);
		_exit(fn(r));
	}
	close(pfd[0]);
	if (cg_attach(&r->cg, g, pid)) {
		msg_err("cannot move pid %d into cgroup %s", (int)pid, g->path);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pfd[1]);
		return -EIO;
	}
	if (write(pfd[1], "g", 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pfd[1]);
		return -EIO;
	}
	close(pfd[1]);
	return pid;
}

static int lo_child(struct run_ctx *r)
{
	return lo_main(&r->o->sc, r->lo_file, r->sh);
}

static int hi_child(struct run_ctx *r)
{
	return hi_main(&r->o->sc, r->hi_file, r->sh);
}

/* fio's background jobs go into lo's or hi's group before they exec. */
static int place_lo(pid_t pid, void *arg)
{
	struct run_ctx *r = arg;

	return cg_attach(&r->cg, &r->cg.lo, pid);
}

static int place_hi(pid_t pid, void *arg)
{
	struct run_ctx *r = arg;

	return cg_attach(&r->cg, &r->cg.hi, pid);
}

/* Before lo and hi start: the device's read latency with nothing else running. */
static int run_baseline(struct run_ctx *r)
{
	char err[2048];
	int ret = fio_run_baseline(&r->fio, &proc_stop_signal, err, sizeof(err));

	if (ret && ret != -EINTR)
		msg_err("%s", err);
	return ret;
}

/*
 * After lo and hi are ready, before the warm-up: the warm-up absorbs fio's
 * start-up, and fio runs until just after the measurement (measure() starts
 * 50 ms from now).
 */
static int start_fio(struct run_ctx *r)
{
	uint64_t runtime = 50 * NSEC_PER_MSEC + r->o->sc.warmup_ns + r->o->sc.duration_ns;
	char err[2048] = "";
	int ret = fio_run_start(&r->fio, FIO_LO, runtime, place_lo, r, err, sizeof(err));

	if (!ret)
		ret = fio_run_start(&r->fio, FIO_HI, runtime, place_hi, r, err, sizeof(err));
	if (ret)
		msg_err("%s", err);
	return ret;
}

/* Wait for a flag set by a worker; false on timeout, signal or worker death. */
static bool wait_flag(struct run_ctx *r, int *flag, pid_t pid, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;

	while (!shared_load(flag)) {
		if (proc_stop_signal || now_ns() > deadline || waitpid(pid, NULL, WNOHANG) == pid)
			return false;
		usleep(2000);
	}
	(void)r;
	return true;
}

/* Wait for a child to exit, killing it after timeout; returns its status or -1. */
static int reap(pid_t *pid, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	int status = -1;

	if (*pid <= 0)
		return -1;
	while (waitpid(*pid, &status, WNOHANG) == 0) {
		if (now_ns() > deadline) {
			kill(*pid, SIGKILL);
			waitpid(*pid, &status, 0);
			break;
		}
		usleep(5000);
	}
	*pid = 0;
	return status;
}

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
	uint64_t p99 = hist_percentile(&rec->corrected, 99.0);
	bool ratio_ok = ctl_p99 && rec->corrected.count >= hist_samples_needed(99.0);
	json_t *p = json_object();

	json_object_set_new(p, "what", json_string(probe_list[i].what));
	json_object_set_new(p, "mmap_lock_of", json_string(probe_list[i].lock));
	json_object_set_new(p, "control", json_boolean(probe_list[i].control));
	json_object_set_new(p, "interval_ns", json_integer((json_int_t)plan->interval_ns));
	json_object_set_new(p, "threads", json_integer((json_int_t)plan->threads));
	json_object_set_new(p, "errors", json_integer((json_int_t)rec->errors));
	json_object_set_new(p, "first_error", rec->errors ? json_string(strerror(rec->first_errno)) : json_null());
	json_object_set_new(p, "late_samples", json_integer((json_int_t)rec->late));
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

	rec = calloc(probe_count, sizeof(*rec));
	if (!rec || probe_plan_parse(r->o->sc.probes, r->o->sc.probe_interval_ns, plan, err, sizeof(err))) {
		free(rec);
		return o;	/* cannot happen: the settings were validated */
	}
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
			json_object_set_new(o, probe_list[i].name, probe_json(r, i, &rec[i], &plan[i], ctl_p99));
	free(rec);
	return o;
}

static json_t *lo_json(const struct run_ctx *r)
{
	struct hist faults, writers;
	uint64_t touches = 0, ops = 0, i;
	const struct run_shared *sh = r->sh;

	hist_init(&faults);
	hist_init(&writers);
	for (i = 0; i < r->o->sc.faulters && r->o->sc.fault_mode != FAULT_NONE; i++) {
		hist_merge(&faults, &sh->faults[i]);
		touches += sh->touches[i];
	}
	for (i = 0; i < r->o->sc.writers && r->o->sc.writer != WRITER_NONE; i++) {
		hist_merge(&writers, &sh->writer[i]);
		ops += sh->writer_ops[i];
	}
	return json_pack("{s:s,s:I,s:o,s:s,s:I,s:o,s:I,s:o}", "fault_mode", fault_mode_names[r->o->sc.fault_mode],
			 "touches", (json_int_t)touches, "touch", hist_to_json(&faults), "writer",
			 writer_names[r->o->sc.writer], "writer_ops", (json_int_t)ops, "writer_op",
			 hist_to_json(&writers), "writer_errors", (json_int_t)sh->writer_errors, "writer_first_error",
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
	json_object_set_new(lo, "memory_max_bytes", json_integer((json_int_t)r->o->sc.lo_memory_max));
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
}

static int save(struct run_ctx *r)
{
	int ret = result_save(r->o->output, r->root);

	if (ret)
		msg_err("cannot write result %s: %s%s", r->o->output, strerror(-ret),
			ret == -ENOSPC ? " (disk full: nothing was written, the old file is intact)" : "");
	return ret;
}

static void teardown(struct run_ctx *r)
{
	if (r->sh)
		shared_store(&r->sh->stop, 1);
	if (r->hi_pid > 0)
		kill(r->hi_pid, SIGKILL);
	if (r->lo_pid > 0)
		kill(r->lo_pid, SIGKILL);
	/* throttle off first: a killed O_DIRECT job must drain its I/O before it exits */
	if (!r->o->disposable)
		throttle_undo(&r->tp, &r->cg);
	fio_run_end(&r->fio);
	attrib_collect_free(r->ac);
	reap(&r->hi_pid, DRAIN_TIMEOUT_NS);
	reap(&r->lo_pid, DRAIN_TIMEOUT_NS);
	if (!r->o->disposable)
		cg_session_destroy(&r->cg);
	if (r->swap_on && !r->o->disposable)
		swapfile_off(r->swap_file);
	r->swap_on = false;
	cg_sample_free(&r->lo_start);
	cg_sample_free(&r->lo_end);
	cg_sample_free(&r->hi_start);
	cg_sample_free(&r->hi_end);
}

static void progress(struct run_ctx *r, uint64_t now)
{
	struct run_shared *sh = r->sh;
	const char *phase = now < sh->measure_start_ns ? "warm-up" : "measuring";
	uint64_t total = sh->measure_end_ns - sh->t0_ns;
	uint64_t elapsed = now > sh->t0_ns ? now - sh->t0_ns : 0;

	int ctl = probe_control_index();
	uint64_t touches = 0, i;

	for (i = 0; i < r->o->sc.faulters && i < MAX_FAULTERS; i++)
		touches += sh->touches[i];
	msg_info("%s: %" PRIu64 "/%" PRIu64 " s, %s samples %" PRIu64 ", lo page touches so far %" PRIu64, phase,
		 (uint64_t)(elapsed / NSEC_PER_SEC), (uint64_t)(total / NSEC_PER_SEC), probe_list[ctl].name,
		 sh->probes[ctl][0].corrected.count, touches);
}

/* Sleep until t, waking for signals, worker death, checkpoints and progress lines. */
static int wait_until(struct run_ctx *r, uint64_t t)
{
	static uint64_t next_note, next_checkpoint;
	char err[2048];
	uint64_t now;

	while ((now = now_ns()) < t) {
		if (proc_stop_signal)
			return -EINTR;
		if (shared_load(&r->sh->stop) || waitpid(r->lo_pid, NULL, WNOHANG) == r->lo_pid)
			return -ECHILD;
		if (fio_run_check(&r->fio, err, sizeof(err))) {
			/* the load asked for is gone: what follows would not measure it */
			msg_err("%s", err);
			return -EIO;
		}
		if (now >= next_note) {
			if (next_note)
				progress(r, now);
			next_note = now + 5 * NSEC_PER_SEC;
		}
		if (now >= next_checkpoint) {
			/* a crash mid-run still leaves a "running" result with data so far */
			if (next_checkpoint) {
				fill_measurements(r);
				save(r);
			}
			next_checkpoint = now + CHECKPOINT_NS;
		}
		usleep(t - now < 50 * NSEC_PER_MSEC ? (t - now) / 1000 : 50000);
	}
	return 0;
}

static int setup(struct run_ctx *r, const char *mount)
{
	struct run_opts *o = r->o;
	char err[1024], val[32];
	int ret;

	ret = mkdir_p(o->data_dir, 0755);
	if (ret) {
		msg_err("cannot create data directory %s: %s", o->data_dir, strerror(-ret));
		return ret;
	}
	if (throttle_device_for_path(o->data_dir, &r->tp, err, sizeof(err))) {
		msg_err("%s", err);
		return -ENODEV;
	}
	snprintf(r->lo_file, sizeof(r->lo_file), "%s/lo.dat", o->data_dir);
	snprintf(r->hi_file, sizeof(r->hi_file), "%s/hi.dat", o->data_dir);
	snprintf(r->swap_file, sizeof(r->swap_file), "%s/swap.img", o->data_dir);
	if (datafile_ensure(r->lo_file, o->sc.file_size, o->sc.seed, err, sizeof(err)) ||
	    datafile_ensure(r->hi_file, o->sc.hi_file_size, o->sc.seed + 1, err, sizeof(err))) {
		msg_err("%s", err);
		return -EIO;
	}
	datafile_evict(r->lo_file);
	datafile_evict(r->hi_file);
	if (o->sc.swap_size) {
		ret = swapfile_on(r->swap_file, o->sc.swap_size, err, sizeof(err));
		if (ret) {
			msg_err("%s", err);
			return ret;
		}
		r->swap_on = true;
	}

	cg_reap_stale(mount);
	cg_session_init(&r->cg, mount);
	snprintf(val, sizeof(val), "%" PRIu64, o->sc.lo_memory_max);
	cg_group_set(&r->cg.lo, "memory", "memory.max", val);
	if (o->sc.lo_memory_high) {
		snprintf(val, sizeof(val), "%" PRIu64, o->sc.lo_memory_high);
		cg_group_set(&r->cg.lo, "memory", "memory.high", val);
	}
	ret = cg_session_create(&r->cg, throttle_controllers(&o->sc), err, sizeof(err));
	if (ret)
		msg_err("%s", err);
	return ret;
}

/* After lo has filled its memory: a throttle would make the fill crawl. */
static int apply_throttle(struct run_ctx *r)
{
	char err[1024];
	int ret = throttle_apply(&r->o->sc, &r->cg, &r->tp, err, sizeof(err));

	if (ret) {
		msg_err("%s", err);
		return ret;
	}
	msg_info("cgroups %s/{lo,hi}; throttle %s %s", r->cg.subtree_path, throttle_names[r->tp.kind],
		 r->tp.kind == THROTTLE_NONE ? "" : r->tp.value);
	return 0;
}

static int start_workers(struct run_ctx *r)
{
	int ret;

	r->sh = mmap(NULL, sizeof(*r->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED) {
		r->sh = NULL;
		return -ENOMEM;
	}
	r->lo_pid = spawn(r, &r->cg.lo, lo_child);
	if (r->lo_pid < 0)
		return r->lo_pid;
	r->sh->lo_pid = r->lo_pid;
	if (!wait_flag(r, &r->sh->lo_ready, r->lo_pid, READY_TIMEOUT_NS) || r->sh->lo_error[0]) {
		msg_err("the low-priority workload did not start: %s",
			r->sh->lo_error[0] ? r->sh->lo_error : "no answer");
		return -ECHILD;
	}
	ret = apply_throttle(r);
	if (ret)
		return ret;
	r->hi_pid = spawn(r, &r->cg.hi, hi_child);
	if (r->hi_pid < 0)
		return r->hi_pid;
	if (!wait_flag(r, &r->sh->hi_ready, r->hi_pid, READY_TIMEOUT_NS) || r->sh->hi_error[0]) {
		msg_err("the probes did not start: %s", r->sh->hi_error[0] ? r->sh->hi_error : "no answer");
		return -ECHILD;
	}
	return 0;
}

static int measure(struct run_ctx *r)
{
	struct run_shared *sh = r->sh;
	int ret;

	sh->t0_ns = now_ns() + 50 * NSEC_PER_MSEC;
	sh->measure_start_ns = sh->t0_ns + r->o->sc.warmup_ns;
	sh->measure_end_ns = sh->measure_start_ns + r->o->sc.duration_ns;
	shared_store(&sh->go, 1);
	msg_info(RUN_MEASURE_START_MARK " warm-up %.1f s, then measuring %.1f s", r->o->sc.warmup_ns / 1e9,
		 r->o->sc.duration_ns / 1e9);

	ret = wait_until(r, sh->measure_start_ns);
	if (ret)
		return ret;
	cg_sample_take(r->cg.lo.path, &r->lo_start);
	cg_sample_take(r->cg.hi.path, &r->hi_start);
	r->sampled_start = true;
	ret = wait_until(r, sh->measure_end_ns);
	if (ret)
		return ret;
	cg_sample_take(r->cg.lo.path, &r->lo_end);
	cg_sample_take(r->cg.hi.path, &r->hi_end);
	r->sampled_end = true;
	fio_run_stop(&r->fio, &proc_stop_signal);
	/* Probes stop by themselves after their last due sample; a blocked one gets a grace period. */
	if (reap(&r->hi_pid, DRAIN_TIMEOUT_NS) != 0)
		msg_warn("probes did not finish within %llu s of the end; killed",
			 (unsigned long long)(DRAIN_TIMEOUT_NS / NSEC_PER_SEC));
	shared_store(&sh->stop, 1);
	reap(&r->lo_pid, DRAIN_TIMEOUT_NS);
	return proc_stop_signal ? -EINTR : 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_ctx r = { .o = &o };
	char mount[PATH_MAX], errbuf[1100], lo_path[PATH_MAX + 16];
	int ret, code;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (preflight(&o, mount, sizeof(mount)) || prepare_output(&o))
		return EXIT_USAGE;
	snprintf(lo_path, sizeof(lo_path), "%s/lo.dat", o.data_dir);
	if (fio_run_init(&r.fio, &o.sc, o.data_dir, lo_path, errbuf, sizeof(errbuf))) {
		msg_err("%s", errbuf);
		fio_run_free(&r.fio);
		return EXIT_USAGE;
	}

	r.root = result_envelope();
	json_object_set_new(r.root, "label", json_string(o.label));
	json_object_set_new(r.root, "mode", json_string("live"));
	json_object_set_new(r.root, "machine", machine_json());
	json_object_set_new(r.root, "kernel", kernel_json(&o));
	json_object_set_new(r.root, "scenario", scenario_to_json(&o.sc));
	json_object_set_new(r.root, "histogram",
			    json_pack("{s:s,s:s,s:i,s:f}", "type", "log-linear", "unit", "ns", "sub_bucket_bits",
				      HIST_BITS, "relative_error_bound", HIST_REL_ERROR));
	proc_signals_install();

	ret = setup(&r, mount);
	if (!ret && o.sc.attribute &&
	    (ret = attrib_collect_prepare(&r.ac, &(struct attrib_collect_opts){ r.cg.lo.path, mount,
			o.sc.warmup_ns + o.sc.duration_ns + DRAIN_TIMEOUT_NS, o.sc.attribute_min_ns,
			o.disposable }, errbuf, sizeof(errbuf))))
		msg_err("%s", errbuf);
	if (!ret)
		ret = save(&r);
	if (!ret)
		ret = run_baseline(&r);
	if (!ret)
		ret = start_workers(&r);
	json_object_set_new(r.root, "throttle", throttle_to_json(&r.tp));
	if (!ret && r.ac)
		ret = attrib_collect_start(r.ac, r.lo_pid, r.hi_pid);
	if (!ret)
		ret = start_fio(&r);
	if (!ret)
		ret = measure(&r);
	if (!ret && r.ac)
		json_object_set_new(r.root, "attribution", attrib_collect_json(r.ac, r.sh->measure_start_ns, r.sh->measure_end_ns));

	if (r.sh)
		fill_measurements(&r);
	if (ret == -EINTR)
		snprintf(errbuf, sizeof(errbuf), "interrupted by signal %d (%s)", (int)proc_stop_signal,
			 strsignal(proc_stop_signal));
	else if (ret && r.sh && (r.sh->lo_error[0] || r.sh->hi_error[0]))
		snprintf(errbuf, sizeof(errbuf), "%s", r.sh->lo_error[0] ? r.sh->lo_error : r.sh->hi_error);
	else if (ret == -ECHILD)
		snprintf(errbuf, sizeof(errbuf), "a workload process died before the end of the run");
	else if (ret)
		snprintf(errbuf, sizeof(errbuf), "%s", msg_last_error()[0] ? msg_last_error() : strerror(-ret));
	result_finish(r.root, ret ? "failed" : "ok", ret ? errbuf : NULL);
	teardown(&r);
	json_object_set_new(r.root, "fio", fio_run_json(&r.fio));
	if (save(&r) && !ret)
		ret = -EIO;
	if (!ret) {
		json_t *one[1] = { r.root };
		const char *label[1] = { o.label };

		report_table(stdout, one, label, 1);
		msg_info("result: %s", o.output);
	} else {
		msg_err("run failed: %s (partial result in %s)", errbuf, o.output);
	}
	if (r.sh)
		munmap(r.sh, sizeof(*r.sh));
	json_decref(r.root);
	fio_run_free(&r.fio);
	if (proc_stop_signal)
		code = 128 + proc_stop_signal;
	else
		code = ret ? EXIT_FAIL : EXIT_OK;
	return code;
}
