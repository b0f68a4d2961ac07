// SPDX-License-Identifier: GPL-2.0
/*
 * End to end, in guests (label vm; 1-CPU guests, short runs):
 *  - 'compare --aa --reps 2 --jobs 2': two guests at once, each pinned to
 *    its own host CPU, in waves that hold both variants (rep 2 of any
 *    variant boots only after rep 1 of every variant ended); rep 1 of each
 *    variant measures the device baseline, rep 2 names it; the report says
 *    where the time went;
 *  - the same compare as a job list ('compare --plan'), every entry run by
 *    GNU parallel (2 at once, 'run-job --slot {%}'): the same result files,
 *    and 'report' of them gives the same runs and verdicts as compare's own;
 *    run-job of an entry already done skips it;
 *  - SIGINT to a '--jobs 2' compare with both guests running: exit 130, no
 *    QEMU left (nothing pinned remains), its work directory gone, no
 *    cgroup left on the host, the runs recorded as interrupted.
 *
 * Usage: test_jobs_vm [PATH-TO-MMSTALL]   (else $MMSTALL)
 * Exit: 0 pass, 1 fail, 77 skip (no QEMU, no apt, no GNU parallel, fewer than 2 host CPUs).
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/results_fixture.h"
#include "tests/test_util.h"

#define KERNEL "6.12=deb:linux-image-6.12"
#define SHORT "--duration", "3s", "--warmup", "1s", "--file-size", "64M", "--lo-memory-max", "16M", \
	      "--hi-file-size", "8M", "--cpus", "1", "--accel", "tcg"

static char top[] = "/tmp/mmstall-test-jobs-XXXXXX";
static const char *const stems[] = { "6.12.rep1", "6.12-aa.rep1", "6.12.rep2", "6.12-aa.rep2" };

static json_t *result(const char *dir, const char *stem)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s.json", dir, stem);
	return json_load_file(path, 0, NULL);
}

/* Where needle is in hay (its offset), or -1. */
static long at(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	return p ? p - hay : -1;
}

static void check_runs(const char *dir, bool from_compare)
{
	json_t *r[4], *vm;
	int cpu[4], i;

	for (i = 0; i < 4; i++) {
		TEST_CONTEXT("%s %s", dir, stems[i]);
		r[i] = result(dir, stems[i]);
		if (!CHECK(r[i] != NULL))
			return;
		vm = json_object_get(r[i], "vm");
		CHECK_STR("ok", json_string_value(json_object_get(r[i], "status")));
		CHECK_INT(1, json_array_size(json_object_get(vm, "pinned_cpus")));
		cpu[i] = (int)json_integer_value(json_array_get(json_object_get(vm, "pinned_cpus"), 0));
		CHECK_INT(i, json_integer_value(json_object_get(json_object_get(vm, "plan"), "index")));
		CHECK_INT(i / 2, json_integer_value(json_object_get(json_object_get(vm, "plan"), "pairing")));
		if (from_compare)
			CHECK_INT(2, json_integer_value(json_object_get(vm, "parallel_guests")));
		/* the device baseline: rep 1 measures it, rep 2 names rep 1 and runs without */
		if (i < 2) {
			CHECK(json_is_null(json_object_get(vm, "device_baseline_from")));
		} else {
			CHECK_STR(stems[i - 2], json_string_value(json_object_get(vm, "device_baseline_from")));
			CHECK_STR("off", json_string_value(json_object_get(json_object_get(r[i], "scenario"),
									   "device_baseline")));
		}
	}
	TEST_CONTEXT("%s: a wave's guests on distinct CPUs", dir);
	CHECK(cpu[0] != cpu[1]);
	CHECK(cpu[2] != cpu[3]);
	/* compare rotates the sets: no variant keeps its CPU */
	if (from_compare)
		CHECK(cpu[0] != cpu[2]);
	for (i = 0; i < 4; i++)
		json_decref(r[i]);
	TEST_CONTEXT_CLEAR();
}

