// SPDX-License-Identifier: GPL-2.0
/*
 * fio as a workload: job files, running fio in a cgroup, and its JSON
 * output summarised with jansson.  See fio.h.
 */
#include "workloads/fio.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cg.h"
#include "harness/result.h"
#include "harness/util.h"
#include "workloads/scenario.h"

#define BASELINE_TIMEOUT_NS (120 * NSEC_PER_SEC)	/* 2 s of I/O; loading fio under TCG is slow */
#define STOP_TIMEOUT_NS (30 * NSEC_PER_SEC)		/* in-flight I/O under a throttle drains */
#define RUNTIME_SLACK_NS NSEC_PER_SEC			/* MMSTALL_RUNTIME: past the measurement's end */
#define NATURAL_GRACE_NS (15 * NSEC_PER_SEC)		/* fio's start-up delays its end by as much */

static const char *const group_names[FIO_NR_BG] = { "lo", "hi" };

/* ---- job files ---- */

bool fio_job_is_path(const char *spec)
{
	size_t n = strlen(spec);

	return strchr(spec, '/') || (n > 4 && !strcmp(spec + n - 4, ".fio"));
}

static const struct fio_builtin *builtin(const char *name)
{
	const struct fio_builtin *b;

	for (b = fio_builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

static void accepted_names(char *buf, size_t len)
{
	const struct fio_builtin *b;
	size_t n = 0;

	buf[0] = '\0';
	for (b = fio_builtins; b->name && n < len; b++)
		if (strcmp(b->name, FIO_BASELINE_JOB))
			n += snprintf(buf + n, len - n, "%s%s", n ? ", " : "", b->name);
}

int fio_job_check(const char *key, const char *spec, char *err, size_t errlen)
{
	char names[256];

	if (!spec[0] || builtin(spec))
		return 0;
	if (fio_job_is_path(spec)) {
		if (access(spec, R_OK) == 0)
			return 0;
		snprintf(err, errlen, "--%s %s: cannot read the fio job file: %s", key, spec, strerror(errno));
		return -ENOENT;
	}
	accepted_names(names, sizeof(names));
	snprintf(err, errlen, "unknown fio job file '%s' for --%s: expected one of %s (workloads/fio/NAME.fio), "
		 "the path of a job file (with a '/' or ending in .fio), or nothing", spec, key, names);
	return -ENOENT;
}

int fio_job_text(const char *spec, char **text, char *err, size_t errlen)
{
	const struct fio_builtin *b = builtin(spec);
	int ret;

	if (b) {
		*text = strdup(b->text);
		return *text ? 0 : -ENOMEM;
	}
	ret = fio_job_check("fio job", spec, err, errlen);
	if (ret)
		return ret;
	ret = read_file(spec, text, NULL);
	if (ret)
		snprintf(err, errlen, "cannot read fio job file %s: %s", spec, strerror(-ret));
	return ret;
}

bool fio_required(const struct scenario *sc)
{
	return sc->fio_lo[0] || sc->fio_hi[0] || sc->device_baseline == BASELINE_ON;
}

bool fio_wanted(const struct scenario *sc)
{
	return fio_required(sc) || sc->device_baseline == BASELINE_AUTO;
}

int fio_find(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *dup, *dir, *save;
	int ret = -ENOENT;

	dup = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!dup)
		return -ENOMEM;
	for (dir = strtok_r(dup, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/fio", dir);
		if (access(buf, X_OK) == 0 && !is_dir(buf)) {
			ret = 0;
			break;
		}
	}
	free(dup);
	if (ret)
		buf[0] = '\0';
	return ret;
}

bool fio_sysv_ipc_ok(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);

	if (id < 0)
		return errno != ENOSYS;
	shmctl(id, IPC_RMID, NULL);
	return true;
}

/* ---- fio's JSON output ---- */

/* fio writes some figures as reals: rounded; absent or another type: not known. */
static struct result_int fio_int(json_t *v)
{
	if (json_is_integer(v))
		return (struct result_int){ .known = true, .v = json_integer_value(v) };
	if (json_is_real(v))
		return (struct result_int){ .known = true, .v = llround(json_real_value(v)) };
	return (struct result_int){ 0 };
}

static struct result_int pct(json_t *clat, const char *which)
{
	return fio_int(json_object_get(json_object_get(clat, "percentile"), which));
}

/* One direction of a job: not present when it did no I/O. */
static struct result_fio_dir direction(json_t *d)
{
	json_t *clat = json_object_get(d, "clat_ns"), *ios = json_object_get(d, "total_ios");

	if (!json_is_object(d) || !json_is_integer(ios) || json_integer_value(ios) <= 0)
		return (struct result_fio_dir){ 0 };
	return (struct result_fio_dir){
		.present = true,
		.ios = (uint64_t)json_integer_value(ios),
		.io_bytes = fio_int(json_object_get(d, "io_bytes")),
		.iops = json_number_value(json_object_get(d, "iops")),
		.bw_bytes_per_s = fio_int(json_object_get(d, "bw_bytes")),
		.clat_mean_ns = fio_int(json_object_get(clat, "mean")),
		.clat_p50_ns = pct(clat, "50.000000"),
		.clat_p99_ns = pct(clat, "99.000000"),
		.clat_p99_9_ns = pct(clat, "99.900000"),
		.clat_max_ns = fio_int(json_object_get(clat, "max")),
	};
}

int fio_summary_parse(const char *output, struct fio_summary *sum, char *err, size_t errlen)
{
	const char *p = output;
	json_t *root, *jobs, *j;
	struct result_fio_job *out;
	json_error_t je;
	size_t i;

	memset(sum, 0, sizeof(*sum));
	/* fio prints messages ("fio: terminating on signal 15") before the JSON */
	while (p && *p && *p != '{') {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p) {
		snprintf(err, errlen, "no JSON in fio's output%s%s", output && *output ? ": " : " (empty)",
			 output && *output ? output : "");
		return -EINVAL;
	}
	root = json_loads(p, JSON_DISABLE_EOF_CHECK, &je);
	if (!root) {
		snprintf(err, errlen, "fio's JSON output, line %d: %s", je.line, je.text);
		return -EINVAL;
	}
	jobs = json_object_get(root, "jobs");
	if (!json_is_array(jobs) || !json_array_size(jobs)) {
		snprintf(err, errlen, "fio's JSON output has no \"jobs\"");
		json_decref(root);
		return -EINVAL;
	}
	sum->jobs = out = xcalloc(json_array_size(jobs), sizeof(*out));
	json_array_foreach(jobs, i, j) {
		json_t *name = json_object_get(j, "jobname");

		out[i].name = xstrdup(json_is_string(name) ? json_string_value(name) : "");
		out[i].error = fio_int(json_object_get(j, "error"));
		out[i].runtime_ms = fio_int(json_object_get(j, "job_runtime"));
		out[i].dir[RESULT_READ] = direction(json_object_get(j, "read"));
		out[i].dir[RESULT_WRITE] = direction(json_object_get(j, "write"));
		sum->nr_jobs++;
	}
	j = json_object_get(root, "fio version");
	sum->version = json_is_string(j) ? xstrdup(json_string_value(j)) : NULL;
	json_decref(root);
	return 0;
}

void fio_summary_free(struct fio_summary *sum)
{
	size_t i;

	for (i = 0; i < sum->nr_jobs; i++)
		free((char *)sum->jobs[i].name);
	free(sum->jobs);
	free(sum->version);
	memset(sum, 0, sizeof(*sum));
}

/* ---- running fio ---- */

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), ret = 0;
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* The last line of a text file (fio's stderr), for messages; static buffer. */
static const char *last_line_of(const char *path)
{
	static char line[512];
	char *text = NULL, *end, *start;

	line[0] = '\0';
	if (read_file(path, &text, NULL) || !text)
		return line;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(text, '\n');
	snprintf(line, sizeof(line), "%s", start ? start + 1 : text);
	free(text);
	return line;
}

struct fio_child {
	struct fio_run *f;
	struct fio_proc *p;
	bool readonly;
};

/* In the child (cg_run_nowait): its own process group, then exec fio. */
static int child_exec(void *arg)
{
	struct fio_child *c = arg;
	struct fio_run *f = c->f;
	struct fio_proc *p = c->p;
	char *argv[8];
	int i = 0, fd;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(p->errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		close(fd);
	}
	if (f->preload[0])
		setenv("LD_PRELOAD", f->preload, 1);
	setenv("MMSTALL_DATA_DIR", f->data_dir, 1);
	setenv("MMSTALL_READ_FILE", f->read_file, 1);
	if (p->runtime[0])
		setenv("MMSTALL_RUNTIME", p->runtime, 1);
	argv[i++] = f->bin;
	if (c->readonly)
		argv[i++] = "--readonly";
	/* jobs as threads of one fio process, for any job file: no fork per job in the guest */
	argv[i++] = "--thread";
	argv[i++] = "--output-format=json";
	if (asprintf(&argv[i++], "--output=%s", p->out) < 0)
		return 127;
	argv[i++] = p->job;
	argv[i] = NULL;
	execv(f->bin, argv);
	fprintf(stderr, "cannot execute %s: %s\n", f->bin, strerror(errno));
	return 127;
}

static int spawn(struct fio_run *f, struct fio_proc *p, const char *tag, bool readonly, const char *cgroup,
		 char *err, size_t errlen)
{
	struct fio_child c = { f, p, readonly };
	char *text = NULL;
	int ret;
	pid_t pid;

	snprintf(p->job, sizeof(p->job), "%s/%s.fio", f->tmpdir, tag);
	snprintf(p->out, sizeof(p->out), "%s/%s.json", f->tmpdir, tag);
	snprintf(p->errf, sizeof(p->errf), "%s/%s.stderr", f->tmpdir, tag);
	p->kid.status = -1;
	ret = fio_job_text(p->spec, &text, err, errlen);
	if (!ret) {
		ret = write_text(p->job, text);
		if (ret)
			snprintf(err, errlen, "cannot write %s: %s", p->job, strerror(-ret));
	}
	/* kept for the result: it says exactly what load ran */
	free(p->job_text);
	p->job_text = text;
	/* a job that runs for MMSTALL_RUNTIME ends by itself; others are signalled */
	p->ends_itself = text && p->runtime[0] && strstr(text, "${MMSTALL_RUNTIME}");
	if (ret)
		return ret;
	/* born in its cgroup: nothing fio does is charged elsewhere */
	pid = cg_run_nowait(cgroup, child_exec, &c);
	if (pid < 0) {
		snprintf(err, errlen, "cannot start fio%s%s: %s", cgroup ? " in cgroup " : "", cgroup ? cgroup : "",
			 strerror((int)-pid));
		return (int)pid;
	}
	setpgid(pid, pid);
	proc_kid_set(&p->kid, pid);
	return 0;
}

/* Reap if it exited: true when it is gone. */
static bool exited(struct fio_proc *p)
{
	pid_t pid = p->kid.pid;

	if (!proc_kid_gone(&p->kid))
		return false;
	if (pid > 0)
		kill(-pid, SIGKILL);	/* stragglers of its group, if any */
	return true;
}

/* Sleep until it exits, deadline_ns passes or a signal arrives. */
static void pause_one(struct fio_proc *p, uint64_t deadline_ns)
{
	struct proc_kid *k = &p->kid;

	proc_kid_pause(&k, 1, deadline_ns);
}

/*
 * SIGTERM (fio stops its jobs and writes its JSON, unless the signal lands
 * in its helper thread: fio 3.33 then exits without output, a bug fixed
 * upstream by axboe/fio#2079), SIGKILL of the group after timeout; 0: SIGKILL at once.
 */
static void stop(struct fio_proc *p, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	pid_t pid = p->kid.pid;

	if (pid <= 0)
		return;
	if (!timeout_ns) {
		kill(-pid, SIGKILL);
		p->how = "SIGKILL";
	} else if (!exited(p) && !(p->how && !strcmp(p->how, "SIGTERM"))) {
		/* once only: each SIGTERM may hit fio 3.33's helper thread */
		p->stopping = true;
		kill(pid, SIGTERM);
		p->how = "SIGTERM";
	}
	while (!exited(p)) {
		if (now_ns() > deadline) {
			proc_kid_kill(&p->kid, true, 0);	/* then a blocking wait */
			p->how = "SIGKILL";
			break;
		}
		pause_one(p, deadline + 1);
	}
}

static void describe_status(int st, char *buf, size_t len)
{
	if (st < 0)
		snprintf(buf, len, "not reaped");
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
}

/* Set a record's status and error (NULL: none). */
static void set_status(struct fio_proc *p, const char *status, const char *error)
{
	p->status = status;
	snprintf(p->error, sizeof(p->error), "%s", error ? error : "");
}

/* Record fio's output once it is gone; false when it failed. */
static bool collect(struct fio_proc *p, bool expect_stop)
{
	char *out = NULL, err[1024], st[64], why[1600];
	bool ok;

	describe_status(p->kid.status, st, sizeof(st));
	p->reaped = true;
	fio_summary_free(&p->sum);
	p->has_sum = false;
	if (!read_file(p->out, &out, NULL))
		p->has_sum = !fio_summary_parse(out, &p->sum, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "fio wrote no output");
	free(out);
	/* stopped by us, fio exits non-zero after a signal: its JSON is what counts */
	ok = p->has_sum && (expect_stop || (p->kid.status >= 0 && WIFEXITED(p->kid.status) &&
					    !WEXITSTATUS(p->kid.status)));
	if (!ok) {
		const char *line = last_line_of(p->errf);

		snprintf(why, sizeof(why), "fio %s%s%s%s", st, line[0] ? ": " : "", line,
			 p->has_sum ? "" : line[0] ? "" : err);
		set_status(p, "failed", why);
	} else {
		set_status(p, "ok", NULL);
	}
	return ok;
}

static void new_rec(struct fio_proc *p, const char *spec, const char *group)
{
	p->spec = spec;
	p->recorded = true;
	p->group = group;
}

/* No SysV IPC in this kernel: fio runs with the shm emulation preloaded. */
static int use_noshm(struct fio_run *f, char *err, size_t errlen)
{
	const char *force = getenv("MMSTALL_FIO_NOSHM");
	int fd, ret = 0;

	if (fio_sysv_ipc_ok() && !(force && !strcmp(force, "1")))
		return 0;
	snprintf(f->preload, sizeof(f->preload), "%s/noshm.so", f->tmpdir);
	fd = open(f->preload, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, fio_noshm_so, fio_noshm_so_len) != (ssize_t)fio_noshm_so_len)
		ret = -EIO;
	if (fd >= 0 && close(fd) && !ret)
		ret = -EIO;
	if (ret) {
		snprintf(err, errlen, "cannot write %s (fio's SysV shm emulation for a kernel without "
			 "CONFIG_SYSVIPC)", f->preload);
		f->preload[0] = '\0';
	}
	return ret;
}

