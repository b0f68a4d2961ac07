// SPDX-License-Identifier: GPL-2.0
/*
 * fio: the summary of fio's JSON output (stored real output of this
 * machine's fio 3.33 in tests/fixtures/fio), bad output, job-file settings
 * (an unknown name names the accepted ones), and -- when fio is installed --
 * the baseline and a background job run for real, outside any cgroup, with
 * no fio process left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/result.h"
#include "harness/util.h"
#include "tests/test_util.h"
#include "workloads/datafile.h"
#include "workloads/fio.h"
#include "workloads/scenario.h"

static char dir[] = "/tmp/mmstall-test-fio-XXXXXX";

/* A stored fio output, summarised; false (and a failed check) when it cannot be. */
static bool fixture(const char *name, struct fio_summary *s)
{
	const char *src = getenv("MMSTALL_SOURCE_DIR");
	char path[4096], err[1024] = "", *text = NULL;
	int ret;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/tests/fixtures/fio/%s", src ? src : ".", name);
	if (!CHECK_INT(0, read_file(path, &text, NULL)))
		return false;
	ret = fio_summary_parse(text, s, err, sizeof(err));
	if (!CHECK_INT(0, ret))
		fprintf(stderr, "  %s: %s\n", name, err);
	free(text);
	return !ret;
}

/* A figure that must be known, with this value. */
#define CHECK_KNOWN(want, x) (void)(CHECK((x).known) && CHECK_INT((want), (x).v))

static void test_summary_baseline(void)
{
	const struct result_fio_job *job;
	const struct result_fio_dir *rd;
	struct fio_summary s;

	TEST_CONTEXT("baseline.json");
	if (!fixture("baseline.json", &s))
		return;
	CHECK_STR("fio-3.33", s.version);
	CHECK_INT(1, s.nr_jobs);
	job = &s.jobs[0];
	CHECK_STR("baseline", job->name);
	CHECK_KNOWN(0, job->error);
	CHECK_KNOWN(2000, job->runtime_ms);
	CHECK(!job->dir[RESULT_WRITE].present);	/* no writes: null, not zeros */
	rd = &job->dir[RESULT_READ];
	CHECK(rd->present);
	CHECK_INT(22332, rd->ios);
	CHECK_KNOWN(91471872, rd->io_bytes);
	CHECK_KNOWN(45713079, rd->bw_bytes_per_s);
	CHECK_DBL(11160.41979, rd->iops, 1e-6);
	CHECK_KNOWN(88926, rd->clat_mean_ns);
	CHECK_KNOWN(62720, rd->clat_p50_ns);
	CHECK_KNOWN(325632, rd->clat_p99_ns);
	CHECK_KNOWN(1351680, rd->clat_p99_9_ns);
	CHECK_KNOWN(4317419, rd->clat_max_ns);
	fio_summary_free(&s);
	TEST_CONTEXT_CLEAR();
}

/* Stopped with SIGTERM: fio prints "fio: terminating on signal 15" before its JSON. */
static void test_summary_terminated(void)
{
	const struct result_fio_job *job;
	struct fio_summary s;

	TEST_CONTEXT("mixed-terminated.json");
	if (!fixture("mixed-terminated.json", &s))
		return;
	job = &s.jobs[0];
	CHECK_STR("mixed", job->name);
	CHECK_INT(67251, job->dir[RESULT_READ].ios);
	CHECK_KNOWN(468992, job->dir[RESULT_READ].clat_p99_ns);
	CHECK_INT(29034, job->dir[RESULT_WRITE].ios);
	CHECK_KNOWN(602112, job->dir[RESULT_WRITE].clat_p99_ns);
	CHECK_KNOWN(20316160, job->dir[RESULT_WRITE].clat_p99_9_ns);
	fio_summary_free(&s);
	TEST_CONTEXT_CLEAR();
}

static void test_summary_bad(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "no JSON in fio's output (empty)" },
		{ "fio: terminating on signal 15\n", "no JSON" },
		{ "fio: job global dropped\nBad option <readonly=1>\n", "Bad option" },
		{ "{\n  \"fio version\" : \"fio-3.33\",\n  \"jobs\" : [\n", "fio's JSON output, line" },
		{ "{ \"fio version\": \"fio-3.33\" }", "has no \"jobs\"" },
		{ "{ \"jobs\": [] }", "has no \"jobs\"" },
		{ "{ \"jobs\": 3 }", "has no \"jobs\"" },
	};
	struct fio_summary s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char err[1024] = "";

		TEST_CONTEXT("bad output %zu", i);
		CHECK_INT(-EINVAL, fio_summary_parse(bad[i].text, &s, err, sizeof(err)));
		CHECK(!s.nr_jobs && !s.jobs);
		if (!CHECK(strstr(err, bad[i].msg)))
			fprintf(stderr, "  message: %s\n", err);
	}
	/* a job with odd fields still gives a record, with nulls where numbers are missing */
	{
		char err[256];

		TEST_CONTEXT("sparse job");
		CHECK_INT(0, fio_summary_parse("{\"jobs\":[{\"jobname\":\"x\",\"read\":{\"total_ios\":5,\"iops\":2.5}}]}",
					       &s, err, sizeof(err)));
		CHECK_INT(1, s.nr_jobs);
		CHECK_INT(5, s.jobs[0].dir[RESULT_READ].ios);
		CHECK(!s.jobs[0].dir[RESULT_READ].clat_p99_ns.known);
		CHECK(!s.version);
		fio_summary_free(&s);
	}
	TEST_CONTEXT_CLEAR();
}