static void parallel_compare(const char *dir)
{
	char *out, *err;
	json_t *s, *t;
	int code;

	TEST_CONTEXT("compare --jobs 2");
	code = fx_exec((const char *[]){ "compare", "--kernel", KERNEL, "--aa", "--reps", "2", "--jobs", "2",
					 "--results", dir, SHORT, NULL }, &out, &err);
	if (!CHECK_INT(0, code))
		fprintf(stderr, "stderr:\n%s\n", err);
	has(err, "2 guests at once, each pinned to its own 1 of host CPUs");
	/* a wave: both rep 1 boot before either ends; rep 2 only after both ended */
	CHECK(at(err, "[6.12-aa.rep1] booting") >= 0 && at(err, "[6.12-aa.rep1] booting") < at(err, "[6.12.rep1] done"));
	CHECK(at(err, "[6.12.rep1] booting") < at(err, "[6.12-aa.rep1] done"));
	CHECK(at(err, "[6.12.rep2] booting") > at(err, "[6.12.rep1] done"));
	CHECK(at(err, "[6.12.rep2] booting") > at(err, "[6.12-aa.rep1] done"));
	CHECK(at(err, "[6.12-aa.rep2] booting") > at(err, "[6.12-aa.rep1] done"));
	CHECK(at(err, "[6.12-aa.rep2] booting") > at(err, "[6.12.rep1] done"));
	has(err, "compare: 6.12-aa rep 2/2 (run 4 of 4)");
	has(out, "Where the time went (4 runs on");
	has(out, "up to 2 guests at once");
	free(out);
	free(err);
	check_runs(dir, true);
	{
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/summary.json", dir);
		s = json_load_file(path, 0, NULL);
		t = json_object_get(s, "time_spent");
		TEST_CONTEXT("summary.json time_spent");
		CHECK_INT(4, json_integer_value(json_object_get(t, "runs")));
		CHECK_INT(2, json_integer_value(json_object_get(t, "parallel_guests")));
		CHECK(json_real_value(json_object_get(t, "measurement_s")) > 15.9);
		CHECK(json_real_value(json_object_get(t, "measurement_share")) > 0.05);
		json_decref(s);
	}
	TEST_CONTEXT_CLEAR();
}

/* "basis probe stat variant verdict" of every cell, and each variant's runs and own verdict. */
static char *verdicts(const char *dir)
{
	char *out, *err, *buf = NULL;
	size_t len = 0, i;
	json_t *s, *c;
	FILE *f = open_memstream(&buf, &len);

	fx_exec((const char *[]){ "report", dir, "--format", "json", NULL }, &out, &err);
	s = json_loads(out, 0, NULL);
	json_array_foreach(json_object_get(s, "variants"), i, c)
		fprintf(f, "%s runs %lld ok %lld inversion %s\n", json_string_value(json_object_get(c, "name")),
			(long long)json_integer_value(json_object_get(c, "runs")),
			(long long)json_integer_value(json_object_get(c, "runs_ok")),
			json_string_value(json_object_get(c, "inversion")));
	json_array_foreach(json_object_get(s, "cells"), i, c)
		fprintf(f, "%s %s %s %s %lld %s\n", json_string_value(json_object_get(c, "basis")),
			json_string_value(json_object_get(c, "probe")), json_string_value(json_object_get(c, "stat")),
			json_string_value(json_object_get(c, "variant")),
			(long long)json_integer_value(json_object_get(c, "n")),
			json_string_value(json_object_get(c, "verdict")) ?: "-");
	fclose(f);
	json_decref(s);
	free(out);
	free(err);
	return buf;
}

static void plan_by_parallel(const char *cdir, const char *dir)
{
	char plan[PATH_MAX], slot[64], *out, *err, *a, *b;
	char *argv[] = { "parallel", "-j2", "--halt", "never", (char *)fx_mmstall, "run-job", plan, "{}", "--slot",
			 slot, "--results", (char *)dir, ":::", "0", "1", "2", "3", NULL };
	int code, i;

	snprintf(plan, sizeof(plan), "%s/plan.json", top);
	snprintf(slot, sizeof(slot), "{%%}");
	TEST_CONTEXT("compare --plan");
	code = fx_exec((const char *[]){ "compare", "--kernel", KERNEL, "--aa", "--reps", "2", "--plan", plan, SHORT,
					 NULL }, &out, &err);
	CHECK_INT(0, code);
	free(out);
	free(err);
	TEST_CONTEXT("GNU parallel runs the 4 entries, 2 at once");
	code = proc_run(argv, NULL, -1, -2, -2);
	CHECK_INT(0, code);
	check_runs(dir, false);
	for (i = 0; i < 4; i++) {
		char path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/%s.console.log", dir, stems[i]);
		CHECK(path_exists(path));
	}
	TEST_CONTEXT("report of run-job's results equals compare's");
	a = verdicts(cdir);
	b = verdicts(dir);
	if (!CHECK(a && b && *a && !strcmp(a, b)))
		fprintf(stderr, "compare:\n%s\nrun-job:\n%s\n", a, b);
	free(a);
	free(b);
	TEST_CONTEXT("run-job of an entry already done");
	code = fx_exec((const char *[]){ "run-job", plan, "2", "--results", dir, NULL }, &out, &err);
	CHECK_INT(0, code);
	has(err, "6.12.rep2.json is already done");
	CHECK(!strstr(err, "booting"));
	free(out);
	free(err);
	TEST_CONTEXT_CLEAR();
}