int fio_run_init(struct fio_run *f, const struct scenario *sc, const char *data_dir, const char *read_file,
		 char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	int g;

	memset(f, 0, sizeof(*f));
	f->base.kid.pidfd = f->bg[FIO_LO].kid.pidfd = f->bg[FIO_HI].kid.pidfd = -1;
	f->sc = sc;
	snprintf(f->data_dir, sizeof(f->data_dir), "%s", data_dir);
	snprintf(f->read_file, sizeof(f->read_file), "%s", read_file);
	for (g = 0; g < FIO_NR_BG; g++) {
		f->bg[g].spec = g == FIO_LO ? sc->fio_lo : sc->fio_hi;
		if (f->bg[g].spec[0])
			new_rec(&f->bg[g], f->bg[g].spec, group_names[g]);
	}
	new_rec(&f->base, FIO_BASELINE_JOB, NULL);
	if (!fio_wanted(sc))
		return 0;
	if (fio_find(f->bin, sizeof(f->bin))) {
		if (!fio_required(sc))
			return 0;
		snprintf(err, errlen, "fio not found in PATH, but the scenario needs it (%s%s%s%s%s): install it "
			 "(apt-get install fio), or set device-baseline=off and no fio-lo/fio-hi",
			 sc->fio_lo[0] ? "fio-lo " : "", sc->fio_lo, sc->fio_hi[0] ? " fio-hi " : "", sc->fio_hi,
			 sc->device_baseline == BASELINE_ON ? " device-baseline on" : "");
		return -ENOENT;
	}
	snprintf(f->tmpdir, sizeof(f->tmpdir), "%s/mmstall-fio.%d.XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 (int)getpid());
	if (!mkdtemp(f->tmpdir)) {
		snprintf(err, errlen, "cannot create a temporary directory for fio (%s): %s", f->tmpdir,
			 strerror(errno));
		f->tmpdir[0] = '\0';
		return -errno;
	}
	return use_noshm(f, err, errlen);
}

int fio_run_baseline(struct fio_run *f, volatile sig_atomic_t *stop_flag, char *err, size_t errlen)
{
	struct fio_proc *p = &f->base;
	const struct result_fio_dir *read;
	uint64_t deadline;
	int ret;

	if (f->sc->device_baseline == BASELINE_OFF) {
		set_status(p, "off", "device-baseline off");
		return 0;
	}
	if (!f->bin[0]) {
		set_status(p, "unavailable", "fio not found in PATH (apt-get install fio; 'mmstall vm' needs it on "
			   "the host)");
		msg_warn("no device baseline: fio not found in PATH (apt-get install fio)");
		return 0;
	}
	p->reads_file = true;
	ret = spawn(f, p, "baseline", true, NULL, err, errlen);
	deadline = now_ns() + BASELINE_TIMEOUT_NS;
	while (!ret && !exited(p)) {
		if (*stop_flag) {
			stop(p, 0);
			p->status = "interrupted";
			return -EINTR;
		}
		if (now_ns() > deadline) {
			stop(p, 0);
			snprintf(err, errlen, "the device baseline (fio) did not finish within %llu s",
				 (unsigned long long)(BASELINE_TIMEOUT_NS / NSEC_PER_SEC));
			ret = -ETIMEDOUT;
		}
		if (!ret)
			pause_one(p, deadline + 1);	/* a stop signal interrupts it */
	}
	if (!ret && !collect(p, false)) {
		snprintf(err, errlen, "the device baseline failed: %s", p->error);
		ret = -EIO;
	}
	if (ret) {
		set_status(p, "failed", err);
		if (f->sc->device_baseline == BASELINE_ON)
			return ret;
		msg_warn("%s; going on without it (device-baseline auto)", err);
		return 0;
	}
	/* the one job's reads: the headline figures */
	p->has_read = true;
	read = p->sum.nr_jobs ? &p->sum.jobs[0].dir[RESULT_READ] : NULL;
	if (read && read->present) {
		char p50[32], p99[32];

		fmt_ns(p50, sizeof(p50), read->clat_p50_ns.known ? (double)read->clat_p50_ns.v : 0);
		fmt_ns(p99, sizeof(p99), read->clat_p99_ns.known ? (double)read->clat_p99_ns.v : 0);
		msg_info("device baseline: 4k random reads at QD1 (fio) %.0f IOPS, p50 %s, p99 %s", read->iops, p50,
			 p99);
	}
	return 0;
}

int fio_run_start(struct fio_run *f, int g, uint64_t runtime_ns, const char *cgroup, char *err, size_t errlen)
{
	struct fio_proc *p = &f->bg[g];
	int ret;

	if (!p->spec[0])
		return 0;
	snprintf(p->runtime, sizeof(p->runtime), "%llums",
		 (unsigned long long)((runtime_ns + RUNTIME_SLACK_NS) / NSEC_PER_MSEC));
	p->end_ns = now_ns() + runtime_ns + RUNTIME_SLACK_NS;
	ret = spawn(f, p, group_names[g], false, cgroup, err, errlen);
	if (ret) {
		stop(p, 0);
		set_status(p, "failed", err);
		return ret;
	}
	p->started = true;
	msg_info("background I/O: fio %s in %s (pid %d)", p->spec, group_names[g], (int)p->kid.pid);
	return 0;
}

int fio_run_check(struct fio_run *f, char *err, size_t errlen)
{
	int g;

	for (g = 0; g < FIO_NR_BG; g++) {
		struct fio_proc *p = &f->bg[g];

		if (!p->spec[0] || p->stopping || !p->recorded || p->status)
			continue;
		if (p->kid.pid > 0 && !exited(p))
			continue;
		collect(p, false);
		snprintf(err, errlen, "the background fio job %s in %s ended before the measurement did: %s",
			 p->spec, group_names[g], p->error[0] ? p->error : "it exited");
		set_status(p, "failed", err);
		return -ECHILD;
	}
	return 0;
}

/* *interrupted set (SIGINT, SIGTERM): no more waiting, every job is killed at once. */
void fio_run_stop(struct fio_run *f, volatile sig_atomic_t *interrupted)
{
	int g;
	bool waiting = true;

	for (g = 0; g < FIO_NR_BG; g++)
		if (f->bg[g].kid.pid > 0)
			f->bg[g].stopping = true;
	/* jobs on MMSTALL_RUNTIME end by themselves just after the measurement */
	while (waiting && !*interrupted) {
		struct proc_kid *running[FIO_NR_BG];
		uint64_t until = 0;
		int n = 0;

		waiting = false;
		for (g = 0; g < FIO_NR_BG; g++) {
			struct fio_proc *p = &f->bg[g];

			if (p->ends_itself && !exited(p) && now_ns() < p->end_ns + NATURAL_GRACE_NS) {
				waiting = true;
				running[n++] = &p->kid;
				if (p->end_ns + NATURAL_GRACE_NS > until)
					until = p->end_ns + NATURAL_GRACE_NS;
			} else if (p->ends_itself && p->kid.pid <= 0 && !p->how) {
				p->how = "runtime";
			}
		}
		if (waiting)
			proc_kid_pause(running, n, until);
	}
	/* the others (and late ones): both asked first, so neither runs alone while the other drains */
	for (g = 0; g < FIO_NR_BG; g++)
		if (f->bg[g].kid.pid > 0 && !exited(&f->bg[g])) {
			kill(f->bg[g].kid.pid, SIGTERM);
			f->bg[g].how = "SIGTERM";
		}
	for (g = 0; g < FIO_NR_BG; g++) {
		struct fio_proc *p = &f->bg[g];

		if (!p->spec[0] || !p->stopping || !p->recorded)
			continue;
		stop(p, *interrupted ? 0 : STOP_TIMEOUT_NS);
		p->ended_by = p->how;
		collect(p, true);
	}
}

void fio_run_end(struct fio_run *f)
{
	int g;

	stop(&f->base, 0);
	for (g = 0; g < FIO_NR_BG; g++) {
		struct fio_proc *p = &f->bg[g];

		if (p->kid.pid > 0) {
			stop(p, 0);
			if (p->recorded && !p->status)
				set_status(p, "failed", "killed: the run ended early");
		}
	}
	if (f->tmpdir[0])
		rm_rf(f->tmpdir);
	f->tmpdir[0] = '\0';
}

static void proc_result(const struct fio_run *f, const struct fio_proc *p, struct result_fio_rec *r)
{
	memset(r, 0, sizeof(*r));
	if (!p->recorded)
		return;
	*r = (struct result_fio_rec){
		.present = true,
		.job_file = p->spec,
		.group = p->group,
		.status = p->status,
		.error = p->error[0] ? p->error : NULL,
		.file = p->reads_file ? f->read_file : NULL,
		.job_text = p->job_text,
		.runtime = p->started ? p->runtime : NULL,
		.ended_by = p->ended_by,
		.reaped = p->reaped,
		.exit_status = { p->kid.status >= 0 && WIFEXITED(p->kid.status), WEXITSTATUS(p->kid.status) },
		.has_output = p->has_sum,
		.fio_version = p->sum.version,
		.jobs = p->sum.jobs,
		.nr_jobs = p->sum.nr_jobs,
		.has_read = p->has_read,
	};
	if (p->has_read && p->sum.nr_jobs)
		r->read = p->sum.jobs[0].dir[RESULT_READ];
}

void fio_run_result(const struct fio_run *f, struct result_fio *out)
{
	int g;

	memset(out, 0, sizeof(*out));
	out->binary = f->bin[0] ? f->bin : NULL;
	/* the kernel had no SysV IPC: fio ran with workloads/fio-noshm preloaded */
	out->sysv_shm_emulated = f->preload[0];
	out->version = f->base.sum.version;
	for (g = 0; g < FIO_NR_BG && !out->version; g++)
		out->version = f->bg[g].sum.version;
	out->data_dir = f->data_dir;
	out->read_file = f->read_file;
	proc_result(f, &f->base, &out->baseline);
	proc_result(f, &f->bg[FIO_LO], &out->lo);
	proc_result(f, &f->bg[FIO_HI], &out->hi);
}

static void proc_free(struct fio_proc *p)
{
	fio_summary_free(&p->sum);
	p->has_sum = false;
	free(p->job_text);
	p->job_text = NULL;
}

void fio_run_free(struct fio_run *f)
{
	int g;

	proc_free(&f->base);
	for (g = 0; g < FIO_NR_BG; g++)
		proc_free(&f->bg[g]);
}