static void test_job_files(void)
{
	const struct fio_builtin *b;
	char err[1024], path[256];
	struct scenario sc;
	int n = 0;

	for (b = fio_builtins; b->name; b++, n++) {
		TEST_CONTEXT("job file %s", b->name);
		CHECK_INT(0, fio_job_check("fio-lo", b->name, err, sizeof(err)));
		CHECK(b->text[0] == ';');	/* each starts with its documentation */
		CHECK(strstr(b->text, "${MMSTALL_"));	/* the same file on a host and in a guest */
		CHECK(strstr(b->text, "direct=1"));
	}
	TEST_CONTEXT_CLEAR();
	CHECK(n >= 4);
	CHECK_INT(0, fio_job_check("fio-lo", "", err, sizeof(err)));

	/* an unknown name: a clear error naming the accepted ones */
	CHECK_INT(-ENOENT, fio_job_check("fio-lo", "randwrite", err, sizeof(err)));
	CHECK(strstr(err, "unknown fio job file 'randwrite' for --fio-lo"));
	CHECK(strstr(err, "mixed, randread, seqwrite"));
	CHECK(strstr(err, "path of a job file"));
	/* the same through the scenario layer (--fio-hi, --set, scenario files) */
	scenario_defaults(&sc);
	CHECK_STR("", sc.fio_lo);
	CHECK_INT(BASELINE_AUTO, sc.device_baseline);
	CHECK_INT(0, scenario_set(&sc, "fio-hi", "nope", err, sizeof(err)));
	CHECK_INT(-EINVAL, scenario_validate(&sc, err, sizeof(err)));
	CHECK(strstr(err, "'nope' for --fio-hi"));
	CHECK(strstr(err, "randread"));
	CHECK_INT(-EINVAL, scenario_set(&sc, "device-baseline", "yes", err, sizeof(err)));
	CHECK(strstr(err, "one of: auto on off"));

	/* paths: must be readable */
	CHECK_INT(-ENOENT, fio_job_check("fio-hi", "/nonexistent/my.fio", err, sizeof(err)));
	CHECK(strstr(err, "cannot read the fio job file"));
	snprintf(path, sizeof(path), "%s/my.fio", dir);
	CHECK_INT(0, write_file_atomic(path, "[x]\nrw=read\n", 12));
	CHECK_INT(0, fio_job_check("fio-hi", path, err, sizeof(err)));
	CHECK(fio_job_is_path("jobs/x") && fio_job_is_path("x.fio") && !fio_job_is_path("randread"));
}

static bool gone(pid_t pid)
{
	return pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH);
}