/* Processes whose command line holds needle (QEMU names the work directory in its arguments). */
static int procs_with(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[300], *text;
	size_t len, i;
	int n = 0;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		text = NULL;
		if (read_file(path, &text, &len))
			continue;
		for (i = 0; i + 1 < len; i++)
			if (!text[i])
				text[i] = ' ';
		n += strstr(text, needle) != NULL;
		free(text);
	}
	if (d)
		closedir(d);
	return n;
}

/* mmstall's cgroups on the host (cgroup2 at the top, or a v1 hierarchy's): none is ever made there. */
static int host_cgroups(void)
{
	static const char *const pats[] = { "/sys/fs/cgroup/mmstall*", "/sys/fs/cgroup/*/mmstall*" };
	glob_t g;
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(pats); i++) {
		if (glob(pats[i], 0, NULL, &g))
			continue;
		n += (int)g.gl_pathc;
		globfree(&g);
	}
	return n;
}

static void interrupted(const char *dir)
{
	char errpath[PATH_MAX], *text = NULL, needle[64], pat[PATH_MAX];
	const char *argv[] = { fx_mmstall, "compare", "--kernel", KERNEL, "--aa", "--reps", "2", "--jobs", "2",
			       "--results", dir, "--duration", "60s", "--warmup", "1s", "--file-size", "64M",
			       "--lo-memory-max", "16M", "--hi-file-size", "8M", "--cpus", "1", "--accel", "tcg", NULL };
	struct proc_child c = { .argv = (char *const *)argv, .in_fd = -1, .out_fd = -1 };
	int cg0 = host_cgroups(), efd, code, i;
	glob_t g;
	pid_t pid;

	TEST_CONTEXT("SIGINT with two guests running");
	snprintf(errpath, sizeof(errpath), "%s/interrupt.err", top);
	efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	c.err_fd = efd;
	if (!CHECK_INT(0, proc_spawn(&c, &pid)))
		return;
	close(efd);
	for (i = 0; i < 1800; i++) {
		free(text);
		text = NULL;
		read_file(errpath, &text, NULL);
		if (text && strstr(text, "[6.12.rep1] running") && strstr(text, "[6.12-aa.rep1] running"))
			break;
		usleep(100 * 1000);
	}
	CHECK(text && strstr(text, "[6.12-aa.rep1] running"));
	snprintf(needle, sizeof(needle), "mmstall-vm.%d.", (int)pid);
	CHECK_INT(2, procs_with(needle));
	kill(pid, SIGINT);
	code = proc_wait(pid, now_ns() + 60 * NSEC_PER_SEC, NULL, NULL);
	CHECK_INT(130, code);
	CHECK_INT(0, procs_with(needle));
	snprintf(pat, sizeof(pat), "/tmp/mmstall-vm.%d.*", (int)pid);
	CHECK_INT(GLOB_NOMATCH, glob(pat, 0, NULL, &g));
	CHECK_INT(cg0, host_cgroups());
	free(text);
	text = NULL;
	read_file(errpath, &text, NULL);
	has(text ?: "", "interrupted by SIGINT");
	for (i = 0; i < 2; i++) {
		json_t *r = result(dir, stems[i]);

		CHECK_STR("failed", json_string_value(json_object_get(r, "status")));
		has(json_string_value(json_object_get(r, "error")) ?: "", "interrupted");
		json_decref(r);
	}
	free(text);
	TEST_CONTEXT_CLEAR();
}

int main(int argc, char **argv)
{
	static const char *const needs[][2] = {
		{ "qemu-system-x86_64", "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)" },
		{ "apt-get", "no apt-get: the test boots a Debian kernel package" },
		{ "parallel", "GNU parallel is not installed (apt-get install parallel)" },
	};
	char cdir[PATH_MAX], pdir[PATH_MAX], idir[PATH_MAX];
	cpu_set_t set;
	size_t i;
	int code;

	for (i = 0; i < ARRAY_SIZE(needs); i++) {
		if (!have_program(needs[i][0])) {
			printf("SKIP: %s\n", needs[i][1]);
			return 77;
		}
	}
	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) < 2) {
		printf("SKIP: fewer than 2 host CPUs: two pinned guests need one each\n");
		return 77;
	}
	if ((code = fx_start(argc, argv, top)))
		return code;
	snprintf(cdir, sizeof(cdir), "%s/compare", top);
	snprintf(pdir, sizeof(pdir), "%s/parallel", top);
	snprintf(idir, sizeof(idir), "%s/interrupted", top);
	parallel_compare(cdir);
	plan_by_parallel(cdir, pdir);
	interrupted(idir);
	return fx_finish(top);
}