/* The live path, without cgroups: baseline, a background job started and stopped, nothing left. */
static void test_run_real(void)
{
	static volatile sig_atomic_t stop_flag;
	char bin[4096], rf[256], err[2048] = "", tmp[4096 + 64];
	struct fio_run f;
	struct scenario sc;
	struct result_fio j;
	pid_t pid;

	/* fio is a dependency run.sh installs: without it this is a broken setup, not a skip */
	if (!CHECK_INT(0, fio_find(bin, sizeof(bin)))) {
		fprintf(stderr, "fio not installed: the real runs cannot be tested (apt-get install fio)\n");
		return;
	}
	snprintf(rf, sizeof(rf), "%s/lo.dat", dir);
	if (!CHECK_INT(0, datafile_ensure(rf, 16 << 20, 1, err, sizeof(err))))
		return;
	scenario_defaults(&sc);
	snprintf(sc.fio_lo, sizeof(sc.fio_lo), "randread");
	if (!CHECK_INT(0, fio_run_init(&f, &sc, dir, rf, err, sizeof(err)))) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s", f.tmpdir);
	CHECK(is_dir(tmp));
	if (!CHECK_INT(0, fio_run_baseline(&f, &stop_flag, err, sizeof(err))))
		fprintf(stderr, "  %s\n", err);
	/* "measurement" of 1 s: MMSTALL_RUNTIME=2000ms, and fio ends by itself */
	if (!CHECK_INT(0, fio_run_start(&f, FIO_LO, NSEC_PER_SEC, NULL, err, sizeof(err))))
		fprintf(stderr, "  %s\n", err);
	pid = f.bg[FIO_LO].kid.pid;
	CHECK(pid > 0);
	CHECK_STR("2000ms", f.bg[FIO_LO].runtime);
	sleep(1);
	CHECK_INT(0, fio_run_check(&f, err, sizeof(err)));
	fio_run_stop(&f, &stop_flag);
	CHECK(gone(pid));
	CHECK_STR("runtime", f.bg[FIO_LO].how);
	fio_run_end(&f);
	CHECK(!path_exists(tmp));	/* temporary files removed */

	fio_run_result(&f, &j);
	CHECK_STR(bin, j.binary);
	CHECK(j.version != NULL);
	CHECK_STR("ok", j.baseline.status);
	CHECK(j.baseline.has_read && j.baseline.read.present);
	CHECK(j.baseline.read.clat_p99_ns.known && j.baseline.read.clat_p99_ns.v > 0);
	CHECK(j.baseline.read.ios > 0);
	CHECK_STR(rf, j.baseline.file);
	CHECK(j.baseline.reaped && j.baseline.exit_status.known && !j.baseline.exit_status.v);
	CHECK_STR("ok", j.lo.status);
	CHECK_STR("lo", j.lo.group);
	CHECK_STR("runtime", j.lo.ended_by);
	CHECK_STR("2000ms", j.lo.runtime);
	CHECK(j.lo.job_text && strstr(j.lo.job_text, "${MMSTALL_RUNTIME}"));
	CHECK(j.lo.nr_jobs >= 1 && j.lo.jobs[0].dir[RESULT_READ].ios > 0);
	CHECK(!j.hi.present);
	fio_run_free(&f);

	/* a background job that ends by itself is caught: its load is gone */
	snprintf(tmp, sizeof(tmp), "%s/short.fio", dir);
	{
		static const char job[] = "[short]\nfilename=${MMSTALL_READ_FILE}\nrw=randread\ndirect=1\n"
					  "runtime=200ms\ntime_based=1\n";

		CHECK_INT(0, write_file_atomic(tmp, job, strlen(job)));
	}
	snprintf(sc.fio_lo, sizeof(sc.fio_lo), "%.100s", tmp);
	sc.device_baseline = BASELINE_OFF;
	CHECK_INT(0, fio_run_init(&f, &sc, dir, rf, err, sizeof(err)));
	CHECK_INT(0, fio_run_baseline(&f, &stop_flag, err, sizeof(err)));
	CHECK_INT(0, fio_run_start(&f, FIO_LO, 10 * NSEC_PER_SEC, NULL, err, sizeof(err)));
	pid = f.bg[FIO_LO].kid.pid;
	for (int i = 0; i < 300 && !fio_run_check(&f, err, sizeof(err)); i++)
		usleep(50000);
	CHECK(strstr(err, "ended before the measurement did"));
	fio_run_stop(&f, &stop_flag);
	fio_run_end(&f);
	CHECK(gone(pid));
	fio_run_result(&f, &j);
	CHECK_STR("off", j.baseline.status);
	CHECK_STR("device-baseline off", j.baseline.error);
	CHECK(!j.baseline.file && !j.baseline.reaped);
	CHECK_STR("failed", j.lo.status);
	CHECK(j.lo.error && strstr(j.lo.error, "ended before the measurement did"));
	fio_run_free(&f);

	/* a job file without MMSTALL_RUNTIME runs on: stopped with SIGTERM, nothing left */
	{
		static const char job[] = "[long]\nfilename=${MMSTALL_READ_FILE}\nrw=randread\ndirect=1\n"
					  "runtime=1h\ntime_based=1\n";

		CHECK_INT(0, write_file_atomic(tmp, job, strlen(job)));
	}
	CHECK_INT(0, fio_run_init(&f, &sc, dir, rf, err, sizeof(err)));
	CHECK_INT(0, fio_run_start(&f, FIO_LO, NSEC_PER_SEC, NULL, err, sizeof(err)));
	pid = f.bg[FIO_LO].kid.pid;
	sleep(1);
	fio_run_stop(&f, &stop_flag);
	CHECK(gone(pid));
	CHECK_STR("SIGTERM", f.bg[FIO_LO].how);
	fio_run_result(&f, &j);
	/* ok, or failed if the signal hit fio's helper thread (axboe/fio#2079): said, never silent */
	CHECK(j.lo.status != NULL);
	CHECK_STR("SIGTERM", j.lo.ended_by);
	fio_run_end(&f);
	fio_run_free(&f);
	unlink(tmp);
	unlink(rf);
}

/* device-baseline on (or a background job) without fio: refused up front, saying what to do. */
static void test_no_fio(void)
{
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL, err[1024] = "";
	struct fio_run f;
	struct scenario sc;
	struct result_fio j;
	static volatile sig_atomic_t stop_flag;

	setenv("PATH", "/nonexistent", 1);
	scenario_defaults(&sc);
	sc.device_baseline = BASELINE_ON;
	CHECK_INT(-ENOENT, fio_run_init(&f, &sc, dir, "/x", err, sizeof(err)));
	CHECK(strstr(err, "fio not found in PATH"));
	CHECK(strstr(err, "apt-get install fio"));
	fio_run_free(&f);
	/* auto: the run goes on, and the result says why there is no baseline */
	sc.device_baseline = BASELINE_AUTO;
	CHECK_INT(0, fio_run_init(&f, &sc, dir, "/x", err, sizeof(err)));
	CHECK_INT(0, fio_run_baseline(&f, &stop_flag, err, sizeof(err)));
	fio_run_result(&f, &j);
	CHECK_STR("unavailable", j.baseline.status);
	CHECK(j.baseline.error && strstr(j.baseline.error, "fio not found"));
	CHECK(!j.binary);
	fio_run_end(&f);
	fio_run_free(&f);
	if (path)
		setenv("PATH", path, 1);
	free(path);
}

/*
 * A kernel without SysV IPC (CONFIG_SYSVIPC not set): fio's shmget fails
 * with ENOSYS ("failed to setup shm segment"), with --thread too.  The
 * embedded preload makes it run; strace injects the ENOSYS here.  And the
 * baseline with the preload forced (MMSTALL_FIO_NOSHM=1) is still a good one.
 */
static void test_no_sysv_ipc(void)
{
	char so[300], rf[300], cmd[PATH_MAX + 1024], bin[PATH_MAX], err[1024] = "";
	static volatile sig_atomic_t stop_flag;
	struct scenario sc;
	struct fio_run f;
	struct result_fio j;
	int fd, rc;

	if (fio_find(bin, sizeof(bin)))
		return;
	TEST_CONTEXT("no SysV IPC");
	CHECK(fio_sysv_ipc_ok());	/* this host has it */
	CHECK(fio_noshm_so_len > 1000 && !memcmp(fio_noshm_so, "\x7f" "ELF", 4));
	snprintf(so, sizeof(so), "%s/noshm.so", dir);
	snprintf(rf, sizeof(rf), "%s/noshm.dat", dir);
	fd = open(so, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(fd >= 0 && write(fd, fio_noshm_so, fio_noshm_so_len) == (ssize_t)fio_noshm_so_len);
	close(fd);
	CHECK_INT(0, datafile_ensure(rf, 8 << 20, 1, err, sizeof(err)));
	if (have_program("strace")) {
		const char *fmt = "strace -f -qq -o /dev/null -e trace=shmget -e inject=shmget:error=ENOSYS %s %s --thread --name=t "
				  "--filename=%s --rw=randread --bs=4k --size=8M --runtime=1 --output-format=json "
				  ">/dev/null 2>&1";

		snprintf(cmd, sizeof(cmd), fmt, "env", bin, rf);
		rc = system(cmd);
		CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) != 0);	/* the failure is real */
		snprintf(cmd, sizeof(cmd), "strace -f -qq -o /dev/null -e trace=shmget -e inject=shmget:error=ENOSYS env LD_PRELOAD=%s "
			 "%s --thread --name=t --filename=%s --rw=randread --bs=4k --size=8M --runtime=1 "
			 "--output-format=json >/dev/null 2>&1", so, bin, rf);
		rc = system(cmd);
		CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);	/* and the preload cures it */
	} else {
		fprintf(stderr, "strace not installed: ENOSYS from shmget not injected\n");
	}
	setenv("MMSTALL_FIO_NOSHM", "1", 1);
	scenario_defaults(&sc);
	CHECK_INT(0, fio_run_init(&f, &sc, dir, rf, err, sizeof(err)));
	CHECK(path_exists(f.preload));
	CHECK_INT(0, fio_run_baseline(&f, &stop_flag, err, sizeof(err)));
	fio_run_end(&f);
	fio_run_result(&f, &j);
	CHECK(j.sysv_shm_emulated);
	CHECK_STR("ok", j.baseline.status);
	fio_run_free(&f);
	unsetenv("MMSTALL_FIO_NOSHM");
	unlink(so);
	unlink(rf);
	TEST_CONTEXT_CLEAR();
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_summary_baseline();
	test_summary_terminated();
	test_summary_bad();
	test_job_files();
	test_no_fio();
	test_run_real();
	test_no_sysv_ipc();
	rm_rf(dir);
	return test_summary();
}
